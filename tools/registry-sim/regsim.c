/* regsim: the simulated registry's HTTPS server on libmicrohttpd: request authentication,
 * routing of the API (/v1/changes, /v1/lookup, /v1/prints), fault injection, and the /sim/
 * control endpoints the binary serves for shell tests. */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kiosk/lk_registry_proto.h"
#include "regsim_int.h"

#define MAX_UPLOAD (1 << 20)
#define MAX_SKEW_S 300
#define MHD_RESULT enum MHD_Result

typedef struct req {
    char *uri; /* as sent, query included: what the signature covers */
    char *body;
    size_t len, cap;
    int started, too_big;
} req;

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls, (void)c;
    req *r = calloc(1, sizeof *r);
    if (r)
        r->uri = strdup(uri);
    return r;
}

static void on_done(void *cls, struct MHD_Connection *c, void **req_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    req *r = *req_cls;
    if (r) {
        free(r->uri);
        free(r->body);
        free(r);
    }
    *req_cls = NULL;
}

static MHD_RESULT reply(struct MHD_Connection *c, unsigned status, char *body, size_t len,
                        const char *retry_after)
{
    /* MHD takes the buffer and frees it with the response: a page is megabytes, no copy. */
    struct MHD_Response *resp =
        body ? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE)
             : MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (retry_after)
        MHD_add_response_header(resp, "Retry-After", retry_after);
    MHD_RESULT ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static MHD_RESULT reply_json(struct MHD_Connection *c, unsigned status, cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return reply(c, status, s, s ? strlen(s) : 0, NULL);
}

static MHD_RESULT reply_error(struct MHD_Connection *c, unsigned status, const char *code,
                              const char *msg)
{
    cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", msg);
    return reply_json(c, status, o);
}

/* ------------------------------------------------------------------------------------------ */
/* Authentication (docs/registry-api.md, "Authentication") */

