/* lk_session_int: the session's layout, shared by its source files (engine, states, jobs). */
#ifndef LK_FIRMWARE_SESSION_LK_SESSION_INT_H
#define LK_FIRMWARE_SESSION_LK_SESSION_INT_H

#include <pthread.h>

#include "kiosk/lk_session.h"

#define MAX_FRAMES 8

typedef enum sm_ret { SM_HANDLED = 0, SM_UNHANDLED = 1 } sm_ret;

typedef enum job_kind {
    JOB_NONE = 0,
    JOB_READ,
    JOB_FACE,
    JOB_RENDER,
    JOB_PRINT,
    JOB_LOOKUP
} job_kind;

/* Everything personal the session holds, in one block so one explicit_bzero clears it. */
typedef struct personal {
    lk_view_person vp;
    lk_id_result id;
    lk_mrz_keys keys;
    lk_frame frames[MAX_FRAMES];
    int n_frames;
    char match_uscc[LK_VIEW_MAX_LICENSES][20];
    cairo_surface_t *preview;
} personal;

struct lk_session {
    lk_session_deps d;
    lk_session_cfg cfg;
    lk_view view;
    personal p;
    uint64_t deadline_ms; /* 0: this screen has no timeout */
    int job_tag;          /* tag of the job whose completion we wait for, 0 none */
    uint32_t job_id;
    job_kind job;
    int tag_seq;
    int cam_on;
    int collecting;
    int card_present;
    int in_transition;
    uint64_t lookup_deadline_ms; /* when the session stops waiting on d.lookup, 0 none */
    int outcome_open;            /* started, and its outcome not counted yet */
};

typedef sm_ret (*state_fn)(lk_session *s, const lk_evt *e);

/* lk_session.c */
void sess_transition(lk_session *s, lk_state to);
void sess_end(lk_session *s, lk_state to, lk_reason why);
void sess_changed(lk_session *s);
void sess_wipe(lk_session *s);
void sess_cancel_job(lk_session *s);
uint64_t sess_now(const lk_session *s);
void sess_count(lk_session *s, const char *counter);
/* Counts the session's start (sessions.started) and opens its outcome. */
void sess_started(lk_session *s);
/* Counts the outcome of the session (completed, abandoned, or failed with the cause `why`),
 * once: whatever ends it later (a timeout on the done screen) is not a second outcome. */
void sess_outcome_completed(lk_session *s);
void sess_outcome_abandoned(lk_session *s);
void sess_outcome_ended(lk_session *s, lk_reason why);
void sess_audit(lk_session *s, const char *event, const char *detail_json);

/* lk_session_states.c / lk_session_flow.c */
extern const state_fn lk_session_states[LK_ST_COUNT];
/* The lookup port overran the budget: answer from the local store (audited). */
void sess_lookup_overdue(lk_session *s);

/* lk_session_jobs.c: each starts a worker job and records it in s; 0 or a code. */
int sess_job_read(lk_session *s);
int sess_job_face(lk_session *s);
int sess_job_render(lk_session *s, lk_record *rec);
/* Renders a synthetic license once so the renderer's fonts are loaded before a customer's
 * preview needs them (at start-up, on the loop thread). */
void sess_warmup(lk_session *s);
int sess_job_print(lk_session *s, lk_record *rec, int copy_idx);
/* Asks d.lookup on a worker for this document's licenses in the role chosen. */
int sess_job_lookup(lk_session *s);
/* What a finished lookup found, for the license list (the job context keeps it until freed). */
typedef struct sess_found {
    lk_view_license lic[LK_VIEW_MAX_LICENSES];
    int n_lic;
    int more;       /* matches beyond lic[]: counted, so the person is told */
    int other_role; /* matches in the other role: "not authorised" rather than "not found" */
} sess_found;
/* The callback that fills a sess_found (ctx) from store matches; want is "holder"/"agent". */
typedef struct sess_find {
    sess_found *f;
    const char *want;
} sess_find;
int sess_on_match(void *ctx, const lk_store_match *m);
/* A finished lookup job's result: its list and how it was answered. */
const sess_found *sess_lookup_found(void *ctx, lk_lookup_info *info);
/* Moves a finished read's result into s->p.id (the job context keeps nothing). */
void sess_take_read(lk_session *s, void *ctx);
lk_face_result sess_face_result(void *ctx);
/* Takes the rendered preview surface from a render job context. */
cairo_surface_t *sess_take_preview(void *ctx);

#endif
