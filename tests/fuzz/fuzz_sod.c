/* fuzz_sod: arbitrary bytes as EF.SOD: the structure parser either refuses them or returns
 * hashes and a signed content inside the input; then passive authentication (OpenSSL's CMS
 * decoder and verifier on the same bytes, no CSCA store) must never report them valid, since no
 * store means no trusted chain.
 *
 * lk-fuzz-seconds: 60 */
#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_lds.h"
#include "kiosk/lk_pa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lk_lds_sod s;
    if (lk_lds_parse_sod(data, size, &s, NULL) == 0) {
        if (s.econtent < data || s.econtent + s.econtent_len > data + size ||
            s.nhashes > LK_LDS_MAX_HASHES || !s.hash_alg[0])
            __builtin_trap();
        for (size_t i = 0; i < s.nhashes; i++)
            if (s.hashes[i].dg < 1 || s.hashes[i].dg > 16 || s.hashes[i].len > LK_LDS_MAX_HASH)
                __builtin_trap();
    }
    static const uint8_t dg1[] = {0x61, 0x00};
    lk_pa_dg dgs[] = {{1, dg1, sizeof dg1}};
    lk_pa_result r;
    (void)lk_pa_verify(data, size, dgs, 1, NULL, &r, NULL);
    if (r.valid || r.ds_certificate)
        __builtin_trap();
    return 0;
}
