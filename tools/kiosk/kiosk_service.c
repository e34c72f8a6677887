/* kiosk_service: diagnostics wiring. The reader calls back on its own thread; the token is
 * copied into an event so that the service mode, like everything else, runs on the loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_config.h"
#include "kiosk/lk_diag_voice.h"
#include "kiosk/lk_journal.h"
#include "kiosk/lk_registry.h"
#include "kiosk_service.h"
#include "lk_camera_diag.h"
#include "lk_nfc_diag.h"
#include "lk_prn_diag.h"
#include "lk_usb_diag.h"

#ifndef LK_VERSION
#define LK_VERSION "unknown"
#endif

#define MAX_PROBES 24
#define MAX_TESTS  16

struct kiosk_service {
    lk_svcmode *m;
    lk_sign_key *admin;
    lk_docreader *reader;
    lk_evtq *q;
    lk_diag_probe probes[MAX_PROBES];
    lk_diag_selftest tests[MAX_TESTS];
    /* the device adapters' diagnostics, configured as the kiosk's ports were */
    lk_prn_diag prn;
    lk_nfc_diag nfc;
    lk_camera_diag cam;
    lk_diag_voice voice;
    int heard; /* a prompt played is heard (a window with audio), so the test waits for it */
    size_t n_probes, n_tests;
    lk_workers *w;
    lk_log *log; /* the kiosk's log file, at log_path */
    char state_dir[900], log_path[1000];
};

static void on_service_card(void *ctx, const uint8_t *token, size_t len)
{
    kiosk_service *ks = ctx;
    /* Longer than any token: keep one byte more, enough to be judged malformed. */
    size_t keep = len > LK_SERVICE_TOKEN_MAX ? LK_SERVICE_TOKEN_MAX + 1 : len;
    uint8_t *copy = calloc(1, keep ? keep : 1);
    if (!copy)
        return;
    memcpy(copy, token, keep);
    lk_evt e = {.type = LK_EVT_SERVICE_CARD, .arg = (int)keep, .ptr = copy, .free_fn = free};
    if (lk_evtq_post(ks->q, &e) != 0)
        free(copy);
}

static void paths(kiosk_service *ks, const char *db_path)
{
    const char *env = getenv("LK_STATE_DIR");
    if (env && *env) {
        snprintf(ks->state_dir, sizeof ks->state_dir, "%s", env);
    } else {
        snprintf(ks->state_dir, sizeof ks->state_dir, "%s", db_path ? db_path : ".");
        char *slash = strrchr(ks->state_dir, '/');
        if (!slash)
            snprintf(ks->state_dir, sizeof ks->state_dir, ".");
        else
            slash[slash == ks->state_dir] = '\0';
    }
    env = getenv("LK_LOG_FILE");
    snprintf(ks->log_path, sizeof ks->log_path, "%.900s%s", env && *env ? env : ks->state_dir,
             env && *env ? "" : "/kiosk.log");
}

static size_t probe_table(kiosk_service *ks)
{
    const lk_diag_probe *builtin = NULL;
    size_t n = lk_diag_builtin_probes(&builtin), k = 0;
    for (size_t i = 0; i < n && k < MAX_PROBES; i++)
        ks->probes[k++] = builtin[i];
    const lk_diag_probe extra[] = {
        lk_diag_placeholder("printer",
                            "CUPS printer probe not in this build (joins with printing)"),
        lk_diag_placeholder("nfc-reader", "libnfc reader probe not in this build (joins with NFC)"),
        lk_diag_placeholder("camera", "camera probe not in this build (joins with face check)"),
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0] && k < MAX_PROBES; i++)
        ks->probes[k++] = extra[i];
    return k;
}

/* The devices the kiosk runs with: the drivers' own probes and self-tests for the real
 * backends (CUPS, libnfc, lk_camera: blocking, so they run on the workers), the ports' state
 * for the simulated ones and the SAM plug-in. */
int kiosk_service_use_devices(kiosk_service *ks, lk_store *st, const kiosk_ports *p, lk_workers *w)
{
    const lk_diag_probe *bp = NULL;
    const lk_diag_selftest *bt = NULL;
    size_t np = 0, nt = 0, nbp = lk_diag_builtin_probes(&bp), nbt = lk_diag_builtin_selftests(&bt);
    for (size_t i = 0; i < nbp && np < MAX_PROBES - 4; i++)
        ks->probes[np++] = bp[i];
    for (size_t i = 0; i < nbt && nt < MAX_TESTS - 4; i++)
        ks->tests[nt++] = bt[i];
    if (p->printer && strcmp(p->printer->ops->name, "sim") != 0) {
        lk_prn_diag_from_config(st, &ks->prn);
        ks->probes[np++] = lk_prn_diag_probe(&ks->prn);
        nt += lk_prn_diag_selftests(&ks->prn, ks->tests + nt, MAX_TESTS - nt);
    } else if (p->printer) {
        ks->probes[np++] = lk_diag_printer_probe(p->printer);
    }
    if (p->reader && strcmp(p->reader->ops->name, "libnfc-emrtd") == 0) {
        lk_nfc_diag_from_config(st, &ks->nfc);
        ks->nfc.reader = p->reader;
        ks->probes[np++] = lk_nfc_diag_probe(&ks->nfc);
        ks->tests[nt++] = lk_nfc_diag_test_card(&ks->nfc);
    } else if (p->reader) {
        ks->probes[np++] = lk_diag_reader_probe(
            strcmp(p->reader->ops->name, "sim") == 0 ? "nfc-reader" : "id-reader", p->reader);
    }
    if (p->camera && strcmp(p->camera->ops->name, "sim") != 0) {
        lk_camera_diag_from_config(st, &ks->cam);
        char *k = NULL; /* kiosk.camera=v4l2 forces the V4L2 source whatever camera.source says */
        if (lk_config_get(st, "kiosk.camera", &k, NULL, NULL) == 0 && k && !strcmp(k, "v4l2"))
            snprintf(ks->cam.source, sizeof ks->cam.source, "v4l2");
        free(k);
        ks->probes[np++] = lk_camera_diag_probe(&ks->cam);
        ks->tests[nt++] = lk_camera_diag_capture(&ks->cam);
    } else if (p->camera) {
        ks->probes[np++] = lk_diag_camera_probe(p->camera);
    }
    ks->probes[np++] = lk_usb_diag_probe(); /* the inventory, on a worker like the devices */
    ks->n_probes = np;
    ks->n_tests = nt;
    ks->w = w;
    lk_svcmode_set_tables(ks->m, ks->probes, np, ks->tests, nt, w);
    return 0;
}

