/* bench_render: time per licence render, the worst realistic case: a 正本 whose 经营范围 has
 * the full 3,000 characters. PDF into memory (what the print path streams to CUPS) and a
 * 1920x1080 preview (what the touchscreen shows). p50/p99 are of a warm renderer (the kiosk
 * keeps one per process); "first" is the first PDF of a new renderer and create_ms the time to
 * load the template and create the renderer. Prints one JSON object; never run by ctest.
 * Usage: lk_bench_render [TEMPLATE] [RUNS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kiosk/lk_render.h"

#define SCOPE_CHARS 3000

/* The renderer's growable buffer, so what is timed is what the printer adapter does. */
typedef lk_render_buf sink;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    int i = (int)(p * (n - 1) + 0.5);
    return v[i];
}

/* 3,000 code points of a realistic scope: CJK with full-width punctuation and digits. */
static char *long_scope(void)
{
    static const char unit[] =
        "一般经营项目是：计算机软、硬件的设计、技术开发、销售（不含专营、专控、"
        "专卖商品及限制项目）；数据库及计算机网络服务；第2类增值电信业务。";
    char *s = malloc(SCOPE_CHARS * 4 + 1);
    size_t w = 0, i = 0;
    for (int count = 0; s && count < SCOPE_CHARS; count++) {
        unsigned char c = (unsigned char)unit[i];
        size_t cl = c < 0x80 ? 1 : c < 0xe0 ? 2 : 3;
        memcpy(s + w, unit + i, cl);
        w += cl;
        i = (i + cl) % (sizeof unit - 1);
    }
    if (s)
        s[w] = '\0';
    return s;
}

static void fill_record(lk_record *rec, char *scope)
{
    memset(rec, 0, sizeof *rec);
    rec->uscc = "914403001922038216";
    rec->name = "深圳市腾讯计算机系统有限公司";
    rec->entity_type = "company";
    rec->holder.name = "马化腾";
    rec->scope = scope;
    rec->capital = "人民币陆仟伍佰万元";
    rec->established = "1998-11-11";
    rec->term_from = "1998-11-11";
    rec->address = "深圳市南山区粤海街道麻岭社区科技中一路腾讯大厦35层";
    rec->authority = "深圳市市场监督管理局";
    rec->registered = "2019-03-01";
}

static int time_pdf(lk_renderer *r, const lk_record *rec, const lk_render_opts *o, double *ms,
                    lk_err *err)
{
    sink s = {0};
    double t0 = now_ms();
    int rc = lk_render_pdf_stream(r, rec, o, lk_render_buf_write, &s, err);
    *ms = now_ms() - t0;
    free(s.p);
    return rc;
}

static int time_preview(lk_renderer *r, const lk_record *rec, const lk_render_opts *o, double *ms,
                        lk_err *err)
{
    cairo_surface_t *surface = NULL;
    double t0 = now_ms();
    int rc = lk_render_preview(r, rec, o, 1920, 1080, &surface, err);
    *ms = now_ms() - t0;
    if (surface)
        cairo_surface_destroy(surface);
    return rc;
}

static int run_bench(lk_renderer *r, const lk_record *rec, int runs, double *pdf, double *pre,
                     double *cold, lk_err *err)
{
    lk_render_opts o = {.copy = LK_RENDER_ORIGINAL, .mode = LK_RENDER_FULL};
    double ignored;
    /* The first render loads fonts into the renderer's font map: a once-per-boot cost,
     * reported apart (cold) and left out of the percentiles (the kiosk keeps its renderer). */
    if (time_pdf(r, rec, &o, cold, err) < 0 || time_preview(r, rec, &o, &ignored, err) < 0)
        return -1;
    for (int i = 0; i < runs; i++)
        if (time_pdf(r, rec, &o, &pdf[i], err) < 0 || time_preview(r, rec, &o, &pre[i], err) < 0)
            return -1;
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : LK_TEMPLATE_PATH;
    int runs = argc > 2 ? atoi(argv[2]) : 100;
    lk_template *tpl = NULL;
    lk_renderer *r = NULL;
    lk_err err = {0};
    lk_record rec;
    char *scope = long_scope();
    double *pdf = calloc((size_t)(runs > 0 ? runs : 1), sizeof *pdf);
    double *pre = calloc((size_t)(runs > 0 ? runs : 1), sizeof *pre);
    int rc = 1;
    if (runs < 1 || !scope || !pdf || !pre)
        goto out;
    fill_record(&rec, scope);
    double t0 = now_ms(), create_ms = 0, cold_ms = 0;
    if (lk_template_load(path, &tpl, &err) < 0 || lk_render_create(tpl, &r, &err) < 0 ||
        (create_ms = now_ms() - t0, run_bench(r, &rec, runs, pdf, pre, &cold_ms, &err)) < 0) {
        fprintf(stderr, "bench_render: %s\n", err.msg);
        goto out;
    }
    printf("{\"benchmark\":\"render\",\"runs\":%d,\"scope_chars\":%d,"
           "\"pdf_ms\":{\"p50\":%.2f,\"p99\":%.2f,\"target\":30,\"first\":%.2f},"
           "\"preview_ms\":{\"p50\":%.2f,\"p99\":%.2f,\"target\":50,\"size\":\"1920x1080\"},"
           "\"create_ms\":%.2f}\n",
           runs, SCOPE_CHARS, percentile(pdf, runs, 0.5), percentile(pdf, runs, 0.99), cold_ms,
           percentile(pre, runs, 0.5), percentile(pre, runs, 0.99), create_ms);
    rc = 0;
out:
    lk_render_free(r);
    lk_template_free(tpl);
    free(scope);
    free(pdf);
    free(pre);
    return rc;
}
