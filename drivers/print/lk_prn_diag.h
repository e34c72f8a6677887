/* lk_prn_diag: the printer's diagnostics over CUPS, for any composition root that prints
 * through a CUPS queue (kioskctl, the kiosk with --printer cups): the status probe (the
 * lk_printer port's state, plus marker levels and the media loaded), and the self-tests
 * `test-page` and `calibration-page`, printed through the port outside the journal. All of
 * them block on the print server: they are marked blocking and need no store. The pages use
 * cairo's toy fonts: the process calls lk_render_release_caches once at exit, as for prints. */
#ifndef LK_DRIVERS_PRINT_LK_PRN_DIAG_H
#define LK_DRIVERS_PRINT_LK_PRN_DIAG_H

#include <stddef.h>

#include "kiosk/lk_diag.h"

typedef struct lk_prn_diag {
    char queue[128]; /* the CUPS queue ($LK_PRINTER, else printer.name); "" none configured */
    int deadline_s;  /* how long a self-test page may take (printer.job_deadline_s) */
} lk_prn_diag;

/* The queue as the kiosk would print to it: $LK_PRINTER, else printer.name; and
 * printer.job_deadline_s (default 60 s). */
void lk_prn_diag_from_config(lk_store *st, lk_prn_diag *d);

/* The "printer" probe: the queue's state and reasons (lk_printer_map), and in detail its
 * queue, markers [{name,type,color,level,low}], media_ready [...] and supplies_from. A marker
 * that is low, or media that the printer says are not loaded, makes a ready printer a
 * warning; an empty marker a fault. d must outlive the probe. */
lk_diag_probe lk_prn_diag_probe(lk_prn_diag *d);

/* test-page and calibration-page (env->calib_x_01mm / _y_01mm); returns how many were
 * written to out (at most max). */
size_t lk_prn_diag_selftests(lk_prn_diag *d, lk_diag_selftest *out, size_t max);

/* The calibration page alone, as a one-page A4 landscape PDF (for tests and previews). The caller
 * frees *pdf. */
int lk_prn_diag_calibration_pdf(const char *queue, const lk_diag_env *env, unsigned char **pdf,
                                size_t *len);

#endif
