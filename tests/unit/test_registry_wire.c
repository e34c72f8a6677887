/* test_registry_wire: what the registry client puts on the wire and how it paces it, against
 * the real reference server (registry-sim in-process over TLS): request signatures the registry
 * must refuse (another key, a body changed after signing, an old timestamp, a replayed nonce)
 * and the client's re-signing after nonce_replayed; backoff with jitter and Retry-After; one
 * bounded retry loop for pages that do not parse; the background worker's own period; a print
 * through the journal reported once with its stock serial; and the lookup hash, never the
 * number, in every request of a session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "kiosk/lk_journal.h"
#include "kiosk/lk_registry.h"
#include "kiosk/lk_registry_proto.h"
#include "kiosk/lk_stock.h"
#include "lk_testreg.h"

typedef lk_test_rig rig;

static long long q(lk_store *st, const char *sql, const char *arg)
{
    return lk_test_scalar(st, sql, arg);
}

static lk_regsim_stats sim_stats(rig *r)
{
    lk_regsim_stats s;
    lk_regsim_get_stats(r->sim, &s);
    return s;
}

static void hexify(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* ------------------------------------------------------------------------------------------ */
/* Backoff */

static uint32_t fixed_rand(void *ctx)
{
    return *(const uint32_t *)ctx;
}

static void test_backoff_growth_cap_and_floor(void **state)
{
    (void)state;
    uint32_t top = UINT32_MAX, zero = 0;
    /* The ceiling doubles from the base and stops at the cap, however many attempts. */
    long long want[] = {200, 400, 800, 1600, 3200, 6400, 8000, 8000};
    for (int n = 0; n < 8; n++) {
        long long ceiling = lk_registry_backoff_ms(n, 200, 8000, -1, NULL, NULL);
        assert_true(ceiling >= 0 && ceiling <= want[n]);
        /* The largest draw reaches at most the ceiling: UINT32_MAX % (c + 1) <= c. */
        assert_true(lk_registry_backoff_ms(n, 200, 8000, -1, fixed_rand, &top) <= want[n]);
    }
    assert_true(lk_registry_backoff_ms(60, 200, 8000, -1, fixed_rand, &top) <= 8000);
    assert_int_equal(lk_registry_backoff_ms(1000, 200, 8000, -1, fixed_rand, &zero), 0);
    /* A draw is the random value modulo (ceiling + 1): 1000 % 201, 1000 % 401, 1000 itself. */
    uint32_t v = 1000;
    assert_int_equal(lk_registry_backoff_ms(0, 200, 8000, -1, fixed_rand, &v), 1000 % 201);
    assert_int_equal(lk_registry_backoff_ms(1, 200, 8000, -1, fixed_rand, &v), 1000 % 401);
    assert_int_equal(lk_registry_backoff_ms(3, 200, 8000, -1, fixed_rand, &v), 1000);
    /* Retry-After is a floor, even above the cap. */
    assert_int_equal(lk_registry_backoff_ms(0, 200, 8000, 1500, fixed_rand, &zero), 1500);
    assert_int_equal(lk_registry_backoff_ms(0, 200, 8000, 20000, fixed_rand, &top), 20000);
    assert_int_equal(lk_registry_backoff_ms(6, 200, 8000, 100, fixed_rand, &v), 1000);
}

/* The client's own random source: every wait inside [0, ceiling], and they differ (full
 * jitter: kiosks that lost the registry together do not come back together). */
static void test_backoff_jitter_varies(void **state)
{
    (void)state;
    long long seen[200];
    int distinct = 0;
    long long lo = 1 << 30, hi = -1;
    for (int i = 0; i < 200; i++) {
        long long w = lk_registry_backoff_ms(4, 200, 8000, -1, NULL, NULL);
        assert_true(w >= 0 && w <= 3200);
        int dup = 0;
        for (int j = 0; j < i; j++)
            dup |= seen[j] == w;
        distinct += !dup;
        seen[i] = w;
        lo = w < lo ? w : lo, hi = w > hi ? w : hi;
    }
    assert_true(distinct > 100);
    assert_true(lo < 800 && hi > 2400); /* spread over the range, not clustered */
}

static int sync_rc(rig *r, lk_registry_sync_stats *s, lk_err *err)
{
    return lk_registry_sync(r->reg, r->fx->st, 0, s, err);
}

