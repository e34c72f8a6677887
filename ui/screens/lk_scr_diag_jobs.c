/* lk_scr_diag_jobs: the print jobs a technician settles at the kiosk: every uncertain copy and
 * the latest completed ones, one big button each (its state beside it); under them the actions
 * that fit the selected copy's state, and what the last one did. */
#include <stdio.h>
#include <string.h>

#include "lk_scr_diag.h"

static const char *const names[LK_SVC_ROWS] = {
    "job0",  "job1",  "job2",  "job3",  "job4",  "job5",  "job6",  "job7",
    "job8",  "job9",  "job10", "job11", "job12", "job13", "job14", "job15",
    "job16", "job17", "job18", "job19", "job20", "job21", "job22", "job23"};

static const struct {
    const char *name, *key;
    int uncertain; /* offered for an uncertain copy (else for a completed one) */
} acts[] = {
    [LK_SVC_JOB_PRINTED] = {"printed", "diag.job.printed", 1},
    [LK_SVC_JOB_NOT_PRINTED] = {"not_printed", "diag.job.not-printed", 1},
    [LK_SVC_JOB_SPOILED] = {"spoiled", "diag.job.spoiled", 1},
    [LK_SVC_JOB_REPRINT] = {"reprint", "diag.job.reprint", 0},
};
#define N_ACTS (int)(sizeof acts / sizeof acts[0])

static int row_h(const lk_screen_ctx *c)
{
    return c->portrait ? 120 : 80;
}

static lk_rect action_rect(const lk_screen_ctx *c, int i, int n)
{
    lk_rect nav = lk_wdg_stack(c, 0, 1);
    int h = c->portrait ? 130 : 100, gap = 20, w = (c->body.w - (n - 1) * gap) / n;
    return (lk_rect){c->body.x + i * (w + gap), nav.y - h - 30, w, h};
}

/* Where the explanation or the last outcome goes: between the jobs and the actions. */
static int note_y(const lk_screen_ctx *c)
{
    return action_rect(c, 0, 1).y - (c->portrait ? 150 : 90);
}

static lk_rect job_rect(const lk_screen_ctx *c, int i)
{
    int gap = 14, y0 = c->body.y + 70;
    return (lk_rect){c->body.x, y0 + i * (row_h(c) + gap), c->body.w * 3 / 4, row_h(c)};
}

static int shown(const lk_screen_ctx *c, int n)
{
    int k = 0;
    while (k < n && job_rect(c, k).y + row_h(c) <= note_y(c) - 10)
        k++;
    return k;
}

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    const lk_svc_view *s = c->v->svc;
    int n = 0, k = shown(c, s->n_rows);
    for (int i = 0; i < k && n < max - 8; i++) {
        if (s->job_ids[i] <= 0)
            continue;
        out[n] = lk_wdg_button(names[i], s->rows[i].name, job_rect(c, i), LK_INTENT_SELECT, i,
                               i == s->job_sel ? LK_BTN_PRIMARY : LK_BTN_SECONDARY);
        out[n].sub = s->rows[i].text;
        out[n++].font = c->portrait ? 34 : 28;
    }
    if (s->job_sel >= 0 && s->job_sel < s->n_rows) {
        const char *st = s->rows[s->job_sel].status;
        int unc = strcmp(st, "uncertain") == 0;
        int fits = unc ? 3 : strcmp(st, "completed") == 0 ? 1 : 0;
        for (int a = 0, j = 0; a < N_ACTS && fits; a++)
            if (acts[a].uncertain == unc) {
                out[n] =
                    lk_wdg_button(acts[a].name, lk_tr(c, acts[a].key), action_rect(c, j++, fits),
                                  LK_INTENT_DIAG_JOB, a, LK_BTN_KEY);
                out[n++].font = c->portrait ? 34 : 28;
            }
    }
    return n + lk_diag_nav(c, out + n, 1);
}

static const char *outcome(const lk_screen_ctx *c, char *buf, size_t n, uint32_t *rgb)
{
    const char *d = c->v->svc->job_done;
    if (strncmp(d, "ok:", 3) == 0) {
        char key[48];
        snprintf(key, sizeof key, "diag.job.%s", d + 3);
        *rgb = LK_COL_OK;
        return lk_i18n_fmt(c->t, c->lang, "diag.job_ok", 0, lk_tr(c, key), buf, n);
    }
    *rgb = LK_COL_WARN;
    return lk_i18n_fmt(c->t, c->lang, "diag.job_error", 0, d + 6, buf, n);
}

static void draw(const lk_screen_ctx *c)
{
    const lk_svc_view *s = c->v->svc;
    int y = lk_diag_tech_line(c);
    int k = shown(c, s->n_rows), fs = c->portrait ? 30 : 26;
    for (int i = 0; i < k; i++) {
        lk_rect r = job_rect(c, i);
        const char *st = s->rows[i].status;
        c->d->ops->text(c->d, lk_diag_status_label(c, st),
                        (lk_rect){r.x + r.w + 20, r.y, c->body.w - r.w - 20, r.h}, fs,
                        strcmp(st, "uncertain") == 0 ? LK_COL_WARN : lk_diag_status_rgb(st),
                        LK_TEXT_BOLD | LK_TEXT_VCENTER);
        if (s->job_ids[i] <= 0) /* an error row: its text where the button would be */
            c->d->ops->text(c->d, s->rows[i].text, r, fs * 4 / 5, LK_COL_WARN, LK_TEXT_VCENTER);
    }
    if (s->n_rows == 0)
        lk_wdg_para(c, lk_tr(c, "diag.jobs_none"), y + 20, c->font, LK_COL_MUTED, 0);
    char buf[240];
    uint32_t rgb = LK_COL_MUTED;
    const char *note = s->job_done[0] ? outcome(c, buf, sizeof buf, &rgb)
                       : s->n_rows    ? lk_tr(c, "diag.jobs_explain")
                                      : "";
    lk_wdg_para(c, note, note_y(c), c->font * 3 / 5, rgb, s->job_done[0] ? LK_TEXT_BOLD : 0);
}

const lk_screen lk_scr_diag_jobs = {
    .name = "diag_jobs",
    .state = LK_ST_DIAG_JOBS,
    .title_key = "diag.jobs_title",
    .buttons = buttons,
    .draw = draw,
};
