/* test_pii: the per-kiosk secret (created 0600 with 32 bytes, reused, refused when exposed or
 * the wrong size), the keyed hash of identity documents (normalised, separated by type and by
 * secret) and the masked display form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "lk_testutil.h"
#include "kiosk/lk_pii.h"

typedef lk_test_fixture fixture;

static lk_pii *open_ok(const char *path)
{
    lk_pii *pii = NULL;
    lk_err err = {0};
    if (lk_pii_open(path, &pii, &err) != 0)
        fail_msg("lk_pii_open(%s): %s", path, err.msg);
    assert_non_null(pii);
    return pii;
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_secret_created_0600(void **state)
{
    fixture *fx = *state;
    lk_pii *pii = open_ok(fx->secret);
    struct stat sb;
    assert_int_equal(stat(fx->secret, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sb.st_size, LK_PII_SECRET_LEN);
    lk_pii_close(pii);
}

static void test_secret_reused(void **state)
{
    fixture *fx = *state;
    uint8_t a[LK_PII_MAC_LEN], b[LK_PII_MAC_LEN];
    lk_pii *pii = open_ok(fx->secret);
    assert_int_equal(lk_pii_doc_mac(pii, "passport", "E12345678", a), 0);
    lk_pii_close(pii);
    pii = open_ok(fx->secret);
    assert_int_equal(lk_pii_doc_mac(pii, "passport", "E12345678", b), 0);
    lk_pii_close(pii);
    assert_memory_equal(a, b, LK_PII_MAC_LEN);
}

static void expect_refused(const char *path)
{
    lk_pii *pii = NULL;
    lk_err err = {0};
    int rc = lk_pii_open(path, &pii, &err);
    assert_true(rc < 0);
    assert_int_equal(err.code, rc);
    assert_true(err.msg[0] != '\0');
    assert_null(pii);
}

static void test_secret_exposed_refused(void **state)
{
    fixture *fx = *state;
    lk_pii_close(open_ok(fx->secret));
    assert_int_equal(chmod(fx->secret, 0640), 0);
    expect_refused(fx->secret);
    assert_int_equal(chmod(fx->secret, 0604), 0);
    expect_refused(fx->secret);
    /* Back to 0600 the same file is accepted: the refusal was about the mode alone. */
    assert_int_equal(chmod(fx->secret, 0600), 0);
    lk_pii_close(open_ok(fx->secret));
}

static void test_secret_wrong_size_refused(void **state)
{
    fixture *fx = *state;
    uint8_t bytes[LK_PII_SECRET_LEN + 1] = {1, 2, 3};
    write_file(fx->secret, bytes, LK_PII_SECRET_LEN - 1, 0600);
    expect_refused(fx->secret);
    write_file(fx->secret, bytes, LK_PII_SECRET_LEN + 1, 0600);
    expect_refused(fx->secret);
    write_file(fx->secret, bytes, 0, 0600);
    expect_refused(fx->secret);
    write_file(fx->secret, bytes, LK_PII_SECRET_LEN, 0600);
    lk_pii_close(open_ok(fx->secret));
}

static void test_doc_mac_normalised(void **state)
{
    fixture *fx = *state;
    lk_pii *pii = open_ok(fx->secret);
    uint8_t a[LK_PII_MAC_LEN], b[LK_PII_MAC_LEN], c[LK_PII_MAC_LEN];
    assert_int_equal(lk_pii_doc_mac(pii, "resident_id", "11010519491231002X", a), 0);
    assert_int_equal(lk_pii_doc_mac(pii, "resident_id", "11010519491231002x", b), 0);
    assert_int_equal(lk_pii_doc_mac(pii, "resident_id", " \t11010519491231002X \t", c), 0);
    assert_memory_equal(a, b, LK_PII_MAC_LEN);
    assert_memory_equal(a, c, LK_PII_MAC_LEN);
    assert_int_equal(lk_pii_doc_mac(pii, "passport", "e12345678", a), 0);
    assert_int_equal(lk_pii_doc_mac(pii, "passport", "  E12345678 ", b), 0);
    assert_memory_equal(a, b, LK_PII_MAC_LEN);
    /* A different number must not collide. */
    assert_int_equal(lk_pii_doc_mac(pii, "passport", "E12345679", c), 0);
    assert_memory_not_equal(a, c, LK_PII_MAC_LEN);
    lk_pii_close(pii);
}

