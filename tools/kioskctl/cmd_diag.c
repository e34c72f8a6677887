/* cmd_diag: `kioskctl diag status|selftest [NAME]|counters [--from DATE --to DATE]`: the
 * technician's diagnostics as JSON, from the same lk_diag tables the service screens use.
 * This is a composition root, so it is where adapter probes join the table: USB, the printer
 * (the lk_printer port over CUPS, with its test page), the NFC reader (libnfc) and the camera
 * (drivers/camera, with capture-frame). Every call is audited under $LK_ACTOR. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cairo-pdf.h>
#include <cairo.h>

#include "kctl.h"
#include "kctl_admin.h"
#include "kiosk/lk_audit.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_diag.h"
#include "kiosk/lk_printer.h"
#include "kiosk/lk_render.h"
#include "lk_camera_drv.h"
#include "lk_nfc.h"

#ifndef LK_VERSION
#define LK_VERSION "unknown"
#endif

#define DIAG_USAGE                                                                                 \
    "diag status | diag selftest [NAME] | diag counters [--from YYYY-MM-DD] [--to YYYY-MM-DD]"

static void probe_usb(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)ctx;
    (void)env;
    lk_err err = {0};
    cJSON *inv = kctl_usb_inventory(0, &err);
    if (!inv) {
        s->status = LK_DEVICE_UNKNOWN;
        snprintf(s->reason, sizeof s->reason, "USB unavailable: %.120s", err.msg);
        return;
    }
    int n = cJSON_GetArraySize(cJSON_GetObjectItem(inv, "devices"));
    cJSON_AddItemToObject(d, "devices", cJSON_DetachItemFromObject(inv, "devices"));
    cJSON_Delete(inv);
    s->status = LK_DEVICE_NORMAL;
    snprintf(s->reason, sizeof s->reason, n ? "%d device(s)" : "no USB devices attached", n);
}

static int st_usb(void *ctx, const lk_diag_env *env, cJSON *r)
{
    (void)ctx;
    (void)env;
    lk_err err = {0};
    cJSON *inv = kctl_usb_inventory(1, &err);
    if (!inv) {
        cJSON_AddStringToObject(r, "problem", err.msg);
        return 0;
    }
    cJSON_AddItemToObject(r, "inventory", inv);
    return 1;
}

/* The printer as the print journal sees it: the port's state, already mapped onto the device
 * status model (printer-state, its reasons, markers and media by lk_printer_map). */
static void probe_printer(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)ctx;
    lk_err err = {0};
    lk_printer *p = NULL;
    char name[128] = "";
    int rc = kctl_open_printer(env->st, &p, name, sizeof name, &err);
    if (rc == 0)
        rc = lk_printer_state(p, s, &err);
    lk_printer_close(p);
    if (*name)
        cJSON_AddStringToObject(d, "queue", name);
    if (rc != 0) {
        s->status = LK_DEVICE_UNKNOWN;
        snprintf(s->reason, sizeof s->reason, "%.150s", err.msg);
    } else if (!s->reason[0] && s->status == LK_DEVICE_NORMAL) {
        snprintf(s->reason, sizeof s->reason, "ready");
    }
}

/* The NFC reader as libnfc sees it through drivers/nfc (nfc.device): opening it runs the
 * driver's own handshake with the PN532, so a reader that answers is a working reader. */
static void probe_nfc(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)ctx;
    lk_err err = {0};
    char *dev = NULL;
    lk_nfc *n = NULL;
    if (lk_config_get(env->st, "nfc.device", &dev, NULL, &err) != 0 || !dev || !*dev) {
        s->status = LK_DEVICE_UNKNOWN;
        snprintf(s->reason, sizeof s->reason, "no NFC reader configured (nfc.device)");
        free(dev);
        return;
    }
    cJSON_AddStringToObject(d, "connstring", dev);
    if (lk_nfc_open(dev, &n, &err) != 0) {
        s->status = LK_DEVICE_FAULT;
        snprintf(s->reason, sizeof s->reason, "%.150s", err.msg);
    } else {
        s->status = LK_DEVICE_NORMAL;
        snprintf(s->reason, sizeof s->reason, "ready");
        cJSON_AddStringToObject(d, "device", lk_nfc_name(n));
    }
    lk_nfc_close(n);
    free(dev);
}

