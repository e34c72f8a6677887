/* kiosk_registry: the registry lookup port (lk_lookup over lk_registry_lookup) and the
 * background sync worker of the kiosk. */
#include "kiosk_registry.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_registry.h"

#define ACTOR "kiosk"

struct kiosk_registry {
    lk_lookup base;
    /* The lookup's own store connection and registry handle: used by one worker at a time
     * (a lookup the session gave up on may still run when the next one starts). */
    pthread_mutex_t mu;
    lk_store *st;
    lk_registry *reg;
    lk_registry_worker *w;
    lk_loop *loop;
    void (*changed)(void *ctx);
    void *ctx;
};

static int kr_find(lk_lookup *l, const char *doc_type, const char *number, lk_store_match_cb cb,
                   void *ctx, lk_lookup_info *info, lk_err *err)
{
    kiosk_registry *kr = (kiosk_registry *)l;
    lk_registry_lookup_info ri;
    pthread_mutex_lock(&kr->mu);
    int rc = lk_registry_lookup(kr->reg, kr->st, doc_type, number, cb, ctx, &ri, err);
    pthread_mutex_unlock(&kr->mu);
    info->live = ri.live;
    info->elapsed_ms = ri.elapsed_ms;
    snprintf(info->fallback, sizeof info->fallback, "%s", ri.fallback);
    return rc;
}

static int kr_printable(lk_lookup *l, lk_store *st, const char *uscc, lk_err *err)
{
    (void)l;
    return lk_registry_check_printable(st, uscc, err);
}

static const lk_lookup_ops kr_ops = {.find = kr_find, .printable = kr_printable};

static void on_round(void *ctx, int fd, uint32_t events)
{
    (void)fd;
    (void)events;
    kiosk_registry *kr = ctx;
    lk_registry_sync_stats s;
    lk_err err = {0};
    int rc = lk_registry_worker_result(kr->w, &s, NULL, &err);
    if (rc != 0)
        fprintf(stderr, "kiosk: registry sync: %s\n", err.msg[0] ? err.msg : lk_strerror(rc));
    if (rc == 0 && (s.upserts || s.revocations || s.reprints || s.qr_changes) && kr->changed)
        kr->changed(kr->ctx);
}

static int configured(lk_store *st)
{
    char *url = NULL;
    int yes = lk_config_get(st, "registry.url", &url, NULL, NULL) == 0 && url[0];
    free(url);
    return yes;
}

/* A registry that is configured but cannot be used (a key missing, a file unreadable) must not
 * keep the lobby shut: the kiosk serves from its local store, and says so where staff look. */
static void unusable(lk_store *st, kiosk_registry *kr, const lk_err *why, kiosk_registry **out)
{
    fprintf(stderr, "kiosk: registry not used, serving from the local store: %s\n", why->msg);
    char reason[sizeof why->msg], detail[sizeof why->msg + 16];
    snprintf(reason, sizeof reason, "%s", why->msg);
    for (char *c = reason; *c; c++) /* plain JSON text: no quote, backslash or control */
        if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
            *c = ' ';
    snprintf(detail, sizeof detail, "{\"reason\":\"%s\"}", reason);
    (void)lk_audit_append(st, ACTOR, "registry.unavailable", detail, NULL);
    kiosk_registry_stop(kr);
    *out = NULL;
}

int kiosk_registry_start(lk_store *st, const char *db_path, const char *secret_path, lk_loop *loop,
                         void (*changed)(void *ctx), void *ctx, kiosk_registry **out, lk_err *err)
{
    *out = NULL;
    if (!configured(st))
        return 0;
    kiosk_registry *kr = calloc(1, sizeof *kr);
    if (!kr)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    kr->base.ops = &kr_ops;
    kr->loop = loop, kr->changed = changed, kr->ctx = ctx;
    pthread_mutex_init(&kr->mu, NULL);
    *out = kr;
    int rc = lk_store_open(db_path, secret_path, &kr->st, err);
    if (rc == 0)
        rc = lk_registry_open(kr->st, ACTOR, 0, &kr->reg, err);
    if (rc == 0)
        rc = lk_registry_worker_start(db_path, secret_path, ACTOR, &kr->w, err);
    if (rc == 0)
        rc = lk_loop_watch(loop, lk_registry_worker_fd(kr->w), 1 /* EPOLLIN */, on_round, kr);
    if (rc != 0)
        unusable(st, kr, err, out);
    return 0;
}

lk_lookup *kiosk_registry_lookup(kiosk_registry *kr)
{
    return kr ? &kr->base : NULL;
}

void kiosk_registry_stop(kiosk_registry *kr)
{
    if (!kr)
        return;
    if (kr->w) {
        lk_loop_unwatch(kr->loop, lk_registry_worker_fd(kr->w));
        lk_registry_worker_stop(kr->w);
    }
    lk_registry_close(kr->reg);
    lk_store_close(kr->st);
    pthread_mutex_destroy(&kr->mu);
    free(kr);
}
