/* lk_registry_http: the HTTPS transport of the registry client on libcurl: TLS verified against
 * the configured CA bundle and optionally pinned to the registry's public key, every request
 * signed with the kiosk's Ed25519 key (timestamp + nonce against replay), answers capped in
 * size, and retries with exponential backoff and full jitter that never overrun a deadline. */
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lk_registry_int.h"

#define BACKOFF_BASE_MS 200
#define BACKOFF_CAP_MS  8000

long long lk_reg_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long long ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    reg_resp *r = ctx;
    size_t n = size * nmemb;
    if (r->len + n > r->limit)
        return 0; /* an answer beyond any legitimate page: abort the transfer */
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 65536;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *grown = realloc(r->body, cap);
        if (!grown)
            return 0;
        r->body = grown;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

/* The four X-LK-* headers; see docs/registry-api.md, "Authentication". */
static struct curl_slist *sign(lk_registry *reg, const char *method, const char *target,
                               const char *body, size_t blen)
{
    uint8_t digest[SHA256_DIGEST_LENGTH], nonce_bytes[16], sig[64];
    char body_hex[65], nonce[33], sig_b64[96], line[256];
    SHA256((const unsigned char *)(body ? body : ""), blen, digest);
    hex(digest, sizeof digest, body_hex);
    if (RAND_bytes(nonce_bytes, sizeof nonce_bytes) != 1)
        return NULL;
    hex(nonce_bytes, sizeof nonce_bytes, nonce);
    long long ts = (long long)time(NULL);
    char *msg = lk_registry_sign_string(reg->kiosk_id, method, target, ts, nonce, body_hex);
    size_t siglen = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = msg && md && EVP_DigestSignInit(md, NULL, NULL, NULL, reg->key) == 1 &&
             EVP_DigestSign(md, sig, &siglen, (const unsigned char *)msg, strlen(msg)) == 1;
    EVP_MD_CTX_free(md);
    free(msg);
    if (!ok)
        return NULL;
    EVP_EncodeBlock((unsigned char *)sig_b64, sig, (int)siglen);
    struct curl_slist *h = NULL;
    snprintf(line, sizeof line, "X-LK-Kiosk: %s", reg->kiosk_id);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof line, "X-LK-Timestamp: %lld", ts);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof line, "X-LK-Nonce: %s", nonce);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof line, "X-LK-Signature: %s", sig_b64);
    h = curl_slist_append(h, line);
    h = curl_slist_append(h, "Accept: application/json");
    if (body)
        h = curl_slist_append(h, "Content-Type: application/json");
    return curl_slist_append(h, "Expect:");
}

static void set_tls(lk_registry *reg, CURL *c)
{
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (reg->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, reg->ca_file);
    if (reg->pins)
        curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, reg->pins);
}

static long long retry_after(CURL *c)
{
    struct curl_header *h = NULL;
    if (curl_easy_header(c, "Retry-After", 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h)
        return -1;
    char *end = NULL;
    long long s = strtoll(h->value, &end, 10);
    return end != h->value && s >= 0 && s < 3600 ? s * 1000 : -1;
}

/* One attempt. Returns 0 when an HTTP answer came, else the transport error class. */
static int attempt(lk_registry *reg, const char *method, const char *target, const char *body,
                   size_t blen, long long timeout_ms, reg_resp *r, lk_err *err)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", reg->url, target);
    /* The signature covers the target as the server sees it: with the base URL's own path. */
    const char *base_path = strchr(reg->url + strlen("https://"), '/');
    char signed_target[2048];
    snprintf(signed_target, sizeof signed_target, "%s%s", base_path ? base_path : "", target);
    struct curl_slist *hdr = sign(reg, method, signed_target, body, blen);
    if (!hdr)
        return lk_err_set(err, LK_EBADSIG, "registry: cannot sign the request");
    CURL *c = reg->curl;
    curl_easy_reset(c);
    set_tls(reg, c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->error);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)blen);
    }
    r->error[0] = '\0';
    CURLcode cc = curl_easy_perform(c);
    curl_slist_free_all(hdr);
    if (cc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
        r->retry_after_ms = retry_after(c);
        return 0;
    }
    const char *why = r->error[0] ? r->error : curl_easy_strerror(cc);
    switch (cc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return lk_err_set_native(err, LK_EBADSIG, LK_ERR_DOMAIN_NONE, cc,
                                 "registry: server identity not verified: %s", why);
    case CURLE_OPERATION_TIMEDOUT:
        return lk_err_set_native(err, LK_ETIMEDOUT, LK_ERR_DOMAIN_NONE, cc,
                                 "registry: timed out: %s", why);
    default:
        return lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_NONE, cc, "registry: %s", why);
    }
}

