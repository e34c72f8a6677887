/* test_session: the session machine driven end to end with the simulated ports over a real
 * store: the happy path to the rating, and every way a session ends early, each followed by a
 * check that the session's personal-data block is all zero and by what the diagnostics'
 * counters report (lk_diag_counters) of the session's outcome, cause, face checks and rating. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kiosk/lk_counter.h"
#include "kiosk/lk_diag.h"
#include "kiosk/lk_import.h"
#include "kiosk/lk_session.h"
#include "lk_sim.h"
#include "lk_testutil.h"

/* The second sample record: holder 310104195404094012, 1 副本; the first record's agent
 * 14010519701104291X. */
#define HOLDER_ID "310104195404094012"
#define AGENT_ID  "14010519701104291X"

/* cairo 1.16's PDF font subsetter leaks one small array per embedded font (the sim printer
 * renders PDFs); see tools/kioskctl/kctl_lsan.c. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libcairo.so\n";
}

typedef struct T {
    lk_test_fixture fx;
    lk_loop *loop;
    lk_evtq *q;
    lk_workers *w;
    lk_docreader *idr;
    lk_cam *cam;
    lk_facecheck *face;
    lk_prn *prn;
    lk_template *tpl;
    lk_renderer *r;
    pthread_mutex_t render_mu;
    lk_session *s;
    uint64_t skew_ms; /* added to the clock: how tests make time pass */
    char card[160];
} T;

static uint64_t test_clock(void *ctx)
{
    return lk_loop_now_ms() + ((T *)ctx)->skew_ms;
}

static void on_events(void *ctx, int fd, uint32_t events)
{
    (void)fd;
    (void)events;
    T *t = ctx;
    lk_evt e;
    while (lk_evtq_pop(t->q, &e) == 1)
        lk_session_handle(t->s, &e);
}

static char *template_path(void)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/../../assets/templates/license-2019.json",
             getenv("LK_TEST_DATA"));
    return path;
}

static void import_samples(T *t)
{
    char path[512];
    snprintf(path, sizeof path, "%s/records-sample.jsonl", getenv("LK_TEST_DATA"));
    lk_import_stats st;
    assert_int_equal(
        lk_import_file(t->fx.st, path, LK_IMPORT_JSONL, "test", 20260101, NULL, NULL, &st, NULL),
        0);
}

static int setup(void **state)
{
    lk_test_setup_open(state);
    T *t = calloc(1, sizeof *t);
    t->fx = *(lk_test_fixture *)*state;
    free(*state);
    *state = t;
    import_samples(t);
    assert_int_equal(lk_loop_create(&t->loop, NULL), 0);
    assert_int_equal(lk_evtq_create(256, &t->q, NULL), 0);
    assert_int_equal(lk_workers_create(2, t->q, &t->w, NULL), 0);
    assert_int_equal(lk_idr_sim_create(&t->idr, NULL), 0);
    assert_int_equal(lk_cam_sim_create(60, &t->cam, NULL), 0);
    assert_int_equal(lk_face_sim_create(&t->face, NULL), 0);
    assert_int_equal(lk_prn_sim_create(template_path(), t->fx.dir, &t->prn, NULL), 0);
    assert_int_equal(lk_template_load(template_path(), &t->tpl, NULL), 0);
    assert_int_equal(lk_render_create(t->tpl, &t->r, NULL), 0);
    assert_int_equal(lk_loop_watch(t->loop, lk_evtq_fd(t->q), 1, on_events, t), 0);
    lk_session_deps d = {.st = t->fx.st,
                         .loop = t->loop,
                         .q = t->q,
                         .workers = t->w,
                         .reader = t->idr,
                         .camera = t->cam,
                         .face = t->face,
                         .printer = t->prn,
                         .renderer = t->r,
                         .renderer_mu = &t->render_mu,
                         .clock_ms = test_clock,
                         .clock_ctx = t};
    pthread_mutex_init(&t->render_mu, NULL);
    lk_session_cfg cfg;
    assert_int_equal(lk_session_cfg_load(t->fx.st, &cfg, NULL), 0);
    cfg.preview_w = 300;
    cfg.preview_h = 200;
    assert_int_equal(lk_session_create(&d, &cfg, &t->s, NULL), 0);
    snprintf(t->card, sizeof t->card, "%s/card.json", t->fx.dir);
    return 0;
}

