/* kiosk_usb: USB in the running kiosk. Everything that may block (the stick's folder, the
 * bundle's SHA-256 pass, SQLite's transaction, fsync, the export) runs in one worker job that
 * owns what it touches (its own store handle and admin key), so the frame loop only reads
 * usb.mount_point and, later, shows the result. */
#include "kiosk_usb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_bundle.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_idnum.h"
#include "lk_usb_libusb.h"

#define LOOK_STEP  250 /* ms between looks while the stick is not mounted yet */
#define MAX_WATCH  16
#define PATH_BYTES 1024

struct kiosk_usb {
    kiosk_usb_cfg c;
    char db[PATH_BYTES], secret[PATH_BYTES], state_dir[PATH_BYTES], log_path[PATH_BYTES],
        i18n_dir[PATH_BYTES];
    lk_usb_libusb *bus;
    int timer, fds[MAX_WATCH], n_fds;
    int looking, again; /* a look is running; another stick came meanwhile */
};

/* One look at the mount point, on a worker; the loop gets it back in the done event. */
typedef struct look_job {
    char mount[PATH_BYTES], db[PATH_BYTES], secret[PATH_BYTES], state_dir[PATH_BYTES],
        log_path[PATH_BYTES], admin_path[PATH_BYTES], i18n_dir[PATH_BYTES];
    int today, wait_ms; /* wait_ms: usb.mount_wait_s, how long the OS may take to mount */
    lk_bundle_step kill_after;
    lk_store *st;
    lk_sign_key *admin;
    int found, all_ok;
    char error[256]; /* why no bundle could be looked at (nothing mounted, unreadable) */
    char text[LK_SVC_BUNDLE_TEXT];
} look_job;