/* The camera as the face check opens it (camera.source: v4l2 or a file source), asked for
 * its first frame within 3 s. The frame is described, never kept: it is wiped at once. */
static int first_frame(const lk_diag_env *env, cJSON *d, lk_err *err)
{
    char *src = NULL, *dev = NULL;
    long long w = 640, h = 480, fps = 15;
    lk_camera cam = {0};
    lk_camera_frame f = {0};
    (void)lk_config_get(env->st, "camera.source", &src, NULL, NULL);
    (void)lk_config_get(env->st, "camera.device", &dev, NULL, NULL);
    (void)lk_config_get_int(env->st, "camera.width", &w, NULL);
    (void)lk_config_get_int(env->st, "camera.height", &h, NULL);
    (void)lk_config_get_int(env->st, "camera.fps", &fps, NULL);
    lk_camera_cfg cfg = {src && *src ? src : "v4l2", dev, (uint32_t)w, (uint32_t)h, (uint32_t)fps};
    cJSON_AddStringToObject(d, "source", cfg.source);
    int rc = lk_camera_open(&cfg, &cam, err), opened = rc == 0;
    if (rc == 0)
        rc = lk_camera_start(&cam, err);
    for (int waited = 0; rc == 0 && waited < 3000; waited += 100) {
        struct pollfd pfd = {lk_camera_fd(&cam), POLLIN, 0};
        (void)poll(&pfd, 1, 100);
        if ((rc = lk_camera_read(&cam, &f, err)) != LK_EBUSY)
            break;
        rc = waited + 100 >= 3000 ? lk_err_set(err, LK_ETIMEDOUT, "no frame within 3 s") : 0;
    }
    if (rc == 0) {
        cJSON_AddNumberToObject(d, "width", f.width);
        cJSON_AddNumberToObject(d, "height", f.height);
        cJSON_AddNumberToObject(d, "bytes", (double)f.len);
        cJSON_AddStringToObject(d, "format",
                                f.format == LK_CAMERA_ENCODED ? "encoded"
                                : f.format == LK_CAMERA_GRAY8 ? "gray8"
                                                              : "rgb24");
        lk_camera_frame_wipe(&f);
    }
    if (opened)
        lk_camera_close(&cam);
    free(src);
    free(dev);
    return rc;
}

static void probe_camera(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)ctx;
    lk_err err = {0};
    char *src = NULL, *dev = NULL;
    (void)lk_config_get(env->st, "camera.source", &src, NULL, NULL);
    (void)lk_config_get(env->st, "camera.device", &dev, NULL, NULL);
    int absent = (!src || !*src || strcmp(src, "v4l2") == 0) && dev && access(dev, F_OK) != 0;
    if (absent) {
        s->status = LK_DEVICE_UNKNOWN;
        snprintf(s->reason, sizeof s->reason, "no camera at %.120s (camera.device)", dev);
    }
    free(src);
    free(dev);
    if (absent)
        return;
    if (first_frame(env, d, &err) != 0) {
        s->status = LK_DEVICE_FAULT;
        snprintf(s->reason, sizeof s->reason, "%.150s", err.msg);
        return;
    }
    s->status = LK_DEVICE_NORMAL;
    snprintf(s->reason, sizeof s->reason, "first frame received");
}

static int st_capture_frame(void *ctx, const lk_diag_env *env, cJSON *r)
{
    (void)ctx;
    lk_err err = {0};
    if (first_frame(env, r, &err) == 0)
        return 1;
    cJSON_AddStringToObject(r, "problem", err.msg);
    return 0;
}

