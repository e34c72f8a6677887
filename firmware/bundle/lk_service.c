/* lk_service: service-card tokens, PIN hashing and the diagnostics lockout. The token parser
 * reads bytes from an NFC card, i.e. from anyone: it checks every length before using it and
 * accepts exactly one layout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_service.h"

#define MAGIC    "LKSC"
#define VERSION  1
#define SALT_LEN 16
#define HASH_LEN 32

static void put_be64(uint8_t *p, int64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
}

static int64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return (int64_t)v;
}

static int valid_tech(const char *s, size_t n)
{
    if (n < 1 || n > LK_SERVICE_TECH_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(c == '.' || c == '_' || c == '-' || (c >= '0' && c <= '9') ||
              (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return 0;
    }
    return 1;
}

int lk_service_token_make(const lk_sign_key *admin, const char *tech_id, int64_t issued,
                          int64_t expires, uint8_t *out, size_t cap, lk_err *err)
{
    size_t n = strlen(tech_id);
    if (!valid_tech(tech_id, n))
        return lk_err_set(err, LK_EINVAL, "technician id: 1..%d of [A-Za-z0-9._-]",
                          LK_SERVICE_TECH_MAX);
    if (expires <= issued || issued < 0)
        return lk_err_set(err, LK_EINVAL, "expiry must come after issue");
    if (cap < LK_SERVICE_TOKEN_MAX)
        return lk_err_set(err, LK_EINVAL, "token buffer too small");
    memcpy(out, MAGIC, 4);
    out[4] = VERSION;
    out[5] = (uint8_t)n;
    memcpy(out + 6, tech_id, n);
    put_be64(out + 6 + n, issued);
    put_be64(out + 14 + n, expires);
    int rc = lk_sign_sign(admin, LK_SIGN_CTX_SERVICE, out, 22 + n, out + 22 + n, err);
    return rc == 0 ? (int)(22 + n + LK_SIGN_LEN) : rc;
}

int lk_service_token_parse(const uint8_t *buf, size_t len, lk_service_card *card, lk_err *err)
{
    memset(card, 0, sizeof *card);
    if (len < 6 || memcmp(buf, MAGIC, 4) != 0)
        return lk_err_set(err, LK_EINVAL, "not a service card token");
    if (buf[4] != VERSION)
        return lk_err_set(err, LK_EINVAL, "service card token version %u, expected %d", buf[4],
                          VERSION);
    size_t n = buf[5];
    if (len != 22 + n + LK_SIGN_LEN)
        return lk_err_set(err, LK_EINVAL, "service card token of %zu bytes, expected %zu", len,
                          22 + n + LK_SIGN_LEN);
    if (!valid_tech((const char *)buf + 6, n))
        return lk_err_set(err, LK_EINVAL, "service card: bad technician id");
    memcpy(card->tech_id, buf + 6, n);
    card->issued = get_be64(buf + 6 + n);
    card->expires = get_be64(buf + 14 + n);
    if (card->issued < 0 || card->expires <= card->issued)
        return lk_err_set(err, LK_EINVAL, "service card: expiry before issue");
    return 0;
}

/* A kiosk clock a few minutes behind the admin's must not refuse a card made just now. */
#define CLOCK_SKEW_S 300

int lk_service_token_verify(const lk_sign_key *admin, const uint8_t *buf, size_t len, int64_t now,
                            lk_service_card *card, lk_err *err)
{
    int rc = lk_service_token_parse(buf, len, card, err);
    if (rc != 0)
        return rc;
    size_t body = len - LK_SIGN_LEN;
    if (lk_sign_verify(admin, LK_SIGN_CTX_SERVICE, buf, body, buf + body, LK_SIGN_LEN, NULL))
        return lk_err_set(err, LK_EBADSIG, "service card not signed by the pinned admin key");
    if (now >= card->expires)
        return lk_err_set(err, LK_ETIMEDOUT, "service card of %s expired", card->tech_id);
    if (now + CLOCK_SKEW_S < card->issued)
        return lk_err_set(err, LK_ETIMEDOUT, "service card of %s not valid yet", card->tech_id);
    return 0;
}

static int valid_pin(const char *pin)
{
    size_t n = strlen(pin);
    return n >= 4 && n <= 12 && strspn(pin, "0123456789") == n;
}

static int derive(const char *pin, const uint8_t *salt, unsigned iter, uint8_t out[HASH_LEN])
{
    return PKCS5_PBKDF2_HMAC(pin, (int)strlen(pin), salt, SALT_LEN, (int)iter, EVP_sha256(),
                             HASH_LEN, out) == 1
               ? 0
               : -1;
}

