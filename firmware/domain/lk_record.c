/* lk_record: the license record's JSON form (parsing hostile input safely and serialising it),
 * its validation against the rules of its entity type, and the masked display form of document
 * numbers. Error reasons name the field and never quote a value, so no identity number can leak
 * into a log through them. */
#include "kiosk/lk_record.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_entity.h"
#include "kiosk/lk_idnum.h"
#include "kiosk/lk_uscc.h"
#include "lk_json.h"

#define DEFAULT_AGENT_ROLE "委托代理人"
#define MAX_SCOPE_CHARS    3000
#define MAX_TEXT_CHARS     200 /* name, address */
#define MAX_LABEL_CHARS    100 /* type_name, authority, capital, person names */
#define MAX_ROLE_CHARS     32
#define MAX_QR_BYTES       1024
#define MAX_DUPLICATES     99
#define GSXT_URL           "http://www.gsxt.gov.cn/index.html?uniscid="

/* ------------------------------------------------------------------------------------------ */
/* UTF-8 */

/* The general decoder for one sequence at p (lead byte c >= 0x80): its length, or 0 when bad. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
    unsigned c = *p;
    size_t k;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF)
        k = 1, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0)
        k = 2, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        k = 3, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if ((size_t)(end - p) <= k)
        return 0;
    for (size_t i = 1; i <= k; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3Fu);
    }
    /* Overlong forms and surrogates would let two spellings of one name coexist. */
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return k + 1;
}

/* Fast paths for what records are made of: runs of ASCII 8 bytes at a time, and three-byte
 * sequences led by E1-EC or EE-EF (all of CJK), whose every continuation is valid: E0 and ED,
 * with their narrower second bytes, take the general path. */
long lk_record_utf8_len(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    long n = 0;
    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) {
            uint64_t w;
            if (end - p >= 8 && (memcpy(&w, p, 8), (w & UINT64_C(0x8080808080808080)) == 0))
                p += 8, n += 8;
            else
                p++, n++;
            continue;
        }
        /* One 24-bit word checks lead E0-EF and two continuations; the lead's low nibble
         * then rules out E0 and ED. Runs of CJK stay in this inner loop. */
        uint32_t x;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* Two characters per 8-byte load while the text stays CJK. */
        uint64_t w;
        while (end - p >= 8 &&
               (memcpy(&w, p, 8), (w & UINT64_C(0xC0C0F0C0C0F0)) == UINT64_C(0x8080E08080E0)) &&
               (w & 0xF) != 0 && (w & 0xF) != 0xD && (w & 0xF000000) != 0 &&
               (w & 0xF000000) != 0xD000000)
            p += 6, n += 2;
#endif
        while (end - p >= 3 && (x = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16,
                                (x & 0xC0C0F0u) == 0x8080E0u && (x & 0xF) != 0 && (x & 0xF) != 0xD))
            p += 3, n++;
        if (p >= end || *p < 0x80)
            continue;
        size_t k = utf8_seq(p, end);
        if (!k)
            return -1;
        p += k, n++;
    }
    return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Masking and the fallback QR payload */

void lk_record_mask_doc(const char *number, char *out, size_t outsz)
{
    if (!out || outsz == 0)
        return;
    size_t n = number ? strlen(number) : 0, head = 1, tail = 2, o = 0;
    if (n == 18)
        head = tail = 4;
    else if (n < 4)
        head = tail = 0; /* keeping 3 of 3 characters would mask nothing */
    for (size_t i = 0; i < n && o + 1 < outsz; i++) {
        unsigned char c = (unsigned char)number[i];
        int keep = (i < head || i >= n - tail) && c > 0x20 && c < 0x7F;
        out[o++] = keep ? (char)c : '*';
    }
    out[o] = '\0';
}

void lk_record_fallback_qr(const char *uscc, char *buf, size_t bufsz)
{
    if (!buf || bufsz == 0)
        return;
    snprintf(buf, bufsz, "%s%s", GSXT_URL, uscc ? uscc : "");
}

/* ------------------------------------------------------------------------------------------ */
/* Freeing */

static void free_person(lk_person *p)
{
    free(p->role);
    free(p->name);
    free(p->doc_type);
    free(p->doc_number);
    free(p->doc_masked);
}

void lk_record_free(lk_record *rec)
{
    if (!rec)
        return;
    char **strings[] = {&rec->uscc,       &rec->name,       &rec->entity_type, &rec->type_name,
                        &rec->scope,      &rec->capital,    &rec->composition, &rec->established,
                        &rec->term_from,  &rec->term_to,    &rec->address,     &rec->authority,
                        &rec->registered, &rec->qr_payload, &rec->status};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(*strings[i]);
    free_person(&rec->holder);
    for (size_t i = 0; rec->agents && i < rec->n_agents; i++)
        free_person(&rec->agents[i]);
    free(rec->agents);
    free(rec);
}

