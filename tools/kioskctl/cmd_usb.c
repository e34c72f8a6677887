/* cmd_usb: `kioskctl usb list|watch|arrive`: the USB inventory as JSON, a small main loop on
 * the adapter's descriptors that reports arrivals and removals (and looks for bundles when a
 * stick arrives), and `arrive`, which injects a mass-storage arrival into that same handler:
 * how tests, and a technician without a stick at hand, exercise the bundle look-up. */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kctl.h"
#include "kctl_admin.h"
#include "kiosk/lk_bundle.h"
#include "kiosk/lk_config.h"
#include "lk_usb_diag.h"
#include "lk_usb_libusb.h"

#define USB_USAGE                                                                                  \
    "usb list [--polling] | usb watch [--seconds N] [--polling] [--mount DIR] [--apply]\n"         \
    "       usb arrive [--vid HEX --pid HEX] [--mount DIR] [--apply]"

typedef struct watch {
    kctl *k;
    const char *mount;
    int apply;
    lk_store *st;
    lk_sign_key *admin;
    time_t look_until; /* after a stick arrives: keep looking until it is mounted */
    long long wait_s;  /* usb.mount_wait_s */
    char *mount_owned; /* usb.mount_point from configuration */
} watch;

static int on_bundle(void *ctx, const char *path)
{
    watch *w = ctx;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "event", "bundle-found");
    cJSON_AddStringToObject(o, "bundle", path);
    kctl_print_json(o);
    if (w->apply && w->st && w->admin)
        (void)kctl_bundle_apply_file(w->k, w->st, w->admin, path, NULL);
    fflush(stdout);
    return 0;
}

static int look(watch *w, lk_usb_event_kind kind, const lk_usb_device *d)
{
    lk_err err = {0};
    int n = lk_bundle_on_usb_event(kind, d, w->mount, on_bundle, w, &err);
    if (n != LK_ENOENT)
        w->look_until = 0;
    if (n < 0 && n != LK_ENOENT)
        kctl_error("usb: %s", err.msg);
    return n;
}

static void on_event(void *ctx, lk_usb_event_kind kind, const lk_usb_device *d)
{
    watch *w = ctx;
    cJSON *o = lk_usb_diag_device_json(d);
    cJSON_AddStringToObject(o, "event", kind == LK_USB_ARRIVED ? "arrived" : "left");
    kctl_print_json(o);
    fflush(stdout);
    if (look(w, kind, d) == LK_ENOENT)
        w->look_until = time(NULL) + w->wait_s;
}

static int open_watch(kctl *k, watch *w)
{
    w->k = k;
    if (!w->mount || w->apply) {
        w->st = kctl_open_store(k);
        if (!w->st)
            return -1;
        if (!w->mount && lk_config_get(w->st, "usb.mount_point", &w->mount_owned, NULL, NULL) == 0)
            w->mount = w->mount_owned;
        (void)lk_config_get_int(w->st, "usb.mount_wait_s", &w->wait_s, NULL);
    }
    if (w->apply && !(w->admin = kctl_bundle_admin_key(k, NULL)))
        return -1;
    return 0;
}

static void close_watch(watch *w)
{
    lk_store_close(w->st);
    lk_sign_key_free(w->admin);
    free(w->mount_owned);
}

static int loop(lk_usb_libusb *u, watch *w, int seconds)
{
    static const lk_usb_device stick = {.mass_storage = 1};
    time_t end = time(NULL) + seconds;
    lk_err err = {0};
    while (time(NULL) < end) {
        struct pollfd fds[32];
        int n = lk_usb_libusb_fds(u, fds, 32), t = lk_usb_libusb_timeout_ms(u);
        if (t < 0 || t > 500)
            t = 500; /* also the deadline's granularity */
        (void)poll(fds, (nfds_t)n, t);
        if (lk_usb_libusb_dispatch(u, &err) < 0) {
            kctl_error("usb watch: %s", err.msg);
            return KCTL_FAIL;
        }
        if (w->look_until && time(NULL) <= w->look_until)
            (void)look(w, LK_USB_ARRIVED, &stick);
    }
    return KCTL_OK;
}

static int parse_common(int argc, char **argv, int i, watch *w, int *polling, int *seconds,
                        lk_usb_device *fake)
{
    for (; i < argc; i++) {
        int more = i + 1 < argc;
        if (strcmp(argv[i], "--mount") == 0 && more)
            w->mount = argv[++i];
        else if (strcmp(argv[i], "--apply") == 0)
            w->apply = 1;
        else if (strcmp(argv[i], "--polling") == 0 && polling)
            *polling = 1;
        else if (strcmp(argv[i], "--seconds") == 0 && more && seconds)
            *seconds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--vid") == 0 && more && fake)
            fake->vid = (uint16_t)strtoul(argv[++i], NULL, 16);
        else if (strcmp(argv[i], "--pid") == 0 && more && fake)
            fake->pid = (uint16_t)strtoul(argv[++i], NULL, 16);
        else
            return -1;
    }
    return 0;
}

int kctl_cmd_usb(kctl *k, int argc, char **argv)
{
    const char *sub = argc >= 2 ? argv[1] : "";
    watch w = {.wait_s = 10};
    int polling = 0, seconds = 10, rc = KCTL_OK;
    lk_usb_device fake = {
        .vid = 0x0781, .pid = 0x5567, .mass_storage = 1, .dev_class = LK_USB_CLASS_MASS_STORAGE};
    lk_err err = {0};
    if (strcmp(sub, "list") == 0) {
        if (argc > 3 || (argc == 3 && strcmp(argv[2], "--polling") != 0))
            return kctl_usage(USB_USAGE);
        cJSON *o = lk_usb_diag_inventory(argc == 3, &err);
        if (!o) {
            kctl_error("usb list: %s", err.msg);
            return KCTL_FAIL;
        }
        kctl_print_json(o);
        return KCTL_OK;
    }
    int is_watch = strcmp(sub, "watch") == 0, is_arrive = strcmp(sub, "arrive") == 0;
    if ((!is_watch && !is_arrive) ||
        parse_common(argc, argv, 2, &w, is_watch ? &polling : NULL, is_watch ? &seconds : NULL,
                     is_arrive ? &fake : NULL) != 0)
        return kctl_usage(USB_USAGE);
    if (open_watch(k, &w) != 0) {
        close_watch(&w);
        return KCTL_FAIL;
    }
    if (is_arrive) {
        snprintf(fake.product, sizeof fake.product, "injected arrival");
        on_event(&w, LK_USB_ARRIVED, &fake);
        rc = w.look_until ? (kctl_error("usb arrive: nothing mounted at %s", w.mount), KCTL_FAIL)
                          : KCTL_OK;
    } else {
        lk_usb_libusb *u = lk_usb_libusb_open(polling, on_event, &w, &err);
        if (!u)
            kctl_error("usb watch: %s", err.msg);
        if (u) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "event", "watching");
            cJSON_AddStringToObject(o, "mode", lk_usb_libusb_hotplug(u) ? "hotplug" : "polling");
            kctl_print_json(o);
            fflush(stdout);
        }
        rc = u ? loop(u, &w, seconds) : KCTL_FAIL;
        lk_usb_libusb_close(u);
    }
    close_watch(&w);
    return rc;
}