int lk_service_pin_hash(const char *pin, unsigned iterations, char *out, size_t size, lk_err *err)
{
    uint8_t salt[SALT_LEN], hash[HASH_LEN];
    char salt_hex[2 * SALT_LEN + 1], hash_hex[2 * HASH_LEN + 1];
    if (!valid_pin(pin))
        return lk_err_set(err, LK_EINVAL, "a PIN is 4 to 12 digits");
    if (iterations < 10000)
        return lk_err_set(err, LK_EINVAL, "at least 10000 PBKDF2 iterations");
    if (RAND_bytes(salt, sizeof salt) != 1 || derive(pin, salt, iterations, hash) != 0)
        return lk_err_set(err, LK_EIO, "PBKDF2 failed");
    lk_sign_hex(salt, SALT_LEN, salt_hex);
    lk_sign_hex(hash, HASH_LEN, hash_hex);
    OPENSSL_cleanse(hash, sizeof hash);
    if ((size_t)snprintf(out, size, "pbkdf2-sha256$%u$%s$%s", iterations, salt_hex, hash_hex) >=
        size)
        return lk_err_set(err, LK_EINVAL, "PIN hash buffer too small");
    return 0;
}

int lk_service_pin_check(const char *stored, const char *pin)
{
    unsigned iter = 0;
    char salt_hex[2 * SALT_LEN + 2], hash_hex[2 * HASH_LEN + 2];
    uint8_t salt[SALT_LEN], want[HASH_LEN], got[HASH_LEN];
    if (sscanf(stored, "pbkdf2-sha256$%u$%33[0-9a-f]$%65[0-9a-f]", &iter, salt_hex, hash_hex) !=
            3 ||
        iter < 10000 || iter > 10000000 || lk_sign_unhex(salt_hex, salt, SALT_LEN) != 0 ||
        lk_sign_unhex(hash_hex, want, HASH_LEN) != 0)
        return LK_EINVAL;
    if (!valid_pin(pin) || derive(pin, salt, iter, got) != 0)
        return 0;
    int same = CRYPTO_memcmp(got, want, HASH_LEN) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return same;
}

/* --- lockout --- */

static int read_lock(lk_store *st, int *failures, int64_t *until, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    *failures = 0;
    *until = 0;
    if (sqlite3_prepare_v2(lk_store_db(st), "SELECT failures, locked_until FROM service_lock", -1,
                           &s, NULL) != SQLITE_OK)
        return lk_store_sql_err(st, err, "read lockout");
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *failures = sqlite3_column_int(s, 0);
        *until = sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "read lockout");
}

static int write_lock(lk_store *st, int failures, int64_t until, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(lk_store_db(st),
                           "INSERT INTO service_lock (id, failures, locked_until) VALUES (1, ?1,"
                           " ?2) ON CONFLICT (id) DO UPDATE SET failures = ?1, locked_until = ?2",
                           -1, &s, NULL) != SQLITE_OK)
        return lk_store_sql_err(st, err, "write lockout");
    sqlite3_bind_int(s, 1, failures);
    sqlite3_bind_int64(s, 2, until);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "write lockout");
}

int lk_service_lock_state(lk_store *st, int64_t now, int *failures, int64_t *locked_until,
                          lk_err *err)
{
    int rc = read_lock(st, failures, locked_until, err);
    if (rc == 0 && *locked_until <= now)
        *locked_until = 0;
    return rc;
}

int lk_service_audit(lk_store *st, const char *tech_id, const char *action, const char *detail_json,
                     lk_err *err)
{
    char actor[8 + LK_SERVICE_TECH_MAX];
    snprintf(actor, sizeof actor, "tech:%s", tech_id && *tech_id ? tech_id : "?");
    return lk_audit_append(st, actor, action, detail_json, err);
}

static int audit_attempt(lk_store *st, const lk_service_verdict *v, const char *event, lk_err *err)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "result", v->reason);
    cJSON_AddNumberToObject(d, "attempts_left", v->attempts_left);
    if (v->locked_until)
        cJSON_AddNumberToObject(d, "locked_until", (double)v->locked_until);
    if (v->expires)
        cJSON_AddNumberToObject(d, "card_expires", (double)v->expires);
    char *s = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    int rc = lk_service_audit(st, v->tech_id, event, s, err);
    free(s);
    return rc;
}

/* The PIN's verdict, once PBKDF2 has answered (match: 1, 0, or LK_EINVAL for a stored value
 * that is no PIN hash). `failures` already counts this attempt (lk_service_attempt_begin). */
static int judge_pin(lk_store *st, int match, int failures, int64_t now, lk_service_verdict *v,
                     lk_err *err)
{
    int rc;
    if (match < 0) {
        v->reason = "no-pin-set";
        v->attempts_left = LK_SERVICE_MAX_FAILURES - (failures - 1);
        rc = write_lock(st, failures - 1, 0, err); /* not the technician's fault: given back */
        return rc == 0 ? audit_attempt(st, v, "service.refused", err) : rc;
    }
    if (match == 1) {
        v->ok = 1;
        v->reason = "ok";
        v->attempts_left = LK_SERVICE_MAX_FAILURES;
        rc = write_lock(st, 0, 0, err);
        return rc == 0 ? audit_attempt(st, v, "service.enter", err) : rc;
    }
    v->reason = "wrong-pin";
    if (failures >= LK_SERVICE_MAX_FAILURES) {
        v->locked_until = now + LK_SERVICE_LOCK_S;
        failures = 0;
    }
    v->attempts_left = v->locked_until ? 0 : LK_SERVICE_MAX_FAILURES - failures;
    rc = write_lock(st, failures, v->locked_until, err);
    return rc == 0 ? audit_attempt(st, v, "service.pin-wrong", err) : rc;
}

