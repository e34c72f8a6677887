/* lk_mrz: parses the machine readable zone of ICAO 9303 TD1 and TD3 documents into fields and
 * verifies every check digit. The eMRTD reader derives BAC keys from these fields, so a
 * check-digit mismatch must be caught here rather than surface later as a failed chip
 * handshake. */
#include "kiosk/lk_mrz.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kiosk/lk_err.h"

#define TD1_LEN 30
#define TD3_LEN 44

__attribute__((format(printf, 2, 3))) static int fail(lk_mrz *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof out->reason, fmt, ap);
    va_end(ap);
    out->valid = false;
    return LK_EINVAL;
}

static int mrz_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return c == '<' ? 0 : -1;
}

char lk_mrz_check_digit(const char *s, size_t len)
{
    static const int weights[3] = {7, 3, 1};
    int sum = 0;
    if (!s && len)
        return 0;
    for (size_t i = 0; i < len; i++) {
        int v = mrz_value(s[i]);
        if (v < 0)
            return 0;
        sum = (sum + v * weights[i % 3]) % 10;
    }
    return (char)('0' + sum);
}

static int check_char(lk_mrz *out, size_t line, size_t pos, char c)
{
    unsigned char u = (unsigned char)c;
    if (mrz_value(c) >= 0)
        return 0;
    if (u == 0)
        return fail(out, "line %zu: embedded NUL at position %zu", line, pos);
    if (u >= 0x80)
        return fail(out, "line %zu: non-ASCII byte at position %zu", line, pos);
    if (c >= 'a' && c <= 'z')
        return fail(out, "line %zu: lower-case letter '%c' at position %zu", line, c, pos);
    if (u > 0x20 && u < 0x7f)
        return fail(out, "line %zu: character %zu is '%c', only A-Z, 0-9 and '<' are allowed", line,
                    pos, c);
    return fail(out, "line %zu: character %zu is byte 0x%02x, only A-Z, 0-9 and '<' are allowed",
                line, pos, u);
}

/* Characters before lengths: a stray '\r' or space explains a wrong length better than the
 * length itself does. */
static int check_lines(const char *const lines[], const size_t lens[], size_t nlines, size_t want,
                       lk_mrz *out)
{
    for (size_t i = 0; i < nlines; i++) {
        if (!lines[i] && lens[i])
            return fail(out, "line %zu is missing", i + 1);
        for (size_t j = 0; j < lens[i]; j++)
            if (check_char(out, i + 1, j + 1, lines[i][j]) != 0)
                return LK_EINVAL;
    }
    for (size_t i = 0; i < nlines; i++) {
        if (lens[i] == want)
            continue;
        if (nlines == 2 && lens[i] == 36)
            return fail(out, "line %zu has length 36: TD2 documents are not supported", i + 1);
        return fail(out, "line %zu has length %zu, expected %zu for %s", i + 1, lens[i], want,
                    nlines == 2 ? "TD3 (2 lines of 44)" : "TD1 (3 lines of 30)");
    }
    return 0;
}

/* Copies s[0..n) without leading and trailing '<' fillers. */
static void copy_trimmed(char *dst, size_t size, const char *s, size_t n)
{
    while (n && s[0] == '<') {
        s++;
        n--;
    }
    while (n && s[n - 1] == '<')
        n--;
    if (n >= size)
        n = size - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Runs of '<' separate name components; each run becomes one space. */
static void copy_name_part(char *dst, size_t size, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < size; i++) {
        if (s[i] != '<')
            dst[o++] = s[i];
        else if (o > 0 && dst[o - 1] != ' ')
            dst[o++] = ' ';
    }
    while (o > 0 && dst[o - 1] == ' ')
        o--;
    dst[o] = '\0';
}

static void parse_name(const char *s, size_t n, lk_mrz *out)
{
    size_t k = 0;
    while (k + 1 < n && !(s[k] == '<' && s[k + 1] == '<'))
        k++;
    if (k + 1 >= n) {
        copy_name_part(out->surname, sizeof out->surname, s, n);
        out->given_names[0] = '\0';
        return;
    }
    copy_name_part(out->surname, sizeof out->surname, s, k);
    copy_name_part(out->given_names, sizeof out->given_names, s + k + 2, n - k - 2);
}

