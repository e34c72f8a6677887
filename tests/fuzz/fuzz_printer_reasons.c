/* fuzz_printer_reasons: printer-state-reasons and printer-state-message come from the printer
 * (through cupsd) and are mapped onto the device model by lk_printer_map. Input: byte 0 the
 * IPP printer-state, byte 1 accepting, then "reasons\nmessage". The mapping must always
 * produce a known status and a NUL-terminated reason. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_printer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    char *text = malloc(size - 1);
    if (!text)
        return 0;
    memcpy(text, data + 2, size - 2);
    text[size - 2] = '\0';
    char *nl = strchr(text, '\n');
    if (nl)
        *nl = '\0';
    lk_printer_facts f = {data[0] % 8, data[1] & 1, text, nl ? nl + 1 : NULL};
    lk_device_state s;
    memset(&s, 0xAA, sizeof s);
    lk_printer_map(&f, &s);
    if ((unsigned)s.status > LK_DEVICE_DISABLED || !memchr(s.reason, '\0', sizeof s.reason))
        __builtin_trap();
    free(text);
    return 0;
}
