/* lk_print_worker: runs the blocking printer calls (lk_printer.h) on its own thread and hands
 * their results back to ONE main loop as events, so the UI never waits on a print server.
 *
 * How the kiosk's main loop uses it:
 *
 *     lk_print_worker_start(printer, &w, &err);        // once, at start-up
 *     int fd = lk_print_worker_fd(w);                  // add to poll()/SDL's loop as POLLIN
 *     ...
 *     lk_journal_reserve(...)                          // journal row first (lk_journal.h)
 *     lk_print_worker_submit(w, &req, &err);           // pdf + job name + media + deadline
 *     ...
 *     // fd readable (or just every frame; next_event never blocks):
 *     lk_print_event ev;
 *     while (lk_print_worker_next_event(w, &ev) == 1) {
 *         if (ev.kind == LK_PRINT_EV_SUBMITTED) lk_journal_submitted(st, row, ev.job_id, ...);
 *         if (ev.kind == LK_PRINT_EV_DONE)      lk_journal_finish(st, row, &ev, ...);
 *     }
 *
 * Alternatively pass a callback in lk_print_request: it runs ON THE WORKER THREAD right after
 * the event is queued (e.g. to push an SDL user event); it must not touch the store.
 *
 * One request at a time (a kiosk has one printer and prints one sheet at a time): submit
 * while a request is running returns LK_EBUSY. Every request ends with exactly one DONE
 * event; a SUBMIT request that reached the server sends SUBMITTED first. */
#ifndef LK_KIOSK_LK_PRINT_WORKER_H
#define LK_KIOSK_LK_PRINT_WORKER_H

#include <stddef.h>

#include "kiosk/lk_device.h"
#include "kiosk/lk_err.h"
#include "kiosk/lk_printer.h"

typedef struct lk_print_worker lk_print_worker;

/* How a request ended, which decides the journal row's next state. */
typedef enum lk_print_outcome {
    LK_PRINT_COMPLETED = 0, /* the server says the job completed: one sheet printed */
    LK_PRINT_REFUSED,       /* never sent (printer not ready: state in ev.printer; submit
                               rejected), or cancelled at the deadline before the server ever
                               started it: nothing printed, the license may be offered again */
    LK_PRINT_FAILED,        /* the printer canceled/aborted the job (engine error, jam): no
                               good sheet; on pre-printed stock one sheet is spoiled */
    LK_PRINT_UNCERTAIN,     /* deadline passed (then cancelled), printer lost its history, or
                               the server forgot the job: a sheet may or may not have come
                               out; a technician must say */
} lk_print_outcome;

const char *lk_print_outcome_name(lk_print_outcome o);

/* How a FINAL job state (lk_job_state_final) is judged, by the worker and by start-up
 * reconciliation alike: completed -> COMPLETED unless doubtful; canceled/aborted -> FAILED;
 * gone or doubtful -> UNCERTAIN. reason[0..n) says why ("" for a clean completion). */
lk_print_outcome lk_print_judge(const lk_job_info *info, char *reason, size_t n);

typedef enum lk_print_event_kind {
    LK_PRINT_EV_SUBMITTED = 1, /* the server assigned job_id: record it before anything else */
    LK_PRINT_EV_DONE = 2,      /* the request is over: outcome, job_state, reason */
} lk_print_event_kind;

typedef struct lk_print_event {
    lk_print_event_kind kind;
    unsigned long tag;        /* the request's tag (the caller's journal row id, say) */
    int job_id;               /* 0 when the job never reached the server */
    lk_print_outcome outcome; /* DONE only */
    lk_job_state job_state;   /* DONE only: the last state the server reported */
    lk_device_state printer;  /* DONE only: the printer's state at the end (or at refusal) */
    char reason[256];         /* DONE only: why, for journal and technicians */
} lk_print_event;

typedef void (*lk_print_event_cb)(void *ctx, const lk_print_event *ev);

typedef struct lk_print_request {
    unsigned long tag;
    /* SUBMIT when pdf is set: the document is copied, the caller may free it after the call.
     * FOLLOW when pdf is NULL and job_id > 0: watch an already submitted job to its end (what
     * start-up reconciliation does with a job a killed kiosk left behind). */
    const unsigned char *pdf;
    size_t len;
    const char *job_name; /* copied */
    const char *media;    /* copied; PWG name */
    int job_id;
    double deadline_s;    /* from request to cancel-and-uncertain; <= 0 means 300 */
    double poll_s;        /* job-state poll interval; <= 0 means 0.1 */
    lk_print_event_cb cb; /* optional, see above */
    void *cb_ctx;
} lk_print_request;

/* Starts the thread. The worker uses p but does not own it: close p after stopping w. */
int lk_print_worker_start(lk_printer *p, lk_print_worker **out, lk_err *err);

/* Queues one request; LK_EBUSY while another is running. */
int lk_print_worker_submit(lk_print_worker *w, const lk_print_request *req, lk_err *err);

/* Readable (POLLIN) whenever events are waiting; never write to it. */
int lk_print_worker_fd(const lk_print_worker *w);

/* Takes the oldest event: 1 and *ev filled, 0 when none. Never blocks. */
int lk_print_worker_next_event(lk_print_worker *w, lk_print_event *ev);

/* Asks the running request to cancel its job now; it ends as UNCERTAIN if the job had
 * reached the printer (staff cancelled), REFUSED if it had not. */
void lk_print_worker_cancel(lk_print_worker *w);

/* Whether a request is running. */
int lk_print_worker_busy(lk_print_worker *w);

/* Cancels any running request's wait (the job itself is left to the server and to the next
 * start's reconciliation), joins the thread and frees w. */
void lk_print_worker_stop(lk_print_worker *w);

#endif
