/* lk_face_sim: a face matcher whose verdict the script chooses. It still checks what a real
 * matcher needs (a decodable chip photo, at least one frame with pixels), so the session's
 * plumbing of photo and frames is exercised for real. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lk_sim.h"

typedef enum mode { M_PASS, M_FAIL, M_NOTLIVE, M_NOFACE, M_ERROR } mode;

typedef struct face_sim {
    lk_facecheck base;
    pthread_mutex_t mu;
    mode m;
} face_sim;

int lk_face_sim_set_mode(lk_facecheck *f, const char *name)
{
    static const char *const names[] = {"pass", "fail", "notlive", "noface", "error"};
    face_sim *s = (face_sim *)f;
    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0) {
            pthread_mutex_lock(&s->mu);
            s->m = (mode)i;
            pthread_mutex_unlock(&s->mu);
            return 0;
        }
    return LK_EINVAL;
}

static int face_verify(lk_facecheck *f, const uint8_t *photo, size_t len, const char *fmt,
                       const lk_frame *frames, size_t n, double threshold, int cancel_fd,
                       lk_face_result *out, lk_err *err)
{
    (void)cancel_fd;
    face_sim *s = (face_sim *)f;
    pthread_mutex_lock(&s->mu);
    mode m = s->m;
    pthread_mutex_unlock(&s->mu);
    memset(out, 0, sizeof *out);
    out->threshold = threshold;
    out->liveness = -1;
    if (!photo || len < 8 || strcmp(fmt, "sim") != 0 || memcmp(photo, "SIMFACE:", 8) != 0)
        return lk_err_set(err, LK_EINVAL, "the chip photo cannot be decoded");
    if (m == M_ERROR)
        return lk_err_set(err, LK_EPLUGIN, "face plug-in stopped responding (simulated)");
    if (n == 0 || !frames[0].rgb || m == M_NOFACE) {
        out->verdict = LK_FACE_NO_FACE;
        return 0;
    }
    out->liveness = m != M_NOTLIVE;
    if (m == M_NOTLIVE) {
        out->verdict = LK_FACE_NOT_LIVE;
        return 0;
    }
    out->score = m == M_PASS ? threshold + (1.0 - threshold) * 0.6 : threshold * 0.5;
    out->verdict = out->score >= threshold ? LK_FACE_MATCH : LK_FACE_NO_MATCH;
    return 0;
}

static int face_state(lk_facecheck *f, lk_device_state *out)
{
    (void)f;
    memset(out, 0, sizeof *out);
    out->status = LK_DEVICE_NORMAL;
    return 0;
}

static void face_close(lk_facecheck *f)
{
    face_sim *s = (face_sim *)f;
    if (!s)
        return;
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static const lk_facecheck_ops face_ops = {
    .name = "sim",
    .verify = face_verify,
    .state = face_state,
    .close = face_close,
};

int lk_face_sim_create(lk_facecheck **out, lk_err *err)
{
    *out = NULL;
    face_sim *s = calloc(1, sizeof *s);
    if (!s)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    pthread_mutex_init(&s->mu, NULL);
    s->base.ops = &face_ops;
    *out = &s->base;
    return 0;
}
