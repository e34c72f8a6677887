/* lk_store: the kiosk database: opening and migrating it, and the statement cache shared by
 * the store's modules.
 *
 * Durability: WAL with synchronous=NORMAL. A transaction is atomic either way; NORMAL may lose
 * the last commits on power loss but never corrupts or half-applies one, and the print
 * journal's exactly-once rule rests on atomicity, not on the last millisecond. */
#include "lk_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LK_DEFAULT_DB
#define LK_DEFAULT_DB "/var/lib/licensekiosk/kiosk.db"
#endif

/* Page cache, in KiB, for everyday use; an import may ask for more (lk_store_set_cache). */
#define LK_STORE_CACHE_KIB     65536
#define LK_STORE_MIN_CACHE_KIB 8192
#define LK_STORE_MAX_CACHE_KIB 262144

struct lk_store {
    sqlite3 *db;
    lk_pii *pii;
    sqlite3_stmt *stmt[LK_STMT_COUNT];
    const struct lk_journal_hooks *journal_hooks;
    struct lk_store_bulk *bulk; /* lk_store_records: lookup entries an import holds back */
};

/* Migrations, in order: entry i takes user_version i to i+1. Never edit a shipped entry;
 * append a new one. */
static const char *const migrations[] = {
    /* 0 -> 1: the foundation schema. */
    "CREATE TABLE licenses ("
    " id INTEGER PRIMARY KEY, uscc TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    " entity_type TEXT NOT NULL, type_name TEXT, holder_role TEXT NOT NULL,"
    " holder_name TEXT NOT NULL, scope TEXT NOT NULL, capital TEXT, composition TEXT,"
    " established TEXT NOT NULL, term_from TEXT, term_to TEXT, address TEXT NOT NULL,"
    " authority TEXT NOT NULL, registered TEXT NOT NULL, qr_payload TEXT,"
    " status TEXT NOT NULL CHECK (status IN ('approved','revoked')),"
    " duplicates INTEGER NOT NULL CHECK (duplicates >= 0),"
    " legacy_uscc INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL);"
    /* Key columns first: SQLite 3.40-3.41's integrity_check misreports WITHOUT ROWID tables
     * whose primary-key columns are not leading, and Debian 12 ships 3.40. */
    "CREATE TABLE collectors ("
    " license_id INTEGER NOT NULL REFERENCES licenses(id) ON DELETE CASCADE,"
    " position INTEGER NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('holder','agent')), role TEXT NOT NULL,"
    " name TEXT NOT NULL, doc_type TEXT NOT NULL, doc_mac BLOB NOT NULL,"
    " doc_masked TEXT NOT NULL, PRIMARY KEY (license_id, position)) WITHOUT ROWID;"
    "CREATE INDEX collectors_by_doc ON collectors(doc_mac);"
    "CREATE TABLE print_jobs ("
    " id INTEGER PRIMARY KEY, license_id INTEGER NOT NULL REFERENCES licenses(id),"
    " copy TEXT NOT NULL CHECK (copy IN ('original','duplicate')),"
    " copy_no INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'pending', cups_job_id INTEGER,"
    " stock_serial TEXT, reason TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    " UNIQUE (license_id, copy, copy_no));"
    "CREATE TABLE audit ("
    " seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, actor TEXT NOT NULL, event TEXT NOT NULL,"
    " detail TEXT, prev_mac BLOB NOT NULL, mac BLOB NOT NULL);"
    "CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,"
    " mac BLOB NOT NULL, tag BLOB NOT NULL);"
    /* A guard against honest mistakes; deliberate edits of the file are what verify is for. */
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;"
    "CREATE TABLE config (key TEXT NOT NULL, version INTEGER NOT NULL, value TEXT NOT NULL,"
    " actor TEXT NOT NULL, set_at INTEGER NOT NULL, PRIMARY KEY (key, version));"
    "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;",
    /* The print journal's attempts and the paper stock ledger (lk_journal, lk_stock). A row
     * of print_jobs is one printable copy; `attempt` counts submissions of it, and job_name
     * ("lk-<id>-<attempt>") is how reconciliation finds a job the kiosk died before recording.
     * Rows may be created at import or at first reservation (insert-or-claim). */
    "ALTER TABLE print_jobs ADD COLUMN mode TEXT;"
    "ALTER TABLE print_jobs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE print_jobs ADD COLUMN job_name TEXT;"
    "ALTER TABLE print_jobs ADD COLUMN printer TEXT;"
    "ALTER TABLE print_jobs ADD COLUMN deadline_at INTEGER;"
    "ALTER TABLE print_jobs ADD COLUMN prints INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE print_jobs ADD COLUMN reprints INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX print_jobs_by_state ON print_jobs(state);"
    "CREATE TABLE stock_stacks ("
    " id INTEGER PRIMARY KEY, tray TEXT NOT NULL,"
    " media TEXT NOT NULL CHECK (media IN ('a3','a4')), prefix TEXT, first_no INTEGER,"
    " width INTEGER, count INTEGER NOT NULL CHECK (count > 0), used INTEGER NOT NULL DEFAULT 0,"
    " loaded_at INTEGER NOT NULL, actor TEXT NOT NULL, closed_at INTEGER);"
    "CREATE TABLE stock_sheets ("
    " id INTEGER PRIMARY KEY, stack_id INTEGER NOT NULL REFERENCES stock_stacks(id),"
    " idx INTEGER NOT NULL, serial TEXT,"
    " state TEXT NOT NULL CHECK (state IN ('printed','voided')),"
    " print_job_id INTEGER REFERENCES print_jobs(id), reason TEXT, at INTEGER NOT NULL,"
    " UNIQUE (stack_id, idx));",
    /* bundle branch (issue 7): per-day counters, applied bundles, the diagnostics lockout.
     * Triggers keep counter_days in step with every lk_counter_add, so no caller has to know
     * about days; the day is the kiosk's local date, as a technician reads it. */
    "CREATE TABLE counter_days (day TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL,"
    " PRIMARY KEY (day, name)) WITHOUT ROWID;"
    "CREATE TRIGGER counters_day_insert AFTER INSERT ON counters BEGIN"
    " INSERT INTO counter_days (day, name, value) VALUES (date('now', 'localtime'), NEW.name,"
    " NEW.value) ON CONFLICT (day, name) DO UPDATE SET value = value + excluded.value; END;"
    "CREATE TRIGGER counters_day_update AFTER UPDATE OF value ON counters BEGIN"
    " INSERT INTO counter_days (day, name, value) VALUES (date('now', 'localtime'), NEW.name,"
    " NEW.value - OLD.value) ON CONFLICT (day, name) DO UPDATE SET value = value +"
    " excluded.value; END;"
    "CREATE TABLE bundles_applied (version INTEGER PRIMARY KEY, manifest_sha256 TEXT NOT NULL,"
    " created TEXT NOT NULL, applied_at INTEGER NOT NULL, actor TEXT NOT NULL);"
    "CREATE TABLE service_lock (id INTEGER PRIMARY KEY CHECK (id = 1),"
    " failures INTEGER NOT NULL, locked_until INTEGER NOT NULL);",
    /* registry sync (firmware/registry): the change-feed cursor, revocations that every write
     * path must respect, staff-authorised reprints, and the outbound print-report queue. */
    "CREATE TABLE registry_state (id INTEGER PRIMARY KEY CHECK (id = 1),"
    " cursor TEXT NOT NULL DEFAULT '', last_sync_at INTEGER, last_full_at INTEGER);"
    "INSERT INTO registry_state (id) VALUES (1);"
    "CREATE TABLE registry_revocations (uscc TEXT PRIMARY KEY, revoked_at INTEGER NOT NULL,"
    " reason TEXT) WITHOUT ROWID;"
    /* A revocation outlives any stale copy: an import file or feed record that still says
     * 'approved' cannot bring a revoked license back; only the registry lifting the
     * revocation (deleting the row) can. */
    "CREATE TRIGGER registry_revoked_insert AFTER INSERT ON licenses WHEN NEW.status = 'approved'"
    " AND EXISTS (SELECT 1 FROM registry_revocations r WHERE r.uscc = NEW.uscc)"
    " BEGIN UPDATE licenses SET status = 'revoked' WHERE id = NEW.id; END;"
    "CREATE TRIGGER registry_revoked_update AFTER UPDATE OF status ON licenses"
    " WHEN NEW.status = 'approved'"
    " AND EXISTS (SELECT 1 FROM registry_revocations r WHERE r.uscc = NEW.uscc)"
    " BEGIN UPDATE licenses SET status = 'revoked' WHERE id = NEW.id; END;"
    "CREATE TRIGGER registry_revoke_apply AFTER INSERT ON registry_revocations"
    " BEGIN UPDATE licenses SET status = 'revoked' WHERE uscc = NEW.uscc; END;"
    /* The journal cannot start a copy of a revoked license, whatever a session cached: a copy
     * not in flight (lk_journal's pending or failed) never moves on to reserved. A copy
     * already submitted may still finish: its sheet may be out. */
    "CREATE TRIGGER registry_revoked_no_print BEFORE UPDATE OF state ON print_jobs"
    " WHEN OLD.state IN ('pending','failed') AND NEW.state NOT IN ('pending','failed')"
    " AND (SELECT status FROM licenses WHERE id = NEW.license_id) = 'revoked'"
    " BEGIN SELECT RAISE(ABORT, 'license revoked'); END;"
    /* The journal may create a row at reservation (import no longer does): same rule. */
    "CREATE TRIGGER registry_revoked_no_print_insert BEFORE INSERT ON print_jobs"
    " WHEN NEW.state NOT IN ('pending','failed')"
    " AND (SELECT status FROM licenses WHERE id = NEW.license_id) = 'revoked'"
    " BEGIN SELECT RAISE(ABORT, 'license revoked'); END;"
    "CREATE TABLE registry_reprints (authorisation TEXT PRIMARY KEY, uscc TEXT NOT NULL,"
    " copy TEXT NOT NULL CHECK (copy IN ('original','duplicate')), copy_no INTEGER NOT NULL,"
    " authorised_at INTEGER NOT NULL, used_at INTEGER) WITHOUT ROWID;"
    "CREATE INDEX registry_reprints_by_copy ON registry_reprints(uscc, copy, copy_no);"
    "CREATE TABLE registry_reports (id INTEGER PRIMARY KEY, idem_key TEXT NOT NULL UNIQUE,"
    " uscc TEXT NOT NULL, copy TEXT NOT NULL, copy_no INTEGER NOT NULL,"
    " printed_at INTEGER NOT NULL, stock_serial TEXT,"
    " state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','delivered','rejected')),"
    " attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, created_at INTEGER NOT NULL,"
    " delivered_at INTEGER);"
    "CREATE INDEX registry_reports_pending ON registry_reports(state, id);",
    /* 4 -> 5: the import's write cost (issue 2). A collector was a 2-index row with a foreign
     * key (four B-tree seeks each) and every license insert ran a trigger program; both made
     * SQLite keep a statement journal, which copied a 16 KiB page to a temp file per statement.
     * Now the lookup is a narrow covering table, (document hash, license, position), the
     * display fields of the collectors live in the license row (`collectors`: role, name,
     * doc_type, doc_masked joined by US (0x1f), people by RS (0x1e), holder first; validation
     * rejects control characters in those fields) and the row keeps its collectors' hashes
     * (`collector_macs`, 32 bytes each, in position order) so an update can remove exactly
     * their lookup entries by primary key. Licenses are never deleted, so no cascade is lost.
     * The insert trigger goes: the store's one INSERT statement, the only writer of new
     * license rows (import, lk_store_put_record, registry feed), applies a revocation itself;
     * the update trigger, which guards every UPDATE, stays. */
    "CREATE TABLE collector_docs (doc_mac BLOB NOT NULL, license_id INTEGER NOT NULL,"
    " position INTEGER NOT NULL, PRIMARY KEY (doc_mac, license_id, position)) WITHOUT ROWID;"
    "ALTER TABLE licenses ADD COLUMN collectors TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE licenses ADD COLUMN collector_macs BLOB;"
    "INSERT INTO collector_docs (doc_mac, license_id, position)"
    " SELECT doc_mac, license_id, position FROM collectors;"
    "UPDATE licenses SET"
    " collectors = COALESCE((SELECT group_concat(e, char(30)) FROM (SELECT role || char(31) ||"
    " name || char(31) || doc_type || char(31) || doc_masked AS e FROM collectors c"
    " WHERE c.license_id = licenses.id ORDER BY c.position)), ''),"
    " collector_macs = (SELECT CAST(group_concat(m, '') AS BLOB) FROM (SELECT doc_mac AS m"
    " FROM collectors c WHERE c.license_id = licenses.id ORDER BY c.position));"
    "DROP TABLE collectors;"
    "DROP TRIGGER registry_revoked_insert;",
};
#define N_MIGRATIONS (sizeof migrations / sizeof migrations[0])
_Static_assert(N_MIGRATIONS == LK_STORE_SCHEMA_VERSION, "one migration per schema version");