static int teardown(void **state)
{
    T *t = *state;
    lk_session_free(t->s);
    lk_workers_free(t->w);
    lk_evtq_free(t->q);
    t->idr->ops->close(t->idr);
    t->cam->ops->close(t->cam);
    t->face->ops->close(t->face);
    t->prn->ops->close(t->prn);
    lk_render_free(t->r);
    pthread_mutex_destroy(&t->render_mu);
    lk_template_free(t->tpl);
    lk_loop_free(t->loop);
    lk_test_fixture *fx = malloc(sizeof *fx);
    *fx = t->fx;
    free(t);
    *state = fx;
    return lk_test_teardown(state);
}

/* What the technician's counters report (lk_diag_counters) says of `name` in `family`, all
 * time; the day's figure must agree. The session is the producer under test. */
static int ctr(T *t, const char *family, const char *name)
{
    lk_err err = {0};
    cJSON *r = lk_diag_counters(t->fx.st, NULL, NULL, &err);
    if (!r)
        fail_msg("counters: %s", err.msg);
    cJSON *f = cJSON_GetObjectItem(r, family);
    cJSON *total = cJSON_GetObjectItem(cJSON_GetObjectItem(f, "total"), name);
    cJSON *day = cJSON_GetObjectItem(cJSON_GetObjectItem(f, "in_range"), name);
    int v = total ? (int)total->valuedouble : 0;
    assert_int_equal(day ? (int)day->valuedouble : 0, v);
    cJSON_Delete(r);
    return v;
}

/* sessions started / completed / abandoned / failed, in one call. */
static void expect_sessions(T *t, int started, int completed, int abandoned, int failed)
{
    assert_int_equal(ctr(t, "sessions", "started"), started);
    assert_int_equal(ctr(t, "sessions", "completed"), completed);
    assert_int_equal(ctr(t, "sessions", "abandoned"), abandoned);
    assert_int_equal(ctr(t, "sessions", "failed"), failed);
}

static const lk_view *V(T *t)
{
    return lk_session_view(t->s);
}

/* Runs the loop until the session reaches `want` (or 5 s pass). */
static void run_until(T *t, lk_state want)
{
    uint64_t end = lk_loop_now_ms() + 20000; /* rendering is slow under ASan */
    while (V(t)->state != want && lk_loop_now_ms() < end) {
        lk_loop_run_once(t->loop, 5);
        lk_session_tick(t->s);
    }
    if (V(t)->state != want)
        fail_msg("state %s, wanted %s", lk_state_name(V(t)->state), lk_state_name(want));
}

static void run_while(T *t, int (*cond)(const lk_view *))
{
    uint64_t end = lk_loop_now_ms() + 20000; /* rendering is slow under ASan */
    while (cond(V(t)) && lk_loop_now_ms() < end)
        lk_loop_run_once(t->loop, 5);
    assert_false(cond(V(t)));
}

static void write_card(T *t, const char *doc_type, const char *number, const char *extra)
{
    FILE *f = fopen(t->card, "w");
    fprintf(f, "{\"doc_type\":\"%s\",\"number\":\"%s\",\"name\":\"杨凯福\"%s}", doc_type, number,
            extra ? extra : "");
    fclose(f);
}

static void assert_wiped(T *t)
{
    const void *p;
    size_t n;
    lk_session_personal(t->s, &p, &n);
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            fail_msg("personal data byte %zu of %zu is not zero", i, n);
}

static void intent(T *t, lk_intent i, int arg)
{
    lk_session_intent(t->s, i, arg, NULL);
}

