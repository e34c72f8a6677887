/* fuzz_dg2: arbitrary bytes as DG2: the ISO 19794-5 face record parser either refuses them or
 * points at an image inside the input whose magic bytes match the format it reports.
 *
 * lk-fuzz-seconds: 60 */
#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_lds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lk_lds_face f;
    if (lk_lds_parse_dg2(data, size, &f, NULL) != 0)
        return 0;
    if (!f.image || f.image < data || f.image + f.image_len > data + size || f.image_len < 3)
        __builtin_trap();
    if (f.format == LK_FACE_JPEG && (f.image[0] != 0xFF || f.image[1] != 0xD8))
        __builtin_trap();
    return 0;
}
