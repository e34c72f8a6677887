/* Printer port of the session (lk_prn): prints one copy of a license (正本 or a numbered 副本) and
 * reports progress in the lk_device status model (out of paper / jam / offline are LK_DEVICE_FAULT
 * with an IPP-style reason such as "media-empty", "media-jam", "offline"). The adapter renders the
 * record itself (lk_render PDF) and owns the print journal, so exactly-once is its business:
 * submit() for a copy the journal already marks printed must refuse (LK_EBUSY).
 * submit() blocks and runs on a worker; progress is called on that worker. This sits above the
 * CUPS-level queue port (kiosk/lk_printer.h on the print branch): its real adapter is the print
 * worker + journal driving that port. */
#ifndef LK_KIOSK_PORT_LK_PRN_H
#define LK_KIOSK_PORT_LK_PRN_H

#include "kiosk/lk_device.h"
#include "kiosk/lk_err.h"
#include "kiosk/lk_record.h"

typedef enum lk_prn_phase {
    LK_PRN_QUEUED = 0,
    LK_PRN_PRINTING,
    LK_PRN_STOPPED,   /* held by a fault (see dev): may resume when staff fix it */
    LK_PRN_COMPLETED, /* final: the printer says the sheet is out */
    LK_PRN_FAILED,    /* final: nothing (usable) was printed */
    LK_PRN_UNCERTAIN, /* final: cannot tell (printer vanished mid-job): staff must check */
} lk_prn_phase;

typedef struct lk_prn_copy {
    const lk_record *rec;
    int duplicate; /* 0 正本, 1 副本 */
    int copy_no;   /* 副本 n of copy_total */
    int copy_total;
} lk_prn_copy;

typedef struct lk_prn_progress {
    lk_prn_phase phase;
    lk_device_state dev;
} lk_prn_progress;

typedef void (*lk_prn_progress_cb)(void *ctx, const lk_prn_progress *p);

typedef struct lk_prn lk_prn;

typedef struct lk_prn_ops {
    const char *name;
    /* Prints one copy and returns its final phase (LK_PRN_COMPLETED / FAILED / UNCERTAIN) as
     * a non-negative value, or a negative code when it could not even be submitted
     * (LK_ECANCELED, LK_ENODEV, LK_EBUSY already printed, LK_ENOSPC render does not fit).
     * A fault that holds the job is reported through progress (phase STOPPED) first. */
    int (*submit)(lk_prn *p, const lk_prn_copy *copy, int cancel_fd, lk_prn_progress_cb progress,
                  void *progress_ctx, lk_err *err);
    int (*state)(lk_prn *p, lk_device_state *out);
    void (*close)(lk_prn *p);
} lk_prn_ops;

struct lk_prn {
    const lk_prn_ops *ops;
};

#endif
