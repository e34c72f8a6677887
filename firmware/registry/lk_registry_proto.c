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

static int parse_change(const cJSON *obj, int today, int64_t prev_seq, lk_registry_change *c,
                        lk_err *err)
{
    char kind[16];
    memset(c, 0, sizeof *c);
    if (!cJSON_IsObject(obj))
        return lk_err_set(err, LK_EPROTO, "registry: a change is not an object");
    int rc = take_int(obj, "seq", 1, 9007199254740991.0, &c->seq, "change", err);
    if (rc == 0 && c->seq <= prev_seq)
        rc = lk_err_set(err, LK_EPROTO, "registry: change sequence numbers do not increase");
    if (rc != 0)
        return rc; /* the page's order cannot be trusted: refuse it whole */
    lk_err why = {0};
    if (take_str(obj, "kind", 0, kind, sizeof kind, "change", &why) != 0 ||
        parse_kind(obj, kind, today, c, &why) != 0) {
        if (why.code == LK_ENOMEM)
            return lk_err_set(err, LK_ENOMEM, "out of memory");
        reject(c, &why);
    }
    return 0;
}

static int parse_changes_array(const cJSON *arr, int today, lk_registry_page *page, lk_err *err)
{
    if (!cJSON_IsArray(arr))
        return lk_err_set(err, LK_EPROTO, "registry: changes missing or not an array");
    int n = cJSON_GetArraySize(arr);
    if (n > LK_REGISTRY_PAGE_MAX)
        return lk_err_set(err, LK_EPROTO, "registry: more than %d changes in a page",
                          LK_REGISTRY_PAGE_MAX);
    page->changes = n ? calloc((size_t)n, sizeof *page->changes) : NULL;
    if (n && !page->changes)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    int64_t prev = 0;
    for (const cJSON *it = arr->child; it; it = it->next) {
        int rc = parse_change(it, today, prev, &page->changes[page->n_changes], err);
        if (rc != 0)
            return rc;
        prev = page->changes[page->n_changes++].seq;
    }
    return 0;
}

static int parse_page_head(const cJSON *root, const char *expected_from, lk_registry_page *page,
                           lk_err *err)
{
    int twice = 0;
    int rc = take_str(root, "from", 0, page->from, sizeof page->from, "registry", err);
    if (rc == 0)
        rc = take_str(root, "cursor", 0, page->cursor, sizeof page->cursor, "registry", err);
    if (rc == 0 && strcmp(page->from, expected_from ? expected_from : "") != 0)
        rc = lk_err_set(err, LK_EPROTO, "registry: page answers another cursor than asked");
    if (rc == 0 && page->cursor[0] == '\0')
        rc = lk_err_set(err, LK_EPROTO, "registry: empty cursor");
    const cJSON *more = rc == 0 ? member(root, "more", &twice) : NULL;
    if (rc == 0 && (twice || !cJSON_IsBool(more)))
        rc = lk_err_set(err, LK_EPROTO, "registry: more missing or not a boolean");
    if (rc == 0)
        page->more = cJSON_IsTrue(more);
    return rc;
}

int lk_registry_parse_changes(const char *body, size_t len, const char *expected_from, int today,
                              lk_registry_page *page, lk_err *err)
{
    memset(page, 0, sizeof *page);
    cJSON *root = NULL;
    int twice = 0;
    int rc = parse_body(body, len, &root, err);
    if (rc == 0)
        rc = parse_page_head(root, expected_from, page, err);
    const cJSON *arr = rc == 0 ? member(root, "changes", &twice) : NULL;
    if (rc == 0 && twice)
        rc = lk_err_set(err, LK_EPROTO, "registry: changes given twice");
    if (rc == 0)
        rc = parse_changes_array(arr, today, page, err);
    if (rc == 0 && page->more && page->n_changes == 0)
        rc = lk_err_set(err, LK_EPROTO, "registry: an empty page cannot have more after it");
    cJSON_Delete(root);
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
