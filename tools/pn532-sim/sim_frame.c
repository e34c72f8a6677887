/* sim_frame: the PN532 UART frame codec. Pure functions over byte buffers; see sim_frame.h. */
#include <string.h>

#include "sim_frame.h"

static const uint8_t ACK_FRAME[] = {0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00};
static const uint8_t NACK_FRAME[] = {0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00};
static const uint8_t ERROR_FRAME[] = {0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00};

static size_t find_start_code(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (buf[i] == 0x00 && buf[i + 1] == 0xFF)
            return i;
    return len;
}

/* Checks the DCS and fills f from TFI+PD at body[0..n). n >= 1 is guaranteed by the callers. */
static enum sim_frame_kind take_body(const uint8_t *body, size_t n, struct sim_frame *f)
{
    uint8_t sum = 0;
    for (size_t i = 0; i <= n; i++) /* TFI + PD + DCS */
        sum = (uint8_t)(sum + body[i]);
    if (sum != 0 || n - 1 > SIM_FRAME_MAX_PD)
        return SIM_FRAME_BAD;
    f->tfi = body[0];
    f->pd_len = n - 1;
    memcpy(f->pd, body + 1, n - 1);
    return SIM_FRAME_DATA;
}

/* Parses from the start code at p (p[0..1] = 00 FF), avail bytes available from p. Sets *used to
 * the bytes of the frame from p, postamble excluded. */
static enum sim_frame_kind parse_at(const uint8_t *p, size_t avail, struct sim_frame *f,
                                    size_t *used)
{
    *used = 2; /* a BAD frame drops its start code */
    if (avail < 4)
        return SIM_FRAME_NEED_MORE;
    uint8_t l = p[2], lcs = p[3];
    if (l == 0x00 && lcs == 0xFF) {
        *used = 4;
        return SIM_FRAME_ACK;
    }
    if (l == 0xFF && lcs == 0xFF) {
        if (avail < 7)
            return SIM_FRAME_NEED_MORE;
        if ((uint8_t)(p[4] + p[5] + p[6]) != 0)
            return SIM_FRAME_BAD;
        size_t n = (size_t)p[4] << 8 | p[5];
        if (n == 0 || n - 1 > SIM_FRAME_MAX_PD)
            return SIM_FRAME_BAD;
        if (avail < 7 + n + 1)
            return SIM_FRAME_NEED_MORE;
        f->extended = true;
        *used = 7 + n + 1;
        return take_body(p + 7, n, f);
    }
    if (l == 0xFF && lcs == 0x00) {
        *used = 4;
        return SIM_FRAME_NACK;
    }
    if ((uint8_t)(l + lcs) != 0 || l == 0)
        return SIM_FRAME_BAD;
    if (avail < 4 + (size_t)l + 1)
        return SIM_FRAME_NEED_MORE;
    if (l == 1 && p[4] == 0x7F && p[5] == 0x81) {
        *used = 6;
        return SIM_FRAME_ERROR;
    }
    *used = 4 + (size_t)l + 1;
    return take_body(p + 4, l, f);
}

enum sim_frame_kind sim_frame_parse(const uint8_t *buf, size_t len, struct sim_frame *f,
                                    size_t *consumed)
{
    memset(f, 0, offsetof(struct sim_frame, pd));
    size_t start = find_start_code(buf, len);
    if (start == len) {
        /* Keep a trailing 00: it may be the first half of a start code still on the wire. */
        *consumed = (len > 0 && buf[len - 1] == 0x00) ? len - 1 : len;
        return SIM_FRAME_NEED_MORE;
    }
    size_t used = 0;
    enum sim_frame_kind k = parse_at(buf + start, len - start, f, &used);
    if (k == SIM_FRAME_NEED_MORE) {
        *consumed = start;
        return k;
    }
    *consumed = start + used;
    /* The postamble is optional to the parser: a missing one must not stall the command. */
    if (k != SIM_FRAME_BAD && *consumed < len && buf[*consumed] == 0x00 &&
        !(*consumed + 1 < len && buf[*consumed + 1] == 0xFF))
        (*consumed)++;
    f->kind = k;
    return k;
}

size_t sim_frame_encode(uint8_t tfi, const uint8_t *pd, size_t n, uint8_t *out, size_t cap)
{
    if (n > SIM_FRAME_MAX_PD || cap < n + SIM_FRAME_OVERHEAD)
        return 0;
    size_t len = n + 1, i = 0;
    out[i++] = 0x00;
    out[i++] = 0x00;
    out[i++] = 0xFF;
    if (len <= 0xFF) {
        out[i++] = (uint8_t)len;
        out[i++] = (uint8_t)(0x100 - len);
    } else {
        out[i++] = 0xFF;
        out[i++] = 0xFF;
        out[i++] = (uint8_t)(len >> 8);
        out[i++] = (uint8_t)len;
        out[i++] = (uint8_t)(0x100 - ((len >> 8) + (len & 0xFF)));
    }
    uint8_t sum = tfi;
    out[i++] = tfi;
    for (size_t k = 0; k < n; k++) {
        out[i++] = pd[k];
        sum = (uint8_t)(sum + pd[k]);
    }
    out[i++] = (uint8_t)(0x100 - sum);
    out[i++] = 0x00;
    return i;
}

static size_t copy_fixed(const uint8_t *frame, size_t n, uint8_t *out, size_t cap)
{
    if (cap < n)
        return 0;
    memcpy(out, frame, n);
    return n;
}

size_t sim_frame_ack(uint8_t *out, size_t cap)
{
    return copy_fixed(ACK_FRAME, sizeof ACK_FRAME, out, cap);
}

size_t sim_frame_nack(uint8_t *out, size_t cap)
{
    return copy_fixed(NACK_FRAME, sizeof NACK_FRAME, out, cap);
}

size_t sim_frame_error(uint8_t *out, size_t cap)
{
    return copy_fixed(ERROR_FRAME, sizeof ERROR_FRAME, out, cap);
}
