/* test_store: the SQLite store itself: schema creation and the version guard, the record round
 * trip (identity numbers only masked on the way back), lookup by document for holders and
 * agents, upsert in place with collectors replaced, the print journal's add-only rows, and a
 * version-4 database (collectors as rows) migrating forward. */
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
#include "../../firmware/store/lk_store_int.h"
#include "kiosk/lk_pii.h"
#include "kiosk/lk_store.h"

#define TODAY 20261122

#define HOLDER_ID "11010519491231002X"
#define AGENT_PP  "E12345678"
#define AGENT_ID  "440524188001010014"
#define USCC      "914403001922038216"

static const char agents_two[] =
    "[{\"role\":\"委托代理人\",\"name\":\"李娜\",\"doc_type\":\"passport\",\"doc_number\":"
    "\"" AGENT_PP "\"},{\"name\":\"王芳\",\"doc_type\":\"resident_id\",\"doc_number\":\"" AGENT_ID
    "\"}]";

typedef lk_test_fixture fixture;

/* One integer from a query on the store's own connection. */
static long long query_int(lk_store *st, const char *sql)
{
    return lk_test_scalar(st, sql, NULL);
}

/* A valid company record; the varying parts are what the upsert tests change. */
static lk_record *make_record(const char *name, const char *agents, const char *status,
                              int duplicates)
{
    char json[4096];
    snprintf(
        json, sizeof json,
        "{\"uscc\":\"" USCC "\",\"name\":\"%s\",\"entity_type\":\"company\","
        "\"holder\":{\"role\":\"法定代表人\",\"name\":\"张伟\",\"doc_type\":\"resident_id\","
        "\"doc_number\":\"" HOLDER_ID "\"},\"agents\":%s,"
        "\"scope\":\"软件开发。\",\"capital\":\"人民币壹仟万元整\",\"established\":\"2015-03-01\","
        "\"address\":\"广东省深圳市南山区深南大道9988号\",\"authority\":\"深圳市市场监督管理局\","
        "\"registered\":\"2020-02-29\",\"status\":\"%s\",\"duplicates\":%d}",
        name, agents, status, duplicates);
    lk_record *rec = NULL;
    lk_err err = {0};
    if (lk_record_from_json(json, strlen(json), &rec, &err) != 0)
        fail_msg("from_json: %s", err.msg);
    if (lk_record_validate(rec, TODAY, NULL, &err) != 0)
        fail_msg("validate: %s", err.msg);
    return rec;
}

static int put(lk_store *st, lk_record *rec)
{
    lk_err err = {0};
    int inserted = -1;
    assert_int_equal(lk_store_begin(st, &err), 0);
    if (lk_store_put_record(st, rec, 0, &inserted, &err) != 0)
        fail_msg("put: %s", err.msg);
    assert_int_equal(lk_store_commit(st, &err), 0);
    lk_record_free(rec);
    return inserted;
}

