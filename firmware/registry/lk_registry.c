/* lk_registry: the registry client's operations: opening it from configuration, sync of the
 * change feed, the session-time lookup with its budget and local fallback, and delivery of
 * queued print reports. The wire format is lk_registry_proto, the transport lk_registry_http,
 * the store side lk_registry_store. */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_idnum.h"
#include "lk_registry_int.h"

#define LOOKUP_DOMAIN "lk-registry-lookup-v1:"

int lk_registry_lookup_hash(const uint8_t key[LK_REGISTRY_LOOKUP_KEY_LEN], const char *doc_type,
                            const char *number, uint8_t out[LK_REGISTRY_LOOKUP_HASH_LEN])
{
    char msg[160];
    size_t n = (size_t)snprintf(msg, sizeof msg, "%s%s:", LOOKUP_DOMAIN, doc_type);
    while (*number == ' ' || *number == '\t')
        number++;
    size_t len = strlen(number);
    while (len && (number[len - 1] == ' ' || number[len - 1] == '\t'))
        len--;
    if (n >= sizeof msg || n + len >= sizeof msg || len == 0)
        return LK_EINVAL;
    for (size_t i = 0; i < len; i++)
        msg[n++] = (number[i] >= 'a' && number[i] <= 'z') ? (char)(number[i] - 32) : number[i];
    unsigned int outlen = 0;
    int ok = HMAC(EVP_sha256(), key, LK_REGISTRY_LOOKUP_KEY_LEN, (const unsigned char *)msg, n, out,
                  &outlen) != NULL;
    OPENSSL_cleanse(msg, sizeof msg);
    return ok && outlen == LK_REGISTRY_LOOKUP_HASH_LEN ? 0 : LK_EINVAL;
}

/* ------------------------------------------------------------------------------------------ */
/* Opening */

static int conf_str(lk_store *st, const char *key, char **out, lk_err *err)
{
    char *v = NULL;
    int rc = lk_config_get(st, key, &v, NULL, err);
    if (rc != 0)
        return rc;
    if (!*v) {
        free(v);
        v = NULL;
    }
    *out = v;
    return 0;
}

static int conf_int(lk_store *st, const char *key, long long lo, long long hi, long long *out,
                    lk_err *err)
{
    int rc = lk_config_get_int(st, key, out, err);
    if (rc == 0 && (*out < lo || *out > hi))
        rc = lk_err_set(err, LK_ECONFIG, "configuration %s out of range (%lld-%lld)", key, lo, hi);
    return rc;
}

/* Keys must not be readable by anyone else: the same rule as the kiosk secret. */
static FILE *open_private(const char *path, const char *what, lk_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0) {
        lk_err_set(err, LK_ECONFIG, "%s %s cannot be opened", what, path);
        return NULL;
    }
    if (fstat(fd, &sb) != 0 || (sb.st_mode & 077)) {
        close(fd);
        lk_err_set(err, LK_ECONFIG, "%s %s is readable by others (chmod 600)", what, path);
        return NULL;
    }
    return fdopen(fd, "rb");
}

static int load_key(lk_registry *reg, const char *path, lk_err *err)
{
    FILE *f = open_private(path, "registry.key_file", err);
    if (!f)
        return LK_ECONFIG;
    reg->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!reg->key || EVP_PKEY_id(reg->key) != EVP_PKEY_ED25519)
        return lk_err_set(err, LK_ECONFIG, "registry.key_file is not an Ed25519 private key");
    return 0;
}

static int load_lookup_key(lk_registry *reg, const char *path, lk_err *err)
{
    FILE *f = open_private(path, "registry.lookup_key_file", err);
    if (!f)
        return LK_ECONFIG;
    uint8_t extra;
    size_t n = fread(reg->lookup_key, 1, sizeof reg->lookup_key, f);
    int more = fread(&extra, 1, 1, f) == 1;
    fclose(f);
    if (n != sizeof reg->lookup_key || more)
        return lk_err_set(err, LK_ECONFIG, "registry.lookup_key_file must hold exactly 32 bytes");
    uint8_t d[SHA256_DIGEST_LENGTH];
    SHA256(reg->lookup_key, sizeof reg->lookup_key, d);
    for (int i = 0; i < 8; i++)
        snprintf(reg->key_id + 2 * i, 3, "%02x", d[i]);
    return 0;
}

