/* lk_cam_sim: a camera whose frames are computed: a skin-toned ellipse ("face") drifting over
 * a gradient, so the live preview visibly moves. A timerfd paces frames at the chosen rate and
 * is the fd the loop watches, exactly like a V4L2 device fd. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "kiosk/lk_loop.h"
#include "lk_sim.h"

#define W 320
#define H 240

typedef struct cam_sim {
    lk_cam base;
    int fps;
    int tfd;
    unsigned n;
} cam_sim;

static int cam_start(lk_cam *c, lk_err *err)
{
    cam_sim *s = (cam_sim *)c;
    if (s->tfd >= 0)
        return 0;
    s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (s->tfd < 0)
        return lk_err_set(err, LK_EIO, "timerfd failed");
    long ns = 1000000000L / s->fps;
    struct itimerspec its = {.it_value = {0, ns}, .it_interval = {0, ns}};
    timerfd_settime(s->tfd, 0, &its, NULL);
    return 0;
}

static void cam_stop(lk_cam *c)
{
    cam_sim *s = (cam_sim *)c;
    if (s->tfd >= 0)
        close(s->tfd);
    s->tfd = -1;
}

static int cam_fd(lk_cam *c)
{
    return ((cam_sim *)c)->tfd;
}

static void paint(uint8_t *px, int stride, unsigned n)
{
    double cx = W / 2.0 + 30.0 * sin(n / 15.0), cy = H / 2.0 + 10.0 * cos(n / 11.0);
    for (int y = 0; y < H; y++) {
        uint8_t *row = px + (size_t)y * (size_t)stride;
        for (int x = 0; x < W; x++) {
            double dx = (x - cx) / 60.0, dy = (y - cy) / 80.0;
            int in = dx * dx + dy * dy <= 1.0;
            row[3 * x + 0] = in ? 224 : (uint8_t)(40 + y / 4);
            row[3 * x + 1] = in ? 180 : (uint8_t)(60 + x / 8);
            row[3 * x + 2] = in ? 150 : 110;
        }
    }
}

static int cam_grab(lk_cam *c, lk_frame *f, lk_err *err)
{
    cam_sim *s = (cam_sim *)c;
    uint64_t exp;
    if (s->tfd < 0 || read(s->tfd, &exp, sizeof exp) != sizeof exp)
        return 0;
    if (!f->rgb || f->w != W || f->h != H) {
        lk_frame_wipe(f);
        f->rgb = malloc((size_t)W * 3 * H);
        if (!f->rgb)
            return lk_err_set(err, LK_ENOMEM, "out of memory");
        f->w = W;
        f->h = H;
        f->stride = W * 3;
    }
    paint(f->rgb, f->stride, s->n++);
    f->ts_us = lk_loop_now_us();
    return 1;
}

static int cam_state(lk_cam *c, lk_device_state *out)
{
    memset(out, 0, sizeof *out);
    out->status = ((cam_sim *)c)->tfd >= 0 ? LK_DEVICE_BUSY : LK_DEVICE_NORMAL;
    return 0;
}

static void cam_close(lk_cam *c)
{
    if (!c)
        return;
    cam_stop(c);
    free(c);
}

static const lk_cam_ops cam_ops = {
    .name = "sim",
    .start = cam_start,
    .stop = cam_stop,
    .fd = cam_fd,
    .grab = cam_grab,
    .state = cam_state,
    .close = cam_close,
};

int lk_cam_sim_create(int fps, lk_cam **out, lk_err *err)
{
    *out = NULL;
    if (fps < 1 || fps > 1000)
        return lk_err_set(err, LK_EINVAL, "camera fps %d not in 1..1000", fps);
    cam_sim *s = calloc(1, sizeof *s);
    if (!s)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    s->base.ops = &cam_ops;
    s->fps = fps;
    s->tfd = -1;
    *out = &s->base;
    return 0;
}
