/* lk_nfc_diag: the NFC reader's diagnostics over libnfc, for any composition root with a
 * PN532 reader: the "nfc-reader" status probe (driver, libnfc's device name, chip firmware)
 * and the `test-card` self-test (wait for a card, report its technology, type and UID). With
 * reader set they use the lk_docreader_nfc the kiosk already holds (lk_docreader_nfc_with);
 * without, they open connstring themselves (kioskctl). Both block: marked blocking, no store. */
#ifndef LK_DRIVERS_LK_NFC_DIAG_H
#define LK_DRIVERS_LK_NFC_DIAG_H

#include <stddef.h>

#include "kiosk/lk_diag.h"
#include "kiosk/port/lk_docreader.h"

typedef struct lk_nfc_diag {
    char connstring[256]; /* nfc.device; "" none configured */
    lk_docreader *reader; /* NULL: open connstring for each call */
    int card_timeout_ms;  /* test-card: how long to wait for a card (0: 10 s) */
} lk_nfc_diag;

/* nfc.device from the configuration; the test card is waited for 10 s. */
void lk_nfc_diag_from_config(lk_store *st, lk_nfc_diag *d);

lk_diag_probe lk_nfc_diag_probe(lk_nfc_diag *d);
lk_diag_selftest lk_nfc_diag_test_card(lk_nfc_diag *d);

#endif
