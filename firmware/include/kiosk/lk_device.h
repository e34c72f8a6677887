/* lk_device: the one status model every device reports in (NFC reader, camera, printer, USB,
 * plug-ins), so the UI, diagnostics and the audit log speak of devices the same way.
 *
 * unknown  - not asked yet, or the answer could not be read
 * normal   - working
 * warning  - usable, but a technician should look (toner low, stock low)
 * fault    - unusable (jam, out of paper, offline, vanished)
 * busy     - working on something right now (printing, reading a card)
 * disabled - switched off by configuration or by staff */
#ifndef LK_KIOSK_LK_DEVICE_H
#define LK_KIOSK_LK_DEVICE_H

typedef enum lk_device_status {
    LK_DEVICE_UNKNOWN = 0,
    LK_DEVICE_NORMAL,
    LK_DEVICE_WARNING,
    LK_DEVICE_FAULT,
    LK_DEVICE_BUSY,
    LK_DEVICE_DISABLED,
} lk_device_status;

/* A device's state at one moment: the status plus why, in words a technician understands
 * ("media-empty: tray 1 is out of paper"). reason is "" when there is nothing to say. */
typedef struct lk_device_state {
    lk_device_status status;
    char reason[160];
} lk_device_state;

/* Static lower-case name ("unknown", "normal", ...): the form JSON output and logs use. */
const char *lk_device_status_name(lk_device_status s);

/* Parses a name back; returns -1 (and leaves *out alone) for an unknown name. */
int lk_device_status_parse(const char *name, lk_device_status *out);

#endif
