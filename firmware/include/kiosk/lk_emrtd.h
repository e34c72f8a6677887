/* lk_emrtd: reading an ICAO 9303 eMRTD (passport, travel ID card) over an lk_apdu port: SELECT
 * of the LDS1 application, BAC from the MRZ keys, then EF.COM, DG1, DG2 and EF.SOD under secure
 * messaging with chunked READ BINARY, parsed with lk_lds. This is the blocking call the kiosk
 * runs on a worker thread: it reports progress through a callback and stops at the next APDU
 * when cancelled (and the NFC port aborts the one in flight). Passive authentication of what was
 * read is lk_pa's. The document's data live on the heap only and are wiped by lk_emrtd_doc_free. */
#ifndef LK_KIOSK_LK_EMRTD_H
#define LK_KIOSK_LK_EMRTD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_apdu.h"
#include "kiosk/lk_err.h"
#include "kiosk/lk_lds.h"
#include "kiosk/lk_mrz.h"

/* The largest plain READ BINARY chunk whose protected answer (DO87 + DO99 + DO8E + SW) still
 * fits the port's 263 bytes. */
#define LK_EMRTD_MAX_CHUNK 0xEF

/* Which file is being read, for progress. */
typedef enum lk_emrtd_stage {
    LK_EMRTD_STAGE_BAC = 0,
    LK_EMRTD_STAGE_COM,
    LK_EMRTD_STAGE_DG1,
    LK_EMRTD_STAGE_DG2,
    LK_EMRTD_STAGE_SOD,
} lk_emrtd_stage;

const char *lk_emrtd_stage_name(lk_emrtd_stage s);

/* Called after every APDU: bytes of the current file read so far and its total (0 when not
 * known yet). Runs on the reading thread. */
typedef void (*lk_emrtd_progress_fn)(void *ctx, lk_emrtd_stage stage, size_t done, size_t total);

typedef struct lk_emrtd_opts {
    const char *mrz_info; /* from lk_bac_mrz_info */
    bool skip_dg2;        /* only the text (DG1) and what PA needs */
    size_t chunk;         /* READ BINARY Le, 0: LK_EMRTD_MAX_CHUNK */
    lk_emrtd_progress_fn progress;
    void *progress_ctx;
    atomic_bool *cancel; /* may be NULL; checked before every APDU */
    /* Random bytes for RND.IFD and K.IFD; NULL: OpenSSL RAND_bytes. Tests pin them. */
    int (*random)(void *ctx, uint8_t *buf, size_t n);
    void *random_ctx;
} lk_emrtd_opts;

typedef struct lk_emrtd_doc {
    uint8_t *com, *dg1, *dg2, *sod; /* raw files as read (NULL when not read) */
    size_t com_len, dg1_len, dg2_len, sod_len;
    lk_lds_com ef_com;
    lk_mrz mrz;       /* parsed DG1; mrz.valid false when the MRZ's check digits fail */
    lk_lds_face face; /* points into dg2; image NULL when DG2 was skipped or absent */
    unsigned apdus;   /* APDUs exchanged */
} lk_emrtd_doc;

/* Reads the document. Returns 0, or: LK_EBADSIG the MRZ keys do not open the chip, LK_ENODEV
 * the card left, LK_ETIMEDOUT, LK_ECANCELED, LK_ENOTSUP not an eMRTD (no LDS1 application),
 * LK_EPROTO / LK_EINVAL malformed answers or files. On failure *doc holds nothing (freed). */
int lk_emrtd_read(const lk_apdu_port *port, const lk_emrtd_opts *opts, lk_emrtd_doc *doc,
                  lk_err *err);

/* Passive authentication (lk_pa) of what lk_emrtd_read returned: EF.SOD against the CSCA store
 * (NULL: none), over DG1 and, when read, DG2. Returns 0 valid, LK_EBADSIG (res says which check
 * failed), or another LK_E*. */
struct lk_pa_result;
int lk_emrtd_passive_auth(const lk_emrtd_doc *doc, const char *csca_dir, struct lk_pa_result *res,
                          lk_err *err);

/* Wipes (explicit_bzero) and frees the files. */
void lk_emrtd_doc_free(lk_emrtd_doc *doc);

#endif
