/* test_mrz: lk_mrz against the ICAO 9303 specimens (part 4 TD3, part 5 TD1 and its long
 * document number example), MRZs generated here with an independent check-digit routine, the
 * substitutions a 7-3-1 check digit must catch, and malformed lines of every kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kiosk/lk_mrz.h"

static const char LETTERS[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
static const char MRZ_CHARS[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";

/* ICAO 9303 part 3, 4.9, from the text: values 0-9, A=10 .. Z=35, filler 0; weights repeat
 * 7, 3, 1; the check digit is the sum's last decimal digit. */
static int ref_value(char c)
{
    if (c == '<')
        return 0;
    if (c >= '0' && c <= '9')
        return c - '0';
    return (int)(strchr(LETTERS, c) - LETTERS) + 10;
}

static char ref_cd(const char *s, size_t n)
{
    long sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += ref_value(s[i]) * (i % 3 == 0 ? 7 : i % 3 == 1 ? 3 : 1);
    return (char)('0' + sum % 10);
}

static uint64_t next_rand(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 2685821657736338717ULL;
}

static int parse2(const char *a, const char *b, lk_mrz *m)
{
    const char *lines[2] = {a, b};
    size_t lens[2] = {strlen(a), strlen(b)};
    return lk_mrz_parse(lines, lens, 2, m);
}

static int parse3(const char *a, const char *b, const char *c, lk_mrz *m)
{
    const char *lines[3] = {a, b, c};
    size_t lens[3] = {strlen(a), strlen(b), strlen(c)};
    return lk_mrz_parse(lines, lens, 3, m);
}

static void expect_reason(const lk_mrz *m, int rc, const char *needle)
{
    assert_int_not_equal(rc, 0);
    assert_false(m->valid);
    if (!strstr(m->reason, needle))
        fail_msg("reason \"%s\" lacks \"%s\"", m->reason, needle);
}

/* Recomputes every check digit of a TD3 line 2 (personal number check included). */
static void fix_td3(char *l2)
{
    char composite[39];
    l2[9] = ref_cd(l2, 9);
    l2[19] = ref_cd(l2 + 13, 6);
    l2[27] = ref_cd(l2 + 21, 6);
    l2[42] = ref_cd(l2 + 28, 14);
    memcpy(composite, l2, 10);
    memcpy(composite + 10, l2 + 13, 7);
    memcpy(composite + 17, l2 + 21, 22);
    l2[43] = ref_cd(composite, 39);
}

static void fix_td1_composite(const char *l1, char *l2)
{
    char composite[50];
    memcpy(composite, l1 + 5, 25);
    memcpy(composite + 25, l2, 7);
    memcpy(composite + 32, l2 + 8, 7);
    memcpy(composite + 39, l2 + 18, 11);
    l2[29] = ref_cd(composite, 50);
}

static void fix_td1(char *l1, char *l2)
{
    l1[14] = ref_cd(l1 + 5, 9);
    l2[6] = ref_cd(l2, 6);
    l2[14] = ref_cd(l2 + 8, 6);
    fix_td1_composite(l1, l2);
}

static void random_chars(uint64_t *rng, char *dst, size_t n, const char *set)
{
    size_t k = strlen(set);
    for (size_t i = 0; i < n; i++)
        dst[i] = set[next_rand(rng) % k];
}

static void random_date(uint64_t *rng, char *dst)
{
    snprintf(dst, 7, "%02d%02d%02d", (int)(next_rand(rng) % 100), 1 + (int)(next_rand(rng) % 12),
             1 + (int)(next_rand(rng) % 28));
}

static void random_td3(uint64_t *rng, char l1[45], char l2[45])
{
    memset(l1, '<', 44);
    memset(l2, '<', 44);
    l1[44] = l2[44] = '\0';
    l1[0] = 'P';
    random_chars(rng, l1 + 2, 3, LETTERS);
    random_chars(rng, l1 + 5, 8, LETTERS);
    random_chars(rng, l1 + 15, 6, LETTERS);
    random_chars(rng, l2, 9, MRZ_CHARS + 0);
    l2[8] = (char)('0' + next_rand(rng) % 10); /* numbers rarely end in a filler */
    random_chars(rng, l2 + 10, 3, LETTERS);
    random_date(rng, l2 + 13);
    l2[20] = "MF<"[next_rand(rng) % 3];
    random_date(rng, l2 + 21);
    random_chars(rng, l2 + 28, 1 + next_rand(rng) % 14, MRZ_CHARS);
    l2[28] = 'A'; /* never all fillers: that case has its own test */
    fix_td3(l2);
}

