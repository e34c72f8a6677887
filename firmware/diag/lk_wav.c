/* lk_wav: the RIFF/WAVE PCM header check (see the header). */
#include "kiosk/lk_wav.h"

#include <string.h>

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned le16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static int check_fmt(const uint8_t *c, uint32_t n, lk_wav_info *out, lk_err *err)
{
    if (n < 16)
        return lk_err_set(err, LK_EPROTO, "fmt chunk of %u bytes", (unsigned)n);
    unsigned format = le16(c), ch = le16(c + 2), bits = le16(c + 14);
    uint32_t rate = le32(c + 4);
    if (format != 1)
        return lk_err_set(err, LK_EPROTO, "not PCM (format %u)", format);
    if (ch < 1 || ch > 2 || (bits != 8 && bits != 16) || rate < 8000 || rate > 48000)
        return lk_err_set(err, LK_EPROTO, "unplayable PCM: %u ch, %u bits, %u Hz", ch, bits,
                          (unsigned)rate);
    out->channels = ch;
    out->bits = bits;
    out->rate = (unsigned)rate;
    return 0;
}

int lk_wav_check(const uint8_t *buf, size_t len, lk_wav_info *out, lk_err *err)
{
    memset(out, 0, sizeof *out);
    if (len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0)
        return lk_err_set(err, LK_EPROTO, "not a RIFF/WAVE file");
    int have_fmt = 0;
    size_t at = 12;
    while (len - at >= 8) {
        const uint8_t *h = buf + at;
        uint32_t n = le32(h + 4);
        if (n > len - at - 8)
            return lk_err_set(err, LK_EPROTO, "chunk %.4s runs past the end", (const char *)h);
        if (memcmp(h, "fmt ", 4) == 0) {
            int rc = check_fmt(h + 8, n, out, err);
            if (rc != 0)
                return rc;
            have_fmt = 1;
        } else if (memcmp(h, "data", 4) == 0) {
            if (!have_fmt)
                return lk_err_set(err, LK_EPROTO, "data before fmt");
            if (n == 0)
                return lk_err_set(err, LK_EPROTO, "no samples");
            out->data_len = n;
            uint64_t bytes_per_s = (uint64_t)out->rate * out->channels * (out->bits / 8);
            out->duration_ms = (unsigned)((uint64_t)n * 1000u / bytes_per_s);
            return 0;
        }
        at += 8 + (size_t)n + (n & 1); /* chunks are padded to even sizes */
        if (at > len)
            break;
    }
    return lk_err_set(err, LK_EPROTO, have_fmt ? "no data chunk" : "no fmt chunk");
}
