/* lk_printsim: the simulated printer (see lk_printsim.h). Job ids start at 1; a job's fate is
 * computed from the clock when asked, so there is no thread of its own. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lk_printsim.h"

#define MAX_JOBS 64

typedef struct sim_job {
    char name[64];
    double submitted, started; /* started 0 while held */
    int canceled;
} sim_job;

typedef struct printsim {
    lk_printer port;
    pthread_mutex_t mu;
    char dir[512];
    double print_s;
    lk_device_state state;
    int hold;
    sim_job jobs[MAX_JOBS];
    int n;
} printsim;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sim_state(void *impl, lk_device_state *out, lk_err *err)
{
    printsim *s = impl;
    (void)err;
    pthread_mutex_lock(&s->mu);
    *out = s->state;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static int write_doc(const printsim *s, int id, const lk_print_doc *doc, lk_err *err)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%d-%s.pdf", s->dir, id, doc->job_name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return lk_err_set(err, LK_EIO, "printsim: cannot write %s", path);
    int ok = fwrite(doc->pdf, 1, doc->len, f) == doc->len;
    ok = fclose(f) == 0 && ok;
    return ok ? 0 : lk_err_set(err, LK_EIO, "printsim: short write to %s", path);
}

static int sim_submit(void *impl, const lk_print_doc *doc, int *job_id, lk_err *err)
{
    printsim *s = impl;
    *job_id = 0;
    pthread_mutex_lock(&s->mu);
    int rc = s->n < MAX_JOBS ? 0 : lk_err_set(err, LK_ENOSPC, "printsim: job table full");
    if (rc == 0) {
        sim_job *j = &s->jobs[s->n];
        memset(j, 0, sizeof *j);
        snprintf(j->name, sizeof j->name, "%s", doc->job_name);
        j->submitted = now_s();
        j->started = s->hold ? 0 : j->submitted;
        *job_id = ++s->n;
        rc = write_doc(s, *job_id, doc, err);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int sim_job_info(void *impl, int job_id, lk_job_info *out, lk_err *err)
{
    printsim *s = impl;
    (void)err;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->mu);
    if (job_id < 1 || job_id > s->n) {
        out->state = LK_JOB_GONE;
    } else {
        sim_job *j = &s->jobs[job_id - 1];
        double t = now_s();
        if (!j->started && !s->hold && !j->canceled)
            j->started = t;
        out->started = j->started > 0;
        out->state = j->canceled                    ? LK_JOB_CANCELED
                     : !j->started                  ? LK_JOB_PENDING
                     : t - j->started >= s->print_s ? LK_JOB_COMPLETED
                                                    : LK_JOB_PROCESSING;
    }
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static int sim_find_job(void *impl, const char *job_name, int *job_id, lk_err *err)
{
    printsim *s = impl;
    *job_id = 0;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->jobs[i].name, job_name) == 0)
            *job_id = i + 1;
    pthread_mutex_unlock(&s->mu);
    return *job_id ? 0 : lk_err_set(err, LK_ENOENT, "no job named %s", job_name);
}

static int sim_cancel(void *impl, int job_id, lk_err *err)
{
    printsim *s = impl;
    lk_job_info info;
    sim_job_info(impl, job_id, &info, NULL);
    pthread_mutex_lock(&s->mu);
    int rc = 0;
    if (info.state == LK_JOB_GONE)
        rc = lk_err_set(err, LK_ENOENT, "printsim: no job %d", job_id);
    else if (!lk_job_state_final(info.state))
        s->jobs[job_id - 1].canceled = 1;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static void sim_close(void *impl)
{
    printsim *s = impl;
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static const lk_printer_ops sim_ops = {
    .name = "printsim",
    .state = sim_state,
    .submit = sim_submit,
    .job = sim_job_info,
    .find_job = sim_find_job,
    .cancel = sim_cancel,
    .close = sim_close,
};

int lk_printsim_open(const char *spool_dir, double print_s, lk_printer **out, lk_err *err)
{
    *out = NULL;
    if (!spool_dir || strlen(spool_dir) >= sizeof((printsim *)0)->dir)
        return lk_err_set(err, LK_EINVAL, "printsim: bad spool folder");
    printsim *s = calloc(1, sizeof *s);
    if (!s)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    pthread_mutex_init(&s->mu, NULL);
    snprintf(s->dir, sizeof s->dir, "%s", spool_dir);
    s->print_s = print_s;
    s->state.status = LK_DEVICE_NORMAL;
    s->port.ops = &sim_ops;
    s->port.impl = s;
    *out = &s->port;
    return 0;
}

void lk_printsim_set_state(lk_printer *p, lk_device_status status, const char *reason)
{
    printsim *s = p->impl;
    pthread_mutex_lock(&s->mu);
    s->state.status = status;
    snprintf(s->state.reason, sizeof s->state.reason, "%s", reason ? reason : "");
    pthread_mutex_unlock(&s->mu);
}

void lk_printsim_hold(lk_printer *p, int hold)
{
    printsim *s = p->impl;
    pthread_mutex_lock(&s->mu);
    s->hold = hold;
    pthread_mutex_unlock(&s->mu);
}
