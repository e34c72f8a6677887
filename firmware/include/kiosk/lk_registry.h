/* lk_registry: the kiosk's link to the market-regulation registration system
 * (docs/registry-api.md): pulling the change feed into the local store, the session-time live
 * lookup that never waits longer than its budget before answering from the local copy, the
 * revocation gate every print passes, and the queue of print reports delivered exactly once.
 *
 * Threads: an lk_registry handle and the lk_store it is used with belong to one thread at a
 * time. The kiosk runs lk_registry_lookup on a worker with its own store connection, and the
 * background sync on lk_registry_worker (its own thread, its own connection); SQLite's WAL lets
 * them share the database file. */
#ifndef LK_KIOSK_LK_REGISTRY_H
#define LK_KIOSK_LK_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_store.h"

typedef struct lk_registry lk_registry;

#define LK_REGISTRY_LOOKUP_HASH_LEN 32
#define LK_REGISTRY_LOOKUP_KEY_LEN  32
#define LK_REGISTRY_CURSOR_MAX      128
#define LK_REGISTRY_IDEM_KEY_LEN    32 /* hex characters */
/* registry.budget_ms's range, the same in lk_config (which refuses a value outside it) and
 * here (which refuses a planted one); the session reads the key with the same bounds. */
#define LK_REGISTRY_BUDGET_MIN_MS 100
#define LK_REGISTRY_BUDGET_MAX_MS 60000

/* Reads registry.* from the store's configuration, loads the kiosk's signing key and the lookup
 * key. LK_ECONFIG when registry.url is empty (no registry: the store alone answers) or a key is
 * missing or unreadable. `actor` is written into audit rows; `today` is YYYYMMDD for record
 * validation (0: the clock). */
int lk_registry_open(lk_store *st, const char *actor, int today, lk_registry **out, lk_err *err);
void lk_registry_close(lk_registry *reg);

typedef struct lk_registry_sync_stats {
    long pages;             /* pages applied */
    long upserts;           /* new approvals and changed records */
    long inserted;          /* of which licenses new to this kiosk */
    long revocations;       /* revocations applied (feed entries and revoked records) */
    long reprints;          /* reprint authorisations received */
    long qr_changes;        /* QR payload changes */
    long rejected;          /* feed entries that failed validation (skipped, each audited) */
    long retries;           /* requests repeated after a transient failure */
    long reports_sent;      /* print reports the registry accepted as new */
    long reports_duplicate; /* reports it already had (a repeat after a lost answer) */
    long reports_pending;   /* still queued after this run */
    int full;               /* the run started from an empty cursor */
    int restarted;          /* the registry expired our cursor; the run started over */
    long long elapsed_ms;
    char cursor[LK_REGISTRY_CURSOR_MAX + 1]; /* where the next run continues */
} lk_registry_sync_stats;

/* Pulls every change since the stored cursor, page by page; each page and the cursor after it
 * commit in one transaction, so an interrupted sync resumes where it stopped and never applies a
 * change twice or half. Then delivers queued print reports. `full` restarts from an empty cursor
 * (re-reads everything; nothing is deleted). Audited as registry.sync. */
int lk_registry_sync(lk_registry *reg, lk_store *st, int full, lk_registry_sync_stats *stats,
                     lk_err *err);

typedef struct lk_registry_lookup_info {
    int live;             /* 1: the registry answered within the budget and the store was
                             refreshed from it; 0: answered from the local copy */
    long long elapsed_ms; /* time spent on the network */
    char fallback[256];   /* why the local copy was used (empty when live) */
} lk_registry_lookup_info;

/* Session-time lookup: asks the registry (by the registry lookup hash, never the number) for
 * the licenses this document may collect, within registry.budget_ms all retries included and
 * the local answer too (the network gets the budget less LK_REGISTRY_LOCAL_RESERVE_MS);
 * stores what it answers (revocations included), then calls cb for each approved, unrevoked
 * license from the local store, exactly like lk_store_find_by_doc. On timeout, network or
 * protocol failure it answers from the local store and appends a registry.fallback audit row.
 * reg NULL (no registry configured) answers locally without auditing. Returns the number of
 * matches or a negative code (only for local-store failures). */
int lk_registry_lookup(lk_registry *reg, lk_store *st, const char *doc_type, const char *number,
                       lk_store_match_cb cb, void *ctx, lk_registry_lookup_info *info, lk_err *err);

/* The revocation gate: 0 when the license may be printed now, LK_ECANCELED when it is revoked
 * (by its status or by a registry revocation, whatever a session cached), LK_ENOENT when the
 * store does not know it. The print journal calls this right before it submits a copy; the
 * store also refuses to move a revoked license's journal row out of 'pending'. */
int lk_registry_check_printable(lk_store *st, const char *uscc, lk_err *err);

