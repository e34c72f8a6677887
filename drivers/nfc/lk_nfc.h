/* lk_nfc: the contactless reader on libnfc (a PN532 on a UART in the kiosk; pn532-sim on a pty
 * in tests), opened by an explicit connstring, never by auto-scan. It polls for ISO 14443-A and
 * -B cards, implements firmware's lk_apdu port for the card found, checks presence and releases
 * it. Every call is bounded in time (libnfc's own timeouts plus the ones given here), and
 * lk_nfc_cancel, from any thread, makes the call in flight return LK_ECANCELED at once (libnfc's
 * nfc_abort_command) and every later one until lk_nfc_rearm: the kiosk runs the blocking calls
 * on a worker and cancels from its main loop. Open and close from one thread (nfc_init touches
 * the environment); everything else from the worker that owns the reader, except cancel. */
#ifndef LK_DRIVERS_LK_NFC_H
#define LK_DRIVERS_LK_NFC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_apdu.h"
#include "kiosk/lk_device.h"
#include "kiosk/lk_err.h"

typedef struct lk_nfc lk_nfc;

typedef struct lk_nfc_target {
    char tech;       /* 'A' (ISO 14443-A) or 'B' (ISO 14443-B) */
    bool iso14443_4; /* speaks APDUs (A: SAK bit 6; B: always) */
    uint8_t uid[10]; /* A: UID; B: PUPI */
    size_t uid_len;
    uint8_t atqa[2], sak; /* A */
    uint8_t ats[64];      /* A: historical bytes etc., as libnfc reports them */
    size_t ats_len;
    uint8_t atqb[12]; /* B: 50 PUPI APP PROT as on the wire */
} lk_nfc_target;

/* Opens the reader at connstring ("pn532_uart:/dev/ttyS0", from config key nfc.device) and puts
 * it in initiator mode with bounded selects. LK_ENODEV when nothing answers there. */
int lk_nfc_open(const char *connstring, lk_nfc **out, lk_err *err);
void lk_nfc_close(lk_nfc *n);

/* The reader's name as libnfc reports it ("pn532_uart:/dev/pts/3"). */
const char *lk_nfc_name(const lk_nfc *n);

/* The chip and its firmware as libnfc reports them ("PN532 v1.6"), into out. 0, or LK_EIO /
 * LK_EPROTO when libnfc cannot tell. From the thread that owns the reader. */
int lk_nfc_firmware(lk_nfc *n, char *out, size_t len);

/* Polls A then B until a card is in the field, for at most timeout_ms (0: one round). Returns 0
 * with *t filled (the card is then the port's target), LK_ETIMEDOUT, LK_ECANCELED or LK_EIO. */
int lk_nfc_wait_card(lk_nfc *n, int timeout_ms, lk_nfc_target *t, lk_err *err);

/* The lk_apdu port of the current target. transmit: LK_ENODEV when the card left (or none was
 * selected), LK_ETIMEDOUT, LK_ECANCELED, LK_EPROTO, LK_EIO. Each APDU is bounded by 1 s. */
lk_apdu_port lk_nfc_port(lk_nfc *n);

/* 0 when the current target still answers, LK_ENODEV when it is gone. */
int lk_nfc_present(lk_nfc *n, lk_err *err);

/* Waits until the current target has left the field (a document must be taken away and shown
 * again before the next read): 0, LK_ETIMEDOUT after timeout_ms, LK_ECANCELED. */
int lk_nfc_wait_removal(lk_nfc *n, int timeout_ms, lk_err *err);

/* Deselects the current target (the next wait_card finds it again if it is still there). */
int lk_nfc_release(lk_nfc *n, lk_err *err);

/* Thread-safe: aborts the libnfc command in flight; calls fail with LK_ECANCELED until rearm. */
void lk_nfc_cancel(lk_nfc *n);
void lk_nfc_rearm(lk_nfc *n);

/* The reader in the device status model: normal after open, fault after a transport error. */
lk_device_state lk_nfc_state(const lk_nfc *n);

#endif
