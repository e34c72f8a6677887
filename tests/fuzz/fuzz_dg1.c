/* fuzz_dg1: arbitrary bytes as DG1 and as EF.COM: the parsers either refuse them or return an
 * MRZ / tag list that lies inside the input, and every string they fill is terminated.
 *
 * lk-fuzz-seconds: 60 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kiosk/lk_lds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lk_mrz m;
    lk_lds_com c;
    const uint8_t *raw = NULL;
    size_t raw_len = 0;
    if (lk_lds_parse_dg1(data, size, &m, &raw, &raw_len, NULL) == 0) {
        if (!m.valid || raw < data || raw + raw_len > data + size)
            __builtin_trap();
        if (strlen(m.surname) >= sizeof m.surname || strlen(m.reason) >= sizeof m.reason)
            __builtin_trap();
    }
    if (lk_lds_parse_com(data, size, &c, NULL) == 0 &&
        (c.ntags > sizeof c.tags || strlen(c.lds_version) >= sizeof c.lds_version))
        __builtin_trap();
    return 0;
}
