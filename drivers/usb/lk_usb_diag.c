/* lk_usb_diag: the USB inventory for diagnostics (see the header). */
#include "lk_usb_diag.h"

#include <stdio.h>
#include <stdlib.h>

#include "lk_usb_libusb.h"

cJSON *lk_usb_diag_device_json(const lk_usb_device *d)
{
    char id[16];
    cJSON *o = cJSON_CreateObject();
    snprintf(id, sizeof id, "%04x:%04x", d->vid, d->pid);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "class", lk_usb_class_name(d->dev_class));
    cJSON_AddNumberToObject(o, "class_code", d->dev_class);
    cJSON_AddBoolToObject(o, "mass_storage", d->mass_storage);
    cJSON_AddStringToObject(o, "product", d->product);
    cJSON_AddStringToObject(o, "manufacturer", d->manufacturer);
    cJSON_AddNumberToObject(o, "bus", d->bus);
    cJSON_AddNumberToObject(o, "address", d->address);
    return o;
}

cJSON *lk_usb_diag_inventory(int polling, lk_err *err)
{
    lk_usb_libusb *u = lk_usb_libusb_open(polling, NULL, NULL, err);
    if (!u)
        return NULL;
    lk_usb_device *devs = NULL;
    size_t n = 0;
    cJSON *o = NULL;
    if (lk_usb_libusb_list(u, &devs, &n, err) == 0) {
        o = cJSON_CreateObject();
        cJSON *arr = cJSON_AddArrayToObject(o, "devices");
        for (size_t i = 0; i < n; i++)
            cJSON_AddItemToArray(arr, lk_usb_diag_device_json(&devs[i]));
        cJSON_AddNumberToObject(o, "count", (double)n);
    }
    free(devs);
    lk_usb_libusb_close(u);
    return o;
}

static void probe_usb(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)ctx;
    (void)env;
    lk_err err = {0};
    cJSON *inv = lk_usb_diag_inventory(0, &err);
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

lk_diag_probe lk_usb_diag_probe(void)
{
    return (lk_diag_probe){"usb", probe_usb, NULL, 1};
}
