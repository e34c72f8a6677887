/* test_device: the status model's names round-trip, and nonsense is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kiosk/lk_device.h"

static void names_round_trip(void **state)
{
    (void)state;
    for (int s = LK_DEVICE_UNKNOWN; s <= LK_DEVICE_DISABLED; s++) {
        lk_device_status back = LK_DEVICE_UNKNOWN;
        assert_int_equal(lk_device_status_parse(lk_device_status_name(s), &back), 0);
        assert_int_equal(back, s);
    }
    assert_string_equal(lk_device_status_name(LK_DEVICE_WARNING), "warning");
}

static void unknown_names_refused(void **state)
{
    (void)state;
    lk_device_status out = LK_DEVICE_BUSY;
    assert_int_equal(lk_device_status_parse("Normal", &out), -1);
    assert_int_equal(lk_device_status_parse("", &out), -1);
    assert_int_equal(lk_device_status_parse(NULL, &out), -1);
    assert_int_equal(out, LK_DEVICE_BUSY);
    assert_string_equal(lk_device_status_name((lk_device_status)42), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_round_trip),
        cmocka_unit_test(unknown_names_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
