/* lk_store_int: what the store's own modules (store, import, audit, config, counter) share and
 * nothing else may see: the prepared-statement cache. */
#ifndef LK_FIRMWARE_STORE_LK_STORE_INT_H
#define LK_FIRMWARE_STORE_LK_STORE_INT_H

#include <sqlite3.h>

#include "kiosk/lk_store.h"

/* Every statement the store runs, prepared once per connection and reset after each use. */
enum lk_stmt {
    LK_STMT_LICENSE_INSERT,
    LK_STMT_LICENSE_UPDATE,
    LK_STMT_LICENSE_GET,
    LK_STMT_COLLECTORS_DELETE,
    LK_STMT_COLLECTOR_INSERT,
    LK_STMT_COLLECTORS_GET,
    LK_STMT_PRINT_JOB_INSERT,
    LK_STMT_FIND_BY_DOC,
    LK_STMT_AUDIT_HEAD,
    LK_STMT_AUDIT_INSERT,
    LK_STMT_AUDIT_HEAD_SET,
    LK_STMT_AUDIT_WALK,
    LK_STMT_CONFIG_GET,
    LK_STMT_CONFIG_SET,
    LK_STMT_COUNTER_ADD,
    LK_STMT_COUNTER_GET,
    LK_STMT_COUNTER_LIST,
    LK_STMT_COUNT
};

/* The cached statement, reset and with bindings cleared; NULL (and err filled) on failure. */
sqlite3_stmt *lk_store_stmt(lk_store *st, enum lk_stmt id, lk_err *err);

/* Binds a C string, or NULL, as TEXT at index i. */
int lk_store_bind_text(sqlite3_stmt *s, int i, const char *v);

/* Whether a transaction is open on the connection (so helpers can join it). */
int lk_store_in_tx(lk_store *st);

/* Writes the audit log's first row when the log has none, so a store always has one and a log
 * wiped clean is told apart from a new one. */
int lk_audit_genesis(lk_store *st, lk_err *err);

#endif
