/* lk_store: the kiosk's SQLite database: schema and migrations, licenses and the people who may
 * collect them, the print journal, audit log, configuration and counters all live in one file.
 * WAL mode, foreign keys on, every statement prepared with bound parameters.
 *
 * A store is used from one thread at a time. Sibling modules (lk_import, lk_audit, lk_config,
 * lk_counter, the print journal) reach the connection through lk_store_db(). */
#ifndef LK_KIOSK_LK_STORE_H
#define LK_KIOSK_LK_STORE_H

#include <stdint.h>

#include "kiosk/lk_err.h"
#include "kiosk/lk_pii.h"
#include "kiosk/lk_record.h"

typedef struct lk_store lk_store;
typedef struct sqlite3 sqlite3;

/* The schema version this build migrates to (PRAGMA user_version). */
#define LK_STORE_SCHEMA_VERSION 5

/* Picks the database path: the command line's --db, else $LK_DB (passed in by main), else the
 * built-in default. Returns a pointer to one of its arguments or to static storage. */
const char *lk_store_pick_path(const char *cli_db, const char *env_db);

/* Opens (creating if needed) and migrates the database. secret_path NULL means
 * "<db_path>.secret". A database newer than this build is refused with LK_EVERSION. */
int lk_store_open(const char *db_path, const char *secret_path, lk_store **out, lk_err *err);
void lk_store_close(lk_store *st);

sqlite3 *lk_store_db(lk_store *st);
const lk_pii *lk_store_pii(const lk_store *st);

/* The print journal's hooks (lk_journal_set_hooks) ride on the connection its transactions run
 * on, so every journal path (the kiosk, kioskctl, reconciliation) sees what the composition
 * root wired in without the journal linking the subsystems it reports to. NULL: none. */
struct lk_journal_hooks;
void lk_store_set_journal_hooks(lk_store *st, const struct lk_journal_hooks *h);
const struct lk_journal_hooks *lk_store_journal_hooks(const lk_store *st);

/* Fills err from the connection's last SQLite error, prefixed with `what`; returns LK_EDB. */
int lk_store_sql_err(lk_store *st, lk_err *err, const char *what);

/* Transactions. begin is BEGIN IMMEDIATE: a writer waits for the lock up front. */
int lk_store_begin(lk_store *st, lk_err *err);
int lk_store_commit(lk_store *st, lk_err *err);
void lk_store_rollback(lk_store *st);

/* Inserts or updates a validated record, keyed by USCC, with its collectors (replaced) and one
 * pending print-journal row per printable copy (正本 1, 副本 1..duplicates; rows that exist are
 * kept). Call inside a transaction. *inserted (may be NULL) says whether the USCC was new.
 * `warnings` are lk_record_warning bits to remember with the row. */
int lk_store_put_record(lk_store *st, const lk_record *rec, int warnings, int *inserted,
                        lk_err *err);

/* Reads one record back; collectors come with doc_masked and doc_number NULL.
 * LK_ENOENT when the USCC is unknown. */
int lk_store_get_record(lk_store *st, const char *uscc, lk_record **out, lk_err *err);

/* One license a person may collect. Strings are valid only during the callback. */
typedef struct lk_store_match {
    const char *uscc;
    const char *name;
    const char *entity_type;
    const char *type_name;
    const char *as_role; /* "holder" or "agent" */
    const char *role;    /* the printed role label, e.g. 法定代表人 */
    const char *person;  /* the collector's name */
    const char *doc_masked;
    int duplicates;
} lk_store_match;

/* Return non-zero from the callback to stop early; that value is returned by find. */
typedef int (*lk_store_match_cb)(void *ctx, const lk_store_match *m);

/* Calls cb for each approved license the holder of this document may collect, ordered by
 * USCC. Returns the number of matches, or a negative code. */
int lk_store_find_by_doc(lk_store *st, const char *doc_type, const char *number,
                         lk_store_match_cb cb, void *ctx, lk_err *err);

#endif
