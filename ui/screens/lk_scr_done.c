/* lk_scr_done: printed: take the license and the document. */
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
    int y = lk_wdg_para(c, lk_tr(c, "done.headline"), c->body.y + 80, c->font * 3 / 2, LK_COL_OK,
                        LK_TEXT_BOLD | LK_TEXT_CENTER);
    y = lk_wdg_para(c, lk_tr(c, "done.take_license"), y + 40, c->font * 5 / 4, LK_COL_TEXT,
                    LK_TEXT_CENTER);
    lk_wdg_para(c, lk_tr(c, "done.take_card"), y + 20, c->font * 5 / 4, LK_COL_TEXT,
                LK_TEXT_BOLD | LK_TEXT_CENTER);
}

const lk_screen lk_scr_done = {
    .name = "done",
    .state = LK_ST_DONE,
    .title_key = "done.title",
    .buttons = buttons,
    .draw = draw,
};
