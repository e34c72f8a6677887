/* test_session_lookup: the session's side of the registry, over a fake lookup port (the real
 * one needs a network and is tested by tests/cli/kiosk_registry.sh) and a real store: the
 * lookup runs on a worker and its answer is shown; a port that does not answer within the
 * budget is abandoned for the local store with an audited fallback; a license revoked during
 * the session is taken off the choice, ends its preview, and is never printed, with the port
 * and without it (the store's own status). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_import.h"
#include "kiosk/lk_session.h"
#include "lk_sim.h"
#include "lk_testutil.h"

/* The second sample record: holder 310104195404094012 of 91610113M063K7F40A, 1 副本. */
#define HOLDER_ID  "310104195404094012"
#define HOLDER_LIC "91610113M063K7F40A"

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libcairo.so\n"; /* cairo's PDF font subsetter, as in test_session */
}

/* The fake lookup port: answers from its own store connection, live unless told otherwise;
 * hangs until released when asked to; refuses to print one license. */
typedef struct fake {
    lk_lookup base;
    lk_store *st;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int hang, released, calls;
    char number[32]; /* what the session handed over */
    char revoked[20];
} fake;

static int fake_find(lk_lookup *l, const char *doc_type, const char *number, lk_store_match_cb cb,
                     void *ctx, lk_lookup_info *info, lk_err *err)
{
    fake *f = (fake *)l;
    pthread_mutex_lock(&f->mu);
    f->calls++;
    snprintf(f->number, sizeof f->number, "%s", number);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 20;
    while (f->hang && !f->released)
        if (pthread_cond_timedwait(&f->cv, &f->mu, &until) != 0)
            break;
    pthread_mutex_unlock(&f->mu);
    info->live = 1;
    info->elapsed_ms = 7;
    return lk_store_find_by_doc(f->st, doc_type, number, cb, ctx, err);
}

static int fake_printable(lk_lookup *l, lk_store *st, const char *uscc, lk_err *err)
{
    (void)st;
    fake *f = (fake *)l;
    pthread_mutex_lock(&f->mu);
    int revoked = strcmp(uscc, f->revoked) == 0;
    pthread_mutex_unlock(&f->mu);
    return revoked ? lk_err_set(err, LK_ECANCELED, "revoked") : 0;
}

static const lk_lookup_ops fake_ops = {.find = fake_find, .printable = fake_printable};

typedef struct T {
    lk_test_fixture fx;
    lk_loop *loop;
    lk_evtq *q;
    lk_workers *w;
    lk_docreader *idr;
    lk_cam *cam;
    lk_facecheck *face;
    lk_prn *prn;
    lk_session *s;
    fake f;
    char card[160];
} T;

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

static int setup_with(void **state, int with_port)
{
    lk_test_setup_open(state);
    T *t = calloc(1, sizeof *t);
    t->fx = *(lk_test_fixture *)*state;
    free(*state);
    *state = t;
    char path[512];
    snprintf(path, sizeof path, "%s/records-sample.jsonl", getenv("LK_TEST_DATA"));
    lk_import_stats is;
    assert_int_equal(
        lk_import_file(t->fx.st, path, LK_IMPORT_JSONL, "test", 20260101, NULL, NULL, &is, NULL),
        0);
    t->f.base.ops = &fake_ops;
    t->f.st = lk_test_open(&t->fx);
    pthread_mutex_init(&t->f.mu, NULL);
    pthread_cond_init(&t->f.cv, NULL);
    assert_int_equal(lk_loop_create(&t->loop, NULL), 0);
    assert_int_equal(lk_evtq_create(256, &t->q, NULL), 0);
    assert_int_equal(lk_workers_create(2, t->q, &t->w, NULL), 0);
    assert_int_equal(lk_idr_sim_create(&t->idr, NULL), 0);
    assert_int_equal(lk_cam_sim_create(200, &t->cam, NULL), 0);
    assert_int_equal(lk_face_sim_create(&t->face, NULL), 0);
    assert_int_equal(lk_prn_sim_create(template_path(), t->fx.dir, &t->prn, NULL), 0);
    assert_int_equal(lk_loop_watch(t->loop, lk_evtq_fd(t->q), 1, on_events, t), 0);
    lk_session_deps d = {.st = t->fx.st,
                         .loop = t->loop,
                         .q = t->q,
                         .workers = t->w,
                         .reader = t->idr,
                         .camera = t->cam,
                         .face = t->face,
                         .printer = t->prn,
                         .lookup = with_port ? &t->f.base : NULL};
    lk_session_cfg cfg;
    assert_int_equal(lk_session_cfg_load(t->fx.st, &cfg, NULL), 0);
    assert_int_equal(cfg.lookup_budget_ms, 2000); /* registry.budget_ms's default */
    cfg.lookup_budget_ms = 150;
    assert_int_equal(lk_session_create(&d, &cfg, &t->s, NULL), 0);
    snprintf(t->card, sizeof t->card, "%s/card.json", t->fx.dir);
    FILE *fp = fopen(t->card, "w");
    fprintf(fp, "{\"doc_type\":\"resident_id\",\"number\":\"%s\",\"name\":\"许国志\"}", HOLDER_ID);
    fclose(fp);
    return 0;
}

