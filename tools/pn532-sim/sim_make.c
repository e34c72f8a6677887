/* sim_make: DER and LDS files built by hand (a growing buffer plus lk_tlv headers), the SOD signed
 * with OpenSSL's CMS, the card file written as hex lines the simulator's parser takes. */
#include <errno.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kiosk/lk_lds.h"
#include "kiosk/lk_tlv.h"
#include "sim_make.h"

struct buf {
    uint8_t *p;
    size_t n, cap;
    bool oom;
};

static void put(struct buf *b, const void *data, size_t n)
{
    if (b->oom || n == 0)
        return;
    if (b->n + n > b->cap) {
        size_t cap = (b->n + n) * 2 + 64;
        uint8_t *q = realloc(b->p, cap);
        if (!q) {
            b->oom = true;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void put_tlv(struct buf *b, uint32_t tag, const void *v, size_t n)
{
    uint8_t h[10];
    int k = lk_tlv_put_header(h, sizeof h, tag, n);
    put(b, h, (size_t)k);
    put(b, v, n);
}

/* Wraps b's content in tag (in place). */
static void wrap(struct buf *b, uint32_t tag)
{
    struct buf o = {0};
    put_tlv(&o, tag, b->p, b->n);
    free(b->p);
    *b = o;
}

static void put_be(struct buf *b, uint32_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--) {
        uint8_t c = (uint8_t)(v >> (8 * i));
        put(b, &c, 1);
    }
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    unsigned long e = ERR_get_error();
    if (e) {
        size_t k = strlen(err);
        snprintf(err + k, errlen - k, " (%s)", ERR_reason_error_string(e));
    }
    ERR_clear_error();
    return -1;
}

/* ---- the test PKI ---- */

static X509 *new_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey, int years,
                      bool ca)
{
    X509 *x = X509_new();
    uint8_t serial[8];
    BIGNUM *bn = NULL;
    if (!x || RAND_bytes(serial, sizeof serial) != 1)
        goto bad;
    serial[0] &= 0x7F;
    bn = BN_bin2bn(serial, sizeof serial, NULL);
    X509_set_version(x, 2);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    X509_gmtime_adj(X509_getm_notBefore(x), -86400);
    X509_gmtime_adj(X509_getm_notAfter(x), (long)years * 365 * 86400);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"UT", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509_set_pubkey(x, key);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    const char *exts[][2] = {
        {"basicConstraints", ca ? "critical,CA:TRUE,pathlen:0" : "critical,CA:FALSE"},
        {"keyUsage", ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature"},
        {"subjectKeyIdentifier", "hash"},
        {"authorityKeyIdentifier", "keyid"},
    };
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &v3, exts[i][0], exts[i][1]);
        if (!e || !X509_add_ext(x, e, -1)) {
            X509_EXTENSION_free(e);
            goto bad;
        }
        X509_EXTENSION_free(e);
    }
    if (!X509_sign(x, ikey ? ikey : key, EVP_sha256()))
        goto bad;
    BN_free(bn);
    return x;
bad:
    BN_free(bn);
    X509_free(x);
    return NULL;
}

static int write_pem(const char *path, X509 *x, EVP_PKEY *key)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    if (key)
        (void)chmod(path, 0600);
    int ok = x ? PEM_write_X509(f, x) : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

int sim_make_test_csca(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/signer", dir);
    if ((mkdir(dir, 0755) < 0 && errno != EEXIST) || (mkdir(path, 0700) < 0 && errno != EEXIST))
        return fail(err, errlen, "%s: %s", path, strerror(errno));
    EVP_PKEY *ck = EVP_EC_gen("P-256"), *dk = EVP_EC_gen("P-256");
    X509 *csca = ck ? new_cert(ck, "licensekiosk test CSCA", NULL, NULL, 10, true) : NULL;
    X509 *ds =
        csca && dk ? new_cert(dk, "licensekiosk test Document Signer", csca, ck, 5, false) : NULL;
    int rc = ds ? 0 : fail(err, errlen, "cannot create the test certificates");
    const struct {
        const char *name;
        X509 *x;
        EVP_PKEY *k;
    } out[] = {{"csca.pem", csca, NULL},
               {"signer/csca.key", NULL, ck},
               {"signer/ds.pem", ds, NULL},
               {"signer/ds.key", NULL, dk}};
    for (size_t i = 0; rc == 0 && i < sizeof out / sizeof out[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, out[i].name);
        if (write_pem(path, out[i].x, out[i].k) < 0)
            rc = fail(err, errlen, "%s: cannot write", path);
    }
    X509_free(ds);
    X509_free(csca);
    EVP_PKEY_free(dk);
    EVP_PKEY_free(ck);
    return rc;
}

