/* test_registry: registry sync end to end: the real client (libcurl, TLS, Ed25519 signatures)
 * against the real reference server (registry-sim on libmicrohttpd, run in-process on a free
 * loopback port with a PKI made at test time), into a real SQLite store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_registry.h"
#include "kiosk/lk_registry_proto.h"
#include "lk_testreg.h"

typedef lk_test_rig rig;

static long long q(lk_store *st, const char *sql, const char *arg)
{
    return lk_test_scalar(st, sql, arg);
}

static long audit_count(lk_store *st, const char *event)
{
    return (long)q(st, "SELECT count(*) FROM audit WHERE event = ?1", event);
}

static int sync_ok(rig *r, lk_registry_sync_stats *s)
{
    lk_err err = {0};
    int rc = lk_registry_sync(r->reg, r->fx->st, 0, s, &err);
    if (rc != 0)
        fail_msg("sync: %s", err.msg);
    return rc;
}

typedef struct found {
    int n;
    char uscc[8][19];
} found;

static int collect(void *ctx, const lk_store_match *m)
{
    found *f = ctx;
    if (f->n < 8)
        snprintf(f->uscc[f->n++], 19, "%s", m->uscc);
    return 0;
}

static int has(const found *f, const char *uscc)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->uscc[i], uscc) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */

static void test_incremental_kinds(void **state)
{
    rig *r = lk_test_rig_new(state, 20);
    lk_registry_sync_stats s;
    sync_ok(r, &s);
    char uscc[4][19], type[16], number[32];
    for (int i = 0; i < 4; i++)
        lk_regsim_record_ids(r->sim, 2 + i, uscc[i], type, number);
    lk_regsim_revoke(r->sim, 2, "licence withdrawn");
    lk_regsim_set_qr(r->sim, 3, "https://qr.example.invalid/abc");
    lk_regsim_reprint(r->sim, 4, "original", 1, "auth-777");
    long fresh = lk_regsim_approve_new(r->sim);
    sync_ok(r, &s);
    assert_int_equal(s.revocations, 1);
    assert_int_equal(s.qr_changes, 1);
    assert_int_equal(s.reprints, 1);
    assert_int_equal(s.upserts, 1);
    assert_int_equal(s.inserted, 1);
    assert_int_equal(lk_registry_check_printable(r->fx->st, uscc[0], NULL), LK_ECANCELED);
    assert_int_equal(lk_registry_check_printable(r->fx->st, uscc[1], NULL), 0);
    lk_record *rec = NULL;
    assert_int_equal(lk_store_get_record(r->fx->st, uscc[1], &rec, NULL), 0);
    assert_string_equal(rec->qr_payload, "https://qr.example.invalid/abc");
    lk_record_free(rec);
    char auth[80];
    assert_int_equal(
        lk_registry_reprint_take(r->fx->st, uscc[2], "original", 1, auth, sizeof auth, NULL), 0);
    assert_string_equal(auth, "auth-777");
    assert_int_equal(
        lk_registry_reprint_take(r->fx->st, uscc[2], "original", 1, auth, sizeof auth, NULL),
        LK_ENOENT);
    char new_uscc[19];
    lk_regsim_record_ids(r->sim, fresh, new_uscc, type, number);
    assert_int_equal(q(r->fx->st, "SELECT count(*) FROM licenses WHERE uscc = ?1", new_uscc), 1);
    /* Re-approval by the registry lifts the revocation. */
    lk_regsim_reapprove(r->sim, 2);
    sync_ok(r, &s);
    assert_int_equal(lk_registry_check_printable(r->fx->st, uscc[0], NULL), 0);
    lk_test_rig_free(r);
}

static void wait_round(lk_registry_worker *w, long want)
{
    long rounds = 0;
    for (int i = 0; i < 200 && rounds < want; i++) {
        struct pollfd p = {.fd = lk_registry_worker_fd(w), .events = POLLIN};
        poll(&p, 1, 100);
        lk_registry_worker_result(w, NULL, &rounds, NULL);
    }
    assert_true(rounds >= want);
}

