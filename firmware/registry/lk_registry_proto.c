/* lk_registry_proto: parsing what the registry sends. Everything here treats the body as
 * hostile: sizes are capped before parsing, text must be UTF-8 without NULs (cJSON would cut a
 * string at a \u0000 silently), keys of the envelope must not repeat, and a record inside a
 * change goes through the same strict reader and validation as an import file. Error texts
 * never quote a value. */
#include "kiosk/lk_registry_proto.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_uscc.h"

static size_t escaped_nul(const char *s, size_t len)
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

int lk_registry_text_ok(const char *s, size_t len)
{
    return s && !memchr(s, '\0', len) && escaped_nul(s, len) == len &&
           lk_record_utf8_len(s, len) >= 0;
}

/* The one member called `key`, or NULL; *twice is set when it appears more than once. */
static const cJSON *member(const cJSON *obj, const char *key, int *twice)
{
    const cJSON *found = NULL;
    for (const cJSON *it = obj ? obj->child : NULL; it; it = it->next) {
        if (it->string && strcmp(it->string, key) == 0) {
            if (found)
                *twice = 1;
            else
                found = it;
        }
    }
    return found;
}

static int parse_body(const char *body, size_t len, cJSON **root, lk_err *err)
{
    *root = NULL;
    if (!body || len == 0)
        return lk_err_set(err, LK_EPROTO, "registry: empty answer");
    if (len > LK_REGISTRY_BODY_MAX)
        return lk_err_set(err, LK_EPROTO, "registry: answer larger than %d bytes",
                          LK_REGISTRY_BODY_MAX);
    if (!lk_registry_text_ok(body, len))
        return lk_err_set(err, LK_EPROTO, "registry: answer is not clean UTF-8 text");
    const char *end = NULL;
    *root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
    if (!*root) {
        size_t at = end && end >= body && end <= body + len ? (size_t)(end - body) : 0;
        return lk_err_set(err, LK_EPROTO, "registry: JSON syntax error at byte %zu", at);
    }
    for (size_t i = (size_t)(end - body); i < len; i++)
        if (!strchr(" \t\r\n", body[i]))
            return lk_err_set(err, LK_EPROTO, "registry: data after the JSON object");
    if (!cJSON_IsObject(*root))
        return lk_err_set(err, LK_EPROTO, "registry: answer is not a JSON object");
    return 0;
}

/* Copies a string member into dst; absent is allowed only when `optional`. */
static int take_str(const cJSON *obj, const char *key, int optional, char *dst, size_t dstsz,
                    const char *where, lk_err *err)
{
    int twice = 0;
    const cJSON *v = member(obj, key, &twice);
    dst[0] = '\0';
    if (twice)
        return lk_err_set(err, LK_EPROTO, "%s: %s given twice", where, key);
    if (!v && optional)
        return 0;
    if (!cJSON_IsString(v))
        return lk_err_set(err, LK_EPROTO, "%s: %s missing or not a string", where, key);
    if (strlen(v->valuestring) >= dstsz)
        return lk_err_set(err, LK_EPROTO, "%s: %s too long", where, key);
    memcpy(dst, v->valuestring, strlen(v->valuestring) + 1);
    return 0;
}

static int take_int(const cJSON *obj, const char *key, double lo, double hi, int64_t *out,
                    const char *where, lk_err *err)
{
    int twice = 0;
    const cJSON *v = member(obj, key, &twice);
    if (twice || !cJSON_IsNumber(v))
        return lk_err_set(err, LK_EPROTO, "%s: %s missing, repeated or not a number", where, key);
    double d = v->valuedouble;
    if (!isfinite(d) || d != floor(d) || d < lo || d > hi)
        return lk_err_set(err, LK_EPROTO, "%s: %s out of range", where, key);
    *out = (int64_t)d;
    return 0;
}

