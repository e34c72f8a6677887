/* test_service_mode: the diagnostics machine on a real store and real keys: a valid card and
 * PIN open the menu, pages load their data and are audited, calibration steps land in
 * configuration, five wrong PINs lock it (and a good PIN then stays refused), an expired or
 * foreign card is refused, the inactivity timeout returns to attract. Blocking probes and
 * self-tests run on a worker: the page shows them busy at once and fills them in from the
 * job's event, and the self-test is audited when it is done. The jobs page settles uncertain
 * copies and authorises reprints through the journal, audited under the technician. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <poll.h>
#include <unistd.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_journal.h"
#include "kiosk/lk_log.h"
#include "kiosk/lk_service_mode.h"
#include "lk_testutil.h"

#define NOW 1790000000LL

typedef struct rig {
    lk_test_fixture *fx;
    lk_sign_key *admin, *other;
    uint64_t ms;
    int64_t wall;
    lk_svcmode *m;
    lk_evtq *q; /* with workers: the PIN is checked on one */
    lk_workers *w;
} rig;

static uint64_t clock_ms(void *ctx)
{
    return ((rig *)ctx)->ms;
}

static int64_t wall_s(void *ctx)
{
    return ((rig *)ctx)->wall;
}

static void make_rig_w(rig *r, lk_test_fixture *fx, int workers)
{
    memset(r, 0, sizeof *r);
    r->fx = fx;
    r->wall = NOW;
    r->ms = 1000;
    char priv[160], pub[160], opriv[160], opub[160];
    snprintf(priv, sizeof priv, "%s/admin.key", fx->dir);
    snprintf(pub, sizeof pub, "%s/admin.pub", fx->dir);
    snprintf(opriv, sizeof opriv, "%s/other.key", fx->dir);
    snprintf(opub, sizeof opub, "%s/other.pub", fx->dir);
    lk_err err = {0};
    assert_int_equal(lk_sign_keygen(priv, pub, &err), 0);
    assert_int_equal(lk_sign_keygen(opriv, opub, &err), 0);
    r->admin = lk_sign_load_private(priv, &err);
    r->other = lk_sign_load_private(opriv, &err);
    assert_non_null(r->admin);
    assert_non_null(r->other);
    char hash[256];
    assert_int_equal(lk_service_pin_hash("482913", 10000, hash, sizeof hash, &err), 0);
    assert_int_equal(lk_config_set(fx->st, "service.pin_hash", hash, "test", &err), 0);
    const lk_diag_probe *probes = NULL;
    size_t np = lk_diag_builtin_probes(&probes);
    const lk_diag_selftest *tests = NULL;
    size_t nt = lk_diag_builtin_selftests(&tests);
    char log[160];
    snprintf(log, sizeof log, "%s/kiosk.log", fx->dir);
    lk_log *lg = NULL; /* the log page shows what lk_log wrote */
    assert_int_equal(lk_log_open(&(lk_log_cfg){.path = log}, &lg, NULL), 0);
    lk_log_write(lg, LK_LOG_INFO, "test", "line one");
    lk_log_write(lg, LK_LOG_WARN, "test", "line two");
    lk_log_close(lg);
    static char log_path[160];
    memcpy(log_path, log, sizeof log_path);
    lk_svcmode_deps d = {.st = fx->st,
                         .admin = r->admin, /* the private key verifies too */
                         .state_dir = fx->dir,
                         .software_version = "test",
                         .probes = probes,
                         .n_probes = np,
                         .tests = tests,
                         .n_tests = nt,
                         .log_path = log_path,
                         .clock_ms = clock_ms,
                         .wall_s = wall_s,
                         .clock_ctx = r,
                         .timeout_s = 60};
    if (workers) {
        assert_int_equal(lk_evtq_create(16, &r->q, &err), 0);
        assert_int_equal(lk_workers_create(1, r->q, &r->w, &err), 0);
        d.workers = r->w;
    }
    assert_int_equal(lk_svcmode_create(&d, &r->m, &err), 0);
}