/* ---- LDS files ---- */

static void make_com(struct buf *b)
{
    put_tlv(b, 0x5F01, "0107", 4);
    put_tlv(b, 0x5F36, "040000", 6);
    put_tlv(b, 0x5C, (const uint8_t[]){LK_LDS_TAG_DG1, LK_LDS_TAG_DG2}, 2);
    wrap(b, LK_LDS_TAG_COM);
}

static void make_dg1(struct buf *b, const struct sim_emrtd_spec *s)
{
    struct buf mrz = {0};
    for (size_t i = 0; i < s->nlines; i++)
        put(&mrz, s->mrz[i], strlen(s->mrz[i]));
    put_tlv(b, 0x5F1F, mrz.p, mrz.n);
    b->oom |= mrz.oom;
    free(mrz.p);
    wrap(b, LK_LDS_TAG_DG1);
}

/* Width and height from a JPEG's SOFn marker or a JP2's ihdr box; 0 when not found. */
static void image_size(const uint8_t *p, size_t n, bool jp2, uint32_t *w, uint32_t *h)
{
    *w = *h = 0;
    for (size_t i = 0; jp2 && i + 12 <= n; i++)
        if (memcmp(p + i, "ihdr", 4) == 0) {
            *h = (uint32_t)p[i + 4] << 24 | (uint32_t)p[i + 5] << 16 | p[i + 6] << 8 | p[i + 7];
            *w = (uint32_t)p[i + 8] << 24 | (uint32_t)p[i + 9] << 16 | p[i + 10] << 8 | p[i + 11];
            return;
        }
    for (size_t i = 2; !jp2 && i + 9 <= n && p[i] == 0xFF;) {
        uint8_t m = p[i + 1];
        size_t len = (size_t)(p[i + 2] << 8 | p[i + 3]);
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            *h = (uint32_t)(p[i + 5] << 8 | p[i + 6]);
            *w = (uint32_t)(p[i + 7] << 8 | p[i + 8]);
            return;
        }
        i += 2 + len;
    }
}

/* DG2: 75 { 7F61 { 02 count, 7F60 { A1 BHT, 5F2E ISO 19794-5 record } } } */
static void make_dg2(struct buf *b, const struct sim_emrtd_spec *s, bool jp2)
{
    uint32_t w, h;
    image_size(s->photo, s->photo_len, jp2, &w, &h);
    struct buf rec = {0}, tmpl = {0}, bht = {0};
    uint32_t facial = 20 + 12 + (uint32_t)s->photo_len;
    put(&rec,
        "FAC\0"
        "010\0",
        8);
    put_be(&rec, 14 + facial, 4);
    put_be(&rec, 1, 2);                    /* one image */
    put_be(&rec, facial, 4);               /* facial record data length */
    put_be(&rec, 0, 2);                    /* feature points */
    put(&rec, (const uint8_t[14]){0}, 14); /* gender .. pose uncertainty: unspecified */
    put_be(&rec, 1, 1);                    /* full frontal */
    put_be(&rec, jp2 ? 1 : 0, 1);          /* image data type */
    put_be(&rec, w, 2);
    put_be(&rec, h, 2);
    put_be(&rec, 1, 1); /* 24-bit RGB */
    put_be(&rec, 2, 1); /* source: digital camera */
    put_be(&rec, 0, 2);
    put_be(&rec, 0, 2);
    put(&rec, s->photo, s->photo_len);
    put_tlv(&bht, 0x80, (const uint8_t[]){0x01, 0x01}, 2); /* ICAO header version */
    put_tlv(&bht, 0x81, (const uint8_t[]){0x02}, 1);       /* biometric type: face */
    put_tlv(&bht, 0x87, (const uint8_t[]){0x01, 0x01}, 2); /* format owner: ISO/IEC JTC 1/SC 37 */
    put_tlv(&bht, 0x88, (const uint8_t[]){0x00, 0x08}, 2); /* format type: face image */
    put_tlv(&tmpl, 0xA1, bht.p, bht.n);
    put_tlv(&tmpl, 0x5F2E, rec.p, rec.n);
    wrap(&tmpl, 0x7F60);
    put_tlv(b, 0x02, (const uint8_t[]){0x01}, 1);
    put(b, tmpl.p, tmpl.n);
    wrap(b, 0x7F61);
    wrap(b, LK_LDS_TAG_DG2);
    b->oom |= rec.oom || tmpl.oom || bht.oom;
    free(rec.p);
    free(tmpl.p);
    free(bht.p);
}