/* Retry-After is waited (sync: no budget), and never beyond a session's budget. */
static void test_retry_after_honoured(void **state)
{
    rig *r = lk_test_rig_new(state, 10);
    lk_registry_sync_stats s;
    lk_err err = {0};
    lk_regsim_fault(r->sim, LK_REGSIM_FAULT_5XX, 1, 2000, "/v1/changes"); /* Retry-After: 2 */
    long long t0 = lk_test_now_ms();
    if (sync_rc(r, &s, &err) != 0)
        fail_msg("sync: %s", err.msg);
    long long took = lk_test_now_ms() - t0;
    assert_int_equal(s.retries, 1);
    assert_int_equal(s.upserts, 10);
    assert_true(took >= 1900);

    char uscc[19], type[16], number[32];
    lk_regsim_record_ids(r->sim, 2, uscc, type, number);
    lk_test_rig_set(r->fx->st, "registry.budget_ms", "500");
    lk_test_rig_reopen(r);
    long before = sim_stats(r).requests;
    lk_regsim_fault(r->sim, LK_REGSIM_FAULT_5XX, 5, 5000, "/v1/lookup"); /* Retry-After: 5 */
    lk_registry_lookup_info info;
    t0 = lk_test_now_ms();
    lk_registry_lookup(r->reg, r->fx->st, type, number, NULL, NULL, &info, &err);
    took = lk_test_now_ms() - t0;
    assert_false(info.live);
    assert_true(took < 3000);
    /* A wait past the budget is not waited: one try, then the local copy. */
    assert_int_equal(sim_stats(r).requests - before, 1);
    lk_test_rig_free(r);
}

/* A page that does not parse is fetched again in the one retry loop, registry.retries times,
 * never more: (retries + 1) requests in all. */
static void test_truncated_page_attempts(void **state)
{
    rig *r = lk_test_rig_new(state, 30);
    lk_registry_sync_stats s;
    lk_err err = {0};
    lk_test_rig_set(r->fx->st, "registry.retries", "2");
    lk_test_rig_reopen(r);
    lk_regsim_fault(r->sim, LK_REGSIM_FAULT_TRUNCATE, 100, 0, "/v1/changes");
    long before = sim_stats(r).requests;
    assert_int_equal(sync_rc(r, &s, &err), LK_EPROTO);
    assert_int_equal(sim_stats(r).requests - before, 3);
    assert_int_equal(s.retries, 2);
    assert_int_equal(q(r->fx->st, "SELECT count(*) FROM licenses", NULL), 0);

    lk_test_rig_set(r->fx->st, "registry.retries", "0");
    lk_test_rig_reopen(r);
    before = sim_stats(r).requests;
    assert_int_equal(sync_rc(r, &s, &err), LK_EPROTO);
    assert_int_equal(sim_stats(r).requests - before, 1);

    /* One broken page, then a good one: applied, with one retry counted. */
    lk_test_rig_set(r->fx->st, "registry.retries", "3");
    lk_test_rig_reopen(r);
    lk_regsim_fault(r->sim, LK_REGSIM_FAULT_TRUNCATE, 1, 0, "/v1/changes");
    before = sim_stats(r).requests;
    if (sync_rc(r, &s, &err) != 0)
        fail_msg("sync: %s", err.msg);
    assert_int_equal(s.retries, 1);
    assert_int_equal(s.upserts, 30);
    assert_int_equal(sim_stats(r).requests - before, 2);
    lk_test_rig_free(r);
}

/* ------------------------------------------------------------------------------------------ */
/* Signatures */

static void write_other_key(rig *r, const char *name)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(k);
    char path[256];
    snprintf(path, sizeof path, "%s/%s", r->fx->dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
    fclose(f);
    chmod(path, 0600);
    EVP_PKEY_free(k);
}

/* The kiosk id is one the registry knows; the key is not its key. */
static void test_signature_wrong_key(void **state)
{
    rig *r = lk_test_rig_new(state, 3);
    write_other_key(r, "other.key");
    lk_test_rig_set_file(r, "registry.key_file", "other.key");
    lk_test_rig_reopen(r);
    lk_registry_sync_stats s;
    lk_err err = {0};
    assert_int_equal(sync_rc(r, &s, &err), LK_EBADSIG);
    assert_non_null(strstr(err.msg, "401"));
    assert_non_null(strstr(err.msg, "signature does not verify"));
    lk_regsim_stats st = sim_stats(r);
    assert_int_equal(st.rejected_auth, 1); /* a final 401: not tried again */
    assert_int_equal(st.requests, 0);
    assert_int_equal(q(r->fx->st, "SELECT count(*) FROM licenses", NULL), 0);
    /* The kiosk's own key works with the same id. */
    lk_test_rig_set_file(r, "registry.key_file", "kiosk.key");
    lk_test_rig_reopen(r);
    assert_int_equal(sync_rc(r, &s, &err), 0);
    lk_test_rig_free(r);
}

