/* lk_apdu: the checks every caller of a port would otherwise repeat. */
#include "kiosk/lk_apdu.h"

int lk_apdu_transmit(const lk_apdu_port *port, const uint8_t *capdu, size_t n, uint8_t *resp,
                     size_t cap, lk_err *err)
{
    int rc = port->ops->transmit(port->ctx, capdu, n, resp, cap, err);
    if (rc >= 0 && (rc < 2 || (size_t)rc > cap))
        return lk_err_set(err, LK_EPROTO, "card answered %d bytes, no status word", rc);
    return rc;
}