static void make_rig(rig *r, lk_test_fixture *fx)
{
    make_rig_w(r, fx, 0);
}

/* Waits for the worker's event and hands it to the mode. */
static void deliver_q(rig *r, lk_evtq *q)
{
    lk_evt e;
    int got = 0;
    /* The queue's fd may still be readable from the last event: poll, then look. */
    for (int i = 0; i < 500 && !got; i++) {
        struct pollfd p = {lk_evtq_fd(q), POLLIN, 0};
        (void)poll(&p, 1, 10);
        got = lk_evtq_pop(q, &e);
    }
    assert_int_equal(got, 1);
    assert_int_equal(lk_svcmode_event(r->m, &e), 1);
}

/* The loop's part: the PIN verdict from the rig's own worker. */
static void deliver(rig *r)
{
    deliver_q(r, r->q);
}

static void free_rig(rig *r)
{
    lk_workers_free(r->w);
    lk_evtq_free(r->q);
    lk_svcmode_free(r->m);
    lk_sign_key_free(r->admin);
    lk_sign_key_free(r->other);
}

static size_t card(const lk_sign_key *k, const char *tech, int64_t issued, int64_t expires,
                   uint8_t *out)
{
    lk_err err = {0};
    int n = lk_service_token_make(k, tech, issued, expires, out, LK_SERVICE_TOKEN_MAX, &err);
    assert_true(n > 0);
    return (size_t)n;
}

static void type_pin(rig *r, const char *pin)
{
    for (const char *p = pin; *p; p++)
        lk_svcmode_intent(r->m, LK_INTENT_KEY, *p, NULL);
    lk_svcmode_intent(r->m, LK_INTENT_OK, 0, NULL);
}

static lk_state state(const rig *r)
{
    return lk_svcmode_view(r->m)->state;
}

typedef struct count_ctx {
    const char *actor, *event;
    int n;
} count_ctx;

static int count_cb(void *ctx, int64_t seq, int64_t ts, const char *actor, const char *event,
                    const char *detail)
{
    (void)seq;
    (void)ts;
    (void)detail;
    count_ctx *c = ctx;
    if (strcmp(actor, c->actor) == 0 && strcmp(event, c->event) == 0)
        c->n++;
    return 0;
}

static int audited(const rig *r, const char *actor, const char *event)
{
    count_ctx c = {actor, event, 0};
    assert_int_equal(lk_audit_list(r->fx->st, 0, 0, count_cb, &c, NULL), 0);
    return c.n;
}

