/* lk_scr_diag_calib: the overlay calibration: print the calibration page, then move the print
 * right/left and down/up in 0.1 mm steps (printer.calibration_x_01mm / _y_01mm). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lk_scr_diag.h"

static const struct {
    const char *name, *label_key;
} steps[4] = {{"x_minus", "diag.calib_x_minus"},
              {"x_plus", "diag.calib_x_plus"},
              {"y_minus", "diag.calib_y_minus"},
              {"y_plus", "diag.calib_y_plus"}};

static int calib_test(const lk_svc_view *s)
{
    for (int i = 0; i < s->n_tests; i++)
        if (strcmp(s->tests[i], "calibration-page") == 0)
            return i;
    return -1;
}

static lk_rect step_rect(const lk_screen_ctx *c, int i)
{
    int h = c->portrait ? 150 : 120, gap = 30, w = (c->body.w - gap) / 2;
    int y0 = c->body.y + (c->portrait ? 420 : 300);
    return (lk_rect){c->body.x + (i % 2) * (w + gap), y0 + (i / 2) * (h + gap), w, h};
}

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    (void)max;
    int n = 0;
    for (int i = 0; i < 4; i++)
        out[n++] = lk_wdg_button(steps[i].name, lk_tr(c, steps[i].label_key), step_rect(c, i),
                                 LK_INTENT_DIAG_ADJUST, i, LK_BTN_KEY);
    int t = calib_test(c->v->svc);
    if (t >= 0)
        out[n++] = lk_wdg_button("calib_print", lk_tr(c, "diag.calib_print"), lk_wdg_stack(c, 0, 2),
                                 LK_INTENT_DIAG_RUN, t, LK_BTN_SECONDARY);
    return n + lk_diag_nav(c, out + n, 0);
}

static void fmt_mm(char *buf, size_t n, int v01)
{
    snprintf(buf, n, "%s%d.%d", v01 < 0 ? "-" : "+", abs(v01) / 10, abs(v01) % 10);
}

static void draw(const lk_screen_ctx *c)
{
    const lk_svc_view *s = c->v->svc;
    int y = lk_diag_tech_line(c);
    y = lk_wdg_para(c, lk_tr(c, "diag.calib_explain"), y, c->font * 4 / 5, LK_COL_TEXT, 0);
    char x[16], yy[16], buf[160];
    fmt_mm(x, sizeof x, s->calib_x);
    fmt_mm(yy, sizeof yy, s->calib_y);
    lk_i18n_fmt(c->t, c->lang, "diag.calib_x", 0, x, buf, sizeof buf);
    y = lk_wdg_para(c, buf, y + 10, c->font, LK_COL_HEADER, LK_TEXT_BOLD);
    lk_i18n_fmt(c->t, c->lang, "diag.calib_y", 0, yy, buf, sizeof buf);
    lk_wdg_para(c, buf, y, c->font, LK_COL_HEADER, LK_TEXT_BOLD);
    if (s->result_name[0]) {
        lk_rect r = step_rect(c, 3);
        const char *msg = s->result_running       ? lk_tr(c, "diag.status.busy")
                          : s->result_unavailable ? lk_tr(c, "diag.test_unavailable")
                                                  : lk_tr(c, s->result_passed ? "diag.status.pass"
                                                                              : "diag.status.fail");
        c->d->ops->text(c->d, msg, (lk_rect){c->body.x, r.y + r.h + 30, c->body.w, 100},
                        c->font * 4 / 5, s->result_passed ? LK_COL_OK : LK_COL_WARN, LK_TEXT_BOLD);
    }
}

const lk_screen lk_scr_diag_calib = {
    .name = "diag_calib",
    .state = LK_ST_DIAG_CALIB,
    .title_key = "diag.calib_title",
    .buttons = buttons,
    .draw = draw,
};