static int is_hex(const char *s, size_t n)
{
    return s && strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

static int nonce_fresh(lk_regsim *sim, const char *nonce)
{
    for (size_t i = 0; i < SIM_NONCES; i++)
        if (strcmp(sim->nonces[i], nonce) == 0)
            return 0;
    snprintf(sim->nonces[sim->nonce_next], sizeof sim->nonces[0], "%s", nonce);
    sim->nonce_next = (sim->nonce_next + 1) % SIM_NONCES;
    return 1;
}

static int verify_sig(lk_regsim *sim, const char *method, const req *r, const char *ts,
                      const char *nonce, const char *sig_b64)
{
    uint8_t digest[32], sig[96];
    char hexd[65];
    SHA256((const unsigned char *)(r->body ? r->body : ""), r->len, digest);
    for (int i = 0; i < 32; i++)
        snprintf(hexd + 2 * i, 3, "%02x", digest[i]);
    if (strlen(sig_b64) != 88)
        return 0;
    int n = EVP_DecodeBlock(sig, (const unsigned char *)sig_b64, 88);
    char *msg = lk_registry_sign_string(sim->kiosk_id, method, r->uri, atoll(ts), nonce, hexd);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = n >= 64 && msg && md &&
             EVP_DigestVerifyInit(md, NULL, NULL, NULL, sim->kiosk_pub) == 1 &&
             EVP_DigestVerify(md, sig, 64, (const unsigned char *)msg, strlen(msg)) == 1;
    EVP_MD_CTX_free(md);
    free(msg);
    return ok;
}

/* Returns NULL when the request is authentic, else the reason. */
static const char *authenticate(lk_regsim *sim, struct MHD_Connection *c, const char *method,
                                const req *r)
{
    const char *kiosk = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-LK-Kiosk");
    const char *ts = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-LK-Timestamp");
    const char *nonce = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-LK-Nonce");
    const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-LK-Signature");
    if (!kiosk || !ts || !nonce || !sig)
        return "signature headers missing";
    if (strcmp(kiosk, sim->kiosk_id) != 0)
        return "unknown kiosk";
    long long t = atoll(ts), now = (long long)time(NULL);
    if (t < now - MAX_SKEW_S || t > now + MAX_SKEW_S)
        return "timestamp outside the accepted window";
    if (!is_hex(nonce, 32))
        return "nonce malformed";
    if (!verify_sig(sim, method, r, ts, nonce, sig))
        return "signature does not verify";
    if (!nonce_fresh(sim, nonce))
        return "nonce replayed";
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Faults */

static int take_fault(lk_regsim *sim, const char *path, long *ms)
{
    int kind = 0;
    if (sim->fault_count > 0 && strncmp(path, sim->fault_path, strlen(sim->fault_path)) == 0) {
        kind = sim->fault_kind;
        *ms = sim->fault_ms;
        sim->fault_count--;
    }
    return kind;
}

static void nap(lk_regsim *sim, long ms)
{
    for (long done = 0; done < ms && !sim->stopping; done += 20)
        usleep(20000);
}

static char *hostile_body(size_t *len)
{
    const size_t depth = 5000;
    char *s = malloc(depth * 2 + 128);
    if (!s)
        return NULL;
    size_t n =
        (size_t)sprintf(s, "{\"from\":\"\",\"cursor\":\"x\\u0000y\",\"more\":false,\"changes\":");
    memset(s + n, '[', depth);
    n += depth;
    memset(s + n, ']', depth);
    n += depth;
    s[n++] = '}';
    *len = n;
    return s;
}

/* ------------------------------------------------------------------------------------------ */
/* API */

static int parse_cursor(const lk_regsim *sim, const char *cursor, int64_t *after)
{
    unsigned epoch = 0;
    long long seq = 0;
    char tail;
    if (!cursor || !*cursor) {
        *after = 0;
        return 0;
    }
    if (strlen(cursor) > 64 || sscanf(cursor, "e%u.%lld%c", &epoch, &seq, &tail) != 2 ||
        epoch != sim->epoch || seq < 0 || seq > sim_feed_last_seq(sim))
        return -1;
    *after = seq;
    return 0;
}

static int same_key(const sim_page_key *a, const sim_page_key *b)
{
    return a->epoch == b->epoch && a->after == b->after && a->limit == b->limit &&
           a->n_ev == b->n_ev;
}

static void *prefetch_run(void *arg)
{
    lk_regsim *sim = arg;
    pthread_mutex_lock(&sim->mu);
    for (;;) {
        while (!sim->want_ready && !sim->stopping)
            pthread_cond_wait(&sim->prefetch_cv, &sim->mu);
        if (sim->stopping)
            break;
        sim->want_ready = 0;
        sim_page_key k = sim->want;
        char from[40];
        snprintf(from, sizeof from, "e%u.%lld", k.epoch, (long long)k.after);
        free(sim->ready.p);
        memset(&sim->ready, 0, sizeof sim->ready);
        if (sim_feed_page(sim, k.after, k.limit, from, NULL, &sim->ready) == 0)
            sim->ready_key = k;
        else
            sim->ready_key.limit = 0;
    }
    pthread_mutex_unlock(&sim->mu);
    return NULL;
}

/* Called with the lock held: the prepared page when it is this one, else a fresh build; then
 * asks for the page after it. */
static int build_page(lk_regsim *sim, int64_t after, int limit, const char *cursor, int fault,
                      sim_buf *b)
{
    sim_page_key k = {sim->epoch, after, limit, sim->n_ev};
    char wrong[40];
    snprintf(wrong, sizeof wrong, "e%u.%lld", sim->epoch, (long long)after + 7);
    int rc = 0;
    if (!fault && sim->ready_key.limit && same_key(&k, &sim->ready_key)) {
        *b = sim->ready;
        memset(&sim->ready, 0, sizeof sim->ready);
        sim->ready_key.limit = 0;
    } else {
        rc = sim_feed_page(sim, after, limit, cursor,
                           fault == LK_REGSIM_FAULT_WRONG_CURSOR ? wrong : NULL, b);
    }
    int64_t last = sim_feed_last_seq(sim), end = after + limit < last ? after + limit : last;
    if (rc == 0 && end < last && sim->prefetch_started) {
        sim->want = (sim_page_key){sim->epoch, end, limit, sim->n_ev};
        sim->want_ready = 1;
        pthread_cond_signal(&sim->prefetch_cv);
    }
    return rc;
}

static MHD_RESULT api_changes(lk_regsim *sim, struct MHD_Connection *c, int fault)
{
    const char *cursor = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cursor");
    const char *limit_s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
    int limit = limit_s ? atoi(limit_s) : 100;
    limit = limit < 1 ? 1 : limit > LK_REGISTRY_PAGE_MAX ? LK_REGISTRY_PAGE_MAX : limit;
    int64_t after = 0;
    sim_buf b = {0};
    pthread_mutex_lock(&sim->mu);
    int bad = parse_cursor(sim, cursor, &after);
    int rc = bad ? 0 : build_page(sim, after, limit, cursor ? cursor : "", fault, &b);
    pthread_mutex_unlock(&sim->mu);
    if (bad)
        return reply_error(c, 410, "cursor_expired", "cursor unknown or expired; start over");
    if (rc != 0) {
        free(b.p);
        return reply_error(c, 500, "internal", "page could not be built");
    }
    size_t len = fault == LK_REGSIM_FAULT_TRUNCATE ? b.len / 2 : b.len;
    return reply(c, 200, b.p, len, NULL);
}

static MHD_RESULT api_lookup(lk_regsim *sim, struct MHD_Connection *c, const req *r)
{
    cJSON *o = r->body ? cJSON_ParseWithLength(r->body, r->len) : NULL;
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "lookup_hash");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "key_id");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "doc_type");
    int ok =
        cJSON_IsString(h) && is_hex(h->valuestring, 64) && cJSON_IsString(t) && cJSON_IsString(k);
    int key_ok = ok && strcmp(k->valuestring, sim->key_id) == 0;
    uint8_t hash[32];
    for (int i = 0; ok && i < 32; i++) {
        unsigned v = 0;
        sscanf(h->valuestring + 2 * i, "%2x", &v);
        hash[i] = (uint8_t)v;
    }
    cJSON_Delete(o);
    if (!ok)
        return reply_error(c, 400, "bad_request", "lookup needs doc_type, lookup_hash, key_id");
    if (!key_ok)
        return reply_error(c, 400, "unknown_key", "lookup key id not known here");
    sim_buf b = {0};
    pthread_mutex_lock(&sim->mu);
    sim->stats.lookups++;
    int rc = sim_feed_lookup(sim, hash, &b);
    pthread_mutex_unlock(&sim->mu);
    if (rc != 0) {
        free(b.p);
        return reply_error(c, 500, "internal", "lookup failed");
    }
    return reply(c, 200, b.p, b.len, NULL);
}