/* ------------------------------------------------------------------------------------------ */
/* JSON parsing */

enum key_kind { K_STR, K_NULLABLE, K_HOLDER, K_AGENTS, K_DUPLICATES };

typedef struct key_def {
    const char *key;
    int kind;
    int required;
    size_t off; /* of the char * in lk_record, for K_STR and K_NULLABLE */
} key_def;

#define STR_KEY(name, kind, req)                                                                   \
    {                                                                                              \
#name, kind, req, offsetof(lk_record, name)                                                \
    }

static const key_def record_keys[] = {
    STR_KEY(uscc, K_STR, 1),
    STR_KEY(name, K_STR, 1),
    STR_KEY(entity_type, K_STR, 1),
    STR_KEY(type_name, K_NULLABLE, 0),
    {"holder", K_HOLDER, 1, 0},
    {"agents", K_AGENTS, 0, 0},
    STR_KEY(scope, K_STR, 1),
    STR_KEY(capital, K_NULLABLE, 0),
    STR_KEY(composition, K_NULLABLE, 0),
    STR_KEY(established, K_STR, 1),
    STR_KEY(term_from, K_NULLABLE, 0),
    STR_KEY(term_to, K_NULLABLE, 0),
    STR_KEY(address, K_STR, 1),
    STR_KEY(authority, K_STR, 1),
    STR_KEY(registered, K_STR, 1),
    STR_KEY(qr_payload, K_NULLABLE, 0),
    STR_KEY(status, K_STR, 1),
    {"duplicates", K_DUPLICATES, 1, 0},
};
#define N_RECORD_KEYS (sizeof record_keys / sizeof record_keys[0])

static const char *const person_keys[] = {"role", "name", "doc_type", "doc_number", "doc_masked"};
#define N_PERSON_KEYS (sizeof person_keys / sizeof person_keys[0])

/* Only a plain snake_case key is echoed: anything else might be a pasted identity number. */
static const char *shown_key(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n > 32 || strspn(key, "abcdefghijklmnopqrstuvwxyz_") != n)
        return "(not shown)";
    return key;
}