static uint32_t strong_rand(void *ctx)
{
    (void)ctx;
    uint32_t rnd = 0;
    if (RAND_bytes((unsigned char *)&rnd, sizeof rnd) != 1)
        rnd = (uint32_t)lk_reg_now_ms();
    return rnd;
}

/* Full jitter: a random wait in [0, min(cap, base * 2^n)], so kiosks that lost the registry
 * together do not come back in lockstep; Retry-After, when sent, is a floor. */
long long lk_registry_backoff_ms(int attempt, long long base_ms, long long cap_ms,
                                 long long floor_ms, lk_registry_rand_fn rnd, void *rnd_ctx)
{
    long long ceiling = base_ms > 0 ? base_ms : 0;
    for (int i = 0; i < attempt && ceiling < cap_ms; i++)
        ceiling *= 2;
    if (ceiling > cap_ms)
        ceiling = cap_ms;
    if (ceiling < 0)
        ceiling = 0;
    uint32_t r = rnd ? rnd(rnd_ctx) : strong_rand(NULL);
    long long wait = (long long)(r % ((uint64_t)ceiling + 1));
    return wait < floor_ms ? floor_ms : wait;
}

/* libcurl silently re-sends a request once when a reused connection turns out dead; if the
 * server had read it before the connection died, the copy carries a nonce already seen. A
 * fresh signature (next attempt) is the cure. */
static int replayed(const reg_resp *r)
{
    char code[32], msg[8];
    if (r->status != 401)
        return 0;
    lk_registry_parse_error(r->body, r->len, code, sizeof code, msg, sizeof msg);
    return strcmp(code, "nonce_replayed") == 0;
}

static void resp_reset(reg_resp *r)
{
    r->len = 0;
    if (r->body)
        r->body[0] = '\0';
    r->status = 0;
    r->retry_after_ms = -1;
}

/* An answer worth trying again: 5xx, 429, a replayed nonce (sign afresh), or a 200 whose body
 * the caller's check refused as broken (truncated, not parseable). *rc gets the check's code. */
static int retryable_answer(reg_resp *r, int *rc, lk_err *err)
{
    if (r->status >= 500 || r->status == 429 || replayed(r))
        return 1;
    if (r->status != 200 || !r->check)
        return 0;
    *rc = r->check(r->check_ctx, r, err);
    return *rc == LK_EPROTO;
}

int lk_reg_http(lk_registry *reg, const char *method, const char *target, const char *body,
                size_t blen, long long deadline_ms, reg_resp *r, long *retries, lk_err *err)
{
    if (!r->limit)
        r->limit = LK_REGISTRY_BODY_MAX;
    for (int n = 0;; n++) {
        long long timeout = reg->timeout_ms;
        if (deadline_ms) {
            long long left = deadline_ms - lk_reg_now_ms();
            if (left <= 0)
                return lk_err_set(err, LK_ETIMEDOUT, "registry: no answer within the budget");
            if (left < timeout)
                timeout = left;
        }
        resp_reset(r);
        int rc = attempt(reg, method, target, body, blen, timeout, r, err);
        int transient =
            rc == LK_EIO || rc == LK_ETIMEDOUT || (rc == 0 && retryable_answer(r, &rc, err));
        if (!transient || n >= reg->retries)
            return rc;
        long long wait = lk_registry_backoff_ms(n, BACKOFF_BASE_MS, BACKOFF_CAP_MS,
                                                r->status ? r->retry_after_ms : -1, NULL, NULL);
        if (deadline_ms && lk_reg_now_ms() + wait >= deadline_ms)
            return rc; /* no time for another try: the caller gets this answer */
        if (retries)
            (*retries)++;
        sleep_ms(wait);
    }
}

void lk_reg_resp_free(reg_resp *r)
{
    free(r->body);
    memset(r, 0, sizeof *r);
}

int lk_reg_http_error(const reg_resp *r, const char *what, lk_err *err)
{
    char code[48], msg[120];
    lk_registry_parse_error(r->body, r->len, code, sizeof code, msg, sizeof msg);
    int lk = r->status == 401                       ? LK_EBADSIG
             : r->status >= 500 || r->status == 429 ? LK_EIO
                                                    : LK_EPROTO;
    return lk_err_set_native(err, lk, LK_ERR_DOMAIN_NONE, r->status, "%s: HTTP %ld %s%s%s", what,
                             r->status, code[0] ? code : "(no error code)", msg[0] ? ": " : "",
                             msg);
}
