/* lk_stock: the paper stock ledger for pre-printed blank license stock (套打). A technician
 * records each stack loaded into a tray (first and last serial number, or only a count where
 * the stock has no serials); every sheet used afterwards is one row: printed (the journal row
 * stores its serial) or voided (spoiled by a jam or an aborted job). Full-page prints on plain
 * paper do not touch the ledger. */
#ifndef LK_KIOSK_LK_STOCK_H
#define LK_KIOSK_LK_STOCK_H

#include <stdint.h>

#include "kiosk/lk_store.h"

/* Sheet media: 正本 stock is A3, 副本 stock A4. */
typedef enum lk_stock_media {
    LK_STOCK_A3 = 0,
    LK_STOCK_A4 = 1,
} lk_stock_media;

const char *lk_stock_media_name(lk_stock_media m); /* "a3" / "a4" */
int lk_stock_media_parse(const char *s, lk_stock_media *out);

/* Records a loaded stack. With first/last serials ("YZ0000101".."YZ0000600": the same prefix
 * and a run of digits at the end), the count is their distance + 1; with both NULL, count > 0
 * says how many sheets. The tray's previous stack is closed (its unused sheets leave the
 * ledger: the technician took them out or stacked the new one on top). Audited. */
int lk_stock_load(lk_store *st, const char *tray, lk_stock_media media, const char *first,
                  const char *last, int64_t count, const char *actor, int64_t *stack_id,
                  lk_err *err);

/* Sheets left on open stacks of this media. */
int lk_stock_remaining(lk_store *st, lk_stock_media media, int64_t *left, lk_err *err);

/* Uses the next sheet of the oldest open stack of this media for journal row job_row:
 * printed (voided = 0) or voided with a reason. serial gets the sheet's serial ("" for stock
 * without serials, or when the ledger has no sheet left: that is recorded as a ledger
 * discrepancy in the audit log, never a failure of the print). Joins the caller's
 * transaction. */
int lk_stock_take(lk_store *st, lk_stock_media media, int64_t job_row, int voided,
                  const char *reason, const char *actor, char *serial, size_t serial_len,
                  lk_err *err);

/* One open stack, for `kioskctl stock show` and diagnostics. */
typedef struct lk_stock_stack {
    int64_t id;
    const char *tray, *media, *first_serial, *last_serial, *next_serial; /* serials "" if none */
    int64_t count, used, printed, voided, loaded_at;
} lk_stock_stack;

typedef int (*lk_stock_cb)(void *ctx, const lk_stock_stack *s);
int lk_stock_list(lk_store *st, lk_stock_cb cb, void *ctx, lk_err *err);

#endif
