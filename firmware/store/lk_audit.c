/* lk_audit: the append-only, hash-chained audit log.
 *
 * Row n's MAC covers its own fields and row n-1's MAC, keyed with the kiosk secret, so a row
 * cannot be edited, dropped, inserted or moved without breaking the chain, and the chain
 * cannot be rebuilt without the secret. Dropping rows from the end leaves a valid chain, so
 * the newest (seq, mac) is also kept in audit_head, under a MAC of its own so it cannot be
 * wound back without the secret, and checked last. Every store starts with a genesis row, so
 * an emptied log does not pass for a new one. */
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

/* The head's own MAC, domain-separated from row MACs by its tag string. */
static int head_tag(lk_store *st, sqlite3_int64 seq, const uint8_t mac[LK_PII_MAC_LEN],
                    uint8_t out[LK_PII_MAC_LEN])
{
    unsigned char buf[16 + sizeof seq + LK_PII_MAC_LEN];
    memcpy(buf, "lk-audit-head\0\0\0", 16);
    memcpy(buf + 16, &seq, sizeof seq);
    memcpy(buf + 16 + sizeof seq, mac, LK_PII_MAC_LEN);
    return lk_pii_mac(lk_store_pii(st), buf, sizeof buf, out);
}

typedef struct audit_head {
    int present;
    sqlite3_int64 seq;
    uint8_t mac[LK_PII_MAC_LEN];
    uint8_t tag[LK_PII_MAC_LEN];
} audit_head;

static int read_head(lk_store *st, audit_head *h, lk_err *err)
{
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_AUDIT_HEAD, err);
    if (!s)
        return LK_EDB;
    int rc = sqlite3_step(s);
    memset(h, 0, sizeof *h);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 1) == LK_PII_MAC_LEN &&
        sqlite3_column_bytes(s, 2) == LK_PII_MAC_LEN) {
        h->present = 1;
        h->seq = sqlite3_column_int64(s, 0);
        memcpy(h->mac, sqlite3_column_blob(s, 1), LK_PII_MAC_LEN);
        memcpy(h->tag, sqlite3_column_blob(s, 2), LK_PII_MAC_LEN);
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
    uint8_t tag[LK_PII_MAC_LEN];
    if (head_tag(st, r->seq, mac, tag) != 0)
        return lk_err_set(err, LK_EIO, "cannot compute audit head MAC");
    s = lk_store_stmt(st, LK_STMT_AUDIT_HEAD_SET, err);
    if (!s)
        return LK_EDB;
    sqlite3_bind_int64(s, 1, r->seq);
    sqlite3_bind_blob(s, 2, mac, LK_PII_MAC_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(s, 3, tag, LK_PII_MAC_LEN, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "audit head");
}

static int append_locked(lk_store *st, const char *actor, const char *event, const char *detail,
                         lk_err *err)
{
    uint8_t mac[LK_PII_MAC_LEN];
    audit_head head;
    int rc = read_head(st, &head, err);
    if (rc != 0)
        return rc;
    const uint8_t *prev = head.mac; /* all zero before the first row */
    audit_row r = {.seq = head.seq + 1,
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

/* After the walk: the head must be present, carry a valid MAC of its own, and name the last
 * row the walk reached. Anything else means rows were removed from the end or the head was
 * rewritten; the first row not accounted for is the bad one. */
static int check_head(lk_store *st, lk_audit_verdict *v, const uint8_t last[LK_PII_MAC_LEN],
                      lk_err *err)
{
    audit_head h;
    uint8_t tag[LK_PII_MAC_LEN];
    int rc = read_head(st, &h, err);
    if (rc != 0)
        return rc;
    if (!h.present)
        return bad(v, v->rows + 1, "the audit head is missing");
    if (head_tag(st, h.seq, h.mac, tag) != 0 || memcmp(tag, h.tag, LK_PII_MAC_LEN) != 0)
        return bad(v, v->rows + 1, "the audit head was rewritten");
    if (h.seq != v->rows || memcmp(h.mac, last, LK_PII_MAC_LEN) != 0)
        return bad(v, v->rows + 1, "the log ends at row %lld but its head says %lld",
                   (long long)v->rows, (long long)h.seq);
    return 0;
}

int lk_audit_verify(lk_store *st, lk_audit_verdict *v, lk_err *err)
{
    uint8_t prev[LK_PII_MAC_LEN] = {0};
    memset(v, 0, sizeof *v);
    int rc = walk(st, v, prev, err);
    if (rc == 0)
        rc = check_head(st, v, prev, err);
    if (rc == LK_ECORRUPT)
        return lk_err_set(err, rc, "audit log: %s", v->reason);
    return rc;
}

int lk_audit_genesis(lk_store *st, lk_err *err)
{
    audit_head h;
    int rc = read_head(st, &h, err);
    if (rc != 0 || h.present)
        return rc;
    /* Rows without a head are a damaged log for verify to report, not a new one to start. */
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_AUDIT_WALK, err);
    if (!s)
        return LK_EDB;
    sqlite3_bind_int64(s, 1, 0);
    sqlite3_bind_int64(s, 2, 1);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc != SQLITE_DONE)
        return lk_store_sql_err(st, err, "read audit log");
    return lk_audit_append(st, "kiosk", "store.created", NULL, err);
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
