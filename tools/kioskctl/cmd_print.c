/* cmd_print: `kioskctl print`, `kioskctl jobs` and `kioskctl stock`: printing a stored license
 * through the journal and CUPS exactly as the kiosk does (reserve, render, submit on the print
 * worker, follow to the end), the journal for technicians, and the paper stock ledger.
 *
 * The printer is the CUPS queue named by $LK_PRINTER, else configuration printer.name; never
 * the default printer. Every print first reconciles the journal with the print server, as the
 * kiosk does at start-up. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kctl.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_journal.h"
#include "kiosk/lk_print_worker.h"
#include "kiosk/lk_registry.h"
#include "kiosk/lk_render.h"
#include "kiosk/lk_stock.h"
#include "lk_cups.h"

#define PRINT_USAGE                                                                                \
    "print USCC --copy original|duplicate [--copy-no N] [--overlay] [--template PATH]"
#define JOBS_USAGE                                                                                 \
    "jobs [list [--state S]] | jobs reconcile [--wait] | jobs printer |\n"                         \
    "          jobs confirm ROW --printed|--not-printed [--spoiled] |\n"                           \
    "          jobs authorise-reprint USCC --copy C [--copy-no N] --reason TEXT"
#define STOCK_USAGE                                                                                \
    "stock load --tray T --media a3|a4 (--first SERIAL --last SERIAL | --count N) | stock show"

typedef lk_render_buf buf;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* $LK_PRINTER wins over configuration, so the rig and tests can point anywhere. */
int kctl_open_printer(lk_store *st, lk_printer **p, char *name, size_t n, lk_err *err)
{
    const char *env = getenv("LK_PRINTER");
    char *cfg = NULL;
    if (env && *env) {
        snprintf(name, n, "%s", env);
    } else {
        int rc = lk_config_get(st, "printer.name", &cfg, NULL, err);
        if (rc != 0)
            return rc;
        snprintf(name, n, "%s", cfg);
        free(cfg);
    }
    if (!*name)
        return lk_err_set(err, LK_ECONFIG, "no printer configured (printer.name)");
    return lk_cups_open(name, p, err);
}

static cJSON *kctl_row_json(const lk_journal_row *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "row", (double)r->id);
    cJSON_AddStringToObject(o, "uscc", r->uscc);
    cJSON_AddStringToObject(o, "copy", r->copy);
    cJSON_AddNumberToObject(o, "copy_no", r->copy_no);
    cJSON_AddStringToObject(o, "state", r->state);
    cJSON_AddStringToObject(o, "mode", r->mode);
    cJSON_AddNumberToObject(o, "attempt", r->attempt);
    cJSON_AddNumberToObject(o, "cups_job_id", r->cups_job_id);
    cJSON_AddStringToObject(o, "job_name", r->job_name);
    cJSON_AddStringToObject(o, "printer", r->printer);
    cJSON_AddStringToObject(o, "stock_serial", r->stock_serial);
    cJSON_AddStringToObject(o, "reason", r->reason);
    cJSON_AddNumberToObject(o, "prints", r->prints);
    cJSON_AddNumberToObject(o, "reprints", r->reprints);
    cJSON_AddNumberToObject(o, "updated_at", (double)r->updated_at);
    return o;
}

/* Takes worker events until the request is DONE, recording each in the journal as it comes:
 * SUBMITTED is written before anything else happens, so a kill after it loses nothing. */
static int drive(lk_store *st, lk_print_worker *w, int64_t row, const char *actor,
                 lk_print_event *last, lk_err *err)
{
    for (;;) {
        struct pollfd pfd = {.fd = lk_print_worker_fd(w), .events = POLLIN};
        if (poll(&pfd, 1, 1000) < 0)
            continue;
        lk_print_event ev;
        while (lk_print_worker_next_event(w, &ev) == 1) {
            int rc = 0;
            if (ev.kind == LK_PRINT_EV_SUBMITTED)
                rc = lk_journal_submitted(st, row, ev.job_id, actor, err);
            if (ev.kind == LK_PRINT_EV_DONE) {
                *last = ev;
                return lk_journal_finish(st, row, ev.outcome, ev.reason, actor, NULL, err);
            }
            if (rc != 0)
                return rc;
        }
    }
}

