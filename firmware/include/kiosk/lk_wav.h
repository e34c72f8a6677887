/* lk_wav: the one check a WAV passes before the kiosk trusts it: its RIFF chunks describe a PCM
 * sound the display can play. Used by the voice-prompts self-test and by a bundle's apply for
 * the voice prompts it brings. Pure code: no file access. */
#ifndef LK_KIOSK_LK_WAV_H
#define LK_KIOSK_LK_WAV_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_err.h"

/* A spoken prompt is seconds long: a bigger file is refused, never read whole. */
#define LK_WAV_MAX (16u << 20)

/* What a RIFF/WAVE PCM file says of itself. */
typedef struct lk_wav_info {
    unsigned channels, rate, bits;
    size_t data_len;
    unsigned duration_ms;
} lk_wav_info;

/* Walks the RIFF chunks of buf: "RIFF" <size> "WAVE", a PCM "fmt " chunk (1-2 channels, 8 or
 * 16 bits, 8-48 kHz) before a non-empty "data" chunk, every chunk inside the buffer. */
int lk_wav_check(const uint8_t *buf, size_t len, lk_wav_info *out, lk_err *err);

#endif
