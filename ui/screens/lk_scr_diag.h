/* lk_scr_diag: what the diagnostics screens share (lk_scr_diag_common.c): the technician line,
 * a table of rows from the service view, and the back / refresh row at the bottom. */
#ifndef LK_UI_SCREENS_LK_SCR_DIAG_H
#define LK_UI_SCREENS_LK_SCR_DIAG_H

#include "kiosk/lk_service_mode.h"
#include "ui/lk_screen.h"

/* "Technician: ID" at the top of the body; returns the y below it. */
int lk_diag_tech_line(const lk_screen_ctx *c);
/* Rows from y down to the button row; returns how many fitted. */
int lk_diag_rows(const lk_screen_ctx *c, int y, const lk_svc_row *rows, int n);
/* Back (to the menu), and refresh when asked; returns the count written to out. */
int lk_diag_nav(const lk_screen_ctx *c, lk_button *out, int refresh);
/* "Exit diagnostics" where customer screens have cancel (the footer's left). */
lk_button lk_diag_exit(const lk_screen_ctx *c);
/* Colour of a status word ("fault", "warning", "pass", ...). */
uint32_t lk_diag_status_rgb(const char *status);
/* The translated status word ("diag.status.<s>"), or s itself when it is empty. */
const char *lk_diag_status_label(const lk_screen_ctx *c, const char *status);

#endif
