/* host_face: the worker's side of a face verify request. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lk_plugin_host.h"

#define MAX_LIVE 16

int lk_host_plugin_err(lk_err *err, int32_t code, const lk_plugin_error *perr, const char *op)
{
    char msg[sizeof perr->message + 1];
    memcpy(msg, perr->message, sizeof perr->message);
    msg[sizeof perr->message] = '\0'; /* the vendor may not have terminated it */
    return lk_err_set_native(err, lk_pmsg_map_code(code), LK_ERR_DOMAIN_VENDOR, perr->native,
                             "plug-in %s failed (code %d, vendor code %d)%s%s", op, (int)code,
                             (int)perr->native, msg[0] ? ": " : "", msg);
}

static int to_image(const lk_pmsg_field *f, lk_plugin_face_image *img, lk_err *err)
{
    lk_pmsg_image m;
    int rc = lk_pmsg_image_get(f, &m, err);
    if (rc != 0)
        return rc;
    *img = (lk_plugin_face_image){.size = sizeof *img,
                                  .format = m.format,
                                  .width = m.width,
                                  .height = m.height,
                                  .stride = m.stride,
                                  .data = m.data,
                                  .len = m.len};
    return 0;
}

static int check_result(const lk_plugin_face_result *r, uint32_t n_live, lk_err *err)
{
    if (!isfinite(r->score) || !isfinite(r->vendor_threshold))
        return lk_err_set(err, LK_EPLUGIN, "plug-in returned a score that is not a number");
    if (r->liveness > LK_FACE_LIVENESS_FAIL)
        return lk_err_set(err, LK_EPLUGIN, "plug-in returned liveness %u", (unsigned)r->liveness);
    if (r->best_frame >= n_live)
        return lk_err_set(err, LK_EPLUGIN, "plug-in named frame %u of %u", (unsigned)r->best_frame,
                          (unsigned)n_live);
    return 0;
}

int lk_host_face_verify(lk_host *h, const lk_pmsg *req, lk_pmsg_buf *out, lk_err *err)
{
    size_t it = 0;
    const lk_pmsg_field *f = lk_pmsg_next(req, LK_PT_ID_PHOTO, &it);
    if (!f)
        return lk_err_set(err, LK_EPROTO, "verify request without an ID photo");
    lk_plugin_face_image id, live[MAX_LIVE];
    int rc = to_image(f, &id, err);
    uint32_t n = 0;
    it = 0;
    while (rc == 0 && (f = lk_pmsg_next(req, LK_PT_LIVE, &it)) != NULL) {
        if (n == MAX_LIVE)
            return lk_err_set(err, LK_EINVAL, "more than %d live frames", MAX_LIVE);
        rc = to_image(f, &live[n++], err);
    }
    if (rc != 0)
        return rc;
    if (n == 0)
        return lk_err_set(err, LK_EINVAL, "verify request without a live frame");
    lk_plugin_face_result r = {.size = sizeof r};
    lk_plugin_error perr = {.size = sizeof perr};
    int32_t prc = h->lib.face->verify(h->ctx, &id, live, n, &r, &perr);
    if (prc != LK_PLUGIN_OK)
        return lk_host_plugin_err(err, prc, &perr, "verify");
    rc = check_result(&r, n, err);
    if (rc != 0)
        return rc;
    lk_pmsg_begin(out, LK_PMSG_FACE_RESULT);
    lk_pmsg_put_f64(out, LK_PT_SCORE, r.score);
    lk_pmsg_put_f64(out, LK_PT_THRESHOLD, r.vendor_threshold);
    lk_pmsg_put_u32(out, LK_PT_LIVENESS, r.liveness);
    lk_pmsg_put_u32(out, LK_PT_QUALITY, r.quality);
    lk_pmsg_put_u32(out, LK_PT_BEST_FRAME, r.best_frame);
    return 0;
}
