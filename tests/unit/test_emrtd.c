/* test_emrtd: the eMRTD reader (lk_emrtd) against pn532-sim's virtual eMRTD application run
 * in-process behind an lk_apdu port: the ICAO 9303-11 Appendix D exchange replayed byte for byte
 * with the card's and the terminal's randomness pinned; full reads of TD3 and TD1 documents with
 * JPEG and JPEG 2000 faces; passive authentication valid, tampered, without and with a foreign
 * CSCA store; wrong MRZ keys; the card removed after every APDU count of a full read; cancel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kiosk/lk_bac.h"
#include "kiosk/lk_cardapp.h"
#include "kiosk/lk_emrtd.h"
#include "kiosk/lk_jp2.h"
#include "kiosk/lk_pa.h"
#include "sim_card.h"
#include "sim_make.h"

static const char *TD3[] = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                            "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};
static const char *TD1[] = {"I<UTOD23145890<7349<<<<<<<<<<<", "3407127M9507122UTO<<<<<<<<<<<2",
                            "STEVENSON<<PETER<JOHN<<<<<<<<<"};

/* An in-process card behind a port, with an APDU log and a removal countdown. */
struct card_port {
    struct sim_card *card;
    long remove_after; /* < 0: never */
    unsigned n;
    uint8_t log_cmd[8][64], log_rsp[8][64];
    size_t log_cmd_len[8], log_rsp_len[8];
};

static int card_transmit(void *ctx, const uint8_t *c, size_t n, uint8_t *resp, size_t cap,
                         lk_err *err)
{
    struct card_port *p = ctx;
    if (p->remove_after >= 0 && p->n >= (unsigned long)p->remove_after)
        return lk_err_set(err, LK_ENODEV, "card removed");
    size_t rl = 0;
    if (p->card->ops->transceive(p->card->ctx, c, n, resp, cap, &rl) < 0)
        return lk_err_set(err, LK_ETIMEDOUT, "no answer");
    if (p->n < 8 && n <= 64 && rl <= 64) {
        memcpy(p->log_cmd[p->n], c, n);
        memcpy(p->log_rsp[p->n], resp, rl);
        p->log_cmd_len[p->n] = n;
        p->log_rsp_len[p->n] = rl;
    }
    p->n++;
    return (int)rl;
}

static const struct lk_apdu_ops CARD_OPS = {.transmit = card_transmit};

struct fx {
    char dir[64], csca[96], other[96];
    uint8_t *jpeg, *jp2;
    size_t jpeg_len, jp2_len;
};

static uint8_t *slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", getenv("LK_TEST_DATA"), name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *b = malloc(1 << 16);
    *len = fread(b, 1, 1 << 16, f);
    fclose(f);
    return b;
}

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof *fx);
    char err[256];
    snprintf(fx->dir, sizeof fx->dir, "/tmp/lk-emrtd-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->csca, sizeof fx->csca, "%s/csca", fx->dir);
    snprintf(fx->other, sizeof fx->other, "%s/other", fx->dir);
    assert_int_equal(sim_make_test_csca(fx->csca, err, sizeof err), 0);
    assert_int_equal(sim_make_test_csca(fx->other, err, sizeof err), 0);
    fx->jpeg = slurp("face-small.jpg", &fx->jpeg_len);
    fx->jp2 = slurp("face-small.jp2", &fx->jp2_len);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    assert_int_equal(system(cmd), 0);
    free(fx->jpeg);
    free(fx->jp2);
    free(fx);
    return 0;
}

static struct sim_card *make_card(struct fx *fx, const char **mrz, size_t nl, bool jp2,
                                  const char *tamper)
{
    struct sim_emrtd_spec s = {
        mrz, nl, jp2 ? fx->jp2 : fx->jpeg, jp2 ? fx->jp2_len : fx->jpeg_len, fx->csca, tamper};
    char *text = NULL, err[256] = "";
    struct sim_card *c = NULL;
    assert_int_equal(sim_make_emrtd(&s, &text, err, sizeof err), 0);
    if (sim_card_parse(text, strlen(text), &c, err, sizeof err) != 0)
        fail_msg("card: %s", err);
    free(text);
    return c;
}