static void test_entry_and_pages(void **state_)
{
    rig r;
    make_rig(&r, *state_);
    uint8_t tok[LK_SERVICE_TOKEN_MAX];
    size_t n = card(r.admin, "T-1", NOW - 10, NOW + 86400, tok);
    assert_false(lk_svcmode_active(r.m));
    assert_int_equal(lk_svcmode_card(r.m, tok, n, "en"), 1);
    assert_int_equal(state(&r), LK_ST_DIAG_PIN);
    assert_string_equal(lk_svcmode_view(r.m)->lang, "en");
    assert_int_equal(lk_svcmode_card(r.m, tok, n, "en"), 0); /* already open */
    lk_svcmode_intent(r.m, LK_INTENT_KEY, '9', NULL);
    assert_int_equal(lk_svcmode_view(r.m)->svc->pin_len, 1);
    lk_svcmode_intent(r.m, LK_INTENT_ERASE, 0, NULL);
    type_pin(&r, "482913");
    assert_int_equal(state(&r), LK_ST_DIAG_MENU);
    const lk_svc_view *sv = lk_svcmode_view(r.m)->svc;
    assert_string_equal(sv->tech_id, "T-1");
    assert_int_equal(sv->pin_len, 0);

    lk_svcmode_intent(r.m, LK_INTENT_DIAG_PAGE, LK_ST_DIAG_STATUS, NULL);
    assert_int_equal(state(&r), LK_ST_DIAG_STATUS);
    assert_true(sv->n_rows >= 6); /* every built-in probe */
    assert_string_equal(sv->rows[0].name, "disk");
    assert_true(sv->overall[0] != '\0');
    lk_svcmode_intent(r.m, LK_INTENT_BACK, 0, NULL);
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_PAGE, LK_ST_DIAG_SELFTEST, NULL);
    assert_string_equal(sv->tests[0], "database");
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_RUN, 0, NULL);
    assert_string_equal(sv->result_name, "database");
    assert_int_equal(sv->result_passed, 1);
    lk_svcmode_intent(r.m, LK_INTENT_BACK, 0, NULL);
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_PAGE, LK_ST_DIAG_CALIB, NULL);
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_ADJUST, 1, NULL);
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_ADJUST, 1, NULL);
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_ADJUST, 2, NULL);
    assert_int_equal(sv->calib_x, 2);
    assert_int_equal(sv->calib_y, -1);
    long long v = 0;
    assert_int_equal(lk_config_get_int(r.fx->st, "printer.calibration_x_01mm", &v, NULL), 0);
    assert_int_equal(v, 2);
    assert_int_equal(lk_config_get_int(r.fx->st, "printer.calibration_y_01mm", &v, NULL), 0);
    assert_int_equal(v, -1);
    lk_svcmode_intent(r.m, LK_INTENT_BACK, 0, NULL);
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_PAGE, LK_ST_DIAG_COUNTERS, NULL);
    assert_true(sv->n_rows > 0);
    lk_svcmode_intent(r.m, LK_INTENT_BACK, 0, NULL);
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_PAGE, LK_ST_DIAG_LOG, NULL);
    assert_int_equal(sv->n_rows, 2);
    assert_non_null(strstr(sv->rows[0].text, " INFO  test: line one"));
    assert_non_null(strstr(sv->rows[1].text, " WARN  test: line two"));
    lk_svcmode_bundle_result(r.m, 1, "version 7 applied");
    assert_int_equal(state(&r), LK_ST_DIAG_BUNDLE);
    assert_int_equal(sv->bundle_ok, 1);
    assert_string_equal(sv->bundle_text, "version 7 applied");
    lk_svcmode_intent(r.m, LK_INTENT_CANCEL, 0, NULL);
    assert_false(lk_svcmode_active(r.m));
    assert_int_equal(state(&r), LK_ST_ATTRACT);

    assert_int_equal(audited(&r, "tech:T-1", "service.enter"), 1);
    assert_int_equal(audited(&r, "tech:T-1", "diag.view"), 6);
    assert_int_equal(audited(&r, "tech:T-1", "diag.selftest"), 1);
    assert_int_equal(audited(&r, "tech:T-1", "diag.calibrate"), 3);
    assert_int_equal(audited(&r, "tech:T-1", "diag.exit"), 1);
    free_rig(&r);
}

/* One print attempt of a copy, ended with outcome o; the row's id. */
static int64_t print_copy(lk_store *st, const char *uscc, const char *copy, int no,
                          lk_print_outcome o)
{
    lk_err err = {0};
    lk_journal_req q = {uscc, copy, no, 0, "kiosk", 60, "test"};
    lk_journal_row r;
    assert_int_equal(lk_journal_reserve(st, &q, &r, &err), 0);
    assert_int_equal(lk_journal_submitted(st, r.id, 7, "test", &err), 0);
    assert_int_equal(lk_journal_finish(st, r.id, o, "deadline passed", "test", NULL, &err), 0);
    return r.id;
}

static int find_job(const lk_svc_view *sv, int64_t id)
{
    for (int i = 0; i < sv->n_rows; i++)
        if (sv->job_ids[i] == id)
            return i;
    return -1;
}

