/* sim_outq: what the simulator still has to put on the wire. Each queued frame may be held back
 * until a moment (response delay), and bytes leave no faster than a baud rate allows (10 bits
 * per byte, 8N1), so benchmarks see the timing of a real UART. */
#ifndef LK_SIM_OUTQ_H
#define LK_SIM_OUTQ_H

#include <stddef.h>
#include <stdint.h>

#define SIM_OUTQ_SEG  640 /* larger than the largest frame (264 + 10) */
#define SIM_OUTQ_SEGS 16

struct sim_outq_seg {
    uint8_t data[SIM_OUTQ_SEG];
    size_t len, off;
    int64_t not_before; /* CLOCK_MONOTONIC ns */
};

struct sim_outq {
    struct sim_outq_seg seg[SIM_OUTQ_SEGS];
    size_t head, count;
    unsigned long baud; /* 0: unpaced */
    int64_t credit;     /* when the next byte may start, when paced */
    uint64_t written;   /* bytes put on the wire since start, for status and benchmarks */
};

int64_t sim_now_ns(void);
void sim_outq_init(struct sim_outq *q, unsigned long baud);
/* Queues a frame to leave at not_before or later. -1 when full or too long. */
int sim_outq_push(struct sim_outq *q, const uint8_t *data, size_t n, int64_t not_before);
/* Drops every byte not written yet (the host aborted the command). */
void sim_outq_clear(struct sim_outq *q);
/* Writes what is due at now to fd. Returns 0, or -1 on a write error other than EAGAIN. */
int sim_outq_flush(struct sim_outq *q, int fd, int64_t now);
/* Nanoseconds until the next byte is due (0: now), or -1 when nothing is queued. */
int64_t sim_outq_wait_ns(const struct sim_outq *q, int64_t now);

#endif
