/* lk_ui: the kiosk's touchscreen: picks the screen for the session view, draws it with the
 * common chrome (title, language toggle, step indicator, countdown, cancel), turns touches into
 * intents, and plays each step's voice prompt. Runs on the loop thread; owns no session state:
 * it reads an lk_view and posts intents through a callback. */
#ifndef LK_UI_LK_UI_H
#define LK_UI_LK_UI_H

#include "kiosk/lk_view.h"
#include "ui/lk_disp.h"

typedef struct lk_ui lk_ui;

typedef void (*lk_ui_post_fn)(void *ctx, lk_intent intent, int arg, const char *text);

/* i18n_dir holds zh-CN.json / en.json; voice_dir (NULL: silent) holds <lang>/<screen>.wav. */
int lk_ui_create(lk_disp *d, const char *i18n_dir, const char *voice_dir, lk_ui_post_fn post,
                 void *post_ctx, lk_ui **out, lk_err *err);
void lk_ui_free(lk_ui *ui);
/* The applied bundle's assets, right after create: i18n_dir (NULL or "": none) holds
 * <lang>.json string overrides layered key by key over the built-in strings (lk_i18n_overlay);
 * voice_dir (NULL or "": none) holds <lang>/<screen>.wav prompts played instead of the
 * built-in ones where present (only while the UI has a voice_dir at all: muted stays muted).
 * Returns the texts overridden, or an error. */
int lk_ui_use_bundle(lk_ui *ui, const char *i18n_dir, const char *voice_dir, lk_err *err);
/* The text of key in lang as the screens draw it (script `string`). */
const char *lk_ui_string(lk_ui *ui, const char *lang, const char *key);

/* Pumps input into intents and redraws if anything changed. Returns 1 when it drew a new
 * frame, 0 when nothing changed, -1 when the user closed the window. */
int lk_ui_frame(lk_ui *ui, const lk_view *v);
/* Rasterises the glyphs of every customer screen, in both languages and their variants, into
 * the display's caches (nothing is drawn), so no screen's first frame pays for FreeType, in
 * slices of about budget_us (one screen variant at least; 0: all that is left) between frames,
 * so start-up does not wait for it. Returns 1 while some is left, 0 when done. Call it between
 * frames, never inside one. */
int lk_ui_warm_step(lk_ui *ui, unsigned budget_us);
/* 1 while the warm-up has some left (script `wait-warm`), 0 when done. */
int lk_ui_warm_left(const lk_ui *ui);
/* A touch at x, y: 0 when it hit a button (its intent was posted), LK_ENOENT otherwise. */
int lk_ui_tap(lk_ui *ui, const lk_view *v, int x, int y);
/* Presses the button named `name` on the current screen; LK_ENOENT when there is none. */
int lk_ui_press(lk_ui *ui, const lk_view *v, const char *name);
/* 1 when the current screen has a button of that name. */
int lk_ui_has_button(lk_ui *ui, const lk_view *v, const char *name);
/* Names of the current screen's buttons, space-separated (for script errors). */
void lk_ui_button_names(lk_ui *ui, const lk_view *v, char *buf, size_t n);
/* The current screen's name ("attract", "face", ...). */
const char *lk_ui_screen_name(const lk_view *v);
/* Strings a screen asked for that a language lacks, and texts that did not fit. */
int lk_ui_missing_strings(const lk_ui *ui);
int lk_ui_clipped_texts(const lk_ui *ui);

#endif
