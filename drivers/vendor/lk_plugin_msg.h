/* lk_plugin_msg: the wire format between the kiosk and a plug-in worker process, and its
 * codec. The bytes come from a process running vendor code, so decoding treats them as
 * hostile: every length is checked against what is left, field counts are bounded, strings
 * must be NUL-free and fit their destination.
 *
 * Frame:   u32 length N (little-endian, 4 <= N <= the reader's limit), then N payload bytes.
 * Payload: u32 message type, then fields until the end: u16 tag, u32 length L, L bytes.
 * Integers are little-endian; a double travels as its IEEE-754 bit pattern in a u64. An image
 * field holds u32 format, width, height, stride, then the pixel or encoded bytes.
 *
 * The worker-side sources include this too; it depends on lk_err only. */
#ifndef LK_DRIVERS_LK_PLUGIN_MSG_H
#define LK_DRIVERS_LK_PLUGIN_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_err.h"

#define LK_PMSG_MAX_FIELDS 64
#define LK_PMSG_HDR        4u /* frame length prefix */

/* Message types. Requests go kiosk -> worker, replies worker -> kiosk. */
enum {
    LK_PMSG_HELLO = 1,        /* worker: plug-in loaded; describes it */
    LK_PMSG_FAIL = 2,         /* worker: the request failed (CODE, LKCODE, NATIVE, MESSAGE) */
    LK_PMSG_OK = 3,           /* worker: done, nothing to return */
    LK_PMSG_OPEN = 10,        /* CONFIG */
    LK_PMSG_CLOSE = 11,       /* close the plug-in context; the worker exits after replying */
    LK_PMSG_FACE_VERIFY = 20, /* ID_PHOTO, LIVE... */
    LK_PMSG_FACE_RESULT = 21, /* SCORE, THRESHOLD, LIVENESS, QUALITY, BEST_FRAME */
    LK_PMSG_ID_WAIT = 30,     /* TIMEOUT_MS */
    LK_PMSG_ID_READ = 31,
    LK_PMSG_ID_CARD = 32, /* CARD_TYPE, text tags, PHOTO_* */
};

/* Field tags. */
enum {
    LK_PT_KIND = 1,
    LK_PT_ABI_MAJOR,
    LK_PT_ABI_MINOR,
    LK_PT_NAME,
    LK_PT_VENDOR,
    LK_PT_VERSION,
    LK_PT_DESC_SIZE,
    LK_PT_OPS_SIZE,
    LK_PT_CODE,    /* i32 LK_PLUGIN_E* */
    LK_PT_LKCODE,  /* i32 LK_E* the host maps it to */
    LK_PT_NATIVE,  /* i32 vendor code */
    LK_PT_MESSAGE, /* string */
    LK_PT_CONFIG,
    LK_PT_DEADLINE_MS, /* u32: the time this request may take */
    LK_PT_ID_PHOTO = 20,
    LK_PT_LIVE,
    LK_PT_SCORE,
    LK_PT_THRESHOLD,
    LK_PT_LIVENESS,
    LK_PT_QUALITY,
    LK_PT_BEST_FRAME,
    LK_PT_TIMEOUT_MS = 40,
    LK_PT_CARD_TYPE,
    LK_PT_CARD_NAME,
    LK_PT_CARD_SEX,
    LK_PT_CARD_NATION,
    LK_PT_CARD_BIRTH,
    LK_PT_CARD_ADDRESS,
    LK_PT_CARD_IDNUM,
    LK_PT_CARD_ISSUER,
    LK_PT_CARD_FROM,
    LK_PT_CARD_UNTIL,
    LK_PT_CARD_SAM,
    LK_PT_PHOTO, /* image field */
};

typedef struct lk_pmsg_field {
    uint16_t tag;
    uint32_t len;
    const uint8_t *val; /* points into the decoded buffer */
} lk_pmsg_field;

typedef struct lk_pmsg {
    uint32_t type;
    uint32_t n;
    lk_pmsg_field f[LK_PMSG_MAX_FIELDS];
} lk_pmsg;

