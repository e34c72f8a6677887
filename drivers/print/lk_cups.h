/* lk_cups: the printer port (kiosk/lk_printer.h) over libcups, to one NAMED CUPS queue on the
 * print server libcups is pointed at (CUPS_SERVER / client.conf, e.g. tools/cups-rig's private
 * cupsd). Never the default printer. All calls block; run them on the print worker. */
#ifndef LK_DRIVERS_PRINT_LK_CUPS_H
#define LK_DRIVERS_PRINT_LK_CUPS_H

#include "kiosk/lk_printer.h"

/* Opens the port for queue `dest_name` (configuration printer.name, or $LK_PRINTER which wins;
 * the caller resolves that). No connection is made yet. LK_ECONFIG for an empty name. */
int lk_cups_open(const char *dest_name, lk_printer **out, lk_err *err);

#endif