/* Runs one request on a fresh worker and records its events. */
static int run_request(lk_store *st, lk_printer *p, const lk_print_request *req, const char *actor,
                       lk_print_event *last, lk_err *err)
{
    lk_print_worker *w = NULL;
    int rc = lk_print_worker_start(p, &w, err);
    if (rc == 0)
        rc = lk_print_worker_submit(w, req, err);
    if (rc == 0)
        rc = drive(st, w, (int64_t)req->tag, actor, last, err);
    lk_print_worker_stop(w);
    return rc;
}

typedef struct print_args {
    const char *uscc, *copy, *template_path;
    int copy_no, overlay;
} print_args;

static int parse_print(kctl *k, int argc, char **argv, print_args *a)
{
    memset(a, 0, sizeof *a);
    a->copy_no = 1;
    a->template_path = k->template_path;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--overlay") == 0)
            a->overlay = 1;
        else if (strcmp(arg, "--copy") == 0 && val &&
                 (strcmp(val, "original") == 0 || strcmp(val, "duplicate") == 0))
            a->copy = argv[++i];
        else if (strcmp(arg, "--copy-no") == 0 && val && atoi(val) > 0)
            a->copy_no = atoi(argv[++i]);
        else if (strcmp(arg, "--template") == 0 && val)
            a->template_path = argv[++i];
        else if (arg[0] != '-' && !a->uscc)
            a->uscc = arg;
        else
            return -1;
    }
    return a->uscc && a->copy ? 0 : -1;
}

static int render_copy(lk_store *st, const print_args *a, buf *pdf, lk_err *err)
{
    lk_record *rec = NULL;
    lk_template *tpl = NULL;
    lk_renderer *r = NULL;
    long long cx = 0, cy = 0;
    lk_render_opts o = {
        .copy = strcmp(a->copy, "duplicate") == 0 ? LK_RENDER_DUPLICATE : LK_RENDER_ORIGINAL,
        .copy_no = a->copy_no,
        .mode = a->overlay ? LK_RENDER_OVERLAY : LK_RENDER_FULL,
    };
    int rc = lk_store_get_record(st, a->uscc, &rec, err);
    if (rc == 0 && a->overlay &&
        (rc = lk_config_get_int(st, "printer.calibration_x_01mm", &cx, err)) == 0)
        rc = lk_config_get_int(st, "printer.calibration_y_01mm", &cy, err);
    if (rc == 0)
        rc = lk_template_load(a->template_path, &tpl, err);
    if (rc == 0)
        rc = lk_render_create(tpl, &r, err);
    if (rc == 0) {
        o.copy_total = rec->duplicates;
        o.cal_x_01mm = (int)cx;
        o.cal_y_01mm = (int)cy;
        rc = lk_render_pdf_stream(r, rec, &o, lk_render_buf_write, pdf, err);
    }
    lk_render_free(r);
    lk_template_free(tpl);
    lk_record_free(rec);
    return rc;
}

static void print_result(lk_store *st, int64_t row, const lk_print_event *ev, double ms)
{
    lk_journal_row r;
    lk_err e = {0};
    if (lk_journal_get(st, row, &r, &e) != 0)
        return;
    cJSON *o = kctl_row_json(&r);
    cJSON_AddStringToObject(o, "outcome", lk_print_outcome_name(ev->outcome));
    cJSON_AddStringToObject(o, "job_state", lk_job_state_name(ev->job_state));
    cJSON_AddStringToObject(o, "printer_status", lk_device_status_name(ev->printer.status));
    cJSON_AddStringToObject(o, "printer_reason", ev->printer.reason);
    cJSON_AddNumberToObject(o, "elapsed_ms", ms);
    kctl_print_json(o);
}

static int reserve_and_print(kctl *k, lk_store *st, lk_printer *p, const char *pname,
                             const print_args *a, lk_print_event *ev, int64_t *row, lk_err *err)
{
    long long deadline = 300;
    lk_journal_row r;
    buf pdf = {0};
    int rc = lk_config_get_int(st, "printer.job_deadline_s", &deadline, err);
    lk_journal_req q = {a->uscc, a->copy, a->copy_no, a->overlay, pname, (int)deadline, k->actor};
    if (rc == 0)
        rc = lk_journal_reserve(st, &q, &r, err);
    if (rc != 0)
        return rc;
    *row = r.id;
    if ((rc = render_copy(st, a, &pdf, err)) != 0) {
        char why[240];
        snprintf(why, sizeof why, "render failed: %.200s", err->msg);
        lk_journal_finish(st, r.id, LK_PRINT_REFUSED, why, k->actor, NULL, NULL);
        ev->outcome = LK_PRINT_REFUSED;
        snprintf(ev->reason, sizeof ev->reason, "%s", why);
        free(pdf.p);
        return 0;
    }
    lk_print_request req = {
        .tag = (unsigned long)r.id,
        .pdf = pdf.p,
        .len = pdf.len,
        .job_name = r.job_name,
        .media = lk_printer_media(a->copy),
        .deadline_s = (double)deadline,
    };
    rc = run_request(st, p, &req, k->actor, ev, err);
    free(pdf.p);
    return rc;
}

