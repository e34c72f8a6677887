/* lk_import: bulk import of license records (JSON Lines or CSV) into the store. Every record is
 * validated; bad lines are reported with their line number and skipped; the good ones land in
 * one transaction, so an interrupted import leaves the database exactly as before. Re-importing
 * a record updates it in place. An import adds no print-journal rows: the printing side
 * reserves a copy's row when it prints (lk_store_put_record, for single records, still adds
 * them). JSON Lines are parsed on a thread of the import's own; the report callback and every
 * use of the store stay on the calling thread. */
#ifndef LK_KIOSK_LK_IMPORT_H
#define LK_KIOSK_LK_IMPORT_H

#include <stdio.h>

#include "kiosk/lk_store.h"

typedef enum lk_import_format {
    LK_IMPORT_AUTO = 0, /* by file name (.csv), else by first byte ('{' means JSON Lines) */
    LK_IMPORT_JSONL,
    LK_IMPORT_CSV,
} lk_import_format;

typedef struct lk_import_stats {
    long lines;    /* records read (CSV: rows, not counting the header) */
    long inserted; /* new licenses */
    long updated;  /* licenses that already existed */
    long rejected; /* bad lines, each reported */
    long warnings; /* accepted with a warning (e.g. legacy USCC), each reported */
    /* Seconds, of the whole call, spent after the commit copying the import's WAL into the
     * database file (an import in a caller's transaction leaves that to the caller: 0). */
    double checkpoint_s;
} lk_import_stats;

enum lk_import_severity { LK_IMPORT_WARNING, LK_IMPORT_ERROR };

/* Called for each bad or suspicious line. `reason` never contains an identity number. */
typedef void (*lk_import_report_cb)(void *ctx, long line, int severity, const char *reason);

/* Imports from f. `today` is YYYYMMDD. Joins the caller's transaction when one is open. `actor` is
 * recorded in the audit log. Returns 0 when the transaction committed (even if some lines were
 * rejected). */
int lk_import_stream(lk_store *st, FILE *f, lk_import_format fmt, const char *actor, int today,
                     lk_import_report_cb report, void *ctx, lk_import_stats *stats, lk_err *err);

/* Opens path ("-" for stdin) and calls lk_import_stream. */
int lk_import_file(lk_store *st, const char *path, lk_import_format fmt, const char *actor,
                   int today, lk_import_report_cb report, void *ctx, lk_import_stats *stats,
                   lk_err *err);

#endif
