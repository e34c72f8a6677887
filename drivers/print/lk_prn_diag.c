/* lk_prn_diag: the printer probe and the printed self-tests. Each call opens its own lk_cups
 * port (a short connection per request), so it can run on any worker beside the print worker. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cairo-pdf.h>
#include <cairo.h>

#include "kiosk/lk_config.h"
#include "kiosk/lk_printer.h"
#include "kiosk/lk_render.h"
#include "lk_cups.h"
#include "lk_prn_diag.h"

#define MM (72.0 / 25.4)

void lk_prn_diag_from_config(lk_store *st, lk_prn_diag *d)
{
    const char *env = getenv("LK_PRINTER");
    char *cfg = NULL;
    long long deadline = 60;
    memset(d, 0, sizeof *d);
    if (env && *env)
        snprintf(d->queue, sizeof d->queue, "%s", env);
    else if (lk_config_get(st, "printer.name", &cfg, NULL, NULL) == 0 && cfg)
        snprintf(d->queue, sizeof d->queue, "%s", cfg);
    free(cfg);
    (void)lk_config_get_int(st, "printer.job_deadline_s", &deadline, NULL);
    d->deadline_s = deadline > 0 && deadline < 3600 ? (int)deadline : 60;
}

static int open_port(const lk_prn_diag *d, lk_printer **p, lk_err *err)
{
    *p = NULL;
    if (!d->queue[0])
        return lk_err_set(err, LK_ECONFIG, "no printer configured (printer.name)");
    return lk_cups_open(d->queue, p, err);
}

/* Markers and media into detail; returns the worst alert (lk_printer_marker_alert), or 1 when
 * the printer says no media are loaded, and names it in what. */
static int add_supplies(const lk_printer_supplies *su, cJSON *d, char *what, size_t n)
{
    int worst = 0;
    cJSON *arr = cJSON_AddArrayToObject(d, "markers");
    for (int i = 0; i < su->n_markers; i++) {
        const lk_printer_marker *m = &su->markers[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", m->name);
        cJSON_AddStringToObject(o, "type", m->type);
        if (m->color[0])
            cJSON_AddStringToObject(o, "color", m->color);
        cJSON_AddNumberToObject(o, "level", m->level);
        if (m->low >= 0)
            cJSON_AddNumberToObject(o, "low", m->low);
        cJSON_AddItemToArray(arr, o);
        int a = lk_printer_marker_alert(m);
        if (a > worst) {
            worst = a;
            snprintf(what, n, "%.60s %s (%d%%)", m->name,
                     m->waste ? (a == 2 ? "full" : "nearly full") : (a == 2 ? "empty" : "low"),
                     m->level);
        }
    }
    if (su->media_known) {
        cJSON *media = cJSON_AddArrayToObject(d, "media_ready");
        for (int i = 0; i < su->n_media; i++)
            cJSON_AddItemToArray(media, cJSON_CreateString(su->media_ready[i]));
        if (su->n_media == 0 && worst == 0) {
            worst = 1;
            snprintf(what, n, "no media loaded");
        }
    }
    if (su->source[0])
        cJSON_AddStringToObject(d, "supplies_from", su->source);
    return worst;
}

static void probe(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)env;
    const lk_prn_diag *pd = ctx;
    lk_err err = {0};
    lk_printer *p = NULL;
    int rc = open_port(pd, &p, &err);
    if (rc == 0)
        rc = lk_printer_state(p, s, &err);
    if (pd->queue[0])
        cJSON_AddStringToObject(d, "queue", pd->queue);
    if (rc != 0) {
        s->status = LK_DEVICE_UNKNOWN;
        snprintf(s->reason, sizeof s->reason, "%.150s", err.msg);
        lk_printer_close(p);
        return;
    }
    lk_printer_supplies su;
    char what[120] = "";
    int alert =
        lk_printer_get_supplies(p, &su, NULL) == 0 ? add_supplies(&su, d, what, sizeof what) : 0;
    lk_printer_close(p);
    /* A state that is already worse keeps its own reason. */
    if (alert && (s->status == LK_DEVICE_NORMAL || s->status == LK_DEVICE_BUSY ||
                  (alert == 2 && s->status == LK_DEVICE_WARNING))) {
        s->status = alert == 2 ? LK_DEVICE_FAULT : LK_DEVICE_WARNING;
        snprintf(s->reason, sizeof s->reason, "%s", what);
    } else if (!s->reason[0] && s->status == LK_DEVICE_NORMAL) {
        snprintf(s->reason, sizeof s->reason, "ready");
    }
}

lk_diag_probe lk_prn_diag_probe(lk_prn_diag *d)
{
    return (lk_diag_probe){"printer", probe, d, 1};
}

/* Pages --------------------------------------------------------------------------------------- */

