/* lk_scr_diag_bundle: the result of the last configuration bundle that came on a USB stick:
 * applied (which version) or refused (why). Shown on its own, without a technician (the page
 * that opens on attract when a stick's bundles were looked at), it has only an OK button. */
#include "lk_scr_diag.h"

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    (void)max;
    if (c->v->svc->tech_id[0])
        return lk_diag_nav(c, out, 0);
    out[0] = lk_wdg_button("ok", lk_tr(c, "diag.pin_ok"), lk_wdg_stack(c, 0, 1), LK_INTENT_OK, 0,
                           LK_BTN_PRIMARY);
    return 1;
}

static void draw(const lk_screen_ctx *c)
{
    const lk_svc_view *s = c->v->svc;
    int y = s->tech_id[0] ? lk_diag_tech_line(c) : c->body.y;
    if (!s->bundle_seen) {
        lk_wdg_para(c, lk_tr(c, "diag.bundle_none"), y + 20, c->font, LK_COL_MUTED, 0);
        return;
    }
    y = lk_wdg_para(c, lk_tr(c, s->bundle_ok ? "diag.bundle_applied" : "diag.bundle_refused"),
                    y + 20, c->font, s->bundle_ok ? LK_COL_OK : LK_COL_WARN, LK_TEXT_BOLD);
    lk_wdg_para(c, s->bundle_text, y + 10, c->font * 3 / 4, LK_COL_TEXT, 0);
}

const lk_screen lk_scr_diag_bundle = {
    .name = "diag_bundle",
    .state = LK_ST_DIAG_BUNDLE,
    .title_key = "diag.bundle_title",
    .buttons = buttons,
    .draw = draw,
};
