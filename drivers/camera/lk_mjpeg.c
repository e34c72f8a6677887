/* lk_mjpeg: JPEG frame boundaries in an MJPEG byte stream. */
#include "lk_mjpeg.h"

static int is_sof(uint8_t m)
{
    /* SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

/* Skips the entropy-coded data after SOS: the offset of the next real marker, or len. */
static size_t scan_entropy(const uint8_t *buf, size_t len, size_t i)
{
    while (i + 1 < len) {
        uint8_t m = buf[i + 1];
        if (buf[i] != 0xFF)
            i++;
        else if (m == 0xFF)
            i++; /* fill byte */
        else if (m == 0x00 || (m >= 0xD0 && m <= 0xD7))
            i += 2; /* stuffed 0xFF, restart marker */
        else
            return i;
    }
    return len;
}

static void read_sof(const uint8_t *seg, size_t seglen, uint32_t *w, uint32_t *h)
{
    if (seglen >= 7) {
        if (h)
            *h = (uint32_t)seg[3] << 8 | seg[4];
        if (w)
            *w = (uint32_t)seg[5] << 8 | seg[6];
    }
}

size_t lk_mjpeg_image_len(const uint8_t *buf, size_t len, uint32_t *w, uint32_t *h)
{
    if (w)
        *w = 0;
    if (h)
        *h = 0;
    if (len < 4 || buf[0] != 0xFF || buf[1] != 0xD8)
        return 0;
    size_t i = 2;
    for (;;) {
        while (i < len && buf[i] == 0xFF && i + 1 < len && buf[i + 1] == 0xFF)
            i++; /* fill bytes before a marker */
        if (i + 2 > len || buf[i] != 0xFF)
            return 0;
        uint8_t m = buf[i + 1];
        if (m == 0xD9)
            return i + 2;
        if (i + 4 > len)
            return 0;
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { /* markers without a length */
            i += 2;
            continue;
        }
        size_t seglen = (size_t)buf[i + 2] << 8 | buf[i + 3];
        if (seglen < 2 || seglen > len - i - 2)
            return 0;
        if (is_sof(m))
            read_sof(buf + i + 2, seglen, w, h);
        i += 2 + seglen;
        if (m != 0xDA)
            continue;
        /* After a scan: EOI, or more segments (progressive JPEGs have several scans). */
        i = scan_entropy(buf, len, i);
        if (i + 1 >= len)
            return 0;
    }
}

size_t lk_mjpeg_next_soi(const uint8_t *buf, size_t len, size_t from)
{
    for (size_t i = from; i + 2 < len; i++)
        if (buf[i] == 0xFF && buf[i + 1] == 0xD8 && buf[i + 2] == 0xFF)
            return i;
    return len;
}
