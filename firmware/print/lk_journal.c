/* lk_journal: the print journal (see lk_journal.h). Every transition is one transaction that
 * also writes its audit row (and, for overlay prints, its stock sheet), so the journal, the
 * ledger and the audit log can never disagree after a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_counter.h"
#include "kiosk/lk_counter_names.h"
#include "kiosk/lk_journal.h"
#include "kiosk/lk_stock.h"

#define ROW_SELECT                                                                                 \
    "SELECT p.id, l.uscc, p.copy, p.copy_no, p.state, COALESCE(p.mode, ''), p.attempt,"            \
    " COALESCE(p.cups_job_id, 0), COALESCE(p.job_name, ''), COALESCE(p.printer, ''),"              \
    " COALESCE(p.stock_serial, ''), COALESCE(p.reason, ''), p.prints, p.reprints,"                 \
    " COALESCE(p.deadline_at, 0), p.created_at, p.updated_at"                                      \
    " FROM print_jobs p JOIN licenses l ON l.id = p.license_id "

static void col_text(sqlite3_stmt *s, int i, char *dst, size_t n)
{
    const unsigned char *v = sqlite3_column_text(s, i);
    snprintf(dst, n, "%s", v ? (const char *)v : "");
}

static void read_row(sqlite3_stmt *s, lk_journal_row *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(s, 0);
    col_text(s, 1, r->uscc, sizeof r->uscc);
    col_text(s, 2, r->copy, sizeof r->copy);
    r->copy_no = sqlite3_column_int(s, 3);
    col_text(s, 4, r->state, sizeof r->state);
    col_text(s, 5, r->mode, sizeof r->mode);
    r->attempt = sqlite3_column_int(s, 6);
    r->cups_job_id = sqlite3_column_int(s, 7);
    col_text(s, 8, r->job_name, sizeof r->job_name);
    col_text(s, 9, r->printer, sizeof r->printer);
    col_text(s, 10, r->stock_serial, sizeof r->stock_serial);
    col_text(s, 11, r->reason, sizeof r->reason);
    r->prints = sqlite3_column_int(s, 12);
    r->reprints = sqlite3_column_int(s, 13);
    r->deadline_at = sqlite3_column_int64(s, 14);
    r->created_at = sqlite3_column_int64(s, 15);
    r->updated_at = sqlite3_column_int64(s, 16);
}

static int prepare(lk_store *st, const char *sql, sqlite3_stmt **s, lk_err *err)
{
    if (sqlite3_prepare_v2(lk_store_db(st), sql, -1, s, NULL) != SQLITE_OK)
        return lk_store_sql_err(st, err, "journal");
    return 0;
}

/* Steps a one-row query into *out; LK_ENOENT when there is no row. Finalizes s. */
static int one_row(lk_store *st, sqlite3_stmt *s, lk_journal_row *out, lk_err *err,
                   const char *what)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_row(s, out);
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return lk_err_set(err, LK_ENOENT, "%s", what);
    return lk_store_sql_err(st, err, "journal");
}

