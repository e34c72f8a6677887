/* lk_idr_sim: a simulated identity-document reader. A card "enters the field" when a card file
 * is inserted; a read waits for it, walks five steps (select, authenticate, read data groups,
 * read photo, verify), checks that the card is still there after each, and for passports
 * insists on the right MRZ keys as BAC would. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "kiosk/lk_record.h"
#include "kiosk/lk_worker.h"
#include "lk_sim.h"

#define STEPS 5

typedef struct card {
    char doc_type[16], number[32], name[96], face[48], birth[8], expiry[8];
} card;

typedef struct idr_sim {
    lk_docreader base;
    pthread_mutex_t mu;
    int wake_fd;
    int present;
    unsigned gen; /* bumped on every insert/remove, so a read sees a swap too */
    card c;
    int delay_ms;
    lk_id_presence_cb cb;
    void *cb_ctx;
    lk_id_service_cb svc_cb;
    void *svc_ctx;
} idr_sim;

static void wake(idr_sim *s)
{
    uint64_t one = 1;
    (void)!write(s->wake_fd, &one, sizeof one);
}

static void drain(idr_sim *s)
{
    uint64_t n;
    (void)!read(s->wake_fd, &n, sizeof n);
}

static int copy_str(const cJSON *o, const char *key, char *dst, size_t n, int required)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= n)
        return required ? -1 : 0;
    memcpy(dst, v->valuestring, strlen(v->valuestring) + 1);
    return 0;
}

static int load_card(const char *path, card *c, lk_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return lk_err_set(err, LK_EIO, "cannot open card file %s", path);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    cJSON *o = cJSON_Parse(buf);
    explicit_bzero(buf, sizeof buf);
    memset(c, 0, sizeof *c);
    int bad = !cJSON_IsObject(o) || copy_str(o, "doc_type", c->doc_type, sizeof c->doc_type, 1) ||
              copy_str(o, "number", c->number, sizeof c->number, 1) ||
              copy_str(o, "name", c->name, sizeof c->name, 1) ||
              copy_str(o, "face", c->face, sizeof c->face, 0) ||
              copy_str(o, "birth", c->birth, sizeof c->birth, 0) ||
              copy_str(o, "expiry", c->expiry, sizeof c->expiry, 0);
    cJSON_Delete(o);
    if (bad)
        return lk_err_set(err, LK_EINVAL, "card file %s: needs doc_type, number, name", path);
    if (!c->face[0])
        snprintf(c->face, sizeof c->face, "holder");
    return 0;
}

int lk_idr_sim_insert(lk_docreader *r, const char *card_file, lk_err *err)
{
    idr_sim *s = (idr_sim *)r;
    card c;
    int rc = load_card(card_file, &c, err);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&s->mu);
    s->c = c;
    s->present = 1;
    s->gen++;
    lk_id_presence_cb cb = s->cb;
    void *ctx = s->cb_ctx;
    pthread_mutex_unlock(&s->mu);
    explicit_bzero(&c, sizeof c);
    wake(s);
    if (cb)
        cb(ctx, 1);
    return 0;
}

void lk_idr_sim_remove(lk_docreader *r)
{
    idr_sim *s = (idr_sim *)r;
    pthread_mutex_lock(&s->mu);
    int was = s->present;
    s->present = 0;
    s->gen++;
    explicit_bzero(&s->c, sizeof s->c);
    lk_id_presence_cb cb = s->cb;
    void *ctx = s->cb_ctx;
    pthread_mutex_unlock(&s->mu);
    wake(s);
    if (cb && was)
        cb(ctx, 0);
}

void lk_idr_sim_set_delay(lk_docreader *r, int ms_per_step)
{
    idr_sim *s = (idr_sim *)r;
    pthread_mutex_lock(&s->mu);
    s->delay_ms = ms_per_step < 0 ? 0 : ms_per_step;
    pthread_mutex_unlock(&s->mu);
}

/* Blocks until a card is present; returns its generation or a negative code. */
static int wait_card(idr_sim *s, int cancel_fd, unsigned *gen)
{
    for (;;) {
        pthread_mutex_lock(&s->mu);
        int present = s->present;
        *gen = s->gen;
        pthread_mutex_unlock(&s->mu);
        if (present)
            return 0;
        int rc = lk_worker_wait(s->wake_fd, cancel_fd, -1);
        if (rc < 0)
            return rc;
        drain(s);
    }
}

static int bac_ok(const card *c, const lk_mrz_keys *k)
{
    return k && strcmp(k->doc_number, c->number) == 0 && strcmp(k->birth, c->birth) == 0 &&
           strcmp(k->expiry, c->expiry) == 0;
}

