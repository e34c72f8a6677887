/* lk_journal: the print journal, the truth behind "a license is printed exactly once per
 * approval unless staff authorise a reprint", across crashes and power loss. One row of
 * print_jobs per printable copy (正本 1, 副本 1..n), moving through:
 *
 *   pending --reserve--> reserved --submitted(job id)--> submitted --finish--> completed
 *      ^                    |                                |                  |
 *      |                    +--(refused: never sent)---------+--> failed -------+--> (reserve
 *      |                                                     |                       again)
 *      |                                                     +--> uncertain --confirm--> completed
 *      +------------- authorise-reprint (staff, audited) <-- completed        \--> failed
 *
 * - reserved is written BEFORE anything is sent; its job_name ("lk-<row>-<attempt>") lets
 *   reconciliation find a job the kiosk submitted but died before recording.
 * - completed only when the print server says the job completed (and the printer did not lose
 *   its history meanwhile).
 * - uncertain (deadline passed and job cancelled, printer vanished, server forgot the job):
 *   maybe a sheet came out. The copy is NOT offered again until a technician confirms.
 * - failed: nothing printed (refused before sending, or the printer aborted it); offered again.
 * Every transition is audited (lk_audit) in the same transaction. Overlay prints consume
 * stock sheets (lk_stock): completed -> printed sheet, serial stored in the row; a printer
 * abort -> voided sheet.
 *
 * Rows may pre-exist (created at import) or not: reserve inserts or claims, keyed by the
 * UNIQUE (license_id, copy, copy_no). Main thread only (the store is single-threaded). */
#ifndef LK_KIOSK_LK_JOURNAL_H
#define LK_KIOSK_LK_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_print_worker.h"
#include "kiosk/lk_printer.h"
#include "kiosk/lk_store.h"

typedef struct lk_journal_row {
    int64_t id;
    char uscc[24];
    char copy[12]; /* "original" | "duplicate" */
    int copy_no;
    char state[12]; /* pending reserved submitted completed failed uncertain */
    char mode[8];   /* "full" | "overlay" ("" before the first attempt) */
    int attempt;
    int cups_job_id; /* 0 when none */
    char job_name[40];
    char printer[128];
    char stock_serial[40];
    char reason[256];
    int prints;                                  /* sheets known printed (completed + confirmed) */
    int reprints;                                /* staff authorisations used */
    int64_t deadline_at, created_at, updated_at; /* unix seconds */
} lk_journal_row;

/* What to print: copy is "original" or "duplicate"; copy_no 1 for the 正本. */
typedef struct lk_journal_req {
    const char *uscc;
    const char *copy;
    int copy_no;
    int overlay; /* on pre-printed stock: needs stock of the copy's medium */
    const char *printer;
    int deadline_s;    /* printer.job_deadline_s */
    const char *actor; /* audit actor */
} lk_journal_req;

/* Claims the copy for one print attempt (state reserved, attempt+1). Refuses, with a reason a
 * customer-facing screen can map: unknown license (LK_ENOENT), revoked license or a copy the
 * license does not have (LK_EINVAL), already printed / awaiting a technician's confirmation
 * (LK_EINVAL, reason says which), an attempt in flight (LK_EBUSY), no stock loaded for an
 * overlay print (LK_ENOSPC). */
int lk_journal_reserve(lk_store *st, const lk_journal_req *req, lk_journal_row *out, lk_err *err);

/* The server accepted the job: reserved -> submitted with its id. */
int lk_journal_submitted(lk_store *st, int64_t row, int cups_job_id, const char *actor,
                         lk_err *err);

/* The attempt is over (a worker DONE event, or reconciliation). From reserved or submitted
 * only; anything else is LK_EINVAL (a finished row is never re-finished). *out (may be NULL)
 * gets the row as stored. */
int lk_journal_finish(lk_store *st, int64_t row, lk_print_outcome outcome, const char *reason,
                      const char *actor, lk_journal_row *out, lk_err *err);

/* A technician's word on an uncertain row: printed (completed, a stock sheet consumed for
 * overlay) or not (failed; spoiled = 1 records a voided sheet). */