static void random_td1(uint64_t *rng, char l1[31], char l2[31], char l3[31])
{
    memset(l1, '<', 30);
    memset(l2, '<', 30);
    memset(l3, '<', 30);
    l1[30] = l2[30] = l3[30] = '\0';
    l1[0] = 'I';
    random_chars(rng, l1 + 2, 3, LETTERS);
    random_chars(rng, l1 + 5, 9, MRZ_CHARS);
    l1[13] = (char)('0' + next_rand(rng) % 10);
    random_chars(rng, l1 + 15, next_rand(rng) % 15, MRZ_CHARS);
    random_date(rng, l2);
    l2[7] = "MF<"[next_rand(rng) % 3];
    random_date(rng, l2 + 8);
    random_chars(rng, l2 + 15, 3, LETTERS);
    random_chars(rng, l2 + 18, next_rand(rng) % 12, MRZ_CHARS);
    random_chars(rng, l3, 6, LETTERS);
    random_chars(rng, l3 + 8, 5, LETTERS);
    fix_td1(l1, l2);
}

static void test_check_digit(void **state)
{
    (void)state;
    assert_int_equal(lk_mrz_check_digit("L898902C3", 9), '6');
    assert_int_equal(lk_mrz_check_digit("740812", 6), '2');
    assert_int_equal(lk_mrz_check_digit("120415", 6), '9');
    assert_int_equal(lk_mrz_check_digit("ZE184226B<<<<<", 14), '1');
    assert_int_equal(lk_mrz_check_digit("", 0), '0');
    assert_int_equal(lk_mrz_check_digit("<<<", 3), '0');
    assert_int_equal(lk_mrz_check_digit("abc", 3), 0);
    assert_int_equal(lk_mrz_check_digit("AB\0C", 4), 0);
    assert_int_equal(lk_mrz_check_digit(NULL, 0), '0');
}

