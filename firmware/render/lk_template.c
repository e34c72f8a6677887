/* lk_template: parses the layout template (assets/templates/, JSON) into the structs the
 * renderer walks. Strict on purpose: a typo in a key, an unknown label slot or a box outside
 * the paper is an error naming the item, because a silently ignored key would misprint
 * licences on real stock. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lk_render_int.h"

#define TPL_MAX_BYTES (1024 * 1024)
#define TPL_VERSION   1

/* Where a message points: "original.items[3] (name_label)". */
typedef struct where {
    const char *page;
    int index;
    const char *id;
} where;

static const char *const kind_names[] = {"text", "qr", "frame", "emblem", NULL};
static const char *const print_names[] = {"both", "full", "overlay", NULL};
static const char *const fit_names[] = {"line", "paragraph", NULL};
static const char *const align_names[] = {"left", "center", "right", "justify", NULL};
static const char *const valign_names[] = {"top", "middle", "bottom", NULL};
static const char *const ecc_names[] = {"L", "M", "Q", "H", NULL};
static const char *const label_names[] = {"holder", "capital",     "date", "term",
                                          "place",  "composition", NULL};
static const char *const field_names[] = {"uscc",
                                          "name",
                                          "type",
                                          "holder",
                                          "capital",
                                          "composition",
                                          "established",
                                          "term",
                                          "address",
                                          "scope",
                                          "authority",
                                          "registered",
                                          "registered_year",
                                          "registered_month",
                                          "registered_day",
                                          "copy_mark",
                                          NULL};
static const char *const item_keys[] = {
    "id",    "kind",          "x_mm",    "y_mm",         "w_mm",
    "h_mm",  "print",         "text",    "label",        "field",
    "font",  "bold",          "size_pt", "min_size_pt",  "fit",
    "align", "valign",        "color",   "line_spacing", "letter_spacing_pt",
    "ecc",   "min_module_mm", NULL};

static int fail(lk_err *err, const where *w, const char *what, const char *key)
{
    if (w->index < 0)
        return lk_err_set(err, LK_EINVAL, "template: %s: %s \"%s\"", w->page, what, key);
    return lk_err_set(err, LK_EINVAL, "template: %s.items[%d] (%s): %s \"%s\"", w->page, w->index,
                      w->id ? w->id : "?", what, key);
}

static int lookup_name(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

/* Reads a number key; a missing optional key leaves *out untouched. */
static int get_number(const cJSON *obj, const char *key, int required, double *out, lk_err *err,
                      const where *w)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return required ? fail(err, w, "missing key", key) : 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return fail(err, w, "expected a number for", key);
    *out = v->valuedouble;
    return 0;
}

/* Reads a string key; *out stays NULL when an optional key is missing. */
static int get_string(const cJSON *obj, const char *key, int required, const char **out,
                      lk_err *err, const where *w)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!v)
        return required ? fail(err, w, "missing key", key) : 0;
    if (!cJSON_IsString(v) || !v->valuestring)
        return fail(err, w, "expected a string for", key);
    if (v->valuestring[0] == '\0')
        return fail(err, w, "empty string for", key);
    *out = v->valuestring;
    return 0;
}

/* Reads an enumerated string key into *out (left untouched when optional and missing). */
static int get_enum(const cJSON *obj, const char *key, const char *const *names, int *out,
                    lk_err *err, const where *w)
{
    const char *s;
    int rc = get_string(obj, key, 0, &s, err, w);
    if (rc < 0 || !s)
        return rc;
    int i = lookup_name(names, s);
    if (i < 0)
        return fail(err, w, "unknown value for", key);
    *out = i;
    return 0;
}

static int check_keys(const cJSON *obj, const char *const *allowed, lk_err *err, const where *w)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        /* Keys starting with '_' are comments, so calibrators can annotate items. */
        if (c->string && c->string[0] != '_' && lookup_name(allowed, c->string) < 0)
            return fail(err, w, "unknown key", c->string);
    }
    return 0;
}