static const char *const stmt_sql[LK_STMT_COUNT] = {
    /* Insert first: in a bulk import almost every record is new, and a conflict (already
     * known) falls through to LICENSE_UPDATE. No RETURNING: SQLite 3.40 runs it through an
     * ephemeral table, a third of the statement's cost; sqlite3_changes() and
     * sqlite3_last_insert_rowid() say the same for one row. */
    /* The status expression is the revocation rule of migration 4's former insert trigger:
     * a stale 'approved' cannot bring a revoked license back. */
    [LK_STMT_LICENSE_INSERT] =
        "INSERT INTO licenses (uscc, name, entity_type, type_name, holder_role, holder_name,"
        " scope, capital, composition, established, term_from, term_to, address, authority,"
        " registered, qr_payload, status, duplicates, legacy_uscc, updated_at, collectors,"
        " collector_macs)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,"
        " CASE WHEN ?17 = 'approved' AND EXISTS (SELECT 1 FROM registry_revocations r"
        " WHERE r.uscc = ?1) THEN 'revoked' ELSE ?17 END,?18,?19,?20,?21,?22)"
        " ON CONFLICT (uscc) DO NOTHING",
    [LK_STMT_LICENSE_UPDATE] =
        "UPDATE licenses SET name=?2, entity_type=?3, type_name=?4,"
        " holder_role=?5, holder_name=?6, scope=?7, capital=?8, composition=?9,"
        " established=?10, term_from=?11, term_to=?12, address=?13, authority=?14,"
        " registered=?15, qr_payload=?16, status=?17, duplicates=?18, legacy_uscc=?19,"
        " updated_at=?20, collectors=?21, collector_macs=?22 WHERE uscc = ?1",
    [LK_STMT_LICENSE_MACS] = "SELECT id, collector_macs FROM licenses WHERE uscc = ?1",
    [LK_STMT_LICENSE_GET] =
        "SELECT id, uscc, name, entity_type, type_name, scope, capital, composition,"
        " established, term_from, term_to, address, authority, registered, qr_payload, status,"
        " duplicates, collectors FROM licenses WHERE uscc = ?1",
    /* DO NOTHING rather than a plain insert: a statement that cannot abort needs no statement
     * journal. The key includes the position, so a real conflict means the entry is there. */
    [LK_STMT_DOC_INSERT] = "INSERT INTO collector_docs (doc_mac, license_id, position)"
                           " VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    [LK_STMT_DOC_DELETE] = "DELETE FROM collector_docs WHERE doc_mac = ?1 AND license_id = ?2",
    [LK_STMT_PRINT_JOB_INSERT] =
        "INSERT OR IGNORE INTO print_jobs (license_id, copy, copy_no, created_at, updated_at)"
        " VALUES (?1, ?2, ?3, ?4, ?4)",
    [LK_STMT_FIND_BY_DOC] =
        "SELECT l.uscc, l.name, l.entity_type, l.type_name, d.position, l.collectors,"
        " l.duplicates FROM collector_docs d JOIN licenses l ON l.id = d.license_id"
        " WHERE d.doc_mac = ?1 AND l.status = 'approved' ORDER BY l.uscc, d.position",
    [LK_STMT_AUDIT_HEAD] = "SELECT seq, mac, tag FROM audit_head WHERE id = 1",
    [LK_STMT_AUDIT_INSERT] = "INSERT INTO audit (seq, ts, actor, event, detail, prev_mac, mac)"
                             " VALUES (?1,?2,?3,?4,?5,?6,?7)",
    [LK_STMT_AUDIT_HEAD_SET] = "INSERT INTO audit_head (id, seq, mac, tag) VALUES (1, ?1, ?2, ?3)"
                               " ON CONFLICT (id) DO UPDATE SET seq = ?1, mac = ?2, tag = ?3",
    [LK_STMT_AUDIT_WALK] = "SELECT seq, ts, actor, event, detail, prev_mac, mac FROM audit"
                           " WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    [LK_STMT_CONFIG_GET] = "SELECT value, version FROM config WHERE key = ?1"
                           " ORDER BY version DESC LIMIT 1",
    [LK_STMT_CONFIG_SET] =
        "INSERT INTO config (key, version, value, actor, set_at) VALUES (?1,"
        " (SELECT COALESCE(MAX(version), 0) + 1 FROM config WHERE key = ?1), ?2, ?3, ?4)"
        " RETURNING version",
    [LK_STMT_COUNTER_ADD] = "INSERT INTO counters (name, value) VALUES (?1, ?2)"
                            " ON CONFLICT (name) DO UPDATE SET value = value + ?2",
    [LK_STMT_COUNTER_GET] = "SELECT value FROM counters WHERE name = ?1",
    [LK_STMT_COUNTER_LIST] = "SELECT name, value FROM counters ORDER BY name",
};

