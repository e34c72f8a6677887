/* lk_service_mode: the technician's diagnostics mode as a state machine beside the customer
 * session: a service card presented on the attract screen opens the PIN pad, the PIN (checked
 * by lk_service_enter, so wrong PINs count toward its lockout) opens the menu, and the pages
 * show device status, self-tests, calibration, counters, recent log lines, the result of a
 * USB bundle and the print jobs a technician must settle (uncertain copies, reprints). One handler
 * per page; its own inactivity timeout returns to attract. Every action is audited under
 * "tech:<id>" (lk_service_audit). The UI reads lk_svcmode_view() (an lk_view whose state is one of
 * the LK_ST_DIAG_* pages and whose svc points at the data below) and posts the same intents as on
 * customer screens. Runs on the loop thread only. */
#ifndef LK_KIOSK_LK_SERVICE_MODE_H
#define LK_KIOSK_LK_SERVICE_MODE_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_diag.h"
#include "kiosk/lk_evt.h"
#include "kiosk/lk_log.h"
#include "kiosk/lk_service.h"
#include "kiosk/lk_view.h"
#include "kiosk/lk_worker.h"

#define LK_SVC_ROWS        24
#define LK_SVC_PIN_MAX     12
#define LK_SVC_TESTS       16
#define LK_SVC_CALIB_MX    500 /* the range of printer.calibration_*_01mm */
#define LK_SVC_BUNDLE_TEXT 600
/* Tags of the service mode's worker jobs (the customer session's tags are positive): blocking
 * probes and self-tests, and the PIN check. */
#define LK_SVC_JOB_TAG     (-7007)
#define LK_SVC_JOB_TAG_PIN (-7101)

typedef struct lk_svc_row {
    char name[40];   /* probe, counter or test name; "" for a log line */
    char status[12]; /* lk_device status name, "pass"/"fail", or "" */
    char text[120];  /* reason, value or the log line */
    /* Words rather than data: i18n keys the screen shows instead of name / text (static
     * strings, NULL: show name / text as they are). name stays the row's identifier. */
    const char *name_key, *text_key;
} lk_svc_row;

/* What a technician can do with a print-journal row on the jobs page: settle an uncertain copy
 * (it printed; it did not, sheet unused; it did not, sheet spoiled) or allow one more print of
 * a completed copy (a damaged one). */
typedef enum lk_svc_job_action {
    LK_SVC_JOB_PRINTED = 0,
    LK_SVC_JOB_NOT_PRINTED,
    LK_SVC_JOB_SPOILED,
    LK_SVC_JOB_REPRINT,
} lk_svc_job_action;

typedef struct lk_svc_view {
    char tech_id[LK_SERVICE_TECH_MAX + 1];
    int pin_len;                  /* digits typed so far (shown as dots) */
    int pin_wrong;                /* the last PIN was wrong */
    int pin_checking;             /* the PIN is being checked (on a worker): keys wait */
    int attempts_left;            /* before the lockout */
    char refusal[16];             /* LK_ST_DIAG_REFUSED: "locked", "bad-card", "expired", ... */
    int64_t locked_until;         /* Unix seconds */
    char overall[12];             /* status page: the worst probe */
    lk_svc_row rows[LK_SVC_ROWS]; /* the current page's table */
    int n_rows;
    const char *tests[LK_SVC_TESTS]; /* self-test names (static strings) */
    int n_tests;
    char result_name[40]; /* last self-test run, "" none */
    int result_passed;
    int result_running;     /* it runs on a worker; passed/text come when it is done */
    int result_unavailable; /* the test is not in this build */
    char result_text[160];  /* what it found, "field: value · ..." */
    int calib_x, calib_y;   /* 0.1 mm */
    int bundle_seen, bundle_ok;
    char bundle_text[LK_SVC_BUNDLE_TEXT];
    /* Jobs page: rows[i] describes journal row job_ids[i] (0 for an error row), its status the
     * row's journal state (uncertain copies first, then the latest completed ones); job_sel the
     * selected one (-1 none), job_done the last action's outcome ("" none; "ok:<action>" or
     * "error:<reason>"). */
    int64_t job_ids[LK_SVC_ROWS];
    int job_sel;
    char job_done[160];
} lk_svc_view;

