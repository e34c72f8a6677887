/* lk_camera_diag: the camera as the face check opens it, asked for one frame. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kiosk/lk_config.h"
#include "lk_camera_diag.h"
#include "lk_camera_drv.h"

static void cfg_str(lk_store *st, const char *key, char *out, size_t n)
{
    char *v = NULL;
    out[0] = '\0';
    if (lk_config_get(st, key, &v, NULL, NULL) == 0 && v)
        snprintf(out, n, "%s", v);
    free(v);
}

void lk_camera_diag_from_config(lk_store *st, lk_camera_diag *d)
{
    long long w = 640, h = 480, fps = 15;
    memset(d, 0, sizeof *d);
    cfg_str(st, "camera.source", d->source, sizeof d->source);
    cfg_str(st, "camera.device", d->device, sizeof d->device);
    if (!d->source[0])
        snprintf(d->source, sizeof d->source, "v4l2");
    (void)lk_config_get_int(st, "camera.width", &w, NULL);
    (void)lk_config_get_int(st, "camera.height", &h, NULL);
    (void)lk_config_get_int(st, "camera.fps", &fps, NULL);
    d->width = (uint32_t)w;
    d->height = (uint32_t)h;
    d->fps = (uint32_t)fps;
}

static void describe(const lk_camera_frame *f, cJSON *d)
{
    cJSON_AddNumberToObject(d, "width", f->width);
    cJSON_AddNumberToObject(d, "height", f->height);
    cJSON_AddNumberToObject(d, "bytes", (double)f->len);
    cJSON_AddStringToObject(d, "format",
                            f->format == LK_CAMERA_ENCODED ? "encoded"
                            : f->format == LK_CAMERA_GRAY8 ? "gray8"
                                                           : "rgb24");
}

/* The first frame within 3 s, described into d and wiped. */
static int first_frame(const lk_camera_diag *cd, cJSON *d, lk_err *err)
{
    lk_camera cam = {0};
    lk_camera_frame f = {0};
    lk_camera_cfg cfg = {cd->source, cd->device[0] ? cd->device : NULL, cd->width, cd->height,
                         cd->fps};
    cJSON_AddStringToObject(d, "source", cfg.source);
    int rc = lk_camera_open(&cfg, &cam, err), opened = rc == 0;
    if (rc == 0)
        rc = lk_camera_start(&cam, err);
    for (int waited = 0; rc == 0 && waited < 3000; waited += 100) {
        struct pollfd pfd = {lk_camera_fd(&cam), POLLIN, 0};
        (void)poll(&pfd, 1, 100);
        if ((rc = lk_camera_read(&cam, &f, err)) != LK_EBUSY)
            break;
        rc = waited + 100 >= 3000 ? lk_err_set(err, LK_ETIMEDOUT, "no frame within 3 s") : 0;
    }
    if (rc == 0) {
        describe(&f, d);
        lk_camera_frame_wipe(&f);
    }
    if (opened)
        lk_camera_close(&cam);
    return rc;
}

static void probe(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)env;
    const lk_camera_diag *cd = ctx;
    lk_err err = {0};
    if (strcmp(cd->source, "v4l2") == 0 && cd->device[0] && access(cd->device, F_OK) != 0) {
        s->status = LK_DEVICE_UNKNOWN;
        snprintf(s->reason, sizeof s->reason, "no camera at %.120s (camera.device)", cd->device);
        return;
    }
    if (first_frame(cd, d, &err) != 0) {
        s->status = LK_DEVICE_FAULT;
        snprintf(s->reason, sizeof s->reason, "%.150s", err.msg);
        return;
    }
    s->status = LK_DEVICE_NORMAL;
    snprintf(s->reason, sizeof s->reason, "first frame received");
}

lk_diag_probe lk_camera_diag_probe(lk_camera_diag *d)
{
    return (lk_diag_probe){"camera", probe, d, 1};
}

static int st_capture_frame(void *ctx, const lk_diag_env *env, cJSON *r)
{
    (void)env;
    lk_err err = {0};
    if (first_frame(ctx, r, &err) == 0)
        return 1;
    cJSON_AddStringToObject(r, "problem", err.msg);
    return 0;
}

lk_diag_selftest lk_camera_diag_capture(lk_camera_diag *d)
{
    return (lk_diag_selftest){"capture-frame", "take one frame from the camera", st_capture_frame,
                              d, 1};
}
