/* lk_scr_no_license: nothing to collect: why (none approved, or not authorised in the role
 * chosen) and what to do next. */
#include <stdio.h>

#include "ui/lk_screen.h"

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    (void)max;
    out[0] = lk_wdg_button("ok", lk_tr(c, "chrome.ok"), lk_wdg_stack(c, 0, 1), LK_INTENT_OK, 0,
                           LK_BTN_PRIMARY);
    return 1;
}

static void draw(const lk_screen_ctx *c)
{
    char key[48];
    snprintf(key, sizeof key, "reason.%s", lk_reason_name(c->v->reason));
    int y =
        lk_wdg_para(c, lk_tr(c, key), c->body.y + 40, c->font * 5 / 4, LK_COL_WARN, LK_TEXT_BOLD);
    snprintf(key, sizeof key, "todo.%s", lk_reason_name(c->v->reason));
    lk_wdg_para(c, lk_tr(c, key), y + 20, c->font, LK_COL_TEXT, 0);
}

const lk_screen lk_scr_no_license = {
    .name = "no_license",
    .state = LK_ST_NO_LICENSE,
    .title_key = "no_license.title",
    .buttons = buttons,
    .draw = draw,
};
