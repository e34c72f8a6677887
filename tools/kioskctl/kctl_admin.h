/* kctl_admin: what the issue-7 command groups (bundle, usb, service-card, diag) share: the
 * kiosk's state folder, the pinned admin key and applying a bundle from a stick. */
#ifndef LK_TOOLS_KCTL_ADMIN_H
#define LK_TOOLS_KCTL_ADMIN_H

#include <stddef.h>

#include "kctl.h"
#include "kiosk/lk_sign.h"
#include "kiosk/lk_usb.h"

/* $LK_STATE_DIR, else the folder of the database kioskctl would open. */
void kctl_bundle_state_dir(kctl *k, char *out, size_t size);

/* The pinned admin public key: override, else $LK_ADMIN_PUBKEY, else <state>/admin.pub.
 * Prints the reason and returns NULL when it cannot be loaded. */
lk_sign_key *kctl_bundle_admin_key(kctl *k, const char *override);

/* Applies one bundle file and prints the result as JSON; returns an exit code. */
int kctl_bundle_apply_file(kctl *k, lk_store *st, const lk_sign_key *admin, const char *file,
                           const char *export_to);

#endif
