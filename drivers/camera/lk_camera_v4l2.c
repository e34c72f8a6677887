/* lk_camera_v4l2: V4L2 capture with mmap streaming. The format is negotiated from what the
 * device enumerates (lk_v4l2_choose); YUYV frames are converted to RGB24, MJPEG frames are
 * handed on as JPEG bytes. The device is opened non-blocking, so its fd is the frame-ready
 * descriptor and a read without a frame returns LK_EBUSY. */
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lk_camera_drv.h"

#define N_BUFS    4
#define MAX_MODES 64

typedef struct v4l2_cam {
    int fd;
    char device[256];
    uint32_t want_w, want_h;
    lk_v4l2_mode mode;
    uint32_t stride;
    struct {
        void *p;
        size_t len;
    } buf[N_BUFS];
    unsigned n_bufs;
    int streaming;
    uint64_t seq;
} v4l2_cam;

static int xioctl(int fd, unsigned long req, void *arg)
{
    int r;
    do
        r = ioctl(fd, req, arg);
    while (r < 0 && errno == EINTR);
    return r;
}

static int sys_err(lk_err *err, const char *what, const v4l2_cam *c)
{
    int e = errno;
    return lk_err_set_native(err, e == ENOENT || e == ENODEV ? LK_ENODEV : LK_EIO,
                             LK_ERR_DOMAIN_ERRNO, e, "%s %s: %s", c->device, what, strerror(e));
}

/* Every (format, discrete size) pair the device offers for YUYV and MJPEG. */
static size_t enum_modes(v4l2_cam *c, lk_v4l2_mode *modes)
{
    size_t n = 0;
    struct v4l2_fmtdesc fd = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
    for (fd.index = 0; xioctl(c->fd, VIDIOC_ENUM_FMT, &fd) == 0; fd.index++) {
        if (fd.pixelformat != LK_V4L2_YUYV && fd.pixelformat != LK_V4L2_MJPEG)
            continue;
        struct v4l2_frmsizeenum fs = {.pixel_format = fd.pixelformat};
        for (fs.index = 0; xioctl(c->fd, VIDIOC_ENUM_FRAMESIZES, &fs) == 0 && n < MAX_MODES;
             fs.index++) {
            if (fs.type == V4L2_FRMSIZE_TYPE_DISCRETE)
                modes[n++] = (lk_v4l2_mode){fd.pixelformat, fs.discrete.width, fs.discrete.height};
            else /* stepwise/continuous: the size we want is as good as any */
                modes[n++] = (lk_v4l2_mode){fd.pixelformat, c->want_w, c->want_h};
            if (fs.type != V4L2_FRMSIZE_TYPE_DISCRETE)
                break;
        }
    }
    return n;
}

static int set_format(v4l2_cam *c, lk_err *err)
{
    lk_v4l2_mode modes[MAX_MODES];
    size_t n = enum_modes(c, modes);
    int rc = lk_v4l2_choose(modes, n, c->want_w, c->want_h, &c->mode, err);
    if (rc != 0)
        return rc;
    struct v4l2_format f = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
    f.fmt.pix.width = c->mode.width;
    f.fmt.pix.height = c->mode.height;
    f.fmt.pix.pixelformat = c->mode.fourcc;
    f.fmt.pix.field = V4L2_FIELD_NONE;
    if (xioctl(c->fd, VIDIOC_S_FMT, &f) != 0)
        return sys_err(err, "VIDIOC_S_FMT", c);
    /* The driver may adjust: believe what it says. */
    c->mode = (lk_v4l2_mode){f.fmt.pix.pixelformat, f.fmt.pix.width, f.fmt.pix.height};
    c->stride = f.fmt.pix.bytesperline ? f.fmt.pix.bytesperline : f.fmt.pix.width * 2;
    return 0;
}

static int map_buffers(v4l2_cam *c, lk_err *err)
{
    struct v4l2_requestbuffers rb = {
        .count = N_BUFS, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
    if (xioctl(c->fd, VIDIOC_REQBUFS, &rb) != 0)
        return sys_err(err, "VIDIOC_REQBUFS", c);
    if (rb.count < 2)
        return lk_err_set(err, LK_EIO, "%s: only %u capture buffers", c->device, rb.count);
    for (c->n_bufs = 0; c->n_bufs < rb.count && c->n_bufs < N_BUFS; c->n_bufs++) {
        struct v4l2_buffer b = {
            .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP, .index = c->n_bufs};
        if (xioctl(c->fd, VIDIOC_QUERYBUF, &b) != 0)
            return sys_err(err, "VIDIOC_QUERYBUF", c);
        void *p = mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, b.m.offset);
        if (p == MAP_FAILED)
            return sys_err(err, "mmap", c);
        c->buf[c->n_bufs].p = p;
        c->buf[c->n_bufs].len = b.length;
        if (xioctl(c->fd, VIDIOC_QBUF, &b) != 0)
            return sys_err(err, "VIDIOC_QBUF", c);
    }
    return 0;
}