static int setup_port(void **state)
{
    return setup_with(state, 1);
}

static int setup_local(void **state)
{
    return setup_with(state, 0);
}

static void release(T *t)
{
    pthread_mutex_lock(&t->f.mu);
    t->f.released = 1;
    pthread_cond_broadcast(&t->f.cv);
    pthread_mutex_unlock(&t->f.mu);
}

static int teardown(void **state)
{
    T *t = *state;
    release(t);
    lk_session_free(t->s);
    lk_workers_free(t->w);
    lk_evtq_free(t->q);
    t->idr->ops->close(t->idr);
    t->cam->ops->close(t->cam);
    t->face->ops->close(t->face);
    t->prn->ops->close(t->prn);
    lk_loop_free(t->loop);
    lk_store_close(t->f.st);
    pthread_mutex_destroy(&t->f.mu);
    pthread_cond_destroy(&t->f.cv);
    lk_test_fixture *fx = malloc(sizeof *fx);
    *fx = t->fx;
    free(t);
    *state = fx;
    return lk_test_teardown(state);
}

static const lk_view *V(T *t)
{
    return lk_session_view(t->s);
}

static void run_until(T *t, lk_state want)
{
    uint64_t end = lk_loop_now_ms() + 20000;
    while (V(t)->state != want && lk_loop_now_ms() < end) {
        lk_loop_run_once(t->loop, 5);
        lk_session_tick(t->s);
    }
    if (V(t)->state != want)
        fail_msg("state %s, wanted %s", lk_state_name(V(t)->state), lk_state_name(want));
}

static void assert_wiped(T *t)
{
    const void *p;
    size_t n;
    lk_session_personal(t->s, &p, &n);
    for (size_t i = 0; i < n; i++)
        if (((const unsigned char *)p)[i] != 0)
            fail_msg("personal data byte %zu of %zu is not zero", i, n);
}

static void intent(T *t, lk_intent i)
{
    lk_session_intent(t->s, i, 0, NULL);
}

/* From attract to the face check of the holder's resident ID card. */
static void to_face(T *t)
{
    lk_intent path[] = {LK_INTENT_START,       LK_INTENT_ROLE_HOLDER, LK_INTENT_DOC_ID,
                        LK_INTENT_TOGGLE_DATA, LK_INTENT_TOGGLE_FACE, LK_INTENT_CONTINUE};
    for (size_t i = 0; i < sizeof path / sizeof *path; i++)
        intent(t, path[i]);
    assert_int_equal(lk_idr_sim_insert(t->idr, t->card, NULL), 0);
    run_until(t, LK_ST_FACE);
}

typedef struct audit_q {
    const char *event;
    int n;
    char detail[256];
} audit_q;

