/* lk_prn_journal: one copy = reserve (journal) -> render -> submit (print worker) -> follow ->
 * finish (journal). The store handle and both CUPS connections are the adapter's own: submit
 * runs on a session worker, and the session's store handle belongs to the loop thread. A
 * second CUPS connection watches the printer's state while the worker waits on the job, so a
 * job held by an empty tray shows as STOPPED with the printer's IPP reason. */
#include "lk_prn_journal.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_journal.h"
#include "kiosk/lk_print_worker.h"
#include "kiosk/lk_printer.h"
#include "kiosk/lk_render.h"
#include "kiosk/lk_render_proc.h"
#include "kiosk/lk_store.h"
#include "lk_cups.h"

#define ACTOR "kiosk"

typedef struct prn_journal {
    lk_prn base;
    lk_store *st;
    lk_printer *job_p, *state_p;
    lk_print_worker *w;
    lk_template *tpl;
    lk_renderer *r; /* only without a render helper: the PDF is made in lk-render-helper */
    char tpl_path[512];
    char helper[512];
    char printer[128];
    int deadline_s;
} prn_journal;

typedef lk_render_buf membuf;

#define RENDER_TIMEOUT_MS 60000

static void report(lk_prn_progress_cb cb, void *ctx, lk_prn_phase ph, const lk_device_state *d)
{
    if (!cb)
        return;
    lk_prn_progress p = {.phase = ph};
    if (d)
        p.dev = *d;
    else
        p.dev.status = ph == LK_PRN_PRINTING ? LK_DEVICE_BUSY : LK_DEVICE_NORMAL;
    cb(ctx, &p);
}

/* The printer's words for why it holds a job, as the port wants them. */
static void normalise_reason(lk_device_state *d)
{
    static const char *const known[] = {
        "media-empty", "media-jam",   "media-needed",       "offline",
        "door-open",   "toner-empty", "marker-supply-empty"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strstr(d->reason, known[i])) {
            snprintf(d->reason, sizeof d->reason, "%s",
                     strcmp(known[i], "media-needed") == 0 ? "media-empty" : known[i]);
            return;
        }
}

static int copy_refused(prn_journal *j, const char *uscc, const char *copy, int copy_no,
                        lk_err *err)
{
    lk_journal_row row;
    if (lk_journal_find(j->st, uscc, copy, copy_no, &row, NULL) != 0)
        return 0;
    if (strcmp(row.state, "completed") == 0 || strcmp(row.state, "uncertain") == 0)
        return lk_err_set(err, LK_EBUSY, "this copy is already printed (journal row %lld: %s)",
                          (long long)row.id, row.state);
    if (strcmp(row.state, "reserved") == 0 || strcmp(row.state, "submitted") == 0)
        return lk_err_set(err, LK_EBUSY, "an attempt for this copy is in flight");
    return 0;
}

static int render(prn_journal *j, const lk_prn_copy *c, membuf *pdf, lk_err *err)
{
    lk_render_opts o = {.copy = c->duplicate ? LK_RENDER_DUPLICATE : LK_RENDER_ORIGINAL,
                        .copy_no = c->copy_no,
                        .copy_total = c->copy_total,
                        .mode = LK_RENDER_FULL};
    if (j->r)
        return lk_render_pdf_stream(j->r, c->rec, &o, lk_render_buf_write, pdf, err);
    return lk_render_pdf_proc(j->helper, j->tpl_path, c->rec, &o, RENDER_TIMEOUT_MS, pdf, err);
}

/* Records the worker's events until DONE; meanwhile reports the printer's state. */
static int follow(prn_journal *j, int64_t row, int cancel_fd, lk_prn_progress_cb cb, void *ctx,
                  lk_print_event *done, lk_err *err)
{
    int stopped = 0, cancelled = 0;
    for (;;) {
        struct pollfd p[2] = {{.fd = lk_print_worker_fd(j->w), .events = POLLIN},
                              {.fd = cancelled ? -1 : cancel_fd, .events = POLLIN}};
        (void)poll(p, 2, 250);
        if (p[1].revents & POLLIN) {
            cancelled = 1;
            lk_print_worker_cancel(j->w);
        }
        lk_print_event ev;
        while (lk_print_worker_next_event(j->w, &ev) == 1) {
            if (ev.kind == LK_PRINT_EV_SUBMITTED) {
                int rc = lk_journal_submitted(j->st, row, ev.job_id, ACTOR, err);
                if (rc != 0)
                    return rc;
                report(cb, ctx, LK_PRN_PRINTING, NULL);
            } else if (ev.kind == LK_PRINT_EV_DONE) {
                *done = ev;
                return lk_journal_finish(j->st, row, ev.outcome, ev.reason, ACTOR, NULL, err);
            }
        }
        lk_device_state d;
        if (lk_printer_state(j->state_p, &d, NULL) != 0)
            continue;
        normalise_reason(&d);
        if (d.status == LK_DEVICE_FAULT && !stopped)
            report(cb, ctx, LK_PRN_STOPPED, &d);
        else if (d.status != LK_DEVICE_FAULT && stopped)
            report(cb, ctx, LK_PRN_PRINTING, NULL);
        stopped = d.status == LK_DEVICE_FAULT;
    }
}

