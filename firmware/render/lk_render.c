/* lk_render: the public face of rendering. Owns the per-renderer pango font map and context
 * (no global font map, so renderers on different threads never share caches), and turns a
 * page plan into a PDF (file or stream), a preview image or layout boxes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangofc-fontmap.h>

#include "lk_render_int.h"

#define PT_PER_MM (72.0 / 25.4)

/* Layout must not depend on the output device: no hinting, no rounding of glyph positions
 * to whole user units (our unit is the millimetre), so the preview, the PDF and the layout
 * query agree to the last digit. */
static void configure_context(PangoContext *ctx)
{
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    pango_cairo_context_set_font_options(ctx, fo);
    cairo_font_options_destroy(fo);
    pango_context_set_round_glyph_positions(ctx, FALSE);
    /* zh-cn picks the simplified-Chinese glyph forms when a family covers several locales. */
    pango_context_set_language(ctx, pango_language_from_string("zh-cn"));
    pango_context_set_base_dir(ctx, PANGO_DIRECTION_LTR);
}

/* The build's GB 2312 subsets of the Noto CJK faces (tools/fontsubset): cairo embeds a face
 * at a cost that grows with the size of its CFF table, not with the glyphs used, so these make
 * the PDF several times cheaper. They go into a fontconfig configuration of this renderer's
 * own (the process-wide one is left alone); the template names the full Noto family after
 * the subset one, so pango falls back to it for characters outside GB 2312, and a tree
 * without the subsets still renders, only slower. */
static FcConfig *font_config(void)
{
    const char *dir = getenv("LK_FONT_DIR");
#ifdef LK_FONT_DIR
    if (!dir || !*dir)
        dir = LK_FONT_DIR;
#endif
    if (!dir || !*dir)
        return NULL;
    FcConfig *c = FcInitLoadConfigAndFonts();
    if (c && !FcConfigAppFontAddDir(c, (const FcChar8 *)dir)) {
        FcConfigDestroy(c);
        c = NULL;
    }
    return c;
}

int lk_render_create(const lk_template *tpl, lk_renderer **out, lk_err *err)
{
    if (!out || !tpl)
        return lk_err_set(err, LK_EINVAL, "render: missing template or output pointer");
    *out = NULL;
    lk_renderer *r = calloc(1, sizeof *r);
    if (!r)
        return lk_err_set(err, LK_ENOMEM, "render: out of memory");
    r->tpl = tpl;
    r->font_map = pango_cairo_font_map_new();
    r->fc_config = r->font_map ? font_config() : NULL;
    if (r->fc_config && PANGO_IS_FC_FONT_MAP(r->font_map))
        pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(r->font_map), r->fc_config);
    r->context = r->font_map ? pango_font_map_create_context(r->font_map) : NULL;
    if (!r->context) {
        lk_render_free(r);
        return lk_err_set(err, LK_ENOMEM, "render: cannot create a pango font map");
    }
    configure_context(r->context);
    *out = r;
    return 0;
}

void lk_render_free(lk_renderer *r)
{
    if (!r)
        return;
    if (r->context)
        g_object_unref(r->context);
    if (r->font_map) {
        /* pango 1.50 never drops the reference set_config took: hand it back first, or the
         * configuration and its font caches outlive the renderer (and FcFini aborts). */
        if (r->fc_config)
            pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(r->font_map), NULL);
        g_object_unref(r->font_map);
    }
    if (r->fc_config)
        FcConfigDestroy(r->fc_config);
    free(r);
}

void lk_render_release_caches(void)
{
    cairo_debug_reset_static_data();
    FcFini();
}

static int cairo_failed(cairo_status_t st, lk_err *err)
{
    int code = st == CAIRO_STATUS_NO_MEMORY ? LK_ENOMEM : LK_EIO;
    return lk_err_set(err, code, "render: cairo: %s", cairo_status_to_string(st));
}

static int pdf_from_plan(const lk_page_plan *plan, cairo_write_func_t write_func, void *closure,
                         lk_err *err)
{
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(
        write_func, closure, plan->w * PT_PER_MM, plan->h * PT_PER_MM);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, "营业执照");
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "licensekiosk");
    cairo_t *cr = cairo_create(s);
    cairo_scale(cr, PT_PER_MM, PT_PER_MM);
    lk_render_plan_draw(plan, cr);
    cairo_show_page(cr);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s); /* fonts are subset and written here */
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    return st == CAIRO_STATUS_SUCCESS ? 0 : cairo_failed(st, err);
}

