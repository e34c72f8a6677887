/* lk_scr_diag_common: the table and navigation every diagnostics page shares, so they all
 * keep the same big targets and the same place for "back". Not a screen itself. */
#include <stdio.h>
#include <string.h>

#include "lk_scr_diag.h"

int lk_diag_tech_line(const lk_screen_ctx *c)
{
    char buf[160];
    lk_i18n_fmt(c->t, c->lang, "diag.technician", 0, c->v->svc->tech_id, buf, sizeof buf);
    return lk_wdg_para(c, buf, c->body.y, c->font * 3 / 4, LK_COL_MUTED, LK_TEXT_BOLD);
}

uint32_t lk_diag_status_rgb(const char *s)
{
    if (strcmp(s, "fault") == 0 || strcmp(s, "fail") == 0)
        return LK_COL_WARN;
    if (strcmp(s, "warning") == 0)
        return 0x8A5A00u;
    if (strcmp(s, "normal") == 0 || strcmp(s, "pass") == 0)
        return LK_COL_OK;
    return LK_COL_MUTED;
}

const char *lk_diag_status_label(const lk_screen_ctx *c, const char *status)
{
    if (!*status)
        return "";
    char key[40];
    snprintf(key, sizeof key, "diag.status.%s", status);
    return lk_tr(c, key);
}

/* A row's name or text: its word in this language when it has one (name_key / text_key),
 * else the data as it came (probe and marker names, values, log lines). A detail row's name
 * keeps its indentation. */
static const char *row_name(const lk_screen_ctx *c, const lk_svc_row *r, char *buf, size_t n)
{
    if (!r->name_key)
        return r->name;
    snprintf(buf, n, "%.*s%s", (int)strspn(r->name, " "), r->name, lk_tr(c, r->name_key));
    return buf;
}

static const char *row_text(const lk_screen_ctx *c, const lk_svc_row *r)
{
    return r->text_key ? lk_tr(c, r->text_key) : r->text;
}

int lk_diag_rows(const lk_screen_ctx *c, int y, const lk_svc_row *rows, int n)
{
    lk_rect nav = lk_wdg_stack(c, 0, 1);
    int fs = c->portrait ? 30 : 26, lh = fs * 3 / 2, k = 0;
    for (; k < n; k++) {
        const lk_svc_row *r = &rows[k];
        char nb[96];
        const char *name = row_name(c, r, nb, sizeof nb), *text = row_text(c, r);
        int two = r->name[0] && r->status[0];
        int h = two ? lh * 2 : lh;
        if (y + h > nav.y - 20)
            break;
        int x = c->body.x, w = c->body.w;
        if (k % 2 == 0)
            c->d->ops->fill(c->d, (lk_rect){x - 10, y, w + 20, h}, LK_COL_PANEL);
        if (two) {
            c->d->ops->text(c->d, name, (lk_rect){x, y, w * 2 / 3, lh}, fs, LK_COL_TEXT,
                            LK_TEXT_BOLD | LK_TEXT_VCENTER);
            c->d->ops->text(c->d, lk_diag_status_label(c, r->status),
                            (lk_rect){x + w * 2 / 3, y, w / 3, lh}, fs,
                            lk_diag_status_rgb(r->status), LK_TEXT_BOLD | LK_TEXT_VCENTER);
            c->d->ops->text(c->d, text, (lk_rect){x + 20, y + lh, w - 20, lh}, fs * 4 / 5,
                            LK_COL_MUTED, LK_TEXT_VCENTER);
        } else if (r->name[0]) {
            c->d->ops->text(c->d, name, (lk_rect){x, y, w * 2 / 3, lh}, fs, LK_COL_TEXT,
                            LK_TEXT_VCENTER);
            c->d->ops->text(c->d, text, (lk_rect){x + w * 2 / 3, y, w / 3, lh}, fs, LK_COL_TEXT,
                            LK_TEXT_BOLD | LK_TEXT_VCENTER);
        } else {
            c->d->ops->text(c->d, text, (lk_rect){x, y, w, lh}, fs * 4 / 5, LK_COL_TEXT,
                            LK_TEXT_VCENTER);
        }
        y += h;
    }
    return k;
}

lk_button lk_diag_exit(const lk_screen_ctx *c)
{
    int fh = c->portrait ? 200 : 150;
    return lk_wdg_button("exit", lk_tr(c, "diag.exit"), (lk_rect){40, c->h - fh + 25, 420, fh - 50},
                         LK_INTENT_CANCEL, 0, LK_BTN_SECONDARY);
}

int lk_diag_nav(const lk_screen_ctx *c, lk_button *out, int refresh)
{
    out[refresh ? 2 : 1] = lk_diag_exit(c);
    lk_rect row = lk_wdg_stack(c, 0, 1), half = {row.x, row.y, row.w / 2 - 20, row.h};
    if (!refresh)
        half.w = row.w;
    out[0] =
        lk_wdg_button("back", lk_tr(c, "diag.back"), half, LK_INTENT_BACK, 0, LK_BTN_SECONDARY);
    if (!refresh)
        return 2;
    half.x = row.x + row.w / 2 + 20;
    out[1] = lk_wdg_button("refresh", lk_tr(c, "diag.refresh"), half, LK_INTENT_RETRY, 0,
                           LK_BTN_PRIMARY);
    return 3;
}
