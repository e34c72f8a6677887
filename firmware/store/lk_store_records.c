/* lk_store_records: licenses, their collectors and their print-journal rows: writing a
 * validated record, reading one back (identity numbers only masked), and finding what a
 * person may collect by the keyed hash of their document. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "kiosk/lk_record.h"
#include "lk_store_int.h"

static int step_done(lk_store *st, sqlite3_stmt *s, lk_err *err, const char *what)
{
    int rc = sqlite3_step(s);
    int ret = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? 0 : lk_store_sql_err(st, err, what);
    sqlite3_reset(s);
    return ret;
}

static void bind_license(sqlite3_stmt *s, const lk_record *r, int warnings)
{
    const char *text[] = {
        r->uscc,    r->name,      r->entity_type, r->type_name,   r->holder.role, r->holder.name,
        r->scope,   r->capital,   r->composition, r->established, r->term_from,   r->term_to,
        r->address, r->authority, r->registered,  r->qr_payload,  r->status};
    for (int i = 0; i < (int)(sizeof text / sizeof text[0]); i++)
        lk_store_bind_text(s, i + 1, text[i]);
    sqlite3_bind_int(s, 18, r->duplicates);
    sqlite3_bind_int(s, 19, (warnings & LK_RECORD_WARN_LEGACY_USCC) ? 1 : 0);
    sqlite3_bind_int64(s, 20, (sqlite3_int64)time(NULL));
}

/* Runs INSERT (no RETURNING, see lk_store.c) or UPDATE ... RETURNING id; *id is 0 when the
 * statement touched no row. */
static int write_license(lk_store *st, enum lk_stmt which, const lk_record *r, int warnings,
                         sqlite3_int64 *id, lk_err *err)
{
    sqlite3_stmt *s = lk_store_stmt(st, which, err);
    if (!s)
        return LK_EDB;
    bind_license(s, r, warnings);
    int rc = sqlite3_step(s);
    *id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return lk_store_sql_err(st, err, "store license");
    sqlite3 *db = lk_store_db(st);
    if (which == LK_STMT_LICENSE_INSERT && sqlite3_changes(db) == 1)
        *id = sqlite3_last_insert_rowid(db);
    return 0;
}

int lk_store_prepare_docs(const lk_pii *pii, const lk_record *rec, lk_store_doc *docs, lk_err *err)
{
    for (size_t i = 0; i <= rec->n_agents; i++) {
        const lk_person *p = i == 0 ? &rec->holder : &rec->agents[i - 1];
        if (!p->doc_type || !p->doc_number ||
            lk_pii_doc_mac(pii, p->doc_type, p->doc_number, docs[i].mac) != 0)
            return lk_err_set(err, LK_EINVAL, "%s document number cannot be hashed",
                              i == 0 ? "holder" : "agent");
        lk_pii_mask(p->doc_number, docs[i].masked, sizeof docs[i].masked);
    }
    return 0;
}

static int insert_collector(lk_store *st, sqlite3_int64 id, const lk_person *p, const char *kind,
                            int position, const lk_store_doc *doc, lk_err *err)
{
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_COLLECTOR_INSERT, err);
    if (!s)
        return LK_EDB;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
    lk_store_bind_text(s, 3, p->role ? p->role : "");
    lk_store_bind_text(s, 4, p->name);
    lk_store_bind_text(s, 5, p->doc_type);
    sqlite3_bind_blob(s, 6, doc->mac, sizeof doc->mac, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, doc->masked, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 8, position);
    return step_done(st, s, err, "store collector");
}

/* Collectors of a known license are replaced wholesale: an agent whose authorisation was
 * withdrawn upstream must stop finding the license here. */
static int write_collectors(lk_store *st, sqlite3_int64 id, int fresh, const lk_record *r,
                            const lk_store_doc *docs, lk_err *err)
{
    int rc = 0;
    if (!fresh) {
        sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_COLLECTORS_DELETE, err);
        if (!s)
            return LK_EDB;
        sqlite3_bind_int64(s, 1, id);
        rc = step_done(st, s, err, "replace collectors");
    }
    if (rc == 0)
        rc = insert_collector(st, id, &r->holder, "holder", 0, &docs[0], err);
    for (size_t i = 0; rc == 0 && i < r->n_agents; i++)
        rc = insert_collector(st, id, &r->agents[i], "agent", (int)i + 1, &docs[i + 1], err);
    return rc;
}

/* Journal rows are only ever added: a copy already printed keeps its row and its state. */
static int add_print_jobs(lk_store *st, sqlite3_int64 id, int duplicates, lk_err *err)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i <= duplicates; i++) {
        sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_PRINT_JOB_INSERT, err);
        if (!s)
            return LK_EDB;
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_text(s, 2, i == 0 ? "original" : "duplicate", -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, i == 0 ? 1 : i);
        sqlite3_bind_int64(s, 4, (sqlite3_int64)time(NULL));
        rc = step_done(st, s, err, "journal row");
    }
    return rc;
}

