/* lk_view: names of states, reasons and hints: screen names, i18n keys and counter names are
 * built from them, so they are part of the interface and never change meaning. */
#include <string.h>

#include "kiosk/lk_view.h"

static const char *const state_names[LK_ST_COUNT] = {
    [LK_ST_ATTRACT] = "attract",   [LK_ST_ROLE] = "role",
    [LK_ST_DOCUMENT] = "document", [LK_ST_CONSENT] = "consent",
    [LK_ST_MRZ] = "mrz",           [LK_ST_TAP_CARD] = "tap_card",
    [LK_ST_READING] = "reading",   [LK_ST_FACE] = "face",
    [LK_ST_CHOOSE] = "choose",     [LK_ST_NO_LICENSE] = "no_license",
    [LK_ST_PREVIEW] = "preview",   [LK_ST_PRINTING] = "printing",
    [LK_ST_DONE] = "done",         [LK_ST_RATING] = "rating",
    [LK_ST_STAFF] = "staff",       [LK_ST_ENDED] = "ended",
};

/* Diagnostics pages (lk_service_mode), kept apart from the customer screens. */
static const char *const diag_names[LK_ST_COUNT - LK_ST_DIAG_PIN] = {
    "diag_pin",   "diag_refused",  "diag_menu", "diag_status", "diag_selftest",
    "diag_calib", "diag_counters", "diag_log",  "diag_bundle", "diag_jobs",
};

static const char *name_of(int st)
{
    return st >= LK_ST_DIAG_PIN ? diag_names[st - LK_ST_DIAG_PIN] : state_names[st];
}

static const char *const reason_names[LK_REASON_COUNT] = {
    [LK_REASON_NONE] = "none",
    [LK_REASON_TIMEOUT] = "timeout",
    [LK_REASON_CANCELLED] = "cancelled",
    [LK_REASON_CARD_REMOVED] = "card_removed",
    [LK_REASON_STAFFED_WINDOW] = "staffed_window",
    [LK_REASON_FACE_FAILED] = "face_failed",
    [LK_REASON_FACE_ERROR] = "face_error",
    [LK_REASON_READ_FAILED] = "read_failed",
    [LK_REASON_WRONG_DOCUMENT] = "wrong_document",
    [LK_REASON_PRINTER_FAULT] = "printer_fault",
    [LK_REASON_PRINT_UNCERTAIN] = "print_uncertain",
    [LK_REASON_NOT_FOUND] = "not_found",
    [LK_REASON_NOT_AUTHORISED] = "not_authorised",
    [LK_REASON_SYSTEM] = "system",
    [LK_REASON_THANKS] = "thanks",
    [LK_REASON_REVOKED] = "revoked",
};

static const char *const hint_names[LK_HINT_COUNT] = {
    [LK_HINT_NONE] = "none",
    [LK_HINT_CONSENT_NEEDED] = "consent_needed",
    [LK_HINT_MRZ_INVALID] = "mrz_invalid",
    [LK_HINT_MRZ_REJECTED] = "mrz_rejected",
    [LK_HINT_FACE_LOOK] = "face_look",
    [LK_HINT_FACE_HOLD] = "face_hold",
    [LK_HINT_FACE_CHECKING] = "face_checking",
    [LK_HINT_FACE_NO_MATCH] = "face_no_match",
    [LK_HINT_FACE_NOT_LIVE] = "face_not_live",
    [LK_HINT_FACE_NO_FACE] = "face_no_face",
    [LK_HINT_LOOKUP] = "lookup",
};

const char *lk_state_name(lk_state st)
{
    return (unsigned)st < LK_ST_COUNT ? name_of(st) : "unknown";
}

const char *lk_reason_name(lk_reason r)
{
    return (unsigned)r < LK_REASON_COUNT ? reason_names[r] : "unknown";
}

const char *lk_hint_name(lk_hint h)
{
    return (unsigned)h < LK_HINT_COUNT ? hint_names[h] : "unknown";
}

lk_state lk_state_parse(const char *name)
{
    for (int i = 0; i < LK_ST_COUNT; i++)
        if (strcmp(name_of(i), name) == 0)
            return (lk_state)i;
    return LK_ST_COUNT;
}
