/* lk_face_policy: what counts as a person-to-ID match, and how many tries a customer gets.
 *
 * Configuration (lk_config keys; vendor scores differ, so nothing here is one vendor's number):
 *   face.threshold        minimum score on the configured plug-in's scale, or "vendor" to use
 *                         the threshold the plug-in itself recommends
 *   face.require_liveness 1: a frame must pass the plug-in's liveness check (GB/T 38671: no
 *                         match is attempted on a failed liveness check); a plug-in that does
 *                         no liveness detection then never matches
 *   face.max_attempts     attempts before the "please ask staff" outcome (default 3)
 *   face.time_limit_ms    per call to the plug-in, worker start included (default 10000)
 *   face.memory_limit_mb  the plug-in worker's address-space cap (default 1024)
 *   face.plugin           path of the vendor .so; face.plugin_config its configuration string
 *
 * The flow a session runs (consent screen first, staff alternative always offered: PIPL):
 *
 *     lk_face_check c;  lk_face_check_begin(&c, &policy);
 *     worker thread:    next = lk_face_check_attempt(&c, &matcher, &id, frames, n);
 *     main thread:      lk_face_check_audit(store, &c, actor, &err);
 *                       PASS -> go on; RETRY -> capture again; ASK_STAFF -> staff screen.
 *
 * The audit row records outcome, score, threshold, liveness and the plug-in's name/version;
 * never an image, never a document number. */
#ifndef LK_KIOSK_LK_FACE_POLICY_H
#define LK_KIOSK_LK_FACE_POLICY_H

#include <stdint.h>

#include "kiosk/lk_err.h"
#include "kiosk/lk_face.h"
#include "kiosk/lk_store.h"

typedef struct lk_face_policy {
    double threshold;         /* ignored when use_vendor_threshold */
    int use_vendor_threshold; /* face.threshold = "vendor" */
    int require_liveness;
    int max_attempts;
    uint32_t time_limit_ms;
    uint32_t memory_limit_mb;
    char plugin[512];
    char plugin_config[512];
    /* SHA-256s (hex, comma-separated) the plug-in must match; "" = any. Not a setting: the
     * composition root fills it from the applied bundle's plugins.json. */
    char plugin_allow[64 * 65];
} lk_face_policy;

/* The embedded defaults (what an empty configuration gives). */
void lk_face_policy_defaults(lk_face_policy *p);
/* Reads the face.* keys; LK_ECONFIG names a key whose value is out of range. */
int lk_face_policy_load(lk_store *st, lk_face_policy *p, lk_err *err);

typedef enum lk_face_outcome {
    LK_FACE_OUTCOME_NONE = 0,    /* no attempt yet */
    LK_FACE_OUTCOME_MATCH,       /* score >= threshold and liveness as required */
    LK_FACE_OUTCOME_NO_MATCH,    /* score below threshold */
    LK_FACE_OUTCOME_NO_LIVENESS, /* liveness failed or unchecked while required */
    LK_FACE_OUTCOME_ERROR,       /* the matcher failed (crash, hang, limit, refused) */
} lk_face_outcome;

/* Static lower-case name ("match", "no-match", "no-liveness", "error", "none"). */
const char *lk_face_outcome_name(lk_face_outcome o);

/* Judges one answer; *threshold_used (may be NULL) gets the threshold applied. Pure. */
lk_face_outcome lk_face_judge(const lk_face_policy *p, const lk_face_score *s,
                              double *threshold_used);

typedef enum lk_face_next {
    LK_FACE_NEXT_PASS,      /* matched: the session goes on */
    LK_FACE_NEXT_RETRY,     /* not yet: capture new frames and call attempt again */
    LK_FACE_NEXT_ASK_STAFF, /* attempts used up: show the "please ask staff" screen */
} lk_face_next;

/* One customer's face check: attempts so far and the last attempt's details. */
typedef struct lk_face_check {
    const lk_face_policy *policy;
    int attempts;
    lk_face_outcome outcome; /* of the last attempt */
    lk_face_score score;     /* valid unless outcome is ERROR */
    double threshold;        /* the threshold applied */
    lk_face_matcher_info matcher;
    lk_err err; /* why, when outcome is ERROR */
} lk_face_check;

void lk_face_check_begin(lk_face_check *c, const lk_face_policy *p);
/* Runs one attempt through the matcher (blocking: worker thread) and says what comes next.
 * A matcher error uses up an attempt too: a plug-in that keeps failing ends in ASK_STAFF. */
lk_face_next lk_face_check_attempt(lk_face_check *c, lk_face_matcher *m,
                                   const lk_face_image *id_photo, const lk_face_image *live,
                                   size_t n_live);
/* Appends the last attempt to the audit log (event "face.check"). Main thread: the store is
 * not shared with the worker thread. */
int lk_face_check_audit(lk_store *st, const lk_face_check *c, const char *actor, lk_err *err);

#endif
