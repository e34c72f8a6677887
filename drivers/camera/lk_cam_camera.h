/* lk_cam_camera: the kiosk's camera port (kiosk/port/lk_cam.h) over lk_camera (the file source
 * or V4L2). lk_camera hands out what the source has (JPEG/PNG file bytes, MJPEG frames, RGB24 or
 * GRAY8); the port wants packed RGB24, so encoded frames are decoded here with SDL2_image, on
 * a worker thread the adapter starts with the stream: the loop thread only takes decoded frames.
 * The port's fd is that worker's eventfd. */
#ifndef LK_DRIVERS_LK_CAM_CAMERA_H
#define LK_DRIVERS_LK_CAM_CAMERA_H

#include "kiosk/lk_camera.h"
#include "kiosk/lk_err.h"
#include "kiosk/port/lk_cam.h"

/* Opens the camera (cfg->source: "v4l2", or a folder / .mjpeg / image path). */
int lk_cam_camera_create(const lk_camera_cfg *cfg, lk_cam **out, lk_err *err);

#endif