static void copy_raw(char *dst, const char *s, size_t n)
{
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static int verify(lk_mrz *out, const char *what, const char *s, size_t n, char given)
{
    char expected = lk_mrz_check_digit(s, n);
    if (given == expected)
        return 0;
    return fail(out, "%s check digit is '%c', expected '%c'", what, given, expected);
}

/* Dates may carry '<' for an unknown part (ICAO 9303 part 3); only fully printed month and
 * day values can be judged. */
static int check_date(lk_mrz *out, const char *what, const char *d)
{
    for (int i = 0; i < 6; i++)
        if (!(d[i] >= '0' && d[i] <= '9') && d[i] != '<')
            return fail(out, "%s has '%c' where a digit belongs", what, d[i]);
    if (d[2] != '<' && d[3] != '<') {
        int month = (d[2] - '0') * 10 + (d[3] - '0');
        if (month < 1 || month > 12)
            return fail(out, "%s has month %02d", what, month);
    }
    if (d[4] != '<' && d[5] != '<') {
        int day = (d[4] - '0') * 10 + (d[5] - '0');
        if (day < 1 || day > 31)
            return fail(out, "%s has day %02d", what, day);
    }
    return 0;
}

static int parse_sex(lk_mrz *out, char c)
{
    out->sex = c == '<' ? 'X' : c;
    if (c == 'M' || c == 'F' || c == 'X' || c == '<')
        return 0;
    return fail(out, "sex is '%c', expected M, F, X or '<'", c);
}

/* Fields common to both formats: document code, issuing state, dates, sex, nationality. */
static void fill_common(lk_mrz *out, const char *code, const char *state, const char *birth,
                        const char *expiry, const char *nationality)
{
    copy_trimmed(out->document_code, sizeof out->document_code, code, 2);
    copy_trimmed(out->issuing_state, sizeof out->issuing_state, state, 3);
    copy_raw(out->birth_date, birth, 6);
    copy_raw(out->expiry_date, expiry, 6);
    copy_trimmed(out->nationality, sizeof out->nationality, nationality, 3);
}

static int check_common(lk_mrz *out, const char *birth, const char *expiry, char sex)
{
    if (check_date(out, "birth date", birth) != 0 || check_date(out, "expiry date", expiry) != 0)
        return LK_EINVAL;
    return parse_sex(out, sex);
}

static int check_td3_personal(lk_mrz *out, const char *l2)
{
    size_t fillers = 0;
    while (fillers < 14 && l2[28 + fillers] == '<')
        fillers++;
    /* An absent personal number may carry '<' or '0' as its check digit (part 4, 4.2.2.2). */
    if (fillers == 14 && (l2[42] == '<' || l2[42] == '0'))
        return 0;
    return verify(out, "personal number", l2 + 28, 14, l2[42]);
}

static int parse_td3(const char *l1, const char *l2, lk_mrz *out)
{
    char composite[39];
    out->format = LK_MRZ_TD3;
    fill_common(out, l1, l1 + 2, l2 + 13, l2 + 21, l2 + 10);
    parse_name(l1 + 5, 39, out);
    copy_trimmed(out->document_number, sizeof out->document_number, l2, 9);
    out->document_number_check = l2[9];
    copy_trimmed(out->optional_data, sizeof out->optional_data, l2 + 28, 14);
    if (l1[0] != 'P')
        return fail(out, "document code starts with '%c': TD3 is read for passports (P) only",
                    l1[0]);
    if (check_common(out, l2 + 13, l2 + 21, l2[20]) != 0)
        return LK_EINVAL;
    memcpy(composite, l2, 10);
    memcpy(composite + 10, l2 + 13, 7);
    memcpy(composite + 17, l2 + 21, 22);
    if (verify(out, "document number", l2, 9, l2[9]) != 0 ||
        verify(out, "birth date", l2 + 13, 6, l2[19]) != 0 ||
        verify(out, "expiry date", l2 + 21, 6, l2[27]) != 0 || check_td3_personal(out, l2) != 0 ||
        verify(out, "composite", composite, sizeof composite, l2[43]) != 0)
        return LK_EINVAL;
    return 0;
}

/* ICAO 9303 part 5 note j: a document number longer than 9 characters continues in the
 * optional data, '<' takes the place of its check digit, and the real check digit ends the
 * overflow run. Returns the number of line-1 characters the overflow occupies (run plus its
 * terminating filler), or a negative code. */
static int split_long_number(const char *l1, char *number, char *check, lk_mrz *out)
{
    size_t run = 0;
    while (15 + run < TD1_LEN && l1[15 + run] != '<')
        run++;
    if (run == 0)
        return fail(out, "document number check digit is '<' but no overflow follows");
    memcpy(number, l1 + 5, 9);
    memcpy(number + 9, l1 + 15, run - 1);
    number[9 + run - 1] = '\0';
    *check = l1[15 + run - 1];
    return (int)(run + (15 + run < TD1_LEN ? 1 : 0));
}

static int td1_number(const char *l1, lk_mrz *out)
{
    char number[32];
    char check = l1[14];
    size_t used = 0;
    if (check == '<') {
        int n = split_long_number(l1, number, &check, out);
        if (n < 0)
            return n;
        used = (size_t)n;
    } else {
        copy_raw(number, l1 + 5, 9);
    }
    copy_trimmed(out->document_number, sizeof out->document_number, number, strlen(number));
    out->document_number_check = check;
    copy_trimmed(out->optional_data, sizeof out->optional_data, l1 + 15 + used, 15 - used);
    return verify(out, "document number", number, strlen(number), check);
}

static int parse_td1(const char *l1, const char *l2, const char *l3, lk_mrz *out)
{
    char composite[50];
    out->format = LK_MRZ_TD1;
    fill_common(out, l1, l1 + 2, l2, l2 + 8, l2 + 15);
    parse_name(l3, TD1_LEN, out);
    copy_trimmed(out->optional_data2, sizeof out->optional_data2, l2 + 18, 11);
    int rc = td1_number(l1, out);
    if (l1[0] != 'I' && l1[0] != 'A' && l1[0] != 'C')
        return fail(out, "document code starts with '%c', expected I, A or C for TD1", l1[0]);
    if (check_common(out, l2, l2 + 8, l2[7]) != 0 || rc != 0)
        return LK_EINVAL;
    memcpy(composite, l1 + 5, 25);
    memcpy(composite + 25, l2, 7);
    memcpy(composite + 32, l2 + 8, 7);
    memcpy(composite + 39, l2 + 18, 11);
    if (verify(out, "birth date", l2, 6, l2[6]) != 0 ||
        verify(out, "expiry date", l2 + 8, 6, l2[14]) != 0 ||
        verify(out, "composite", composite, sizeof composite, l2[29]) != 0)
        return LK_EINVAL;
    return 0;
}

int lk_mrz_parse(const char *const lines[], const size_t lens[], size_t nlines, lk_mrz *out)
{
    lk_mrz scratch;
    if (!out)
        out = &scratch;
    memset(out, 0, sizeof *out);
    if (!lines || !lens)
        return fail(out, "no lines given");
    if (nlines != 2 && nlines != 3)
        return fail(out, "%zu lines, expected 2 (TD3 passport) or 3 (TD1 card)", nlines);
    if (check_lines(lines, lens, nlines, nlines == 2 ? TD3_LEN : TD1_LEN, out) != 0)
        return LK_EINVAL;
    int rc = nlines == 2 ? parse_td3(lines[0], lines[1], out)
                         : parse_td1(lines[0], lines[1], lines[2], out);
    out->valid = rc == 0;
    if (rc == 0)
        out->reason[0] = '\0';
    return rc;
}
