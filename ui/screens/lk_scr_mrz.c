/* lk_scr_mrz: the three MRZ fields a passport's chip needs before it answers (BAC), typed on an
 * on-screen keyboard: document number, date of birth, date of expiry. */
#include <stdio.h>

#include "ui/lk_screen.h"

static const char keys[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";
static const char *const key_names[] = {
    "key_0", "key_1", "key_2", "key_3", "key_4", "key_5", "key_6", "key_7", "key_8", "key_9",
    "key_A", "key_B", "key_C", "key_D", "key_E", "key_F", "key_G", "key_H", "key_I", "key_J",
    "key_K", "key_L", "key_M", "key_N", "key_O", "key_P", "key_Q", "key_R", "key_S", "key_T",
    "key_U", "key_V", "key_W", "key_X", "key_Y", "key_Z", "key_lt"};
static const char *const key_labels[] = {
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F", "G", "H", "I",
    "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "<"};
static const char *const field_names[] = {"field_number", "field_birth", "field_expiry"};
static const char *const field_keys[] = {"mrz.number", "mrz.birth", "mrz.expiry"};

static lk_rect field_rect(const lk_screen_ctx *c, int i)
{
    int h = c->portrait ? 100 : 90, y0 = c->body.y + (c->portrait ? 120 : 80);
    if (c->portrait)
        return (lk_rect){c->body.x, y0 + i * (h + 16), c->body.w, h};
    int w = (c->body.w - 40) / 3;
    return (lk_rect){c->body.x + i * (w + 20), y0, w, h};
}

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    int n = 0;
    for (int i = 0; i < 3; i++) {
        out[n] = lk_wdg_button(field_names[i], lk_tr(c, field_keys[i]), field_rect(c, i),
                               LK_INTENT_FIELD, i, LK_BTN_SECONDARY);
        out[n].font = c->portrait ? 0 : 34; /* landscape: three side by side, a line each */
        out[n++].sub = c->v->person->mrz[i];
    }
    int cols = c->portrait ? 8 : 13, kw = c->body.w / cols, kh = c->portrait ? 96 : 70;
    lk_rect last = field_rect(c, 2);
    int y0 = last.y + last.h + 30;
    int kf = c->portrait ? 0 : 32; /* landscape keys are 60 px high: 40 px type was clipped */
    for (int k = 0; keys[k] && n < max - 3; k++) {
        out[n] = lk_wdg_button(
            key_names[k], key_labels[k],
            (lk_rect){c->body.x + (k % cols) * kw, y0 + (k / cols) * kh, kw - 10, kh - 10},
            LK_INTENT_KEY, keys[k], LK_BTN_KEY);
        out[n++].font = kf;
    }
    int k = (int)sizeof keys - 1;
    out[n] = lk_wdg_button(
        "erase", lk_tr(c, "mrz.erase"),
        (lk_rect){c->body.x + (k % cols) * kw, y0 + (k / cols) * kh, kw * 2 - 10, kh - 10},
        LK_INTENT_ERASE, 0, LK_BTN_KEY);
    out[n++].font = kf;
    lk_rect row = lk_wdg_stack(c, 0, 1), half = {row.x, row.y, row.w / 2 - 20, row.h};
    out[n++] =
        lk_wdg_button("back", lk_tr(c, "chrome.back"), half, LK_INTENT_BACK, 0, LK_BTN_SECONDARY);
    half.x = row.x + row.w / 2 + 20;
    out[n++] = lk_wdg_button("continue", lk_tr(c, "chrome.continue"), half, LK_INTENT_CONTINUE, 0,
                             LK_BTN_PRIMARY);
    return n;
}

static void draw(const lk_screen_ctx *c)
{
    lk_wdg_para(c, lk_tr(c, "mrz.explain"), c->body.y, c->font * 4 / 5, LK_COL_TEXT, 0);
    lk_rect f = field_rect(c, c->v->mrz_field);
    c->d->ops->outline(c->d, (lk_rect){f.x - 8, f.y - 8, f.w + 16, f.h + 16}, 6, LK_COL_ACTION);
    const char *hint = c->v->hint == LK_HINT_MRZ_INVALID    ? "hint.mrz_invalid"
                       : c->v->hint == LK_HINT_MRZ_REJECTED ? "hint.mrz_rejected"
                                                            : NULL;
    if (hint) {
        lk_rect s = lk_wdg_stack(c, 0, 1);
        c->d->ops->text(c->d, lk_tr(c, hint), (lk_rect){s.x, s.y - 130, s.w, 120}, c->font * 4 / 5,
                        LK_COL_WARN, LK_TEXT_BOLD);
    }
}

const lk_screen lk_scr_mrz = {
    .name = "mrz",
    .state = LK_ST_MRZ,
    .title_key = "mrz.title",
    .cancel = 1,
    .buttons = buttons,
    .draw = draw,
};