int lk_journal_confirm(lk_store *st, int64_t row, int printed, int spoiled, const char *actor,
                       lk_err *err);

/* Staff authorise one more print of a completed copy: back to pending, reprints+1; the
 * authorisation (who, why) is in the audit log. reason must be non-empty. */
int lk_journal_authorise_reprint(lk_store *st, const char *uscc, const char *copy, int copy_no,
                                 const char *reason, const char *actor, lk_err *err);

/* What the composition root plugs into the journal so that it reports to, and asks, the
 * subsystems around it (the registry) without depending on them. Every member may be NULL.
 * Hooks run on the journal's store connection, inside the journal's transaction: an error
 * they return rolls the whole transition back. */
typedef struct lk_journal_hooks {
    void *ctx;
    /* Asked in the transaction that reserves a copy, before anything is sent: 0 printable,
     * otherwise a refusal (the revocation gate). */
    int (*check_printable)(void *ctx, lk_store *st, const char *uscc, lk_err *err);
    /* Called in the transaction that marks a copy completed (a finished job or a technician's
     * confirmation); r is the row as now stored (updated_at is the time it printed). */
    int (*on_completed)(void *ctx, lk_store *st, const lk_journal_row *r, lk_err *err);
    /* Reprint authorisations from outside the kiosk (the registry feed). take 0: 1 when one is
     * waiting for this copy, 0 when none; take 1: uses one, 0 and its id in auth, LK_ENOENT
     * when none. A completed copy with one waiting is printable; reserving it goes through
     * the journal's own reprint path (audited print.reprint_authorised, source external). */
    int (*reprint)(void *ctx, lk_store *st, const char *uscc, const char *copy, int copy_no,
                   int take, char *auth, size_t authsz, lk_err *err);
} lk_journal_hooks;

/* Wires hooks (NULL: none) into every journal call made on st; h must outlive st's use. */
void lk_journal_set_hooks(lk_store *st, const lk_journal_hooks *h);

int lk_journal_get(lk_store *st, int64_t row, lk_journal_row *out, lk_err *err);
/* LK_ENOENT when the copy has no row yet (never reserved, not created at import). */
int lk_journal_find(lk_store *st, const char *uscc, const char *copy, int copy_no,
                    lk_journal_row *out, lk_err *err);

typedef int (*lk_journal_cb)(void *ctx, const lk_journal_row *r);
/* Rows in id order; state NULL for all. */
int lk_journal_list(lk_store *st, const char *state, lk_journal_cb cb, void *ctx, lk_err *err);

/* At most max rows in the state, newest first (an index range, however long the journal). */
int lk_journal_list_recent(lk_store *st, const char *state, int max, lk_journal_cb cb, void *ctx,
                           lk_err *err);

/* Whether a copy may be offered to a customer now (pending/failed, or no row yet, and the
 * license approved): 1 yes, 0 no, negative on error. The UI's license list asks this. */
int lk_journal_printable(lk_store *st, const char *uscc, const char *copy, int copy_no,
                         lk_err *err);

/* Start-up reconciliation: every reserved/submitted row is checked against the print server.
 * BLOCKS on the server (bounded by connect timeouts): run it before the main loop starts.
 *   reserved, job found by name  -> submitted, then as below
 *   reserved, no such job        -> failed ("interrupted before submission")
 *   submitted, final             -> finished as the worker would (completed / failed /
 *                                   uncertain)
 *   still running, deadline left -> left submitted and counted in in_flight: follow it with
 *                                   lk_print_worker (FOLLOW request, lk_journal_remaining_s)
 *   running past its deadline    -> cancelled, uncertain
 *   server unreachable           -> left as is (unreachable++), unless past the deadline:
 *                                   uncertain */
typedef struct lk_journal_reconcile_report {
    int checked, completed, failed, uncertain, in_flight, unreachable;
} lk_journal_reconcile_report;

int lk_journal_reconcile(lk_store *st, lk_printer *p, const char *actor,
                         lk_journal_reconcile_report *rep, lk_err *err);

/* Seconds left before a row's deadline (<= 0 when passed). */
double lk_journal_remaining_s(const lk_journal_row *r);

#endif
