/* lk_session: the customer session as a state machine, from the attract screen to the rating.
 * One handler function per state; a superstate handles what every active screen shares
 * (inactivity timeout, cancel, card removal, language). Devices are reached only through the
 * ports, blocking calls run on lk_workers and come back as events, so every function here
 * runs on the loop thread and returns at once.
 *
 * The UI reads lk_session_view() (read-only; valid until the next call into the session) and
 * posts intents. When a session ends for any reason, every piece of personal data it held
 * (document fields, MRZ keys, chip photo, camera frames, the license list and preview) is
 * wiped with explicit_bzero before the "ended" screen shows. */
#ifndef LK_KIOSK_LK_SESSION_H
#define LK_KIOSK_LK_SESSION_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_evt.h"
#include "kiosk/lk_log.h"
#include "kiosk/lk_loop.h"
#include "kiosk/lk_render.h"
#include "kiosk/lk_store.h"
#include "kiosk/lk_view.h"
#include "kiosk/lk_worker.h"
#include "kiosk/port/lk_cam.h"
#include "kiosk/port/lk_docreader.h"
#include "kiosk/port/lk_facecheck.h"
#include "kiosk/port/lk_lookup.h"
#include "kiosk/port/lk_prn.h"

typedef struct lk_session lk_session;

/* What the session works with; all must outlive it. renderer may be NULL (no preview image). */
typedef struct lk_session_deps {
    lk_store *st;
    lk_loop *loop;
    lk_evtq *q;
    lk_workers *workers;
    lk_docreader *reader;
    lk_cam *camera;
    lk_facecheck *face;
    lk_prn *printer;
    lk_renderer *renderer;
    /* Serialises use of renderer (not thread-safe): a preview job left behind by "back" may
     * still run when the next one starts. Owned by the caller, who destroys it only after the
     * workers are freed. Required when renderer is set. */
    pthread_mutex_t *renderer_mu;
    uint64_t (*clock_ms)(void *ctx); /* NULL: lk_loop_now_ms */
    void *clock_ctx;
    /* Who finds the person's licenses: NULL asks the local store on the loop thread (the
     * embedded default); an lk_lookup (the registry's live lookup) is asked on a worker and
     * waited for at most cfg.lookup_budget_ms before the session answers from the store. */
    lk_lookup *lookup;
    /* Where state changes, session ends, printer faults and print results are logged (states
     * and reasons only, never the person's data); NULL: not logged. */
    lk_log *log;
} lk_session_deps;

typedef struct lk_session_cfg {
    int screen_timeout_s;  /* inactivity timeout of every customer screen */
    int message_timeout_s; /* how long the ended / staff / no-license screens stay */
    int print_deadline_s;  /* a print job longer than this is treated as uncertain */
    int face_max_attempts;
    int face_frames; /* frames handed to one verify call */
    double face_threshold;
    int preview_w, preview_h;
    int lookup_budget_ms; /* registry.budget_ms: the session waits on d->lookup no longer than
                             this (the port answers within it, local answer included) */
    char lang[8];         /* default language */
} lk_session_cfg;

/* Reads the session's settings from configuration (ui.*, face.*, printer.job_deadline_s,
 * registry.budget_ms);
 * keys not set give their defaults. */
int lk_session_cfg_load(lk_store *st, lk_session_cfg *cfg, lk_err *err);

int lk_session_create(const lk_session_deps *d, const lk_session_cfg *cfg, lk_session **out,
                      lk_err *err);
/* Cancels jobs, wipes personal data, unregisters from the loop and the reader. */
void lk_session_free(lk_session *s);

/* Every event popped from the queue goes here. Takes ownership of e->ptr. */
void lk_session_handle(lk_session *s, const lk_evt *e);
/* Called on a timer (every ~100 ms): deadlines and the visible countdown. */
void lk_session_tick(lk_session *s);
/* The UI's way in: an intent with an argument (index, key, rating) and optional text. */
void lk_session_intent(lk_session *s, lk_intent intent, int arg, const char *text);

const lk_view *lk_session_view(const lk_session *s);

/* The records changed under the session (a registry sync round applied revocations): a
 * license revoked since the lookup is taken off the choice, and one on its preview ends the
 * session with LK_REASON_REVOKED. Called on the loop thread; cheap when nothing is shown. */
void lk_session_records_changed(lk_session *s);

/* The block holding the session's personal data, so a test can check it is all zero after
 * a session ended. */
void lk_session_personal(const lk_session *s, const void **p, size_t *len);

#endif