typedef struct raw_answer {
    long status;
    char code[48], msg[120];
    char *body;
    size_t len;
} raw_answer;

static size_t raw_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    raw_answer *a = ctx;
    size_t n = size * nmemb;
    char *p = realloc(a->body, a->len + n + 1);
    if (!p)
        return 0;
    memcpy(p + a->len, data, n);
    a->body = p, a->len += n;
    a->body[a->len] = '\0';
    return n;
}

/* A request built by hand, the way docs/registry-api.md says: signed over `signed_body` with
 * the kiosk's key at time ts with nonce, but sending `sent_body`. */
static void raw_post(rig *r, const char *target, const char *signed_body, const char *sent_body,
                     long long ts, const char *nonce, raw_answer *a)
{
    char path[256], url[128], hexd[65], sig_b64[96], line[256];
    uint8_t d[32], sig[64];
    snprintf(path, sizeof path, "%s/kiosk.key", r->fx->dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(key);
    SHA256((const unsigned char *)signed_body, strlen(signed_body), d);
    hexify(d, 32, hexd);
    char *msg = lk_registry_sign_string("kiosk-1", "POST", target, ts, nonce, hexd);
    assert_non_null(msg);
    size_t siglen = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(md, NULL, NULL, NULL, key), 1);
    assert_int_equal(EVP_DigestSign(md, sig, &siglen, (const unsigned char *)msg, strlen(msg)), 1);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    free(msg);
    EVP_EncodeBlock((unsigned char *)sig_b64, sig, (int)siglen);

    struct curl_slist *h = NULL;
    snprintf(line, sizeof line, "X-LK-Kiosk: kiosk-1");
    h = curl_slist_append(h, line);
    snprintf(line, sizeof line, "X-LK-Timestamp: %lld", ts);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof line, "X-LK-Nonce: %s", nonce);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof line, "X-LK-Signature: %s", sig_b64);
    h = curl_slist_append(h, line);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    CURL *c = curl_easy_init();
    assert_non_null(c);
    snprintf(url, sizeof url, "https://127.0.0.1:%d%s", lk_regsim_port(r->sim), target);
    snprintf(path, sizeof path, "%s/ca.pem", r->fx->dir);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CAINFO, path);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, sent_body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, raw_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
    memset(a, 0, sizeof *a);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    lk_registry_parse_error(a->body, a->len, a->code, sizeof a->code, a->msg, sizeof a->msg);
}

static void fresh_nonce(char out[33])
{
    uint8_t b[16];
    assert_int_equal(RAND_bytes(b, sizeof b), 1);
    hexify(b, sizeof b, out);
}

/* A lookup body as the kiosk would send it (the hash of nothing real: any 64 hex digits). */
static void lookup_json(rig *r, char fill, char *out, size_t n)
{
    char h[65];
    memset(h, fill, 64);
    h[64] = '\0';
    char key_path[256];
    uint8_t k[32], d[32];
    snprintf(key_path, sizeof key_path, "%s/lookup.key", r->fx->dir);
    FILE *f = fopen(key_path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(k, 1, 32, f), 32);
    fclose(f);
    SHA256(k, 32, d);
    char id[17];
    hexify(d, 8, id);
    snprintf(out, n, "{\"doc_type\":\"resident_id\",\"lookup_hash\":\"%s\",\"key_id\":\"%s\"}", h,
             id);
}

