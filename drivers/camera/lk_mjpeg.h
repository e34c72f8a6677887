/* lk_mjpeg: finds the JPEG images in an MJPEG stream (concatenated JPEG files, as cameras and
 * `ffmpeg -f mjpeg` write them). Walks the marker segments by their lengths up to SOS, then
 * the entropy-coded data (where 0xFF is stuffed as FF 00 and RSTn markers may occur) up to
 * EOI, so an EXIF thumbnail's own SOI/EOI inside APP1 does not cut a frame short. The bytes
 * come from files and devices: every length is checked against the buffer. */
#ifndef LK_DRIVERS_LK_MJPEG_H
#define LK_DRIVERS_LK_MJPEG_H

#include <stddef.h>
#include <stdint.h>

/* Length of the complete JPEG image starting at buf (SOI .. EOI inclusive), or 0 when buf
 * does not start with one. Also reports its size from the SOFn segment when w/h not NULL
 * (0 when there is none). */
size_t lk_mjpeg_image_len(const uint8_t *buf, size_t len, uint32_t *w, uint32_t *h);

/* Offset of the next SOI (FF D8 FF) at or after `from`, or len when none. */
size_t lk_mjpeg_next_soi(const uint8_t *buf, size_t len, size_t from);

#endif