/* LDSSecurityObject v0 with SHA-256 hashes of DG1 and DG2. */
static void make_security_object(struct buf *b, const struct buf *dg1, const struct buf *dg2)
{
    static const uint8_t SHA256_OID[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
    struct buf alg = {0}, list = {0};
    put_tlv(&alg, 0x06, SHA256_OID, sizeof SHA256_OID);
    put_tlv(&alg, 0x05, NULL, 0);
    const struct buf *dgs[] = {dg1, dg2};
    for (int i = 0; i < 2; i++) {
        struct buf e = {0};
        uint8_t h[32], num = (uint8_t)(i + 1);
        EVP_Digest(dgs[i]->p, dgs[i]->n, h, NULL, EVP_sha256(), NULL);
        put_tlv(&e, 0x02, &num, 1);
        put_tlv(&e, 0x04, h, sizeof h);
        put_tlv(&list, 0x30, e.p, e.n);
        free(e.p);
    }
    put_tlv(b, 0x02, (const uint8_t[]){0x00}, 1);
    put_tlv(b, 0x30, alg.p, alg.n);
    put_tlv(b, 0x30, list.p, list.n);
    wrap(b, 0x30);
    free(alg.p);
    free(list.p);
}

static EVP_PKEY *read_key(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/signer/%s", dir, name);
    FILE *f = fopen(path, "rb");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    return k;
}

static X509 *read_cert(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/signer/%s", dir, name);
    FILE *f = fopen(path, "rb");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    return x;
}

/* EF.SOD = 77 { CMS SignedData (id-icao-mrtd-security-ldsSecurityObject) }, signed by ds. */
static int make_sod(struct buf *b, const struct buf *so, const char *dir, char *err, size_t errlen)
{
    EVP_PKEY *key = read_key(dir, "ds.key");
    X509 *ds = read_cert(dir, "ds.pem");
    BIO *in = BIO_new_mem_buf(so->p, (int)so->n);
    ASN1_OBJECT *type = OBJ_txt2obj("2.23.136.1.1.1", 1);
    CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_BINARY);
    int rc = -1;
    unsigned char *der = NULL;
    int dl = 0;
    if (!key || !ds)
        rc = fail(err, errlen, "%s/signer has no ds.pem and ds.key (kioskctl pki make-test-csca)",
                  dir);
    else if (!in || !type || !cms || CMS_set1_eContentType(cms, type) != 1 ||
             !CMS_add1_signer(cms, ds, key, EVP_sha256(), CMS_BINARY | CMS_NOSMIMECAP) ||
             CMS_final(cms, in, NULL, CMS_BINARY) != 1 ||
             (dl = i2d_CMS_ContentInfo(cms, &der)) <= 0)
        rc = fail(err, errlen, "cannot sign EF.SOD");
    else {
        put_tlv(b, LK_LDS_TAG_SOD, der, (size_t)dl);
        rc = 0;
    }
    OPENSSL_free(der);
    CMS_ContentInfo_free(cms);
    ASN1_OBJECT_free(type);
    BIO_free(in);
    X509_free(ds);
    EVP_PKEY_free(key);
    return rc;
}

