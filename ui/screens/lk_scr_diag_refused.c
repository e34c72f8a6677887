/* lk_scr_diag_refused: why diagnostics did not open (locked after wrong PINs, card not signed
 * by the admin key, card expired, no PIN set), in words; then back to attract. */
#include <stdio.h>
#include <time.h>

#include "lk_scr_diag.h"

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    (void)max;
    out[0] = lk_wdg_button("ok", lk_tr(c, "diag.ok"), lk_wdg_stack(c, 0, 1), LK_INTENT_OK, 0,
                           LK_BTN_PRIMARY);
    return 1;
}

static void draw(const lk_screen_ctx *c)
{
    const lk_svc_view *s = c->v->svc;
    char key[48], buf[300];
    snprintf(key, sizeof key, "diag.refused.%s", s->refusal);
    int y = lk_wdg_para(c, lk_tr(c, key), c->body.y + 40, c->font, LK_COL_WARN, LK_TEXT_BOLD);
    if (s->locked_until) {
        time_t t = (time_t)s->locked_until;
        struct tm tm;
        char hm[16];
        localtime_r(&t, &tm);
        strftime(hm, sizeof hm, "%H:%M", &tm);
        lk_i18n_fmt(c->t, c->lang, "diag.locked_until", 0, hm, buf, sizeof buf);
        lk_wdg_para(c, buf, y + 20, c->font, LK_COL_TEXT, 0);
    }
}

const lk_screen lk_scr_diag_refused = {
    .name = "diag_refused",
    .state = LK_ST_DIAG_REFUSED,
    .title_key = "diag.refused_title",
    .buttons = buttons,
    .draw = draw,
};
