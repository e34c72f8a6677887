/* lk_printer: the printer port. firmware/ owns this interface; drivers/print/ implements it
 * (lk_cups: libcups to a named CUPS queue). Every call here BLOCKS (network round trips to the
 * print server): call them only from the print worker (lk_print_worker.h), never from the UI
 * thread. Also here: the pure mapping of IPP printer-state-reasons onto the device status model
 * (lk_device.h), shared by every backend and tested on its own.
 *
 * A backend is an ops table plus its private state, like libnfc's nfc_driver. */
#ifndef LK_KIOSK_LK_PRINTER_H
#define LK_KIOSK_LK_PRINTER_H

#include <stddef.h>

#include "kiosk/lk_device.h"
#include "kiosk/lk_err.h"

/* A job's state as the print server reports it (the IPP job-state enum plus "gone"). */
typedef enum lk_job_state {
    LK_JOB_PENDING = 3,
    LK_JOB_HELD = 4,
    LK_JOB_PROCESSING = 5,
    LK_JOB_STOPPED = 6,
    LK_JOB_CANCELED = 7,
    LK_JOB_ABORTED = 8,
    LK_JOB_COMPLETED = 9,
    LK_JOB_GONE = 0, /* the server no longer knows the job (history lost) */
} lk_job_state;

/* The PWG media name a copy prints on: A3 for the 正本 ("original"), A4 for a 副本. */
const char *lk_printer_media(const char *copy);

/* Whether a state is final (canceled, aborted, completed or gone). */
int lk_job_state_final(lk_job_state s);
/* Static lower-case IPP name ("processing", "completed", "gone", ...). */
const char *lk_job_state_name(lk_job_state s);

/* What is printed: one PDF page, already rendered for this medium. */
typedef struct lk_print_doc {
    const unsigned char *pdf;
    size_t len;
    const char *job_name; /* unique per attempt: reconciliation finds jobs by it */
    const char *media; /* PWG media name: "iso_a3_297x420mm" (正本), "iso_a4_210x297mm" (副本) */
} lk_print_doc;

typedef struct lk_job_info {
    lk_job_state state;
    /* True when the answer cannot be trusted as "a sheet came out": the server says completed
     * but also that the printer lost its job history (printer restarted mid-job). */
    int doubtful;
    /* Whether the server ever started processing the job (IPP time-at-processing): a job
     * cancelled before it started cannot have printed anything. */
    int started;
    /* Why, for the journal and technicians: job-state-message / printer-state-message and the
     * relevant reasons ("media-jam", "The printer may not exist ..."). "" when nothing. */
    char reason[200];
} lk_job_info;

struct lk_printer_supplies;

typedef struct lk_printer_ops {
    const char *name; /* backend name for logs ("cups") */
    /* The printer's current state. Returns 0 with out filled even when the printer is down
     * (status fault, reason says why); negative only for a misuse. */
    int (*state)(void *impl, lk_device_state *out, lk_err *err);
    /* Creates the job, sends doc with copies=1, landscape, no scaling, on doc->media, and
     * closes it. *job_id is set as soon as the server has assigned it (also when a later step
     * fails, so the caller can cancel or follow it). */
    int (*submit)(void *impl, const lk_print_doc *doc, int *job_id, lk_err *err);
    /* One look at a job. LK_EIO when the server cannot be reached (the job's fate is unknown,
     * not "gone"). */
    int (*job)(void *impl, int job_id, lk_job_info *out, lk_err *err);
    /* The id of this queue's job whose name is job_name (most recent first), or LK_ENOENT. */
    int (*find_job)(void *impl, const char *job_name, int *job_id, lk_err *err);
    int (*cancel)(void *impl, int job_id, lk_err *err);
    void (*close)(void *impl);
    /* Optional (NULL: the backend cannot tell): marker levels and the media loaded. */
    int (*supplies)(void *impl, struct lk_printer_supplies *out, lk_err *err);
} lk_printer_ops;

