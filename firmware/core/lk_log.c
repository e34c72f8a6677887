/* lk_log: a size-rotated, line-per-event log file shared by the kiosk's threads. */
#include "kiosk/lk_log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct lk_log {
    pthread_mutex_t mu;
    char path[900];
    size_t max_bytes;
    int keep;
    lk_log_level min;
    int mirror_stderr;
    int fd;
    size_t size; /* bytes in the current file */
};

const char *lk_log_level_name(lk_log_level level)
{
    static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    return (unsigned)level <= LK_LOG_ERROR ? names[level] : "INFO";
}

static int open_file(lk_log *l)
{
    l->fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (l->fd < 0)
        return -1;
    struct stat sb;
    l->size = fstat(l->fd, &sb) == 0 ? (size_t)sb.st_size : 0;
    return 0;
}

int lk_log_open(const lk_log_cfg *cfg, lk_log **out, lk_err *err)
{
    *out = NULL;
    if (!cfg || !cfg->path || !*cfg->path || strlen(cfg->path) >= sizeof((lk_log *)0)->path - 8)
        return lk_err_set(err, LK_EINVAL, "log: no usable path");
    lk_log *l = calloc(1, sizeof *l);
    if (!l)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    snprintf(l->path, sizeof l->path, "%s", cfg->path);
    l->max_bytes = cfg->max_bytes ? cfg->max_bytes : LK_LOG_DEFAULT_MAX_BYTES;
    l->keep = cfg->keep > 0 ? cfg->keep : LK_LOG_DEFAULT_KEEP;
    l->min = cfg->min;
    l->mirror_stderr = cfg->mirror_stderr;
    if (open_file(l) != 0) {
        int e = errno;
        free(l);
        return lk_err_set(err, LK_EIO, "log %s: %s", cfg->path, strerror(e));
    }
    pthread_mutex_init(&l->mu, NULL);
    *out = l;
    return 0;
}

void lk_log_close(lk_log *l)
{
    if (!l)
        return;
    if (l->fd >= 0)
        close(l->fd);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

/* kiosk.log.<keep-1> -> .<keep>, ..., kiosk.log -> kiosk.log.1, then a new kiosk.log. Called
 * with the mutex held. A rename that fails leaves the file growing rather than losing lines. */
static void rotate(lk_log *l)
{
    char from[920], to[920];
    for (int i = l->keep - 1; i >= 1; i--) {
        snprintf(from, sizeof from, "%s.%d", l->path, i);
        snprintf(to, sizeof to, "%s.%d", l->path, i + 1);
        (void)rename(from, to); /* a gap (no .i yet) is fine */
    }
    snprintf(to, sizeof to, "%s.1", l->path);
    if (rename(l->path, to) != 0)
        return;
    close(l->fd);
    if (open_file(l) != 0)
        l->fd = -1;
}

/* Control characters would split one event over lines; long digit runs may be ID numbers. */
static void scrub(char *s)
{
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    for (char *p = s; *p;) {
        size_t n = strspn(p, "0123456789");
        size_t x = n >= 14 && (p[n] == 'X' || p[n] == 'x') ? 1 : 0;
        if (n + x >= 15)
            memset(p, '*', n + x);
        p += n + x ? n + x : 1;
    }
}

void lk_log_write(lk_log *l, lk_log_level level, const char *module, const char *fmt, ...)
{
    if (!l || level < l->min)
        return;
    char msg[LK_LOG_LINE_MAX], line[LK_LOG_LINE_MAX + 64], stamp[32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    scrub(msg);
    struct tm tm;
    time_t t = time(NULL);
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int n = snprintf(line, sizeof line, "%s %-5s %.24s: %s\n", stamp, lk_log_level_name(level),
                     module ? module : "kiosk", msg);
    if (n <= 0)
        return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    line[len - 1] = '\n'; /* a cut line still ends its event */
    pthread_mutex_lock(&l->mu);
    if (l->fd >= 0 && l->size > 0 && l->size + len > l->max_bytes)
        rotate(l);
    if (l->fd < 0)
        (void)open_file(l);
    if (l->fd >= 0 && write(l->fd, line, len) == (ssize_t)len)
        l->size += len;
    if (l->mirror_stderr)
        fputs(line, stderr);
    pthread_mutex_unlock(&l->mu);
}