/* file=FID:HEX lines of at most 400 bytes each (the card parser's lines are < 1024 chars). */
static void put_file(struct buf *t, uint16_t fid, const struct buf *f)
{
    char line[16 + 800 + 2];
    for (size_t off = 0; off < f->n; off += 400) {
        size_t k = f->n - off < 400 ? f->n - off : 400;
        int l = snprintf(line, sizeof line, "file=%04X:", fid);
        for (size_t i = 0; i < k; i++)
            l += snprintf(line + l, sizeof line - (size_t)l, "%02X", f->p[off + i]);
        line[l++] = '\n';
        put(t, line, (size_t)l);
    }
}

static void put_str(struct buf *t, const char *s)
{
    put(t, s, strlen(s));
}

static void card_header(struct buf *t, const char *what, const char *app)
{
    uint8_t uid[3];
    char line[128];
    if (RAND_bytes(uid, sizeof uid) != 1)
        memset(uid, 0x5A, sizeof uid);
    snprintf(line, sizeof line,
             "# %s, written by kioskctl\ntype=iso14443a\nuid=08%02X%02X%02X\natqa=0004\nsak=20\n"
             "app=%s\n",
             what, uid[0], uid[1], uid[2], app);
    put_str(t, line);
}

static int finish_text(struct buf *t, char **text, char *err, size_t errlen)
{
    put(t, "", 1);
    if (t->oom) {
        free(t->p);
        return fail(err, errlen, "out of memory");
    }
    *text = (char *)t->p;
    return 0;
}

int sim_make_emrtd(const struct sim_emrtd_spec *s, char **text, char *err, size_t errlen)
{
    const uint8_t *p = s->photo;
    bool jp2 = s->photo_len > 4 && ((p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0x0C) ||
                                    (p[0] == 0xFF && p[1] == 0x4F));
    bool jpeg = s->photo_len > 3 && p[0] == 0xFF && p[1] == 0xD8;
    if (!jp2 && !jpeg)
        return fail(err, errlen, "the photo is neither JPEG nor JPEG 2000");
    struct buf com = {0}, dg1 = {0}, dg2 = {0}, so = {0}, sod = {0}, t = {0};
    make_com(&com);
    make_dg1(&dg1, s);
    make_dg2(&dg2, s, jp2);
    make_security_object(&so, &dg1, &dg2);
    int rc = make_sod(&sod, &so, s->csca_dir, err, errlen);
    if (rc == 0 && s->tamper) {
        struct buf *victim = strcmp(s->tamper, "dg1") == 0 ? &dg1 : &dg2;
        victim->p[victim->n - 1] ^= 0x01; /* last byte: MRZ filler or image trailer */
    }
    card_header(&t, "ICAO 9303 eMRTD (BAC)", "emrtd");
    put_file(&t, LK_LDS_FID_COM, &com);
    put_file(&t, LK_LDS_FID_DG1, &dg1);
    put_file(&t, LK_LDS_FID_DG2, &dg2);
    put_file(&t, LK_LDS_FID_SOD, &sod);
    t.oom |= com.oom || dg1.oom || dg2.oom || so.oom || sod.oom;
    free(com.p);
    free(dg1.p);
    free(dg2.p);
    free(so.p);
    free(sod.p);
    if (rc < 0) {
        free(t.p);
        return rc;
    }
    return finish_text(&t, text, err, errlen);
}

int sim_make_service(const uint8_t *payload, size_t n, char **text, char *err, size_t errlen)
{
    struct buf t = {0};
    char hex[2 * 400 + 16];
    if (n == 0 || n > 32767)
        return fail(err, errlen, "the payload must be 1..32767 bytes");
    card_header(&t, "technician service card (AID F04C4B53564301)", "service");
    for (size_t off = 0; off < n; off += 400) {
        size_t k = n - off < 400 ? n - off : 400;
        int l = snprintf(hex, sizeof hex, "payload=");
        for (size_t i = 0; i < k; i++)
            l += snprintf(hex + l, sizeof hex - (size_t)l, "%02X", payload[off + i]);
        hex[l++] = '\n';
        put(&t, hex, (size_t)l);
    }
    return finish_text(&t, text, err, errlen);
}
