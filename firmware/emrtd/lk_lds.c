/* lk_lds: EF.COM, DG1, DG2 and EF.SOD as ICAO 9303 Part 10 lays them out. Every step walks with
 * lk_tlv, so a length never points outside the file that was read. */
#include <stdio.h>
#include <string.h>

#include "kiosk/lk_lds.h"
#include "kiosk/lk_tlv.h"

/* The one tag every parser expects at the top of its file, with nothing after it. */
static int outer(const uint8_t *buf, size_t n, uint32_t tag, const char *what, lk_tlv *t,
                 lk_err *err)
{
    int k = lk_tlv_read(buf, n, t, err);
    if (k < 0)
        return k;
    if (t->tag != tag)
        return lk_err_set(err, LK_EINVAL, "%s: expected tag %X, found %X", what, (unsigned)tag,
                          (unsigned)t->tag);
    return 0;
}

static void copy_text(char *dst, size_t cap, const lk_tlv *t)
{
    size_t n = t->len < cap - 1 ? t->len : cap - 1;
    for (size_t i = 0; i < n; i++)
        dst[i] = (t->value[i] >= 0x20 && t->value[i] < 0x7F) ? (char)t->value[i] : '?';
    dst[n] = '\0';
}

int lk_lds_parse_com(const uint8_t *buf, size_t n, lk_lds_com *out, lk_err *err)
{
    lk_tlv f, t;
    memset(out, 0, sizeof *out);
    int rc = outer(buf, n, LK_LDS_TAG_COM, "EF.COM", &f, err);
    if (rc < 0)
        return rc;
    if ((rc = lk_tlv_find(f.value, f.len, 0x5F01, &t, err)) < 0)
        return rc;
    copy_text(out->lds_version, sizeof out->lds_version, &t);
    if ((rc = lk_tlv_find(f.value, f.len, 0x5F36, &t, err)) < 0)
        return rc;
    copy_text(out->unicode_version, sizeof out->unicode_version, &t);
    if ((rc = lk_tlv_find(f.value, f.len, 0x5C, &t, err)) < 0)
        return rc;
    if (t.len > sizeof out->tags)
        return lk_err_set(err, LK_EINVAL, "EF.COM: %zu data group tags", t.len);
    memcpy(out->tags, t.value, t.len);
    out->ntags = t.len;
    return 0;
}

int lk_lds_dg_of_tag(uint8_t tag)
{
    static const uint8_t tags[] = {0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68,
                                   0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70};
    for (size_t i = 0; i < sizeof tags; i++)
        if (tags[i] == tag)
            return (int)i + 1;
    return 0;
}

int lk_lds_parse_dg1(const uint8_t *buf, size_t n, lk_mrz *out, const uint8_t **mrz,
                     size_t *mrz_len, lk_err *err)
{
    lk_tlv f, t;
    memset(out, 0, sizeof *out);
    int rc = outer(buf, n, LK_LDS_TAG_DG1, "DG1", &f, err);
    if (rc < 0 || (rc = lk_tlv_find(f.value, f.len, 0x5F1F, &t, err)) < 0)
        return rc;
    size_t width = t.len == 90 ? 30 : t.len == 88 ? 44 : 0;
    if (width == 0) {
        snprintf(out->reason, sizeof out->reason,
                 "DG1: MRZ of %zu characters is neither TD1 nor TD3", t.len);
        return lk_err_set(err, LK_EINVAL, "%s", out->reason);
    }
    const char *lines[3];
    size_t lens[3], nlines = t.len / width;
    for (size_t i = 0; i < nlines; i++) {
        lines[i] = (const char *)t.value + i * width;
        lens[i] = width;
    }
    if (mrz) {
        *mrz = t.value;
        *mrz_len = t.len;
    }
    rc = lk_mrz_parse(lines, lens, nlines, out);
    if (rc < 0)
        return lk_err_set(err, LK_EINVAL, "DG1: %s", out->reason);
    return 0;
}

