/* lk_docreader_nfc: eMRTD reads behind the docreader port. One mutex serialises every lk_nfc
 * call but cancel (lk_nfc is single-threaded); a presence thread checks a card that was read
 * until it leaves, so the session hears of a passport taken away during the face check. The
 * cancel fd is turned into lk_nfc_cancel + the emrtd cancel flag by a short-lived thread per
 * read, because both blocking layers wait inside libnfc, not on our fd.
 *
 * Service cards: while a service callback is registered and no read is running (nobody is
 * asking for a document), the same thread looks at the field every presence period: a card
 * that answers the service AID has its token read (lk_cardapp_read_service) and handed to the
 * callback, never treated as a document. Each card is looked at once per stay in the field: its
 * UID is remembered until a round finds the field empty or another card. */
#include "lk_docreader_nfc.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kiosk/lk_bac.h"
#include "kiosk/lk_cardapp.h"
#include "kiosk/lk_emrtd.h"
#include "kiosk/lk_pa.h"
#include "kiosk/lk_record.h"
#include "lk_nfc.h"

typedef struct nfc_reader {
    lk_docreader base;
    lk_nfc *nfc;
    pthread_mutex_t mu; /* lk_nfc use; also guards the fields below */
    lk_id_presence_cb cb;
    void *cb_ctx;
    int have_card; /* a read card may still be in the field: the presence thread looks */
    int quit, presence_ms, require_pa;
    char csca_dir[512];
    pthread_t presence;
    int presence_started;
    pthread_cond_t cv;
    lk_id_service_cb svc_cb; /* service cards: looked for while no read runs */
    void *svc_ctx;
    int reading, in_cb;   /* in_cb: the service callback runs (mu released) */
    uint8_t seen_uid[10]; /* the card last looked at while idle, until it leaves */
    size_t seen_len;
} nfc_reader;

typedef struct cancel_watch {
    nfc_reader *r;
    int cancel_fd, stop_fd[2];
    atomic_bool flag;
    pthread_t t;
} cancel_watch;

static void *cancel_main(void *arg)
{
    cancel_watch *w = arg;
    struct pollfd p[2] = {{.fd = w->cancel_fd, .events = POLLIN},
                          {.fd = w->stop_fd[0], .events = POLLIN}};
    while (poll(p, 2, -1) < 0)
        ;
    if (p[0].revents && !p[1].revents) {
        atomic_store(&w->flag, true);
        lk_nfc_cancel(w->r->nfc);
    }
    return NULL;
}

static int cancel_watch_start(cancel_watch *w, nfc_reader *r, int cancel_fd)
{
    w->r = r;
    w->cancel_fd = cancel_fd;
    atomic_init(&w->flag, false);
    if (pipe(w->stop_fd) != 0)
        return LK_EIO;
    if (pthread_create(&w->t, NULL, cancel_main, w) != 0) {
        close(w->stop_fd[0]);
        close(w->stop_fd[1]);
        return LK_ENOMEM;
    }
    return 0;
}

static void cancel_watch_stop(cancel_watch *w)
{
    (void)!write(w->stop_fd[1], "x", 1);
    pthread_join(w->t, NULL);
    close(w->stop_fd[0]);
    close(w->stop_fd[1]);
    lk_nfc_rearm(w->r->nfc);
}

static void notify(nfc_reader *r, int present)
{
    pthread_mutex_lock(&r->mu);
    lk_id_presence_cb cb = r->cb;
    void *ctx = r->cb_ctx;
    pthread_mutex_unlock(&r->mu);
    if (cb)
        cb(ctx, present);
}

typedef struct read_progress {
    lk_id_progress_cb cb;
    void *ctx;
} read_progress;

