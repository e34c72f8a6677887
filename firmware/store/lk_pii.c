/* lk_pii: keyed hashing and masking of identity numbers, and the per-kiosk secret behind them.
 *
 * The secret never leaves this module except through MACs. An identity number's keyspace is
 * small (a few hundred billion valid numbers), so a plain hash could be reversed by brute
 * force; only someone holding the secret can test a guess. */
#include "kiosk/lk_pii.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "kiosk/lk_record.h"

/* HMAC-SHA-256 by its definition, H((K ^ opad) || H((K ^ ipad) || m)), with the two keyed
 * SHA-256 states absorbed once: a MAC copies them instead of duplicating a whole EVP_MAC
 * context (three digest contexts and their allocations), which halves the cost of hashing
 * the collectors of an import. The states are only read, so any thread may MAC. */
struct lk_pii {
    EVP_MD *sha256;
    EVP_MD_CTX *inner, *outer;
};

/* The directory entry must be durable too, or a power cut can lose a freshly created secret
 * while the database rows hashed with it survive. */
static void fsync_parent(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(copy);
}

static int create_secret(const char *path, uint8_t key[LK_PII_SECRET_LEN], lk_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST
                   ? 1
                   : lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, errno,
                                       "cannot create secret %s: %s", path, strerror(errno));
    int rc = 0;
    if (RAND_bytes(key, LK_PII_SECRET_LEN) != 1)
        rc = lk_err_set(err, LK_EIO, "no randomness for the kiosk secret");
    else if (write(fd, key, LK_PII_SECRET_LEN) != LK_PII_SECRET_LEN || fsync(fd) != 0)
        rc = lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, errno,
                               "cannot write secret %s: %s", path, strerror(errno));
    close(fd);
    if (rc != 0)
        unlink(path);
    else
        fsync_parent(path);
    return rc;
}

static int read_secret(const char *path, uint8_t key[LK_PII_SECRET_LEN], lk_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, errno,
                                 "cannot open secret %s: %s", path, strerror(errno));
    struct stat sb;
    int rc = 0;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        rc = lk_err_set(err, LK_ECONFIG, "secret %s is not a regular file", path);
    else if (sb.st_mode & (S_IRWXG | S_IRWXO))
        rc = lk_err_set(err, LK_ECONFIG, "secret %s is accessible by group or others (mode %o)",
                        path, (unsigned)(sb.st_mode & 0777));
    else if (sb.st_size != LK_PII_SECRET_LEN ||
             read(fd, key, LK_PII_SECRET_LEN) != LK_PII_SECRET_LEN)
        rc = lk_err_set(err, LK_ECONFIG, "secret %s is not %d bytes", path, LK_PII_SECRET_LEN);
    close(fd);
    return rc;
}

static int init_mac(lk_pii *pii, const uint8_t *key, lk_err *err)
{
    uint8_t pad[64]; /* SHA-256's block size */
    pii->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    pii->inner = EVP_MD_CTX_new();
    pii->outer = EVP_MD_CTX_new();
    int ok = pii->sha256 && pii->inner && pii->outer;
    for (int k = 0; ok && k < 2; k++) {
        memset(pad, k ? 0x5c : 0x36, sizeof pad);
        for (size_t i = 0; i < LK_PII_SECRET_LEN; i++)
            pad[i] ^= key[i];
        EVP_MD_CTX *c = k ? pii->outer : pii->inner;
        ok = EVP_DigestInit_ex(c, pii->sha256, NULL) == 1 &&
             EVP_DigestUpdate(c, pad, sizeof pad) == 1;
    }
    OPENSSL_cleanse(pad, sizeof pad);
    if (!ok)
        return lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_OPENSSL, 0,
                                 "OpenSSL HMAC-SHA-256 unavailable");
    return 0;
}

int lk_pii_open(const char *secret_path, lk_pii **out, lk_err *err)
{
    uint8_t key[LK_PII_SECRET_LEN];
    *out = NULL;
    int rc = create_secret(secret_path, key, err);
    if (rc == 1)
        rc = read_secret(secret_path, key, err);
    if (rc != 0)
        return rc;
    lk_pii *pii = calloc(1, sizeof *pii);
    if (!pii)
        rc = lk_err_set(err, LK_ENOMEM, "out of memory");
    else if ((rc = init_mac(pii, key, err)) != 0)
        lk_pii_close(pii);
    else
        *out = pii;
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

void lk_pii_close(lk_pii *pii)
{
    if (!pii)
        return;
    EVP_MD_CTX_free(pii->inner);
    EVP_MD_CTX_free(pii->outer);
    EVP_MD_free(pii->sha256);
    free(pii);
}

int lk_pii_mac(const lk_pii *pii, const void *data, size_t len, uint8_t out[LK_PII_MAC_LEN])
{
    uint8_t ih[LK_PII_MAC_LEN];
    unsigned n1 = 0, n2 = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_MD_CTX_copy_ex(c, pii->inner) == 1 && EVP_DigestUpdate(c, data, len) == 1 &&
             EVP_DigestFinal_ex(c, ih, &n1) == 1 && n1 == sizeof ih &&
             EVP_MD_CTX_copy_ex(c, pii->outer) == 1 && EVP_DigestUpdate(c, ih, sizeof ih) == 1 &&
             EVP_DigestFinal_ex(c, out, &n2) == 1 && n2 == LK_PII_MAC_LEN;
    EVP_MD_CTX_free(c);
    OPENSSL_cleanse(ih, sizeof ih);
    return ok ? 0 : LK_EIO;
}

int lk_pii_doc_mac(const lk_pii *pii, const char *doc_type, const char *number,
                   uint8_t out[LK_PII_MAC_LEN])
{
    char buf[128];
    size_t n = 0, tlen = strlen(doc_type);
    while (*number == ' ' || *number == '\t')
        number++;
    size_t len = strlen(number);
    while (len > 0 && (number[len - 1] == ' ' || number[len - 1] == '\t'))
        len--;
    if (tlen + 1 + len > sizeof buf)
        return LK_EINVAL;
    memcpy(buf, doc_type, tlen);
    n = tlen;
    buf[n++] = ':';
    for (size_t i = 0; i < len; i++)
        buf[n++] = (char)toupper((unsigned char)number[i]);
    int rc = lk_pii_mac(pii, buf, n, out);
    OPENSSL_cleanse(buf, sizeof buf);
    return rc;
}

void lk_pii_mask(const char *number, char *out, size_t outsz)
{
    lk_record_mask_doc(number, out, outsz);
}