/* Stores a report unless its key is known: 201 new, 200 duplicate, 409 same key other body. */
static int store_report(lk_regsim *sim, const char *key, const uint8_t digest[32], const req *r)
{
    for (size_t i = 0; i < sim->n_reports; i++)
        if (strcmp(sim->reports[i].key, key) == 0)
            return memcmp(sim->reports[i].digest, digest, 32) == 0 ? 200 : 409;
    if (sim->n_reports == sim->cap_reports) {
        size_t cap = sim->cap_reports ? sim->cap_reports * 2 : 64;
        sim_report *p = realloc(sim->reports, cap * sizeof *p);
        if (!p)
            return 500;
        sim->reports = p, sim->cap_reports = cap;
    }
    char *body = strndup(r->body, r->len);
    if (!body)
        return 500;
    sim_report *rep = &sim->reports[sim->n_reports++];
    rep->body = body;
    snprintf(rep->key, sizeof rep->key, "%s", key);
    memcpy(rep->digest, digest, 32);
    sim->stats.reports++;
    return 201;
}

static MHD_RESULT api_prints(lk_regsim *sim, struct MHD_Connection *c, const req *r, int fault)
{
    cJSON *o = r->body ? cJSON_ParseWithLength(r->body, r->len) : NULL;
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "idempotency_key");
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "uscc");
    char key[40] = "";
    int ok = cJSON_IsString(k) && is_hex(k->valuestring, 32) && cJSON_IsString(u);
    if (ok)
        snprintf(key, sizeof key, "%s", k->valuestring);
    cJSON_Delete(o);
    if (!ok)
        return reply_error(c, 400, "bad_request", "a report needs idempotency_key and uscc");
    uint8_t digest[32];
    SHA256((const unsigned char *)r->body, r->len, digest);
    pthread_mutex_lock(&sim->mu);
    sim->stats.report_posts++;
    int status = store_report(sim, key, digest, r);
    pthread_mutex_unlock(&sim->mu);
    if (fault == LK_REGSIM_FAULT_RESET_AFTER)
        return MHD_NO; /* the report is stored, the answer is lost */
    if (status == 409)
        return reply_error(c, 409, "idempotency_conflict", "key reused for another report");
    if (status == 500)
        return reply_error(c, 500, "internal", "out of memory");
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "status", status == 201 ? "accepted" : "duplicate");
    cJSON_AddStringToObject(a, "idempotency_key", key);
    return reply_json(c, (unsigned)status, a);
}