static void test_jobs_page(void **state_)
{
    rig r;
    make_rig(&r, *state_);
    lk_store *st = r.fx->st;
    char a[24], b[24];
    lk_test_put_license(st, 1, "approved", 1, a);
    lk_test_put_license(st, 2, "approved", 1, b);
    int64_t unc = print_copy(st, a, "original", 1, LK_PRINT_UNCERTAIN);
    int64_t unc2 = print_copy(st, a, "duplicate", 1, LK_PRINT_UNCERTAIN);
    int64_t done = print_copy(st, b, "original", 1, LK_PRINT_COMPLETED);
    uint8_t tok[LK_SERVICE_TOKEN_MAX];
    size_t n = card(r.admin, "T-9", NOW - 10, NOW + 86400, tok);
    assert_int_equal(lk_svcmode_card(r.m, tok, n, "zh-CN"), 1);
    type_pin(&r, "482913");
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_PAGE, LK_ST_DIAG_JOBS, NULL);
    assert_int_equal(state(&r), LK_ST_DIAG_JOBS);
    const lk_svc_view *sv = lk_svcmode_view(r.m)->svc;
    assert_int_equal(sv->n_rows, 3); /* the two uncertain first, then the completed one */
    assert_int_equal(sv->job_ids[0], unc);
    assert_int_equal(sv->job_ids[1], unc2);
    assert_int_equal(sv->job_ids[2], done);
    assert_string_equal(sv->rows[2].status, "completed");
    assert_string_equal(sv->rows[0].name, a);
    assert_int_equal(sv->job_sel, -1);

    /* Nothing selected, or an action that does not fit the row: nothing happens. */
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_JOB, LK_SVC_JOB_PRINTED, NULL);
    lk_svcmode_intent(r.m, LK_INTENT_SELECT, 2, NULL);
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_JOB, LK_SVC_JOB_PRINTED, NULL);
    assert_string_equal(sv->job_done, "");
    lk_journal_row jr;
    lk_err err = {0};
    assert_int_equal(lk_journal_get(st, unc, &jr, &err), 0);
    assert_string_equal(jr.state, "uncertain");

    /* The first uncertain copy came out: completed, printed once. */
    lk_svcmode_intent(r.m, LK_INTENT_SELECT, 0, NULL);
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_JOB, LK_SVC_JOB_PRINTED, NULL);
    assert_string_equal(sv->job_done, "ok:printed");
    assert_int_equal(lk_journal_get(st, unc, &jr, &err), 0);
    assert_string_equal(jr.state, "completed");
    assert_int_equal(jr.prints, 1);
    assert_int_equal(find_job(sv, unc) >= sv->n_rows - 4, 1); /* now among the completed */
    /* The second did not, its sheet spoiled: failed, printable again. */
    lk_svcmode_intent(r.m, LK_INTENT_SELECT, find_job(sv, unc2), NULL);
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_JOB, LK_SVC_JOB_SPOILED, NULL);
    assert_string_equal(sv->job_done, "ok:spoiled");
    assert_int_equal(lk_journal_get(st, unc2, &jr, &err), 0);
    assert_string_equal(jr.state, "failed");
    assert_int_equal(find_job(sv, unc2), -1);
    assert_int_equal(lk_journal_printable(st, a, "duplicate", 1, &err), 1);
    /* A completed copy that came out damaged: one more print allowed. */
    assert_int_equal(lk_journal_printable(st, b, "original", 1, &err), 0);
    lk_svcmode_intent(r.m, LK_INTENT_SELECT, find_job(sv, done), NULL);
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_JOB, LK_SVC_JOB_REPRINT, NULL);
    assert_string_equal(sv->job_done, "ok:reprint");
    assert_int_equal(lk_journal_printable(st, b, "original", 1, &err), 1);
    assert_int_equal(find_job(sv, done), -1); /* pending now: nothing left to settle */
    /* A copy settled elsewhere (kioskctl) after the page loaded: the journal refuses the
     * second word, the page says why and shows the row as it now is. */
    int64_t unc3 = print_copy(st, b, "duplicate", 1, LK_PRINT_UNCERTAIN);
    lk_svcmode_intent(r.m, LK_INTENT_RETRY, 0, NULL);
    int i = find_job(sv, unc3);
    assert_true(i >= 0);
    lk_svcmode_intent(r.m, LK_INTENT_SELECT, i, NULL);
    assert_int_equal(lk_journal_confirm(st, unc3, 0, 0, "tech:T-2", &err), 0);
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_JOB, LK_SVC_JOB_PRINTED, NULL);
    assert_true(strncmp(sv->job_done, "error:", 6) == 0);
    assert_int_equal(find_job(sv, unc3), -1);
    assert_int_equal(lk_journal_get(st, unc3, &jr, &err), 0);
    assert_string_equal(jr.state, "failed");
    lk_svcmode_intent(r.m, LK_INTENT_CANCEL, 0, NULL);

    assert_int_equal(audited(&r, "tech:T-9", "print.confirmed"), 2);
    assert_int_equal(audited(&r, "tech:T-9", "print.reprint_authorised"), 1);
    assert_int_equal(audited(&r, "tech:T-9", "diag.view"), 2);
    free_rig(&r);
}

