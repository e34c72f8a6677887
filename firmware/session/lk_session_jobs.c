/* lk_session_jobs: the blocking port calls the session hands to workers. Each job owns a
 * context with copies of what it needs (photo, frames, record), so a session that ends while
 * a job still runs can wipe its own memory at once; the context is wiped and freed when the
 * job's completion event is consumed or dropped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_gen.h"
#include "lk_session_int.h"

typedef struct read_ctx {
    lk_docreader *r;
    lk_evtq *q;
    int tag;
    lk_doc_kind kind;
    lk_mrz_keys keys;
    lk_id_result res;
    lk_err err;
} read_ctx;

typedef struct face_ctx {
    lk_facecheck *f;
    uint8_t *photo;
    size_t photo_len;
    char fmt[8];
    lk_frame frames[MAX_FRAMES];
    size_t n;
    double threshold;
    lk_face_result res;
    lk_err err;
} face_ctx;

typedef struct render_ctx {
    lk_renderer *r;
    pthread_mutex_t *mu;
    lk_record *rec;
    int w, h;
    cairo_surface_t *surf;
    lk_err err;
} render_ctx;

typedef struct print_ctx {
    lk_prn *p;
    lk_evtq *q;
    int tag;
    lk_record *rec;
    lk_prn_copy copy;
    lk_err err;
} print_ctx;

static int submit(lk_session *s, job_kind kind, lk_job_fn fn, void *ctx, void (*fr)(void *),
                  int tag)
{
    uint32_t id;
    int rc = lk_workers_submit(s->d.workers, fn, ctx, fr, tag, &id);
    if (rc != 0) {
        fr(ctx);
        return rc;
    }
    s->job = kind;
    s->job_tag = tag;
    s->job_id = id;
    return 0;
}

static int next_tag(lk_session *s)
{
    if (++s->tag_seq <= 0)
        s->tag_seq = 1;
    return s->tag_seq;
}

/* Read ------------------------------------------------------------------------------------ */

static void read_free(void *p)
{
    read_ctx *c = p;
    lk_id_result_wipe(&c->res);
    explicit_bzero(c, sizeof *c);
    free(c);
}

static void read_progress(void *ctx, int percent)
{
    read_ctx *c = ctx;
    lk_evt e = {.type = LK_EVT_READ_PROGRESS, .tag = c->tag, .arg = percent};
    (void)lk_evtq_post(c->q, &e); /* a dropped progress report only delays the bar */
}

static int read_run(void *arg, int cancel_fd)
{
    read_ctx *c = arg;
    const lk_mrz_keys *k = c->kind == LK_DOC_PASSPORT ? &c->keys : NULL;
    return c->r->ops->read(c->r, c->kind, k, cancel_fd, read_progress, c, &c->res, &c->err);
}

int sess_job_read(lk_session *s)
{
    read_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return LK_ENOMEM;
    c->r = s->d.reader;
    c->q = s->d.q;
    c->tag = next_tag(s);
    c->kind = s->view.doc;
    c->keys = s->p.keys;
    return submit(s, JOB_READ, read_run, c, read_free, c->tag);
}

void sess_take_read(lk_session *s, void *ctx)
{
    read_ctx *c = ctx;
    lk_id_result_wipe(&s->p.id);
    s->p.id = c->res; /* the photo pointer moves with it */
    memset(&c->res, 0, sizeof c->res);
}

/* Face ------------------------------------------------------------------------------------ */

static void face_free(void *p)
{
    face_ctx *c = p;
    if (c->photo) {
        explicit_bzero(c->photo, c->photo_len);
        free(c->photo);
    }
    for (size_t i = 0; i < MAX_FRAMES; i++)
        lk_frame_wipe(&c->frames[i]);
    explicit_bzero(c, sizeof *c);
    free(c);
}

static int face_run(void *arg, int cancel_fd)
{
    face_ctx *c = arg;
    return c->f->ops->verify(c->f, c->photo, c->photo_len, c->fmt, c->frames, c->n, c->threshold,
                             cancel_fd, &c->res, &c->err);
}

int sess_job_face(lk_session *s)
{
    face_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return LK_ENOMEM;
    c->f = s->d.face;
    c->threshold = s->cfg.face_threshold;
    memcpy(c->fmt, s->p.id.photo_format, sizeof c->fmt);
    c->photo_len = s->p.id.photo_len;
    c->photo = malloc(c->photo_len ? c->photo_len : 1);
    int rc = c->photo ? 0 : LK_ENOMEM;
    if (c->photo && c->photo_len)
        memcpy(c->photo, s->p.id.photo, c->photo_len);
    /* The frames move to the job rather than being copied: no second set of 640 x 480 faces
     * in memory, no megabytes of memcpy on the loop thread. The job wipes them. */
    for (int i = 0; rc == 0 && i < s->p.n_frames; i++, c->n++) {
        c->frames[i] = s->p.frames[i];
        memset(&s->p.frames[i], 0, sizeof s->p.frames[i]);
    }
    s->p.n_frames = 0;
    if (rc != 0) {
        face_free(c);
        return rc;
    }
    return submit(s, JOB_FACE, face_run, c, face_free, next_tag(s));
}

lk_face_result sess_face_result(void *ctx)
{
    return ((face_ctx *)ctx)->res;
}

/* Render ---------------------------------------------------------------------------------- */

/* A preview the session never took (the session ended first) shows the license's holder:
 * zeroed before cairo frees it, as the session's own copy is (sess_wipe). */
