/* lk_scr_consent: two separate consents (identity data; face data, PIPL art. 29 单独同意) and
 * the staffed window as the always-offered alternative to face recognition. */
#include "ui/lk_screen.h"

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    (void)max;
    const lk_view *v = c->v;
    lk_rect a = lk_wdg_stack(c, 0, 5), b = lk_wdg_stack(c, 1, 5);
    out[0] = lk_wdg_button("consent_data", lk_tr(c, "consent.data"), a, LK_INTENT_TOGGLE_DATA, 0,
                           v->consent_data ? LK_BTN_CHECK_ON : LK_BTN_CHECK_OFF);
    out[1] = lk_wdg_button("consent_face", lk_tr(c, "consent.face"), b, LK_INTENT_TOGGLE_FACE, 0,
                           v->consent_face ? LK_BTN_CHECK_ON : LK_BTN_CHECK_OFF);
    out[2] = lk_wdg_button("continue", lk_tr(c, "chrome.continue"), lk_wdg_stack(c, 2, 5),
                           LK_INTENT_CONTINUE, 0, LK_BTN_PRIMARY);
    out[3] = lk_wdg_button("staffed", lk_tr(c, "consent.staffed"), lk_wdg_stack(c, 3, 5),
                           LK_INTENT_STAFFED, 0, LK_BTN_SECONDARY);
    out[4] = lk_wdg_button("back", lk_tr(c, "chrome.back"), lk_wdg_stack(c, 4, 5), LK_INTENT_BACK,
                           0, LK_BTN_SECONDARY);
    return 5;
}

static void draw(const lk_screen_ctx *c)
{
    int fs = c->portrait ? c->font * 4 / 5 : c->font * 3 / 4;
    int y = lk_wdg_para(c, lk_tr(c, "consent.data_text"), c->body.y + 10, fs, LK_COL_TEXT, 0);
    y = lk_wdg_para(c, lk_tr(c, "consent.face_text"), y, fs, LK_COL_TEXT, LK_TEXT_BOLD);
    if (c->v->hint == LK_HINT_CONSENT_NEEDED)
        lk_wdg_para(c, lk_tr(c, "hint.consent_needed"), y, fs, LK_COL_WARN, LK_TEXT_BOLD);
}

const lk_screen lk_scr_consent = {
    .name = "consent",
    .state = LK_ST_CONSENT,
    .title_key = "consent.title",
    .cancel = 1,
    .buttons = buttons,
    .draw = draw,
};
