/* lk_camera: the face camera port. firmware/ owns it; drivers/camera/ implements it with V4L2
 * capture (YUYV or MJPEG, mmap streaming) and a file source (a folder of JPEG/PNG images or an
 * .mjpeg file, looped) for tests and the demo.
 *
 * Main-loop integration: lk_camera_fd gives a descriptor that polls readable when a frame is
 * ready (the V4L2 device itself, or a timerfd pacing the file source); add it to the loop's
 * poll set and call lk_camera_read when it fires. lk_camera_read never blocks: LK_EBUSY means
 * "no frame yet". No thread and no busy waiting are needed.
 *
 * Frames: MJPEG and image files are delivered as JPEG/PNG bytes (LK_CAMERA_ENCODED, not decoded:
 * the face plug-in decodes them, the UI preview decodes with SDL2_image); YUYV is converted to
 * RGB24. Each frame is the caller's malloc'd copy: wipe it with lk_camera_frame_wipe (face
 * frames are personal data, PIPL). */
#ifndef LK_KIOSK_LK_CAMERA_H
#define LK_KIOSK_LK_CAMERA_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_err.h"

/* Values match lk_face_format, so a frame passes to the face port as is. */
typedef enum lk_camera_format {
    LK_CAMERA_GRAY8 = 1,
    LK_CAMERA_RGB24 = 2,
    LK_CAMERA_ENCODED = 3, /* file bytes: JPEG (MJPEG frames, .jpg files) or PNG */
} lk_camera_format;

typedef struct lk_camera_frame {
    lk_camera_format format;
    uint32_t width, height, stride; /* 0 for ENCODED when unknown */
    uint8_t *data;
    size_t len;
    uint64_t seq; /* 0, 1, 2, ... per camera */
} lk_camera_frame;

void lk_camera_frame_wipe(lk_camera_frame *f);

typedef struct lk_camera_cfg {
    const char *source; /* "v4l2", or a folder / .mjpeg path for the file source */
    const char *device; /* V4L2 device (camera.device) */
    uint32_t width, height;
    uint32_t fps; /* file source pacing; 0 means 15 */
} lk_camera_cfg;

typedef struct lk_camera_ops {
    int (*start)(void *impl, lk_err *err);
    int (*fd)(void *impl);
    int (*read)(void *impl, lk_camera_frame *out, lk_err *err);
    void (*stop)(void *impl);
    void (*close)(void *impl);
} lk_camera_ops;

typedef struct lk_camera {
    const lk_camera_ops *ops;
    void *impl;
} lk_camera;

/* Starts streaming. */
int lk_camera_start(lk_camera *c, lk_err *err);
/* The frame-ready descriptor (valid after start), or -1. */
int lk_camera_fd(lk_camera *c);
/* One frame, or LK_EBUSY when none is ready. */
int lk_camera_read(lk_camera *c, lk_camera_frame *out, lk_err *err);
/* Stops streaming (the device stays open); buffers holding frames are wiped. */
void lk_camera_stop(lk_camera *c);
void lk_camera_close(lk_camera *c);

#endif
