/* test_diag: diagnostics data: the status table reports each probe in the device model and the
 * worst of them overall; placeholders say unknown with their reason; the built-in probes see a
 * healthy fresh store; self-tests run, or say they are not in this build; counters written by
 * their producers (the print journal, the face policy) are kept per day by the store's triggers
 * and reported by range; old counter names are read as what they meant; dates are checked.
 * The session's counters are checked where a session runs: test_session. */
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
#include "kiosk/lk_counter_names.h"
#include "kiosk/lk_diag.h"
#include "kiosk/lk_face_policy.h"
#include "kiosk/lk_gen.h"
#include "kiosk/lk_journal.h"
#include "kiosk/lk_printer.h"
#include "kiosk/lk_record.h"
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

static double fam(cJSON *o, const char *family, const char *half, const char *name)
{
    return num(cJSON_GetObjectItem(o, family), half, name);
}

/* A copy through the print journal, the producer of prints and failures.<cause>. */
static void print_copy(lk_store *st, const char *uscc, int no, lk_print_outcome o, const char *why)
{
    lk_err err = {0};
    lk_journal_row r;
    lk_journal_req q = {uscc, "duplicate", no, 0, "kiosk", 60, "test"};
    if (lk_journal_reserve(st, &q, &r, &err) != 0)
        fail_msg("reserve: %s", err.msg);
    assert_int_equal(lk_journal_submitted(st, r.id, 7, "test", &err), 0);
    assert_int_equal(lk_journal_finish(st, r.id, o, why, "test", NULL, &err), 0);
}

/* A face check through the face policy's audit, the producer of face.<outcome>. */
static void face_check(lk_store *st, lk_face_outcome o)
{
    lk_face_policy p;
    lk_face_check c;
    lk_face_policy_defaults(&p);
    lk_face_check_begin(&c, &p);
    c.attempts = 1;
    c.outcome = o;
    assert_int_equal(lk_face_check_audit(st, &c, "test", NULL), 0);
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
    lk_gen g;
    lk_record *rec = NULL;
    lk_gen_init(&g, 42);
    assert_int_equal(lk_gen_record(&g, 3, &rec), 0);
    free(rec->status);
    rec->status = strdup("approved");
    rec->duplicates = 6;
    assert_int_equal(lk_store_begin(fx->st, &err), 0);
    assert_int_equal(lk_store_put_record(fx->st, rec, 0, NULL, &err), 0);
    assert_int_equal(lk_store_commit(fx->st, &err), 0);
    print_copy(fx->st, rec->uscc, 1, LK_PRINT_COMPLETED, "");
    print_copy(fx->st, rec->uscc, 2, LK_PRINT_FAILED, "media-jam-error");
    print_copy(fx->st, rec->uscc, 2, LK_PRINT_COMPLETED, "");
    print_copy(fx->st, rec->uscc, 3, LK_PRINT_FAILED, "media-empty-error");
    lk_record_free(rec);
    face_check(fx->st, LK_FACE_OUTCOME_NO_MATCH);
    face_check(fx->st, LK_FACE_OUTCOME_NO_MATCH);
    face_check(fx->st, LK_FACE_OUTCOME_NO_LIVENESS);
    face_check(fx->st, LK_FACE_OUTCOME_MATCH);
    /* Stock comes from the ledger; a stray counter of that name must not count. */
    assert_int_equal(lk_counter_add(fx->st, "stock.remaining", 999, &err), 0);
    assert_int_equal(lk_stock_load(fx->st, "t1", LK_STOCK_A4, NULL, NULL, 15, "test", NULL, &err),
                     0);
    /* An older day, as if counted then (the triggers only ever write today). */
    assert_int_equal(sqlite3_exec(lk_store_db(fx->st),
                                  "INSERT INTO counter_days VALUES ('2020-01-15', 'prints', 7)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    cJSON *all = lk_diag_counters(fx->st, NULL, NULL, &err);
    assert_non_null(all);
    assert_int_equal((int)num(all, "prints", "total"), 2);
    assert_int_equal((int)num(all, "prints", "in_range"), 9);
    cJSON *prints = cJSON_GetObjectItem(all, "prints");
    assert_int_equal((int)num(prints, "per_day", today), 2);
    assert_int_equal((int)num(prints, "per_month", "2020-01"), 7);
    assert_int_equal((int)num(prints, "per_month", month), 2);
    assert_int_equal((int)fam(all, "failures", "total", "paper_jam"), 1);
    assert_int_equal((int)fam(all, "failures", "in_range", "out_of_paper"), 1);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(all, "failures"), "total")), 2);
    assert_int_equal((int)fam(all, "face_checks", "in_range", "no_match"), 2);
    assert_int_equal((int)fam(all, "face_checks", "total", "no_liveness"), 1);
    assert_int_equal((int)fam(all, "face_checks", "total", "match"), 1);
    assert_int_equal((int)fam(all, "face_checks", "total", "error"), 0); /* every outcome shown */
    /* No session ran: every outcome and every rating level is there, at 0. */
    assert_int_equal((int)fam(all, "sessions", "total", "started"), 0);
    assert_int_equal((int)fam(all, "sessions", "in_range", "abandoned"), 0);
    assert_int_equal((int)fam(all, "ratings", "total", "very_dissatisfied"), 0);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(all, "ratings"), "total")), 5);
    assert_int_equal((int)num(all, "paper_stock", "remaining"), 15);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(all, "paper_stock"), "low")));
    cJSON_Delete(all);
    cJSON *old = lk_diag_counters(fx->st, "2020-01-01", "2020-01-31", &err);
    assert_int_equal((int)num(old, "prints", "in_range"), 7);
    assert_int_equal((int)fam(old, "face_checks", "in_range", "no_match"), 0);
    assert_int_equal((int)fam(old, "face_checks", "total", "no_match"), 2);
    cJSON_Delete(old);
}

