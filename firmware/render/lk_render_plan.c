/* lk_render_plan: lays a whole page out before anything is drawn. Every item the mode and
 * the entity type call for is resolved to its text, fitted or encoded, and positioned; only
 * when all of them fit does a caller open a surface, so a refused page never leaves half a
 * PDF in a print job. The plan is also what the layout query reports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lk_render_int.h"

#define VALUE_BUF 128

static int visible_in(const lk_tpl_item *it, lk_render_mode mode)
{
    if (it->print == LK_TPL_PRINT_FULL)
        return mode == LK_RENDER_FULL;
    if (it->print == LK_TPL_PRINT_OVERLAY)
        return mode == LK_RENDER_OVERLAY;
    return 1;
}

static int check_input(const lk_renderer *r, const lk_record *rec, const lk_render_opts *o,
                       const lk_entity_type **et, lk_err *err)
{
    if (!r || !rec || !o)
        return lk_err_set(err, LK_EINVAL, "render: missing renderer, record or options");
    if (o->copy != LK_RENDER_ORIGINAL && o->copy != LK_RENDER_DUPLICATE)
        return lk_err_set(err, LK_EINVAL, "render: unknown copy kind %d", (int)o->copy);
    if (o->mode != LK_RENDER_FULL && o->mode != LK_RENDER_OVERLAY)
        return lk_err_set(err, LK_EINVAL, "render: unknown paper mode %d", (int)o->mode);
    /* ±50 mm is far beyond any feed error; larger values are a configuration mistake. */
    if (abs(o->cal_x_01mm) > 500 || abs(o->cal_y_01mm) > 500)
        return lk_err_set(err, LK_EINVAL, "render: calibration offset beyond ±50 mm");
    *et = lk_entity_find(rec->entity_type);
    if (!*et)
        return lk_err_set(err, LK_EINVAL, "render: unknown entity type \"%s\"",
                          rec->entity_type ? rec->entity_type : "(none)");
    return 0;
}

/* Places one item; returns 1 when it is drawn, 0 when skipped, or an error. */
static int place_item(lk_renderer *r, const lk_tpl_item *it, const lk_record *rec,
                      const lk_entity_type *et, const lk_render_opts *o, lk_placed *p, lk_err *err)
{
    char buf[VALUE_BUF];
    const char *text = NULL;
    double ox = o->cal_x_01mm / 10.0, oy = o->cal_y_01mm / 10.0;
    memset(p, 0, sizeof *p);
    p->item = it;
    snprintf(p->box.id, sizeof p->box.id, "%s", it->id);
    p->box.kind = it->kind;
    p->box.box = (lk_render_rect){it->x + ox, it->y + oy, it->w, it->h};
    if (it->kind == LK_RENDER_KIND_FRAME || it->kind == LK_RENDER_KIND_EMBLEM) {
        lk_render_deco_place(it, ox, oy, p);
        return 1;
    }
    if (it->kind == LK_RENDER_KIND_QR) {
        int rc = lk_render_qr_place(it, lk_render_payload(rec, buf, sizeof buf), ox, oy, p, err);
        return rc < 0 ? rc : 1;
    }
    int rc = lk_render_item_text(it, rec, et, o, buf, sizeof buf, &text, err);
    if (rc < 0 || !text)
        return rc;
    rc = lk_render_text_place(r->context, it, text, ox, oy, p, err);
    return rc < 0 ? rc : 1;
}

static void free_placed(lk_placed *p)
{
    if (p->layout)
        g_object_unref(p->layout);
    p->layout = NULL;
    lk_render_qr_free(p);
}

int lk_render_plan_build(lk_renderer *r, const lk_record *rec, const lk_render_opts *opts,
                         lk_page_plan *plan, lk_err *err)
{
    const lk_entity_type *et;
    memset(plan, 0, sizeof *plan);
    int rc = check_input(r, rec, opts, &et, err);
    if (rc < 0)
        return rc;
    const lk_tpl_page *page = &r->tpl->pages[opts->copy];
    plan->w = page->w;
    plan->h = page->h;
    plan->items = calloc(page->n_items ? page->n_items : 1, sizeof *plan->items);
    if (!plan->items)
        return lk_err_set(err, LK_ENOMEM, "render: out of memory");
    for (size_t i = 0; i < page->n_items; i++) {
        if (!visible_in(&page->items[i], opts->mode))
            continue;
        lk_placed *p = &plan->items[plan->n];
        rc = place_item(r, &page->items[i], rec, et, opts, p, err);
        if (rc < 0) {
            free_placed(p);
            lk_render_plan_free(plan);
            return rc;
        }
        if (rc == 0)
            free_placed(p);
        else
            plan->n++;
    }
    return 0;
}

void lk_render_plan_draw(const lk_page_plan *plan, cairo_t *cr)
{
    for (size_t i = 0; i < plan->n; i++) {
        const lk_placed *p = &plan->items[i];
        switch (p->item->kind) {
        case LK_RENDER_KIND_TEXT:
            lk_render_text_draw(p, cr);
            break;
        case LK_RENDER_KIND_QR:
            lk_render_qr_draw(p, cr);
            break;
        default:
            lk_render_deco_draw(p, cr);
        }
    }
}

void lk_render_plan_free(lk_page_plan *plan)
{
    if (!plan)
        return;
    for (size_t i = 0; i < plan->n; i++)
        free_placed(&plan->items[i]);
    free(plan->items);
    memset(plan, 0, sizeof *plan);
}
