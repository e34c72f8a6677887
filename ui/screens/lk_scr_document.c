/* lk_scr_document: which identity document: resident ID card, or passport / travel permit. */
#include "ui/lk_screen.h"

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    (void)max;
    out[0] = lk_wdg_button("resident_id", lk_tr(c, "document.resident_id"), lk_wdg_stack(c, 0, 3),
                           LK_INTENT_DOC_ID, 0, LK_BTN_PRIMARY);
    out[0].sub = lk_tr(c, "document.resident_id_sub");
    out[1] = lk_wdg_button("passport", lk_tr(c, "document.passport"), lk_wdg_stack(c, 1, 3),
                           LK_INTENT_DOC_PASSPORT, 0, LK_BTN_PRIMARY);
    out[1].sub = lk_tr(c, "document.passport_sub");
    out[2] = lk_wdg_button("back", lk_tr(c, "chrome.back"), lk_wdg_stack(c, 2, 3), LK_INTENT_BACK,
                           0, LK_BTN_SECONDARY);
    return 3;
}

static void draw(const lk_screen_ctx *c)
{
    lk_wdg_para(c, lk_tr(c, "document.question"), c->body.y + 20, c->font * 5 / 4, LK_COL_TEXT,
                LK_TEXT_BOLD);
}

const lk_screen lk_scr_document = {
    .name = "document",
    .state = LK_ST_DOCUMENT,
    .title_key = "document.title",
    .cancel = 1,
    .buttons = buttons,
    .draw = draw,
};