static void to_tap_card(T *t, int agent, lk_intent doc)
{
    intent(t, LK_INTENT_START, 0);
    intent(t, agent ? LK_INTENT_ROLE_AGENT : LK_INTENT_ROLE_HOLDER, 0);
    intent(t, doc, 0);
    assert_int_equal(V(t)->state, LK_ST_CONSENT);
    intent(t, LK_INTENT_TOGGLE_DATA, 0);
    intent(t, LK_INTENT_TOGGLE_FACE, 0);
    intent(t, LK_INTENT_CONTINUE, 0);
}

static int preview_busy(const lk_view *v)
{
    return v->preview_busy || !v->person->preview;
}

static void happy_path_prints_every_copy(void **state)
{
    T *t = *state;
    write_card(t, "resident_id", HOLDER_ID, NULL);
    to_tap_card(t, 0, LK_INTENT_DOC_ID);
    assert_int_equal(V(t)->state, LK_ST_TAP_CARD);
    assert_int_equal(V(t)->step, 3);
    assert_int_equal(lk_idr_sim_insert(t->idr, t->card, NULL), 0);
    run_until(t, LK_ST_FACE);
    assert_string_equal(V(t)->person->masked, "3101**********4012");
    assert_string_equal(V(t)->person->name_masked, "杨**");
    run_until(t, LK_ST_CHOOSE);
    assert_int_equal(V(t)->person->n_lic, 1);
    assert_string_equal(V(t)->person->lic[0].uscc, "91610113M063K7F40A");
    intent(t, LK_INTENT_SELECT, 0);
    assert_int_equal(V(t)->state, LK_ST_PREVIEW);
    run_while(t, preview_busy);
    assert_int_equal(V(t)->person->preview_w, 300);
    intent(t, LK_INTENT_PRINT, 0);
    run_until(t, LK_ST_DONE);
    assert_int_equal(lk_prn_sim_printed(t->prn), 2); /* 正本 + 1 副本 */
    assert_wiped(t);
    lk_idr_sim_remove(t->idr);
    run_until(t, LK_ST_RATING);
    intent(t, LK_INTENT_RATE, 1);
    assert_int_equal(V(t)->state, LK_ST_ENDED);
    assert_int_equal(V(t)->reason, LK_REASON_THANKS);
    int64_t n = 0;
    assert_int_equal(lk_counter_get(t->fx.st, "rating.very_satisfied", &n, NULL), 0);
    assert_int_equal(n, 1);
    intent(t, LK_INTENT_OK, 0);
    assert_int_equal(V(t)->state, LK_ST_ATTRACT);
    expect_sessions(t, 1, 1, 0, 0);
    assert_int_equal(ctr(t, "ratings", "very_satisfied"), 1);
    assert_int_equal(ctr(t, "ratings", "basic"), 0);
    assert_int_equal(ctr(t, "face_checks", "match"), 1);
    /* Backing out of the first screen is a session the customer abandoned. */
    intent(t, LK_INTENT_START, 0);
    intent(t, LK_INTENT_BACK, 0);
    assert_int_equal(V(t)->state, LK_ST_ATTRACT);
    expect_sessions(t, 2, 1, 1, 0);
}

static int no_frame_yet(const lk_view *v)
{
    return v->person->frame.rgb == NULL;
}

static void timeout_mid_face_wipes_everything(void **state)
{
    T *t = *state;
    write_card(t, "resident_id", HOLDER_ID, NULL);
    lk_face_sim_set_mode(t->face, "fail");
    to_tap_card(t, 0, LK_INTENT_DOC_ID);
    assert_int_equal(lk_idr_sim_insert(t->idr, t->card, NULL), 0);
    run_until(t, LK_ST_FACE);
    run_while(t, no_frame_yet);
    assert_true(V(t)->countdown_s > 0);
    t->skew_ms += (uint64_t)V(t)->countdown_s * 1000 + 1;
    lk_session_tick(t->s);
    assert_int_equal(V(t)->state, LK_ST_ENDED);
    assert_int_equal(V(t)->reason, LK_REASON_TIMEOUT);
    assert_wiped(t);
    assert_null(V(t)->person->frame.rgb);
    expect_sessions(t, 1, 0, 0, 1);
    assert_int_equal(ctr(t, "failures", "timeout"), 1);
}

