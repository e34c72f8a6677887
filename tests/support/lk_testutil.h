/* lk_testutil: the fixture the store's unit tests share: a fresh temporary directory holding a
 * database and secret path, removed with everything in it after each test. */
#ifndef LK_TESTS_LK_TESTUTIL_H
#define LK_TESTS_LK_TESTUTIL_H

#include "kiosk/lk_store.h"

typedef struct lk_test_fixture {
    char dir[64];     /* flat: every file a test makes sits directly in it */
    char db[128];     /* <dir>/kiosk.db, not created until a store is opened */
    char secret[128]; /* <dir>/kiosk.secret, the store's default secret path */
    lk_store *st;     /* closed by the teardown when set */
} lk_test_fixture;

/* cmocka setup: makes the directory and paths; opens nothing. */
int lk_test_setup(void **state);
/* cmocka setup: as lk_test_setup, then opens the store into fx->st. */
int lk_test_setup_open(void **state);
/* cmocka teardown: closes fx->st, removes the directory and its files. */
int lk_test_teardown(void **state);

/* Opens the fixture's database, failing the test with the store's reason on error. */
lk_store *lk_test_open(const lk_test_fixture *fx);

/* One integer from a query on the store's own connection (e.g. a count), failing the test when
 * the query does not give a row; arg, when not NULL, is bound as text to ?1. */
long long lk_test_scalar(lk_store *st, const char *sql, const char *arg);

/* Stores synthetic record `index` (lk_gen, seed 42) with the given status and 副本 count, in
 * its own transaction; its USCC into uscc (20 bytes). */
void lk_test_put_license(lk_store *st, uint64_t index, const char *status, int dups, char *uscc);

/* A whole file (up to 1 MiB) as a NUL-terminated string the caller frees; NULL when missing. */
char *lk_test_slurp(const char *path);

/* Writes a configuration value straight into the table, past lk_config_set's validation, the
 * way a database from an older build or a hand edit could hold it: for tests of the modules
 * that must still refuse such a value when they load their settings. */
void lk_test_plant_config(lk_store *st, const char *key, const char *value);

#endif
