/* lk_usb_diag: the USB inventory as diagnostics see it — each device as JSON (VID:PID, class,
 * product, manufacturer, bus address), the whole bus listed through the libusb adapter, and the
 * `usb` status probe built on it, shared by `kioskctl diag` and the kiosk's status page. */
#ifndef LK_DRIVERS_LK_USB_DIAG_H
#define LK_DRIVERS_LK_USB_DIAG_H

#include <cjson/cJSON.h>

#include "kiosk/lk_diag.h"
#include "kiosk/lk_usb.h"

cJSON *lk_usb_diag_device_json(const lk_usb_device *d);
/* {"devices":[...],"count":N}, or NULL with err (no USB bus). polling: enumerate without the
 * hotplug API. */
cJSON *lk_usb_diag_inventory(int polling, lk_err *err);
/* "usb": normal with the device count and the inventory, unknown with why when there is no
 * bus. Blocking (device strings are read from the devices). */
lk_diag_probe lk_usb_diag_probe(void);

#endif
