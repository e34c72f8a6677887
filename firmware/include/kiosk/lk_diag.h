/* lk_diag: diagnostics data for technicians, as JSON the service screens and `kioskctl diag`
 * both render: a table of device probes (each reporting the lk_device status model), the
 * self-tests, the counters report and the recent lines of the kiosk's log.
 *
 * Probes and self-tests are tables of {name, function, ctx, blocking} that the composition root
 * assembles: the built-in ones need only the store, the clock and the file system; device
 * adapters add theirs (drivers/: lk_prn_diag, lk_nfc_diag, lk_camera_diag; USB in kioskctl),
 * marked blocking because they wait on a device, so a UI runs them on a worker; a port without
 * a deeper probe reports its own state (lk_diag_*_probe), and a device whose adapter is not in
 * the build reports "unknown" with the reason (lk_diag_placeholder). Results are data: a
 * failing probe is a status, not an error. */
#ifndef LK_KIOSK_LK_DIAG_H
#define LK_KIOSK_LK_DIAG_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "kiosk/lk_device.h"
#include "kiosk/lk_store.h"
#include "kiosk/port/lk_cam.h"
#include "kiosk/port/lk_docreader.h"
#include "kiosk/port/lk_prn.h"

typedef struct lk_diag_env {
    lk_store *st;
    const char *state_dir;        /* the kiosk's data folder: disk space is measured there */
    const char *software_version; /* e.g. "0.1.0" */
    int64_t now;                  /* Unix seconds */
    /* The overlay calibration in effect (printer.calibration_x_01mm / _y_01mm), read by the
     * caller so that a test on a worker needs no store. */
    int calib_x_01mm, calib_y_01mm;
} lk_diag_env;

/* Fills state (status + reason) and may add fields to detail (a JSON object). */
typedef void (*lk_diag_probe_fn)(void *ctx, const lk_diag_env *env, lk_device_state *state,
                                 cJSON *detail);

typedef struct lk_diag_probe {
    const char *name; /* "disk", "database", "printer", ... */
    lk_diag_probe_fn run;
    void *ctx; /* for placeholders: the reason string */
    /* It talks to a device and may block for seconds (CUPS, libnfc, a camera): a UI runs it on
     * a worker, where env->st is NULL, so it must take what it needs from ctx and env. */
    int blocking;
} lk_diag_probe;

/* The probes this firmware has on its own: disk, database, audit, clock, software,
 * configuration. Static table. */
size_t lk_diag_builtin_probes(const lk_diag_probe **out);

/* A probe for a device whose adapter is not in this build: always unknown, with `why`. */
lk_diag_probe lk_diag_placeholder(const char *name, const char *why);

/* Probes that ask a kiosk port for its own state (its ops->state, which does not block), for
 * backends without a deeper probe of their own: the simulated ones ("simulated: ready") and
 * the SAM reader plug-in. detail.backend is the port's ops->name. The port must outlive the
 * probe. */
lk_diag_probe lk_diag_reader_probe(const char *name, lk_docreader *r);
lk_diag_probe lk_diag_camera_probe(lk_cam *c);
lk_diag_probe lk_diag_printer_probe(lk_prn *p);

/* Runs every probe: {"overall":STATUS,"probes":[{"name","status","reason",...detail}]}.
 * overall is the worst of fault > warning > unknown > busy > normal (disabled counts as
 * normal: it was switched off on purpose). */
cJSON *lk_diag_status(const lk_diag_env *env, const lk_diag_probe *probes, size_t n);

typedef struct lk_diag_selftest {
    const char *name;
    const char *about;
    /* Returns 1 passed, 0 failed; adds what it found to result. */
    int (*run)(void *ctx, const lk_diag_env *env, cJSON *result);
    void *ctx;
    int blocking; /* as for probes: run off the UI thread, with env->st NULL */
} lk_diag_selftest;

size_t lk_diag_builtin_selftests(const lk_diag_selftest **out);

/* Runs `name` from tests (n entries) and audits it under actor ("diag.selftest"). Self-tests
 * the product has but this build lacks (test card, frame, test page, calibration page, voice
 * prompts) answer {"available":false,"reason":"not available in this build"}. *passed is 1
 * only when the test ran and passed. NULL for a name the product does not know. */
cJSON *lk_diag_selftest_run(const lk_diag_env *env, const lk_diag_selftest *tests, size_t n,
                            const char *name, const char *actor, int *passed);

/* The parts of lk_diag_selftest_run, for a caller that runs the test itself (on a worker):
 * the result skeleton ({"name","available",...}; NULL for an unknown name) and *test (NULL
 * when this build lacks it), then lk_diag_selftest_finish on the loop thread to record the
 * outcome in the result and audit it. */
cJSON *lk_diag_selftest_begin(const lk_diag_selftest *tests, size_t n, const char *name,
                              const lk_diag_selftest **test);
void lk_diag_selftest_finish(const lk_diag_env *env, cJSON *result, const char *actor, int passed);

/* The worst of two status names (fault > warning > unknown > busy > normal). */
const char *lk_diag_worst(const char *a, const char *b);

/* The names every build answers to (available or not), for usage messages and the screen. */
size_t lk_diag_selftest_names(const char *const **out);

/* Counters report for days from..to (real calendar dates YYYY-MM-DD, inclusive, from <= to;
 * NULL: unbounded; LK_EINVAL otherwise): sessions (started, completed, abandoned, failed),
 * prints per day / month / total, failures by cause, face-check outcomes, ratings and paper
 * stock (the stock ledger) with its low-stock warning. The counter names are those of
 * lk_counter_names.h; older names are read as what they meant. */
cJSON *lk_diag_counters(lk_store *st, const char *from, const char *to, lk_err *err);

#define LK_DIAG_LOG_TAIL_BYTES 65536 /* how far back from the end recent lines are looked for */
#define LK_DIAG_LOG_MAX_LINES  1000

/* The last n (1..LK_DIAG_LOG_MAX_LINES) complete lines of the log file at path (lk_log's
 * file), oldest first, as a JSON array of strings; only the file's last
 * LK_DIAG_LOG_TAIL_BYTES are read, the log may be large. A missing file is an empty array
 * (nothing logged yet); NULL only when out of memory. */
cJSON *lk_diag_log_tail(const char *path, int n);

#endif