static cairo_t *a4_begin(lk_render_buf *out, cairo_surface_t **sf, int landscape)
{
    double w = landscape ? 297 : 210, h = landscape ? 210 : 297;
    *sf = cairo_pdf_surface_create_for_stream(lk_render_buf_write, out, w * MM, h * MM);
    cairo_t *cr = cairo_create(*sf);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    return cr;
}

static int a4_end(cairo_t *cr, cairo_surface_t *sf)
{
    cairo_destroy(cr);
    cairo_surface_finish(sf);
    int ok = cairo_surface_status(sf) == CAIRO_STATUS_SUCCESS;
    cairo_surface_destroy(sf);
    return ok ? 0 : LK_ENOMEM;
}

static void text_at(cairo_t *cr, double x_mm, double y_mm, double size, const char *s)
{
    cairo_set_font_size(cr, size);
    cairo_move_to(cr, x_mm * MM, y_mm * MM);
    cairo_show_text(cr, s);
}

/* An A4 page a technician can recognise: a frame 10 mm in from each edge (the printable area
 * check), the queue, the kiosk and the time. No licence data. */
static int test_page_pdf(const char *queue, const lk_diag_env *env, lk_render_buf *out)
{
    char line[200];
    cairo_surface_t *sf = NULL;
    cairo_t *cr = a4_begin(out, &sf, 0);
    cairo_set_line_width(cr, 0.5 * MM);
    cairo_rectangle(cr, 10 * MM, 10 * MM, 190 * MM, 277 * MM);
    cairo_stroke(cr);
    text_at(cr, 25, 40, 24, "licensekiosk test page");
    snprintf(line, sizeof line, "queue %s, software %s, time %lld", queue, env->software_version,
             (long long)env->now);
    text_at(cr, 25, 55, 12, line);
    return a4_end(cr, sf);
}

/* A registration cross with 5 mm arms and 1 mm ticks, centred on (x, y) mm. */
static void cross(cairo_t *cr, double x, double y)
{
    cairo_move_to(cr, (x - 5) * MM, y * MM);
    cairo_line_to(cr, (x + 5) * MM, y * MM);
    cairo_move_to(cr, x * MM, (y - 5) * MM);
    cairo_line_to(cr, x * MM, (y + 5) * MM);
    for (int t = -5; t <= 5; t++) {
        double k = t % 5 ? 0.5 : 1.0;
        cairo_move_to(cr, (x + t) * MM, (y - k) * MM);
        cairo_line_to(cr, (x + t) * MM, (y + k) * MM);
        cairo_move_to(cr, (x - k) * MM, (y + t) * MM);
        cairo_line_to(cr, (x + k) * MM, (y + t) * MM);
    }
    cairo_stroke(cr);
}

static void mm_text(char *buf, size_t n, int v01)
{
    snprintf(buf, n, "%s%d.%d mm", v01 < 0 ? "-" : "+", abs(v01) / 10, abs(v01) % 10);
}

/* The overlay calibration page, A4 landscape like the 副本 it calibrates: registration
 * crosses 20 mm in from each corner and at the centre, drawn where an overlay print puts them, i.e.
 * shifted by the calibration offsets as lk_render shifts every overlay item (+x right, +y down).
 * Laid on the pre-printed stock, the crosses against the stock's marks show which way to adjust.
 * The captions stay unshifted. */
int lk_prn_diag_calibration_pdf(const char *queue, const lk_diag_env *env, unsigned char **pdf,
                                size_t *len)
{
    static const double at[5][2] = {{20, 20}, {277, 20}, {20, 190}, {277, 190}, {148.5, 105}};
    lk_render_buf out = {0};
    char line[200], x[24], y[24];
    double dx = env->calib_x_01mm / 10.0, dy = env->calib_y_01mm / 10.0;
    cairo_surface_t *sf = NULL;
    cairo_t *cr = a4_begin(&out, &sf, 1);
    cairo_set_line_width(cr, 0.15 * MM);
    for (int i = 0; i < 5; i++)
        cross(cr, at[i][0] + dx, at[i][1] + dy);
    text_at(cr, 148.5 + dx + 2, 105 + dy - 2, 8, "calibration-mark");
    text_at(cr, 35, 60, 20, "licensekiosk calibration page");
    mm_text(x, sizeof x, env->calib_x_01mm);
    mm_text(y, sizeof y, env->calib_y_01mm);
    snprintf(line, sizeof line, "offset x %s, y %s (printer.calibration_x_01mm / _y_01mm)", x, y);
    text_at(cr, 35, 72, 10, line);
    snprintf(line, sizeof line, "queue %s, software %s, time %lld", queue, env->software_version,
             (long long)env->now);
    text_at(cr, 35, 80, 10, line);
    int rc = a4_end(cr, sf);
    if (rc != 0) {
        free(out.p);
        return rc;
    }
    *pdf = out.p;
    *len = out.len;
    return 0;
}

