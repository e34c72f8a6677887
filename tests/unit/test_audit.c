/* test_audit: the hash-chained audit log. An intact log verifies; then, each in a fresh
 * database, the file is edited behind the store's back (triggers dropped, as an attacker with
 * the file would) and verify must name the first bad row: an edited detail, a deleted middle
 * row, two rows swapped, the last row cut off. Also append inside a caller's transaction and
 * listing with after/limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <sqlite3.h>
#include <unistd.h>

#include "lk_testutil.h"
#include "kiosk/lk_audit.h"

#define N_ROWS 5

typedef lk_test_fixture fixture;

/* Row 1 is the genesis row every store starts with; this appends rows 2..N_ROWS+1 with
 * distinct details ({"n":1}..), then closes the store so the file can be edited. */
static void fill_and_close(fixture *fx)
{
    fx->st = lk_test_open(fx);
    for (int i = 1; i <= N_ROWS; i++) {
        char detail[64];
        lk_err err = {0};
        snprintf(detail, sizeof detail, "{\"n\":%d}", i);
        if (lk_audit_append(fx->st, "test", "test.event", detail, &err) != 0)
            fail_msg("append: %s", err.msg);
    }
    lk_store_close(fx->st);
    fx->st = NULL;
}

/* Edits the file through a separate connection, as someone holding the file (but not the
 * secret) could. */
static void tamper(fixture *fx, const char *sql)
{
    sqlite3 *db = NULL;
    char *msg = NULL;
    assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
    int rc = sqlite3_exec(
        db, "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;", NULL,
        NULL, &msg);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("tamper: %s", msg ? msg : "?");
    sqlite3_free(msg);
    assert_int_equal(sqlite3_changes(db) > 0, 1);
    sqlite3_close(db);
}

static int verify(fixture *fx, lk_audit_verdict *v)
{
    lk_err err = {0};
    if (!fx->st)
        fx->st = lk_test_open(fx);
    int rc = lk_audit_verify(fx->st, v, &err);
    if (rc != 0) {
        assert_int_equal(err.code, rc);
        assert_true(v->reason[0] != '\0');
    } else {
        assert_int_equal(v->bad_seq, 0);
    }
    return rc;
}

static void test_intact(void **state)
{
    fixture *fx = *state;
    lk_audit_verdict v;
    fx->st = lk_test_open(fx);
    assert_int_equal(verify(fx, &v), 0); /* a new log holds only its genesis row */
    assert_int_equal(v.rows, 1);
    lk_store_close(fx->st);
    fx->st = NULL;
    fill_and_close(fx);
    assert_int_equal(verify(fx, &v), 0);
    assert_int_equal(v.rows, N_ROWS + 1);
}

static void test_triggers_refuse_edits(void **state)
{
    fixture *fx = *state;
    fill_and_close(fx);
    fx->st = lk_test_open(fx);
    sqlite3 *db = lk_store_db(fx->st);
    assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET actor = 'x'", NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit", NULL, NULL, NULL), SQLITE_OK);
}

static void test_edited_detail(void **state)
{
    fixture *fx = *state;
    lk_audit_verdict v;
    fill_and_close(fx);
    tamper(fx, "UPDATE audit SET detail = '{\"n\":33}' WHERE seq = 3");
    assert_int_equal(verify(fx, &v), LK_ECORRUPT);
    assert_int_equal(v.bad_seq, 3);
    assert_int_equal(v.rows, 2);
}

/* lk_audit.c reports the first missing sequence number, so a deleted row 3 is bad_seq 3. */
static void test_deleted_middle_row(void **state)
{
    fixture *fx = *state;
    lk_audit_verdict v;
    fill_and_close(fx);
    tamper(fx, "DELETE FROM audit WHERE seq = 3");
    assert_int_equal(verify(fx, &v), LK_ECORRUPT);
    assert_int_equal(v.bad_seq, 3);
}

static void test_swapped_rows(void **state)
{
    fixture *fx = *state;
    lk_audit_verdict v;
    fill_and_close(fx);
    tamper(fx, "UPDATE audit SET seq = -2 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 4;"
               " UPDATE audit SET seq = 4 WHERE seq = -2;");
    assert_int_equal(verify(fx, &v), LK_ECORRUPT);
    assert_int_equal(v.bad_seq, 2);
}

static void test_truncated_tail(void **state)
{
    fixture *fx = *state;
    lk_audit_verdict v;
    fill_and_close(fx);
    tamper(fx, "DELETE FROM audit WHERE seq = 5");
    assert_int_equal(verify(fx, &v), LK_ECORRUPT);
    assert_int_equal(v.bad_seq, 5);
    assert_int_equal(v.rows, 4);
}

