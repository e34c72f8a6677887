/* lk_port: the few helpers every port user needs for personal data the ports hand over:
 * wiping read results and camera frames, copying frames. */
#include <stdlib.h>
#include <string.h>

#include "kiosk/port/lk_cam.h"
#include "kiosk/port/lk_docreader.h"

void lk_id_result_wipe(lk_id_result *res)
{
    if (!res)
        return;
    if (res->photo) {
        explicit_bzero(res->photo, res->photo_len);
        free(res->photo);
    }
    explicit_bzero(res, sizeof *res);
}

int lk_frame_copy(lk_frame *dst, const lk_frame *src)
{
    size_t n = (size_t)src->stride * (size_t)src->h;
    *dst = *src;
    dst->rgb = malloc(n ? n : 1);
    if (!dst->rgb) {
        memset(dst, 0, sizeof *dst);
        return LK_ENOMEM;
    }
    memcpy(dst->rgb, src->rgb, n);
    return 0;
}

void lk_frame_wipe(lk_frame *f)
{
    if (!f)
        return;
    if (f->rgb) {
        explicit_bzero(f->rgb, (size_t)f->stride * (size_t)f->h);
        free(f->rgb);
    }
    explicit_bzero(f, sizeof *f);
}
