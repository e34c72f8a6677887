/* lk_plugin_host: the worker process that runs one vendor plug-in on behalf of the kiosk.
 * Internal to lk-plugin-host; one file per plug-in kind implements its requests. */
#ifndef LK_DRIVERS_LK_PLUGIN_HOST_H
#define LK_DRIVERS_LK_PLUGIN_HOST_H

#include "lk_plugin_load.h"
#include "lk_plugin_msg.h"

typedef struct lk_host {
    int fd;
    lk_plugin_lib lib;
    void *ctx;         /* the plug-in's context once opened */
    uint64_t deadline; /* of the request in progress, for the cancel check; 0 = none */
    lk_plugin_host_api api;
} lk_host;

/* Each handler builds the reply in out (begun by the handler) and returns 0, or returns an
 * LK_E* code after filling err; the caller then sends FAIL. */
int lk_host_face_verify(lk_host *h, const lk_pmsg *req, lk_pmsg_buf *out, lk_err *err);
int lk_host_id_wait(lk_host *h, const lk_pmsg *req, lk_pmsg_buf *out, lk_err *err);
int lk_host_id_read(lk_host *h, const lk_pmsg *req, lk_pmsg_buf *out, lk_err *err);

/* Fills err from a plug-in failure; returns the LK_E* code. */
int lk_host_plugin_err(lk_err *err, int32_t code, const lk_plugin_error *perr, const char *op);

#endif