/* BAC, then COM, DG1, DG2, SOD: DG2 (the photo) is most of the bytes. */
static void on_emrtd_progress(void *ctx, lk_emrtd_stage stage, size_t done, size_t total)
{
    static const int base[] = {0, 5, 10, 20, 90}, span[] = {5, 5, 10, 70, 10};
    read_progress *p = ctx;
    int pct = base[stage] + (total ? (int)((size_t)span[stage] * done / total) : 0);
    if (p->cb)
        p->cb(p->ctx, pct > 99 ? 99 : pct);
}

static int wait_card(nfc_reader *r, cancel_watch *w, lk_err *err)
{
    for (;;) {
        lk_nfc_target t;
        pthread_mutex_lock(&r->mu);
        int rc = lk_nfc_wait_card(r->nfc, 250, &t, err);
        pthread_mutex_unlock(&r->mu);
        if (atomic_load(&w->flag))
            return lk_err_set(err, LK_ECANCELED, "read cancelled");
        if (rc == 0 && t.iso14443_4)
            return 0;
        if (rc == 0 || rc == LK_ETIMEDOUT) {
            usleep(50 * 1000); /* a card that speaks no APDUs is not a document: keep looking */
            continue;
        }
        return rc;
    }
}

static int map_read_error(int rc, lk_err *err)
{
    switch (rc) {
    case LK_ENODEV:
    case LK_EIO:
    case LK_ETIMEDOUT:
        return lk_err_set(err, LK_EIO, "document removed or transfer failed: %s",
                          err ? err->msg : "");
    case LK_EBADSIG:
        return lk_err_set(err, LK_EPROTO, "BAC refused the MRZ keys");
    case LK_ECANCELED:
        return lk_err_set(err, LK_ECANCELED, "read cancelled");
    default:
        return rc;
    }
}

static int fill_result(nfc_reader *r, const lk_emrtd_doc *doc, lk_id_result *out, lk_err *err)
{
    if (!doc->mrz.valid)
        return lk_err_set(err, LK_EPROTO, "DG1: MRZ check digits do not agree");
    lk_pa_result pa;
    memset(&pa, 0, sizeof pa);
    int rc = lk_emrtd_passive_auth(doc, r->csca_dir[0] ? r->csca_dir : NULL, &pa, err);
    if (rc != 0 && r->require_pa)
        return lk_err_set(err, LK_EPROTO, "passive authentication failed: %s", pa.reason);
    memset(out, 0, sizeof *out);
    out->kind = LK_DOC_PASSPORT;
    snprintf(out->doc_type, sizeof out->doc_type, "passport");
    snprintf(out->number, sizeof out->number, "%.31s", doc->mrz.document_number);
    lk_record_mask_doc(out->number, out->masked, sizeof out->masked);
    snprintf(out->name, sizeof out->name, "%.47s%s%.47s", doc->mrz.surname,
             doc->mrz.given_names[0] ? " " : "", doc->mrz.given_names);
    if (doc->face.image && doc->face.image_len) {
        out->photo = malloc(doc->face.image_len);
        if (!out->photo)
            return lk_err_set(err, LK_ENOMEM, "out of memory");
        memcpy(out->photo, doc->face.image, doc->face.image_len);
        out->photo_len = doc->face.image_len;
        int jpeg =
            doc->face.image_len > 2 && doc->face.image[0] == 0xFF && doc->face.image[1] == 0xD8;
        snprintf(out->photo_format, sizeof out->photo_format, "%s", jpeg ? "jpeg" : "jp2");
    }
    return 0;
}

