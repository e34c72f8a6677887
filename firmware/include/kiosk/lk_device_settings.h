/* lk_device_settings: the camera and SAM-reader settings from configuration, in the forms the
 * drivers' open functions take, so the composition root reads them in one call each.
 *
 *   camera.source, camera.device, camera.width, camera.height, camera.fps
 *   idreader.plugin, idreader.plugin_config (limits: face.time_limit_ms, face.memory_limit_mb
 *   are the plug-in worker limits for both kinds of plug-in) */
#ifndef LK_KIOSK_LK_DEVICE_SETTINGS_H
#define LK_KIOSK_LK_DEVICE_SETTINGS_H

#include <stdint.h>

#include "kiosk/lk_camera.h"
#include "kiosk/lk_err.h"
#include "kiosk/lk_store.h"

typedef struct lk_camera_settings {
    char source[512], device[256];
    lk_camera_cfg cfg; /* points into source/device: do not copy the struct apart from them */
} lk_camera_settings;

int lk_camera_settings_load(lk_store *st, lk_camera_settings *s, lk_err *err);

typedef struct lk_idreader_settings {
    char plugin[512], plugin_config[512];
    uint32_t time_limit_ms, memory_limit_mb;
} lk_idreader_settings;

int lk_idreader_settings_load(lk_store *st, lk_idreader_settings *s, lk_err *err);

#endif
