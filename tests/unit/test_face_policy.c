/* Face-check policy: thresholds and liveness from configuration, three attempts then "ask
 * staff", plug-in errors counting as attempts, and an audit row that names the plug-in and
 * the score but holds no image. Uses the real store and face-test.so in its worker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_counter.h"
#include "kiosk/lk_counter_names.h"
#include "kiosk/lk_face_policy.h"
#include "lk_face_plugin.h"
#include "lk_testutil.h"

static char so[512];

static const char *face_test(void)
{
    const char *dir = getenv("LK_PLUGIN_DIR");
    snprintf(so, sizeof so, "%s/face-test.so", dir ? dir : "plugins");
    return so;
}

static void set(lk_store *st, const char *key, const char *value)
{
    lk_err err = {0};
    if (lk_config_set(st, key, value, "test", &err) != 0)
        fail_msg("%s: %s", key, err.msg);
}

static void test_judge(void **state)
{
    (void)state;
    lk_face_policy p;
    lk_face_policy_defaults(&p);
    lk_face_score s = {.score = 0.85, .vendor_threshold = 0.9, .liveness = LK_FACE_LIVE_PASS};
    double t = 0;
    assert_int_equal(lk_face_judge(&p, &s, &t), LK_FACE_OUTCOME_MATCH);
    assert_true(t == 0.80);
    p.use_vendor_threshold = 1;
    assert_int_equal(lk_face_judge(&p, &s, &t), LK_FACE_OUTCOME_NO_MATCH);
    assert_true(t == 0.9);
    s.score = 0.99;
    s.liveness = LK_FACE_LIVE_FAIL; /* liveness first, whatever the score */
    assert_int_equal(lk_face_judge(&p, &s, NULL), LK_FACE_OUTCOME_NO_LIVENESS);
    s.liveness = LK_FACE_LIVE_NOT_CHECKED;
    assert_int_equal(lk_face_judge(&p, &s, NULL), LK_FACE_OUTCOME_NO_LIVENESS);
    p.require_liveness = 0;
    assert_int_equal(lk_face_judge(&p, &s, NULL), LK_FACE_OUTCOME_MATCH);
}

static void test_load(void **state)
{
    lk_test_fixture *fx = *state;
    lk_face_policy p;
    lk_err err = {0};
    assert_int_equal(lk_face_policy_load(fx->st, &p, &err), 0);
    assert_int_equal(p.max_attempts, 3);
    assert_int_equal(p.time_limit_ms, 10000);
    assert_int_equal(p.require_liveness, 1);
    set(fx->st, "face.threshold", "vendor");
    set(fx->st, "face.max_attempts", "2");
    set(fx->st, "face.require_liveness", "0");
    assert_int_equal(lk_face_policy_load(fx->st, &p, &err), 0);
    assert_true(p.use_vendor_threshold && p.max_attempts == 2 && !p.require_liveness);
    /* The store refuses such values; a database that holds one anyway still fails the load. */
    assert_int_equal(lk_config_set(fx->st, "face.threshold", "high", "test", NULL), LK_ECONFIG);
    lk_test_plant_config(fx->st, "face.threshold", "high");
    assert_int_equal(lk_face_policy_load(fx->st, &p, &err), LK_ECONFIG);
    set(fx->st, "face.threshold", "75.5");
    assert_int_equal(lk_config_set(fx->st, "face.max_attempts", "0", "test", NULL), LK_ECONFIG);
    lk_test_plant_config(fx->st, "face.max_attempts", "0");
    assert_int_equal(lk_face_policy_load(fx->st, &p, &err), LK_ECONFIG);
    assert_non_null(strstr(err.msg, "face.max_attempts"));
}

typedef struct audit_scan {
    int rows;
    char last[1024];
} audit_scan;

