/* lk_evt: a ring buffer under one mutex plus an eventfd counter. Posting never blocks: a full
 * queue is an error the poster handles, because a stalled loop must not stall the workers
 * (they would then hold cards and printers hostage). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kiosk/lk_evt.h"

struct lk_evtq {
    pthread_mutex_t mu;
    lk_evt *ring;
    size_t cap, head, len;
    int fd;
};

int lk_evtq_create(size_t capacity, lk_evtq **out, lk_err *err)
{
    *out = NULL;
    if (capacity == 0)
        return lk_err_set(err, LK_EINVAL, "event queue capacity is 0");
    lk_evtq *q = calloc(1, sizeof *q);
    if (!q || !(q->ring = calloc(capacity, sizeof *q->ring))) {
        free(q);
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    }
    q->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (q->fd < 0) {
        free(q->ring);
        free(q);
        return lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, errno, "eventfd failed");
    }
    pthread_mutex_init(&q->mu, NULL);
    q->cap = capacity;
    *out = q;
    return 0;
}

void lk_evtq_free(lk_evtq *q)
{
    if (!q)
        return;
    lk_evt e;
    while (lk_evtq_pop(q, &e) == 1)
        if (e.free_fn && e.ptr)
            e.free_fn(e.ptr);
    close(q->fd);
    pthread_mutex_destroy(&q->mu);
    free(q->ring);
    free(q);
}

int lk_evtq_post(lk_evtq *q, const lk_evt *e)
{
    pthread_mutex_lock(&q->mu);
    if (q->len == q->cap) {
        pthread_mutex_unlock(&q->mu);
        return LK_ENOSPC;
    }
    q->ring[(q->head + q->len) % q->cap] = *e;
    q->len++;
    pthread_mutex_unlock(&q->mu);
    uint64_t one = 1;
    /* The counter cannot overflow at this capacity; a failed write would only delay wakeup. */
    (void)!write(q->fd, &one, sizeof one);
    return 0;
}

int lk_evtq_pop(lk_evtq *q, lk_evt *out)
{
    pthread_mutex_lock(&q->mu);
    if (q->len == 0) {
        uint64_t n;
        /* Drain the counter while holding the lock, so a post racing us re-arms it. */
        (void)!read(q->fd, &n, sizeof n);
        pthread_mutex_unlock(&q->mu);
        return 0;
    }
    *out = q->ring[q->head];
    q->head = (q->head + 1) % q->cap;
    q->len--;
    pthread_mutex_unlock(&q->mu);
    return 1;
}

int lk_evtq_fd(const lk_evtq *q)
{
    return q->fd;
}
