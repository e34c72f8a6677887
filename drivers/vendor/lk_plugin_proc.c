/* lk_plugin_proc: spawning, supervising and talking to a plug-in worker process. */
#include "lk_plugin_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lk_plugin_load.h"

#ifndef LK_PLUGIN_HOST_DEFAULT
#define LK_PLUGIN_HOST_DEFAULT "/usr/libexec/licensekiosk/lk-plugin-host"
#endif

extern char **environ;

struct lk_plugin_proc {
    char *host_path, *plugin_path, *config, *allow;
    uint32_t kind, time_limit_ms, memory_limit_mb;
    size_t max_reply;
    pid_t pid;
    int fd;
    unsigned starts;
    int have_info;
    lk_plugin_info info;
};

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

int lk_plugin_proc_new(const lk_plugin_proc_cfg *cfg, lk_plugin_proc **out, lk_err *err)
{
    if (!cfg->plugin_path || !cfg->plugin_path[0])
        return lk_err_set(err, LK_ECONFIG, "no plug-in configured");
    const char *host = cfg->host_path ? cfg->host_path : getenv("LK_PLUGIN_HOST");
    lk_plugin_proc *p = calloc(1, sizeof *p);
    if (!p)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    p->host_path = dup_or_empty(host && host[0] ? host : LK_PLUGIN_HOST_DEFAULT);
    p->plugin_path = dup_or_empty(cfg->plugin_path);
    p->config = dup_or_empty(cfg->config);
    p->allow = dup_or_empty(cfg->allow_sha256);
    p->kind = cfg->kind;
    p->time_limit_ms = cfg->time_limit_ms ? cfg->time_limit_ms : 10000;
    p->memory_limit_mb = cfg->memory_limit_mb;
    p->max_reply = cfg->max_reply ? cfg->max_reply : (1u << 20);
    p->fd = -1;
    if (!p->host_path || !p->plugin_path || !p->config || !p->allow) {
        lk_plugin_proc_free(p);
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    }
    *out = p;
    return 0;
}

/* Reaps the worker, waiting at most grace_ms for it to go by itself before SIGKILL. Returns
 * the wait status. */
static int reap(lk_plugin_proc *p, int grace_ms)
{
    int status = 0;
    for (int waited = 0; waited <= grace_ms; waited += 5) {
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid || (r < 0 && errno != EINTR))
            goto done;
        nanosleep(&(struct timespec){0, 5000000}, NULL);
    }
    kill(p->pid, SIGKILL);
    while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
        ;
done:
    p->pid = 0;
    return status;
}

static void stop(lk_plugin_proc *p, int grace_ms)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    if (p->pid > 0) {
        if (grace_ms == 0)
            kill(p->pid, SIGKILL);
        reap(p, grace_ms);
    }
}