static void test_signature_refusals(void **state)
{
    rig *r = lk_test_rig_new(state, 3);
    char body[256], other[256], nonce[33];
    lookup_json(r, 'a', body, sizeof body);
    lookup_json(r, 'b', other, sizeof other);
    long long now = (long long)time(NULL);
    raw_answer a;

    /* The hand-built request is right: the registry answers it. */
    fresh_nonce(nonce);
    raw_post(r, "/v1/lookup", body, body, now, nonce, &a);
    assert_int_equal(a.status, 200);
    free(a.body);
    /* The very same request again (a captured one replayed): refused. */
    raw_post(r, "/v1/lookup", body, body, now, nonce, &a);
    assert_int_equal(a.status, 401);
    assert_string_equal(a.code, "nonce_replayed");
    free(a.body);
    /* The body changed after signing (another lookup hash under the same signature). */
    fresh_nonce(nonce);
    raw_post(r, "/v1/lookup", body, other, now, nonce, &a);
    assert_int_equal(a.status, 401);
    assert_string_equal(a.code, "unauthenticated");
    assert_non_null(strstr(a.msg, "signature does not verify"));
    free(a.body);
    /* Signed 10 minutes ago (outside the 300 s window), and 10 minutes ahead. */
    fresh_nonce(nonce);
    raw_post(r, "/v1/lookup", body, body, now - 600, nonce, &a);
    assert_int_equal(a.status, 401);
    assert_string_equal(a.code, "unauthenticated");
    assert_non_null(strstr(a.msg, "timestamp"));
    free(a.body);
    fresh_nonce(nonce);
    raw_post(r, "/v1/lookup", body, body, now + 600, nonce, &a);
    assert_int_equal(a.status, 401);
    assert_non_null(strstr(a.msg, "timestamp"));
    free(a.body);
    lk_regsim_stats st = sim_stats(r);
    assert_int_equal(st.rejected_auth, 4);
    assert_int_equal(st.lookups, 1); /* only the authentic request got an answer */
    lk_test_rig_free(r);
}

/* The registry says nonce_replayed (libcurl re-sent a request on a dead connection): the
 * client signs afresh and tries again. The simulator consumed the first nonce, so a retry
 * that re-sent the old signature would be refused again. Bounded by registry.retries. */
static void test_nonce_replayed_resigned(void **state)
{
    rig *r = lk_test_rig_new(state, 8);
    lk_registry_sync_stats s;
    lk_err err = {0};
    lk_regsim_fault(r->sim, LK_REGSIM_FAULT_REPLAYED, 1, 0, "/v1/changes");
    if (sync_rc(r, &s, &err) != 0)
        fail_msg("sync: %s", err.msg);
    assert_int_equal(s.retries, 1);
    assert_int_equal(s.upserts, 8);
    assert_int_equal(sim_stats(r).rejected_auth, 0);

    /* In a session too, within the budget. */
    char uscc[19], type[16], number[32];
    lk_regsim_record_ids(r->sim, 1, uscc, type, number);
    lk_regsim_fault(r->sim, LK_REGSIM_FAULT_REPLAYED, 1, 0, "/v1/lookup");
    lk_registry_lookup_info info;
    lk_registry_lookup(r->reg, r->fx->st, type, number, NULL, NULL, &info, &err);
    assert_true(info.live);

    /* Always replayed: given up after registry.retries, with the registry's reason. */
    lk_test_rig_set(r->fx->st, "registry.retries", "1");
    lk_test_rig_reopen(r);
    lk_regsim_fault(r->sim, LK_REGSIM_FAULT_REPLAYED, 100, 0, "/v1/changes");
    long before = sim_stats(r).requests;
    assert_int_equal(sync_rc(r, &s, &err), LK_EBADSIG);
    assert_non_null(strstr(err.msg, "nonce_replayed"));
    assert_int_equal(sim_stats(r).requests - before, 2);
    lk_test_rig_free(r);
}

/* ------------------------------------------------------------------------------------------ */
/* Background worker */

static long rounds_after(lk_registry_worker *w, long want, int max_ms)
{
    long rounds = 0;
    long long end = lk_test_now_ms() + max_ms;
    while (rounds < want && lk_test_now_ms() < end) {
        struct pollfd p = {.fd = lk_registry_worker_fd(w), .events = POLLIN};
        poll(&p, 1, 50);
        lk_registry_worker_result(w, NULL, &rounds, NULL);
    }
    return rounds;
}