int lk_journal_get(lk_store *st, int64_t row, lk_journal_row *out, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = prepare(st, ROW_SELECT "WHERE p.id = ?1", &s, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(s, 1, row);
    return one_row(st, s, out, err, "no such print journal row");
}

int lk_journal_find(lk_store *st, const char *uscc, const char *copy, int copy_no,
                    lk_journal_row *out, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc =
        prepare(st, ROW_SELECT "WHERE l.uscc = ?1 AND p.copy = ?2 AND p.copy_no = ?3", &s, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(s, 1, uscc, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, copy, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, copy_no);
    return one_row(st, s, out, err, "this copy has no journal row");
}

/* Hands every row of a prepared ROW_SELECT to cb, then finalizes it. */
static int walk(lk_store *st, sqlite3_stmt *s, lk_journal_cb cb, void *ctx, lk_err *err)
{
    int step, rc = 0;
    lk_journal_row r;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        read_row(s, &r);
        if ((rc = cb(ctx, &r)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = lk_store_sql_err(st, err, "journal");
    sqlite3_finalize(s);
    return rc;
}

int lk_journal_list(lk_store *st, const char *state, lk_journal_cb cb, void *ctx, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = prepare(st, ROW_SELECT "WHERE ?1 IS NULL OR p.state = ?1 ORDER BY p.id", &s, err);
    if (rc != 0)
        return rc;
    if (state)
        sqlite3_bind_text(s, 1, state, -1, SQLITE_STATIC);
    return walk(st, s, cb, ctx, err);
}

int lk_journal_list_recent(lk_store *st, const char *state, int max, lk_journal_cb cb, void *ctx,
                           lk_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = prepare(st, ROW_SELECT "WHERE p.state = ?1 ORDER BY p.id DESC LIMIT ?2", &s, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(s, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, max);
    return walk(st, s, cb, ctx, err);
}

/* The license behind a copy: its id, and whether the copy exists and may ever be printed. */
static int check_license(lk_store *st, const char *uscc, const char *copy, int copy_no,
                         int64_t *license_id, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = prepare(st, "SELECT id, status, duplicates FROM licenses WHERE uscc = ?1", &s, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(s, 1, uscc, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    int revoked = 0, dups = 0;
    if (step == SQLITE_ROW) {
        *license_id = sqlite3_column_int64(s, 0);
        revoked = strcmp((const char *)sqlite3_column_text(s, 1), "approved") != 0;
        dups = sqlite3_column_int(s, 2);
    }
    sqlite3_finalize(s);
    if (step == SQLITE_DONE)
        return lk_err_set(err, LK_ENOENT, "no license %s", uscc);
    if (step != SQLITE_ROW)
        return lk_store_sql_err(st, err, "journal");
    if (revoked)
        return lk_err_set(err, LK_EINVAL, "license %s is revoked: it is never printed", uscc);
    int is_orig = strcmp(copy, "original") == 0, is_dup = strcmp(copy, "duplicate") == 0;
    if ((!is_orig && !is_dup) || (is_orig && copy_no != 1) ||
        (is_dup && (copy_no < 1 || copy_no > dups)))
        return lk_err_set(err, LK_EINVAL, "license %s has no %s copy %d (副本: %d)", uscc, copy,
                          copy_no, dups);
    return 0;
}

static int refuse_state(const lk_journal_row *r, lk_err *err)
{
    if (strcmp(r->state, "completed") == 0)
        return lk_err_set(err, LK_EINVAL,
                          "already printed (row %lld); a reprint needs staff authorisation",
                          (long long)r->id);
    if (strcmp(r->state, "uncertain") == 0)
        return lk_err_set(err, LK_EINVAL,
                          "an earlier print (row %lld) may have come out: a technician must "
                          "confirm it first",
                          (long long)r->id);
    return lk_err_set(err, LK_EBUSY, "a print of this copy is in progress (row %lld, %s)",
                      (long long)r->id, r->state);
}

void lk_journal_set_hooks(lk_store *st, const lk_journal_hooks *h)
{
    lk_store_set_journal_hooks(st, h);
}

static const lk_journal_hooks *hooks_of(lk_store *st)
{
    static const lk_journal_hooks none = {0};
    const lk_journal_hooks *h = lk_store_journal_hooks(st);
    return h ? h : &none;
}

static lk_stock_media media_of(const char *copy)
{
    return strcmp(copy, "original") == 0 ? LK_STOCK_A3 : LK_STOCK_A4;
}

/* Appends an audit row describing row r; extra (may be NULL) is merged in. */
static int audit_row(lk_store *st, const char *actor, const char *event, const lk_journal_row *r,
                     cJSON *extra, lk_err *err)
{
    cJSON *o = extra ? extra : cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "row", (double)r->id);
    cJSON_AddStringToObject(o, "uscc", r->uscc);
    cJSON_AddStringToObject(o, "copy", r->copy);
    cJSON_AddNumberToObject(o, "copy_no", r->copy_no);
    cJSON_AddNumberToObject(o, "attempt", r->attempt);
    if (r->cups_job_id)
        cJSON_AddNumberToObject(o, "cups_job", r->cups_job_id);
    char *json = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!json)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    int rc = lk_audit_append(st, actor, event, json, err);
    free(json);
    return rc;
}

/* completed -> pending, reprints+1, audited with who and why (extra merged in). */
static int reprint_tx(lk_store *st, lk_journal_row *r, const char *why, const char *actor,
                      cJSON *extra, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = prepare(st,
                     "UPDATE print_jobs SET state = 'pending', reprints = reprints + 1,"
                     " reason = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'completed'",
                     &s, err);
    if (rc == 0) {
        sqlite3_bind_int64(s, 1, r->id);
        sqlite3_bind_text(s, 2, why, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
        rc = sqlite3_step(s) == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "journal");
        if (rc == 0 && sqlite3_changes(lk_store_db(st)) != 1)
            rc = lk_err_set(err, LK_EINVAL, "row %lld is %s: only a printed copy is reprinted",
                            (long long)r->id, r->state);
        sqlite3_finalize(s);
    }
    cJSON_AddNumberToObject(extra, "prints_so_far", r->prints);
    if (rc == 0)
        return audit_row(st, actor, "print.reprint_authorised", r, extra, err);
    cJSON_Delete(extra);
    return rc;
}

/* A completed copy with an external (registry) reprint authorisation waiting: uses it and
 * reopens the copy through reprint_tx, so both kinds of authorisation leave the same trail. */
static int external_reprint(lk_store *st, const lk_journal_req *q, lk_err *err)
{
    const lk_journal_hooks *h = hooks_of(st);
    lk_journal_row r;
    char auth[128] = "";
    if (!h->reprint)
        return 0;
    int rc = lk_journal_find(st, q->uscc, q->copy, q->copy_no, &r, NULL);
    if (rc != 0 || strcmp(r.state, "completed") != 0)
        return 0; /* claim() says why it cannot print */
    rc = h->reprint(h->ctx, st, q->uscc, q->copy, q->copy_no, 1, auth, sizeof auth, err);
    if (rc == LK_ENOENT)
        return 0;
    if (rc != 0)
        return rc;
    char why[256];
    snprintf(why, sizeof why, "reprint authorised by the registry (%s)", auth);
    cJSON *extra = cJSON_CreateObject();
    cJSON_AddStringToObject(extra, "source", "registry");
    cJSON_AddStringToObject(extra, "authorisation", auth);
    return reprint_tx(st, &r, why, q->actor, extra, err);
}

static int claim(lk_store *st, int64_t license_id, const lk_journal_req *q, lk_journal_row *r,
                 lk_err *err)
{
    sqlite3_stmt *s = NULL;
    int64_t now = (int64_t)time(NULL);
    int rc = prepare(st,
                     "INSERT OR IGNORE INTO print_jobs (license_id, copy, copy_no,"
                     " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                     &s, err);
    if (rc == 0) {
        sqlite3_bind_int64(s, 1, license_id);
        sqlite3_bind_text(s, 2, q->copy, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, q->copy_no);
        sqlite3_bind_int64(s, 4, now);
        rc = sqlite3_step(s) == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "journal");
    }
    sqlite3_finalize(s);
    if (rc == 0)
        rc = lk_journal_find(st, q->uscc, q->copy, q->copy_no, r, err);
    if (rc != 0)
        return rc;
    if (strcmp(r->state, "pending") != 0 && strcmp(r->state, "failed") != 0)
        return refuse_state(r, err);
    if ((rc = prepare(st,
                      "UPDATE print_jobs SET state = 'reserved', attempt = attempt + 1,"
                      " job_name = 'lk-' || id || '-' || (attempt + 1), mode = ?2,"
                      " printer = ?3, deadline_at = ?4, cups_job_id = NULL, reason = NULL,"
                      " updated_at = ?5 WHERE id = ?1",
                      &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, r->id);
    sqlite3_bind_text(s, 2, q->overlay ? "overlay" : "full", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, q->printer ? q->printer : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now + (q->deadline_s > 0 ? q->deadline_s : 300));
    sqlite3_bind_int64(s, 5, now);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "journal");
    sqlite3_finalize(s);
    return rc == 0 ? lk_journal_get(st, r->id, r, err) : rc;
}

int lk_journal_reserve(lk_store *st, const lk_journal_req *q, lk_journal_row *out, lk_err *err)
{
    int64_t license_id = 0, left = 0;
    int rc = check_license(st, q->uscc, q->copy, q->copy_no, &license_id, err);
    if (rc != 0)
        return rc;
    if ((rc = lk_store_begin(st, err)) != 0)
        return rc;
    const lk_journal_hooks *h = hooks_of(st);
    if (h->check_printable && (rc = h->check_printable(h->ctx, st, q->uscc, err)) != 0)
        rc = rc == LK_ECANCELED ? LK_EINVAL : rc; /* revoked: reserve's documented refusal */
    if (rc == 0)
        rc = external_reprint(st, q, err);
    if (rc == 0 && q->overlay &&
        (rc = lk_stock_remaining(st, media_of(q->copy), &left, err)) == 0 && left <= 0)
        rc = lk_err_set(err, LK_ENOSPC, "no %s stock loaded for an overlay print",
                        lk_stock_media_name(media_of(q->copy)));
    if (rc == 0)
        rc = claim(st, license_id, q, out, err);
    if (rc == 0)
        rc = audit_row(st, q->actor, "print.reserved", out, NULL, err);
    if (rc == 0)
        rc = lk_store_commit(st, err);
    if (rc != 0)
        lk_store_rollback(st);
    return rc;
}

/* Moves row r to `state` when it is in one of `from` (comma list); serial NULL keeps it. */
static int transition(lk_store *st, lk_journal_row *r, const char *from, const char *state,
                      const char *reason, const char *serial, int printed, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = prepare(st,
                     "UPDATE print_jobs SET state = ?2, reason = ?3,"
                     " stock_serial = COALESCE(?4, stock_serial), prints = prints + ?5,"
                     " updated_at = ?6 WHERE id = ?1"
                     " AND instr(',' || ?7 || ',', ',' || state || ',') > 0",
                     &s, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(s, 1, r->id);
    sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
    if (reason && *reason)
        sqlite3_bind_text(s, 3, reason, -1, SQLITE_STATIC);
    if (serial)
        sqlite3_bind_text(s, 4, serial, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, printed);
    sqlite3_bind_int64(s, 6, (int64_t)time(NULL));
    sqlite3_bind_text(s, 7, from, -1, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "journal");
    int changed = sqlite3_changes(lk_store_db(st));
    sqlite3_finalize(s);
    if (rc == 0 && changed != 1)
        return lk_err_set(err, LK_EINVAL, "journal row %lld is %s, not %s", (long long)r->id,
                          r->state, from);
    return rc == 0 ? lk_journal_get(st, r->id, r, err) : rc;
}

int lk_journal_submitted(lk_store *st, int64_t row, int cups_job_id, const char *actor, lk_err *err)
{
    lk_journal_row r;
    int rc = lk_store_begin(st, err);
    if (rc != 0)
        return rc;
    sqlite3_stmt *s = NULL;
    if ((rc = lk_journal_get(st, row, &r, err)) == 0 && strcmp(r.state, "reserved") != 0)
        rc = lk_err_set(err, LK_EINVAL, "journal row %lld is %s, not reserved", (long long)row,
                        r.state);
    if (rc == 0 && (rc = prepare(st,
                                 "UPDATE print_jobs SET state = 'submitted', cups_job_id = ?2,"
                                 " updated_at = ?3 WHERE id = ?1",
                                 &s, err)) == 0) {
        sqlite3_bind_int64(s, 1, row);
        sqlite3_bind_int(s, 2, cups_job_id);
        sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
        rc = sqlite3_step(s) == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "journal");
        sqlite3_finalize(s);
    }
    r.cups_job_id = cups_job_id;
    if (rc == 0)
        rc = audit_row(st, actor, "print.submitted", &r, NULL, err);
    if (rc == 0)
        rc = lk_store_commit(st, err);
    if (rc != 0)
        lk_store_rollback(st);
    return rc;
}

/* The sheet an attempt used, for overlay prints only: printed or voided. */
static int use_sheet(lk_store *st, const lk_journal_row *r, int voided, const char *reason,
                     const char *actor, char *serial, size_t n, lk_err *err)
{
    serial[0] = '\0';
    if (strcmp(r->mode, "overlay") != 0)
        return 0;
    return lk_stock_take(st, media_of(r->copy), r->id, voided, reason, actor, serial, n, err);
}

/* A copy just became completed: the diagnostics' print count and the composition root's
 * report (the registry's print report), in the transaction that completed it. */
static int completed(lk_store *st, const lk_journal_row *r, lk_err *err)
{
    const lk_journal_hooks *h = hooks_of(st);
    int rc = lk_counter_add(st, LK_CTR_PRINTS, 1, err);
    if (rc == 0 && h->on_completed)
        rc = h->on_completed(h->ctx, st, r, err);
    return rc;
}

/* The diagnostics' failure counter (failures.<cause>): the printer's own reason when it names
 * a paper problem (IPP printer-state-reasons as lk_cups reports them), else the outcome. */
static const char *failure_counter(lk_print_outcome o, const char *reason)
{
    if (reason && strstr(reason, "jam"))
        return LK_CTR_FAIL_PAPER_JAM;
    if (reason && (strstr(reason, "media-empty") || strstr(reason, "media-needed") ||
                   strstr(reason, "out of paper")))
        return LK_CTR_FAIL_OUT_OF_PAPER;
    if (reason && strstr(reason, "door-open"))
        return LK_CTR_FAIL_DOOR_OPEN;
    return o == LK_PRINT_REFUSED  ? LK_CTR_FAIL_PRINT_REFUSED
           : o == LK_PRINT_FAILED ? LK_CTR_FAIL_PRINT_FAILED
                                  : LK_CTR_FAIL_PRINT_UNCERTAIN;
}

static int finish_tx(lk_store *st, lk_journal_row *r, lk_print_outcome o, const char *reason,
                     const char *actor, lk_err *err)
{
    static const char *const states[] = {"completed", "failed", "failed", "uncertain"};
    static const char *const events[] = {"print.completed", "print.refused", "print.failed",
                                         "print.uncertain"};
    char serial[40] = "";
    int rc = 0;
    if (o == LK_PRINT_COMPLETED || o == LK_PRINT_FAILED)
        rc = use_sheet(st, r, o == LK_PRINT_FAILED, reason, actor, serial, sizeof serial, err);
    if (rc == 0)
        rc = transition(st, r, "reserved,submitted", states[o], reason,
                        o == LK_PRINT_COMPLETED ? serial : NULL, o == LK_PRINT_COMPLETED, err);
    cJSON *extra = cJSON_CreateObject();
    if (*serial)
        cJSON_AddStringToObject(extra, o == LK_PRINT_COMPLETED ? "serial" : "voided", serial);
    if (reason && *reason)
        cJSON_AddStringToObject(extra, "reason", reason);
    if (rc == 0)
        rc = audit_row(st, actor, events[o], r, extra, err);
    else
        cJSON_Delete(extra);
    char counter[32];
    snprintf(counter, sizeof counter, "prints.%s", lk_print_outcome_name(o));
    if (rc == 0)
        rc = lk_counter_add(st, counter, 1, err);
    if (rc == 0 && o != LK_PRINT_COMPLETED)
        rc = lk_counter_add(st, failure_counter(o, reason), 1, err);
    return rc == 0 && o == LK_PRINT_COMPLETED ? completed(st, r, err) : rc;
}

int lk_journal_finish(lk_store *st, int64_t row, lk_print_outcome outcome, const char *reason,
                      const char *actor, lk_journal_row *out, lk_err *err)
{
    lk_journal_row r;
    if ((unsigned)outcome > LK_PRINT_UNCERTAIN)
        return lk_err_set(err, LK_EINVAL, "bad print outcome %d", (int)outcome);
    int rc = lk_store_begin(st, err);
    if (rc != 0)
        return rc;
    if ((rc = lk_journal_get(st, row, &r, err)) == 0)
        rc = finish_tx(st, &r, outcome, reason, actor, err);
    if (rc == 0)
        rc = lk_store_commit(st, err);
    if (rc != 0)
        lk_store_rollback(st);
    else if (out)
        *out = r;
    return rc;
}

static int confirm_tx(lk_store *st, lk_journal_row *r, int printed, int spoiled, const char *actor,
                      lk_err *err)
{
    char serial[40] = "";
    int rc = 0;
    if (strcmp(r->state, "uncertain") != 0)
        return lk_err_set(err, LK_EINVAL,
                          "journal row %lld is %s: only uncertain rows are "
                          "confirmed",
                          (long long)r->id, r->state);
    if (printed || spoiled)
        rc = use_sheet(st, r, !printed, printed ? NULL : "spoiled (technician)", actor, serial,
                       sizeof serial, err);
    if (rc == 0)
        rc = transition(st, r, "uncertain", printed ? "completed" : "failed",
                        printed ? "confirmed printed by a technician"
                                : "confirmed not printed by a technician",
                        printed ? serial : NULL, printed, err);
    cJSON *extra = cJSON_CreateObject();
    cJSON_AddBoolToObject(extra, "printed", printed);
    if (*serial)
        cJSON_AddStringToObject(extra, printed ? "serial" : "voided", serial);
    if (rc == 0)
        rc = audit_row(st, actor, "print.confirmed", r, extra, err);
    else
        cJSON_Delete(extra);
    return rc == 0 && printed ? completed(st, r, err) : rc;
}

int lk_journal_confirm(lk_store *st, int64_t row, int printed, int spoiled, const char *actor,
                       lk_err *err)
{
    lk_journal_row r;
    int rc = lk_store_begin(st, err);
    if (rc != 0)
        return rc;
    if ((rc = lk_journal_get(st, row, &r, err)) == 0)
        rc = confirm_tx(st, &r, printed, spoiled, actor, err);
    if (rc == 0)
        rc = lk_store_commit(st, err);
    if (rc != 0)
        lk_store_rollback(st);
    return rc;
}

int lk_journal_authorise_reprint(lk_store *st, const char *uscc, const char *copy, int copy_no,
                                 const char *reason, const char *actor, lk_err *err)
{
    lk_journal_row r;
    int64_t license_id = 0;
    if (!reason || !*reason)
        return lk_err_set(err, LK_EINVAL, "a reprint authorisation needs a reason");
    int rc = check_license(st, uscc, copy, copy_no, &license_id, err);
    if (rc != 0 || (rc = lk_store_begin(st, err)) != 0)
        return rc;
    if ((rc = lk_journal_find(st, uscc, copy, copy_no, &r, err)) == 0) {
        char why[256];
        snprintf(why, sizeof why, "reprint authorised by %s: %s", actor, reason);
        cJSON *extra = cJSON_CreateObject();
        cJSON_AddStringToObject(extra, "reason", reason);
        rc = reprint_tx(st, &r, why, actor, extra, err);
    }
    if (rc == 0)
        rc = lk_store_commit(st, err);
    if (rc != 0)
        lk_store_rollback(st);
    return rc;
}

int lk_journal_printable(lk_store *st, const char *uscc, const char *copy, int copy_no, lk_err *err)
{
    int64_t license_id = 0;
    lk_journal_row r;
    lk_err e = {0};
    int rc = check_license(st, uscc, copy, copy_no, &license_id, &e);
    if (rc == LK_EINVAL)
        return 0;
    if (rc != 0) {
        if (err)
            *err = e;
        return rc;
    }
    const lk_journal_hooks *h = hooks_of(st);
    if (h->check_printable && (rc = h->check_printable(h->ctx, st, uscc, &e)) != 0)
        return 0;
    rc = lk_journal_find(st, uscc, copy, copy_no, &r, &e);
    if (rc == LK_ENOENT)
        return 1;
    if (rc == 0 && strcmp(r.state, "completed") == 0 && h->reprint)
        rc = h->reprint(h->ctx, st, uscc, copy, copy_no, 0, NULL, 0, &e);
    else if (rc == 0)
        rc = strcmp(r.state, "pending") == 0 || strcmp(r.state, "failed") == 0;
    if (rc < 0 && err)
        *err = e;
    return rc < 0 ? rc : rc > 0;
}

double lk_journal_remaining_s(const lk_journal_row *r)
{
    return (double)(r->deadline_at - (int64_t)time(NULL));
}
