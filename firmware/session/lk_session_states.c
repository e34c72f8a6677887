/* lk_session_states: one handler per screen of the customer flow. A handler returns
 * SM_UNHANDLED for what it leaves to the superstate (cancel, timeout, card removal, language).
 * Entry and exit start and stop what the state needs (jobs, camera). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_counter.h"
#include "kiosk/lk_counter_names.h"
#include "lk_session_int.h"

static int is_intent(const lk_evt *e, lk_intent i)
{
    return e->type == LK_EVT_INTENT && e->code == (int)i;
}

static sm_ret st_attract(lk_session *s, const lk_evt *e)
{
    if (e->type == LK_EVT_ENTRY) {
        sess_wipe(s);
        s->view.reason = LK_REASON_NONE;
        return SM_HANDLED;
    }
    if (is_intent(e, LK_INTENT_START)) {
        sess_started(s);
        sess_transition(s, LK_ST_ROLE);
        return SM_HANDLED;
    }
    return SM_UNHANDLED;
}

static sm_ret st_role(lk_session *s, const lk_evt *e)
{
    if (is_intent(e, LK_INTENT_ROLE_HOLDER) || is_intent(e, LK_INTENT_ROLE_AGENT)) {
        s->view.role_agent = is_intent(e, LK_INTENT_ROLE_AGENT);
        sess_transition(s, LK_ST_DOCUMENT);
        return SM_HANDLED;
    }
    if (is_intent(e, LK_INTENT_BACK)) {
        sess_outcome_abandoned(s);
        sess_transition(s, LK_ST_ATTRACT);
        return SM_HANDLED;
    }
    return SM_UNHANDLED;
}

static sm_ret st_document(lk_session *s, const lk_evt *e)
{
    if (is_intent(e, LK_INTENT_DOC_ID) || is_intent(e, LK_INTENT_DOC_PASSPORT)) {
        s->view.doc = is_intent(e, LK_INTENT_DOC_ID) ? LK_DOC_RESIDENT_ID : LK_DOC_PASSPORT;
        sess_transition(s, LK_ST_CONSENT);
        return SM_HANDLED;
    }
    if (is_intent(e, LK_INTENT_BACK)) {
        sess_transition(s, LK_ST_ROLE);
        return SM_HANDLED;
    }
    return SM_UNHANDLED;
}

static sm_ret st_consent(lk_session *s, const lk_evt *e)
{
    if (is_intent(e, LK_INTENT_TOGGLE_DATA) || is_intent(e, LK_INTENT_TOGGLE_FACE)) {
        int *v =
            is_intent(e, LK_INTENT_TOGGLE_DATA) ? &s->view.consent_data : &s->view.consent_face;
        *v = !*v;
        s->view.hint = LK_HINT_NONE;
        sess_changed(s);
        return SM_HANDLED;
    }
    if (is_intent(e, LK_INTENT_CONTINUE)) {
        if (!s->view.consent_data || !s->view.consent_face) {
            s->view.hint = LK_HINT_CONSENT_NEEDED;
            sess_changed(s);
        } else {
            sess_audit(s, "consent.given", "{\"data\":true,\"face\":true}");
            sess_transition(s, s->view.doc == LK_DOC_PASSPORT ? LK_ST_MRZ : LK_ST_TAP_CARD);
        }
        return SM_HANDLED;
    }
    if (is_intent(e, LK_INTENT_STAFFED)) {
        sess_end(s, LK_ST_STAFF, LK_REASON_STAFFED_WINDOW);
        return SM_HANDLED;
    }
    if (is_intent(e, LK_INTENT_BACK)) {
        sess_transition(s, LK_ST_DOCUMENT);
        return SM_HANDLED;
    }
    return SM_UNHANDLED;
}

static void lookup_start(lk_session *s);
static void lookup_done(lk_session *s, const lk_evt *e);

/* MRZ ----------------------------------------------------------------------------------- */