static char *dup_bytes(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static const char *record_key_at(size_t i)
{
    return record_keys[i].key;
}

static const char *person_key_at(size_t i)
{
    return person_keys[i];
}

/* Index of key among n keys, or n. Writers (ours, the registry's) emit the keys in table
 * order, so the search starts where the previous key matched: one comparison per key instead
 * of nine on average. */
static size_t find_key(const char *key, size_t start, size_t n, const char *(*at)(size_t))
{
    for (size_t i = 0; i < n; i++) {
        size_t k = (start + i) % n;
        if (strcmp(key, at(k)) == 0)
            return k;
    }
    return n;
}

/* Where a value sits, formatted only when an error names it: holder.role, agents[2].name,
 * scope. A snprintf per field on the happy path was a tenth of the parse. */
typedef struct where {
    const char *prefix; /* NULL for the record's own fields */
    int index;          /* agents[index], or -1 */
} where;

static const where TOP = {NULL, -1};

static const char *where_fmt(char *buf, size_t n, const where *w, const char *key)
{
    if (!w->prefix)
        snprintf(buf, n, "%s", key ? key : "record");
    else if (w->index < 0)
        snprintf(buf, n, "%s%s%s", w->prefix, key ? "." : "", key ? key : "");
    else
        snprintf(buf, n, "%s[%d]%s%s", w->prefix, w->index, key ? "." : "", key ? key : "");
    return buf;
}

static int take_string(lk_json *j, const where *w, const char *key, int nullable, char **dst,
                       lk_err *err)
{
    char path[48];
    int t = lk_json_type(j);
    if (nullable && t == LK_JSON_NULL) {
        lk_json_skip(j);
        return 0;
    }
    if (t != LK_JSON_STRING)
        return lk_err_set(err, LK_EINVAL, "%s: must be a string%s",
                          where_fmt(path, sizeof path, w, key), nullable ? " or null" : "");
    char *v = lk_json_string(j);
    if (lk_record_utf8_len(v, strlen(v)) < 0)
        return lk_err_set(err, LK_EINVAL, "%s: invalid UTF-8",
                          where_fmt(path, sizeof path, w, key));
    *dst = v;
    return 0;
}

static char **person_slot(lk_person *p, size_t k)
{
    char **slots[] = {&p->role, &p->name, &p->doc_type, &p->doc_number, &p->doc_masked};
    return slots[k];
}

static int person_defaults(lk_person *p, const where *w, int is_agent, lk_err *err)
{
    char path[48];
    if (!p->role && is_agent)
        p->role = (char *)DEFAULT_AGENT_ROLE; /* parsed records point into their input */
    const char *missing = !p->role ? "role" : !p->name ? "name" : !p->doc_type ? "doc_type" : NULL;
    /* A masked record (as `to_json(rec, 1)` writes it) carries doc_masked instead. */
    if (!missing && !p->doc_number && !p->doc_masked)
        missing = "doc_number";
    if (missing)
        return lk_err_set(err, LK_EINVAL, "%s: missing", where_fmt(path, sizeof path, w, missing));
    return 0;
}

static int parse_person(lk_json *j, const where *w, int is_agent, lk_person *p, lk_err *err)
{
    char path[48], *key = NULL;
    if (lk_json_type(j) != LK_JSON_OBJECT)
        return lk_err_set(err, LK_EINVAL, "%s: must be an object",
                          where_fmt(path, sizeof path, w, NULL));
    lk_json_enter(j);
    unsigned seen = 0;
    size_t next = 0;
    while (lk_json_member(j, &key)) {
        size_t k = find_key(key, next, N_PERSON_KEYS, person_key_at);
        next = k + 1;
        if (k == N_PERSON_KEYS)
            return lk_err_set(err, LK_EINVAL, "%s: unknown field '%s'",
                              where_fmt(path, sizeof path, w, NULL), shown_key(key));
        if (seen & (1u << k))
            return lk_err_set(err, LK_EINVAL, "%s: given twice",
                              where_fmt(path, sizeof path, w, person_keys[k]));
        seen |= 1u << k;
        /* doc_masked may be null in masked output of a record that had no number at all. */
        int rc = take_string(j, w, person_keys[k], k == 4, person_slot(p, k), err);
        if (rc)
            return rc;
    }
    return person_defaults(p, w, is_agent, err);
}

/* Counted before any element is looked at, so an oversized list is refused as such. */
static int parse_agents(lk_json *j, lk_record *rec, lk_person *agents, lk_err *err)
{
    int t = lk_json_type(j);
    if (t == LK_JSON_NULL) {
        lk_json_skip(j);
        return 0;
    }
    if (t != LK_JSON_ARRAY)
        return lk_err_set(err, LK_EINVAL, "agents: must be an array");
    lk_json look = *j;
    size_t n = 0;
    for (lk_json_enter(&look); lk_json_element(&look); lk_json_skip(&look))
        if (++n > LK_RECORD_MAX_AGENTS)
            return lk_err_set(err, LK_EINVAL, "agents: more than %d agents", LK_RECORD_MAX_AGENTS);
    lk_json_enter(j);
    memset(agents, 0, n * sizeof *agents);
    rec->agents = n ? agents : NULL;
    rec->n_agents = n;
    for (size_t i = 0; lk_json_element(j); i++) {
        where w = {"agents", (int)i};
        int rc = parse_person(j, &w, 1, &agents[i], err);
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_duplicates(lk_json *j, lk_record *rec, lk_err *err)
{
    double v = lk_json_type(j) == LK_JSON_NUMBER ? lk_json_number(j) : NAN;
    /* Range first: it also rules out NaN and infinities before the integer cast. */
    if (!(v >= 0 && v <= 1e6) || (double)(int)v != v)
        return lk_err_set(err, LK_EINVAL, "duplicates: must be a whole number 0-%d",
                          MAX_DUPLICATES);
    rec->duplicates = (int)v;
    return 0;
}

static int fill_field(lk_record *rec, lk_person *agents, const key_def *k, lk_json *j, lk_err *err)
{
    static const where holder = {"holder", -1};
    switch (k->kind) {
    case K_HOLDER:
        return parse_person(j, &holder, 0, &rec->holder, err);
    case K_AGENTS:
        return parse_agents(j, rec, agents, err);
    case K_DUPLICATES:
        return parse_duplicates(j, rec, err);
    default:
        return take_string(j, &TOP, k->key, k->kind == K_NULLABLE,
                           (char **)(void *)((char *)rec + k->off), err);
    }
}

static int fill_record(lk_record *rec, lk_person *agents, lk_json *j, lk_err *err)
{
    uint32_t seen = 0;
    char *key = NULL;
    size_t next = 0;
    lk_json_enter(j);
    while (lk_json_member(j, &key)) {
        size_t k = find_key(key, next, N_RECORD_KEYS, record_key_at);
        next = k + 1;
        if (k == N_RECORD_KEYS)
            return lk_err_set(err, LK_EINVAL, "unknown field '%s'", shown_key(key));
        if (seen & (UINT32_C(1) << k))
            return lk_err_set(err, LK_EINVAL, "%s: given twice", record_keys[k].key);
        seen |= UINT32_C(1) << k;
        int rc = fill_field(rec, agents, &record_keys[k], j, err);
        if (rc)
            return rc;
    }
    for (size_t k = 0; k < N_RECORD_KEYS; k++)
        if (record_keys[k].required && !(seen & (UINT32_C(1) << k)))
            return lk_err_set(err, LK_EINVAL, "%s: missing", record_keys[k].key);
    return 0;
}

/* A decoded \u0000 would silently truncate a string, so it is refused before parsing (and
 * before the syntax, as it always was); returns the offset of the escape or len. */
static size_t find_escaped_nul(const char *s, size_t len)
{
    if (!memchr(s, '\\', len))
        return len;
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') {
            in_string = !in_string;
        } else if (in_string && s[i] == '\\') {
            if (i + 6 <= len && s[i + 1] == 'u' && memcmp(s + i + 2, "0000", 4) == 0)
                return i;
            i++;
        }
    }
    return len;
}

static int precheck(const char *json, size_t len, lk_err *err)
{
    if (!json)
        return lk_err_set(err, LK_EINVAL, "record: no input");
    if (len > LK_RECORD_MAX_BYTES)
        return lk_err_set(err, LK_EINVAL, "record: longer than %d bytes", LK_RECORD_MAX_BYTES);
    const char *nul = memchr(json, '\0', len);
    if (nul)
        return lk_err_set(err, LK_EINVAL, "record: NUL byte at byte %zu", (size_t)(nul - json));
    size_t esc = find_escaped_nul(json, len);
    if (esc < len)
        return lk_err_set(err, LK_EINVAL, "record: \\u0000 escape at byte %zu", esc);
    return 0;
}

int lk_record_parse_in_place(char *buf, size_t len, lk_record *rec,
                             lk_person agents[LK_RECORD_MAX_AGENTS], lk_err *err)
{
    memset(rec, 0, sizeof *rec);
    int rc = precheck(buf, len, err);
    if (rc)
        return rc;
    size_t at = 0;
    rc = lk_json_check(buf, len, &at);
    if (rc == -1)
        return lk_err_set(err, LK_EINVAL, "record: JSON syntax error at byte %zu", at);
    if (rc == -2)
        return lk_err_set(err, LK_EINVAL, "record: unexpected data after the object at byte %zu",
                          at);
    lk_json j;
    lk_json_init(&j, buf, len);
    if (lk_json_type(&j) != LK_JSON_OBJECT)
        return lk_err_set(err, LK_EINVAL, "record: not a JSON object");
    rc = fill_record(rec, agents, &j, err);
    if (rc)
        memset(rec, 0, sizeof *rec);
    return rc;
}

static int dup_str(char **dst, const char *src)
{
    *dst = NULL;
    return src && !(*dst = dup_bytes(src, strlen(src))) ? -1 : 0;
}

static int dup_person(lk_person *dst, const lk_person *src)
{
    return dup_str(&dst->role, src->role) | dup_str(&dst->name, src->name) |
           dup_str(&dst->doc_type, src->doc_type) | dup_str(&dst->doc_number, src->doc_number) |
           dup_str(&dst->doc_masked, src->doc_masked);
}

/* The owned copy of a record parsed in place. */
static lk_record *dup_record(const lk_record *v)
{
    lk_record *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    int bad = 0;
    for (size_t i = 0; i < N_RECORD_KEYS; i++)
        if (record_keys[i].kind == K_STR || record_keys[i].kind == K_NULLABLE)
            bad |= dup_str((char **)(void *)((char *)r + record_keys[i].off),
                           *(char *const *)(const void *)((const char *)v + record_keys[i].off));
    bad |= dup_person(&r->holder, &v->holder);
    r->duplicates = v->duplicates;
    if (v->n_agents && !(r->agents = calloc(v->n_agents, sizeof *r->agents)))
        bad = 1;
    for (size_t i = 0; !bad && i < v->n_agents; i++, r->n_agents++)
        bad |= dup_person(&r->agents[i], &v->agents[i]);
    if (bad) {
        lk_record_free(r);
        return NULL;
    }
    return r;
}

int lk_record_from_json(const char *json, size_t len, lk_record **out, lk_err *err)
{
    if (!out)
        return lk_err_set(err, LK_EINVAL, "record: no output");
    *out = NULL;
    int rc = precheck(json, len, err);
    if (rc)
        return rc;
    char *copy = malloc(len + 1);
    if (!copy)
        return lk_err_set(err, LK_ENOMEM, "record: out of memory");
    memcpy(copy, json, len);
    copy[len] = '\0';
    lk_record view;
    lk_person agents[LK_RECORD_MAX_AGENTS];
    rc = lk_record_parse_in_place(copy, len, &view, agents, err);
    if (rc == 0 && !(*out = dup_record(&view)))
        rc = lk_err_set(err, LK_ENOMEM, "record: out of memory");
    explicit_bzero(copy, len + 1); /* it held the document numbers */
    free(copy);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* JSON serialisation: hand-written because the generator writes a million records through it */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static int sb_reserve(sbuf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static void sb_raw(sbuf *b, const char *s, size_t n)
{
    if (sb_reserve(b, n) == 0) {
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = '\0';
    }
}

/* Whether none of the 8 bytes in w needs escaping (no control character, quote or backslash):
 * the bit tricks of "Bit Twiddling Hacks" (haszero / hasless), exact for existence. */
static int plain_word(uint64_t w)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), high = ones * 0x80;
    uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
    uint64_t hit = ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((bs - ones) & ~bs);
    return (hit & high) == 0;
}

static char *escape_byte(char *o, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    if (c >= 0x20 && c != '"' && c != '\\') {
        *o++ = (char)c;
    } else if (c == '"' || c == '\\' || c == '\n') {
        *o++ = '\\';
        *o++ = c == '\n' ? 'n' : (char)c;
    } else {
        memcpy(o, "\\u00", 4);
        o[4] = hex[c >> 4];
        o[5] = hex[c & 15];
        o += 6;
    }
    return o;
}

/* Plain text is reserved for up front and copied 8 bytes at a time (nearly all of a business
 * scope); only when a byte needs escaping is the worst case (6 bytes each) reserved for the
 * rest, so a long scope does not inflate the buffer sixfold. */
static void sb_escaped(sbuf *b, const char *s)
{
    size_t n = strlen(s), i = 0, worst = 0;
    if (sb_reserve(b, n + 2))
        return;
    char *o = b->p + b->len;
    *o++ = '"';
    while (i < n) {
        uint64_t w;
        if (n - i >= 8 && (memcpy(&w, s + i, 8), plain_word(w))) {
            memcpy(o, &w, 8);
            o += 8, i += 8;
            continue;
        }
        unsigned char c = (unsigned char)s[i++];
        if (!worst && (c < 0x20 || c == '"' || c == '\\')) {
            b->len = (size_t)(o - b->p);
            if (sb_reserve(b, (n - i + 1) * 6 + 2))
                return;
            o = b->p + b->len;
            worst = 1;
        }
        o = escape_byte(o, c);
    }
    *o++ = '"';
    *o = '\0';
    b->len = (size_t)(o - b->p);
}

/* Writes `,"key":` (no comma right after an opening brace) and the string or null. */
static void sb_field(sbuf *b, const char *key, const char *value)
{
    if (b->len && b->p[b->len - 1] != '{')
        sb_raw(b, ",", 1);
    sb_escaped(b, key);
    sb_raw(b, ":", 1);
    if (value)
        sb_escaped(b, value);
    else
        sb_raw(b, "null", 4);
}

static void put_person(sbuf *b, const lk_person *p, int masked)
{
    sb_raw(b, "{", 1);
    sb_field(b, "role", p->role);
    sb_field(b, "name", p->name);
    sb_field(b, "doc_type", p->doc_type);
    if (!masked) {
        if (p->doc_number)
            sb_field(b, "doc_number", p->doc_number);
        if (p->doc_masked)
            sb_field(b, "doc_masked", p->doc_masked);
    } else if (p->doc_masked || !p->doc_number) {
        sb_field(b, "doc_masked", p->doc_masked);
    } else {
        char m[128];
        lk_record_mask_doc(p->doc_number, m, sizeof m);
        sb_field(b, "doc_masked", m);
    }
    sb_raw(b, "}", 1);
}

static void put_people(sbuf *b, const lk_record *rec, int masked)
{
    sb_raw(b, ",\"holder\":", 10);
    put_person(b, &rec->holder, masked);
    sb_raw(b, ",\"agents\":[", 11);
    for (size_t i = 0; rec->agents && i < rec->n_agents; i++) {
        if (i)
            sb_raw(b, ",", 1);
        put_person(b, &rec->agents[i], masked);
    }
    sb_raw(b, "]", 1);
}

char *lk_record_to_json(const lk_record *rec, int masked)
{
    if (!rec)
        return NULL;
    sbuf b = {0};
    sb_raw(&b, "{", 1);
    sb_field(&b, "uscc", rec->uscc);
    sb_field(&b, "name", rec->name);
    sb_field(&b, "entity_type", rec->entity_type);
    sb_field(&b, "type_name", rec->type_name);
    put_people(&b, rec, masked);
    const struct {
        const char *key, *value;
    } rest[] = {{"scope", rec->scope},
                {"capital", rec->capital},
                {"composition", rec->composition},
                {"established", rec->established},
                {"term_from", rec->term_from},
                {"term_to", rec->term_to},
                {"address", rec->address},
                {"authority", rec->authority},
                {"registered", rec->registered},
                {"qr_payload", rec->qr_payload},
                {"status", rec->status}};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
        sb_field(&b, rest[i].key, rest[i].value);
    char num[32];
    int n = snprintf(num, sizeof num, ",\"duplicates\":%d}", rec->duplicates);
    sb_raw(&b, num, (size_t)n);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* ------------------------------------------------------------------------------------------ */
/* Validation */

/* Word at a time: a word with no byte below 0x20 and no DEL (haszero / hasless, exact for
 * existence; bytes >= 0x80 never match) is skipped whole. */
static int has_control(const char *s, int allow_newline)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), high = ones * 0x80;
    size_t n = strlen(s), i = 0;
    for (; n - i >= 8; i += 8) {
        uint64_t w, del;
        memcpy(&w, s + i, 8);
        del = w ^ (ones * 0x7F);
        if ((((w - ones * 0x20) & ~w) | ((del - ones) & ~del)) & high)
            break;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(allow_newline && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7F)
            return 1;
    }
    return 0;
}

