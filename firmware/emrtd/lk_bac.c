/* lk_bac: BAC key derivation, mutual authentication and secure messaging as ICAO 9303-11 §4.3
 * and §9.8 specify them, on OpenSSL's EVP ciphers and SHA-1. Single DES (the retail MAC's inner
 * chain) is 3DES with three equal keys, so the legacy provider is never needed. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string.h>

#include "kiosk/lk_bac.h"
#include "kiosk/lk_mrz.h"
#include "kiosk/lk_tlv.h"

static bool mrz_chars(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '<'))
            return false;
    return true;
}

int lk_bac_mrz_info(const char *doc, const char *dob, const char *expiry,
                    char out[LK_BAC_MRZ_INFO_MAX], lk_err *err)
{
    size_t dl = strlen(doc);
    if (dl == 0 || dl > 30 || !mrz_chars(doc, dl))
        return lk_err_set(err, LK_EINVAL, "document number must be 1-30 of [0-9A-Z<]");
    if (strlen(dob) != 6 || strspn(dob, "0123456789") != 6 || strlen(expiry) != 6 ||
        strspn(expiry, "0123456789") != 6)
        return lk_err_set(err, LK_EINVAL, "dates must be YYMMDD");
    char num[32];
    snprintf(num, sizeof num, "%s", doc);
    while (dl < 9)
        num[dl++] = '<';
    num[dl] = '\0';
    snprintf(out, LK_BAC_MRZ_INFO_MAX, "%s%c%s%c%s%c", num, lk_mrz_check_digit(num, dl), dob,
             lk_mrz_check_digit(dob, 6), expiry, lk_mrz_check_digit(expiry, 6));
    return 0;
}

int lk_bac_derive(const uint8_t seed[16], uint32_t counter, uint8_t key[16])
{
    uint8_t d[20 + 4], h[SHA_DIGEST_LENGTH];
    memcpy(d, seed, 16);
    for (int i = 0; i < 4; i++)
        d[16 + i] = (uint8_t)(counter >> (24 - 8 * i));
    if (!SHA1(d, 20, h))
        return LK_EIO;
    for (int i = 0; i < 16; i++) {
        uint8_t b = h[i] & 0xFE;
        b |= (uint8_t)(__builtin_popcount(b) % 2 == 0); /* odd parity */
        key[i] = b;
    }
    OPENSSL_cleanse(h, sizeof h);
    OPENSSL_cleanse(d, sizeof d);
    return 0;
}

int lk_bac_keys(const char *mrz_info, size_t len, uint8_t k_seed[16], uint8_t k_enc[16],
                uint8_t k_mac[16], lk_err *err)
{
    uint8_t h[SHA_DIGEST_LENGTH];
    if (len == 0 || !SHA1((const unsigned char *)mrz_info, len, h))
        return lk_err_set(err, LK_EINVAL, "no MRZ information");
    memcpy(k_seed, h, 16);
    OPENSSL_cleanse(h, sizeof h);
    if (lk_bac_derive(k_seed, 1, k_enc) < 0 || lk_bac_derive(k_seed, 2, k_mac) < 0)
        return lk_err_set(err, LK_EIO, "key derivation failed");
    return 0;
}

/* One EVP pass without padding; key is 16 bytes (2-key EDE) or 24 (EDE3). */
static int evp(const EVP_CIPHER *c, const uint8_t *key, bool enc, const uint8_t *in, size_t n,
               uint8_t *out)
{
    static const uint8_t iv[8];
    int l1 = 0, l2 = 0, ok = 0;
    if (n % 8 != 0 || n > 0x7FFFFFF0)
        return LK_EINVAL;
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    if (x && EVP_CipherInit_ex(x, c, NULL, key, iv, enc ? 1 : 0) == 1 &&
        EVP_CIPHER_CTX_set_padding(x, 0) == 1 && EVP_CipherUpdate(x, out, &l1, in, (int)n) == 1 &&
        EVP_CipherFinal_ex(x, out + l1, &l2) == 1)
        ok = (size_t)(l1 + l2) == n;
    EVP_CIPHER_CTX_free(x);
    return ok ? 0 : LK_EIO;
}

int lk_bac_3des(const uint8_t key[16], bool encrypt, const uint8_t *in, size_t n, uint8_t *out)
{
    return evp(EVP_des_ede_cbc(), key, encrypt, in, n, out);
}