static const size_t mrz_len[3] = {9, 6, 6};

static void mrz_key(lk_session *s, char c)
{
    int f = s->view.mrz_field;
    char *v = s->p.vp.mrz[f];
    size_t n = strlen(v);
    c = (char)toupper((unsigned char)c);
    int ok = f == 0 ? (isalnum((unsigned char)c) || c == '<') : isdigit((unsigned char)c);
    if (!ok)
        return;
    if (n >= mrz_len[f]) {
        if (f == 2 || f == 0) /* the number may be shorter than 9: move on only when full */
            return;
        s->view.mrz_field = ++f;
        v = s->p.vp.mrz[f];
        n = strlen(v);
    }
    v[n] = c;
    v[n + 1] = '\0';
    if (n + 1 == mrz_len[f] && f < 2)
        s->view.mrz_field = f + 1;
}

static int mrz_valid(const lk_session *s)
{
    const char(*m)[16] = s->p.vp.mrz;
    if (strlen(m[0]) < 1 || strlen(m[1]) != 6 || strlen(m[2]) != 6)
        return 0;
    int mon = (m[1][2] - '0') * 10 + (m[1][3] - '0'), day = (m[1][4] - '0') * 10 + (m[1][5] - '0');
    return mon >= 1 && mon <= 12 && day >= 1 && day <= 31;
}

static void mrz_submit(lk_session *s)
{
    if (!mrz_valid(s)) {
        s->view.hint = LK_HINT_MRZ_INVALID;
        sess_changed(s);
        return;
    }
    memcpy(s->p.keys.doc_number, s->p.vp.mrz[0], sizeof s->p.keys.doc_number);
    memcpy(s->p.keys.birth, s->p.vp.mrz[1], sizeof s->p.keys.birth);
    memcpy(s->p.keys.expiry, s->p.vp.mrz[2], sizeof s->p.keys.expiry);
    sess_transition(s, LK_ST_TAP_CARD);
}

static sm_ret st_mrz(lk_session *s, const lk_evt *e)
{
    if (e->type != LK_EVT_INTENT)
        return SM_UNHANDLED;
    switch ((lk_intent)e->code) {
    case LK_INTENT_FIELD:
        if (e->arg >= 0 && e->arg < 3)
            s->view.mrz_field = e->arg;
        break;
    case LK_INTENT_KEY:
        mrz_key(s, (char)e->arg);
        break;
    case LK_INTENT_TYPE:
        for (const char *c = e->text; *c; c++)
            mrz_key(s, *c);
        break;
    case LK_INTENT_ERASE: {
        char *v = s->p.vp.mrz[s->view.mrz_field];
        size_t n = strlen(v);
        if (n)
            v[n - 1] = '\0';
        else if (s->view.mrz_field > 0)
            s->view.mrz_field--;
        break;
    }
    case LK_INTENT_CONTINUE:
        mrz_submit(s);
        return SM_HANDLED;
    case LK_INTENT_BACK:
        sess_transition(s, LK_ST_CONSENT);
        return SM_HANDLED;
    default:
        return SM_UNHANDLED;
    }
    s->view.hint = LK_HINT_NONE;
    sess_changed(s);
    return SM_HANDLED;
}

/* Card ---------------------------------------------------------------------------------- */

static void read_done(lk_session *s, const lk_evt *e)
{
    if (e->code == 0) {
        sess_take_read(s, e->ptr);
        memcpy(s->p.vp.masked, s->p.id.masked, sizeof s->p.vp.masked);
        /* Name for display: first character (one UTF-8 sequence) and stars. */
        const char *n = s->p.id.name;
        size_t first = 1;
        while (n[first] && ((unsigned char)n[first] & 0xC0) == 0x80)
            first++;
        snprintf(s->p.vp.name_masked, sizeof s->p.vp.name_masked, "%.*s**", (int)first, n);
        sess_count(s, LK_CTR_READER_OK);
        sess_transition(s, LK_ST_FACE);
    } else if (e->code == LK_EIO) {
        sess_end(s, LK_ST_ENDED, LK_REASON_CARD_REMOVED);
    } else if (e->code == LK_EPROTO && s->view.doc == LK_DOC_PASSPORT) {
        sess_transition(s, LK_ST_MRZ);
        s->view.hint = LK_HINT_MRZ_REJECTED;
    } else {
        sess_end(s, LK_ST_STAFF,
                 e->code == LK_ENOTSUP ? LK_REASON_WRONG_DOCUMENT : LK_REASON_READ_FAILED);
    }
}

