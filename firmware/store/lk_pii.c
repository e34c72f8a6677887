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

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "kiosk/lk_record.h"

struct lk_pii {
    EVP_MAC *mac;
    EVP_MAC_CTX *keyed; /* initialised with the key once; duplicated per MAC */
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
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    pii->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    pii->keyed = pii->mac ? EVP_MAC_CTX_new(pii->mac) : NULL;
    if (!pii->keyed || EVP_MAC_init(pii->keyed, key, LK_PII_SECRET_LEN, params) != 1)
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
    EVP_MAC_CTX_free(pii->keyed);
    EVP_MAC_free(pii->mac);
    free(pii);
}

int lk_pii_mac(const lk_pii *pii, const void *data, size_t len, uint8_t out[LK_PII_MAC_LEN])
{
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(pii->keyed);
    size_t outlen = 0;
    int ok = ctx && EVP_MAC_update(ctx, data, len) == 1 &&
             EVP_MAC_final(ctx, out, &outlen, LK_PII_MAC_LEN) == 1 && outlen == LK_PII_MAC_LEN;
    EVP_MAC_CTX_free(ctx);
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