#define LOG_BODY_MAX 65536

/* Called with the lock held: keeps what this request put on the wire (target and body). */
static void log_request(lk_regsim *sim, const char *method, const req *r)
{
    size_t blen = r->len < LOG_BODY_MAX ? r->len : LOG_BODY_MAX;
    size_t n = strlen(method) + strlen(r->uri) + blen + 3;
    char *t = malloc(n);
    if (!t)
        return;
    int head = snprintf(t, n, "%s %s\n", method, r->uri);
    if (blen)
        memcpy(t + head, r->body, blen);
    t[(size_t)head + blen] = '\0';
    char **slot = &sim->log[sim->n_log % LK_REGSIM_LOG];
    free(*slot);
    *slot = t;
    sim->n_log++;
}

static MHD_RESULT api(lk_regsim *sim, struct MHD_Connection *c, const char *url, const char *method,
                      const req *r)
{
    long ms = 0;
    pthread_mutex_lock(&sim->mu);
    log_request(sim, method, r);
    const char *why = authenticate(sim, c, method, r);
    if (why)
        sim->stats.rejected_auth++;
    else
        sim->stats.requests++;
    int fault = why ? 0 : take_fault(sim, url, &ms);
    pthread_mutex_unlock(&sim->mu);
    if (why)
        return reply_error(
            c, 401, strcmp(why, "nonce replayed") ? "unauthenticated" : "nonce_replayed", why);
    if (fault == LK_REGSIM_FAULT_SLOW)
        nap(sim, ms);
    if (fault == LK_REGSIM_FAULT_RESET)
        return MHD_NO;
    if (fault == LK_REGSIM_FAULT_REPLAYED)
        return reply_error(c, 401, "nonce_replayed", "nonce replayed");
    if (fault == LK_REGSIM_FAULT_5XX) {
        static const char busy[] = "{\"error\":{\"code\":\"unavailable\",\"message\":\"later\"}}";
        char after[24];
        snprintf(after, sizeof after, "%ld", ms > 0 ? ms / 1000 : 0);
        return reply(c, 503, strdup(busy), sizeof busy - 1, after);
    }
    if (fault == LK_REGSIM_FAULT_HOSTILE) {
        size_t len = 0;
        char *s = hostile_body(&len);
        return reply(c, 200, s, s ? len : 0, NULL);
    }
    if (strcmp(url, "/v1/changes") == 0 && strcmp(method, "GET") == 0)
        return api_changes(sim, c, fault);
    if (strcmp(url, "/v1/lookup") == 0 && strcmp(method, "POST") == 0)
        return api_lookup(sim, c, r);
    if (strcmp(url, "/v1/prints") == 0 && strcmp(method, "POST") == 0)
        return api_prints(sim, c, r, fault);
    return reply_error(c, 404, "not_found", "no such endpoint");
}

/* ------------------------------------------------------------------------------------------ */
/* Control endpoints (registry-sim --control, for shell tests) */

static long arg_long(struct MHD_Connection *c, const char *name, long fallback)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    return v ? atol(v) : fallback;
}