/* Databases from before the one naming scheme hold the old names (what the kiosk, the journal
 * and the face policy wrote then); the report reads them as what they meant. */
static void test_counters_legacy_names(void **state)
{
    lk_test_fixture *fx = *state;
    lk_err err = {0};
    static const char *const old[][2] = {
        {"session.started", "5"},     {"session.cancelled", "1"},  {"session.timeout", "2"},
        {"session.face_failed", "1"}, {"session.thanks", "1"},     {"session.printer_fault", "1"},
        {"lookup.none", "1"},         {"failures.paper-jam", "2"}, {"face.no-match", "3"},
        {"face.no_match", "1"},       {"face.no-liveness", "1"},
    };
    for (size_t i = 0; i < sizeof old / sizeof old[0]; i++)
        assert_int_equal(lk_counter_add(fx->st, old[i][0], atoi(old[i][1]), &err), 0);
    assert_int_equal(lk_counter_add(fx->st, LK_CTR_FAIL_PAPER_JAM, 1, &err), 0);
    cJSON *r = lk_diag_counters(fx->st, NULL, NULL, &err);
    assert_non_null(r);
    for (int k = 0; k < 2; k++) {
        const char *half = k ? "total" : "in_range";
        assert_int_equal((int)fam(r, "sessions", half, "started"), 5);
        assert_int_equal((int)fam(r, "sessions", half, "abandoned"), 1);
        assert_int_equal((int)fam(r, "sessions", half, "failed"), 5);
        assert_int_equal((int)fam(r, "sessions", half, "completed"), 0);
        assert_int_equal((int)fam(r, "failures", half, "timeout"), 2);
        assert_int_equal((int)fam(r, "failures", half, "face_failed"), 1);
        assert_int_equal((int)fam(r, "failures", half, "not_found"), 1);
        assert_int_equal((int)fam(r, "failures", half, "paper_jam"), 3);
        assert_null(cJSON_GetObjectItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(r, "failures"), half), "paper-jam"));
        assert_int_equal((int)fam(r, "face_checks", half, "no_match"), 4);
        assert_int_equal((int)fam(r, "face_checks", half, "no_liveness"), 1);
    }
    cJSON_Delete(r);
}

/* --from / --to are real calendar dates, in order. */
static void test_counters_dates(void **state)
{
    lk_test_fixture *fx = *state;
    static const char *const bad[] = {"2026-13-01",
                                      "2026-12-32",
                                      "2026-02-29",
                                      "2026-00-10",
                                      "2026-04-31",
                                      "2026-1-1",
                                      "2026-11",
                                      "20261101xx",
                                      "2026-1a-01",
                                      "2026/11/01",
                                      ""};
    lk_err err = {0};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lk_err_clear(&err);
        if (lk_diag_counters(fx->st, bad[i], NULL, &err) != NULL)
            fail_msg("--from %s accepted", bad[i]);
        assert_int_equal(err.code, LK_EINVAL);
        assert_non_null(strstr(err.msg, "YYYY-MM-DD"));
        assert_null(lk_diag_counters(fx->st, NULL, bad[i], &err));
    }
    static const char *const good[] = {"2024-02-29", "2000-02-29", "2026-12-31", "2026-01-01"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        cJSON *r = lk_diag_counters(fx->st, good[i], good[i], &err);
        if (!r)
            fail_msg("%s refused: %s", good[i], err.msg);
        cJSON_Delete(r);
    }
    assert_null(lk_diag_counters(fx->st, "1900-02-29", NULL, &err)); /* not a leap year */
    assert_null(lk_diag_counters(fx->st, "2026-11-30", "2026-11-01", &err));
    assert_int_equal(err.code, LK_EINVAL);
    assert_non_null(strstr(err.msg, "after"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status_table, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_selftests, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_counters, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_counters_legacy_names, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_counters_dates, lk_test_setup_open, lk_test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
