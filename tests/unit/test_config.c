/* test_config: versioned configuration: embedded defaults at version 0, every set a new
 * version with its own audit row, unknown keys refused, the integer accessor; and the counters
 * that share the store. */
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
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lk_testutil.h"
#include "kiosk/lk_audit.h"
#include "kiosk/lk_bundle.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_counter.h"
#include "kiosk/lk_service.h"

typedef lk_test_fixture fixture;

/* Rows written by configuration changes (the store's genesis row is not one). */
static long long audit_rows(lk_store *st)
{
    return lk_test_scalar(st, "SELECT count(*) FROM audit WHERE event = 'config.set'", NULL);
}

static void expect_config(lk_store *st, const char *key, const char *value, int64_t version)
{
    char *v = NULL;
    int64_t ver = -1;
    lk_err err = {0};
    if (lk_config_get(st, key, &v, &ver, &err) != 0)
        fail_msg("get %s: %s", key, err.msg);
    assert_string_equal(v, value);
    assert_int_equal(ver, version);
    free(v);
}

typedef struct listing {
    int n, nonzero;
    char prev[64];
    int ordered;
} listing;

static int on_key(void *ctx, const char *key, const char *value, int64_t version)
{
    listing *l = ctx;
    assert_non_null(value);
    if (l->n > 0 && strcmp(l->prev, key) >= 0)
        l->ordered = 0;
    snprintf(l->prev, sizeof l->prev, "%s", key);
    l->n++;
    l->nonzero += version != 0;
    return 0;
}

static void test_defaults(void **state)
{
    fixture *fx = *state;
    listing l = {.ordered = 1};
    assert_int_equal(lk_config_list(fx->st, on_key, &l, NULL), 0);
    assert_true(l.n > 0);
    assert_int_equal(l.nonzero, 0);
    assert_true(l.ordered);
    expect_config(fx->st, "session.timeout_s", "120", 0);
    expect_config(fx->st, "ui.language", "zh-CN", 0);
    assert_int_equal(audit_rows(fx->st), 0);
}

static void test_set_versions(void **state)
{
    fixture *fx = *state;
    lk_err err = {0};
    assert_int_equal(lk_config_set(fx->st, "session.timeout_s", "90", "admin", &err), 0);
    expect_config(fx->st, "session.timeout_s", "90", 1);
    assert_int_equal(audit_rows(fx->st), 1);
    assert_int_equal(lk_config_set(fx->st, "session.timeout_s", "60", "admin", &err), 0);
    expect_config(fx->st, "session.timeout_s", "60", 2);
    assert_int_equal(audit_rows(fx->st), 2);
    /* Versions are per key: another key starts at 1. */
    assert_int_equal(lk_config_set(fx->st, "ui.language", "en", "admin", &err), 0);
    expect_config(fx->st, "ui.language", "en", 1);
    assert_int_equal(audit_rows(fx->st), 3);
    /* Every version is kept, not overwritten. */
    listing l = {.ordered = 1};
    assert_int_equal(lk_config_list(fx->st, on_key, &l, NULL), 0);
    assert_int_equal(l.nonzero, 2);
    lk_audit_verdict v;
    assert_int_equal(lk_audit_verify(fx->st, &v, &err), 0);
    assert_int_equal(v.rows, 4); /* genesis + three sets */
}

static void test_unknown_key(void **state)
{
    fixture *fx = *state;
    lk_err err = {0};
    char *v = NULL;
    assert_int_equal(lk_config_set(fx->st, "session.timeout", "90", "admin", &err), LK_ECONFIG);
    assert_non_null(strstr(err.msg, "session.timeout"));
    assert_int_equal(lk_config_get(fx->st, "session.timeout", &v, NULL, &err), LK_ENOENT);
    assert_null(v);
    assert_int_equal(audit_rows(fx->st), 0);
}

