/* lk_plugin_msg: codec and deadline-bounded socket I/O of kiosk <-> plug-in worker frames. */
#include "lk_plugin_msg.h"

#include "lk_plugin_face.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

int lk_pmsg_decode(const uint8_t *payload, size_t len, lk_pmsg *m, lk_err *err)
{
    m->n = 0;
    if (len < 4)
        return lk_err_set(err, LK_EPROTO, "plug-in message of %zu bytes is too short", len);
    m->type = rd32(payload);
    size_t off = 4;
    while (off < len) {
        if (len - off < 6)
            return lk_err_set(err, LK_EPROTO, "plug-in message: truncated field header");
        if (m->n == LK_PMSG_MAX_FIELDS)
            return lk_err_set(err, LK_EPROTO, "plug-in message: more than %d fields",
                              LK_PMSG_MAX_FIELDS);
        uint16_t tag = (uint16_t)(payload[off] | payload[off + 1] << 8);
        uint32_t flen = rd32(payload + off + 2);
        off += 6;
        if (flen > len - off)
            return lk_err_set(err, LK_EPROTO, "plug-in message: field %u overruns the message",
                              (unsigned)tag);
        m->f[m->n++] = (lk_pmsg_field){.tag = tag, .len = flen, .val = payload + off};
        off += flen;
    }
    return 0;
}

const lk_pmsg_field *lk_pmsg_next(const lk_pmsg *m, uint16_t tag, size_t *iter)
{
    for (size_t i = *iter; i < m->n; i++) {
        if (m->f[i].tag == tag) {
            *iter = i + 1;
            return &m->f[i];
        }
    }
    *iter = m->n;
    return NULL;
}

static const lk_pmsg_field *sized(const lk_pmsg *m, uint16_t tag, uint32_t len, lk_err *err)
{
    size_t it = 0;
    const lk_pmsg_field *f = lk_pmsg_next(m, tag, &it);
    if (!f)
        lk_err_set(err, LK_EPROTO, "plug-in message: field %u missing", (unsigned)tag);
    else if (f->len != len)
        lk_err_set(err, LK_EPROTO, "plug-in message: field %u has %u bytes, not %u", (unsigned)tag,
                   (unsigned)f->len, (unsigned)len);
    return f && f->len == len ? f : NULL;
}

int lk_pmsg_u32(const lk_pmsg *m, uint16_t tag, uint32_t *out, lk_err *err)
{
    const lk_pmsg_field *f = sized(m, tag, 4, err);
    if (!f)
        return LK_EPROTO;
    *out = rd32(f->val);
    return 0;
}

int lk_pmsg_i32(const lk_pmsg *m, uint16_t tag, int32_t *out, lk_err *err)
{
    uint32_t u = 0;
    int rc = lk_pmsg_u32(m, tag, &u, err);
    if (rc == 0)
        memcpy(out, &u, sizeof *out);
    return rc;
}

int lk_pmsg_f64(const lk_pmsg *m, uint16_t tag, double *out, lk_err *err)
{
    const lk_pmsg_field *f = sized(m, tag, 8, err);
    if (!f)
        return LK_EPROTO;
    uint64_t bits = (uint64_t)rd32(f->val) | (uint64_t)rd32(f->val + 4) << 32;
    memcpy(out, &bits, sizeof *out);
    return 0;
}

int lk_pmsg_str(const lk_pmsg *m, uint16_t tag, char *out, size_t cap, int optional, lk_err *err)
{
    size_t it = 0;
    const lk_pmsg_field *f = lk_pmsg_next(m, tag, &it);
    if (cap == 0)
        return lk_err_set(err, LK_EINVAL, "no room for string field");
    out[0] = '\0';
    if (!f)
        return optional
                   ? 0
                   : lk_err_set(err, LK_EPROTO, "plug-in message: field %u missing", (unsigned)tag);
    if (f->len >= cap || memchr(f->val, '\0', f->len))
        return lk_err_set(err, LK_EPROTO, "plug-in message: string field %u is malformed",
                          (unsigned)tag);
    memcpy(out, f->val, f->len);
    out[f->len] = '\0';
    return 0;
}

