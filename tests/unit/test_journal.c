/* Print journal, stock ledger and printer-state mapping: the exactly-once state machine with and
 * without rows pre-created at import, refusals, technician confirmation, audited reprints,
 * serial consumption. (The CUPS path itself is tested through the real rig in tests/cli.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_counter.h"
#include "kiosk/lk_counter_names.h"
#include "kiosk/lk_journal.h"
#include "kiosk/lk_printer.h"
#include "kiosk/lk_registry.h"
#include "kiosk/lk_stock.h"
#include "lk_testutil.h"

static int count_rows(lk_store *st, const char *sql)
{
    return (int)lk_test_scalar(st, sql, NULL);
}

static lk_journal_req req(const char *uscc, const char *copy, int no, int overlay)
{
    return (lk_journal_req){uscc, copy, no, overlay, "kiosk", 60, "test"};
}

static void print_once(lk_store *st, const lk_journal_req *q, lk_print_outcome o,
                       lk_journal_row *out)
{
    lk_err err = {0};
    lk_journal_row r;
    if (lk_journal_reserve(st, q, &r, &err) != 0)
        fail_msg("reserve: %s", err.msg);
    assert_string_equal(r.state, "reserved");
    assert_int_equal(lk_journal_submitted(st, r.id, 7, "test", &err), 0);
    assert_int_equal(lk_journal_finish(st, r.id, o, o ? "why" : "", "test", out, &err), 0);
}

static void check_exactly_once(lk_store *st, const char *uscc)
{
    lk_err err = {0};
    lk_journal_row r;
    lk_journal_req q = req(uscc, "original", 1, 0);
    print_once(st, &q, LK_PRINT_COMPLETED, &r);
    assert_string_equal(r.state, "completed");
    assert_int_equal(r.prints, 1);
    assert_int_equal(r.cups_job_id, 7);
    assert_int_equal(lk_journal_reserve(st, &q, &r, &err), LK_EINVAL);
    assert_non_null(strstr(err.msg, "already printed"));
    assert_int_equal(lk_journal_printable(st, uscc, "original", 1, NULL), 0);
    /* A finished row is never finished again. */
    assert_int_equal(lk_journal_finish(st, r.id, LK_PRINT_COMPLETED, "", "test", NULL, &err),
                     LK_EINVAL);
}

static void test_reserve_with_rows_from_import(void **state)
{
    lk_test_fixture *fx = *state;
    char uscc[24];
    lk_test_put_license(fx->st, 1, "approved", 2, uscc);
    assert_int_equal(count_rows(fx->st, "SELECT count(*) FROM print_jobs"), 3);
    check_exactly_once(fx->st, uscc);
    assert_int_equal(count_rows(fx->st, "SELECT count(*) FROM print_jobs"), 3);
}

static void test_reserve_without_rows(void **state)
{
    lk_test_fixture *fx = *state;
    char uscc[24];
    lk_test_put_license(fx->st, 2, "approved", 1, uscc);
    /* The import branch may stop creating journal rows: reserve must insert them. */
    assert_int_equal(sqlite3_exec(lk_store_db(fx->st), "DELETE FROM print_jobs", 0, 0, 0), 0);
    assert_int_equal(lk_journal_printable(fx->st, uscc, "duplicate", 1, NULL), 1);
    check_exactly_once(fx->st, uscc);
    assert_int_equal(count_rows(fx->st, "SELECT count(*) FROM print_jobs"), 1);
}

static void test_refusals(void **state)
{
    lk_test_fixture *fx = *state;
    lk_err err = {0};
    lk_journal_row r;
    char ok[24], bad[24];
    lk_test_put_license(fx->st, 3, "approved", 1, ok);
    lk_test_put_license(fx->st, 4, "revoked", 1, bad);
    lk_journal_req q = req(bad, "original", 1, 0);
    assert_int_equal(lk_journal_reserve(fx->st, &q, &r, &err), LK_EINVAL);
    assert_non_null(strstr(err.msg, "revoked"));
    q = req(ok, "duplicate", 2, 0);
    assert_int_equal(lk_journal_reserve(fx->st, &q, &r, &err), LK_EINVAL);
    q = req("91350100M000100Y43", "original", 1, 0);
    assert_int_equal(lk_journal_reserve(fx->st, &q, &r, &err), LK_ENOENT);
    q = req(ok, "original", 1, 1);
    assert_int_equal(lk_journal_reserve(fx->st, &q, &r, &err), LK_ENOSPC);
    q = req(ok, "original", 1, 0);
    assert_int_equal(lk_journal_reserve(fx->st, &q, &r, &err), 0);
    assert_int_equal(lk_journal_reserve(fx->st, &q, &r, &err), LK_EBUSY);
    /* Refused before sending: nothing printed, offered again. */
    assert_int_equal(
        lk_journal_finish(fx->st, r.id, LK_PRINT_REFUSED, "printer fault", "t", &r, &err), 0);
    assert_string_equal(r.state, "failed");
    assert_int_equal(r.prints, 0);
    assert_int_equal(lk_journal_reserve(fx->st, &q, &r, &err), 0);
    assert_int_equal(r.attempt, 2);
    assert_string_equal(r.job_name, "lk-1-2");
}