static sm_ret st_tap_card(lk_session *s, const lk_evt *e)
{
    if (e->type == LK_EVT_ENTRY) {
        if (sess_job_read(s) != 0)
            sess_end(s, LK_ST_STAFF, LK_REASON_SYSTEM);
        return SM_HANDLED;
    }
    if (e->type == LK_EVT_READ_PROGRESS) {
        sess_transition(s, LK_ST_READING); /* the read job carries on into the next screen */
        s->view.read_percent = e->arg;
        return SM_HANDLED;
    }
    if (e->type == LK_EVT_JOB_DONE) {
        read_done(s, e);
        return SM_HANDLED;
    }
    if (is_intent(e, LK_INTENT_BACK)) {
        sess_cancel_job(s);
        sess_transition(s, s->view.doc == LK_DOC_PASSPORT ? LK_ST_MRZ : LK_ST_CONSENT);
        return SM_HANDLED;
    }
    return SM_UNHANDLED;
}

static sm_ret st_reading(lk_session *s, const lk_evt *e)
{
    if (e->type == LK_EVT_READ_PROGRESS) {
        s->view.read_percent = e->arg;
        sess_changed(s);
        return SM_HANDLED;
    }
    if (e->type == LK_EVT_JOB_DONE) {
        read_done(s, e);
        return SM_HANDLED;
    }
    return SM_UNHANDLED;
}

/* Face ---------------------------------------------------------------------------------- */

static void on_frame(void *ctx, int fd, uint32_t events)
{
    (void)fd;
    (void)events;
    lk_session *s = ctx;
    lk_evt e = {.type = LK_EVT_CAM_FRAME};
    lk_session_handle(s, &e);
}

static int camera_on(lk_session *s)
{
    lk_cam *c = s->d.camera;
    if (c->ops->start(c, NULL) != 0)
        return LK_ENODEV;
    int fd = c->ops->fd(c);
    if (fd < 0 || lk_loop_watch(s->d.loop, fd, 0x001 /* EPOLLIN */, on_frame, s) != 0) {
        c->ops->stop(c);
        return LK_ENODEV;
    }
    s->cam_on = 1;
    return 0;
}

static void camera_off(lk_session *s)
{
    if (!s->cam_on)
        return;
    lk_loop_unwatch(s->d.loop, s->d.camera->ops->fd(s->d.camera));
    s->d.camera->ops->stop(s->d.camera);
    s->cam_on = 0;
}

static void collect_start(lk_session *s)
{
    for (int i = 0; i < MAX_FRAMES; i++)
        lk_frame_wipe(&s->p.frames[i]);
    s->p.n_frames = 0;
    s->collecting = 1;
    s->view.hint = LK_HINT_FACE_HOLD;
    sess_changed(s);
}

static void frame_in(lk_session *s)
{
    int rc = s->d.camera->ops->grab(s->d.camera, &s->p.vp.frame, NULL);
    if (rc != 1)
        return;
    s->view.frame_gen++;
    if (!s->collecting || s->view.face_busy)
        return;
    if (lk_frame_copy(&s->p.frames[s->p.n_frames], &s->p.vp.frame) != 0)
        return;
    if (++s->p.n_frames < s->cfg.face_frames)
        return;
    s->collecting = 0;
    if (sess_job_face(s) != 0) {
        sess_end(s, LK_ST_STAFF, LK_REASON_SYSTEM);
        return;
    }
    s->view.face_busy = 1;
    s->view.hint = LK_HINT_FACE_CHECKING;
    sess_changed(s);
}

