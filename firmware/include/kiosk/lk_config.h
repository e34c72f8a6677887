/* lk_config: versioned key/value configuration kept in the store. Every set writes a new
 * version (never an update in place) and an audit row, so an admin can see what changed when.
 * Keys not set fall back to the embedded defaults (version 0) listed in lk_config.c. */
#ifndef LK_KIOSK_LK_CONFIG_H
#define LK_KIOSK_LK_CONFIG_H

#include <stdint.h>

#include "kiosk/lk_store.h"

/* Current value (malloc'd, caller frees) and its version; LK_ENOENT for an unknown key. */
int lk_config_get(lk_store *st, const char *key, char **value, int64_t *version, lk_err *err);

/* Integer convenience: parses the current value; LK_ECONFIG when it is not an integer. */
int lk_config_get_int(lk_store *st, const char *key, long long *value, lk_err *err);

/* Checks a value against its key's type and range without storing it: LK_ECONFIG with the
 * reason for an unknown key or a bad value, 0 when lk_config_set would accept it. */
int lk_config_validate(const char *key, const char *value, lk_err *err);

/* Stores a new version. Unknown keys and values lk_config_validate refuses are refused
 * (LK_ECONFIG) so typos cannot hide. */
int lk_config_set(lk_store *st, const char *key, const char *value, const char *actor, lk_err *err);

/* 1 when KEY holds a secret (the PIN hash): its value is for the code that checks it, never
 * for output, audit rows or exports. */
int lk_config_is_secret(const char *key);

typedef int (*lk_config_cb)(void *ctx, const char *key, const char *value, int64_t version);
/* Every known key with its current value, defaults included, ordered by key. */
int lk_config_list(lk_store *st, lk_config_cb cb, void *ctx, lk_err *err);

#endif
