/* Identity-document reader port: what the session needs from any reader of resident ID cards
 * (SAM reader plug-in) or passports / travel permits (eMRTD over NFC with BAC keys from the
 * MRZ). firmware owns this interface; drivers fill an lk_docreader_ops table (libnfc's
 * nfc_driver pattern) and hand out an lk_docreader whose first member points to it.
 *
 * Threads: read() blocks and runs on a worker; everything else is callable from the loop
 * thread and must not block. The removal callback may be called from any thread. */
#ifndef LK_KIOSK_PORT_LK_DOCREADER_H
#define LK_KIOSK_PORT_LK_DOCREADER_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_device.h"
#include "kiosk/lk_err.h"

typedef enum lk_doc_kind {
    LK_DOC_RESIDENT_ID = 1, /* 居民身份证: read through the SAM, no keys needed */
    LK_DOC_PASSPORT = 2,    /* passport or travel permit: ICAO 9303 eMRTD, BAC from the MRZ */
} lk_doc_kind;

/* The three MRZ fields BAC derives its keys from, as printed (no check digits). */
typedef struct lk_mrz_keys {
    char doc_number[16]; /* up to 9 characters for TD3, letters and digits, '<' allowed */
    char birth[8];       /* YYMMDD */
    char expiry[8];      /* YYMMDD */
} lk_mrz_keys;

/* What a read yields. Everything here is personal data: the owner wipes it with
 * lk_id_result_wipe (explicit_bzero + free of photo) when the session ends. */
typedef struct lk_id_result {
    lk_doc_kind kind;
    char doc_type[16]; /* store document type: "resident_id" or "passport" */
    char number[32];   /* plain number: only for the keyed-hash lookup, never shown or logged */
    char masked[32];   /* display form (lk_record_mask_doc) */
    char name[96];     /* UTF-8 name as on the document */
    uint8_t *photo;    /* encoded chip photo (malloc'd), e.g. JPEG / JPEG 2000 / BMP */
    size_t photo_len;
    char photo_format[8]; /* "jpeg", "jp2", "bmp", "sim" */
} lk_id_result;

typedef struct lk_docreader lk_docreader;

/* percent 0..100 of the read; called on the worker thread. */
typedef void (*lk_id_progress_cb)(void *ctx, int percent);
/* present: 1 a document entered the field, 0 it left. Any thread. */
typedef void (*lk_id_presence_cb)(void *ctx, int present);
/* A technician's service card entered the field: token is what it serves after SELECT AID
 * F0 4C 4B 53 56 43 01 / READ BINARY (lk_service.h), valid only during the call. Any thread. */
typedef void (*lk_id_service_cb)(void *ctx, const uint8_t *token, size_t len);

typedef struct lk_docreader_ops {
    const char *name; /* "sim", "libnfc-emrtd", "sam-plugin" */
    /* Waits for a document (until cancel_fd fires), reads it and fills *out. keys is NULL for
     * resident ID cards. Returns 0, LK_ECANCELED, LK_EIO (document removed or transfer
     * failed; err says which), LK_EPROTO (bad response, or BAC refused the keys: err says),
     * LK_ENOTSUP (document kind not handled by this reader). */
    int (*read)(lk_docreader *r, lk_doc_kind kind, const lk_mrz_keys *keys, int cancel_fd,
                lk_id_progress_cb progress, void *progress_ctx, lk_id_result *out, lk_err *err);
    /* Registers (cb non-NULL) or clears the presence callback. */
    void (*watch)(lk_docreader *r, lk_id_presence_cb cb, void *ctx);
    int (*state)(lk_docreader *r, lk_device_state *out);
    /* Optional (NULL: this reader cannot see service cards). Registers (cb non-NULL) or clears
     * the service-card callback; the reader calls it instead of treating the card as a
     * document. */
    void (*watch_service)(lk_docreader *r, lk_id_service_cb cb, void *ctx);
    void (*close)(lk_docreader *r);
} lk_docreader_ops;

struct lk_docreader {
    const lk_docreader_ops *ops;
};

/* explicit_bzero of every field and of the photo bytes, then frees the photo. */
void lk_id_result_wipe(lk_id_result *res);

#endif
