/* Camera port: the face camera as a stream of RGB frames. The driver exposes an fd that is
 * readable when a frame is ready, so the loop thread registers it with lk_loop and grabs
 * without blocking (V4L2's mmap streaming works this way too). */
#ifndef LK_KIOSK_PORT_LK_CAM_H
#define LK_KIOSK_PORT_LK_CAM_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_device.h"
#include "kiosk/lk_err.h"

/* A frame in packed RGB24, top row first. A face frame is personal data: its owner wipes
 * it (lk_frame_wipe) when done. */
typedef struct lk_frame {
    int w, h, stride;
    uint8_t *rgb; /* malloc'd, stride * h bytes */
    uint64_t ts_us;
} lk_frame;

typedef struct lk_cam lk_cam;

typedef struct lk_cam_ops {
    const char *name;
    int (*start)(lk_cam *c, lk_err *err); /* begins streaming */
    void (*stop)(lk_cam *c);              /* idempotent */
    /* Readable while a frame waits; -1 when not streaming. */
    int (*fd)(lk_cam *c);
    /* Copies the newest frame into *f (allocating or reusing f->rgb). Returns 1 frame
     * copied, 0 none ready, or a negative code. Never blocks. */
    int (*grab)(lk_cam *c, lk_frame *f, lk_err *err);
    int (*state)(lk_cam *c, lk_device_state *out);
    void (*close)(lk_cam *c);
} lk_cam_ops;

struct lk_cam {
    const lk_cam_ops *ops;
};

/* Deep copy (dst is overwritten; dst->rgb allocated). 0 or LK_ENOMEM. */
int lk_frame_copy(lk_frame *dst, const lk_frame *src);
/* explicit_bzero of the pixels, then free; *f becomes all zero. */
void lk_frame_wipe(lk_frame *f);

#endif