typedef lk_render_buf pdf_buf;

/* An A4 page a technician can recognise: a frame 10 mm in from each edge (the printable area
 * check), the queue, the kiosk and the time. No licence data. */
static int test_page_pdf(const char *queue, const lk_diag_env *env, pdf_buf *out)
{
    const double mm = 72.0 / 25.4, w = 210 * mm, h = 297 * mm;
    char line[200];
    cairo_surface_t *sf = cairo_pdf_surface_create_for_stream(lk_render_buf_write, out, w, h);
    cairo_t *cr = cairo_create(sf);
    cairo_set_line_width(cr, 0.5 * mm);
    cairo_rectangle(cr, 10 * mm, 10 * mm, w - 20 * mm, h - 20 * mm);
    cairo_stroke(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 24);
    cairo_move_to(cr, 25 * mm, 40 * mm);
    cairo_show_text(cr, "licensekiosk test page");
    cairo_set_font_size(cr, 12);
    snprintf(line, sizeof line, "queue %s, software %s, time %lld", queue, env->software_version,
             (long long)env->now);
    cairo_move_to(cr, 25 * mm, 55 * mm);
    cairo_show_text(cr, line);
    cairo_destroy(cr);
    cairo_surface_finish(sf);
    int ok = cairo_surface_status(sf) == CAIRO_STATUS_SUCCESS;
    cairo_surface_destroy(sf);
    lk_render_release_caches(); /* cairo's toy font went through fontconfig */
    return ok ? 0 : LK_ENOMEM;
}

/* Follows a job to a final state within deadline_s; returns its last state. */
static lk_job_state follow_job(lk_printer *p, int job, double deadline_s, lk_job_info *ji)
{
    struct timespec nap = {0, 200 * 1000 * 1000};
    memset(ji, 0, sizeof *ji);
    for (double waited = 0; waited < deadline_s; waited += 0.2) {
        lk_err err = {0};
        if (lk_printer_job(p, job, ji, &err) != 0) {
            snprintf(ji->reason, sizeof ji->reason, "%.190s", err.msg);
            return LK_JOB_GONE;
        }
        if (lk_job_state_final(ji->state))
            return ji->state;
        nanosleep(&nap, NULL);
    }
    return ji->state;
}

/* A page is not sent to a printer that is known to be unable to print it: it would only wait
 * out its deadline in the queue. */
static int printer_ready(lk_printer *p, lk_err *err)
{
    lk_device_state ds = {0};
    int rc = lk_printer_state(p, &ds, err);
    if (rc == 0 && (ds.status == LK_DEVICE_FAULT || ds.status == LK_DEVICE_UNKNOWN ||
                    ds.status == LK_DEVICE_DISABLED))
        rc = lk_err_set(err, LK_EIO, "printer not ready: %s", ds.reason);
    return rc;
}

/* Prints the test page through the printer port, outside the journal (no licence, no stock
 * sheet, no customer copy): passed when the server says the job completed. */
static int st_test_page(void *ctx, const lk_diag_env *env, cJSON *r)
{
    (void)ctx;
    lk_err err = {0};
    lk_printer *p = NULL;
    char name[128] = "", job_name[40];
    pdf_buf pdf = {0};
    long long deadline = 60;
    int job = 0, rc = kctl_open_printer(env->st, &p, name, sizeof name, &err);
    (void)lk_config_get_int(env->st, "printer.job_deadline_s", &deadline, NULL);
    if (rc == 0)
        rc = printer_ready(p, &err);
    if (rc == 0 && test_page_pdf(name, env, &pdf) != 0)
        rc = lk_err_set(&err, LK_ENOMEM, "cannot render the test page");
    snprintf(job_name, sizeof job_name, "lk-diag-test-%lld", (long long)env->now);
    lk_print_doc doc = {pdf.p, pdf.len, job_name, lk_printer_media("duplicate")};
    if (rc == 0)
        rc = lk_printer_submit(p, &doc, &job, &err);
    lk_job_info ji = {0};
    lk_job_state js = rc == 0 ? follow_job(p, job, (double)deadline, &ji) : LK_JOB_GONE;
    if (rc != 0)
        cJSON_AddStringToObject(r, "problem", err.msg);
    else {
        cJSON_AddNumberToObject(r, "job", job);
        cJSON_AddStringToObject(r, "job_state", lk_job_state_name(js));
        if (ji.reason[0])
            cJSON_AddStringToObject(r, "reason", ji.reason);
        if (js != LK_JOB_COMPLETED && !lk_job_state_final(js))
            (void)lk_printer_cancel(p, job, NULL);
    }
    if (*name)
        cJSON_AddStringToObject(r, "queue", name);
    lk_printer_close(p);
    free(pdf.p);
    return rc == 0 && js == LK_JOB_COMPLETED && !ji.doubtful;
}

