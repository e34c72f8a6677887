/* lk_screens: the table from session state to screen descriptor. */
#include "ui/lk_screen.h"

extern const lk_screen lk_scr_attract, lk_scr_role, lk_scr_document, lk_scr_consent, lk_scr_mrz,
    lk_scr_tap_card, lk_scr_reading, lk_scr_face, lk_scr_choose, lk_scr_no_license, lk_scr_preview,
    lk_scr_printing, lk_scr_done, lk_scr_rating, lk_scr_staff, lk_scr_ended;
/* Diagnostics pages (lk_service_mode). */
extern const lk_screen lk_scr_diag_pin, lk_scr_diag_refused, lk_scr_diag_menu, lk_scr_diag_status,
    lk_scr_diag_selftest, lk_scr_diag_calib, lk_scr_diag_counters, lk_scr_diag_log,
    lk_scr_diag_bundle, lk_scr_diag_jobs;
static const lk_screen *const diag_screens[] = {
    &lk_scr_diag_pin,      &lk_scr_diag_refused, &lk_scr_diag_menu,     &lk_scr_diag_status,
    &lk_scr_diag_selftest, &lk_scr_diag_calib,   &lk_scr_diag_counters, &lk_scr_diag_log,
    &lk_scr_diag_bundle,   &lk_scr_diag_jobs,
};

static const lk_screen *const screens[] = {
    &lk_scr_attract, &lk_scr_role,       &lk_scr_document, &lk_scr_consent,
    &lk_scr_mrz,     &lk_scr_tap_card,   &lk_scr_reading,  &lk_scr_face,
    &lk_scr_choose,  &lk_scr_no_license, &lk_scr_preview,  &lk_scr_printing,
    &lk_scr_done,    &lk_scr_rating,     &lk_scr_staff,    &lk_scr_ended,
};

const lk_screen *lk_screen_for(lk_state st)
{
    for (size_t i = 0; i < sizeof screens / sizeof screens[0]; i++)
        if (screens[i]->state == st)
            return screens[i];
    for (size_t i = 0; i < sizeof diag_screens / sizeof diag_screens[0]; i++)
        if (diag_screens[i]->state == st)
            return diag_screens[i];
    return 0;
}
