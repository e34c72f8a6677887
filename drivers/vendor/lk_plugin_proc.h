/* lk_plugin_proc: the kiosk's side of an isolated plug-in: one worker process (lk-plugin-host)
 * running one vendor plug-in, driven over a socketpair.
 *
 * The worker starts lazily on the first call and is kept for the calls after it, so a
 * session pays the start-up once. Every call has a deadline (time_limit_ms, covering a
 * worker start when one is needed); a crash, a hang past the deadline, a reply that is
 * malformed, oversized or of the wrong type, or a plug-in running out of memory ends that
 * worker (SIGKILL, reaped) and the call fails with a clear lk_err: the next call gets a fresh
 * worker. Errors the vendor reports carry its native code (domain LK_ERR_DOMAIN_VENDOR).
 *
 * Not thread-safe: one thread uses a proc at a time. */
#ifndef LK_DRIVERS_LK_PLUGIN_PROC_H
#define LK_DRIVERS_LK_PLUGIN_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kiosk/lk_err.h"
#include "lk_plugin_msg.h"

typedef struct lk_plugin_proc_cfg {
    const char *host_path;    /* NULL: $LK_PLUGIN_HOST, else the lk-plugin-host built here */
    const char *plugin_path;  /* the vendor .so */
    uint32_t kind;            /* LK_PLUGIN_KIND_* */
    const char *config;       /* handed to the plug-in's open; may be NULL */
    const char *allow_sha256; /* NULL or "": any; else comma-separated SHA-256 hex the .so
                               * must match (the applied bundle's plugins.json) */
    uint32_t time_limit_ms;   /* per call; 0 means 10,000 */
    uint32_t memory_limit_mb; /* the worker's address-space cap; 0 means none */
    size_t max_reply;         /* largest reply accepted; 0 means 1 MiB */
} lk_plugin_proc_cfg;

/* What the worker reported about the plug-in when it loaded it. */
typedef struct lk_plugin_info {
    uint32_t kind, abi_major, abi_minor, desc_size, ops_size;
    char name[64], vendor[64], version[32];
} lk_plugin_info;

typedef struct lk_plugin_proc lk_plugin_proc;

/* Copies cfg; starts nothing yet. */
int lk_plugin_proc_new(const lk_plugin_proc_cfg *cfg, lk_plugin_proc **out, lk_err *err);
/* Closes the plug-in politely (bounded wait), then ends the worker. NULL is fine. */
void lk_plugin_proc_free(lk_plugin_proc *p);

/* Starts and opens a worker unless one is running. */
int lk_plugin_proc_start(lk_plugin_proc *p, lk_err *err);

/* Sends req (begun with lk_pmsg_begin, not finished; wiped here whatever happens) and waits
 * for a reply of type `expect`. On success *payload and *len hold the reply (free with
 * lk_pmsg_free, which wipes) and *reply its decoded fields, pointing into *payload. */
int lk_plugin_proc_call(lk_plugin_proc *p, lk_pmsg_buf *req, uint32_t expect, uint8_t **payload,
                        size_t *len, lk_pmsg *reply, lk_err *err);

/* Valid once a worker has started (NULL before). */
const lk_plugin_info *lk_plugin_proc_info(const lk_plugin_proc *p);
/* What a port's info() answers: starts a worker unless one runs, then copies the plug-in's
 * own description (the buffers are the ports' name[64], vendor[64], version[32]). */
int lk_plugin_proc_describe(lk_plugin_proc *p, char name[64], char vendor[64], char version[32],
                            unsigned *abi_major, unsigned *abi_minor, lk_err *err);
/* The current worker's pid, or 0 when none runs (tests inspect it). */
pid_t lk_plugin_proc_pid(const lk_plugin_proc *p);
/* How many workers this proc has started so far. */
unsigned lk_plugin_proc_starts(const lk_plugin_proc *p);
uint32_t lk_plugin_proc_time_limit(const lk_plugin_proc *p);

#endif