/* "A;B" (base64 SHA-256 of the public key) becomes libcurl's "sha256//A;sha256//B". */
static int make_pins(lk_registry *reg, char *conf, lk_err *err)
{
    if (!conf)
        return 0;
    size_t cap = strlen(conf) * 2 + 16, len = 0;
    if (!(reg->pins = calloc(1, cap)))
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    char *save = NULL;
    for (char *p = strtok_r(conf, "; ", &save); p; p = strtok_r(NULL, "; ", &save)) {
        const char *pin = strncmp(p, "sha256//", 8) == 0 ? p + 8 : p;
        len += (size_t)snprintf(reg->pins + len, cap - len, "%ssha256//%s", len ? ";" : "", pin);
    }
    return 0;
}

static int check_id(const char *id, lk_err *err)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > 64 ||
        strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != n)
        return lk_err_set(err, LK_ECONFIG, "registry.kiosk_id must be 1-64 of [A-Za-z0-9._-]");
    return 0;
}

static int read_config(lk_registry *reg, lk_store *st, lk_err *err)
{
    char *key_file = NULL, *lookup_file = NULL, *pins = NULL;
    long long budget = 0, timeout = 0, retries = 0, page = 0;
    int rc = conf_str(st, "registry.url", &reg->url, err);
    if (rc == 0 && !reg->url)
        rc = lk_err_set(err, LK_ECONFIG, "registry.url is not set");
    if (rc == 0 && strncmp(reg->url, "https://", 8) != 0)
        rc = lk_err_set(err, LK_ECONFIG, "registry.url must be an https:// URL");
    if (rc == 0)
        rc = conf_str(st, "registry.ca_file", &reg->ca_file, err);
    if (rc == 0)
        rc = conf_str(st, "registry.kiosk_id", &reg->kiosk_id, err);
    if (rc == 0)
        rc = check_id(reg->kiosk_id, err);
    if (rc == 0 && (rc = conf_str(st, "registry.key_file", &key_file, err)) == 0)
        rc = key_file ? load_key(reg, key_file, err)
                      : lk_err_set(err, LK_ECONFIG, "registry.key_file is not set");
    if (rc == 0 && (rc = conf_str(st, "registry.lookup_key_file", &lookup_file, err)) == 0)
        rc = lookup_file ? load_lookup_key(reg, lookup_file, err)
                         : lk_err_set(err, LK_ECONFIG, "registry.lookup_key_file is not set");
    if (rc == 0 && (rc = conf_str(st, "registry.pin_sha256", &pins, err)) == 0)
        rc = make_pins(reg, pins, err);
    if (rc == 0)
        rc = conf_int(st, "registry.budget_ms", LK_REGISTRY_BUDGET_MIN_MS,
                      LK_REGISTRY_BUDGET_MAX_MS, &budget, err);
    if (rc == 0)
        rc = conf_int(st, "registry.timeout_ms", 100, 3600000, &timeout, err);
    if (rc == 0)
        rc = conf_int(st, "registry.retries", 0, 10, &retries, err);
    if (rc == 0)
        rc = conf_int(st, "registry.page_size", 1, LK_REGISTRY_PAGE_MAX, &page, err);
    free(key_file), free(lookup_file), free(pins);
    reg->budget_ms = budget, reg->timeout_ms = timeout;
    reg->retries = (int)retries, reg->page_size = (int)page;
    return rc;
}

