/* lk_device_settings: camera.* and idreader.* configuration keys to driver settings. */
#include "kiosk/lk_device_settings.h"

#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_config.h"

static int copy_key(lk_store *st, const char *key, char *out, size_t cap, lk_err *err)
{
    char *v = NULL;
    int rc = lk_config_get(st, key, &v, NULL, err);
    if (rc != 0)
        return rc;
    size_t n = strlen(v);
    if (n >= cap)
        rc = lk_err_set(err, LK_ECONFIG, "configuration %s is too long", key);
    else
        memcpy(out, v, n + 1);
    free(v);
    return rc;
}

static int ranged(lk_store *st, const char *key, long long lo, long long hi, uint32_t *out,
                  lk_err *err)
{
    long long v = 0;
    int rc = lk_config_get_int(st, key, &v, err);
    if (rc == 0 && (v < lo || v > hi))
        rc = lk_err_set(err, LK_ECONFIG, "configuration %s must be %lld..%lld", key, lo, hi);
    if (rc == 0)
        *out = (uint32_t)v;
    return rc;
}

int lk_camera_settings_load(lk_store *st, lk_camera_settings *s, lk_err *err)
{
    memset(s, 0, sizeof *s);
    int rc = copy_key(st, "camera.source", s->source, sizeof s->source, err);
    if (rc == 0)
        rc = copy_key(st, "camera.device", s->device, sizeof s->device, err);
    if (rc == 0)
        rc = ranged(st, "camera.width", 16, 8192, &s->cfg.width, err);
    if (rc == 0)
        rc = ranged(st, "camera.height", 16, 8192, &s->cfg.height, err);
    if (rc == 0)
        rc = ranged(st, "camera.fps", 1, 120, &s->cfg.fps, err);
    s->cfg.source = s->source;
    s->cfg.device = s->device;
    return rc;
}

int lk_idreader_settings_load(lk_store *st, lk_idreader_settings *s, lk_err *err)
{
    memset(s, 0, sizeof *s);
    int rc = copy_key(st, "idreader.plugin", s->plugin, sizeof s->plugin, err);
    if (rc == 0)
        rc = copy_key(st, "idreader.plugin_config", s->plugin_config, sizeof s->plugin_config, err);
    if (rc == 0)
        rc = ranged(st, "face.time_limit_ms", 100, 120000, &s->time_limit_ms, err);
    if (rc == 0)
        rc = ranged(st, "face.memory_limit_mb", 0, 65536, &s->memory_limit_mb, err);
    return rc;
}