int lk_pmsg_image_get(const lk_pmsg_field *f, lk_pmsg_image *out, lk_err *err)
{
    if (f->len < 16)
        return lk_err_set(err, LK_EPROTO, "plug-in message: image field too short");
    out->format = rd32(f->val);
    out->width = rd32(f->val + 4);
    out->height = rd32(f->val + 8);
    out->stride = rd32(f->val + 12);
    out->data = f->val + 16;
    out->len = f->len - 16;
    return 0;
}

static uint8_t *grow(lk_pmsg_buf *b, size_t more)
{
    if (b->failed)
        return NULL;
    if (more > UINT32_MAX - b->len) {
        b->failed = 1;
        return NULL;
    }
    if (b->len + more > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + more)
            cap *= 2;
        /* Not realloc: the old block may hold image bytes and must be wiped, not abandoned. */
        uint8_t *n = malloc(cap);
        if (!n) {
            b->failed = 1;
            return NULL;
        }
        if (b->data) {
            memcpy(n, b->data, b->len);
            explicit_bzero(b->data, b->cap);
            free(b->data);
        }
        b->data = n;
        b->cap = cap;
    }
    uint8_t *p = b->data + b->len;
    b->len += more;
    return p;
}

void lk_pmsg_reserve(lk_pmsg_buf *b, size_t bytes)
{
    size_t len = b->len;
    if (grow(b, bytes))
        b->len = len;
}

void lk_pmsg_begin(lk_pmsg_buf *b, uint32_t type)
{
    b->len = 0;
    b->failed = 0;
    uint8_t *p = grow(b, 8);
    if (p) {
        wr32(p, 0);
        wr32(p + 4, type);
    }
}

static uint8_t *field(lk_pmsg_buf *b, uint16_t tag, size_t len)
{
    if (len > UINT32_MAX) {
        b->failed = 1;
        return NULL;
    }
    uint8_t *p = grow(b, 6 + len);
    if (!p)
        return NULL;
    p[0] = (uint8_t)tag;
    p[1] = (uint8_t)(tag >> 8);
    wr32(p + 2, (uint32_t)len);
    return p + 6;
}

void lk_pmsg_put(lk_pmsg_buf *b, uint16_t tag, const void *val, size_t len)
{
    uint8_t *p = field(b, tag, len);
    if (p && len)
        memcpy(p, val, len);
}

void lk_pmsg_put_u32(lk_pmsg_buf *b, uint16_t tag, uint32_t v)
{
    uint8_t *p = field(b, tag, 4);
    if (p)
        wr32(p, v);
}

void lk_pmsg_put_i32(lk_pmsg_buf *b, uint16_t tag, int32_t v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    lk_pmsg_put_u32(b, tag, u);
}

void lk_pmsg_put_f64(lk_pmsg_buf *b, uint16_t tag, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint8_t *p = field(b, tag, 8);
    if (p) {
        wr32(p, (uint32_t)bits);
        wr32(p + 4, (uint32_t)(bits >> 32));
    }
}

void lk_pmsg_put_str(lk_pmsg_buf *b, uint16_t tag, const char *s)
{
    lk_pmsg_put(b, tag, s ? s : "", s ? strlen(s) : 0);
}

void lk_pmsg_put_image(lk_pmsg_buf *b, uint16_t tag, const lk_pmsg_image *img)
{
    uint8_t *p = field(b, tag, 16 + img->len);
    if (!p)
        return;
    wr32(p, img->format);
    wr32(p + 4, img->width);
    wr32(p + 8, img->height);
    wr32(p + 12, img->stride);
    if (img->len)
        memcpy(p + 16, img->data, img->len);
}

int lk_pmsg_finish(lk_pmsg_buf *b, lk_err *err)
{
    if (b->failed || !b->data)
        return lk_err_set(err, LK_ENOMEM, "out of memory building a plug-in message");
    wr32(b->data, (uint32_t)(b->len - LK_PMSG_HDR));
    return 0;
}

