/* lk_print_worker: one thread that submits a print job and follows it to its end, reporting
 * through an event queue and a pipe the main loop polls. The journal is NOT touched here: the
 * store belongs to the main thread, which records each event as it takes it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kiosk/lk_print_worker.h"

#define QUEUE_MAX 8

struct lk_print_worker {
    lk_printer *printer;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int pipe_rd, pipe_wr;
    int has_request, running, cancel, stop;
    lk_print_request req; /* owned copies of pdf, job_name, media */
    lk_print_event queue[QUEUE_MAX];
    int q_head, q_len;
};

const char *lk_print_outcome_name(lk_print_outcome o)
{
    switch (o) {
    case LK_PRINT_COMPLETED:
        return "completed";
    case LK_PRINT_REFUSED:
        return "refused";
    case LK_PRINT_FAILED:
        return "failed";
    case LK_PRINT_UNCERTAIN:
        return "uncertain";
    }
    return "unknown";
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void free_request(lk_print_request *r);

/* Queues an event and wakes the loop. A DONE event first ends the request (freed, worker idle)
 * under the same lock, so whoever reacts to DONE can submit the next request at once. */
static int emit(lk_print_worker *w, const lk_print_event *ev)
{
    pthread_mutex_lock(&w->mu);
    lk_print_event_cb cb = w->req.cb;
    void *cb_ctx = w->req.cb_ctx;
    if (w->q_len < QUEUE_MAX) {
        w->queue[(w->q_head + w->q_len) % QUEUE_MAX] = *ev;
        w->q_len++;
    }
    if (ev->kind == LK_PRINT_EV_DONE) {
        free_request(&w->req);
        w->running = 0;
    }
    pthread_mutex_unlock(&w->mu);
    char b = 1;
    while (write(w->pipe_wr, &b, 1) < 0 && errno == EINTR)
        ;
    if (cb)
        cb(cb_ctx, ev);
    return 0;
}

/* Sleeps up to secs unless cancel or stop is asked; returns 1 when asked. */
static int pause_or_cancel(lk_print_worker *w, double secs)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    long long ns = until.tv_nsec + (long long)(secs * 1e9);
    until.tv_sec += ns / 1000000000LL;
    until.tv_nsec = ns % 1000000000LL;
    pthread_mutex_lock(&w->mu);
    while (!w->cancel && !w->stop)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &until) == ETIMEDOUT)
            break;
    int asked = w->cancel || w->stop;
    pthread_mutex_unlock(&w->mu);
    return asked;
}

/* Ends the request: ev->reason must already say why. */
static int done(lk_print_worker *w, lk_print_event *ev, lk_print_outcome o, lk_job_state js)
{
    ev->kind = LK_PRINT_EV_DONE;
    ev->outcome = o;
    ev->job_state = js;
    lk_err e = {0};
    if (lk_printer_state(w->printer, &ev->printer, &e) != 0)
        snprintf(ev->printer.reason, sizeof ev->printer.reason, "%.150s", e.msg);
    return emit(w, ev);
}

/* Cancels a job we stop waiting for: it may still print, which is why the caller gets
 * UNCERTAIN, but it must not print later, unwatched. */
static int give_up(lk_print_worker *w, lk_print_event *ev, lk_job_state last, const char *why,
                   const char *detail)
{
    lk_err e = {0};
    lk_job_info after;
    int rc = lk_printer_cancel(w->printer, ev->job_id, &e);
    /* A job the server never started cannot have printed: that is a plain failure, offered
     * again, not a question for a technician. */
    if (rc == 0 && lk_printer_job(w->printer, ev->job_id, &after, NULL) == 0 && !after.started) {
        snprintf(ev->reason, sizeof ev->reason, "%s (%s); never started, job cancelled", why,
                 detail);
        return done(w, ev, LK_PRINT_REFUSED, last);
    }
    snprintf(ev->reason, sizeof ev->reason, "%s (%s)%s", why, detail,
             rc == 0 ? "; job cancelled" : "; cancel failed");
    return done(w, ev, LK_PRINT_UNCERTAIN, last);
}

lk_print_outcome lk_print_judge(const lk_job_info *info, char *reason, size_t n)
{
    if (info->state == LK_JOB_COMPLETED && !info->doubtful) {
        snprintf(reason, n, "%s", "");
        return LK_PRINT_COMPLETED;
    }
    if (info->state == LK_JOB_COMPLETED) {
        snprintf(reason, n, "completed, but the printer lost its job history (restarted?): %.190s",
                 info->reason);
        return LK_PRINT_UNCERTAIN;
    }
    if (info->state == LK_JOB_GONE) {
        snprintf(reason, n, "the print server no longer knows the job");
        return LK_PRINT_UNCERTAIN;
    }
    snprintf(reason, n, "%s by the printer: %s", lk_job_state_name(info->state), info->reason);
    return LK_PRINT_FAILED;
}

static int finished(lk_print_worker *w, lk_print_event *ev, const lk_job_info *info)
{
    lk_print_outcome o = lk_print_judge(info, ev->reason, sizeof ev->reason);
    return done(w, ev, o, info->state);
}

static int follow(lk_print_worker *w, lk_print_event *ev, double deadline)
{
    lk_job_info info = {.state = LK_JOB_PENDING};
    char last_err[256] = "";
    for (;;) {
        lk_err e = {0};
        if (lk_printer_job(w->printer, ev->job_id, &info, &e) == 0) {
            last_err[0] = '\0';
            if (lk_job_state_final(info.state))
                return finished(w, ev, &info);
        } else {
            snprintf(last_err, sizeof last_err, "%s", e.msg);
        }
        double left = deadline - now_s();
        if (left <= 0) {
            char detail[300];
            snprintf(detail, sizeof detail, "last seen %s%s%s", lk_job_state_name(info.state),
                     *last_err || *info.reason ? ": " : "", *last_err ? last_err : info.reason);
            return give_up(w, ev, info.state, "deadline passed", detail);
        }
        if (pause_or_cancel(w, left < w->req.poll_s ? left : w->req.poll_s)) {
            if (w->stop)
                return 0;
            return give_up(w, ev, info.state, "cancelled by staff", lk_job_state_name(info.state));
        }
    }
}

