/* lk_loop: epoll over a small table of watches. Timers are timerfds watched like any fd, so
 * there is one wait primitive and one dispatch path. The table is tiny (a dozen fds), so a
 * linear search keeps it simple. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "kiosk/lk_loop.h"

#define MAX_WATCHES 64

typedef struct watch {
    int fd;
    int is_timer;
    int oneshot;
    lk_loop_fd_cb fd_cb;
    lk_loop_timer_cb timer_cb;
    void *ctx;
} watch;

struct lk_loop {
    int ep;
    int quit;
    watch w[MAX_WATCHES];
    int n;
    uint64_t busy_us;     /* dispatching, all iterations that ended */
    uint64_t dispatch_t0; /* start of the dispatch under way, 0 between iterations */
};

uint64_t lk_loop_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t lk_loop_now_ms(void)
{
    return lk_loop_now_us() / 1000u;
}

int lk_loop_create(lk_loop **out, lk_err *err)
{
    *out = NULL;
    lk_loop *l = calloc(1, sizeof *l);
    if (!l)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    l->ep = epoll_create1(EPOLL_CLOEXEC);
    if (l->ep < 0) {
        free(l);
        return lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, errno, "epoll_create1 failed");
    }
    *out = l;
    return 0;
}

void lk_loop_free(lk_loop *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->n; i++)
        if (l->w[i].is_timer)
            close(l->w[i].fd);
    close(l->ep);
    free(l);
}

static watch *find(lk_loop *l, int fd)
{
    for (int i = 0; i < l->n; i++)
        if (l->w[i].fd == fd)
            return &l->w[i];
    return NULL;
}

static int add(lk_loop *l, const watch *w, uint32_t events)
{
    if (l->n == MAX_WATCHES || find(l, w->fd))
        return LK_EBUSY;
    struct epoll_event ev = {.events = events, .data.fd = w->fd};
    if (epoll_ctl(l->ep, EPOLL_CTL_ADD, w->fd, &ev) != 0)
        return LK_EIO;
    l->w[l->n++] = *w;
    return 0;
}

int lk_loop_watch(lk_loop *l, int fd, uint32_t events, lk_loop_fd_cb cb, void *ctx)
{
    watch w = {.fd = fd, .fd_cb = cb, .ctx = ctx};
    return add(l, &w, events);
}

int lk_loop_unwatch(lk_loop *l, int fd)
{
    watch *w = find(l, fd);
    if (!w)
        return LK_ENOENT;
    epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
    *w = l->w[--l->n];
    return 0;
}

static void ms_to_ts(uint64_t ms, struct timespec *ts)
{
    ts->tv_sec = (time_t)(ms / 1000u);
    ts->tv_nsec = (long)(ms % 1000u) * 1000000L;
}

int lk_loop_timer_set(lk_loop *l, int id, uint64_t first_ms, uint64_t interval_ms)
{
    watch *w = find(l, id);
    if (!w || !w->is_timer)
        return LK_ENOENT;
    struct itimerspec its = {0};
    ms_to_ts(first_ms, &its.it_value);
    ms_to_ts(interval_ms, &its.it_interval);
    w->oneshot = interval_ms == 0;
    return timerfd_settime(id, 0, &its, NULL) == 0 ? 0 : LK_EIO;
}

int lk_loop_timer_add(lk_loop *l, uint64_t first_ms, uint64_t interval_ms, lk_loop_timer_cb cb,
                      void *ctx)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (fd < 0)
        return LK_EIO;
    watch w = {.fd = fd, .is_timer = 1, .timer_cb = cb, .ctx = ctx};
    int rc = add(l, &w, EPOLLIN);
    if (rc == 0)
        rc = lk_loop_timer_set(l, fd, first_ms ? first_ms : 1, interval_ms);
    if (rc != 0) {
        lk_loop_unwatch(l, fd);
        close(fd);
        return rc;
    }
    return fd;
}

int lk_loop_timer_del(lk_loop *l, int id)
{
    watch *w = find(l, id);
    if (!w || !w->is_timer)
        return LK_ENOENT;
    lk_loop_unwatch(l, id);
    close(id);
    return 0;
}

static void dispatch(lk_loop *l, int fd, uint32_t events)
{
    watch *w = find(l, fd);
    if (!w) /* removed by an earlier callback of the same batch */
        return;
    if (!w->is_timer) {
        w->fd_cb(w->ctx, fd, events);
        return;
    }
    uint64_t expirations;
    if (read(fd, &expirations, sizeof expirations) != sizeof expirations)
        return;
    lk_loop_timer_cb cb = w->timer_cb;
    void *ctx = w->ctx;
    if (w->oneshot)
        lk_loop_timer_del(l, fd);
    cb(ctx, fd);
}

int lk_loop_run_once(lk_loop *l, int timeout_ms)
{
    struct epoll_event evs[16];
    int n = epoll_wait(l->ep, evs, 16, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : LK_EIO;
    l->dispatch_t0 = lk_loop_now_us();
    for (int i = 0; i < n; i++)
        dispatch(l, evs[i].data.fd, evs[i].events);
    l->busy_us += lk_loop_now_us() - l->dispatch_t0;
    l->dispatch_t0 = 0;
    return n;
}

uint64_t lk_loop_busy_us(const lk_loop *l)
{
    return l->busy_us + (l->dispatch_t0 ? lk_loop_now_us() - l->dispatch_t0 : 0);
}

int lk_loop_run(lk_loop *l)
{
    l->quit = 0;
    while (!l->quit) {
        int rc = lk_loop_run_once(l, -1);
        if (rc < 0)
            return rc;
    }
    return 0;
}

void lk_loop_quit(lk_loop *l)
{
    l->quit = 1;
}
