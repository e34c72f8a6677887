/* regsim_pki: a throw-away PKI made with OpenSSL at test time: a CA and a server certificate
 * for the loopback registry, an unrelated CA (wrong-CA tests), public-key pins, the kiosk's
 * Ed25519 signing key and the deployment's lookup key. Nothing here is fit for production. */
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regsim.h"

static int fail(char *errbuf, size_t errsz, const char *what)
{
    snprintf(errbuf, errsz, "pki: %s", what);
    return -1;
}

static FILE *create(const char *dir, const char *name, int private_file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, private_file ? 0600 : 0644);
    return fd < 0 ? NULL : fdopen(fd, "wb");
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    int ok = ext && X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

/* A certificate for `key`, signed by issuer_key (self-signed when issuer is NULL). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, int is_ca)
{
    X509 *c = X509_new();
    uint8_t serial[8];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    int ok = c && bn && X509_set_version(c, 2) && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c));
    BN_free(bn);
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(c), -3600) &&
         X509_gmtime_adj(X509_getm_notAfter(c), 7L * 24 * 3600) && X509_set_pubkey(c, key);
    X509_NAME *name = X509_get_subject_name(c);
    ok = ok &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    ok = ok && X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
    X509 *iss = issuer ? issuer : c;
    if (is_ca)
        ok = ok && add_ext(c, iss, NID_basic_constraints, "critical,CA:TRUE") &&
             add_ext(c, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    else
        ok = ok && add_ext(c, iss, NID_basic_constraints, "critical,CA:FALSE") &&
             add_ext(c, iss, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost") &&
             add_ext(c, iss, NID_ext_key_usage, "serverAuth");
    ok = ok && X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(c);
        return NULL;
    }
    return c;
}

static int write_cert(const char *dir, const char *name, X509 *c)
{
    FILE *f = create(dir, name, 0);
    int ok = f && PEM_write_X509(f, c);
    return (f && fclose(f) == 0) && ok;
}

static int write_key(const char *dir, const char *name, EVP_PKEY *k)
{
    FILE *f = create(dir, name, 1);
    int ok = f && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
    return (f && fclose(f) == 0) && ok;
}

/* libcurl's pin: base64 of SHA-256 over the DER SubjectPublicKeyInfo. */
static int write_pin(const char *dir, const char *name, EVP_PKEY *k)
{
    unsigned char *der = NULL, digest[SHA256_DIGEST_LENGTH], b64[64];
    int n = i2d_PUBKEY(k, &der);
    if (n <= 0)
        return 0;
    SHA256(der, (size_t)n, digest);
    OPENSSL_free(der);
    EVP_EncodeBlock(b64, digest, sizeof digest);
    FILE *f = create(dir, name, 0);
    int ok = f && fprintf(f, "%s\n", b64) > 0;
    return (f && fclose(f) == 0) && ok;
}

static int write_kiosk_keys(const char *dir)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    FILE *f = k ? create(dir, "kiosk.pub", 0) : NULL;
    int ok = f && PEM_write_PUBKEY(f, k);
    ok = (f && fclose(f) == 0) && ok && write_key(dir, "kiosk.key", k);
    EVP_PKEY_free(k);
    uint8_t lk[32];
    f = create(dir, "lookup.key", 1);
    ok = ok && f && RAND_bytes(lk, sizeof lk) == 1 && fwrite(lk, 1, sizeof lk, f) == sizeof lk;
    return (f && fclose(f) == 0) && ok;
}

int lk_regsim_make_pki(const char *dir, char *errbuf, size_t errsz)
{
    EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *srv_key = EVP_EC_gen("P-256");
    EVP_PKEY *other_key = EVP_EC_gen("P-256");
    X509 *ca = ca_key ? make_cert(ca_key, "licensekiosk test CA", NULL, NULL, 1) : NULL;
    X509 *other = other_key ? make_cert(other_key, "unrelated test CA", NULL, NULL, 1) : NULL;
    X509 *srv = ca && srv_key ? make_cert(srv_key, "127.0.0.1", ca, ca_key, 0) : NULL;
    int ok = ca && other && srv && write_cert(dir, "ca.pem", ca) &&
             write_cert(dir, "other-ca.pem", other) && write_cert(dir, "server.pem", srv) &&
             write_key(dir, "server.key", srv_key) && write_pin(dir, "pin.txt", srv_key) &&
             write_pin(dir, "other-pin.txt", other_key) && write_kiosk_keys(dir);
    X509_free(ca), X509_free(other), X509_free(srv);
    EVP_PKEY_free(ca_key), EVP_PKEY_free(srv_key), EVP_PKEY_free(other_key);
    return ok ? 0 : fail(errbuf, errsz, "cannot create the test PKI");
}
