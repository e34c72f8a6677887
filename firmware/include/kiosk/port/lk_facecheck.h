/* Face-verify port: person-to-ID comparison of the document's chip photo with live camera
 * frames, liveness first (GB/T 38671: no match is attempted without liveness). Scores are on
 * the vendor's own scale; the threshold comes from configuration (face.threshold) and is
 * passed in, never hard-coded in an adapter. verify() blocks and runs on a worker. */
#ifndef LK_KIOSK_PORT_LK_FACECHECK_H
#define LK_KIOSK_PORT_LK_FACECHECK_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_device.h"
#include "kiosk/lk_err.h"
#include "kiosk/port/lk_cam.h"

typedef enum lk_face_verdict {
    LK_FACE_MATCH = 0,
    LK_FACE_NO_MATCH, /* live, but not the document's holder (score below threshold) */
    LK_FACE_NOT_LIVE, /* liveness failed: no comparison made */
    LK_FACE_NO_FACE,  /* no usable face in the frames (pose, light, distance) */
} lk_face_verdict;

typedef struct lk_face_result {
    lk_face_verdict verdict;
    double score;     /* vendor scale; 0 when no comparison was made */
    double threshold; /* what it was compared against */
    int liveness;     /* 1 passed, 0 failed, -1 not checked */
} lk_face_result;

typedef struct lk_facecheck lk_facecheck;

typedef struct lk_facecheck_ops {
    const char *name;
    /* Returns 0 with *out filled (any verdict is a success of the call), or LK_ECANCELED,
     * LK_EPLUGIN (vendor crashed or hung), LK_ETIMEDOUT, LK_EINVAL (photo undecodable). */
    int (*verify)(lk_facecheck *f, const uint8_t *photo, size_t photo_len, const char *photo_format,
                  const lk_frame *frames, size_t n_frames, double threshold, int cancel_fd,
                  lk_face_result *out, lk_err *err);
    int (*state)(lk_facecheck *f, lk_device_state *out);
    void (*close)(lk_facecheck *f);
} lk_facecheck_ops;

struct lk_facecheck {
    const lk_facecheck_ops *ops;
};

#endif
