/* lk_scr_diag_selftest: every self-test the product has, one button each (two columns), and
 * the result of the last one run. */
#include <stdio.h>

#include "lk_scr_diag.h"

static const char *const names[LK_SVC_TESTS] = {
    "test0", "test1", "test2",  "test3",  "test4",  "test5",  "test6",  "test7",
    "test8", "test9", "test10", "test11", "test12", "test13", "test14", "test15"};

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    const lk_svc_view *s = c->v->svc;
    int n = 0, h = c->portrait ? 120 : 100, gap = 20, w = (c->body.w - gap) / 2;
    int y0 = c->body.y + 70;
    for (int i = 0; i < s->n_tests && n < max - 2; i++) {
        char key[64];
        snprintf(key, sizeof key, "diag.test.%s", s->tests[i]);
        lk_rect r = {c->body.x + (i % 2) * (w + gap), y0 + (i / 2) * (h + gap), w, h};
        out[n] = lk_wdg_button(names[i], lk_tr(c, key), r, LK_INTENT_DIAG_RUN, i, LK_BTN_SECONDARY);
        out[n++].font = c->portrait ? 36 : 32;
    }
    return n + lk_diag_nav(c, out + n, 0);
}

static void draw(const lk_screen_ctx *c)
{
    const lk_svc_view *s = c->v->svc;
    lk_diag_tech_line(c);
    if (!s->result_name[0])
        return;
    int h = c->portrait ? 120 : 100, rows = (s->n_tests + 1) / 2;
    int y = c->body.y + 70 + rows * (h + 20) + 20;
    char key[64], buf[200];
    snprintf(key, sizeof key, "diag.test.%s", s->result_name);
    const char *verdict = s->result_running       ? lk_tr(c, "diag.status.busy")
                          : s->result_unavailable ? lk_tr(c, "diag.test_unavailable")
                                                  : lk_tr(c, s->result_passed ? "diag.status.pass"
                                                                              : "diag.status.fail");
    snprintf(buf, sizeof buf, "%s: %s", lk_tr(c, key), verdict);
    y = lk_wdg_para(c, buf, y, c->font * 4 / 5,
                    s->result_running  ? LK_COL_MUTED
                    : s->result_passed ? LK_COL_OK
                                       : LK_COL_WARN,
                    LK_TEXT_BOLD);
    if (!s->result_running && s->result_text[0])
        lk_wdg_para(c, s->result_text, y, c->font * 3 / 5, LK_COL_MUTED, 0);
}

const lk_screen lk_scr_diag_selftest = {
    .name = "diag_selftest",
    .state = LK_ST_DIAG_SELFTEST,
    .title_key = "diag.selftest_title",
    .buttons = buttons,
    .draw = draw,
};
