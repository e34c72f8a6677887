/* lk_device: names of the device status model (see lk_device.h). */
#include <string.h>

#include "kiosk/lk_device.h"

static const char *const names[] = {
    [LK_DEVICE_UNKNOWN] = "unknown", [LK_DEVICE_NORMAL] = "normal",
    [LK_DEVICE_WARNING] = "warning", [LK_DEVICE_FAULT] = "fault",
    [LK_DEVICE_BUSY] = "busy",       [LK_DEVICE_DISABLED] = "disabled",
};
#define N_NAMES (sizeof names / sizeof names[0])

const char *lk_device_status_name(lk_device_status s)
{
    return (unsigned)s < N_NAMES ? names[s] : "unknown";
}

int lk_device_status_parse(const char *name, lk_device_status *out)
{
    for (size_t i = 0; i < N_NAMES; i++)
        if (name && strcmp(name, names[i]) == 0) {
            *out = (lk_device_status)i;
            return 0;
        }
    return -1;
}