/* ICAO 9303 part 4, appendix: the specimen passport of Anna Maria Eriksson. */
static void test_td3_specimen(void **state)
{
    (void)state;
    lk_mrz m;
    assert_int_equal(parse2("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                            "L898902C36UTO7408122F1204159ZE184226B<<<<<10", &m),
                     0);
    assert_true(m.valid);
    assert_string_equal(m.reason, "");
    assert_int_equal(m.format, LK_MRZ_TD3);
    assert_string_equal(m.document_code, "P");
    assert_string_equal(m.issuing_state, "UTO");
    assert_string_equal(m.document_number, "L898902C3");
    assert_int_equal(m.document_number_check, '6');
    assert_string_equal(m.nationality, "UTO");
    assert_string_equal(m.birth_date, "740812");
    assert_string_equal(m.expiry_date, "120415");
    assert_int_equal(m.sex, 'F');
    assert_string_equal(m.surname, "ERIKSSON");
    assert_string_equal(m.given_names, "ANNA MARIA");
    assert_string_equal(m.optional_data, "ZE184226B");
}

/* ICAO 9303 part 5, appendix: the specimen TD1 card; composite '6' recomputed in the test. */
static void test_td1_specimen(void **state)
{
    (void)state;
    static const char l1[] = "I<UTOD231458907<<<<<<<<<<<<<<<";
    static const char l2[] = "7408122F1204159UTO<<<<<<<<<<<6";
    char composite[51];
    snprintf(composite, sizeof composite, "%.25s%.7s%.7s%.11s", l1 + 5, l2, l2 + 8, l2 + 18);
    assert_int_equal(ref_cd(composite, 50), '6');
    lk_mrz m;
    assert_int_equal(parse3(l1, l2, "ERIKSSON<<ANNA<MARIA<<<<<<<<<<", &m), 0);
    assert_true(m.valid);
    assert_int_equal(m.format, LK_MRZ_TD1);
    assert_string_equal(m.document_code, "I");
    assert_string_equal(m.issuing_state, "UTO");
    assert_string_equal(m.document_number, "D23145890");
    assert_int_equal(m.document_number_check, '7');
    assert_string_equal(m.birth_date, "740812");
    assert_string_equal(m.expiry_date, "120415");
    assert_int_equal(m.sex, 'F');
    assert_string_equal(m.nationality, "UTO");
    assert_string_equal(m.surname, "ERIKSSON");
    assert_string_equal(m.given_names, "ANNA MARIA");
    assert_string_equal(m.optional_data, "");
    assert_string_equal(m.optional_data2, "");
}

/* ICAO 9303 part 5 long document number example (D23145890734, check 9); quoted from memory
 * of the appendix, and every check digit is re-derived here so the test does not rest on it. */
static void test_td1_long_number_example(void **state)
{
    (void)state;
    static const char l1[] = "I<UTOD23145890<7349<<<<<<<<<<<";
    static const char l2[] = "3407127M9507122UTO<<<<<<<<<<<2";
    char composite[51];
    snprintf(composite, sizeof composite, "%.25s%.7s%.7s%.11s", l1 + 5, l2, l2 + 8, l2 + 18);
    assert_int_equal(ref_cd("D23145890734", 12), '9');
    assert_int_equal(ref_cd(composite, 50), '2');
    lk_mrz m;
    assert_int_equal(parse3(l1, l2, "STEVENSON<<PETER<JOHN<<<<<<<<<", &m), 0);
    assert_string_equal(m.document_number, "D23145890734");
    assert_int_equal(m.document_number_check, '9');
    assert_string_equal(m.optional_data, "");
    assert_int_equal(m.sex, 'M');
    assert_string_equal(m.surname, "STEVENSON");
    assert_string_equal(m.given_names, "PETER JOHN");
}

/* A long number followed by more optional data, and one that fills the field to the end. */
static void test_td1_long_number_generated(void **state)
{
    (void)state;
    char l1[31] = "I<UTOAB1234567<8901?<EXTRA<<<<";
    char l2[31] = "3407127M9507122UTO<<<<<<<<<<<?";
    lk_mrz m;
    l1[19] = ref_cd("AB12345678901", 13);
    fix_td1_composite(l1, l2);
    assert_int_equal(parse3(l1, l2, "DOE<<JOHN<<<<<<<<<<<<<<<<<<<<<", &m), 0);
    assert_string_equal(m.document_number, "AB12345678901");
    assert_int_equal(m.document_number_check, l1[19]);
    assert_string_equal(m.optional_data, "EXTRA");

    memcpy(l1 + 15, "12345678901234?", 15);
    l1[29] = ref_cd("AB123456712345678901234", 23);
    fix_td1_composite(l1, l2);
    assert_int_equal(parse3(l1, l2, "DOE<<JOHN<<<<<<<<<<<<<<<<<<<<<", &m), 0);
    assert_string_equal(m.document_number, "AB123456712345678901234");
    assert_string_equal(m.optional_data, "");

    l1[29] = (char)(l1[29] == '9' ? '0' : l1[29] + 1);
    fix_td1_composite(l1, l2);
    expect_reason(&m, parse3(l1, l2, "DOE<<JOHN<<<<<<<<<<<<<<<<<<<<<", &m), "document number");

    memcpy(l1 + 15, "<<<<<<<<<<<<<<<", 15);
    fix_td1_composite(l1, l2);
    expect_reason(&m, parse3(l1, l2, "DOE<<JOHN<<<<<<<<<<<<<<<<<<<<<", &m), "no overflow");
}

static void test_td3_each_check_digit(void **state)
{
    (void)state;
    static const struct {
        int pos;
        const char *what;
    } checks[] = {{9, "document number"},
                  {19, "birth date"},
                  {27, "expiry date"},
                  {42, "personal number"},
                  {43, "composite"}};
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        char l2[] = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
        lk_mrz m;
        l2[checks[i].pos] = l2[checks[i].pos] == '5' ? '4' : '5';
        expect_reason(&m, parse2("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", l2, &m),
                      checks[i].what);
        assert_non_null(strstr(m.reason, "check digit"));
        /* Fields are still filled for the technician. */
        assert_string_equal(m.document_number, "L898902C3");
        assert_string_equal(m.surname, "ERIKSSON");
    }
}

static void test_td3_empty_personal_number(void **state)
{
    (void)state;
    char l2[] = "L898902C36UTO7408122F1204159<<<<<<<<<<<<<<<?";
    static const char l1[] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    lk_mrz m;
    fix_td3(l2);
    assert_int_equal(l2[42], '0');
    assert_int_equal(parse2(l1, l2, &m), 0);
    assert_string_equal(m.optional_data, "");
    l2[42] = '<'; /* '<' and '0' both have value 0: the composite is unchanged */
    assert_int_equal(parse2(l1, l2, &m), 0);
    l2[42] = '1';
    expect_reason(&m, parse2(l1, l2, &m), "personal number");
}

