/* lk_testutil: temporary-directory store fixtures for cmocka tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <dirent.h>
#include <unistd.h>

#include "kiosk/lk_gen.h"
#include "lk_testutil.h"

int lk_test_setup(void **state)
{
    lk_test_fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/lk_test.XXXXXX");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    snprintf(fx->db, sizeof fx->db, "%s/kiosk.db", fx->dir);
    snprintf(fx->secret, sizeof fx->secret, "%s/kiosk.secret", fx->dir);
    *state = fx;
    return 0;
}

int lk_test_setup_open(void **state)
{
    if (lk_test_setup(state) != 0)
        return -1;
    lk_test_fixture *fx = *state;
    lk_err err = {0};
    if (lk_store_open(fx->db, NULL, &fx->st, &err) != 0) {
        fprintf(stderr, "lk_store_open: %s\n", err.msg);
        lk_test_teardown(state);
        return -1;
    }
    return 0;
}

int lk_test_teardown(void **state)
{
    lk_test_fixture *fx = *state;
    lk_store_close(fx->st);
    DIR *d = opendir(fx->dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char p[512];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", fx->dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

lk_store *lk_test_open(const lk_test_fixture *fx)
{
    lk_err err = {0};
    lk_store *st = NULL;
    if (lk_store_open(fx->db, NULL, &st, &err) != 0)
        fail_msg("lk_store_open: %s", err.msg);
    assert_non_null(st);
    return st;
}

void lk_test_put_license(lk_store *st, uint64_t index, const char *status, int dups, char *uscc)
{
    lk_gen g;
    lk_record *rec = NULL;
    lk_err err = {0};
    lk_gen_init(&g, 42);
    assert_int_equal(lk_gen_record(&g, index, &rec), 0);
    free(rec->status);
    rec->status = strdup(status);
    rec->duplicates = dups;
    strcpy(uscc, rec->uscc);
    assert_int_equal(lk_store_begin(st, &err), 0);
    if (lk_store_put_record(st, rec, 0, NULL, &err) != 0)
        fail_msg("put: %s", err.msg);
    assert_int_equal(lk_store_commit(st, &err), 0);
    lk_record_free(rec);
}

char *lk_test_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 20);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

long long lk_test_scalar(lk_store *st, const char *sql, const char *arg)
{
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(lk_store_db(st), sql, -1, &s, NULL), SQLITE_OK);
    if (arg)
        sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    long long v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

void lk_test_plant_config(lk_store *st, const char *key, const char *value)
{
    sqlite3_stmt *s = NULL;
    const char *sql = "INSERT INTO config (key, version, value, actor, set_at) VALUES (?1,"
                      " (SELECT COALESCE(MAX(version), 0) + 1 FROM config WHERE key = ?1), ?2,"
                      " 'test', 0)";
    assert_int_equal(sqlite3_prepare_v2(lk_store_db(st), sql, -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
}
