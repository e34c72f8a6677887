/* lk-render-helper: renders one PDF for lk_render_proc and exits, so the printing process never
 * holds what cairo and pango take to embed the CJK faces. Usage (lk_render_proc's, not a
 * person's): lk-render-helper TEMPLATE COPY COPY_NO COPY_TOTAL MODE CAL_X CAL_Y, the record as
 * JSON on stdin; the PDF on stdout. Exit 0, or the negated lk_err code with the message on
 * stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kiosk/lk_record.h"
#include "kiosk/lk_render.h"

static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 16384, n = 0;
    char *buf = malloc(cap + 1);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            char *bigger = cap < (64u << 20) ? realloc(buf, cap * 2 + 1) : NULL;
            if (!bigger) {
                free(buf);
                return NULL;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

static cairo_status_t to_stdout(void *closure, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static int render(char **argv, lk_err *err)
{
    lk_render_opts o = {.copy = (lk_render_copy)atoi(argv[2]),
                        .copy_no = atoi(argv[3]),
                        .copy_total = atoi(argv[4]),
                        .mode = (lk_render_mode)atoi(argv[5]),
                        .cal_x_01mm = atoi(argv[6]),
                        .cal_y_01mm = atoi(argv[7])};
    size_t len = 0;
    char *json = read_all(stdin, &len);
    if (!json)
        return lk_err_set(err, LK_ENOMEM, "render helper: cannot read the record");
    lk_record *rec = NULL;
    lk_template *tpl = NULL;
    lk_renderer *r = NULL;
    int rc = lk_record_from_json(json, len, &rec, err);
    free(json);
    if (rc == 0)
        rc = lk_template_load(argv[1], &tpl, err);
    if (rc == 0)
        rc = lk_render_create(tpl, &r, err);
    if (rc == 0)
        rc = lk_render_pdf_stream(r, rec, &o, to_stdout, stdout, err);
    if (rc == 0 && fflush(stdout) != 0)
        rc = lk_err_set(err, LK_EIO, "render helper: cannot write the PDF");
    lk_render_free(r);
    lk_template_free(tpl);
    lk_record_free(rec);
    return rc;
}

/* Sanitizer builds: cairo 1.16's PDF font subsetter leaks one small array per embedded font
 * (as tools/kiosk/kiosk_lsan.c says); anything else is ours. Ignored otherwise. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libcairo.so\n";
}

const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}

/* Benchmarks (kiosk --stats): this process's own peak RSS in kB, one line appended to
 * $LK_RENDER_HELPER_STATS. VmHWM is the address space exec gave it; getrusage's ru_maxrss
 * would also count the spawning kiosk's pages from before the exec. */
static void report_peak_rss(void)
{
    const char *path = getenv("LK_RENDER_HELPER_STATS");
    FILE *st = path ? fopen("/proc/self/status", "r") : NULL;
    if (!st)
        return;
    char line[256];
    long kb = -1;
    while (kb < 0 && fgets(line, sizeof line, st))
        if (sscanf(line, "VmHWM: %ld kB", &kb) != 1)
            kb = -1;
    fclose(st);
    FILE *out = kb >= 0 ? fopen(path, "a") : NULL;
    if (out) {
        fprintf(out, "%ld\n", kb);
        fclose(out);
    }
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "lk-render-helper: started by lk_render_proc only\n");
        return 100;
    }
    lk_err err = {0};
    int rc = render(argv, &err);
    lk_render_release_caches();
    report_peak_rss();
    if (rc != 0)
        fprintf(stderr, "%s", err.msg[0] ? err.msg : lk_strerror(rc));
    return rc == 0 ? 0 : (rc < 0 && rc > -100 ? -rc : 100);
}
