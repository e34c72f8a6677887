/* lk_facecheck_plugin: the kiosk's face-verify port (kiosk/port/lk_facecheck.h) over the vendor
 * plug-in host (lk_face_plugin: the .so runs in an isolated worker process). The verdict is
 * lk_face_judge's, with the session's threshold (face.threshold) and the face.* policy. */
#ifndef LK_DRIVERS_LK_FACECHECK_PLUGIN_H
#define LK_DRIVERS_LK_FACECHECK_PLUGIN_H

#include "kiosk/lk_err.h"
#include "kiosk/lk_face_policy.h"
#include "kiosk/port/lk_facecheck.h"

/* Starts the plug-in host for p->plugin (face.plugin) with p->plugin_config. */
int lk_facecheck_plugin_create(const lk_face_policy *p, lk_facecheck **out, lk_err *err);

#endif
