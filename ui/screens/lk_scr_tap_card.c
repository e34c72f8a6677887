/* lk_scr_tap_card: where to put the document; the read starts as soon as it is there. */
#include "ui/lk_screen.h"

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    (void)max;
    out[0] = lk_wdg_button("back", lk_tr(c, "chrome.back"), lk_wdg_stack(c, 0, 1), LK_INTENT_BACK,
                           0, LK_BTN_SECONDARY);
    return 1;
}

static void draw(const lk_screen_ctx *c)
{
    const char *key = c->v->doc == LK_DOC_PASSPORT ? "tap_card.passport" : "tap_card.resident_id";
    int y = lk_wdg_para(c, lk_tr(c, key), c->body.y + 20, c->font * 5 / 4, LK_COL_TEXT,
                        LK_TEXT_BOLD | LK_TEXT_CENTER);
    /* The reader's place on the kiosk, drawn as a card over a pad. */
    /* landscape: small enough that a two-line passport prompt leaves room for the last line */
    int w = c->portrait ? 600 : 440, h = w * 5 / 8, gap = c->portrait ? 60 : 30;
    lk_rect pad = {c->body.x + (c->body.w - w) / 2, y + gap, w, h};
    c->d->ops->fill(c->d, pad, LK_COL_PANEL);
    c->d->ops->outline(c->d, pad, 8, LK_COL_ACTION);
    lk_rect card = {pad.x + w / 6, pad.y + h / 6, w * 2 / 3, h * 2 / 3};
    c->d->ops->fill(c->d, card, 0xD6E4F5u);
    c->d->ops->outline(c->d, card, 4, LK_COL_HEADER);
    c->d->ops->text(c->d, lk_tr(c, "tap_card.reader"), card, c->font, LK_COL_HEADER,
                    LK_TEXT_CENTER | LK_TEXT_BOLD);
    lk_wdg_para(c, lk_tr(c, "tap_card.keep"), pad.y + h + gap * 2 / 3, c->font, LK_COL_MUTED,
                LK_TEXT_CENTER);
}

const lk_screen lk_scr_tap_card = {
    .name = "tap_card",
    .state = LK_ST_TAP_CARD,
    .title_key = "tap_card.title",
    .cancel = 1,
    .buttons = buttons,
    .draw = draw,
};
