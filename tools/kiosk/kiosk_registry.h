/* kiosk_registry: the kiosk's wiring of the registration system (part of the composition
 * root): when registry.url is set, the session's lookup port answered by lk_registry_lookup on
 * its own store connection, and the background sync worker, whose finished rounds reach the
 * loop and tell the session that records changed. Without registry.url it is absent and the
 * session reads the local store alone. */
#ifndef LK_TOOLS_KIOSK_REGISTRY_H
#define LK_TOOLS_KIOSK_REGISTRY_H

#include "kiosk/lk_loop.h"
#include "kiosk/port/lk_lookup.h"

typedef struct kiosk_registry kiosk_registry;

/* *out stays NULL (and 0 is returned) when no registry is configured. changed(ctx) is called
 * on the loop after a sync round that applied changes. */
int kiosk_registry_start(lk_store *st, const char *db_path, const char *secret_path, lk_loop *loop,
                         void (*changed)(void *ctx), void *ctx, kiosk_registry **out, lk_err *err);
/* The session's lookup port, or NULL when kr is NULL. */
lk_lookup *kiosk_registry_lookup(kiosk_registry *kr);
/* Stops the sync worker (a round in progress finishes first) and closes everything. Call it
 * after the workers that ran lookups are gone. */
void kiosk_registry_stop(kiosk_registry *kr);

#endif
