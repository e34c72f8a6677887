/* test_diag: diagnostics data: the status table reports each probe in the device model and the
 * worst of them overall; placeholders say unknown with their reason; the built-in probes see a
 * healthy fresh store; self-tests run, or say they are not in this build; counters are kept per
 * day by the store's triggers (whoever calls lk_counter_add) and reported by range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <time.h>

#include "lk_testutil.h"
#include "kiosk/lk_counter.h"
#include "kiosk/lk_diag.h"
#include "kiosk/lk_stock.h"

static void fixed(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)env;
    s->status = *(lk_device_status *)ctx;
    snprintf(s->reason, sizeof s->reason, "fixed");
    cJSON_AddNumberToObject(d, "x", 1);
}

static const char *overall_of(const lk_diag_env *env, lk_diag_probe *p, size_t n)
{
    static char out[16];
    cJSON *o = lk_diag_status(env, p, n);
    snprintf(out, sizeof out, "%s", cJSON_GetObjectItem(o, "overall")->valuestring);
    cJSON_Delete(o);
    return out;
}

static void test_status_table(void **state)
{
    lk_test_fixture *fx = *state;
    lk_diag_env env = {fx->st, fx->dir, "9.9", (int64_t)time(NULL), 0, 0};
    lk_device_status normal = LK_DEVICE_NORMAL, warn = LK_DEVICE_WARNING, fault = LK_DEVICE_FAULT,
                     disabled = LK_DEVICE_DISABLED;
    lk_diag_probe p[] = {{"a", fixed, &normal, 0},
                         {"b", fixed, &disabled, 0},
                         {"c", fixed, &warn, 0},
                         {"d", fixed, &fault, 0}};
    assert_string_equal(overall_of(&env, p, 2), "normal");
    assert_string_equal(overall_of(&env, p, 3), "warning");
    assert_string_equal(overall_of(&env, p, 4), "fault");
    p[1] = lk_diag_placeholder("printer", "not here");
    assert_string_equal(overall_of(&env, p, 2), "unknown");
    cJSON *o = lk_diag_status(&env, p, 2);
    cJSON *second = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "probes"), 1);
    assert_string_equal(cJSON_GetObjectItem(second, "name")->valuestring, "printer");
    assert_string_equal(cJSON_GetObjectItem(second, "reason")->valuestring, "not here");
    cJSON_Delete(o);

    /* A fresh store is healthy by every built-in probe, except that it has no kiosk id. */
    const lk_diag_probe *builtin = NULL;
    size_t n = lk_diag_builtin_probes(&builtin);
    o = lk_diag_status(&env, builtin, n);
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(o, "probes"))
    {
        const char *name = cJSON_GetObjectItem(e, "name")->valuestring;
        const char *status = cJSON_GetObjectItem(e, "status")->valuestring;
        if (strcmp(name, "configuration") == 0)
            assert_string_equal(status, "warning");
        else if (strcmp(status, "normal") != 0)
            fail_msg("%s: %s", name, cJSON_GetObjectItem(e, "reason")->valuestring);
    }
    cJSON_Delete(o);
    env.now = 86400; /* 1970: a lost clock */
    o = lk_diag_status(&env, builtin, n);
    assert_string_equal(cJSON_GetObjectItem(o, "overall")->valuestring, "fault");
    cJSON_Delete(o);
}

