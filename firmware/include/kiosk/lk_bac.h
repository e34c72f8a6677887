/* lk_bac: ICAO Doc 9303 Part 11 Basic Access Control and its secure messaging, terminal side:
 * keys from the MRZ information (K_seed, K_enc, K_mac with DES parity), the EXTERNAL AUTHENTICATE
 * exchange that yields the session keys and send sequence counter, and wrapping/unwrapping of
 * APDUs (3DES-CBC with zero IV, ISO 9797-1 MAC algorithm 3 with padding method 2, DO87/DO97/
 * DO99/DO8E). The primitives are public so the virtual card in pn532-sim speaks the same algebra.
 * OpenSSL libcrypto underneath. */
#ifndef LK_KIOSK_LK_BAC_H
#define LK_KIOSK_LK_BAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_err.h"

/* "document number + check, birth date + check, expiry + check": 24 characters for a 9-character
 * number. Shorter numbers are padded with '<' to 9; longer ones (TD1 overflow) are kept whole. */
#define LK_BAC_MRZ_INFO_MAX 48
int lk_bac_mrz_info(const char *doc, const char *dob, const char *expiry,
                    char out[LK_BAC_MRZ_INFO_MAX], lk_err *err);

/* K_seed = SHA-1(mrz_info)[0..16); K_enc / K_mac derived with counters 1 and 2. */
int lk_bac_keys(const char *mrz_info, size_t len, uint8_t k_seed[16], uint8_t k_enc[16],
                uint8_t k_mac[16], lk_err *err);
/* SHA-1(seed || counter)[0..16) with every byte's parity bit made odd. */
int lk_bac_derive(const uint8_t seed[16], uint32_t counter, uint8_t key[16]);

/* 2-key 3DES-CBC with a zero IV over n bytes (a multiple of 8). */
int lk_bac_3des(const uint8_t key[16], bool encrypt, const uint8_t *in, size_t n, uint8_t *out);
/* ISO 9797-1 padding method 2 of buf[0..n) in place (buf has room for 8 more bytes): the new
 * length. */
size_t lk_bac_pad(uint8_t *buf, size_t n);
/* Retail MAC (ISO 9797-1 algorithm 3, single-DES CBC then 3DES on the last block) over the
 * already padded in[0..n). */
int lk_bac_mac(const uint8_t key[16], const uint8_t *in, size_t n, uint8_t mac[8]);

/* A secure messaging session. */
typedef struct lk_sm {
    uint8_t ks_enc[16], ks_mac[16];
    uint8_t ssc[8];
} lk_sm;

/* The 40 bytes of EXTERNAL AUTHENTICATE: E.IFD = 3DES(K_enc, RND.IFD||RND.IC||K.IFD), M.IFD. */
int lk_bac_auth_data(const uint8_t k_enc[16], const uint8_t k_mac[16], const uint8_t rnd_ic[8],
                     const uint8_t rnd_ifd[8], const uint8_t k_ifd[16], uint8_t out[40]);
/* Checks the card's answer (E.IC || M.IC, 40 bytes) and derives the session. LK_EBADSIG when the
 * MAC or the nonces do not match (wrong MRZ keys look like this). */
int lk_bac_auth_finish(const uint8_t k_enc[16], const uint8_t k_mac[16], const uint8_t rnd_ic[8],
                       const uint8_t rnd_ifd[8], const uint8_t k_ifd[16], const uint8_t *resp,
                       size_t n, lk_sm *sm, lk_err *err);
/* Session keys from K_seed = K.IFD xor K.IC, SSC = RND.IC[4..8) || RND.IFD[4..8). */
int lk_bac_session(const uint8_t k_ifd[16], const uint8_t k_ic[16], const uint8_t rnd_ic[8],
                   const uint8_t rnd_ifd[8], lk_sm *sm);
void lk_sm_ssc_inc(lk_sm *sm);

/* Protects a short plain C-APDU (cases 1-4: CLA INS P1 P2 [Lc data] [Le]). out needs n + 40
 * bytes. Returns the protected length or a negative LK_E*. */
int lk_sm_wrap(lk_sm *sm, const uint8_t *apdu, size_t n, uint8_t *out, size_t cap, lk_err *err);
/* Checks and decrypts a protected R-APDU: the plain data go to data (*dlen), the status word the
 * card put in DO99 to *sw. LK_EBADSIG when the MAC fails, LK_EPROTO when objects are missing. A
 * bare status word without SM objects (the card refused before SM) is returned as *sw with
 * LK_EPROTO. */
int lk_sm_unwrap(lk_sm *sm, const uint8_t *rapdu, size_t n, uint8_t *data, size_t cap, size_t *dlen,
                 uint16_t *sw, lk_err *err);

/* Wipes a session's keys. */
void lk_sm_wipe(lk_sm *sm);

#endif
