/* lk_render_text: fits one text into its template box. The rule (issue: 经营范围 up to 3,000
 * characters always fits): shrink from size_pt towards min_size_pt on one line, then wrap;
 * a paragraph item wraps from the start. The chosen size is the largest on a 0.25 pt grid
 * whose ink and logical extents both lie inside the box. If even the floor does not fit, the
 * page is refused (LK_ENOSPC): a clipped licence is worse than none. */
#include <math.h>

#include "lk_render_int.h"

#define SIZE_STEP_PT 0.25
#define EPS_MM       1e-6

typedef struct fit_result {
    PangoRectangle ink, logical; /* pango units, relative to the layout origin */
    double dy;                   /* mm: vertical alignment offset inside the box */
} fit_result;

static double to_mm(int pango_units)
{
    return (double)pango_units / PANGO_SCALE;
}

static void set_size(PangoLayout *layout, const lk_tpl_item *it, double size_pt)
{
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, it->font);
    pango_font_description_set_weight(fd, it->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    /* User space is mm, so the size is absolute in mm, independent of any resolution. */
    pango_font_description_set_absolute_size(fd, size_pt * LK_MM_PER_PT * PANGO_SCALE);
    pango_layout_set_font_description(layout, fd);
    pango_font_description_free(fd);
}

static int inside(double lo, double len, double box)
{
    return lo >= -EPS_MM && lo + len <= box + EPS_MM;
}

/* Lays the text out at size_pt and says whether it fits; fills r on success. */
static int fits_at(PangoLayout *layout, const lk_tpl_item *it, double size_pt, int wrap,
                   fit_result *r)
{
    set_size(layout, it, size_pt);
    if (!wrap && pango_layout_get_line_count(layout) > 1)
        return 0;
    pango_layout_get_extents(layout, &r->ink, &r->logical);
    double lh = to_mm(r->logical.height);
    double free_h = it->h - lh;
    double factor = it->valign == LK_TPL_VALIGN_MIDDLE   ? 0.5
                    : it->valign == LK_TPL_VALIGN_BOTTOM ? 1.0
                                                         : 0.0;
    r->dy = free_h * factor - to_mm(r->logical.y);
    if (r->ink.width == 0 && r->ink.height == 0) /* blank text has no ink to check */
        r->ink = r->logical;
    return inside(to_mm(r->logical.x), to_mm(r->logical.width), it->w) &&
           inside(to_mm(r->logical.y) + r->dy, lh, it->h) &&
           inside(to_mm(r->ink.x), to_mm(r->ink.width), it->w) &&
           inside(to_mm(r->ink.y) + r->dy, to_mm(r->ink.height), it->h);
}

/* First probe below size_pt: a paragraph's height grows with the square of the size, a
 * line's width linearly, so the extents measured at size_pt predict the answer closely and
 * the search usually ends after two or three layouts instead of seven (3,000 characters of
 * 经营范围 take milliseconds to shape, and every probe reshapes them). */
static int guess_step(const lk_tpl_item *it, const fit_result *at_max, int wrap, int hi)
{
    double ratio = wrap ? sqrt(it->h / fmax(to_mm(at_max->logical.height), 1e-3))
                        : it->w / fmax(to_mm(at_max->logical.width), 1e-3);
    double size = it->size_pt * fmin(ratio, 1.0);
    int k = (int)floor((size - it->min_size_pt) / SIZE_STEP_PT);
    return k < 0 ? 0 : k > hi ? hi : k;
}

/* Largest size on the grid min + k * step (plus size_pt itself) that fits. Height and width
 * grow with the size, so the predicate is monotonic: a binary search whose first probe is
 * the guess, and whose second is the guess's neighbour. */