static int read_chip(nfc_reader *r, const lk_mrz_keys *keys, cancel_watch *w, read_progress *pr,
                     lk_id_result *out, lk_err *err)
{
    char info[LK_BAC_MRZ_INFO_MAX];
    int rc = lk_bac_mrz_info(keys->doc_number, keys->birth, keys->expiry, info, err);
    if (rc != 0)
        return lk_err_set(err, LK_EPROTO, "MRZ keys: %s", err ? err->msg : "invalid");
    lk_emrtd_opts o = {
        .mrz_info = info, .progress = on_emrtd_progress, .progress_ctx = pr, .cancel = &w->flag};
    lk_emrtd_doc doc;
    memset(&doc, 0, sizeof doc);
    pthread_mutex_lock(&r->mu);
    lk_apdu_port port = lk_nfc_port(r->nfc);
    rc = lk_emrtd_read(&port, &o, &doc, err);
    pthread_mutex_unlock(&r->mu);
    explicit_bzero(info, sizeof info);
    if (rc == 0)
        rc = fill_result(r, &doc, out, err);
    else
        rc = map_read_error(rc, err);
    lk_emrtd_doc_free(&doc);
    return rc;
}

static int nfc_read(lk_docreader *base, lk_doc_kind kind, const lk_mrz_keys *keys, int cancel_fd,
                    lk_id_progress_cb progress, void *ctx, lk_id_result *out, lk_err *err)
{
    nfc_reader *r = (nfc_reader *)base;
    if (kind != LK_DOC_PASSPORT || !keys)
        return lk_err_set(err, LK_ENOTSUP,
                          "the NFC reader reads passports and travel permits only");
    cancel_watch w;
    int rc = cancel_watch_start(&w, r, cancel_fd);
    if (rc != 0)
        return lk_err_set(err, rc, "cannot watch the cancel fd");
    pthread_mutex_lock(&r->mu);
    r->reading = 1; /* the service-card look stays out of the field */
    pthread_mutex_unlock(&r->mu);
    read_progress pr = {progress, ctx};
    rc = wait_card(r, &w, err);
    if (rc == 0) {
        notify(r, 1);
        if (progress)
            progress(ctx, 0);
        rc = read_chip(r, keys, &w, &pr, out, err);
        if (rc == 0 && progress)
            progress(ctx, 100);
    }
    if (rc != 0 && atomic_load(&w.flag))
        rc = lk_err_set(err, LK_ECANCELED, "read cancelled");
    cancel_watch_stop(&w);
    pthread_mutex_lock(&r->mu);
    r->have_card = rc == 0;
    r->reading = 0;
    r->seen_len = 0;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    if (rc != 0)
        lk_id_result_wipe(out);
    return rc;
}

/* One idle look at the field (mu held; released around the callback). A card seen in the
 * last round is not looked at again; a service card's token goes to the callback. */
static void look_for_service(nfc_reader *r)
{
    lk_nfc_target t;
    if (lk_nfc_wait_card(r->nfc, 0, &t, NULL) != 0) {
        r->seen_len = 0; /* the field is empty: the next card is a new one */
        return;
    }
    size_t ul = t.uid_len < sizeof r->seen_uid ? t.uid_len : sizeof r->seen_uid;
    int same = ul == r->seen_len && memcmp(t.uid, r->seen_uid, ul) == 0;
    memcpy(r->seen_uid, t.uid, ul);
    r->seen_len = ul;
    uint8_t *token = NULL;
    size_t len = 0;
    int rc = LK_ENOTSUP;
    if (!same && t.iso14443_4) {
        lk_apdu_port port = lk_nfc_port(r->nfc);
        rc = lk_cardapp_read_service(&port, &token, &len, NULL);
    }
    (void)lk_nfc_release(r->nfc, NULL); /* a passport is found again by the read that wants it */
    if (rc != 0) {
        if (!same && rc != LK_ENOTSUP)
            r->seen_len = 0; /* cut short (pulled, timeout): try again next round */
        free(token);
        return;
    }
    lk_id_service_cb cb = r->svc_cb;
    void *ctx = r->svc_ctx;
    r->in_cb = 1;
    pthread_mutex_unlock(&r->mu);
    if (cb)
        cb(ctx, token, len);
    pthread_mutex_lock(&r->mu);
    r->in_cb = 0;
    pthread_cond_broadcast(&r->cv);
    explicit_bzero(token, len);
    free(token);
}