/* Whether check_text would refuse v; says nothing about why, so it can run without a name. */
static int text_bad(const char *v, int required, long max_chars, int allow_newline)
{
    if (!v)
        return required;
    long n = *v ? lk_record_utf8_len(v, strlen(v)) : -1;
    return n < 0 || n > max_chars || has_control(v, allow_newline);
}

/* NULL passes unless required; an empty string never does (absence is spelt null). */
static int check_text(const char *v, const char *field, int required, long max_chars, lk_err *err)
{
    int allow_newline = strcmp(field, "scope") == 0;
    if (!text_bad(v, required, max_chars, allow_newline))
        return 0;
    if (!v || !*v)
        return lk_err_set(err, LK_EINVAL, "%s: %s", field, v ? "empty" : "missing");
    long n = lk_record_utf8_len(v, strlen(v));
    if (n < 0)
        return lk_err_set(err, LK_EINVAL, "%s: invalid UTF-8", field);
    if (n > max_chars)
        return lk_err_set(err, LK_EINVAL, "%s: longer than %ld characters", field, max_chars);
    return lk_err_set(err, LK_EINVAL, "%s: contains a control character", field);
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* YYYY-MM-DD as the integer YYYYMMDD, or -1 when it is not a real calendar date. */
static int parse_date(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    int v[3] = {0, 0, 0}, part = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            part++;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v[part] = v[part] * 10 + (s[i] - '0');
    }
    if (v[0] < 1900 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > days_in_month(v[0], v[1]))
        return -1;
    return v[0] * 10000 + v[1] * 100 + v[2];
}

