/* lk_idreader: dispatch of the SAM reader port, and wiping of what it returns. */
#include "kiosk/lk_idreader.h"

#include <stdlib.h>
#include <string.h>

void lk_idcard_wipe(lk_idcard *c)
{
    if (!c)
        return;
    if (c->photo) {
        explicit_bzero(c->photo, c->photo_len);
        free(c->photo);
    }
    explicit_bzero(c, sizeof *c);
}

int lk_idreader_wait_card(lk_idreader *r, unsigned timeout_ms, lk_err *err)
{
    if (!r || !r->ops)
        return lk_err_set(err, LK_ENODEV, "no ID card reader configured");
    return r->ops->wait_card(r->impl, timeout_ms, err);
}

int lk_idreader_read_card(lk_idreader *r, lk_idcard *out, lk_err *err)
{
    if (!r || !r->ops)
        return lk_err_set(err, LK_ENODEV, "no ID card reader configured");
    memset(out, 0, sizeof *out);
    int rc = r->ops->read_card(r->impl, out, err);
    if (rc != 0)
        lk_idcard_wipe(out);
    return rc;
}

int lk_idreader_info_get(lk_idreader *r, lk_idreader_info *out, lk_err *err)
{
    if (!r || !r->ops)
        return lk_err_set(err, LK_ENODEV, "no ID card reader configured");
    memset(out, 0, sizeof *out);
    return r->ops->info(r->impl, out, err);
}

void lk_idreader_close(lk_idreader *r)
{
    if (r && r->ops)
        r->ops->close(r->impl);
    if (r)
        memset(r, 0, sizeof *r);
}