/* Self-tests ---------------------------------------------------------------------------------- */

/* Follows a job to a final state within deadline_s; returns its last state. */
static lk_job_state follow_job(lk_printer *p, int job, double deadline_s, lk_job_info *ji)
{
    struct timespec nap = {0, 200 * 1000 * 1000};
    memset(ji, 0, sizeof *ji);
    for (double waited = 0; waited < deadline_s; waited += 0.2) {
        lk_err err = {0};
        if (lk_printer_job(p, job, ji, &err) != 0) {
            snprintf(ji->reason, sizeof ji->reason, "%.190s", err.msg);
            return LK_JOB_GONE;
        }
        if (lk_job_state_final(ji->state))
            return ji->state;
        nanosleep(&nap, NULL);
    }
    return ji->state;
}

/* A page is not sent to a printer that is known to be unable to print it: it would only wait
 * out its deadline in the queue. */
static int printer_ready(lk_printer *p, lk_err *err)
{
    lk_device_state ds = {0};
    int rc = lk_printer_state(p, &ds, err);
    if (rc == 0 && (ds.status == LK_DEVICE_FAULT || ds.status == LK_DEVICE_UNKNOWN ||
                    ds.status == LK_DEVICE_DISABLED))
        rc = lk_err_set(err, LK_EIO, "printer not ready: %s", ds.reason);
    return rc;
}

typedef int (*page_fn)(const char *queue, const lk_diag_env *env, lk_render_buf *out);

static int calibration_page(const char *queue, const lk_diag_env *env, lk_render_buf *out)
{
    return lk_prn_diag_calibration_pdf(queue, env, &out->p, &out->len);
}

/* Prints one diagnostics page through the printer port, outside the journal (no licence, no
 * stock sheet, no customer copy): passed when the server says the job completed. */
static int print_page(const lk_prn_diag *d, const lk_diag_env *env, page_fn page, const char *tag,
                      cJSON *r)
{
    lk_err err = {0};
    lk_printer *p = NULL;
    lk_render_buf pdf = {0};
    char job_name[48];
    int job = 0, rc = open_port(d, &p, &err);
    if (rc == 0)
        rc = printer_ready(p, &err);
    if (rc == 0 && page(d->queue, env, &pdf) != 0)
        rc = lk_err_set(&err, LK_ENOMEM, "cannot render the page");
    snprintf(job_name, sizeof job_name, "lk-diag-%s-%lld", tag, (long long)env->now);
    lk_print_doc doc = {pdf.p, pdf.len, job_name, lk_printer_media("duplicate")};
    if (rc == 0)
        rc = lk_printer_submit(p, &doc, &job, &err);
    lk_job_info ji = {0};
    lk_job_state js = rc == 0 ? follow_job(p, job, (double)d->deadline_s, &ji) : LK_JOB_GONE;
    if (rc != 0)
        cJSON_AddStringToObject(r, "problem", err.msg);
    else {
        cJSON_AddNumberToObject(r, "job", job);
        cJSON_AddStringToObject(r, "job_state", lk_job_state_name(js));
        if (ji.reason[0])
            cJSON_AddStringToObject(r, "reason", ji.reason);
        if (js != LK_JOB_COMPLETED && !lk_job_state_final(js))
            (void)lk_printer_cancel(p, job, NULL);
    }
    if (d->queue[0])
        cJSON_AddStringToObject(r, "queue", d->queue);
    lk_printer_close(p);
    free(pdf.p);
    return rc == 0 && js == LK_JOB_COMPLETED && !ji.doubtful;
}

static int st_test_page(void *ctx, const lk_diag_env *env, cJSON *r)
{
    return print_page(ctx, env, test_page_pdf, "test", r);
}

static int st_calibration_page(void *ctx, const lk_diag_env *env, cJSON *r)
{
    cJSON_AddNumberToObject(r, "calibration_x_01mm", env->calib_x_01mm);
    cJSON_AddNumberToObject(r, "calibration_y_01mm", env->calib_y_01mm);
    return print_page(ctx, env, calibration_page, "calibration", r);
}

size_t lk_prn_diag_selftests(lk_prn_diag *d, lk_diag_selftest *out, size_t max)
{
    const lk_diag_selftest t[] = {
        {"test-page", "print a test page through the printer port", st_test_page, d, 1},
        {"calibration-page", "print the overlay calibration page with the current offsets",
         st_calibration_page, d, 1},
    };
    size_t k = 0;
    for (; k < sizeof t / sizeof t[0] && k < max; k++)
        out[k] = t[k];
    return k;
}
