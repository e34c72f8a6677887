/* lk_idreader: the port of a SAM resident-identity-card reader (二代身份证 through a licensed
 * SAM, GA/T 467). firmware/ owns it; drivers/idreader/ implements it with a vendor plug-in
 * (drivers/vendor/lk_plugin_idreader.h) run in an isolated worker process.
 *
 * Threading: both calls block (wait_card up to its timeout, read_card up to the configured time
 * limit); run them on a worker thread and post the result to the main loop. One thread at a
 * time per reader.
 *
 * Privacy (PIPL): an lk_idcard holds a name, an ID number and a photo. Keep it in memory only,
 * never log it, and call lk_idcard_wipe when the session ends or times out. Store the number
 * only through lk_pii (keyed hash + masked form). */
#ifndef LK_KIOSK_LK_IDREADER_H
#define LK_KIOSK_LK_IDREADER_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_err.h"

typedef struct lk_idcard {
    unsigned card_type; /* 1 resident, 2 foreigner's permanent residence, 3 HK/Macao/Taiwan */
    char name[96], sex[8], nation[8], birth_date[12], address[256], id_number[24];
    char issuer[96], valid_from[12], valid_until[16], sam_id[48];
    uint32_t photo_width, photo_height; /* photo is RGB24, rows top-down, no padding */
    uint8_t *photo;                     /* malloc'd; lk_idcard_wipe frees it */
    size_t photo_len;
} lk_idcard;

/* Zeroes every field (explicit_bzero) and frees the photo. */
void lk_idcard_wipe(lk_idcard *c);

typedef struct lk_idreader_info {
    char name[64], vendor[64], version[32];
    unsigned abi_major, abi_minor;
} lk_idreader_info;

typedef struct lk_idreader_ops {
    /* 0 when a card is ready; LK_ETIMEDOUT when none came within timeout_ms. */
    int (*wait_card)(void *impl, unsigned timeout_ms, lk_err *err);
    /* Reads the selected card; LK_ENOENT when it was removed, LK_EIO for a failed read. */
    int (*read_card)(void *impl, lk_idcard *out, lk_err *err);
    int (*info)(void *impl, lk_idreader_info *out, lk_err *err);
    void (*close)(void *impl);
} lk_idreader_ops;

typedef struct lk_idreader {
    const lk_idreader_ops *ops;
    void *impl;
} lk_idreader;

int lk_idreader_wait_card(lk_idreader *r, unsigned timeout_ms, lk_err *err);
int lk_idreader_read_card(lk_idreader *r, lk_idcard *out, lk_err *err);
int lk_idreader_info_get(lk_idreader *r, lk_idreader_info *out, lk_err *err);
void lk_idreader_close(lk_idreader *r);

#endif
