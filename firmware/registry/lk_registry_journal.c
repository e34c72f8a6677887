/* lk_registry_journal: the registry side of the print journal's hooks (lk_journal_hooks), so
 * the journal reports to and asks the registry without linking it. All of it works on the
 * store alone (gate, queue, reprint table); delivery is lk_registry_report_flush's job. */
#include <sqlite3.h>

#include "kiosk/lk_journal.h"
#include "kiosk/lk_registry.h"

static int gate(void *ctx, lk_store *st, const char *uscc, lk_err *err)
{
    (void)ctx;
    return lk_registry_check_printable(st, uscc, err);
}

/* The report's key is derived from (copy, printed_at in seconds): a reprint finishing within
 * the same second as the copy's previous print would collapse into that report, so a copy's
 * reports get strictly increasing times. The hook runs once per completion (in its
 * transaction), so this never splits one print into two reports. */
static int64_t report_time(lk_store *st, const lk_journal_row *r)
{
    sqlite3_stmt *s = NULL;
    int64_t last = 0;
    if (sqlite3_prepare_v2(lk_store_db(st),
                           "SELECT max(printed_at) FROM registry_reports WHERE uscc = ?1"
                           " AND copy = ?2 AND copy_no = ?3",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, r->uscc, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, r->copy, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, r->copy_no);
        if (sqlite3_step(s) == SQLITE_ROW)
            last = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    return r->updated_at > last ? r->updated_at : last + 1;
}

static int report(void *ctx, lk_store *st, const lk_journal_row *r, lk_err *err)
{
    (void)ctx;
    int rc = lk_registry_report_enqueue(st, r->uscc, r->copy, r->copy_no, report_time(st, r),
                                        r->stock_serial[0] ? r->stock_serial : NULL, NULL, err);
    return rc < 0 ? rc : 0;
}

static int reprint(void *ctx, lk_store *st, const char *uscc, const char *copy, int copy_no,
                   int take, char *auth, size_t authsz, lk_err *err)
{
    (void)ctx;
    if (!take)
        return lk_registry_reprint_waiting(st, uscc, copy, copy_no, err);
    return lk_registry_reprint_take(st, uscc, copy, copy_no, auth, authsz, err);
}

static const lk_journal_hooks hooks = {
    .check_printable = gate,
    .on_completed = report,
    .reprint = reprint,
};

const struct lk_journal_hooks *lk_registry_journal_hooks(void)
{
    return &hooks;
}
