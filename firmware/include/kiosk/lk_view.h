/* lk_view: the read-only picture of the session the UI draws from, and the intents the UI
 * posts back. Plain data with no behaviour, so screens cannot change session state. The
 * personal part (names, masked number, MRZ being typed, license list, camera frame, preview)
 * lives in the session's wiped block; `person` points to it. */
#ifndef LK_KIOSK_LK_VIEW_H
#define LK_KIOSK_LK_VIEW_H

#include <stdint.h>

#include "kiosk/lk_device.h"
#include "kiosk/port/lk_cam.h"
#include "kiosk/port/lk_docreader.h"

typedef enum lk_state {
    LK_ST_ATTRACT = 0,
    LK_ST_ROLE,
    LK_ST_DOCUMENT,
    LK_ST_CONSENT,
    LK_ST_MRZ,
    LK_ST_TAP_CARD,
    LK_ST_READING,
    LK_ST_FACE,
    LK_ST_CHOOSE,
    LK_ST_NO_LICENSE,
    LK_ST_PREVIEW,
    LK_ST_PRINTING,
    LK_ST_DONE,
    LK_ST_RATING,
    LK_ST_STAFF,
    LK_ST_ENDED,
    /* Diagnostics (lk_service_mode): reached only from attract with a service card. */
    LK_ST_DIAG_PIN,
    LK_ST_DIAG_REFUSED,
    LK_ST_DIAG_MENU,
    LK_ST_DIAG_STATUS,
    LK_ST_DIAG_SELFTEST,
    LK_ST_DIAG_CALIB,
    LK_ST_DIAG_COUNTERS,
    LK_ST_DIAG_LOG,
    LK_ST_DIAG_BUNDLE,
    LK_ST_DIAG_JOBS,
    LK_ST_COUNT
} lk_state;

typedef enum lk_intent {
    LK_INTENT_START = 1,
    LK_INTENT_ROLE_HOLDER,
    LK_INTENT_ROLE_AGENT,
    LK_INTENT_DOC_ID,
    LK_INTENT_DOC_PASSPORT,
    LK_INTENT_TOGGLE_DATA, /* consent to process identity data for this collection */
    LK_INTENT_TOGGLE_FACE, /* the separate consent to face data */
    LK_INTENT_CONTINUE,
    LK_INTENT_STAFFED, /* "use a staffed window instead": declines, ends the session */
    LK_INTENT_BACK,
    LK_INTENT_CANCEL,
    LK_INTENT_LANG,  /* toggles zh-CN / en */
    LK_INTENT_FIELD, /* arg: MRZ field to edit (0 number, 1 birth, 2 expiry) */
    LK_INTENT_KEY,   /* arg: one character typed on the on-screen keyboard */
    LK_INTENT_ERASE,
    LK_INTENT_TYPE,   /* text: characters typed at once (hardware keyboard, script) */
    LK_INTENT_SELECT, /* arg: license index */
    LK_INTENT_PRINT,
    LK_INTENT_RETRY,
    LK_INTENT_RATE, /* arg: 1 very satisfied .. 5 very dissatisfied */
    LK_INTENT_OK,
    LK_INTENT_DIAG_PAGE,   /* arg: the diagnostics page (lk_state) to show */
    LK_INTENT_DIAG_RUN,    /* arg: self-test index */
    LK_INTENT_DIAG_ADJUST, /* arg: calibration step: 0 x-, 1 x+, 2 y-, 3 y+ (0.1 mm) */
    LK_INTENT_DIAG_JOB,    /* arg: lk_svc_job_action on the selected print-journal row */
} lk_intent;

