/* cmd_diag: `kioskctl diag status|selftest [NAME]|counters [--from DATE --to DATE]|logs
 * [--lines N]`: the technician's diagnostics as JSON, from the same lk_diag tables the service
 * screens use. The log is the kiosk's lk_log file: $LK_LOG_FILE, else <state>/kiosk.log.
 * This is a composition root, so it is where adapter probes join the table: USB, the printer
 * (drivers/print lk_prn_diag: CUPS state, markers, media; test-page and calibration-page), the
 * NFC reader (drivers/nfc lk_nfc_diag: libnfc; test-card) and the camera (drivers/camera
 * lk_camera_diag; capture-frame), the same adapters the kiosk's screens use. Every call is
 * audited under $LK_ACTOR. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kctl.h"
#include "kctl_admin.h"
#include "kiosk/lk_audit.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_diag.h"
#include "kiosk/lk_diag_voice.h"
#include "kiosk/lk_render.h"
#include "lk_camera_diag.h"
#include "lk_nfc_diag.h"
#include "lk_prn_diag.h"
#include "lk_usb_diag.h"

#ifndef LK_VERSION
#define LK_VERSION "unknown"
#endif

#define DIAG_USAGE                                                                                 \
    "diag status | diag selftest [NAME] | diag counters [--from YYYY-MM-DD] [--to YYYY-MM-DD]"     \
    " | diag logs [--lines N]"
#define STATUS_LOG_LINES 20 /* recent log lines in `diag status` */

static int st_usb(void *ctx, const lk_diag_env *env, cJSON *r)
{
    (void)ctx;
    (void)env;
    lk_err err = {0};
    cJSON *inv = lk_usb_diag_inventory(1, &err);
    if (!inv) {
        cJSON_AddStringToObject(r, "problem", err.msg);
        return 0;
    }
    cJSON_AddItemToObject(r, "inventory", inv);
    return 1;
}

/* The device adapters this composition root joins, with the configuration they were given. */
typedef struct devices {
    lk_prn_diag printer;
    lk_nfc_diag nfc;
    lk_camera_diag camera;
    lk_diag_voice voice; /* checked, not played: kioskctl has no speaker to trust */
} devices;

/* $LK_I18N_DIR / $LK_VOICE_DIR, else this build's assets and generated prompts. */
static void voice_from_env(lk_diag_voice *v)
{
    const char *i18n = getenv("LK_I18N_DIR"), *voice = getenv("LK_VOICE_DIR");
    memset(v, 0, sizeof *v);
    snprintf(v->i18n_dir, sizeof v->i18n_dir, "%s", i18n && *i18n ? i18n : LK_I18N_DIR_DEFAULT);
    snprintf(v->voice_dir, sizeof v->voice_dir, "%s",
             voice && *voice ? voice : LK_VOICE_DIR_DEFAULT);
}

/* The firmware's own probes, then the adapters this composition root joins. */
static size_t probe_table(devices *dv, lk_diag_probe *out, size_t max)
{
    const lk_diag_probe *builtin = NULL;
    size_t n = lk_diag_builtin_probes(&builtin), k = 0;
    for (size_t i = 0; i < n && k < max; i++)
        out[k++] = builtin[i];
    lk_diag_probe extra[] = {
        lk_usb_diag_probe(),
        lk_prn_diag_probe(&dv->printer),
        lk_nfc_diag_probe(&dv->nfc),
        lk_camera_diag_probe(&dv->camera),
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0] && k < max; i++)
        out[k++] = extra[i];
    return k;
}

static size_t selftest_table(devices *dv, lk_diag_selftest *out, size_t max)
{
    const lk_diag_selftest *builtin = NULL;
    size_t n = lk_diag_builtin_selftests(&builtin), k = 0;
    for (size_t i = 0; i < n && k < max; i++)
        out[k++] = builtin[i];
    if (k < max)
        out[k++] = (lk_diag_selftest){"usb-enumerate", "enumerate the USB bus through libusb",
                                      st_usb, NULL, 0};
    k += lk_prn_diag_selftests(&dv->printer, out + k, max - k);
    if (k < max)
        out[k++] = lk_nfc_diag_test_card(&dv->nfc);
    if (k < max)
        out[k++] = lk_camera_diag_capture(&dv->camera);
    if (k < max)
        out[k++] = lk_diag_voice_selftest(&dv->voice);
    return k;
}

static void audit(lk_store *st, kctl *k, const char *event, const char *detail)
{
    (void)lk_audit_append(st, k->actor, event, detail, NULL);
}

/* Where the kiosk's lk_log writes (tools/kiosk/kiosk_service.c picks it the same way). */
static void log_path(const char *state, char *out, size_t size)
{
    const char *env = getenv("LK_LOG_FILE");
    if (env && *env)
        snprintf(out, size, "%s", env);
    else
        snprintf(out, size, "%.900s/kiosk.log", state);
}

static int cmd_status(kctl *k, lk_store *st, const lk_diag_env *env, devices *dv)
{
    lk_diag_probe probes[32];
    size_t n = probe_table(dv, probes, 32);
    cJSON *o = lk_diag_status(env, probes, n);
    char path[1024];
    log_path(env->state_dir, path, sizeof path);
    cJSON_AddItemToObject(o, "recent_log", lk_diag_log_tail(path, STATUS_LOG_LINES));
    const cJSON *overall = cJSON_GetObjectItem(o, "overall");
    int fault = cJSON_IsString(overall) && strcmp(overall->valuestring, "fault") == 0;
    kctl_print_json(o);
    audit(st, k, "diag.status", NULL);
    return fault ? KCTL_FAIL : KCTL_OK;
}