int lk_render_pdf_stream(lk_renderer *r, const lk_record *rec, const lk_render_opts *opts,
                         cairo_write_func_t write_func, void *closure, lk_err *err)
{
    lk_page_plan plan;
    if (!write_func)
        return lk_err_set(err, LK_EINVAL, "render: no write function");
    int rc = lk_render_plan_build(r, rec, opts, &plan, err);
    if (rc == 0)
        rc = pdf_from_plan(&plan, write_func, closure, err);
    lk_render_plan_free(&plan);
    return rc;
}

cairo_status_t lk_render_buf_write(void *closure, const unsigned char *data, unsigned int len)
{
    lk_render_buf *b = closure;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->len + len)
            cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p)
            return CAIRO_STATUS_NO_MEMORY;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
    return CAIRO_STATUS_SUCCESS;
}

static cairo_status_t write_file(void *closure, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

int lk_render_pdf_file(lk_renderer *r, const lk_record *rec, const lk_render_opts *opts,
                       const char *path, lk_err *err)
{
    lk_page_plan plan;
    if (!path)
        return lk_err_set(err, LK_EINVAL, "render: no output path");
    int rc = lk_render_plan_build(r, rec, opts, &plan, err);
    if (rc < 0)
        return rc; /* nothing fits: no file is created */
    FILE *f = fopen(path, "wb");
    if (!f)
        rc = lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, errno, "render: cannot create %s",
                               path);
    else {
        rc = pdf_from_plan(&plan, write_file, f, err);
        if (fclose(f) != 0 && rc == 0)
            rc = lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, errno,
                                   "render: cannot write %s", path);
    }
    lk_render_plan_free(&plan);
    return rc;
}

/* White sheet scaled to fit and centred; the rest of the image stays transparent. */
static void draw_preview(const lk_page_plan *plan, cairo_surface_t *s, int w, int h)
{
    double k =
        (double)w / plan->w < (double)h / plan->h ? (double)w / plan->w : (double)h / plan->h;
    cairo_t *cr = cairo_create(s);
    cairo_translate(cr, (w - plan->w * k) / 2, (h - plan->h * k) / 2);
    cairo_scale(cr, k, k);
    cairo_rectangle(cr, 0, 0, plan->w, plan->h);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill(cr);
    lk_render_plan_draw(plan, cr);
    cairo_destroy(cr);
}

int lk_render_preview(lk_renderer *r, const lk_record *rec, const lk_render_opts *opts,
                      int width_px, int height_px, cairo_surface_t **out, lk_err *err)
{
    lk_page_plan plan;
    if (!out || width_px < 16 || height_px < 16 || width_px > 16384 || height_px > 16384)
        return lk_err_set(err, LK_EINVAL, "render: preview size must be 16..16384 px");
    *out = NULL;
    int rc = lk_render_plan_build(r, rec, opts, &plan, err);
    if (rc < 0)
        return rc;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width_px, height_px);
    cairo_status_t st = cairo_surface_status(s);
    if (st == CAIRO_STATUS_SUCCESS) {
        draw_preview(&plan, s, width_px, height_px);
        cairo_surface_flush(s);
        st = cairo_surface_status(s);
    }
    lk_render_plan_free(&plan);
    if (st != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return cairo_failed(st, err);
    }
    *out = s;
    return 0;
}

int lk_render_png_file(lk_renderer *r, const lk_record *rec, const lk_render_opts *opts,
                       int width_px, int height_px, const char *path, lk_err *err)
{
    cairo_surface_t *s;
    if (!path)
        return lk_err_set(err, LK_EINVAL, "render: no output path");
    int rc = lk_render_preview(r, rec, opts, width_px, height_px, &s, err);
    if (rc < 0)
        return rc;
    cairo_status_t st = cairo_surface_write_to_png(s, path);
    cairo_surface_destroy(s);
    if (st != CAIRO_STATUS_SUCCESS)
        return lk_err_set(err, LK_EIO, "render: cannot write %s: %s", path,
                          cairo_status_to_string(st));
    return 0;
}

int lk_render_layout(lk_renderer *r, const lk_record *rec, const lk_render_opts *opts,
                     lk_render_box *boxes, size_t max, size_t *n, lk_err *err)
{
    lk_page_plan plan;
    if (!n || (max > 0 && !boxes))
        return lk_err_set(err, LK_EINVAL, "render: missing output array or count");
    *n = 0;
    int rc = lk_render_plan_build(r, rec, opts, &plan, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < plan.n && i < max; i++)
        boxes[i] = plan.items[i].box;
    *n = plan.n;
    lk_render_plan_free(&plan);
    return 0;
}