static int parse_color(const char *s, double rgb[3])
{
    unsigned v;
    char tail;
    if (strlen(s) != 7 || s[0] != '#' || sscanf(s + 1, "%6x%c", &v, &tail) != 1)
        return -1;
    rgb[0] = ((v >> 16) & 0xff) / 255.0;
    rgb[1] = ((v >> 8) & 0xff) / 255.0;
    rgb[2] = (v & 0xff) / 255.0;
    return 0;
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* The text source: exactly one of text, label, field. */
static int parse_source(const cJSON *obj, lk_tpl_item *it, lk_err *err, const where *w)
{
    const char *text, *label, *field;
    int rc;
    if ((rc = get_string(obj, "text", 0, &text, err, w)) < 0 ||
        (rc = get_string(obj, "label", 0, &label, err, w)) < 0 ||
        (rc = get_string(obj, "field", 0, &field, err, w)) < 0)
        return rc;
    if ((text != NULL) + (label != NULL) + (field != NULL) != 1)
        return fail(err, w, "needs exactly one of", "text/label/field");
    if (text) {
        it->source = LK_TPL_SRC_TEXT;
        it->text = dup_string(text);
        return it->text ? 0 : lk_err_set(err, LK_ENOMEM, "template: out of memory");
    }
    it->source = label ? LK_TPL_SRC_LABEL : LK_TPL_SRC_FIELD;
    it->slot = lookup_name(label ? label_names : field_names, label ? label : field);
    if (it->slot < 0)
        return fail(err, w, label ? "unknown label slot" : "unknown field", label ? label : field);
    return 0;
}

static int parse_font(const cJSON *obj, lk_tpl_item *it, lk_err *err, const where *w)
{
    const char *font;
    int rc = get_string(obj, "font", 1, &font, err, w);
    if (rc < 0)
        return rc;
    if (strlen(font) > 200)
        return fail(err, w, "font name too long in", "font");
    if (!(it->font = dup_string(font)))
        return lk_err_set(err, LK_ENOMEM, "template: out of memory");
    const cJSON *bold = cJSON_GetObjectItemCaseSensitive(obj, "bold");
    if (bold && !cJSON_IsBool(bold))
        return fail(err, w, "expected true or false for", "bold");
    it->bold = bold && cJSON_IsTrue(bold);
    if ((rc = get_number(obj, "size_pt", 1, &it->size_pt, err, w)) < 0)
        return rc;
    it->min_size_pt = it->size_pt;
    if ((rc = get_number(obj, "min_size_pt", 0, &it->min_size_pt, err, w)) < 0)
        return rc;
    if (!(it->size_pt >= 1 && it->size_pt <= 200))
        return fail(err, w, "out of range (1..200)", "size_pt");
    if (!(it->min_size_pt >= 1 && it->min_size_pt <= it->size_pt))
        return fail(err, w, "out of range (1..size_pt)", "min_size_pt");
    return 0;
}

/* Text-only settings: source, font, fitting, alignment. */
static int parse_text_item(const cJSON *obj, lk_tpl_item *it, lk_err *err, const where *w)
{
    int rc, fit = 0, align = 0, valign = 0;
    if ((rc = parse_source(obj, it, err, w)) < 0 || (rc = parse_font(obj, it, err, w)) < 0 ||
        (rc = get_enum(obj, "fit", fit_names, &fit, err, w)) < 0 ||
        (rc = get_enum(obj, "align", align_names, &align, err, w)) < 0 ||
        (rc = get_enum(obj, "valign", valign_names, &valign, err, w)) < 0 ||
        (rc = get_number(obj, "line_spacing", 0, &it->line_spacing, err, w)) < 0 ||
        (rc = get_number(obj, "letter_spacing_pt", 0, &it->letter_spacing_pt, err, w)) < 0)
        return rc;
    it->fit = (lk_tpl_fit)fit;
    it->align = (lk_tpl_align)align;
    it->valign = (lk_tpl_valign)valign;
    if (it->line_spacing != 0 && !(it->line_spacing >= 0.5 && it->line_spacing <= 3))
        return fail(err, w, "out of range (0 or 0.5..3)", "line_spacing");
    if (!(it->letter_spacing_pt >= -2 && it->letter_spacing_pt <= 50))
        return fail(err, w, "out of range (-2..50)", "letter_spacing_pt");
    return 0;
}

static int parse_qr_item(const cJSON *obj, lk_tpl_item *it, lk_err *err, const where *w)
{
    int rc, ecc = 1;
    it->min_module_mm = 0.25;
    if ((rc = get_enum(obj, "ecc", ecc_names, &ecc, err, w)) < 0 ||
        (rc = get_number(obj, "min_module_mm", 0, &it->min_module_mm, err, w)) < 0)
        return rc;
    it->ecc = ecc + 1; /* zint counts L=1 .. H=4 */
    if (!(it->min_module_mm >= 0.05 && it->min_module_mm <= 10))
        return fail(err, w, "out of range (0.05..10)", "min_module_mm");
    return 0;
}

static int parse_box(const cJSON *obj, const lk_tpl_page *page, lk_tpl_item *it, lk_err *err,
                     const where *w)
{
    int rc;
    if ((rc = get_number(obj, "x_mm", 1, &it->x, err, w)) < 0 ||
        (rc = get_number(obj, "y_mm", 1, &it->y, err, w)) < 0 ||
        (rc = get_number(obj, "w_mm", 1, &it->w, err, w)) < 0 ||
        (rc = get_number(obj, "h_mm", 1, &it->h, err, w)) < 0)
        return rc;
    if (!(it->w > 0 && it->h > 0))
        return fail(err, w, "box must have a positive size:", "w_mm/h_mm");
    if (!(it->x >= 0 && it->y >= 0 && it->x + it->w <= page->w && it->y + it->h <= page->h))
        return fail(err, w, "box lies outside the paper:", "x_mm/y_mm/w_mm/h_mm");
    return 0;
}

static int parse_item_common(const cJSON *obj, const lk_tpl_page *page, lk_tpl_item *it,
                             lk_err *err, where *w)
{
    const char *id, *color;
    int rc, kind = 0, print = 0;
    if ((rc = get_string(obj, "id", 1, &id, err, w)) < 0)
        return rc;
    if (strlen(id) >= sizeof it->id)
        return fail(err, w, "id too long in", "id");
    memcpy(it->id, id, strlen(id) + 1);
    w->id = it->id;
    if ((rc = check_keys(obj, item_keys, err, w)) < 0 ||
        (rc = get_enum(obj, "kind", kind_names, &kind, err, w)) < 0 ||
        (rc = get_enum(obj, "print", print_names, &print, err, w)) < 0 ||
        (rc = parse_box(obj, page, it, err, w)) < 0 ||
        (rc = get_string(obj, "color", 0, &color, err, w)) < 0)
        return rc;
    it->kind = (lk_render_kind)kind;
    it->print = (lk_tpl_print)print;
    if (color && parse_color(color, it->color) < 0)
        return fail(err, w, "expected #rrggbb for", "color");
    return 0;
}

static int parse_item(const cJSON *obj, const lk_tpl_page *page, lk_tpl_item *it, lk_err *err,
                      where *w)
{
    if (!cJSON_IsObject(obj))
        return fail(err, w, "expected an object for", "item");
    int rc = parse_item_common(obj, page, it, err, w);
    if (rc < 0)
        return rc;
    if (it->kind == LK_RENDER_KIND_TEXT)
        return parse_text_item(obj, it, err, w);
    if (it->kind == LK_RENDER_KIND_QR)
        return parse_qr_item(obj, it, err, w);
    return 0;
}

/* Ids name items in layout results and error messages, so they must be unique per page. */
static int check_unique_ids(const lk_tpl_page *page, lk_err *err, where *w)
{
    for (size_t i = 0; i < page->n_items; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(page->items[i].id, page->items[j].id) == 0) {
                w->index = (int)i;
                w->id = page->items[i].id;
                return fail(err, w, "duplicate", "id");
            }
    return 0;
}

static int parse_items(const cJSON *arr, lk_tpl_page *page, lk_err *err, where *w)
{
    int n = cJSON_GetArraySize(arr);
    if (n < 1 || n > LK_TPL_MAX_ITEMS)
        return fail(err, w, "needs 1..256 entries in", "items");
    page->items = calloc((size_t)n, sizeof *page->items);
    if (!page->items)
        return lk_err_set(err, LK_ENOMEM, "template: out of memory");
    int i = 0;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        w->index = i;
        w->id = NULL;
        page->n_items = (size_t)i + 1; /* so a half-parsed item is still freed */
        int rc = parse_item(c, page, &page->items[i], err, w);
        if (rc < 0)
            return rc;
    }
    w->index = -1;
    return check_unique_ids(page, err, w);
}

