/* lk_render_int: what the render sources share and nobody else sees: the parsed template,
 * the page plan (every item laid out before anything is drawn) and the helpers between the
 * files. pango and zint types stay here, never in a public header. */
#ifndef LK_FIRMWARE_RENDER_LK_RENDER_INT_H
#define LK_FIRMWARE_RENDER_LK_RENDER_INT_H

#include <stddef.h>

#include <pango/pangocairo.h>

#include "kiosk/lk_entity.h"
#include "kiosk/lk_render.h"

#define LK_TPL_MAX_ITEMS 256
#define LK_MM_PER_PT     (25.4 / 72.0)

typedef enum lk_tpl_source {
    LK_TPL_SRC_NONE = 0, /* frame, emblem, QR: no text */
    LK_TPL_SRC_TEXT,     /* literal text from the template */
    LK_TPL_SRC_LABEL,    /* a label slot filled from lk_entity */
    LK_TPL_SRC_FIELD,    /* a record field */
} lk_tpl_source;

typedef enum lk_tpl_label {
    LK_TPL_LABEL_HOLDER = 0,
    LK_TPL_LABEL_CAPITAL,
    LK_TPL_LABEL_DATE,
    LK_TPL_LABEL_TERM,
    LK_TPL_LABEL_PLACE,
    LK_TPL_LABEL_COMPOSITION,
    LK_TPL_LABEL_COUNT
} lk_tpl_label;

typedef enum lk_tpl_field {
    LK_TPL_FIELD_USCC = 0,
    LK_TPL_FIELD_NAME,
    LK_TPL_FIELD_TYPE,
    LK_TPL_FIELD_HOLDER,
    LK_TPL_FIELD_CAPITAL,
    LK_TPL_FIELD_COMPOSITION,
    LK_TPL_FIELD_ESTABLISHED,
    LK_TPL_FIELD_TERM,
    LK_TPL_FIELD_ADDRESS,
    LK_TPL_FIELD_SCOPE,
    LK_TPL_FIELD_AUTHORITY,
    LK_TPL_FIELD_REGISTERED,
    LK_TPL_FIELD_REGISTERED_YEAR,
    LK_TPL_FIELD_REGISTERED_MONTH,
    LK_TPL_FIELD_REGISTERED_DAY,
    LK_TPL_FIELD_COPY_MARK,
    LK_TPL_FIELD_COUNT
} lk_tpl_field;

/* Which entity-type feature an item depends on; items whose feature the type lacks are
 * skipped (no capital on a 个体工商户 licence, no term, composition only there). */
typedef enum lk_tpl_need {
    LK_TPL_NEED_NONE = 0,
    LK_TPL_NEED_CAPITAL,
    LK_TPL_NEED_TERM,
    LK_TPL_NEED_COMPOSITION,
} lk_tpl_need;

typedef enum lk_tpl_print {
    LK_TPL_PRINT_BOTH = 0, /* printed on stock and on plain paper */
    LK_TPL_PRINT_FULL,     /* pre-printed on stock, so drawn on plain paper only */
    LK_TPL_PRINT_OVERLAY,  /* only on stock (e.g. date digits between pre-printed 年月日) */
} lk_tpl_print;

typedef enum lk_tpl_fit {
    LK_TPL_FIT_LINE = 0,  /* one line, shrinking to the floor; then wrapped */
    LK_TPL_FIT_PARAGRAPH, /* wrapped from the start, shrinking until it fits the height */
} lk_tpl_fit;

typedef enum lk_tpl_align {
    LK_TPL_ALIGN_LEFT = 0,
    LK_TPL_ALIGN_CENTER,
    LK_TPL_ALIGN_RIGHT,
    LK_TPL_ALIGN_JUSTIFY,
} lk_tpl_align;

typedef enum lk_tpl_valign {
    LK_TPL_VALIGN_TOP = 0,
    LK_TPL_VALIGN_MIDDLE,
    LK_TPL_VALIGN_BOTTOM,
} lk_tpl_valign;

typedef struct lk_tpl_item {
    char id[48];
    lk_render_kind kind;
    double x, y, w, h; /* mm */
    lk_tpl_print print;
    lk_tpl_source source;
    int slot;   /* lk_tpl_label or lk_tpl_field, by source */
    char *text; /* LK_TPL_SRC_TEXT */
    char *font; /* pango family list */
    int bold;
    double size_pt, min_size_pt;
    double line_spacing; /* pango factor; 0 = the font's own line height */
    double letter_spacing_pt;
    lk_tpl_fit fit;
    lk_tpl_align align;
    lk_tpl_valign valign;
    double color[3];
    int ecc;              /* QR: 1..4 = L, M, Q, H */
    double min_module_mm; /* QR: refuse payloads whose modules would be smaller */
} lk_tpl_item;

typedef struct lk_tpl_page {
    double w, h; /* mm */
    lk_tpl_item *items;
    size_t n_items;
} lk_tpl_page;

struct lk_template {
    lk_tpl_page pages[2]; /* indexed by lk_render_copy */
};

struct lk_renderer {
    const lk_template *tpl;
    PangoFontMap *font_map;
    PangoContext *context;
    struct _FcConfig *fc_config; /* the renderer's own fontconfig (subset fonts), or NULL */
};

/* One item after layout, ready to draw. */
typedef struct lk_placed {
    const lk_tpl_item *item;
    lk_render_box box;
    PangoLayout *layout; /* text */
    double draw_x, draw_y;
    struct zint_symbol *qr; /* QR: encoded symbol with its vector */
    double qr_scale;        /* mm per zint vector unit */
} lk_placed;

typedef struct lk_page_plan {
    double w, h; /* mm */
    lk_placed *items;
    size_t n;
} lk_page_plan;

/* lk_render_plan.c */
int lk_render_plan_build(lk_renderer *r, const lk_record *rec, const lk_render_opts *opts,
                         lk_page_plan *plan, lk_err *err);
void lk_render_plan_draw(const lk_page_plan *plan, cairo_t *cr);
void lk_render_plan_free(lk_page_plan *plan);

/* lk_render_fields.c: the text an item prints; *text is NULL when the item is skipped.
 * buf holds formatted values (dates, terms, the copy mark). */
int lk_render_item_text(const lk_tpl_item *it, const lk_record *rec, const lk_entity_type *et,
                        const lk_render_opts *opts, char *buf, size_t bufsz, const char **text,
                        lk_err *err);
const char *lk_render_payload(const lk_record *rec, char *buf, size_t bufsz);

/* lk_render_text.c: fits text into the item's box at (ox, oy) = calibration offset. */
int lk_render_text_place(PangoContext *ctx, const lk_tpl_item *it, const char *text, double ox,
                         double oy, lk_placed *out, lk_err *err);
void lk_render_text_draw(const lk_placed *p, cairo_t *cr);

/* lk_render_qr.c */
int lk_render_qr_place(const lk_tpl_item *it, const char *payload, double ox, double oy,
                       lk_placed *out, lk_err *err);
void lk_render_qr_draw(const lk_placed *p, cairo_t *cr);
void lk_render_qr_free(lk_placed *p);

/* lk_render_deco.c: frame and emblem for plain paper. */
void lk_render_deco_place(const lk_tpl_item *it, double ox, double oy, lk_placed *out);
void lk_render_deco_draw(const lk_placed *p, cairo_t *cr);

#endif
