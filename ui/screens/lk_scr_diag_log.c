/* lk_scr_diag_log: the newest lines of the kiosk's log file, or that there is none. */
#include "lk_scr_diag.h"

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    (void)max;
    return lk_diag_nav(c, out, 1);
}

static void draw(const lk_screen_ctx *c)
{
    const lk_svc_view *s = c->v->svc;
    int y = lk_diag_tech_line(c);
    if (s->n_rows == 0)
        lk_wdg_para(c, lk_tr(c, "diag.log_none"), y + 20, c->font, LK_COL_MUTED, 0);
    else
        lk_diag_rows(c, y, s->rows, s->n_rows);
}

const lk_screen lk_scr_diag_log = {
    .name = "diag_log",
    .state = LK_ST_DIAG_LOG,
    .title_key = "diag.log_title",
    .buttons = buttons,
    .draw = draw,
};
