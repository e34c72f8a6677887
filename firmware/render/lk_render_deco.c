/* lk_render_deco: what plain paper needs in place of the pre-printed stock: the border and
 * the emblem area. These are stand-ins for demos and previews, not reproductions of the
 * official artwork (which is neither public nor ours to print); stock carries the real ones. */
#include <math.h>

#include "lk_render_int.h"

void lk_render_deco_place(const lk_tpl_item *it, double ox, double oy, lk_placed *out)
{
    lk_render_rect r = {it->x + ox, it->y + oy, it->w, it->h};
    out->box.logical = r;
    out->box.ink = r;
    out->draw_x = r.x;
    out->draw_y = r.y;
}

/* A heavy outer rule, a thin inner rule and corner squares, all inside the box. */
static void draw_frame(const lk_placed *p, cairo_t *cr)
{
    const lk_render_rect *b = &p->box.logical;
    double heavy = 1.2, thin = 0.3, gap = 2.5;
    cairo_set_line_width(cr, heavy);
    cairo_rectangle(cr, b->x + heavy / 2, b->y + heavy / 2, b->w - heavy, b->h - heavy);
    cairo_stroke(cr);
    double in = heavy + gap + thin / 2;
    cairo_set_line_width(cr, thin);
    cairo_rectangle(cr, b->x + in, b->y + in, b->w - 2 * in, b->h - 2 * in);
    cairo_stroke(cr);
    double c = 6;
    double xs[2] = {b->x + in, b->x + b->w - in - c};
    double ys[2] = {b->y + in, b->y + b->h - in - c};
    for (int i = 0; i < 4; i++)
        cairo_rectangle(cr, xs[i & 1], ys[i >> 1], c, c);
    cairo_fill(cr);
}

static void star_path(cairo_t *cr, double cx, double cy, double r)
{
    for (int i = 0; i < 10; i++) {
        double a = -M_PI / 2 + i * M_PI / 5;
        double rr = (i & 1) ? r * 0.382 : r;
        if (i == 0)
            cairo_move_to(cr, cx + rr * cos(a), cy + rr * sin(a));
        else
            cairo_line_to(cr, cx + rr * cos(a), cy + rr * sin(a));
    }
    cairo_close_path(cr);
}

/* A red disc with a gold ring and five stars: marks where the emblem sits on the stock. */
static void draw_emblem(const lk_placed *p, cairo_t *cr)
{
    const lk_render_rect *b = &p->box.logical;
    double r = (b->w < b->h ? b->w : b->h) / 2;
    double cx = b->x + b->w / 2, cy = b->y + b->h / 2;
    cairo_arc(cr, cx, cy, r, 0, 2 * M_PI);
    cairo_set_source_rgb(cr, 0.80, 0.10, 0.10);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.95, 0.75, 0.20);
    cairo_set_line_width(cr, r * 0.08);
    cairo_arc(cr, cx, cy, r * 0.92, 0, 2 * M_PI);
    cairo_stroke(cr);
    star_path(cr, cx - r * 0.25, cy - r * 0.15, r * 0.3);
    for (int i = 0; i < 4; i++) {
        double a = -M_PI / 3 + i * M_PI / 6.5;
        star_path(cr, cx - r * 0.25 + r * 0.55 * cos(a), cy - r * 0.15 + r * 0.55 * sin(a),
                  r * 0.1);
    }
    cairo_fill(cr);
}

void lk_render_deco_draw(const lk_placed *p, cairo_t *cr)
{
    const double *c = p->item->color;
    cairo_save(cr);
    cairo_set_source_rgb(cr, c[0], c[1], c[2]);
    if (p->item->kind == LK_RENDER_KIND_FRAME)
        draw_frame(p, cr);
    else
        draw_emblem(p, cr);
    cairo_restore(cr);
}