/* Why a session ended or needs staff, or why nothing can be collected. */
typedef enum lk_reason {
    LK_REASON_NONE = 0,
    LK_REASON_TIMEOUT,
    LK_REASON_CANCELLED,
    LK_REASON_CARD_REMOVED,
    LK_REASON_STAFFED_WINDOW,
    LK_REASON_FACE_FAILED,
    LK_REASON_FACE_ERROR,
    LK_REASON_READ_FAILED,
    LK_REASON_WRONG_DOCUMENT,
    LK_REASON_PRINTER_FAULT,
    LK_REASON_PRINT_UNCERTAIN,
    LK_REASON_NOT_FOUND,      /* no approved license for this person */
    LK_REASON_NOT_AUTHORISED, /* licenses exist, but not in the role chosen */
    LK_REASON_SYSTEM,         /* store or render failure */
    LK_REASON_THANKS,         /* rated: the friendly end */
    LK_REASON_REVOKED,        /* the registry revoked the license: it must not be printed */
    LK_REASON_COUNT
} lk_reason;

/* Hints a screen shows next to its content. */
typedef enum lk_hint {
    LK_HINT_NONE = 0,
    LK_HINT_CONSENT_NEEDED, /* continue pressed without both consents */
    LK_HINT_MRZ_INVALID,
    LK_HINT_MRZ_REJECTED, /* the document refused the keys: check and retype */
    LK_HINT_FACE_LOOK,    /* look at the camera */
    LK_HINT_FACE_HOLD,    /* hold still: frames are being taken */
    LK_HINT_FACE_CHECKING,
    LK_HINT_FACE_NO_MATCH,
    LK_HINT_FACE_NOT_LIVE,
    LK_HINT_FACE_NO_FACE,
    LK_HINT_LOOKUP, /* face matched; the licenses are being looked up */
    LK_HINT_COUNT
} lk_hint;

#define LK_VIEW_MAX_LICENSES 6
#define LK_VIEW_STEPS        7

typedef struct lk_view_license {
    char uscc[20];
    char name[160];
    char type_name[96];
    char role[48];
    int duplicates;
} lk_view_license;

typedef struct lk_view_person {
    char masked[32];      /* document number, masked */
    char name_masked[64]; /* first character, the rest as * */
    char mrz[3][16];      /* MRZ keys as typed: number, birth YYMMDD, expiry YYMMDD */
    lk_view_license lic[LK_VIEW_MAX_LICENSES];
    int n_lic;
    int n_lic_more; /* licenses beyond lic[] (the screen says so: a staffed window has them) */
    lk_frame frame; /* the newest camera frame (live preview) */
    const uint8_t *preview; /* ARGB32 (native endian), preview_stride bytes a row */
    int preview_w, preview_h, preview_stride;
} lk_view_person;

typedef struct lk_view {
    unsigned gen;       /* changes whenever anything below changes */
    unsigned frame_gen; /* changes with every camera frame */
    lk_state state;
    int step;        /* 1..LK_VIEW_STEPS, 0 on attract / end screens */
    char lang[8];    /* "zh-CN" or "en" */
    int countdown_s; /* seconds left on this screen, -1 when it has no timeout */
    int role_agent;  /* -1 not chosen, 0 holder, 1 authorised agent */
    lk_doc_kind doc; /* 0 not chosen */
    int consent_data, consent_face;
    int mrz_field;
    int read_percent;
    int face_attempt, face_max, face_busy;
    int selected; /* license index, -1 none */
    int preview_busy;
    int copy_idx, copy_total;
    int prn_phase; /* lk_prn_phase */
    lk_device_state prn_dev;
    lk_reason reason;
    lk_hint hint;
    const lk_view_person *person;
    const struct lk_svc_view *svc; /* diagnostics pages only (lk_service_mode.h), else NULL */
} lk_view;

/* Static lower-case names ("attract", "face", ...), used for screen names, logs, counters. */
const char *lk_state_name(lk_state st);
const char *lk_reason_name(lk_reason r);
const char *lk_hint_name(lk_hint h);
/* LK_ST_COUNT when the name is unknown. */
lk_state lk_state_parse(const char *name);

#endif
