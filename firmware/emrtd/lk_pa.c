/* lk_pa: passive authentication on OpenSSL's CMS and X509 verification. The hashes compared are
 * lk_lds's parse of the very eContent OpenSSL verified (checked byte for byte), so a SOD cannot
 * show the signer one security object and the hash check another. */
#include <dirent.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "kiosk/lk_lds.h"
#include "kiosk/lk_pa.h"

/* Adds every certificate of one file (PEM, possibly several, or DER) to the store. */
static int add_file(X509_STORE *st, const char *path)
{
    int n = 0;
    BIO *b = BIO_new_file(path, "rb");
    if (!b)
        return 0;
    X509 *x;
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        n += X509_STORE_add_cert(st, x) == 1;
        X509_free(x);
    }
    if (n == 0) {
        (void)BIO_reset(b);
        if ((x = d2i_X509_bio(b, NULL)) != NULL) {
            n += X509_STORE_add_cert(st, x) == 1;
            X509_free(x);
        }
    }
    BIO_free(b);
    ERR_clear_error();
    return n;
}

static int load_store(const char *dir, X509_STORE *st, lk_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return lk_err_set(err, LK_ECONFIG, "CSCA store %s cannot be read", dir);
    int n = 0;
    struct dirent *e;
    char path[4096];
    struct stat sb;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' ||
            (size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path)
            continue;
        if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
            n += add_file(st, path);
    }
    closedir(d);
    return n;
}

int lk_pa_count_cscas(const char *csca_dir, lk_err *err)
{
    X509_STORE *st = X509_STORE_new();
    if (!st)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    int n = load_store(csca_dir, st, err);
    X509_STORE_free(st);
    return n;
}

static int fail(lk_pa_result *r, const char *why)
{
    if (!r->reason[0]) { /* the first failure is the one to report; long ones are cut */
        size_t n = strnlen(why, sizeof r->reason - 1);
        memcpy(r->reason, why, n);
        r->reason[n] = '\0';
    }
    return 0;
}

/* The signer's certificate among those the SOD carries (owned by the caller), or NULL. */
static X509 *signer_cert(CMS_ContentInfo *cms)
{
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    STACK_OF(X509) *certs = CMS_get1_certs(cms);
    X509 *found = NULL;
    if (sis && sk_CMS_SignerInfo_num(sis) == 1)
        for (int i = 0; certs && i < sk_X509_num(certs) && !found; i++)
            if (CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(sis, 0), sk_X509_value(certs, i)) ==
                0)
                found = X509_dup(sk_X509_value(certs, i));
    sk_X509_pop_free(certs, X509_free);
    return found;
}

static void check_chain(X509 *ds, const char *csca_dir, lk_pa_result *r)
{
    lk_err e = {0};
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int n = st && ctx && csca_dir ? load_store(csca_dir, st, &e) : -1;
    if (!csca_dir)
        fail(r, "no CSCA store configured");
    else if (n <= 0)
        fail(r, n == 0 ? "the CSCA store holds no certificate" : e.msg);
    else if (X509_STORE_CTX_init(ctx, st, ds, NULL) == 1) {
        r->ds_certificate = X509_verify_cert(ctx) == 1;
        if (!r->ds_certificate) {
            char why[160];
            snprintf(why, sizeof why, "document signer certificate: %s",
                     X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
            fail(r, why);
        }
    }
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(st);
}

/* Signature and chain; returns 0, or -1 when the CMS could not be decoded. */
static int check_cms(const lk_lds_sod *s, const char *csca_dir, lk_pa_result *r)
{
    const unsigned char *p = s->cms;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)s->cms_len);
    if (!cms)
        return -1;
    ASN1_OCTET_STRING **content = CMS_get0_content(cms);
    bool same = content && *content && (size_t)ASN1_STRING_length(*content) == s->econtent_len &&
                memcmp(ASN1_STRING_get0_data(*content), s->econtent, s->econtent_len) == 0;
    X509 *ds = signer_cert(cms);
    if (!same)
        fail(r, "EF.SOD: signed content differs from the parsed security object");
    else if (!ds)
        fail(r, "EF.SOD carries no document signer certificate");
    else {
        r->signature =
            CMS_verify(cms, NULL, NULL, NULL, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
        if (!r->signature)
            fail(r, "EF.SOD signature does not verify");
        check_chain(ds, csca_dir, r);
    }
    X509_free(ds);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return 0;
}

static void check_hashes(const lk_lds_sod *s, const lk_pa_dg *dgs, size_t ndgs, lk_pa_result *r)
{
    const EVP_MD *md = EVP_get_digestbyname(s->hash_alg);
    r->dg_hashes = md != NULL && ndgs > 0;
    for (size_t i = 0; md && i < ndgs; i++) {
        unsigned char h[EVP_MAX_MD_SIZE];
        unsigned hl = 0, bit = 1u << dgs[i].dg;
        size_t want_len = 0;
        const uint8_t *want = lk_lds_sod_hash(s, dgs[i].dg, &want_len);
        r->dg_checked |= bit;
        bool ok = want && EVP_Digest(dgs[i].data, dgs[i].len, h, &hl, md, NULL) == 1 &&
                  hl == want_len && CRYPTO_memcmp(h, want, hl) == 0;
        if (ok)
            r->dg_ok |= bit;
        else {
            char why[64];
            snprintf(why, sizeof why, "DG%d %s", dgs[i].dg,
                     want ? "does not match its hash in EF.SOD" : "has no hash in EF.SOD");
            fail(r, why);
            r->dg_hashes = false;
        }
    }
    if (!md)
        fail(r, "EF.SOD hash algorithm unavailable");
}

int lk_pa_verify(const uint8_t *sod, size_t sod_len, const lk_pa_dg *dgs, size_t ndgs,
                 const char *csca_dir, lk_pa_result *res, lk_err *err)
{
    lk_lds_sod s;
    lk_err perr = {0};
    memset(res, 0, sizeof *res);
    res->sod_parsed = lk_lds_parse_sod(sod, sod_len, &s, &perr) == 0;
    if (!res->sod_parsed)
        fail(res, perr.msg);
    else {
        snprintf(res->hash_alg, sizeof res->hash_alg, "%s", s.hash_alg);
        if (check_cms(&s, csca_dir, res) < 0) {
            res->sod_parsed = false;
            fail(res, "EF.SOD is not a decodable CMS structure");
        }
        check_hashes(&s, dgs, ndgs, res);
    }
    res->valid = res->sod_parsed && res->signature && res->ds_certificate && res->dg_hashes;
    if (res->valid)
        return 0;
    return lk_err_set(err, LK_EBADSIG, "passive authentication failed: %s", res->reason);
}