/* Queues the report of one completed print for delivery to the registry. Call it in the same
 * transaction that marks the journal row printed (it joins an open transaction), so a crash
 * keeps both or neither. The idempotency key is derived from the print itself under the kiosk
 * secret, so enqueuing the same print twice queues it once. `copy` is "original" or
 * "duplicate"; `printed_at` is Unix seconds. Returns 1 when queued, 0 when already queued.
 * key_out (may be NULL) receives the idempotency key (LK_REGISTRY_IDEM_KEY_LEN + 1 bytes). */
int lk_registry_report_enqueue(lk_store *st, const char *uscc, const char *copy, int copy_no,
                               int64_t printed_at, const char *stock_serial, char *key_out,
                               lk_err *err);

/* Delivers queued reports, oldest first, until the queue is empty or the registry is not
 * reachable. A report leaves the queue only when the registry acknowledged its key. */
int lk_registry_report_flush(lk_registry *reg, lk_store *st, lk_registry_sync_stats *stats,
                             lk_err *err);

/* Reports still waiting for delivery. */
int lk_registry_report_pending(lk_store *st, long *count, lk_err *err);

/* Takes (marks used) one unused staff reprint authorisation for this copy. 0 and the
 * authorisation id in auth (at least 65 bytes) when there was one, LK_ENOENT otherwise. */
int lk_registry_reprint_take(lk_store *st, const char *uscc, const char *copy, int copy_no,
                             char *auth, size_t authsz, lk_err *err);

/* 1 when an unused reprint authorisation is waiting for this copy, 0 when none. */
int lk_registry_reprint_waiting(lk_store *st, const char *uscc, const char *copy, int copy_no,
                                lk_err *err);

/* The print journal's hooks (lk_journal_set_hooks) that tie it to the registry: the revocation
 * gate before a copy is reserved, a print report queued in the transaction that completes a
 * copy, and registry reprint authorisations taken through the journal's reprint path. Static;
 * the composition root wires it with lk_journal_set_hooks(st, lk_registry_journal_hooks()). */
struct lk_journal_hooks;
const struct lk_journal_hooks *lk_registry_journal_hooks(void);

/* The registry lookup hash of a document: HMAC-SHA-256 under the deployment's lookup key over
 * "lk-registry-lookup-v1:" doc_type ":" NUMBER (blanks trimmed, ASCII upper-cased). */
int lk_registry_lookup_hash(const uint8_t key[LK_REGISTRY_LOOKUP_KEY_LEN], const char *doc_type,
                            const char *number, uint8_t out[LK_REGISTRY_LOOKUP_HASH_LEN]);

/* The wait before retry `attempt` (0 for the first retry): "full jitter", uniform in
 * [0, min(cap_ms, base_ms * 2^attempt)] drawn from rnd (NULL: OpenSSL's RAND_bytes), and never
 * less than floor_ms (the server's Retry-After; -1 none). The client uses base 200 ms, cap 8 s;
 * a wait that would overrun a deadline is not waited (the call ends instead). */
typedef uint32_t (*lk_registry_rand_fn)(void *ctx);
long long lk_registry_backoff_ms(int attempt, long long base_ms, long long cap_ms,
                                 long long floor_ms, lk_registry_rand_fn rnd, void *rnd_ctx);

/* The share of registry.budget_ms a session lookup keeps for its local answer (the store
 * query and the audit row) after the network part: a fifth of the budget, at most this. */
#define LK_REGISTRY_LOCAL_RESERVE_MS 250

/* Background sync: a thread with its own store connection that syncs every
 * registry.sync_interval_min minutes (re-read each round; 0 pauses), once right at start and on
 * lk_registry_worker_kick, and signals each finished round on a file descriptor the kiosk's
 * main loop polls. */
typedef struct lk_registry_worker lk_registry_worker;

int lk_registry_worker_start(const char *db_path, const char *secret_path, const char *actor,
                             lk_registry_worker **out, lk_err *err);
/* The same with a fixed period in milliseconds instead of registry.sync_interval_min
 * (interval_ms 0: the configuration, as lk_registry_worker_start). */
int lk_registry_worker_start_every(const char *db_path, const char *secret_path, const char *actor,
                                   long long interval_ms, lk_registry_worker **out, lk_err *err);
/* Readable after each finished round; lk_registry_worker_result drains it. */
int lk_registry_worker_fd(const lk_registry_worker *w);
/* Asks for a round now (non-blocking). */
void lk_registry_worker_kick(lk_registry_worker *w);
/* The last finished round: its code (0 or negative) and stats; rounds counts them. */
int lk_registry_worker_result(lk_registry_worker *w, lk_registry_sync_stats *stats, long *rounds,
                              lk_err *err);
/* Stops the thread (waits for a round in progress to end) and frees w. */
void lk_registry_worker_stop(lk_registry_worker *w);

#endif
