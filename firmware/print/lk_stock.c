/* lk_stock: the paper stock ledger (see lk_stock.h). A stack is a run of sheets; `used` counts
 * the sheets taken from it, so the next serial is prefix + (first_no + used), zero-padded to
 * the loaded width. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_stock.h"

/* What tray names and serials may hold: they go into JSON and onto screens as they are. */
#define SAFE "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

const char *lk_stock_media_name(lk_stock_media m)
{
    return m == LK_STOCK_A3 ? "a3" : "a4";
}

int lk_stock_media_parse(const char *s, lk_stock_media *out)
{
    if (s && strcmp(s, "a3") == 0)
        *out = LK_STOCK_A3;
    else if (s && strcmp(s, "a4") == 0)
        *out = LK_STOCK_A4;
    else
        return -1;
    return 0;
}

/* Splits "YZ0000101" into prefix "YZ", number 101 and width 7. */
static int split_serial(const char *s, char *prefix, size_t plen, long long *no, int *width)
{
    size_t n = strlen(s), d = n;
    while (d > 0 && isdigit((unsigned char)s[d - 1]))
        d--;
    if (d == n || n - d > 15 || d >= plen)
        return -1;
    memcpy(prefix, s, d);
    prefix[d] = '\0';
    *no = strtoll(s + d, NULL, 10);
    *width = (int)(n - d);
    return 0;
}

static int exec_stmt(lk_store *st, const char *sql, sqlite3_stmt **out, lk_err *err)
{
    if (sqlite3_prepare_v2(lk_store_db(st), sql, -1, out, NULL) != SQLITE_OK)
        return lk_store_sql_err(st, err, "stock");
    return 0;
}

static int insert_stack(lk_store *st, const char *tray, lk_stock_media media, const char *prefix,
                        long long first_no, int width, int64_t count, const char *actor,
                        int64_t *id, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    int64_t now = (int64_t)time(NULL);
    int rc = exec_stmt(st,
                       "UPDATE stock_stacks SET closed_at = ?2 WHERE tray = ?1"
                       " AND closed_at IS NULL",
                       &s, err);
    if (rc == 0) {
        sqlite3_bind_text(s, 1, tray, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, now);
        rc = sqlite3_step(s) == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "close stack");
    }
    sqlite3_finalize(s);
    s = NULL;
    if (rc == 0)
        rc = exec_stmt(st,
                       "INSERT INTO stock_stacks (tray, media, prefix, first_no, width, count,"
                       " loaded_at, actor) VALUES (?1,?2,?3,?4,?5,?6,?7,?8) RETURNING id",
                       &s, err);
    if (rc == 0) {
        sqlite3_bind_text(s, 1, tray, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, lk_stock_media_name(media), -1, SQLITE_STATIC);
        if (prefix) {
            sqlite3_bind_text(s, 3, prefix, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 4, first_no);
            sqlite3_bind_int(s, 5, width);
        }
        sqlite3_bind_int64(s, 6, count);
        sqlite3_bind_int64(s, 7, now);
        sqlite3_bind_text(s, 8, actor, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            *id = sqlite3_column_int64(s, 0);
        else
            rc = lk_store_sql_err(st, err, "record stack");
    }
    sqlite3_finalize(s);
    return rc;
}

static int parse_range(const char *first, const char *last, char *prefix, size_t plen,
                       long long *first_no, int *width, int64_t *count, lk_err *err)
{
    char p2[64];
    long long last_no = 0;
    int w2 = 0;
    if (split_serial(first, prefix, plen, first_no, width) != 0 ||
        split_serial(last, p2, sizeof p2, &last_no, &w2) != 0)
        return lk_err_set(err, LK_EINVAL, "a serial must end in digits (e.g. YZ0000101)");
    if (strcmp(prefix, p2) != 0 || *width != w2 || last_no < *first_no)
        return lk_err_set(err, LK_EINVAL,
                          "first and last serial must share prefix and width, last >= first");
    *count = last_no - *first_no + 1;
    return 0;
}

