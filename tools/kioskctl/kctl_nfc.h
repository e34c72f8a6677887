/* kctl_nfc: what the nfc and emrtd commands share: picking the reader, and a thread that turns
 * SIGINT/SIGTERM into lk_nfc_cancel so a blocked read ends with a clear error. */
#ifndef LK_TOOLS_KCTL_NFC_H
#define LK_TOOLS_KCTL_NFC_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>

#include "kiosk/lk_store.h"
#include "lk_nfc.h"

/* The connstring: arg when given, else configuration nfc.device (st may be NULL). -1 (message
 * printed) when neither names one. */
int kctl_nfc_device(lk_store *st, const char *arg, char *out, size_t cap);

struct kctl_nfc_watch {
    lk_nfc *nfc;
    sigset_t set;
    pthread_t thread;
};

/* Blocks SIGINT/SIGTERM in the calling thread (call before lk_nfc_open, so a signal during the
 * open stays pending instead of killing the process), then start the watcher once the reader is
 * open: a pending signal cancels at once. */
int kctl_nfc_watch_prepare(struct kctl_nfc_watch *w);
int kctl_nfc_watch_start(struct kctl_nfc_watch *w, lk_nfc *n);
void kctl_nfc_watch_stop(struct kctl_nfc_watch *w);

#endif