/* The session has found and cached the license; the revocation arrives through the background
 * worker before the customer presses print. */
static void test_revocation_during_session(void **state)
{
    rig *r = lk_test_rig_new(state, 30);
    char uscc[19], type[16], number[32];
    lk_regsim_record_ids(r->sim, 5, uscc, type, number);
    /* The generator revokes some records itself; the test needs an approved one. */
    lk_regsim_reapprove(r->sim, 5);
    lk_registry_worker *w = NULL;
    lk_err err = {0};
    assert_int_equal(lk_registry_worker_start(r->fx->db, NULL, "worker", &w, &err), 0);
    wait_round(w, 1);
    found f = {0};
    lk_registry_lookup_info info;
    assert_true(lk_registry_lookup(r->reg, r->fx->st, type, number, collect, &f, &info, &err) > 0);
    assert_true(info.live);
    assert_true(has(&f, uscc));
    assert_int_equal(lk_registry_check_printable(r->fx->st, uscc, NULL), 0);

    lk_regsim_revoke(r->sim, 5, "revoked mid-session");
    lk_registry_worker_kick(w);
    wait_round(w, 2);
    lk_registry_sync_stats s;
    assert_int_equal(lk_registry_worker_result(w, &s, NULL, &err), 0);
    assert_int_equal(s.revocations, 1);
    lk_registry_worker_stop(w);

    /* The cached match is refused at print time, and the journal cannot start the copy. */
    assert_int_equal(lk_registry_check_printable(r->fx->st, uscc, &err), LK_ECANCELED);
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE print_jobs SET state = 'printing' WHERE license_id ="
             " (SELECT id FROM licenses WHERE uscc = '%s')",
             uscc);
    assert_int_not_equal(sqlite3_exec(lk_store_db(r->fx->st), sql, NULL, NULL, NULL), SQLITE_OK);
    /* Not offered again, even from the local copy alone. */
    memset(&f, 0, sizeof f);
    lk_registry_lookup(NULL, r->fx->st, type, number, collect, &f, NULL, &err);
    assert_false(has(&f, uscc));
    lk_test_rig_free(r);
}

/* The live lookup itself brings a revocation the background sync has not seen yet. */
static void test_lookup_brings_revocation(void **state)
{
    rig *r = lk_test_rig_new(state, 12);
    lk_regsim_reapprove(r->sim, 4);
    lk_registry_sync_stats s;
    sync_ok(r, &s);
    char uscc[19], type[16], number[32];
    lk_regsim_record_ids(r->sim, 4, uscc, type, number);
    lk_regsim_revoke(r->sim, 4, "revoked upstream");
    found f = {0};
    lk_registry_lookup_info info;
    lk_err err = {0};
    lk_registry_lookup(r->reg, r->fx->st, type, number, collect, &f, &info, &err);
    assert_true(info.live);
    assert_false(has(&f, uscc));
    assert_int_equal(lk_registry_check_printable(r->fx->st, uscc, NULL), LK_ECANCELED);
    assert_int_equal(
        q(r->fx->st, "SELECT count(*) FROM registry_revocations WHERE uscc = ?1", uscc), 1);
    lk_regsim_stats st;
    lk_regsim_get_stats(r->sim, &st);
    assert_int_equal(st.lookups, 1);
    lk_test_rig_free(r);
}

static void test_stale_import_cannot_unrevoke(void **state)
{
    rig *r = lk_test_rig_new(state, 10);
    lk_regsim_reapprove(r->sim, 1);
    lk_registry_sync_stats s;
    sync_ok(r, &s);
    char uscc[19], type[16], number[32];
    lk_regsim_record_ids(r->sim, 1, uscc, type, number);
    lk_regsim_revoke(r->sim, 1, NULL);
    sync_ok(r, &s);
    assert_int_equal(lk_registry_check_printable(r->fx->st, uscc, NULL), LK_ECANCELED);
    /* Write the record again as an old import file would have it: approved. */
    assert_int_equal(
        sqlite3_exec(lk_store_db(r->fx->st),
                     "UPDATE licenses SET status = 'approved' WHERE status = 'revoked'", NULL, NULL,
                     NULL),
        SQLITE_OK);
    assert_int_equal(lk_registry_check_printable(r->fx->st, uscc, NULL), LK_ECANCELED);
    assert_int_equal(q(r->fx->st,
                       "SELECT count(*) FROM licenses WHERE uscc = ?1 AND"
                       " status = 'revoked'",
                       uscc),
                     1);
    lk_test_rig_free(r);
}

