/* test_lds: lk_tlv and lk_lds on hand-built inputs: multi-byte tags and long lengths, values that
 * run past the buffer, indefinite lengths, header round trips; EF.COM of the Appendix D example;
 * DG1 of a length that is neither TD1 nor TD3, and one whose check digit fails; DG2 whose record
 * says JPEG but holds other bytes, and a truncated record; EF.SOD that is not signedData. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kiosk/lk_lds.h"
#include "kiosk/lk_tlv.h"

static void test_tlv(void **state)
{
    (void)state;
    static const uint8_t a[] = {0x5F, 0x1F, 0x81, 0x02, 0xAA, 0xBB, 0x7F, 0x61, 0x00};
    lk_tlv t;
    assert_int_equal(lk_tlv_read(a, sizeof a, &t, NULL), 6);
    assert_int_equal(t.tag, 0x5F1F);
    assert_int_equal(t.len, 2);
    assert_int_equal(t.hdr_len, 4);
    assert_int_equal(t.value[0], 0xAA);
    assert_int_equal(lk_tlv_find(a, sizeof a, 0x7F61, &t, NULL), 0);
    assert_true(t.constructed);
    assert_int_equal(lk_tlv_find(a, sizeof a, 0x61, &t, NULL), LK_ENOENT);
    static const uint8_t past[] = {0x04, 0x82, 0x01, 0x00, 0x00};
    assert_int_equal(lk_tlv_read(past, sizeof past, &t, NULL), LK_EINVAL);
    uint32_t tag;
    size_t total;
    assert_int_equal(lk_tlv_peek(past, 4, &tag, &total, NULL), 0); /* header alone is enough */
    assert_int_equal(total, 4 + 256);
    static const uint8_t indefinite[] = {0x30, 0x80, 0x00, 0x00};
    assert_int_equal(lk_tlv_read(indefinite, sizeof indefinite, &t, NULL), LK_EINVAL);
    static const uint8_t endless_tag[] = {0x5F, 0x9F, 0x9F, 0x9F, 0x01, 0x00};
    assert_int_equal(lk_tlv_read(endless_tag, sizeof endless_tag, &t, NULL), LK_EINVAL);
    uint8_t h[10];
    const size_t lens[] = {0, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        int k = lk_tlv_put_header(h, sizeof h, 0x7F2E, lens[i]);
        assert_true(k > 0);
        assert_int_equal(lk_tlv_peek(h, (size_t)k, &tag, &total, NULL), 0);
        assert_int_equal(tag, 0x7F2E);
        assert_int_equal(total, (size_t)k + lens[i]);
    }
    assert_int_equal(lk_tlv_put_header(h, 2, 0x7F2E, 5), LK_ENOSPC);
}

static void test_com(void **state)
{
    (void)state;
    static const uint8_t com[] = {0x60, 0x14, 0x5F, 0x01, 0x04, 0x30, 0x31, 0x30, 0x36, 0x5F, 0x36,
                                  0x06, 0x30, 0x34, 0x30, 0x30, 0x30, 0x30, 0x5C, 0x02, 0x61, 0x75};
    lk_lds_com c;
    assert_int_equal(lk_lds_parse_com(com, sizeof com, &c, NULL), 0);
    assert_string_equal(c.lds_version, "0106");
    assert_string_equal(c.unicode_version, "040000");
    assert_int_equal(c.ntags, 2);
    assert_int_equal(lk_lds_dg_of_tag(c.tags[1]), 2);
    assert_int_equal(lk_lds_dg_of_tag(0x70), 16);
    assert_int_equal(lk_lds_dg_of_tag(0x99), 0);
    assert_int_equal(lk_lds_parse_com(com, sizeof com - 1, &c, NULL), LK_EINVAL);
    assert_int_equal(lk_lds_parse_com(com + 2, sizeof com - 2, &c, NULL), LK_EINVAL);
}

static size_t dg1(uint8_t *out, const char *mrz)
{
    size_t n = strlen(mrz);
    out[0] = 0x61;
    out[1] = (uint8_t)(n + 3);
    out[2] = 0x5F;
    out[3] = 0x1F;
    out[4] = (uint8_t)n;
    memcpy(out + 5, mrz, n);
    return n + 5;
}

