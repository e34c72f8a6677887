/* lk_scr_outcome: the three screens that end a visit with a message, one OK button and
 * nothing else: why (the view's reason) and what to do next (its "todo" text).
 *   ended      — timeout, cancel, card removed, or rated; everything personal already wiped;
 *   staff      — the kiosk cannot finish this (staffed window chosen, face check failed,
 *                printer fault): go to the staffed window; personal data already wiped;
 *   no_license — nothing to collect (none approved, or not authorised in the role chosen);
 *                the person may still pick another role, so no "wiped" line yet. */
#include <stdio.h>

#include "ui/lk_screen.h"

static int ok_button(const lk_screen_ctx *c, lk_button *out, int max)
{
    (void)max;
    out[0] = lk_wdg_button("ok", lk_tr(c, "chrome.ok"), lk_wdg_stack(c, 0, 1), LK_INTENT_OK, 0,
                           LK_BTN_PRIMARY);
    return 1;
}

/* The reason as a heading and what to do under it; returns the y below the text. */
static int reason_and_todo(const lk_screen_ctx *c, int top, int gap, int align)
{
    char key[48];
    snprintf(key, sizeof key, "reason.%s", lk_reason_name(c->v->reason));
    int y = lk_wdg_para(c, lk_tr(c, key), top, c->font * 5 / 4, LK_COL_WARN, LK_TEXT_BOLD | align);
    snprintf(key, sizeof key, "todo.%s", lk_reason_name(c->v->reason));
    return lk_wdg_para(c, lk_tr(c, key), y + gap, c->font, LK_COL_TEXT, align);
}

static void draw_wiped(const lk_screen_ctx *c)
{
    int y = reason_and_todo(c, c->body.y + 60, 30, LK_TEXT_CENTER);
    lk_wdg_para(c, lk_tr(c, "staff.wiped"), y + 30, c->font * 4 / 5, LK_COL_MUTED, LK_TEXT_CENTER);
}

static void draw_no_license(const lk_screen_ctx *c)
{
    (void)reason_and_todo(c, c->body.y + 40, 20, 0);
}

const lk_screen lk_scr_ended = {
    .name = "ended",
    .state = LK_ST_ENDED,
    .title_key = "ended.title",
    .buttons = ok_button,
    .draw = draw_wiped,
};

const lk_screen lk_scr_staff = {
    .name = "staff",
    .state = LK_ST_STAFF,
    .title_key = "staff.title",
    .buttons = ok_button,
    .draw = draw_wiped,
};

const lk_screen lk_scr_no_license = {
    .name = "no_license",
    .state = LK_ST_NO_LICENSE,
    .title_key = "no_license.title",
    .buttons = ok_button,
    .draw = draw_no_license,
};
