/* The print worker over the simulated printer (lk_printsim): events arrive through the fd in
 * order (SUBMITTED before DONE), a faulted printer is never sent a job, the deadline cancels a
 * job (uncertain once it started, refused if it never did), staff can cancel, FOLLOW picks up a
 * job submitted earlier, and the fd stays quiet when there is nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <poll.h>
#include <unistd.h>

#include "kiosk/lk_print_worker.h"
#include "lk_printsim.h"

typedef struct fx {
    char dir[64];
    lk_printer *p;
    lk_print_worker *w;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    lk_err err = {0};
    snprintf(f->dir, sizeof f->dir, "/tmp/lk-worker-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(lk_printsim_open(f->dir, 0.2, &f->p, &err), 0);
    assert_int_equal(lk_print_worker_start(f->p, &f->w, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    char cmd[128];
    lk_print_worker_stop(f->w);
    lk_printer_close(f->p);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Waits (up to 10 s) for the next event through the fd, as a main loop would. */
static lk_print_event next(fx *f)
{
    lk_print_event ev;
    for (int i = 0; i < 100; i++) {
        if (lk_print_worker_next_event(f->w, &ev) == 1)
            return ev;
        struct pollfd pfd = {.fd = lk_print_worker_fd(f->w), .events = POLLIN};
        poll(&pfd, 1, 100);
    }
    fail_msg("no print event within 10 s");
    return ev;
}

static const unsigned char pdf[] = "%PDF-1.4 test";

static void submit(fx *f, unsigned long tag, double deadline_s)
{
    lk_err err = {0};
    lk_print_request r = {.tag = tag,
                          .pdf = pdf,
                          .len = sizeof pdf,
                          .job_name = "lk-1-1",
                          .media = lk_printer_media("original"),
                          .deadline_s = deadline_s,
                          .poll_s = 0.02};
    assert_int_equal(lk_print_worker_submit(f->w, &r, &err), 0);
}

static void test_completes(void **state)
{
    fx *f = *state;
    lk_err err = {0};
    lk_print_event ev;
    assert_int_equal(lk_print_worker_next_event(f->w, &ev), 0);
    submit(f, 42, 5);
    lk_print_request again = {.pdf = pdf, .len = 1};
    assert_int_equal(lk_print_worker_submit(f->w, &again, &err), LK_EBUSY);
    ev = next(f);
    assert_int_equal(ev.kind, LK_PRINT_EV_SUBMITTED);
    assert_int_equal(ev.tag, 42);
    assert_int_equal(ev.job_id, 1);
    ev = next(f);
    assert_int_equal(ev.kind, LK_PRINT_EV_DONE);
    assert_int_equal(ev.outcome, LK_PRINT_COMPLETED);
    assert_int_equal(ev.job_state, LK_JOB_COMPLETED);
    char path[128];
    snprintf(path, sizeof path, "%s/1-lk-1-1.pdf", f->dir);
    assert_int_equal(access(path, R_OK), 0);
    assert_int_equal(lk_print_worker_busy(f->w), 0);
}

static void test_fault_refused(void **state)
{
    fx *f = *state;
    lk_printsim_set_state(f->p, LK_DEVICE_FAULT, "media-jam");
    submit(f, 1, 5);
    lk_print_event ev = next(f);
    assert_int_equal(ev.kind, LK_PRINT_EV_DONE);
    assert_int_equal(ev.outcome, LK_PRINT_REFUSED);
    assert_int_equal(ev.job_id, 0);
    assert_int_equal(ev.printer.status, LK_DEVICE_FAULT);
    assert_non_null(strstr(ev.reason, "media-jam"));
}

static void test_deadline(void **state)
{
    fx *f = *state;
    lk_printer *slow = NULL;
    lk_err err = {0};
    /* Held: never started, so refused (nothing can have printed). */
    lk_printsim_hold(f->p, 1);
    submit(f, 1, 0.3);
    assert_int_equal(next(f).kind, LK_PRINT_EV_SUBMITTED);
    lk_print_event ev = next(f);
    assert_int_equal(ev.outcome, LK_PRINT_REFUSED);
    assert_non_null(strstr(ev.reason, "never started"));
    /* Started but not finished by the deadline: uncertain. */
    lk_print_worker_stop(f->w);
    lk_printer_close(f->p);
    assert_int_equal(lk_printsim_open(f->dir, 30, &slow, &err), 0);
    f->p = slow;
    assert_int_equal(lk_print_worker_start(f->p, &f->w, &err), 0);
    submit(f, 2, 0.3);
    assert_int_equal(next(f).kind, LK_PRINT_EV_SUBMITTED);
    ev = next(f);
    assert_int_equal(ev.outcome, LK_PRINT_UNCERTAIN);
    assert_non_null(strstr(ev.reason, "deadline"));
    /* Staff cancel while it prints: uncertain too (a sheet may be half out). */
    submit(f, 3, 30);
    assert_int_equal(next(f).kind, LK_PRINT_EV_SUBMITTED);
    lk_print_worker_cancel(f->w);
    ev = next(f);
    assert_int_equal(ev.outcome, LK_PRINT_UNCERTAIN);
    assert_non_null(strstr(ev.reason, "cancelled by staff"));
}

static void test_follow(void **state)
{
    fx *f = *state;
    lk_err err = {0};
    int id = 0;
    lk_print_doc doc = {pdf, sizeof pdf, "lk-7-1", NULL};
    assert_int_equal(lk_printer_submit(f->p, &doc, &id, &err), 0);
    int found = 0;
    assert_int_equal(lk_printer_find_job(f->p, "lk-7-1", &found, &err), 0);
    assert_int_equal(found, id);
    lk_print_request r = {.tag = 7, .job_id = id, .deadline_s = 5, .poll_s = 0.02};
    assert_int_equal(lk_print_worker_submit(f->w, &r, &err), 0);
    lk_print_event ev = next(f);
    assert_int_equal(ev.kind, LK_PRINT_EV_DONE); /* no SUBMITTED for a followed job */
    assert_int_equal(ev.outcome, LK_PRINT_COMPLETED);
    lk_print_request none = {0};
    assert_int_equal(lk_print_worker_submit(f->w, &none, &err), LK_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_completes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_follow, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