int lk_registry_open(lk_store *st, const char *actor, int today, lk_registry **out, lk_err *err)
{
    *out = NULL;
    lk_registry *reg = calloc(1, sizeof *reg);
    if (!reg)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    snprintf(reg->actor, sizeof reg->actor, "%s", actor ? actor : "registry");
    reg->today = today ? today : lk_idnum_today();
    int rc = read_config(reg, st, err);
    if (rc == 0) {
        size_t n = strlen(reg->url);
        while (n > 8 && reg->url[n - 1] == '/')
            reg->url[--n] = '\0';
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(reg->curl = curl_easy_init()))
            rc = lk_err_set(err, LK_ENOMEM, "libcurl cannot start");
    }
    if (rc != 0) {
        lk_registry_close(reg);
        return rc;
    }
    *out = reg;
    return 0;
}

void lk_registry_close(lk_registry *reg)
{
    if (!reg)
        return;
    if (reg->curl)
        curl_easy_cleanup(reg->curl);
    EVP_PKEY_free(reg->key);
    OPENSSL_cleanse(reg->lookup_key, sizeof reg->lookup_key);
    free(reg->url), free(reg->ca_file), free(reg->pins), free(reg->kiosk_id);
    free(reg->page_buf);
    free(reg);
}

/* ------------------------------------------------------------------------------------------ */
/* Sync */

static int audit_json(lk_store *st, const char *actor, const char *event, cJSON *d, lk_err *err)
{
    char *detail = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    if (!detail)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    int rc = lk_audit_append(st, actor, event, detail, err);
    free(detail);
    return rc;
}

static int audit_sync(lk_registry *reg, lk_store *st, const lk_registry_sync_stats *s, int result,
                      const lk_err *why)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddBoolToObject(d, "ok", result == 0);
    cJSON_AddBoolToObject(d, "full", s->full);
    cJSON_AddNumberToObject(d, "pages", (double)s->pages);
    cJSON_AddNumberToObject(d, "upserts", (double)s->upserts);
    cJSON_AddNumberToObject(d, "revocations", (double)s->revocations);
    cJSON_AddNumberToObject(d, "rejected", (double)s->rejected);
    cJSON_AddNumberToObject(d, "reports_sent", (double)s->reports_sent);
    if (result != 0)
        cJSON_AddStringToObject(d, "error", why->msg);
    return audit_json(st, reg->actor, "registry.sync", d, NULL);
}

typedef struct page_check {
    const char *cursor;
    int today;
    lk_registry_page *page;
} page_check;

static int check_changes(void *ctx, const reg_resp *r, lk_err *err)
{
    page_check *c = ctx;
    return lk_registry_parse_changes(r->body, r->len, c->cursor, c->today, c->page, err);
}

/* One page. A page that arrives broken (truncated, not parseable, answering another cursor) is
 * fetched again inside lk_reg_http's one retry loop, with its backoff and retry count. */
static int fetch_page(lk_registry *reg, const char *cursor, lk_registry_page *page, long *status,
                      lk_registry_sync_stats *stats, lk_err *err)
{
    char *esc = curl_easy_escape(reg->curl, cursor, 0);
    char target[LK_REGISTRY_CURSOR_MAX * 3 + 64];
    snprintf(target, sizeof target, "/v1/changes?cursor=%s&limit=%d", esc ? esc : "",
             reg->page_size);
    curl_free(esc);
    page_check pc = {cursor, reg->today, page};
    reg_resp r = {
        .body = reg->page_buf, .cap = reg->page_cap, .check = check_changes, .check_ctx = &pc};
    int rc = lk_reg_http(reg, "GET", target, NULL, 0, 0, &r, &stats->retries, err);
    *status = r.status;
    if (rc == 0 && *status != 200 && *status != 410)
        rc = lk_reg_http_error(&r, "registry changes", err);
    reg->page_buf = r.body, reg->page_cap = r.cap;
    return rc;
}

