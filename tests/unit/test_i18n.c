/* test_i18n: a bundle's string overrides are layered over the built-in strings key by key: an
 * overridden key shows the bundle's text, every other key (and the other language) keeps the
 * built-in one; keys the built-in table lacks and non-string values are ignored; a missing
 * override file is no error, a malformed one is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ui/lk_i18n.h"

typedef struct T {
    char dir[64];
    lk_i18n *t;
} T;

static void put(const T *t, const char *lang, const char *json)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s.json", t->dir, lang);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(json, f);
    fclose(f);
}

static int setup(void **state)
{
    T *t = calloc(1, sizeof *t);
    char builtin[512];
    lk_err err = {0};
    snprintf(t->dir, sizeof t->dir, "/tmp/lk-i18n-XXXXXX");
    snprintf(builtin, sizeof builtin, "%s/../../assets/i18n", getenv("LK_TEST_DATA"));
    *state = t;
    return mkdtemp(t->dir) && lk_i18n_load(builtin, &t->t, &err) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    T *t = *state;
    char path[128];
    const char *langs[] = {"zh-CN", "en"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s.json", t->dir, langs[i]);
        unlink(path);
    }
    rmdir(t->dir);
    lk_i18n_free(t->t);
    free(t);
    return 0;
}

static void override_wins_others_unchanged(void **state)
{
    T *t = *state;
    char start[256], zh_title[256];
    snprintf(start, sizeof start, "%s", lk_i18n_get(t->t, "en", "attract.start"));
    snprintf(zh_title, sizeof zh_title, "%s", lk_i18n_get(t->t, "zh-CN", "attract.title"));
    assert_string_not_equal(lk_i18n_get(t->t, "en", "attract.title"), "Bundle title");
    put(t, "en", "{\"attract.title\":\"Bundle title\",\"no.such.key\":\"x\",\"attract.start\":5}");
    lk_err err = {0};
    assert_int_equal(lk_i18n_overlay(t->t, t->dir, &err), 1);
    assert_string_equal(lk_i18n_get(t->t, "en", "attract.title"), "Bundle title");
    assert_string_equal(lk_i18n_get(t->t, "en", "attract.start"), start);
    assert_string_equal(lk_i18n_get(t->t, "zh-CN", "attract.title"), zh_title);
    /* An ignored key is not thereby added: asking for it still misses. */
    int missed = lk_i18n_missing(t->t);
    assert_string_equal(lk_i18n_get(t->t, "en", "no.such.key"), "no.such.key");
    assert_int_equal(lk_i18n_missing(t->t), missed + 1);
    /* Placeholders of an overridden text are filled as the built-in ones were. */
    put(t, "zh-CN", "{\"chrome.countdown\":\"还剩 {n} 秒\"}");
    assert_int_equal(lk_i18n_overlay(t->t, t->dir, &err), 2);
    char buf[64];
    assert_string_equal(lk_i18n_fmt(t->t, "zh-CN", "chrome.countdown", 7, NULL, buf, sizeof buf),
                        "还剩 7 秒");
}

static void no_files_is_nothing(void **state)
{
    T *t = *state;
    lk_err err = {0};
    char before[256];
    snprintf(before, sizeof before, "%s", lk_i18n_get(t->t, "en", "attract.title"));
    assert_int_equal(lk_i18n_overlay(t->t, t->dir, &err), 0);
    assert_string_equal(lk_i18n_get(t->t, "en", "attract.title"), before);
}

static void malformed_is_an_error(void **state)
{
    T *t = *state;
    lk_err err = {0};
    put(t, "en", "{\"attract.title\":");
    assert_true(lk_i18n_overlay(t->t, t->dir, &err) < 0);
    assert_non_null(strstr(err.msg, "en.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(override_wins_others_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(no_files_is_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_is_an_error, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