static int run(lk_print_worker *w)
{
    const lk_print_request *r = &w->req;
    lk_print_event ev = {.tag = r->tag, .job_id = r->job_id};
    double deadline = now_s() + r->deadline_s;
    if (r->pdf) {
        lk_device_state ps = {0};
        lk_err e = {0};
        lk_printer_state(w->printer, &ps, &e);
        if (ps.status == LK_DEVICE_FAULT || ps.status == LK_DEVICE_DISABLED) {
            ev.kind = LK_PRINT_EV_DONE;
            ev.outcome = LK_PRINT_REFUSED;
            ev.printer = ps;
            snprintf(ev.reason, sizeof ev.reason, "printer %s: %s",
                     lk_device_status_name(ps.status), ps.reason);
            return emit(w, &ev);
        }
        lk_print_doc doc = {r->pdf, r->len, r->job_name, r->media};
        int id = 0, rc = lk_printer_submit(w->printer, &doc, &id, &e);
        ev.job_id = id;
        if (id > 0) {
            lk_print_event sub = {.kind = LK_PRINT_EV_SUBMITTED, .tag = r->tag, .job_id = id};
            emit(w, &sub);
        }
        if (rc != 0) {
            if (id > 0)
                lk_printer_cancel(w->printer, id, NULL);
            snprintf(ev.reason, sizeof ev.reason, "submit failed: %.200s", e.msg);
            return done(w, &ev, LK_PRINT_REFUSED, LK_JOB_PENDING);
        }
    }
    return follow(w, &ev, deadline);
}

static void free_request(lk_print_request *r)
{
    free((void *)r->pdf);
    free((void *)r->job_name);
    free((void *)r->media);
    memset(r, 0, sizeof *r);
}

static void *worker_main(void *arg)
{
    lk_print_worker *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->has_request && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->stop)
            break;
        w->has_request = 0;
        w->running = 1;
        w->cancel = 0;
        pthread_mutex_unlock(&w->mu);
        (void)run(w);
        pthread_mutex_lock(&w->mu);
        /* A DONE event already freed the request and went idle (and a new request may be
         * waiting in w->req); only a stop mid-job ends without one. */
        if (w->running) {
            free_request(&w->req);
            w->running = 0;
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int lk_print_worker_start(lk_printer *p, lk_print_worker **out, lk_err *err)
{
    *out = NULL;
    lk_print_worker *w = calloc(1, sizeof *w);
    int fds[2];
    if (!w)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        free(w);
        return lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, errno, "pipe: %s",
                                 strerror(errno));
    }
    w->printer = p;
    w->pipe_rd = fds[0];
    w->pipe_wr = fds[1];
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        close(fds[0]);
        close(fds[1]);
        free(w);
        return lk_err_set(err, LK_ENOMEM, "cannot start the print worker thread");
    }
    *out = w;
    return 0;
}

static int copy_request(lk_print_request *dst, const lk_print_request *src)
{
    *dst = *src;
    dst->pdf = NULL;
    dst->job_name = src->job_name ? strdup(src->job_name) : strdup("licensekiosk");
    dst->media = src->media ? strdup(src->media) : NULL;
    if (src->pdf) {
        unsigned char *b = malloc(src->len ? src->len : 1);
        if (b)
            memcpy(b, src->pdf, src->len);
        dst->pdf = b;
    }
    if (dst->deadline_s <= 0)
        dst->deadline_s = 300;
    if (dst->poll_s <= 0)
        dst->poll_s = 0.1;
    return !dst->job_name || (src->media && !dst->media) || (src->pdf && !dst->pdf) ? -1 : 0;
}

int lk_print_worker_submit(lk_print_worker *w, const lk_print_request *req, lk_err *err)
{
    if (!req->pdf && req->job_id <= 0)
        return lk_err_set(err, LK_EINVAL, "print request has neither a document nor a job id");
    pthread_mutex_lock(&w->mu);
    if (w->running || w->has_request) {
        pthread_mutex_unlock(&w->mu);
        return lk_err_set(err, LK_EBUSY, "a print request is already running");
    }
    if (copy_request(&w->req, req) != 0) {
        free_request(&w->req);
        pthread_mutex_unlock(&w->mu);
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    }
    w->has_request = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

int lk_print_worker_fd(const lk_print_worker *w)
{
    return w->pipe_rd;
}

int lk_print_worker_next_event(lk_print_worker *w, lk_print_event *ev)
{
    char b;
    while (read(w->pipe_rd, &b, 1) < 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&w->mu);
    int got = w->q_len > 0;
    if (got) {
        *ev = w->queue[w->q_head];
        w->q_head = (w->q_head + 1) % QUEUE_MAX;
        w->q_len--;
    }
    pthread_mutex_unlock(&w->mu);
    return got;
}

void lk_print_worker_cancel(lk_print_worker *w)
{
    pthread_mutex_lock(&w->mu);
    if (w->running)
        w->cancel = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int lk_print_worker_busy(lk_print_worker *w)
{
    pthread_mutex_lock(&w->mu);
    int busy = w->running || w->has_request;
    pthread_mutex_unlock(&w->mu);
    return busy;
}

void lk_print_worker_stop(lk_print_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    free_request(&w->req);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    close(w->pipe_rd);
    close(w->pipe_wr);
    free(w);
}
