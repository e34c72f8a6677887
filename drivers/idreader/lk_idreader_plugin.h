/* lk_idreader_plugin: the SAM reader port (kiosk/lk_idreader.h) implemented by a vendor plug-in
 * (drivers/vendor/lk_plugin_idreader.h) running in an isolated lk-plugin-host worker. Only
 * composition roots include this. */
#ifndef LK_DRIVERS_LK_IDREADER_PLUGIN_H
#define LK_DRIVERS_LK_IDREADER_PLUGIN_H

#include <stdint.h>

#include "kiosk/lk_idreader.h"

typedef struct lk_idreader_plugin_cfg {
    const char *plugin_path;  /* idreader.plugin */
    const char *config;       /* idreader.plugin_config */
    uint32_t time_limit_ms;   /* per read (0: 10,000); wait_card adds its own timeout */
    uint32_t memory_limit_mb; /* 0: none */
    const char *host_path;    /* NULL: $LK_PLUGIN_HOST or the built lk-plugin-host */
    const char *allow_sha256; /* NULL/"": any; else the .so's SHA-256 must be listed */
} lk_idreader_plugin_cfg;

int lk_idreader_plugin_open(const lk_idreader_plugin_cfg *cfg, lk_idreader *out, lk_err *err);

#endif
