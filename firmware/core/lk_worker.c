/* lk_worker: fixed threads taking jobs from one FIFO. A job's cancel fd exists from submit on,
 * so a cancel that arrives before the job starts is not lost: the job sees it at once. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kiosk/lk_worker.h"

#define MAX_THREADS 8

typedef struct job {
    struct job *next;
    uint32_t id;
    int tag;
    int cancel_fd;
    int running;
    lk_job_fn fn;
    void *arg;
    void (*arg_free)(void *);
} job;

struct lk_workers {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job *head, *tail; /* queued */
    job *active[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    size_t n;
    int stopping;
    uint32_t next_id;
    lk_evtq *q;
};

static void complete(lk_workers *w, job *j, int rc)
{
    lk_evt e = {.type = LK_EVT_JOB_DONE,
                .id = j->id,
                .tag = j->tag,
                .code = rc,
                .ptr = j->arg,
                .free_fn = j->arg_free};
    if (lk_evtq_post(w->q, &e) != 0 && j->arg_free && j->arg)
        j->arg_free(j->arg);
    close(j->cancel_fd);
    free(j);
}

static void *run(void *p)
{
    lk_workers *w = p;
    pthread_mutex_lock(&w->mu);
    size_t slot = 0;
    while (slot < w->n && w->th[slot] != pthread_self())
        slot++;
    for (;;) {
        while (!w->head && !w->stopping)
            pthread_cond_wait(&w->cv, &w->mu);
        job *j = w->head;
        if (!j)
            break;
        w->head = j->next;
        if (!w->head)
            w->tail = NULL;
        int stop = w->stopping;
        if (slot < MAX_THREADS)
            w->active[slot] = j;
        pthread_mutex_unlock(&w->mu);
        int rc = stop ? LK_ECANCELED : j->fn(j->arg, j->cancel_fd);
        pthread_mutex_lock(&w->mu);
        if (slot < MAX_THREADS)
            w->active[slot] = NULL;
        pthread_mutex_unlock(&w->mu);
        complete(w, j, rc);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int lk_workers_create(size_t n, lk_evtq *q, lk_workers **out, lk_err *err)
{
    *out = NULL;
    if (n == 0 || n > MAX_THREADS)
        return lk_err_set(err, LK_EINVAL, "worker count %zu not in 1..%d", n, MAX_THREADS);
    lk_workers *w = calloc(1, sizeof *w);
    if (!w)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->q = q;
    pthread_mutex_lock(&w->mu); /* threads look up their slot only after n is final */
    for (; w->n < n; w->n++)
        if (pthread_create(&w->th[w->n], NULL, run, w) != 0)
            break;
    pthread_mutex_unlock(&w->mu);
    if (w->n == 0) {
        lk_workers_free(w);
        return lk_err_set(err, LK_ENOMEM, "cannot start worker threads");
    }
    *out = w;
    return 0;
}

static void signal_fd(int fd)
{
    uint64_t one = 1;
    (void)!write(fd, &one, sizeof one);
}

void lk_workers_free(lk_workers *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    for (job *j = w->head; j; j = j->next)
        signal_fd(j->cancel_fd);
    for (size_t i = 0; i < w->n; i++)
        if (w->active[i])
            signal_fd(w->active[i]->cancel_fd);
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    for (size_t i = 0; i < w->n; i++)
        pthread_join(w->th[i], NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

int lk_workers_submit(lk_workers *w, lk_job_fn fn, void *arg, void (*arg_free)(void *), int tag,
                      uint32_t *id)
{
    job *j = calloc(1, sizeof *j);
    if (!j)
        return LK_ENOMEM;
    j->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (j->cancel_fd < 0) {
        free(j);
        return LK_ENOMEM;
    }
    j->fn = fn;
    j->arg = arg;
    j->arg_free = arg_free;
    j->tag = tag;
    pthread_mutex_lock(&w->mu);
    if (w->stopping) {
        pthread_mutex_unlock(&w->mu);
        close(j->cancel_fd);
        free(j);
        return LK_EBUSY;
    }
    if (++w->next_id == 0)
        w->next_id = 1;
    j->id = w->next_id;
    if (w->tail)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    uint32_t jid = j->id; /* j may be done and freed as soon as the lock drops */
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (id)
        *id = jid;
    return 0;
}

int lk_workers_cancel(lk_workers *w, uint32_t id)
{
    int rc = LK_ENOENT;
    pthread_mutex_lock(&w->mu);
    for (job *j = w->head; j && rc; j = j->next)
        if (j->id == id) {
            signal_fd(j->cancel_fd);
            rc = 0;
        }
    for (size_t i = 0; i < w->n && rc; i++)
        if (w->active[i] && w->active[i]->id == id) {
            signal_fd(w->active[i]->cancel_fd);
            rc = 0;
        }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int lk_worker_wait(int fd, int cancel_fd, int timeout_ms)
{
    struct pollfd p[2] = {{.fd = cancel_fd, .events = POLLIN}, {.fd = fd, .events = POLLIN}};
    int n = poll(p, fd >= 0 ? 2 : 1, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : LK_EIO;
    if (p[0].revents & POLLIN)
        return LK_ECANCELED;
    if (fd >= 0 && (p[1].revents & POLLIN))
        return 1;
    return 0;
}