void lk_pmsg_buf_wipe(lk_pmsg_buf *b)
{
    if (b->data) {
        explicit_bzero(b->data, b->cap);
        free(b->data);
    }
    *b = (lk_pmsg_buf){0};
}

uint64_t lk_pmsg_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Waits until fd is ready for `events` or the deadline passes. */
static int wait_fd(int fd, short events, int64_t deadline_ms, lk_err *err)
{
    for (;;) {
        int timeout = -1;
        if (deadline_ms >= 0) {
            int64_t left = deadline_ms - (int64_t)lk_pmsg_now_ms();
            if (left <= 0)
                return lk_err_set(err, LK_ETIMEDOUT, "plug-in did not answer in time");
            timeout = left > 1000000 ? 1000000 : (int)left;
        }
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, timeout);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, errno, "poll: %s",
                                     strerror(errno));
    }
}

int lk_pmsg_send(int fd, const uint8_t *frame, size_t len, int64_t deadline_ms, lk_err *err)
{
    size_t done = 0;
    while (done < len) {
        int rc = wait_fd(fd, POLLOUT, deadline_ms, err);
        if (rc != 0)
            return rc;
        /* MSG_NOSIGNAL: a worker that died must not take the kiosk down with SIGPIPE. */
        ssize_t n = send(fd, frame + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n < 0)
            return lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, errno,
                                     "plug-in worker connection lost: %s", strerror(errno));
        done += (size_t)n;
    }
    return 0;
}

static int recv_all(int fd, uint8_t *p, size_t len, int64_t deadline_ms, lk_err *err)
{
    size_t done = 0;
    while (done < len) {
        int rc = wait_fd(fd, POLLIN, deadline_ms, err);
        if (rc != 0)
            return rc;
        ssize_t n = recv(fd, p + done, len - done, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n == 0)
            return lk_err_set(err, LK_EIO, "plug-in worker closed the connection");
        if (n < 0)
            return lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, errno,
                                     "plug-in worker connection lost: %s", strerror(errno));
        done += (size_t)n;
    }
    return 0;
}

int lk_pmsg_recv(int fd, size_t max_len, int64_t deadline_ms, uint8_t **payload, size_t *len,
                 lk_err *err)
{
    uint8_t hdr[LK_PMSG_HDR];
    int rc = recv_all(fd, hdr, sizeof hdr, deadline_ms, err);
    if (rc != 0)
        return rc;
    uint32_t n = rd32(hdr);
    if (n < 4 || n > max_len)
        return lk_err_set(err, LK_EPROTO, "plug-in message of %u bytes is outside 4..%zu",
                          (unsigned)n, max_len);
    uint8_t *p = malloc(n);
    if (!p)
        return lk_err_set(err, LK_ENOMEM, "out of memory receiving %u bytes", (unsigned)n);
    rc = recv_all(fd, p, n, deadline_ms, err);
    if (rc != 0) {
        lk_pmsg_free(p, n);
        return rc;
    }
    *payload = p;
    *len = n;
    return 0;
}

void lk_pmsg_free(uint8_t *payload, size_t len)
{
    if (payload) {
        explicit_bzero(payload, len);
        free(payload);
    }
}

int lk_pmsg_map_code(int32_t plugin_code)
{
    switch (plugin_code) {
    case LK_PLUGIN_EINVAL:
    case LK_PLUGIN_EBADIMAGE:
        return LK_EINVAL;
    case LK_PLUGIN_ENOMEM:
        return LK_ENOMEM;
    case LK_PLUGIN_EIO:
    case LK_PLUGIN_ECARDREAD:
        return LK_EIO;
    case LK_PLUGIN_ETIMEDOUT:
        return LK_ETIMEDOUT;
    case LK_PLUGIN_ECANCELED:
        return LK_ECANCELED;
    case LK_PLUGIN_ENODEV:
        return LK_ENODEV;
    case LK_PLUGIN_ENOCARD:
        return LK_ENOENT;
    default:
        return LK_EPLUGIN;
    }
}
