/* lk_cam_camera: port adapter. While streaming, a worker thread of its own waits on lk_camera's
 * frame-ready descriptor, keeps only the newest frame (so the preview never lags) and converts
 * it to RGB24 (JPEG/PNG decoded with SDL2_image), then signals an eventfd: that eventfd is the
 * port's fd, and grab() on the loop thread only swaps the decoded frame in. The decode cost
 * (several ms for a 640 x 480 JPEG) so never lands on the frame loop. Every buffer that held a
 * face is wiped before it is freed. */
#include "lk_cam_camera.h"

#include <SDL.h>
#include <SDL_image.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "lk_camera_drv.h"

typedef struct cam_camera {
    lk_cam base;
    lk_camera cam;
    int streaming;
    pthread_t worker;
    int ready_fd; /* the port's fd: readable when `ready` holds a new frame */
    int stop_fd;  /* tells the worker to end */
    pthread_mutex_t mu;
    lk_frame ready; /* the newest decoded frame, under mu */
    int have_ready;
    int failed; /* a negative code from the worker, reported by the next grab */
    lk_err fail_err;
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
    SDL_LockSurface(s); /* the decoded face itself, in the codec's format */
    explicit_bzero(s->pixels, (size_t)s->pitch * (size_t)s->h);
    SDL_UnlockSurface(s);
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

/* The newest frame lk_camera has, older ones drained; 1, 0 (none) or a negative code. */
static int read_newest(cam_camera *c, lk_camera_frame *got, lk_err *err)
{
    lk_camera_frame next = {0};
    int rc = lk_camera_read(&c->cam, got, err);
    if (rc == LK_EBUSY)
        return 0;
    if (rc != 0)
        return rc;
    while (lk_camera_read(&c->cam, &next, NULL) == 0) {
        lk_camera_frame_wipe(got);
        *got = next;
        memset(&next, 0, sizeof next);
    }
    return 1;
}

/* Hands a decoded frame (or the failure) to the loop: swapped into `ready` (whatever the loop
 * had not taken comes back in *f, to be reused or wiped) and the eventfd signalled. */
static void publish(cam_camera *c, lk_frame *f, int rc, const lk_err *err)
{
    uint64_t one = 1;
    pthread_mutex_lock(&c->mu);
    if (rc == 0) {
        lk_frame t = c->ready;
        c->ready = *f;
        *f = t;
        c->have_ready = 1;
    } else if (!c->failed) {
        c->failed = rc;
        c->fail_err = *err;
    }
    /* Under the lock, as grab reads it: readable exactly while something waits to be taken. */
    (void)!write(c->ready_fd, &one, sizeof one);
    pthread_mutex_unlock(&c->mu);
}

static void *worker_main(void *arg)
{
    cam_camera *c = arg;
    lk_frame work = {0};
    struct pollfd p[2] = {{.fd = c->stop_fd, .events = POLLIN},
                          {.fd = lk_camera_fd(&c->cam), .events = POLLIN}};
    for (;;) {
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[0].revents)
            break;
        if (!p[1].revents)
            continue;
        lk_camera_frame got = {0};
        lk_err err = {0};
        int rc = read_newest(c, &got, &err);
        if (rc == 1) {
            rc = convert(&got, &work, &err);
            work.ts_us = now_us();
            publish(c, &work, rc, &err);
        } else if (rc < 0) {
            publish(c, &work, rc, &err);
        }
        lk_camera_frame_wipe(&got);
    }
    lk_frame_wipe(&work);
    return NULL;
}

static void close_fds(cam_camera *c)
{
    if (c->ready_fd >= 0)
        close(c->ready_fd);
    if (c->stop_fd >= 0)
        close(c->stop_fd);
    c->ready_fd = c->stop_fd = -1;
}

static int cc_start(lk_cam *base, lk_err *err)
{
    cam_camera *c = (cam_camera *)base;
    if (c->streaming)
        return 0;
    c->ready_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (c->ready_fd < 0 || c->stop_fd < 0) {
        close_fds(c);
        return lk_err_set(err, LK_EIO, "camera: eventfd failed");
    }
    int rc = lk_camera_start(&c->cam, err);
    if (rc == 0 && pthread_create(&c->worker, NULL, worker_main, c) != 0) {
        lk_camera_stop(&c->cam);
        rc = lk_err_set(err, LK_ENOMEM, "camera: no worker thread");
    }
    if (rc != 0) {
        close_fds(c);
        return rc;
    }
    c->streaming = 1;
    c->have_ready = c->failed = 0;
    return 0;
}

static void cc_stop(lk_cam *base)
{
    cam_camera *c = (cam_camera *)base;
    if (!c->streaming)
        return;
    uint64_t one = 1;
    (void)!write(c->stop_fd, &one, sizeof one);
    pthread_join(c->worker, NULL);
    lk_camera_stop(&c->cam);
    close_fds(c);
    lk_frame_wipe(&c->ready);
    c->have_ready = 0;
    c->streaming = 0;
}

static int cc_fd(lk_cam *base)
{
    cam_camera *c = (cam_camera *)base;
    return c->streaming ? c->ready_fd : -1;
}

/* Loop thread: no decode here, only a swap of buffers (the caller's old frame goes back to the
 * adapter, which reuses or wipes it). */
static int cc_grab(lk_cam *base, lk_frame *f, lk_err *err)
{
    cam_camera *c = (cam_camera *)base;
    if (!c->streaming)
        return 0;
    uint64_t n;
    int rc = 0;
    pthread_mutex_lock(&c->mu);
    (void)!read(c->ready_fd, &n, sizeof n);
    if (c->failed) {
        rc = c->failed;
        if (err)
            *err = c->fail_err;
        c->failed = 0;
    } else if (c->have_ready) {
        lk_frame t = *f;
        *f = c->ready;
        c->ready = t;
        c->have_ready = 0;
        rc = 1;
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
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
    pthread_mutex_destroy(&c->mu);
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
    c->ready_fd = c->stop_fd = -1;
    pthread_mutex_init(&c->mu, NULL);
    /* SDL_image loads its codecs lazily, which is not thread-safe: load them here, on the
     * creating thread, before the worker and the UI can race on the first decode. */
    (void)IMG_Init(IMG_INIT_JPG | IMG_INIT_PNG);
    int rc = lk_camera_open(cfg, &c->cam, err);
    if (rc != 0) {
        pthread_mutex_destroy(&c->mu);
        free(c);
        return rc;
    }
    *out = &c->base;
    return 0;
}
