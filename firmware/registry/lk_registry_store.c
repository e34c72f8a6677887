/* lk_registry_store: what registry sync writes into the store and reads back from it: applying
 * a page of changes together with its cursor, the revocation gate, the print-report queue and
 * staff reprint authorisations. Records go through lk_store_put_record like an import; the
 * tables of the registry migration (registry_state, registry_revocations, registry_reprints,
 * registry_reports) are reached through the store's connection. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_pii.h"
#include "lk_registry_int.h"

/* Runs one statement with up to three text bindings and an optional int64; returns the number
 * of rows changed, or a negative code. */
static int run(lk_store *st, const char *sql, const char *a, const char *b, const char *c,
               long long n, lk_err *err)
{
    sqlite3 *db = lk_store_db(st);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return lk_store_sql_err(st, err, "registry statement");
    const char *text[] = {a, b, c};
    for (int i = 0; i < 3; i++)
        if (sqlite3_bind_parameter_index(s, i == 0 ? "?1" : i == 1 ? "?2" : "?3"))
            text[i] ? sqlite3_bind_text(s, i + 1, text[i], -1, SQLITE_STATIC)
                    : sqlite3_bind_null(s, i + 1);
    if (sqlite3_bind_parameter_index(s, "?4"))
        sqlite3_bind_int64(s, 4, n);
    int rc = sqlite3_step(s);
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return lk_store_sql_err(st, err, "registry write");
    return sqlite3_changes(db);
}

int lk_reg_cursor_get(lk_store *st, char cursor[LK_REGISTRY_CURSOR_MAX + 1], lk_err *err)
{
    sqlite3_stmt *s = NULL;
    cursor[0] = '\0';
    if (sqlite3_prepare_v2(lk_store_db(st), "SELECT cursor FROM registry_state WHERE id = 1", -1,
                           &s, NULL) != SQLITE_OK)
        return lk_store_sql_err(st, err, "read registry cursor");
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && sqlite3_column_text(s, 0))
        snprintf(cursor, LK_REGISTRY_CURSOR_MAX + 1, "%s", sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE
               ? 0
               : lk_store_sql_err(st, err, "read registry cursor");
}

int lk_reg_cursor_reset(lk_store *st, lk_err *err)
{
    int rc =
        run(st, "UPDATE registry_state SET cursor = '' WHERE id = 1", NULL, NULL, NULL, 0, err);
    return rc < 0 ? rc : 0;
}

static int audit_change(lk_store *st, const char *actor, const char *event,
                        const lk_registry_change *c, const char *reason, lk_err *err)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "seq", (double)c->seq);
    if (c->uscc[0])
        cJSON_AddStringToObject(d, "uscc", c->uscc);
    if (reason)
        cJSON_AddStringToObject(d, "reason", reason);
    char *detail = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    if (!detail)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    int rc = lk_audit_append(st, actor, event, detail, err);
    free(detail);
    return rc;
}

/* The registry is the authority on revocation: an approved record from it lifts an earlier
 * revocation (a re-approval), a revoked one records it so no stale copy can undo it. */
static int apply_upsert(lk_store *st, const lk_registry_change *c, const char *actor,
                        lk_registry_sync_stats *stats, lk_err *err)
{
    int revoked = strcmp(c->record->status, "revoked") == 0, inserted = 0, rc = 0;
    if (!revoked)
        rc = run(st, "DELETE FROM registry_revocations WHERE uscc = ?1", c->uscc, NULL, NULL, 0,
                 err);
    if (rc >= 0)
        rc = lk_store_put_record(st, c->record, c->warnings, &inserted, err);
    if (rc >= 0 && revoked)
        rc = run(st,
                 "INSERT OR IGNORE INTO registry_revocations (uscc, revoked_at, reason)"
                 " VALUES (?1, ?4, 'record status revoked')",
                 c->uscc, NULL, NULL, (long long)time(NULL), err);
    if (rc > 0 && revoked) {
        stats->revocations++;
        rc = audit_change(st, actor, "registry.revoke", c, NULL, err);
    }
    if (rc < 0)
        return rc;
    stats->upserts++;
    stats->inserted += inserted;
    return 0;
}

