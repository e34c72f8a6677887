/* lk_import: bulk import of license records from JSON Lines or CSV into the store.
 *
 * The whole file is one transaction: a kill at any moment leaves the database as it was
 * before or as it is after, and readers (the kiosk) never see half an import. Bad lines are
 * reported and skipped, not fatal: one typo upstream must not block a thousand licenses. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

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
    lk_store_doc docs[LK_RECORD_MAX_AGENTS + 1];
    if (lk_record_validate(rec, run->today, &warnings, &why) != 0 ||
        lk_store_prepare_docs(lk_store_pii(run->st), rec, docs, &why) != 0) {
        report(run, line, LK_IMPORT_ERROR, why.msg);
        return 0;
    }
    if (warnings & LK_RECORD_WARN_LEGACY_USCC)
        report(run, line, LK_IMPORT_WARNING,
               "uscc: check character fails (legacy pilot code kept as issued)");
    int rc = lk_store_put_prepared(run->st, rec, warnings, docs, 0, &inserted, err);
    explicit_bzero(docs, sizeof docs);
    if (rc == 0 && inserted)
        run->stats->inserted++;
    else if (rc == 0)
        run->stats->updated++;
    return rc;
}

static int blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

/* Lines of a JSON Lines file, read in large blocks and cut with memchr (a getc per byte was a
 * tenth of an import). Byte counts come from the read itself, never from strlen: a NUL inside a
 * line must be rejected with that line, not silently shorten it. The tail of an overlong line
 * is read and dropped, so memory stays bounded whatever the input. */
#define READ_BLOCK   (256 * 1024)
#define READ_BUF_CAP (READ_BLOCK + LK_RECORD_MAX_BYTES + 1)
typedef struct line_reader {
    FILE *f;
    char *buf; /* READ_BLOCK + LK_RECORD_MAX_BYTES + 1 */
    size_t start, end;
    int eof;
} line_reader;

static int reader_fill(line_reader *r)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    size_t cap = READ_BUF_CAP, got = 0;
    if (!r->eof && r->end < cap) {
        got = fread(r->buf + r->end, 1, cap - r->end, r->f);
        r->end += got;
        if (got == 0)
            r->eof = 1;
    }
    return got > 0;
}

static void reader_skip_line(line_reader *r)
{
    for (;;) {
        char *p = r->buf + r->start, *nl = memchr(p, '\n', r->end - r->start);
        if (nl) {
            r->start = (size_t)(nl - r->buf) + 1;
            return;
        }
        r->start = r->end;
        if (!reader_fill(r))
            return;
    }
}

/* Returns 1 with the next line in *line / *len (valid until the next call), or with *overlong
 * set (the line was longer than LK_RECORD_MAX_BYTES and has been skipped), or 0 at the end. */
