/* lk_session: the engine of the session machine: event dispatch through the current state's
 * handler and then the superstate, transitions with entry/exit, deadlines, and the wipe that
 * ends every session. The states themselves are in lk_session_states.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_counter.h"
#include "kiosk/lk_counter_names.h"
#include "lk_session_int.h"

static uint64_t default_clock(void *ctx)
{
    (void)ctx;
    return lk_loop_now_ms();
}

uint64_t sess_now(const lk_session *s)
{
    return s->d.clock_ms(s->d.clock_ctx);
}

void sess_changed(lk_session *s)
{
    s->view.gen++;
}

void sess_count(lk_session *s, const char *counter)
{
    /* Statistics must never stop a customer: a failed counter write is dropped. */
    (void)lk_counter_add(s->d.st, counter, 1, NULL);
}

void sess_started(lk_session *s)
{
    s->outcome_open = 1;
    sess_count(s, LK_CTR_SESSIONS_STARTED);
}

static void outcome(lk_session *s, const char *total, const char *cause)
{
    if (!s->outcome_open)
        return;
    s->outcome_open = 0;
    sess_count(s, total);
    if (cause)
        sess_count(s, cause);
}

void sess_outcome_completed(lk_session *s)
{
    outcome(s, LK_CTR_SESSIONS_COMPLETED, NULL);
}

void sess_outcome_abandoned(lk_session *s)
{
    outcome(s, LK_CTR_SESSIONS_ABANDONED, NULL);
}

/* The failures.<cause> of an end reason; NULL for the printer's ends, which the print journal
 * counts per copy with the printer's own cause. */
static const char *failure_counter(lk_reason why)
{
    switch (why) {
    case LK_REASON_TIMEOUT:
        return LK_CTR_FAIL_TIMEOUT;
    case LK_REASON_CARD_REMOVED:
        return LK_CTR_FAIL_CARD_REMOVED;
    case LK_REASON_FACE_FAILED:
        return LK_CTR_FAIL_FACE_FAILED;
    case LK_REASON_FACE_ERROR:
        return LK_CTR_FAIL_FACE_ERROR;
    case LK_REASON_READ_FAILED:
        return LK_CTR_FAIL_READ_FAILED;
    case LK_REASON_WRONG_DOCUMENT:
        return LK_CTR_FAIL_WRONG_DOCUMENT;
    case LK_REASON_NOT_FOUND:
        return LK_CTR_FAIL_NOT_FOUND;
    case LK_REASON_NOT_AUTHORISED:
        return LK_CTR_FAIL_NOT_AUTHORISED;
    case LK_REASON_REVOKED:
        return LK_CTR_FAIL_REVOKED;
    case LK_REASON_SYSTEM:
        return LK_CTR_FAIL_SYSTEM;
    default:
        return NULL;
    }
}

void sess_outcome_ended(lk_session *s, lk_reason why)
{
    switch (why) {
    case LK_REASON_NONE:
    case LK_REASON_THANKS: /* rated: completed when the copies were out */
        return;
    case LK_REASON_CANCELLED:
    case LK_REASON_STAFFED_WINDOW:
        sess_outcome_abandoned(s);
        return;
    default:
        outcome(s, LK_CTR_SESSIONS_FAILED, failure_counter(why));
    }
}

void sess_audit(lk_session *s, const char *event, const char *detail_json)
{
    (void)lk_audit_append(s->d.st, "kiosk", event, detail_json, NULL);
}

/* Screens the customer waits on for a device have no inactivity timeout of their own beyond
 * the job deadline; message screens use the short message timeout. */
static uint64_t timeout_for(const lk_session *s, lk_state st)
{
    switch (st) {
    case LK_ST_ATTRACT:
        return 0;
    case LK_ST_PRINTING:
        return (uint64_t)s->cfg.print_deadline_s * 1000u;
    case LK_ST_STAFF:
    case LK_ST_ENDED:
    case LK_ST_NO_LICENSE:
        return (uint64_t)s->cfg.message_timeout_s * 1000u;
    default:
        return (uint64_t)s->cfg.screen_timeout_s * 1000u;
    }
}

