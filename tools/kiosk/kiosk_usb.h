/* kiosk_usb: the kiosk's wiring of USB (part of the composition root): the libusb adapter's
 * descriptors on the kiosk's loop (hotplug where libusb has it, enumeration every
 * LK_USB_POLL_MS where not), and what a mass-storage arrival sets off: a worker looks for
 * *.lkb bundles at usb.mount_point (retrying for usb.mount_wait_s while the stick is not
 * mounted yet: the folder missing, or empty on the parent's file system), applies each
 * with lk_bundle_apply on its own store handle (verify, atomic apply, audit, and the export a
 * bundle asks for, written beside it on the stick), and the result comes back to the loop as
 * an event for the diagnostics bundle page (lk_svcmode_bundle_result / _bundle_show). Tests
 * have no USB bus: kiosk_usb_command injects the same arrival the adapter would report. */
#ifndef LK_TOOLS_KIOSK_USB_H
#define LK_TOOLS_KIOSK_USB_H

#include <stddef.h>

#include "kiosk/lk_evt.h"
#include "kiosk/lk_loop.h"
#include "kiosk/lk_service_mode.h"
#include "kiosk/lk_store.h"
#include "kiosk/lk_worker.h"

/* Tag of the bundle look's worker job (the session's tags are positive). */
#define KIOSK_USB_JOB_TAG (-7201)

typedef struct kiosk_usb kiosk_usb;

typedef struct kiosk_usb_cfg {
    lk_store *st; /* the loop's handle: usb.mount_point is read from it */
    lk_loop *loop;
    lk_workers *workers;
    lk_svcmode *svc;
    const char *db, *secret; /* what the worker opens its own store handle with */
    const char *state_dir;   /* bundles/, admin.pub, the kiosk's export key */
    const char *log_path;    /* recent log lines for an export */
    const char *i18n_dir;    /* built-in strings a bundle's assets are checked against */
} kiosk_usb_cfg;

/* The kiosk's state folder (bundles/, admin.pub, keys): $LK_STATE_DIR, else the database's
 * folder (as kiosk_service and kioskctl derive it). */
void kiosk_usb_state_dir(const char *db, char *out, size_t size);
/* At start, before configuration is read: finishes or undoes what an apply cut off by a power
 * loss or kill left (lk_bundle_recover). A failure is reported on stderr, never fatal: the
 * database alone decides which version is in force. */
void kiosk_usb_recover(lk_store *st, const char *state_dir);

/* A bus that cannot be opened is not an error: the kiosk then runs without USB, said so on
 * stderr, and injected arrivals still work. */
int kiosk_usb_create(const kiosk_usb_cfg *cfg, kiosk_usb **out, lk_err *err);
/* Before the loop and the workers go (a look still running finishes on its own handle). */
void kiosk_usb_free(kiosk_usb *u);

/* Script action `usb arrive [VID:PID]` / `usb leave [VID:PID]`: the event the adapter reports
 * for a mass-storage device. */
int kiosk_usb_command(kiosk_usb *u, const char *args, lk_err *err);

/* The look's LK_EVT_JOB_DONE: the result goes to the bundle page, shown at once when the
 * session is on attract. Returns 1 when e was the look's (and frees it). */
int kiosk_usb_event(kiosk_usb *u, const lk_evt *e, const lk_view *session_view);

#endif