const char *lk_store_pick_path(const char *cli_db, const char *env_db)
{
    if (cli_db && *cli_db)
        return cli_db;
    if (env_db && *env_db)
        return env_db;
    return LK_DEFAULT_DB;
}

sqlite3 *lk_store_db(lk_store *st)
{
    return st->db;
}

void lk_store_set_journal_hooks(lk_store *st, const struct lk_journal_hooks *h)
{
    st->journal_hooks = h;
}

const struct lk_journal_hooks *lk_store_journal_hooks(const lk_store *st)
{
    return st->journal_hooks;
}

struct lk_store_bulk **lk_store_bulk_slot(lk_store *st)
{
    return &st->bulk;
}

const lk_pii *lk_store_pii(const lk_store *st)
{
    return st->pii;
}

int lk_store_sql_err(lk_store *st, lk_err *err, const char *what)
{
    int code = sqlite3_extended_errcode(st->db);
    return lk_err_set_native(err, LK_EDB, LK_ERR_DOMAIN_SQLITE, code, "%s: %s", what,
                             sqlite3_errmsg(st->db));
}

sqlite3_stmt *lk_store_stmt(lk_store *st, enum lk_stmt id, lk_err *err)
{
    sqlite3_stmt *s = st->stmt[id];
    if (!s) {
        if (sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) !=
            SQLITE_OK) {
            lk_store_sql_err(st, err, "prepare");
            return NULL;
        }
        st->stmt[id] = s;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

int lk_store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(s, i);
}

