/* Fuzz target: the MJPEG frame splitter (lk_mjpeg), which walks JPEG marker segments and scan
 * data from camera files and devices. Splits the input the way the file source does. */
#include <stddef.h>
#include <stdint.h>

#include "lk_mjpeg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (size_t i = lk_mjpeg_next_soi(data, size, 0); i < size;) {
        uint32_t w, h;
        size_t n = lk_mjpeg_image_len(data + i, size - i, &w, &h);
        if (n > size - i)
            __builtin_trap();
        i = lk_mjpeg_next_soi(data, size, n ? i + n : i + 1);
    }
    return 0;
}