static void face_done(lk_session *s, const lk_evt *e)
{
    s->view.face_busy = 0;
    for (int i = 0; i < MAX_FRAMES; i++) /* matched or not, these frames are done with */
        lk_frame_wipe(&s->p.frames[i]);
    s->p.n_frames = 0;
    if (e->code != 0) {
        sess_count(s, LK_CTR_FACE_ERROR);
        sess_end(s, LK_ST_STAFF, LK_REASON_FACE_ERROR);
        return;
    }
    lk_face_result r = sess_face_result(e->ptr);
    s->view.face_attempt++;
    if (r.verdict == LK_FACE_MATCH) {
        sess_count(s, LK_CTR_FACE_MATCH);
        lookup_start(s);
        return;
    }
    sess_count(s, r.verdict == LK_FACE_NOT_LIVE  ? LK_CTR_FACE_NO_LIVENESS
                  : r.verdict == LK_FACE_NO_FACE ? LK_CTR_FACE_NO_FACE
                                                 : LK_CTR_FACE_NO_MATCH);
    if (s->view.face_attempt >= s->cfg.face_max_attempts) {
        sess_end(s, LK_ST_STAFF, LK_REASON_FACE_FAILED);
        return;
    }
    s->view.hint = r.verdict == LK_FACE_NOT_LIVE  ? LK_HINT_FACE_NOT_LIVE
                   : r.verdict == LK_FACE_NO_FACE ? LK_HINT_FACE_NO_FACE
                                                  : LK_HINT_FACE_NO_MATCH;
    sess_changed(s);
}

static sm_ret st_face(lk_session *s, const lk_evt *e)
{
    switch (e->type) {
    case LK_EVT_ENTRY:
        s->view.face_max = s->cfg.face_max_attempts;
        if (camera_on(s) != 0) {
            sess_end(s, LK_ST_STAFF, LK_REASON_FACE_ERROR);
            return SM_HANDLED;
        }
        collect_start(s);
        return SM_HANDLED;
    case LK_EVT_EXIT:
        camera_off(s);
        lk_frame_wipe(&s->p.vp.frame);
        return SM_HANDLED;
    case LK_EVT_CAM_FRAME:
        frame_in(s);
        return SM_HANDLED;
    case LK_EVT_JOB_DONE:
        if (s->job == JOB_LOOKUP)
            lookup_done(s, e);
        else
            face_done(s, e);
        return SM_HANDLED;
    default:
        break;
    }
    if (is_intent(e, LK_INTENT_RETRY) && !s->view.face_busy && !s->collecting) {
        collect_start(s);
        return SM_HANDLED;
    }
    return SM_UNHANDLED;
}

/* License lookup and choice ------------------------------------------------------------- */

static void lookup_audit(lk_session *s, const lk_lookup_info *info)
{
    char detail[96];
    snprintf(detail, sizeof detail, "{\"source\":\"%s\",\"elapsed_ms\":%lld}",
             !s->d.lookup ? "store"
             : info->live ? "registry"
                          : "local_fallback",
             info->elapsed_ms);
    sess_audit(s, "lookup.done", detail);
}

/* The lookup is over: the plain number has done its only job; show what was found. */
static void show_found(lk_session *s, const sess_found *f)
{
    explicit_bzero(s->p.id.number, sizeof s->p.id.number);
    s->view.face_busy = 0;
    memcpy(s->p.vp.lic, f->lic, sizeof s->p.vp.lic);
    s->p.vp.n_lic = f->n_lic;
    s->p.vp.n_lic_more = f->more;
    if (s->p.vp.n_lic == 0) {
        s->view.reason = f->other_role ? LK_REASON_NOT_AUTHORISED : LK_REASON_NOT_FOUND;
        sess_transition(s, LK_ST_NO_LICENSE);
    } else {
        sess_transition(s, LK_ST_CHOOSE);
    }
}

