/* sim_make: writes card files for the simulator: an ICAO 9303 eMRTD whose EF.SOD a test Document
 * Signer signs, the test PKI itself (a CSCA and its Document Signer), and the technician's
 * service card. kioskctl's `card` and `pki` commands and the unit tests call these. OpenSSL. */
#ifndef LK_SIM_MAKE_H
#define LK_SIM_MAKE_H

#include <stddef.h>
#include <stdint.h>

/* Creates dir (if needed) with csca.pem, the trust store's one certificate, and signer/ holding
 * csca.key, ds.pem and ds.key (ECDSA P-256; CSCA 10 years, Document Signer 5 years). */
int sim_make_test_csca(const char *dir, char *err, size_t errlen);

struct sim_emrtd_spec {
    const char *const *mrz; /* 2 lines of 44 (TD3) or 3 of 30 (TD1), written to DG1 as given */
    size_t nlines;
    const uint8_t *photo; /* JPEG or JPEG 2000 (told by its magic bytes) */
    size_t photo_len;
    const char *csca_dir; /* from sim_make_test_csca: signer/ds.pem, signer/ds.key */
    const char *tamper;   /* NULL, or "dg1"/"dg2": change that file after signing (tests) */
};

/* The card file text (malloc'd, NUL-terminated) in *text. 0, or -1 with a reason. */
int sim_make_emrtd(const struct sim_emrtd_spec *spec, char **text, char *err, size_t errlen);

/* A service card file serving payload[0..n). */
int sim_make_service(const uint8_t *payload, size_t n, char **text, char *err, size_t errlen);

#endif
