/* lk_scr_choose: the approved licenses this person may collect, one big button each, as many
 * as fit a page (the rest on further pages: "next page" turns them, round to the first). When
 * the person has more licenses than the kiosk lists, the screen says how many more and that a
 * staffed window has them. Landscape takes a second column when one is not enough. */
#include <stdio.h>

#include "ui/lk_screen.h"

typedef struct layout {
    int y0, h, gap;   /* the first row's top, a button's height, the gap between */
    int cols, cells;  /* columns (two in landscape), cells that fit */
    int per, pages;   /* licenses a page, pages */
    lk_rect more, pg; /* the "more licenses" notice, the page button (pages > 1) */
} layout;

static lk_rect cell(const lk_screen_ctx *c, const layout *l, int i)
{
    int w = (c->body.w - (l->cols - 1) * l->gap) / l->cols;
    return (lk_rect){c->body.x + (i % l->cols) * (w + l->gap),
                     l->y0 + (i / l->cols) * (l->h + l->gap), w, l->h};
}

/* As many cells as fit above the notice; when the licenses need more, the last cell is the
 * page button. */
static layout lay(const lk_screen_ctx *c)
{
    const lk_view_person *p = c->v->person;
    /* below the greeting and the instruction (two lines of it in portrait: it overlapped the
     * first license at +150) */
    layout l = {.y0 = c->body.y + (c->portrait ? 260 : 170),
                .h = c->portrait ? 190 : 150,
                .gap = 24,
                .pages = 1};
    int bottom = c->body.y + c->body.h, note = p->n_lic_more > 0 ? c->font * 3 : 0;
    l.more = (lk_rect){c->body.x, bottom - note, c->body.w, note};
    int rows = (bottom - note - l.y0 + l.gap) / (l.h + l.gap);
    l.cols = c->portrait || p->n_lic <= rows ? 1 : 2; /* a second column only when needed */
    l.cells = (rows < 1 ? 1 : rows) * l.cols;
    l.per = l.cells;
    if (l.per < p->n_lic) {
        l.per = l.cells > 1 ? l.cells - 1 : 1;
        l.pages = (p->n_lic + l.per - 1) / l.per;
        l.pg = cell(c, &l, l.cells - 1);
    }
    return l;
}

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    static const char *const names[LK_VIEW_MAX_LICENSES] = {"license0", "license1", "license2",
                                                            "license3", "license4", "license5"};
    const lk_view_person *p = c->v->person;
    layout l = lay(c);
    int page = c->page < l.pages ? c->page : 0, n = 0;
    for (int i = page * l.per; i < p->n_lic && i < (page + 1) * l.per && n < max - 1; i++) {
        out[n] = lk_wdg_button(names[i], p->lic[i].name, cell(c, &l, n), LK_INTENT_SELECT, i,
                               LK_BTN_SECONDARY);
        out[n].sub = p->lic[i].uscc;
        out[n++].font = c->portrait ? 40 : 36; /* two lines for the longest company names */
    }
    if (l.pages > 1)
        out[n++] = lk_wdg_button("next_page", lk_tr(c, "choose.next_page"), l.pg, LK_UI_INTENT_PAGE,
                                 (page + 1) % l.pages, LK_BTN_PRIMARY);
    return n;
}

static void draw(const lk_screen_ctx *c)
{
    char buf[200];
    const lk_view_person *p = c->v->person;
    lk_i18n_fmt(c->t, c->lang, "choose.who", 0, p->name_masked, buf, sizeof buf);
    int y = lk_wdg_para(c, buf, c->body.y + 10, c->font, LK_COL_TEXT, LK_TEXT_BOLD);
    layout l = lay(c);
    if (l.pages > 1) {
        char pick[240];
        snprintf(buf, sizeof buf, "%d", (c->page < l.pages ? c->page : 0) + 1);
        lk_i18n_fmt(c->t, c->lang, "choose.page", l.pages, buf, pick, sizeof pick);
        lk_wdg_para(c, pick, y, c->font, LK_COL_MUTED, 0);
    } else
        lk_wdg_para(c, lk_tr(c, "choose.pick"), y, c->font, LK_COL_MUTED, 0);
    if (p->n_lic_more > 0) {
        lk_i18n_fmt(c->t, c->lang, "choose.more", p->n_lic_more, NULL, buf, sizeof buf);
        c->d->ops->text(c->d, buf, l.more, c->font * 4 / 5, LK_COL_WARN,
                        LK_TEXT_BOLD | LK_TEXT_VCENTER);
    }
}

const lk_screen lk_scr_choose = {
    .name = "choose",
    .state = LK_ST_CHOOSE,
    .title_key = "choose.title",
    .cancel = 1,
    .buttons = buttons,
    .draw = draw,
};