static void test_get_int(void **state)
{
    fixture *fx = *state;
    lk_err err = {0};
    long long n = 0;
    assert_int_equal(lk_config_get_int(fx->st, "printer.job_deadline_s", &n, &err), 0);
    assert_int_equal(n, 300);
    assert_int_equal(lk_config_set(fx->st, "printer.calibration_x_01mm", "-15", "t", &err), 0);
    assert_int_equal(lk_config_get_int(fx->st, "printer.calibration_x_01mm", &n, &err), 0);
    assert_int_equal(n, -15);
    /* A malformed integer no longer gets in (per-key validation), so the stored value stays. */
    assert_int_equal(lk_config_set(fx->st, "printer.job_deadline_s", "12x", "t", &err), LK_ECONFIG);
    assert_int_equal(lk_config_get_int(fx->st, "printer.job_deadline_s", &n, &err), 0);
    assert_int_equal(n, 300);
    assert_int_equal(lk_config_get_int(fx->st, "ui.language", &n, &err), LK_ECONFIG);
    assert_int_equal(lk_config_get_int(fx->st, "printer.name", &n, &err), LK_ECONFIG);
    assert_int_equal(lk_config_get_int(fx->st, "nope", &n, &err), LK_ENOENT);
}

/* Every key is checked for type and range; the reason names the key. */
static void test_validation(void **state)
{
    fixture *fx = *state;
    static const char *const good[][2] = {
        {"face.threshold", "0.75"},
        {"face.threshold", "1"},
        {"kiosk.id", "K-0042_a.b"},
        {"printer.calibration_x_01mm", "-500"},
        {"printer.job_deadline_s", "3600"},
        {"registry.url", "https://r.example/api"},
        {"session.timeout_s", "30"},
        {"ui.language", "en"},
        {"usb.mount_point", "/media/usb0"},
        {"service.pin_hash", ""},
        {"service.pin_hash", "pbkdf2-sha256$100000$00ff$abcd"},
    };
    static const char *const bad[][2] = {
        {"face.threshold", "1000"},
        {"face.threshold", "0.001"},
        {"face.threshold", "nan"},
        {"face.threshold", "0.0"},
        {"face.threshold", ".5"},
        {"kiosk.id", "a b"},
        {"printer.calibration_y_01mm", "501"},
        {"printer.job_deadline_s", "0"},
        {"printer.job_deadline_s", " 60"},
        {"printer.name", "a b"},
        {"registry.url", "ftp://x"},
        {"session.timeout_s", "99999999999999999999"},
        {"ui.language", "fr"},
        {"ui.language", ""},
        {"usb.mount_point", "media"},
        {"usb.mount_point", "/media/../etc"},
        {"service.pin_hash", "1234"},
        {"service.pin_hash", "pbkdf2-sha256$10$00$00"},
        {"no.such.key", "1"},
    };
    lk_err err = {0};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (lk_config_set(fx->st, good[i][0], good[i][1], "t", &err) != 0)
            fail_msg("%s=%s refused: %s", good[i][0], good[i][1], err.msg);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lk_err_clear(&err);
        if (lk_config_validate(bad[i][0], bad[i][1], &err) != LK_ECONFIG)
            fail_msg("%s=%s accepted", bad[i][0], bad[i][1]);
        assert_non_null(strstr(err.msg, bad[i][0]));
        assert_int_equal(lk_config_set(fx->st, bad[i][0], bad[i][1], "t", NULL), LK_ECONFIG);
    }
}

/* The audit row says what changed, so "who set the deadline to 12x" has an answer. */
static int find_set_row(void *ctx, int64_t seq, int64_t ts, const char *actor, const char *event,
                        const char *detail)
{
    (void)seq;
    (void)ts;
    int *seen = ctx;
    assert_string_equal(actor, "admin");
    assert_string_equal(event, "config.set");
    assert_non_null(strstr(detail, "ui.language"));
    (*seen)++;
    return 0;
}

static void test_audit_row_content(void **state)
{
    fixture *fx = *state;
    int seen = 0;
    assert_int_equal(lk_config_set(fx->st, "ui.language", "en", "admin", NULL), 0);
    assert_int_equal(lk_audit_list(fx->st, 1, 0, find_set_row, &seen, NULL), 0);
    assert_int_equal(seen, 1);
}

typedef struct secret_scan {
    const char *hash_hex; /* the last '$' field of the PIN hash */
    int rows, leaks;
    char last_value[64];
} secret_scan;

static int scan_pin_row(void *ctx, int64_t seq, int64_t ts, const char *actor, const char *event,
                        const char *detail)
{
    (void)seq;
    (void)ts;
    (void)actor;
    secret_scan *sc = ctx;
    sc->leaks += detail && (strstr(detail, sc->hash_hex) || strstr(detail, "pbkdf2"));
    if (strcmp(event, "config.set") == 0 && strstr(detail, "service.pin_hash")) {
        cJSON *d = cJSON_Parse(detail);
        cJSON *v = cJSON_GetObjectItem(d, "value");
        snprintf(sc->last_value, sizeof sc->last_value, "%s",
                 cJSON_IsString(v) ? v->valuestring : "");
        cJSON_Delete(d);
        sc->rows++;
    }
    return 0;
}