int lk_stock_load(lk_store *st, const char *tray, lk_stock_media media, const char *first,
                  const char *last, int64_t count, const char *actor, int64_t *stack_id,
                  lk_err *err)
{
    char prefix[64] = "";
    long long first_no = 0;
    int width = 0, rc = 0;
    int64_t id = 0;
    if (!tray || !*tray || strlen(tray) > 32 || strspn(tray, SAFE) != strlen(tray))
        return lk_err_set(err, LK_EINVAL, "a tray name is 1-32 letters, digits, '-' or '_'");
    if ((first && strspn(first, SAFE) != strlen(first)) ||
        (last && strspn(last, SAFE) != strlen(last)))
        return lk_err_set(err, LK_EINVAL, "a serial is letters, digits, '-' or '_'");
    if ((first != NULL) != (last != NULL))
        return lk_err_set(err, LK_EINVAL, "give both the first and the last serial, or a count");
    if (first &&
        (rc = parse_range(first, last, prefix, sizeof prefix, &first_no, &width, &count, err)) != 0)
        return rc;
    if (count <= 0 || count > 100000)
        return lk_err_set(err, LK_EINVAL, "a stack holds 1..100000 sheets");
    if ((rc = lk_store_begin(st, err)) != 0)
        return rc;
    rc = insert_stack(st, tray, media, first ? prefix : NULL, first_no, width, count, actor, &id,
                      err);
    char detail[256];
    snprintf(detail, sizeof detail,
             "{\"stack\":%" PRId64 ",\"tray\":\"%s\",\"media\":\"%s\",\"first\":\"%s\","
             "\"last\":\"%s\",\"count\":%" PRId64 "}",
             id, tray, lk_stock_media_name(media), first ? first : "", last ? last : "", count);
    if (rc == 0)
        rc = lk_audit_append(st, actor, "stock.loaded", detail, err);
    if (rc == 0)
        rc = lk_store_commit(st, err);
    if (rc != 0)
        lk_store_rollback(st);
    else if (stack_id)
        *stack_id = id;
    return rc;
}

int lk_stock_remaining(lk_store *st, lk_stock_media media, int64_t *left, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = exec_stmt(st,
                       "SELECT COALESCE(SUM(count - used), 0) FROM stock_stacks"
                       " WHERE media = ?1 AND closed_at IS NULL",
                       &s, err);
    if (rc == 0) {
        sqlite3_bind_text(s, 1, lk_stock_media_name(media), -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            *left = sqlite3_column_int64(s, 0);
        else
            rc = lk_store_sql_err(st, err, "stock remaining");
    }
    sqlite3_finalize(s);
    return rc;
}

static void format_serial(sqlite3_stmt *s, int col_prefix, long long idx, char *out, size_t n)
{
    if (sqlite3_column_type(s, col_prefix) == SQLITE_NULL) {
        snprintf(out, n, "%s", "");
        return;
    }
    snprintf(out, n, "%s%0*lld", (const char *)sqlite3_column_text(s, col_prefix),
             sqlite3_column_int(s, col_prefix + 2), sqlite3_column_int64(s, col_prefix + 1) + idx);
}

static int record_sheet(lk_store *st, int64_t stack, int64_t idx, const char *serial, int voided,
                        int64_t job_row, const char *reason, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = exec_stmt(st,
                       "INSERT INTO stock_sheets (stack_id, idx, serial, state, print_job_id,"
                       " reason, at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
                       &s, err);
    if (rc == 0) {
        sqlite3_bind_int64(s, 1, stack);
        sqlite3_bind_int64(s, 2, idx);
        if (*serial)
            sqlite3_bind_text(s, 3, serial, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, voided ? "voided" : "printed", -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, job_row);
        if (reason)
            sqlite3_bind_text(s, 6, reason, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 7, (int64_t)time(NULL));
        rc = sqlite3_step(s) == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "record sheet");
    }
    sqlite3_finalize(s);
    s = NULL;
    if (rc == 0 && (rc = exec_stmt(st, "UPDATE stock_stacks SET used = used + 1 WHERE id = ?1", &s,
                                   err)) == 0) {
        sqlite3_bind_int64(s, 1, stack);
        rc = sqlite3_step(s) == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "use sheet");
    }
    sqlite3_finalize(s);
    return rc;
}