static int parse_page(const cJSON *root, const char *name, lk_tpl_page *page, lk_err *err)
{
    where w = {name, -1, NULL};
    static const char *const page_keys[] = {"w_mm", "h_mm", "items", NULL};
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!obj)
        return lk_err_set(err, LK_EINVAL, "template: missing key \"%s\"", name);
    if (!cJSON_IsObject(obj))
        return lk_err_set(err, LK_EINVAL, "template: expected an object for \"%s\"", name);
    int rc;
    if ((rc = check_keys(obj, page_keys, err, &w)) < 0 ||
        (rc = get_number(obj, "w_mm", 1, &page->w, err, &w)) < 0 ||
        (rc = get_number(obj, "h_mm", 1, &page->h, err, &w)) < 0)
        return rc;
    if (!(page->w >= 10 && page->w <= 2000 && page->h >= 10 && page->h <= 2000))
        return fail(err, &w, "page size out of range (10..2000):", "w_mm/h_mm");
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(obj, "items");
    if (!items)
        return fail(err, &w, "missing key", "items");
    if (!cJSON_IsArray(items))
        return fail(err, &w, "expected an array for", "items");
    return parse_items(items, page, err, &w);
}

static int parse_root(const cJSON *root, lk_template *tpl, lk_err *err)
{
    static const char *const root_keys[] = {"version", "original", "duplicate", NULL};
    where w = {"top level", -1, NULL};
    double version = 0;
    int rc;
    if (!cJSON_IsObject(root))
        return lk_err_set(err, LK_EINVAL, "template: top level is not a JSON object");
    if ((rc = check_keys(root, root_keys, err, &w)) < 0 ||
        (rc = get_number(root, "version", 1, &version, err, &w)) < 0)
        return rc;
    if (version != TPL_VERSION)
        return lk_err_set(err, LK_EVERSION, "template: version %g not supported (expected %d)",
                          version, TPL_VERSION);
    if ((rc = parse_page(root, "original", &tpl->pages[LK_RENDER_ORIGINAL], err)) < 0)
        return rc;
    return parse_page(root, "duplicate", &tpl->pages[LK_RENDER_DUPLICATE], err);
}