static void test_lockout(void **state_)
{
    rig r;
    make_rig(&r, *state_);
    uint8_t tok[LK_SERVICE_TOKEN_MAX];
    size_t n = card(r.admin, "T-2", NOW - 10, NOW + 86400, tok);
    assert_int_equal(lk_svcmode_card(r.m, tok, n, "zh-CN"), 1);
    for (int i = 1; i <= 4; i++) {
        type_pin(&r, "111111");
        assert_int_equal(state(&r), LK_ST_DIAG_PIN);
        assert_int_equal(lk_svcmode_view(r.m)->svc->pin_wrong, 1);
        assert_int_equal(lk_svcmode_view(r.m)->svc->attempts_left, 5 - i);
    }
    type_pin(&r, "111111");
    assert_int_equal(state(&r), LK_ST_DIAG_REFUSED);
    assert_string_equal(lk_svcmode_view(r.m)->svc->refusal, "locked");
    assert_true(lk_svcmode_view(r.m)->svc->locked_until > NOW);
    lk_svcmode_intent(r.m, LK_INTENT_OK, 0, NULL);
    assert_false(lk_svcmode_active(r.m));
    /* Locked: even the right card goes straight to the refusal, no PIN pad. */
    r.wall += 60;
    assert_int_equal(lk_svcmode_card(r.m, tok, n, "zh-CN"), 1);
    assert_int_equal(state(&r), LK_ST_DIAG_REFUSED);
    assert_string_equal(lk_svcmode_view(r.m)->svc->refusal, "locked");
    /* The refusal page times out on its own. */
    r.ms += 11000;
    lk_svcmode_tick(r.m);
    assert_false(lk_svcmode_active(r.m));
    /* After 15 minutes the PIN pad is back and the right PIN opens. */
    r.wall = NOW + LK_SERVICE_LOCK_S + 1;
    assert_int_equal(lk_svcmode_card(r.m, tok, n, "zh-CN"), 1);
    assert_int_equal(state(&r), LK_ST_DIAG_PIN);
    type_pin(&r, "482913");
    assert_int_equal(state(&r), LK_ST_DIAG_MENU);
    assert_int_equal(audited(&r, "tech:T-2", "service.pin-wrong"), 5);
    assert_int_equal(audited(&r, "tech:T-2", "service.refused"), 1);
    /* Idle past service timeout: back to attract, audited. */
    r.ms += 59000;
    lk_svcmode_tick(r.m);
    assert_true(lk_svcmode_active(r.m));
    assert_int_equal(lk_svcmode_view(r.m)->countdown_s, 1);
    r.ms += 1000;
    lk_svcmode_tick(r.m);
    assert_false(lk_svcmode_active(r.m));
    assert_int_equal(audited(&r, "tech:T-2", "diag.exit"), 1);
    free_rig(&r);
}