static void test_td1_each_check_digit(void **state)
{
    (void)state;
    static const struct {
        int line, pos;
        const char *what;
    } checks[] = {{0, 14, "document number"},
                  {1, 6, "birth date"},
                  {1, 14, "expiry date"},
                  {1, 29, "composite"}};
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        char l[2][31] = {"I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6"};
        lk_mrz m;
        char *c = &l[checks[i].line][checks[i].pos];
        *c = *c == '5' ? '4' : '5';
        expect_reason(&m, parse3(l[0], l[1], "ERIKSSON<<ANNA<MARIA<<<<<<<<<<", &m), checks[i].what);
    }
}

static void test_generated(void **state)
{
    (void)state;
    uint64_t rng = 0x13198a2e03707344ULL;
    for (int n = 0; n < 2000; n++) {
        char a[45], b[45], c[31], d[31], e[31];
        lk_mrz m;
        random_td3(&rng, a, b);
        if (parse2(a, b, &m) != 0)
            fail_msg("generated TD3 rejected: %s\n%s\n%s", m.reason, a, b);
        random_td1(&rng, c, d, e);
        if (parse3(c, d, e, &m) != 0)
            fail_msg("generated TD1 rejected: %s\n%s\n%s\n%s", m.reason, c, d, e);
    }
}

/* A 7-3-1 digit catches a substitution unless the two values differ by a multiple of 10
 * (e.g. '0' and '<', or 'A' and 'K'); every other one inside a checked field must fail. */
static void substitute_all(char *line, size_t len, const size_t *checked, size_t nchecked,
                           const char *const lines[], const size_t lens[], size_t nlines)
{
    for (size_t k = 0; k < nchecked; k++) {
        size_t pos = checked[k];
        char orig = line[pos];
        for (const char *c = MRZ_CHARS; *c; c++) {
            if ((ref_value(*c) - ref_value(orig)) % 10 == 0)
                continue;
            line[pos] = *c;
            lk_mrz m;
            if (lk_mrz_parse(lines, lens, nlines, &m) == 0)
                fail_msg("'%c' for '%c' at %zu accepted", *c, orig, pos + 1);
        }
        line[pos] = orig;
    }
    (void)len;
}

static void test_substitutions(void **state)
{
    (void)state;
    uint64_t rng = 99;
    size_t td3[41], td1_l1[25], td1_l2[29], n3 = 0, n1 = 0, n2 = 0;
    for (size_t p = 0; p < 44; p++)
        if (p < 10 || (p >= 13 && p < 20) || p >= 21)
            td3[n3++] = p;
    for (size_t p = 5; p < 30; p++)
        td1_l1[n1++] = p;
    for (size_t p = 0; p < 30; p++)
        if (p != 7 && !(p >= 15 && p < 18))
            td1_l2[n2++] = p;
    for (int n = 0; n < 30; n++) {
        char a[45], b[45], c[31], d[31], e[31];
        random_td3(&rng, a, b);
        const char *l3[2] = {a, b};
        size_t len3[2] = {44, 44};
        substitute_all(b, 44, td3, n3, l3, len3, 2);
        random_td1(&rng, c, d, e);
        const char *l1[3] = {c, d, e};
        size_t len1[3] = {30, 30, 30};
        substitute_all(c, 30, td1_l1, n1, l1, len1, 3);
        substitute_all(d, 30, td1_l2, n2, l1, len1, 3);
    }
}

static void test_names(void **state)
{
    (void)state;
    char l1[] = "P<UTOVAN<DER<BERG<<JAN<<<<<<<<<<<<<<<<<<<<<<";
    char l2[] = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    lk_mrz m;
    assert_int_equal(parse2(l1, l2, &m), 0);
    assert_string_equal(m.surname, "VAN DER BERG");
    assert_string_equal(m.given_names, "JAN");
    memcpy(l1 + 5, "ERIKSSON<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<", 39);
    assert_int_equal(parse2(l1, l2, &m), 0);
    assert_string_equal(m.surname, "ERIKSSON");
    assert_string_equal(m.given_names, "");
    /* A name truncated to fill the whole field has no "<<" at all. */
    memcpy(l1 + 5, "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLM", 39);
    assert_int_equal(parse2(l1, l2, &m), 0);
    assert_string_equal(m.surname, "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLM");
    assert_string_equal(m.given_names, "");
}