static void test_dg1(void **state)
{
    (void)state;
    uint8_t b[128];
    lk_mrz m;
    lk_err e = {0};
    const uint8_t *raw = NULL;
    size_t rl = 0;
    size_t n = dg1(b, "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
                      "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
    assert_int_equal(lk_lds_parse_dg1(b, n, &m, &raw, &rl, NULL), 0);
    assert_int_equal(rl, 88);
    assert_ptr_equal(raw, b + 5);
    assert_string_equal(m.given_names, "ANNA MARIA");
    b[5 + 44 + 9] = '7'; /* the document number's check digit */
    assert_int_equal(lk_lds_parse_dg1(b, n, &m, NULL, NULL, &e), LK_EINVAL);
    assert_int_equal(m.format, LK_MRZ_TD3); /* still parsed, just not valid */
    assert_false(m.valid);
    n = dg1(b, "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408122F1204159<<<<<<<6");
    assert_int_equal(lk_lds_parse_dg1(b, n, &m, NULL, NULL, &e), LK_EINVAL);
    assert_non_null(strstr(e.msg, "neither TD1 nor TD3"));
}

/* A DG2 around `img` as make-emrtd builds it. */
static size_t dg2(uint8_t *out, uint8_t data_type, const uint8_t *img, size_t il)
{
    uint8_t rec[256] = {'F', 'A', 'C', 0, '0', '1', '0', 0};
    size_t facial = 20 + 12 + il, rl = 14 + facial;
    rec[11] = (uint8_t)rl;
    rec[13] = 1;
    rec[17] = (uint8_t)facial;
    rec[14 + 20 + 1] = data_type;
    rec[14 + 20 + 3] = 60;
    rec[14 + 20 + 5] = 80;
    memcpy(rec + 14 + 32, img, il);
    size_t i = 0;
    const uint8_t head[] = {
        0x75, (uint8_t)(rl + 12), 0x7F, 0x61, (uint8_t)(rl + 9), 0x02, 0x01, 0x01, 0x7F,
        0x60, (uint8_t)(rl + 3),  0x5F, 0x2E, (uint8_t)rl};
    memcpy(out, head, sizeof head);
    i += sizeof head;
    memcpy(out + i, rec, rl);
    return i + rl;
}

static void test_dg2(void **state)
{
    (void)state;
    static const uint8_t jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0xFF, 0xD9};
    static const uint8_t j2k[] = {0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x2F};
    uint8_t b[300];
    lk_lds_face f;
    lk_err e = {0};
    size_t n = dg2(b, 0, jpeg, sizeof jpeg);
    assert_int_equal(lk_lds_parse_dg2(b, n, &f, NULL), 0);
    assert_int_equal(f.format, LK_FACE_JPEG);
    assert_int_equal(f.width, 60);
    assert_int_equal(f.height, 80);
    assert_int_equal(f.image_len, sizeof jpeg);
    assert_memory_equal(f.image, jpeg, sizeof jpeg);
    n = dg2(b, 1, j2k, sizeof j2k);
    assert_int_equal(lk_lds_parse_dg2(b, n, &f, NULL), 0);
    assert_int_equal(f.format, LK_FACE_JP2);
    n = dg2(b, 0, j2k, sizeof j2k); /* says JPEG, holds JPEG 2000 */
    assert_int_equal(lk_lds_parse_dg2(b, n, &f, &e), LK_EINVAL);
    assert_non_null(strstr(e.msg, "not JPEG"));
    n = dg2(b, 0, jpeg, sizeof jpeg);
    b[n - 40] = 0x7F; /* facial record length beyond the record */
    assert_int_equal(lk_lds_parse_dg2(b, n, &f, NULL), LK_EINVAL);
    assert_int_equal(lk_lds_parse_dg2(b, 20, &f, NULL), LK_EINVAL);
}

static void test_sod_structure(void **state)
{
    (void)state;
    /* 77 { 30 { 06 id-data, A0 {} } }: CMS, but data, not signedData */
    static const uint8_t data_ci[] = {0x77, 0x11, 0x30, 0x0F, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                      0xF7, 0x0D, 0x01, 0x07, 0x01, 0xA0, 0x02, 0x04, 0x00};
    lk_lds_sod s;
    lk_err e = {0};
    assert_int_equal(lk_lds_parse_sod(data_ci, sizeof data_ci, &s, &e), LK_EINVAL);
    assert_non_null(strstr(e.msg, "not CMS signedData"));
    assert_int_equal(lk_lds_parse_sod(data_ci + 2, sizeof data_ci - 2, &s, &e), LK_EINVAL);
    assert_null(lk_lds_sod_hash(&s, 1, &(size_t){0}));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tlv),           cmocka_unit_test(test_com),
        cmocka_unit_test(test_dg1),           cmocka_unit_test(test_dg2),
        cmocka_unit_test(test_sod_structure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
