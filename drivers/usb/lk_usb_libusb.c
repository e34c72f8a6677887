/* lk_usb_libusb: USB on libusb-1.0.
 *
 * Hotplug callbacks only queue the event: libusb forbids most calls (opening a device to read
 * its strings among them) inside a callback, so the device is described and the kiosk's
 * callback run after libusb_handle_events returns. A removed device can no longer be asked
 * anything, so its description comes from the inventory kept since its arrival. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <libusb-1.0/libusb.h>

#include "lk_usb_libusb.h"

#define QUEUE_MAX 64

typedef struct pending {
    libusb_device *dev; /* referenced */
    lk_usb_event_kind kind;
} pending;

struct lk_usb_libusb {
    libusb_context *ctx;
    int hotplug;
    libusb_hotplug_callback_handle handle;
    lk_usb_event_cb cb;
    void *cb_ctx;
    int wake_fd;
    lk_usb_device *known; /* the inventory as of the last dispatch */
    size_t n_known;
    pending queue[QUEUE_MAX];
    int n_queue;
};

static int usb_err(lk_err *err, int rc, const char *what)
{
    return lk_err_set(err, rc == LIBUSB_ERROR_NO_MEM ? LK_ENOMEM : LK_EIO, "%s: %s", what,
                      libusb_strerror(rc));
}

static int is_mass_storage(libusb_device *dev, uint8_t dev_class)
{
    if (dev_class == LK_USB_CLASS_MASS_STORAGE)
        return 1;
    struct libusb_config_descriptor *cfg = NULL;
    if (libusb_get_active_config_descriptor(dev, &cfg) != 0 &&
        libusb_get_config_descriptor(dev, 0, &cfg) != 0)
        return 0;
    int found = 0;
    for (int i = 0; i < cfg->bNumInterfaces && !found; i++)
        for (int a = 0; a < cfg->interface[i].num_altsetting && !found; a++)
            found = cfg->interface[i].altsetting[a].bInterfaceClass == LK_USB_CLASS_MASS_STORAGE;
    libusb_free_config_descriptor(cfg);
    return found;
}

/* Strings need the device opened, which a kiosk user may not be allowed to: then they stay "". */
static void read_strings(libusb_device *dev, const struct libusb_device_descriptor *dd,
                         lk_usb_device *out)
{
    libusb_device_handle *h = NULL;
    if (libusb_open(dev, &h) != 0)
        return;
    if (dd->iManufacturer)
        (void)libusb_get_string_descriptor_ascii(
            h, dd->iManufacturer, (unsigned char *)out->manufacturer, sizeof out->manufacturer);
    if (dd->iProduct)
        (void)libusb_get_string_descriptor_ascii(h, dd->iProduct, (unsigned char *)out->product,
                                                 sizeof out->product);
    libusb_close(h);
}

static int describe(libusb_device *dev, lk_usb_device *out)
{
    struct libusb_device_descriptor dd;
    memset(out, 0, sizeof *out);
    if (libusb_get_device_descriptor(dev, &dd) != 0)
        return -1;
    out->vid = dd.idVendor;
    out->pid = dd.idProduct;
    out->dev_class = dd.bDeviceClass;
    out->bus = libusb_get_bus_number(dev);
    out->address = libusb_get_device_address(dev);
    out->mass_storage = (uint8_t)is_mass_storage(dev, dd.bDeviceClass);
    read_strings(dev, &dd, out);
    return 0;
}

int lk_usb_libusb_list(lk_usb_libusb *u, lk_usb_device **out, size_t *n, lk_err *err)
{
    libusb_device **list = NULL;
    ssize_t count = libusb_get_device_list(u->ctx, &list);
    *out = NULL;
    *n = 0;
    if (count < 0)
        return usb_err(err, (int)count, "list USB devices");
    lk_usb_device *devs = calloc((size_t)count + 1, sizeof *devs);
    if (!devs) {
        libusb_free_device_list(list, 1);
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    }
    size_t k = 0;
    for (ssize_t i = 0; i < count; i++)
        if (describe(list[i], &devs[k]) == 0)
            k++;
    libusb_free_device_list(list, 1);
    *out = devs;
    *n = k;
    return 0;
}

static int LIBUSB_CALL on_hotplug(libusb_context *ctx, libusb_device *dev,
                                  libusb_hotplug_event event, void *user)
{
    (void)ctx;
    lk_usb_libusb *u = user;
    if (u->n_queue < QUEUE_MAX) {
        u->queue[u->n_queue].dev = libusb_ref_device(dev);
        u->queue[u->n_queue].kind =
            event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED ? LK_USB_ARRIVED : LK_USB_LEFT;
        u->n_queue++;
    }
    return 0; /* stay registered */
}

static int start_hotplug(lk_usb_libusb *u)
{
    return libusb_hotplug_register_callback(
        u->ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT, 0,
        LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, u,
        &u->handle);
}

