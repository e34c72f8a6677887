/* lk_audit: the append-only, hash-chained audit log.
 *
 * Row n's MAC covers its own fields and row n-1's MAC, keyed with the kiosk secret, so a row
 * cannot be edited, dropped, inserted or moved without breaking the chain, and the chain
 * cannot be rebuilt without the secret. Dropping rows from the end leaves a valid chain, so
 * the newest (seq, mac) is also kept in audit_head and checked last. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kiosk/lk_audit.h"
#include "lk_store_int.h"

typedef struct audit_row {
    sqlite3_int64 seq, ts;
    const char *actor, *event, *detail;
    const void *prev_mac;
} audit_row;

/* Length-prefixed fields: ("ab","c") and ("a","bc") must not MAC alike. */
static void put_field(unsigned char **p, const void *data, size_t len)
{
    uint32_t n = (uint32_t)len;
    memcpy(*p, &n, sizeof n);
    memcpy(*p + sizeof n, data, len);
    *p += sizeof n + len;
}

static int row_mac(lk_store *st, const audit_row *r, uint8_t out[LK_PII_MAC_LEN])
{
    const char *detail = r->detail ? r->detail : "";
    size_t la = strlen(r->actor), le = strlen(r->event), ld = strlen(detail);
    size_t total = LK_PII_MAC_LEN + 16 + la + le + ld + 6 * sizeof(uint32_t);
    unsigned char stackbuf[1024], *buf = total <= sizeof stackbuf ? stackbuf : malloc(total);
    if (!buf)
        return LK_ENOMEM;
    unsigned char *p = buf;
    put_field(&p, r->prev_mac, LK_PII_MAC_LEN);
    put_field(&p, &r->seq, sizeof r->seq);
    put_field(&p, &r->ts, sizeof r->ts);
    put_field(&p, r->actor, la);
    put_field(&p, r->event, le);
    put_field(&p, detail, ld);
    int rc = lk_pii_mac(lk_store_pii(st), buf, (size_t)(p - buf), out);
    if (buf != stackbuf)
        free(buf);
    return rc;
}

static int read_head(lk_store *st, sqlite3_int64 *seq, uint8_t mac[LK_PII_MAC_LEN], lk_err *err)
{
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_AUDIT_HEAD, err);
    if (!s)
        return LK_EDB;
    int rc = sqlite3_step(s);
    *seq = 0;
    memset(mac, 0, LK_PII_MAC_LEN);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 1) == LK_PII_MAC_LEN) {
        *seq = sqlite3_column_int64(s, 0);
        memcpy(mac, sqlite3_column_blob(s, 1), LK_PII_MAC_LEN);
    }
    sqlite3_reset(s);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : lk_store_sql_err(st, err, "audit head");
}