static void unmap_buffers(v4l2_cam *c)
{
    for (unsigned i = 0; i < c->n_bufs; i++) {
        explicit_bzero(c->buf[i].p, c->buf[i].len); /* the last frames of a face */
        munmap(c->buf[i].p, c->buf[i].len);
    }
    c->n_bufs = 0;
    struct v4l2_requestbuffers rb = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
                                     .memory = V4L2_MEMORY_MMAP};
    xioctl(c->fd, VIDIOC_REQBUFS, &rb);
}

static void v4l2_stop(void *impl)
{
    v4l2_cam *c = impl;
    if (c->fd < 0)
        return;
    if (c->streaming) {
        enum v4l2_buf_type t = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        xioctl(c->fd, VIDIOC_STREAMOFF, &t);
        c->streaming = 0;
    }
    unmap_buffers(c);
}

static int v4l2_start(void *impl, lk_err *err)
{
    v4l2_cam *c = impl;
    if (c->streaming)
        return 0;
    int rc = set_format(c, err);
    if (rc == 0)
        rc = map_buffers(c, err);
    enum v4l2_buf_type t = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (rc == 0 && xioctl(c->fd, VIDIOC_STREAMON, &t) != 0)
        rc = sys_err(err, "VIDIOC_STREAMON", c);
    if (rc != 0)
        v4l2_stop(c);
    c->streaming = rc == 0;
    return rc;
}

static int v4l2_fd(void *impl)
{
    return ((v4l2_cam *)impl)->fd;
}

static int copy_frame(v4l2_cam *c, const uint8_t *src, size_t used, lk_camera_frame *out,
                      lk_err *err)
{
    int yuyv = c->mode.fourcc == LK_V4L2_YUYV;
    size_t need = yuyv ? (size_t)c->mode.width * c->mode.height * 3 : used;
    if (yuyv && used < (size_t)c->stride * c->mode.height)
        return lk_err_set(err, LK_EIO, "%s: short YUYV frame (%zu bytes)", c->device, used);
    out->data = malloc(need ? need : 1);
    if (!out->data)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    if (yuyv)
        lk_yuyv_to_rgb(src, c->stride, c->mode.width, c->mode.height, out->data);
    else
        memcpy(out->data, src, used);
    out->len = need;
    out->format = yuyv ? LK_CAMERA_RGB24 : LK_CAMERA_ENCODED;
    out->width = c->mode.width;
    out->height = c->mode.height;
    out->stride = yuyv ? c->mode.width * 3 : 0;
    out->seq = c->seq++;
    return 0;
}

static int v4l2_read(void *impl, lk_camera_frame *out, lk_err *err)
{
    v4l2_cam *c = impl;
    if (!c->streaming)
        return lk_err_set(err, LK_EINVAL, "camera not started");
    struct v4l2_buffer b = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
    if (xioctl(c->fd, VIDIOC_DQBUF, &b) != 0)
        return errno == EAGAIN ? LK_EBUSY : sys_err(err, "VIDIOC_DQBUF", c);
    int rc = b.index < c->n_bufs && b.bytesused <= c->buf[b.index].len
                 ? copy_frame(c, c->buf[b.index].p, b.bytesused, out, err)
                 : lk_err_set(err, LK_EIO, "%s: bad buffer from driver", c->device);
    if (b.index < c->n_bufs)
        explicit_bzero(c->buf[b.index].p,
                       b.bytesused <= c->buf[b.index].len ? b.bytesused : c->buf[b.index].len);
    if (xioctl(c->fd, VIDIOC_QBUF, &b) != 0 && rc == 0)
        rc = sys_err(err, "VIDIOC_QBUF", c);
    return rc;
}

static void v4l2_close(void *impl)
{
    v4l2_cam *c = impl;
    v4l2_stop(c);
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}

static const lk_camera_ops v4l2_ops = {
    .start = v4l2_start,
    .fd = v4l2_fd,
    .read = v4l2_read,
    .stop = v4l2_stop,
    .close = v4l2_close,
};

int lk_camera_v4l2_open(const lk_camera_cfg *cfg, lk_camera *out, lk_err *err)
{
    v4l2_cam *c = calloc(1, sizeof *c);
    if (!c)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    snprintf(c->device, sizeof c->device, "%s", cfg->device ? cfg->device : "/dev/video0");
    c->want_w = cfg->width ? cfg->width : 640;
    c->want_h = cfg->height ? cfg->height : 480;
    c->fd = open(c->device, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    struct v4l2_capability cap = {0};
    int rc = c->fd < 0 ? sys_err(err, "open", c) : 0;
    if (rc == 0 && xioctl(c->fd, VIDIOC_QUERYCAP, &cap) != 0)
        rc = sys_err(err, "VIDIOC_QUERYCAP (not a V4L2 device?)", c);
    uint32_t caps = cap.capabilities & V4L2_CAP_DEVICE_CAPS ? cap.device_caps : cap.capabilities;
    if (rc == 0 && (!(caps & V4L2_CAP_VIDEO_CAPTURE) || !(caps & V4L2_CAP_STREAMING)))
        rc = lk_err_set(err, LK_ENOTSUP, "%s cannot stream video capture", c->device);
    if (rc != 0) {
        v4l2_close(c);
        return rc;
    }
    out->ops = &v4l2_ops;
    out->impl = c;
    return 0;
}