static int check_date(const char *s, const char *field, int required, int *out, lk_err *err)
{
    *out = 0;
    if (!s && !required)
        return 0;
    if (!s || !*s)
        return lk_err_set(err, LK_EINVAL, "%s: missing", field);
    if ((*out = parse_date(s)) < 0)
        return lk_err_set(err, LK_EINVAL, "%s: not a real date in the form YYYY-MM-DD", field);
    return 0;
}

static int check_dates(const lk_record *rec, int today, lk_err *err)
{
    int est, reg, from, to, rc;
    if ((rc = check_date(rec->established, "established", 1, &est, err)) ||
        (rc = check_date(rec->registered, "registered", 1, &reg, err)) ||
        (rc = check_date(rec->term_from, "term_from", 0, &from, err)) ||
        (rc = check_date(rec->term_to, "term_to", 0, &to, err)))
        return rc;
    if (est > today)
        return lk_err_set(err, LK_EINVAL, "established: after today");
    if (reg > today)
        return lk_err_set(err, LK_EINVAL, "registered: after today");
    if (reg < est)
        return lk_err_set(err, LK_EINVAL, "registered: before established");
    if (from && to && to < from)
        return lk_err_set(err, LK_EINVAL, "term_to: before term_from");
    return 0;
}

/* Defence in depth: a reason with six digits in a row could be part of a number. */
static int long_digit_run(const char *s)
{
    int run = 0;
    for (; *s; s++) {
        run = (*s >= '0' && *s <= '9') || *s == 'X' ? run + 1 : 0;
        if (run >= 6)
            return 1;
    }
    return 0;
}

