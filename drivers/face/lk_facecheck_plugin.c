/* lk_facecheck_plugin: port adapter. The call into the worker process is bounded by the
 * policy's time limit (the host kills a hung vendor), so cancel is honoured before the call and
 * by discarding its answer after: the vendor ABI has no way to stop a comparison midway. */
#include "lk_facecheck_plugin.h"

#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_face.h"
#include "kiosk/lk_worker.h"
#include "lk_face_plugin.h"
#include "lk_plugin_face.h"

typedef struct facecheck_plugin {
    lk_facecheck base;
    lk_face_matcher m;
    lk_face_policy policy;
    int failed; /* the last call crashed or hung: fault until a call succeeds */
} facecheck_plugin;

static lk_face_verdict verdict_of(const lk_face_policy *p, const lk_face_score *s, double threshold,
                                  double *used)
{
    lk_face_policy q = *p;
    if (!q.use_vendor_threshold)
        q.threshold = threshold;
    if (s->quality & (LK_FACE_Q_NO_FACE_LIVE | LK_FACE_Q_NO_FACE_ID))
        return LK_FACE_NO_FACE;
    switch (lk_face_judge(&q, s, used)) {
    case LK_FACE_OUTCOME_MATCH:
        return LK_FACE_MATCH;
    case LK_FACE_OUTCOME_NO_LIVENESS:
        return LK_FACE_NOT_LIVE;
    default:
        return LK_FACE_NO_MATCH;
    }
}

static int fp_verify(lk_facecheck *base, const uint8_t *photo, size_t photo_len,
                     const char *photo_format, const lk_frame *frames, size_t n, double threshold,
                     int cancel_fd, lk_face_result *out, lk_err *err)
{
    facecheck_plugin *f = (facecheck_plugin *)base;
    (void)photo_format; /* the plug-in reads the encoding from the bytes */
    if (!photo || !photo_len || !n)
        return lk_err_set(err, LK_EINVAL, "face check: no photo or no frames");
    if (lk_worker_wait(-1, cancel_fd, 0) == LK_ECANCELED)
        return lk_err_set(err, LK_ECANCELED, "face check cancelled");
    if (n > LK_FACE_MAX_LIVE)
        n = LK_FACE_MAX_LIVE;
    lk_face_image id = {.format = LK_FACE_IMAGE_ENCODED, .data = photo, .len = photo_len};
    lk_face_image live[LK_FACE_MAX_LIVE];
    for (size_t i = 0; i < n; i++)
        live[i] = (lk_face_image){.format = LK_FACE_IMAGE_RGB24,
                                  .width = (uint32_t)frames[i].w,
                                  .height = (uint32_t)frames[i].h,
                                  .stride = (uint32_t)frames[i].stride,
                                  .data = frames[i].rgb,
                                  .len = (size_t)frames[i].stride * (size_t)frames[i].h};
    lk_face_score s;
    memset(&s, 0, sizeof s);
    int rc = lk_face_verify(&f->m, &id, live, n, &s, err);
    f->failed = rc == LK_EPLUGIN || rc == LK_ETIMEDOUT;
    if (rc != 0)
        return rc;
    if (lk_worker_wait(-1, cancel_fd, 0) == LK_ECANCELED)
        return lk_err_set(err, LK_ECANCELED, "face check cancelled");
    memset(out, 0, sizeof *out);
    out->verdict = verdict_of(&f->policy, &s, threshold, &out->threshold);
    out->score = s.score;
    out->liveness = s.liveness == LK_FACE_LIVE_PASS ? 1 : s.liveness == LK_FACE_LIVE_FAIL ? 0 : -1;
    return 0;
}

static int fp_state(lk_facecheck *base, lk_device_state *out)
{
    facecheck_plugin *f = (facecheck_plugin *)base;
    memset(out, 0, sizeof *out);
    out->status = f->failed ? LK_DEVICE_FAULT : LK_DEVICE_NORMAL;
    if (f->failed)
        strcpy(out->reason, "face plug-in crashed or hung");
    return 0;
}

static void fp_close(lk_facecheck *base)
{
    facecheck_plugin *f = (facecheck_plugin *)base;
    if (!f)
        return;
    lk_face_close(&f->m);
    free(f);
}

static const lk_facecheck_ops fp_ops = {
    .name = "face-plugin", .verify = fp_verify, .state = fp_state, .close = fp_close};

int lk_facecheck_plugin_create(const lk_face_policy *p, lk_facecheck **out, lk_err *err)
{
    *out = NULL;
    if (!p->plugin[0])
        return lk_err_set(err, LK_ECONFIG, "face.plugin is not set");
    facecheck_plugin *f = calloc(1, sizeof *f);
    if (!f)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    f->base.ops = &fp_ops;
    f->policy = *p;
    int rc = lk_face_plugin_open_policy(p, &f->m, err);
    if (rc != 0) {
        free(f);
        return rc;
    }
    *out = &f->base;
    return 0;
}