static int step_of(lk_state st)
{
    static const int steps[LK_ST_COUNT] = {
        [LK_ST_ROLE] = 1,     [LK_ST_DOCUMENT] = 1, [LK_ST_CONSENT] = 2,    [LK_ST_MRZ] = 3,
        [LK_ST_TAP_CARD] = 3, [LK_ST_READING] = 3,  [LK_ST_FACE] = 4,       [LK_ST_CHOOSE] = 5,
        [LK_ST_PREVIEW] = 5,  [LK_ST_PRINTING] = 6, [LK_ST_NO_LICENSE] = 5, [LK_ST_DONE] = 7,
        [LK_ST_RATING] = 7,
    };
    return steps[st];
}

static void arm_deadline(lk_session *s)
{
    uint64_t t = timeout_for(s, s->view.state);
    s->deadline_ms = t ? sess_now(s) + t : 0;
    s->view.countdown_s = t ? (int)((t + 999) / 1000) : -1;
}

void sess_transition(lk_session *s, lk_state to)
{
    lk_evt ex = {.type = LK_EVT_EXIT}, en = {.type = LK_EVT_ENTRY};
    lk_log_write(s->d.log, LK_LOG_INFO, "session", "state %s -> %s", lk_state_name(s->view.state),
                 lk_state_name(to));
    s->in_transition++;
    lk_session_states[s->view.state](s, &ex);
    s->view.state = to;
    s->view.step = step_of(to);
    s->view.hint = LK_HINT_NONE;
    arm_deadline(s);
    sess_changed(s);
    s->in_transition--;
    /* Entry may itself transition (a lookup that finds nothing); that is the last word. */
    lk_session_states[to](s, &en);
}

void sess_cancel_job(lk_session *s)
{
    if (s->job_tag && s->job_id)
        (void)lk_workers_cancel(s->d.workers, s->job_id);
    s->job_tag = 0;
    s->job_id = 0;
    s->job = JOB_NONE;
    s->lookup_deadline_ms = 0;
}

static void stop_camera(lk_session *s)
{
    if (!s->cam_on)
        return;
    int fd = s->d.camera->ops->fd(s->d.camera);
    if (fd >= 0)
        lk_loop_unwatch(s->d.loop, fd);
    s->d.camera->ops->stop(s->d.camera);
    s->cam_on = 0;
    s->collecting = 0;
}

void sess_wipe(lk_session *s)
{
    sess_cancel_job(s);
    stop_camera(s);
    lk_id_result_wipe(&s->p.id);
    lk_frame_wipe(&s->p.vp.frame);
    for (int i = 0; i < MAX_FRAMES; i++)
        lk_frame_wipe(&s->p.frames[i]);
    if (s->p.preview) {
        cairo_surface_flush(s->p.preview);
        unsigned char *px = cairo_image_surface_get_data(s->p.preview);
        if (px)
            explicit_bzero(px, (size_t)cairo_image_surface_get_stride(s->p.preview) *
                                   (size_t)cairo_image_surface_get_height(s->p.preview));
        cairo_surface_destroy(s->p.preview);
    }
    explicit_bzero(&s->p, sizeof s->p);
    s->view.role_agent = -1;
    s->view.doc = 0;
    s->view.consent_data = s->view.consent_face = 0;
    s->view.mrz_field = 0;
    s->view.read_percent = 0;
    s->view.face_attempt = s->view.face_busy = 0;
    s->view.selected = -1;
    s->view.preview_busy = 0;
    s->view.copy_idx = s->view.copy_total = 0;
    s->view.frame_gen++;
    sess_changed(s);
}

