/* lk_widgets: the few layout and drawing helpers screens share (stacked buttons, paragraphs,
 * progress bar), so every screen has the same big targets and margins. */
#include "ui/lk_screen.h"

const char *lk_tr(const lk_screen_ctx *c, const char *key)
{
    return lk_i18n_get(c->t, c->lang, key);
}

lk_rect lk_wdg_stack(const lk_screen_ctx *c, int i, int n)
{
    int h = c->portrait ? 150 : 130, gap = c->portrait ? 36 : 20;
    int w = c->portrait ? c->body.w : c->body.w * 3 / 4;
    int x = c->body.x + (c->body.w - w) / 2;
    int bottom = c->body.y + c->body.h;
    return (lk_rect){x, bottom - (n - i) * (h + gap) + gap, w, h};
}

int lk_wdg_para(const lk_screen_ctx *c, const char *text, int y, int size, uint32_t rgb, int flags)
{
    lk_rect r = {c->body.x, y, c->body.w, c->body.y + c->body.h - y};
    if (flags & LK_TEXT_CENTER) /* a paragraph flows from y down: centre across only */
        flags = (flags & ~LK_TEXT_CENTER) | LK_TEXT_HCENTER;
    return y + c->d->ops->text(c->d, text, r, size, rgb, flags) + size / 2;
}

void lk_wdg_progress(const lk_screen_ctx *c, lk_rect r, int percent)
{
    if (percent < 0)
        percent = 0;
    if (percent > 100)
        percent = 100;
    c->d->ops->fill(c->d, r, LK_COL_PANEL);
    c->d->ops->fill(c->d, (lk_rect){r.x, r.y, r.w * percent / 100, r.h}, LK_COL_ACTION);
    c->d->ops->outline(c->d, r, 4, LK_COL_HEADER);
}

lk_button lk_wdg_button(const char *name, const char *label, lk_rect r, lk_intent intent, int arg,
                        lk_btn_style style)
{
    return (lk_button){
        .name = name, .label = label, .r = r, .intent = intent, .arg = arg, .style = style};
}