static int read_doc(struct sim_card *c, const char *doc, const char *dob, const char *exp,
                    long remove_after, lk_emrtd_doc *d, lk_err *err)
{
    char info[LK_BAC_MRZ_INFO_MAX];
    assert_int_equal(lk_bac_mrz_info(doc, dob, exp, info, NULL), 0);
    struct card_port p = {.card = c, .remove_after = remove_after};
    lk_apdu_port port = {&CARD_OPS, &p};
    lk_emrtd_opts o = {.mrz_info = info};
    c->ops->reset(c->ctx);
    return lk_emrtd_read(&port, &o, d, err);
}

static int pa(const lk_emrtd_doc *d, const char *store, lk_pa_result *r)
{
    lk_pa_dg dgs[] = {{1, d->dg1, d->dg1_len}, {2, d->dg2, d->dg2_len}};
    return lk_pa_verify(d->sod, d->sod_len, dgs, 2, store, r, NULL);
}

static void test_full_read_td3_and_pa(void **state)
{
    struct fx *fx = *state;
    struct sim_card *c = make_card(fx, TD3, 2, false, NULL);
    lk_emrtd_doc d;
    lk_err err = {0};
    lk_pa_result r;
    assert_int_equal(read_doc(c, "L898902C3", "740812", "120415", -1, &d, &err), 0);
    assert_int_equal(d.mrz.format, LK_MRZ_TD3);
    assert_true(d.mrz.valid);
    assert_string_equal(d.mrz.surname, "ERIKSSON");
    assert_string_equal(d.mrz.given_names, "ANNA MARIA");
    assert_string_equal(d.mrz.document_number, "L898902C3");
    assert_string_equal(d.ef_com.lds_version, "0107");
    assert_int_equal(d.face.format, LK_FACE_JPEG);
    assert_int_equal(d.face.image_len, fx->jpeg_len);
    assert_memory_equal(d.face.image, fx->jpeg, fx->jpeg_len);
    assert_int_equal(d.face.width, 60);
    assert_int_equal(d.face.height, 80);
    assert_int_equal(pa(&d, fx->csca, &r), 0);
    assert_true(r.valid && r.sod_parsed && r.signature && r.ds_certificate && r.dg_hashes);
    assert_int_equal(r.dg_ok, 0x6);
    assert_string_equal(r.hash_alg, "sha256");
    /* No store: the signature and hashes still verify, the chain cannot. Another CSCA: refused. */
    assert_int_equal(pa(&d, NULL, &r), LK_EBADSIG);
    assert_true(r.signature && r.dg_hashes && !r.ds_certificate && !r.valid);
    assert_int_equal(pa(&d, fx->other, &r), LK_EBADSIG);
    assert_true(r.signature && !r.ds_certificate);
    assert_non_null(strstr(r.reason, "document signer certificate"));
    /* One bit of the signed SOD changed: the signature fails. */
    d.sod[d.sod_len - 5] ^= 0x01;
    assert_int_equal(pa(&d, fx->csca, &r), LK_EBADSIG);
    assert_false(r.valid);
    assert_true(r.sod_parsed && !r.signature);
    lk_emrtd_doc_free(&d);
    assert_null(d.dg1);
    sim_card_free(c);
}

static void test_tampered_dg2(void **state)
{
    struct fx *fx = *state;
    struct sim_card *c = make_card(fx, TD3, 2, false, "dg2");
    lk_emrtd_doc d;
    lk_pa_result r;
    assert_int_equal(read_doc(c, "L898902C3", "740812", "120415", -1, &d, NULL), 0);
    assert_int_equal(pa(&d, fx->csca, &r), LK_EBADSIG);
    assert_true(r.signature && r.ds_certificate);
    assert_false(r.dg_hashes);
    assert_int_equal(r.dg_checked, 0x6);
    assert_int_equal(r.dg_ok, 0x2); /* DG1 good, DG2 not */
    assert_string_equal(r.reason, "DG2 does not match its hash in EF.SOD");
    lk_emrtd_doc_free(&d);
    sim_card_free(c);
}

