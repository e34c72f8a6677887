/* bench_print: time from a print request to the job accepted by cupsd, through the kiosk's own
 * printer port (lk_cups): printer-state check, then create job, send the PDF, finish (what the
 * print worker does before its first SUBMITTED event). The PDF is a real 正本 rendered once
 * beforehand (render time is bench_render's). Needs a print server: tools/bench starts
 * tools/cups-rig and passes CUPS_SERVER / LK_PRINTER. Prints one JSON object.
 * Usage: lk_bench_print TEMPLATE [RUNS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kiosk/lk_gen.h"
#include "kiosk/lk_printer.h"
#include "kiosk/lk_render.h"
#include "lk_cups.h"

/* The renderer's growable buffer, so what is timed is what the printer adapter does. */
typedef lk_render_buf sink;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[(int)(p * (n - 1) + 0.5)];
}

static int render_original(const char *tpl_path, sink *pdf, lk_err *err)
{
    lk_template *tpl = NULL;
    lk_renderer *r = NULL;
    lk_record *rec = NULL;
    lk_gen g;
    lk_gen_init(&g, 7);
    lk_render_opts o = {.copy = LK_RENDER_ORIGINAL, .copy_no = 1, .copy_total = 1};
    int rc = lk_gen_record(&g, 1, &rec);
    if (rc == 0)
        rc = lk_template_load(tpl_path, &tpl, err);
    if (rc == 0)
        rc = lk_render_create(tpl, &r, err);
    if (rc == 0)
        rc = lk_render_pdf_stream(r, rec, &o, lk_render_buf_write, pdf, err);
    lk_render_free(r);
    lk_template_free(tpl);
    lk_record_free(rec);
    return rc;
}

/* One request: the state check the worker makes first, then the four-call submission. */
static int one(lk_printer *p, const sink *pdf, int i, double *ms, double *sub_ms, lk_err *err)
{
    char name[32];
    snprintf(name, sizeof name, "bench-%d", i);
    lk_print_doc doc = {pdf->p, pdf->len, name, "iso_a3_297x420mm"};
    lk_device_state ds;
    int id = 0;
    double t0 = now_ms();
    int rc = lk_printer_state(p, &ds, err);
    if (rc == 0 && (ds.status == LK_DEVICE_FAULT || ds.status == LK_DEVICE_DISABLED))
        rc = lk_err_set(err, LK_ENODEV, "printer %s: %s", lk_device_status_name(ds.status),
                        ds.reason);
    double t1 = now_ms();
    if (rc == 0)
        rc = lk_printer_submit(p, &doc, &id, err);
    *ms = now_ms() - t0;
    *sub_ms = now_ms() - t1;
    return rc;
}

int main(int argc, char **argv)
{
    const char *tpl = argc > 1 ? argv[1] : LK_TEMPLATE_PATH;
    int runs = argc > 2 ? atoi(argv[2]) : 30;
    const char *queue = getenv("LK_PRINTER");
    sink pdf = {0};
    lk_err err = {0};
    lk_printer *p = NULL;
    double *t = calloc((size_t)(runs > 0 ? runs : 1), sizeof *t);
    double *ts = calloc((size_t)(runs > 0 ? runs : 1), sizeof *ts);
    int rc = runs > 0 && t && ts ? 0 : 1;
    if (rc == 0 && (rc = render_original(tpl, &pdf, &err)) == 0)
        rc = lk_cups_open(queue, &p, &err);
    for (int i = 0; rc == 0 && i < runs; i++)
        rc = one(p, &pdf, i, &t[i], &ts[i], &err);
    if (rc == 0)
        printf("{\"benchmark\":\"print\",\"runs\":%d,\"pdf_bytes\":%zu,"
               "\"request_to_accepted_ms\":{\"p50\":%.2f,\"p99\":%.2f},"
               "\"of_which_submit_ms\":{\"p50\":%.2f,\"p99\":%.2f}}\n",
               runs, pdf.len, percentile(t, runs, 0.5), percentile(t, runs, 0.99),
               percentile(ts, runs, 0.5), percentile(ts, runs, 0.99));
    else
        fprintf(stderr, "bench_print: %s\n", err.msg);
    lk_printer_close(p);
    free(pdf.p);
    free(t);
    free(ts);
    lk_render_release_caches();
    return rc == 0 ? 0 : 1;
}