/* Answers from the local store, on the loop thread (a local indexed query). */
static int find_local(lk_session *s, sess_found *f)
{
    sess_find q = {.f = f, .want = s->view.role_agent == 1 ? "agent" : "holder"};
    memset(f, 0, sizeof *f);
    return lk_store_find_by_doc(s->d.st, s->p.id.doc_type, s->p.id.number, sess_on_match, &q, NULL);
}

/* Answers from the local store (no lookup port, or the port overdue); info is audited. */
static void lookup_local(lk_session *s, const lk_lookup_info *info)
{
    sess_found f;
    int rc = find_local(s, &f);
    if (rc < 0) {
        explicit_bzero(&f, sizeof f);
        sess_end(s, LK_ST_STAFF, LK_REASON_SYSTEM);
        return;
    }
    lookup_audit(s, info);
    show_found(s, &f);
    explicit_bzero(&f, sizeof f);
}

/* Face matched: find the licenses, on a worker when a lookup port (the registry) is wired. */
static void lookup_start(lk_session *s)
{
    if (!s->d.lookup) {
        lookup_local(s, &(lk_lookup_info){0});
        return;
    }
    if (sess_job_lookup(s) != 0) {
        sess_end(s, LK_ST_STAFF, LK_REASON_SYSTEM);
        return;
    }
    /* The port answers within the budget, local answer included (it keeps a reserve of it for
     * that); the session waits on the worker no longer than the budget either. */
    s->lookup_deadline_ms = sess_now(s) + (uint64_t)s->cfg.lookup_budget_ms;
    s->view.face_busy = 1; /* no retry while we look */
    s->view.hint = LK_HINT_LOOKUP;
    sess_changed(s);
}

static void lookup_done(lk_session *s, const lk_evt *e)
{
    s->lookup_deadline_ms = 0;
    s->job = JOB_NONE;
    if (e->code != 0) {
        sess_end(s, LK_ST_STAFF, LK_REASON_SYSTEM);
        return;
    }
    lk_lookup_info info;
    const sess_found *f = sess_lookup_found(e->ptr, &info);
    lookup_audit(s, &info);
    show_found(s, f);
}

/* The lookup port did not answer within the budget (a hung network call, a locked
 * database): stop waiting, answer from the local copy and say so in the audit log. Its late
 * answer, if any, is dropped as stale. */
void sess_lookup_overdue(lk_session *s)
{
    char detail[160];
    s->lookup_deadline_ms = 0;
    sess_cancel_job(s);
    snprintf(detail, sizeof detail,
             "{\"reason\":\"no answer within the session budget\",\"budget_ms\":%d,"
             "\"waited_ms\":%d}",
             s->cfg.lookup_budget_ms, s->cfg.lookup_budget_ms);
    sess_audit(s, "registry.fallback", detail);
    lookup_local(s, &(lk_lookup_info){.elapsed_ms = s->cfg.lookup_budget_ms});
}

/* The revocation gate on the loop: 1 printable, 0 revoked or unknown, whatever was cached. */
static int record_printable(lk_session *s, const lk_record *rec)
{
    if (!rec->status || strcmp(rec->status, "approved") != 0)
        return 0;
    return !s->d.lookup || s->d.lookup->ops->printable(s->d.lookup, s->d.st, rec->uscc, NULL) == 0;
}

static int uscc_printable(lk_session *s, const char *uscc)
{
    lk_record *rec = NULL;
    if (lk_store_get_record(s->d.st, uscc, &rec, NULL) != 0)
        return 0;
    int ok = record_printable(s, rec);
    lk_record_free(rec);
    return ok;
}

