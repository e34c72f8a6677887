/* test_bundle: the pieces under the bundle pipeline: path rules and their reasons, the strict
 * manifest, Ed25519 signatures bound to their purpose, private keys that others can read
 * refused, the kiosk key created 0600 once, service-card tokens that verify only as made, key
 * ids (unknown-key vs bad-signature, no unverified open through lk_bundle_open), and when a
 * mount point counts as mounted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lk_testutil.h"
#include "kiosk/lk_bundle.h"
#include "kiosk/lk_service.h"
#include "kiosk/lk_sign.h"

static void test_paths(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        lk_bundle_reason want;
    } cases[] = {
        {"settings.json", LK_BUNDLE_OK},
        {"records/2026-11.jsonl", LK_BUNDLE_OK},
        {"assets/fonts/a_b-c.ttf", LK_BUNDLE_OK},
        {"csca/asset..pem", LK_BUNDLE_OK},
        {"/etc/passwd", LK_BUNDLE_ABSOLUTE_PATH},
        {"assets/../../etc/x", LK_BUNDLE_PATH_TRAVERSAL},
        {"..", LK_BUNDLE_PATH_TRAVERSAL},
        {"assets//x", LK_BUNDLE_BAD_PATH},
        {"assets/./x", LK_BUNDLE_BAD_PATH},
        {"assets/.hidden", LK_BUNDLE_BAD_PATH},
        {"assets/", LK_BUNDLE_BAD_PATH},
        {"assets/a b", LK_BUNDLE_BAD_PATH},
        {"assets/\xe4\xb8\xad", LK_BUNDLE_BAD_PATH},
        {"bin/sh", LK_BUNDLE_BAD_PATH},
        {"settings.json.bak", LK_BUNDLE_BAD_PATH},
        {"", LK_BUNDLE_BAD_PATH},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lk_err err = {0};
        lk_bundle_reason r = lk_bundle_check_path(cases[i].path, &err);
        if (r != cases[i].want)
            fail_msg("'%s': %s, expected %s", cases[i].path, lk_bundle_reason_name(r),
                     lk_bundle_reason_name(cases[i].want));
        if (r != LK_BUNDLE_OK)
            assert_non_null(strstr(err.msg, lk_bundle_reason_name(r)));
    }
    char longpath[200];
    memset(longpath, 'a', sizeof longpath);
    memcpy(longpath, "assets/", 7);
    longpath[sizeof longpath - 1] = '\0';
    assert_int_equal(lk_bundle_check_path(longpath, NULL), LK_BUNDLE_BAD_PATH);
}

static lk_bundle_reason parse(const char *json)
{
    lk_bundle_manifest *m = NULL;
    lk_bundle_reason r = lk_bundle_manifest_parse(json, strlen(json), &m, NULL);
    assert_true((r == LK_BUNDLE_OK) == (m != NULL));
    lk_bundle_manifest_free(m);
    return r;
}

#define HASH                                                                                       \
    "\"sha256\":\""                                                                                \
    "00000000000000000000000000000000000000000000000000000000000000ab\""
#define HEAD "{\"format\":2,\"bundle_version\":3,\"created\":\"2026-11-22T08:00:00Z\","

static void test_manifest(void **state)
{
    (void)state;
    lk_bundle_manifest *m = NULL;
    const char *good = HEAD "\"targets\":[\"K-1\",\"K-2\"],\"export\":true,\"files\":[{\"path\":"
                            "\"settings.json\",\"size\":10," HASH "}]}";
    assert_int_equal(lk_bundle_manifest_parse(good, strlen(good), &m, NULL), LK_BUNDLE_OK);
    assert_int_equal(m->version, 3);
    assert_int_equal(m->n_targets, 2);
    assert_false(m->all_targets);
    assert_true(m->export_requested);
    assert_int_equal(m->n_files, 1);
    assert_int_equal(m->files[0].size, 10);
    assert_int_equal(m->files[0].sha256[31], 0xab);
    lk_bundle_manifest_free(m);
    assert_int_equal(parse(HEAD "\"targets\":[\"all\"],\"files\":[]}"), LK_BUNDLE_OK);
    assert_int_equal(parse(HEAD "\"targets\":[\"all\"],\"files\":[],\"run\":\"x\"}"),
                     LK_BUNDLE_MALFORMED);
    assert_int_equal(parse(HEAD "\"targets\":[],\"files\":[]}"), LK_BUNDLE_MALFORMED);
    assert_int_equal(parse(HEAD "\"targets\":[\"all\",\"K-1\"],\"files\":[]}"),
                     LK_BUNDLE_MALFORMED);
    assert_int_equal(parse(HEAD "\"targets\":[\"all\"],\"files\":[{\"path\":\"settings.json\","
                                "\"size\":1.5," HASH "}]}"),
                     LK_BUNDLE_MALFORMED);
    assert_int_equal(parse(HEAD "\"targets\":[\"all\"],\"files\":[{\"path\":\"assets/x\","
                                "\"size\":67108865," HASH "}]}"),
                     LK_BUNDLE_OVERSIZED);
    assert_int_equal(parse(HEAD "\"targets\":[\"all\"],\"files\":[{\"path\":\"assets/x\","
                                "\"size\":1," HASH "},{\"path\":\"assets/x\",\"size\":1," HASH
                                "}]}"),
                     LK_BUNDLE_MALFORMED);
    assert_int_equal(parse(HEAD "\"targets\":[\"all\"],\"files\":[{\"path\":\"../x\","
                                "\"size\":1," HASH "}]}"),
                     LK_BUNDLE_PATH_TRAVERSAL);
    assert_int_equal(parse("{\"format\":2,\"bundle_version\":1}"), LK_BUNDLE_MALFORMED);
    assert_int_equal(parse("{\"format\":1,\"bundle_version\":1}"), LK_BUNDLE_MALFORMED);
    assert_int_equal(parse("[1,2"), LK_BUNDLE_MALFORMED);
}

static void test_signatures(void **state)
{
    lk_test_fixture *fx = *state;
    char priv[160], pub[160], kiosk[160];
    snprintf(priv, sizeof priv, "%s/a.key", fx->dir);
    snprintf(pub, sizeof pub, "%s/a.pub", fx->dir);
    snprintf(kiosk, sizeof kiosk, "%s/k.key", fx->dir);
    lk_err err = {0};
    assert_int_equal(lk_sign_keygen(priv, pub, &err), 0);
    assert_int_not_equal(lk_sign_keygen(priv, pub, &err), 0); /* never overwrites a key */
    lk_sign_key *sk = lk_sign_load_private(priv, &err), *pk = lk_sign_load_public(pub, &err);
    assert_non_null(sk);
    assert_non_null(pk);
    uint8_t sig[LK_SIGN_LEN];
    assert_int_equal(lk_sign_sign(sk, LK_SIGN_CTX_BUNDLE, "abc", 3, sig, &err), 0);
    assert_int_equal(lk_sign_verify(pk, LK_SIGN_CTX_BUNDLE, "abc", 3, sig, 64, &err), 0);
    assert_int_equal(lk_sign_verify(pk, LK_SIGN_CTX_SERVICE, "abc", 3, sig, 64, &err), LK_EBADSIG);
    assert_int_equal(lk_sign_verify(pk, LK_SIGN_CTX_BUNDLE, "abd", 3, sig, 64, &err), LK_EBADSIG);
    assert_int_equal(lk_sign_verify(pk, LK_SIGN_CTX_BUNDLE, "abc", 3, sig, 63, &err), LK_EBADSIG);
    assert_int_not_equal(lk_sign_sign(pk, LK_SIGN_CTX_BUNDLE, "abc", 3, sig, &err), 0);

    /* Service-card tokens: made, verified, then refused once expired or altered. */
    uint8_t tok[LK_SERVICE_TOKEN_MAX];
    int n = lk_service_token_make(sk, "T-1", 1000, 5000, tok, sizeof tok, &err);
    assert_int_equal(n, 86 + 3);
    lk_service_card card;
    assert_int_equal(lk_service_token_verify(pk, tok, (size_t)n, 2000, &card, &err), 0);
    assert_string_equal(card.tech_id, "T-1");
    assert_int_equal(lk_service_token_verify(pk, tok, (size_t)n, 5000, &card, &err), LK_ETIMEDOUT);
    tok[8] ^= 1;
    assert_int_equal(lk_service_token_verify(pk, tok, (size_t)n, 2000, &card, &err), LK_EBADSIG);
    assert_int_equal(lk_service_token_verify(pk, tok, (size_t)n - 1, 2000, &card, &err), LK_EINVAL);
    assert_true(lk_service_token_make(sk, "bad id", 1000, 5000, tok, sizeof tok, &err) < 0);
    char hash[256];
    assert_int_equal(lk_service_pin_hash("2468", 10000, hash, sizeof hash, &err), 0);
    assert_int_equal(lk_service_pin_check(hash, "2468"), 1);
    assert_int_equal(lk_service_pin_check(hash, "2469"), 0);
    assert_int_equal(lk_service_pin_check("nonsense", "2468"), LK_EINVAL);
    assert_true(lk_service_pin_hash("12a4", 10000, hash, sizeof hash, &err) < 0);
    lk_sign_key_free(sk);
    lk_sign_key_free(pk);

    /* A private key others can read is refused; the kiosk key is made 0600, once. */
    assert_int_equal(chmod(priv, 0644), 0);
    assert_null(lk_sign_load_private(priv, &err));
    assert_non_null(strstr(err.msg, "readable"));
    lk_sign_key *k1 = lk_sign_load_or_create(kiosk, &err),
                *k2 = lk_sign_load_or_create(kiosk, &err);
    assert_non_null(k1);
    assert_non_null(k2);
    uint8_t r1[32], r2[32];
    assert_int_equal(lk_sign_public_raw(k1, r1, &err), 0);
    assert_int_equal(lk_sign_public_raw(k2, r2, &err), 0);
    assert_memory_equal(r1, r2, 32);
    struct stat sb;
    assert_int_equal(stat(kiosk, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    lk_sign_key_free(k1);
    lk_sign_key_free(k2);
    remove(priv);
    remove(pub);
    remove(kiosk);
}

/* A bundle file in fx->dir signed by `key` (NULL: unsigned). */
static void make_bundle(const lk_test_fixture *fx, const lk_sign_key *key, char *out, size_t n)
{
    char src[160], path[200];
    snprintf(src, sizeof src, "%s/src", fx->dir);
    mkdir(src, 0755);
    snprintf(path, sizeof path, "%s/settings.json", src);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"ui.language\":\"en\"}", f);
    fclose(f);
    snprintf(out, n, "%s/b.lkb", fx->dir);
    lk_bundle_spec spec = {.version = 3};
    lk_err err = {0};
    assert_int_equal(lk_bundle_create(src, &spec, key, out, &err), 0);
}