static void every_screen_times_out(void **state)
{
    T *t = *state;
    lk_intent path[] = {LK_INTENT_START, LK_INTENT_ROLE_HOLDER, LK_INTENT_DOC_PASSPORT,
                        LK_INTENT_TOGGLE_DATA};
    for (size_t depth = 1; depth <= 3; depth++) {
        for (size_t i = 0; i < depth; i++)
            intent(t, path[i], 0);
        lk_state at = V(t)->state;
        t->skew_ms += 3600 * 1000;
        lk_session_tick(t->s);
        assert_int_equal(V(t)->state, LK_ST_ENDED);
        assert_int_not_equal(at, LK_ST_ENDED);
        assert_wiped(t);
        t->skew_ms += 3600 * 1000; /* the ended screen itself times out to attract */
        lk_session_tick(t->s);
        assert_int_equal(V(t)->state, LK_ST_ATTRACT);
    }
    expect_sessions(t, 3, 0, 0, 3); /* the ended screen's own timeout is no second outcome */
    assert_int_equal(ctr(t, "failures", "timeout"), 3);
}

static int reading_started(const lk_view *v)
{
    return v->state != LK_ST_READING;
}

static void card_removed_mid_read(void **state)
{
    T *t = *state;
    write_card(t, "resident_id", HOLDER_ID, NULL);
    lk_idr_sim_set_delay(t->idr, 100);
    to_tap_card(t, 0, LK_INTENT_DOC_ID);
    assert_int_equal(lk_idr_sim_insert(t->idr, t->card, NULL), 0);
    run_while(t, reading_started);
    lk_idr_sim_remove(t->idr);
    run_until(t, LK_ST_ENDED);
    assert_int_equal(V(t)->reason, LK_REASON_CARD_REMOVED);
    assert_wiped(t);
    expect_sessions(t, 1, 0, 0, 1);
    assert_int_equal(ctr(t, "failures", "card_removed"), 1);
}

static int face_not_failed(const lk_view *v)
{
    return v->hint != LK_HINT_FACE_NO_MATCH;
}

static void three_face_failures_send_to_staff(void **state)
{
    T *t = *state;
    write_card(t, "resident_id", HOLDER_ID, NULL);
    lk_face_sim_set_mode(t->face, "fail");
    to_tap_card(t, 0, LK_INTENT_DOC_ID);
    assert_int_equal(lk_idr_sim_insert(t->idr, t->card, NULL), 0);
    run_until(t, LK_ST_FACE);
    for (int i = 1; i < 3; i++) {
        run_while(t, face_not_failed);
        assert_int_equal(V(t)->face_attempt, i);
        intent(t, LK_INTENT_RETRY, 0);
    }
    run_until(t, LK_ST_STAFF);
    assert_int_equal(V(t)->reason, LK_REASON_FACE_FAILED);
    assert_wiped(t);
    expect_sessions(t, 1, 0, 0, 1);
    assert_int_equal(ctr(t, "failures", "face_failed"), 1);
    assert_int_equal(ctr(t, "face_checks", "no_match"), 3);
    assert_int_equal(ctr(t, "face_checks", "no_liveness"), 0);
}

static int face_not_refused(const lk_view *v)
{
    return v->hint != LK_HINT_FACE_NOT_LIVE;
}

/* A frame that fails the liveness check is counted as such, not as a plain no-match. */
static void face_not_live_is_counted_apart(void **state)
{
    T *t = *state;
    write_card(t, "resident_id", HOLDER_ID, NULL);
    lk_face_sim_set_mode(t->face, "notlive");
    to_tap_card(t, 0, LK_INTENT_DOC_ID);
    assert_int_equal(lk_idr_sim_insert(t->idr, t->card, NULL), 0);
    run_until(t, LK_ST_FACE);
    run_while(t, face_not_refused);
    intent(t, LK_INTENT_CANCEL, 0);
    assert_int_equal(V(t)->reason, LK_REASON_CANCELLED);
    assert_int_equal(ctr(t, "face_checks", "no_liveness"), 1);
    assert_int_equal(ctr(t, "face_checks", "no_match"), 0);
    expect_sessions(t, 1, 0, 1, 0);
}