static int apply_revoke(lk_store *st, const lk_registry_change *c, const char *actor,
                        lk_registry_sync_stats *stats, lk_err *err)
{
    int rc = run(st,
                 "INSERT INTO registry_revocations (uscc, revoked_at, reason) VALUES (?1, ?4, ?2)"
                 " ON CONFLICT (uscc) DO UPDATE SET reason = ?2",
                 c->uscc, c->text, NULL, (long long)time(NULL), err);
    /* The insert trigger revokes the license row; an upsert of it does too on conflict. */
    if (rc >= 0)
        rc = run(st, "UPDATE licenses SET status = 'revoked' WHERE uscc = ?1", c->uscc, NULL, NULL,
                 0, err);
    if (rc < 0)
        return rc;
    stats->revocations++;
    return audit_change(st, actor, "registry.revoke", c, NULL, err);
}

/* An authorisation seen before (a page fetched again) is kept once: it allows one reprint. */
static int apply_reprint(lk_store *st, const lk_registry_change *c, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(lk_store_db(st),
                           "INSERT OR IGNORE INTO registry_reprints (authorisation, uscc, copy,"
                           " copy_no, authorised_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                           -1, &s, NULL) != SQLITE_OK)
        return lk_store_sql_err(st, err, "store reprint authorisation");
    sqlite3_bind_text(s, 1, c->auth, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, c->uscc, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, c->copy, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, c->copy_no);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)time(NULL));
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return lk_store_sql_err(st, err, "store reprint authorisation");
    return sqlite3_changes(lk_store_db(st));
}

static int apply_change(lk_store *st, const lk_registry_change *c, const char *actor,
                        lk_registry_sync_stats *stats, lk_err *err)
{
    int rc = 0;
    switch (c->kind) {
    case LK_REGISTRY_UPSERT:
        return apply_upsert(st, c, actor, stats, err);
    case LK_REGISTRY_REVOKE:
        return apply_revoke(st, c, actor, stats, err);
    case LK_REGISTRY_REPRINT:
        rc = apply_reprint(st, c, err);
        stats->reprints += rc > 0;
        return rc < 0 ? rc : audit_change(st, actor, "registry.reprint", c, NULL, err);
    case LK_REGISTRY_QR:
        rc = run(st, "UPDATE licenses SET qr_payload = ?2, updated_at = ?4 WHERE uscc = ?1",
                 c->uscc, c->text, NULL, (long long)time(NULL), err);
        stats->qr_changes += rc >= 0;
        return rc < 0 ? rc : 0;
    default:
        stats->rejected++;
        return audit_change(st, actor, "registry.rejected", c, c->reason, err);
    }
}

int lk_reg_apply_page(lk_store *st, const lk_registry_page *page, const char *cursor,
                      const char *actor, lk_registry_sync_stats *stats, lk_err *err)
{
    int rc = lk_store_begin(st, err);
    for (size_t i = 0; rc == 0 && i < page->n_changes; i++)
        rc = apply_change(st, &page->changes[i], actor, stats, err);
    if (rc == 0 && cursor) {
        rc = run(st, "UPDATE registry_state SET cursor = ?1, last_sync_at = ?4 WHERE id = 1",
                 cursor, NULL, NULL, (long long)time(NULL), err);
        rc = rc < 0 ? rc : 0;
    }
    if (rc == 0)
        rc = lk_store_commit(st, err);
    if (rc != 0)
        lk_store_rollback(st);
    return rc;
}

