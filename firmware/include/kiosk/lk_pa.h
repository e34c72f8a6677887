/* lk_pa: ICAO 9303-11 §5.1 passive authentication of what was read from an eMRTD: EF.SOD's CMS
 * signature by its Document Signer certificate, that certificate's chain to a CSCA in a trust
 * store (a directory of PEM or DER certificates), and the hash of every data group read against
 * the value the SOD signs. The result says which checks passed, so the kiosk can audit each and
 * configuration can decide whether a failure blocks. OpenSSL libcrypto. */
#ifndef LK_KIOSK_LK_PA_H
#define LK_KIOSK_LK_PA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_err.h"

typedef struct lk_pa_dg {
    int dg; /* 1..16 */
    const uint8_t *data;
    size_t len;
} lk_pa_dg;

typedef struct lk_pa_result {
    bool valid;          /* every check below passed */
    bool sod_parsed;     /* EF.SOD is a well-formed SignedData over an LDS security object */
    bool signature;      /* the CMS signature verifies with the Document Signer certificate */
    bool ds_certificate; /* that certificate chains to a CSCA of the store */
    bool dg_hashes;      /* every data group read hashes to the SOD's value */
    unsigned dg_checked; /* bit n: DG n was compared */
    unsigned dg_ok;      /* bit n: DG n matched */
    char hash_alg[8];
    char reason[200]; /* the first failure, "" when valid */
} lk_pa_result;

/* Runs every check it can (a missing store fails only ds_certificate). csca_dir may be NULL.
 * Returns 0 when valid, LK_EBADSIG when a check failed (res says which), another LK_E* when it
 * could not run at all (out of memory). */
int lk_pa_verify(const uint8_t *sod, size_t sod_len, const lk_pa_dg *dgs, size_t ndgs,
                 const char *csca_dir, lk_pa_result *res, lk_err *err);

/* Number of certificates a CSCA directory holds (files that are not certificates are skipped),
 * or a negative LK_E* when the directory cannot be read. */
int lk_pa_count_cscas(const char *csca_dir, lk_err *err);

#endif
