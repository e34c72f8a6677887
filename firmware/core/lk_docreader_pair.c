/* lk_docreader_pair: routes the document-reader port to one of two readers by document kind
 * (see the header for why presence is filtered). */
#include "kiosk/port/lk_docreader_pair.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SIDE_RESIDENT, SIDE_PASSPORT, SIDES };

typedef struct pair pair;

/* What a sub-reader's callback gets: which side it is. */
typedef struct side {
    pair *p;
    int which;
    lk_docreader *r;
} side;

struct pair {
    lk_docreader base; /* first: the port's handle */
    side sides[SIDES];
    atomic_int active;  /* side of the latest read(), or -1 */
    pthread_mutex_t mu; /* guards the callbacks below against a concurrent re-register */
    lk_id_presence_cb presence;
    void *presence_ctx;
    lk_id_service_cb service;
    void *service_ctx;
};

static int side_of(lk_doc_kind kind)
{
    return kind == LK_DOC_RESIDENT_ID ? SIDE_RESIDENT
           : kind == LK_DOC_PASSPORT  ? SIDE_PASSPORT
                                      : -1;
}

static int pair_read(lk_docreader *base, lk_doc_kind kind, const lk_mrz_keys *keys, int cancel_fd,
                     lk_id_progress_cb progress, void *progress_ctx, lk_id_result *out, lk_err *err)
{
    pair *p = (pair *)base;
    int which = side_of(kind);
    if (which < 0)
        return lk_err_set(err, LK_ENOTSUP, "document kind %d has no reader", (int)kind);
    atomic_store(&p->active, which);
    lk_docreader *r = p->sides[which].r;
    return r->ops->read(r, kind, keys, cancel_fd, progress, progress_ctx, out, err);
}

static void on_presence(void *ctx, int present)
{
    side *s = ctx;
    pair *p = s->p;
    if (atomic_load(&p->active) != s->which)
        return;
    pthread_mutex_lock(&p->mu);
    if (p->presence)
        p->presence(p->presence_ctx, present);
    pthread_mutex_unlock(&p->mu);
}

static void on_service(void *ctx, const uint8_t *token, size_t len)
{
    side *s = ctx;
    pair *p = s->p;
    pthread_mutex_lock(&p->mu);
    if (p->service)
        p->service(p->service_ctx, token, len);
    pthread_mutex_unlock(&p->mu);
}

static void pair_watch(lk_docreader *base, lk_id_presence_cb cb, void *ctx)
{
    pair *p = (pair *)base;
    pthread_mutex_lock(&p->mu);
    p->presence = cb;
    p->presence_ctx = ctx;
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < SIDES; i++) {
        lk_docreader *r = p->sides[i].r;
        r->ops->watch(r, cb ? on_presence : NULL, cb ? &p->sides[i] : NULL);
    }
}

static void pair_watch_service(lk_docreader *base, lk_id_service_cb cb, void *ctx)
{
    pair *p = (pair *)base;
    pthread_mutex_lock(&p->mu);
    p->service = cb;
    p->service_ctx = ctx;
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < SIDES; i++) {
        lk_docreader *r = p->sides[i].r;
        if (r->ops->watch_service)
            r->ops->watch_service(r, cb ? on_service : NULL, cb ? &p->sides[i] : NULL);
    }
}

/* How bad a status is, for "the worse of two": a fault outranks everything, unknown ranks
 * just below it (a reader that cannot be asked may be dead). */
static int severity(lk_device_status s)
{
    switch (s) {
    case LK_DEVICE_FAULT:
        return 5;
    case LK_DEVICE_UNKNOWN:
        return 4;
    case LK_DEVICE_DISABLED:
        return 3;
    case LK_DEVICE_WARNING:
        return 2;
    case LK_DEVICE_BUSY:
        return 1;
    default:
        return 0;
    }
}

static const char *side_name(int which)
{
    return which == SIDE_RESIDENT ? "ID-card reader" : "passport reader";
}

static int pair_state(lk_docreader *base, lk_device_state *out)
{
    pair *p = (pair *)base;
    lk_device_state st[SIDES];
    int worst = 0;
    for (int i = 0; i < SIDES; i++) {
        lk_docreader *r = p->sides[i].r;
        memset(&st[i], 0, sizeof st[i]);
        if (r->ops->state(r, &st[i]) != 0)
            st[i].status = LK_DEVICE_UNKNOWN;
        if (severity(st[i].status) > severity(st[worst].status))
            worst = i;
    }
    out->status = st[worst].status;
    if (st[worst].reason[0])
        snprintf(out->reason, sizeof out->reason, "%s: %.130s", side_name(worst), st[worst].reason);
    else
        out->reason[0] = '\0';
    return 0;
}

static void pair_close(lk_docreader *base)
{
    pair *p = (pair *)base;
    for (int i = 0; i < SIDES; i++)
        p->sides[i].r->ops->close(p->sides[i].r);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static const lk_docreader_ops pair_ops = {
    .name = "pair",
    .read = pair_read,
    .watch = pair_watch,
    .state = pair_state,
    .watch_service = pair_watch_service,
    .close = pair_close,
};

int lk_docreader_pair_create(lk_docreader *resident, lk_docreader *passport, lk_docreader **out,
                             lk_err *err)
{
    *out = NULL;
    if (!resident || !passport || resident == passport)
        return lk_err_set(err, LK_EINVAL, "a reader pair needs two distinct readers");
    pair *p = calloc(1, sizeof *p);
    if (!p)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    p->base.ops = &pair_ops;
    p->sides[SIDE_RESIDENT] = (side){.p = p, .which = SIDE_RESIDENT, .r = resident};
    p->sides[SIDE_PASSPORT] = (side){.p = p, .which = SIDE_PASSPORT, .r = passport};
    atomic_init(&p->active, -1);
    pthread_mutex_init(&p->mu, NULL);
    *out = &p->base;
    return 0;
}
