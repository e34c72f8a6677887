/* lk_counter: named monotonic counters (sessions, prints, faults...) kept in the store so that
 * statistics survive restarts and power loss. */
#ifndef LK_KIOSK_LK_COUNTER_H
#define LK_KIOSK_LK_COUNTER_H

#include <stdint.h>

#include "kiosk/lk_store.h"

int lk_counter_add(lk_store *st, const char *name, int64_t delta, lk_err *err);
/* Missing counters read as 0. */
int lk_counter_get(lk_store *st, const char *name, int64_t *value, lk_err *err);

typedef int (*lk_counter_cb)(void *ctx, const char *name, int64_t value);
int lk_counter_list(lk_store *st, lk_counter_cb cb, void *ctx, lk_err *err);

#endif