static void test_doc_mac_separated(void **state)
{
    fixture *fx = *state;
    char other[160];
    snprintf(other, sizeof other, "%s/other.secret", fx->dir);
    lk_pii *p1 = open_ok(fx->secret), *p2 = open_ok(other);
    uint8_t a[LK_PII_MAC_LEN], b[LK_PII_MAC_LEN], c[LK_PII_MAC_LEN];
    assert_int_equal(lk_pii_doc_mac(p1, "passport", "E12345678", a), 0);
    assert_int_equal(lk_pii_doc_mac(p1, "resident_id", "E12345678", b), 0);
    assert_int_equal(lk_pii_doc_mac(p2, "passport", "E12345678", c), 0);
    assert_memory_not_equal(a, b, LK_PII_MAC_LEN);
    assert_memory_not_equal(a, c, LK_PII_MAC_LEN);
    /* lk_pii_mac is the plain keyed hash: deterministic, keyed. */
    assert_int_equal(lk_pii_mac(p1, "abc", 3, a), 0);
    assert_int_equal(lk_pii_mac(p1, "abc", 3, b), 0);
    assert_int_equal(lk_pii_mac(p2, "abc", 3, c), 0);
    assert_memory_equal(a, b, LK_PII_MAC_LEN);
    assert_memory_not_equal(a, c, LK_PII_MAC_LEN);
    lk_pii_close(p1);
    lk_pii_close(p2);
}

static void test_mask(void **state)
{
    (void)state;
    char out[64];
    lk_pii_mask("11010519491231002X", out, sizeof out);
    assert_string_equal(out, "1101**********002X");
    lk_pii_mask("440524188001010014", out, sizeof out);
    assert_string_equal(out, "4405**********0014");
    lk_pii_mask("E1234567", out, sizeof out);
    assert_string_equal(out, "E*****67");
    lk_pii_mask("E12345678", out, sizeof out);
    assert_string_equal(out, "E******78");
    lk_pii_mask("ABCD", out, sizeof out);
    assert_string_equal(out, "A*CD");
    lk_pii_mask("ABC", out, sizeof out);
    assert_string_equal(out, "***");
    /* A short buffer still ends in NUL and never holds the middle digits. */
    memset(out, 'z', sizeof out);
    lk_pii_mask("11010519491231002X", out, 8);
    assert_int_equal(strlen(out), 7);
    assert_null(strstr(out, "0519"));
}

/* The keyed hash is plain HMAC-SHA-256 under the secret file's bytes, checked against OpenSSL's
 * one-shot HMAC: databases written by any build must keep matching. */
static void test_mac_is_hmac_sha256(void **state)
{
    fixture *fx = *state;
    uint8_t key[LK_PII_SECRET_LEN], got[LK_PII_MAC_LEN], want[EVP_MAX_MD_SIZE];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(0xA0 + i);
    write_file(fx->secret, key, sizeof key, 0600);
    lk_pii *pii = open_ok(fx->secret);
    const char *inputs[] = {"", "abc", "resident_id:11010519491231002X",
                            "a message longer than one sixty-four byte block of SHA-256 input"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        size_t n = strlen(inputs[i]), wlen = 0;
        assert_int_equal(lk_pii_mac(pii, inputs[i], n, got), 0);
        assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, sizeof key,
                                  (const unsigned char *)inputs[i], n, want, sizeof want, &wlen));
        assert_int_equal(wlen, LK_PII_MAC_LEN);
        assert_memory_equal(got, want, LK_PII_MAC_LEN);
    }
    /* A document's hash is the HMAC of "type:NUMBER", normalised. */
    assert_int_equal(lk_pii_doc_mac(pii, "resident_id", " 11010519491231002x ", got), 0);
    assert_int_equal(lk_pii_mac(pii, inputs[2], strlen(inputs[2]), want), 0);
    assert_memory_equal(got, want, LK_PII_MAC_LEN);
    lk_pii_close(pii);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_secret_created_0600, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_secret_reused, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_secret_exposed_refused, lk_test_setup,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_secret_wrong_size_refused, lk_test_setup,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_doc_mac_normalised, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_doc_mac_separated, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_mac_is_hmac_sha256, lk_test_setup, lk_test_teardown),
        cmocka_unit_test(test_mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