static int reader_next(line_reader *r, char **line, size_t *len, int *overlong)
{
    *overlong = 0;
    for (;;) {
        size_t avail = r->end - r->start;
        char *p = r->buf + r->start, *nl = memchr(p, '\n', avail);
        size_t n = nl ? (size_t)(nl - p) : avail;
        if (n > LK_RECORD_MAX_BYTES) {
            *overlong = 1;
            *line = NULL;
            *len = 0;
            reader_skip_line(r);
            return 1;
        }
        if (nl || (r->eof && avail > 0)) {
            *line = p;
            *len = n;
            r->start += nl ? n + 1 : n;
            return 1;
        }
        if (r->eof)
            return 0;
        reader_fill(r);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* JSON Lines: a two-stage pipeline.
 *
 * A reader thread reads lines, parses them in place, validates them and hashes the collectors'
 * documents; the calling thread, the only one that touches the connection, reports and writes.
 * Parsing and hashing were two thirds of an import and SQLite the rest, so on two cores the
 * stages overlap almost fully. Batches go round a small ring, so memory stays bounded: at most
 * N_BATCHES batches of lines exist at once. Reports and writes happen in line order on the
 * writer, exactly as a serial import would make them. */

#define BATCH_RECORDS 256
#define BATCH_BYTES   (1024 * 1024)
#define BATCH_CAP     (BATCH_BYTES + LK_RECORD_MAX_BYTES + 1)
#define N_BATCHES     3

typedef struct item {
    lk_record rec; /* strings point into the batch's buffer */
    lk_person agents[LK_RECORD_MAX_AGENTS];
    lk_store_doc docs[LK_RECORD_MAX_AGENTS + 1];
    long line;
    int warnings;
    int bad; /* rejected; why says so */
    char why[sizeof((lk_err *)0)->msg];
} item;

typedef struct batch {
    char *buf; /* BATCH_CAP bytes: the lines of the batch, each NUL-terminated, parsed in place */
    size_t used;
    item *items; /* BATCH_RECORDS */
    int n;
    int last; /* nothing follows: end of input or a read error (rc, err) */
    int rc;
    lk_err err;
} batch;

typedef struct pipe {
    import_run *run;
    line_reader rd;
    long line;
    batch batches[N_BATCHES];
    /* The ring: the reader fills batches[head % N], the writer drains batches[tail % N]. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned long filled, drained;
    int stop; /* the writer failed: the reader ends at the next batch */
} pipe;

static void item_reject(item *it, const char *why)
{
    it->bad = 1;
    snprintf(it->why, sizeof it->why, "%s", why);
}

/* Parses, validates and hashes one line held in the batch (NUL-terminated). */
static void prepare_item(const import_run *run, item *it, char *text, size_t len)
{
    lk_err why = {0};
    it->bad = 0;
    it->warnings = 0;
    if (lk_record_parse_in_place(text, len, &it->rec, it->agents, &why) != 0 ||
        lk_record_validate(&it->rec, run->today, &it->warnings, &why) != 0 ||
        lk_store_prepare_docs(lk_store_pii(run->st), &it->rec, it->docs, &why) != 0)
        item_reject(it, why.msg);
}

/* The lines and the hashes held identity numbers: wiped before a batch is reused and when the
 * import ends, on the reader thread while the writer is busy (the writer was the slower stage,
 * and wiping every item whole cost it 5 KB of memset a record). Only the lines and the docs
 * carry anything of a number; the rest of an item is pointers into the lines. */
static void wipe_batch(batch *b)
{
    explicit_bzero(b->buf, b->used);
    for (int i = 0; i < b->n; i++)
        explicit_bzero(b->items[i].docs, sizeof b->items[i].docs);
    b->used = 0;
    b->n = 0;
}

static void fill_batch(pipe *pp, batch *b)
{
    char *text = NULL;
    size_t len = 0;
    int overlong = 0;
    wipe_batch(b);
    b->last = 0;
    b->rc = 0;
    while (b->n < BATCH_RECORDS && b->used <= BATCH_BYTES) {
        if (!reader_next(&pp->rd, &text, &len, &overlong)) {
            b->last = 1;
            if (ferror(pp->rd.f))
                b->rc = lk_err_set(&b->err, LK_EIO, "read error");
            return;
        }
        pp->line++;
        if (!overlong && !memchr(text, '\0', len) && blank(text, len))
            continue;
        item *it = &b->items[b->n++];
        it->line = pp->line;
        if (overlong || memchr(text, '\0', len)) {
            item_reject(it, overlong ? "line longer than the 65536-byte limit"
                                     : "line contains a NUL byte");
            continue;
        }
        char *copy = b->buf + b->used;
        memcpy(copy, text, len);
        copy[len] = '\0';
        b->used += len + 1;
        prepare_item(pp->run, it, copy, len);
    }
}

/* Reports and stores a batch in line order; non-zero only for a database failure. */
static int drain_batch(import_run *run, batch *b, lk_err *err)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < b->n; i++) {
        item *it = &b->items[i];
        run->stats->lines++;
        if (it->bad) {
            report(run, it->line, LK_IMPORT_ERROR, it->why);
            continue;
        }
        int inserted = 0;
        if (it->warnings & LK_RECORD_WARN_LEGACY_USCC)
            report(run, it->line, LK_IMPORT_WARNING,
                   "uscc: check character fails (legacy pilot code kept as issued)");
        rc = lk_store_put_prepared(run->st, &it->rec, it->warnings, it->docs, 0, &inserted, err);
        if (rc == 0)
            *(inserted ? &run->stats->inserted : &run->stats->updated) += 1;
    }
    if (rc == 0 && b->rc != 0) {
        *err = b->err;
        rc = b->rc;
    }
    return rc;
}

static void *reader_main(void *arg)
{
    pipe *pp = arg;
    for (int last = 0; !last;) {
        pthread_mutex_lock(&pp->mu);
        while (!pp->stop && pp->filled - pp->drained == N_BATCHES)
            pthread_cond_wait(&pp->cv, &pp->mu);
        int stop = pp->stop;
        batch *b = &pp->batches[pp->filled % N_BATCHES];
        pthread_mutex_unlock(&pp->mu);
        if (stop)
            break;
        fill_batch(pp, b);
        last = b->last;
        pthread_mutex_lock(&pp->mu);
        pp->filled++;
        pthread_cond_broadcast(&pp->cv);
        pthread_mutex_unlock(&pp->mu);
    }
    return NULL;
}

static int run_threaded(pipe *pp, lk_err *err)
{
    pthread_t reader;
    if (pthread_create(&reader, NULL, reader_main, pp) != 0)
        return 1; /* no thread: the caller runs the stages in turn */
    int rc = 0;
    for (int last = 0; rc == 0 && !last;) {
        pthread_mutex_lock(&pp->mu);
        while (pp->filled == pp->drained)
            pthread_cond_wait(&pp->cv, &pp->mu);
        batch *b = &pp->batches[pp->drained % N_BATCHES];
        pthread_mutex_unlock(&pp->mu);
        last = b->last;
        rc = drain_batch(pp->run, b, err);
        pthread_mutex_lock(&pp->mu);
        pp->drained++;
        pp->stop = rc != 0;
        pthread_cond_broadcast(&pp->cv);
        pthread_mutex_unlock(&pp->mu);
    }
    pthread_join(reader, NULL);
    return rc;
}