static void test_network_down_fallback(void **state)
{
    rig *r = lk_test_rig_new(state, 15);
    lk_regsim_reapprove(r->sim, 3);
    lk_registry_sync_stats s;
    sync_ok(r, &s);
    char uscc[19], type[16], number[32];
    lk_regsim_record_ids(r->sim, 3, uscc, type, number);

    /* Registry unreachable: the local copy answers, and the audit log says so. */
    lk_test_rig_set_port(r, lk_test_dead_port());
    lk_test_rig_set(r->fx->st, "registry.budget_ms", "500");
    lk_test_rig_reopen(r);
    found f = {0};
    lk_registry_lookup_info info;
    lk_err err = {0};
    long long t0 = lk_test_now_ms();
    assert_true(lk_registry_lookup(r->reg, r->fx->st, type, number, collect, &f, &info, &err) > 0);
    assert_true(lk_test_now_ms() - t0 < 3000);
    assert_false(info.live);
    assert_true(has(&f, uscc));
    assert_true(info.fallback[0] != '\0');
    assert_int_equal(audit_count(r->fx->st, "registry.fallback"), 1);

    /* Registry hanging far beyond the budget (20 s against 500 ms): the budget ends the wait
     * and the local copy answers well before the registry would have. */
    lk_test_rig_set_port(r, lk_regsim_port(r->sim));
    lk_test_rig_reopen(r);
    lk_regsim_fault(r->sim, LK_REGSIM_FAULT_SLOW, 5, 20000, "/v1/lookup");
    memset(&f, 0, sizeof f);
    t0 = lk_test_now_ms();
    assert_true(lk_registry_lookup(r->reg, r->fx->st, type, number, collect, &f, &info, &err) > 0);
    assert_true(lk_test_now_ms() - t0 < 3000);
    assert_false(info.live);
    assert_true(has(&f, uscc));
    assert_non_null(strstr(info.fallback, "time"));
    assert_int_equal(audit_count(r->fx->st, "registry.fallback"), 2);
    assert_int_equal(q(r->fx->st,
                       "SELECT count(*) FROM audit WHERE event = 'registry.fallback' AND"
                       " json_extract(detail, '$.budget_ms') = 500 AND"
                       " instr(json_extract(detail, '$.reason'), 'time') > 0",
                       NULL),
                     1);
    /* The fallback row never carries the number. */
    assert_int_equal(q(r->fx->st, "SELECT count(*) FROM audit WHERE instr(detail, ?1) > 0", number),
                     0);

    /* And live again once the registry answers. */
    lk_regsim_fault(r->sim, LK_REGSIM_FAULT_NONE, 0, 0, NULL);
    lk_test_rig_set(r->fx->st, "registry.budget_ms", "5000");
    lk_test_rig_reopen(r);
    assert_true(lk_registry_lookup(r->reg, r->fx->st, type, number, collect, &f, &info, &err) > 0);
    assert_true(info.live);
    assert_int_equal(audit_count(r->fx->st, "registry.fallback"), 2);
    lk_test_rig_free(r);
}