int lk_template_parse(const char *json, size_t len, lk_template **out, lk_err *err)
{
    if (!out)
        return lk_err_set(err, LK_EINVAL, "template: no output pointer");
    *out = NULL;
    if (!json || len == 0 || len > TPL_MAX_BYTES)
        return lk_err_set(err, LK_EINVAL, "template: empty or larger than 1 MiB");
    lk_template *tpl = calloc(1, sizeof *tpl);
    if (!tpl)
        return lk_err_set(err, LK_ENOMEM, "template: out of memory");
    cJSON *root = cJSON_ParseWithLength(json, len);
    int rc =
        root ? parse_root(root, tpl, err) : lk_err_set(err, LK_EINVAL, "template: not valid JSON");
    cJSON_Delete(root);
    if (rc < 0) {
        lk_template_free(tpl);
        return rc;
    }
    *out = tpl;
    return 0;
}

static int read_file(const char *path, char **buf, size_t *len, lk_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, errno,
                                 "template: cannot open %s: %s", path, strerror(errno));
    *buf = malloc(TPL_MAX_BYTES + 1);
    int rc = 0;
    if (!*buf)
        rc = lk_err_set(err, LK_ENOMEM, "template: out of memory");
    else {
        *len = fread(*buf, 1, TPL_MAX_BYTES + 1, f);
        if (ferror(f))
            rc = lk_err_set(err, LK_EIO, "template: cannot read %s", path);
        else if (*len > TPL_MAX_BYTES)
            rc = lk_err_set(err, LK_EINVAL, "template: %s is larger than 1 MiB", path);
    }
    fclose(f);
    return rc;
}

int lk_template_load(const char *path, lk_template **out, lk_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    if (!out || !path)
        return lk_err_set(err, LK_EINVAL, "template: no path or output pointer");
    *out = NULL;
    int rc = read_file(path, &buf, &len, err);
    if (rc == 0)
        rc = lk_template_parse(buf, len, out, err);
    free(buf);
    return rc;
}

void lk_template_free(lk_template *tpl)
{
    if (!tpl)
        return;
    for (size_t p = 0; p < 2; p++) {
        for (size_t i = 0; i < tpl->pages[p].n_items; i++) {
            free(tpl->pages[p].items[i].text);
            free(tpl->pages[p].items[i].font);
        }
        free(tpl->pages[p].items);
    }
    free(tpl);
}

int lk_template_page_size(const lk_template *tpl, lk_render_copy copy, double *w_mm, double *h_mm)
{
    if (!tpl || (copy != LK_RENDER_ORIGINAL && copy != LK_RENDER_DUPLICATE))
        return LK_EINVAL;
    if (w_mm)
        *w_mm = tpl->pages[copy].w;
    if (h_mm)
        *h_mm = tpl->pages[copy].h;
    return 0;
}

size_t lk_template_item_count(const lk_template *tpl, lk_render_copy copy)
{
    if (!tpl || (copy != LK_RENDER_ORIGINAL && copy != LK_RENDER_DUPLICATE))
        return 0;
    return tpl->pages[copy].n_items;
}