void sess_end(lk_session *s, lk_state to, lk_reason why)
{
    char detail[64];
    snprintf(detail, sizeof detail, "{\"reason\":\"%s\"}", lk_reason_name(why));
    sess_wipe(s);
    s->view.reason = why;
    lk_log_write(s->d.log, why == LK_REASON_THANKS ? LK_LOG_INFO : LK_LOG_WARN, "session",
                 "ended: %s", lk_reason_name(why));
    sess_outcome_ended(s, why);
    sess_audit(s, "session.end", detail);
    sess_transition(s, to);
}

/* The superstate of every customer screen: what any of them does with cancel, language,
 * timeout and a card pulled before the license is on its way. */
static sm_ret st_active(lk_session *s, const lk_evt *e)
{
    lk_state st = s->view.state;
    if (e->type == LK_EVT_INTENT && e->code == LK_INTENT_LANG) {
        snprintf(s->view.lang, sizeof s->view.lang, "%s",
                 strcmp(s->view.lang, "en") == 0 ? "zh-CN" : "en");
        sess_changed(s);
        return SM_HANDLED;
    }
    if (st == LK_ST_ATTRACT || st == LK_ST_ENDED || st == LK_ST_STAFF)
        return SM_UNHANDLED;
    if (e->type == LK_EVT_INTENT && e->code == LK_INTENT_CANCEL && st != LK_ST_PRINTING) {
        sess_end(s, LK_ST_ENDED, LK_REASON_CANCELLED);
        return SM_HANDLED;
    }
    if (e->type == LK_EVT_TIMEOUT) {
        sess_end(s, LK_ST_ENDED, LK_REASON_TIMEOUT);
        return SM_HANDLED;
    }
    if (e->type == LK_EVT_CARD && e->arg == 0 && st >= LK_ST_READING && st <= LK_ST_PREVIEW) {
        sess_end(s, LK_ST_ENDED, LK_REASON_CARD_REMOVED);
        return SM_HANDLED;
    }
    return SM_UNHANDLED;
}

/* A completion or progress report of a job we no longer wait for (cancelled, or from an
 * ended session): drop it, wiping whatever it carries. */
static int stale(const lk_session *s, const lk_evt *e)
{
    return (e->type == LK_EVT_JOB_DONE || e->type == LK_EVT_READ_PROGRESS ||
            e->type == LK_EVT_PRN_PROGRESS) &&
           (s->job_tag == 0 || e->tag != s->job_tag);
}

void lk_session_handle(lk_session *s, const lk_evt *e)
{
    if (e->type == LK_EVT_CARD)
        s->card_present = e->arg;
    if (!stale(s, e)) {
        /* Any touch is activity, and so is the end of something the customer waited for: the
         * kiosk's own slowness never counts against them. */
        if (e->type == LK_EVT_INTENT || e->type == LK_EVT_JOB_DONE)
            arm_deadline(s);
        if (e->type == LK_EVT_JOB_DONE) {
            s->job_tag = 0;
            s->job_id = 0;
        }
        if (lk_session_states[s->view.state](s, e) == SM_UNHANDLED)
            (void)st_active(s, e);
    }
    if (e->free_fn && e->ptr)
        e->free_fn(e->ptr);
}

void lk_session_tick(lk_session *s)
{
    if (s->lookup_deadline_ms && sess_now(s) >= s->lookup_deadline_ms)
        sess_lookup_overdue(s);
    if (!s->deadline_ms)
        return;
    uint64_t now = sess_now(s);
    if (now >= s->deadline_ms) {
        s->deadline_ms = 0;
        lk_evt e = {.type = LK_EVT_TIMEOUT};
        lk_session_handle(s, &e);
        return;
    }
    int left = (int)((s->deadline_ms - now + 999) / 1000);
    if (left != s->view.countdown_s) {
        s->view.countdown_s = left;
        sess_changed(s);
    }
}