static int take_uscc(const cJSON *obj, lk_registry_change *c, lk_err *err)
{
    int rc = take_str(obj, "uscc", 0, c->uscc, sizeof c->uscc, "change", err);
    if (rc == 0 && (strlen(c->uscc) != LK_USCC_LEN ||
                    lk_uscc_check(c->uscc, LK_USCC_LEN, NULL) == LK_USCC_INVALID))
        rc = lk_err_set(err, LK_EPROTO, "change: uscc invalid");
    return rc;
}

static int parse_upsert(const cJSON *rec, int today, lk_registry_change *c, lk_err *err)
{
    if (!cJSON_IsObject(rec))
        return lk_err_set(err, LK_EPROTO, "change: record missing or not an object");
    char *json = cJSON_PrintUnformatted(rec);
    if (!json)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    int rc = lk_record_from_json(json, strlen(json), &c->record, err);
    free(json);
    if (rc == 0)
        rc = lk_record_validate(c->record, today, &c->warnings, err);
    if (rc == 0)
        snprintf(c->uscc, sizeof c->uscc, "%s", c->record->uscc);
    return rc;
}

static int dup_text(const cJSON *obj, const char *key, size_t max, char **dst, lk_err *err)
{
    int twice = 0;
    const cJSON *v = member(obj, key, &twice);
    if (twice)
        return lk_err_set(err, LK_EPROTO, "change: %s given twice", key);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v) || strlen(v->valuestring) > max)
        return lk_err_set(err, LK_EPROTO, "change: %s not a string or too long", key);
    if (!(*dst = strdup(v->valuestring)))
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    return 0;
}

static int parse_reprint(const cJSON *obj, lk_registry_change *c, lk_err *err)
{
    int64_t n = 0;
    int rc = take_uscc(obj, c, err);
    if (rc == 0)
        rc = take_str(obj, "copy", 0, c->copy, sizeof c->copy, "change", err);
    if (rc == 0 && strcmp(c->copy, "original") && strcmp(c->copy, "duplicate"))
        rc = lk_err_set(err, LK_EPROTO, "change: copy must be original or duplicate");
    if (rc == 0)
        rc = take_int(obj, "copy_no", 1, 99, &n, "change", err);
    if (rc == 0)
        rc = take_str(obj, "authorisation", 0, c->auth, sizeof c->auth, "change", err);
    if (rc == 0 && c->auth[0] == '\0')
        rc = lk_err_set(err, LK_EPROTO, "change: authorisation empty");
    c->copy_no = (int)n;
    return rc;
}

/* Fills one change from its envelope; a failure becomes a REJECTED entry with the reason. */
static int parse_kind(const cJSON *obj, const char *kind, int today, lk_registry_change *c,
                      lk_err *err)
{
    int twice = 0;
    if (strcmp(kind, "upsert") == 0) {
        c->kind = LK_REGISTRY_UPSERT;
        const cJSON *rec = member(obj, "record", &twice);
        return twice ? lk_err_set(err, LK_EPROTO, "change: record given twice")
                     : parse_upsert(rec, today, c, err);
    }
    if (strcmp(kind, "revoke") == 0) {
        c->kind = LK_REGISTRY_REVOKE;
        int rc = take_uscc(obj, c, err);
        return rc ? rc : dup_text(obj, "reason", 200, &c->text, err);
    }
    if (strcmp(kind, "reprint") == 0) {
        c->kind = LK_REGISTRY_REPRINT;
        return parse_reprint(obj, c, err);
    }
    if (strcmp(kind, "qr") == 0) {
        c->kind = LK_REGISTRY_QR;
        int rc = take_uscc(obj, c, err);
        return rc ? rc : dup_text(obj, "qr_payload", LK_REGISTRY_QR_MAX, &c->text, err);
    }
    return lk_err_set(err, LK_EPROTO, "change: unknown kind");
}

static void clear_change(lk_registry_change *c)
{
    lk_record_free(c->record);
    free(c->text);
    memset(c, 0, sizeof *c);
}

static void reject(lk_registry_change *c, const lk_err *why)
{
    int64_t seq = c->seq;
    clear_change(c);
    c->kind = LK_REGISTRY_REJECTED;
    c->seq = seq;
    size_t n = strnlen(why->msg, sizeof c->reason - 1);
    memcpy(c->reason, why->msg, n);
    c->reason[n] = '\0';
}

