/* lk_face_plugin: the face-matcher port (kiosk/lk_face.h) implemented by a vendor plug-in
 * (drivers/vendor/lk_plugin_face.h) running in an isolated lk-plugin-host worker process.
 * Only composition roots (the kiosk's main, kioskctl) include this. */
#ifndef LK_DRIVERS_LK_FACE_PLUGIN_H
#define LK_DRIVERS_LK_FACE_PLUGIN_H

#include <stdint.h>
#include <sys/types.h>

#include "kiosk/lk_face.h"
#include "kiosk/lk_face_policy.h"

typedef struct lk_face_plugin_cfg {
    const char *plugin_path;  /* the vendor .so */
    const char *config;       /* its configuration string */
    uint32_t time_limit_ms;   /* per call (0: 10,000) */
    uint32_t memory_limit_mb; /* worker address-space cap (0: none) */
    const char *host_path;    /* NULL: $LK_PLUGIN_HOST or the built lk-plugin-host */
    const char *allow_sha256; /* NULL/"": any; else the .so's SHA-256 must be listed */
} lk_face_plugin_cfg;

/* Makes a matcher; the worker starts on first use. Close with lk_face_close. */
int lk_face_plugin_open(const lk_face_plugin_cfg *cfg, lk_face_matcher *out, lk_err *err);
/* The same, configured from a loaded policy (face.plugin, face.plugin_config, limits). */
int lk_face_plugin_open_policy(const lk_face_policy *p, lk_face_matcher *out, lk_err *err);

/* The current worker's pid (0 when none runs) and how many were started: for tests. */
pid_t lk_face_plugin_worker_pid(const lk_face_matcher *m);
unsigned lk_face_plugin_worker_starts(const lk_face_matcher *m);

#endif