static int sync_pages(lk_registry *reg, lk_store *st, lk_registry_sync_stats *s, lk_err *err)
{
    int rc = lk_reg_cursor_get(st, s->cursor, err);
    s->full = rc == 0 && s->cursor[0] == '\0';
    while (rc == 0) {
        lk_registry_page page;
        long status = 0;
        memset(&page, 0, sizeof page);
        rc = fetch_page(reg, s->cursor, &page, &status, s, err);
        if (rc == 0 && status == 410) {
            /* The registry no longer knows our cursor: read everything again, once. */
            if (s->restarted)
                return lk_err_set(err, LK_EPROTO, "registry: cursor expired twice in one sync");
            s->restarted = s->full = 1;
            s->cursor[0] = '\0';
            rc = lk_reg_cursor_reset(st, err);
            continue;
        }
        if (rc == 0)
            rc = lk_reg_apply_page(st, &page, page.cursor, reg->actor, s, err);
        if (rc == 0) {
            s->pages++;
            snprintf(s->cursor, sizeof s->cursor, "%s", page.cursor);
        }
        int more = page.more;
        lk_registry_page_free(&page);
        if (!more)
            break;
    }
    return rc;
}

int lk_registry_sync(lk_registry *reg, lk_store *st, int full, lk_registry_sync_stats *stats,
                     lk_err *err)
{
    lk_registry_sync_stats local;
    lk_registry_sync_stats *s = stats ? stats : &local;
    memset(s, 0, sizeof *s);
    long long t0 = lk_reg_now_ms();
    int rc = full ? lk_reg_cursor_reset(st, err) : 0;
    if (rc == 0)
        rc = sync_pages(reg, st, s, err);
    if (rc == 0)
        rc = lk_registry_report_flush(reg, st, s, err);
    lk_registry_report_pending(st, &s->reports_pending, NULL);
    s->elapsed_ms = lk_reg_now_ms() - t0;
    lk_err why = err ? *err : (lk_err){0};
    audit_sync(reg, st, s, rc, &why);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Session lookup */

static char *lookup_body(lk_registry *reg, const char *doc_type, const char *number)
{
    uint8_t h[LK_REGISTRY_LOOKUP_HASH_LEN];
    char hexh[2 * LK_REGISTRY_LOOKUP_HASH_LEN + 1];
    if (lk_registry_lookup_hash(reg->lookup_key, doc_type, number, h) != 0)
        return NULL;
    for (int i = 0; i < LK_REGISTRY_LOOKUP_HASH_LEN; i++)
        snprintf(hexh + 2 * i, 3, "%02x", h[i]);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "doc_type", doc_type);
    cJSON_AddStringToObject(o, "lookup_hash", hexh);
    cJSON_AddStringToObject(o, "key_id", reg->key_id);
    char *body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return body;
}

typedef struct lookup_check {
    int today;
    lk_registry_page *page;
} lookup_check;

static int check_lookup(void *ctx, const reg_resp *r, lk_err *err)
{
    lookup_check *c = ctx;
    return lk_registry_parse_lookup(r->body, r->len, c->today, c->page, err);
}

/* The network's share of the budget: the rest is kept for the local answer, so the whole
 * lookup (network, store, audit) ends within registry.budget_ms. */
static long long network_budget_ms(long long budget_ms)
{
    long long reserve = budget_ms / 5;
    if (reserve > LK_REGISTRY_LOCAL_RESERVE_MS)
        reserve = LK_REGISTRY_LOCAL_RESERVE_MS;
    return budget_ms - reserve;
}

/* Asks the registry within the budget and stores its answer; 0 when it did. */
static int lookup_live(lk_registry *reg, lk_store *st, const char *doc_type, const char *number,
                       lk_err *why)
{
    long long deadline = lk_reg_now_ms() + network_budget_ms(reg->budget_ms);
    char *body = lookup_body(reg, doc_type, number);
    if (!body)
        return lk_err_set(why, LK_EINVAL, "document cannot be hashed");
    lk_registry_page page;
    memset(&page, 0, sizeof page);
    lookup_check lc = {reg->today, &page};
    reg_resp r = {.check = check_lookup, .check_ctx = &lc};
    int rc = lk_reg_http(reg, "POST", "/v1/lookup", body, strlen(body), deadline, &r, NULL, why);
    free(body);
    if (rc == 0 && r.status != 200)
        rc = lk_reg_http_error(&r, "registry lookup", why);
    lk_reg_resp_free(&r);
    lk_registry_sync_stats ignored = {0};
    if (rc == 0)
        rc = lk_reg_apply_page(st, &page, NULL, reg->actor, &ignored, why);
    lk_registry_page_free(&page);
    return rc;
}

