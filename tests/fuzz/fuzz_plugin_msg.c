/* Fuzz target: the plug-in worker message codec (lk_plugin_msg), which decodes bytes written by
 * a process running vendor code. Decodes one payload, then reads every field through every
 * typed getter, as the kiosk's adapters do. */
#include <stddef.h>
#include <stdint.h>

#include "lk_plugin_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lk_pmsg m;
    if (lk_pmsg_decode(data, size, &m, NULL) != 0)
        return 0;
    for (uint32_t i = 0; i < m.n; i++) {
        uint16_t tag = m.f[i].tag;
        uint32_t u;
        int32_t s;
        double d;
        char str[64];
        lk_pmsg_image img;
        lk_pmsg_u32(&m, tag, &u, NULL);
        lk_pmsg_i32(&m, tag, &s, NULL);
        lk_pmsg_f64(&m, tag, &d, NULL);
        lk_pmsg_str(&m, tag, str, sizeof str, 1, NULL);
        if (lk_pmsg_image_get(&m.f[i], &img, NULL) == 0 && img.len)
            (void)img.data[img.len - 1];
        size_t it = 0;
        while (lk_pmsg_next(&m, tag, &it))
            ;
    }
    return 0;
}