/* Takes licenses revoked since the lookup off the list; 1 when the list changed. */
static int drop_revoked(lk_session *s)
{
    lk_view_person *vp = &s->p.vp;
    int kept = 0;
    for (int i = 0; i < vp->n_lic; i++)
        if (uscc_printable(s, vp->lic[i].uscc))
            vp->lic[kept++] = vp->lic[i];
    int changed = kept != vp->n_lic;
    for (int i = kept; i < vp->n_lic; i++)
        explicit_bzero(&vp->lic[i], sizeof vp->lic[i]);
    vp->n_lic = kept;
    return changed;
}

static void choose_enter(lk_session *s)
{
    if (drop_revoked(s))
        sess_count(s, LK_CTR_LOOKUP_REVOKED);
    if (s->p.vp.n_lic == 0) {
        s->view.reason = LK_REASON_REVOKED;
        sess_transition(s, LK_ST_NO_LICENSE);
    }
}

static sm_ret st_choose(lk_session *s, const lk_evt *e)
{
    if (e->type == LK_EVT_ENTRY) {
        choose_enter(s);
        return SM_HANDLED;
    }
    if (is_intent(e, LK_INTENT_SELECT) && e->arg >= 0 && e->arg < s->p.vp.n_lic) {
        s->view.selected = e->arg;
        sess_transition(s, LK_ST_PREVIEW);
        return SM_HANDLED;
    }
    return SM_UNHANDLED;
}

static sm_ret st_no_license(lk_session *s, const lk_evt *e)
{
    if (e->type == LK_EVT_ENTRY) {
        lk_reason r = s->view.reason;
        sess_outcome_ended(s, r); /* not found, not in this role, or revoked */
        sess_wipe(s);             /* nothing more to do with this person's data */
        s->view.reason = r;
        return SM_HANDLED;
    }
    if (is_intent(e, LK_INTENT_OK) || e->type == LK_EVT_TIMEOUT) {
        sess_transition(s, LK_ST_ATTRACT);
        return SM_HANDLED;
    }
    return SM_UNHANDLED;
}

/* Preview and print --------------------------------------------------------------------- */

static lk_record *selected_record(lk_session *s)
{
    lk_record *rec = NULL;
    if (lk_store_get_record(s->d.st, s->p.vp.lic[s->view.selected].uscc, &rec, NULL) != 0)
        return NULL;
    return rec;
}

/* A revoked license ends the session before anything of it is shown or printed again. */
static int refuse_revoked(lk_session *s, lk_record *rec)
{
    if (record_printable(s, rec))
        return 0;
    char detail[96];
    snprintf(detail, sizeof detail, "{\"uscc\":\"%s\",\"reason\":\"revoked\"}", rec->uscc);
    lk_record_free(rec);
    sess_audit(s, "print.refused", detail);
    sess_count(s, LK_CTR_PRINT_REFUSED);
    sess_end(s, LK_ST_ENDED, LK_REASON_REVOKED);
    return 1;
}

static void preview_enter(lk_session *s)
{
    lk_record *rec = selected_record(s);
    if (rec && refuse_revoked(s, rec))
        return;
    if (!s->d.renderer) {
        lk_record_free(rec);
        return;
    }
    if (!rec || sess_job_render(s, rec) != 0) {
        sess_end(s, LK_ST_STAFF, LK_REASON_SYSTEM);
        return;
    }
    s->view.preview_busy = 1;
}

static void preview_done(lk_session *s, const lk_evt *e)
{
    s->view.preview_busy = 0;
    cairo_surface_t *sf = e->code == 0 ? sess_take_preview(e->ptr) : NULL;
    if (!sf) {
        sess_end(s, LK_ST_STAFF, LK_REASON_SYSTEM);
        return;
    }
    s->p.preview = sf;
    s->p.vp.preview = cairo_image_surface_get_data(sf);
    s->p.vp.preview_w = cairo_image_surface_get_width(sf);
    s->p.vp.preview_h = cairo_image_surface_get_height(sf);
    s->p.vp.preview_stride = cairo_image_surface_get_stride(sf);
    sess_changed(s);
}

