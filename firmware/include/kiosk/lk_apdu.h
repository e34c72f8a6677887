/* lk_apdu: the port through which firmware talks to a contactless card: one ISO 7816-4 APDU out,
 * its answer back. firmware/ owns this interface; drivers/nfc implements it on libnfc, and tests
 * implement it over an in-process virtual card, so the eMRTD reader runs unchanged on both. */
#ifndef LK_KIOSK_LK_APDU_H
#define LK_KIOSK_LK_APDU_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_err.h"

/* The largest R-APDU (data + SW) a port must deliver: what libnfc with a PN532 can carry. */
#define LK_APDU_MAX_RESP 263
/* The largest short C-APDU a port must accept. */
#define LK_APDU_MAX_CMD 261

struct lk_apdu_ops {
    /* Sends capdu[0..n) and puts the answer (data + SW1 SW2) in resp[0..cap). Returns the answer's
     * length (>= 2), or a negative code: LK_ENODEV the card left the field, LK_ETIMEDOUT no answer
     * in time, LK_ECANCELED cancelled from another thread, LK_EIO a transport fault. Bounded in
     * time: a port never blocks forever. */
    int (*transmit)(void *ctx, const uint8_t *capdu, size_t n, uint8_t *resp, size_t cap,
                    lk_err *err);
};

typedef struct lk_apdu_port {
    const struct lk_apdu_ops *ops;
    void *ctx;
} lk_apdu_port;

/* port->ops->transmit, with the answer's length checked (>= 2). */
int lk_apdu_transmit(const lk_apdu_port *port, const uint8_t *capdu, size_t n, uint8_t *resp,
                     size_t cap, lk_err *err);

#endif
