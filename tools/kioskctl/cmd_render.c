/* cmd_render: `kioskctl render`: draws one stored license as the kiosk would print it (PDF) or
 * preview it (PNG), so admins can check a template and technicians a calibration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kctl.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_render.h"

#define RENDER_USAGE                                                                               \
    "render USCC --copy original|duplicate [--copy-no N] [--overlay] [--template PATH]"            \
    " -o FILE.pdf|FILE.png"

typedef struct render_args {
    const char *uscc, *out, *template_path;
    lk_render_opts opts;
} render_args;

static int parse_args(kctl *k, int argc, char **argv, render_args *a)
{
    int copy_set = 0;
    memset(a, 0, sizeof *a);
    a->template_path = k->template_path;
    a->opts.copy_no = 1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--overlay") == 0) {
            a->opts.mode = LK_RENDER_OVERLAY;
        } else if (strcmp(arg, "--copy") == 0 && val) {
            copy_set = strcmp(val, "original") == 0 || strcmp(val, "duplicate") == 0;
            a->opts.copy = strcmp(val, "duplicate") == 0 ? LK_RENDER_DUPLICATE : LK_RENDER_ORIGINAL;
            i++;
        } else if (strcmp(arg, "--copy-no") == 0 && val && atoi(val) > 0) {
            a->opts.copy_no = atoi(argv[++i]);
        } else if (strcmp(arg, "--template") == 0 && val) {
            a->template_path = argv[++i];
        } else if (strcmp(arg, "-o") == 0 && val) {
            a->out = argv[++i];
        } else if (arg[0] != '-' && !a->uscc) {
            a->uscc = arg;
        } else {
            return -1;
        }
    }
    return (a->uscc && a->out && copy_set) ? 0 : -1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Overlay prints land on pre-printed stock, so they take this printer's calibration; a
 * full-page render is a preview of the design and does not. */
static int load_calibration(lk_store *st, render_args *a, lk_err *err)
{
    long long x = 0, y = 0;
    if (a->opts.mode != LK_RENDER_OVERLAY)
        return 0;
    int rc = lk_config_get_int(st, "printer.calibration_x_01mm", &x, err);
    if (rc == 0)
        rc = lk_config_get_int(st, "printer.calibration_y_01mm", &y, err);
    a->opts.cal_x_01mm = (int)x;
    a->opts.cal_y_01mm = (int)y;
    return rc;
}

/* PNG previews at 96 dpi, the resolution the kiosk's screens are designed for. */
static int render_png(lk_renderer *r, const lk_template *tpl, const lk_record *rec,
                      const render_args *a, lk_err *err)
{
    double w_mm = 0, h_mm = 0;
    lk_template_page_size(tpl, a->opts.copy, &w_mm, &h_mm);
    int w = (int)(w_mm / 25.4 * 96 + 0.5), h = (int)(h_mm / 25.4 * 96 + 0.5);
    return lk_render_png_file(r, rec, &a->opts, w, h, a->out, err);
}

static int render_one(lk_store *st, render_args *a, lk_err *err)
{
    lk_record *rec = NULL;
    lk_template *tpl = NULL;
    lk_renderer *r = NULL;
    int rc = lk_store_get_record(st, a->uscc, &rec, err);
    if (rc == 0)
        rc = load_calibration(st, a, err);
    if (rc == 0)
        rc = lk_template_load(a->template_path, &tpl, err);
    if (rc == 0)
        rc = lk_render_create(tpl, &r, err);
    if (rc == 0) {
        a->opts.copy_total = rec->duplicates;
        rc = ends_with(a->out, ".png") ? render_png(r, tpl, rec, a, err)
                                       : lk_render_pdf_file(r, rec, &a->opts, a->out, err);
    }
    lk_render_free(r);
    lk_template_free(tpl);
    lk_record_free(rec);
    lk_render_release_caches();
    return rc;
}

int kctl_cmd_render(kctl *k, int argc, char **argv)
{
    render_args a;
    if (parse_args(k, argc, argv, &a) != 0)
        return kctl_usage(RENDER_USAGE);
    if (!ends_with(a.out, ".pdf") && !ends_with(a.out, ".png"))
        return kctl_usage(RENDER_USAGE);
    lk_store *st = kctl_open_store(k);
    if (!st)
        return KCTL_FAIL;
    lk_err err = {0};
    int rc = render_one(st, &a, &err);
    lk_store_close(st);
    if (rc != 0) {
        kctl_error("render %s: %s", a.uscc, err.msg);
        return KCTL_FAIL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "uscc", a.uscc);
    cJSON_AddStringToObject(o, "copy",
                            a.opts.copy == LK_RENDER_DUPLICATE ? "duplicate" : "original");
    cJSON_AddStringToObject(o, "mode", a.opts.mode == LK_RENDER_OVERLAY ? "overlay" : "full");
    cJSON_AddStringToObject(o, "output", a.out);
    kctl_print_json(o);
    return KCTL_OK;
}