typedef struct lk_printer {
    const lk_printer_ops *ops;
    void *impl;
} lk_printer;

#define LK_PRINTER_MARKERS 8
#define LK_PRINTER_MEDIA   4

/* One marker (toner, ink, waste toner...) as IPP reports it: marker-names / marker-levels /
 * marker-types / marker-low-levels, or one PWG 5100.13 printer-supply value. */
typedef struct lk_printer_marker {
    char name[64];  /* marker-names, or the supply's type and colorant ("toner black") */
    char type[40];  /* IPP marker-types keyword: "toner", "waste-toner", "ink", ... */
    char color[24]; /* colorant name, "" unknown */
    int level;      /* percent 0..100; -1 unknown; -2 unavailable; -3 "some left" (RFC 3805) */
    int low;        /* percent at or below which it counts as low (marker-low-levels), -1 none */
    int waste;      /* a receptacle that fills up: high, not low, is the problem */
} lk_printer_marker;

typedef struct lk_printer_supplies {
    lk_printer_marker markers[LK_PRINTER_MARKERS];
    int n_markers;
    char media_ready[LK_PRINTER_MEDIA][64]; /* PWG media names loaded (media-ready) */
    int n_media;
    int media_known; /* the printer said what is loaded (also when it said "nothing") */
    char source[16]; /* where the figures came from: "queue" (cupsd) or "device" (the printer) */
} lk_printer_supplies;

/* Parses one printer-supply value ("index=1;class=supplyThatIsConsumed;type=toner;unit=percent;
 * maxcapacity=100;level=75;colorantname=black;") into *out. Values are outside bytes: any
 * input gives 0 with a NUL-terminated marker, or LK_EPROTO when it is not a supply at all. */
int lk_printer_supply_parse(const char *value, size_t len, lk_printer_marker *out);

/* Whether a marker needs attention: 1 low (or a waste receptacle nearly full), 2 empty (or
 * full), 0 fine or unknown. */
int lk_printer_marker_alert(const lk_printer_marker *m);

/* Convenience wrappers over p->ops (and lk_printer_close frees p). */
int lk_printer_state(lk_printer *p, lk_device_state *out, lk_err *err);
int lk_printer_submit(lk_printer *p, const lk_print_doc *doc, int *job_id, lk_err *err);
int lk_printer_job(lk_printer *p, int job_id, lk_job_info *out, lk_err *err);
int lk_printer_find_job(lk_printer *p, const char *job_name, int *job_id, lk_err *err);
int lk_printer_cancel(lk_printer *p, int job_id, lk_err *err);
void lk_printer_close(lk_printer *p);
/* LK_ENOTSUP when the backend cannot tell. */
int lk_printer_get_supplies(lk_printer *p, lk_printer_supplies *out, lk_err *err);

/* Printer-level facts as IPP reports them, for lk_printer_map. */
typedef struct lk_printer_facts {
    int ipp_state;       /* printer-state: 3 idle, 4 processing, 5 stopped; 0 unknown */
    int accepting;       /* printer-is-accepting-jobs */
    const char *reasons; /* printer-state-reasons, comma-separated ("none" or "" for none) */
    const char *message; /* printer-state-message, may be NULL */
} lk_printer_facts;

/* Maps IPP printer facts onto the device model:
 *   not accepting jobs, or stopped with `paused`           -> disabled (staff switched it off)
 *   media-empty / media-needed / media-jam / door-open / cover-open / offline / shutdown /
 *   output-area-full / other-error, or stopped otherwise  -> fault
 *   *-low (toner-low, media-low, marker-supply-low ...) and other -warning/-error reasons
 *                                                          -> warning
 *   processing                                             -> busy
 *   otherwise                                              -> normal
 * `cups-*` reasons and `*-report` reasons are ignored: cupsd leaves them stale on the queue
 * after the device has cleared them (they only tell what the last job saw). */
void lk_printer_map(const lk_printer_facts *f, lk_device_state *out);

#endif