/* Lock, then card. Returns 0 with v->reason "pending" when the PIN is to be judged (and, when
 * count, this attempt already counted as a failure), else the refusal in v (audited). */
static int judge_card(lk_store *st, const lk_sign_key *admin, const uint8_t *token, size_t len,
                      int64_t now, int count, char *stored, size_t stored_size,
                      lk_service_verdict *v, int *failures, lk_err *err)
{
    int64_t until = 0;
    int rc = read_lock(st, failures, &until, err);
    if (rc != 0)
        return rc;
    lk_service_card card;
    lk_err why = {0};
    int card_rc = admin ? lk_service_token_verify(admin, token, len, now, &card, &why) : LK_EBADSIG;
    if (card_rc == 0 || card_rc == LK_ETIMEDOUT) /* signature good: the id is the admin's */
        snprintf(v->tech_id, sizeof v->tech_id, "%s", card.tech_id);
    if (until > now) {
        v->reason = "locked";
        v->locked_until = until;
        return audit_attempt(st, v, "service.refused", err);
    }
    if (card_rc != 0) {
        v->reason = card_rc == LK_ETIMEDOUT ? "expired" : "bad-card";
        v->attempts_left = LK_SERVICE_MAX_FAILURES - *failures;
        return audit_attempt(st, v, "service.refused", err);
    }
    v->expires = card.expires;
    char *value = NULL;
    if (stored && (rc = lk_config_get(st, "service.pin_hash", &value, NULL, err)) != 0)
        return rc;
    if (stored && !*value) {
        free(value);
        v->reason = "no-pin-set";
        v->attempts_left = LK_SERVICE_MAX_FAILURES - *failures;
        return audit_attempt(st, v, "service.refused", err);
    }
    if (stored)
        snprintf(stored, stored_size, "%s", value);
    free(value);
    v->reason = "pending";
    if (!count)
        return 0;
    /* Counted before it is judged: neither a restart nor anything else during the hash can
     * take a wrong PIN back. A right one resets the count anyway. */
    ++*failures;
    return write_lock(st, *failures, 0, err);
}

typedef int (*in_tx_fn)(lk_store *st, void *arg, lk_err *err);

static int in_tx(lk_store *st, in_tx_fn fn, void *arg, lk_service_verdict *v, lk_err *err)
{
    int rc = lk_store_begin(st, err);
    if (rc != 0)
        return rc;
    rc = fn(st, arg, err);
    if (rc == 0)
        rc = lk_store_commit(st, err);
    if (rc != 0) {
        lk_store_rollback(st);
        v->ok = 0;
    }
    return rc;
}

typedef struct attempt {
    const lk_sign_key *admin;
    const uint8_t *token;
    size_t len;
    int64_t now;
    int match;
    char *stored;
    size_t stored_size;
    lk_service_verdict *v;
} attempt;

static int begin_tx(lk_store *st, void *arg, lk_err *err)
{
    attempt *a = arg;
    int failures = 0;
    return judge_card(st, a->admin, a->token, a->len, a->now, 1, a->stored, a->stored_size, a->v,
                      &failures, err);
}

static int end_tx(lk_store *st, void *arg, lk_err *err)
{
    attempt *a = arg;
    int failures = 0;
    int rc = judge_card(st, a->admin, a->token, a->len, a->now, 0, NULL, 0, a->v, &failures, err);
    if (rc != 0 || strcmp(a->v->reason, "pending") != 0)
        return rc;
    return judge_pin(st, a->match, failures, a->now, a->v, err);
}

int lk_service_attempt_begin(lk_store *st, const lk_sign_key *admin, const uint8_t *token,
                             size_t len, int64_t now, char *stored, size_t stored_size,
                             lk_service_verdict *v, lk_err *err)
{
    memset(v, 0, sizeof *v);
    v->reason = "bad-card";
    attempt a = {admin, token, len, now, 0, stored, stored_size, v};
    return in_tx(st, begin_tx, &a, v, err);
}

int lk_service_attempt_end(lk_store *st, const lk_sign_key *admin, const uint8_t *token, size_t len,
                           int match, int64_t now, lk_service_verdict *v, lk_err *err)
{
    memset(v, 0, sizeof *v);
    v->reason = "bad-card";
    attempt a = {admin, token, len, now, match, NULL, 0, v};
    return in_tx(st, end_tx, &a, v, err);
}

int lk_service_enter(lk_store *st, const lk_sign_key *admin, const uint8_t *token, size_t len,
                     const char *pin, int64_t now, lk_service_verdict *v, lk_err *err)
{
    char stored[256];
    int rc = lk_service_attempt_begin(st, admin, token, len, now, stored, sizeof stored, v, err);
    if (rc != 0 || strcmp(v->reason, "pending") != 0)
        return rc;
    int match = lk_service_pin_check(stored, pin ? pin : "");
    OPENSSL_cleanse(stored, sizeof stored);
    return lk_service_attempt_end(st, admin, token, len, match, now, v, err);
}
