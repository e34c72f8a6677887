/* lk_uscc: validates unified social credit codes (GB 32100-2015) and the GB 11714
 * organisation code embedded in them, and explains every rejection precisely enough for a
 * technician to find the mistyped character. */
#include "kiosk/lk_uscc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* GB 32100 drops I, O, Z, S and V so that they cannot be confused with 1, 0, 2, 5 and U. */
static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* 3^(i-1) mod 31, as printed in the standard. */
static const int uscc_weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                     29, 25, 13, 8,  24, 10, 30, 28};

static const int org_weights[8] = {3, 7, 9, 10, 5, 8, 4, 2};

static int uscc_value(char c)
{
    const char *p = c ? strchr(uscc_alphabet, c) : NULL;
    return p ? (int)(p - uscc_alphabet) : -1;
}

/* GB 11714 values: digits, then A=10 .. Z=35 (its alphabet is all 26 letters). */
static int org_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return -1;
}

char lk_uscc_check_char(const char body[17])
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = uscc_value(body[i]);
        if (v < 0)
            return 0;
        sum += v * uscc_weights[i];
    }
    return uscc_alphabet[(31 - sum % 31) % 31];
}

char lk_orgcode_check_char(const char body[8])
{
    int sum = 0;
    for (int i = 0; i < 8; i++) {
        int v = org_value(body[i]);
        if (v < 0)
            return 0;
        sum += v * org_weights[i];
    }
    int c = 11 - sum % 11;
    if (c == 10)
        return 'X';
    return c == 11 ? '0' : (char)('0' + c);
}

__attribute__((format(printf, 2, 3))) static lk_uscc_status reject(lk_uscc_info *info,
                                                                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(info->reason, sizeof info->reason, fmt, ap);
    va_end(ap);
    return LK_USCC_INVALID;
}

/* Encoding problems are reported before the length: a code typed with full-width digits has
 * the wrong byte count, but "full-width" is the useful thing to tell the user. */
static lk_uscc_status check_bytes(const char *s, size_t len, lk_uscc_info *info)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0)
            return reject(info, "embedded NUL at position %zu", i + 1);
        if (c >= 0x80)
            return reject(info,
                          "non-ASCII byte (full-width characters are not accepted) at "
                          "position %zu",
                          i + 1);
    }
    if (len != LK_USCC_LEN)
        return reject(info, "length %zu, expected %d", len, LK_USCC_LEN);
    return LK_USCC_VALID;
}

static lk_uscc_status check_position(char c, int pos, lk_uscc_info *info)
{
    int in_region = pos >= 3 && pos <= 8;
    if (in_region ? c >= '0' && c <= '9' : uscc_value(c) >= 0)
        return LK_USCC_VALID;
    if (c >= 'a' && c <= 'z')
        return reject(info, "lower-case letter '%c' at position %d (codes are upper case)", c, pos);
    if (c < 0x21 || c > 0x7e)
        return reject(info, "character %d is byte 0x%02x, not allowed", pos, (unsigned char)c);
    if (in_region)
        return reject(info, "character %d is '%c', the region code (positions 3-8) is digits", pos,
                      c);
    return reject(info, "character %d is '%c', not allowed", pos, c);
}

static void fill_fields(const char *s, lk_uscc_info *info)
{
    info->authority = s[0];
    info->category = s[1];
    memcpy(info->region, s + 2, 6);
    info->region[6] = '\0';
    memcpy(info->org_code, s + 8, 9);
    info->org_code[9] = '\0';
    info->check = s[17];
}

/* Runs after the per-character checks, so both check functions see a well-formed body. */
static lk_uscc_status check_sums(lk_uscc_info *info)
{
    char org_expected = lk_orgcode_check_char(info->org_code);
    char given = info->check;
    int org_ok = org_expected == info->org_code[8];

    if (given == info->expected_check && org_ok)
        return LK_USCC_VALID;
    if (given == info->expected_check)
        return reject(info,
                      "organisation code check character (position 17) is '%c', expected '%c'",
                      info->org_code[8], org_expected);
    /* A check character outside the alphabet was never issued, not even in the pilots. */
    if (org_ok && uscc_value(given) >= 0) {
        snprintf(info->reason, sizeof info->reason,
                 "check character is '%c', expected '%c' (organisation code valid: legacy pilot "
                 "code)",
                 given, info->expected_check);
        return LK_USCC_LEGACY;
    }
    if (given >= 0x21 && given <= 0x7e)
        return reject(info, "check character is '%c', expected '%c'", given, info->expected_check);
    return reject(info, "check character is byte 0x%02x, expected '%c'", (unsigned char)given,
                  info->expected_check);
}

lk_uscc_status lk_uscc_check(const char *s, size_t len, lk_uscc_info *info)
{
    lk_uscc_info scratch;
    if (!info)
        info = &scratch;
    memset(info, 0, sizeof *info);
    if (!s || len == 0)
        return reject(info, "empty input");
    if (check_bytes(s, len, info) != LK_USCC_VALID)
        return LK_USCC_INVALID;
    fill_fields(s, info);
    /* Position 18 is judged by check_sums, which can say what it should have been. */
    for (int i = 0; i < LK_USCC_LEN - 1; i++)
        if (check_position(s[i], i + 1, info) != LK_USCC_VALID)
            return LK_USCC_INVALID;
    if (s[17] >= 'a' && s[17] <= 'z')
        return check_position(s[17], 18, info);
    info->expected_check = lk_uscc_check_char(s);
    return check_sums(info);
}