__attribute__((format(printf, 2, 3))) static void add_text(look_job *j, const char *fmt, ...)
{
    size_t used = strlen(j->text);
    if (used && used + 2 < sizeof j->text) {
        memcpy(j->text + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(j->text + used, sizeof j->text - used, fmt, ap);
    va_end(ap);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The worker's own store handle and key, opened at the first bundle (a stick without one
 * costs nothing). */
static int open_side(look_job *j, lk_err *err)
{
    if (!j->st && lk_store_open(j->db, j->secret[0] ? j->secret : NULL, &j->st, err) != 0)
        return LK_EIO;
    if (!j->admin && !(j->admin = lk_sign_load_public(j->admin_path, NULL))) {
        lk_err_set(err, LK_ENOENT, "no pinned admin key at %s", j->admin_path);
        return LK_ENOENT;
    }
    return 0;
}

static void report_applied(look_job *j, const char *name, const lk_bundle_result *r)
{
    add_text(j, "%s: version %lld applied (%d settings, %ld records, %d files)", name,
             (long long)r->version, r->settings, r->records, r->files);
    if (r->assets) /* the UI loaded its strings, prompts and template at start */
        add_text(j, "%d asset(s) take effect when the kiosk restarts", r->assets);
    if (r->export_path[0])
        add_text(j, "export written to %s", r->export_path);
    if (r->export_error[0]) {
        add_text(j, "export failed: %s", r->export_error);
        j->all_ok = 0;
    }
}

static int on_found(void *ctx, const char *path)
{
    look_job *j = ctx;
    lk_err err = {0};
    lk_bundle_result r;
    memset(&r, 0, sizeof r);
    j->found++;
    int rc = open_side(j, &err);
    if (rc == 0) {
        lk_bundle_opts o = {.state_dir = j->state_dir,
                            .actor = "kiosk:usb",
                            .today = j->today,
                            .export_dir = NULL, /* beside the bundle: on the stick */
                            .log_path = j->log_path,
                            .i18n_dir = j->i18n_dir,
                            .kill_after = j->kill_after};
        rc = lk_bundle_apply(j->st, j->admin, path, &o, &r, &err);
    }
    if (rc == 0) {
        report_applied(j, base_name(path), &r);
    } else {
        j->all_ok = 0;
        add_text(j, "%s: refused: %s", base_name(path), err.msg); /* err.msg: "reason: why" */
    }
    return 0;
}

static int look_run(void *arg, int cancel_fd)
{
    look_job *j = arg;
    static const lk_usb_device stick = {.mass_storage = 1};
    for (int waited = 0;; waited += LOOK_STEP) {
        lk_err err = {0};
        int n = lk_bundle_on_usb_event(LK_USB_ARRIVED, &stick, j->mount, on_found, j, &err);
        if (n != LK_ENOENT || waited >= j->wait_ms) {
            if (n < 0)
                snprintf(j->error, sizeof j->error, "%s", err.msg);
            break;
        }
        if (lk_worker_wait(-1, cancel_fd, LOOK_STEP) == LK_ECANCELED)
            break;
    }
    lk_store_close(j->st);
    lk_sign_key_free(j->admin);
    j->st = NULL;
    j->admin = NULL;
    return 0;
}

static void look_free(void *p)
{
    look_job *j = p;
    lk_store_close(j->st);
    lk_sign_key_free(j->admin);
    free(j);
}

static void start_look(kiosk_usb *u)
{
    if (u->looking) {
        u->again = 1;
        return;
    }
    look_job *j = calloc(1, sizeof *j);
    if (!j)
        return;
    char *mount = NULL;
    if (lk_config_get(u->c.st, "usb.mount_point", &mount, NULL, NULL) == 0)
        snprintf(j->mount, sizeof j->mount, "%s", mount);
    free(mount);
    long long wait_s = 10;
    (void)lk_config_get_int(u->c.st, "usb.mount_wait_s", &wait_s, NULL);
    j->wait_ms = (int)(wait_s * 1000);
#ifdef LK_TEST_HOOKS /* tests kill the kiosk's own apply; never in a shipped kiosk */
    const char *kill = getenv("LK_BUNDLE_KILL_AFTER");
    int step = kill && *kill ? lk_bundle_step_parse(kill) : 0;
    j->kill_after = step > 0 ? (lk_bundle_step)step : LK_BUNDLE_STEP_NONE;
#endif
    const char *env = getenv("LK_ADMIN_PUBKEY"), *today = getenv("LK_TODAY");
    snprintf(j->admin_path, sizeof j->admin_path, "%.1000s%s", env && *env ? env : u->state_dir,
             env && *env ? "" : "/admin.pub");
    j->today = today && strlen(today) == 8 ? atoi(today) : lk_idnum_today();
    j->all_ok = 1;
    memcpy(j->db, u->db, sizeof j->db);
    memcpy(j->secret, u->secret, sizeof j->secret);
    memcpy(j->state_dir, u->state_dir, sizeof j->state_dir);
    memcpy(j->log_path, u->log_path, sizeof j->log_path);
    memcpy(j->i18n_dir, u->i18n_dir, sizeof j->i18n_dir);
    if (lk_workers_submit(u->c.workers, look_run, j, look_free, KIOSK_USB_JOB_TAG, NULL) != 0) {
        free(j);
        return;
    }
    u->looking = 1;
}

/* The adapter's (or an injected) event, on the loop thread. */
static void on_usb(void *ctx, lk_usb_event_kind kind, const lk_usb_device *d)
{
    kiosk_usb *u = ctx;
    fprintf(stderr, "kiosk: usb: %s %04x:%04x %s%s%s\n",
            kind == LK_USB_ARRIVED ? "arrived" : "left", d->vid, d->pid,
            lk_usb_class_name(d->dev_class), d->product[0] ? " " : "", d->product);
    if (kind == LK_USB_ARRIVED && d->mass_storage)
        start_look(u);
}

int kiosk_usb_event(kiosk_usb *u, const lk_evt *e, const lk_view *session_view)
{
    if (!u || e->type != LK_EVT_JOB_DONE || e->tag != KIOSK_USB_JOB_TAG)
        return 0;
    look_job *j = e->ptr;
    u->looking = 0;
    if (j && e->code == 0 && j->found > 0) {
        fprintf(stderr, "kiosk: usb: %s\n", j->text);
        lk_svcmode_bundle_result(u->c.svc, j->all_ok, j->text);
        /* As with a service card: only while nobody is being served. */
        if (session_view->state == LK_ST_ATTRACT)
            (void)lk_svcmode_bundle_show(u->c.svc, session_view->lang);
    } else if (j && e->code == 0) {
        fprintf(stderr, "kiosk: usb: no bundle: %s\n",
                j->error[0] ? j->error : "no *.lkb file on the stick");
    }
    if (j)
        look_free(j);
    if (u->again) {
        u->again = 0;
        start_look(u);
    }
    return 1;
}

int kiosk_usb_command(kiosk_usb *u, const char *args, lk_err *err)
{
    char verb[16] = "", id[32] = "", extra[2] = "";
    unsigned vid = 0x0781, pid = 0x5567; /* a common stick's, when none is given */
    int n = sscanf(args, "%15s %31s %1s", verb, id, extra);
    int arrive = strcmp(verb, "arrive") == 0;
    char tail;
    if (n < 1 || n > 2 || (!arrive && strcmp(verb, "leave") != 0) ||
        (n == 2 && (sscanf(id, "%4x:%4x%c", &vid, &pid, &tail) != 2)))
        return lk_err_set(err, LK_EINVAL, "usb arrive|leave [VID:PID]");
    lk_usb_device d = {.vid = (uint16_t)vid,
                       .pid = (uint16_t)pid,
                       .dev_class = LK_USB_CLASS_MASS_STORAGE,
                       .mass_storage = 1};
    snprintf(d.product, sizeof d.product, "injected");
    on_usb(u, arrive ? LK_USB_ARRIVED : LK_USB_LEFT, &d);
    return 0;
}

static void dispatch(kiosk_usb *u)
{
    lk_err err = {0};
    if (lk_usb_libusb_dispatch(u->bus, &err) < 0)
        fprintf(stderr, "kiosk: usb: %s\n", err.msg);
}

static void on_fd(void *ctx, int fd, uint32_t events)
{
    (void)fd;
    (void)events;
    dispatch(ctx);
}

static void on_timer(void *ctx, int id)
{
    (void)id;
    dispatch(ctx);
}

/* Hotplug: libusb's descriptors wake the loop; the timer serves libusb's own timeouts. Without
 * hotplug the timer is the enumeration period. */
static void attach_bus(kiosk_usb *u)
{
    lk_err err = {0};
    u->bus = lk_usb_libusb_open(0, on_usb, u, &err);
    if (!u->bus) {
        fprintf(stderr, "kiosk: usb: no USB (%s); bundles only from injected arrivals\n", err.msg);
        return;
    }
    struct pollfd p[MAX_WATCH];
    int n = lk_usb_libusb_hotplug(u->bus) ? lk_usb_libusb_fds(u->bus, p, MAX_WATCH) : 0;
    for (int i = 0; i < n; i++)
        if (lk_loop_watch(u->c.loop, p[i].fd, 1 /* EPOLLIN */, on_fd, u) == 0)
            u->fds[u->n_fds++] = p[i].fd;
    u->timer = lk_loop_timer_add(u->c.loop, LK_USB_POLL_MS, LK_USB_POLL_MS, on_timer, u);
}

void kiosk_usb_state_dir(const char *db, char *out, size_t size)
{
    const char *env = getenv("LK_STATE_DIR");
    snprintf(out, size, "%s", env && *env ? env : db && *db ? db : ".");
    if (env && *env)
        return;
    char *slash = strrchr(out, '/');
    if (!slash)
        snprintf(out, size, ".");
    else
        slash[slash == out] = '\0';
}

void kiosk_usb_recover(lk_store *st, const char *state_dir)
{
    lk_err err = {0};
    if (lk_bundle_recover(st, state_dir, &err) != 0)
        fprintf(stderr, "kiosk: bundles: recovery at start: %s\n", err.msg);
}

int kiosk_usb_create(const kiosk_usb_cfg *cfg, kiosk_usb **out, lk_err *err)
{
    *out = NULL;
    kiosk_usb *u = calloc(1, sizeof *u);
    if (!u)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    u->c = *cfg;
    u->timer = -1;
    snprintf(u->db, sizeof u->db, "%s", cfg->db ? cfg->db : "");
    snprintf(u->secret, sizeof u->secret, "%s", cfg->secret ? cfg->secret : "");
    snprintf(u->state_dir, sizeof u->state_dir, "%s", cfg->state_dir ? cfg->state_dir : ".");
    snprintf(u->log_path, sizeof u->log_path, "%s", cfg->log_path ? cfg->log_path : "");
    snprintf(u->i18n_dir, sizeof u->i18n_dir, "%s", cfg->i18n_dir ? cfg->i18n_dir : "");
    attach_bus(u);
    *out = u;
    return 0;
}

void kiosk_usb_free(kiosk_usb *u)
{
    if (!u)
        return;
    for (int i = 0; i < u->n_fds; i++)
        (void)lk_loop_unwatch(u->c.loop, u->fds[i]);
    if (u->timer >= 0)
        (void)lk_loop_timer_del(u->c.loop, u->timer);
    lk_usb_libusb_close(u->bus);
    free(u);
}
