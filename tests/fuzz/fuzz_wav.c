/* fuzz_wav: arbitrary bytes through the WAV header check the voice-prompts self-test uses (a
 * bundle may bring prompt files): it must refuse with a reason or accept a file whose data
 * lies inside the buffer and whose format is one the kiosk plays. */
#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_diag_voice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lk_wav_info wi;
    lk_err err = {0};
    if (lk_wav_check(data, size, &wi, &err) != 0) {
        if (err.msg[0] == '\0')
            __builtin_trap();
        return 0;
    }
    if (wi.data_len == 0 || wi.data_len > size || (wi.bits != 8 && wi.bits != 16) ||
        wi.channels < 1 || wi.channels > 2 || wi.rate < 8000 || wi.rate > 48000)
        __builtin_trap();
    return 0;
}
