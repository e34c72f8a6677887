/* lk_scr_diag_status: every device probe in the status model (unknown, normal, warning, fault,
 * busy, disabled) with its reason, and the worst of them. */
#include <stdio.h>

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
    char buf[160];
    lk_i18n_fmt(c->t, c->lang, "diag.overall", 0, lk_diag_status_label(c, s->overall), buf,
                sizeof buf);
    y = lk_wdg_para(c, buf, y, c->font, lk_diag_status_rgb(s->overall), LK_TEXT_BOLD);
    lk_diag_rows(c, y, s->rows, s->n_rows);
}

const lk_screen lk_scr_diag_status = {
    .name = "diag_status",
    .state = LK_ST_DIAG_STATUS,
    .title_key = "diag.status_title",
    .buttons = buttons,
    .draw = draw,
};