/* Removes a folder of plain files (an export). */
static void remove_flat(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[900];
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            assert_int_equal(unlink(p), 0);
        }
    if (d)
        closedir(d);
    assert_int_equal(rmdir(dir), 0);
}

/* The PIN's hash is a credential: a brute force of a 6-digit PIN against it takes minutes, and
 * the audit log leaves the kiosk on every USB export. Its audit row says that it changed (and
 * who, when), never the value; another key's row still carries its value. */
static void test_secret_not_audited(void **state)
{
    fixture *fx = *state;
    char hash[256], exp_dir[128], exported[512], path[700];
    lk_err err = {0};
    assert_int_equal(lk_service_pin_hash("482913", 10000, hash, sizeof hash, &err), 0);
    assert_int_equal(lk_config_set(fx->st, "service.pin_hash", hash, "admin", &err), 0);
    assert_int_equal(lk_config_set(fx->st, "ui.language", "en", "admin", &err), 0);
    assert_int_equal(lk_config_set(fx->st, "service.pin_hash", "", "admin", &err), 0);
    assert_int_equal(lk_config_set(fx->st, "service.pin_hash", hash, "admin", &err), 0);
    expect_config(fx->st, "service.pin_hash", hash, 3); /* stored as it was given */
    secret_scan sc = {.hash_hex = strrchr(hash, '$') + 1};
    assert_int_equal(lk_audit_list(fx->st, 1, 0, scan_pin_row, &sc, NULL), 0);
    assert_int_equal(sc.rows, 3);
    assert_int_equal(sc.leaks, 0);
    assert_string_equal(sc.last_value, "(secret changed)");
    assert_int_equal(lk_test_scalar(fx->st,
                                    "SELECT count(*) FROM audit WHERE event = 'config.set' AND"
                                    " detail LIKE '%(secret cleared)%'",
                                    NULL),
                     1);
    assert_int_equal(lk_test_scalar(fx->st,
                                    "SELECT count(*) FROM audit WHERE event = 'config.set' AND"
                                    " detail LIKE '%\"value\":\"en\"%'",
                                    NULL),
                     1);
    /* ... and so the export a USB stick carries away holds no hash either. */
    snprintf(exp_dir, sizeof exp_dir, "%s/stick", fx->dir);
    assert_int_equal(mkdir(exp_dir, 0755), 0);
    snprintf(path, sizeof path, "%s/export.key", fx->dir);
    assert_int_equal(lk_bundle_export(fx->st, exp_dir, path, NULL, exported, sizeof exported, &err),
                     0);
    snprintf(path, sizeof path, "%s/audit.jsonl", exported);
    char *audit = lk_test_slurp(path);
    assert_non_null(audit);
    assert_non_null(strstr(audit, "(secret changed)"));
    assert_null(strstr(audit, sc.hash_hex));
    assert_null(strstr(audit, "pbkdf2"));
    free(audit);
    remove_flat(exported);
    remove_flat(exp_dir);
    snprintf(path, sizeof path, "%s/export.key", fx->dir);
    unlink(path);
}

static int count_counters(void *ctx, const char *name, int64_t value)
{
    (void)name;
    (void)value;
    (*(int *)ctx)++;
    return 0;
}

static void test_counters(void **state)
{
    fixture *fx = *state;
    int64_t v = -1;
    int n = 0;
    assert_int_equal(lk_counter_get(fx->st, "prints", &v, NULL), 0);
    assert_int_equal(v, 0);
    assert_int_equal(lk_counter_add(fx->st, "prints", 2, NULL), 0);
    assert_int_equal(lk_counter_add(fx->st, "prints", 3, NULL), 0);
    assert_int_equal(lk_counter_add(fx->st, "faults", 1, NULL), 0);
    assert_int_equal(lk_counter_get(fx->st, "prints", &v, NULL), 0);
    assert_int_equal(v, 5);
    assert_int_equal(lk_counter_list(fx->st, count_counters, &n, NULL), 0);
    assert_int_equal(n, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_set_versions, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_key, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_get_int, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_validation, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_audit_row_content, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_secret_not_audited, lk_test_setup_open,
                                        lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_counters, lk_test_setup_open, lk_test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
