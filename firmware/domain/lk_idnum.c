/* lk_idnum: validates PRC resident identity numbers (GB 11643-1999, and the 15-digit form of
 * GB 11643-1989) without ever copying the number into a reason: reasons name positions and
 * single characters only, so they are safe to log and to show. */
#include "kiosk/lk_idnum.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define EARLIEST_BIRTH 18000101

/* 2^(17-i) mod 11 and the ISO 7064 MOD 11-2 result mapping, as printed in the standard. */
static const int id_weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char id_check_map[] = "10X98765432";

/* Province-level GB/T 2260 codes. 71 台湾, 81 香港 and 82 澳门 appear on residence permits
 * (港澳台居民居住证, GB 11643 numbers with region 710000/810000/820000); 83 is accepted too,
 * because the Taiwan residence permit has been issued with 830000 and an operator holding
 * one may legitimately register an individual business. Prefecture and county digits are not
 * checked: GB/T 2260 changes every year and old numbers keep their old codes. */
static int is_province(int code)
{
    static const unsigned char provinces[] = {
        11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43,
        44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
    };
    for (size_t i = 0; i < sizeof provinces; i++)
        if (provinces[i] == code)
            return 1;
    return 0;
}

__attribute__((format(printf, 2, 3))) static lk_idnum_status reject(lk_idnum_info *info,
                                                                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(info->reason, sizeof info->reason, fmt, ap);
    va_end(ap);
    return LK_IDNUM_INVALID;
}

char lk_idnum_check_char(const char body[17])
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (body[i] < '0' || body[i] > '9')
            return 0;
        sum += (body[i] - '0') * id_weights[i];
    }
    return id_check_map[sum % 11];
}

int lk_idnum_today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm))
        return 0;
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

static int digits_value(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* Byte-level problems first: "full-width digit" helps more than the byte count it causes. */
static lk_idnum_status check_bytes(const char *s, size_t len, lk_idnum_info *info)
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
    if (len != 18 && len != 15)
        return reject(info, "length %zu, expected 18 (or 15 for a 1989 number)", len);
    return LK_IDNUM_VALID;
}

static lk_idnum_status check_digits(const char *s, size_t n, lk_idnum_info *info)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9')
            continue;
        if (c >= 0x21 && c <= 0x7e)
            return reject(info, "character %zu is '%c', expected a digit", i + 1, c);
        return reject(info, "character %zu is byte 0x%02x, expected a digit", i + 1,
                      (unsigned char)c);
    }
    return LK_IDNUM_VALID;
}

static lk_idnum_status check_region(const char *s, lk_idnum_info *info)
{
    memcpy(info->region, s, 6);
    info->region[6] = '\0';
    if (!is_province(digits_value(s, 2)))
        return reject(info, "region code starts with %c%c, not a province-level code", s[0], s[1]);
    return LK_IDNUM_VALID;
}

static lk_idnum_status check_date(int year, int month, int day, int today, lk_idnum_info *info)
{
    info->year = year;
    info->month = month;
    info->day = day;
    if (month < 1 || month > 12)
        return reject(info, "birth month %02d does not exist", month);
    if (day < 1 || day > days_in_month(year, month))
        return reject(info, "birth date %04d-%02d-%02d does not exist", year, month, day);
    int ymd = year * 10000 + month * 100 + day;
    if (ymd < EARLIEST_BIRTH)
        return reject(info, "birth year %04d is before 1800", year);
    if (ymd > today)
        return reject(info, "birth date %04d-%02d-%02d is in the future", year, month, day);
    return LK_IDNUM_VALID;
}

static lk_idnum_status check_legacy15(const char *s, int today, lk_idnum_info *info)
{
    if (check_digits(s, 15, info) != LK_IDNUM_VALID || check_region(s, info) != LK_IDNUM_VALID)
        return LK_IDNUM_INVALID;
    int year = 1900 + digits_value(s + 6, 2);
    if (check_date(year, digits_value(s + 8, 2), digits_value(s + 10, 2), today, info) !=
        LK_IDNUM_VALID)
        return LK_IDNUM_INVALID;
    info->sex = (s[14] - '0') % 2 ? 'M' : 'F';
    snprintf(info->reason, sizeof info->reason,
             "15-digit number of GB 11643-1989, which has no check character");
    return LK_IDNUM_LEGACY15;
}

static lk_idnum_status check_form18(const char *s, int today, lk_idnum_info *info)
{
    if (check_digits(s, 17, info) != LK_IDNUM_VALID)
        return LK_IDNUM_INVALID;
    info->check = s[17];
    info->expected_check = lk_idnum_check_char(s);
    if (s[17] == 'x')
        return reject(info, "lower-case 'x' at position 18: the check character is 'X'");
    if (!(s[17] >= '0' && s[17] <= '9') && s[17] != 'X') {
        if (s[17] >= 0x21 && s[17] <= 0x7e)
            return reject(info, "character 18 is '%c', expected a digit or 'X'", s[17]);
        return reject(info, "character 18 is byte 0x%02x, expected a digit or 'X'",
                      (unsigned char)s[17]);
    }
    if (check_region(s, info) != LK_IDNUM_VALID)
        return LK_IDNUM_INVALID;
    if (check_date(digits_value(s + 6, 4), digits_value(s + 10, 2), digits_value(s + 12, 2), today,
                   info) != LK_IDNUM_VALID)
        return LK_IDNUM_INVALID;
    info->sex = (s[16] - '0') % 2 ? 'M' : 'F';
    if (s[17] != info->expected_check)
        return reject(info, "check character is '%c', expected '%c'", s[17], info->expected_check);
    return LK_IDNUM_VALID;
}

lk_idnum_status lk_idnum_check(const char *s, size_t len, int today, lk_idnum_info *info)
{
    lk_idnum_info scratch;
    if (!info)
        info = &scratch;
    memset(info, 0, sizeof *info);
    if (!s || len == 0)
        return reject(info, "empty input");
    if (check_bytes(s, len, info) != LK_IDNUM_VALID)
        return LK_IDNUM_INVALID;
    return len == 15 ? check_legacy15(s, today, info) : check_form18(s, today, info);
}
