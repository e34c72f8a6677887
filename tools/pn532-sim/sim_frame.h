/* sim_frame: the PN532 UART frame codec (normal and extended information frames, ACK, NACK,
 * application error frame, checksums), with no I/O so it can be unit-tested and fuzzed. */
#ifndef LK_SIM_FRAME_H
#define LK_SIM_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_TFI_HOST  0xD4 /* host to PN532 */
#define SIM_TFI_PN532 0xD5 /* PN532 to host */

/* libnfc never sends or accepts more than 264 bytes of PD; the margin lets the parser take
 * anything a confused host could send without refusing frames a real chip would read. */
#define SIM_FRAME_MAX_PD 512
/* Bytes of an encoded frame around its PD: 00 00 FF FF FF LENm LENl LCS TFI .. DCS 00. */
#define SIM_FRAME_OVERHEAD 11

enum sim_frame_kind {
    SIM_FRAME_NEED_MORE = 0, /* no complete frame yet: read more bytes */
    SIM_FRAME_DATA,          /* an information frame: tfi, pd, pd_len, extended are set */
    SIM_FRAME_ACK,
    SIM_FRAME_NACK,
    SIM_FRAME_ERROR, /* application error frame 00 00 FF 01 FF 7F 81 00 */
    SIM_FRAME_BAD,   /* a start code followed by a wrong LCS/DCS or length: skip it */
};

struct sim_frame {
    enum sim_frame_kind kind;
    bool extended;
    uint8_t tfi;
    size_t pd_len;
    uint8_t pd[SIM_FRAME_MAX_PD];
};

/* Parses the first frame in buf[0..len). Bytes before the 00 FF start code (wake-up 55 55 00..,
 * postambles, line noise) are skipped. *consumed is always set to how many bytes the caller may
 * drop, also for NEED_MORE (the garbage before a possible start code) and BAD (up to and
 * including the start code, so parsing resynchronises on the next one). */
enum sim_frame_kind sim_frame_parse(const uint8_t *buf, size_t len, struct sim_frame *f,
                                    size_t *consumed);

/* Writes an information frame with TFI tfi and PD pd[0..n), extended when TFI+PD exceed 255
 * bytes. Returns the frame's length, or 0 when it does not fit in cap or n is too large. */
size_t sim_frame_encode(uint8_t tfi, const uint8_t *pd, size_t n, uint8_t *out, size_t cap);

/* The fixed 6- or 8-byte frames; each returns its length, or 0 when cap is too small. */
size_t sim_frame_ack(uint8_t *out, size_t cap);
size_t sim_frame_nack(uint8_t *out, size_t cap);
size_t sim_frame_error(uint8_t *out, size_t cap);

#endif
