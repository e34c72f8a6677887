/* lk_scr_role: who is collecting: the holder (法定代表人/负责人/经营者) or an authorised agent. */
#include "ui/lk_screen.h"

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    (void)max;
    out[0] = lk_wdg_button("holder", lk_tr(c, "role.holder"), lk_wdg_stack(c, 0, 3),
                           LK_INTENT_ROLE_HOLDER, 0, LK_BTN_PRIMARY);
    out[0].sub = lk_tr(c, "role.holder_sub");
    out[1] = lk_wdg_button("agent", lk_tr(c, "role.agent"), lk_wdg_stack(c, 1, 3),
                           LK_INTENT_ROLE_AGENT, 0, LK_BTN_PRIMARY);
    out[1].sub = lk_tr(c, "role.agent_sub");
    out[2] = lk_wdg_button("back", lk_tr(c, "chrome.back"), lk_wdg_stack(c, 2, 3), LK_INTENT_BACK,
                           0, LK_BTN_SECONDARY);
    return 3;
}

static void draw(const lk_screen_ctx *c)
{
    int y = lk_wdg_para(c, lk_tr(c, "role.question"), c->body.y + 20, c->font * 5 / 4, LK_COL_TEXT,
                        LK_TEXT_BOLD);
    lk_wdg_para(c, lk_tr(c, "role.explain"), y + 10, c->font, LK_COL_MUTED, 0);
}

const lk_screen lk_scr_role = {
    .name = "role",
    .state = LK_ST_ROLE,
    .title_key = "role.title",
    .cancel = 1,
    .buttons = buttons,
    .draw = draw,
};
