/* lk_err: the project's error codes, and the error struct that carries a human-readable
 * reason across module boundaries.
 *
 * Functions return 0 (or a count) on success and a negative LK_E* code on failure. Those
 * that cross a boundary also take a trailing `lk_err *err` (may be NULL), which they fill
 * with the code and a message fit to show a technician. There is no global "last error". */
#ifndef LK_KIOSK_LK_ERR_H
#define LK_KIOSK_LK_ERR_H

#include <stddef.h>

#define LK_ERR_CODES(X)                                                                            \
    X(LK_OK, 0, "success")                                                                         \
    X(LK_EINVAL, -1, "invalid input")                                                              \
    X(LK_ENOMEM, -2, "out of memory")                                                              \
    X(LK_EIO, -3, "input/output error")                                                            \
    X(LK_ETIMEDOUT, -4, "timed out")                                                               \
    X(LK_ECANCELED, -5, "cancelled")                                                               \
    X(LK_ENODEV, -6, "device not present")                                                         \
    X(LK_EBUSY, -7, "busy")                                                                        \
    X(LK_ENOTSUP, -8, "not supported")                                                             \
    X(LK_EPROTO, -9, "protocol error")                                                             \
    X(LK_EBADSIG, -10, "bad signature")                                                            \
    X(LK_EVERSION, -11, "unsupported version")                                                     \
    X(LK_EPLUGIN, -12, "plug-in failure")                                                          \
    X(LK_ECONFIG, -13, "configuration error")                                                      \
    X(LK_ENOSPC, -14, "no space left")                                                             \
    X(LK_ENOENT, -15, "not found")                                                                 \
    X(LK_ECORRUPT, -16, "data corrupted or tampered with")                                         \
    X(LK_EDB, -17, "database error")

enum lk_err_code {
#define LK_ERR_ENUM(name, value, text) name = value,
    LK_ERR_CODES(LK_ERR_ENUM)
#undef LK_ERR_ENUM
};

/* Where `native` comes from, so logs can show the foreign code as its own library names it. */
enum lk_err_domain {
    LK_ERR_DOMAIN_NONE = 0,
    LK_ERR_DOMAIN_ERRNO,
    LK_ERR_DOMAIN_SQLITE,
    LK_ERR_DOMAIN_OPENSSL,
    LK_ERR_DOMAIN_IPP,
    LK_ERR_DOMAIN_LIBNFC,
    LK_ERR_DOMAIN_VENDOR,
};

typedef struct lk_err {
    int code;      /* LK_E* */
    int domain;    /* enum lk_err_domain */
    long native;   /* the foreign library's own code, when domain says there is one */
    char msg[256]; /* one line, UTF-8, never contains identity numbers */
} lk_err;

/* Static English name of a code ("invalid input"); never NULL. */
const char *lk_strerror(int code);

/* Fills err (if not NULL) with code and a printf-formatted message; returns code so callers
 * can write `return lk_err_set(err, LK_EINVAL, "...")`. */
int lk_err_set(lk_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* As lk_err_set, and records a foreign code. */
int lk_err_set_native(lk_err *err, int code, int domain, long native, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Resets err to LK_OK with an empty message. */
void lk_err_clear(lk_err *err);

#endif