static void test_worker_period(void **state)
{
    rig *r = lk_test_rig_new(state, 5);
    lk_registry_worker *w = NULL;
    lk_err err = {0};
    /* Every 300 ms, never kicked: the round at start and at least two more by the clock. */
    assert_int_equal(lk_registry_worker_start_every(r->fx->db, NULL, "worker", 300, &w, &err), 0);
    assert_true(rounds_after(w, 3, 20000) >= 3);
    assert_true(sim_stats(r).requests >= 3); /* each round asked the registry */
    assert_int_equal(lk_registry_worker_result(w, NULL, NULL, &err), 0);
    long long t0 = lk_test_now_ms();
    lk_registry_worker_stop(w);
    assert_true(lk_test_now_ms() - t0 < 2000);

    /* The configured period (minutes): one round at start, then nothing for a while; and a
     * stop in the middle of the wait is prompt. */
    lk_test_rig_set(r->fx->st, "registry.sync_interval_min", "1");
    assert_int_equal(lk_registry_worker_start(r->fx->db, NULL, "worker", &w, &err), 0);
    assert_true(rounds_after(w, 1, 20000) >= 1);
    long at = sim_stats(r).requests;
    assert_int_equal(rounds_after(w, 2, 1500), 1);
    assert_int_equal(sim_stats(r).requests, at);
    t0 = lk_test_now_ms();
    lk_registry_worker_stop(w);
    assert_true(lk_test_now_ms() - t0 < 2000);
    lk_test_rig_free(r);
}

/* ------------------------------------------------------------------------------------------ */
/* A session on the wire: lookup, print, report */

static int contains(const char *hay, const char *needle)
{
    return needle[0] && strstr(hay, needle) != NULL;
}

/* The lookup hash as docs/registry-api.md defines it, computed here with OpenSSL's HMAC. */
static void expected_hash(const uint8_t key[32], const char *type, const char *number, char *hex)
{
    char msg[128], up[32];
    size_t n = 0;
    for (const char *c = number; *c && n + 1 < sizeof up; c++)
        if (*c != ' ')
            up[n++] = (*c >= 'a' && *c <= 'z') ? (char)(*c - 32) : *c;
    up[n] = '\0';
    snprintf(msg, sizeof msg, "lk-registry-lookup-v1:%s:%s", type, up);
    uint8_t out[32];
    unsigned len = 0;
    assert_non_null(
        HMAC(EVP_sha256(), key, 32, (const unsigned char *)msg, strlen(msg), out, &len));
    hexify(out, 32, hex);
}

/* The fixed vector of docs/registry-api.md ("Test vector"). */
static void test_lookup_hash_vector(void **state)
{
    (void)state;
    uint8_t key[32], h[32];
    char hex[65], mine[65];
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)i;
    assert_int_equal(lk_registry_lookup_hash(key, "resident_id", " 11010519491231002x ", h), 0);
    hexify(h, 32, hex);
    assert_string_equal(hex, "5a06acc85c0b7b2dbe094d4041a8a38354cc13907fb3389dc7efbc54d9e1326c");
    expected_hash(key, "resident_id", "11010519491231002X", mine);
    assert_string_equal(hex, mine);
    /* Another document type is another hash. */
    assert_int_equal(lk_registry_lookup_hash(key, "passport", "11010519491231002X", h), 0);
    hexify(h, 32, hex);
    assert_string_not_equal(hex, mine);
}

static void read_lookup_key(rig *r, uint8_t key[32])
{
    char path[256];
    snprintf(path, sizeof path, "%s/lookup.key", r->fx->dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(key, 1, 32, f), 32);
    fclose(f);
}