lk_usb_libusb *lk_usb_libusb_open(int force_polling, lk_usb_event_cb cb, void *ctx, lk_err *err)
{
    lk_usb_libusb *u = calloc(1, sizeof *u);
    if (!u) {
        lk_err_set(err, LK_ENOMEM, "out of memory");
        return NULL;
    }
    u->cb = cb;
    u->cb_ctx = ctx;
    u->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    int rc = u->wake_fd < 0 ? LIBUSB_ERROR_OTHER : libusb_init(&u->ctx);
    if (rc != 0) {
        usb_err(err, rc, "libusb_init");
        lk_usb_libusb_close(u);
        return NULL;
    }
    u->hotplug = !force_polling && cb && libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) &&
                 start_hotplug(u) == 0;
    /* The starting inventory is the baseline: devices already present are not "arrivals". */
    if (lk_usb_libusb_list(u, &u->known, &u->n_known, err) != 0) {
        lk_usb_libusb_close(u);
        return NULL;
    }
    return u;
}

void lk_usb_libusb_close(lk_usb_libusb *u)
{
    if (!u)
        return;
    for (int i = 0; i < u->n_queue; i++)
        libusb_unref_device(u->queue[i].dev);
    if (u->hotplug)
        libusb_hotplug_deregister_callback(u->ctx, u->handle);
    if (u->ctx)
        libusb_exit(u->ctx);
    if (u->wake_fd >= 0)
        close(u->wake_fd);
    free(u->known);
    free(u);
}

int lk_usb_libusb_hotplug(const lk_usb_libusb *u)
{
    return u->hotplug;
}

int lk_usb_libusb_fds(lk_usb_libusb *u, struct pollfd *fds, size_t max)
{
    size_t n = 0;
    if (max > 0)
        fds[n++] = (struct pollfd){.fd = u->wake_fd, .events = POLLIN};
    const struct libusb_pollfd **p = libusb_get_pollfds(u->ctx);
    for (int i = 0; p && p[i] && n < max; i++)
        fds[n++] = (struct pollfd){.fd = p[i]->fd, .events = p[i]->events};
    libusb_free_pollfds(p);
    return (int)n;
}

int lk_usb_libusb_timeout_ms(lk_usb_libusb *u)
{
    struct timeval tv;
    int ms = u->hotplug ? -1 : LK_USB_POLL_MS;
    if (libusb_get_next_timeout(u->ctx, &tv) == 1) {
        int t = (int)(tv.tv_sec * 1000 + tv.tv_usec / 1000);
        ms = ms < 0 || t < ms ? t : ms;
    }
    return ms;
}

int lk_usb_libusb_wakeup(lk_usb_libusb *u)
{
    uint64_t one = 1;
    return write(u->wake_fd, &one, sizeof one) == sizeof one ? 0 : LK_EIO;
}

/* Hotplug mode: the queued events, described now that libusb allows it. The inventory is
 * kept in step so removals can be described. */
static int deliver_queue(lk_usb_libusb *u, lk_err *err)
{
    int events = 0;
    for (int i = 0; i < u->n_queue; i++) {
        lk_usb_device d;
        memset(&d, 0, sizeof d);
        d.bus = libusb_get_bus_number(u->queue[i].dev);
        d.address = libusb_get_device_address(u->queue[i].dev);
        if (u->queue[i].kind == LK_USB_ARRIVED)
            (void)describe(u->queue[i].dev, &d);
        for (size_t k = 0; u->queue[i].kind == LK_USB_LEFT && k < u->n_known; k++)
            if (u->known[k].bus == d.bus && u->known[k].address == d.address)
                d = u->known[k];
        libusb_unref_device(u->queue[i].dev);
        if (u->cb)
            u->cb(u->cb_ctx, u->queue[i].kind, &d);
        events++;
    }
    u->n_queue = 0;
    lk_usb_device *now = NULL;
    size_t n = 0;
    if (events && lk_usb_libusb_list(u, &now, &n, err) == 0) {
        free(u->known);
        u->known = now;
        u->n_known = n;
    }
    return events;
}

static int poll_inventory(lk_usb_libusb *u, lk_err *err)
{
    lk_usb_device *now = NULL;
    size_t n = 0;
    int rc = lk_usb_libusb_list(u, &now, &n, err);
    if (rc != 0)
        return rc;
    int events = lk_usb_diff(u->known, u->n_known, now, n, u->cb, u->cb_ctx);
    free(u->known);
    u->known = now;
    u->n_known = n;
    return events;
}

int lk_usb_libusb_dispatch(lk_usb_libusb *u, lk_err *err)
{
    uint64_t drained;
    while (read(u->wake_fd, &drained, sizeof drained) == sizeof drained)
        ;
    struct timeval zero = {0, 0};
    int rc = libusb_handle_events_timeout_completed(u->ctx, &zero, NULL);
    if (rc != 0 && rc != LIBUSB_ERROR_INTERRUPTED && rc != LIBUSB_ERROR_TIMEOUT)
        return usb_err(err, rc, "libusb events");
    return u->hotplug ? deliver_queue(u, err) : poll_inventory(u, err);
}