static sm_ret st_preview(lk_session *s, const lk_evt *e)
{
    if (e->type == LK_EVT_ENTRY) {
        preview_enter(s);
        return SM_HANDLED;
    }
    if (e->type == LK_EVT_JOB_DONE) {
        preview_done(s, e);
        return SM_HANDLED;
    }
    if (is_intent(e, LK_INTENT_PRINT) && !s->view.preview_busy) {
        sess_transition(s, LK_ST_PRINTING);
        return SM_HANDLED;
    }
    if (is_intent(e, LK_INTENT_BACK)) {
        sess_cancel_job(s);
        s->view.preview_busy = 0;
        sess_transition(s, LK_ST_CHOOSE);
        return SM_HANDLED;
    }
    return SM_UNHANDLED;
}

static void print_next(lk_session *s)
{
    lk_record *rec = selected_record(s);
    if (rec && refuse_revoked(s, rec))
        return;
    if (!rec || sess_job_print(s, rec, s->view.copy_idx) != 0)
        sess_end(s, LK_ST_STAFF, LK_REASON_SYSTEM);
}

static void print_done(lk_session *s, const lk_evt *e)
{
    char detail[96];
    snprintf(detail, sizeof detail, "{\"uscc\":\"%s\",\"copy\":%d,\"result\":%d}",
             s->p.vp.lic[s->view.selected].uscc, s->view.copy_idx, e->code);
    if (e->code == LK_PRN_COMPLETED) {
        sess_audit(s, "print.completed", detail);
        lk_log_write(s->d.log, LK_LOG_INFO, "print", "copy %d of %d completed",
                     s->view.copy_idx + 1, s->view.copy_total);
        sess_count(s, LK_CTR_PRINT_COMPLETED);
        if (++s->view.copy_idx < s->view.copy_total) {
            sess_changed(s);
            print_next(s);
        } else {
            sess_transition(s, LK_ST_DONE);
        }
        return;
    }
    sess_audit(s, "print.failed", detail);
    lk_log_write(s->d.log, LK_LOG_ERROR, "print", "copy %d of %d failed: %s (printer: %s)",
                 s->view.copy_idx + 1, s->view.copy_total,
                 e->code == LK_PRN_UNCERTAIN ? "uncertain"
                 : e->code == LK_ECANCELED   ? "refused"
                                             : "fault",
                 s->view.prn_dev.reason[0] ? s->view.prn_dev.reason : "-");
    sess_count(s, LK_CTR_PRINT_FAILED);
    if (e->code == LK_ECANCELED) { /* the print journal's own revocation gate refused it */
        sess_end(s, LK_ST_ENDED, LK_REASON_REVOKED);
        return;
    }
    sess_end(s, LK_ST_STAFF,
             e->code == LK_PRN_UNCERTAIN ? LK_REASON_PRINT_UNCERTAIN : LK_REASON_PRINTER_FAULT);
}

static sm_ret st_printing(lk_session *s, const lk_evt *e)
{
    switch (e->type) {
    case LK_EVT_ENTRY:
        s->view.copy_idx = 0;
        s->view.copy_total = 1 + s->p.vp.lic[s->view.selected].duplicates;
        print_next(s);
        return SM_HANDLED;
    case LK_EVT_PRN_PROGRESS:
        if (e->arg != (int)s->view.prn_dev.status &&
            (e->arg == LK_DEVICE_FAULT || e->arg == LK_DEVICE_WARNING))
            lk_log_write(s->d.log, e->arg == LK_DEVICE_FAULT ? LK_LOG_ERROR : LK_LOG_WARN,
                         "printer", "%s: %s", lk_device_status_name((lk_device_status)e->arg),
                         e->text[0] ? e->text : "-");
        s->view.prn_phase = e->code;
        s->view.prn_dev.status = (lk_device_status)e->arg;
        snprintf(s->view.prn_dev.reason, sizeof s->view.prn_dev.reason, "%s", e->text);
        sess_changed(s);
        return SM_HANDLED;
    case LK_EVT_JOB_DONE:
        print_done(s, e);
        return SM_HANDLED;
    case LK_EVT_TIMEOUT: /* the job deadline: nobody can say whether it printed */
        sess_end(s, LK_ST_STAFF, LK_REASON_PRINT_UNCERTAIN);
        return SM_HANDLED;
    default:
        return SM_UNHANDLED;
    }
}

