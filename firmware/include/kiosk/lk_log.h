/* lk_log: the kiosk's log file, what diagnostics' "recent log lines" and the USB export read.
 *
 * One line per event: "2026-12-02T03:34:30Z INFO  session: state face -> choose", the time in
 * UTC, the level, the module, the message (control characters replaced by spaces, so one event
 * is always one line). Lines are appended to cfg.path; when the next line would take the file
 * past cfg.max_bytes it is rotated first (kiosk.log -> kiosk.log.1 -> ... -> kiosk.log.<keep>,
 * the oldest dropped). One handle may be shared by every thread: a mutex orders the lines and
 * the rotation. There is no global logger: whoever logs is handed an lk_log (NULL: no log).
 *
 * Never log an ID number, a name, an address or a photo: callers log states, reasons, device
 * names and counts. As a second line of defence every run of 15 or more digits (with an 'X' or
 * 'x' check character: a resident ID number) is masked as '*' before it is written. */
#ifndef LK_KIOSK_LK_LOG_H
#define LK_KIOSK_LK_LOG_H

#include <stddef.h>

#include "kiosk/lk_err.h"

typedef enum lk_log_level {
    LK_LOG_DEBUG = 0,
    LK_LOG_INFO,
    LK_LOG_WARN,
    LK_LOG_ERROR,
} lk_log_level;

#define LK_LOG_DEFAULT_MAX_BYTES (4u << 20) /* 4 MiB per file */
#define LK_LOG_DEFAULT_KEEP      3          /* kiosk.log.1 .. kiosk.log.3 */
#define LK_LOG_LINE_MAX          512        /* longer messages are cut */

typedef struct lk_log_cfg {
    const char *path;  /* the file appended to; created 0640 */
    size_t max_bytes;  /* rotate before exceeding this; 0: LK_LOG_DEFAULT_MAX_BYTES */
    int keep;          /* rotated files kept; 0: LK_LOG_DEFAULT_KEEP */
    lk_log_level min;  /* lines below this level are dropped */
    int mirror_stderr; /* 1: every line also goes to stderr (a console, the tests' logs) */
} lk_log_cfg;

typedef struct lk_log lk_log;

/* Opens (creates) the file; LK_EIO with the reason when it cannot be written. */
int lk_log_open(const lk_log_cfg *cfg, lk_log **out, lk_err *err);
void lk_log_close(lk_log *l);

/* Appends one line. A NULL handle, or a failed write, is silently nothing: logging never stops
 * the kiosk. Any thread. */
void lk_log_write(lk_log *l, lk_log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "DEBUG", "INFO", "WARN", "ERROR". */
const char *lk_log_level_name(lk_log_level level);

#endif
