/* lk_printsim: a simulated printer behind the printer port (kiosk/lk_printer.h), for the demo
 * and for tests of the code above the port: each job's PDF is written to a spool folder and
 * the job "prints" for a set time. State and holds are switched from any thread, so a test or
 * the demo's technician screen can make the printer fail. Real printing is lk_cups. */
#ifndef LK_DRIVERS_PRINT_LK_PRINTSIM_H
#define LK_DRIVERS_PRINT_LK_PRINTSIM_H

#include "kiosk/lk_printer.h"

/* spool_dir must exist; print_s is how long each job takes from submission to completed. */
int lk_printsim_open(const char *spool_dir, double print_s, lk_printer **out, lk_err *err);

/* What state() reports from now on (normal by default); a fault or disabled printer is
 * refused by the worker before it is sent anything. */
void lk_printsim_set_state(lk_printer *p, lk_device_status status, const char *reason);

/* While held, jobs stay pending and never start (as behind another job or a paused queue). */
void lk_printsim_hold(lk_printer *p, int hold);

#endif
