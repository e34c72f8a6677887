/* lk_service: technician entry into diagnostics: the service-card token (signed by the admin
 * key, naming the technician and an expiry), the PIN (stored as PBKDF2-SHA256 in configuration
 * key service.pin_hash) and the lockout (5 wrong PINs close diagnostics for 15 minutes; the
 * state lives in the store, so a restart does not reopen it). Every attempt and every action is
 * audited under the actor "tech:<id>".
 *
 * Token bytes, as the service card serves them (READ BINARY after SELECT AID
 * F0 4C 4B 53 56 43 01):
 *   "LKSC" | version 0x01 | id length L (1..32) | id (L bytes, [A-Za-z0-9._-]) |
 *   issued (8 bytes, big-endian Unix seconds) | expires (8 bytes, idem) |
 *   Ed25519 signature (64 bytes) over LK_SIGN_CTX_SERVICE, 0x00 and every byte before it. */
#ifndef LK_KIOSK_LK_SERVICE_H
#define LK_KIOSK_LK_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_sign.h"
#include "kiosk/lk_store.h"

#define LK_SERVICE_TECH_MAX     32
#define LK_SERVICE_TOKEN_MAX    (22 + LK_SERVICE_TECH_MAX + LK_SIGN_LEN)
#define LK_SERVICE_MAX_FAILURES 5
#define LK_SERVICE_LOCK_S       (15 * 60)
#define LK_SERVICE_PBKDF2_ITER  200000u

typedef struct lk_service_card {
    char tech_id[LK_SERVICE_TECH_MAX + 1];
    int64_t issued, expires; /* Unix seconds */
} lk_service_card;

/* Builds a signed token into out (cap >= LK_SERVICE_TOKEN_MAX); returns its length. */
int lk_service_token_make(const lk_sign_key *admin, const char *tech_id, int64_t issued,
                          int64_t expires, uint8_t *out, size_t cap, lk_err *err);

/* Structure only (no signature check): LK_EINVAL with the reason for anything malformed. */
int lk_service_token_parse(const uint8_t *buf, size_t len, lk_service_card *card, lk_err *err);

/* Parses, verifies the signature with the pinned admin key and checks now against the issue
 * and expiry times: LK_EINVAL malformed, LK_EBADSIG not signed by admin, LK_ETIMEDOUT
 * expired or not yet valid. */
int lk_service_token_verify(const lk_sign_key *admin, const uint8_t *buf, size_t len, int64_t now,
                            lk_service_card *card, lk_err *err);

/* "pbkdf2-sha256$ITER$SALT$HASH" for a PIN of 4 to 12 digits (LK_EINVAL otherwise). */
int lk_service_pin_hash(const char *pin, unsigned iterations, char *out, size_t size, lk_err *err);

/* 1 when pin matches stored, 0 when not, LK_EINVAL when stored is not a PIN hash. */
int lk_service_pin_check(const char *stored, const char *pin);

typedef struct lk_service_verdict {
    int ok;             /* diagnostics open for tech_id */
    const char *reason; /* "ok", "locked", "bad-card", "expired", "no-pin-set", "wrong-pin" */
    char tech_id[LK_SERVICE_TECH_MAX + 1];
    int64_t expires;      /* the card's expiry when the card was good */
    int attempts_left;    /* wrong PINs left before the lock */
    int64_t locked_until; /* Unix seconds, 0 when not locked */
} lk_service_verdict;

/* One entry attempt: lock, card, PIN, in that order (attempt_begin, the PIN check, then
 * attempt_end). Returns 0 when the attempt was judged (v says how), a negative code when the
 * store failed. */
int lk_service_enter(lk_store *st, const lk_sign_key *admin, const uint8_t *token, size_t len,
                     const char *pin, int64_t now, lk_service_verdict *v, lk_err *err);

/* The same attempt in two halves, so that PBKDF2 (lk_service_pin_check, tens of milliseconds
 * or more) can run on a worker while the store stays on its own thread. begin judges the lock
 * and the card; when the PIN is to be judged it sets v->reason to "pending", copies the stored
 * service.pin_hash into stored, and counts the attempt as a failure already, so that nothing
 * happening during the hash (a restart, the page closing) can take a wrong PIN back. Any
 * other reason is a refusal, audited as in lk_service_enter. end takes the check's answer
 * (1, 0, or LK_EINVAL) and judges it: a right PIN resets the count, the fifth wrong one
 * locks. Both in one transaction each. */
int lk_service_attempt_begin(lk_store *st, const lk_sign_key *admin, const uint8_t *token,
                             size_t len, int64_t now, char *stored, size_t stored_size,
                             lk_service_verdict *v, lk_err *err);
int lk_service_attempt_end(lk_store *st, const lk_sign_key *admin, const uint8_t *token, size_t len,
                           int match, int64_t now, lk_service_verdict *v, lk_err *err);

/* The lockout as it stands. */
int lk_service_lock_state(lk_store *st, int64_t now, int *failures, int64_t *locked_until,
                          lk_err *err);

/* Audits one diagnostics action of a technician (detail_json may be NULL). */
int lk_service_audit(lk_store *st, const char *tech_id, const char *action, const char *detail_json,
                     lk_err *err);

#endif
