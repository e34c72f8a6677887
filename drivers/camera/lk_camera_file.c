/* lk_camera_file: the file camera source (demo, tests): images from a folder or an MJPEG file,
 * delivered as their encoded bytes, looped, paced by a timerfd that joins the main loop. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "lk_camera_drv.h"
#include "lk_mjpeg.h"

#define MAX_TOTAL  (256u << 20) /* all frames of a source together */
#define MAX_FRAMES 4096

typedef struct span {
    size_t off, len;
    uint32_t w, h;
} span;

typedef struct file_cam {
    uint8_t *bytes; /* every frame, back to back */
    size_t len;
    span *frames;
    size_t n, next;
    uint64_t seq;
    uint32_t fps;
    int tfd;
} file_cam;

static int add_frame(file_cam *c, size_t off, size_t len, uint32_t w, uint32_t h, lk_err *err)
{
    if (c->n == MAX_FRAMES)
        return lk_err_set(err, LK_EINVAL, "camera source has more than %d frames", MAX_FRAMES);
    span *f = realloc(c->frames, (c->n + 1) * sizeof *f);
    if (!f)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    c->frames = f;
    f[c->n++] = (span){off, len, w, h};
    return 0;
}

/* Appends a file's bytes to c->bytes; *off gets where they start. */
static int slurp(file_cam *c, const char *path, size_t *off, size_t *len, lk_err *err)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        if (f)
            fclose(f);
        return lk_err_set_native(err, LK_ENOENT, LK_ERR_DOMAIN_ERRNO, errno, "%s: %s", path,
                                 strerror(errno));
    }
    size_t n = (size_t)st.st_size;
    uint8_t *b = n <= MAX_TOTAL - c->len ? realloc(c->bytes, c->len + n + 1) : NULL;
    if (!b) {
        fclose(f);
        return lk_err_set(err, LK_ENOMEM, "camera source too large (%s)", path);
    }
    c->bytes = b;
    size_t got = fread(b + c->len, 1, n, f);
    fclose(f);
    *off = c->len;
    *len = got;
    c->len += got;
    return 0;
}

static void image_size(const uint8_t *p, size_t len, uint32_t *w, uint32_t *h)
{
    static const uint8_t png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    *w = *h = 0;
    if (len >= 24 && memcmp(p, png, 8) == 0) {
        *w = (uint32_t)p[16] << 24 | (uint32_t)p[17] << 16 | (uint32_t)p[18] << 8 | p[19];
        *h = (uint32_t)p[20] << 24 | (uint32_t)p[21] << 16 | (uint32_t)p[22] << 8 | p[23];
    } else {
        lk_mjpeg_image_len(p, len, w, h);
    }
}

static int has_ext(const char *name, const char *const *exts)
{
    const char *dot = strrchr(name, '.');
    for (; dot && *exts; exts++)
        if (strcasecmp(dot, *exts) == 0)
            return 1;
    return 0;
}

