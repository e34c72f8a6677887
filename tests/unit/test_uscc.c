/* test_uscc: lk_uscc against published codes (GB 32100's own worked example, real codes from
 * python-stdnum's test suite, pilot-region legacy codes), against codes generated here with an
 * independent reference implementation, and against malformed input of every kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kiosk/lk_uscc.h"

static const char ALPHABET[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* Reference implementation, written from the standard's formulas rather than its tables:
 * weights are 3^(i-1) mod 31, and a code is valid when the weighted sum over all 18
 * characters (the check's own weight being 1 after reduction) is 0 mod 31. */
static int ref_value(char c)
{
    const char *p = strchr(ALPHABET, c);
    return p && c ? (int)(p - ALPHABET) : -1;
}

static char ref_uscc_check(const char *body)
{
    int w = 1, sum = 0;
    for (int i = 0; i < 17; i++) {
        sum += ref_value(body[i]) * w;
        w = w * 3 % 31;
    }
    for (int c = 0; c < 31; c++)
        if ((sum + c) % 31 == 0)
            return ALPHABET[c];
    return 0;
}

static char ref_org_check(const char *body)
{
    static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 8; i++) {
        char c = body[i];
        sum += (c <= '9' ? c - '0' : c - 'A' + 10) * w[i];
    }
    int r = (11 - sum % 11) % 11;
    return r == 10 ? 'X' : (char)('0' + r);
}

static uint64_t next_rand(uint64_t *state)
{
    /* xorshift64*: deterministic, so a failure reproduces. */
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 2685821657736338717ULL;
}

static void random_code(uint64_t *rng, char code[19])
{
    for (int i = 0; i < 16; i++) {
        int digits_only = i >= 2 && i < 8;
        code[i] = digits_only ? (char)('0' + next_rand(rng) % 10) : ALPHABET[next_rand(rng) % 31];
    }
    code[16] = ref_org_check(code + 8);
    code[17] = ref_uscc_check(code);
    code[18] = '\0';
}

static lk_uscc_status check_str(const char *s, lk_uscc_info *info)
{
    return lk_uscc_check(s, strlen(s), info);
}

static void assert_reason(const char *s, size_t len, lk_uscc_status want, const char *needle)
{
    lk_uscc_info info;
    assert_int_equal(lk_uscc_check(s, len, &info), want);
    if (!strstr(info.reason, needle))
        fail_msg("reason \"%s\" lacks \"%s\"", info.reason, needle);
}

static void test_published_valid(void **state)
{
    (void)state;
    static const char *const codes[] = {
        /* domain notes, section 2 */
        "914403001922038216", "91520000214434146R", "91440300708461136T", "91110000600037341L",
        "9144030071526726XG", "91310000631696382C", "121200004013590816", "92340602MA2PBMEM24",
        "91330000755918469E", "91350100M000100Y43",
        /* python-stdnum tests/test_cn_uscc.doctest */
        "91110000710926094P", "91120224064012553U", "911522010783710635", "9115220107837757XE",
        "9115220107837941X1", "9115220107839138X8", "913101127033980359", "91310115MA1K3BTP2B",
        "9131012056010553X5", "91340600MA2PBM9HXD", "91340603MA2UJXXCXF", "91420684MA4927PJ7B",
        "9144060573144633XL", "9162010555628132X1", "91620105L015101280", "91620105MA73NBBLXE",
        "92340603MA2PBQ16XJ", "92340621MA2PBKRXXG", "92340621MA2PBN0KXX", "92340621MA2UK3PJXE"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        lk_uscc_info info;
        if (check_str(codes[i], &info) != LK_USCC_VALID)
            fail_msg("%s rejected: %s", codes[i], info.reason);
        assert_string_equal(info.reason, "");
    }
}

static void test_fields(void **state)
{
    (void)state;
    lk_uscc_info info;
    assert_int_equal(check_str("914403001922038216", &info), LK_USCC_VALID);
    assert_int_equal(info.authority, '9');
    assert_int_equal(info.category, '1');
    assert_string_equal(info.region, "440300");
    assert_string_equal(info.org_code, "192203821");
    assert_int_equal(info.check, '6');
    assert_int_equal(info.expected_check, '6');
    assert_int_equal(check_str("914403001922038216", NULL), LK_USCC_VALID);
}

static void test_check_functions(void **state)
{
    (void)state;
    /* The standard's worked example: sum 1640, 1640 mod 31 = 28, check 31 - 28 = 3. */
    assert_int_equal(lk_uscc_check_char("91350100M000100Y4"), '3');
    assert_int_equal(lk_orgcode_check_char("19220382"), '1');
    assert_int_equal(lk_orgcode_check_char("71526726"), 'X');
    assert_int_equal(lk_uscc_check_char("91350100I000100Y4"), 0);
    assert_int_equal(lk_orgcode_check_char("1922038a"), 0);
}

static void test_published_invalid(void **state)
{
    (void)state;
    /* The standard's own example: 'Z' is not even in the alphabet, so it cannot be legacy. */
    assert_reason("91350100M000100Y4Z", 18, LK_USCC_INVALID,
                  "check character is 'Z', expected '3'");
    /* Both the mod-31 and the embedded organisation code checks fail. */
    assert_reason("91310115MA1H8R7C6D", 18, LK_USCC_INVALID, "expected '7'");
    /* python-stdnum's mutated check character: the organisation code 60003734-1 still passes,
     * so this is indistinguishable from a pilot code and must come back LEGACY, not VALID. */
    assert_reason("91110000600037341N", 18, LK_USCC_LEGACY, "expected 'L'");
}