static void test_uncertain_confirm_and_reprint(void **state)
{
    lk_test_fixture *fx = *state;
    lk_err err = {0};
    lk_journal_row r;
    char uscc[24];
    lk_test_put_license(fx->st, 5, "approved", 1, uscc);
    assert_int_equal(
        lk_stock_load(fx->st, "main", LK_STOCK_A4, "YZ0098", "YZ0101", 0, "tech", NULL, &err), 0);
    int64_t left = 0;
    assert_int_equal(lk_stock_remaining(fx->st, LK_STOCK_A4, &left, &err), 0);
    assert_int_equal(left, 4);
    lk_journal_req q = req(uscc, "duplicate", 1, 1);
    print_once(fx->st, &q, LK_PRINT_UNCERTAIN, &r);
    assert_string_equal(r.state, "uncertain");
    assert_string_equal(r.stock_serial, "");
    assert_int_equal(lk_journal_reserve(fx->st, &q, &r, &err), LK_EINVAL);
    assert_int_equal(lk_journal_printable(fx->st, uscc, "duplicate", 1, NULL), 0);
    assert_int_equal(lk_journal_confirm(fx->st, r.id, 1, 0, "tech", &err), 0);
    assert_int_equal(lk_journal_get(fx->st, r.id, &r, &err), 0);
    assert_string_equal(r.state, "completed");
    assert_string_equal(r.stock_serial, "YZ0098");
    assert_int_equal(lk_journal_confirm(fx->st, r.id, 1, 0, "tech", &err), LK_EINVAL);
    /* Reprint: only with a reason, audited, and the next sheet's serial. */
    assert_int_equal(lk_journal_authorise_reprint(fx->st, uscc, "duplicate", 1, "", "boss", &err),
                     LK_EINVAL);
    assert_int_equal(
        lk_journal_authorise_reprint(fx->st, uscc, "duplicate", 1, "water damage", "boss", &err),
        0);
    print_once(fx->st, &q, LK_PRINT_FAILED, &r); /* jam: a voided sheet */
    assert_string_equal(r.state, "failed");
    assert_string_equal(r.stock_serial, "YZ0098");
    print_once(fx->st, &q, LK_PRINT_COMPLETED, &r);
    assert_string_equal(r.stock_serial, "YZ0100");
    assert_int_equal(r.prints, 2);
    assert_int_equal(r.reprints, 1);
    assert_int_equal(count_rows(fx->st, "SELECT count(*) FROM stock_sheets WHERE state='voided'"
                                        " AND serial='YZ0099'"),
                     1);
    assert_int_equal(count_rows(fx->st, "SELECT count(*) FROM audit WHERE event ="
                                        " 'print.reprint_authorised' AND actor = 'boss'"
                                        " AND detail LIKE '%water damage%'"),
                     1);
    lk_audit_verdict v;
    assert_int_equal(lk_audit_verify(fx->st, &v, &err), 0);
}

static void test_stock_bad_ranges(void **state)
{
    lk_test_fixture *fx = *state;
    lk_err err = {0};
    assert_int_equal(lk_stock_load(fx->st, "t", LK_STOCK_A3, "A10", "B20", 0, "x", NULL, &err),
                     LK_EINVAL);
    assert_int_equal(lk_stock_load(fx->st, "t", LK_STOCK_A3, "A20", "A10", 0, "x", NULL, &err),
                     LK_EINVAL);
    assert_int_equal(lk_stock_load(fx->st, "t\"", LK_STOCK_A3, NULL, NULL, 5, "x", NULL, &err),
                     LK_EINVAL);
    assert_int_equal(lk_stock_load(fx->st, "t", LK_STOCK_A3, NULL, NULL, 0, "x", NULL, &err),
                     LK_EINVAL);
    assert_int_equal(lk_stock_load(fx->st, "t", LK_STOCK_A3, NULL, NULL, 5, "x", NULL, &err), 0);
    /* Reloading a tray replaces its stack. */
    assert_int_equal(lk_stock_load(fx->st, "t", LK_STOCK_A3, NULL, NULL, 3, "x", NULL, &err), 0);
    int64_t left = 0;
    assert_int_equal(lk_stock_remaining(fx->st, LK_STOCK_A3, &left, &err), 0);
    assert_int_equal(left, 3);
}

