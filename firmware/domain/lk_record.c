/* lk_record: the license record's JSON form (parsing hostile input safely and serialising it),
 * its validation against the rules of its entity type, and the masked display form of document
 * numbers. Error reasons name the field and never quote a value, so no identity number can leak
 * into a log through them. */
#include "kiosk/lk_record.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_entity.h"
#include "kiosk/lk_idnum.h"
#include "kiosk/lk_uscc.h"

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

long lk_record_utf8_len(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    long n = 0;
    while (p < end) {
        unsigned c = *p;
        size_t k;
        uint32_t cp, min;
        if (c < 0x80) {
            p++, n++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            k = 1, cp = c & 0x1F, min = 0x80;
        else if ((c & 0xF0) == 0xE0)
            k = 2, cp = c & 0x0F, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4)
            k = 3, cp = c & 0x07, min = 0x10000;
        else
            return -1;
        if ((size_t)(end - p) <= k)
            return -1;
        for (size_t i = 1; i <= k; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return -1;
            cp = cp << 6 | (p[i] & 0x3Fu);
        }
        /* Overlong forms and surrogates would let two spellings of one name coexist. */
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return -1;
        p += k + 1, n++;
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

static int take_string(const cJSON *v, const char *path, int nullable, char **dst, lk_err *err)
{
    if (nullable && cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v) || !v->valuestring)
        return lk_err_set(err, LK_EINVAL, "%s: must be a string%s", path,
                          nullable ? " or null" : "");
    size_t n = strlen(v->valuestring);
    if (lk_record_utf8_len(v->valuestring, n) < 0)
        return lk_err_set(err, LK_EINVAL, "%s: invalid UTF-8", path);
    *dst = dup_bytes(v->valuestring, n);
    return *dst ? 0 : lk_err_set(err, LK_ENOMEM, "%s: out of memory", path);
}

static char **person_slot(lk_person *p, size_t k)
{
    char **slots[] = {&p->role, &p->name, &p->doc_type, &p->doc_number, &p->doc_masked};
    return slots[k];
}

static int person_defaults(lk_person *p, const char *path, int is_agent, lk_err *err)
{
    if (!p->role && is_agent &&
        !(p->role = dup_bytes(DEFAULT_AGENT_ROLE, strlen(DEFAULT_AGENT_ROLE))))
        return lk_err_set(err, LK_ENOMEM, "%s.role: out of memory", path);
    if (!p->role)
        return lk_err_set(err, LK_EINVAL, "%s.role: missing", path);
    if (!p->name)
        return lk_err_set(err, LK_EINVAL, "%s.name: missing", path);
    if (!p->doc_type)
        return lk_err_set(err, LK_EINVAL, "%s.doc_type: missing", path);
    /* A masked record (as `to_json(rec, 1)` writes it) carries doc_masked instead. */
    if (!p->doc_number && !p->doc_masked)
        return lk_err_set(err, LK_EINVAL, "%s.doc_number: missing", path);
    return 0;
}

static int parse_person(const cJSON *obj, const char *path, int is_agent, lk_person *p, lk_err *err)
{
    if (!cJSON_IsObject(obj))
        return lk_err_set(err, LK_EINVAL, "%s: must be an object", path);
    unsigned seen = 0;
    for (const cJSON *it = obj->child; it; it = it->next) {
        size_t k = 0;
        while (k < N_PERSON_KEYS && (!it->string || strcmp(it->string, person_keys[k]) != 0))
            k++;
        if (k == N_PERSON_KEYS)
            return lk_err_set(err, LK_EINVAL, "%s: unknown field '%s'", path,
                              shown_key(it->string));
        char sub[64];
        snprintf(sub, sizeof sub, "%s.%s", path, person_keys[k]);
        if (seen & (1u << k))
            return lk_err_set(err, LK_EINVAL, "%s: given twice", sub);
        seen |= 1u << k;
        /* doc_masked may be null in masked output of a record that had no number at all. */
        int rc = take_string(it, sub, k == 4, person_slot(p, k), err);
        if (rc)
            return rc;
    }
    return person_defaults(p, path, is_agent, err);
}

static int parse_agents(const cJSON *arr, lk_record *rec, lk_err *err)
{
    if (cJSON_IsNull(arr))
        return 0;
    if (!cJSON_IsArray(arr))
        return lk_err_set(err, LK_EINVAL, "agents: must be an array");
    size_t n = 0;
    for (const cJSON *it = arr->child; it; it = it->next)
        if (++n > LK_RECORD_MAX_AGENTS)
            return lk_err_set(err, LK_EINVAL, "agents: more than %d agents", LK_RECORD_MAX_AGENTS);
    if (n == 0)
        return 0;
    if (!(rec->agents = calloc(n, sizeof *rec->agents)))
        return lk_err_set(err, LK_ENOMEM, "agents: out of memory");
    rec->n_agents = n;
    size_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char path[32];
        snprintf(path, sizeof path, "agents[%zu]", i);
        int rc = parse_person(it, path, 1, &rec->agents[i], err);
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_duplicates(const cJSON *v, lk_record *rec, lk_err *err)
{
    /* Range first: it also rules out NaN and infinities before the integer cast. */
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 1e6) ||
        (double)(int)v->valuedouble != v->valuedouble)
        return lk_err_set(err, LK_EINVAL, "duplicates: must be a whole number 0-%d",
                          MAX_DUPLICATES);
    rec->duplicates = (int)v->valuedouble;
    return 0;
}