/* ------------------------------------------------------------------------------------------ */
/* The change feed. A page holds up to 1,000 records of up to 64 KB: it is not parsed into one
 * tree. A strict skimmer checks the page's structure and finds each member's bytes; a record's
 * bytes go straight to lk_record_from_json (which applies its own NUL, \u0000, size and UTF-8
 * rules), and only the small envelope values are decoded with cJSON. */

#define SKIM_DEPTH 64

typedef struct span {
    const char *p;
    size_t n;
} span;

static void skip_ws(const char *s, size_t n, size_t *i)
{
    while (*i < n && (s[*i] == ' ' || s[*i] == '\t' || s[*i] == '\r' || s[*i] == '\n'))
        (*i)++;
}

static int hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Bytes that end a run of plain string content: the quote, the backslash, control characters. */
static const unsigned char string_stop[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ['"'] = 1, ['\\'] = 1,
};

static int skim_escape(const char *s, size_t n, size_t *i)
{
    if (*i + 1 >= n)
        return -1;
    char e = s[*i + 1];
    if (e == 'u') {
        if (*i + 6 > n || !hex_digit(s[*i + 2]) || !hex_digit(s[*i + 3]) || !hex_digit(s[*i + 4]) ||
            !hex_digit(s[*i + 5]))
            return -1;
        *i += 6;
        return 0;
    }
    if (!e || !strchr("\"\\/bfnrt", e))
        return -1;
    *i += 2;
    return 0;
}

static int skim_string(const char *s, size_t n, size_t *i)
{
    if (*i >= n || s[*i] != '"')
        return -1;
    size_t k = *i + 1;
    for (;;) {
        while (k < n && !string_stop[(unsigned char)s[k]])
            k++;
        if (k >= n || (unsigned char)s[k] < 0x20)
            return -1;
        if (s[k] == '"') {
            *i = k + 1;
            return 0;
        }
        if (skim_escape(s, n, &k) != 0)
            return -1;
    }
}

static int skim_value(const char *s, size_t n, size_t *i, int depth);

static int skim_container(const char *s, size_t n, size_t *i, int depth, int is_object)
{
    char close = is_object ? '}' : ']';
    if (depth > SKIM_DEPTH)
        return -1;
    (*i)++;
    skip_ws(s, n, i);
    if (*i < n && s[*i] == close) {
        (*i)++;
        return 0;
    }
    for (;;) {
        skip_ws(s, n, i);
        if (is_object) {
            if (skim_string(s, n, i) != 0)
                return -1;
            skip_ws(s, n, i);
            if (*i >= n || s[*i] != ':')
                return -1;
            (*i)++;
        }
        if (skim_value(s, n, i, depth + 1) != 0)
            return -1;
        skip_ws(s, n, i);
        if (*i < n && s[*i] == ',') {
            (*i)++;
            continue;
        }
        if (*i < n && s[*i] == close) {
            (*i)++;
            return 0;
        }
        return -1;
    }
}

/* Scalars are only delimited here; whoever reads one parses it strictly. */
static int skim_value(const char *s, size_t n, size_t *i, int depth)
{
    skip_ws(s, n, i);
    if (*i >= n)
        return -1;
    if (s[*i] == '{' || s[*i] == '[')
        return skim_container(s, n, i, depth, s[*i] == '{');
    if (s[*i] == '"')
        return skim_string(s, n, i);
    size_t start = *i;
    while (*i < n && s[*i] && strchr("-+.eE0123456789truefalsn", s[*i]))
        (*i)++;
    return *i > start ? 0 : -1;
}

/* A position in the body. Objects are walked member by member and each value is consumed by
 * whoever reads it, so the bytes of a record are skimmed once before its own parser runs. */
typedef struct rd {
    const char *s;
    size_t n, i;
} rd;

/* cb must consume the member's value (advance r->i past it). */
typedef int (*member_cb)(void *ctx, span key, rd *r, lk_err *err);

