/* lk_scr_printing: which copy is printing and the printer's state in words (out of paper, jam,
 * offline become "please wait, staff are coming"). No cancel: a sheet may be half out. */
#include <stdio.h>

#include "kiosk/port/lk_prn.h"
#include "ui/lk_screen.h"

static void draw(const lk_screen_ctx *c)
{
    const lk_view *v = c->v;
    char buf[200];
    int total = v->copy_total > 0 ? v->copy_total : 1;
    lk_i18n_fmt(c->t, c->lang, "printing.copy", v->copy_idx + 1, NULL, buf, sizeof buf);
    int y = lk_wdg_para(c, buf, c->body.y + 40, c->font * 5 / 4, LK_COL_TEXT,
                        LK_TEXT_BOLD | LK_TEXT_CENTER);
    lk_i18n_fmt(c->t, c->lang, "printing.total", total, NULL, buf, sizeof buf);
    y = lk_wdg_para(c, buf, y, c->font, LK_COL_MUTED, LK_TEXT_CENTER);
    lk_wdg_progress(c, (lk_rect){c->body.x, y + 30, c->body.w, 80}, v->copy_idx * 100 / total);
    const char *key = "printing.working";
    if (v->prn_dev.status == LK_DEVICE_FAULT)
        key = v->prn_dev.reason[0] == 'm' && v->prn_dev.reason[6] == 'j' ? "printer.media-jam"
              : v->prn_dev.reason[0] == 'm'                              ? "printer.media-empty"
                                                                         : "printer.offline";
    y = lk_wdg_para(c, lk_tr(c, key), y + 160, c->font * 5 / 4,
                    v->prn_dev.status == LK_DEVICE_FAULT ? LK_COL_WARN : LK_COL_TEXT,
                    LK_TEXT_BOLD | LK_TEXT_CENTER);
    lk_wdg_para(c, lk_tr(c, "printing.wait"), y, c->font, LK_COL_MUTED, LK_TEXT_CENTER);
}

const lk_screen lk_scr_printing = {
    .name = "printing",
    .state = LK_ST_PRINTING,
    .title_key = "printing.title",
    .draw = draw,
};
