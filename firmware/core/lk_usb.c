/* lk_usb: the pure half of the USB port: inventory differences (the polling fallback's events)
 * and class names. */
#include <stdio.h>

#include "kiosk/lk_usb.h"

static int same(const lk_usb_device *a, const lk_usb_device *b)
{
    return a->bus == b->bus && a->address == b->address && a->vid == b->vid && a->pid == b->pid;
}

static int contains(const lk_usb_device *list, size_t n, const lk_usb_device *d)
{
    for (size_t i = 0; i < n; i++)
        if (same(&list[i], d))
            return 1;
    return 0;
}

int lk_usb_diff(const lk_usb_device *before, size_t n_before, const lk_usb_device *after,
                size_t n_after, lk_usb_event_cb cb, void *ctx)
{
    int events = 0;
    for (size_t i = 0; i < n_before; i++)
        if (!contains(after, n_after, &before[i])) {
            events++;
            if (cb)
                cb(ctx, LK_USB_LEFT, &before[i]);
        }
    for (size_t i = 0; i < n_after; i++)
        if (!contains(before, n_before, &after[i])) {
            events++;
            if (cb)
                cb(ctx, LK_USB_ARRIVED, &after[i]);
        }
    return events;
}

const char *lk_usb_class_name(uint8_t dev_class)
{
    switch (dev_class) {
    case 0x00:
        return "per-interface";
    case 0x01:
        return "audio";
    case 0x02:
        return "communications";
    case 0x03:
        return "hid";
    case 0x07:
        return "printer";
    case LK_USB_CLASS_MASS_STORAGE:
        return "mass-storage";
    case 0x09:
        return "hub";
    case 0x0b:
        return "smart-card";
    case 0x0e:
        return "video";
    case 0xe0:
        return "wireless";
    case 0xef:
        return "miscellaneous";
    case 0xff:
        return "vendor-specific";
    default:
        return "other";
    }
}