static void test_bad_cards(void **state_)
{
    rig r;
    make_rig(&r, *state_);
    uint8_t tok[LK_SERVICE_TOKEN_MAX];
    size_t n = card(r.admin, "T-3", NOW - 86400 * 2, NOW - 86400, tok);
    assert_int_equal(lk_svcmode_card(r.m, tok, n, "zh-CN"), 1);
    assert_int_equal(state(&r), LK_ST_DIAG_REFUSED);
    assert_string_equal(lk_svcmode_view(r.m)->svc->refusal, "expired");
    /* No PIN can be typed on the refusal page. */
    lk_svcmode_intent(r.m, LK_INTENT_KEY, '4', NULL);
    assert_int_equal(lk_svcmode_view(r.m)->svc->pin_len, 0);
    lk_svcmode_intent(r.m, LK_INTENT_OK, 0, NULL);
    assert_false(lk_svcmode_active(r.m));
    n = card(r.other, "T-4", NOW - 10, NOW + 86400, tok);
    assert_int_equal(lk_svcmode_card(r.m, tok, n, "zh-CN"), 1);
    assert_string_equal(lk_svcmode_view(r.m)->svc->refusal, "bad-card");
    lk_svcmode_intent(r.m, LK_INTENT_CANCEL, 0, NULL);
    uint8_t junk[10] = "LKSCjunk!";
    assert_int_equal(lk_svcmode_card(r.m, junk, sizeof junk, "zh-CN"), 1);
    assert_string_equal(lk_svcmode_view(r.m)->svc->refusal, "bad-card");
    assert_int_equal(audited(&r, "tech:T-3", "service.refused"), 1);
    /* A refused card never counts toward the lock. */
    int failures = -1;
    int64_t until = -1;
    assert_int_equal(lk_service_lock_state(r.fx->st, NOW, &failures, &until, NULL), 0);
    assert_int_equal(failures, 0);
    assert_int_equal(until, 0);
    free_rig(&r);
}

/* With workers the PIN is hashed off the loop: the pad waits (keys, cancel and the timeout
 * idle) until the verdict event comes, and the lockout counts exactly as inline. */
static void test_pin_on_worker(void **state_)
{
    rig r;
    make_rig_w(&r, *state_, 1);
    uint8_t tok[LK_SERVICE_TOKEN_MAX];
    size_t n = card(r.admin, "T-5", NOW - 10, NOW + 86400, tok);
    assert_int_equal(lk_svcmode_card(r.m, tok, n, "en"), 1);
    const lk_svc_view *sv = lk_svcmode_view(r.m)->svc;
    for (int i = 1; i <= 4; i++) {
        type_pin(&r, "111111");
        assert_int_equal(sv->pin_checking, 1);
        assert_int_equal(state(&r), LK_ST_DIAG_PIN);
        lk_svcmode_intent(r.m, LK_INTENT_KEY, '7', NULL); /* ignored while checking */
        lk_svcmode_intent(r.m, LK_INTENT_CANCEL, 0, NULL);
        assert_int_equal(sv->pin_len, 0);
        r.ms += 120000; /* no timeout while the kiosk is busy */
        lk_svcmode_tick(r.m);
        assert_true(lk_svcmode_active(r.m));
        deliver(&r);
        assert_int_equal(sv->pin_checking, 0);
        assert_int_equal(sv->pin_wrong, 1);
        assert_int_equal(sv->attempts_left, 5 - i);
    }
    /* Counted before the hash: a wrong PIN whose verdict never arrives (a crash) stays
     * counted. */
    int failures = 0;
    int64_t until = 0;
    type_pin(&r, "222222");
    assert_int_equal(lk_service_lock_state(r.fx->st, NOW, &failures, &until, NULL), 0);
    assert_int_equal(failures, 5);
    deliver(&r);
    assert_int_equal(state(&r), LK_ST_DIAG_REFUSED);
    assert_string_equal(sv->refusal, "locked");
    assert_int_equal(audited(&r, "tech:T-5", "service.pin-wrong"), 5);
    lk_svcmode_intent(r.m, LK_INTENT_OK, 0, NULL);
    r.wall = NOW + LK_SERVICE_LOCK_S + 1;
    assert_int_equal(lk_svcmode_card(r.m, tok, n, "en"), 1);
    type_pin(&r, "482913");
    assert_int_equal(state(&r), LK_ST_DIAG_PIN);
    deliver(&r);
    assert_int_equal(state(&r), LK_ST_DIAG_MENU);
    assert_int_equal(lk_service_lock_state(r.fx->st, r.wall, &failures, &until, NULL), 0);
    assert_int_equal(failures, 0);
    assert_int_equal(audited(&r, "tech:T-5", "service.enter"), 1);
    free_rig(&r);
}

