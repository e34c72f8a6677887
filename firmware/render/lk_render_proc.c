/* lk_render_proc: see the header. The record is written to the helper over a socket (send with
 * MSG_NOSIGNAL: a helper that died early must not SIGPIPE the kiosk), its PDF and its message
 * are read together under one deadline, and the helper is killed when the deadline passes. */
#define _GNU_SOURCE /* pipe2 */
#include "kiosk/lk_render_proc.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

#ifndef LK_RENDER_HELPER_DEFAULT
#define LK_RENDER_HELPER_DEFAULT "/usr/libexec/licensekiosk/lk-render-helper"
#endif

const char *lk_render_helper_path(void)
{
    const char *h = getenv("LK_RENDER_HELPER");
    if (h && *h)
        return strcmp(h, "none") == 0 ? NULL : h; /* "none": render in-process */
    return access(LK_RENDER_HELPER_DEFAULT, X_OK) == 0 ? LK_RENDER_HELPER_DEFAULT : NULL;
}

static int spawn(const char *helper, char **argv, int fds[3], pid_t *pid, lk_err *err)
{
    int in[2], out[2], msg[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0)
        return lk_err_set(err, LK_EIO, "render helper: socketpair: %s", strerror(errno));
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(msg, O_CLOEXEC) != 0) {
        close(in[0]);
        close(in[1]);
        return lk_err_set(err, LK_EIO, "render helper: pipe: %s", strerror(errno));
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[1], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, msg[1], 2);
    int rc = posix_spawn(pid, helper, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[1]);
    close(out[1]);
    close(msg[1]);
    fds[0] = in[0];
    fds[1] = out[0];
    fds[2] = msg[0];
    if (rc != 0) {
        for (int i = 0; i < 3; i++)
            close(fds[i]);
        return lk_err_set(err, LK_EIO, "cannot start %s: %s", helper, strerror(rc));
    }
    return 0;
}

/* Reads the PDF (fds[1]) and the message (fds[2]) until both end or the deadline passes;
 * closes each as it ends (and sets it to -1). */
static int collect(int fds[3], uint64_t deadline, lk_render_buf *out, char *msg, size_t msz)
{
    size_t mlen = 0;
    while (fds[1] >= 0 || fds[2] >= 0) {
        uint64_t now = now_ms();
        if (now >= deadline)
            return LK_ETIMEDOUT;
        struct pollfd p[2] = {{.fd = fds[1], .events = POLLIN}, {.fd = fds[2], .events = POLLIN}};
        if (poll(p, 2, (int)(deadline - now)) < 0 && errno != EINTR)
            return LK_EIO;
        unsigned char buf[16384];
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(p[i].fd, buf, sizeof buf);
            if (n <= 0) {
                close(fds[1 + i]);
                fds[1 + i] = -1;
            } else if (i == 0) {
                if (lk_render_buf_write(out, buf, (unsigned)n) != CAIRO_STATUS_SUCCESS)
                    return LK_ENOMEM;
            } else {
                size_t k = (size_t)n < msz - 1 - mlen ? (size_t)n : msz - 1 - mlen;
                memcpy(msg + mlen, buf, k);
                mlen += k;
                msg[mlen] = '\0';
            }
        }
    }
    return 0;
}

static int send_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* What the helper's end says: its exit code is the negated lk_err code. */
static int verdict(int status, int rc, const char *helper, const char *msg, lk_err *err)
{
    if (rc == LK_ETIMEDOUT)
        return lk_err_set(err, LK_ETIMEDOUT, "render helper did not finish in time; killed");
    if (WIFSIGNALED(status))
        return lk_err_set(err, LK_EIO, "render helper crashed (signal %d, %s)", WTERMSIG(status),
                          strsignal(WTERMSIG(status)));
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        int code = WEXITSTATUS(status) < 100 ? -WEXITSTATUS(status) : LK_EIO;
        return lk_err_set(err, code, "%s", msg[0] ? msg : lk_strerror(code));
    }
    if (rc != 0)
        return lk_err_set(err, rc, "render helper %s: %s", helper, lk_strerror(rc));
    return 0;
}

int lk_render_pdf_proc(const char *helper, const char *template_path, const lk_record *rec,
                       const lk_render_opts *opts, int timeout_ms, lk_render_buf *out, lk_err *err)
{
    char *json = lk_record_to_json(rec, 0);
    if (!json)
        return lk_err_set(err, LK_ENOMEM, "render helper: out of memory");
    char a[6][16];
    int v[6] = {(int)opts->copy, opts->copy_no,    opts->copy_total,
                (int)opts->mode, opts->cal_x_01mm, opts->cal_y_01mm};
    for (int i = 0; i < 6; i++)
        snprintf(a[i], sizeof a[i], "%d", v[i]);
    char *argv[] = {
        (char *)helper, (char *)template_path, a[0], a[1], a[2], a[3], a[4], a[5], NULL};
    int fds[3];
    pid_t pid;
    int rc = spawn(helper, argv, fds, &pid, err);
    if (rc != 0) {
        explicit_bzero(json, strlen(json));
        free(json);
        return rc;
    }
    uint64_t deadline = now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 30000);
    int sent = send_all(fds[0], json, strlen(json));
    close(fds[0]);                      /* EOF: the record is complete */
    explicit_bzero(json, strlen(json)); /* it names the holder's document */
    free(json);
    char msg[256] = "";
    rc = collect(fds, deadline, out, msg, sizeof msg);
    if (rc != 0)
        kill(pid, SIGKILL);
    for (int i = 1; i < 3; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc == 0 && sent != 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        rc = LK_EIO;
    return verdict(status, rc, helper, msg, err);
}
