/* lk_prn_journal: the kiosk's printer port (kiosk/port/lk_prn.h) over the real print path: the
 * journal (lk_journal) reserves the copy before anything is sent, lk_render makes the PDF, the
 * print worker (lk_print_worker) submits it through lk_cups and follows the job, and every
 * worker event is written to the journal as it comes. Exactly once is the journal's: a copy it
 * already marks completed (or awaiting a technician) is refused with LK_EBUSY. */
#ifndef LK_DRIVERS_LK_PRN_JOURNAL_H
#define LK_DRIVERS_LK_PRN_JOURNAL_H

#include "kiosk/lk_err.h"
#include "kiosk/port/lk_prn.h"

typedef struct lk_prn_journal_cfg {
    const char *db_path;     /* the store (the adapter opens its own handle: it runs on a worker) */
    const char *secret_path; /* as for lk_store_open */
    const char *printer;     /* CUPS destination ($LK_PRINTER or printer.name) */
    const char *template_path;
    int deadline_s; /* printer.job_deadline_s */
    /* Journal hooks for the adapter's own store handle (NULL: none), e.g. the registry's
     * printability check and print reports (lk_registry_journal_hooks). */
    const struct lk_journal_hooks *hooks;
} lk_prn_journal_cfg;

int lk_prn_journal_create(const lk_prn_journal_cfg *cfg, lk_prn **out, lk_err *err);

#endif
