/* lk_cam_camera: port adapter; grab() takes the newest frame lk_camera has (draining older ones
 * so the preview never lags) and converts it to RGB24. Every intermediate buffer holding a face
 * is wiped before it is freed. */
#include "lk_cam_camera.h"

#include <SDL.h>
#include <SDL_image.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lk_camera_drv.h"

typedef struct cam_camera {
    lk_cam base;
    lk_camera cam;
    int streaming;
} cam_camera;

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int ensure(lk_frame *f, int w, int h, lk_err *err)
{
    size_t need = (size_t)w * 3 * (size_t)h;
    if (f->rgb && (size_t)f->stride * (size_t)f->h == need) {
        f->w = w;
        f->h = h;
        f->stride = w * 3;
        return 0;
    }
    lk_frame_wipe(f);
    f->rgb = malloc(need ? need : 1);
    if (!f->rgb)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    f->w = w;
    f->h = h;
    f->stride = w * 3;
    return 0;
}

static int decode(const lk_camera_frame *in, lk_frame *f, lk_err *err)
{
    SDL_RWops *rw = SDL_RWFromConstMem(in->data, (int)in->len);
    SDL_Surface *s = rw ? IMG_Load_RW(rw, 1) : NULL;
    if (!s)
        return lk_err_set(err, LK_EPROTO, "camera frame undecodable: %s", IMG_GetError());
    SDL_Surface *c = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_RGB24, 0);
    SDL_FreeSurface(s);
    if (!c)
        return lk_err_set(err, LK_ENOMEM, "camera frame conversion: %s", SDL_GetError());
    int rc = ensure(f, c->w, c->h, err);
    for (int y = 0; rc == 0 && y < c->h; y++)
        memcpy(f->rgb + (size_t)y * (size_t)f->stride,
               (uint8_t *)c->pixels + (size_t)y * (size_t)c->pitch, (size_t)f->stride);
    SDL_LockSurface(c);
    explicit_bzero(c->pixels, (size_t)c->pitch * (size_t)c->h);
    SDL_UnlockSurface(c);
    SDL_FreeSurface(c);
    return rc;
}

static int convert(const lk_camera_frame *in, lk_frame *f, lk_err *err)
{
    if (in->format == LK_CAMERA_ENCODED)
        return decode(in, f, err);
    int rc = ensure(f, (int)in->width, (int)in->height, err);
    for (uint32_t y = 0; rc == 0 && y < in->height; y++) {
        const uint8_t *src = in->data + (size_t)y * in->stride;
        uint8_t *dst = f->rgb + (size_t)y * (size_t)f->stride;
        if (in->format == LK_CAMERA_RGB24)
            memcpy(dst, src, (size_t)in->width * 3);
        else
            for (uint32_t x = 0; x < in->width; x++)
                dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = src[x];
    }
    return rc;
}

static int cc_start(lk_cam *base, lk_err *err)
{
    cam_camera *c = (cam_camera *)base;
    if (c->streaming)
        return 0;
    int rc = lk_camera_start(&c->cam, err);
    c->streaming = rc == 0;
    return rc;
}

static void cc_stop(lk_cam *base)
{
    cam_camera *c = (cam_camera *)base;
    if (c->streaming)
        lk_camera_stop(&c->cam);
    c->streaming = 0;
}

static int cc_fd(lk_cam *base)
{
    cam_camera *c = (cam_camera *)base;
    return c->streaming ? lk_camera_fd(&c->cam) : -1;
}

static int cc_grab(lk_cam *base, lk_frame *f, lk_err *err)
{
    cam_camera *c = (cam_camera *)base;
    if (!c->streaming)
        return 0;
    lk_camera_frame got = {0}, next = {0};
    int rc = lk_camera_read(&c->cam, &got, err);
    if (rc == LK_EBUSY)
        return 0;
    if (rc != 0)
        return rc;
    while (lk_camera_read(&c->cam, &next, NULL) == 0) { /* keep only the newest */
        lk_camera_frame_wipe(&got);
        got = next;
        memset(&next, 0, sizeof next);
    }
    rc = convert(&got, f, err);
    lk_camera_frame_wipe(&got);
    if (rc != 0)
        return rc;
    f->ts_us = now_us();
    return 1;
}

static int cc_state(lk_cam *base, lk_device_state *out)
{
    cam_camera *c = (cam_camera *)base;
    memset(out, 0, sizeof *out);
    out->status = c->streaming ? LK_DEVICE_BUSY : LK_DEVICE_NORMAL;
    return 0;
}

static void cc_close(lk_cam *base)
{
    cam_camera *c = (cam_camera *)base;
    if (!c)
        return;
    cc_stop(base);
    lk_camera_close(&c->cam);
    free(c);
}

static const lk_cam_ops cc_ops = {.name = "camera",
                                  .start = cc_start,
                                  .stop = cc_stop,
                                  .fd = cc_fd,
                                  .grab = cc_grab,
                                  .state = cc_state,
                                  .close = cc_close};

int lk_cam_camera_create(const lk_camera_cfg *cfg, lk_cam **out, lk_err *err)
{
    *out = NULL;
    cam_camera *c = calloc(1, sizeof *c);
    if (!c)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    c->base.ops = &cc_ops;
    int rc = lk_camera_open(cfg, &c->cam, err);
    if (rc != 0) {
        free(c);
        return rc;
    }
    *out = &c->base;
    return 0;
}
