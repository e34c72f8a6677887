/* SAM reader plug-ins through the isolation layer, with idreader-sim.so: a card read whole,
 * no card (timeout), a card taken away and presented again, vendor faults carrying their
 * native codes, and a reader plug-in refused for the wrong kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kiosk/lk_idreader.h"
#include "lk_idreader_plugin.h"

static char dir[64], card[128], so[512];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/lk-idreader.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(card, sizeof card, "%s/present", dir);
    const char *d = getenv("LK_PLUGIN_DIR");
    snprintf(so, sizeof so, "%s/idreader-sim.so", d ? d : "plugins");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(card);
    rmdir(dir);
    return 0;
}

static void present(const char *text)
{
    unlink(card); /* a new presentation: new inode */
    FILE *f = fopen(card, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void open_reader(lk_idreader *r, const char *plugin)
{
    char config[128];
    snprintf(config, sizeof config, "dir=%s", dir);
    lk_idreader_plugin_cfg cfg = {.plugin_path = plugin, .config = config, .time_limit_ms = 3000};
    lk_err err = {0};
    assert_int_equal(lk_idreader_plugin_open(&cfg, r, &err), 0);
}

static void test_read_and_represent(void **state)
{
    (void)state;
    lk_idreader r = {0};
    open_reader(&r, so);
    lk_err err = {0};
    assert_int_equal(lk_idreader_wait_card(&r, 100, &err), LK_ETIMEDOUT);
    present("name=李四\nsex=2\nnation=01\nbirth=19800101\nid=11010519491231002X\n"
            "until=长期\nphoto=synthetic:3\n");
    assert_int_equal(lk_idreader_wait_card(&r, 1000, &err), 0);
    lk_idcard c;
    assert_int_equal(lk_idreader_read_card(&r, &c, &err), 0);
    assert_string_equal(c.name, "李四");
    assert_string_equal(c.id_number, "11010519491231002X");
    assert_string_equal(c.valid_until, "长期");
    assert_int_equal(c.photo_width, 102);
    assert_int_equal(c.photo_height, 126);
    assert_int_equal(c.photo_len, 102 * 126 * 3);
    lk_idcard_wipe(&c);
    assert_null(c.photo);
    assert_int_equal(c.name[0], 0);
    /* the same presentation is not seen again until the card is taken away */
    assert_int_equal(lk_idreader_wait_card(&r, 150, &err), LK_ETIMEDOUT);
    present("name=王五\n");
    assert_int_equal(lk_idreader_wait_card(&r, 1000, &err), 0);
    assert_int_equal(lk_idreader_read_card(&r, &c, &err), 0);
    assert_string_equal(c.name, "王五");
    lk_idcard_wipe(&c);
    lk_idreader_close(&r);
}

static void test_vendor_faults(void **state)
{
    (void)state;
    lk_idreader r = {0};
    open_reader(&r, so);
    lk_err err = {0};
    lk_idcard c;
    present("name=x\nfault=read-fail\n");
    assert_int_equal(lk_idreader_wait_card(&r, 1000, &err), 0);
    assert_int_equal(lk_idreader_read_card(&r, &c, &err), LK_EIO);
    assert_int_equal(err.domain, LK_ERR_DOMAIN_VENDOR);
    assert_int_equal(err.native, 0x41);
    present("name=x\nfault=sam-auth\nnative=0x31\n");
    assert_int_equal(lk_idreader_wait_card(&r, 1000, &err), 0);
    assert_int_equal(lk_idreader_read_card(&r, &c, &err), LK_EPLUGIN);
    assert_int_equal(err.native, 0x31);
    present("name=x\nfault=removed\n");
    assert_int_equal(lk_idreader_wait_card(&r, 1000, &err), 0);
    assert_int_equal(lk_idreader_read_card(&r, &c, &err), LK_ENOENT);
    lk_idreader_close(&r);
}

/* A reader SDK stuck in a read: the call ends at the time limit, the worker is replaced and
 * the next presentation reads normally. */
static void test_stuck_read(void **state)
{
    (void)state;
    char config[128];
    snprintf(config, sizeof config, "dir=%s delay_ms=5000", dir);
    lk_idreader_plugin_cfg cfg = {.plugin_path = so, .config = config, .time_limit_ms = 800};
    lk_idreader r = {0};
    lk_err err = {0};
    assert_int_equal(lk_idreader_plugin_open(&cfg, &r, &err), 0);
    present("name=x\n");
    assert_int_equal(lk_idreader_wait_card(&r, 100, &err), 0);
    lk_idcard c;
    assert_int_equal(lk_idreader_read_card(&r, &c, &err), LK_ETIMEDOUT);
    assert_non_null(strstr(err.msg, "within 800 ms"));
    assert_null(c.photo);
    /* the fresh worker has not read this presentation yet, so it sees the card again */
    assert_int_equal(lk_idreader_wait_card(&r, 100, &err), 0);
    lk_idreader_close(&r);
}

static void test_wrong_kind(void **state)
{
    (void)state;
    char face[600];
    snprintf(face, sizeof face, "%.*s/face-test.so", (int)(strrchr(so, '/') - so), so);
    lk_idreader r = {0};
    open_reader(&r, face);
    lk_err err = {0};
    assert_int_equal(lk_idreader_wait_card(&r, 100, &err), LK_EPLUGIN);
    assert_non_null(strstr(err.msg, "lk_plugin_idreader_entry_v1"));
    lk_idreader_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_and_represent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vendor_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stuck_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_kind, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