static int search_size(PangoLayout *layout, const lk_tpl_item *it, int wrap, double *size,
                       fit_result *r)
{
    fit_result at_max;
    if (fits_at(layout, it, it->size_pt, wrap, &at_max)) {
        *size = it->size_pt;
        *r = at_max;
        return 1;
    }
    int hi = (int)floor((it->size_pt - it->min_size_pt) / SIZE_STEP_PT + 1e-9);
    if (hi > 0 && it->min_size_pt + hi * SIZE_STEP_PT >= it->size_pt - 1e-9)
        hi--; /* size_pt itself was just tried */
    int lo = -1, last = -2, probe = guess_step(it, &at_max, wrap, hi);
    fit_result tmp;
    while (lo < hi) {
        last = probe;
        if (fits_at(layout, it, it->min_size_pt + probe * SIZE_STEP_PT, wrap, &tmp)) {
            lo = probe;
            *r = tmp;
            probe = probe + 1 <= hi ? probe + 1 : probe;
        } else {
            hi = probe - 1;
            probe = probe - 1 >= lo + 1 ? probe - 1 : lo;
        }
        if (lo < hi && (probe <= lo || probe > hi))
            probe = lo + (hi - lo + 1) / 2;
    }
    if (lo < 0)
        return 0;
    *size = it->min_size_pt + lo * SIZE_STEP_PT;
    if (last != lo) /* leave the layout at the chosen size */
        (void)fits_at(layout, it, *size, wrap, r);
    return 1;
}

static PangoLayout *new_layout(PangoContext *ctx, const lk_tpl_item *it, const char *text)
{
    static const PangoAlignment align[] = {PANGO_ALIGN_LEFT, PANGO_ALIGN_CENTER, PANGO_ALIGN_RIGHT,
                                           PANGO_ALIGN_LEFT};
    PangoLayout *layout = pango_layout_new(ctx);
    pango_layout_set_text(layout, text, -1);
    pango_layout_set_width(layout, (int)floor(it->w * PANGO_SCALE));
    /* WORD_CHAR: CJK breaks anywhere anyway; long Latin runs (URLs) must break too. */
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(layout, align[it->align]);
    pango_layout_set_justify(layout, it->align == LK_TPL_ALIGN_JUSTIFY);
    if (it->line_spacing > 0)
        pango_layout_set_line_spacing(layout, (float)it->line_spacing);
    if (it->letter_spacing_pt != 0) {
        PangoAttrList *attrs = pango_attr_list_new();
        pango_attr_list_insert(attrs, pango_attr_letter_spacing_new((int)lround(
                                          it->letter_spacing_pt * LK_MM_PER_PT * PANGO_SCALE)));
        pango_layout_set_attributes(layout, attrs);
        pango_attr_list_unref(attrs);
    }
    return layout;
}

static void fill_box(const lk_tpl_item *it, const fit_result *r, double ox, double oy,
                     lk_placed *out)
{
    double x = it->x + ox, y = it->y + oy + r->dy;
    lk_render_box *b = &out->box;
    b->logical = (lk_render_rect){x + to_mm(r->logical.x), y + to_mm(r->logical.y),
                                  to_mm(r->logical.width), to_mm(r->logical.height)};
    b->ink = (lk_render_rect){x + to_mm(r->ink.x), y + to_mm(r->ink.y), to_mm(r->ink.width),
                              to_mm(r->ink.height)};
    b->lines = pango_layout_get_line_count(out->layout);
    out->draw_x = x;
    out->draw_y = y;
}

int lk_render_text_place(PangoContext *ctx, const lk_tpl_item *it, const char *text, double ox,
                         double oy, lk_placed *out, lk_err *err)
{
    fit_result r;
    double size = 0;
    out->layout = new_layout(ctx, it, text);
    int ok = it->fit == LK_TPL_FIT_LINE && search_size(out->layout, it, 0, &size, &r);
    if (!ok)
        ok = search_size(out->layout, it, 1, &size, &r);
    if (!ok)
        return lk_err_set(err, LK_ENOSPC,
                          "render: text of item %s does not fit its %.1f x %.1f mm box even at "
                          "%.2f pt",
                          it->id, it->w, it->h, it->min_size_pt);
    out->box.size_pt = size;
    out->box.min_size_pt = it->min_size_pt;
    fill_box(it, &r, ox, oy, out);
    return 0;
}

void lk_render_text_draw(const lk_placed *p, cairo_t *cr)
{
    const double *c = p->item->color;
    cairo_set_source_rgb(cr, c[0], c[1], c[2]);
    cairo_move_to(cr, p->draw_x, p->draw_y);
    pango_cairo_show_layout(cr, p->layout);
}
