/* lk_scr_attract: the idle screen: what the kiosk does, and one big start button. */
#include "ui/lk_screen.h"

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    (void)max;
    lk_rect r = lk_wdg_stack(c, 0, 1);
    r.h += c->portrait ? 60 : 30;
    r.y -= c->portrait ? 60 : 30;
    out[0] =
        lk_wdg_button("start", lk_tr(c, "attract.start"), r, LK_INTENT_START, 0, LK_BTN_PRIMARY);
    return 1;
}

static void draw(const lk_screen_ctx *c)
{
    int y = c->body.y + (c->portrait ? 120 : 30);
    y = lk_wdg_para(c, lk_tr(c, "attract.headline"), y, c->portrait ? 88 : 72, LK_COL_HEADER,
                    LK_TEXT_BOLD | LK_TEXT_CENTER);
    y = lk_wdg_para(c, lk_tr(c, "attract.what"), y + 40, c->font, LK_COL_TEXT, 0);
    y = lk_wdg_para(c, lk_tr(c, "attract.bring"), y + 20, c->font, LK_COL_TEXT, 0);
    lk_wdg_para(c, lk_tr(c, "attract.privacy"), y + 20, c->font * 4 / 5, LK_COL_MUTED, 0);
}

const lk_screen lk_scr_attract = {
    .name = "attract",
    .state = LK_ST_ATTRACT,
    .title_key = "attract.title",
    .buttons = buttons,
    .draw = draw,
};