static void test_td1_with_jp2_face(void **state)
{
    struct fx *fx = *state;
    struct sim_card *c = make_card(fx, TD1, 3, true, NULL);
    lk_emrtd_doc d;
    lk_pa_result r;
    lk_image img;
    assert_int_equal(read_doc(c, "D23145890734", "340712", "950712", -1, &d, NULL), 0);
    assert_int_equal(d.mrz.format, LK_MRZ_TD1);
    assert_string_equal(d.mrz.surname, "STEVENSON");
    assert_int_equal(d.face.format, LK_FACE_JP2);
    assert_int_equal(pa(&d, fx->csca, &r), 0);
    assert_int_equal(lk_jp2_decode(d.face.image, d.face.image_len, &img, NULL), 0);
    assert_int_equal(img.width, 60);
    assert_int_equal(img.height, 80);
    assert_int_equal(img.channels, 3);
    /* Top-left pixel is the light background of the self-made test face. */
    assert_true(img.pixels[0] > 150 && img.pixels[2] > 180);
    lk_image_free(&img);
    assert_int_equal(lk_jp2_decode(d.face.image, d.face.image_len / 2, &img, NULL), LK_EINVAL);
    assert_int_equal(lk_jp2_decode(fx->jpeg, fx->jpeg_len, &img, NULL), LK_EINVAL);
    lk_emrtd_doc_free(&d);
    sim_card_free(c);
}

static void test_wrong_keys(void **state)
{
    struct fx *fx = *state;
    struct sim_card *c = make_card(fx, TD3, 2, false, NULL);
    lk_emrtd_doc d;
    lk_err err = {0};
    assert_int_equal(read_doc(c, "L898902C3", "740812", "120416", -1, &d, &err), LK_EBADSIG);
    assert_non_null(strstr(err.msg, "MRZ keys do not open"));
    assert_null(d.dg1);
    /* After a failed attempt the right keys still open it (a new challenge). */
    assert_int_equal(read_doc(c, "L898902C3", "740812", "120415", -1, &d, &err), 0);
    lk_emrtd_doc_free(&d);
    sim_card_free(c);
}

static void test_removed_after_every_apdu(void **state)
{
    struct fx *fx = *state;
    struct sim_card *c = make_card(fx, TD3, 2, false, NULL);
    lk_emrtd_doc d;
    lk_err err = {0};
    assert_int_equal(read_doc(c, "L898902C3", "740812", "120415", -1, &d, NULL), 0);
    unsigned total = d.apdus;
    lk_emrtd_doc_free(&d);
    assert_true(total > 10);
    for (unsigned n = 0; n < total; n++) {
        int rc = read_doc(c, "L898902C3", "740812", "120415", n, &d, &err);
        assert_int_equal(rc, LK_ENODEV);
        assert_int_equal(d.apdus, n + 1); /* the one that found the card gone */
        assert_null(d.dg1);
        assert_null(d.sod);
    }
    sim_card_free(c);
}

static void cancel_in_dg2(void *ctx, lk_emrtd_stage stage, size_t done, size_t total)
{
    (void)done;
    (void)total;
    if (stage == LK_EMRTD_STAGE_DG2)
        atomic_store((atomic_bool *)ctx, true);
}

static void test_cancel(void **state)
{
    struct fx *fx = *state;
    struct sim_card *c = make_card(fx, TD3, 2, false, NULL);
    char info[LK_BAC_MRZ_INFO_MAX];
    atomic_bool cancel = false;
    lk_bac_mrz_info("L898902C3", "740812", "120415", info, NULL);
    struct card_port p = {.card = c, .remove_after = -1};
    lk_apdu_port port = {&CARD_OPS, &p};
    lk_emrtd_opts o = {
        .mrz_info = info, .progress = cancel_in_dg2, .progress_ctx = &cancel, .cancel = &cancel};
    lk_emrtd_doc d;
    lk_err err = {0};
    assert_int_equal(lk_emrtd_read(&port, &o, &d, &err), LK_ECANCELED);
    assert_null(d.dg1);
    sim_card_free(c);
}