static void test_bad_shape(void **state)
{
    (void)state;
    lk_mrz m;
    const char *one[1] = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"};
    size_t len1[1] = {44};
    expect_reason(&m, lk_mrz_parse(one, len1, 1, &m), "1 lines, expected 2");
    const char *four[4] = {"A", "B", "C", "D"};
    size_t len4[4] = {1, 1, 1, 1};
    expect_reason(&m, lk_mrz_parse(four, len4, 4, &m), "4 lines");
    expect_reason(&m, lk_mrz_parse(NULL, NULL, 2, &m), "no lines");
    expect_reason(&m,
                  parse2("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<",
                         "L898902C36UTO7408122F1204159ZE184226B<<<<<10", &m),
                  "line 1 has length 43, expected 44");
    expect_reason(
        &m,
        parse2("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6", &m),
        "TD2");
    expect_reason(&m, parse2("", "", &m), "length 0");
    expect_reason(&m,
                  parse3("I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6",
                         "ERIKSSON<<ANNA<MARIA<<<<<<<<<", &m),
                  "line 3 has length 29, expected 30");
    size_t big = 10000;
    char *s = malloc(big + 1);
    assert_non_null(s);
    memset(s, '<', big);
    s[big] = '\0';
    expect_reason(&m, parse2(s, s, &m), "length 10000");
    free(s);
}

static void test_bad_characters(void **state)
{
    (void)state;
    static const char l2[] = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    lk_mrz m;
    expect_reason(&m, parse2("P<utoERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", l2, &m),
                  "line 1: lower-case letter 'u' at position 3");
    expect_reason(&m, parse2("P<UTOERIKSSON<<ANNA MARIA<<<<<<<<<<<<<<<<<<<", l2, &m),
                  "character 20 is byte 0x20");
    expect_reason(&m, parse2("P<UTOERIKSSON<<ANNA-MARIA<<<<<<<<<<<<<<<<<<<", l2, &m),
                  "character 20 is '-'");
    expect_reason(&m, parse2("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<\r", l2, &m), "byte 0x0d");
    const char *lines[2] = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                            "L898902C36UTO74\0"
                            "8122F1204159ZE184226B<<<<<10"};
    size_t lens[2] = {44, 44};
    expect_reason(&m, lk_mrz_parse(lines, lens, 2, &m), "line 2: embedded NUL at position 16");
    /* Full-width 'Ｐ' (EF BC B0) and invalid UTF-8 */
    expect_reason(&m, parse2("\xef\xbc\xb0<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<", l2, &m),
                  "non-ASCII byte at position 1");
    expect_reason(&m, parse2("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<\xff", l2, &m),
                  "position 44");
}

static void test_bad_fields(void **state)
{
    (void)state;
    static const char l1[] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    char l2[] = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    lk_mrz m;
    l2[20] = 'Q';
    expect_reason(&m, parse2(l1, l2, &m), "sex is 'Q'");
    l2[20] = '<';
    fix_td3(l2);
    assert_int_equal(parse2(l1, l2, &m), 0);
    assert_int_equal(m.sex, 'X');
    memcpy(l2 + 13, "741312", 6);
    fix_td3(l2);
    expect_reason(&m, parse2(l1, l2, &m), "month 13");
    memcpy(l2 + 13, "7408A2", 6);
    fix_td3(l2);
    expect_reason(&m, parse2(l1, l2, &m), "birth date has 'A'");
    char v1[] = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    expect_reason(&m, parse2(v1, "L898902C36UTO7408122F1204159ZE184226B<<<<<10", &m), "passports");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_digit),
        cmocka_unit_test(test_td3_specimen),
        cmocka_unit_test(test_td1_specimen),
        cmocka_unit_test(test_td1_long_number_example),
        cmocka_unit_test(test_td1_long_number_generated),
        cmocka_unit_test(test_td3_each_check_digit),
        cmocka_unit_test(test_td3_empty_personal_number),
        cmocka_unit_test(test_td1_each_check_digit),
        cmocka_unit_test(test_generated),
        cmocka_unit_test(test_substitutions),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_bad_shape),
        cmocka_unit_test(test_bad_characters),
        cmocka_unit_test(test_bad_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