static lk_bundle_reason open_with(const char *path, const lk_sign_key *key, int verify,
                                  char key_id[65], lk_err *err)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    lk_bundle_reader *rd = NULL;
    lk_bundle_reason r =
        verify ? lk_bundle_open(f, key, &rd, err) : lk_bundle_open_unverified(f, &rd, err);
    if (rd && key_id)
        snprintf(key_id, 65, "%s", lk_bundle_reader_key_id(rd));
    lk_bundle_reader_free(rd);
    fclose(f);
    return r;
}

/* Fails closed without a key; another key's bundle is unknown-key, naming its key id; the
 * pinned key's id over a broken signature is bad-signature; a format-1 container is refused. */
static void test_key_ids(void **state)
{
    lk_test_fixture *fx = *state;
    char a_priv[160], a_pub[160], b_priv[160], b_pub[160], bundle[200], id[65], want[65];
    snprintf(a_priv, sizeof a_priv, "%s/a.key", fx->dir);
    snprintf(a_pub, sizeof a_pub, "%s/a.pub", fx->dir);
    snprintf(b_priv, sizeof b_priv, "%s/b.key", fx->dir);
    snprintf(b_pub, sizeof b_pub, "%s/b.pub", fx->dir);
    lk_err err = {0};
    assert_int_equal(lk_sign_keygen(a_priv, a_pub, &err), 0);
    assert_int_equal(lk_sign_keygen(b_priv, b_pub, &err), 0);
    lk_sign_key *a = lk_sign_load_private(a_priv, &err), *apub = lk_sign_load_public(a_pub, &err),
                *bpub = lk_sign_load_public(b_pub, &err);
    assert_non_null(a);
    make_bundle(fx, a, bundle, sizeof bundle);
    assert_int_equal(open_with(bundle, NULL, 1, NULL, &err), LK_BUNDLE_BAD_SIGNATURE);
    assert_int_equal(open_with(bundle, apub, 1, id, &err), LK_BUNDLE_OK);
    assert_int_equal(lk_bundle_key_id(apub, want, &err), 0);
    assert_string_equal(id, want);
    assert_int_equal(open_with(bundle, bpub, 1, NULL, &err), LK_BUNDLE_UNKNOWN_KEY);
    assert_non_null(strstr(err.msg, "unknown-key: signed by key"));
    char head[17];
    snprintf(head, sizeof head, "%.16s", want);
    assert_non_null(strstr(err.msg, head));
    assert_int_equal(open_with(bundle, NULL, 0, id, &err), LK_BUNDLE_OK);
    assert_string_equal(id, want);
    /* One byte of the signature (after the key id) flipped. */
    FILE *f = fopen(bundle, "r+b");
    assert_non_null(f);
    unsigned char len[8];
    assert_int_equal(fseek(f, 8 + 2 + 13, SEEK_SET), 0);
    assert_int_equal(fread(len, 1, 8, f), 8);
    long at = 8 + 2 + 13 + 8 + (long)((unsigned)len[6] << 8 | len[7]) + 2 + 12 + 8 + 32 + 3;
    assert_int_equal(fseek(f, at, SEEK_SET), 0);
    int c = getc(f);
    assert_int_equal(fseek(f, at, SEEK_SET), 0);
    putc(c ^ 1, f);
    fclose(f);
    assert_int_equal(open_with(bundle, apub, 1, NULL, &err), LK_BUNDLE_BAD_SIGNATURE);
    /* Unsigned: bad-signature, whatever key is pinned. */
    make_bundle(fx, NULL, bundle, sizeof bundle);
    assert_int_equal(open_with(bundle, apub, 1, NULL, &err), LK_BUNDLE_BAD_SIGNATURE);
    assert_non_null(strstr(err.msg, "unsigned"));
    /* A format-1 container (64-byte manifest.sig) is malformed, with the hint. */
    static const char v1[] = "LKBUNDLE\0\x0dmanifest.json\0\0\0\0\0\0\0\x02{}"
                             "\0\x0cmanifest.sig\0\0\0\0\0\0\0\x40";
    f = fopen(bundle, "wb");
    assert_non_null(f);
    fwrite(v1, 1, sizeof v1 - 1, f);
    for (int i = 0; i < 64; i++)
        putc(1, f);
    fclose(f);
    assert_int_equal(open_with(bundle, apub, 1, NULL, &err), LK_BUNDLE_MALFORMED);
    assert_non_null(strstr(err.msg, "format-1"));
    lk_sign_key_free(a);
    lk_sign_key_free(apub);
    lk_sign_key_free(bpub);
}

/* A mount point is mounted when it is a non-empty folder (or a file system of its own). */
static void test_mounted(void **state)
{
    lk_test_fixture *fx = *state;
    char dir[160], file[200];
    snprintf(dir, sizeof dir, "%s/stick", fx->dir);
    assert_int_equal(lk_bundle_mounted(dir), 0);
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_int_equal(lk_bundle_mounted(dir), 0);
    assert_int_equal(lk_bundle_mounted(""), 0);
    snprintf(file, sizeof file, "%s/x.lkb", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(lk_bundle_mounted(dir), 1);
    assert_int_equal(lk_bundle_mounted("/proc"), 1); /* its own file system */
    remove(file);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_manifest),
        cmocka_unit_test_setup_teardown(test_signatures, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_key_ids, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_mounted, lk_test_setup, lk_test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
