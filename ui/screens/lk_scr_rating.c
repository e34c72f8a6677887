/* lk_scr_rating: the 好差评 five-level rating of the service just received. */
#include "ui/lk_screen.h"

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    static const char *const names[] = {"rate1", "rate2", "rate3", "rate4", "rate5"};
    static const char *const keys[] = {"rating.1", "rating.2", "rating.3", "rating.4", "rating.5"};
    (void)max;
    for (int i = 0; i < 5; i++)
        out[i] = lk_wdg_button(names[i], lk_tr(c, keys[i]), lk_wdg_stack(c, i, 6), LK_INTENT_RATE,
                               i + 1, i < 2 ? LK_BTN_PRIMARY : LK_BTN_SECONDARY);
    out[5] = lk_wdg_button("skip", lk_tr(c, "rating.skip"), lk_wdg_stack(c, 5, 6), LK_INTENT_OK, 0,
                           LK_BTN_SECONDARY);
    return 6;
}

static void draw(const lk_screen_ctx *c)
{
    lk_wdg_para(c, lk_tr(c, "rating.question"), c->body.y + 10, c->font * 5 / 4, LK_COL_TEXT,
                LK_TEXT_BOLD | LK_TEXT_CENTER);
}

const lk_screen lk_scr_rating = {
    .name = "rating",
    .state = LK_ST_RATING,
    .title_key = "rating.title",
    .buttons = buttons,
    .draw = draw,
};
