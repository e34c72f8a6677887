/* lk_audit: the append-only audit log. Each row carries an HMAC (under the kiosk secret) over
 * its own content and the previous row's MAC, and the head of the chain is kept apart, so any
 * edit, deletion, insertion or reordering of rows is found by lk_audit_verify. */
#ifndef LK_KIOSK_LK_AUDIT_H
#define LK_KIOSK_LK_AUDIT_H

#include <stdint.h>

#include "kiosk/lk_store.h"

/* Appends one row. `detail_json` is a JSON object (may be NULL) and must hold no plain identity
 * number. Joins the caller's transaction when one is open. */
int lk_audit_append(lk_store *st, const char *actor, const char *event, const char *detail_json,
                    lk_err *err);

typedef struct lk_audit_verdict {
    int64_t rows;    /* rows checked */
    int64_t bad_seq; /* first bad row's sequence number, 0 when none */
    char reason[160];
} lk_audit_verdict;

/* Walks the chain. Returns 0 when intact, LK_ECORRUPT (with v->bad_seq, v->reason) otherwise. */
int lk_audit_verify(lk_store *st, lk_audit_verdict *v, lk_err *err);

/* Calls cb for each row from seq `after`+1 on, at most `limit` rows (0 = all). */
typedef int (*lk_audit_row_cb)(void *ctx, int64_t seq, int64_t ts, const char *actor,
                               const char *event, const char *detail_json);
int lk_audit_list(lk_store *st, int64_t after, int64_t limit, lk_audit_row_cb cb, void *ctx,
                  lk_err *err);

#endif