void lk_session_records_changed(lk_session *s)
{
    lk_state st = s->view.state;
    if (st == LK_ST_CHOOSE && drop_revoked(s)) {
        sess_count(s, LK_CTR_LOOKUP_REVOKED);
        if (s->p.vp.n_lic == 0) {
            s->view.reason = LK_REASON_REVOKED;
            sess_transition(s, LK_ST_NO_LICENSE);
        } else {
            sess_changed(s);
        }
    } else if (st == LK_ST_PREVIEW) {
        lk_record *rec = selected_record(s);
        if (rec && !refuse_revoked(s, rec))
            lk_record_free(rec);
    }
}

/* The end ------------------------------------------------------------------------------- */

static sm_ret st_done(lk_session *s, const lk_evt *e)
{
    if (e->type == LK_EVT_ENTRY) {
        sess_outcome_completed(s);
        sess_wipe(s); /* printed: the person's data is no longer needed */
        return SM_HANDLED;
    }
    if (is_intent(e, LK_INTENT_OK) || (e->type == LK_EVT_CARD && e->arg == 0)) {
        sess_transition(s, LK_ST_RATING);
        return SM_HANDLED;
    }
    return SM_UNHANDLED;
}

static sm_ret st_rating(lk_session *s, const lk_evt *e)
{
    static const char *const names[] = {LK_CTR_RATING_VERY_SATISFIED, LK_CTR_RATING_SATISFIED,
                                        LK_CTR_RATING_BASIC, LK_CTR_RATING_DISSATISFIED,
                                        LK_CTR_RATING_VERY_DISSATISFIED};
    if (is_intent(e, LK_INTENT_RATE) && e->arg >= 1 && e->arg <= 5) {
        sess_count(s, names[e->arg - 1]);
        sess_end(s, LK_ST_ENDED, LK_REASON_THANKS);
        return SM_HANDLED;
    }
    if (e->type == LK_EVT_TIMEOUT || is_intent(e, LK_INTENT_OK)) {
        sess_transition(s, LK_ST_ATTRACT);
        return SM_HANDLED;
    }
    return SM_UNHANDLED;
}

static sm_ret st_message(lk_session *s, const lk_evt *e)
{
    if (is_intent(e, LK_INTENT_OK) || e->type == LK_EVT_TIMEOUT) {
        sess_transition(s, LK_ST_ATTRACT);
        return SM_HANDLED;
    }
    return SM_UNHANDLED;
}

const state_fn lk_session_states[LK_ST_COUNT] = {
    [LK_ST_ATTRACT] = st_attract,   [LK_ST_ROLE] = st_role,
    [LK_ST_DOCUMENT] = st_document, [LK_ST_CONSENT] = st_consent,
    [LK_ST_MRZ] = st_mrz,           [LK_ST_TAP_CARD] = st_tap_card,
    [LK_ST_READING] = st_reading,   [LK_ST_FACE] = st_face,
    [LK_ST_CHOOSE] = st_choose,     [LK_ST_NO_LICENSE] = st_no_license,
    [LK_ST_PREVIEW] = st_preview,   [LK_ST_PRINTING] = st_printing,
    [LK_ST_DONE] = st_done,         [LK_ST_RATING] = st_rating,
    [LK_ST_STAFF] = st_message,     [LK_ST_ENDED] = st_message,
};