static int run_serial(pipe *pp, lk_err *err)
{
    int rc = 0;
    for (int last = 0; rc == 0 && !last;) {
        fill_batch(pp, &pp->batches[0]);
        last = pp->batches[0].last;
        rc = drain_batch(pp->run, &pp->batches[0], err);
    }
    return rc;
}

static void pipe_free(pipe *pp)
{
    for (int i = 0; i < N_BATCHES; i++) {
        free(pp->batches[i].buf);
        free(pp->batches[i].items);
    }
    free(pp->rd.buf);
    pthread_mutex_destroy(&pp->mu);
    pthread_cond_destroy(&pp->cv);
}

static int import_jsonl(import_run *run, FILE *f, lk_err *err)
{
    pipe pp = {.run = run, .rd = {.f = f}};
    pthread_mutex_init(&pp.mu, NULL);
    pthread_cond_init(&pp.cv, NULL);
    int ok = (pp.rd.buf = malloc(READ_BUF_CAP)) != NULL;
    for (int i = 0; ok && i < N_BATCHES; i++)
        ok = (pp.batches[i].buf = malloc(BATCH_CAP)) != NULL &&
             (pp.batches[i].items = malloc(BATCH_RECORDS * sizeof(item))) != NULL;
    int rc = ok ? run_threaded(&pp, err) : lk_err_set(err, LK_ENOMEM, "out of memory");
    if (rc == 1)
        rc = run_serial(&pp, err);
    /* Every batch, drained or dropped unread after a failure, is wiped before memory is freed. */
    for (int i = 0; ok && i < N_BATCHES; i++)
        wipe_batch(&pp.batches[i]);
    if (pp.rd.buf)
        explicit_bzero(pp.rd.buf, READ_BUF_CAP);
    pipe_free(&pp);
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

/* The page cache an import wants: what it seeks at random (the uscc index and the lookup
 * entries, ~45 bytes a record, at ~2.1 KB a record of input, so 1/48 of the file; at least
 * 8 MiB). License rows are appended and never read again, so a larger cache only holds them
 * longer and costs fresh memory: with 64 MiB instead of 8 a 100,000-record import took 1.02 s
 * instead of 0.77 s, most of the difference first touches of new pages (page faults are dear
 * on a virtual machine). A stream of unknown size gets the everyday cache. */
static long import_cache_kib(FILE *f)
{
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode))
        return 0;
    return (long)(sb.st_size / 48 / 1024) + 1;
}

/* The import proper, inside a transaction (its own or its caller's). */
static int import_body(import_run *run, FILE *f, lk_import_format fmt, lk_err *err)
{
    int rc = lk_store_bulk_begin(run->st, err);
    if (rc == 0)
        rc = fmt == LK_IMPORT_CSV ? import_csv(run, f, err) : import_jsonl(run, f, err);
    if (rc == 0)
        rc = lk_store_bulk_flush(run->st, err);
    lk_store_bulk_end(run->st);
    return rc == 0 ? finish(run, err) : rc;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* In a transaction of its own, committed without SQLite's automatic checkpoint and then
 * checkpointed apart, so the statistics can say how long each took. A checkpoint that fails
 * does not fail the import: its records are committed, and the next automatic checkpoint
 * copies them. */
static int import_own_tx(import_run *run, FILE *f, lk_import_format fmt, lk_err *err)
{
    lk_store *st = run->st;
    int rc = lk_store_hold_checkpoints(st, 1, err);
    if (rc == 0 && (rc = lk_store_begin(st, err)) == 0) {
        rc = import_body(run, f, fmt, err);
        if (rc == 0)
            rc = lk_store_commit(st, err);
        if (rc != 0)
            lk_store_rollback(st);
    }
    lk_err later = {0};
    double t0 = mono_s();
    if (rc == 0)
        (void)lk_store_checkpoint(st, &later);
    run->stats->checkpoint_s = mono_s() - t0;
    (void)lk_store_hold_checkpoints(st, 0, &later);
    return rc;
}

int lk_import_stream(lk_store *st, FILE *f, lk_import_format fmt, const char *actor, int today,
                     lk_import_report_cb report_cb, void *ctx, lk_import_stats *stats, lk_err *err)
{
    lk_import_stats local = {0};
    import_run run = {st, actor, today, report_cb, ctx, stats ? stats : &local};
    memset(run.stats, 0, sizeof *run.stats);
    if (fmt == LK_IMPORT_AUTO)
        fmt = sniff(f);
    int rc = lk_store_set_cache(st, import_cache_kib(f), err);
    /* A caller's open transaction is joined (a configuration bundle imports records in the
     * same transaction as its settings); the caller then commits or rolls back. */
    if (rc == 0)
        rc = lk_store_in_tx(st) ? import_body(&run, f, fmt, err) : import_own_tx(&run, f, fmt, err);
    (void)lk_store_set_cache(st, 0, NULL);
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