/* The voice-prompts self-test runs on a worker; the display is the loop's, so each prompt
 * travels there as an event. */
static int play_on_loop(void *ctx, const char *wav_path)
{
    kiosk_service *ks = ctx;
    char *copy = strdup(wav_path);
    lk_evt e = {.type = LK_EVT_PLAY, .ptr = copy, .free_fn = free};
    if (!copy || lk_evtq_post(ks->q, &e) != 0) {
        free(copy);
        return 0;
    }
    return ks->heard;
}

void kiosk_service_use_voice(kiosk_service *ks, const char *i18n_dir, const char *voice_dir,
                             int heard)
{
    if (ks->n_tests >= MAX_TESTS)
        return;
    snprintf(ks->voice.i18n_dir, sizeof ks->voice.i18n_dir, "%s", i18n_dir);
    snprintf(ks->voice.voice_dir, sizeof ks->voice.voice_dir, "%s", voice_dir);
    ks->voice.play = play_on_loop;
    ks->voice.play_ctx = ks;
    ks->heard = heard;
    ks->tests[ks->n_tests++] = lk_diag_voice_selftest(&ks->voice);
    lk_svcmode_set_tables(ks->m, ks->probes, ks->n_probes, ks->tests, ks->n_tests, ks->w);
}

int kiosk_service_create(lk_store *st, const char *db_path, lk_docreader *reader, lk_evtq *q,
                         kiosk_service **out, lk_err *err)
{
    *out = NULL;
    kiosk_service *ks = calloc(1, sizeof *ks);
    if (!ks)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    paths(ks, db_path);
    lk_err log_err = {0}; /* without a log the kiosk still serves; it says so where it can */
    if (lk_log_open(&(lk_log_cfg){.path = ks->log_path, .min = LK_LOG_INFO}, &ks->log, &log_err))
        fprintf(stderr, "kiosk: no log file: %s\n", log_err.msg);
    char key[1024];
    const char *env = getenv("LK_ADMIN_PUBKEY");
    snprintf(key, sizeof key, "%.1000s%s", env && *env ? env : ks->state_dir,
             env && *env ? "" : "/admin.pub");
    ks->admin = lk_sign_load_public(key, NULL);
    const lk_diag_selftest *tests = NULL;
    size_t n_tests = lk_diag_builtin_selftests(&tests);
    lk_svcmode_deps d = {.st = st,
                         .admin = ks->admin,
                         .state_dir = ks->state_dir,
                         .software_version = LK_VERSION,
                         .probes = ks->probes,
                         .n_probes = probe_table(ks),
                         .tests = tests,
                         .n_tests = n_tests,
                         .log_path = ks->log_path,
                         .log = ks->log};
    /* The jobs page settles copies on this store: a copy a technician confirms printed is
     * reported to the registry like any other (the same hooks as the printer's journal). */
    lk_journal_set_hooks(st, lk_registry_journal_hooks());
    int rc = lk_svcmode_create(&d, &ks->m, err);
    if (rc != 0) {
        kiosk_service_free(ks);
        return rc;
    }
    ks->reader = reader;
    ks->q = q;
    if (reader->ops->watch_service)
        reader->ops->watch_service(reader, on_service_card, ks);
    *out = ks;
    return 0;
}

void kiosk_service_free(kiosk_service *ks)
{
    if (!ks)
        return;
    if (ks->reader && ks->reader->ops->watch_service)
        ks->reader->ops->watch_service(ks->reader, NULL, NULL);
    lk_svcmode_free(ks->m);
    lk_sign_key_free(ks->admin);
    lk_log_close(ks->log);
    free(ks);
}

lk_svcmode *kiosk_service_mode(kiosk_service *ks)
{
    return ks->m;
}

const char *kiosk_service_state_dir(const kiosk_service *ks)
{
    return ks->state_dir;
}

const char *kiosk_service_log_path(const kiosk_service *ks)
{
    return ks->log_path;
}

lk_log *kiosk_service_log(const kiosk_service *ks)
{
    return ks ? ks->log : NULL;
}

int kiosk_service_event(kiosk_service *ks, const lk_evt *e, const lk_view *session_view)
{
    if (lk_svcmode_event(ks->m, e)) /* a PIN verdict, a probe's or a self-test's result */
        return 1;
    if (e->type != LK_EVT_SERVICE_CARD)
        return 0;
    /* Customers never get here: only a service card, and only while nobody is being served. */
    if (session_view->state == LK_ST_ATTRACT)
        (void)lk_svcmode_card(ks->m, e->ptr, (size_t)e->arg, session_view->lang);
    if (e->ptr)
        explicit_bzero(e->ptr, (size_t)e->arg);
    free(e->ptr);
    return 1;
}