static int syntax(const rd *r, lk_err *err)
{
    return lk_err_set(err, LK_EPROTO, "registry: JSON syntax error at byte %zu", r->i);
}

static int skip_member(rd *r, span *value)
{
    skip_ws(r->s, r->n, &r->i);
    size_t v0 = r->i;
    if (skim_value(r->s, r->n, &r->i, 1) != 0)
        return -1;
    *value = (span){r->s + v0, r->i - v0};
    return 0;
}

/* r->i at '{'; on success r->i is just past the matching '}'. */
static int each_member(rd *r, member_cb cb, void *ctx, lk_err *err)
{
    r->i++;
    skip_ws(r->s, r->n, &r->i);
    if (r->i < r->n && r->s[r->i] == '}') {
        r->i++;
        return 0;
    }
    while (r->i < r->n) {
        skip_ws(r->s, r->n, &r->i);
        size_t k0 = r->i;
        if (skim_string(r->s, r->n, &r->i) != 0)
            break;
        span key = {r->s + k0 + 1, r->i - k0 - 2};
        skip_ws(r->s, r->n, &r->i);
        if (r->i >= r->n || r->s[r->i++] != ':')
            break;
        int rc = cb(ctx, key, r, err);
        if (rc != 0)
            return rc;
        skip_ws(r->s, r->n, &r->i);
        if (r->i < r->n && r->s[r->i] == '}') {
            r->i++;
            return 0;
        }
        if (r->i >= r->n || r->s[r->i++] != ',')
            break;
    }
    return syntax(r, err);
}

static int key_is(span key, const char *name)
{
    return key.n == strlen(name) && memcmp(key.p, name, key.n) == 0;
}

/* A small JSON string value decoded into dst (clean text only). */
static int span_string(span v, char *dst, size_t dstsz, const char *what, lk_err *err)
{
    cJSON *j = lk_registry_text_ok(v.p, v.n) ? cJSON_ParseWithLength(v.p, v.n) : NULL;
    int ok = cJSON_IsString(j) && strlen(j->valuestring) < dstsz;
    if (ok)
        memcpy(dst, j->valuestring, strlen(j->valuestring) + 1);
    cJSON_Delete(j);
    return ok ? 0 : lk_err_set(err, LK_EPROTO, "registry: %s not a clean string or too long", what);
}

static int span_seq(span v, int64_t *out, lk_err *err)
{
    char buf[32];
    char *end = NULL;
    if (v.n == 0 || v.n >= sizeof buf)
        return lk_err_set(err, LK_EPROTO, "change: seq missing or not a positive integer");
    memcpy(buf, v.p, v.n);
    buf[v.n] = '\0';
    if (strspn(buf, "0123456789") != v.n)
        return lk_err_set(err, LK_EPROTO, "change: seq missing or not a positive integer");
    long long n = strtoll(buf, &end, 10);
    if (*end || n < 1 || n > 9007199254740991LL)
        return lk_err_set(err, LK_EPROTO, "change: seq out of range");
    *out = n;
    return 0;
}

typedef struct change_members {
    span seq, kind, record;
    int seq_n, kind_n, record_n;
} change_members;

static int on_change_member(void *ctx, span key, rd *r, lk_err *err)
{
    change_members *m = ctx;
    span v;
    if (skip_member(r, &v) != 0)
        return syntax(r, err);
    if (key_is(key, "seq"))
        m->seq = v, m->seq_n++;
    else if (key_is(key, "kind"))
        m->kind = v, m->kind_n++;
    else if (key_is(key, "record"))
        m->record = v, m->record_n++;
    return 0;
}

static int parse_record_span(span rec, int today, lk_registry_change *c, lk_err *err)
{
    if (rec.n == 0 || rec.p[0] != '{')
        return lk_err_set(err, LK_EPROTO, "change: record missing or not an object");
    int rc = lk_record_from_json(rec.p, rec.n, &c->record, err);
    if (rc == 0)
        rc = lk_record_validate(c->record, today, &c->warnings, err);
    if (rc == 0)
        snprintf(c->uscc, sizeof c->uscc, "%s", c->record->uscc);
    return rc;
}

