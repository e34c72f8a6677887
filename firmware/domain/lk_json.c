/* lk_json: strict check of one JSON document, then an in-place cursor over it (see lk_json.h).
 *
 * The check is iterative with an explicit stack, so hostile nesting costs a bounded array, not
 * the C stack. The cursor trusts the check: it never needs to look for errors. */
#include "lk_json.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static const unsigned char *skip_ws(const unsigned char *p, const unsigned char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Whether any of the 8 bytes in w is a quote or a backslash ("Bit Twiddling Hacks" haszero:
 * exact for existence, and bytes >= 0x80, all of CJK text, never match). */
static int has_quote_or_backslash(uint64_t w)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), high = ones * 0x80;
    uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
    return ((((q - ones) & ~q) | ((bs - ones) & ~bs)) & high) != 0;
}

/* Next quote or backslash at or after p, or end. Short strings (keys, codes, dates) end within
 * a few words; a long one (a business scope) is handed to memchr, which libc vectorises, once
 * for the quote and once for a backslash before it. */
static const unsigned char *scan_string(const unsigned char *p, const unsigned char *end)
{
    for (int words = 0; end - p >= 8; words++) {
        uint64_t w;
        memcpy(&w, p, 8);
        if (has_quote_or_backslash(w))
            break;
        p += 8;
        if (words == 4) {
            const unsigned char *q = memchr(p, '"', (size_t)(end - p));
            const unsigned char *bs = memchr(p, '\\', (size_t)((q ? q : end) - p));
            return bs ? bs : q ? q : end;
        }
    }
    while (p < end && *p != '"' && *p != '\\')
        p++;
    return p;
}

static int hex4(const unsigned char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return 0;
        v = v << 4 | d;
    }
    *out = v;
    return 1;
}

/* p at "\u": the escape's code unit(s) as one code point, advancing *pp past them; 0 when bad.
 * A high surrogate must be followed by a low one and a low one may not stand alone. */
static unsigned escape_u(const unsigned char **pp, const unsigned char *end)
{
    const unsigned char *p = *pp;
    unsigned hi, lo;
    if (end - p < 6 || !hex4(p + 2, &hi) || (hi >= 0xDC00 && hi <= 0xDFFF))
        return 0;
    p += 6;
    if (hi >= 0xD800 && hi <= 0xDBFF) {
        if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, &lo) || lo < 0xDC00 ||
            lo > 0xDFFF)
            return 0;
        p += 6;
        hi = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    }
    *pp = p;
    return hi ? hi : 0x110000; /* \u0000 is refused before parsing; keep 0 meaning "bad" */
}

/* p at the opening quote: returns the byte after the closing one, or NULL with *bad set.
 * Raw control characters are let through, as cJSON let them: validation names the field. */
static const unsigned char *check_string(const unsigned char *p, const unsigned char *end,
                                         const unsigned char **bad)
{
    p++;
    for (;;) {
        p = scan_string(p, end);
        if (p >= end)
            break;
        if (*p == '"')
            return p + 1;
        if (end - p < 2)
            break;
        unsigned char c = p[1];
        if (c == 'u') {
            if (!escape_u(&p, end))
                break;
        } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' ||
                   c == 'r' || c == 't') {
            p += 2;
        } else {
            break;
        }
    }
    *bad = p < end ? p : end;
    return NULL;
}

static const unsigned char *check_number(const unsigned char *p, const unsigned char *end)
{
    if (p < end && *p == '-')
        p++;
    if (p >= end || !is_digit(*p))
        return NULL;
    if (*p == '0')
        p++;
    else
        while (p < end && is_digit(*p))
            p++;
    if (p < end && *p == '.') {
        if (++p >= end || !is_digit(*p))
            return NULL;
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        if (++p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !is_digit(*p))
            return NULL;
        while (p < end && is_digit(*p))
            p++;
    }
    return p;
}

static const unsigned char *check_scalar(const unsigned char *p, const unsigned char *end,
                                         const unsigned char **bad)
{
    static const char *const words[] = {"true", "false", "null"};
    const unsigned char *q = NULL;
    if (*p == '"')
        return check_string(p, end, bad);
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if (*p == (unsigned char)words[i][0])
            q = (size_t)(end - p) >= n && memcmp(p, words[i], n) == 0 ? p + n : NULL;
    }
    if (*p != 't' && *p != 'f' && *p != 'n')
        q = check_number(p, end);
    if (!q)
        *bad = p;
    return q;
}

