/* lk_scr_diag_counters: sessions, prints per day / month / total, failures by cause, face-check
 * outcomes, ratings and paper stock with its low-stock warning (lk_diag_counters). */
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
    lk_diag_rows(c, y, s->rows, s->n_rows);
}

const lk_screen lk_scr_diag_counters = {
    .name = "diag_counters",
    .state = LK_ST_DIAG_COUNTERS,
    .title_key = "diag.counters_title",
    .buttons = buttons,
    .draw = draw,
};
