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
    LK_STMT_LICENSE_MACS,
    LK_STMT_LICENSE_GET,
    LK_STMT_DOC_INSERT,
    LK_STMT_DOC_DELETE,
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

/* A collector's document as stored: the keyed hash for lookup and the masked display form.
 * Computed apart from the write so that an import can hash on one thread while another one
 * writes (it only reads the kiosk secret). */
typedef struct lk_store_doc {
    uint8_t mac[LK_PII_MAC_LEN];
    char masked[64];
} lk_store_doc;

/* Hashes and masks the holder into docs[0] and agent i into docs[i + 1]. */
int lk_store_prepare_docs(const lk_pii *pii, const lk_record *rec, lk_store_doc *docs, lk_err *err);

/* lk_store_put_record with docs from lk_store_prepare_docs. With `journal` zero no print-journal
 * rows are added: the bulk import leaves them to the printing side, which reserves a copy's row
 * itself (insert-or-claim) when it prints. */
int lk_store_put_prepared(lk_store *st, const lk_record *rec, int warnings,
                          const lk_store_doc *docs, int journal, int *inserted, lk_err *err);

/* Bulk mode, for an import inside its transaction: lookup entries of new licenses are held
 * back and written sorted by document hash, in runs, instead of one random B-tree seek each.
 * Flush before the transaction commits (and before anything reads collector_docs); end drops
 * whatever is held (after a rollback) and leaves bulk mode. Begin returns 0 or LK_ENOMEM. */
int lk_store_bulk_begin(lk_store *st, lk_err *err);
int lk_store_bulk_flush(lk_store *st, lk_err *err);
void lk_store_bulk_end(lk_store *st);
struct lk_store_bulk **lk_store_bulk_slot(lk_store *st);

/* Sizes the page cache: 0 gives the everyday size (64 MiB), anything else is clamped to
 * 8..256 MiB. */
int lk_store_set_cache(lk_store *st, long kib, lk_err *err);

/* Applies migrations 0..to-1 to a bare, new connection: how tests build a database as an
 * older build left it, to check that it migrates forward. SQLite's result code. */
int lk_store_migrate_raw(sqlite3 *db, int to);

/* Checkpoints while a bulk write runs: SQLite's automatic one would copy the whole WAL into
 * the database file (and fsync both) inside the COMMIT. Held (hold != 0), the commit only
 * appends; lk_store_checkpoint then copies and truncates the WAL, and releasing (hold == 0)
 * restores the automatic checkpoint, which would also finish a skipped one at the next
 * commit. */
int lk_store_hold_checkpoints(lk_store *st, int hold, lk_err *err);
int lk_store_checkpoint(lk_store *st, lk_err *err);

/* Whether a transaction is open on the connection (so helpers can join it). */
int lk_store_in_tx(lk_store *st);

/* Writes the audit log's first row when the log has none, so a store always has one and a log
 * wiped clean is told apart from a new one. */
int lk_audit_genesis(lk_store *st, lk_err *err);

#endif
