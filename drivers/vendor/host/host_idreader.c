/* host_idreader: the worker's side of SAM reader requests. */
#include <stdlib.h>
#include <string.h>

#include "lk_plugin_host.h"

#define PHOTO_CAP (256u << 10) /* a decoded 102 x 126 RGB photo is 38,556 bytes */

int lk_host_id_wait(lk_host *h, const lk_pmsg *req, lk_pmsg_buf *out, lk_err *err)
{
    uint32_t timeout = 0;
    int rc = lk_pmsg_u32(req, LK_PT_TIMEOUT_MS, &timeout, err);
    if (rc != 0)
        return rc;
    lk_plugin_error perr = {.size = sizeof perr};
    int32_t prc = h->lib.idreader->wait_card(h->ctx, timeout, &perr);
    if (prc != LK_PLUGIN_OK)
        return lk_host_plugin_err(err, prc, &perr, "wait_card");
    lk_pmsg_begin(out, LK_PMSG_OK);
    return 0;
}

/* A text field must end inside its array; the plug-in may have filled it to the brim. */
static int put_text(lk_pmsg_buf *out, uint16_t tag, const char *s, size_t cap, lk_err *err)
{
    if (!memchr(s, '\0', cap))
        return lk_err_set(err, LK_EPLUGIN, "plug-in left card field %u unterminated",
                          (unsigned)tag);
    lk_pmsg_put_str(out, tag, s);
    return 0;
}

static int put_card(lk_pmsg_buf *out, const lk_plugin_idcard *c, lk_err *err)
{
    lk_pmsg_begin(out, LK_PMSG_ID_CARD);
    lk_pmsg_put_u32(out, LK_PT_CARD_TYPE, c->card_type);
    int rc = 0;
#define TEXT(tag, field)                                                                           \
    if (rc == 0)                                                                                   \
    rc = put_text(out, tag, c->field, sizeof c->field, err)
    TEXT(LK_PT_CARD_NAME, name);
    TEXT(LK_PT_CARD_SEX, sex);
    TEXT(LK_PT_CARD_NATION, nation);
    TEXT(LK_PT_CARD_BIRTH, birth_date);
    TEXT(LK_PT_CARD_ADDRESS, address);
    TEXT(LK_PT_CARD_IDNUM, id_number);
    TEXT(LK_PT_CARD_ISSUER, issuer);
    TEXT(LK_PT_CARD_FROM, valid_from);
    TEXT(LK_PT_CARD_UNTIL, valid_until);
    TEXT(LK_PT_CARD_SAM, sam_id);
#undef TEXT
    if (rc != 0)
        return rc;
    if (c->photo_len > c->photo_cap)
        return lk_err_set(err, LK_EPLUGIN, "plug-in claims a %u-byte photo in a %u-byte buffer",
                          (unsigned)c->photo_len, (unsigned)c->photo_cap);
    lk_pmsg_image img = {.format = c->photo_format,
                         .width = c->photo_width,
                         .height = c->photo_height,
                         .stride = c->photo_width * 3,
                         .data = c->photo,
                         .len = c->photo_len};
    lk_pmsg_put_image(out, LK_PT_PHOTO, &img);
    return 0;
}

int lk_host_id_read(lk_host *h, const lk_pmsg *req, lk_pmsg_buf *out, lk_err *err)
{
    (void)req;
    uint8_t *photo = calloc(1, PHOTO_CAP);
    lk_plugin_idcard *card = calloc(1, sizeof *card);
    int rc = 0;
    if (!photo || !card) {
        rc = lk_err_set(err, LK_ENOMEM, "out of memory for the card");
    } else {
        card->size = sizeof *card;
        card->photo = photo;
        card->photo_cap = PHOTO_CAP;
        lk_plugin_error perr = {.size = sizeof perr};
        int32_t prc = h->lib.idreader->read_card(h->ctx, card, &perr);
        rc = prc != LK_PLUGIN_OK ? lk_host_plugin_err(err, prc, &perr, "read_card")
                                 : put_card(out, card, err);
    }
    /* Personal data: nothing of the card survives the reply. */
    if (photo)
        explicit_bzero(photo, PHOTO_CAP);
    if (card)
        explicit_bzero(card, sizeof *card);
    free(photo);
    free(card);
    return rc;
}