int lk_registry_check_printable(lk_store *st, const char *uscc, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(lk_store_db(st),
                           "SELECT l.status, EXISTS (SELECT 1 FROM registry_revocations r"
                           " WHERE r.uscc = l.uscc) FROM licenses l WHERE l.uscc = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return lk_store_sql_err(st, err, "revocation check");
    sqlite3_bind_text(s, 1, uscc, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s), ret;
    if (rc == SQLITE_ROW) {
        const char *status = (const char *)sqlite3_column_text(s, 0);
        int revoked = sqlite3_column_int(s, 1) || !status || strcmp(status, "approved") != 0;
        ret = revoked ? lk_err_set(err, LK_ECANCELED, "license revoked by the registry") : 0;
    } else if (rc == SQLITE_DONE) {
        ret = lk_err_set(err, LK_ENOENT, "no license with that code");
    } else {
        ret = lk_store_sql_err(st, err, "revocation check");
    }
    sqlite3_finalize(s);
    return ret;
}

static int report_key(lk_store *st, const char *uscc, const char *copy, int copy_no,
                      int64_t printed_at, char key[LK_REGISTRY_IDEM_KEY_LEN + 1])
{
    char what[160];
    uint8_t mac[LK_PII_MAC_LEN];
    int n = snprintf(what, sizeof what, "lk-print-report-v1|%s|%s|%d|%lld", uscc, copy, copy_no,
                     (long long)printed_at);
    if (n < 0 || (size_t)n >= sizeof what || lk_pii_mac(lk_store_pii(st), what, (size_t)n, mac))
        return LK_EINVAL;
    for (int i = 0; i < LK_REGISTRY_IDEM_KEY_LEN / 2; i++)
        snprintf(key + 2 * i, 3, "%02x", mac[i]);
    return 0;
}

int lk_registry_report_enqueue(lk_store *st, const char *uscc, const char *copy, int copy_no,
                               int64_t printed_at, const char *stock_serial, char *key_out,
                               lk_err *err)
{
    char key[LK_REGISTRY_IDEM_KEY_LEN + 1];
    if (!uscc || strlen(uscc) != 18 || !copy ||
        (strcmp(copy, "original") && strcmp(copy, "duplicate")) || copy_no < 1 || copy_no > 99 ||
        (stock_serial && strlen(stock_serial) > 64))
        return lk_err_set(err, LK_EINVAL, "print report: bad uscc, copy or stock serial");
    if (report_key(st, uscc, copy, copy_no, printed_at, key) != 0)
        return lk_err_set(err, LK_EINVAL, "print report: cannot derive its key");
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(lk_store_db(st),
                           "INSERT OR IGNORE INTO registry_reports (idem_key, uscc, copy, copy_no,"
                           " printed_at, stock_serial, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
                           -1, &s, NULL) != SQLITE_OK)
        return lk_store_sql_err(st, err, "queue print report");
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, uscc, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, copy, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, copy_no);
    sqlite3_bind_int64(s, 5, printed_at);
    stock_serial ? sqlite3_bind_text(s, 6, stock_serial, -1, SQLITE_STATIC)
                 : sqlite3_bind_null(s, 6);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)time(NULL));
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return lk_store_sql_err(st, err, "queue print report");
    if (key_out)
        memcpy(key_out, key, sizeof key);
    return sqlite3_changes(lk_store_db(st)) > 0 ? 1 : 0;
}

int lk_registry_report_pending(lk_store *st, long *count, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(lk_store_db(st),
                           "SELECT count(*) FROM registry_reports WHERE state = 'pending'", -1, &s,
                           NULL) != SQLITE_OK)
        return lk_store_sql_err(st, err, "count print reports");
    int rc = sqlite3_step(s);
    *count = rc == SQLITE_ROW ? (long)sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : lk_store_sql_err(st, err, "count print reports");
}

static char *report_json(sqlite3_stmt *s)
{
    char printed[32];
    time_t t = (time_t)sqlite3_column_int64(s, 5);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(printed, sizeof printed, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "idempotency_key", (const char *)sqlite3_column_text(s, 1));
    cJSON_AddStringToObject(o, "uscc", (const char *)sqlite3_column_text(s, 2));
    cJSON_AddStringToObject(o, "copy", (const char *)sqlite3_column_text(s, 3));
    cJSON_AddNumberToObject(o, "copy_no", sqlite3_column_int(s, 4));
    cJSON_AddStringToObject(o, "printed_at", printed);
    if (sqlite3_column_text(s, 6))
        cJSON_AddStringToObject(o, "stock_serial", (const char *)sqlite3_column_text(s, 6));
    else
        cJSON_AddNullToObject(o, "stock_serial");
    char *json = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return json;
}

