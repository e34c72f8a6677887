/* test_registry_bulk: a full registry sync of 100,000 synthetic records over real HTTPS
 * (registry-sim in-process, libcurl client) into a real store, then an incremental sync that
 * finds nothing new. Its own binary so ctest runs it beside the other tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_config.h"
#include "kiosk/lk_registry.h"
#include "lk_testutil.h"
#include "regsim.h"

#define RECORDS 100000

static void set(lk_store *st, const char *key, const char *value)
{
    lk_err err = {0};
    if (lk_config_set(st, key, value, "test", &err) != 0)
        fail_msg("config set %s: %s", key, err.msg);
}

static long long q(lk_store *st, const char *sql)
{
    return lk_test_scalar(st, sql, NULL);
}

static void configure(lk_test_fixture *fx, int port)
{
    char v[256];
    const char *files[][2] = {{"registry.ca_file", "ca.pem"},
                              {"registry.key_file", "kiosk.key"},
                              {"registry.lookup_key_file", "lookup.key"}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(v, sizeof v, "%s/%s", fx->dir, files[i][1]);
        set(fx->st, files[i][0], v);
    }
    snprintf(v, sizeof v, "https://127.0.0.1:%d", port);
    set(fx->st, "registry.url", v);
    set(fx->st, "registry.kiosk_id", "kiosk-1");
    set(fx->st, "registry.page_size", "1000");
}

static void test_full_sync_100k(void **state)
{
    lk_test_fixture *fx = *state;
    char msg[256];
    assert_int_equal(lk_regsim_make_pki(fx->dir, msg, sizeof msg), 0);
    lk_regsim *sim = NULL;
    lk_regsim_opts o = {.pki_dir = fx->dir, .records = RECORDS, .seed = 11};
    if (lk_regsim_start(&o, &sim, msg, sizeof msg) != 0)
        fail_msg("%s", msg);
    configure(fx, lk_regsim_port(sim));
    lk_registry *reg = NULL;
    lk_err err = {0};
    lk_registry_sync_stats s;
    assert_int_equal(lk_registry_open(fx->st, "test", 0, &reg, &err), 0);
    if (lk_registry_sync(reg, fx->st, 0, &s, &err) != 0)
        fail_msg("sync: %s", err.msg);
    assert_true(s.full);
    assert_int_equal(s.upserts, RECORDS);
    assert_int_equal(s.inserted, RECORDS);
    assert_int_equal(s.pages, RECORDS / 1000);
    assert_int_equal(s.rejected, 0);
    assert_string_equal(s.cursor, "e1.100000");
    assert_int_equal(q(fx->st, "SELECT count(*) FROM licenses"), RECORDS);
    assert_int_equal(q(fx->st, "SELECT count(*) FROM registry_state WHERE cursor = 'e1.100000'"),
                     1);
    /* Every revoked record of the feed is known as a revocation, and nothing else is. */
    assert_int_equal(q(fx->st, "SELECT count(*) FROM registry_revocations"), s.revocations);
    assert_int_equal(q(fx->st, "SELECT count(*) FROM licenses WHERE status = 'revoked'"),
                     s.revocations);
    /* Nothing new: one empty page, nothing rewritten. */
    assert_int_equal(lk_registry_sync(reg, fx->st, 0, &s, &err), 0);
    assert_false(s.full);
    assert_int_equal(s.pages, 1);
    assert_int_equal(s.upserts, 0);
    assert_int_equal(q(fx->st, "SELECT count(*) FROM audit WHERE event = 'registry.sync'"), 2);
    lk_registry_close(reg);
    lk_regsim_stop(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_sync_100k, lk_test_setup_open, lk_test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