static void test_faults_recovered(void **state)
{
    rig *r = lk_test_rig_new(state, 40);
    lk_test_rig_set(r->fx->st, "registry.page_size", "10");
    lk_test_rig_reopen(r);
    lk_registry_sync_stats s;
    lk_regsim_fault(r->sim, LK_REGSIM_FAULT_5XX, 2, 0, "/v1/changes");
    sync_ok(r, &s);
    assert_true(s.retries >= 2);
    assert_int_equal(s.upserts, 40);

    lk_regsim_approve_new(r->sim);
    lk_regsim_fault(r->sim, LK_REGSIM_FAULT_RESET, 2, 0, "/v1/changes");
    sync_ok(r, &s);
    assert_true(s.retries >= 2);
    assert_int_equal(s.upserts, 1);

    lk_regsim_approve_new(r->sim);
    lk_regsim_fault(r->sim, LK_REGSIM_FAULT_TRUNCATE, 1, 0, "/v1/changes");
    sync_ok(r, &s);
    assert_true(s.retries >= 1);
    assert_int_equal(s.upserts, 1);

    /* The registry forgot our cursor: start over, once, and lose nothing. */
    lk_regsim_expire_cursors(r->sim);
    sync_ok(r, &s);
    assert_true(s.restarted);
    assert_int_equal(s.upserts, 42);
    assert_int_equal(q(r->fx->st, "SELECT count(*) FROM licenses", NULL), 42);
    lk_test_rig_free(r);
}

static void test_faults_refused(void **state)
{
    rig *r = lk_test_rig_new(state, 12);
    lk_registry_sync_stats s;
    sync_ok(r, &s);
    char before[LK_REGISTRY_CURSOR_MAX + 1];
    snprintf(before, sizeof before, "%s", s.cursor);
    lk_regsim_approve_new(r->sim);
    lk_err err = {0};
    /* A page that answers another cursor is never applied, however often it comes. */
    lk_regsim_fault(r->sim, LK_REGSIM_FAULT_WRONG_CURSOR, 100, 0, "/v1/changes");
    assert_int_equal(lk_registry_sync(r->reg, r->fx->st, 0, &s, &err), LK_EPROTO);
    assert_non_null(strstr(err.msg, "another cursor"));
    assert_int_equal(q(r->fx->st, "SELECT count(*) FROM licenses", NULL), 12);
    assert_int_equal(q(r->fx->st, "SELECT count(*) FROM registry_state WHERE cursor = ?1", before),
                     1);
    /* Hostile JSON (deep nesting, \u0000): refused, nothing applied, nothing crashes. */
    lk_regsim_fault(r->sim, LK_REGSIM_FAULT_HOSTILE, 100, 0, "/v1/changes");
    assert_int_equal(lk_registry_sync(r->reg, r->fx->st, 0, &s, &err), LK_EPROTO);
    assert_int_equal(q(r->fx->st, "SELECT count(*) FROM licenses", NULL), 12);
    /* The failed runs are audited. */
    assert_true(q(r->fx->st,
                  "SELECT count(*) FROM audit WHERE event = 'registry.sync' AND"
                  " json_extract(detail, '$.ok') = 0",
                  NULL) >= 2);
    lk_regsim_fault(r->sim, LK_REGSIM_FAULT_NONE, 0, 0, NULL);
    sync_ok(r, &s);
    assert_int_equal(q(r->fx->st, "SELECT count(*) FROM licenses", NULL), 13);
    lk_test_rig_free(r);
}

