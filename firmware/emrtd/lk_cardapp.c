/* lk_cardapp: two SELECTs tell the kiosk's cards apart; the service payload is read in chunks of
 * 0xF0 until the card reports the end (6282, or 6B00 at exactly the end). */
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_cardapp.h"

#define CHUNK 0xF0

static const uint8_t SEL_EMRTD[] = {0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0,
                                    0x00, 0x00, 0x02, 0x47, 0x10, 0x01};
static const uint8_t SEL_SERVICE[] = {0x00, 0xA4, 0x04, 0x0C, 0x07, 0xF0,
                                      0x4C, 0x4B, 0x53, 0x56, 0x43, 0x01};

const char *lk_cardapp_name(lk_cardapp a)
{
    return a == LK_CARDAPP_EMRTD ? "emrtd" : a == LK_CARDAPP_SERVICE ? "service" : "unknown";
}

/* 1 when the SELECT answered 9000, 0 for any other status, < 0 on transport errors. */
static int select_aid(const lk_apdu_port *port, const uint8_t *sel, size_t n, lk_err *err)
{
    uint8_t r[LK_APDU_MAX_RESP];
    int rl = lk_apdu_transmit(port, sel, n, r, sizeof r, err);
    if (rl < 0)
        return rl;
    return r[rl - 2] == 0x90 && r[rl - 1] == 0x00;
}

int lk_cardapp_identify(const lk_apdu_port *port, lk_err *err)
{
    int rc = select_aid(port, SEL_EMRTD, sizeof SEL_EMRTD, err);
    if (rc != 0)
        return rc < 0 ? rc : LK_CARDAPP_EMRTD;
    rc = select_aid(port, SEL_SERVICE, sizeof SEL_SERVICE, err);
    if (rc != 0)
        return rc < 0 ? rc : LK_CARDAPP_SERVICE;
    return LK_CARDAPP_UNKNOWN;
}

static int read_loop(const lk_apdu_port *port, uint8_t *buf, size_t *len, lk_err *err)
{
    uint8_t r[LK_APDU_MAX_RESP];
    size_t have = 0;
    for (;;) {
        uint8_t c[5] = {0x00, 0xB0, (uint8_t)(have >> 8), (uint8_t)have, CHUNK};
        int rl = lk_apdu_transmit(port, c, sizeof c, r, sizeof r, err);
        if (rl < 0)
            return rl;
        uint16_t sw = (uint16_t)(r[rl - 2] << 8 | r[rl - 1]);
        size_t k = (size_t)rl - 2;
        if (sw == 0x6B00 && have > 0)
            break;
        if ((sw != 0x9000 && sw != 0x6282) || k > CHUNK || have + k > LK_CARDAPP_SERVICE_MAX)
            return lk_err_set(err, LK_EPROTO, "service card: READ BINARY at %zu gave %04X", have,
                              sw);
        memcpy(buf + have, r, k);
        have += k;
        if (sw == 0x6282 || k < CHUNK || have >= LK_CARDAPP_SERVICE_MAX)
            break;
    }
    *len = have;
    return 0;
}

int lk_cardapp_read_service(const lk_apdu_port *port, uint8_t **out, size_t *len, lk_err *err)
{
    *out = NULL;
    *len = 0;
    int rc = select_aid(port, SEL_SERVICE, sizeof SEL_SERVICE, err);
    if (rc <= 0)
        return rc < 0 ? rc : lk_err_set(err, LK_ENOTSUP, "not a service card");
    uint8_t *buf = malloc(LK_CARDAPP_SERVICE_MAX + CHUNK);
    if (!buf)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    rc = read_loop(port, buf, len, err);
    if (rc < 0 || *len == 0) {
        free(buf);
        return rc < 0 ? rc : lk_err_set(err, LK_EPROTO, "service card: empty payload");
    }
    *out = buf;
    return 0;
}