static void test_open_creates_schema(void **state)
{
    fixture *fx = *state;
    fx->st = lk_test_open(fx);
    assert_int_equal(query_int(fx->st, "PRAGMA user_version"), LK_STORE_SCHEMA_VERSION);
    assert_int_equal(query_int(fx->st,
                               "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                               " AND name IN ('licenses','collector_docs','print_jobs','audit',"
                               "'audit_head','config','counters')"),
                     7);
    assert_non_null(lk_store_pii(fx->st));
    lk_store_close(fx->st);
    /* Reopening an existing, current database migrates nothing and keeps the data. */
    fx->st = lk_test_open(fx);
    assert_int_equal(query_int(fx->st, "PRAGMA user_version"), LK_STORE_SCHEMA_VERSION);
    assert_int_equal(query_int(fx->st, "SELECT count(*) FROM licenses"), 0);
}

static void test_newer_schema_refused(void **state)
{
    fixture *fx = *state;
    sqlite3 *db = NULL;
    char sql[64];
    assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", LK_STORE_SCHEMA_VERSION + 1);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    lk_err err = {0};
    lk_store *st = NULL;
    assert_int_equal(lk_store_open(fx->db, NULL, &st, &err), LK_EVERSION);
    assert_null(st);
    assert_int_equal(err.code, LK_EVERSION);
}

static void test_pick_path(void **state)
{
    (void)state;
    assert_string_equal(lk_store_pick_path("a.db", "b.db"), "a.db");
    assert_string_equal(lk_store_pick_path(NULL, "b.db"), "b.db");
    assert_non_null(lk_store_pick_path(NULL, NULL));
}

static void check_person(const lk_person *p, const char *name, const char *type, const char *masked)
{
    assert_string_equal(p->name, name);
    assert_string_equal(p->doc_type, type);
    assert_null(p->doc_number);
    assert_non_null(p->doc_masked);
    assert_string_equal(p->doc_masked, masked);
}

static void test_round_trip(void **state)
{
    fixture *fx = *state;
    fx->st = lk_test_open(fx);
    assert_int_equal(put(fx->st, make_record("深圳市华信科技有限公司", agents_two, "approved", 2)),
                     1);
    lk_record *rec = NULL;
    lk_err err = {0};
    assert_int_equal(lk_store_get_record(fx->st, USCC, &rec, &err), 0);
    assert_string_equal(rec->uscc, USCC);
    assert_string_equal(rec->name, "深圳市华信科技有限公司");
    assert_string_equal(rec->entity_type, "company");
    assert_string_equal(rec->capital, "人民币壹仟万元整");
    assert_null(rec->composition);
    assert_null(rec->term_to);
    assert_string_equal(rec->registered, "2020-02-29");
    assert_string_equal(rec->status, "approved");
    assert_int_equal(rec->duplicates, 2);
    assert_string_equal(rec->holder.role, "法定代表人");
    check_person(&rec->holder, "张伟", "resident_id", "1101**********002X");
    assert_int_equal(rec->n_agents, 2);
    check_person(&rec->agents[0], "李娜", "passport", "E******78");
    check_person(&rec->agents[1], "王芳", "resident_id", "4405**********0014");
    assert_string_equal(rec->agents[1].role, "委托代理人");
    lk_record_free(rec);
    assert_int_equal(lk_store_get_record(fx->st, "91350100M000100Y43", &rec, &err), LK_ENOENT);
    assert_null(rec);
}

typedef struct found {
    int n;
    char as_role[4][16];
    char uscc[4][20];
} found;

static int collect(void *ctx, const lk_store_match *m)
{
    found *f = ctx;
    if (f->n < 4) {
        snprintf(f->as_role[f->n], sizeof f->as_role[0], "%s", m->as_role);
        snprintf(f->uscc[f->n], sizeof f->uscc[0], "%s", m->uscc);
    }
    f->n++;
    return 0;
}

static int find(lk_store *st, const char *type, const char *number, found *f)
{
    lk_err err = {0};
    memset(f, 0, sizeof *f);
    int n = lk_store_find_by_doc(st, type, number, collect, f, &err);
    if (n < 0)
        fail_msg("find: %s", err.msg);
    assert_int_equal(n, f->n);
    return n;
}

static void test_find_by_doc(void **state)
{
    fixture *fx = *state;
    found f;
    fx->st = lk_test_open(fx);
    put(fx->st, make_record("深圳市华信科技有限公司", agents_two, "approved", 1));
    assert_int_equal(find(fx->st, "resident_id", HOLDER_ID, &f), 1);
    assert_string_equal(f.as_role[0], "holder");
    assert_string_equal(f.uscc[0], USCC);
    assert_int_equal(find(fx->st, "passport", AGENT_PP, &f), 1);
    assert_string_equal(f.as_role[0], "agent");
    assert_int_equal(find(fx->st, "passport", "e12345678", &f), 1); /* normalised alike */
    assert_int_equal(find(fx->st, "resident_id", AGENT_ID, &f), 1);
    assert_string_equal(f.as_role[0], "agent");
    /* The type is part of the key: the same characters under another type are another document. */
    assert_int_equal(find(fx->st, "resident_id", AGENT_PP, &f), 0);
    assert_int_equal(find(fx->st, "resident_id", "110105194912310029", &f), 0);
    /* A revoked license is never offered. */
    put(fx->st, make_record("深圳市华信科技有限公司", agents_two, "revoked", 1));
    assert_int_equal(find(fx->st, "resident_id", HOLDER_ID, &f), 0);
    assert_int_equal(find(fx->st, "passport", AGENT_PP, &f), 0);
}

static void test_upsert_in_place(void **state)
{
    fixture *fx = *state;
    found f;
    fx->st = lk_test_open(fx);
    assert_int_equal(put(fx->st, make_record("旧名称有限公司", agents_two, "approved", 1)), 1);
    long long id = query_int(fx->st, "SELECT id FROM licenses");
    const char *one_agent =
        "[{\"name\":\"王芳\",\"doc_type\":\"resident_id\",\"doc_number\":\"" AGENT_ID "\"}]";
    assert_int_equal(put(fx->st, make_record("新名称有限公司", one_agent, "approved", 1)), 0);
    assert_int_equal(query_int(fx->st, "SELECT count(*) FROM licenses"), 1);
    assert_int_equal(query_int(fx->st, "SELECT id FROM licenses"), id);
    assert_int_equal(query_int(fx->st, "SELECT count(*) FROM collector_docs"), 2);
    lk_record *rec = NULL;
    assert_int_equal(lk_store_get_record(fx->st, USCC, &rec, NULL), 0);
    assert_string_equal(rec->name, "新名称有限公司");
    assert_int_equal(rec->n_agents, 1);
    lk_record_free(rec);
    /* The agent whose authorisation was withdrawn no longer finds the license. */
    assert_int_equal(find(fx->st, "passport", AGENT_PP, &f), 0);
    assert_int_equal(find(fx->st, "resident_id", AGENT_ID, &f), 1);
    assert_int_equal(find(fx->st, "resident_id", HOLDER_ID, &f), 1);
}

static void test_print_jobs(void **state)
{
    fixture *fx = *state;
    fx->st = lk_test_open(fx);
    put(fx->st, make_record("深圳市华信科技有限公司", agents_two, "approved", 2));
    assert_int_equal(query_int(fx->st, "SELECT count(*) FROM print_jobs"), 3);
    assert_int_equal(query_int(fx->st, "SELECT count(*) FROM print_jobs WHERE copy = 'original'"),
                     1);
    assert_int_equal(query_int(fx->st, "SELECT count(*) FROM print_jobs WHERE copy = 'duplicate'"),
                     2);
    assert_int_equal(query_int(fx->st, "SELECT count(*) FROM print_jobs WHERE state = 'pending'"),
                     3);
    /* Pretend the original was printed: a re-import must not reset it. */
    assert_int_equal(sqlite3_exec(lk_store_db(fx->st),
                                  "UPDATE print_jobs SET state = 'printed' WHERE copy = 'original'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    long long sum_ids = query_int(fx->st, "SELECT sum(id) FROM print_jobs");
    put(fx->st, make_record("深圳市华信科技有限公司", agents_two, "approved", 4));
    assert_int_equal(query_int(fx->st, "SELECT count(*) FROM print_jobs"), 5);
    assert_int_equal(query_int(fx->st, "SELECT count(*) FROM print_jobs WHERE copy = 'duplicate'"),
                     4);
    assert_int_equal(query_int(fx->st, "SELECT count(DISTINCT copy_no) FROM print_jobs"
                                       " WHERE copy = 'duplicate'"),
                     4);
    assert_int_equal(query_int(fx->st, "SELECT sum(id) FROM print_jobs WHERE id IN"
                                       " (SELECT id FROM print_jobs ORDER BY id LIMIT 3)"),
                     sum_ids);
    assert_int_equal(query_int(fx->st, "SELECT state = 'printed' FROM print_jobs"
                                       " WHERE copy = 'original'"),
                     1);
}

/* Writes one v4 collector row, hashed under the kiosk secret as a v4 build did. */
static void v4_collector(sqlite3 *db, const lk_pii *pii, int pos, const char *kind,
                         const char *role, const char *name, const char *type, const char *number,
                         const char *masked)
{
    uint8_t mac[LK_PII_MAC_LEN];
    assert_int_equal(lk_pii_doc_mac(pii, type, number, mac), 0);
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO collectors (license_id, position, kind, role,"
                                        " name, doc_type, doc_mac, doc_masked)"
                                        " VALUES (7, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_int(s, 1, pos);
    sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, role, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, type, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 6, mac, sizeof mac, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, masked, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
}

/* A database as a version-4 build left it (collectors as rows, the revocation insert trigger)
 * opens as version 5 with the same answers, and its rows update like new ones. */
static void test_migrates_from_v4(void **state)
{
    fixture *fx = *state;
    char secret[sizeof fx->db + 8];
    snprintf(secret, sizeof secret, "%s.secret", fx->db);
    lk_pii *pii = NULL;
    assert_int_equal(lk_pii_open(secret, &pii, NULL), 0);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
    assert_int_equal(lk_store_migrate_raw(db, 4), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "INSERT INTO licenses (id, uscc, name, entity_type, holder_role,"
                     " holder_name, scope, established, address, authority,"
                     " registered, status, duplicates, updated_at) VALUES (7, '" USCC
                     "', '旧名称有限公司', 'company', '法定代表人', '张伟',"
                     " '软件开发。', '2015-03-01', '广东省深圳市', '深圳市市场监督管理局',"
                     " '2020-02-29', 'approved', 1, 0)",
                     NULL, NULL, NULL),
        SQLITE_OK);
    v4_collector(db, pii, 0, "holder", "法定代表人", "张伟", "resident_id", HOLDER_ID,
                 "1101**********002X");
    v4_collector(db, pii, 1, "agent", "委托代理人", "李娜", "passport", AGENT_PP, "E******78");
    sqlite3_close(db);
    lk_pii_close(pii);

    fx->st = lk_test_open(fx);
    assert_int_equal(query_int(fx->st, "PRAGMA user_version"), LK_STORE_SCHEMA_VERSION);
    assert_int_equal(query_int(fx->st, "SELECT count(*) FROM sqlite_master WHERE name IN"
                                       " ('collectors', 'registry_revoked_insert')"),
                     0);
    assert_int_equal(query_int(fx->st, "SELECT count(*) FROM collector_docs"), 2);
    found f;
    assert_int_equal(find(fx->st, "resident_id", HOLDER_ID, &f), 1);
    assert_string_equal(f.as_role[0], "holder");
    assert_int_equal(find(fx->st, "passport", AGENT_PP, &f), 1);
    assert_string_equal(f.as_role[0], "agent");
    lk_record *rec = NULL;
    assert_int_equal(lk_store_get_record(fx->st, USCC, &rec, NULL), 0);
    assert_string_equal(rec->holder.role, "法定代表人");
    check_person(&rec->holder, "张伟", "resident_id", "1101**********002X");
    assert_int_equal(rec->n_agents, 1);
    check_person(&rec->agents[0], "李娜", "passport", "E******78");
    lk_record_free(rec);
    /* The migrated row's lookup entries are replaced on update, exactly like a new row's. */
    const char *one_agent =
        "[{\"name\":\"王芳\",\"doc_type\":\"resident_id\",\"doc_number\":\"" AGENT_ID "\"}]";
    assert_int_equal(put(fx->st, make_record("新名称有限公司", one_agent, "approved", 1)), 0);
    assert_int_equal(query_int(fx->st, "SELECT count(*) FROM licenses"), 1);
    assert_int_equal(find(fx->st, "passport", AGENT_PP, &f), 0);
    assert_int_equal(find(fx->st, "resident_id", AGENT_ID, &f), 1);
    assert_int_equal(query_int(fx->st, "SELECT count(*) FROM collector_docs"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_schema, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, lk_test_setup, lk_test_teardown),
        cmocka_unit_test(test_pick_path),
        cmocka_unit_test_setup_teardown(test_round_trip, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_find_by_doc, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_upsert_in_place, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_print_jobs, lk_test_setup, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_migrates_from_v4, lk_test_setup, lk_test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
