/* test_idnum: lk_idnum against the examples printed in GB 11643-1999, numbers generated here
 * with an independent ISO 7064 MOD 11-2 implementation, calendar edge cases, the 15-digit
 * legacy form and malformed input of every kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kiosk/lk_idnum.h"

#define TODAY 20261122

/* Reference MOD 11-2, from the definition: weights 2^(17-i) mod 11, and the check value c
 * makes sum + c = 1 (mod 11), with 10 written as 'X'. */
static char ref_check(const char *body)
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int w = 1;
        for (int k = 0; k < 17 - i; k++)
            w = w * 2 % 11;
        sum += (body[i] - '0') * w;
    }
    int c = (12 - sum % 11) % 11;
    return c == 10 ? 'X' : (char)('0' + c);
}

static uint64_t next_rand(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 2685821657736338717ULL;
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static void put_digits(char *dst, int value, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        dst[i] = (char)('0' + value % 10);
        value /= 10;
    }
}

/* A random valid number born between 1800 and 2025, with its body built digit by digit. */
static void random_id(uint64_t *rng, char id[19])
{
    static const int provinces[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
                                    35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
                                    53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int p = provinces[next_rand(rng) % (sizeof provinces / sizeof provinces[0])];
    int y = 1800 + (int)(next_rand(rng) % 226);
    int m = 1 + (int)(next_rand(rng) % 12);
    int dmax = mdays[m - 1] + (m == 2 && is_leap(y));
    int d = 1 + (int)(next_rand(rng) % (uint64_t)dmax);
    put_digits(id, p, 2);
    put_digits(id + 2, (int)(next_rand(rng) % 10000), 4);
    put_digits(id + 6, y, 4);
    put_digits(id + 10, m, 2);
    put_digits(id + 12, d, 2);
    put_digits(id + 14, (int)(next_rand(rng) % 1000), 3);
    id[17] = ref_check(id);
    id[18] = '\0';
}

/* Builds body + computed check, so calendar tests do not fail on the check instead. */
static void with_check(const char *body17, char out[19])
{
    memcpy(out, body17, 17);
    out[17] = ref_check(out);
    out[18] = '\0';
}

static void assert_reason(const char *s, size_t len, lk_idnum_status want, const char *needle)
{
    lk_idnum_info info;
    assert_int_equal(lk_idnum_check(s, len, TODAY, &info), want);
    if (!strstr(info.reason, needle))
        fail_msg("reason \"%s\" lacks \"%s\"", info.reason, needle);
}

static void assert_status(const char *s, lk_idnum_status want)
{
    lk_idnum_info info;
    lk_idnum_status got = lk_idnum_check(s, strlen(s), TODAY, &info);
    if (got != want)
        fail_msg("status %d, wanted %d (reason: %s)", got, want, info.reason);
}

static void test_published(void **state)
{
    (void)state;
    lk_idnum_info info;
    assert_int_equal(lk_idnum_check("11010519491231002X", 18, TODAY, &info), LK_IDNUM_VALID);
    assert_string_equal(info.region, "110105");
    assert_int_equal(info.year, 1949);
    assert_int_equal(info.month, 12);
    assert_int_equal(info.day, 31);
    assert_int_equal(info.sex, 'F');
    assert_int_equal(info.check, 'X');
    assert_int_equal(info.expected_check, 'X');
    assert_string_equal(info.reason, "");

    assert_int_equal(lk_idnum_check("440524188001010014", 18, TODAY, &info), LK_IDNUM_VALID);
    assert_int_equal(info.year, 1880);
    assert_int_equal(info.sex, 'M');
    assert_status("53010219200508011X", LK_IDNUM_VALID);
    assert_status("440524188001015368", LK_IDNUM_VALID);
    assert_int_equal(lk_idnum_check_char("11010519491231002"), 'X');
    assert_int_equal(lk_idnum_check_char("44052418800101001"), '4');
    assert_int_equal(lk_idnum_check_char("4405241880010100A"), 0);
}

static void test_check_character(void **state)
{
    (void)state;
    assert_reason("11010519491231002x", 18, LK_IDNUM_INVALID, "lower-case 'x'");
    assert_reason("110105194912310021", 18, LK_IDNUM_INVALID,
                  "check character is '1', expected 'X'");
    assert_reason("440524188001010015", 18, LK_IDNUM_INVALID, "check");
    assert_reason("44052418800101001Y", 18, LK_IDNUM_INVALID, "digit or 'X'");
    assert_reason("4405241880010100X4", 18, LK_IDNUM_INVALID, "character 17 is 'X'");
}

static void test_calendar(void **state)
{
    (void)state;
    char id[19];
    with_check("11010520000229001", id); /* 2000 is a leap year */
    assert_status(id, LK_IDNUM_VALID);
    with_check("11010519000229001", id); /* 1900 is not */
    assert_reason(id, 18, LK_IDNUM_INVALID, "does not exist");
    with_check("11010520230229001", id);
    assert_reason(id, 18, LK_IDNUM_INVALID, "does not exist");
    with_check("11010520240431001", id);
    assert_reason(id, 18, LK_IDNUM_INVALID, "does not exist");
    with_check("11010519491301001", id);
    assert_reason(id, 18, LK_IDNUM_INVALID, "month 13");
    with_check("11010519491200001", id);
    assert_reason(id, 18, LK_IDNUM_INVALID, "does not exist");
    with_check("11010520261122001", id); /* born today */
    assert_status(id, LK_IDNUM_VALID);
    with_check("11010520261123001", id);
    assert_reason(id, 18, LK_IDNUM_INVALID, "future");
    with_check("11010518000101001", id);
    assert_status(id, LK_IDNUM_VALID);
    with_check("11010517991231001", id);
    assert_reason(id, 18, LK_IDNUM_INVALID, "before 1800");
}

static void test_region(void **state)
{
    (void)state;
    char id[19];
    with_check("99010519491231002", id);
    assert_reason(id, 18, LK_IDNUM_INVALID, "province");
    with_check("10010519491231002", id);
    assert_reason(id, 18, LK_IDNUM_INVALID, "province");
    with_check("00000019491231002", id);
    assert_reason(id, 18, LK_IDNUM_INVALID, "province");
    with_check("83000019491231002", id); /* Taiwan residence permit */
    assert_status(id, LK_IDNUM_VALID);
    with_check("81000019491231002", id); /* Hong Kong residence permit */
    assert_status(id, LK_IDNUM_VALID);
}

static void test_legacy15(void **state)
{
    (void)state;
    lk_idnum_info info;
    assert_int_equal(lk_idnum_check("110105491231002", 15, TODAY, &info), LK_IDNUM_LEGACY15);
    assert_int_equal(info.year, 1949);
    assert_int_equal(info.month, 12);
    assert_int_equal(info.day, 31);
    assert_int_equal(info.sex, 'F');
    assert_string_equal(info.region, "110105");
    assert_int_equal(lk_idnum_check("440524800101001", 15, TODAY, &info), LK_IDNUM_LEGACY15);
    assert_int_equal(info.sex, 'M');
    assert_reason("110105490230002", 15, LK_IDNUM_INVALID, "does not exist");
    assert_reason("11010549123100X", 15, LK_IDNUM_INVALID, "character 15 is 'X'");
    assert_reason("990105491231002", 15, LK_IDNUM_INVALID, "province");
}

static void test_generated(void **state)
{
    (void)state;
    uint64_t rng = 0x243f6a8885a308d3ULL;
    for (int n = 0; n < 5000; n++) {
        char id[19];
        lk_idnum_info info;
        random_id(&rng, id);
        if (lk_idnum_check(id, 18, TODAY, &info) != LK_IDNUM_VALID)
            fail_msg("generated number rejected: %s", info.reason);
        assert_int_equal(lk_idnum_check_char(id), id[17]);
        assert_int_equal(info.sex, (id[16] - '0') % 2 ? 'M' : 'F');
    }
}

/* MOD 11-2 catches every single substitution (11 is prime, every weight is non-zero). */
static void test_every_substitution_rejected(void **state)
{
    (void)state;
    uint64_t rng = 7;
    for (int n = 0; n < 40; n++) {
        char id[19];
        random_id(&rng, id);
        for (int pos = 0; pos < 18; pos++) {
            char orig = id[pos];
            for (int b = 0; b < 256; b++) {
                if ((char)b == orig)
                    continue;
                id[pos] = (char)b;
                if (lk_idnum_check(id, 18, TODAY, NULL) == LK_IDNUM_VALID)
                    fail_msg("substitution 0x%02x at %d accepted", b, pos + 1);
            }
            id[pos] = orig;
        }
    }
}

static void test_bad_input(void **state)
{
    (void)state;
    assert_reason("", 0, LK_IDNUM_INVALID, "empty");
    assert_int_equal(lk_idnum_check(NULL, 0, TODAY, NULL), LK_IDNUM_INVALID);
    assert_reason("11010519491231002", 17, LK_IDNUM_INVALID, "length 17, expected 18");
    assert_reason("11010519491231002X1", 19, LK_IDNUM_INVALID, "length 19");
    assert_reason("1101051949123", 13, LK_IDNUM_INVALID, "length 13");
    assert_reason("1101051949\0"
                  "231002X",
                  18, LK_IDNUM_INVALID, "embedded NUL at position 11");
    assert_reason("1101051949123100\xef\xbc\x92X", 20, LK_IDNUM_INVALID, "full-width");
    assert_reason("\xef\xbc\x91"
                  "1010519491231002X",
                  20, LK_IDNUM_INVALID, "position 1");
    assert_reason("11010519491231002\xff", 18, LK_IDNUM_INVALID, "non-ASCII byte");
    assert_reason("1101051949123100\xc0\x80", 18, LK_IDNUM_INVALID, "position 17");
    assert_reason("11010519491231 02X", 18, LK_IDNUM_INVALID, "character 15 is byte 0x20");
    assert_reason("1101A519491231002X", 18, LK_IDNUM_INVALID, "character 5 is 'A'");
    size_t big = 10000;
    char *s = malloc(big);
    assert_non_null(s);
    memset(s, '1', big);
    assert_reason(s, big, LK_IDNUM_INVALID, "length 10000");
    free(s);
}

/* Reasons may be logged: they must never carry the number itself. */
static void test_reason_never_echoes_number(void **state)
{
    (void)state;
    static const char *const bad[] = {"110105194912310021", "11010519491231002x",
                                      "99010519491231002X", "110105194913310021"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lk_idnum_info info;
        assert_int_equal(lk_idnum_check(bad[i], 18, TODAY, &info), LK_IDNUM_INVALID);
        assert_null(strstr(info.reason, "1101051949"));
        assert_null(strstr(info.reason, "19491231"));
    }
}

static void test_today(void **state)
{
    (void)state;
    int t = lk_idnum_today();
    assert_true(t > 20240101 && t < 21000101);
    assert_in_range(t / 100 % 100, 1, 12);
    assert_in_range(t % 100, 1, 31);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published),
        cmocka_unit_test(test_check_character),
        cmocka_unit_test(test_calendar),
        cmocka_unit_test(test_region),
        cmocka_unit_test(test_legacy15),
        cmocka_unit_test(test_generated),
        cmocka_unit_test(test_every_substitution_rejected),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_reason_never_echoes_number),
        cmocka_unit_test(test_today),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