typedef struct lk_pmsg_image {
    uint32_t format, width, height, stride;
    const uint8_t *data;
    size_t len;
} lk_pmsg_image;

/* Decodes one payload (without the length prefix). LK_EPROTO on any inconsistency. */
int lk_pmsg_decode(const uint8_t *payload, size_t len, lk_pmsg *m, lk_err *err);

/* The next field with this tag after *iter (start with *iter = 0), or NULL. */
const lk_pmsg_field *lk_pmsg_next(const lk_pmsg *m, uint16_t tag, size_t *iter);

/* Typed getters of the first field with a tag: LK_EPROTO when absent or the wrong size. */
int lk_pmsg_u32(const lk_pmsg *m, uint16_t tag, uint32_t *out, lk_err *err);
int lk_pmsg_i32(const lk_pmsg *m, uint16_t tag, int32_t *out, lk_err *err);
int lk_pmsg_f64(const lk_pmsg *m, uint16_t tag, double *out, lk_err *err);
/* Copies a string field into out[cap] with a NUL; LK_EPROTO if it holds a NUL or does not
 * fit. An absent field gives "" when `optional`, LK_EPROTO otherwise. */
int lk_pmsg_str(const lk_pmsg *m, uint16_t tag, char *out, size_t cap, int optional, lk_err *err);
/* Parses an image field. */
int lk_pmsg_image_get(const lk_pmsg_field *f, lk_pmsg_image *out, lk_err *err);

/* A growing buffer for building one frame. Errors stick (checked once at finish). */
typedef struct lk_pmsg_buf {
    uint8_t *data;
    size_t len, cap;
    int failed;
} lk_pmsg_buf;

void lk_pmsg_begin(lk_pmsg_buf *b, uint32_t type);
/* Makes room for `bytes` more without moving (one allocation instead of growing by copies,
 * each of which must be wiped: worth it for frames of images). */
void lk_pmsg_reserve(lk_pmsg_buf *b, size_t bytes);
void lk_pmsg_put(lk_pmsg_buf *b, uint16_t tag, const void *val, size_t len);
void lk_pmsg_put_u32(lk_pmsg_buf *b, uint16_t tag, uint32_t v);
void lk_pmsg_put_i32(lk_pmsg_buf *b, uint16_t tag, int32_t v);
void lk_pmsg_put_f64(lk_pmsg_buf *b, uint16_t tag, double v);
void lk_pmsg_put_str(lk_pmsg_buf *b, uint16_t tag, const char *s);
void lk_pmsg_put_image(lk_pmsg_buf *b, uint16_t tag, const lk_pmsg_image *img);
/* Writes the length prefix; LK_ENOMEM if any put failed. The frame is b->data[0..b->len). */
int lk_pmsg_finish(lk_pmsg_buf *b, lk_err *err);
/* Wipes (explicit_bzero) and frees; b is reusable after. Frames may hold images. */
void lk_pmsg_buf_wipe(lk_pmsg_buf *b);

/* Blocking-with-deadline I/O on a socket. deadline_ms is on lk_pmsg_now_ms's clock; a
 * negative deadline means no limit. Errors: LK_ETIMEDOUT, LK_EIO (peer gone: EOF or reset),
 * LK_EPROTO (frame length out of range). */
uint64_t lk_pmsg_now_ms(void);
int lk_pmsg_send(int fd, const uint8_t *frame, size_t len, int64_t deadline_ms, lk_err *err);
/* Reads one frame; *payload (malloc'd, caller wipes and frees) holds *len payload bytes. */
int lk_pmsg_recv(int fd, size_t max_len, int64_t deadline_ms, uint8_t **payload, size_t *len,
                 lk_err *err);
/* Wipes and frees a received payload. */
void lk_pmsg_free(uint8_t *payload, size_t len);

/* The LK_E* code a plug-in's LK_PLUGIN_E* return code stands for. */
int lk_pmsg_map_code(int32_t plugin_code);
#endif