static void test_edited_actor_and_ts(void **state)
{
    fixture *fx = *state;
    lk_audit_verdict v;
    fill_and_close(fx);
    tamper(fx, "UPDATE audit SET ts = ts + 1 WHERE seq = 1");
    assert_int_equal(verify(fx, &v), LK_ECORRUPT);
    assert_int_equal(v.bad_seq, 1);
}

typedef struct listed {
    int n;
    int64_t seqs[8];
} listed;

static int on_row(void *ctx, int64_t seq, int64_t ts, const char *actor, const char *event,
                  const char *detail)
{
    listed *l = ctx;
    char want[32];
    assert_true(ts > 0);
    if (l->n < 8)
        l->seqs[l->n] = seq;
    l->n++;
    if (seq == 1) {
        assert_string_equal(actor, "kiosk");
        assert_string_equal(event, "store.created");
        assert_null(detail);
        return 0;
    }
    snprintf(want, sizeof want, "{\"n\":%d}", (int)seq - 1);
    assert_string_equal(actor, "test");
    assert_string_equal(event, "test.event");
    assert_string_equal(detail, want);
    return 0;
}

static void test_list(void **state)
{
    fixture *fx = *state;
    listed l = {0};
    fill_and_close(fx);
    fx->st = lk_test_open(fx);
    assert_int_equal(lk_audit_list(fx->st, 0, 0, on_row, &l, NULL), 0);
    assert_int_equal(l.n, N_ROWS + 1);
    memset(&l, 0, sizeof l);
    assert_int_equal(lk_audit_list(fx->st, 2, 2, on_row, &l, NULL), 0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.seqs[0], 3);
    assert_int_equal(l.seqs[1], 4);
}

/* Joining the caller's transaction: a rollback takes the audit row with it, so the log never
 * records something that did not happen. */
static void test_append_in_transaction(void **state)
{
    fixture *fx = *state;
    lk_audit_verdict v;
    lk_err err = {0};
    fx->st = lk_test_open(fx);
    assert_int_equal(lk_store_begin(fx->st, &err), 0);
    assert_int_equal(lk_audit_append(fx->st, "test", "rolled.back", NULL, &err), 0);
    lk_store_rollback(fx->st);
    assert_int_equal(lk_store_begin(fx->st, &err), 0);
    assert_int_equal(lk_audit_append(fx->st, "test", "kept", NULL, &err), 0);
    assert_int_equal(lk_audit_append(fx->st, "test", "kept", "{}", &err), 0);
    assert_int_equal(lk_store_commit(fx->st, &err), 0);
    assert_int_equal(verify(fx, &v), 0);
    assert_int_equal(v.rows, 3); /* genesis + the two kept rows */
}

/* Without the secret, the head cannot be wound back to hide removed rows. */
static void test_rewound_head(void **state)
{
    fixture *fx = *state;
    lk_audit_verdict v;
    fill_and_close(fx);
    tamper(fx, "DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit);"
               " UPDATE audit_head SET seq = seq - 1,"
               " mac = (SELECT mac FROM audit WHERE seq = (SELECT MAX(seq) FROM audit))");
    assert_int_equal(verify(fx, &v), LK_ECORRUPT);
    assert_int_equal(v.bad_seq, N_ROWS + 1);
}

/* An emptied log must not pass for a new one, and a log without its head is damaged. */
static void test_emptied_log_and_missing_head(void **state)
{
    fixture *fx = *state;
    lk_audit_verdict v;
    fill_and_close(fx);
    tamper(fx, "DELETE FROM audit");
    assert_int_equal(verify(fx, &v), LK_ECORRUPT);
    assert_int_equal(v.bad_seq, 1);
    lk_store_close(fx->st);
    fx->st = NULL;
    tamper(fx, "DELETE FROM audit_head");
    assert_int_equal(verify(fx, &v), 0); /* both gone: indistinguishable from a new store */
    lk_store_close(fx->st);
    fx->st = NULL;
    fill_and_close(fx);
    tamper(fx, "DELETE FROM audit_head");
    assert_int_equal(verify(fx, &v), LK_ECORRUPT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_intact, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_triggers_refuse_edits, lk_test_setup,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_rewound_head, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_emptied_log_and_missing_head, lk_test_setup,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_edited_detail, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_deleted_middle_row, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_swapped_rows, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_tail, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_edited_actor_and_ts, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_list, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_append_in_transaction, lk_test_setup,
                                        lk_test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