typedef struct lk_svcmode lk_svcmode;

typedef struct lk_svcmode_deps {
    lk_store *st;
    const lk_sign_key *admin; /* pinned admin key; NULL: every card is refused */
    const char *state_dir;
    const char *software_version;
    const lk_diag_probe *probes; /* the composition root's table */
    size_t n_probes;
    const lk_diag_selftest *tests;
    size_t n_tests;
    const char *log_path; /* recent log lines; NULL or missing: none */
    lk_log *log;          /* every audited technician action and each bundle result; NULL: none */
    uint64_t (*clock_ms)(void *ctx); /* NULL: lk_loop_now_ms */
    int64_t (*wall_s)(void *ctx);    /* NULL: time(NULL) */
    void *clock_ctx;
    int timeout_s; /* idle seconds on any page; <= 0: config service.timeout_s */
    /* Where the PIN's PBKDF2 and the blocking probes and self-tests (lk_diag's `blocking`:
     * CUPS, libnfc, a camera) run, so the frame loop never waits on them; results come back as
     * LK_EVT_JOB_DONE with tag LK_SVC_JOB_TAG_PIN or LK_SVC_JOB_TAG, for lk_svcmode_event.
     * NULL: everything runs in line (tools without a loop). */
    lk_workers *workers;
} lk_svcmode_deps;

int lk_svcmode_create(const lk_svcmode_deps *d, lk_svcmode **out, lk_err *err);
void lk_svcmode_free(lk_svcmode *m);

/* 1 while a diagnostics page is up (the UI draws lk_svcmode_view, intents go here). */
int lk_svcmode_active(const lk_svcmode *m);

/* A service card's token arrived. The caller offers it only while the customer session is on
 * its attract screen (that is the rule that keeps customers out). Returns 1 when the mode took
 * it (PIN pad, or the refusal page for a locked kiosk, bad or expired card), 0 when ignored
 * (already active). lang: the language to start in. */
int lk_svcmode_card(lk_svcmode *m, const uint8_t *token, size_t len, const char *lang);

void lk_svcmode_intent(lk_svcmode *m, lk_intent intent, int arg, const char *text);
/* Every ~100 ms: the inactivity deadline and the visible countdown. */
void lk_svcmode_tick(lk_svcmode *m);

/* A USB bundle was applied (ok) or refused while the kiosk runs; text says what. Shown on the
 * bundle page when diagnostics is open, and kept for it otherwise. */
void lk_svcmode_bundle_result(lk_svcmode *m, int ok, const char *text);
/* Shows the bundle page on its own, without a technician (the admin who brought the stick
 * sees what became of it): only OK, back or exit, each of which returns to attract; no other
 * page is reachable from it. Like a service card, the caller offers it only while the customer
 * session shows attract. Returns 1 when shown, 0 when diagnostics is already open (the result
 * is then on its bundle page) or there is no result. */
int lk_svcmode_bundle_show(lk_svcmode *m, const char *lang);

const lk_view *lk_svcmode_view(const lk_svcmode *m);

/* Replaces the probe and self-test tables and the workers (deps.workers), for a composition
 * root that learns its devices after creating the mode. The tables must outlive every job
 * started from them: free the workers before them. */
void lk_svcmode_set_tables(lk_svcmode *m, const lk_diag_probe *probes, size_t n_probes,
                           const lk_diag_selftest *tests, size_t n_tests, lk_workers *workers);

/* A job of this mode finished (e->type LK_EVT_JOB_DONE, tag LK_SVC_JOB_TAG or _PIN): judges a
 * PIN, or shows a probe's or self-test's result if its page is still up and audits a
 * self-test; frees e->ptr. 1 when e was the mode's, 0 otherwise. */
int lk_svcmode_event(lk_svcmode *m, const lk_evt *e);

#endif