static void test_selftests(void **state)
{
    lk_test_fixture *fx = *state;
    lk_diag_env env = {fx->st, fx->dir, "9.9", (int64_t)time(NULL), 0, 0};
    const lk_diag_selftest *t = NULL;
    size_t n = lk_diag_builtin_selftests(&t);
    int passed = 0;
    const char *ok[] = {"database", "audit", "disk-write", "clock"};
    for (size_t i = 0; i < 4; i++) {
        cJSON *r = lk_diag_selftest_run(&env, t, n, ok[i], "tech:T1", &passed);
        assert_non_null(r);
        if (!passed)
            fail_msg("%s failed", ok[i]);
        cJSON_Delete(r);
    }
    cJSON *r = lk_diag_selftest_run(&env, t, n, "test-page", "tech:T1", &passed);
    assert_int_equal(passed, 0);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(r, "available")));
    cJSON_Delete(r);
    assert_null(lk_diag_selftest_run(&env, t, n, "frobnicate", "tech:T1", &passed));
    /* Each run is audited with who ran it. */
    assert_int_equal(lk_test_scalar(fx->st,
                                    "SELECT count(*) FROM audit WHERE event = 'diag.selftest'"
                                    " AND actor = 'tech:T1'",
                                    NULL),
                     5);
}

static double num(cJSON *o, const char *a, const char *b)
{
    cJSON *x = cJSON_GetObjectItem(cJSON_GetObjectItem(o, a), b);
    assert_non_null(x);
    return x->valuedouble;
}

static void test_counters(void **state)
{
    lk_test_fixture *fx = *state;
    char today[16], month[8];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    strftime(month, sizeof month, "%Y-%m", &tm);
    lk_err err = {0};
    assert_int_equal(lk_counter_add(fx->st, "prints", 2, &err), 0);
    assert_int_equal(lk_counter_add(fx->st, "prints", 3, &err), 0);
    assert_int_equal(lk_counter_add(fx->st, "sessions", 4, &err), 0);
    assert_int_equal(lk_counter_add(fx->st, "failures.paper-jam", 1, &err), 0);
    assert_int_equal(lk_counter_add(fx->st, "face.no-match", 2, &err), 0);
    assert_int_equal(lk_counter_add(fx->st, "rating.5", 1, &err), 0);
    /* Stock comes from the ledger; a stray counter of that name must not count. */
    assert_int_equal(lk_counter_add(fx->st, "stock.remaining", 999, &err), 0);
    assert_int_equal(lk_stock_load(fx->st, "t1", LK_STOCK_A4, NULL, NULL, 15, "test", NULL, &err),
                     0);
    /* An older day, as if counted then. */
    assert_int_equal(sqlite3_exec(lk_store_db(fx->st),
                                  "INSERT INTO counter_days VALUES ('2020-01-15', 'prints', 7)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    cJSON *all = lk_diag_counters(fx->st, NULL, NULL, &err);
    assert_non_null(all);
    assert_int_equal((int)num(all, "prints", "total"), 5);
    assert_int_equal((int)num(all, "prints", "in_range"), 12);
    cJSON *prints = cJSON_GetObjectItem(all, "prints");
    assert_int_equal((int)num(prints, "per_day", today), 5);
    assert_int_equal((int)num(prints, "per_month", "2020-01"), 7);
    assert_int_equal((int)num(prints, "per_month", month), 5);
    assert_int_equal((int)num(all, "sessions", "in_range"), 4);
    assert_int_equal((int)num(cJSON_GetObjectItem(all, "failures"), "total", "paper-jam"), 1);
    assert_int_equal((int)num(cJSON_GetObjectItem(all, "face_checks"), "in_range", "no-match"), 2);
    assert_int_equal((int)num(cJSON_GetObjectItem(all, "ratings"), "total", "5"), 1);
    assert_int_equal((int)num(all, "paper_stock", "remaining"), 15);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(all, "paper_stock"), "low")));
    cJSON_Delete(all);
    cJSON *old = lk_diag_counters(fx->st, "2020-01-01", "2020-01-31", &err);
    assert_int_equal((int)num(old, "prints", "in_range"), 7);
    assert_int_equal((int)num(old, "sessions", "in_range"), 0);
    cJSON_Delete(old);
    assert_null(lk_diag_counters(fx->st, "2020-1-1", NULL, &err));
    assert_int_equal(err.code, LK_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status_table, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_selftests, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_counters, lk_test_setup_open, lk_test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
