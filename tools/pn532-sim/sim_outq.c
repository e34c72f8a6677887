/* sim_outq: the delayed and paced output queue (see sim_outq.h). */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim_outq.h"

#define NS_PER_S 1000000000LL

int64_t sim_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

void sim_outq_init(struct sim_outq *q, unsigned long baud)
{
    memset(q, 0, sizeof *q);
    q->baud = baud;
}

int sim_outq_push(struct sim_outq *q, const uint8_t *data, size_t n, int64_t not_before)
{
    if (q->count == SIM_OUTQ_SEGS || n > SIM_OUTQ_SEG)
        return -1;
    struct sim_outq_seg *s = &q->seg[(q->head + q->count) % SIM_OUTQ_SEGS];
    memcpy(s->data, data, n);
    s->len = n;
    s->off = 0;
    s->not_before = not_before;
    q->count++;
    return 0;
}

void sim_outq_clear(struct sim_outq *q)
{
    q->count = 0;
}

static int64_t byte_ns(const struct sim_outq *q)
{
    return 10 * NS_PER_S / (int64_t)q->baud;
}

/* How many bytes of the head segment may be written at now. */
static size_t bytes_due(struct sim_outq *q, struct sim_outq_seg *s, int64_t now)
{
    size_t left = s->len - s->off;
    if (q->baud == 0)
        return left;
    /* An idle line earns no credit: the first byte of a frame starts when it is ready. */
    if (s->off == 0 && q->credit < s->not_before)
        q->credit = s->not_before;
    if (now < q->credit)
        return 0;
    int64_t due = (now - q->credit) / byte_ns(q) + 1;
    return (size_t)due < left ? (size_t)due : left;
}

int sim_outq_flush(struct sim_outq *q, int fd, int64_t now)
{
    while (q->count > 0) {
        struct sim_outq_seg *s = &q->seg[q->head];
        if (now < s->not_before)
            return 0;
        size_t n = bytes_due(q, s, now);
        if (n == 0)
            return 0;
        ssize_t w = write(fd, s->data + s->off, n);
        if (w < 0)
            return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
        s->off += (size_t)w;
        q->written += (uint64_t)w;
        if (q->baud)
            q->credit += (int64_t)w * byte_ns(q);
        if (s->off < s->len)
            return 0;
        q->head = (q->head + 1) % SIM_OUTQ_SEGS;
        q->count--;
    }
    return 0;
}

int64_t sim_outq_wait_ns(const struct sim_outq *q, int64_t now)
{
    if (q->count == 0)
        return -1;
    const struct sim_outq_seg *s = &q->seg[q->head];
    int64_t at = s->not_before;
    if (q->baud && q->credit > at)
        at = q->credit;
    return at > now ? at - now : 0;
}
