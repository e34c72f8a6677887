/* lk_tlv: BER-TLV headers, read and written. Every length is checked against what is left of
 * the buffer before anything points past it. */
#include "kiosk/lk_tlv.h"

#define MAX_TAG_BYTES 4
#define MAX_LEN_BYTES 4

static int read_tag(const uint8_t *buf, size_t n, uint32_t *tag, size_t *used)
{
    if (n < 1)
        return -1;
    uint32_t t = buf[0];
    size_t i = 1;
    if ((buf[0] & 0x1F) == 0x1F) {
        /* Multi-byte tag: continuation bytes have bit 8 set, the last one clear. */
        do {
            if (i >= n || i >= MAX_TAG_BYTES)
                return -1;
            t = t << 8 | buf[i];
        } while (buf[i++] & 0x80);
    }
    *tag = t;
    *used = i;
    return 0;
}

static int read_len(const uint8_t *buf, size_t n, size_t *len, size_t *used)
{
    if (n < 1)
        return -1;
    if (buf[0] < 0x80) {
        *len = buf[0];
        *used = 1;
        return 0;
    }
    size_t k = buf[0] & 0x7F;
    if (k == 0 || k > MAX_LEN_BYTES || n < 1 + k)
        return -1; /* 0x80 is the indefinite form */
    size_t v = 0;
    for (size_t i = 1; i <= k; i++)
        v = v << 8 | buf[i];
    if (v > 0x7FFFFFFF)
        return -1;
    *len = v;
    *used = 1 + k;
    return 0;
}

static int header(const uint8_t *buf, size_t n, lk_tlv *out)
{
    size_t tl = 0, ll = 0;
    if (read_tag(buf, n, &out->tag, &tl) < 0 || read_len(buf + tl, n - tl, &out->len, &ll) < 0)
        return -1;
    out->constructed = (buf[0] & 0x20) != 0;
    out->hdr_len = tl + ll;
    out->value = buf + out->hdr_len;
    return 0;
}

int lk_tlv_read(const uint8_t *buf, size_t n, lk_tlv *out, lk_err *err)
{
    if (n > 0x7FFFFFFF || header(buf, n, out) < 0)
        return lk_err_set(err, LK_EINVAL, "malformed TLV header");
    if (out->len > n - out->hdr_len)
        return lk_err_set(err, LK_EINVAL, "TLV %X: value of %zu bytes runs past the data (%zu)",
                          (unsigned)out->tag, out->len, n - out->hdr_len);
    return (int)(out->hdr_len + out->len);
}

int lk_tlv_peek(const uint8_t *buf, size_t n, uint32_t *tag, size_t *total, lk_err *err)
{
    lk_tlv t;
    if (header(buf, n, &t) < 0)
        return lk_err_set(err, LK_EINVAL, "malformed or incomplete TLV header");
    *tag = t.tag;
    *total = t.hdr_len + t.len;
    return 0;
}

int lk_tlv_next(const uint8_t *buf, size_t n, size_t *off, lk_tlv *out, lk_err *err)
{
    if (*off >= n)
        return 0;
    int k = lk_tlv_read(buf + *off, n - *off, out, err);
    if (k < 0)
        return k;
    *off += (size_t)k;
    return 1;
}

int lk_tlv_find(const uint8_t *buf, size_t n, uint32_t tag, lk_tlv *out, lk_err *err)
{
    size_t off = 0;
    int rc;
    while ((rc = lk_tlv_next(buf, n, &off, out, err)) == 1)
        if (out->tag == tag)
            return 0;
    if (rc < 0)
        return rc;
    return lk_err_set(err, LK_ENOENT, "TLV %X not found", (unsigned)tag);
}

int lk_tlv_put_header(uint8_t *out, size_t cap, uint32_t tag, size_t len)
{
    uint8_t h[10];
    size_t i = 0;
    for (int shift = 24; shift > 0; shift -= 8)
        if (tag >> shift)
            h[i++] = (uint8_t)(tag >> shift);
    h[i++] = (uint8_t)tag;
    if (len < 0x80) {
        h[i++] = (uint8_t)len;
    } else {
        size_t k = len > 0xFFFFFF ? 4 : len > 0xFFFF ? 3 : len > 0xFF ? 2 : 1;
        h[i++] = (uint8_t)(0x80 | k);
        for (size_t b = k; b > 0; b--)
            h[i++] = (uint8_t)(len >> (8 * (b - 1)));
    }
    if (i > cap)
        return LK_ENOSPC;
    for (size_t b = 0; b < i; b++)
        out[b] = h[b];
    return (int)i;
}
