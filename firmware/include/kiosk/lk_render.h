/* lk_render: draws one license record (正本 or 副本) with cairo and pango from a layout
 * template (assets/templates/, JSON), to PDF for printing and to an image surface for the
 * on-screen preview. This is the only header in the tree that includes cairo.h.
 *
 * Units: template positions are millimetres from the top-left paper corner; font sizes are
 * points. The same layout code serves PDF, preview and the layout query, so what the preview
 * shows and what the tests measure is what prints. */
#ifndef LK_KIOSK_LK_RENDER_H
#define LK_KIOSK_LK_RENDER_H

#include <stddef.h>

#include <cairo.h>

#include "kiosk/lk_err.h"
#include "kiosk/lk_record.h"

/* A parsed template: page sizes and item lists per copy kind. Immutable once loaded, so one
 * template may be shared by several renderers (and threads). */
typedef struct lk_template lk_template;

/* A renderer: a template plus the font map and caches that shaping needs. Not thread-safe;
 * create one per thread. */
typedef struct lk_renderer lk_renderer;

typedef enum lk_render_copy {
    LK_RENDER_ORIGINAL = 0,  /* 正本, A3 landscape in the 2019 template */
    LK_RENDER_DUPLICATE = 1, /* 副本, A4 landscape */
} lk_render_copy;

typedef enum lk_render_mode {
    LK_RENDER_FULL = 0,    /* plain paper: frame, emblem, title and every text (demos, tests) */
    LK_RENDER_OVERLAY = 1, /* 套打 on pre-printed stock: only the items the registry prints */
} lk_render_mode;

typedef struct lk_render_opts {
    lk_render_copy copy;
    int copy_no;    /* 副本 n of m (the mark prints "n—m"); ignored for the 正本 */
    int copy_total; /* m; values < 1 are treated as 1 */
    lk_render_mode mode;
    int cal_x_01mm; /* per-printer calibration in 0.1 mm, added to every item (+x right) */
    int cal_y_01mm; /* (+y down); pass 0 for previews */
} lk_render_opts;

typedef enum lk_render_kind {
    LK_RENDER_KIND_TEXT = 0,
    LK_RENDER_KIND_QR = 1,
    LK_RENDER_KIND_FRAME = 2,  /* the decorative border (full page only) */
    LK_RENDER_KIND_EMBLEM = 3, /* the emblem area (full page only) */
} lk_render_kind;

/* One drawn item as laid out: every rectangle is in mm from the top-left paper corner and
 * includes the calibration offset. For text, `logical` is pango's logical extent (line boxes)
 * and `ink` the glyph outlines; for a QR code, `logical` is the symbol with its quiet zone and
 * `ink` the dark modules. */
typedef struct lk_render_rect {
    double x, y, w, h;
} lk_render_rect;

typedef struct lk_render_box {
    char id[48]; /* the template item's id */
    lk_render_kind kind;
    lk_render_rect box;     /* the template's box */
    lk_render_rect logical; /* what was drawn, see above */
    lk_render_rect ink;
    double size_pt;     /* chosen font size (text) */
    double min_size_pt; /* the template's floor (text) */
    int lines;          /* text lines after wrapping */
} lk_render_box;

/* Template ---------------------------------------------------------------------------------- */

/* Reads and parses a template file. On failure returns LK_EIO (unreadable) or LK_EINVAL (bad
 * content; err names the item and key) and leaves *out NULL. Free with lk_template_free. */
int lk_template_load(const char *path, lk_template **out, lk_err *err);

/* Parses a template from json[0..len) (need not be NUL-terminated); as lk_template_load. */
int lk_template_parse(const char *json, size_t len, lk_template **out, lk_err *err);

void lk_template_free(lk_template *tpl);

/* Paper size of a copy kind in mm; returns 0 or LK_EINVAL for an unknown copy. */
int lk_template_page_size(const lk_template *tpl, lk_render_copy copy, double *w_mm, double *h_mm);

/* Number of items the template declares for a copy kind (before filtering by mode/entity). */
size_t lk_template_item_count(const lk_template *tpl, lk_render_copy copy);

/* Renderer ---------------------------------------------------------------------------------- */

/* Creates a renderer over tpl, which must outlive it. Creates its own pango font map and
 * fontconfig configuration: the system's fonts plus the build's GB 2312 font subsets from
 * $LK_FONT_DIR, else the folder compiled in (tools/fontsubset; without them the template's
 * fallback families render, slower). Returns 0, LK_EINVAL or LK_ENOMEM. */
int lk_render_create(const lk_template *tpl, lk_renderer **out, lk_err *err);

void lk_render_free(lk_renderer *r);

/* Drops cairo's and fontconfig's process-wide caches. Call once at process exit, after every
 * renderer is freed, so leak checkers see only real leaks. */
void lk_render_release_caches(void);

/* Renders one page as PDF to path. Fonts are embedded (subset); text stays text. Returns 0,
 * LK_EINVAL (bad record or options; err says which field), LK_ENOSPC (a text cannot fit its
 * box even at the template's floor size, so nothing is printed rather than clipping it),
 * LK_EIO or LK_ENOMEM. */
int lk_render_pdf_file(lk_renderer *r, const lk_record *rec, const lk_render_opts *opts,
                       const char *path, lk_err *err);

/* As lk_render_pdf_file, streaming the PDF through write_func(closure, data, len) as cairo
 * produces it (e.g. into a CUPS job). A write_func error yields LK_EIO. */
int lk_render_pdf_stream(lk_renderer *r, const lk_record *rec, const lk_render_opts *opts,
                         cairo_write_func_t write_func, void *closure, lk_err *err);

/* A growing in-memory buffer for lk_render_pdf_stream or any cairo stream surface: pass
 * lk_render_buf_write as the write function and a zeroed lk_render_buf as its closure; the
 * caller frees buf.p. */
typedef struct lk_render_buf {
    unsigned char *p;
    size_t len, cap;
} lk_render_buf;
cairo_status_t lk_render_buf_write(void *closure, const unsigned char *data, unsigned int len);

/* Draws the page into a new ARGB32 image surface of width_px x height_px: the page is scaled
 * to fit, centred on a transparent background with a white sheet. The caller destroys *out
 * with cairo_surface_destroy. */
int lk_render_preview(lk_renderer *r, const lk_record *rec, const lk_render_opts *opts,
                      int width_px, int height_px, cairo_surface_t **out, lk_err *err);

/* lk_render_preview written to a PNG file. */
int lk_render_png_file(lk_renderer *r, const lk_record *rec, const lk_render_opts *opts,
                       int width_px, int height_px, const char *path, lk_err *err);

/* Lays the page out without drawing: fills boxes[0..max) with every item that would be drawn,
 * in template order, and *n with how many there are (which may exceed max; only max are
 * written). Same return codes as lk_render_pdf_file. */
int lk_render_layout(lk_renderer *r, const lk_record *rec, const lk_render_opts *opts,
                     lk_render_box *boxes, size_t max, size_t *n, lk_err *err);

#endif