static int audit_row(void *ctx, int64_t seq, int64_t ts, const char *actor, const char *event,
                     const char *detail)
{
    (void)seq, (void)ts, (void)actor;
    audit_q *q = ctx;
    if (strcmp(event, q->event) == 0) {
        q->n++;
        snprintf(q->detail, sizeof q->detail, "%s", detail ? detail : "");
    }
    return 0;
}

/* How many audit rows of this event, and the last one's detail. */
static int audited(T *t, const char *event, char *detail, size_t n)
{
    audit_q q = {.event = event};
    assert_int_equal(lk_audit_list(t->fx.st, 0, 100000, audit_row, &q, NULL), 0);
    if (detail)
        snprintf(detail, n, "%s", q.detail);
    return q.n;
}

static void live_lookup_is_asked_on_a_worker_and_shown(void **state)
{
    T *t = *state;
    to_face(t);
    run_until(t, LK_ST_CHOOSE);
    assert_int_equal(t->f.calls, 1);
    assert_string_equal(t->f.number, HOLDER_ID);
    assert_int_equal(V(t)->person->n_lic, 1);
    assert_string_equal(V(t)->person->lic[0].uscc, HOLDER_LIC);
    char d[256];
    assert_int_equal(audited(t, "lookup.done", d, sizeof d), 1);
    assert_non_null(strstr(d, "\"source\":\"registry\""));
    assert_int_equal(audited(t, "registry.fallback", NULL, 0), 0);
    /* back from the preview keeps the list: the plain number is gone, nothing is asked again */
    intent(t, LK_INTENT_SELECT);
    assert_int_equal(V(t)->state, LK_ST_PREVIEW);
    intent(t, LK_INTENT_BACK);
    assert_int_equal(V(t)->state, LK_ST_CHOOSE);
    assert_int_equal(V(t)->person->n_lic, 1);
    assert_int_equal(t->f.calls, 1);
    intent(t, LK_INTENT_CANCEL);
    assert_wiped(t);
}

static int looking_up(const lk_view *v)
{
    return v->state == LK_ST_FACE && v->hint == LK_HINT_LOOKUP;
}

static void port_beyond_budget_falls_back_to_the_store(void **state)
{
    T *t = *state;
    t->f.hang = 1;
    to_face(t);
    uint64_t end = lk_loop_now_ms() + 20000;
    while (!looking_up(V(t)) && lk_loop_now_ms() < end) {
        lk_loop_run_once(t->loop, 5);
        lk_session_tick(t->s);
    }
    assert_true(looking_up(V(t)));
    assert_int_equal(V(t)->face_busy, 1);
    run_until(t, LK_ST_CHOOSE); /* the port still hangs: the store answered */
    assert_int_equal(V(t)->person->n_lic, 1);
    assert_string_equal(V(t)->person->lic[0].uscc, HOLDER_LIC);
    char d[256];
    assert_int_equal(audited(t, "registry.fallback", d, sizeof d), 1);
    assert_non_null(strstr(d, "\"budget_ms\":150,\"waited_ms\":150"));
    assert_int_equal(audited(t, "lookup.done", d, sizeof d), 1);
    assert_non_null(strstr(d, "\"source\":\"local_fallback\""));
    /* its late answer is dropped: the choice stays as it is */
    release(t);
    for (int i = 0; i < 40; i++)
        lk_loop_run_once(t->loop, 5);
    assert_int_equal(V(t)->state, LK_ST_CHOOSE);
    assert_int_equal(audited(t, "lookup.done", NULL, 0), 1);
    intent(t, LK_INTENT_CANCEL);
    assert_wiped(t);
}

static void revoke(T *t)
{
    pthread_mutex_lock(&t->f.mu);
    snprintf(t->f.revoked, sizeof t->f.revoked, "%s", HOLDER_LIC);
    pthread_mutex_unlock(&t->f.mu);
}

