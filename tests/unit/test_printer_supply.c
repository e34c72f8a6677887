/* test_printer_supply: PWG 5100.13 printer-supply values as printers send them (the two
 * ippeveprinter reports, an HP-style ink with unknown capacity) and as they should not
 * (no type, garbage numbers), and which marker levels need attention. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kiosk/lk_printer.h"

static int parse(const char *s, lk_printer_marker *m)
{
    return lk_printer_supply_parse(s, strlen(s), m);
}

static void test_parse(void **state)
{
    (void)state;
    lk_printer_marker m;
    assert_int_equal(parse("index=2;class=supplyThatIsConsumed;type=toner;unit=percent;"
                           "maxcapacity=100;level=75;colorantname=black;",
                           &m),
                     0);
    assert_string_equal(m.type, "toner");
    assert_string_equal(m.color, "black");
    assert_string_equal(m.name, "toner black");
    assert_int_equal(m.level, 75);
    assert_int_equal(m.waste, 0);
    assert_int_equal(parse("index=1;class=receptacleThatIsFilled;type=wasteToner;unit=percent;"
                           "maxcapacity=100;level=25;colorantname=unknown;",
                           &m),
                     0);
    assert_string_equal(m.type, "waste-toner");
    assert_string_equal(m.color, "");
    assert_int_equal(m.waste, 1);
    /* A capacity in sheets or ml: the level is scaled to percent. */
    assert_int_equal(parse("type=ink;maxcapacity=400;level=100;colorantname=cyan", &m), 0);
    assert_int_equal(m.level, 25);
    /* Unknown capacity, "some remaining", nonsense numbers. */
    assert_int_equal(parse("type=ink;maxcapacity=-2;level=-3", &m), 0);
    assert_int_equal(m.level, -3);
    assert_int_equal(parse("type=toner;maxcapacity=100;level=12x", &m), 0);
    assert_int_equal(m.level, -1);
    assert_int_equal(parse("type=toner;maxcapacity=0;level=5", &m), 0);
    assert_int_equal(m.level, -1);
    assert_int_equal(parse("index=1;level=5", &m), LK_EPROTO);
    assert_int_equal(parse("", &m), LK_EPROTO);
}

static void test_alert(void **state)
{
    (void)state;
    lk_printer_marker m = {.level = 75, .low = -1};
    assert_int_equal(lk_printer_marker_alert(&m), 0);
    m.level = 10;
    assert_int_equal(lk_printer_marker_alert(&m), 1);
    m.level = 0;
    assert_int_equal(lk_printer_marker_alert(&m), 2);
    m.level = 15;
    m.low = 20; /* marker-low-levels from the queue wins over the default */
    assert_int_equal(lk_printer_marker_alert(&m), 1);
    m = (lk_printer_marker){.level = 25, .low = -1, .waste = 1};
    assert_int_equal(lk_printer_marker_alert(&m), 0);
    m.level = 95;
    assert_int_equal(lk_printer_marker_alert(&m), 1);
    m.level = 100;
    assert_int_equal(lk_printer_marker_alert(&m), 2);
    m.level = -1;
    assert_int_equal(lk_printer_marker_alert(&m), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_alert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
