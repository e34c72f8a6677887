/* lk_docreader_nfc: the kiosk's document-reader port (kiosk/port/lk_docreader.h) for passports and
 * travel permits over NFC: lk_nfc polls for the chip, lk_emrtd opens it with BAC from the MRZ keys
 * and reads DG1 + DG2 under secure messaging, lk_emrtd_passive_auth checks EF.SOD. A resident ID
 * card is not this reader's business (LK_ENOTSUP: the SAM adapter reads those). */
#ifndef LK_DRIVERS_LK_DOCREADER_NFC_H
#define LK_DRIVERS_LK_DOCREADER_NFC_H

#include "kiosk/lk_err.h"
#include "kiosk/port/lk_docreader.h"
#include "lk_nfc.h"

typedef struct lk_docreader_nfc_cfg {
    const char *connstring; /* nfc.device, e.g. "pn532_uart:/dev/pts/3" */
    int require_pa;         /* emrtd.require_passive_auth: a chip failing PA is refused */
    const char *csca_dir;   /* emrtd.csca_dir (NULL or "": no CSCA store) */
    int presence_ms;        /* how often a read card is checked for removal (0: 300) */
} lk_docreader_nfc_cfg;

/* Opens the reader (LK_ENODEV when nothing answers at connstring). */
int lk_docreader_nfc_create(const lk_docreader_nfc_cfg *cfg, lk_docreader **out, lk_err *err);

/* Runs fn on the reader's lk_nfc while no read or presence check uses it (diagnostics look at
 * the reader the kiosk already holds open rather than opening the serial port twice). Blocks
 * as long as fn does: call it from a worker. LK_EINVAL when r is not this driver's. */
int lk_docreader_nfc_with(lk_docreader *r, int (*fn)(lk_nfc *n, void *ctx), void *ctx, lk_err *err);

#endif
