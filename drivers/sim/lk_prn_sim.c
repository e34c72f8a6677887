/* lk_prn_sim: a printer that "prints" by rendering the copy to a PDF file with lk_render (in
 * the render helper process, lk_render_proc, when there is one), so the demo and tests can
 * look at what would have come out. Faults are set by the script and
 * hold a job the way a real printer holds it: reported as STOPPED, then failed if nobody fixes
 * them within hold_ms. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kiosk/lk_loop.h"
#include "kiosk/lk_render.h"
#include "kiosk/lk_render_proc.h"
#include "kiosk/lk_worker.h"
#include "lk_sim.h"

typedef struct prn_sim {
    lk_prn base;
    pthread_mutex_t mu; /* guards the fields below; the renderer is used by one job at a time */
    char out_dir[512];
    char fault[32];
    int uncertain;
    int hold_ms, delay_ms;
    int printed, submitted;
    int wake_fd;
    lk_template *tpl;
    lk_renderer *r; /* only without a render helper (lk_render_proc) */
    char tpl_path[512];
    char helper[512];
} prn_sim;

#define RENDER_TIMEOUT_MS 60000

static void report(lk_prn_progress_cb cb, void *ctx, lk_prn_phase ph, lk_device_status st,
                   const char *reason)
{
    if (!cb)
        return;
    lk_prn_progress p = {.phase = ph, .dev.status = st};
    snprintf(p.dev.reason, sizeof p.dev.reason, "%s", reason);
    cb(ctx, &p);
}

/* Waits while a fault is set; returns 0 when clear, 1 still faulted after hold, or <0. The
 * hold is re-read on every wake, so a script can end the wait early (hold 0). */
static int hold_fault(prn_sim *s, int cancel_fd, lk_prn_progress_cb cb, void *ctx)
{
    pthread_mutex_lock(&s->mu);
    char fault[32];
    memcpy(fault, s->fault, sizeof fault);
    pthread_mutex_unlock(&s->mu);
    if (!fault[0])
        return 0;
    report(cb, ctx, LK_PRN_STOPPED, LK_DEVICE_FAULT, fault);
    uint64_t start = lk_loop_now_ms();
    for (;;) {
        pthread_mutex_lock(&s->mu);
        int clear = s->fault[0] == '\0';
        uint64_t until = start + (uint64_t)s->hold_ms;
        pthread_mutex_unlock(&s->mu);
        uint64_t now = lk_loop_now_ms();
        if (clear)
            return 0;
        if (now >= until)
            return 1;
        int rc = lk_worker_wait(s->wake_fd, cancel_fd, (int)(until - now));
        if (rc < 0)
            return rc;
        uint64_t n;
        (void)!read(s->wake_fd, &n, sizeof n);
    }
}

static int render(prn_sim *s, const lk_prn_copy *c, lk_err *err)
{
    pthread_mutex_lock(&s->mu);
    int n = ++s->submitted;
    char path[600];
    if (n == 1)
        snprintf(path, sizeof path, "%s/printed.pdf", s->out_dir);
    else
        snprintf(path, sizeof path, "%s/printed-%d.pdf", s->out_dir, n);
    pthread_mutex_unlock(&s->mu);
    lk_render_opts o = {.copy = c->duplicate ? LK_RENDER_DUPLICATE : LK_RENDER_ORIGINAL,
                        .copy_no = c->copy_no,
                        .copy_total = c->copy_total,
                        .mode = LK_RENDER_FULL};
    if (s->r)
        return lk_render_pdf_file(s->r, c->rec, &o, path, err);
    lk_render_buf pdf = {0};
    int rc = lk_render_pdf_proc(s->helper, s->tpl_path, c->rec, &o, RENDER_TIMEOUT_MS, &pdf, err);
    FILE *f = rc == 0 ? fopen(path, "wb") : NULL;
    if (rc == 0 && !f)
        rc = lk_err_set(err, LK_EIO, "print: cannot write %s", path);
    if (f && (fwrite(pdf.p, 1, pdf.len, f) != pdf.len) + (fclose(f) != 0))
        rc = lk_err_set(err, LK_EIO, "print: cannot write %s", path);
    free(pdf.p);
    return rc;
}