size_t lk_bac_pad(uint8_t *buf, size_t n)
{
    buf[n++] = 0x80;
    while (n % 8 != 0)
        buf[n++] = 0x00;
    return n;
}

int lk_bac_mac(const uint8_t key[16], const uint8_t *in, size_t n, uint8_t mac[8])
{
    uint8_t k1[24], h[8] = {0}, last[8];
    if (n == 0 || n % 8 != 0)
        return LK_EINVAL;
    memcpy(k1, key, 8);
    memcpy(k1 + 8, key, 8);
    memcpy(k1 + 16, key, 8);
    uint8_t *chain = n > 8 ? OPENSSL_malloc(n - 8) : NULL;
    int rc = 0;
    if (n > 8) {
        rc = chain ? evp(EVP_des_ede3_cbc(), k1, true, in, n - 8, chain) : LK_ENOMEM;
        if (rc == 0)
            memcpy(h, chain + n - 16, 8);
        OPENSSL_free(chain);
    }
    for (int i = 0; i < 8; i++)
        last[i] = in[n - 8 + i] ^ h[i];
    if (rc == 0)
        rc = evp(EVP_des_ede_ecb(), key, true, last, 8, mac);
    OPENSSL_cleanse(k1, sizeof k1);
    return rc;
}

int lk_bac_auth_data(const uint8_t k_enc[16], const uint8_t k_mac[16], const uint8_t rnd_ic[8],
                     const uint8_t rnd_ifd[8], const uint8_t k_ifd[16], uint8_t out[40])
{
    uint8_t s[32], e[40];
    memcpy(s, rnd_ifd, 8);
    memcpy(s + 8, rnd_ic, 8);
    memcpy(s + 16, k_ifd, 16);
    int rc = lk_bac_3des(k_enc, true, s, 32, e);
    OPENSSL_cleanse(s, sizeof s);
    if (rc < 0)
        return rc;
    memcpy(out, e, 32);
    return lk_bac_mac(k_mac, e, lk_bac_pad(e, 32), out + 32);
}

int lk_bac_session(const uint8_t k_ifd[16], const uint8_t k_ic[16], const uint8_t rnd_ic[8],
                   const uint8_t rnd_ifd[8], lk_sm *sm)
{
    uint8_t seed[16];
    for (int i = 0; i < 16; i++)
        seed[i] = k_ifd[i] ^ k_ic[i];
    int rc = lk_bac_derive(seed, 1, sm->ks_enc);
    if (rc == 0)
        rc = lk_bac_derive(seed, 2, sm->ks_mac);
    memcpy(sm->ssc, rnd_ic + 4, 4);
    memcpy(sm->ssc + 4, rnd_ifd + 4, 4);
    OPENSSL_cleanse(seed, sizeof seed);
    return rc;
}

int lk_bac_auth_finish(const uint8_t k_enc[16], const uint8_t k_mac[16], const uint8_t rnd_ic[8],
                       const uint8_t rnd_ifd[8], const uint8_t k_ifd[16], const uint8_t *resp,
                       size_t n, lk_sm *sm, lk_err *err)
{
    uint8_t e[40], mac[8], r[32];
    if (n != 40)
        return lk_err_set(err, LK_EPROTO, "EXTERNAL AUTHENTICATE answered %zu bytes, not 40", n);
    memcpy(e, resp, 32);
    if (lk_bac_mac(k_mac, e, lk_bac_pad(e, 32), mac) < 0 || lk_bac_3des(k_enc, false, resp, 32, r))
        return lk_err_set(err, LK_EIO, "cipher failure");
    int bad = CRYPTO_memcmp(mac, resp + 32, 8) != 0 || CRYPTO_memcmp(r, rnd_ic, 8) != 0 ||
              CRYPTO_memcmp(r + 8, rnd_ifd, 8) != 0;
    int rc = bad ? lk_err_set(err, LK_EBADSIG, "mutual authentication failed")
                 : lk_bac_session(k_ifd, r + 16, rnd_ic, rnd_ifd, sm);
    OPENSSL_cleanse(r, sizeof r);
    return rc;
}

void lk_sm_ssc_inc(lk_sm *sm)
{
    for (int i = 7; i >= 0 && ++sm->ssc[i] == 0; i--)
        ;
}

void lk_sm_wipe(lk_sm *sm)
{
    OPENSSL_cleanse(sm, sizeof *sm);
}