static int check_resident_id(const char *num, const char *path, int today, lk_err *err)
{
    size_t n = strlen(num);
    lk_idnum_info info;
    lk_idnum_status st = lk_idnum_check(num, n, today, &info);
    if (st == LK_IDNUM_VALID)
        return 0;
    if (st == LK_IDNUM_LEGACY15)
        return lk_err_set(err, LK_EINVAL,
                          "%s.doc_number: 15-digit number of the 1989 standard, no longer issued",
                          path);
    const char *why = "not a valid resident identity number";
    if (info.reason[0] && !long_digit_run(info.reason))
        why = info.reason; /* lk_idnum names positions, never the number */
    else if (n != 18)
        why = "must be 18 characters";
    else if (strspn(num, "0123456789") < 17)
        why = "must be 17 digits and a check character";
    else if (num[17] == 'x')
        why = "check character X must be upper case";
    else if (lk_idnum_check_char(num) != num[17])
        why = "check character wrong";
    else
        why = "birth date or region invalid";
    return lk_err_set(err, LK_EINVAL, "%s.doc_number: %s", path, why);
}

static int check_doc(const lk_person *p, const char *path, int today, lk_err *err)
{
    if (!p->doc_type || !*p->doc_type)
        return lk_err_set(err, LK_EINVAL, "%s.doc_type: missing", path);
    if (!p->doc_number || !*p->doc_number)
        return lk_err_set(err, LK_EINVAL, "%s.doc_number: missing", path);
    if (strcmp(p->doc_type, "resident_id") == 0)
        return check_resident_id(p->doc_number, path, today, err);
    if (strcmp(p->doc_type, "passport") == 0) {
        size_t n = strlen(p->doc_number);
        if (n < 5 || n > 9 || strspn(p->doc_number, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != n)
            return lk_err_set(err, LK_EINVAL,
                              "%s.doc_number: passport number must be 5-9 characters A-Z 0-9",
                              path);
        return 0;
    }
    return lk_err_set(err, LK_EINVAL, "%s.doc_type: must be resident_id or passport", path);
}

/* Whether check_doc would accept p, without naming anything. */
static int doc_ok(const lk_person *p, int today)
{
    if (!p->doc_type || !p->doc_number || !*p->doc_number)
        return 0;
    size_t n = strlen(p->doc_number);
    lk_idnum_info info;
    if (strcmp(p->doc_type, "resident_id") == 0)
        return lk_idnum_check(p->doc_number, n, today, &info) == LK_IDNUM_VALID;
    return strcmp(p->doc_type, "passport") == 0 && n >= 5 && n <= 9 &&
           strspn(p->doc_number, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n;
}

/* The field names are formatted only for a person that fails: on the happy path they were a
 * tenth of validation. */
static int check_person(const lk_person *p, const char *prefix, int index, const char *role,
                        int today, lk_err *err)
{
    if (!text_bad(p->role, 1, MAX_ROLE_CHARS, 0) && !(role && strcmp(p->role, role) != 0) &&
        !text_bad(p->name, 1, MAX_LABEL_CHARS, 0) && doc_ok(p, today))
        return 0;
    char path[32], field[48];
    int rc;
    if (index < 0)
        snprintf(path, sizeof path, "%s", prefix);
    else
        snprintf(path, sizeof path, "%s[%d]", prefix, index);
    snprintf(field, sizeof field, "%s.role", path);
    if ((rc = check_text(p->role, field, 1, MAX_ROLE_CHARS, err)))
        return rc;
    if (role && strcmp(p->role, role) != 0)
        return lk_err_set(err, LK_EINVAL, "%s: must be %s for this entity type", field, role);
    snprintf(field, sizeof field, "%s.name", path);
    if ((rc = check_text(p->name, field, 1, MAX_LABEL_CHARS, err)))
        return rc;
    return check_doc(p, path, today, err);
}

static int check_people(const lk_record *rec, const lk_entity_type *et, int today, lk_err *err)
{
    int rc = check_person(&rec->holder, "holder", -1, et->holder_label, today, err);
    if (rc)
        return rc;
    if (rec->n_agents > LK_RECORD_MAX_AGENTS)
        return lk_err_set(err, LK_EINVAL, "agents: more than %d agents", LK_RECORD_MAX_AGENTS);
    if (rec->n_agents && !rec->agents)
        return lk_err_set(err, LK_EINVAL, "agents: missing");
    for (size_t i = 0; i < rec->n_agents; i++)
        if ((rc = check_person(&rec->agents[i], "agents", (int)i, NULL, today, err)))
            return rc;
    return 0;
}

static int check_entity_fields(const lk_record *rec, const lk_entity_type *et, lk_err *err)
{
    int rc;
    if (et->capital_label) {
        if ((rc = check_text(rec->capital, "capital", 1, MAX_LABEL_CHARS, err)))
            return rc;
    } else if (rec->capital) {
        return lk_err_set(err, LK_EINVAL, "capital: must be null for entity type %s", et->key);
    }
    if (!et->has_composition) {
        if (rec->composition)
            return lk_err_set(err, LK_EINVAL, "composition: must be null for entity type %s",
                              et->key);
        return 0;
    }
    if (!rec->composition)
        return lk_err_set(err, LK_EINVAL, "composition: missing");
    if (strcmp(rec->composition, "个人经营") != 0 && strcmp(rec->composition, "家庭经营") != 0)
        return lk_err_set(err, LK_EINVAL, "composition: must be 个人经营 or 家庭经营");
    return 0;
}

static int unknown_entity(lk_err *err)
{
    char keys[160] = "";
    size_t o = 0;
    const lk_entity_type *et;
    for (size_t i = 0; (et = lk_entity_at(i)) != NULL && o < sizeof keys; i++) {
        int n = snprintf(keys + o, sizeof keys - o, "%s%s", i ? ", " : "", et->key);
        o += n > 0 ? (size_t)n : 0;
    }
    return lk_err_set(err, LK_EINVAL, "entity_type: unknown (known: %s)", keys);
}

static int check_uscc(const char *uscc, int *warnings, lk_err *err)
{
    if (!uscc || !*uscc)
        return lk_err_set(err, LK_EINVAL, "uscc: missing");
    lk_uscc_info info;
    lk_uscc_status st = lk_uscc_check(uscc, strlen(uscc), &info);
    if (st == LK_USCC_LEGACY)
        *warnings |= LK_RECORD_WARN_LEGACY_USCC;
    else if (st != LK_USCC_VALID)
        return lk_err_set(err, LK_EINVAL, "uscc: %s",
                          info.reason[0] ? info.reason : "not a valid code");
    return 0;
}

static int check_texts(const lk_record *rec, lk_err *err)
{
    int rc;
    if ((rc = check_text(rec->name, "name", 1, MAX_TEXT_CHARS, err)) ||
        (rc = check_text(rec->type_name, "type_name", 0, MAX_LABEL_CHARS, err)) ||
        (rc = check_text(rec->scope, "scope", 1, MAX_SCOPE_CHARS, err)) ||
        (rc = check_text(rec->address, "address", 1, MAX_TEXT_CHARS, err)) ||
        (rc = check_text(rec->authority, "authority", 1, MAX_LABEL_CHARS, err)) ||
        (rc = check_text(rec->qr_payload, "qr_payload", 0, MAX_QR_BYTES, err)))
        return rc;
    if (rec->qr_payload && strlen(rec->qr_payload) > MAX_QR_BYTES)
        return lk_err_set(err, LK_EINVAL, "qr_payload: longer than %d bytes", MAX_QR_BYTES);
    if (!rec->status || (strcmp(rec->status, "approved") != 0 && strcmp(rec->status, "revoked")))
        return lk_err_set(err, LK_EINVAL, "status: must be approved or revoked");
    if (rec->duplicates < 0 || rec->duplicates > MAX_DUPLICATES)
        return lk_err_set(err, LK_EINVAL, "duplicates: must be 0-%d", MAX_DUPLICATES);
    return 0;
}

int lk_record_validate(const lk_record *rec, int today, int *warnings, lk_err *err)
{
    int warn = 0, rc;
    if (warnings)
        *warnings = 0;
    if (!rec)
        return lk_err_set(err, LK_EINVAL, "record: missing");
    if ((rc = check_uscc(rec->uscc, &warn, err)))
        return rc;
    if (!rec->entity_type || !*rec->entity_type)
        return lk_err_set(err, LK_EINVAL, "entity_type: missing");
    const lk_entity_type *et = lk_entity_find(rec->entity_type);
    if (!et)
        return unknown_entity(err);
    if ((rc = check_texts(rec, err)) || (rc = check_people(rec, et, today, err)) ||
        (rc = check_entity_fields(rec, et, err)) || (rc = check_dates(rec, today, err)))
        return rc;
    if (warnings)
        *warnings = warn;
    return 0;
}
