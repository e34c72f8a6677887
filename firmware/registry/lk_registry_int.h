/* lk_registry_int: what the registry client's files share and nothing else may see: the handle,
 * the HTTPS transport (lk_registry_http.c) and the store side of sync (lk_registry_store.c). */
#ifndef LK_FIRMWARE_REGISTRY_LK_REGISTRY_INT_H
#define LK_FIRMWARE_REGISTRY_LK_REGISTRY_INT_H

#include <curl/curl.h>
#include <openssl/evp.h>

#include "kiosk/lk_registry.h"
#include "kiosk/lk_registry_proto.h"

struct lk_registry {
    CURL *curl; /* one easy handle, so the TLS session and connection are reused */
    char *url;  /* without a trailing slash */
    char *ca_file;
    char *pins; /* "sha256//A;sha256//B" as libcurl wants it, or NULL */
    char *kiosk_id;
    EVP_PKEY *key; /* Ed25519 */
    uint8_t lookup_key[LK_REGISTRY_LOOKUP_KEY_LEN];
    char key_id[17]; /* first 16 hex digits of SHA-256(lookup key) */
    long long budget_ms, timeout_ms;
    int retries, page_size, today;
    char actor[64];
    char *page_buf; /* kept between feed pages: a page is megabytes, allocate it once */
    size_t page_cap;
};

typedef struct reg_resp reg_resp;
/* Checks a 200 answer's body (e.g. parses it): 0 accepts it, LK_EPROTO means it arrived broken
 * and is fetched again like a 5xx, anything else ends the call with that code. */
typedef int (*reg_check_fn)(void *ctx, const reg_resp *r, lk_err *err);

struct reg_resp {
    long status; /* HTTP status, 0 when no answer came */
    char *body;  /* NUL-terminated */
    size_t len, cap, limit;
    long long retry_after_ms; /* from Retry-After, -1 when absent */
    char error[CURL_ERROR_SIZE];
    reg_check_fn check; /* may be NULL: every 200 is accepted */
    void *check_ctx;
};

/* Milliseconds on the monotonic clock. */
long long lk_reg_now_ms(void);

/* One request with retries (exponential backoff, full jitter; lk_registry_backoff_ms) until an
 * answer that is not 5xx/429/nonce_replayed and that resp->check accepts comes, the retries
 * run out (at most registry.retries + 1 tries in all), or `deadline_ms` (monotonic; 0 none)
 * would pass. Returns 0 with resp->status set when an answer came (any status; 5xx/429 only
 * after the last try), the check's code when the last 200 did not pass it, LK_ETIMEDOUT /
 * LK_EIO for transport failures, LK_EBADSIG when the server's identity did not verify (wrong
 * CA, pin mismatch; never retried). *retries counts repeats. */
int lk_reg_http(lk_registry *reg, const char *method, const char *target, const char *body,
                size_t blen, long long deadline_ms, reg_resp *resp, long *retries, lk_err *err);
void lk_reg_resp_free(reg_resp *resp);

/* Turns a non-2xx answer into an error: LK_EPROTO with the registry's own code in the
 * message, LK_EBADSIG for 401, LK_EIO for 5xx. */
int lk_reg_http_error(const reg_resp *resp, const char *what, lk_err *err);

/* Store side. */
int lk_reg_cursor_get(lk_store *st, char cursor[LK_REGISTRY_CURSOR_MAX + 1], lk_err *err);
int lk_reg_cursor_reset(lk_store *st, lk_err *err);
/* Applies a parsed page (feed or lookup) in one transaction; with `cursor` non-NULL the new
 * cursor is stored in the same transaction. */
int lk_reg_apply_page(lk_store *st, const lk_registry_page *page, const char *cursor,
                      const char *actor, lk_registry_sync_stats *stats, lk_err *err);

typedef struct reg_report {
    long long id;
    char key[LK_REGISTRY_IDEM_KEY_LEN + 1];
    char *json; /* the request body */
} reg_report;
/* The oldest pending report, 0 with r filled, LK_ENOENT when none. */
int lk_reg_report_next(lk_store *st, long long after_id, reg_report *r, lk_err *err);
int lk_reg_report_mark(lk_store *st, long long id, const char *state, const char *error,
                       lk_err *err);

#endif
