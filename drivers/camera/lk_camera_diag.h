/* lk_camera_diag: the camera's diagnostics over lk_camera (V4L2 or the file source), for any
 * composition root: the "camera" status probe and the `capture-frame` self-test, both asking
 * for the first frame within 3 s. The frame is described, never kept: it is wiped at once.
 * Both block: marked blocking, no store. */
#ifndef LK_DRIVERS_LK_CAMERA_DIAG_H
#define LK_DRIVERS_LK_CAMERA_DIAG_H

#include <stdint.h>

#include "kiosk/lk_diag.h"

typedef struct lk_camera_diag {
    char source[512]; /* camera.source: "v4l2" or a folder / .mjpeg / image path */
    char device[256]; /* camera.device, e.g. /dev/video0 ("" the driver's default) */
    uint32_t width, height, fps;
} lk_camera_diag;

/* camera.source (default v4l2), camera.device, camera.width / height / fps. */
void lk_camera_diag_from_config(lk_store *st, lk_camera_diag *d);

lk_diag_probe lk_camera_diag_probe(lk_camera_diag *d);
lk_diag_selftest lk_camera_diag_capture(lk_camera_diag *d);

#endif