static uint32_t be(const uint8_t *p, size_t n)
{
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static bool is_jpeg(const uint8_t *p, size_t n)
{
    return n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF;
}

static bool is_jp2(const uint8_t *p, size_t n)
{
    static const uint8_t box[] = {0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20};
    static const uint8_t j2k[] = {0xFF, 0x4F, 0xFF, 0x51};
    return (n >= sizeof box && memcmp(p, box, sizeof box) == 0) ||
           (n >= sizeof j2k && memcmp(p, j2k, sizeof j2k) == 0);
}

/* ISO/IEC 19794-5:2005: "FAC\0" "010\0", record length (4), image count (2); per image a
 * facial record: length (4), feature points (2), 16 more bytes of facial information, 8 bytes per
 * feature point, 12 bytes of image information (type, data type, width, height, ...), data. */
static int face_record(const uint8_t *p, size_t n, lk_lds_face *out, lk_err *err)
{
    if (n < 14 + 20 + 12 || memcmp(p, "FAC\0", 4) != 0)
        return lk_err_set(err, LK_EINVAL, "DG2: not an ISO 19794-5 face record");
    if (be(p + 12, 2) < 1)
        return lk_err_set(err, LK_EINVAL, "DG2: face record holds no image");
    const uint8_t *r = p + 14;
    size_t left = n - 14;
    size_t rec_len = be(r, 4), points = be(r + 4, 2);
    size_t head = 20 + 8 * points + 12;
    if (rec_len > left || rec_len < head)
        return lk_err_set(err, LK_EINVAL, "DG2: facial record length %zu does not fit", rec_len);
    const uint8_t *info = r + 20 + 8 * points;
    out->format = info[1] == 1 ? LK_FACE_JP2 : LK_FACE_JPEG;
    out->width = (uint16_t)be(info + 2, 2);
    out->height = (uint16_t)be(info + 4, 2);
    out->image = r + head;
    out->image_len = rec_len - head;
    if (info[1] > 1)
        return lk_err_set(err, LK_ENOTSUP, "DG2: image data type %u", info[1]);
    bool ok = out->format == LK_FACE_JP2 ? is_jp2(out->image, out->image_len)
                                         : is_jpeg(out->image, out->image_len);
    if (!ok)
        return lk_err_set(err, LK_EINVAL, "DG2: image bytes are not %s",
                          out->format == LK_FACE_JP2 ? "JPEG 2000" : "JPEG");
    return 0;
}

int lk_lds_parse_dg2(const uint8_t *buf, size_t n, lk_lds_face *out, lk_err *err)
{
    lk_tlv f, group, tmpl, data;
    memset(out, 0, sizeof *out);
    int rc = outer(buf, n, LK_LDS_TAG_DG2, "DG2", &f, err);
    if (rc < 0 || (rc = lk_tlv_find(f.value, f.len, 0x7F61, &group, err)) < 0)
        return rc;
    if ((rc = lk_tlv_find(group.value, group.len, 0x7F60, &tmpl, err)) < 0)
        return rc;
    rc = lk_tlv_find(tmpl.value, tmpl.len, 0x5F2E, &data, err);
    if (rc == LK_ENOENT) /* the enciphered form 7F2E carries the same record here */
        rc = lk_tlv_find(tmpl.value, tmpl.len, 0x7F2E, &data, err);
    if (rc < 0)
        return rc;
    return face_record(data.value, data.len, out, err);
}

static const struct {
    const char *name;
    uint8_t oid[9];
    size_t len;
} HASHES[] = {
    {"sha1", {0x2B, 0x0E, 0x03, 0x02, 0x1A}, 5},
    {"sha256", {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}, 9},
    {"sha384", {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02}, 9},
    {"sha512", {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03}, 9},
    {"sha224", {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04}, 9},
};

static bool oid_is(const lk_tlv *t, const uint8_t *oid, size_t len)
{
    return t->tag == 0x06 && t->len == len && memcmp(t->value, oid, len) == 0;
}

/* A child of `parent` that must be there, with the expected tag. */
static int child(const lk_tlv *parent, size_t *off, uint32_t tag, lk_tlv *out, const char *what,
                 lk_err *err)
{
    int rc = lk_tlv_next(parent->value, parent->len, off, out, err);
    if (rc < 0)
        return rc;
    if (rc == 0 || out->tag != tag)
        return lk_err_set(err, LK_EINVAL, "EF.SOD: %s missing", what);
    return 0;
}

/* LDSSecurityObject ::= SEQUENCE { version, hashAlgorithm AlgorithmIdentifier,
 *   dataGroupHashValues SEQUENCE OF SEQUENCE { INTEGER dg, OCTET STRING hash }, ... } */
static int security_object(const uint8_t *p, size_t n, lk_lds_sod *out, lk_err *err)
{
    lk_tlv so, t, alg, oid, list, entry, num, hash;
    size_t off = 0, aoff = 0, loff = 0;
    int rc;
    if ((rc = lk_tlv_read(p, n, &so, err)) < 0 || so.tag != 0x30)
        return rc < 0 ? rc : lk_err_set(err, LK_EINVAL, "EF.SOD: security object not a SEQUENCE");
    if ((rc = child(&so, &off, 0x02, &t, "version", err)) < 0 ||
        (rc = child(&so, &off, 0x30, &alg, "hash algorithm", err)) < 0 ||
        (rc = child(&alg, &aoff, 0x06, &oid, "hash OID", err)) < 0 ||
        (rc = child(&so, &off, 0x30, &list, "data group hashes", err)) < 0)
        return rc;
    for (size_t i = 0; i < sizeof HASHES / sizeof HASHES[0]; i++)
        if (oid_is(&oid, HASHES[i].oid, HASHES[i].len))
            snprintf(out->hash_alg, sizeof out->hash_alg, "%s", HASHES[i].name);
    if (!out->hash_alg[0])
        return lk_err_set(err, LK_ENOTSUP, "EF.SOD: unknown hash algorithm");
    while ((rc = lk_tlv_next(list.value, list.len, &loff, &entry, err)) == 1) {
        size_t eoff = 0;
        if (entry.tag != 0x30 || (rc = child(&entry, &eoff, 0x02, &num, "DG number", err)) < 0 ||
            (rc = child(&entry, &eoff, 0x04, &hash, "DG hash", err)) < 0)
            return rc < 0 ? rc : lk_err_set(err, LK_EINVAL, "EF.SOD: bad hash entry");
        if (out->nhashes >= LK_LDS_MAX_HASHES || num.len != 1 || num.value[0] < 1 ||
            num.value[0] > 16 || hash.len > LK_LDS_MAX_HASH)
            return lk_err_set(err, LK_EINVAL, "EF.SOD: bad data group hash entry");
        out->hashes[out->nhashes].dg = num.value[0];
        memcpy(out->hashes[out->nhashes].hash, hash.value, hash.len);
        out->hashes[out->nhashes++].len = hash.len;
    }
    return rc;
}

int lk_lds_parse_sod(const uint8_t *buf, size_t n, lk_lds_sod *out, lk_err *err)
{
    static const uint8_t SIGNED_DATA[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02};
    static const uint8_t LDS_SO[] = {0x67, 0x81, 0x08, 0x01, 0x01, 0x01};
    lk_tlv f, ci, t, wrap, sd, eci, ectx, ec;
    size_t off = 0, soff = 0, eoff = 0;
    memset(out, 0, sizeof *out);
    int rc = outer(buf, n, LK_LDS_TAG_SOD, "EF.SOD", &f, err);
    if (rc < 0 || (rc = outer(f.value, f.len, 0x30, "EF.SOD ContentInfo", &ci, err)) < 0)
        return rc;
    out->cms = f.value;
    out->cms_len = ci.hdr_len + ci.len;
    if ((rc = child(&ci, &off, 0x06, &t, "content type", err)) < 0)
        return rc;
    if (!oid_is(&t, SIGNED_DATA, sizeof SIGNED_DATA))
        return lk_err_set(err, LK_EINVAL, "EF.SOD: not CMS signedData");
    if ((rc = child(&ci, &off, 0xA0, &wrap, "[0] content", err)) < 0 ||
        (rc = outer(wrap.value, wrap.len, 0x30, "EF.SOD SignedData", &sd, err)) < 0 ||
        (rc = child(&sd, &soff, 0x02, &t, "version", err)) < 0 ||
        (rc = child(&sd, &soff, 0x31, &t, "digest algorithms", err)) < 0 ||
        (rc = child(&sd, &soff, 0x30, &eci, "encapsulated content", err)) < 0 ||
        (rc = child(&eci, &eoff, 0x06, &t, "eContentType", err)) < 0)
        return rc;
    if (!oid_is(&t, LDS_SO, sizeof LDS_SO))
        return lk_err_set(err, LK_EINVAL, "EF.SOD: content is not an LDS security object");
    if ((rc = child(&eci, &eoff, 0xA0, &ectx, "[0] eContent", err)) < 0 ||
        (rc = outer(ectx.value, ectx.len, 0x04, "EF.SOD eContent", &ec, err)) < 0)
        return rc;
    out->econtent = ec.value;
    out->econtent_len = ec.len;
    return security_object(ec.value, ec.len, out, err);
}

const uint8_t *lk_lds_sod_hash(const lk_lds_sod *s, int dg, size_t *len)
{
    for (size_t i = 0; i < s->nhashes; i++)
        if (s->hashes[i].dg == dg) {
            *len = s->hashes[i].len;
            return s->hashes[i].hash;
        }
    return NULL;
}
