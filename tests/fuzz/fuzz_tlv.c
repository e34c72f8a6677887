/* fuzz_tlv: arbitrary bytes through the BER-TLV reader: every constructed value is walked
 * recursively (bounded depth), every TLV must lie inside its parent, and a header written back
 * with lk_tlv_put_header must read back as the same tag and length.
 *
 * lk-fuzz-seconds: 60 */
#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const uint8_t *p, size_t n, int depth)
{
    size_t off = 0;
    lk_tlv t;
    while (depth < 32 && lk_tlv_next(p, n, &off, &t, NULL) == 1) {
        if (t.value < p || t.value + t.len > p + n || off > n)
            __builtin_trap();
        uint8_t h[10];
        lk_tlv back;
        int k = lk_tlv_put_header(h, sizeof h, t.tag, t.len);
        if (k <= 0 || lk_tlv_peek(h, (size_t)k, &back.tag, &back.len, NULL) != 0 ||
            back.tag != t.tag || back.len != (size_t)k + t.len)
            __builtin_trap();
        if (t.constructed)
            walk(t.value, t.len, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lk_tlv t;
    uint32_t tag;
    size_t total;
    walk(data, size, 0);
    (void)lk_tlv_find(data, size, 0x5F1F, &t, NULL);
    (void)lk_tlv_peek(data, size, &tag, &total, NULL);
    return 0;
}
