/* lk_evt: typed events and the bounded, thread-safe FIFO that carries them to the main loop.
 * Workers, driver callbacks and the UI post; only the loop thread pops. The queue owns an
 * eventfd that is readable while events wait, so the loop sleeps in epoll, not in a poll. */
#ifndef LK_KIOSK_LK_EVT_H
#define LK_KIOSK_LK_EVT_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_err.h"

typedef enum lk_evt_type {
    LK_EVT_NONE = 0,
    LK_EVT_INTENT,        /* the UI asks for something: code = lk_intent, arg, text */
    LK_EVT_JOB_DONE,      /* a worker job finished: id, tag, code = its result, ptr = its arg */
    LK_EVT_READ_PROGRESS, /* identity reader progress: arg = percent */
    LK_EVT_CARD,          /* card presence changed: arg = 1 present, 0 removed */
    LK_EVT_PRN_PROGRESS,  /* printer progress: code = phase, arg = device status, text = reason */
    LK_EVT_CAM_FRAME,     /* a camera frame was grabbed (posted by the session to itself) */
    LK_EVT_TIMEOUT,       /* the current screen's inactivity deadline passed */
    LK_EVT_ENTRY,         /* state machine: a state is entered (never queued) */
    LK_EVT_EXIT,          /* state machine: a state is left (never queued) */
    LK_EVT_SERVICE_CARD,  /* a technician's service card: ptr = token bytes, arg = length */
    LK_EVT_PLAY,          /* a sound for the display to play: ptr = WAV path (a self-test's) */
} lk_evt_type;

typedef struct lk_evt {
    lk_evt_type type;
    uint32_t id; /* job id, or 0 */
    int tag;     /* what the poster meant the job for */
    int code;
    int arg;
    void *ptr;                /* payload; freed with free_fn if the event is dropped */
    void (*free_fn)(void *p); /* may be NULL */
    char text[96];
} lk_evt;

typedef struct lk_evtq lk_evtq;

/* A queue for at most `capacity` events. */
int lk_evtq_create(size_t capacity, lk_evtq **out, lk_err *err);
/* Frees events still queued (through their free_fn). */
void lk_evtq_free(lk_evtq *q);

/* Any thread. Copies *e in. LK_ENOSPC when full: the caller still owns e->ptr. */
int lk_evtq_post(lk_evtq *q, const lk_evt *e);
/* Loop thread. 1 with *out filled, 0 when empty. Ownership of out->ptr passes to the caller. */
int lk_evtq_pop(lk_evtq *q, lk_evt *out);
/* Readable while events wait; register it with lk_loop. */
int lk_evtq_fd(const lk_evtq *q);

#endif
