/* lk_reconcile: start-up reconciliation of the print journal with the print server (part of
 * lk_journal, see lk_journal.h). A kiosk killed between reservation and completion left rows
 * reserved or submitted; the server's record of their jobs decides what really happened, so
 * a print that came out is recorded and one that did not is offered again, never both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_journal.h"

typedef struct open_rows {
    int64_t *ids;
    size_t n, cap;
} open_rows;

static int collect(void *ctx, const lk_journal_row *r)
{
    open_rows *o = ctx;
    if (strcmp(r->state, "reserved") != 0 && strcmp(r->state, "submitted") != 0)
        return 0;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 8;
        int64_t *ids = realloc(o->ids, cap * sizeof *ids);
        if (!ids)
            return LK_ENOMEM;
        o->ids = ids;
        o->cap = cap;
    }
    o->ids[o->n++] = r->id;
    return 0;
}

static void count(lk_journal_reconcile_report *rep, lk_print_outcome o)
{
    if (o == LK_PRINT_COMPLETED)
        rep->completed++;
    else if (o == LK_PRINT_UNCERTAIN)
        rep->uncertain++;
    else
        rep->failed++;
}

static int settle(lk_store *st, int64_t row, lk_print_outcome o, const char *reason,
                  const char *actor, lk_journal_reconcile_report *rep, lk_err *err)
{
    char why[300];
    snprintf(why, sizeof why, "%.250s%s", reason, *reason ? " (found at reconciliation)" : "");
    count(rep, o);
    return lk_journal_finish(st, row, o, why, actor, NULL, err);
}

/* The server could not be asked: wait for it while the deadline lasts, then a technician
 * must decide (cupsd may still hold the job and print it when it comes back). */
static int unreachable(lk_store *st, const lk_journal_row *r, const char *why, const char *actor,
                       lk_journal_reconcile_report *rep, lk_err *err)
{
    char reason[300];
    if (lk_journal_remaining_s(r) > 0) {
        rep->unreachable++;
        return 0;
    }
    snprintf(reason, sizeof reason, "deadline passed; print server unreachable: %.200s", why);
    return settle(st, r->id, LK_PRINT_UNCERTAIN, reason, actor, rep, err);
}

static int follow_up(lk_store *st, lk_printer *p, const lk_journal_row *r, const char *actor,
                     lk_journal_reconcile_report *rep, lk_err *err)
{
    lk_job_info info;
    lk_err e = {0};
    char reason[300];
    if (lk_printer_job(p, r->cups_job_id, &info, &e) != 0)
        return unreachable(st, r, e.msg, actor, rep, err);
    if (lk_job_state_final(info.state)) {
        lk_print_outcome o = lk_print_judge(&info, reason, sizeof reason);
        return settle(st, r->id, o, reason, actor, rep, err);
    }
    if (lk_journal_remaining_s(r) > 0) {
        rep->in_flight++;
        return 0;
    }
    int cancelled = lk_printer_cancel(p, r->cups_job_id, NULL) == 0;
    lk_job_info after;
    int never = cancelled && lk_printer_job(p, r->cups_job_id, &after, NULL) == 0 && !after.started;
    snprintf(reason, sizeof reason, "deadline passed (last seen %s: %.150s)%s",
             lk_job_state_name(info.state), info.reason,
             never       ? "; never started, job cancelled"
             : cancelled ? "; job cancelled"
                         : "; cancel failed");
    return settle(st, r->id, never ? LK_PRINT_REFUSED : LK_PRINT_UNCERTAIN, reason, actor, rep,
                  err);
}

static int reconcile_row(lk_store *st, lk_printer *p, int64_t id, const char *actor,
                         lk_journal_reconcile_report *rep, lk_err *err)
{
    lk_journal_row r;
    lk_err e = {0};
    int rc = lk_journal_get(st, id, &r, err);
    if (rc != 0)
        return rc;
    rep->checked++;
    if (strcmp(r.state, "reserved") == 0) {
        int job = 0;
        rc = lk_printer_find_job(p, r.job_name, &job, &e);
        if (rc == LK_ENOENT)
            return settle(st, id, LK_PRINT_REFUSED,
                          "interrupted before submission: no job reached the print server", actor,
                          rep, err);
        if (rc != 0)
            return unreachable(st, &r, e.msg, actor, rep, err);
        if ((rc = lk_journal_submitted(st, id, job, actor, err)) != 0)
            return rc;
        r.cups_job_id = job;
    }
    return follow_up(st, p, &r, actor, rep, err);
}

int lk_journal_reconcile(lk_store *st, lk_printer *p, const char *actor,
                         lk_journal_reconcile_report *rep, lk_err *err)
{
    open_rows rows = {0};
    memset(rep, 0, sizeof *rep);
    int rc = lk_journal_list(st, NULL, collect, &rows, err);
    if (rc == LK_ENOMEM)
        lk_err_set(err, LK_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < rows.n; i++)
        rc = reconcile_row(st, p, rows.ids[i], actor, rep, err);
    free(rows.ids);
    return rc;
}