static void render_free(void *p)
{
    render_ctx *c = p;
    lk_record_free(c->rec);
    if (c->surf) {
        cairo_surface_flush(c->surf);
        unsigned char *px = cairo_image_surface_get_data(c->surf);
        if (px)
            explicit_bzero(px, (size_t)cairo_image_surface_get_stride(c->surf) *
                                   (size_t)cairo_image_surface_get_height(c->surf));
        cairo_surface_destroy(c->surf);
    }
    free(c);
}

static int render_run(void *arg, int cancel_fd)
{
    (void)cancel_fd; /* a render is bounded (~10 ms); not worth interrupting */
    render_ctx *c = arg;
    lk_render_opts o = {.copy = LK_RENDER_ORIGINAL, .mode = LK_RENDER_FULL};
    pthread_mutex_lock(c->mu);
    int rc = lk_render_preview(c->r, c->rec, &o, c->w, c->h, &c->surf, &c->err);
    pthread_mutex_unlock(c->mu);
    return rc;
}

int sess_job_render(lk_session *s, lk_record *rec)
{
    render_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        lk_record_free(rec);
        return LK_ENOMEM;
    }
    c->r = s->d.renderer;
    c->mu = s->d.renderer_mu;
    c->rec = rec;
    c->w = s->cfg.preview_w;
    c->h = s->cfg.preview_h;
    return submit(s, JOB_RENDER, render_run, c, render_free, next_tag(s));
}

cairo_surface_t *sess_take_preview(void *ctx)
{
    render_ctx *c = ctx;
    cairo_surface_t *sf = c->surf;
    c->surf = NULL;
    return sf;
}

/* Print ----------------------------------------------------------------------------------- */

static void print_free(void *p)
{
    print_ctx *c = p;
    lk_record_free(c->rec);
    free(c);
}

static void print_progress(void *ctx, const lk_prn_progress *p)
{
    print_ctx *c = ctx;
    lk_evt e = {.type = LK_EVT_PRN_PROGRESS,
                .tag = c->tag,
                .code = (int)p->phase,
                .arg = (int)p->dev.status};
    memcpy(e.text, p->dev.reason, sizeof e.text - 1);
    (void)lk_evtq_post(c->q, &e);
}

static int print_run(void *arg, int cancel_fd)
{
    print_ctx *c = arg;
    return c->p->ops->submit(c->p, &c->copy, cancel_fd, print_progress, c, &c->err);
}

int sess_job_print(lk_session *s, lk_record *rec, int copy_idx)
{
    print_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        lk_record_free(rec);
        return LK_ENOMEM;
    }
    c->p = s->d.printer;
    c->q = s->d.q;
    c->tag = next_tag(s);
    c->rec = rec;
    c->copy.rec = rec;
    c->copy.duplicate = copy_idx > 0;
    c->copy.copy_no = copy_idx;
    c->copy.copy_total = rec->duplicates;
    return submit(s, JOB_PRINT, print_run, c, print_free, c->tag);
}

void sess_warmup(lk_session *s)
{
    lk_gen g;
    lk_gen_init(&g, 1);
    lk_record *rec = NULL;
    if (lk_gen_record(&g, 0, &rec) != 0)
        return;
    render_ctx c = {.r = s->d.renderer, .mu = s->d.renderer_mu, .rec = rec, .w = 64, .h = 48};
    (void)render_run(&c, -1);
    if (c.surf)
        cairo_surface_destroy(c.surf);
    lk_record_free(rec);
}

/* Lookup ---------------------------------------------------------------------------------- */

typedef struct lookup_ctx {
    lk_lookup *l;
    char doc_type[16];
    char number[32]; /* the plain number: wiped with the context */
    char want[8];
    sess_found found;
    lk_lookup_info info;
    lk_err err;
} lookup_ctx;

int sess_on_match(void *ctx, const lk_store_match *m)
{
    sess_find *q = ctx;
    sess_found *f = q->f;
    if (strcmp(m->as_role, q->want) != 0) {
        f->other_role++;
        return 0;
    }
    if (f->n_lic == LK_VIEW_MAX_LICENSES) {
        f->more++;
        return 0;
    }
    lk_view_license *l = &f->lic[f->n_lic++];
    snprintf(l->uscc, sizeof l->uscc, "%s", m->uscc);
    snprintf(l->name, sizeof l->name, "%s", m->name);
    snprintf(l->type_name, sizeof l->type_name, "%s", m->type_name ? m->type_name : "");
    snprintf(l->role, sizeof l->role, "%s", m->role ? m->role : "");
    l->duplicates = m->duplicates;
    return 0;
}

static void lookup_free(void *p)
{
    explicit_bzero(p, sizeof(lookup_ctx));
    free(p);
}

static int lookup_run(void *arg, int cancel_fd)
{
    (void)cancel_fd; /* the port keeps its own budget; a late answer is dropped as stale */
    lookup_ctx *c = arg;
    sess_find q = {.f = &c->found, .want = c->want};
    int rc = c->l->ops->find(c->l, c->doc_type, c->number, sess_on_match, &q, &c->info, &c->err);
    explicit_bzero(c->number, sizeof c->number);
    return rc < 0 ? rc : 0;
}

int sess_job_lookup(lk_session *s)
{
    lookup_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return LK_ENOMEM;
    c->l = s->d.lookup;
    memcpy(c->doc_type, s->p.id.doc_type, sizeof c->doc_type);
    memcpy(c->number, s->p.id.number, sizeof c->number);
    snprintf(c->want, sizeof c->want, "%s", s->view.role_agent == 1 ? "agent" : "holder");
    return submit(s, JOB_LOOKUP, lookup_run, c, lookup_free, next_tag(s));
}

const sess_found *sess_lookup_found(void *ctx, lk_lookup_info *info)
{
    lookup_ctx *c = ctx;
    if (info)
        *info = c->info;
    return &c->found;
}