/* A bundle result shown without a technician: OK returns to attract, nothing else opens. */
static void test_bundle_popup(void **state_)
{
    rig r;
    make_rig(&r, *state_);
    assert_int_equal(lk_svcmode_bundle_show(r.m, "en"), 0); /* nothing to show yet */
    lk_svcmode_bundle_result(r.m, 0, "x.lkb: refused (bad-signature)");
    assert_false(lk_svcmode_active(r.m));
    assert_int_equal(lk_svcmode_bundle_show(r.m, "en"), 1);
    assert_int_equal(state(&r), LK_ST_DIAG_BUNDLE);
    const lk_svc_view *sv = lk_svcmode_view(r.m)->svc;
    assert_int_equal(sv->bundle_ok, 0);
    assert_string_equal(sv->bundle_text, "x.lkb: refused (bad-signature)");
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_PAGE, LK_ST_DIAG_STATUS, NULL);
    assert_int_equal(state(&r), LK_ST_DIAG_BUNDLE);
    lk_svcmode_intent(r.m, LK_INTENT_BACK, 0, NULL); /* not to the menu */
    assert_false(lk_svcmode_active(r.m));
    assert_int_equal(audited(&r, "tech:?", "diag.view"), 0);
    free_rig(&r);
}

/* A device probe and a self-test that block until the test writes to gate[1]. */
static int gate[2];
static int seen_calib_x = -999, seen_store = -1;

static void gated_probe(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)ctx;
    (void)env;
    char c;
    assert_int_equal(read(gate[0], &c, 1), 1);
    s->status = LK_DEVICE_NORMAL;
    snprintf(s->reason, sizeof s->reason, "ready");
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "name", "Black Toner");
    cJSON_AddNumberToObject(m, "level", 75);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(d, "markers"), m);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(d, "media_ready"),
                         cJSON_CreateString("iso_a4_210x297mm"));
    cJSON *u = cJSON_CreateObject(); /* as the USB probe lists its inventory */
    cJSON_AddStringToObject(u, "id", "0781:5581");
    cJSON_AddStringToObject(u, "class", "mass-storage");
    cJSON_AddStringToObject(u, "product", "Ultra");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(d, "devices"), u);
}

static int gated_test(void *ctx, const lk_diag_env *env, cJSON *r)
{
    (void)ctx;
    char c;
    assert_int_equal(read(gate[0], &c, 1), 1);
    seen_calib_x = env->calib_x_01mm;
    seen_store = env->st != NULL;
    cJSON_AddStringToObject(r, "job_state", "completed");
    return 1;
}

static const lk_svc_row *row_named(const lk_svc_view *sv, const char *name)
{
    for (int i = 0; i < sv->n_rows; i++)
        if (strcmp(sv->rows[i].name, name) == 0)
            return &sv->rows[i];
    return NULL;
}