/* The composition root's part of printing: the journal answers to the registry (revocation
 * gate, print reports, registry reprint authorisations). The tables it uses exist whether or not
 * registry.url is set, so reports queued before a registry is configured are delivered later. */
static lk_store *open_print_store(kctl *k)
{
    lk_store *st = kctl_open_store(k);
    if (st)
        lk_journal_set_hooks(st, lk_registry_journal_hooks());
    return st;
}

int kctl_cmd_print(kctl *k, int argc, char **argv)
{
    print_args a;
    if (parse_print(k, argc, argv, &a) != 0)
        return kctl_usage(PRINT_USAGE);
    lk_store *st = open_print_store(k);
    if (!st)
        return KCTL_FAIL;
    lk_err err = {0};
    lk_printer *p = NULL;
    lk_print_event ev = {.outcome = LK_PRINT_REFUSED};
    lk_journal_reconcile_report rep;
    char pname[128] = "";
    int64_t row = 0;
    double t0 = now_ms();
    int rc = kctl_open_printer(st, &p, pname, sizeof pname, &err);
    if (rc == 0)
        rc = lk_journal_reconcile(st, p, k->actor, &rep, &err);
    if (rc == 0)
        rc = reserve_and_print(k, st, p, pname, &a, &ev, &row, &err);
    if (rc == 0)
        print_result(st, row, &ev, now_ms() - t0);
    else
        kctl_error("print %s: %s", a.uscc, err.msg);
    lk_printer_close(p);
    lk_store_close(st);
    lk_render_release_caches();
    return rc == 0 && ev.outcome == LK_PRINT_COMPLETED ? KCTL_OK : KCTL_FAIL;
}

/* jobs ------------------------------------------------------------------------------------- */

static int print_row(void *ctx, const lk_journal_row *r)
{
    (void)ctx;
    kctl_print_json(kctl_row_json(r));
    return 0;
}

typedef struct follow_ctx {
    lk_store *st;
    lk_printer *p;
    const char *actor;
    lk_err *err;
    int64_t ids[64];
    int n;
} follow_ctx;

static int collect_submitted(void *ctx, const lk_journal_row *r)
{
    follow_ctx *f = ctx;
    if (f->n < 64)
        f->ids[f->n++] = r->id;
    return 0;
}

/* Follows every row reconciliation left in flight to its end (`jobs reconcile --wait`). */
static int follow_open(lk_store *st, lk_printer *p, const char *actor, lk_err *err)
{
    follow_ctx f = {.st = st, .p = p, .actor = actor, .err = err};
    int rc = lk_journal_list(st, "submitted", collect_submitted, &f, err);
    for (int i = 0; rc == 0 && i < f.n; i++) {
        lk_journal_row r;
        lk_print_event ev;
        if ((rc = lk_journal_get(st, f.ids[i], &r, err)) != 0)
            break;
        lk_print_request req = {
            .tag = (unsigned long)r.id,
            .job_id = r.cups_job_id,
            .deadline_s = lk_journal_remaining_s(&r) > 0.1 ? lk_journal_remaining_s(&r) : 0.1,
        };
        rc = run_request(st, p, &req, actor, &ev, err);
    }
    return rc;
}

static int jobs_reconcile(kctl *k, lk_store *st, int wait, lk_err *err)
{
    lk_printer *p = NULL;
    char pname[128];
    lk_journal_reconcile_report rep;
    int rc = kctl_open_printer(st, &p, pname, sizeof pname, err);
    if (rc == 0)
        rc = lk_journal_reconcile(st, p, k->actor, &rep, err);
    if (rc == 0 && wait && rep.in_flight > 0)
        rc = follow_open(st, p, k->actor, err);
    lk_printer_close(p);
    if (rc != 0)
        return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "checked", rep.checked);
    cJSON_AddNumberToObject(o, "completed", rep.completed);
    cJSON_AddNumberToObject(o, "failed", rep.failed);
    cJSON_AddNumberToObject(o, "uncertain", rep.uncertain);
    cJSON_AddNumberToObject(o, "in_flight", rep.in_flight);
    cJSON_AddNumberToObject(o, "unreachable", rep.unreachable);
    kctl_print_json(o);
    return 0;
}

