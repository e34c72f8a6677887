/* lk_face: the face-matcher port's dispatch, with the argument checks every backend shares. */
#include "kiosk/lk_face.h"

#include <string.h>

int lk_face_verify(lk_face_matcher *m, const lk_face_image *id_photo, const lk_face_image *live,
                   size_t n_live, lk_face_score *out, lk_err *err)
{
    if (!m || !m->ops)
        return lk_err_set(err, LK_ENODEV, "no face matcher configured");
    if (!id_photo || !id_photo->data || !id_photo->len)
        return lk_err_set(err, LK_EINVAL, "no ID photo");
    if (!live || n_live == 0 || n_live > LK_FACE_MAX_LIVE)
        return lk_err_set(err, LK_EINVAL, "%zu live frames (1..%d)", n_live, LK_FACE_MAX_LIVE);
    memset(out, 0, sizeof *out);
    return m->ops->verify(m->impl, id_photo, live, n_live, out, err);
}

int lk_face_info(lk_face_matcher *m, lk_face_matcher_info *out, lk_err *err)
{
    if (!m || !m->ops)
        return lk_err_set(err, LK_ENODEV, "no face matcher configured");
    memset(out, 0, sizeof *out);
    return m->ops->info(m->impl, out, err);
}

void lk_face_close(lk_face_matcher *m)
{
    if (m && m->ops)
        m->ops->close(m->impl);
    if (m)
        memset(m, 0, sizeof *m);
}