static int write_row(lk_store *st, const audit_row *r, const uint8_t mac[LK_PII_MAC_LEN],
                     lk_err *err)
{
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_AUDIT_INSERT, err);
    if (!s)
        return LK_EDB;
    sqlite3_bind_int64(s, 1, r->seq);
    sqlite3_bind_int64(s, 2, r->ts);
    sqlite3_bind_text(s, 3, r->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, r->event, -1, SQLITE_STATIC);
    lk_store_bind_text(s, 5, r->detail);
    sqlite3_bind_blob(s, 6, r->prev_mac, LK_PII_MAC_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(s, 7, mac, LK_PII_MAC_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return lk_store_sql_err(st, err, "append audit row");
    s = lk_store_stmt(st, LK_STMT_AUDIT_HEAD_SET, err);
    if (!s)
        return LK_EDB;
    sqlite3_bind_int64(s, 1, r->seq);
    sqlite3_bind_blob(s, 2, mac, LK_PII_MAC_LEN, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "audit head");
}

static int append_locked(lk_store *st, const char *actor, const char *event, const char *detail,
                         lk_err *err)
{
    uint8_t prev[LK_PII_MAC_LEN], mac[LK_PII_MAC_LEN];
    sqlite3_int64 head = 0;
    int rc = read_head(st, &head, prev, err);
    if (rc != 0)
        return rc;
    audit_row r = {.seq = head + 1,
                   .ts = (sqlite3_int64)time(NULL),
                   .actor = actor,
                   .event = event,
                   .detail = detail,
                   .prev_mac = prev};
    if (row_mac(st, &r, mac) != 0)
        return lk_err_set(err, LK_EIO, "cannot compute audit MAC");
    return write_row(st, &r, mac, err);
}

int lk_audit_append(lk_store *st, const char *actor, const char *event, const char *detail_json,
                    lk_err *err)
{
    if (lk_store_in_tx(st))
        return append_locked(st, actor, event, detail_json, err);
    int rc = lk_store_begin(st, err);
    if (rc == 0)
        rc = append_locked(st, actor, event, detail_json, err);
    if (rc == 0)
        rc = lk_store_commit(st, err);
    if (rc != 0)
        lk_store_rollback(st);
    return rc;
}

__attribute__((format(printf, 3, 4))) static int bad(lk_audit_verdict *v, sqlite3_int64 seq,
                                                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    v->bad_seq = seq;
    vsnprintf(v->reason, sizeof v->reason, fmt, ap);
    va_end(ap);
    return LK_ECORRUPT;
}

/* Checks one row against the expected sequence number and previous MAC. */
static int check_row(lk_store *st, sqlite3_stmt *s, sqlite3_int64 expect, uint8_t prev[32],
                     lk_audit_verdict *v)
{
    audit_row r = {.seq = sqlite3_column_int64(s, 0),
                   .ts = sqlite3_column_int64(s, 1),
                   .actor = (const char *)sqlite3_column_text(s, 2),
                   .event = (const char *)sqlite3_column_text(s, 3),
                   .detail = (const char *)sqlite3_column_text(s, 4),
                   .prev_mac = sqlite3_column_blob(s, 5)};
    const void *stored = sqlite3_column_blob(s, 6);
    uint8_t mac[LK_PII_MAC_LEN];
    if (r.seq != expect)
        return bad(v, expect, "row %lld is missing (next row is %lld)", (long long)expect,
                   (long long)r.seq);
    if (!r.actor || !r.event || sqlite3_column_bytes(s, 5) != LK_PII_MAC_LEN ||
        sqlite3_column_bytes(s, 6) != LK_PII_MAC_LEN)
        return bad(v, r.seq, "row %lld is malformed", (long long)r.seq);
    if (memcmp(r.prev_mac, prev, LK_PII_MAC_LEN) != 0)
        return bad(v, r.seq, "row %lld does not follow row %lld (inserted or reordered)",
                   (long long)r.seq, (long long)r.seq - 1);
    if (row_mac(st, &r, mac) != 0 || memcmp(mac, stored, LK_PII_MAC_LEN) != 0)
        return bad(v, r.seq, "row %lld was altered", (long long)r.seq);
    memcpy(prev, mac, LK_PII_MAC_LEN);
    return 0;
}

static int walk(lk_store *st, lk_audit_verdict *v, uint8_t prev[32], lk_err *err)
{
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_AUDIT_WALK, err);
    if (!s)
        return LK_EDB;
    sqlite3_bind_int64(s, 1, 0);
    sqlite3_bind_int64(s, 2, -1);
    int rc, bad_rc = 0;
    while (bad_rc == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        bad_rc = check_row(st, s, v->rows + 1, prev, v);
        if (bad_rc == 0)
            v->rows++;
    }
    sqlite3_reset(s);
    if (bad_rc != 0)
        return bad_rc;
    return rc == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "read audit log");
}

int lk_audit_verify(lk_store *st, lk_audit_verdict *v, lk_err *err)
{
    uint8_t prev[LK_PII_MAC_LEN] = {0}, head_mac[LK_PII_MAC_LEN];
    sqlite3_int64 head = 0;
    memset(v, 0, sizeof *v);
    int rc = walk(st, v, prev, err);
    if (rc == 0)
        rc = read_head(st, &head, head_mac, err);
    if (rc == LK_ECORRUPT)
        return lk_err_set(err, rc, "audit log: %s", v->reason);
    if (rc != 0)
        return rc;
    /* A chain that ends early, or a head that names another last row, means rows were removed
     * from the end (or the head was rewritten): the first missing row is the bad one. */
    if (head != v->rows || memcmp(head_mac, prev, LK_PII_MAC_LEN) != 0) {
        bad(v, v->rows + 1, "the log ends at row %lld but its head says %lld", (long long)v->rows,
            (long long)head);
        return lk_err_set(err, LK_ECORRUPT, "audit log: %s", v->reason);
    }
    return 0;
}

int lk_audit_list(lk_store *st, int64_t after, int64_t limit, lk_audit_row_cb cb, void *ctx,
                  lk_err *err)
{
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_AUDIT_WALK, err);
    if (!s)
        return LK_EDB;
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int64(s, 2, limit > 0 ? limit : -1);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW)
        stop = cb(ctx, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
                  (const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
                  (const char *)sqlite3_column_text(s, 4));
    sqlite3_reset(s);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "read audit log");
}
