/* lk_err: code names and the helpers that fill an lk_err. */
#include "kiosk/lk_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *lk_strerror(int code)
{
    switch (code) {
#define LK_ERR_CASE(name, value, text)                                                             \
    case value:                                                                                    \
        return text;
        LK_ERR_CODES(LK_ERR_CASE)
#undef LK_ERR_CASE
    default:
        return "unknown error";
    }
}

__attribute__((format(printf, 5, 0))) static int vset(lk_err *err, int code, int domain,
                                                      long native, const char *fmt, va_list ap)
{
    if (!err)
        return code;
    err->code = code;
    err->domain = domain;
    err->native = native;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    return code;
}

int lk_err_set(lk_err *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, LK_ERR_DOMAIN_NONE, 0, fmt, ap);
    va_end(ap);
    return code;
}

int lk_err_set_native(lk_err *err, int code, int domain, long native, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, domain, native, fmt, ap);
    va_end(ap);
    return code;
}

void lk_err_clear(lk_err *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}