static int pinned_random(void *ctx, uint8_t *buf, size_t n)
{
    (void)ctx;
    /* RND.IFD || K.IFD of the worked example. */
    static const uint8_t v[24] = {0x78, 0x17, 0x23, 0x86, 0x0C, 0x06, 0xC2, 0x26,
                                  0x0B, 0x79, 0x52, 0x40, 0xCB, 0x70, 0x49, 0xB0,
                                  0x1C, 0x19, 0xB3, 0x3E, 0x32, 0x80, 0x4F, 0x0B};
    assert_int_equal(n, sizeof v);
    memcpy(buf, v, n);
    return 0;
}

static void assert_hex(const uint8_t *got, size_t n, const char *want)
{
    uint8_t w[128];
    size_t wn = (size_t)sim_hex_decode(want, w, sizeof w);
    assert_int_equal(n, wn);
    assert_memory_equal(got, w, n);
}

/* ICAO 9303-11 Appendix D end to end: the reader's APDUs and the virtual card's answers are the
 * worked example's, byte for byte (the card holds only EF.COM, so the read stops at DG1). */
static void test_appendix_d_replay(void **state)
{
    (void)state;
    static const char CARD[] = "type=iso14443a\nuid=08123456\napp=emrtd\n"
                               "mrz_info=L898902C<369080619406236\nrnd_ic=4608F91988702212\n"
                               "k_ic=0B4F80323EB3191CB04970CB4052790B\n"
                               "file=011E:60145F0104303130365F36063034303030305C026175\n";
    struct sim_card *c = NULL;
    char err[200];
    assert_int_equal(sim_card_parse(CARD, sizeof CARD - 1, &c, err, sizeof err), 0);
    struct card_port p = {.card = c, .remove_after = -1};
    lk_apdu_port port = {&CARD_OPS, &p};
    lk_emrtd_opts o = {.mrz_info = "L898902C<369080619406236", .random = pinned_random};
    lk_emrtd_doc d;
    lk_err e = {0};
    assert_int_equal(lk_emrtd_read(&port, &o, &d, &e), LK_ENOENT);
    assert_int_equal(p.n, 7);
    assert_hex(p.log_cmd[0], p.log_cmd_len[0], "00A4040C07A0000002471001");
    assert_hex(p.log_cmd[1], p.log_cmd_len[1], "0084000008");
    assert_hex(p.log_rsp[1], p.log_rsp_len[1], "4608F919887022129000");
    assert_hex(p.log_cmd[2], p.log_cmd_len[2],
               "008200002872C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2"
               "5F1448EEA8AD90A728");
    assert_hex(p.log_rsp[2], p.log_rsp_len[2],
               "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449"
               "9000");
    assert_hex(p.log_cmd[3], p.log_cmd_len[3],
               "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800");
    assert_hex(p.log_rsp[3], p.log_rsp_len[3], "990290008E08FA855A5D4C50A8ED9000");
    assert_hex(p.log_cmd[4], p.log_cmd_len[4], "0CB000000D9701048E08ED6705417E96BA5500");
    assert_hex(p.log_rsp[4], p.log_rsp_len[4],
               "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000");
    assert_hex(p.log_cmd[5], p.log_cmd_len[5], "0CB000040D9701128E082EA28A70F3C7B53500");
    assert_hex(p.log_rsp[5], p.log_rsp_len[5],
               "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D74"
               "9000");
    assert_non_null(strstr(e.msg, "SELECT 0101 gave 6A82"));
    sim_card_free(c);
}

