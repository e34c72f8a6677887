/* lk_sign: Ed25519 over OpenSSL's EVP interface. One-shot EVP_DigestSign/Verify with a NULL
 * digest is how OpenSSL does pure Ed25519 (no pre-hash). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "kiosk/lk_sign.h"

struct lk_sign_key {
    EVP_PKEY *pkey;
    int is_private;
};

static lk_sign_key *wrap(EVP_PKEY *pkey, int is_private, lk_err *err)
{
    lk_sign_key *k = pkey ? calloc(1, sizeof *k) : NULL;
    if (!k) {
        EVP_PKEY_free(pkey);
        lk_err_set(err, LK_ENOMEM, "out of memory");
        return NULL;
    }
    k->pkey = pkey;
    k->is_private = is_private;
    return k;
}

static int is_ed25519(EVP_PKEY *p)
{
    return p && EVP_PKEY_get_id(p) == EVP_PKEY_ED25519;
}

static int write_pem(const char *path, EVP_PKEY *p, int priv, lk_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, priv ? 0600 : 0644);
    if (fd < 0)
        return lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, errno, "create %s: %s", path,
                                 strerror(errno));
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return lk_err_set(err, LK_EIO, "open %s", path);
    }
    int ok = priv ? PEM_write_PrivateKey(f, p, NULL, NULL, 0, NULL, NULL) : PEM_write_PUBKEY(f, p);
    ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok) {
        unlink(path);
        return lk_err_set(err, LK_EIO, "write key %s", path);
    }
    return 0;
}

static EVP_PKEY *generate(void)
{
    EVP_PKEY *p = NULL;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    if (!c || EVP_PKEY_keygen_init(c) <= 0 || EVP_PKEY_keygen(c, &p) <= 0)
        p = NULL;
    EVP_PKEY_CTX_free(c);
    return p;
}

int lk_sign_keygen(const char *priv_path, const char *pub_path, lk_err *err)
{
    EVP_PKEY *p = generate();
    if (!p)
        return lk_err_set(err, LK_EIO, "Ed25519 key generation failed");
    int rc = write_pem(priv_path, p, 1, err);
    if (rc == 0 && pub_path && (rc = write_pem(pub_path, p, 0, err)) != 0)
        unlink(priv_path);
    EVP_PKEY_free(p);
    return rc;
}

/* A key only its owner can read: anything else may have leaked and must not sign. */
static FILE *open_private(const char *path, lk_err *err)
{
    FILE *f = fopen(path, "re");
    struct stat sb;
    if (!f) {
        lk_err_set_native(err, errno == ENOENT ? LK_ENOENT : LK_EIO, LK_ERR_DOMAIN_ERRNO, errno,
                          "open %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &sb) != 0 || (sb.st_mode & 077) != 0) {
        fclose(f);
        lk_err_set(err, LK_EINVAL, "%s: private key readable by group or others (chmod 600)", path);
        return NULL;
    }
    return f;
}

lk_sign_key *lk_sign_load_private(const char *path, lk_err *err)
{
    FILE *f = open_private(path, err);
    if (!f)
        return NULL;
    EVP_PKEY *p = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!is_ed25519(p)) {
        EVP_PKEY_free(p);
        lk_err_set(err, LK_EINVAL, "%s: not an Ed25519 private key (PEM)", path);
        return NULL;
    }
    return wrap(p, 1, err);
}

lk_sign_key *lk_sign_load_public(const char *path, lk_err *err)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        lk_err_set_native(err, errno == ENOENT ? LK_ENOENT : LK_EIO, LK_ERR_DOMAIN_ERRNO, errno,
                          "open %s: %s", path, strerror(errno));
        return NULL;
    }
    EVP_PKEY *p = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    if (!p) {
        rewind(f);
        p = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    }
    fclose(f);
    if (!is_ed25519(p)) {
        EVP_PKEY_free(p);
        lk_err_set(err, LK_EINVAL, "%s: not an Ed25519 public key (PEM)", path);
        return NULL;
    }
    /* Only the public half is ever used from here, whatever the file held. */
    uint8_t raw[LK_SIGN_PUB_LEN];
    size_t n = sizeof raw;
    int ok = EVP_PKEY_get_raw_public_key(p, raw, &n) > 0 && n == sizeof raw;
    EVP_PKEY_free(p);
    if (!ok) {
        lk_err_set(err, LK_EINVAL, "%s: unreadable Ed25519 key", path);
        return NULL;
    }
    return lk_sign_from_raw_public(raw, err);
}

