/* lk_counter: named counters in the store, so statistics survive restarts and power loss. */
#include "kiosk/lk_counter.h"
#include "lk_store_int.h"

int lk_counter_add(lk_store *st, const char *name, int64_t delta, lk_err *err)
{
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_COUNTER_ADD, err);
    if (!s)
        return LK_EDB;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, delta);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "update counter");
}

int lk_counter_get(lk_store *st, const char *name, int64_t *value, lk_err *err)
{
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_COUNTER_GET, err);
    if (!s)
        return LK_EDB;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    *value = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : lk_store_sql_err(st, err, "counter");
}

int lk_counter_list(lk_store *st, lk_counter_cb cb, void *ctx, lk_err *err)
{
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_COUNTER_LIST, err);
    if (!s)
        return LK_EDB;
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW)
        stop = cb(ctx, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1));
    sqlite3_reset(s);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "counters");
}