/* Turns a failed exchange into the error the caller sees, and ends the worker. */
static int fail_worker(lk_plugin_proc *p, int rc, lk_err *err)
{
    const char *name = p->have_info ? p->info.name : p->plugin_path;
    char why[sizeof err->msg];
    snprintf(why, sizeof why, "%s", err ? err->msg : "");
    if (rc == LK_ETIMEDOUT) {
        stop(p, 0);
        return lk_err_set(err, LK_ETIMEDOUT,
                          "plug-in %s did not answer within %u ms; worker killed", name,
                          (unsigned)p->time_limit_ms);
    }
    int killed = p->pid > 0 && rc != LK_EIO; /* still alive: we end it */
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    int status = p->pid > 0 ? reap(p, killed ? 0 : 200) : 0;
    if (!killed && WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
        return lk_err_set_native(err, LK_EPLUGIN, LK_ERR_DOMAIN_NONE, WTERMSIG(status),
                                 "plug-in %s crashed (signal %d, %s); worker restarts on the "
                                 "next call",
                                 name, WTERMSIG(status), strsignal(WTERMSIG(status)));
    if (!killed && WIFEXITED(status))
        return lk_err_set(err, LK_EPLUGIN, "plug-in %s worker exited with status %d: %s", name,
                          WEXITSTATUS(status), why);
    if (rc == LK_EPROTO)
        return lk_err_set(err, LK_EPROTO, "plug-in %s sent a malformed reply (%s); worker killed",
                          name, why);
    return lk_err_set(err, rc == LK_EIO ? LK_EPLUGIN : rc, "plug-in %s: %s; worker killed", name,
                      why);
}

static int spawn(lk_plugin_proc *p, lk_err *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, errno, "socketpair: %s",
                                 strerror(errno));
    char mem[24];
    snprintf(mem, sizeof mem, "%u", (unsigned)p->memory_limit_mb);
    /* The allow-list goes last and only when there is one: the host checks the hash itself,
     * on the very descriptor it loads. */
    char *argv[] = {
        p->host_path, "--kind",       (char *)lk_plugin_kind_name(p->kind), "--memory-mb",
        mem,          p->plugin_path, p->allow[0] ? "--allow" : NULL,       p->allow,
        NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    /* The worker's stdout is not ours: a chatty vendor must not corrupt kioskctl's JSON. */
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
    int rc = posix_spawn(&p->pid, p->host_path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);
    if (rc != 0) {
        close(sv[0]);
        p->pid = 0;
        return lk_err_set_native(err, LK_EPLUGIN, LK_ERR_DOMAIN_ERRNO, rc,
                                 "cannot start plug-in host %s: %s", p->host_path, strerror(rc));
    }
    p->fd = sv[0];
    p->starts++;
    return 0;
}

static int read_fail(const lk_pmsg *m, lk_err *err)
{
    int32_t code = LK_EPLUGIN, native = 0;
    char msg[200];
    lk_pmsg_i32(m, LK_PT_LKCODE, &code, NULL);
    lk_pmsg_i32(m, LK_PT_NATIVE, &native, NULL);
    if (lk_pmsg_str(m, LK_PT_MESSAGE, msg, sizeof msg, 1, NULL) != 0)
        snprintf(msg, sizeof msg, "(unreadable message)");
    if (code >= 0 || code < -100)
        code = LK_EPLUGIN;
    return lk_err_set_native(err, code, native ? LK_ERR_DOMAIN_VENDOR : LK_ERR_DOMAIN_NONE, native,
                             "%s", msg);
}

/* Sends req (if any) and receives one reply of type `expect`. *refused is set when the
 * worker answered FAIL: the request failed but the channel is sound. */
static int exchange(lk_plugin_proc *p, const lk_pmsg_buf *req, int64_t deadline, uint32_t expect,
                    uint8_t **payload, size_t *len, lk_pmsg *m, int *refused, lk_err *err)
{
    *refused = 0;
    int rc = req ? lk_pmsg_send(p->fd, req->data, req->len, deadline, err) : 0;
    if (rc == 0)
        rc = lk_pmsg_recv(p->fd, p->max_reply, deadline, payload, len, err);
    if (rc != 0)
        return rc;
    rc = lk_pmsg_decode(*payload, *len, m, err);
    if (rc == 0 && m->type == LK_PMSG_FAIL) {
        *refused = 1;
        rc = read_fail(m, err);
    } else if (rc == 0 && m->type != expect)
        rc = lk_err_set(err, LK_EPROTO, "reply of type %u where %u was due", (unsigned)m->type,
                        (unsigned)expect);
    if (rc != 0) {
        lk_pmsg_free(*payload, *len);
        *payload = NULL;
    }
    return rc;
}

static int read_hello(lk_plugin_proc *p, const lk_pmsg *m, lk_err *err)
{
    lk_plugin_info *i = &p->info;
    int rc = lk_pmsg_u32(m, LK_PT_KIND, &i->kind, err);
    if (rc == 0)
        rc = lk_pmsg_u32(m, LK_PT_ABI_MAJOR, &i->abi_major, err);
    if (rc == 0)
        rc = lk_pmsg_u32(m, LK_PT_ABI_MINOR, &i->abi_minor, err);
    if (rc == 0)
        rc = lk_pmsg_u32(m, LK_PT_DESC_SIZE, &i->desc_size, err);
    if (rc == 0)
        rc = lk_pmsg_u32(m, LK_PT_OPS_SIZE, &i->ops_size, err);
    if (rc == 0)
        rc = lk_pmsg_str(m, LK_PT_NAME, i->name, sizeof i->name, 0, err);
    if (rc == 0)
        rc = lk_pmsg_str(m, LK_PT_VENDOR, i->vendor, sizeof i->vendor, 0, err);
    if (rc == 0)
        rc = lk_pmsg_str(m, LK_PT_VERSION, i->version, sizeof i->version, 0, err);
    p->have_info = rc == 0;
    return rc;
}

/* HELLO, then OPEN with the configuration, all before `deadline`. */
static int start_by(lk_plugin_proc *p, int64_t deadline, lk_err *err)
{
    int rc = spawn(p, err), refused = 0;
    uint8_t *pl = NULL;
    size_t len = 0;
    lk_pmsg m;
    if (rc != 0)
        return rc;
    rc = exchange(p, NULL, deadline, LK_PMSG_HELLO, &pl, &len, &m, &refused, err);
    if (rc == 0)
        rc = read_hello(p, &m, err);
    lk_pmsg_free(pl, len);
    pl = NULL;
    if (rc == 0) {
        lk_pmsg_buf open = {0};
        lk_pmsg_begin(&open, LK_PMSG_OPEN);
        lk_pmsg_put_str(&open, LK_PT_CONFIG, p->config);
        rc = lk_pmsg_finish(&open, err);
        if (rc == 0)
            rc = exchange(p, &open, deadline, LK_PMSG_OK, &pl, &len, &m, &refused, err);
        lk_pmsg_buf_wipe(&open);
        lk_pmsg_free(pl, len);
    }
    if (rc != 0 && refused) { /* a load or open refusal: the worker has nothing to offer */
        stop(p, 200);
        return rc;
    }
    return rc != 0 ? fail_worker(p, rc, err) : 0;
}

int lk_plugin_proc_start(lk_plugin_proc *p, lk_err *err)
{
    if (p->pid > 0)
        return 0;
    return start_by(p, (int64_t)(lk_pmsg_now_ms() + p->time_limit_ms), err);
}

/* Refusals after which the worker is not trusted with the next request either. */
static int poisons_worker(int code)
{
    return code == LK_ENOMEM || code == LK_EPLUGIN || code == LK_EPROTO;
}

int lk_plugin_proc_call(lk_plugin_proc *p, lk_pmsg_buf *req, uint32_t expect, uint8_t **payload,
                        size_t *len, lk_pmsg *reply, lk_err *err)
{
    int64_t deadline = (int64_t)(lk_pmsg_now_ms() + p->time_limit_ms);
    int rc = 0, refused = 0;
    if (p->pid <= 0)
        rc = start_by(p, deadline, err);
    if (rc == 0) {
        int64_t left = deadline - (int64_t)lk_pmsg_now_ms();
        lk_pmsg_put_u32(req, LK_PT_DEADLINE_MS, left > 1 ? (uint32_t)left : 1u);
        rc = lk_pmsg_finish(req, err);
        if (rc == 0)
            rc = exchange(p, req, deadline, expect, payload, len, reply, &refused, err);
        if (rc != 0 && !refused)
            rc = fail_worker(p, rc, err);
        else if (rc != 0 && poisons_worker(rc))
            stop(p, 0);
        if (rc == LK_ENOMEM && refused && p->memory_limit_mb && err) {
            char why[160];
            snprintf(why, sizeof why, "%.159s", err->msg);
            snprintf(err->msg, sizeof err->msg, "plug-in hit its memory limit (%u MiB): %s",
                     (unsigned)p->memory_limit_mb, why);
        }
    }
    lk_pmsg_buf_wipe(req);
    return rc;
}

void lk_plugin_proc_free(lk_plugin_proc *p)
{
    if (!p)
        return;
    if (p->pid > 0 && p->fd >= 0) {
        lk_pmsg_buf b = {0};
        lk_pmsg_begin(&b, LK_PMSG_CLOSE);
        if (lk_pmsg_finish(&b, NULL) == 0) {
            uint8_t *pl = NULL;
            size_t len = 0;
            lk_pmsg m;
            int refused;
            int64_t deadline = (int64_t)lk_pmsg_now_ms() + 500;
            if (exchange(p, &b, deadline, LK_PMSG_OK, &pl, &len, &m, &refused, NULL) == 0)
                lk_pmsg_free(pl, len);
        }
        lk_pmsg_buf_wipe(&b);
    }
    stop(p, 500);
    free(p->host_path);
    free(p->plugin_path);
    free(p->allow);
    if (p->config) {
        explicit_bzero(p->config, strlen(p->config));
        free(p->config);
    }
    free(p);
}

const lk_plugin_info *lk_plugin_proc_info(const lk_plugin_proc *p)
{
    return p->have_info ? &p->info : NULL;
}

int lk_plugin_proc_describe(lk_plugin_proc *p, char name[64], char vendor[64], char version[32],
                            unsigned *abi_major, unsigned *abi_minor, lk_err *err)
{
    int rc = p->have_info ? 0 : lk_plugin_proc_start(p, err);
    if (rc != 0)
        return rc;
    if (!p->have_info)
        return lk_err_set(err, LK_EPLUGIN, "plug-in did not describe itself");
    memcpy(name, p->info.name, sizeof p->info.name);
    memcpy(vendor, p->info.vendor, sizeof p->info.vendor);
    memcpy(version, p->info.version, sizeof p->info.version);
    *abi_major = p->info.abi_major;
    *abi_minor = p->info.abi_minor;
    return 0;
}

pid_t lk_plugin_proc_pid(const lk_plugin_proc *p)
{
    return p->pid > 0 ? p->pid : 0;
}

unsigned lk_plugin_proc_starts(const lk_plugin_proc *p)
{
    return p->starts;
}

uint32_t lk_plugin_proc_time_limit(const lk_plugin_proc *p)
{
    return p->time_limit_ms;
}
