/* lk_docreader_sam: the kiosk's document-reader port (kiosk/port/lk_docreader.h) for resident ID
 * cards through the SAM reader plug-in (lk_idreader_plugin: the vendor .so in an isolated
 * worker). Passports are not this reader's business (LK_ENOTSUP: the NFC adapter reads them). */
#ifndef LK_DRIVERS_LK_DOCREADER_SAM_H
#define LK_DRIVERS_LK_DOCREADER_SAM_H

#include "kiosk/lk_err.h"
#include "kiosk/port/lk_docreader.h"
#include "lk_idreader_plugin.h"

int lk_docreader_sam_create(const lk_idreader_plugin_cfg *cfg, lk_docreader **out, lk_err *err);

#endif