static const char *arg(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

static int fault_kind(const char *s)
{
    static const char *const names[] = {"none",        "slow",         "5xx",
                                        "truncate",    "wrong_cursor", "reset",
                                        "reset_after", "hostile",      "replayed"};
    for (int i = 0; s && i < (int)(sizeof names / sizeof names[0]); i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

static MHD_RESULT control(lk_regsim *sim, struct MHD_Connection *c, const char *url)
{
    cJSON *o = cJSON_CreateObject();
    long index = arg_long(c, "index", 0);
    if (strcmp(url, "/sim/revoke") == 0) {
        lk_regsim_revoke(sim, index, arg(c, "reason"));
    } else if (strcmp(url, "/sim/reapprove") == 0) {
        lk_regsim_reapprove(sim, index);
    } else if (strcmp(url, "/sim/approve") == 0) {
        cJSON_AddNumberToObject(o, "index", (double)lk_regsim_approve_new(sim));
    } else if (strcmp(url, "/sim/reprint") == 0) {
        const char *copy = arg(c, "copy"), *auth = arg(c, "auth");
        lk_regsim_reprint(sim, index, copy ? copy : "original", (int)arg_long(c, "copy_no", 1),
                          auth ? auth : "auth-1");
    } else if (strcmp(url, "/sim/qr") == 0) {
        lk_regsim_set_qr(sim, index, arg(c, "payload"));
    } else if (strcmp(url, "/sim/expire") == 0) {
        lk_regsim_expire_cursors(sim);
    } else if (strcmp(url, "/sim/fault") == 0 && fault_kind(arg(c, "kind")) >= 0) {
        lk_regsim_fault(sim, fault_kind(arg(c, "kind")), (int)arg_long(c, "count", 1),
                        arg_long(c, "ms", 0), arg(c, "path"));
    } else if (strcmp(url, "/sim/record") == 0) {
        char uscc[19], type[16], number[32];
        lk_regsim_record_ids(sim, index, uscc, type, number);
        cJSON_AddStringToObject(o, "uscc", uscc);
        cJSON_AddStringToObject(o, "doc", type);
        cJSON_AddStringToObject(o, "number", number);
    } else if (strcmp(url, "/sim/reports") == 0) {
        cJSON *a = cJSON_AddArrayToObject(o, "reports");
        char *b = NULL;
        for (long i = 0; (b = lk_regsim_report_body(sim, i)) != NULL; i++) {
            cJSON *rep = cJSON_Parse(b);
            cJSON_AddItemToArray(a, rep ? rep : cJSON_CreateString(b));
            free(b);
        }
    } else if (strcmp(url, "/sim/requests") == 0) {
        cJSON *a = cJSON_AddArrayToObject(o, "requests");
        char *t = NULL;
        for (long i = 0; (t = lk_regsim_request_text(sim, i)) != NULL; i++) {
            cJSON_AddItemToArray(a, cJSON_CreateString(t));
            free(t);
        }
    } else if (strcmp(url, "/sim/stats") == 0) {
        lk_regsim_stats s;
        lk_regsim_get_stats(sim, &s);
        cJSON_AddNumberToObject(o, "requests", (double)s.requests);
        cJSON_AddNumberToObject(o, "rejected_auth", (double)s.rejected_auth);
        cJSON_AddNumberToObject(o, "lookups", (double)s.lookups);
        cJSON_AddNumberToObject(o, "report_posts", (double)s.report_posts);
        cJSON_AddNumberToObject(o, "reports", (double)s.reports);
    } else {
        cJSON_Delete(o);
        return reply_error(c, 404, "not_found", "no such control");
    }
    cJSON_AddBoolToObject(o, "ok", 1);
    return reply_json(c, 200, o);
}

static MHD_RESULT on_request(void *cls, struct MHD_Connection *c, const char *url,
                             const char *method, const char *version, const char *upload,
                             size_t *upload_size, void **req_cls)
{
    (void)version;
    lk_regsim *sim = cls;
    req *r = *req_cls;
    if (!r)
        return MHD_NO;
    if (!r->started) {
        r->started = 1;
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->len + *upload_size > MAX_UPLOAD) {
            r->too_big = 1;
        } else {
            char *p = realloc(r->body, r->len + *upload_size + 1);
            if (!p)
                return MHD_NO;
            memcpy(p + r->len, upload, *upload_size);
            r->body = p;
            r->len += *upload_size;
            r->body[r->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->too_big)
        return reply_error(c, 413, "too_large", "request body too large");
    if (sim->control && strncmp(url, "/sim/", 5) == 0)
        return control(sim, c, url);
    return api(sim, c, url, method, r);
}

/* ------------------------------------------------------------------------------------------ */
/* Lifecycle */

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *s = calloc(1, 65537);
    size_t n = s ? fread(s, 1, 65536, f) : 0;
    fclose(f);
    if (len)
        *len = n;
    return s;
}

static int load_keys(lk_regsim *sim, const char *dir)
{
    char path[1024];
    size_t n = 0;
    snprintf(path, sizeof path, "%s/kiosk.pub", dir);
    FILE *f = fopen(path, "rb");
    sim->kiosk_pub = f ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    char *lk = slurp(dir, "lookup.key", &n);
    int ok = sim->kiosk_pub && lk && n == 32;
    if (ok) {
        memcpy(sim->lookup_key, lk, 32);
        uint8_t d[32];
        SHA256(sim->lookup_key, 32, d);
        for (int i = 0; i < 8; i++)
            snprintf(sim->key_id + 2 * i, 3, "%02x", d[i]);
    }
    free(lk);
    sim->cert_pem = slurp(dir, "server.pem", NULL);
    sim->key_pem = slurp(dir, "server.key", NULL);
    return ok && sim->cert_pem && sim->key_pem ? 0 : -1;
}

int lk_regsim_start(const lk_regsim_opts *o, lk_regsim **out, char *errbuf, size_t errsz)
{
    *out = NULL;
    lk_regsim *sim = calloc(1, sizeof *sim);
    if (!sim)
        return -1;
    pthread_mutex_init(&sim->mu, NULL);
    pthread_cond_init(&sim->prefetch_cv, NULL);
    sim->seed = o->seed, sim->base = o->records, sim->control = o->control, sim->epoch = 1;
    snprintf(sim->kiosk_id, sizeof sim->kiosk_id, "%s", o->kiosk_id ? o->kiosk_id : "kiosk-1");
    if (load_keys(sim, o->pki_dir) != 0) {
        snprintf(errbuf, errsz, "registry-sim: cannot read the PKI in %s", o->pki_dir);
        lk_regsim_stop(sim);
        return -1;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sim->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_TLS, 0, NULL,
        NULL, on_request, sim, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_HTTPS_MEM_KEY, sim->key_pem, MHD_OPTION_HTTPS_MEM_CERT, sim->cert_pem,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, sim, MHD_OPTION_NOTIFY_COMPLETED, on_done, sim,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
    const union MHD_DaemonInfo *info =
        sim->daemon ? MHD_get_daemon_info(sim->daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!info) {
        snprintf(errbuf, errsz, "registry-sim: cannot start the HTTPS server");
        lk_regsim_stop(sim);
        return -1;
    }
    sim->port = info->port;
    sim->prefetch_started = pthread_create(&sim->prefetch, NULL, prefetch_run, sim) == 0;
    *out = sim;
    return 0;
}

int lk_regsim_port(const lk_regsim *sim)
{
    return sim->port;
}

void lk_regsim_stop(lk_regsim *sim)
{
    if (!sim)
        return;
    sim->stopping = 1;
    if (sim->daemon)
        MHD_stop_daemon(sim->daemon);
    if (sim->prefetch_started) {
        pthread_mutex_lock(&sim->mu);
        pthread_cond_signal(&sim->prefetch_cv);
        pthread_mutex_unlock(&sim->mu);
        pthread_join(sim->prefetch, NULL);
    }
    free(sim->ready.p);
    pthread_cond_destroy(&sim->prefetch_cv);
    for (size_t i = 0; i < sim->n_ev; i++)
        free(sim->ev[i].text);
    for (size_t i = 0; i < sim->n_reports; i++)
        free(sim->reports[i].body);
    for (size_t i = 0; i < LK_REGSIM_LOG; i++)
        free(sim->log[i]);
    free(sim->ev), free(sim->idx), free(sim->reports);
    free(sim->cert_pem), free(sim->key_pem);
    EVP_PKEY_free(sim->kiosk_pub);
    pthread_mutex_destroy(&sim->mu);
    free(sim);
}

/* ------------------------------------------------------------------------------------------ */
/* Events and inspection */

static void add_event(lk_regsim *sim, int kind, long index, const char *copy, int copy_no,
                      const char *text)
{
    pthread_mutex_lock(&sim->mu);
    if (sim->n_ev == sim->cap_ev) {
        size_t cap = sim->cap_ev ? sim->cap_ev * 2 : 16;
        sim_event *p = realloc(sim->ev, cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&sim->mu);
            return;
        }
        sim->ev = p, sim->cap_ev = cap;
    }
    sim_event *e = &sim->ev[sim->n_ev++];
    memset(e, 0, sizeof *e);
    e->kind = kind, e->index = index, e->copy_no = copy_no;
    snprintf(e->copy, sizeof e->copy, "%s", copy ? copy : "");
    e->text = text ? strdup(text) : NULL;
    pthread_mutex_unlock(&sim->mu);
}

void lk_regsim_fault(lk_regsim *sim, int kind, int count, long ms, const char *path)
{
    pthread_mutex_lock(&sim->mu);
    sim->fault_kind = kind, sim->fault_count = count, sim->fault_ms = ms;
    snprintf(sim->fault_path, sizeof sim->fault_path, "%s", path ? path : "");
    pthread_mutex_unlock(&sim->mu);
}

void lk_regsim_revoke(lk_regsim *sim, long index, const char *reason)
{
    add_event(sim, SIM_EV_REVOKE, index, NULL, 0, reason ? reason : "revoked");
}

void lk_regsim_reapprove(lk_regsim *sim, long index)
{
    add_event(sim, SIM_EV_REAPPROVE, index, NULL, 0, NULL);
}

long lk_regsim_approve_new(lk_regsim *sim)
{
    pthread_mutex_lock(&sim->mu);
    long index = sim_feed_records(sim);
    pthread_mutex_unlock(&sim->mu);
    add_event(sim, SIM_EV_NEW, index, NULL, 0, NULL);
    return index;
}

void lk_regsim_reprint(lk_regsim *sim, long index, const char *copy, int copy_no, const char *auth)
{
    add_event(sim, SIM_EV_REPRINT, index, copy, copy_no, auth);
}

void lk_regsim_set_qr(lk_regsim *sim, long index, const char *payload)
{
    add_event(sim, SIM_EV_QR, index, NULL, 0, payload);
}

void lk_regsim_expire_cursors(lk_regsim *sim)
{
    pthread_mutex_lock(&sim->mu);
    sim->epoch++;
    pthread_mutex_unlock(&sim->mu);
}

void lk_regsim_get_stats(lk_regsim *sim, lk_regsim_stats *s)
{
    pthread_mutex_lock(&sim->mu);
    *s = sim->stats;
    pthread_mutex_unlock(&sim->mu);
}

char *lk_regsim_report_body(lk_regsim *sim, long i)
{
    pthread_mutex_lock(&sim->mu);
    char *b = i >= 0 && (size_t)i < sim->n_reports ? strdup(sim->reports[i].body) : NULL;
    pthread_mutex_unlock(&sim->mu);
    return b;
}

char *lk_regsim_request_text(lk_regsim *sim, long i)
{
    pthread_mutex_lock(&sim->mu);
    size_t kept = sim->n_log < LK_REGSIM_LOG ? sim->n_log : LK_REGSIM_LOG;
    size_t first = sim->n_log - kept;
    char *t =
        i >= 0 && (size_t)i < kept ? strdup(sim->log[(first + (size_t)i) % LK_REGSIM_LOG]) : NULL;
    pthread_mutex_unlock(&sim->mu);
    return t;
}

void lk_regsim_record_ids(lk_regsim *sim, long index, char uscc[19], char doc_type[16],
                          char doc_number[32])
{
    pthread_mutex_lock(&sim->mu);
    lk_record *rec = sim_feed_record(sim, index);
    pthread_mutex_unlock(&sim->mu);
    snprintf(uscc, 19, "%s", rec ? rec->uscc : "");
    snprintf(doc_type, 16, "%s", rec ? rec->holder.doc_type : "");
    snprintf(doc_number, 32, "%s", rec ? rec->holder.doc_number : "");
    lk_record_free(rec);
}