static int cmd_selftest(kctl *k, const lk_diag_env *env, devices *dv, int argc, char **argv)
{
    lk_diag_selftest tests[16];
    size_t n = selftest_table(dv, tests, 16);
    if (argc == 2) {
        const char *const *names = NULL;
        size_t known = lk_diag_selftest_names(&names);
        cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "selftests");
        for (size_t i = 0; i < known; i++) {
            cJSON *e = cJSON_CreateObject();
            int avail = 0;
            for (size_t j = 0; j < n; j++)
                avail |= strcmp(tests[j].name, names[i]) == 0;
            cJSON_AddStringToObject(e, "name", names[i]);
            cJSON_AddBoolToObject(e, "available", avail);
            cJSON_AddItemToArray(arr, e);
        }
        kctl_print_json(o);
        return KCTL_OK;
    }
    int passed = 0;
    cJSON *r = lk_diag_selftest_run(env, tests, n, argv[2], k->actor, &passed);
    if (!r) {
        kctl_error("diag selftest: unknown self-test '%s' (diag selftest lists them)", argv[2]);
        return KCTL_USAGE;
    }
    kctl_print_json(r);
    return passed ? KCTL_OK : KCTL_FAIL;
}

static int cmd_counters(kctl *k, lk_store *st, int argc, char **argv)
{
    const char *from = NULL, *to = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
            from = argv[++i];
        else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
            to = argv[++i];
        else
            return kctl_usage(DIAG_USAGE);
    }
    lk_err err = {0};
    cJSON *o = lk_diag_counters(st, from, to, &err);
    if (!o) {
        kctl_error("diag counters: %s", err.msg);
        return err.code == LK_EINVAL ? KCTL_USAGE : KCTL_FAIL;
    }
    kctl_print_json(o);
    audit(st, k, "diag.counters", NULL);
    return KCTL_OK;
}

static int cmd_logs(kctl *k, lk_store *st, const char *state, int argc, char **argv)
{
    int lines = 50;
    for (int i = 2; i < argc; i++) {
        char *end = NULL;
        if (strcmp(argv[i], "--lines") == 0 && i + 1 < argc) {
            long v = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || v < 1 || v > LK_DIAG_LOG_MAX_LINES) {
                kctl_error("diag logs: --lines is 1..%d", LK_DIAG_LOG_MAX_LINES);
                return KCTL_USAGE;
            }
            lines = (int)v;
        } else {
            return kctl_usage(DIAG_USAGE);
        }
    }
    char path[1024];
    log_path(state, path, sizeof path);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddItemToObject(o, "lines", lk_diag_log_tail(path, lines));
    kctl_print_json(o);
    audit(st, k, "diag.logs", NULL);
    return KCTL_OK;
}

int kctl_cmd_diag(kctl *k, int argc, char **argv)
{
    const char *sub = argc >= 2 ? argv[1] : "";
    int ok = (strcmp(sub, "status") == 0 && argc == 2) ||
             (strcmp(sub, "selftest") == 0 && argc <= 3) || strcmp(sub, "counters") == 0 ||
             strcmp(sub, "logs") == 0;
    if (!ok)
        return kctl_usage(DIAG_USAGE);
    lk_store *st = kctl_open_store(k);
    if (!st)
        return KCTL_FAIL;
    char state[900];
    kctl_bundle_state_dir(k, state, sizeof state);
    const char *now_env = getenv("LK_NOW");
    lk_diag_env env = {.st = st,
                       .state_dir = state,
                       .software_version = LK_VERSION,
                       .now = now_env && *now_env ? strtoll(now_env, NULL, 10) : time(NULL)};
    long long cx = 0, cy = 0;
    (void)lk_config_get_int(st, "printer.calibration_x_01mm", &cx, NULL);
    (void)lk_config_get_int(st, "printer.calibration_y_01mm", &cy, NULL);
    env.calib_x_01mm = (int)cx;
    env.calib_y_01mm = (int)cy;
    devices dv;
    lk_prn_diag_from_config(st, &dv.printer);
    lk_nfc_diag_from_config(st, &dv.nfc);
    const char *wait = getenv("LK_DIAG_CARD_WAIT_MS"); /* tests: how long test-card waits */
    dv.nfc.card_timeout_ms = wait && *wait ? atoi(wait) : 0;
    lk_camera_diag_from_config(st, &dv.camera);
    voice_from_env(&dv.voice);
    int rc;
    if (strcmp(sub, "status") == 0)
        rc = cmd_status(k, st, &env, &dv);
    else if (strcmp(sub, "selftest") == 0)
        rc = cmd_selftest(k, &env, &dv, argc, argv);
    else if (strcmp(sub, "logs") == 0)
        rc = cmd_logs(k, st, state, argc, argv);
    else
        rc = cmd_counters(k, st, argc, argv);
    lk_store_close(st);
    lk_render_release_caches(); /* the printed self-tests' fonts went through fontconfig */
    return rc;
}
