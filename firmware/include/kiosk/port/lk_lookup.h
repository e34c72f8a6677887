/* License lookup port of the session (lk_lookup): who answers "which licenses may the holder of
 * this document collect" when something other than the local store is asked first (the
 * registration system's live lookup, by a keyed hash of the document, never its number). The
 * adapter owns its own store connection: find() runs on a worker and blocks, but never longer
 * than the budget it was configured with, and answers from the local copy when the network
 * does not (noting the fallback in the audit log itself). Without an lk_lookup the session asks
 * the local store directly: that is the embedded default.
 *
 * printable() is the revocation gate the session asks, on the loop thread with the session's
 * own store, before it shows a license's preview and before each copy is printed, and again
 * when the records changed under it (a sync round applied revocations). */
#ifndef LK_KIOSK_PORT_LK_LOOKUP_H
#define LK_KIOSK_PORT_LK_LOOKUP_H

#include "kiosk/lk_err.h"
#include "kiosk/lk_store.h"

typedef struct lk_lookup lk_lookup;

typedef struct lk_lookup_info {
    int live;             /* 1: the remote side answered (and the store was refreshed from it) */
    long long elapsed_ms; /* time spent asking it */
    char fallback[256];   /* why the local copy answered (empty when live); no personal data */
} lk_lookup_info;

typedef struct lk_lookup_ops {
    /* Calls cb for each approved, unrevoked license this document may collect, exactly like
     * lk_store_find_by_doc (the callback runs on the worker). Returns the number of matches or
     * a negative code (only when not even the local copy could answer). */
    int (*find)(lk_lookup *l, const char *doc_type, const char *number, lk_store_match_cb cb,
                void *ctx, lk_lookup_info *info, lk_err *err);
    /* 0 when the license may be printed now, LK_ECANCELED when it is revoked, LK_ENOENT when
     * the store does not know it. A quick local query on st (the caller's connection). */
    int (*printable)(lk_lookup *l, lk_store *st, const char *uscc, lk_err *err);
} lk_lookup_ops;

struct lk_lookup {
    const lk_lookup_ops *ops;
};

#endif