int lk_stock_take(lk_store *st, lk_stock_media media, int64_t job_row, int voided,
                  const char *reason, const char *actor, char *serial, size_t serial_len,
                  lk_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = exec_stmt(st,
                       "SELECT id, used, prefix, first_no, width FROM stock_stacks"
                       " WHERE media = ?1 AND closed_at IS NULL AND used < count"
                       " ORDER BY loaded_at, id LIMIT 1",
                       &s, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(s, 1, lk_stock_media_name(media), -1, SQLITE_STATIC);
    snprintf(serial, serial_len, "%s", "");
    int step = sqlite3_step(s);
    if (step != SQLITE_ROW) {
        sqlite3_finalize(s);
        if (step != SQLITE_DONE)
            return lk_store_sql_err(st, err, "stock");
        char detail[128];
        snprintf(detail, sizeof detail, "{\"job\":%" PRId64 ",\"media\":\"%s\",\"state\":\"%s\"}",
                 job_row, lk_stock_media_name(media), voided ? "voided" : "printed");
        return lk_audit_append(st, actor, "stock.ledger_empty", detail, err);
    }
    int64_t stack = sqlite3_column_int64(s, 0), idx = sqlite3_column_int64(s, 1);
    format_serial(s, 2, idx, serial, serial_len);
    sqlite3_finalize(s);
    rc = record_sheet(st, stack, idx, serial, voided, job_row, reason, err);
    if (rc == 0 && voided) {
        char detail[160];
        snprintf(detail, sizeof detail,
                 "{\"job\":%" PRId64 ",\"stack\":%" PRId64 ",\"serial\":\"%s\"}", job_row, stack,
                 serial);
        rc = lk_audit_append(st, actor, "stock.voided", detail, err);
    }
    return rc;
}

static int stack_row(sqlite3_stmt *s, lk_stock_cb cb, void *ctx)
{
    char first[48], last[48], next[48];
    int64_t count = sqlite3_column_int64(s, 6), used = sqlite3_column_int64(s, 7);
    format_serial(s, 3, 0, first, sizeof first);
    format_serial(s, 3, count - 1, last, sizeof last);
    format_serial(s, 3, used, next, sizeof next);
    if (used >= count)
        next[0] = '\0';
    lk_stock_stack k = {
        .id = sqlite3_column_int64(s, 0),
        .tray = (const char *)sqlite3_column_text(s, 1),
        .media = (const char *)sqlite3_column_text(s, 2),
        .first_serial = first,
        .last_serial = last,
        .next_serial = next,
        .count = count,
        .used = used,
        .printed = sqlite3_column_int64(s, 8),
        .voided = sqlite3_column_int64(s, 9),
        .loaded_at = sqlite3_column_int64(s, 10),
    };
    return cb(ctx, &k);
}

int lk_stock_list(lk_store *st, lk_stock_cb cb, void *ctx, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = exec_stmt(
        st,
        "SELECT k.id, k.tray, k.media, k.prefix, k.first_no, k.width, k.count, k.used,"
        " (SELECT COUNT(*) FROM stock_sheets h WHERE h.stack_id = k.id AND h.state = 'printed'),"
        " (SELECT COUNT(*) FROM stock_sheets h WHERE h.stack_id = k.id AND h.state = 'voided'),"
        " k.loaded_at FROM stock_stacks k WHERE k.closed_at IS NULL ORDER BY k.tray, k.id",
        &s, err);
    int step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW)
        if ((rc = stack_row(s, cb, ctx)) != 0)
            break;
    if (rc == 0 && step != SQLITE_DONE)
        rc = lk_store_sql_err(st, err, "list stock");
    sqlite3_finalize(s);
    return rc;
}