static int outcome_phase(const lk_print_event *ev)
{
    switch (ev->outcome) {
    case LK_PRINT_COMPLETED:
        return LK_PRN_COMPLETED;
    case LK_PRINT_UNCERTAIN:
        return LK_PRN_UNCERTAIN;
    default:
        return LK_PRN_FAILED;
    }
}

static int pj_submit(lk_prn *p, const lk_prn_copy *c, int cancel_fd, lk_prn_progress_cb cb,
                     void *ctx, lk_err *err)
{
    prn_journal *j = (prn_journal *)p;
    const char *copy = c->duplicate ? "duplicate" : "original";
    int copy_no = c->duplicate ? c->copy_no : 1;
    int rc = copy_refused(j, c->rec->uscc, copy, copy_no, err);
    lk_journal_req q = {c->rec->uscc, copy, copy_no, 0, j->printer, j->deadline_s, ACTOR};
    lk_journal_row row;
    if (rc == 0)
        rc = lk_journal_reserve(j->st, &q, &row, err);
    if (rc != 0)
        return rc;
    report(cb, ctx, LK_PRN_QUEUED, NULL);
    membuf pdf = {0};
    rc = render(j, c, &pdf, err);
    if (rc != 0) {
        lk_journal_finish(j->st, row.id, LK_PRINT_REFUSED, "render failed", ACTOR, NULL, NULL);
        free(pdf.p);
        return rc;
    }
    lk_print_request req = {.tag = (unsigned long)row.id,
                            .pdf = pdf.p,
                            .len = pdf.len,
                            .job_name = row.job_name,
                            .media = lk_printer_media(copy),
                            .deadline_s = (double)j->deadline_s};
    rc = lk_print_worker_submit(j->w, &req, err);
    free(pdf.p);
    if (rc != 0) {
        lk_journal_finish(j->st, row.id, LK_PRINT_REFUSED, "worker busy", ACTOR, NULL, NULL);
        return rc;
    }
    lk_print_event done;
    rc = follow(j, row.id, cancel_fd, cb, ctx, &done, err);
    if (rc != 0)
        return rc;
    int phase = outcome_phase(&done);
    lk_device_state d = done.printer;
    normalise_reason(&d);
    report(cb, ctx, (lk_prn_phase)phase, phase == LK_PRN_COMPLETED ? NULL : &d);
    return phase;
}

static int pj_state(lk_prn *p, lk_device_state *out)
{
    prn_journal *j = (prn_journal *)p;
    int rc = lk_printer_state(j->state_p, out, NULL);
    normalise_reason(out);
    return rc;
}

static void pj_close(lk_prn *p)
{
    prn_journal *j = (prn_journal *)p;
    if (!j)
        return;
    if (j->w)
        lk_print_worker_stop(j->w);
    if (j->job_p)
        lk_printer_close(j->job_p);
    if (j->state_p)
        lk_printer_close(j->state_p);
    lk_render_free(j->r);
    lk_template_free(j->tpl);
    lk_store_close(j->st);
    free(j);
}

static const lk_prn_ops pj_ops = {
    .name = "cups-journal", .submit = pj_submit, .state = pj_state, .close = pj_close};

int lk_prn_journal_create(const lk_prn_journal_cfg *cfg, lk_prn **out, lk_err *err)
{
    *out = NULL;
    if (!cfg->printer || !*cfg->printer)
        return lk_err_set(err, LK_ECONFIG, "no printer: set printer.name or LK_PRINTER");
    prn_journal *j = calloc(1, sizeof *j);
    if (!j)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    j->base.ops = &pj_ops;
    j->deadline_s = cfg->deadline_s > 0 ? cfg->deadline_s : 300;
    snprintf(j->printer, sizeof j->printer, "%s", cfg->printer);
    int rc = lk_store_open(cfg->db_path, cfg->secret_path, &j->st, err);
    if (rc == 0)
        lk_journal_set_hooks(j->st, cfg->hooks);
    if (rc == 0)
        rc = lk_cups_open(cfg->printer, &j->job_p, err);
    if (rc == 0)
        rc = lk_cups_open(cfg->printer, &j->state_p, err);
    if (rc == 0)
        rc = lk_template_load(cfg->template_path, &j->tpl, err);
    const char *helper = lk_render_helper_path();
    snprintf(j->tpl_path, sizeof j->tpl_path, "%s", cfg->template_path);
    snprintf(j->helper, sizeof j->helper, "%s", helper ? helper : "");
    if (rc == 0 && !helper)
        rc = lk_render_create(j->tpl, &j->r, err);
    if (rc == 0)
        rc = lk_print_worker_start(j->job_p, &j->w, err);
    if (rc != 0) {
        pj_close(&j->base);
        return rc;
    }
    *out = &j->base;
    return 0;
}