/* The service card: selected by its AID only, payload read in chunks, end of file reported. */
static void test_service_card(void **state)
{
    (void)state;
    uint8_t payload[300], resp[300];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7);
    char *text = NULL, err[200];
    struct sim_card *c = NULL;
    assert_int_equal(sim_make_service(payload, sizeof payload, &text, err, sizeof err), 0);
    assert_int_equal(sim_card_parse(text, strlen(text), &c, err, sizeof err), 0);
    free(text);
    size_t rl = 0;
    const uint8_t rd[] = {0x00, 0xB0, 0x00, 0x00, 0xF0};
    const uint8_t sel[] = {0x00, 0xA4, 0x04, 0x0C, 0x07, 0xF0, 0x4C, 0x4B, 0x53, 0x56, 0x43, 0x01};
    c->ops->transceive(c->ctx, rd, sizeof rd, resp, 263, &rl);
    assert_hex(resp, rl, "6986");
    c->ops->transceive(c->ctx, sel, sizeof sel, resp, 263, &rl);
    assert_hex(resp, rl, "9000");
    c->ops->transceive(c->ctx, rd, sizeof rd, resp, 263, &rl);
    assert_int_equal(rl, 0xF0 + 2);
    assert_memory_equal(resp, payload, 0xF0);
    const uint8_t rd2[] = {0x00, 0xB0, 0x00, 0xF0, 0xF0};
    c->ops->transceive(c->ctx, rd2, sizeof rd2, resp, 263, &rl);
    assert_int_equal(rl, 300 - 0xF0 + 2);
    assert_memory_equal(resp, payload + 0xF0, 300 - 0xF0);
    assert_hex(resp + rl - 2, 2, "6282");
    sim_card_free(c);
}

/* lk_cardapp over the three kinds of card, and the whole service payload read through it. */
static void test_cardapp(void **state)
{
    struct fx *fx = *state;
    uint8_t payload[1000];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 13 + 1);
    char *text = NULL, err[200];
    struct sim_card *svc = NULL, *unknown = NULL, *mrtd = make_card(fx, TD3, 2, false, NULL);
    assert_int_equal(sim_make_service(payload, sizeof payload, &text, err, sizeof err), 0);
    assert_int_equal(sim_card_parse(text, strlen(text), &svc, err, sizeof err), 0);
    free(text);
    assert_int_equal(sim_card_parse("uid=04112233\n", 13, &unknown, err, sizeof err), 0);
    struct card_port p = {.card = svc, .remove_after = -1};
    lk_apdu_port port = {&CARD_OPS, &p};
    assert_int_equal(lk_cardapp_identify(&port, NULL), LK_CARDAPP_SERVICE);
    uint8_t *got = NULL;
    size_t len = 0;
    assert_int_equal(lk_cardapp_read_service(&port, &got, &len, NULL), 0);
    assert_int_equal(len, sizeof payload);
    assert_memory_equal(got, payload, len);
    free(got);
    p.remove_after = p.n + 2; /* SELECT and one chunk, then gone */
    assert_int_equal(lk_cardapp_read_service(&port, &got, &len, NULL), LK_ENODEV);
    assert_null(got);
    p = (struct card_port){.card = mrtd, .remove_after = -1};
    assert_int_equal(lk_cardapp_identify(&port, NULL), LK_CARDAPP_EMRTD);
    assert_int_equal(lk_cardapp_read_service(&port, &got, &len, NULL), LK_ENOTSUP);
    p = (struct card_port){.card = unknown, .remove_after = -1};
    assert_int_equal(lk_cardapp_identify(&port, NULL), LK_CARDAPP_UNKNOWN);
    assert_string_equal(lk_cardapp_name(LK_CARDAPP_UNKNOWN), "unknown");
    sim_card_free(svc);
    sim_card_free(unknown);
    sim_card_free(mrtd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appendix_d_replay),
        cmocka_unit_test(test_service_card),
        cmocka_unit_test(test_full_read_td3_and_pa),
        cmocka_unit_test(test_tampered_dg2),
        cmocka_unit_test(test_td1_with_jp2_face),
        cmocka_unit_test(test_wrong_keys),
        cmocka_unit_test(test_removed_after_every_apdu),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_cardapp),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
