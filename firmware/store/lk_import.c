/* lk_import: bulk import of license records from JSON Lines or CSV into the store.
 *
 * The whole file is one transaction: a kill at any moment leaves the database as it was
 * before or as it is after, and readers (the kiosk) never see half an import. Bad lines are
 * reported and skipped, not fatal: one typo upstream must not block a thousand licenses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_counter.h"
#include "kiosk/lk_import.h"
#include "lk_store_int.h"

typedef struct import_run {
    lk_store *st;
    const char *actor;
    int today;
    lk_import_report_cb report;
    void *ctx;
    lk_import_stats *stats;
} import_run;

static void report(import_run *run, long line, int severity, const char *reason)
{
    if (severity == LK_IMPORT_ERROR)
        run->stats->rejected++;
    else
        run->stats->warnings++;
    if (run->report)
        run->report(run->ctx, line, severity, reason);
}

/* Validates and stores one parsed record; returns non-zero only for database failures, which
 * abort the import (a bad record is reported and skipped). */
static int store_one(import_run *run, lk_record *rec, long line, lk_err *err)
{
    lk_err why = {0};
    int warnings = 0, inserted = 0;
    if (lk_record_validate(rec, run->today, &warnings, &why) != 0) {
        report(run, line, LK_IMPORT_ERROR, why.msg);
        return 0;
    }
    if (warnings & LK_RECORD_WARN_LEGACY_USCC)
        report(run, line, LK_IMPORT_WARNING,
               "uscc: check character fails (legacy pilot code kept as issued)");
    int rc = lk_store_put_record(run->st, rec, warnings, &inserted, err);
    if (rc == 0 && inserted)
        run->stats->inserted++;
    else if (rc == 0)
        run->stats->updated++;
    return rc;
}

static int handle_json_line(import_run *run, const char *buf, size_t len, long line, lk_err *err)
{
    lk_record *rec = NULL;
    lk_err why = {0};
    run->stats->lines++;
    if (lk_record_from_json(buf, len, &rec, &why) != 0) {
        report(run, line, LK_IMPORT_ERROR, why.msg);
        return 0;
    }
    int rc = store_one(run, rec, line, err);
    lk_record_free(rec);
    return rc;
}

static int blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

/* Reads one line into buf (at most cap bytes kept) and returns 1, or 0 at end of input.
 * Byte counts come from the read itself, never from strlen: a NUL inside a line must be
 * rejected with that line, not silently shorten it. The tail of an overlong line is read and
 * dropped, so memory stays bounded whatever the input. */
static int read_line(FILE *f, char *buf, size_t cap, size_t *len, int *overlong)
{
    int c = EOF;
    size_t n = 0;
    *overlong = 0;
    while ((c = getc_unlocked(f)) != EOF && c != '\n') {
        if (n < cap)
            buf[n++] = (char)c;
        else
            *overlong = 1;
    }
    *len = n;
    return c != EOF || n > 0 || *overlong;
}

static int import_jsonl(import_run *run, FILE *f, lk_err *err)
{
    char *buf = malloc(LK_RECORD_MAX_BYTES);
    if (!buf)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    long line = 0;
    size_t len = 0;
    int rc = 0, overlong = 0;
    while (rc == 0 && read_line(f, buf, LK_RECORD_MAX_BYTES, &len, &overlong)) {
        line++;
        if (overlong || memchr(buf, '\0', len)) {
            run->stats->lines++;
            report(run, line, LK_IMPORT_ERROR,
                   overlong ? "line longer than the 65536-byte limit" : "line contains a NUL byte");
        } else if (!blank(buf, len)) {
            rc = handle_json_line(run, buf, len, line, err);
        }
    }
    free(buf);
    if (rc == 0 && ferror(f))
        rc = lk_err_set(err, LK_EIO, "read error");
    return rc;
}

static int import_csv(import_run *run, FILE *f, lk_err *err)
{
    lk_csv *csv = NULL;
    int rc = lk_csv_open(f, &csv, err);
    if (rc != 0)
        return rc;
    for (;;) {
        lk_record *rec = NULL;
        lk_err why = {0};
        long line = 0;
        int got = lk_csv_next(csv, &rec, &line, &why);
        if (got == 0)
            break;
        run->stats->lines++;
        if (got < 0) {
            report(run, line, LK_IMPORT_ERROR, why.msg);
            continue;
        }
        rc = store_one(run, rec, line, err);
        lk_record_free(rec);
        if (rc != 0)
            break;
    }
    lk_csv_close(csv);
    return rc;
}

static int finish(import_run *run, lk_err *err)
{
    const lk_import_stats *s = run->stats;
    char detail[192];
    snprintf(detail, sizeof detail,
             "{\"lines\":%ld,\"inserted\":%ld,\"updated\":%ld,\"rejected\":%ld,"
             "\"warnings\":%ld}",
             s->lines, s->inserted, s->updated, s->rejected, s->warnings);
    int rc = lk_audit_append(run->st, run->actor, "records.import", detail, err);
    if (rc == 0)
        rc = lk_counter_add(run->st, "records.imported", s->inserted + s->updated, err);
    return rc;
}

static lk_import_format sniff(FILE *f)
{
    int c = getc(f);
    if (c != EOF)
        ungetc(c, f);
    return (c == '{' || c == ' ' || c == '\n' || c == '\r' || c == '\t') ? LK_IMPORT_JSONL
                                                                         : LK_IMPORT_CSV;
}

int lk_import_stream(lk_store *st, FILE *f, lk_import_format fmt, const char *actor, int today,
                     lk_import_report_cb report_cb, void *ctx, lk_import_stats *stats, lk_err *err)
{
    lk_import_stats local = {0};
    import_run run = {st, actor, today, report_cb, ctx, stats ? stats : &local};
    memset(run.stats, 0, sizeof *run.stats);
    if (fmt == LK_IMPORT_AUTO)
        fmt = sniff(f);
    /* A caller's open transaction is joined (a configuration bundle imports records in the
     * same transaction as its settings); the caller then commits or rolls back. */
    int own_tx = !lk_store_in_tx(st);
    int rc = own_tx ? lk_store_begin(st, err) : 0;
    if (rc != 0)
        return rc;
    rc = fmt == LK_IMPORT_CSV ? import_csv(&run, f, err) : import_jsonl(&run, f, err);
    if (rc == 0)
        rc = finish(&run, err);
    if (rc == 0 && own_tx)
        rc = lk_store_commit(st, err);
    if (rc != 0 && own_tx)
        lk_store_rollback(st);
    return rc;
}

int lk_import_file(lk_store *st, const char *path, lk_import_format fmt, const char *actor,
                   int today, lk_import_report_cb report_cb, void *ctx, lk_import_stats *stats,
                   lk_err *err)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return lk_err_set(err, LK_EIO, "cannot open %s", path);
    size_t n = strlen(path);
    if (fmt == LK_IMPORT_AUTO && n > 4 && strcasecmp(path + n - 4, ".csv") == 0)
        fmt = LK_IMPORT_CSV;
    int rc = lk_import_stream(st, f, fmt, actor, today, report_cb, ctx, stats, err);
    if (!is_stdin)
        fclose(f);
    return rc;
}