static int fill_field(lk_record *rec, const key_def *k, const cJSON *v, lk_err *err)
{
    switch (k->kind) {
    case K_HOLDER:
        return parse_person(v, "holder", 0, &rec->holder, err);
    case K_AGENTS:
        return parse_agents(v, rec, err);
    case K_DUPLICATES:
        return parse_duplicates(v, rec, err);
    default:
        return take_string(v, k->key, k->kind == K_NULLABLE,
                           (char **)(void *)((char *)rec + k->off), err);
    }
}

static int fill_record(lk_record *rec, const cJSON *root, lk_err *err)
{
    uint32_t seen = 0;
    for (const cJSON *it = root->child; it; it = it->next) {
        size_t k = 0;
        while (k < N_RECORD_KEYS && (!it->string || strcmp(it->string, record_keys[k].key) != 0))
            k++;
        if (k == N_RECORD_KEYS)
            return lk_err_set(err, LK_EINVAL, "unknown field '%s'", shown_key(it->string));
        if (seen & (UINT32_C(1) << k))
            return lk_err_set(err, LK_EINVAL, "%s: given twice", record_keys[k].key);
        seen |= UINT32_C(1) << k;
        int rc = fill_field(rec, &record_keys[k], it, err);
        if (rc)
            return rc;
    }
    for (size_t k = 0; k < N_RECORD_KEYS; k++)
        if (record_keys[k].required && !(seen & (UINT32_C(1) << k)))
            return lk_err_set(err, LK_EINVAL, "%s: missing", record_keys[k].key);
    return 0;
}

/* cJSON decodes \u0000 into a NUL that silently truncates the string, so it is refused before
 * parsing; returns the offset of the escape or len. */
static size_t find_escaped_nul(const char *s, size_t len)
{
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

static int parse_root(const char *json, size_t len, cJSON **root, lk_err *err)
{
    const char *end = NULL;
    *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    size_t at = end && end >= json && end <= json + len ? (size_t)(end - json) : 0;
    if (!*root)
        return lk_err_set(err, LK_EINVAL, "record: JSON syntax error at byte %zu", at);
    /* cJSON stops after the first value; whatever follows must be blank, not a second value. */
    for (size_t i = at; i < len; i++)
        if (!strchr(" \t\r\n", json[i]))
            return lk_err_set(err, LK_EINVAL,
                              "record: unexpected data after the object at byte %zu", i);
    if (!cJSON_IsObject(*root))
        return lk_err_set(err, LK_EINVAL, "record: not a JSON object");
    return 0;
}

int lk_record_from_json(const char *json, size_t len, lk_record **out, lk_err *err)
{
    if (!out)
        return lk_err_set(err, LK_EINVAL, "record: no output");
    *out = NULL;
    int rc = precheck(json, len, err);
    if (rc)
        return rc;
    cJSON *root = NULL;
    rc = parse_root(json, len, &root, err);
    lk_record *rec = NULL;
    if (rc == 0 && !(rec = calloc(1, sizeof *rec)))
        rc = lk_err_set(err, LK_ENOMEM, "record: out of memory");
    if (rc == 0)
        rc = fill_record(rec, root, err);
    cJSON_Delete(root);
    if (rc) {
        lk_record_free(rec);
        return rc;
    }
    *out = rec;
    return 0;
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

static int has_control(const char *s, int allow_newline)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20 && !(allow_newline && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7F)
            return 1;
    }
    return 0;
}

/* NULL passes unless required; an empty string never does (absence is spelt null). */
static int check_text(const char *v, const char *field, int required, long max_chars, lk_err *err)
{
    if (!v || !*v) {
        if (!v && !required)
            return 0;
        return lk_err_set(err, LK_EINVAL, "%s: %s", field, v ? "empty" : "missing");
    }
    long n = lk_record_utf8_len(v, strlen(v));
    if (n < 0)
        return lk_err_set(err, LK_EINVAL, "%s: invalid UTF-8", field);
    if (n > max_chars)
        return lk_err_set(err, LK_EINVAL, "%s: longer than %ld characters", field, max_chars);
    if (has_control(v, strcmp(field, "scope") == 0))
        return lk_err_set(err, LK_EINVAL, "%s: contains a control character", field);
    return 0;
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

static int check_person(const lk_person *p, const char *path, const char *role, int today,
                        lk_err *err)
{
    char field[48];
    int rc;
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
    int rc = check_person(&rec->holder, "holder", et->holder_label, today, err);
    if (rc)
        return rc;
    if (rec->n_agents > LK_RECORD_MAX_AGENTS)
        return lk_err_set(err, LK_EINVAL, "agents: more than %d agents", LK_RECORD_MAX_AGENTS);
    if (rec->n_agents && !rec->agents)
        return lk_err_set(err, LK_EINVAL, "agents: missing");
    for (size_t i = 0; i < rec->n_agents; i++) {
        char path[32];
        snprintf(path, sizeof path, "agents[%zu]", i);
        if ((rc = check_person(&rec->agents[i], path, NULL, today, err)))
            return rc;
    }
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
