/* lk_render_qr: the licence QR code, encoded by libzint and drawn from its vector output as
 * filled rectangles, so the PDF carries sharp vectors at any printer resolution. The symbol
 * includes the quiet zone zint prescribes for QR (4 modules), and the whole symbol is scaled
 * to the largest square that fits the template box. */
#include <string.h>

#include <zint.h>

#include "lk_render_int.h"

static int is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

static int encode(struct zint_symbol *sym, const lk_tpl_item *it, const char *payload, lk_err *err)
{
    sym->symbology = BARCODE_QRCODE;
    sym->option_1 = it->ecc;
    sym->show_hrt = 0;
    sym->output_options |= BARCODE_QUIET_ZONES;
    /* A URL stays plain byte mode, which every phone reads. Other text is tagged UTF-8 with
     * ECI 26 instead of letting zint narrow it to Shift JIS, which Chinese text is not. */
    if (!is_ascii(payload)) {
        sym->input_mode = UNICODE_MODE;
        sym->eci = 26;
    }
    int rc = ZBarcode_Encode(sym, (const unsigned char *)payload, (int)strlen(payload));
    if (rc >= ZINT_ERROR)
        return lk_err_set_native(err, LK_EINVAL, LK_ERR_DOMAIN_VENDOR, rc,
                                 "render: QR payload cannot be encoded: %s", sym->errtxt);
    rc = ZBarcode_Buffer_Vector(sym, 0);
    if (rc >= ZINT_ERROR || !sym->vector || sym->vector->width <= 0)
        return lk_err_set_native(err, LK_ENOMEM, LK_ERR_DOMAIN_VENDOR, rc,
                                 "render: QR vector output failed: %s", sym->errtxt);
    return 0;
}

/* Extent of the dark modules, in mm on the page. */
static lk_render_rect ink_rect(const lk_placed *p)
{
    double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
    for (const struct zint_vector_rect *r = p->qr->vector->rectangles; r; r = r->next) {
        x0 = r->x < x0 ? r->x : x0;
        y0 = r->y < y0 ? r->y : y0;
        x1 = r->x + r->width > x1 ? r->x + r->width : x1;
        y1 = r->y + r->height > y1 ? r->y + r->height : y1;
    }
    if (x1 < x0)
        return (lk_render_rect){p->draw_x, p->draw_y, 0, 0};
    double k = p->qr_scale;
    return (lk_render_rect){p->draw_x + x0 * k, p->draw_y + y0 * k, (x1 - x0) * k, (y1 - y0) * k};
}

int lk_render_qr_place(const lk_tpl_item *it, const char *payload, double ox, double oy,
                       lk_placed *out, lk_err *err)
{
    out->qr = ZBarcode_Create();
    if (!out->qr)
        return lk_err_set(err, LK_ENOMEM, "render: out of memory");
    int rc = encode(out->qr, it, payload, err);
    if (rc < 0)
        return rc;
    const struct zint_vector *v = out->qr->vector;
    double side = it->w < it->h ? it->w : it->h;
    double big = v->width > v->height ? v->width : v->height;
    out->qr_scale = side / big;
    /* Centred in the box, so a calibrator can draw the box around the QR area of the stock. */
    out->draw_x = it->x + ox + (it->w - v->width * out->qr_scale) / 2;
    out->draw_y = it->y + oy + (it->h - v->height * out->qr_scale) / 2;
    out->box.logical = (lk_render_rect){out->draw_x, out->draw_y, v->width * out->qr_scale,
                                        v->height * out->qr_scale};
    out->box.ink = ink_rect(out);
    /* The dark modules span exactly sym->width modules (the quiet zone is outside them). */
    double module_mm = out->qr->width > 0 ? out->box.ink.w / out->qr->width : 0;
    if (module_mm < it->min_module_mm)
        return lk_err_set(err, LK_ENOSPC,
                          "render: QR payload too long for box %s (module %.2f mm < %.2f mm)",
                          it->id, module_mm, it->min_module_mm);
    return 0;
}

void lk_render_qr_draw(const lk_placed *p, cairo_t *cr)
{
    const double *c = p->item->color;
    cairo_save(cr);
    cairo_translate(cr, p->draw_x, p->draw_y);
    cairo_scale(cr, p->qr_scale, p->qr_scale);
    /* One path, one fill: adjacent modules merge, so the preview shows no anti-aliasing
     * seams between rows. */
    cairo_new_path(cr);
    for (const struct zint_vector_rect *r = p->qr->vector->rectangles; r; r = r->next)
        cairo_rectangle(cr, r->x, r->y, r->width, r->height);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    cairo_set_source_rgb(cr, c[0], c[1], c[2]);
    cairo_fill(cr);
    cairo_restore(cr);
}

void lk_render_qr_free(lk_placed *p)
{
    if (p->qr)
        ZBarcode_Delete(p->qr);
    p->qr = NULL;
}