static void test_legacy(void **state)
{
    (void)state;
    static const struct {
        const char *code;
        char expected;
    } legacy[] = {
        {"91350100M0001TGQXM", '1'}, {"91350211M0000XUF46", 'R'}, {"91350203M0001FUE2P", 'J'}};
    for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++) {
        lk_uscc_info info;
        assert_int_equal(check_str(legacy[i].code, &info), LK_USCC_LEGACY);
        assert_int_equal(info.expected_check, legacy[i].expected);
        assert_non_null(strstr(info.reason, "legacy"));
    }
}

static void test_org_code_only_fails(void **state)
{
    (void)state;
    char code[19] = "914403001922038200";
    code[16] = '2'; /* org code 19220382-2, expected 1 */
    code[17] = ref_uscc_check(code);
    assert_reason(code, 18, LK_USCC_INVALID, "organisation code check character");
}

static void test_generated(void **state)
{
    (void)state;
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    for (int n = 0; n < 2000; n++) {
        char code[19];
        lk_uscc_info info;
        random_code(&rng, code);
        if (check_str(code, &info) != LK_USCC_VALID)
            fail_msg("generated %s rejected: %s", code, info.reason);
        assert_int_equal(lk_uscc_check_char(code), code[17]);
        assert_int_equal(lk_orgcode_check_char(code + 8), code[16]);
    }
}

/* Every single-character substitution, by any byte at all, must stop being VALID; mod 31 is
 * prime and larger than any difference of two values, so not one can slip through. */
static void test_every_substitution_rejected(void **state)
{
    (void)state;
    uint64_t rng = 42;
    for (int n = 0; n < 40; n++) {
        char code[19];
        random_code(&rng, code);
        for (int pos = 0; pos < 18; pos++) {
            char orig = code[pos];
            for (int b = 0; b < 256; b++) {
                if ((char)b == orig)
                    continue;
                code[pos] = (char)b;
                if (lk_uscc_check(code, 18, NULL) == LK_USCC_VALID)
                    fail_msg("substitution 0x%02x at %d accepted", b, pos + 1);
            }
            code[pos] = orig;
        }
    }
}

static void test_bad_length(void **state)
{
    (void)state;
    assert_reason("91440300192203821", 17, LK_USCC_INVALID, "length 17, expected 18");
    assert_reason("9144030019220382166", 19, LK_USCC_INVALID, "length 19, expected 18");
    assert_reason("", 0, LK_USCC_INVALID, "empty");
    assert_int_equal(lk_uscc_check(NULL, 0, NULL), LK_USCC_INVALID);
    size_t big = 10000;
    char *s = malloc(big);
    assert_non_null(s);
    memset(s, '9', big);
    assert_reason(s, big, LK_USCC_INVALID, "length 10000");
    free(s);
}

static void test_bad_characters(void **state)
{
    (void)state;
    assert_reason("91440300192203821g", 18, LK_USCC_INVALID,
                  "lower-case letter 'g' at position 18");
    assert_reason("914403001922o3821G", 18, LK_USCC_INVALID,
                  "lower-case letter 'o' at position 13");
    assert_reason("914403001I2203821G", 18, LK_USCC_INVALID, "character 10 is 'I', not allowed");
    assert_reason("914403001922O38216", 18, LK_USCC_INVALID, "character 13 is 'O', not allowed");
    assert_reason("9144A3001922038216", 18, LK_USCC_INVALID, "character 5 is 'A'");
    assert_reason("9144A3001922038216", 18, LK_USCC_INVALID, "region");
    assert_reason("91440300192203821 ", 18, LK_USCC_INVALID, "check character is byte 0x20");
    assert_reason("9144\t3001922038216", 18, LK_USCC_INVALID, "byte 0x09");
    assert_reason("9144030019220\0"
                  "8216",
                  18, LK_USCC_INVALID, "embedded NUL at position 14");
}

static void test_bad_encoding(void **state)
{
    (void)state;
    /* "91440300192203821" + full-width "６" (U+FF16, EF BC 96) */
    assert_reason("91440300192203821\xef\xbc\x96", 20, LK_USCC_INVALID,
                  "non-ASCII byte (full-width characters are not accepted) at position 18");
    assert_reason("\xef\xbc\x99"
                  "14403001922038216",
                  20, LK_USCC_INVALID, "full-width");
    /* Invalid UTF-8: a lone continuation byte, an overlong NUL and 0xFF. */
    assert_reason("9144030019220382\x80"
                  "6",
                  18, LK_USCC_INVALID, "non-ASCII byte");
    assert_reason("914403001922038\xc0\x80"
                  "6",
                  18, LK_USCC_INVALID, "position 16");
    assert_reason("\xff"
                  "14403001922038216",
                  18, LK_USCC_INVALID, "position 1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_valid), cmocka_unit_test(test_fields),
        cmocka_unit_test(test_check_functions), cmocka_unit_test(test_published_invalid),
        cmocka_unit_test(test_legacy),          cmocka_unit_test(test_org_code_only_fails),
        cmocka_unit_test(test_generated),       cmocka_unit_test(test_every_substitution_rejected),
        cmocka_unit_test(test_bad_length),      cmocka_unit_test(test_bad_characters),
        cmocka_unit_test(test_bad_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