static void revocation_on_the_choice_leaves_no_license(void **state)
{
    T *t = *state;
    to_face(t);
    run_until(t, LK_ST_CHOOSE);
    lk_session_records_changed(t->s); /* nothing revoked yet: nothing changes */
    assert_int_equal(V(t)->state, LK_ST_CHOOSE);
    assert_int_equal(V(t)->person->n_lic, 1);
    revoke(t);
    lk_session_records_changed(t->s);
    assert_int_equal(V(t)->state, LK_ST_NO_LICENSE);
    assert_int_equal(V(t)->reason, LK_REASON_REVOKED);
    assert_wiped(t);
}

static void revocation_on_the_preview_ends_the_session(void **state)
{
    T *t = *state;
    to_face(t);
    run_until(t, LK_ST_CHOOSE);
    intent(t, LK_INTENT_SELECT);
    assert_int_equal(V(t)->state, LK_ST_PREVIEW);
    revoke(t);
    lk_session_records_changed(t->s);
    assert_int_equal(V(t)->state, LK_ST_ENDED);
    assert_int_equal(V(t)->reason, LK_REASON_REVOKED);
    assert_int_equal(audited(t, "print.refused", NULL, 0), 1);
    assert_wiped(t);
}

/* Nobody told the session (no sync round reached it): the gate before the copy refuses. */
static void revoked_before_print_is_not_printed(void **state)
{
    T *t = *state;
    to_face(t);
    run_until(t, LK_ST_CHOOSE);
    intent(t, LK_INTENT_SELECT);
    revoke(t);
    intent(t, LK_INTENT_PRINT);
    assert_int_equal(V(t)->state, LK_ST_ENDED);
    assert_int_equal(V(t)->reason, LK_REASON_REVOKED);
    for (int i = 0; i < 20; i++)
        lk_loop_run_once(t->loop, 5);
    assert_int_equal(lk_prn_sim_printed(t->prn), 0);
    char d[256];
    assert_int_equal(audited(t, "print.refused", d, sizeof d), 1);
    assert_non_null(strstr(d, HOLDER_LIC));
    assert_wiped(t);
}

static void store_revoke(T *t)
{
    char *msg = NULL;
    assert_int_equal(sqlite3_exec(lk_store_db(t->fx.st),
                                  "UPDATE licenses SET status = 'revoked' WHERE uscc = '" HOLDER_LIC
                                  "'",
                                  NULL, NULL, &msg),
                     SQLITE_OK);
}

/* Without a lookup port: the store answers on the loop, and its status is the gate. */
static void local_store_alone_gates_revocations(void **state)
{
    T *t = *state;
    to_face(t);
    run_until(t, LK_ST_CHOOSE);
    char d[256];
    assert_int_equal(audited(t, "lookup.done", d, sizeof d), 1);
    assert_non_null(strstr(d, "\"source\":\"store\""));
    intent(t, LK_INTENT_SELECT);
    store_revoke(t);
    intent(t, LK_INTENT_PRINT);
    assert_int_equal(V(t)->state, LK_ST_ENDED);
    assert_int_equal(V(t)->reason, LK_REASON_REVOKED);
    for (int i = 0; i < 20; i++)
        lk_loop_run_once(t->loop, 5);
    assert_int_equal(lk_prn_sim_printed(t->prn), 0);
    assert_wiped(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(live_lookup_is_asked_on_a_worker_and_shown, setup_port,
                                        teardown),
        cmocka_unit_test_setup_teardown(port_beyond_budget_falls_back_to_the_store, setup_port,
                                        teardown),
        cmocka_unit_test_setup_teardown(revocation_on_the_choice_leaves_no_license, setup_port,
                                        teardown),
        cmocka_unit_test_setup_teardown(revocation_on_the_preview_ends_the_session, setup_port,
                                        teardown),
        cmocka_unit_test_setup_teardown(revoked_before_print_is_not_printed, setup_port, teardown),
        cmocka_unit_test_setup_teardown(local_store_alone_gates_revocations, setup_local, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    lk_render_release_caches();
    return rc;
}