static void iso_utc(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void print_copy(lk_store *st, const char *uscc, lk_journal_row *out)
{
    lk_err err = {0};
    lk_journal_req q = {uscc, "original", 1, 1, "kiosk", 60, "test"};
    lk_journal_row row;
    if (lk_journal_reserve(st, &q, &row, &err) != 0)
        fail_msg("reserve: %s", err.msg);
    assert_int_equal(lk_journal_submitted(st, row.id, 41, "test", &err), 0);
    assert_int_equal(lk_journal_finish(st, row.id, LK_PRINT_COMPLETED, "", "test", out, &err), 0);
    assert_string_equal(out->state, "completed");
}

static void test_session_on_the_wire(void **state)
{
    rig *r = lk_test_rig_new(state, 20);
    char uscc[19], type[16], number[32];
    lk_regsim_record_ids(r->sim, 6, uscc, type, number);
    lk_regsim_reapprove(r->sim, 6);
    lk_registry_sync_stats s;
    lk_err err = {0};
    if (sync_rc(r, &s, &err) != 0)
        fail_msg("sync: %s", err.msg);
    lk_store *st = r->fx->st;
    lk_journal_set_hooks(st, lk_registry_journal_hooks());
    assert_int_equal(
        lk_stock_load(st, "a4", LK_STOCK_A4, "SA0001", "SA0009", 0, "tech", NULL, &err), 0);
    assert_int_equal(
        lk_stock_load(st, "a3", LK_STOCK_A3, "SB0001", "SB0009", 0, "tech", NULL, &err), 0);

    /* The session: a live lookup, the copy printed on serial stock, the report delivered. */
    lk_registry_lookup_info info;
    assert_true(lk_registry_lookup(r->reg, st, type, number, NULL, NULL, &info, &err) > 0);
    assert_true(info.live);
    lk_journal_row row;
    print_copy(st, uscc, &row);
    assert_true(row.stock_serial[0] != '\0');
    if (sync_rc(r, &s, &err) != 0)
        fail_msg("sync: %s", err.msg);
    assert_int_equal(s.reports_sent, 1);
    assert_int_equal(s.reports_pending, 0);

    /* Exactly one report at the registry, saying which license, which copy, when, which sheet. */
    lk_regsim_stats st0 = sim_stats(r);
    assert_int_equal(st0.reports, 1);
    char *body = lk_regsim_report_body(r->sim, 0);
    assert_non_null(body);
    assert_null(lk_regsim_report_body(r->sim, 1));
    cJSON *rep = cJSON_Parse(body);
    assert_non_null(rep);
    char when[32];
    iso_utc(row.updated_at, when);
    assert_string_equal(str_of(rep, "uscc"), uscc);
    assert_string_equal(str_of(rep, "copy"), "original");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(rep, "copy_no")->valueint, 1);
    assert_string_equal(str_of(rep, "printed_at"), when);
    assert_string_equal(str_of(rep, "stock_serial"), row.stock_serial);
    assert_int_equal(strlen(str_of(rep, "idempotency_key")), LK_REGISTRY_IDEM_KEY_LEN);
    cJSON_Delete(rep);
    free(body);

    /* A second delivery attempt of the same print (the acknowledgement lost before the kiosk
     * recorded it) is a duplicate at the registry, not a second report. */
    assert_int_equal(sqlite3_exec(lk_store_db(st), "UPDATE registry_reports SET state = 'pending'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    memset(&s, 0, sizeof s);
    assert_int_equal(lk_registry_report_flush(r->reg, st, &s, &err), 0);
    assert_int_equal(s.reports_sent, 0);
    assert_int_equal(s.reports_duplicate, 1);
    lk_regsim_stats st1 = sim_stats(r);
    assert_int_equal(st1.reports, 1);
    assert_int_equal(st1.report_posts, st0.report_posts + 1);
    assert_null(lk_regsim_report_body(r->sim, 1));

    /* Everything the kiosk sent in all this: never the number (as given or upper-cased), and
     * the lookup carried the documented hash. */
    uint8_t key[32];
    char hash[65], upper[32];
    read_lookup_key(r, key);
    expected_hash(key, type, number, hash);
    snprintf(upper, sizeof upper, "%s", number);
    for (char *c = upper; *c; c++)
        *c = (*c >= 'a' && *c <= 'z') ? (char)(*c - 32) : *c;
    int lookups = 0;
    long n = 0;
    for (char *t = NULL; (t = lk_regsim_request_text(r->sim, n)) != NULL; n++) {
        if (contains(t, number) || contains(t, upper))
            fail_msg("request %ld carries the document number", n);
        if (strncmp(t, "POST /v1/lookup\n", 16) == 0) {
            lookups++;
            assert_true(contains(t, hash));
        }
        free(t);
    }
    assert_true(n >= 4); /* two syncs' pages, the lookup, two report posts */
    assert_int_equal(lookups, 1);
    lk_test_rig_free(r);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_growth_cap_and_floor),
        cmocka_unit_test(test_backoff_jitter_varies),
        cmocka_unit_test(test_lookup_hash_vector),
        cmocka_unit_test_setup_teardown(test_retry_after_honoured, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_page_attempts, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_signature_wrong_key, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_signature_refusals, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_nonce_replayed_resigned, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_worker_period, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_session_on_the_wire, lk_test_setup_open,
                                        lk_test_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
