/* lk_scr_face: the live camera picture with an oval to put the face in, guidance that follows
 * the check (look, hold still, checking, try again) and the attempts left. */
#include <stdio.h>

#include "ui/lk_screen.h"

static int retry_offered(const lk_view *v)
{
    return !v->face_busy && (v->hint == LK_HINT_FACE_NO_MATCH || v->hint == LK_HINT_FACE_NOT_LIVE ||
                             v->hint == LK_HINT_FACE_NO_FACE);
}

static int buttons(const lk_screen_ctx *c, lk_button *out, int max)
{
    (void)max;
    if (!retry_offered(c->v))
        return 0;
    lk_rect r = lk_wdg_stack(c, 0, 1);
    if (!c->portrait) /* the right-hand column, under the guidance */
        r = (lk_rect){c->body.x + c->body.w / 2 + 20, r.y, c->body.w / 2 - 20, r.h};
    out[0] = lk_wdg_button("retry", lk_tr(c, "face.retry"), r, LK_INTENT_RETRY, 0, LK_BTN_PRIMARY);
    return 1;
}

static lk_rect preview_rect(const lk_screen_ctx *c)
{
    if (!c->portrait) /* landscape: the picture on the left, guidance on the right */
        return (lk_rect){c->body.x, c->body.y, c->body.w / 2 - 20, (c->body.w / 2 - 20) * 3 / 4};
    int w = c->body.w * 5 / 6, h = w * 3 / 4;
    return (lk_rect){c->body.x + (c->body.w - w) / 2, c->body.y + 30, w, h};
}

static void draw(const lk_screen_ctx *c)
{
    const lk_view *v = c->v;
    lk_rect pr = preview_rect(c);
    c->d->ops->fill(c->d, pr, 0x202020u);
    const lk_frame *f = &v->person->frame;
    if (f->rgb) {
        lk_image img = {f->rgb, f->w, f->h, f->stride, LK_IMG_RGB24, v->frame_gen};
        c->d->ops->image(c->d, &img, pr, 0);
    }
    /* The oval guide, as four bars framing where the face belongs. */
    lk_rect g = {pr.x + pr.w / 3, pr.y + pr.h / 8, pr.w / 3, pr.h * 3 / 4};
    c->d->ops->outline(c->d, g, 6, v->face_busy ? LK_COL_OK : 0xFFFFFFu);
    char key[40];
    snprintf(key, sizeof key, "hint.%s",
             lk_hint_name(v->hint == LK_HINT_NONE ? LK_HINT_FACE_LOOK : v->hint));
    lk_screen_ctx tc = *c; /* where the guidance goes */
    int y = pr.y + pr.h + 40;
    if (!c->portrait) {
        tc.body =
            (lk_rect){c->body.x + c->body.w / 2 + 20, c->body.y, c->body.w / 2 - 20, c->body.h};
        y = c->body.y + 40;
    }
    c = &tc;
    y = lk_wdg_para(c, lk_tr(c, key), y, c->font * 5 / 4,
                    retry_offered(v) ? LK_COL_WARN : LK_COL_TEXT, LK_TEXT_BOLD | LK_TEXT_CENTER);
    char buf[160];
    lk_i18n_fmt(c->t, c->lang, "face.attempts", v->face_max - v->face_attempt, NULL, buf,
                sizeof buf);
    y = lk_wdg_para(c, buf, y, c->font, LK_COL_MUTED, LK_TEXT_CENTER);
    lk_wdg_para(c, lk_tr(c, "face.privacy"), y, c->font * 4 / 5, LK_COL_MUTED, LK_TEXT_CENTER);
}

const lk_screen lk_scr_face = {
    .name = "face",
    .state = LK_ST_FACE,
    .title_key = "face.title",
    .cancel = 1,
    .buttons = buttons,
    .draw = draw,
};
