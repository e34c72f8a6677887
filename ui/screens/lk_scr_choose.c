/* lk_scr_choose: the approved licenses this person may collect, one big button each. */
#include <stdio.h>

#include "ui/lk_screen.h"

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    static const char *const names[LK_VIEW_MAX_LICENSES] = {"license0", "license1", "license2",
                                                            "license3", "license4", "license5"};
    const lk_view_person *p = c->v->person;
    int n = p->n_lic < max ? p->n_lic : max, h = c->portrait ? 190 : 150;
    for (int i = 0; i < n; i++) {
        lk_rect r = {c->body.x, c->body.y + 150 + i * (h + 24), c->body.w, h};
        out[i] = lk_wdg_button(names[i], p->lic[i].name, r, LK_INTENT_SELECT, i, LK_BTN_SECONDARY);
        out[i].sub = p->lic[i].uscc;
        out[i].font = c->portrait ? 40 : 36; /* two lines for the longest company names */
    }
    return n;
}

static void draw(const lk_screen_ctx *c)
{
    char buf[200];
    lk_i18n_fmt(c->t, c->lang, "choose.who", 0, c->v->person->name_masked, buf, sizeof buf);
    int y = lk_wdg_para(c, buf, c->body.y + 10, c->font, LK_COL_TEXT, LK_TEXT_BOLD);
    lk_wdg_para(c, lk_tr(c, "choose.pick"), y, c->font, LK_COL_MUTED, 0);
}

const lk_screen lk_scr_choose = {
    .name = "choose",
    .state = LK_ST_CHOOSE,
    .title_key = "choose.title",
    .cancel = 1,
    .buttons = buttons,
    .draw = draw,
};