static void unknown_person_and_wrong_role_get_no_license(void **state)
{
    T *t = *state;
    write_card(t, "resident_id", "110101199003070134", NULL); /* in no record */
    to_tap_card(t, 0, LK_INTENT_DOC_ID);
    assert_int_equal(lk_idr_sim_insert(t->idr, t->card, NULL), 0);
    run_until(t, LK_ST_NO_LICENSE);
    assert_int_equal(V(t)->reason, LK_REASON_NOT_FOUND);
    assert_wiped(t);
    intent(t, LK_INTENT_OK, 0);
    lk_idr_sim_remove(t->idr);
    /* The agent of the first record says they are its holder: not in that role. */
    write_card(t, "resident_id", AGENT_ID, NULL);
    to_tap_card(t, 0, LK_INTENT_DOC_ID);
    assert_int_equal(lk_idr_sim_insert(t->idr, t->card, NULL), 0);
    run_until(t, LK_ST_NO_LICENSE);
    assert_int_equal(V(t)->reason, LK_REASON_NOT_AUTHORISED);
    intent(t, LK_INTENT_CANCEL, 0); /* leaving the message is not a second outcome */
    expect_sessions(t, 2, 0, 0, 2);
    assert_int_equal(ctr(t, "failures", "not_found"), 1);
    assert_int_equal(ctr(t, "failures", "not_authorised"), 1);
}

static void printer_out_of_paper_goes_to_staff(void **state)
{
    T *t = *state;
    write_card(t, "resident_id", HOLDER_ID, NULL);
    lk_prn_sim_set_fault(t->prn, "media-empty");
    to_tap_card(t, 0, LK_INTENT_DOC_ID);
    assert_int_equal(lk_idr_sim_insert(t->idr, t->card, NULL), 0);
    run_until(t, LK_ST_CHOOSE);
    intent(t, LK_INTENT_SELECT, 0);
    run_while(t, preview_busy);
    intent(t, LK_INTENT_PRINT, 0);
    intent(t, LK_INTENT_CANCEL, 0); /* cannot abandon a print half way */
    assert_int_equal(V(t)->state, LK_ST_PRINTING);
    run_until(t, LK_ST_STAFF);
    assert_int_equal(V(t)->reason, LK_REASON_PRINTER_FAULT);
    assert_int_equal(V(t)->prn_dev.status, LK_DEVICE_FAULT);
    assert_string_equal(V(t)->prn_dev.reason, "media-empty");
    assert_int_equal(lk_prn_sim_printed(t->prn), 0);
    assert_wiped(t);
    /* Failed; its cause is the print journal's to count per copy (this printer has none). */
    expect_sessions(t, 1, 0, 0, 1);
    assert_int_equal(ctr(t, "failures", "printer_fault"), 0);
}

static void consent_is_required_and_staffed_window_offered(void **state)
{
    T *t = *state;
    intent(t, LK_INTENT_START, 0);
    intent(t, LK_INTENT_ROLE_AGENT, 0);
    intent(t, LK_INTENT_DOC_ID, 0);
    intent(t, LK_INTENT_TOGGLE_DATA, 0);
    intent(t, LK_INTENT_CONTINUE, 0); /* face consent missing */
    assert_int_equal(V(t)->state, LK_ST_CONSENT);
    assert_int_equal(V(t)->hint, LK_HINT_CONSENT_NEEDED);
    intent(t, LK_INTENT_STAFFED, 0);
    assert_int_equal(V(t)->state, LK_ST_STAFF);
    assert_int_equal(V(t)->reason, LK_REASON_STAFFED_WINDOW);
    assert_int_equal(V(t)->role_agent, -1);
    expect_sessions(t, 1, 0, 1, 0);
}

