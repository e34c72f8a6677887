/* lk_usb_libusb: the USB adapter on libusb-1.0: inventory, hotplug (or periodic enumeration
 * where the platform has none) and the descriptors a main loop watches. One context per
 * adapter instance; used from one thread, except lk_usb_libusb_wakeup. */
#ifndef LK_DRIVERS_USB_LK_USB_LIBUSB_H
#define LK_DRIVERS_USB_LK_USB_LIBUSB_H

#include "kiosk/lk_usb.h"

typedef struct lk_usb_libusb lk_usb_libusb;

/* force_polling: enumerate every LK_USB_POLL_MS even where hotplug exists (tests, and
 * platforms whose hotplug is unreliable). cb may be NULL for an inventory-only instance. */
lk_usb_libusb *lk_usb_libusb_open(int force_polling, lk_usb_event_cb cb, void *ctx, lk_err *err);
void lk_usb_libusb_close(lk_usb_libusb *u);

/* 1 when events come from libusb hotplug, 0 when from periodic enumeration. */
int lk_usb_libusb_hotplug(const lk_usb_libusb *u);

/* The devices present now (malloc'd array, caller frees; may be empty). */
int lk_usb_libusb_list(lk_usb_libusb *u, lk_usb_device **out, size_t *n, lk_err *err);

/* Fills fds (libusb's own descriptors plus a wakeup eventfd) for poll(); returns the count. */
int lk_usb_libusb_fds(lk_usb_libusb *u, struct pollfd *fds, size_t max);

/* How long the loop may sleep before calling dispatch, in ms (-1: only when an fd fires). */
int lk_usb_libusb_timeout_ms(lk_usb_libusb *u);

/* Handles whatever is ready without blocking and delivers events through the callback.
 * Returns the number of events delivered. */
int lk_usb_libusb_dispatch(lk_usb_libusb *u, lk_err *err);

/* Thread-safe: makes the loop's poll return (e.g. to shut down). */
int lk_usb_libusb_wakeup(lk_usb_libusb *u);

#endif