/* The firmware's own probes, then the adapters this composition root joins. */
static size_t probe_table(lk_diag_probe *out, size_t max)
{
    const lk_diag_probe *builtin = NULL;
    size_t n = lk_diag_builtin_probes(&builtin), k = 0;
    for (size_t i = 0; i < n && k < max; i++)
        out[k++] = builtin[i];
    lk_diag_probe extra[] = {
        {"usb", probe_usb, NULL},
        {"printer", probe_printer, NULL},
        {"nfc-reader", probe_nfc, NULL},
        {"camera", probe_camera, NULL},
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0] && k < max; i++)
        out[k++] = extra[i];
    return k;
}

static size_t selftest_table(lk_diag_selftest *out, size_t max)
{
    const lk_diag_selftest *builtin = NULL;
    size_t n = lk_diag_builtin_selftests(&builtin), k = 0;
    for (size_t i = 0; i < n && k < max; i++)
        out[k++] = builtin[i];
    if (k < max)
        out[k++] = (lk_diag_selftest){"usb-enumerate", "enumerate the USB bus through libusb",
                                      st_usb, NULL};
    if (k < max)
        out[k++] = (lk_diag_selftest){"test-page", "print a test page through the printer port",
                                      st_test_page, NULL};
    if (k < max)
        out[k++] = (lk_diag_selftest){"capture-frame", "take one frame from the camera",
                                      st_capture_frame, NULL};
    return k;
}

static void audit(lk_store *st, kctl *k, const char *event, const char *detail)
{
    (void)lk_audit_append(st, k->actor, event, detail, NULL);
}

static int cmd_status(kctl *k, lk_store *st, const lk_diag_env *env)
{
    lk_diag_probe probes[32];
    size_t n = probe_table(probes, 32);
    cJSON *o = lk_diag_status(env, probes, n);
    const cJSON *overall = cJSON_GetObjectItem(o, "overall");
    int fault = cJSON_IsString(overall) && strcmp(overall->valuestring, "fault") == 0;
    kctl_print_json(o);
    audit(st, k, "diag.status", NULL);
    return fault ? KCTL_FAIL : KCTL_OK;
}

static int cmd_selftest(kctl *k, const lk_diag_env *env, int argc, char **argv)
{
    lk_diag_selftest tests[16];
    size_t n = selftest_table(tests, 16);
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

int kctl_cmd_diag(kctl *k, int argc, char **argv)
{
    const char *sub = argc >= 2 ? argv[1] : "";
    int ok = (strcmp(sub, "status") == 0 && argc == 2) ||
             (strcmp(sub, "selftest") == 0 && argc <= 3) || strcmp(sub, "counters") == 0;
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
    int rc;
    if (strcmp(sub, "status") == 0)
        rc = cmd_status(k, st, &env);
    else if (strcmp(sub, "selftest") == 0)
        rc = cmd_selftest(k, &env, argc, argv);
    else
        rc = cmd_counters(k, st, argc, argv);
    lk_store_close(st);
    return rc;
}