int lk_store_put_prepared(lk_store *st, const lk_record *rec, int warnings,
                          const lk_store_doc *docs, int journal, int *inserted, lk_err *err)
{
    sqlite3_int64 id = 0;
    if (rec->n_agents > LK_RECORD_MAX_AGENTS)
        return lk_err_set(err, LK_EINVAL, "agents: more than %d agents", LK_RECORD_MAX_AGENTS);
    int rc = write_license(st, LK_STMT_LICENSE_INSERT, rec, warnings, &id, err);
    int fresh = id != 0;
    if (rc == 0 && !fresh)
        rc = write_license(st, LK_STMT_LICENSE_UPDATE, rec, warnings, &id, err);
    if (rc == 0 && id == 0)
        rc = lk_err_set(err, LK_EDB, "license row vanished during update");
    if (rc == 0)
        rc = write_collectors(st, id, fresh, rec, docs, err);
    if (rc == 0 && journal)
        rc = add_print_jobs(st, id, rec->duplicates, err);
    if (rc == 0 && inserted)
        *inserted = fresh;
    return rc;
}

int lk_store_put_record(lk_store *st, const lk_record *rec, int warnings, int *inserted,
                        lk_err *err)
{
    lk_store_doc docs[LK_RECORD_MAX_AGENTS + 1];
    if (rec->n_agents > LK_RECORD_MAX_AGENTS)
        return lk_err_set(err, LK_EINVAL, "agents: more than %d agents", LK_RECORD_MAX_AGENTS);
    int rc = lk_store_prepare_docs(lk_store_pii(st), rec, docs, err);
    if (rc == 0)
        rc = lk_store_put_prepared(st, rec, warnings, docs, 1, inserted, err);
    OPENSSL_cleanse(docs, sizeof docs);
    return rc;
}

static char *col_dup(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? strdup((const char *)t) : NULL;
}

static void fill_license(sqlite3_stmt *s, lk_record *r)
{
    char **fields[] = {&r->uscc,    &r->name,        &r->entity_type, &r->type_name,  &r->scope,
                       &r->capital, &r->composition, &r->established, &r->term_from,  &r->term_to,
                       &r->address, &r->authority,   &r->registered,  &r->qr_payload, &r->status};
    for (int i = 0; i < (int)(sizeof fields / sizeof fields[0]); i++)
        *fields[i] = col_dup(s, i + 1);
    r->duplicates = sqlite3_column_int(s, 16);
}

static void fill_person(sqlite3_stmt *s, lk_person *p)
{
    p->role = col_dup(s, 1);
    p->name = col_dup(s, 2);
    p->doc_type = col_dup(s, 3);
    p->doc_masked = col_dup(s, 4);
}

static int read_collectors(lk_store *st, sqlite3_int64 id, lk_record *r, lk_err *err)
{
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_COLLECTORS_GET, err);
    if (!s)
        return LK_EDB;
    sqlite3_bind_int64(s, 1, id);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (strcmp((const char *)sqlite3_column_text(s, 0), "holder") == 0) {
            fill_person(s, &r->holder);
            continue;
        }
        lk_person *grown = realloc(r->agents, (r->n_agents + 1) * sizeof *grown);
        if (!grown) {
            sqlite3_reset(s);
            return lk_err_set(err, LK_ENOMEM, "out of memory");
        }
        r->agents = grown;
        memset(&r->agents[r->n_agents], 0, sizeof *grown);
        fill_person(s, &r->agents[r->n_agents++]);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "read collectors");
}

int lk_store_get_record(lk_store *st, const char *uscc, lk_record **out, lk_err *err)
{
    *out = NULL;
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_LICENSE_GET, err);
    if (!s)
        return LK_EDB;
    sqlite3_bind_text(s, 1, uscc, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(s);
        return rc == SQLITE_DONE ? lk_err_set(err, LK_ENOENT, "no license with that code")
                                 : lk_store_sql_err(st, err, "read license");
    }
    lk_record *r = calloc(1, sizeof *r);
    if (!r) {
        sqlite3_reset(s);
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    }
    sqlite3_int64 id = sqlite3_column_int64(s, 0);
    fill_license(s, r);
    sqlite3_reset(s);
    if ((rc = read_collectors(st, id, r, err)) != 0) {
        lk_record_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

static const char *col_text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? (const char *)t : NULL;
}

int lk_store_find_by_doc(lk_store *st, const char *doc_type, const char *number,
                         lk_store_match_cb cb, void *ctx, lk_err *err)
{
    uint8_t mac[LK_PII_MAC_LEN];
    if (lk_pii_doc_mac(lk_store_pii(st), doc_type, number, mac) != 0)
        return lk_err_set(err, LK_EINVAL, "document number too long");
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_FIND_BY_DOC, err);
    if (!s)
        return LK_EDB;
    sqlite3_bind_blob(s, 1, mac, sizeof mac, SQLITE_TRANSIENT);
    int rc, n = 0, stop = 0;
    while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        lk_store_match m = {
            .uscc = col_text(s, 0),
            .name = col_text(s, 1),
            .entity_type = col_text(s, 2),
            .type_name = col_text(s, 3),
            .as_role = col_text(s, 4),
            .role = col_text(s, 5),
            .person = col_text(s, 6),
            .doc_masked = col_text(s, 7),
            .duplicates = sqlite3_column_int(s, 8),
        };
        n++;
        stop = cb ? cb(ctx, &m) : 0;
    }
    sqlite3_reset(s);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? n : lk_store_sql_err(st, err, "find");
}