lk_sign_key *lk_sign_from_raw_public(const uint8_t raw[LK_SIGN_PUB_LEN], lk_err *err)
{
    EVP_PKEY *p = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, LK_SIGN_PUB_LEN);
    if (!p) {
        lk_err_set(err, LK_EINVAL, "not an Ed25519 public key");
        return NULL;
    }
    return wrap(p, 0, err);
}

lk_sign_key *lk_sign_load_or_create(const char *path, lk_err *err)
{
    if (access(path, F_OK) != 0 && errno == ENOENT) {
        lk_err local = {0};
        int rc = lk_sign_keygen(path, NULL, &local);
        /* Two processes racing on first use: the loser loads the winner's key. */
        if (rc != 0 && access(path, F_OK) != 0) {
            if (err)
                *err = local;
            return NULL;
        }
    }
    return lk_sign_load_private(path, err);
}

void lk_sign_key_free(lk_sign_key *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

int lk_sign_public_raw(const lk_sign_key *k, uint8_t out[LK_SIGN_PUB_LEN], lk_err *err)
{
    size_t n = LK_SIGN_PUB_LEN;
    if (EVP_PKEY_get_raw_public_key(k->pkey, out, &n) <= 0 || n != LK_SIGN_PUB_LEN)
        return lk_err_set(err, LK_EIO, "cannot read the public key");
    return 0;
}

int lk_sign_write_public(const lk_sign_key *k, const char *pub_path, lk_err *err)
{
    return write_pem(pub_path, k->pkey, 0, err);
}

/* ctx || 0x00 || msg in one buffer: Ed25519 signs in one pass, it cannot stream. */
static unsigned char *framed(const char *ctx, const void *msg, size_t len, size_t *total)
{
    size_t cl = strlen(ctx) + 1;
    unsigned char *buf = malloc(cl + len + 1);
    if (!buf)
        return NULL;
    memcpy(buf, ctx, cl);
    if (len)
        memcpy(buf + cl, msg, len);
    *total = cl + len;
    return buf;
}

int lk_sign_sign(const lk_sign_key *k, const char *ctx, const void *msg, size_t len,
                 uint8_t sig[LK_SIGN_LEN], lk_err *err)
{
    if (!k->is_private)
        return lk_err_set(err, LK_EINVAL, "signing needs a private key");
    size_t total = 0, sl = LK_SIGN_LEN;
    unsigned char *buf = framed(ctx, msg, len, &total);
    if (!buf)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestSignInit(md, NULL, NULL, NULL, k->pkey) > 0 &&
             EVP_DigestSign(md, sig, &sl, buf, total) > 0 && sl == LK_SIGN_LEN;
    EVP_MD_CTX_free(md);
    free(buf);
    return ok ? 0 : lk_err_set(err, LK_EIO, "Ed25519 signing failed");
}

int lk_sign_verify(const lk_sign_key *k, const char *ctx, const void *msg, size_t len,
                   const uint8_t *sig, size_t sig_len, lk_err *err)
{
    if (sig_len != LK_SIGN_LEN)
        return lk_err_set(err, LK_EBADSIG, "bad signature: %zu bytes, expected %d", sig_len,
                          LK_SIGN_LEN);
    size_t total = 0;
    unsigned char *buf = framed(ctx, msg, len, &total);
    if (!buf)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, k->pkey) > 0 &&
             EVP_DigestVerify(md, sig, sig_len, buf, total) == 1;
    EVP_MD_CTX_free(md);
    free(buf);
    return ok ? 0 : lk_err_set(err, LK_EBADSIG, "bad signature: not signed by the pinned key");
}

void lk_sign_sha256(const void *data, size_t len, uint8_t out[32])
{
    SHA256(data, len, out);
}

void lk_sign_hex(const uint8_t *bytes, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    hex[2 * n] = '\0';
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 32);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int lk_sign_unhex(const char *hex, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = nibble(hex[2 * i]), lo = hi < 0 ? -1 : nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return hex[2 * n] == '\0' ? 0 : -1;
}
