/* test_render_proc: a PDF rendered in the lk-render-helper process comes back whole, and every
 * way the helper can go wrong (refuses the job, crashes, hangs, is missing) is an error code
 * with a message in the caller, never the caller's death. The shipped template, from
 * LK_TEST_DATA; stand-in helpers are shell scripts written to a temp dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kiosk/lk_gen.h"
#include "kiosk/lk_render_proc.h"

static char tpl_path[1024], dir[64];

static lk_record *record(void)
{
    lk_gen g;
    lk_gen_init(&g, 7);
    lk_record *rec = NULL;
    assert_int_equal(lk_gen_record(&g, 3, &rec), 0);
    return rec;
}

static const char *script(const char *name, const char *body)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    chmod(path, 0755);
    return path;
}

static int run(const char *helper, const char *tpl, int timeout_ms, lk_render_buf *pdf, lk_err *e)
{
    lk_record *rec = record();
    lk_render_opts o = {.copy = LK_RENDER_ORIGINAL, .copy_no = 1, .copy_total = 1};
    int rc = lk_render_pdf_proc(helper, tpl, rec, &o, timeout_ms, pdf, e);
    lk_record_free(rec);
    return rc;
}

static void test_pdf_from_helper(void **state)
{
    (void)state;
    const char *helper = lk_render_helper_path();
    assert_non_null(helper); /* the one built with the library */
    lk_render_buf pdf = {0};
    lk_err e = {0};
    assert_int_equal(run(helper, tpl_path, 120000, &pdf, &e), 0);
    assert_true(pdf.len > 10000);
    assert_memory_equal(pdf.p, "%PDF-", 5);
    assert_non_null(strstr((const char *)pdf.p + pdf.len - 64, "%%EOF"));
    free(pdf.p);
}

static void test_refusal_keeps_code_and_message(void **state)
{
    (void)state;
    lk_render_buf pdf = {0};
    lk_err e = {0};
    int rc = run(lk_render_helper_path(), "/nonexistent/template.json", 120000, &pdf, &e);
    assert_int_equal(rc, LK_EIO); /* lk_template_load's own code, through the exit status */
    assert_non_null(strstr(e.msg, "/nonexistent/template.json"));
    free(pdf.p);
}

static void test_crash_is_an_error(void **state)
{
    (void)state;
    lk_render_buf pdf = {0};
    lk_err e = {0};
    int rc = run(script("crash", "head -c 10 /dev/zero; kill -SEGV $$"), tpl_path, 10000, &pdf, &e);
    assert_int_equal(rc, LK_EIO);
    assert_non_null(strstr(e.msg, "crashed"));
    free(pdf.p);
}

static void test_hang_is_killed(void **state)
{
    (void)state;
    lk_render_buf pdf = {0};
    lk_err e = {0};
    time_t t0 = time(NULL);
    int rc = run(script("hang", "exec sleep 30"), tpl_path, 300, &pdf, &e);
    assert_int_equal(rc, LK_ETIMEDOUT);
    assert_true(time(NULL) - t0 < 20);
    free(pdf.p);
}

static void test_missing_helper(void **state)
{
    (void)state;
    lk_render_buf pdf = {0};
    lk_err e = {0};
    assert_int_equal(run("/nonexistent/lk-render-helper", tpl_path, 1000, &pdf, &e), LK_EIO);
    assert_non_null(strstr(e.msg, "cannot start"));
    free(pdf.p);
}

int main(void)
{
    const char *data = getenv("LK_TEST_DATA");
    snprintf(tpl_path, sizeof tpl_path, "%s/../../assets/templates/license-2019.json",
             data ? data : "tests/data");
    snprintf(dir, sizeof dir, "/tmp/lk_test_render_proc.XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pdf_from_helper),
        cmocka_unit_test(test_refusal_keeps_code_and_message),
        cmocka_unit_test(test_crash_is_an_error),
        cmocka_unit_test(test_hang_is_killed),
        cmocka_unit_test(test_missing_helper),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    (void)!system(cmd);
    return rc;
}