/* Kinds other than upsert are small: decoded whole with cJSON. */
static int parse_small_change(span el, const char *kind, int today, lk_registry_change *c,
                              lk_err *err)
{
    if (!lk_registry_text_ok(el.p, el.n))
        return lk_err_set(err, LK_EPROTO, "change: not clean UTF-8 text");
    cJSON *obj = cJSON_ParseWithLength(el.p, el.n);
    if (!obj)
        return lk_err_set(err, LK_EPROTO, "change: not valid JSON");
    int rc = parse_kind(obj, kind, today, c, err);
    cJSON_Delete(obj);
    return rc;
}

static int parse_kind_span(const change_members *m, span el, int today, lk_registry_change *c,
                           lk_err *why)
{
    char kind[16];
    if (m->kind_n != 1)
        return lk_err_set(why, LK_EPROTO, "change: kind missing or repeated");
    int rc = span_string(m->kind, kind, sizeof kind, "change kind", why);
    if (rc == 0 && strcmp(kind, "upsert") == 0) {
        c->kind = LK_REGISTRY_UPSERT;
        return m->record_n == 1 ? parse_record_span(m->record, today, c, why)
                                : lk_err_set(why, LK_EPROTO, "change: record missing or repeated");
    }
    return rc ? rc : parse_small_change(el, kind, today, c, why);
}

static int parse_change(rd *r, int today, int64_t prev_seq, lk_registry_change *c, lk_err *err)
{
    change_members m = {0};
    memset(c, 0, sizeof *c);
    skip_ws(r->s, r->n, &r->i);
    if (r->i >= r->n || r->s[r->i] != '{')
        return lk_err_set(err, LK_EPROTO, "registry: a change is not an object");
    size_t v0 = r->i;
    if (each_member(r, on_change_member, &m, err) != 0)
        return LK_EPROTO;
    span el = {r->s + v0, r->i - v0};
    if (m.seq_n != 1)
        return lk_err_set(err, LK_EPROTO, "change: seq missing or repeated");
    int rc = span_seq(m.seq, &c->seq, err);
    if (rc == 0 && c->seq <= prev_seq)
        rc = lk_err_set(err, LK_EPROTO, "registry: change sequence numbers do not increase");
    if (rc != 0)
        return rc; /* the page's order cannot be trusted: refuse it whole */
    lk_err why = {0};
    if (parse_kind_span(&m, el, today, c, &why) != 0) {
        if (why.code == LK_ENOMEM)
            return lk_err_set(err, LK_ENOMEM, "out of memory");
        reject(c, &why);
    }
    return 0;
}