static int on_row(void *ctx, int64_t seq, int64_t ts, const char *actor, const char *event,
                  const char *detail)
{
    (void)seq, (void)ts, (void)actor;
    audit_scan *a = ctx;
    if (strcmp(event, "face.check") == 0) {
        a->rows++;
        snprintf(a->last, sizeof a->last, "%s", detail);
    }
    return 0;
}

static lk_face_next attempt(lk_face_check *c, lk_face_matcher *m)
{
    static uint8_t px[64 * 64];
    memset(px, 0x5A, sizeof px);
    lk_face_image im = {LK_FACE_IMAGE_GRAY8, 64, 64, 64, px, sizeof px};
    return lk_face_check_attempt(c, m, &im, &im, 1);
}

static void run_attempts(lk_store *st, const char *config, lk_face_next want_last, int tries)
{
    lk_face_policy p;
    lk_err err = {0};
    assert_int_equal(lk_face_policy_load(st, &p, &err), 0);
    snprintf(p.plugin, sizeof p.plugin, "%s", face_test());
    snprintf(p.plugin_config, sizeof p.plugin_config, "%s", config);
    p.time_limit_ms = 3000;
    lk_face_matcher m = {0};
    assert_int_equal(lk_face_plugin_open_policy(&p, &m, &err), 0);
    lk_face_check c;
    lk_face_check_begin(&c, &p);
    for (int i = 1; i <= tries; i++) {
        lk_face_next next = attempt(&c, &m);
        assert_int_equal(lk_face_check_audit(st, &c, "test", &err), 0);
        assert_int_equal(next, i < tries ? LK_FACE_NEXT_RETRY : want_last);
    }
    lk_face_close(&m);
}

static void test_attempts_then_staff(void **state)
{
    lk_test_fixture *fx = *state;
    run_attempts(fx->st, "mode=nomatch", LK_FACE_NEXT_ASK_STAFF, 3);
    audit_scan a = {0};
    lk_err err = {0};
    assert_int_equal(lk_audit_list(fx->st, 0, 0, on_row, &a, &err), 0);
    assert_int_equal(a.rows, 3);
    assert_non_null(strstr(a.last, "\"outcome\":\"no-match\""));
    assert_non_null(strstr(a.last, "\"score\":0.12"));
    assert_non_null(strstr(a.last, "\"plugin\":\"face-test/1.0.0\""));
    assert_non_null(strstr(a.last, "\"ask_staff\":true"));
    assert_null(strstr(a.last, "ZZZZ")); /* 0x5A pixels: no image bytes in the row */
}

static void test_match_passes_and_errors_count(void **state)
{
    lk_test_fixture *fx = *state;
    run_attempts(fx->st, "mode=match", LK_FACE_NEXT_PASS, 1);
    run_attempts(fx->st, "mode=noliveness", LK_FACE_NEXT_ASK_STAFF, 3);
    set(fx->st, "face.max_attempts", "2");
    run_attempts(fx->st, "mode=crash", LK_FACE_NEXT_ASK_STAFF, 2);
    audit_scan a = {0};
    lk_err err = {0};
    assert_int_equal(lk_audit_list(fx->st, 0, 0, on_row, &a, &err), 0);
    assert_non_null(strstr(a.last, "\"outcome\":\"error\""));
    assert_non_null(strstr(
        a.last,
        "signal 11")); /* Each audited attempt is counted for the diagnostics under its outcome. */
    int64_t n = 0;
    assert_int_equal(lk_counter_get(fx->st, LK_CTR_FACE_MATCH, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(lk_counter_get(fx->st, LK_CTR_FACE_NO_LIVENESS, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(lk_counter_get(fx->st, LK_CTR_FACE_ERROR, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(lk_counter_get(fx->st, LK_CTR_FACE_NO_MATCH, &n, &err), 0);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judge),
        cmocka_unit_test_setup_teardown(test_load, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_attempts_then_staff, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_match_passes_and_errors_count, lk_test_setup_open,
                                        lk_test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