static int prn_submit(lk_prn *p, const lk_prn_copy *c, int cancel_fd, lk_prn_progress_cb cb,
                      void *ctx, lk_err *err)
{
    prn_sim *s = (prn_sim *)p;
    report(cb, ctx, LK_PRN_QUEUED, LK_DEVICE_NORMAL, "");
    int rc = hold_fault(s, cancel_fd, cb, ctx);
    if (rc < 0)
        return lk_err_set(err, rc, "print: %s", lk_strerror(rc));
    if (rc == 1)
        return LK_PRN_FAILED;
    report(cb, ctx, LK_PRN_PRINTING, LK_DEVICE_BUSY, "");
    rc = render(s, c, err);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&s->mu);
    int delay = s->delay_ms, uncertain = s->uncertain;
    pthread_mutex_unlock(&s->mu);
    if (delay > 0 && lk_worker_wait(-1, cancel_fd, delay) == LK_ECANCELED)
        return LK_PRN_UNCERTAIN; /* the sheet may be half out: staff must look */
    if (uncertain)
        return LK_PRN_UNCERTAIN;
    pthread_mutex_lock(&s->mu);
    s->printed++;
    pthread_mutex_unlock(&s->mu);
    report(cb, ctx, LK_PRN_COMPLETED, LK_DEVICE_NORMAL, "");
    return LK_PRN_COMPLETED;
}

int lk_prn_sim_set_fault(lk_prn *p, const char *reason)
{
    prn_sim *s = (prn_sim *)p;
    pthread_mutex_lock(&s->mu);
    if (reason && strcmp(reason, "uncertain") == 0)
        s->uncertain = 1;
    else
        snprintf(s->fault, sizeof s->fault, "%s", reason ? reason : "");
    if (!reason)
        s->uncertain = 0;
    pthread_mutex_unlock(&s->mu);
    uint64_t one = 1;
    (void)!write(s->wake_fd, &one, sizeof one);
    return 0;
}

void lk_prn_sim_set_hold(lk_prn *p, int hold_ms)
{
    prn_sim *s = (prn_sim *)p;
    pthread_mutex_lock(&s->mu);
    s->hold_ms = hold_ms;
    pthread_mutex_unlock(&s->mu);
    uint64_t one = 1;
    (void)!write(s->wake_fd, &one, sizeof one);
}

void lk_prn_sim_set_delay(lk_prn *p, int ms)
{
    prn_sim *s = (prn_sim *)p;
    pthread_mutex_lock(&s->mu);
    s->delay_ms = ms;
    pthread_mutex_unlock(&s->mu);
}

int lk_prn_sim_printed(lk_prn *p)
{
    prn_sim *s = (prn_sim *)p;
    pthread_mutex_lock(&s->mu);
    int n = s->printed;
    pthread_mutex_unlock(&s->mu);
    return n;
}

static int prn_state(lk_prn *p, lk_device_state *out)
{
    prn_sim *s = (prn_sim *)p;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->mu);
    out->status = s->fault[0] ? LK_DEVICE_FAULT : LK_DEVICE_NORMAL;
    snprintf(out->reason, sizeof out->reason, "%s", s->fault);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static void prn_close(lk_prn *p)
{
    prn_sim *s = (prn_sim *)p;
    if (!s)
        return;
    lk_render_free(s->r);
    lk_template_free(s->tpl);
    if (s->wake_fd >= 0)
        close(s->wake_fd);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static const lk_prn_ops prn_ops = {
    .name = "sim",
    .submit = prn_submit,
    .state = prn_state,
    .close = prn_close,
};

int lk_prn_sim_create(const char *template_path, const char *out_dir, lk_prn **out, lk_err *err)
{
    *out = NULL;
    prn_sim *s = calloc(1, sizeof *s);
    if (!s)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    pthread_mutex_init(&s->mu, NULL);
    s->base.ops = &prn_ops;
    s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    snprintf(s->out_dir, sizeof s->out_dir, "%s", out_dir);
    snprintf(s->tpl_path, sizeof s->tpl_path, "%s", template_path);
    const char *helper = lk_render_helper_path();
    snprintf(s->helper, sizeof s->helper, "%s", helper ? helper : "");
    int rc = s->wake_fd < 0 ? lk_err_set(err, LK_EIO, "eventfd failed")
                            : lk_template_load(template_path, &s->tpl, err);
    if (rc == 0 && !helper) /* no helper installed: render here, as before */
        rc = lk_render_create(s->tpl, &s->r, err);
    if (rc != 0) {
        prn_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return 0;
}
