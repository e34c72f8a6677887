/* lk_testreg: the registry tests' rig: the store fixture, the reference registry (registry-sim,
 * in-process, TLS on a free loopback port, a PKI made in the fixture's directory) and the
 * kiosk's registry client configured against it. */
#ifndef LK_TESTS_LK_TESTREG_H
#define LK_TESTS_LK_TESTREG_H

#include "kiosk/lk_registry.h"
#include "lk_testutil.h"
#include "regsim.h"

typedef struct lk_test_rig {
    lk_test_fixture *fx;
    lk_regsim *sim;
    lk_registry *reg;
} lk_test_rig;

/* A rig with `records` synthetic records on the simulated registry (seed 7), page size 1000. */
lk_test_rig *lk_test_rig_new(void **state, long records);
void lk_test_rig_free(lk_test_rig *r);

/* Sets a configuration value, failing the test when it is refused. */
void lk_test_rig_set(lk_store *st, const char *key, const char *value);
/* Sets `key` to the path of `name` in the fixture's directory. */
void lk_test_rig_set_file(lk_test_rig *r, const char *key, const char *name);
/* Points registry.url at https://127.0.0.1:port. */
void lk_test_rig_set_port(lk_test_rig *r, int port);
/* Closes and reopens the client, so configuration changes apply. */
void lk_test_rig_reopen(lk_test_rig *r);

/* A loopback port nothing listens on: bound, read back, closed. */
int lk_test_dead_port(void);

/* Milliseconds on the monotonic clock, for the tests' own loose deadline checks. */
long long lk_test_now_ms(void);

#endif