static void test_reports_exactly_once(void **state)
{
    rig *r = lk_test_rig_new(state, 5);
    lk_registry_sync_stats s;
    sync_ok(r, &s);
    char uscc[19], type[16], number[32], key[LK_REGISTRY_IDEM_KEY_LEN + 1];
    lk_regsim_record_ids(r->sim, 0, uscc, type, number);
    lk_err err = {0};
    assert_int_equal(
        lk_registry_report_enqueue(r->fx->st, uscc, "original", 1, 1764600000, "S-0001", key, &err),
        1);
    assert_int_equal(strlen(key), LK_REGISTRY_IDEM_KEY_LEN);
    /* The journal replaying the same print after a crash queues nothing new. */
    assert_int_equal(lk_registry_report_enqueue(r->fx->st, uscc, "original", 1, 1764600000,
                                                "S-0001", NULL, &err),
                     0);
    assert_int_equal(lk_registry_report_enqueue(r->fx->st, uscc, "duplicate", 1, 1764600060,
                                                "S-0002", NULL, &err),
                     1);
    assert_int_equal(lk_registry_report_enqueue(r->fx->st, uscc, "bogus", 1, 1, NULL, NULL, &err),
                     LK_EINVAL);

    /* Offline: reports stay queued. */
    lk_test_rig_set_port(r, lk_test_dead_port());
    lk_test_rig_set(r->fx->st, "registry.retries", "1");
    lk_test_rig_reopen(r);
    assert_int_not_equal(lk_registry_report_flush(r->reg, r->fx->st, &s, &err), 0);
    long pending = 0;
    lk_registry_report_pending(r->fx->st, &pending, NULL);
    assert_int_equal(pending, 2);

    /* Back online, and the first answer is lost after the registry stored the report: the
     * retry is recognised by its key, so the registry holds each report once. */
    lk_test_rig_set_port(r, lk_regsim_port(r->sim));
    lk_test_rig_set(r->fx->st, "registry.retries", "4");
    lk_test_rig_reopen(r);
    lk_regsim_fault(r->sim, LK_REGSIM_FAULT_RESET_AFTER, 1, 0, "/v1/prints");
    memset(&s, 0, sizeof s);
    assert_int_equal(lk_registry_report_flush(r->reg, r->fx->st, &s, &err), 0);
    assert_int_equal(s.reports_sent, 1);
    assert_int_equal(s.reports_duplicate, 1);
    lk_registry_report_pending(r->fx->st, &pending, NULL);
    assert_int_equal(pending, 0);
    lk_regsim_stats st;
    lk_regsim_get_stats(r->sim, &st);
    assert_int_equal(st.reports, 2);
    assert_int_equal(st.report_posts, 3);
    /* Nothing is sent twice once acknowledged. */
    sync_ok(r, &s);
    lk_regsim_get_stats(r->sim, &st);
    assert_int_equal(st.report_posts, 3);
    lk_test_rig_free(r);
}

static void test_tls_pin_and_ca(void **state)
{
    rig *r = lk_test_rig_new(state, 3);
    char pin[128], other[128];
    FILE *f = NULL;
    char path[256];
    snprintf(path, sizeof path, "%s/pin.txt", r->fx->dir);
    assert_non_null(f = fopen(path, "r"));
    assert_non_null(fgets(pin, sizeof pin, f));
    fclose(f);
    snprintf(path, sizeof path, "%s/other-pin.txt", r->fx->dir);
    assert_non_null(f = fopen(path, "r"));
    assert_non_null(fgets(other, sizeof other, f));
    fclose(f);
    pin[strcspn(pin, "\n")] = other[strcspn(other, "\n")] = '\0';
    lk_registry_sync_stats s;
    lk_err err = {0};

    lk_test_rig_set(r->fx->st, "registry.pin_sha256", other);
    lk_test_rig_reopen(r);
    assert_int_equal(lk_registry_sync(r->reg, r->fx->st, 0, &s, &err), LK_EBADSIG);
    assert_int_equal(s.retries, 0); /* an impostor is not asked again */
    lk_regsim_stats st;
    lk_regsim_get_stats(r->sim, &st);
    assert_int_equal(st.requests, 0);
    assert_int_equal(q(r->fx->st, "SELECT count(*) FROM licenses", NULL), 0);

    char both[300];
    snprintf(both, sizeof both, "%s;%s", other, pin);
    lk_test_rig_set(r->fx->st, "registry.pin_sha256", both);
    lk_test_rig_reopen(r);
    sync_ok(r, &s);
    assert_int_equal(s.upserts, 3);

    lk_test_rig_set(r->fx->st, "registry.pin_sha256", "");
    lk_test_rig_set_file(r, "registry.ca_file", "other-ca.pem");
    lk_test_rig_reopen(r);
    assert_int_equal(lk_registry_sync(r->reg, r->fx->st, 0, &s, &err), LK_EBADSIG);
    lk_test_rig_free(r);
}

