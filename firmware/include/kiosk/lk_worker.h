/* lk_worker: a small thread pool for blocking port calls (card reads, face matching, rendering,
 * printing). A job runs `fn(arg, cancel_fd)` on a worker; when it returns, an LK_EVT_JOB_DONE
 * event carrying its id, tag, result and arg is posted to the queue. Each job has its own
 * cancel eventfd that becomes readable on lk_workers_cancel, so a blocking call can poll it
 * next to its device fd and give up promptly. */
#ifndef LK_KIOSK_LK_WORKER_H
#define LK_KIOSK_LK_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_evt.h"

typedef struct lk_workers lk_workers;

/* Runs on a worker thread. Returns 0 or a negative LK_E* code (LK_ECANCELED when cancelled). */
typedef int (*lk_job_fn)(void *arg, int cancel_fd);

/* n threads (1..8) posting completions to q, which must outlive the pool. */
int lk_workers_create(size_t n, lk_evtq *q, lk_workers **out, lk_err *err);
/* Cancels every job, waits for the threads. Jobs never started are completed with
 * LK_ECANCELED (their done events still carry arg, so its owner can free it). */
void lk_workers_free(lk_workers *w);

/* Queues a job. arg_free (may be NULL) frees arg if the done event is dropped. *id (may be
 * NULL) receives the job's id (never 0). Returns 0, LK_ENOMEM or LK_EBUSY (pool stopping). */
int lk_workers_submit(lk_workers *w, lk_job_fn fn, void *arg, void (*arg_free)(void *), int tag,
                      uint32_t *id);
/* Asks a queued or running job to stop; 0, or LK_ENOENT when it already finished. */
int lk_workers_cancel(lk_workers *w, uint32_t id);

/* For blocking calls: waits up to timeout_ms for fd (may be -1) to become readable or for
 * cancel_fd to fire. Returns 1 fd readable, 0 timeout, LK_ECANCELED, or LK_EIO. */
int lk_worker_wait(int fd, int cancel_fd, int timeout_ms);

#endif
