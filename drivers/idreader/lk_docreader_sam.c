/* lk_docreader_sam: port adapter. The SAM API has no presence check, so a removal is only seen
 * by a read that fails (LK_ENOENT from the plug-in -> LK_EIO); the cancel fd is looked at
 * between short wait_card rounds. The card's raw RGB24 photo is handed on as a BMP, an encoding
 * every face plug-in decodes. */
#include "lk_docreader_sam.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_record.h"
#include "kiosk/lk_worker.h"

typedef struct sam_reader {
    lk_docreader base;
    lk_idreader r;
    pthread_mutex_t mu; /* guards cb */
    lk_id_presence_cb cb;
    void *cb_ctx;
} sam_reader;

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* 24-bit bottom-up BMP (BITMAPINFOHEADER) of a top-down RGB24 image. */
static int to_bmp(const lk_idcard *c, lk_id_result *out)
{
    uint32_t w = c->photo_width, h = c->photo_height, row = (w * 3 + 3) & ~3u;
    if (!c->photo || !w || !h || c->photo_len < (size_t)w * 3 * h)
        return 0;
    size_t len = 54 + (size_t)row * h;
    uint8_t *b = calloc(1, len);
    if (!b)
        return LK_ENOMEM;
    b[0] = 'B';
    b[1] = 'M';
    put32(b + 2, (uint32_t)len);
    put32(b + 10, 54);
    put32(b + 14, 40);
    put32(b + 18, w);
    put32(b + 22, h);
    b[26] = 1;
    b[28] = 24;
    for (uint32_t y = 0; y < h; y++) {
        const uint8_t *src = c->photo + (size_t)(h - 1 - y) * w * 3;
        uint8_t *dst = b + 54 + (size_t)y * row;
        for (uint32_t x = 0; x < w; x++) {
            dst[3 * x] = src[3 * x + 2];
            dst[3 * x + 1] = src[3 * x + 1];
            dst[3 * x + 2] = src[3 * x];
        }
    }
    out->photo = b;
    out->photo_len = len;
    snprintf(out->photo_format, sizeof out->photo_format, "bmp");
    return 0;
}

static int wait_card(sam_reader *s, int cancel_fd, lk_err *err)
{
    for (;;) {
        if (lk_worker_wait(-1, cancel_fd, 0) == LK_ECANCELED)
            return lk_err_set(err, LK_ECANCELED, "read cancelled");
        int rc = lk_idreader_wait_card(&s->r, 250, err);
        if (rc != LK_ETIMEDOUT)
            return rc;
    }
}

static int sam_read(lk_docreader *base, lk_doc_kind kind, const lk_mrz_keys *keys, int cancel_fd,
                    lk_id_progress_cb progress, void *ctx, lk_id_result *out, lk_err *err)
{
    sam_reader *s = (sam_reader *)base;
    (void)keys;
    if (kind != LK_DOC_RESIDENT_ID)
        return lk_err_set(err, LK_ENOTSUP, "the SAM reader reads resident ID cards only");
    int rc = wait_card(s, cancel_fd, err);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&s->mu);
    lk_id_presence_cb cb = s->cb;
    void *cb_ctx = s->cb_ctx;
    pthread_mutex_unlock(&s->mu);
    if (cb)
        cb(cb_ctx, 1);
    if (progress)
        progress(ctx, 0);
    lk_idcard c;
    memset(&c, 0, sizeof c);
    rc = lk_idreader_read_card(&s->r, &c, err);
    if (rc == LK_ENOENT || rc == LK_EIO)
        rc = lk_err_set(err, LK_EIO, "card removed or read failed");
    if (rc == 0) {
        memset(out, 0, sizeof *out);
        out->kind = LK_DOC_RESIDENT_ID;
        snprintf(out->doc_type, sizeof out->doc_type, "resident_id");
        snprintf(out->number, sizeof out->number, "%s", c.id_number);
        lk_record_mask_doc(out->number, out->masked, sizeof out->masked);
        memcpy(out->name, c.name, sizeof out->name);
        out->name[sizeof out->name - 1] = '\0';
        rc = to_bmp(&c, out);
        if (rc != 0)
            rc = lk_err_set(err, rc, "out of memory");
    }
    lk_idcard_wipe(&c);
    if (rc != 0)
        lk_id_result_wipe(out);
    else if (progress)
        progress(ctx, 100);
    return rc;
}

static void sam_watch(lk_docreader *base, lk_id_presence_cb cb, void *ctx)
{
    sam_reader *s = (sam_reader *)base;
    pthread_mutex_lock(&s->mu);
    s->cb = cb;
    s->cb_ctx = ctx;
    pthread_mutex_unlock(&s->mu);
}

static int sam_state(lk_docreader *base, lk_device_state *out)
{
    (void)base;
    memset(out, 0, sizeof *out);
    out->status = LK_DEVICE_NORMAL;
    return 0;
}

static void sam_close(lk_docreader *base)
{
    sam_reader *s = (sam_reader *)base;
    if (!s)
        return;
    lk_idreader_close(&s->r);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static const lk_docreader_ops sam_ops = {.name = "sam-plugin",
                                         .read = sam_read,
                                         .watch = sam_watch,
                                         .state = sam_state,
                                         .close = sam_close};

int lk_docreader_sam_create(const lk_idreader_plugin_cfg *cfg, lk_docreader **out, lk_err *err)
{
    *out = NULL;
    if (!cfg->plugin_path || !*cfg->plugin_path)
        return lk_err_set(err, LK_ECONFIG, "idreader.plugin is not set");
    sam_reader *s = calloc(1, sizeof *s);
    if (!s)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    s->base.ops = &sam_ops;
    pthread_mutex_init(&s->mu, NULL);
    int rc = lk_idreader_plugin_open(cfg, &s->r, err);
    if (rc != 0) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        return rc;
    }
    *out = &s->base;
    return 0;
}
