/* lk_scr_reading: the read in progress: keep the document still. */
#include "ui/lk_screen.h"

static void draw(const lk_screen_ctx *c)
{
    int y = lk_wdg_para(c, lk_tr(c, "reading.keep"), c->body.y + 40, c->font * 5 / 4, LK_COL_TEXT,
                        LK_TEXT_BOLD | LK_TEXT_CENTER);
    lk_wdg_progress(c, (lk_rect){c->body.x, y + 60, c->body.w, 80}, c->v->read_percent);
    lk_wdg_para(c, lk_tr(c, "reading.wait"), y + 200, c->font, LK_COL_MUTED, LK_TEXT_CENTER);
}

const lk_screen lk_scr_reading = {
    .name = "reading",
    .state = LK_ST_READING,
    .title_key = "reading.title",
    .cancel = 1,
    .draw = draw,
};