static void audit_fallback(lk_registry *reg, lk_store *st, const lk_registry_lookup_info *info)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "reason", info->fallback);
    cJSON_AddNumberToObject(d, "elapsed_ms", (double)info->elapsed_ms);
    cJSON_AddNumberToObject(d, "budget_ms", (double)reg->budget_ms);
    audit_json(st, reg->actor, "registry.fallback", d, NULL);
}

int lk_registry_lookup(lk_registry *reg, lk_store *st, const char *doc_type, const char *number,
                       lk_store_match_cb cb, void *ctx, lk_registry_lookup_info *info, lk_err *err)
{
    lk_registry_lookup_info local;
    lk_registry_lookup_info *in = info ? info : &local;
    memset(in, 0, sizeof *in);
    if (reg) {
        lk_err why = {0};
        long long t0 = lk_reg_now_ms();
        in->live = lookup_live(reg, st, doc_type, number, &why) == 0;
        in->elapsed_ms = lk_reg_now_ms() - t0;
        if (!in->live) {
            snprintf(in->fallback, sizeof in->fallback, "%s", why.msg);
            audit_fallback(reg, st, in);
        }
    } else {
        snprintf(in->fallback, sizeof in->fallback, "no registry configured");
    }
    return lk_store_find_by_doc(st, doc_type, number, cb, ctx, err);
}

/* ------------------------------------------------------------------------------------------ */
/* Print reports */

static void audit_report_rejected(lk_registry *reg, lk_store *st, const reg_report *r,
                                  const lk_err *why)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "idempotency_key", r->key);
    cJSON_AddStringToObject(d, "reason", why->msg);
    audit_json(st, reg->actor, "registry.report_rejected", d, NULL);
}

/* Sends one report; 1 when the caller may go on with the next, 0 to stop (registry away). */
static int deliver(lk_registry *reg, lk_store *st, const reg_report *rep, lk_registry_sync_stats *s,
                   lk_err *err)
{
    reg_resp r = {0};
    lk_err why = {0};
    int dup = 0, go_on = 1;
    int rc = lk_reg_http(reg, "POST", "/v1/prints", rep->json, strlen(rep->json), 0, &r,
                         &s->retries, &why);
    if (rc == 0 && (r.status == 200 || r.status == 201))
        rc = lk_registry_parse_report_ack(r.body, r.len, rep->key, &dup, &why);
    else if (rc == 0)
        rc = lk_reg_http_error(&r, "registry print report", &why);
    if (rc == 0) {
        rc = lk_reg_report_mark(st, rep->id, "delivered", NULL, err);
        s->reports_sent += !dup, s->reports_duplicate += dup;
    } else if (r.status >= 400 && r.status < 500 && r.status != 401 && r.status != 429) {
        /* The registry will never take this one: keep it, marked, and go on with the next. */
        rc = lk_reg_report_mark(st, rep->id, "rejected", why.msg, err);
        audit_report_rejected(reg, st, rep, &why);
    } else {
        lk_reg_report_mark(st, rep->id, "pending", why.msg, NULL);
        if (err)
            *err = why;
        go_on = 0;
    }
    lk_reg_resp_free(&r);
    return rc < 0 && go_on ? rc : go_on;
}

int lk_registry_report_flush(lk_registry *reg, lk_store *st, lk_registry_sync_stats *stats,
                             lk_err *err)
{
    lk_registry_sync_stats local = {0};
    lk_registry_sync_stats *s = stats ? stats : &local;
    long long after = 0;
    for (;;) {
        reg_report rep;
        int rc = lk_reg_report_next(st, after, &rep, err);
        if (rc == LK_ENOENT)
            return 0;
        if (rc != 0)
            return rc;
        int go_on = deliver(reg, st, &rep, s, err);
        after = rep.id;
        free(rep.json);
        if (go_on <= 0)
            return go_on < 0 ? go_on : (err && err->code ? err->code : LK_EIO);
    }
}
