/* lk_scr_diag_menu: the diagnostics home: one big button per page (two columns, so the list
 * fits as it grows; three in landscape), and exit. */
#include "lk_scr_diag.h"

static const struct {
    const char *name, *key;
    lk_state page;
} items[] = {
    {"status", "diag.menu.status", LK_ST_DIAG_STATUS},
    {"selftests", "diag.menu.selftests", LK_ST_DIAG_SELFTEST},
    {"calibration", "diag.menu.calibration", LK_ST_DIAG_CALIB},
    {"counters", "diag.menu.counters", LK_ST_DIAG_COUNTERS},
    {"log", "diag.menu.log", LK_ST_DIAG_LOG},
    {"bundle", "diag.menu.bundle", LK_ST_DIAG_BUNDLE},
    {"jobs", "diag.menu.jobs", LK_ST_DIAG_JOBS},
};
#define N_ITEMS (int)(sizeof items / sizeof items[0])

static lk_rect cell(const lk_screen_ctx *c, int i)
{
    int cols = c->portrait ? 2 : 3, h = c->portrait ? 150 : 100, gap = c->portrait ? 36 : 24;
    int w = (c->body.w - (cols - 1) * gap) / cols, y0 = c->body.y + (c->portrait ? 90 : 70);
    return (lk_rect){c->body.x + (i % cols) * (w + gap), y0 + (i / cols) * (h + gap), w, h};
}

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    (void)max;
    for (int i = 0; i < N_ITEMS; i++) {
        out[i] = lk_wdg_button(items[i].name, lk_tr(c, items[i].key), cell(c, i),
                               LK_INTENT_DIAG_PAGE, (int)items[i].page, LK_BTN_SECONDARY);
        out[i].font = c->portrait ? 40 : 32;
    }
    out[N_ITEMS] = lk_wdg_button("exit", lk_tr(c, "diag.exit"), lk_wdg_stack(c, 0, 1), LK_INTENT_OK,
                                 0, LK_BTN_PRIMARY);
    return N_ITEMS + 1;
}

static void draw(const lk_screen_ctx *c)
{
    lk_diag_tech_line(c);
}

const lk_screen lk_scr_diag_menu = {
    .name = "diag_menu",
    .state = LK_ST_DIAG_MENU,
    .title_key = "diag.menu_title",
    .buttons = buttons,
    .draw = draw,
};
