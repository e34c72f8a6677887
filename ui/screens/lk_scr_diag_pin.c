/* lk_scr_diag_pin: the technician's PIN pad after a service card: digits shown as dots, a
 * wrong PIN says how many tries are left before diagnostics locks. */
#include <stdio.h>
#include <string.h>

#include "lk_scr_diag.h"

static const char *const key_names[] = {"key_1", "key_2", "key_3", "key_4", "key_5",
                                        "key_6", "key_7", "key_8", "key_9"};
static const char *const key_labels[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9"};

static lk_rect key_rect(const lk_screen_ctx *c, int i)
{
    int kw = c->portrait ? 260 : 240, kh = c->portrait ? 170 : 130, gap = 24;
    int x0 = c->body.x + (c->body.w - 3 * kw - 2 * gap) / 2,
        y0 = c->body.y + (c->portrait ? 420 : 260);
    return (lk_rect){x0 + (i % 3) * (kw + gap), y0 + (i / 3) * (kh + gap), kw, kh};
}

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    (void)max;
    int n = 0;
    for (int i = 0; i < 9; i++)
        out[n++] = lk_wdg_button(key_names[i], key_labels[i], key_rect(c, i), LK_INTENT_KEY,
                                 '1' + i, LK_BTN_KEY);
    out[n++] = lk_wdg_button("erase", lk_tr(c, "diag.pin_erase"), key_rect(c, 9), LK_INTENT_ERASE,
                             0, LK_BTN_KEY);
    out[n++] = lk_wdg_button("key_0", "0", key_rect(c, 10), LK_INTENT_KEY, '0', LK_BTN_KEY);
    out[n++] = lk_wdg_button("ok", lk_tr(c, "diag.pin_ok"), key_rect(c, 11), LK_INTENT_OK, 0,
                             LK_BTN_PRIMARY);
    out[n++] = lk_diag_exit(c);
    return n;
}

static void draw(const lk_screen_ctx *c)
{
    const lk_svc_view *s = c->v->svc;
    int y = lk_diag_tech_line(c);
    y = lk_wdg_para(c, lk_tr(c, "diag.pin_explain"), y + 10, c->font, LK_COL_TEXT, 0);
    char dots[64] = "";
    for (int i = 0; i < s->pin_len && i < LK_SVC_PIN_MAX; i++)
        strcat(dots, "● ");
    lk_rect box = {c->body.x + c->body.w / 6, y + 10, c->body.w * 2 / 3, 110};
    c->d->ops->fill(c->d, box, LK_COL_PANEL);
    c->d->ops->outline(c->d, box, 4, LK_COL_HEADER);
    c->d->ops->text(c->d, dots, box, 56, LK_COL_TEXT, LK_TEXT_CENTER | LK_TEXT_BOLD);
    if (s->pin_checking) {
        lk_rect k = key_rect(c, 11);
        c->d->ops->text(c->d, lk_tr(c, "diag.pin_checking"),
                        (lk_rect){c->body.x, k.y + k.h + 30, c->body.w, 120}, c->font * 4 / 5,
                        LK_COL_MUTED, LK_TEXT_BOLD | LK_TEXT_HCENTER);
    } else if (s->pin_wrong) {
        char buf[200];
        lk_i18n_fmt(c->t, c->lang, "diag.pin_wrong", s->attempts_left, NULL, buf, sizeof buf);
        lk_rect k = key_rect(c, 11);
        c->d->ops->text(c->d, buf, (lk_rect){c->body.x, k.y + k.h + 30, c->body.w, 120},
                        c->font * 4 / 5, LK_COL_WARN, LK_TEXT_BOLD | LK_TEXT_HCENTER);
    }
}

const lk_screen lk_scr_diag_pin = {
    .name = "diag_pin",
    .state = LK_ST_DIAG_PIN,
    .title_key = "diag.pin_title",
    .buttons = buttons,
    .draw = draw,
};