static void test_auth_and_config(void **state)
{
    rig *r = lk_test_rig_new(state, 3);
    lk_registry_sync_stats s;
    lk_err err = {0};
    lk_test_rig_set(r->fx->st, "registry.kiosk_id", "kiosk-2");
    lk_test_rig_reopen(r);
    assert_int_equal(lk_registry_sync(r->reg, r->fx->st, 0, &s, &err), LK_EBADSIG);
    assert_non_null(strstr(err.msg, "401"));
    lk_regsim_stats st;
    lk_regsim_get_stats(r->sim, &st);
    assert_true(st.rejected_auth >= 1);
    lk_test_rig_set(r->fx->st, "registry.kiosk_id", "kiosk-1");

    lk_registry *reg = NULL;
    lk_test_rig_set(r->fx->st, "registry.url", "http://127.0.0.1:1");
    assert_int_equal(lk_registry_open(r->fx->st, "t", 0, &reg, &err), LK_ECONFIG);
    lk_test_rig_set_port(r, lk_regsim_port(r->sim));
    char path[256];
    snprintf(path, sizeof path, "%s/kiosk.key", r->fx->dir);
    chmod(path, 0644);
    assert_int_equal(lk_registry_open(r->fx->st, "t", 0, &reg, &err), LK_ECONFIG);
    assert_non_null(strstr(err.msg, "readable"));
    chmod(path, 0600);
    lk_test_rig_set(r->fx->st, "registry.url", "");
    assert_int_equal(lk_registry_open(r->fx->st, "t", 0, &reg, &err), LK_ECONFIG);
    assert_null(reg);
    lk_test_rig_free(r);
}

/* ------------------------------------------------------------------------------------------ */
/* The response parser on its own */

static int parse(const char *body, const char *from, lk_registry_page *p)
{
    return lk_registry_parse_changes(body, strlen(body), from, 20260101, p, NULL);
}

static void test_parser_hostile(void **state)
{
    (void)state;
    lk_registry_page p;
    const char *refused[] = {
        "",
        "{",
        "[]",
        "{\"from\":\"\",\"cursor\":\"c\",\"more\":false,\"changes\":[]} trailing",
        "{\"from\":\"\",\"cursor\":\"c\",\"more\":false,\"changes\":[]} x }",
        "{\"from\":\"\",\"cursor\":\"c\",\"more\":false,\"changes\":[] ",
        "{\"from\":\"x\",\"cursor\":\"c\",\"more\":false,\"changes\":[]}",
        "{\"from\":\"\",\"from\":\"\",\"cursor\":\"c\",\"more\":false,\"changes\":[]}",
        "{\"from\":\"\",\"cursor\":\"\",\"more\":false,\"changes\":[]}",
        "{\"from\":\"\",\"cursor\":\"c\",\"more\":1,\"changes\":[]}",
        "{\"from\":\"\",\"cursor\":\"c\",\"more\":true,\"changes\":[]}",
        "{\"from\":\"\",\"cursor\":\"c\\u0000d\",\"more\":false,\"changes\":[]}",
        "{\"from\":\"\",\"cursor\":\"c\",\"more\":false,\"changes\":{}}",
        "{\"from\":\"\",\"cursor\":\"c\",\"more\":false,\"changes\":[{\"seq\":2,\"kind\":\"qr\","
        "\"uscc\":\"914403001922038216\"},{\"seq\":2,\"kind\":\"qr\","
        "\"uscc\":\"914403001922038216\"}]}",
        "{\"from\":\"\",\"cursor\":\"c\",\"more\":false,\"changes\":[{\"seq\":1.5}]}",
        "{\"from\":\"\",\"cursor\":\"c\",\"more\":false,\"changes\":[{\"seq\":1e300}]}",
        "{\"from\":\"\",\"cursor\":\"c\",\"more\":false,\"changes\":[7]}",
        "{\"from\":\"\xc0\xaf\",\"cursor\":\"c\",\"more\":false,\"changes\":[]}",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        if (parse(refused[i], "", &p) != LK_EPROTO)
            fail_msg("body %zu was accepted", i);
    }
    /* Deep nesting and a page over the entry limit. */
    char *deep = malloc(200100);
    assert_non_null(deep);
    int n = sprintf(deep, "{\"from\":\"\",\"cursor\":\"c\",\"more\":false,\"changes\":");
    memset(deep + n, '[', 100000);
    memset(deep + n + 100000, ']', 100000);
    strcpy(deep + n + 200000, "}");
    assert_int_equal(parse(deep, "", &p), LK_EPROTO);
    free(deep);
    size_t cap = 64 + (LK_REGISTRY_PAGE_MAX + 1) * 80;
    char *many = malloc(cap);
    assert_non_null(many);
    size_t len =
        (size_t)sprintf(many, "{\"from\":\"\",\"cursor\":\"c\",\"more\":false,\"changes\":[");
    for (int i = 1; i <= LK_REGISTRY_PAGE_MAX + 1; i++)
        len += (size_t)sprintf(many + len, "%s{\"seq\":%d,\"kind\":\"revoke\",\"uscc\":\"x\"}",
                               i > 1 ? "," : "", i);
    strcpy(many + len, "]}");
    assert_int_equal(parse(many, "", &p), LK_EPROTO);
    free(many);
}

