/* lk_scr_staff: the kiosk cannot finish this (staffed window chosen, face check failed, printer
 * fault): say why and send the person to staff. Personal data is already wiped. */
#include <stdio.h>

#include "ui/lk_screen.h"

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    (void)max;
    out[0] = lk_wdg_button("ok", lk_tr(c, "chrome.ok"), lk_wdg_stack(c, 0, 1), LK_INTENT_OK, 0,
                           LK_BTN_PRIMARY);
    return 1;
}

static void draw(const lk_screen_ctx *c)
{
    char key[48];
    snprintf(key, sizeof key, "reason.%s", lk_reason_name(c->v->reason));
    int y = lk_wdg_para(c, lk_tr(c, key), c->body.y + 60, c->font * 5 / 4, LK_COL_WARN,
                        LK_TEXT_BOLD | LK_TEXT_CENTER);
    snprintf(key, sizeof key, "todo.%s", lk_reason_name(c->v->reason));
    y = lk_wdg_para(c, lk_tr(c, key), y + 30, c->font, LK_COL_TEXT, LK_TEXT_CENTER);
    lk_wdg_para(c, lk_tr(c, "staff.wiped"), y + 30, c->font * 4 / 5, LK_COL_MUTED, LK_TEXT_CENTER);
}

const lk_screen lk_scr_staff = {
    .name = "staff",
    .state = LK_ST_STAFF,
    .title_key = "staff.title",
    .buttons = buttons,
    .draw = draw,
};
