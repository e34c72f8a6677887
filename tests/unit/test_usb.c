/* test_usb: the USB port and adapter: inventory differences become the right events in the
 * right order; the libusb adapter starts, lists (zero devices is a valid answer, as in this
 * VM), exposes a wakeup descriptor a loop can poll and drains it on dispatch; a mass-storage
 * arrival, and only that, makes the kiosk look for bundles at the mount point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lk_testutil.h"
#include "lk_usb_libusb.h"
#include "kiosk/lk_bundle.h"
#include "kiosk/lk_usb.h"

typedef struct seen {
    int n;
    char log[8][64];
} seen;

static void on_event(void *ctx, lk_usb_event_kind kind, const lk_usb_device *d)
{
    seen *s = ctx;
    if (s->n < 8)
        snprintf(s->log[s->n], sizeof s->log[0], "%s %04x:%04x",
                 kind == LK_USB_ARRIVED ? "arrived" : "left", d->vid, d->pid);
    s->n++;
}

static void test_diff(void **state)
{
    (void)state;
    lk_usb_device a = {.vid = 0x1111, .pid = 1, .bus = 1, .address = 2};
    lk_usb_device b = {.vid = 0x2222, .pid = 2, .bus = 1, .address = 3};
    lk_usb_device c = {.vid = 0x3333, .pid = 3, .bus = 2, .address = 2};
    lk_usb_device before[] = {a, b}, after[] = {b, c};
    seen s = {0};
    assert_int_equal(lk_usb_diff(before, 2, after, 2, on_event, &s), 2);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.log[0], "left 1111:0001");
    assert_string_equal(s.log[1], "arrived 3333:0003");
    /* The same address reused by another device is a removal and an arrival. */
    lk_usb_device a2 = a;
    a2.vid = 0x4444;
    memset(&s, 0, sizeof s);
    assert_int_equal(lk_usb_diff(&a, 1, &a2, 1, on_event, &s), 2);
    assert_int_equal(lk_usb_diff(before, 2, before, 2, on_event, &s), 0);
    assert_int_equal(lk_usb_diff(NULL, 0, NULL, 0, NULL, NULL), 0);
    assert_string_equal(lk_usb_class_name(LK_USB_CLASS_MASS_STORAGE), "mass-storage");
    assert_string_equal(lk_usb_class_name(0x09), "hub");
    assert_string_equal(lk_usb_class_name(0x42), "other");
}

static void check_adapter(int force_polling)
{
    seen s = {0};
    lk_err err = {0};
    lk_usb_libusb *u = lk_usb_libusb_open(force_polling, on_event, &s, &err);
    if (!u)
        fail_msg("open: %s", err.msg);
    if (force_polling)
        assert_int_equal(lk_usb_libusb_hotplug(u), 0);
    lk_usb_device *devs = NULL;
    size_t n = 99;
    assert_int_equal(lk_usb_libusb_list(u, &devs, &n, &err), 0);
    assert_true(n < 99);
    for (size_t i = 0; i < n; i++)
        assert_true(devs[i].bus > 0 || devs[i].address > 0 || devs[i].vid > 0);
    free(devs);
    struct pollfd fds[16];
    int nfds = lk_usb_libusb_fds(u, fds, 16);
    assert_true(nfds >= 1);
    int t = lk_usb_libusb_timeout_ms(u);
    if (force_polling)
        assert_true(t >= 0 && t <= LK_USB_POLL_MS);
    /* A wakeup from elsewhere makes the loop's poll return, and dispatch consumes it. */
    assert_int_equal(poll(fds, 1, 0), 0);
    assert_int_equal(lk_usb_libusb_wakeup(u), 0);
    assert_int_equal(poll(fds, 1, 1000), 1);
    assert_true(fds[0].revents & POLLIN);
    /* Nothing plugged in or out meanwhile: no events, and the wakeup is drained. */
    assert_int_equal(lk_usb_libusb_dispatch(u, &err), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(poll(fds, 1, 0), 0);
    lk_usb_libusb_close(u);
}

static void test_adapter_hotplug_or_polling(void **state)
{
    (void)state;
    check_adapter(0);
    check_adapter(1);
    lk_usb_libusb_close(NULL);
}

typedef struct found {
    int n;
    char names[4][64];
} found;

static int on_found(void *ctx, const char *path)
{
    found *f = ctx;
    const char *base = strrchr(path, '/');
    if (f->n < 4)
        snprintf(f->names[f->n], sizeof f->names[0], "%s", base ? base + 1 : path);
    f->n++;
    return 0;
}

static void touch(const char *dir, const char *name)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
}

static void test_arrival_looks_for_bundles(void **state)
{
    lk_test_fixture *fx = *state;
    char mount[128], sub[160];
    snprintf(mount, sizeof mount, "%s/stick", fx->dir);
    lk_usb_device stick = {.vid = 0x0781, .pid = 0x5567, .mass_storage = 1};
    lk_usb_device keyboard = {.vid = 0x046d, .pid = 0xc31c, .dev_class = 0x03};
    found f = {0};
    lk_err err = {0};
    /* The OS has not mounted it yet: the caller is told to look again. */
    assert_int_equal(lk_bundle_on_usb_event(LK_USB_ARRIVED, &stick, mount, on_found, &f, &err),
                     LK_ENOENT);
    assert_int_equal(mkdir(mount, 0755), 0);
    /* The folder is there but empty: the mount point before the OS mounted the stick on it. */
    assert_int_equal(lk_bundle_on_usb_event(LK_USB_ARRIVED, &stick, mount, on_found, &f, &err),
                     LK_ENOENT);
    touch(mount, "b.lkb");
    touch(mount, "a.lkb");
    touch(mount, "notes.txt");
    touch(mount, ".hidden.lkb");
    snprintf(sub, sizeof sub, "%s/dir.lkb", mount);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(lk_bundle_on_usb_event(LK_USB_ARRIVED, &keyboard, mount, on_found, &f, &err),
                     0);
    assert_int_equal(lk_bundle_on_usb_event(LK_USB_LEFT, &stick, mount, on_found, &f, &err), 0);
    assert_int_equal(f.n, 0);
    assert_int_equal(lk_bundle_on_usb_event(LK_USB_ARRIVED, &stick, mount, on_found, &f, &err), 2);
    assert_int_equal(f.n, 2);
    assert_string_equal(f.names[0], "a.lkb");
    assert_string_equal(f.names[1], "b.lkb");
    assert_int_equal(rmdir(sub), 0);
    char p[256];
    const char *names[] = {"a.lkb", "b.lkb", "notes.txt", ".hidden.lkb"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", mount, names[i]);
        assert_int_equal(remove(p), 0);
    }
    assert_int_equal(rmdir(mount), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_adapter_hotplug_or_polling),
        cmocka_unit_test_setup_teardown(test_arrival_looks_for_bundles, lk_test_setup,
                                        lk_test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