static void passport_needs_the_right_mrz_keys(void **state)
{
    T *t = *state;
    write_card(t, "passport", "E12345678", ",\"birth\":\"490101\",\"expiry\":\"300101\"");
    to_tap_card(t, 1, LK_INTENT_DOC_PASSPORT);
    assert_int_equal(V(t)->state, LK_ST_MRZ);
    lk_session_intent(t->s, LK_INTENT_TYPE, 0, "E12345678");
    assert_int_equal(V(t)->mrz_field, 1);
    lk_session_intent(t->s, LK_INTENT_TYPE, 0, "490101300102"); /* wrong expiry */
    intent(t, LK_INTENT_CONTINUE, 0);
    assert_int_equal(V(t)->state, LK_ST_TAP_CARD);
    assert_int_equal(lk_idr_sim_insert(t->idr, t->card, NULL), 0);
    run_until(t, LK_ST_MRZ);
    assert_int_equal(V(t)->hint, LK_HINT_MRZ_REJECTED);
    intent(t, LK_INTENT_FIELD, 2);
    intent(t, LK_INTENT_ERASE, 0);
    intent(t, LK_INTENT_KEY, '1');
    assert_string_equal(V(t)->person->mrz[2], "300101");
    intent(t, LK_INTENT_CONTINUE, 0);
    run_until(t, LK_ST_CHOOSE); /* an agent of 914403001922038216 by passport */
    assert_string_equal(V(t)->person->lic[0].uscc, "914403001922038216");
    intent(t, LK_INTENT_CANCEL, 0);
    assert_int_equal(V(t)->reason, LK_REASON_CANCELLED);
    assert_wiped(t);
    expect_sessions(t, 1, 0, 1, 0);
}

/* A person holding more licenses than the list takes: the list is full and the rest are
 * counted, so the screen can say so. The samples' holders all become one person. */
static void more_licenses_than_the_list_are_counted(void **state)
{
    T *t = *state;
    char in[512], out[512];
    char *line = malloc(1 << 16);
    snprintf(in, sizeof in, "%s/records-sample.jsonl", getenv("LK_TEST_DATA"));
    snprintf(out, sizeof out, "%s/one-holder.jsonl", t->fx.dir);
    FILE *f = fopen(in, "r"), *g = fopen(out, "w");
    assert_non_null(f);
    assert_non_null(g);
    int approved = 0;
    while (fgets(line, 1 << 16, f)) {
        char *num = strstr(line, "\"doc_number\":\""); /* the holder's comes first */
        assert_non_null(num);
        memcpy(num + 14, "11010519491231002X", 18);
        approved += strstr(line, "\"status\":\"approved\"") != NULL;
        fputs(line, g);
    }
    fclose(f);
    fclose(g);
    free(line);
    lk_import_stats st;
    assert_int_equal(
        lk_import_file(t->fx.st, out, LK_IMPORT_JSONL, "test", 20260102, NULL, NULL, &st, NULL), 0);
    assert_true(approved > LK_VIEW_MAX_LICENSES);
    write_card(t, "resident_id", "11010519491231002X", NULL);
    to_tap_card(t, 0, LK_INTENT_DOC_ID);
    assert_int_equal(lk_idr_sim_insert(t->idr, t->card, NULL), 0);
    run_until(t, LK_ST_CHOOSE);
    assert_int_equal(V(t)->person->n_lic, LK_VIEW_MAX_LICENSES);
    assert_int_equal(V(t)->person->n_lic_more, approved - LK_VIEW_MAX_LICENSES);
    intent(t, LK_INTENT_CANCEL, 0);
    assert_wiped(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(happy_path_prints_every_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(timeout_mid_face_wipes_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(every_screen_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(card_removed_mid_read, setup, teardown),
        cmocka_unit_test_setup_teardown(three_face_failures_send_to_staff, setup, teardown),
        cmocka_unit_test_setup_teardown(face_not_live_is_counted_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_person_and_wrong_role_get_no_license, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(printer_out_of_paper_goes_to_staff, setup, teardown),
        cmocka_unit_test_setup_teardown(consent_is_required_and_staffed_window_offered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(passport_needs_the_right_mrz_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(more_licenses_than_the_list_are_counted, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    lk_render_release_caches();
    return rc;
}
