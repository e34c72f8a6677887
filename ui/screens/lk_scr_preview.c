/* lk_scr_preview: the license as it will print (the renderer's own image), then print. */
#include "ui/lk_screen.h"

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    (void)max;
    int n = 0;
    if (!c->v->preview_busy)
        out[n++] = lk_wdg_button("print", lk_tr(c, "preview.print"), lk_wdg_stack(c, 0, 2),
                                 LK_INTENT_PRINT, 0, LK_BTN_PRIMARY);
    out[n++] = lk_wdg_button("back", lk_tr(c, "chrome.back"), lk_wdg_stack(c, 1, 2), LK_INTENT_BACK,
                             0, LK_BTN_SECONDARY);
    return n;
}

static void draw(const lk_screen_ctx *c)
{
    const lk_view_person *p = c->v->person;
    int y = c->body.y;
    if (c->v->selected >= 0)
        y = lk_wdg_para(c, p->lic[c->v->selected].name, y, c->font, LK_COL_TEXT, LK_TEXT_BOLD);
    lk_rect top = lk_wdg_stack(c, 0, 2);
    lk_rect area = {c->body.x, y, c->body.w, top.y - y - 30};
    c->d->ops->fill(c->d, area, LK_COL_PANEL);
    if (p->preview) {
        lk_image img = {p->preview,        p->preview_w,  p->preview_h,
                        p->preview_stride, LK_IMG_ARGB32, (unsigned)c->v->selected + 1u};
        c->d->ops->image(c->d, &img, area, 1);
    } else {
        c->d->ops->text(c->d, lk_tr(c, "preview.loading"), area, c->font, LK_COL_MUTED,
                        LK_TEXT_CENTER);
    }
}

const lk_screen lk_scr_preview = {
    .name = "preview",
    .state = LK_ST_PREVIEW,
    .title_key = "preview.title",
    .cancel = 1,
    .buttons = buttons,
    .draw = draw,
};