/* The printer as the kiosk sees it before a print: the device model plus why. */
static int jobs_printer(lk_store *st, lk_err *err)
{
    lk_printer *p = NULL;
    lk_device_state ds;
    char pname[128];
    int rc = kctl_open_printer(st, &p, pname, sizeof pname, err);
    if (rc == 0)
        rc = lk_printer_state(p, &ds, err);
    lk_printer_close(p);
    if (rc != 0)
        return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "printer", pname);
    cJSON_AddStringToObject(o, "status", lk_device_status_name(ds.status));
    cJSON_AddStringToObject(o, "reason", ds.reason);
    kctl_print_json(o);
    return ds.status == LK_DEVICE_NORMAL || ds.status == LK_DEVICE_BUSY ||
                   ds.status == LK_DEVICE_WARNING
               ? 0
               : lk_err_set(err, LK_ENODEV, "printer %s: %s", lk_device_status_name(ds.status),
                            ds.reason);
}

static int jobs_confirm(kctl *k, lk_store *st, int argc, char **argv, lk_err *err)
{
    int printed = -1, spoiled = 0;
    long long row = argc > 2 ? atoll(argv[2]) : 0;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--printed") == 0)
            printed = 1;
        else if (strcmp(argv[i], "--not-printed") == 0)
            printed = 0;
        else if (strcmp(argv[i], "--spoiled") == 0)
            spoiled = 1;
        else
            return KCTL_USAGE;
    }
    if (row <= 0 || printed < 0 || (printed && spoiled))
        return KCTL_USAGE;
    int rc = lk_journal_confirm(st, row, printed, spoiled, k->actor, err);
    lk_journal_row r;
    if (rc == 0 && (rc = lk_journal_get(st, row, &r, err)) == 0)
        kctl_print_json(kctl_row_json(&r));
    return rc;
}

static int jobs_reprint(kctl *k, lk_store *st, int argc, char **argv, lk_err *err)
{
    const char *uscc = argc > 2 ? argv[2] : NULL, *copy = NULL, *reason = NULL;
    int copy_no = 1;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--copy") == 0)
            copy = argv[i + 1];
        else if (strcmp(argv[i], "--copy-no") == 0)
            copy_no = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--reason") == 0)
            reason = argv[i + 1];
        else
            return KCTL_USAGE;
    }
    if (!uscc || !copy || !reason || (argc - 3) % 2 != 0)
        return KCTL_USAGE;
    int rc = lk_journal_authorise_reprint(st, uscc, copy, copy_no, reason, k->actor, err);
    lk_journal_row r;
    if (rc == 0 && (rc = lk_journal_find(st, uscc, copy, copy_no, &r, err)) == 0)
        kctl_print_json(kctl_row_json(&r));
    return rc;
}

static int jobs_dispatch(kctl *k, lk_store *st, int argc, char **argv, lk_err *err)
{
    const char *sub = argc > 1 ? argv[1] : "list";
    if (strcmp(sub, "list") == 0) {
        const char *state = NULL;
        if (argc == 4 && strcmp(argv[2], "--state") == 0)
            state = argv[3];
        else if (argc > 2)
            return KCTL_USAGE;
        return lk_journal_list(st, state, print_row, NULL, err);
    }
    if (strcmp(sub, "reconcile") == 0) {
        if (argc > 3 || (argc == 3 && strcmp(argv[2], "--wait") != 0))
            return KCTL_USAGE;
        return jobs_reconcile(k, st, argc == 3, err);
    }
    if (strcmp(sub, "confirm") == 0)
        return jobs_confirm(k, st, argc, argv, err);
    if (strcmp(sub, "printer") == 0 && argc == 2)
        return jobs_printer(st, err);
    if (strcmp(sub, "authorise-reprint") == 0)
        return jobs_reprint(k, st, argc, argv, err);
    return KCTL_USAGE;
}

int kctl_cmd_jobs(kctl *k, int argc, char **argv)
{
    lk_store *st = open_print_store(k);
    if (!st)
        return KCTL_FAIL;
    lk_err err = {0};
    int rc = jobs_dispatch(k, st, argc, argv, &err);
    lk_store_close(st);
    if (rc == KCTL_USAGE)
        return kctl_usage(JOBS_USAGE);
    if (rc != 0) {
        kctl_error("jobs: %s", err.msg);
        return KCTL_FAIL;
    }
    return KCTL_OK;
}

