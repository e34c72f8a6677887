/* lk_cardapp: which application a contactless card in the field offers (an ICAO 9303 eMRTD, the
 * kiosk's technician service card, or nothing the kiosk knows), and reading the service card's
 * payload: SELECT by AID F0 4C 4B 53 56 43 01, then READ BINARY in the clear until the end of
 * the file. What the payload means (a signed token) is the diagnostics mode's business. */
#ifndef LK_KIOSK_LK_CARDAPP_H
#define LK_KIOSK_LK_CARDAPP_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_apdu.h"
#include "kiosk/lk_err.h"

typedef enum lk_cardapp {
    LK_CARDAPP_UNKNOWN = 0,
    LK_CARDAPP_EMRTD,   /* SELECT A0 00 00 02 47 10 01 answered 9000 */
    LK_CARDAPP_SERVICE, /* SELECT F0 4C 4B 53 56 43 01 answered 9000 */
} lk_cardapp;

#define LK_CARDAPP_SERVICE_MAX 32767

/* "emrtd", "service", "unknown". */
const char *lk_cardapp_name(lk_cardapp a);

/* Tries the eMRTD then the service AID. Returns the application (>= 0), or a negative LK_E*
 * when the card could not be asked (gone, timeout, cancelled). Leaves the found application
 * selected (an eMRTD's BAC starts after its SELECT anyway). */
int lk_cardapp_identify(const lk_apdu_port *port, lk_err *err);

/* Selects the service application and reads its whole payload into a malloc'd *out. */
int lk_cardapp_read_service(const lk_apdu_port *port, uint8_t **out, size_t *len, lk_err *err);

#endif
