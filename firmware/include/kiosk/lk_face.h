/* lk_face: the face-matcher port. firmware/ owns this interface; drivers/face/ implements it
 * (lk_face_plugin: a vendor plug-in run in an isolated worker process), the composition root
 * picks the implementation and hands the kiosk an lk_face_matcher.
 *
 * Threading: lk_face_verify blocks for up to the configured time limit (face.time_limit_ms,
 * default 10 s; the first call also starts the worker). Call it from a worker thread, never
 * the UI/main loop thread, and post the result back as an event. One matcher serves one
 * thread at a time: do not call it from two threads at once (one session = one caller), and
 * call lk_face_close only once that thread's call has returned. A call cannot be cancelled
 * early; it ends by the time limit at the latest (the worker is then killed).
 *
 * Images: the caller owns every buffer and must wipe it (explicit_bzero) when the session ends
 * or times out; the port copies nothing that outlives the call and wipes its own copies.
 * "No match" is a result (0 with a score), not an error; errors are LK_E* with err filled
 * (LK_ETIMEDOUT hang, LK_EPLUGIN crash or bad reply, LK_ENOMEM memory limit, LK_EVERSION ABI
 * refused, LK_ECONFIG no plug-in). After any error the next call gets a fresh worker. */
#ifndef LK_KIOSK_LK_FACE_H
#define LK_KIOSK_LK_FACE_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_err.h"

/* Pixel layouts (values match the vendor ABI's LK_FACE_FMT_*). */
typedef enum lk_face_format {
    LK_FACE_IMAGE_GRAY8 = 1,   /* 1 byte per pixel */
    LK_FACE_IMAGE_RGB24 = 2,   /* R, G, B */
    LK_FACE_IMAGE_ENCODED = 3, /* JPEG / PNG / JPEG 2000 file bytes (e.g. an eMRTD DG2 face) */
} lk_face_format;

typedef struct lk_face_image {
    lk_face_format format;
    uint32_t width, height, stride; /* stride: bytes per row of raw formats; 0s for ENCODED */
    const uint8_t *data;
    size_t len;
} lk_face_image;

typedef enum lk_face_liveness {
    LK_FACE_LIVE_NOT_CHECKED = 0, /* the matcher does no liveness detection */
    LK_FACE_LIVE_PASS = 1,
    LK_FACE_LIVE_FAIL = 2,
} lk_face_liveness;

/* One answer of the matcher, on the vendor's own score scale. quality holds the vendor ABI's
 * LK_FACE_Q_* bits (no face found, too dark, ...) so the UI can say why. */
typedef struct lk_face_score {
    double score;
    double vendor_threshold;
    lk_face_liveness liveness;
    uint32_t quality;
    uint32_t best_frame;
} lk_face_score;

/* Which matcher answered: goes into the audit log with every outcome. */
typedef struct lk_face_matcher_info {
    char name[64], vendor[64], version[32];
    unsigned abi_major, abi_minor;
} lk_face_matcher_info;

typedef struct lk_face_ops {
    int (*verify)(void *impl, const lk_face_image *id_photo, const lk_face_image *live,
                  size_t n_live, lk_face_score *out, lk_err *err);
    /* May start the backend to learn it (bounded by the same time limit). */
    int (*info)(void *impl, lk_face_matcher_info *out, lk_err *err);
    void (*close)(void *impl);
} lk_face_ops;

typedef struct lk_face_matcher {
    const lk_face_ops *ops;
    void *impl;
} lk_face_matcher;

#define LK_FACE_MAX_LIVE 16 /* live frames per call */

/* Compares the ID photo with 1..LK_FACE_MAX_LIVE frames from the camera. Blocking; see above. */
int lk_face_verify(lk_face_matcher *m, const lk_face_image *id_photo, const lk_face_image *live,
                   size_t n_live, lk_face_score *out, lk_err *err);
int lk_face_info(lk_face_matcher *m, lk_face_matcher_info *out, lk_err *err);
/* Ends the backend (its worker process); m is zeroed. Safe on a zeroed matcher. */
void lk_face_close(lk_face_matcher *m);

#endif