void lk_session_intent(lk_session *s, lk_intent intent, int arg, const char *text)
{
    lk_evt e = {.type = LK_EVT_INTENT, .code = (int)intent, .arg = arg};
    if (text)
        snprintf(e.text, sizeof e.text, "%s", text);
    lk_session_handle(s, &e);
    explicit_bzero(e.text, sizeof e.text); /* typed MRZ keys pass through here */
}

const lk_view *lk_session_view(const lk_session *s)
{
    return &s->view;
}

void lk_session_personal(const lk_session *s, const void **p, size_t *len)
{
    *p = &s->p;
    *len = sizeof s->p;
}

static void on_presence(void *ctx, int present)
{
    lk_session *s = ctx;
    lk_evt e = {.type = LK_EVT_CARD, .arg = present};
    (void)lk_evtq_post(s->d.q, &e);
}

int lk_session_create(const lk_session_deps *d, const lk_session_cfg *cfg, lk_session **out,
                      lk_err *err)
{
    *out = NULL;
    if (!d->st || !d->loop || !d->q || !d->workers || !d->reader || !d->camera || !d->face ||
        !d->printer || (d->renderer && !d->renderer_mu))
        return lk_err_set(err, LK_EINVAL, "session: a port or service is missing");
    lk_session *s = calloc(1, sizeof *s);
    if (!s)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    s->d = *d;
    if (!s->d.clock_ms)
        s->d.clock_ms = default_clock;
    s->cfg = *cfg;
    s->view.person = &s->p.vp;
    s->view.state = LK_ST_ATTRACT;
    snprintf(s->view.lang, sizeof s->view.lang, "%s", cfg->lang);
    sess_wipe(s);
    arm_deadline(s);
    if (s->d.renderer)
        sess_warmup(s);
    s->d.reader->ops->watch(s->d.reader, on_presence, s);
    lk_evt en = {.type = LK_EVT_ENTRY};
    lk_session_states[LK_ST_ATTRACT](s, &en);
    *out = s;
    return 0;
}

void lk_session_free(lk_session *s)
{
    if (!s)
        return;
    s->d.reader->ops->watch(s->d.reader, NULL, NULL);
    sess_wipe(s);
    free(s);
}

static long cfg_int(lk_store *st, const char *key, long def, long lo, long hi)
{
    long long v;
    if (lk_config_get_int(st, key, &v, NULL) != 0 || v < lo || v > hi)
        return def;
    return (long)v;
}

int lk_session_cfg_load(lk_store *st, lk_session_cfg *cfg, lk_err *err)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->screen_timeout_s = (int)cfg_int(st, "ui.screen_timeout_s", 60, 1, 3600);
    cfg->message_timeout_s = (int)cfg_int(st, "ui.message_timeout_s", 10, 1, 600);
    cfg->print_deadline_s = (int)cfg_int(st, "printer.job_deadline_s", 300, 1, 86400);
    cfg->face_max_attempts = (int)cfg_int(st, "face.max_attempts", 3, 1, 10);
    cfg->face_frames = (int)cfg_int(st, "face.frames", 5, 1, MAX_FRAMES);
    /* registry.budget_ms's range as lk_config and lk_registry hold it (100-60000). */
    cfg->lookup_budget_ms = (int)cfg_int(st, "registry.budget_ms", 2000, 100, 60000);
    cfg->preview_w = 900;
    cfg->preview_h = 640;
    char *v = NULL;
    cfg->face_threshold = 0.8;
    if (lk_config_get(st, "face.threshold", &v, NULL, NULL) == 0) {
        char *end;
        double t = strtod(v, &end);
        if (end != v && *end == '\0' && t > 0)
            cfg->face_threshold = t;
        free(v);
    }
    snprintf(cfg->lang, sizeof cfg->lang, "zh-CN");
    if (lk_config_get(st, "ui.language", &v, NULL, err) == 0) {
        if (strcmp(v, "en") == 0)
            snprintf(cfg->lang, sizeof cfg->lang, "en");
        free(v);
    }
    return 0;
}