static void test_workers(void **state_)
{
    rig r;
    make_rig(&r, *state_);
    lk_err err = {0};
    lk_evtq *q = NULL;
    lk_workers *w = NULL;
    assert_int_equal(pipe(gate), 0);
    assert_int_equal(lk_evtq_create(16, &q, &err), 0);
    assert_int_equal(lk_workers_create(1, q, &w, &err), 0);
    const lk_diag_probe *bp = NULL;
    const lk_diag_selftest *bt = NULL;
    size_t np = lk_diag_builtin_probes(&bp), nt = lk_diag_builtin_selftests(&bt);
    lk_diag_probe probes[16];
    lk_diag_selftest tests[16];
    memcpy(probes, bp, np * sizeof *bp);
    memcpy(tests, bt, nt * sizeof *bt);
    probes[np++] = (lk_diag_probe){"printer", gated_probe, NULL, 1};
    tests[nt++] = (lk_diag_selftest){"calibration-page", "gated", gated_test, NULL, 1};
    lk_svcmode_set_tables(r.m, probes, np, tests, nt, w);
    assert_int_equal(lk_config_set(r.fx->st, "printer.calibration_x_01mm", "7", "t", &err), 0);

    uint8_t tok[LK_SERVICE_TOKEN_MAX];
    size_t n = card(r.admin, "T-9", NOW - 10, NOW + 86400, tok);
    assert_int_equal(lk_svcmode_card(r.m, tok, n, "en"), 1);
    type_pin(&r, "482913");
    deliver_q(&r, q); /* with workers the PIN, too, is checked on one */
    const lk_svc_view *sv = lk_svcmode_view(r.m)->svc;
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_PAGE, LK_ST_DIAG_STATUS, NULL);
    /* Back at once, the device still being asked. */
    assert_non_null(row_named(sv, "printer"));
    assert_string_equal(row_named(sv, "printer")->status, "busy");
    assert_string_equal(row_named(sv, "disk")->status, "normal");
    assert_null(row_named(sv, "  Black Toner"));
    uint64_t gen = lk_svcmode_view(r.m)->gen;
    assert_int_equal(write(gate[1], "x", 1), 1);
    deliver_q(&r, q);
    assert_string_equal(row_named(sv, "printer")->status, "normal");
    assert_string_equal(row_named(sv, "  Black Toner")->text, "75%");
    assert_string_equal(row_named(sv, "  0781:5581")->text, "mass-storage Ultra");
    assert_string_equal(row_named(sv, "  media")->text, "iso_a4_210x297mm");
    assert_true(lk_svcmode_view(r.m)->gen != gen);
    assert_string_not_equal(sv->overall, "busy");

    lk_svcmode_intent(r.m, LK_INTENT_BACK, 0, NULL);
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_PAGE, LK_ST_DIAG_SELFTEST, NULL);
    int idx = -1;
    for (int i = 0; i < sv->n_tests; i++)
        if (strcmp(sv->tests[i], "calibration-page") == 0)
            idx = i;
    assert_true(idx >= 0);
    int before = audited(&r, "tech:T-9", "diag.selftest");
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_RUN, idx, NULL);
    assert_string_equal(sv->result_name, "calibration-page");
    assert_int_equal(sv->result_running, 1);
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_RUN, 0, NULL); /* one at a time */
    assert_string_equal(sv->result_name, "calibration-page");
    assert_int_equal(audited(&r, "tech:T-9", "diag.selftest"), before);
    assert_int_equal(write(gate[1], "x", 1), 1);
    deliver_q(&r, q);
    assert_int_equal(sv->result_running, 0);
    assert_int_equal(sv->result_passed, 1);
    assert_non_null(strstr(sv->result_text, "completed"));
    assert_int_equal(seen_calib_x, 7);
    assert_int_equal(seen_store, 0);
    assert_int_equal(audited(&r, "tech:T-9", "diag.selftest"), before + 1);

    /* A status answer for a page that was left is dropped. */
    lk_svcmode_intent(r.m, LK_INTENT_BACK, 0, NULL);
    lk_svcmode_intent(r.m, LK_INTENT_DIAG_PAGE, LK_ST_DIAG_STATUS, NULL);
    lk_svcmode_intent(r.m, LK_INTENT_BACK, 0, NULL);
    assert_int_equal(write(gate[1], "x", 1), 1);
    deliver_q(&r, q);
    assert_int_equal(state(&r), LK_ST_DIAG_MENU);
    lk_workers_free(w);
    lk_evtq_free(q);
    close(gate[0]);
    close(gate[1]);
    free_rig(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_entry_and_pages, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_jobs_page, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_lockout, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_bad_cards, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_pin_on_worker, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_bundle_popup, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_workers, lk_test_setup_open, lk_test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