int lk_json_check(const char *s, size_t len, size_t *at)
{
    const unsigned char *b = (const unsigned char *)s, *p = b, *end = b + len, *bad = NULL;
    char stack[LK_JSON_MAX_DEPTH];
    int depth = 0;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
value:
    p = skip_ws(p, end);
    if (p >= end)
        goto fail;
    if (*p == '{' || *p == '[') {
        if (depth == LK_JSON_MAX_DEPTH)
            goto fail;
        stack[depth++] = *p == '{' ? '}' : ']';
        p = skip_ws(p + 1, end);
        if (p < end && *p == stack[depth - 1]) {
            depth--, p++;
            goto after;
        }
        if (stack[depth - 1] == '}')
            goto key;
        goto value;
    }
    if (!(p = check_scalar(p, end, &bad)))
        goto fail;
after:
    if (depth == 0)
        goto done;
    p = skip_ws(p, end);
    if (p < end && *p == ',') {
        p = skip_ws(p + 1, end);
        if (stack[depth - 1] == '}')
            goto key;
        goto value;
    }
    if (p < end && *p == stack[depth - 1]) {
        depth--, p++;
        goto after;
    }
    goto fail;
key:
    if (p >= end || *p != '"' || !(p = check_string(p, end, &bad)))
        goto fail;
    p = skip_ws(p, end);
    if (p >= end || *p != ':')
        goto fail;
    p++;
    goto value;
done:
    p = skip_ws(p, end);
    *at = (size_t)(p - b);
    return p < end ? -2 : 0;
fail:
    *at = (size_t)((bad ? bad : p < end ? p : end) - b);
    return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* The cursor */

/* s[len] must be readable (a NUL): the cursor may look one byte past the document. */
void lk_json_init(lk_json *j, char *s, size_t len)
{
    j->p = s;
    j->end = s + len;
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        j->p += 3;
}

static void ws(lk_json *j)
{
    j->p = (char *)skip_ws((const unsigned char *)j->p, (const unsigned char *)j->end);
}

int lk_json_type(lk_json *j)
{
    ws(j);
    switch (*j->p) {
    case '{':
        return LK_JSON_OBJECT;
    case '[':
        return LK_JSON_ARRAY;
    case '"':
        return LK_JSON_STRING;
    case 'n':
        return LK_JSON_NULL;
    case 't':
    case 'f':
        return LK_JSON_BOOL;
    default:
        return LK_JSON_NUMBER;
    }
}

static char *put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | cp >> 12);
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | cp >> 18);
        *o++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

static char simple_escape(char c)
{
    switch (c) {
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    default:
        return c; /* " \ / */
    }
}

/* Decoded text never outgrows its escaped form, so the write position o never passes the read
 * position r: decoding in place is safe. */
char *lk_json_string(lk_json *j)
{
    ws(j);
    const unsigned char *end = (const unsigned char *)j->end;
    char *start = j->p + 1, *o = start;
    const unsigned char *r = (const unsigned char *)start;
    for (;;) {
        const unsigned char *q = scan_string(r, end);
        size_t n = (size_t)(q - r);
        if (o != (const char *)r)
            memmove(o, r, n);
        o += n;
        r = q;
        if (*r == '"')
            break;
        if (r[1] == 'u') {
            unsigned cp = escape_u(&r, end);
            o = put_utf8(o, cp == 0x110000 ? 0 : cp);
        } else {
            *o++ = simple_escape((char)r[1]);
            r += 2;
        }
    }
    *o = '\0';
    j->p = (char *)r + 1;
    return start;
}

/* Exact for whole numbers up to 2^53 (all a record holds); other values are approximate, and
 * ones with more than 19 significant digits come back as NaN. */
double lk_json_number(lk_json *j)
{
    ws(j);
    const unsigned char *p = (const unsigned char *)j->p;
    uint64_t m = 0;
    int neg = *p == '-', digits = 0, lost = 0, frac = 0;
    long scale = 0, e = 0;
    for (p += neg; is_digit(*p) || (*p == '.' && !frac); p++) {
        if (*p == '.') {
            frac = 1;
            continue;
        }
        if (m == 0 && *p == '0') {
            scale -= frac;
        } else if (digits < 19) {
            m = m * 10 + (uint64_t)(*p - '0'), digits++, scale -= frac;
        } else {
            lost |= *p != '0';
            scale += !frac;
        }
    }
    if (*p == 'e' || *p == 'E') {
        int eneg = *++p == '-';
        p += *p == '-' || *p == '+';
        for (; is_digit(*p); p++)
            e = e < 100000 ? e * 10 + (*p - '0') : e;
        e = eneg ? -e : e;
    }
    j->p = (char *)p;
    if (lost)
        return NAN;
    while (m && m % 10 == 0)
        m /= 10, scale++;
    long p10 = scale + e;
    double v = (double)m;
    if (m && p10 > 330)
        v = HUGE_VAL;
    for (; m && p10 > 0 && p10 <= 330; p10--)
        v *= 10; /* exact while the value stays below 2^53 */
    for (; m && p10 < 0 && p10 >= -400; p10++)
        v /= 10;
    return neg ? -v : v;
}

void lk_json_skip(lk_json *j)
{
    const unsigned char *end = (const unsigned char *)j->end;
    int depth = 0;
    do {
        ws(j);
        char c = *j->p;
        if (c == '"') {
            const unsigned char *r = (const unsigned char *)j->p + 1;
            while (*(r = scan_string(r, end)) == '\\')
                r += 2;
            j->p = (char *)r + 1;
        } else if (c == '{' || c == '[') {
            depth++, j->p++;
        } else if (c == '}' || c == ']') {
            depth--, j->p++;
        } else if (c == ',' || c == ':') {
            j->p++;
        } else {
            while (j->p < j->end && !strchr(" \t\r\n,:]}", *j->p))
                j->p++;
        }
    } while (depth > 0);
}

void lk_json_enter(lk_json *j)
{
    ws(j);
    j->p++;
}

int lk_json_member(lk_json *j, char **key)
{
    ws(j);
    if (*j->p == ',') {
        j->p++;
        ws(j);
    }
    if (*j->p == '}') {
        j->p++;
        return 0;
    }
    *key = lk_json_string(j);
    ws(j);
    j->p++; /* ':' */
    return 1;
}

int lk_json_element(lk_json *j)
{
    ws(j);
    if (*j->p == ',') {
        j->p++;
        ws(j);
    }
    if (*j->p == ']') {
        j->p++;
        return 0;
    }
    return 1;
}
