/* fuzz_printer_supply: printer-supply values (PWG 5100.13 octet strings) come from the printer
 * itself, asked by lk_cups for its marker levels, and are parsed by lk_printer_supply_parse.
 * Any input must give 0 or LK_EPROTO, a NUL-terminated marker, a level in -3..100 and an alert
 * in 0..2. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kiosk/lk_printer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lk_printer_marker m;
    memset(&m, 0xAA, sizeof m);
    int rc = lk_printer_supply_parse((const char *)data, size, &m);
    if (rc != 0 && rc != LK_EPROTO)
        __builtin_trap();
    if (!memchr(m.name, '\0', sizeof m.name) || !memchr(m.type, '\0', sizeof m.type) ||
        !memchr(m.color, '\0', sizeof m.color) || m.level < -3 || m.level > 100)
        __builtin_trap();
    int a = lk_printer_marker_alert(&m);
    if (a < 0 || a > 2)
        __builtin_trap();
    return 0;
}
