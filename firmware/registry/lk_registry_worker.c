/* lk_registry_worker: background sync on its own thread and its own store connection, so the
 * kiosk's main loop never blocks on the network: it kicks the worker or lets the interval run,
 * polls one file descriptor, and reads the last result. The registry handle is opened afresh
 * each round, so a configuration change (URL, keys, interval) applies at the next round. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kiosk/lk_config.h"
#include "lk_registry_int.h"

struct lk_registry_worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    lk_store *st; /* used by the thread only */
    char actor[64];
    int pipe[2];
    int kicked, stopping;
    long long interval_ms; /* fixed period; 0: registry.sync_interval_min, read each round */
    long rounds;
    int last_rc;
    lk_err last_err;
    lk_registry_sync_stats last;
};

static int one_round(lk_registry_worker *w, lk_registry_sync_stats *s, lk_err *err)
{
    lk_registry *reg = NULL;
    int rc = lk_registry_open(w->st, w->actor, 0, &reg, err);
    if (rc == 0)
        rc = lk_registry_sync(reg, w->st, 0, s, err);
    lk_registry_close(reg);
    return rc;
}

/* Waits for a kick, a stop, or the interval (0: none, only kicks); returns 0 to stop. The
 * condition variable runs on the monotonic clock, so a clock step neither skips nor stretches a
 * period. */
static int wait_turn(lk_registry_worker *w, long long interval_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(interval_ms / 1000);
    until.tv_nsec += (long)(interval_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L)
        until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&w->mu);
    int timed_out = 0;
    while (!w->kicked && !w->stopping && !timed_out)
        timed_out = interval_ms > 0 ? pthread_cond_timedwait(&w->cv, &w->mu, &until) == ETIMEDOUT
                                    : (pthread_cond_wait(&w->cv, &w->mu), 0);
    w->kicked = 0;
    int go = !w->stopping;
    pthread_mutex_unlock(&w->mu);
    return go;
}

/* This round's period in milliseconds: the fixed one, else the configuration in minutes. */
static long long period_ms(lk_registry_worker *w)
{
    if (w->interval_ms > 0)
        return w->interval_ms;
    long long minutes = 15;
    if (lk_config_get_int(w->st, "registry.sync_interval_min", &minutes, NULL) != 0 || minutes < 0)
        minutes = 15;
    return minutes * 60 * 1000;
}

static void *run(void *arg)
{
    lk_registry_worker *w = arg;
    for (int first = 1;; first = 0) {
        if (!first && !wait_turn(w, period_ms(w)))
            break;
        lk_registry_sync_stats s;
        lk_err err = {0};
        int rc = one_round(w, &s, &err);
        pthread_mutex_lock(&w->mu);
        w->last = s, w->last_rc = rc, w->last_err = err;
        w->rounds++;
        int stop = w->stopping;
        pthread_mutex_unlock(&w->mu);
        char one = 1;
        if (write(w->pipe[1], &one, 1) < 0 && errno != EAGAIN)
            break;
        if (stop)
            break;
    }
    return NULL;
}

static void init_sync(lk_registry_worker *w)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
}

int lk_registry_worker_start(const char *db_path, const char *secret_path, const char *actor,
                             lk_registry_worker **out, lk_err *err)
{
    return lk_registry_worker_start_every(db_path, secret_path, actor, 0, out, err);
}

int lk_registry_worker_start_every(const char *db_path, const char *secret_path, const char *actor,
                                   long long interval_ms, lk_registry_worker **out, lk_err *err)
{
    *out = NULL;
    lk_registry_worker *w = calloc(1, sizeof *w);
    if (!w)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    w->interval_ms = interval_ms > 0 ? interval_ms : 0;
    snprintf(w->actor, sizeof w->actor, "%s", actor ? actor : "registry-sync");
    w->pipe[0] = w->pipe[1] = -1;
    int rc = lk_store_open(db_path, secret_path, &w->st, err);
    if (rc == 0 && pipe(w->pipe) != 0)
        rc = lk_err_set(err, LK_EIO, "registry worker: no pipe");
    for (int i = 0; rc == 0 && i < 2; i++)
        if (fcntl(w->pipe[i], F_SETFL, O_NONBLOCK) != 0 ||
            fcntl(w->pipe[i], F_SETFD, FD_CLOEXEC) != 0)
            rc = lk_err_set(err, LK_EIO, "registry worker: pipe flags");
    init_sync(w);
    if (rc == 0 && pthread_create(&w->thread, NULL, run, w) != 0)
        rc = lk_err_set(err, LK_ENOMEM, "registry worker: no thread");
    if (rc != 0) {
        lk_store_close(w->st);
        for (int i = 0; i < 2; i++)
            if (w->pipe[i] >= 0)
                close(w->pipe[i]);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return rc;
    }
    *out = w;
    return 0;
}

int lk_registry_worker_fd(const lk_registry_worker *w)
{
    return w->pipe[0];
}

void lk_registry_worker_kick(lk_registry_worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->kicked = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int lk_registry_worker_result(lk_registry_worker *w, lk_registry_sync_stats *stats, long *rounds,
                              lk_err *err)
{
    char buf[64];
    while (read(w->pipe[0], buf, sizeof buf) > 0)
        ;
    pthread_mutex_lock(&w->mu);
    if (stats)
        *stats = w->last;
    if (rounds)
        *rounds = w->rounds;
    int rc = w->last_rc;
    if (err)
        *err = w->last_err;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

void lk_registry_worker_stop(lk_registry_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    lk_store_close(w->st);
    close(w->pipe[0]);
    close(w->pipe[1]);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}
