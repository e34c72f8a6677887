/* lk_jp2: JPEG 2000 face images (what many eMRTDs carry in DG2) decoded to 8-bit pixels with
 * openjpeg, so the UI and the face check get a bitmap whichever format the chip used. JPEG is
 * not decoded here: its bytes go to the UI (SDL2_image) as they are. Pixels are wiped on free. */
#ifndef LK_KIOSK_LK_JP2_H
#define LK_KIOSK_LK_JP2_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_err.h"

typedef struct lk_image {
    uint32_t width, height;
    uint32_t channels; /* 1 grey, 3 RGB */
    uint8_t *pixels;   /* width * height * channels bytes, rows top to bottom */
} lk_image;

/* Decodes a JP2 file or a raw J2K codestream (told apart by their first bytes). Returns 0, or
 * LK_EINVAL for data openjpeg cannot decode, LK_ENOTSUP for component layouts other than grey
 * or RGB of equal size. */
int lk_jp2_decode(const uint8_t *buf, size_t n, lk_image *img, lk_err *err);

void lk_image_free(lk_image *img);

#endif
