/* lk_screen: what one screen is: a const descriptor (name, the session state it shows, its
 * title, its touch targets laid out from the view, and a draw of its body). Screens see the
 * view, the display port and the strings, nothing else; a touch becomes an intent through the
 * buttons they declare. One file per screen in ui/screens/. */
#ifndef LK_UI_LK_SCREEN_H
#define LK_UI_LK_SCREEN_H

#include "kiosk/lk_view.h"
#include "ui/lk_disp.h"
#include "ui/lk_i18n.h"

/* Palette: dark text on white, one strong blue for actions (contrast ≥ 7:1 for text). */
#define LK_COL_BG     0xFFFFFFu
#define LK_COL_TEXT   0x111111u
#define LK_COL_MUTED  0x444444u
#define LK_COL_ACTION 0x0B4F9Cu
#define LK_COL_ON_ACT 0xFFFFFFu
#define LK_COL_HEADER 0x0B2E59u
#define LK_COL_WARN   0xA32100u
#define LK_COL_OK     0x1B6E20u
#define LK_COL_PANEL  0xEEF2F7u

typedef enum lk_btn_style {
    LK_BTN_PRIMARY = 0,
    LK_BTN_SECONDARY, /* outlined */
    LK_BTN_KEY,       /* on-screen keyboard key */
    LK_BTN_CHECK_OFF, /* a consent box, not ticked */
    LK_BTN_CHECK_ON,
} lk_btn_style;

typedef struct lk_button {
    const char *name;  /* for scripts: "start", "holder", "license0", "key_A" ... */
    const char *label; /* already translated, or data (company names) */
    const char *sub;   /* optional second line */
    lk_rect r;
    lk_intent intent;
    int arg;
    lk_btn_style style;
    int font; /* label size in px; 0: the default for the style */
} lk_button;

#define LK_SCREEN_MAX_BUTTONS 48

typedef struct lk_screen_ctx {
    lk_disp *d;
    lk_i18n *t;
    const lk_view *v;
    const char *lang;
    int w, h;
    int portrait;
    lk_rect body; /* between the header / step bar and the footer */
    int font;     /* body text size, px */
    int page;     /* a list's page the person turned to (the UI's own state, not the view's) */
} lk_screen_ctx;

/* A button with this intent turns its screen's list to page arg; the UI keeps it (it resets
 * when the screen changes) and posts nothing to the session. */
#define LK_UI_INTENT_PAGE ((lk_intent)1000)

typedef struct lk_screen {
    const char *name;
    lk_state state;
    const char *title_key;
    int cancel; /* shows the footer's cancel button */
    /* Fills out[0..max) with this screen's touch targets; returns how many. */
    int (*buttons)(const lk_screen_ctx *c, lk_button *out, int max);
    /* Draws what is not a button (texts, images, progress). May be NULL. */
    void (*draw)(const lk_screen_ctx *c);
} lk_screen;

/* Helpers the screens share (lk_widgets.c). */
const char *lk_tr(const lk_screen_ctx *c, const char *key);
/* The i-th of n full-width buttons stacked upwards from the bottom of the body. */
lk_rect lk_wdg_stack(const lk_screen_ctx *c, int i, int n);
/* A paragraph of text at y in the body; returns the y below it. */
int lk_wdg_para(const lk_screen_ctx *c, const char *text, int y, int size, uint32_t rgb, int flags);
void lk_wdg_progress(const lk_screen_ctx *c, lk_rect r, int percent);
lk_button lk_wdg_button(const char *name, const char *label, lk_rect r, lk_intent intent, int arg,
                        lk_btn_style style);

/* Every screen, indexed by state (lk_screens.c). */
const lk_screen *lk_screen_for(lk_state st);

#endif