static lk_device_status map(int ipp, int accepting, const char *reasons, char *why)
{
    lk_printer_facts f = {ipp, accepting, reasons, "msg"};
    lk_device_state s;
    lk_printer_map(&f, &s);
    if (why)
        strcpy(why, s.reason);
    return s.status;
}

static int64_t counter(lk_store *st, const char *name)
{
    int64_t v = -1;
    assert_int_equal(lk_counter_get(st, name, &v, NULL), 0);
    return v;
}

/* Formats with a literal (so the compiler checks it) into the caller's sqlbuf, then runs it. */
#define exec_sql(st, fmt, uscc)                                                                    \
    (snprintf(sqlbuf, sizeof sqlbuf, fmt, uscc),                                                   \
     sqlite3_exec(lk_store_db(st), sqlbuf, NULL, NULL, NULL))

/* The registry wired in the way kioskctl does: every completed copy queues one print report in
 * its own transaction, failures and prints are counted for the diagnostics, a registry reprint
 * authorisation reopens a printed copy through the journal's audited reprint path, and a
 * revocation the registry recorded stops the next attempt. */
static void test_registry_hooks(void **state)
{
    lk_test_fixture *fx = *state;
    lk_store *st = fx->st;
    lk_err err = {0};
    char sqlbuf[512];
    lk_journal_row r;
    char uscc[24];
    lk_test_put_license(st, 7, "approved", 2, uscc);
    lk_journal_set_hooks(st, lk_registry_journal_hooks());
    lk_journal_req orig = req(uscc, "original", 1, 0), dup1 = req(uscc, "duplicate", 1, 0);
    print_once(st, &orig, LK_PRINT_COMPLETED, &r);
    assert_int_equal(count_rows(st, "SELECT count(*) FROM registry_reports"), 1);
    assert_int_equal(count_rows(st, "SELECT count(*) FROM registry_reports WHERE copy ="
                                    " 'original' AND copy_no = 1 AND state = 'pending'"),
                     1);
    assert_int_equal(counter(st, "prints"), 1);
    /* A jammed attempt: counted by cause, nothing reported; the retry is reported once. */
    lk_journal_row f;
    assert_int_equal(lk_journal_reserve(st, &dup1, &f, &err), 0);
    assert_int_equal(
        lk_journal_finish(st, f.id, LK_PRINT_FAILED, "media-jam-error", "test", NULL, &err), 0);
    assert_int_equal(counter(st, LK_CTR_FAIL_PAPER_JAM), 1);
    assert_int_equal(count_rows(st, "SELECT count(*) FROM registry_reports"), 1);
    print_once(st, &dup1, LK_PRINT_COMPLETED, &r);
    assert_int_equal(count_rows(st, "SELECT count(*) FROM registry_reports"), 2);
    assert_int_equal(counter(st, "prints"), 2);
    assert_int_equal(counter(st, LK_CTR_FAIL_PRINT_FAILED), 0);

    /* A registry reprint authorisation makes the printed 正本 printable, once. */
    assert_int_equal(lk_journal_printable(st, uscc, "original", 1, NULL), 0);
    assert_int_equal(exec_sql(st,
                              "INSERT INTO registry_reprints VALUES ('AUTH-1', '%s',"
                              " 'original', 1, 1, NULL)",
                              uscc),
                     SQLITE_OK);
    assert_int_equal(lk_journal_printable(st, uscc, "original", 1, NULL), 1);
    print_once(st, &orig, LK_PRINT_COMPLETED, &r);
    assert_int_equal(r.reprints, 1);
    assert_int_equal(r.prints, 2);
    assert_int_equal(count_rows(st, "SELECT count(*) FROM audit WHERE event ="
                                    " 'print.reprint_authorised' AND detail LIKE '%AUTH-1%'"),
                     1);
    assert_int_equal(
        count_rows(st, "SELECT count(*) FROM registry_reprints WHERE used_at IS NOT NULL"), 1);
    assert_int_equal(lk_journal_printable(st, uscc, "original", 1, NULL), 0);
    assert_int_equal(lk_journal_reserve(st, &orig, &r, &err), LK_EINVAL);
    assert_int_equal(count_rows(st, "SELECT count(*) FROM registry_reports"), 3);

    /* A report that cannot be queued rolls the completion back with it. */
    lk_journal_req dup2 = req(uscc, "duplicate", 2, 0);
    assert_int_equal(lk_journal_reserve(st, &dup2, &f, &err), 0);
    assert_int_equal(
        lk_journal_finish(st, f.id, LK_PRINT_UNCERTAIN, "deadline", "test", NULL, &err), 0);
    assert_int_equal(counter(st, LK_CTR_FAIL_PRINT_UNCERTAIN), 1);
    assert_int_equal(sqlite3_exec(lk_store_db(st), "DROP TABLE registry_reports", 0, 0, 0), 0);
    assert_int_not_equal(lk_journal_confirm(st, f.id, 1, 0, "tech", &err), 0);
    assert_int_equal(lk_journal_get(st, f.id, &r, &err), 0);
    assert_string_equal(r.state, "uncertain");
    assert_int_equal(counter(st, "prints"), 3);
}

