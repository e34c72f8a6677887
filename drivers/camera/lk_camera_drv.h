/* lk_camera_drv: the camera port's implementations. Only composition roots include this.
 *
 *   lk_camera_open       picks by cfg->source: "v4l2" (or empty) -> V4L2, else the file source
 *   lk_camera_v4l2_open  a V4L2 capture device: YUYV (converted to RGB24) or MJPEG (JPEG bytes),
 *                        mmap streaming with 4 buffers; the device fd is the frame-ready fd
 *   lk_camera_file_open  a folder of .jpg/.jpeg/.png files (name order) or one .mjpeg/.mjpg
 *                        file, looped forever at cfg->fps, paced by a timerfd */
#ifndef LK_DRIVERS_LK_CAMERA_DRV_H
#define LK_DRIVERS_LK_CAMERA_DRV_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_camera.h"

int lk_camera_open(const lk_camera_cfg *cfg, lk_camera *out, lk_err *err);
int lk_camera_v4l2_open(const lk_camera_cfg *cfg, lk_camera *out, lk_err *err);
int lk_camera_file_open(const lk_camera_cfg *cfg, lk_camera *out, lk_err *err);

/* V4L2 format negotiation, kept pure so it is tested without a device. */
#define LK_V4L2_YUYV  0x56595559u /* v4l2_fourcc('Y','U','Y','V') */
#define LK_V4L2_MJPEG 0x47504A4Du /* v4l2_fourcc('M','J','P','G') */

typedef struct lk_v4l2_mode {
    uint32_t fourcc, width, height;
} lk_v4l2_mode;

/* Picks what to ask the device for among the modes it offers: the requested size if offered
 * (else the offered size nearest in area, ties to the larger), in YUYV up to 640 x 480 (no
 * compression artefacts, and USB 2 carries it at 30 fps) and MJPEG above, falling back to the
 * other format. Modes of other fourccs are ignored. LK_ENOTSUP when none is usable. */
int lk_v4l2_choose(const lk_v4l2_mode *offered, size_t n, uint32_t want_w, uint32_t want_h,
                   lk_v4l2_mode *out, lk_err *err);

/* YUYV (4:2:2, BT.601 limited range) to RGB24: width even, src stride src_stride bytes. */
void lk_yuyv_to_rgb(const uint8_t *src, uint32_t src_stride, uint32_t width, uint32_t height,
                    uint8_t *rgb);

#endif