static int fill(const card *c, lk_id_result *out, lk_err *err)
{
    memset(out, 0, sizeof *out);
    out->kind = strcmp(c->doc_type, "passport") == 0 ? LK_DOC_PASSPORT : LK_DOC_RESIDENT_ID;
    memcpy(out->doc_type, c->doc_type, sizeof out->doc_type);
    memcpy(out->number, c->number, sizeof out->number);
    memcpy(out->name, c->name, sizeof out->name);
    lk_record_mask_doc(c->number, out->masked, sizeof out->masked);
    out->photo_len = 8 + strlen(c->face);
    out->photo = malloc(out->photo_len);
    if (!out->photo)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    memcpy(out->photo, "SIMFACE:", 8);
    memcpy(out->photo + 8, c->face, strlen(c->face));
    snprintf(out->photo_format, sizeof out->photo_format, "sim");
    return 0;
}

static int sim_read(lk_docreader *r, lk_doc_kind kind, const lk_mrz_keys *keys, int cancel_fd,
                    lk_id_progress_cb progress, void *pctx, lk_id_result *out, lk_err *err)
{
    idr_sim *s = (idr_sim *)r;
    unsigned gen;
    int rc = wait_card(s, cancel_fd, &gen);
    if (rc < 0)
        return lk_err_set(err, rc, "read: %s", lk_strerror(rc));
    if (progress) /* the document is there: reading has begun */
        progress(pctx, 0);
    for (int step = 1; step <= STEPS; step++) {
        pthread_mutex_lock(&s->mu);
        int delay = s->delay_ms;
        pthread_mutex_unlock(&s->mu);
        if (delay > 0 && lk_worker_wait(-1, cancel_fd, delay) == LK_ECANCELED)
            return lk_err_set(err, LK_ECANCELED, "read cancelled");
        pthread_mutex_lock(&s->mu);
        int same = s->present && s->gen == gen;
        card c = s->c;
        pthread_mutex_unlock(&s->mu);
        if (!same)
            rc = lk_err_set(err, LK_EIO, "document removed during read (step %d of %d)", step,
                            STEPS);
        else if ((kind == LK_DOC_PASSPORT) != (strcmp(c.doc_type, "passport") == 0))
            rc = lk_err_set(err, LK_ENOTSUP, "the document is not of the kind chosen");
        else if (step == 2 && kind == LK_DOC_PASSPORT && !bac_ok(&c, keys))
            rc = lk_err_set(err, LK_EPROTO, "BAC: the document refused the MRZ access keys");
        else if (step == STEPS)
            rc = fill(&c, out, err);
        explicit_bzero(&c, sizeof c);
        if (rc != 0)
            return rc;
        if (progress)
            progress(pctx, step * 100 / STEPS);
    }
    return 0;
}

static void sim_watch(lk_docreader *r, lk_id_presence_cb cb, void *ctx)
{
    idr_sim *s = (idr_sim *)r;
    pthread_mutex_lock(&s->mu);
    s->cb = cb;
    s->cb_ctx = ctx;
    pthread_mutex_unlock(&s->mu);
}

static void sim_watch_service(lk_docreader *r, lk_id_service_cb cb, void *ctx)
{
    idr_sim *s = (idr_sim *)r;
    pthread_mutex_lock(&s->mu);
    s->svc_cb = cb;
    s->svc_ctx = ctx;
    pthread_mutex_unlock(&s->mu);
}

/* A service card is tapped and taken away again: its token goes to the callback only, never to
 * a document read. */
int lk_idr_sim_service(lk_docreader *r, const char *token_file, lk_err *err)
{
    idr_sim *s = (idr_sim *)r;
    FILE *f = fopen(token_file, "rb");
    if (!f)
        return lk_err_set(err, LK_EIO, "cannot open service card file %s", token_file);
    uint8_t buf[512];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    pthread_mutex_lock(&s->mu);
    lk_id_service_cb cb = s->svc_cb;
    void *ctx = s->svc_ctx;
    pthread_mutex_unlock(&s->mu);
    if (cb)
        cb(ctx, buf, n);
    return 0;
}

static int sim_state(lk_docreader *r, lk_device_state *out)
{
    (void)r;
    memset(out, 0, sizeof *out);
    out->status = LK_DEVICE_NORMAL;
    return 0;
}

static void sim_close(lk_docreader *r)
{
    idr_sim *s = (idr_sim *)r;
    if (!s)
        return;
    close(s->wake_fd);
    pthread_mutex_destroy(&s->mu);
    explicit_bzero(s, sizeof *s);
    free(s);
}

static const lk_docreader_ops sim_ops = {
    .name = "sim",
    .read = sim_read,
    .watch = sim_watch,
    .state = sim_state,
    .watch_service = sim_watch_service,
    .close = sim_close,
};

int lk_idr_sim_create(lk_docreader **out, lk_err *err)
{
    *out = NULL;
    idr_sim *s = calloc(1, sizeof *s);
    if (!s)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->wake_fd < 0) {
        free(s);
        return lk_err_set(err, LK_EIO, "eventfd failed");
    }
    pthread_mutex_init(&s->mu, NULL);
    s->base.ops = &sim_ops;
    *out = &s->base;
    return 0;
}