static void test_parser_rejects_entries(void **state)
{
    (void)state;
    lk_registry_page p;
    const char *body =
        "{\"from\":\"e1.5\",\"cursor\":\"e1.9\",\"more\":false,\"changes\":["
        "{\"seq\":6,\"kind\":\"revoke\",\"uscc\":\"914403001922038216\",\"reason\":\"r\"},"
        "{\"seq\":7,\"kind\":\"teleport\",\"uscc\":\"914403001922038216\"},"
        "{\"seq\":8,\"kind\":\"upsert\",\"record\":{\"uscc\":\"914403001922038216\",\"x\":1}},"
        "{\"seq\":9,\"kind\":\"reprint\",\"uscc\":\"914403001922038216\",\"copy\":\"duplicate\","
        "\"copy_no\":2,\"authorisation\":\"A1\"},"
        "{\"seq\":10,\"kind\":\"revoke\",\"uscc\":\"91440300192203821I\"},"
        "{\"seq\":11,\"kind\":\"qr\",\"uscc\":\"914403001922038216\",\"qr_payload\":null}]}";
    assert_int_equal(parse(body, "e1.5", &p), 0);
    assert_string_equal(p.cursor, "e1.9");
    assert_int_equal(p.n_changes, 6);
    assert_int_equal(p.changes[0].kind, LK_REGISTRY_REVOKE);
    assert_string_equal(p.changes[0].text, "r");
    assert_int_equal(p.changes[1].kind, LK_REGISTRY_REJECTED);
    assert_int_equal(p.changes[2].kind, LK_REGISTRY_REJECTED);
    assert_non_null(strstr(p.changes[2].reason, "unknown field"));
    assert_int_equal(p.changes[3].kind, LK_REGISTRY_REPRINT);
    assert_int_equal(p.changes[3].copy_no, 2);
    assert_int_equal(p.changes[4].kind, LK_REGISTRY_REJECTED); /* I is not a USCC character */
    assert_int_equal(p.changes[5].kind, LK_REGISTRY_QR);
    assert_null(p.changes[5].text);
    lk_registry_page_free(&p);

    int dup = 0;
    const char *ack = "{\"status\":\"duplicate\",\"idempotency_key\":\"k1\"}";
    assert_int_equal(lk_registry_parse_report_ack(ack, strlen(ack), "k1", &dup, NULL), 0);
    assert_true(dup);
    assert_int_equal(lk_registry_parse_report_ack(ack, strlen(ack), "k2", &dup, NULL), LK_EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser_hostile),
        cmocka_unit_test(test_parser_rejects_entries),
        cmocka_unit_test_setup_teardown(test_incremental_kinds, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_revocation_during_session, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_lookup_brings_revocation, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_stale_import_cannot_unrevoke, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_network_down_fallback, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_faults_recovered, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_faults_refused, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_reports_exactly_once, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_tls_pin_and_ca, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_auth_and_config, lk_test_setup_open, lk_test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