/* stock ------------------------------------------------------------------------------------ */

static int print_stack(void *ctx, const lk_stock_stack *s)
{
    cJSON *arr = ctx, *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "stack", (double)s->id);
    cJSON_AddStringToObject(o, "tray", s->tray);
    cJSON_AddStringToObject(o, "media", s->media);
    cJSON_AddStringToObject(o, "first", s->first_serial);
    cJSON_AddStringToObject(o, "last", s->last_serial);
    cJSON_AddStringToObject(o, "next", s->next_serial);
    cJSON_AddNumberToObject(o, "count", (double)s->count);
    cJSON_AddNumberToObject(o, "left", (double)(s->count - s->used));
    cJSON_AddNumberToObject(o, "printed", (double)s->printed);
    cJSON_AddNumberToObject(o, "voided", (double)s->voided);
    cJSON_AddItemToArray(arr, o);
    return 0;
}

static int stock_show(lk_store *st, lk_err *err)
{
    long long low = 0;
    int64_t a3 = 0, a4 = 0;
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "stacks");
    int rc = lk_config_get_int(st, "stock.low_threshold", &low, err);
    if (rc == 0)
        rc = lk_stock_list(st, print_stack, arr, err);
    if (rc == 0 && (rc = lk_stock_remaining(st, LK_STOCK_A3, &a3, err)) == 0)
        rc = lk_stock_remaining(st, LK_STOCK_A4, &a4, err);
    if (rc != 0) {
        cJSON_Delete(o);
        return rc;
    }
    cJSON *left = cJSON_AddObjectToObject(o, "left");
    cJSON_AddNumberToObject(left, "a3", (double)a3);
    cJSON_AddNumberToObject(left, "a4", (double)a4);
    cJSON_AddNumberToObject(o, "low_threshold", (double)low);
    /* A medium nobody loaded is not "low": the kiosk may print full pages only. */
    cJSON *lows = cJSON_AddArrayToObject(o, "low");
    if (a3 <= low && cJSON_GetArraySize(arr) > 0)
        cJSON_AddItemToArray(lows, cJSON_CreateString("a3"));
    if (a4 <= low && cJSON_GetArraySize(arr) > 0)
        cJSON_AddItemToArray(lows, cJSON_CreateString("a4"));
    cJSON_AddStringToObject(o, "status", cJSON_GetArraySize(lows) ? "warning" : "normal");
    kctl_print_json(o);
    return 0;
}

static int stock_load(kctl *k, lk_store *st, int argc, char **argv, lk_err *err)
{
    const char *tray = NULL, *media = NULL, *first = NULL, *last = NULL;
    long long count = 0;
    lk_stock_media m;
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *opt = argv[i], *val = argv[i + 1];
        if (strcmp(opt, "--tray") == 0)
            tray = val;
        else if (strcmp(opt, "--media") == 0)
            media = val;
        else if (strcmp(opt, "--first") == 0)
            first = val;
        else if (strcmp(opt, "--last") == 0)
            last = val;
        else if (strcmp(opt, "--count") == 0)
            count = atoll(val);
        else
            return KCTL_USAGE;
    }
    if ((argc - 2) % 2 != 0 || !tray || lk_stock_media_parse(media, &m) != 0 ||
        (!first && count <= 0))
        return KCTL_USAGE;
    int64_t id = 0;
    int rc = lk_stock_load(st, tray, m, first, last, count, k->actor, &id, err);
    return rc == 0 ? stock_show(st, err) : rc;
}

int kctl_cmd_stock(kctl *k, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "show";
    if (strcmp(sub, "show") != 0 && strcmp(sub, "load") != 0)
        return kctl_usage(STOCK_USAGE);
    lk_store *st = kctl_open_store(k);
    if (!st)
        return KCTL_FAIL;
    lk_err err = {0};
    int rc = strcmp(sub, "show") == 0 ? stock_show(st, &err) : stock_load(k, st, argc, argv, &err);
    lk_store_close(st);
    if (rc == KCTL_USAGE)
        return kctl_usage(STOCK_USAGE);
    if (rc != 0) {
        kctl_error("stock: %s", err.msg);
        return KCTL_FAIL;
    }
    return KCTL_OK;
}
