/* lk_sign: Ed25519 keys and signatures (OpenSSL EVP_PKEY_ED25519), the one place the kiosk signs
 * and verifies: admin-signed bundles and service cards, kiosk-signed exports.
 *
 * Every signature covers a context string and the message, so a signature made for one purpose
 * (a bundle manifest) can never pass as another (a service card). Private keys live in PEM
 * (PKCS#8) files of mode 0600; a private key file readable by group or others is refused. */
#ifndef LK_KIOSK_LK_SIGN_H
#define LK_KIOSK_LK_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_err.h"

#define LK_SIGN_LEN     64 /* an Ed25519 signature */
#define LK_SIGN_PUB_LEN 32 /* a raw Ed25519 public key */

/* Context strings: what a signature is for. */
#define LK_SIGN_CTX_BUNDLE  "licensekiosk bundle manifest v1"
#define LK_SIGN_CTX_EXPORT  "licensekiosk export manifest v1"
#define LK_SIGN_CTX_SERVICE "licensekiosk service card v1"

typedef struct lk_sign_key lk_sign_key;

/* Makes a new key pair: private key PEM (0600, refused if the file exists) and public PEM. */
int lk_sign_keygen(const char *priv_path, const char *pub_path, lk_err *err);

/* Loads a private key (checks the file mode) or a public key (PEM, or a private key file from
 * which the public half is taken). NULL and err filled on failure. */
lk_sign_key *lk_sign_load_private(const char *path, lk_err *err);
lk_sign_key *lk_sign_load_public(const char *path, lk_err *err);
lk_sign_key *lk_sign_from_raw_public(const uint8_t raw[LK_SIGN_PUB_LEN], lk_err *err);

/* Loads the private key at path, creating it (0600) on first use: the kiosk's own key. */
lk_sign_key *lk_sign_load_or_create(const char *path, lk_err *err);

void lk_sign_key_free(lk_sign_key *k);

/* The raw public half, and its PEM form in a malloc'd string (caller frees). */
int lk_sign_public_raw(const lk_sign_key *k, uint8_t out[LK_SIGN_PUB_LEN], lk_err *err);
int lk_sign_write_public(const lk_sign_key *k, const char *pub_path, lk_err *err);

/* Signs ctx || 0x00 || msg. The key must be private. */
int lk_sign_sign(const lk_sign_key *k, const char *ctx, const void *msg, size_t len,
                 uint8_t sig[LK_SIGN_LEN], lk_err *err);

/* 0 when sig is k's signature of ctx || 0x00 || msg, LK_EBADSIG otherwise. */
int lk_sign_verify(const lk_sign_key *k, const char *ctx, const void *msg, size_t len,
                   const uint8_t *sig, size_t sig_len, lk_err *err);

/* SHA-256 helpers shared by bundles, exports and tokens. hex needs 65 bytes. */
void lk_sign_sha256(const void *data, size_t len, uint8_t out[32]);
void lk_sign_hex(const uint8_t *bytes, size_t n, char *hex);
/* Parses exactly 2*n lowercase or uppercase hex digits; -1 on anything else. */
int lk_sign_unhex(const char *hex, uint8_t *out, size_t n);

#endif