int lk_store_in_tx(lk_store *st)
{
    return !sqlite3_get_autocommit(st->db);
}

static int exec(lk_store *st, const char *sql, lk_err *err)
{
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return lk_store_sql_err(st, err, "database");
    return 0;
}

int lk_store_begin(lk_store *st, lk_err *err)
{
    return exec(st, "BEGIN IMMEDIATE", err);
}

int lk_store_commit(lk_store *st, lk_err *err)
{
    return exec(st, "COMMIT", err);
}

int lk_store_hold_checkpoints(lk_store *st, int hold, lk_err *err)
{
    return exec(st, hold ? "PRAGMA wal_autocheckpoint = 0" : "PRAGMA wal_autocheckpoint = 1000",
                err);
}

int lk_store_checkpoint(lk_store *st, lk_err *err)
{
    int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    /* A reader still on an older snapshot makes it BUSY: what it could copy is copied, and the
     * rest goes with the next automatic checkpoint. */
    return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : lk_store_sql_err(st, err, "checkpoint");
}

void lk_store_rollback(lk_store *st)
{
    if (lk_store_in_tx(st))
        (void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static int user_version(lk_store *st, int *v, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return lk_store_sql_err(st, err, "read schema version");
    }
    *v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return 0;
}

/* Each step runs in its own transaction with its version bump, so a crash mid-migration
 * leaves the previous version intact and the next start simply tries again. */
static int migrate(lk_store *st, lk_err *err)
{
    int v = 0, rc = user_version(st, &v, err);
    if (rc != 0)
        return rc;
    if (v > (int)N_MIGRATIONS)
        return lk_err_set(err, LK_EVERSION,
                          "database schema version %d is newer than this build (%d)", v,
                          (int)N_MIGRATIONS);
    for (; v < (int)N_MIGRATIONS; v++) {
        char bump[48];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
        if ((rc = lk_store_begin(st, err)) != 0)
            return rc;
        if ((rc = exec(st, migrations[v], err)) != 0 || (rc = exec(st, bump, err)) != 0 ||
            (rc = lk_store_commit(st, err)) != 0) {
            lk_store_rollback(st);
            return rc;
        }
    }
    return 0;
}

int lk_store_migrate_raw(sqlite3 *db, int to)
{
    int rc = SQLITE_OK;
    for (int v = 0; rc == SQLITE_OK && v < to && v < (int)N_MIGRATIONS; v++) {
        char bump[48];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
        if ((rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL)) == SQLITE_OK &&
            (rc = sqlite3_exec(db, migrations[v], NULL, NULL, NULL)) == SQLITE_OK &&
            (rc = sqlite3_exec(db, bump, NULL, NULL, NULL)) == SQLITE_OK)
            rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    return rc;
}

/* page_size only takes effect on a database not yet created (existing files keep theirs).
 * 16 KiB rather than SQLite's 4 KiB: a license row is ~2.1 KB, so 4 KiB pages held one row
 * and a half-empty page each, and an import of a million rows made half a million WAL writes
 * and as many checkpoint copies; indexes get shallower too. */
static int configure(lk_store *st, lk_err *err)
{
    sqlite3_busy_timeout(st->db, 5000);
    int rc = exec(st,
                  "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL;"
                  " PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                  err);
    return rc ? rc : lk_store_set_cache(st, 0, err);
}

int lk_store_set_cache(lk_store *st, long kib, lk_err *err)
{
    char sql[64];
    kib = kib == 0                       ? LK_STORE_CACHE_KIB
          : kib < LK_STORE_MIN_CACHE_KIB ? LK_STORE_MIN_CACHE_KIB
          : kib > LK_STORE_MAX_CACHE_KIB ? LK_STORE_MAX_CACHE_KIB
                                         : kib;
    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%ld", kib);
    return exec(st, sql, err);
}

int lk_store_open(const char *db_path, const char *secret_path, lk_store **out, lk_err *err)
{
    *out = NULL;
    lk_store *st = calloc(1, sizeof *st);
    if (!st)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    char secret[4096];
    if (!secret_path) {
        snprintf(secret, sizeof secret, "%s.secret", db_path);
        secret_path = secret;
    }
    int rc = 0;
    if (sqlite3_open_v2(db_path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK)
        rc = lk_store_sql_err(st, err, "open database");
    else if ((rc = configure(st, err)) == 0 && (rc = migrate(st, err)) == 0 &&
             (rc = lk_pii_open(secret_path, &st->pii, err)) == 0)
        rc = lk_audit_genesis(st, err);
    if (rc != 0) {
        lk_store_close(st);
        return rc;
    }
    *out = st;
    return 0;
}

void lk_store_close(lk_store *st)
{
    if (!st)
        return;
    lk_store_bulk_end(st);
    for (int i = 0; i < LK_STMT_COUNT; i++)
        sqlite3_finalize(st->stmt[i]);
    sqlite3_close(st->db);
    lk_pii_close(st->pii);
    free(st);
}