static int load_mjpeg(file_cam *c, const char *path, lk_err *err)
{
    size_t off = 0, len = 0;
    int rc = slurp(c, path, &off, &len, err);
    for (size_t i = lk_mjpeg_next_soi(c->bytes, len, 0); rc == 0 && i < len;) {
        uint32_t w, h;
        size_t n = lk_mjpeg_image_len(c->bytes + i, len - i, &w, &h);
        if (n == 0) { /* damaged frame: resynchronise on the next SOI */
            i = lk_mjpeg_next_soi(c->bytes, len, i + 1);
            continue;
        }
        rc = add_frame(c, i, n, w, h, err);
        i = lk_mjpeg_next_soi(c->bytes, len, i + n);
    }
    return rc;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int load_dir(file_cam *c, const char *dir, lk_err *err)
{
    static const char *const exts[] = {".jpg", ".jpeg", ".png", NULL};
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, by_name), rc = 0;
    if (n < 0)
        return lk_err_set(err, LK_ENOENT, "%s: %s", dir, strerror(errno));
    for (int i = 0; i < n; i++) {
        if (rc == 0 && has_ext(names[i]->d_name, exts)) {
            char path[4096];
            size_t off = 0, len = 0;
            uint32_t w, h;
            snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
            rc = slurp(c, path, &off, &len, err);
            if (rc == 0 && len) {
                image_size(c->bytes + off, len, &w, &h);
                rc = add_frame(c, off, len, w, h, err);
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

static int file_start(void *impl, lk_err *err)
{
    file_cam *c = impl;
    if (c->tfd < 0)
        c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (c->tfd < 0)
        return lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, errno, "timerfd: %s",
                                 strerror(errno));
    long ns = 1000000000L / (long)c->fps;
    struct itimerspec its = {.it_interval = {ns / 1000000000L, ns % 1000000000L},
                             .it_value = {ns / 1000000000L, ns % 1000000000L}};
    if (timerfd_settime(c->tfd, 0, &its, NULL) != 0)
        return lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, errno, "timerfd: %s",
                                 strerror(errno));
    return 0;
}

static int file_fd(void *impl)
{
    return ((file_cam *)impl)->tfd;
}

static int file_read(void *impl, lk_camera_frame *out, lk_err *err)
{
    file_cam *c = impl;
    uint64_t ticks = 0;
    if (c->tfd < 0)
        return lk_err_set(err, LK_EINVAL, "camera not started");
    if (read(c->tfd, &ticks, sizeof ticks) != (ssize_t)sizeof ticks)
        return errno == EAGAIN ? LK_EBUSY : lk_err_set(err, LK_EIO, "timerfd: %s", strerror(errno));
    const span *f = &c->frames[c->next];
    c->next = (c->next + 1) % c->n; /* late ticks are dropped, like a live camera's frames */
    out->data = malloc(f->len);
    if (!out->data)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    memcpy(out->data, c->bytes + f->off, f->len);
    out->len = f->len;
    out->format = LK_CAMERA_ENCODED;
    out->width = f->w;
    out->height = f->h;
    out->seq = c->seq++;
    return 0;
}

static void file_stop(void *impl)
{
    file_cam *c = impl;
    if (c->tfd >= 0)
        timerfd_settime(c->tfd, 0, &(struct itimerspec){0}, NULL);
}

static void file_close(void *impl)
{
    file_cam *c = impl;
    if (c->tfd >= 0)
        close(c->tfd);
    free(c->bytes);
    free(c->frames);
    free(c);
}

static const lk_camera_ops file_ops = {
    .start = file_start,
    .fd = file_fd,
    .read = file_read,
    .stop = file_stop,
    .close = file_close,
};

int lk_camera_file_open(const lk_camera_cfg *cfg, lk_camera *out, lk_err *err)
{
    static const char *const mjpeg[] = {".mjpeg", ".mjpg", NULL};
    struct stat st;
    if (!cfg->source || stat(cfg->source, &st) != 0)
        return lk_err_set(err, LK_ENOENT, "camera source %s not found",
                          cfg->source ? cfg->source : "(none)");
    file_cam *c = calloc(1, sizeof *c);
    if (!c)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    c->tfd = -1;
    c->fps = cfg->fps && cfg->fps <= 1000 ? cfg->fps : 15;
    int rc = S_ISDIR(st.st_mode) ? load_dir(c, cfg->source, err)
             : has_ext(cfg->source, mjpeg)
                 ? load_mjpeg(c, cfg->source, err)
                 : lk_err_set(err, LK_EINVAL, "camera source %s is neither a folder nor .mjpeg",
                              cfg->source);
    if (rc == 0 && c->n == 0)
        rc = lk_err_set(err, LK_EINVAL, "camera source %s holds no image", cfg->source);
    if (rc != 0) {
        file_close(c);
        return rc;
    }
    out->ops = &file_ops;
    out->impl = c;
    return 0;
}
