/* cmd_nfc: `kioskctl nfc list` (the reader and the card in its field, as JSON) and the plumbing
 * the emrtd command shares: which reader (--device, else config nfc.device), and a signal
 * watcher thread that cancels the reader's blocking call on SIGINT/SIGTERM, the same way the
 * kiosk's main loop cancels its NFC worker. */
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kctl.h"
#include "kctl_nfc.h"
#include "kiosk/lk_cardapp.h"
#include "kiosk/lk_config.h"

#define NFC_USAGE                                                                                  \
    "nfc list [--device CONNSTRING] [--timeout MS] |\n"                                            \
    "          nfc wait-removal [--device CONNSTRING] [--timeout MS]"

int kctl_nfc_device(lk_store *st, const char *arg, char *out, size_t cap)
{
    if (arg) {
        snprintf(out, cap, "%s", arg);
        return 0;
    }
    char *v = NULL;
    lk_err err = {0};
    if (!st || lk_config_get(st, "nfc.device", &v, NULL, &err) != 0 || !v[0]) {
        free(v);
        kctl_error("no NFC reader: give --device CONNSTRING or set nfc.device");
        return -1;
    }
    snprintf(out, cap, "%s", v);
    free(v);
    return 0;
}

static void *watch_signals(void *arg)
{
    struct kctl_nfc_watch *w = arg;
    int sig = 0;
    sigwait(&w->set, &sig);
    if (sig != SIGUSR1) /* SIGUSR1: the command finished and stops its watcher */
        lk_nfc_cancel(w->nfc);
    return NULL;
}

int kctl_nfc_watch_prepare(struct kctl_nfc_watch *w)
{
    sigemptyset(&w->set);
    sigaddset(&w->set, SIGINT);
    sigaddset(&w->set, SIGTERM);
    sigaddset(&w->set, SIGUSR1);
    return pthread_sigmask(SIG_BLOCK, &w->set, NULL) == 0 ? 0 : -1;
}

int kctl_nfc_watch_start(struct kctl_nfc_watch *w, lk_nfc *n)
{
    w->nfc = n;
    return pthread_create(&w->thread, NULL, watch_signals, w) == 0 ? 0 : -1;
}

void kctl_nfc_watch_stop(struct kctl_nfc_watch *w)
{
    pthread_kill(w->thread, SIGUSR1);
    pthread_join(w->thread, NULL);
}

static char *hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02X", b[i]);
    out[2 * n] = '\0';
    return out;
}

static cJSON *card_json(lk_nfc *n, const lk_nfc_target *t)
{
    char h[160];
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", t->tech == 'A' ? "iso14443a" : "iso14443b");
    cJSON_AddStringToObject(c, t->tech == 'A' ? "uid" : "pupi", hex(t->uid, t->uid_len, h));
    if (t->tech == 'A') {
        cJSON_AddStringToObject(c, "atqa", hex(t->atqa, 2, h));
        cJSON_AddStringToObject(c, "sak", hex(&t->sak, 1, h));
        cJSON_AddStringToObject(c, "ats", hex(t->ats, t->ats_len, h));
    } else
        cJSON_AddStringToObject(c, "atqb", hex(t->atqb, 12, h));
    cJSON_AddBoolToObject(c, "iso14443_4", t->iso14443_4);
    if (t->iso14443_4) {
        lk_apdu_port port = lk_nfc_port(n);
        lk_err err = {0};
        int app = lk_cardapp_identify(&port, &err);
        cJSON_AddStringToObject(c, "application",
                                app < 0 ? "unreadable" : lk_cardapp_name((lk_cardapp)app));
    }
    cJSON_AddBoolToObject(c, "present", lk_nfc_present(n, NULL) == 0);
    return c;
}

/* `nfc wait-removal`: exit 0 once the card found is gone (or there was none), 1 on timeout. */
static int wait_removal(lk_nfc *n, struct kctl_nfc_watch *wp, int found, int timeout, lk_err *err)
{
    struct kctl_nfc_watch w = *wp;
    int rc = found == 0 ? (kctl_nfc_watch_start(&w, n) == 0 ? 0 : LK_EIO) : 0;
    if (found == 0 && rc == 0) {
        rc = lk_nfc_wait_removal(n, timeout, err);
        kctl_nfc_watch_stop(&w);
    }
    lk_nfc_close(n);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "removed", rc == 0);
    kctl_print_json(o);
    if (rc != 0)
        kctl_error("nfc wait-removal: %s", err->msg);
    return rc == 0 ? KCTL_OK : KCTL_FAIL;
}

int kctl_cmd_nfc(kctl *k, int argc, char **argv)
{
    (void)k;
    const char *device = NULL;
    int timeout = 0;
    if (argc < 2 || (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "wait-removal") != 0))
        return kctl_usage(NFC_USAGE);
    bool remove = strcmp(argv[1], "wait-removal") == 0;
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 < argc && strcmp(argv[i], "--device") == 0)
            device = argv[i + 1];
        else if (i + 1 < argc && strcmp(argv[i], "--timeout") == 0)
            timeout = atoi(argv[i + 1]);
        else
            return kctl_usage(NFC_USAGE);
    }
    lk_store *st = !device && (k->db || k->env_db) ? kctl_open_store(k) : NULL;
    char conn[256];
    int rc = kctl_nfc_device(st, device, conn, sizeof conn);
    lk_store_close(st);
    if (rc < 0)
        return KCTL_FAIL;
    lk_nfc *n = NULL;
    lk_err err = {0};
    struct kctl_nfc_watch watch;
    if (remove && kctl_nfc_watch_prepare(&watch) < 0)
        return KCTL_FAIL;
    if (lk_nfc_open(conn, &n, &err) != 0) {
        kctl_error("nfc %s: %s", argv[1], err.msg);
        return KCTL_FAIL;
    }
    lk_nfc_target t;
    rc = lk_nfc_wait_card(n, timeout, &t, &err);
    if (remove)
        return wait_removal(n, &watch, rc, timeout, &err);
    cJSON *o = cJSON_CreateObject(), *r = cJSON_AddObjectToObject(o, "reader");
    cJSON_AddStringToObject(r, "name", lk_nfc_name(n));
    cJSON_AddStringToObject(r, "connstring", conn);
    if (rc == 0)
        cJSON_AddItemToObject(o, "card", card_json(n, &t));
    else
        cJSON_AddNullToObject(o, "card");
    lk_nfc_release(n, NULL);
    lk_nfc_close(n);
    kctl_print_json(o);
    if (rc != 0 && rc != LK_ETIMEDOUT) {
        kctl_error("nfc list: %s", err.msg);
        return KCTL_FAIL;
    }
    return KCTL_OK;
}
