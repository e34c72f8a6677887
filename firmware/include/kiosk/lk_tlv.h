/* lk_tlv: a bounds-checked BER-TLV reader (ISO 7816-4 / ASN.1 DER as the eMRTD's files use it)
 * and the matching header writer. Pure code over caller buffers: it is what every parser of
 * card bytes walks with, and what fuzz_tlv drives. Indefinite lengths are refused (LDS files
 * and DER never use them). */
#ifndef LK_KIOSK_LK_TLV_H
#define LK_KIOSK_LK_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_err.h"

typedef struct lk_tlv {
    uint32_t tag;         /* the tag bytes as one number: 0x61, 0x5F1F, 0x7F61 */
    bool constructed;     /* bit 6 of the first tag byte */
    const uint8_t *value; /* points into the buffer that was read */
    size_t len;           /* value length */
    size_t hdr_len;       /* tag + length bytes */
} lk_tlv;

/* Reads the TLV at buf[0..n). Returns the bytes it spans (hdr_len + len), or LK_EINVAL when the
 * header is malformed or the value runs past n. */
int lk_tlv_read(const uint8_t *buf, size_t n, lk_tlv *out, lk_err *err);

/* Reads only the header at buf[0..n) and reports the whole object's size in *total (which may
 * exceed n): how a file read in chunks learns its length from its first bytes. Returns 0 or
 * LK_EINVAL. */
int lk_tlv_peek(const uint8_t *buf, size_t n, uint32_t *tag, size_t *total, lk_err *err);

/* Finds the first TLV tagged `tag` among the sibling TLVs in buf[0..n). Returns 0, LK_ENOENT or
 * LK_EINVAL (a malformed sibling before it). */
int lk_tlv_find(const uint8_t *buf, size_t n, uint32_t tag, lk_tlv *out, lk_err *err);

/* Iterates siblings: *off is the position in buf (start with 0). Returns 1 with *out filled,
 * 0 at the end, LK_EINVAL on a malformed TLV. */
int lk_tlv_next(const uint8_t *buf, size_t n, size_t *off, lk_tlv *out, lk_err *err);

/* Writes a tag and a DER length for a value of len bytes to out (cap bytes). Returns the header
 * size, or LK_ENOSPC. */
int lk_tlv_put_header(uint8_t *out, size_t cap, uint32_t tag, size_t len);

#endif
