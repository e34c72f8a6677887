/* test_runtime: the kiosk plumbing: the bounded event queue, loop timers and fd watches, and
 * worker jobs that complete as events and can be cancelled while blocked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "kiosk/lk_loop.h"
#include "kiosk/lk_worker.h"

static void queue_is_bounded_fifo(void **state)
{
    (void)state;
    lk_evtq *q;
    assert_int_equal(lk_evtq_create(2, &q, NULL), 0);
    lk_evt a = {.type = LK_EVT_INTENT, .code = 1}, b = {.type = LK_EVT_INTENT, .code = 2};
    assert_int_equal(lk_evtq_post(q, &a), 0);
    assert_int_equal(lk_evtq_post(q, &b), 0);
    assert_int_equal(lk_evtq_post(q, &a), LK_ENOSPC);
    lk_evt out;
    assert_int_equal(lk_evtq_pop(q, &out), 1);
    assert_int_equal(out.code, 1);
    assert_int_equal(lk_evtq_pop(q, &out), 1);
    assert_int_equal(out.code, 2);
    assert_int_equal(lk_evtq_pop(q, &out), 0);
    /* Dropped payloads are freed with the queue. */
    lk_evt c = {.type = LK_EVT_JOB_DONE, .ptr = malloc(16), .free_fn = free};
    assert_int_equal(lk_evtq_post(q, &c), 0);
    lk_evtq_free(q);
}

static void count_cb(void *ctx, int id)
{
    (void)id;
    (*(int *)ctx)++;
}

static void timers_fire_and_stop(void **state)
{
    (void)state;
    lk_loop *l;
    assert_int_equal(lk_loop_create(&l, NULL), 0);
    int once = 0, every = 0;
    assert_true(lk_loop_timer_add(l, 5, 0, count_cb, &once) >= 0);
    int id = lk_loop_timer_add(l, 2, 2, count_cb, &every);
    assert_true(id >= 0);
    uint64_t end = lk_loop_now_ms() + 60;
    while (lk_loop_now_ms() < end)
        lk_loop_run_once(l, 5);
    assert_int_equal(once, 1);
    assert_true(every >= 5);
    assert_int_equal(lk_loop_timer_del(l, id), 0);
    int seen = every;
    lk_loop_run_once(l, 10);
    assert_int_equal(every, seen);
    lk_loop_free(l);
}

static int quick_job(void *arg, int cancel_fd)
{
    (void)cancel_fd;
    *(int *)arg = 42;
    return 7;
}

static int blocking_job(void *arg, int cancel_fd)
{
    (void)arg;
    return lk_worker_wait(-1, cancel_fd, 10000);
}

static void pop_cb(void *ctx, int fd, uint32_t events)
{
    (void)fd;
    (void)events;
    lk_evt *last = ctx;
    lk_evtq *q = last->ptr;
    lk_evt e;
    while (lk_evtq_pop(q, &e) == 1) {
        *last = e;
        last->ptr = q;
    }
}

static void jobs_complete_as_events_and_cancel(void **state)
{
    (void)state;
    lk_loop *l;
    lk_evtq *q;
    lk_workers *w;
    assert_int_equal(lk_loop_create(&l, NULL), 0);
    assert_int_equal(lk_evtq_create(8, &q, NULL), 0);
    assert_int_equal(lk_workers_create(2, q, &w, NULL), 0);
    lk_evt last = {.ptr = q};
    assert_int_equal(lk_loop_watch(l, lk_evtq_fd(q), 1, pop_cb, &last), 0);
    int value = 0;
    uint32_t id1, id2;
    assert_int_equal(lk_workers_submit(w, quick_job, &value, NULL, 11, &id1), 0);
    while (last.type != LK_EVT_JOB_DONE)
        lk_loop_run_once(l, 100);
    assert_int_equal(last.id, id1);
    assert_int_equal(last.tag, 11);
    assert_int_equal(last.code, 7);
    assert_int_equal(value, 42);
    assert_int_equal(lk_workers_submit(w, blocking_job, NULL, NULL, 12, &id2), 0);
    uint64_t t0 = lk_loop_now_ms();
    assert_int_equal(lk_workers_cancel(w, id2), 0);
    while (last.tag != 12)
        lk_loop_run_once(l, 100);
    assert_int_equal(last.code, LK_ECANCELED);
    assert_true(lk_loop_now_ms() - t0 < 5000);
    assert_int_equal(lk_workers_cancel(w, id2), LK_ENOENT);
    lk_workers_free(w);
    lk_evtq_free(q);
    lk_loop_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(queue_is_bounded_fifo),
        cmocka_unit_test(timers_fire_and_stop),
        cmocka_unit_test(jobs_complete_as_events_and_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