int lk_reg_report_next(lk_store *st, long long after_id, reg_report *r, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    memset(r, 0, sizeof *r);
    if (sqlite3_prepare_v2(lk_store_db(st),
                           "SELECT id, idem_key, uscc, copy, copy_no, printed_at, stock_serial"
                           " FROM registry_reports WHERE state = 'pending' AND id > ?1"
                           " ORDER BY id LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK)
        return lk_store_sql_err(st, err, "read print report");
    sqlite3_bind_int64(s, 1, after_id);
    int rc = sqlite3_step(s), ret = 0;
    if (rc == SQLITE_ROW) {
        r->id = sqlite3_column_int64(s, 0);
        snprintf(r->key, sizeof r->key, "%s", sqlite3_column_text(s, 1));
        r->json = report_json(s);
        ret = r->json ? 0 : lk_err_set(err, LK_ENOMEM, "out of memory");
    } else {
        ret = rc == SQLITE_DONE ? LK_ENOENT : lk_store_sql_err(st, err, "read print report");
    }
    sqlite3_finalize(s);
    return ret;
}

int lk_reg_report_mark(lk_store *st, long long id, const char *state, const char *error,
                       lk_err *err)
{
    int delivered = strcmp(state, "delivered") == 0;
    int rc = run(st,
                 delivered ? "UPDATE registry_reports SET state = ?1, last_error = ?2,"
                             " attempts = attempts + 1, delivered_at = strftime('%s','now')"
                             " WHERE id = ?4"
                           : "UPDATE registry_reports SET state = ?1, last_error = ?2,"
                             " attempts = attempts + 1 WHERE id = ?4",
                 state, error, NULL, id, err);
    return rc < 0 ? rc : 0;
}

int lk_registry_reprint_take(lk_store *st, const char *uscc, const char *copy, int copy_no,
                             char *auth, size_t authsz, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(
            lk_store_db(st),
            "UPDATE registry_reprints SET used_at = strftime('%s','now') WHERE authorisation ="
            " (SELECT authorisation FROM registry_reprints WHERE uscc = ?1 AND copy = ?2"
            " AND copy_no = ?3 AND used_at IS NULL ORDER BY authorised_at, authorisation LIMIT 1)"
            " RETURNING authorisation",
            -1, &s, NULL) != SQLITE_OK)
        return lk_store_sql_err(st, err, "take reprint authorisation");
    sqlite3_bind_text(s, 1, uscc, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, copy, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, copy_no);
    int rc = sqlite3_step(s), ret;
    if (rc == SQLITE_ROW) {
        snprintf(auth, authsz, "%s", sqlite3_column_text(s, 0));
        rc = sqlite3_step(s);
        ret = 0;
    } else {
        ret = rc == SQLITE_DONE ? lk_err_set(err, LK_ENOENT, "no reprint authorised") : 0;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return lk_store_sql_err(st, err, "take reprint authorisation");
    return ret;
}

int lk_registry_reprint_waiting(lk_store *st, const char *uscc, const char *copy, int copy_no,
                                lk_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(lk_store_db(st),
                           "SELECT EXISTS (SELECT 1 FROM registry_reprints WHERE uscc = ?1"
                           " AND copy = ?2 AND copy_no = ?3 AND used_at IS NULL)",
                           -1, &s, NULL) != SQLITE_OK)
        return lk_store_sql_err(st, err, "look up reprint authorisations");
    sqlite3_bind_text(s, 1, uscc, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, copy, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, copy_no);
    int rc = sqlite3_step(s);
    int ret = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) != 0
                               : lk_store_sql_err(st, err, "look up reprint authorisations");
    sqlite3_finalize(s);
    return ret;
}
