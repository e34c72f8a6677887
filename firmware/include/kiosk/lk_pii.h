/* lk_pii: what the kiosk does with identity numbers so that none is ever stored in plain text:
 * a keyed hash (HMAC-SHA-256 under a per-kiosk secret) for lookup, and a masked display form.
 * The same secret keys the audit log's hash chain. */
#ifndef LK_KIOSK_LK_PII_H
#define LK_KIOSK_LK_PII_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_err.h"

#define LK_PII_MAC_LEN    32
#define LK_PII_SECRET_LEN 32

typedef struct lk_pii lk_pii;

/* Loads the secret from `secret_path`, creating it (32 random bytes, mode 0600, O_EXCL so two
 * first runs cannot race to different keys) when absent. A secret file that is not exactly
 * 32 bytes, or is readable by group or others, is refused. */
int lk_pii_open(const char *secret_path, lk_pii **out, lk_err *err);
void lk_pii_close(lk_pii *pii);

/* Keyed hash of one identity document: HMAC over "doc_type:NUMBER" after normalisation
 * (surrounding blanks dropped, ASCII letters upper-cased), so "x" and "X" look up alike. */
int lk_pii_doc_mac(const lk_pii *pii, const char *doc_type, const char *number,
                   uint8_t out[LK_PII_MAC_LEN]);

/* HMAC of arbitrary bytes under the kiosk secret. This and lk_pii_doc_mac only read the
 * lk_pii, so any number of threads may call them at once. */
int lk_pii_mac(const lk_pii *pii, const void *data, size_t len, uint8_t out[LK_PII_MAC_LEN]);

/* Display form: 18-character numbers keep 4 + 4 (1101**********002X); shorter ones keep the
 * first and the last two characters. Always NUL-terminates out. */
void lk_pii_mask(const char *number, char *out, size_t outsz);

#endif