/* A revocation recorded by the registry stops a copy that failed before (not only pending
 * ones), in the journal's gate and in the store's trigger beneath it. */
static void test_registry_revocation_gate(void **state)
{
    lk_test_fixture *fx = *state;
    lk_store *st = fx->st;
    lk_err err = {0};
    char sqlbuf[512];
    lk_journal_row r;
    char uscc[24];
    lk_test_put_license(st, 8, "approved", 0, uscc);
    lk_journal_set_hooks(st, lk_registry_journal_hooks());
    lk_journal_req orig = req(uscc, "original", 1, 0);
    assert_int_equal(lk_journal_reserve(st, &orig, &r, &err), 0);
    assert_int_equal(
        lk_journal_finish(st, r.id, LK_PRINT_REFUSED, "printer stopped", "test", NULL, &err), 0);
    assert_int_equal(counter(st, LK_CTR_FAIL_PRINT_REFUSED), 1);
    assert_int_equal(lk_journal_printable(st, uscc, "original", 1, NULL), 1);
    assert_int_equal(exec_sql(st,
                              "INSERT INTO registry_revocations (uscc, revoked_at, reason)"
                              " VALUES ('%s', 1, 'test')",
                              uscc),
                     SQLITE_OK);
    assert_int_equal(lk_journal_printable(st, uscc, "original", 1, NULL), 0);
    assert_int_equal(lk_journal_reserve(st, &orig, &r, &err), LK_EINVAL);
    assert_non_null(strstr(err.msg, "revoked"));
    /* Even a writer that bypasses the journal cannot start it. */
    assert_int_not_equal(exec_sql(st,
                                  "UPDATE print_jobs SET state = 'reserved' WHERE license_id ="
                                  " (SELECT id FROM licenses WHERE uscc = '%s')",
                                  uscc),
                         SQLITE_OK);
    assert_int_equal(lk_journal_get(st, r.id, &r, &err), 0);
    assert_string_equal(r.state, "failed");
    assert_int_equal(count_rows(st, "SELECT count(*) FROM registry_reports"), 0);
}

static void test_printer_map(void **state)
{
    (void)state;
    char why[160];
    assert_int_equal(map(3, 1, "none", NULL), LK_DEVICE_NORMAL);
    assert_int_equal(map(4, 1, "none", NULL), LK_DEVICE_BUSY);
    assert_int_equal(map(3, 0, "none", NULL), LK_DEVICE_DISABLED);
    assert_int_equal(map(5, 1, "paused", NULL), LK_DEVICE_DISABLED);
    assert_int_equal(map(5, 1, "none", NULL), LK_DEVICE_FAULT);
    assert_int_equal(map(4, 1, "media-empty-warning,media-needed-warning", why), LK_DEVICE_FAULT);
    assert_non_null(strstr(why, "media-empty"));
    assert_int_equal(map(3, 1, "media-jam-error", NULL), LK_DEVICE_FAULT);
    assert_int_equal(map(3, 1, "toner-low-warning", why), LK_DEVICE_WARNING);
    assert_non_null(strstr(why, "toner-low"));
    /* Stale or CUPS-internal reasons say nothing about the device now. */
    assert_int_equal(map(3, 1, "media-jam-report,cups-ipp-missing-job-history", NULL),
                     LK_DEVICE_NORMAL);
    assert_int_equal(map(0, 1, "", NULL), LK_DEVICE_UNKNOWN);
    lk_job_info ji = {.state = LK_JOB_COMPLETED, .doubtful = 1};
    char reason[256];
    assert_int_equal(lk_print_judge(&ji, reason, sizeof reason), LK_PRINT_UNCERTAIN);
    ji.doubtful = 0;
    assert_int_equal(lk_print_judge(&ji, reason, sizeof reason), LK_PRINT_COMPLETED);
    ji.state = LK_JOB_ABORTED;
    assert_int_equal(lk_print_judge(&ji, reason, sizeof reason), LK_PRINT_FAILED);
    ji.state = LK_JOB_GONE;
    assert_int_equal(lk_print_judge(&ji, reason, sizeof reason), LK_PRINT_UNCERTAIN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reserve_with_rows_from_import, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_reserve_without_rows, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_refusals, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_uncertain_confirm_and_reprint, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_stock_bad_ranges, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_registry_hooks, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_registry_revocation_gate, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test(test_printer_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
