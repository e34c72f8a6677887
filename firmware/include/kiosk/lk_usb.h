/* lk_usb: the USB port: what the kiosk knows of a USB device, the arrival/removal events a USB
 * adapter (drivers/usb, libusb) delivers, and the adapter's interface for one main loop.
 *
 * The adapter never blocks: the loop polls the descriptors lk_usb_fds gives, for at most
 * lk_usb_timeout_ms, then calls lk_usb_dispatch, which delivers the events through the
 * callback on the loop's thread. Where libusb has hotplug (libusb_has_capability) events come
 * from it; elsewhere dispatch re-enumerates every LK_USB_POLL_MS and reports the difference. */
#ifndef LK_KIOSK_LK_USB_H
#define LK_KIOSK_LK_USB_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_err.h"

#define LK_USB_POLL_MS            1000
#define LK_USB_CLASS_MASS_STORAGE 0x08

typedef struct lk_usb_device {
    uint16_t vid, pid;
    uint8_t dev_class; /* bDeviceClass (0: per interface) */
    uint8_t bus, address;
    uint8_t mass_storage;               /* device or any interface of class 0x08 */
    char manufacturer[96], product[96]; /* "" when the device cannot be opened to ask */
} lk_usb_device;

typedef enum lk_usb_event_kind {
    LK_USB_ARRIVED = 1,
    LK_USB_LEFT = 2,
} lk_usb_event_kind;

typedef void (*lk_usb_event_cb)(void *ctx, lk_usb_event_kind kind, const lk_usb_device *dev);

/* Reports the difference between two inventories (devices keyed by bus and address, then
 * VID:PID): LEFT for each device of `before` missing from `after`, then ARRIVED for each new
 * one. Returns the number of events. Pure; the polling fallback is built on it. */
int lk_usb_diff(const lk_usb_device *before, size_t n_before, const lk_usb_device *after,
                size_t n_after, lk_usb_event_cb cb, void *ctx);

/* "08" style name of a class, for JSON ("mass-storage", "hub", "hid", ... or "class-0xNN"). */
const char *lk_usb_class_name(uint8_t dev_class);

#endif