/* Looks at a read card until it leaves; then says so once. */
static void *presence_main(void *arg)
{
    nfc_reader *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->quit) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)r->presence_ms * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&r->cv, &r->mu, &ts);
        if (!r->quit && !r->have_card && !r->reading && r->svc_cb)
            look_for_service(r);
        if (r->quit || !r->have_card)
            continue;
        if (lk_nfc_present(r->nfc, NULL) == LK_ENODEV) {
            r->have_card = 0;
            lk_id_presence_cb cb = r->cb;
            void *ctx = r->cb_ctx;
            pthread_mutex_unlock(&r->mu);
            if (cb)
                cb(ctx, 0);
            pthread_mutex_lock(&r->mu);
        }
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void nfc_watch(lk_docreader *base, lk_id_presence_cb cb, void *ctx)
{
    nfc_reader *r = (nfc_reader *)base;
    pthread_mutex_lock(&r->mu);
    r->cb = cb;
    r->cb_ctx = ctx;
    pthread_mutex_unlock(&r->mu);
}

static void nfc_watch_service(lk_docreader *base, lk_id_service_cb cb, void *ctx)
{
    nfc_reader *r = (nfc_reader *)base;
    pthread_mutex_lock(&r->mu);
    while (r->in_cb && !pthread_equal(pthread_self(), r->presence))
        pthread_cond_wait(&r->cv, &r->mu); /* the old callback's ctx may go once we return */
    r->svc_cb = cb;
    r->svc_ctx = ctx;
    r->seen_len = 0;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static int nfc_state(lk_docreader *base, lk_device_state *out)
{
    nfc_reader *r = (nfc_reader *)base;
    *out = lk_nfc_state(r->nfc);
    return 0;
}

static void nfc_close(lk_docreader *base)
{
    nfc_reader *r = (nfc_reader *)base;
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->quit = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    if (r->presence_started)
        pthread_join(r->presence, NULL);
    lk_nfc_close(r->nfc);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static const lk_docreader_ops nfc_ops = {
    .name = "libnfc-emrtd",
    .read = nfc_read,
    .watch = nfc_watch,
    .state = nfc_state,
    .watch_service = nfc_watch_service,
    .close = nfc_close,
};

int lk_docreader_nfc_create(const lk_docreader_nfc_cfg *cfg, lk_docreader **out, lk_err *err)
{
    *out = NULL;
    if (!cfg->connstring || !*cfg->connstring)
        return lk_err_set(err, LK_ECONFIG, "nfc.device is not set");
    nfc_reader *r = calloc(1, sizeof *r);
    if (!r)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    r->base.ops = &nfc_ops;
    r->require_pa = cfg->require_pa;
    r->presence_ms = cfg->presence_ms > 0 ? cfg->presence_ms : 300;
    snprintf(r->csca_dir, sizeof r->csca_dir, "%s", cfg->csca_dir ? cfg->csca_dir : "");
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    int rc = lk_nfc_open(cfg->connstring, &r->nfc, err);
    if (rc == 0 && pthread_create(&r->presence, NULL, presence_main, r) != 0)
        rc = lk_err_set(err, LK_ENOMEM, "cannot start the presence thread");
    if (rc != 0) {
        r->presence_started = 0;
        nfc_close(&r->base);
        return rc;
    }
    r->presence_started = 1;
    *out = &r->base;
    return 0;
}

int lk_docreader_nfc_with(lk_docreader *base, int (*fn)(lk_nfc *n, void *ctx), void *ctx,
                          lk_err *err)
{
    if (!base || base->ops != &nfc_ops)
        return lk_err_set(err, LK_EINVAL, "not a libnfc document reader");
    nfc_reader *r = (nfc_reader *)base;
    pthread_mutex_lock(&r->mu);
    int rc = fn(r->nfc, ctx);
    pthread_mutex_unlock(&r->mu);
    return rc;
}
