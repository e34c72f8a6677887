/* lk_i18n: every user-facing string, from assets/i18n/<lang>.json (flat objects: key ->
 * UTF-8 text). Placeholders: {n} an integer, {s} a string. A key missing in a language is
 * shown as the key itself and counted, so tests can insist on none. */
#ifndef LK_UI_LK_I18N_H
#define LK_UI_LK_I18N_H

#include <stddef.h>

#include "kiosk/lk_err.h"

typedef struct lk_i18n lk_i18n;

/* Loads zh-CN.json and en.json from dir. */
int lk_i18n_load(const char *dir, lk_i18n **out, lk_err *err);
void lk_i18n_free(lk_i18n *t);
/* Layers dir/<lang>.json (either may be missing) over the loaded strings key by key: a key
 * there replaces the built-in text, every other key keeps it; keys the built-in table lacks
 * and non-string values are ignored. Returns how many texts were replaced, or an error (the
 * table is then partly overlaid: the caller decides whether to go on). */
int lk_i18n_overlay(lk_i18n *t, const char *dir, lk_err *err);

/* The text of key in lang ("zh-CN" or "en"); never NULL. */
const char *lk_i18n_get(lk_i18n *t, const char *lang, const char *key);
/* As lk_i18n_get with {n} and {s} replaced; writes into buf and returns it. */
const char *lk_i18n_fmt(lk_i18n *t, const char *lang, const char *key, long n, const char *s,
                        char *buf, size_t bufsz);
/* Keys asked for that a language lacks, since load. */
int lk_i18n_missing(const lk_i18n *t);

#endif