static int grow_changes(lk_registry_page *page, size_t *cap, lk_err *err)
{
    if (page->n_changes == LK_REGISTRY_PAGE_MAX)
        return lk_err_set(err, LK_EPROTO, "registry: more than %d changes in a page",
                          LK_REGISTRY_PAGE_MAX);
    if (page->n_changes < *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 64;
    lk_registry_change *grown = realloc(page->changes, n * sizeof *grown);
    if (!grown)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    page->changes = grown;
    *cap = n;
    return 0;
}

static int parse_changes_array(rd *r, int today, lk_registry_page *page, lk_err *err)
{
    skip_ws(r->s, r->n, &r->i);
    if (r->i >= r->n || r->s[r->i] != '[')
        return lk_err_set(err, LK_EPROTO, "registry: changes missing or not an array");
    size_t cap = 0;
    int64_t prev = 0;
    r->i++;
    skip_ws(r->s, r->n, &r->i);
    if (r->i < r->n && r->s[r->i] == ']')
        return r->i++, 0;
    while (r->i < r->n) {
        int rc = grow_changes(page, &cap, err);
        lk_registry_change *c = rc == 0 ? &page->changes[page->n_changes] : NULL;
        if (rc == 0 && (rc = parse_change(r, today, prev, c, err)) != 0)
            clear_change(c);
        if (rc != 0)
            return rc;
        page->n_changes++;
        prev = c->seq;
        skip_ws(r->s, r->n, &r->i);
        if (r->i < r->n && r->s[r->i] == ']')
            return r->i++, 0;
        if (r->i >= r->n || r->s[r->i++] != ',')
            break;
    }
    return syntax(r, err);
}

typedef struct page_members {
    span from, cursor, more;
    int from_n, cursor_n, more_n, changes_n;
    lk_registry_page *page;
    int today;
} page_members;

static int on_page_member(void *ctx, span key, rd *r, lk_err *err)
{
    page_members *m = ctx;
    if (key_is(key, "changes")) {
        if (m->changes_n++)
            return lk_err_set(err, LK_EPROTO, "registry: changes given twice");
        return parse_changes_array(r, m->today, m->page, err);
    }
    span v;
    if (skip_member(r, &v) != 0)
        return syntax(r, err);
    if (key_is(key, "from"))
        m->from = v, m->from_n++;
    else if (key_is(key, "cursor"))
        m->cursor = v, m->cursor_n++;
    else if (key_is(key, "more"))
        m->more = v, m->more_n++;
    return 0;
}

static int parse_page_head(const page_members *m, const char *expected_from, lk_registry_page *page,
                           lk_err *err)
{
    if (m->from_n != 1 || m->cursor_n != 1 || m->more_n != 1 || m->changes_n != 1)
        return lk_err_set(err, LK_EPROTO,
                          "registry: from, cursor, more or changes missing or repeated");
    int rc = span_string(m->from, page->from, sizeof page->from, "from", err);
    if (rc == 0)
        rc = span_string(m->cursor, page->cursor, sizeof page->cursor, "cursor", err);
    if (rc == 0 && strcmp(page->from, expected_from ? expected_from : "") != 0)
        rc = lk_err_set(err, LK_EPROTO, "registry: page answers another cursor than asked");
    if (rc == 0 && page->cursor[0] == '\0')
        rc = lk_err_set(err, LK_EPROTO, "registry: empty cursor");
    int is_true = m->more.n == 4 && memcmp(m->more.p, "true", 4) == 0;
    int is_false = m->more.n == 5 && memcmp(m->more.p, "false", 5) == 0;
    if (rc == 0 && !is_true && !is_false)
        rc = lk_err_set(err, LK_EPROTO, "registry: more missing or not a boolean");
    page->more = is_true;
    return rc;
}

/* The page is one object with nothing but blanks after it. */
static int read_page(const char *body, size_t len, page_members *m, lk_err *err)
{
    if (!body || len == 0)
        return lk_err_set(err, LK_EPROTO, "registry: empty answer");
    if (len > LK_REGISTRY_BODY_MAX)
        return lk_err_set(err, LK_EPROTO, "registry: answer larger than %d bytes",
                          LK_REGISTRY_BODY_MAX);
    rd r = {body, len, 0};
    skip_ws(body, len, &r.i);
    if (r.i >= len || body[r.i] != '{')
        return lk_err_set(err, LK_EPROTO, "registry: answer is not one JSON object");
    int rc = each_member(&r, on_page_member, m, err);
    skip_ws(body, len, &r.i);
    if (rc == 0 && r.i != len)
        rc = lk_err_set(err, LK_EPROTO, "registry: data after the JSON object");
    return rc;
}

int lk_registry_parse_changes(const char *body, size_t len, const char *expected_from, int today,
                              lk_registry_page *page, lk_err *err)
{
    memset(page, 0, sizeof *page);
    page_members m = {.page = page, .today = today};
    int rc = read_page(body, len, &m, err);
    if (rc == 0)
        rc = parse_page_head(&m, expected_from, page, err);
    if (rc == 0 && page->more && page->n_changes == 0)
        rc = lk_err_set(err, LK_EPROTO, "registry: an empty page cannot have more after it");
    if (rc != 0)
        lk_registry_page_free(page);
    return rc;
}

int lk_registry_parse_lookup(const char *body, size_t len, int today, lk_registry_page *page,
                             lk_err *err)
{
    memset(page, 0, sizeof *page);
    cJSON *root = NULL;
    int twice = 0;
    int rc = parse_body(body, len, &root, err);
    const cJSON *arr = rc == 0 ? member(root, "matches", &twice) : NULL;
    if (rc == 0 && (twice || !cJSON_IsArray(arr)))
        rc = lk_err_set(err, LK_EPROTO, "registry: matches missing or not an array");
    int n = rc == 0 ? cJSON_GetArraySize(arr) : 0;
    if (rc == 0 && n > LK_REGISTRY_PAGE_MAX)
        rc = lk_err_set(err, LK_EPROTO, "registry: too many matches");
    if (rc == 0 && n && !(page->changes = calloc((size_t)n, sizeof *page->changes)))
        rc = lk_err_set(err, LK_ENOMEM, "out of memory");
    for (const cJSON *it = rc == 0 ? arr->child : NULL; it; it = it->next) {
        lk_registry_change *c = &page->changes[page->n_changes++];
        lk_err why = {0};
        c->kind = LK_REGISTRY_UPSERT;
        if (parse_upsert(it, today, c, &why) != 0)
            reject(c, &why);
    }
    cJSON_Delete(root);
    if (rc != 0)
        lk_registry_page_free(page);
    return rc;
}

void lk_registry_page_free(lk_registry_page *page)
{
    if (!page)
        return;
    for (size_t i = 0; i < page->n_changes; i++)
        clear_change(&page->changes[i]);
    free(page->changes);
    memset(page, 0, sizeof *page);
}

int lk_registry_parse_report_ack(const char *body, size_t len, const char *key, int *duplicate,
                                 lk_err *err)
{
    cJSON *root = NULL;
    char status[16], got[80];
    int rc = parse_body(body, len, &root, err);
    if (rc == 0)
        rc = take_str(root, "status", 0, status, sizeof status, "registry", err);
    if (rc == 0)
        rc = take_str(root, "idempotency_key", 0, got, sizeof got, "registry", err);
    if (rc == 0 && strcmp(got, key) != 0)
        rc = lk_err_set(err, LK_EPROTO, "registry: acknowledgement names another report");
    if (rc == 0 && strcmp(status, "accepted") && strcmp(status, "duplicate"))
        rc = lk_err_set(err, LK_EPROTO, "registry: unknown report status");
    if (rc == 0)
        *duplicate = strcmp(status, "duplicate") == 0;
    cJSON_Delete(root);
    return rc;
}

static void copy_clean(char *dst, size_t dstsz, const char *src)
{
    size_t n = 0;
    for (; src && *src && n + 1 < dstsz; src++)
        dst[n++] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
    dst[n] = '\0';
}

void lk_registry_parse_error(const char *body, size_t len, char *code, size_t codesz, char *msg,
                             size_t msgsz)
{
    code[0] = msg[0] = '\0';
    cJSON *root = NULL;
    if (parse_body(body, len, &root, NULL) == 0) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
        /* Printable ASCII only: this text ends up in logs and audit rows. */
        copy_clean(code, codesz, cJSON_IsString(c) ? c->valuestring : NULL);
        copy_clean(msg, msgsz, cJSON_IsString(m) ? m->valuestring : NULL);
    }
    cJSON_Delete(root);
}

char *lk_registry_sign_string(const char *kiosk, const char *method, const char *target,
                              long long timestamp, const char *nonce, const char *body_sha256_hex)
{
    size_t n = strlen(LK_REGISTRY_SIG_PREFIX) + strlen(kiosk) + strlen(method) + strlen(target) +
               strlen(nonce) + strlen(body_sha256_hex) + 40;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s\n%s\n%s\n%s\n%lld\n%s\n%s", LK_REGISTRY_SIG_PREFIX, kiosk, method,
                 target, timestamp, nonce, body_sha256_hex);
    return s;
}
