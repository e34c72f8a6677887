/* lk_lds: parsers of the ICAO 9303 (Part 10) LDS1 files an eMRTD chip holds: EF.COM (which data
 * groups exist), DG1 (the MRZ, parsed by lk_mrz), DG2 (the ISO/IEC 19794-5 face record inside the
 * biometric information template, down to the JPEG or JPEG 2000 image) and the structure of
 * EF.SOD (the CMS SignedData around the LDS security object and its data-group hashes). Pure
 * code over caller buffers, no crypto: the signature is lk_pa's business. Each has a fuzz target.
 */
#ifndef LK_KIOSK_LK_LDS_H
#define LK_KIOSK_LK_LDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_err.h"
#include "kiosk/lk_mrz.h"

/* File identifiers (for SELECT) and the first tag of each file. */
#define LK_LDS_FID_COM 0x011E
#define LK_LDS_FID_DG1 0x0101
#define LK_LDS_FID_DG2 0x0102
#define LK_LDS_FID_SOD 0x011D
#define LK_LDS_TAG_COM 0x60
#define LK_LDS_TAG_DG1 0x61
#define LK_LDS_TAG_DG2 0x75
#define LK_LDS_TAG_SOD 0x77

typedef struct lk_lds_com {
    char lds_version[5];     /* "0107" */
    char unicode_version[7]; /* "040000" */
    uint8_t tags[32];        /* the data groups' tags, e.g. 61 75 */
    size_t ntags;
} lk_lds_com;

int lk_lds_parse_com(const uint8_t *buf, size_t n, lk_lds_com *out, lk_err *err);

/* The data group number (1..16) a tag of EF.COM names, or 0. */
int lk_lds_dg_of_tag(uint8_t tag);

/* DG1: tag 61 { 5F1F MRZ }. The MRZ is split into lines by its length (90: TD1, 88: TD3) and
 * parsed with lk_mrz_parse. Returns 0 when the MRZ is valid, LK_EINVAL otherwise (out->reason).
 * The raw MRZ (not NUL-terminated) is left at *mrz / *mrz_len when those are not NULL. */
int lk_lds_parse_dg1(const uint8_t *buf, size_t n, lk_mrz *out, const uint8_t **mrz,
                     size_t *mrz_len, lk_err *err);

typedef enum lk_face_format {
    LK_FACE_JPEG = 0, /* ISO 19794-5 image data type 0 */
    LK_FACE_JP2 = 1,  /* JPEG 2000 (JP2 file or raw codestream) */
} lk_face_format;

typedef struct lk_lds_face {
    lk_face_format format;
    uint16_t width, height; /* as the record states them */
    const uint8_t *image;   /* points into the DG2 buffer */
    size_t image_len;
} lk_lds_face;

/* DG2: 75 { 7F61 { 02 count, 7F60 { A1 header, 5F2E|7F2E 19794-5 record } ... } }. Takes the
 * first face image. The format is what the record says, confirmed by the image's magic bytes. */
int lk_lds_parse_dg2(const uint8_t *buf, size_t n, lk_lds_face *out, lk_err *err);

#define LK_LDS_MAX_HASHES 16
#define LK_LDS_MAX_HASH   64

typedef struct lk_lds_sod {
    const uint8_t *cms; /* the CMS ContentInfo DER inside tag 77 */
    size_t cms_len;
    const uint8_t *econtent; /* the DER LDSSecurityObject that the signature covers */
    size_t econtent_len;
    char hash_alg[8]; /* "sha1", "sha224", "sha256", "sha384", "sha512" */
    size_t nhashes;
    struct {
        int dg; /* 1..16 */
        uint8_t hash[LK_LDS_MAX_HASH];
        size_t len;
    } hashes[LK_LDS_MAX_HASHES];
} lk_lds_sod;

/* EF.SOD's structure: 77 { ContentInfo(signedData) { SignedData { ..., encapContentInfo
 * { id-icao-ldsSecurityObject, [0] OCTET STRING LDSSecurityObject }, ... } } }. */
int lk_lds_parse_sod(const uint8_t *buf, size_t n, lk_lds_sod *out, lk_err *err);

/* The SOD's hash of data group dg, or NULL. */
const uint8_t *lk_lds_sod_hash(const lk_lds_sod *s, int dg, size_t *len);

#endif
