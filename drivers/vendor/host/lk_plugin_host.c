/* lk-plugin-host: loads one vendor plug-in and serves the kiosk's requests over the socket it
 * inherits as fd 3, until the kiosk closes it or sends CLOSE.
 *
 * Usage: lk-plugin-host --kind face|idreader [--memory-mb N] PLUGIN.so [--allow SHA256,...]
 *
 * Before any vendor code runs it: dies with its parent (PR_SET_PDEATHSIG), closes every other
 * inherited descriptor, disables core dumps (a dump would write face images to disk) and caps
 * its address space (RLIMIT_AS) so a memory blow-up fails allocations here instead of
 * exhausting the kiosk. Deliberately built without sanitizers: ASan's shadow reservation
 * cannot live under RLIMIT_AS, and the plug-ins it loads are not instrumented. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lk_plugin_host.h"

#define HOST_FD     3
#define MAX_REQUEST (256u << 20) /* several raw 1080p frames */

static void host_log(void *host, uint32_t level, const char *message)
{
    lk_host *h = host;
    static const char *const names[] = {"error", "warn", "info", "debug"};
    fprintf(stderr, "lk-plugin-host[%d] %s %s: %s\n", (int)getpid(), h->lib.name,
            level < 4 ? names[level] : "?", message ? message : "");
}

static uint64_t host_now(void *host)
{
    (void)host;
    return lk_pmsg_now_ms();
}

static uint8_t host_cancelled(void *host)
{
    lk_host *h = host;
    return h->deadline && lk_pmsg_now_ms() >= h->deadline;
}

static int limit(int resource, rlim_t value)
{
    struct rlimit rl = {.rlim_cur = value, .rlim_max = value};
    return setrlimit(resource, &rl);
}

static int send_buf(lk_host *h, lk_pmsg_buf *b)
{
    lk_err err = {0};
    int rc = lk_pmsg_finish(b, &err);
    if (rc == 0)
        rc = lk_pmsg_send(h->fd, b->data, b->len, -1, &err);
    lk_pmsg_buf_wipe(b);
    return rc;
}

static int send_fail(lk_host *h, const lk_err *e)
{
    lk_pmsg_buf b = {0};
    lk_pmsg_begin(&b, LK_PMSG_FAIL);
    lk_pmsg_put_i32(&b, LK_PT_CODE, 0);
    lk_pmsg_put_i32(&b, LK_PT_LKCODE, e->code ? e->code : LK_EPLUGIN);
    lk_pmsg_put_i32(&b, LK_PT_NATIVE, e->domain == LK_ERR_DOMAIN_VENDOR ? (int32_t)e->native : 0);
    lk_pmsg_put_str(&b, LK_PT_MESSAGE, e->msg);
    return send_buf(h, &b);
}

static int send_hello(lk_host *h)
{
    lk_pmsg_buf b = {0};
    lk_pmsg_begin(&b, LK_PMSG_HELLO);
    lk_pmsg_put_u32(&b, LK_PT_KIND, h->lib.kind);
    lk_pmsg_put_u32(&b, LK_PT_ABI_MAJOR, h->lib.abi_major);
    lk_pmsg_put_u32(&b, LK_PT_ABI_MINOR, h->lib.abi_minor);
    lk_pmsg_put_u32(&b, LK_PT_DESC_SIZE, h->lib.desc_size);
    lk_pmsg_put_u32(&b, LK_PT_OPS_SIZE, h->lib.ops_size);
    lk_pmsg_put_str(&b, LK_PT_NAME, h->lib.name);
    lk_pmsg_put_str(&b, LK_PT_VENDOR, h->lib.vendor);
    lk_pmsg_put_str(&b, LK_PT_VERSION, h->lib.version);
    return send_buf(h, &b);
}

static int do_open(lk_host *h, const lk_pmsg *req, lk_pmsg_buf *out, lk_err *err)
{
    char config[4096];
    int rc = lk_pmsg_str(req, LK_PT_CONFIG, config, sizeof config, 1, err);
    if (rc != 0)
        return rc;
    if (h->ctx)
        return lk_err_set(err, LK_EINVAL, "plug-in already open");
    lk_plugin_error perr = {.size = sizeof perr};
    int32_t prc = h->lib.kind == LK_PLUGIN_KIND_FACE
                      ? h->lib.face->open(&h->api, config, &h->ctx, &perr)
                      : h->lib.idreader->open(&h->api, config, &h->ctx, &perr);
    explicit_bzero(config, sizeof config);
    if (prc != LK_PLUGIN_OK) {
        h->ctx = NULL;
        return lk_host_plugin_err(err, prc, &perr, "open");
    }
    lk_pmsg_begin(out, LK_PMSG_OK);
    return 0;
}

static void do_close(lk_host *h)
{
    if (!h->ctx)
        return;
    if (h->lib.kind == LK_PLUGIN_KIND_FACE)
        h->lib.face->close(h->ctx);
    else
        h->lib.idreader->close(h->ctx);
    h->ctx = NULL;
}

static int dispatch(lk_host *h, const lk_pmsg *req, lk_pmsg_buf *out, lk_err *err)
{
    if (req->type == LK_PMSG_OPEN)
        return do_open(h, req, out, err);
    if (!h->ctx)
        return lk_err_set(err, LK_EINVAL, "request %u before open", (unsigned)req->type);
    int face = h->lib.kind == LK_PLUGIN_KIND_FACE;
    if (face && req->type == LK_PMSG_FACE_VERIFY)
        return lk_host_face_verify(h, req, out, err);
    if (!face && req->type == LK_PMSG_ID_WAIT)
        return lk_host_id_wait(h, req, out, err);
    if (!face && req->type == LK_PMSG_ID_READ)
        return lk_host_id_read(h, req, out, err);
    return lk_err_set(err, LK_EPROTO, "unexpected request %u", (unsigned)req->type);
}

/* One request: returns 1 to go on, 0 to stop (CLOSE or the kiosk went away). */
static int serve_one(lk_host *h)
{
    uint8_t *payload = NULL;
    size_t len = 0;
    lk_err err = {0};
    if (lk_pmsg_recv(h->fd, MAX_REQUEST, -1, &payload, &len, &err) != 0)
        return 0;
    lk_pmsg req;
    lk_pmsg_buf out = {0};
    int go = 1, rc = lk_pmsg_decode(payload, len, &req, &err);
    uint32_t ms = 0;
    h->deadline = 0;
    if (rc == 0 && lk_pmsg_u32(&req, LK_PT_DEADLINE_MS, &ms, NULL) == 0 && ms)
        h->deadline = lk_pmsg_now_ms() + ms;
    if (rc == 0 && req.type == LK_PMSG_CLOSE) {
        do_close(h);
        lk_pmsg_begin(&out, LK_PMSG_OK);
        go = 0;
    } else if (rc == 0) {
        rc = dispatch(h, &req, &out, &err);
    }
    /* The request may hold images: gone before the reply leaves. */
    lk_pmsg_free(payload, len);
    if (rc != 0) {
        lk_pmsg_buf_wipe(&out);
        return send_fail(h, &err) == 0 && go;
    }
    return send_buf(h, &out) == 0 && go;
}

static int usage(void)
{
    fprintf(stderr, "usage: lk-plugin-host --kind face|idreader [--memory-mb N] PLUGIN.so"
                    " [--allow SHA256,...]\n");
    return 2;
}

int main(int argc, char **argv)
{
    uint32_t kind = 0;
    unsigned long memory_mb = 0;
    const char *path = NULL, *allow = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--kind") == 0 && i + 1 < argc)
            kind = lk_plugin_kind_parse(argv[++i]);
        else if (strcmp(argv[i], "--allow") == 0 && i + 1 < argc)
            allow = argv[++i];
        else if (strcmp(argv[i], "--memory-mb") == 0 && i + 1 < argc)
            memory_mb = strtoul(argv[++i], NULL, 10);
        else if (argv[i][0] != '-' && !path)
            path = argv[i];
        else
            return usage();
    }
    if (!kind || !path)
        return usage();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    closefrom(HOST_FD + 1);
    limit(RLIMIT_CORE, 0);
    if (memory_mb && limit(RLIMIT_AS, (rlim_t)memory_mb << 20) != 0)
        fprintf(stderr, "lk-plugin-host: RLIMIT_AS: %s\n", strerror(errno));
    setenv("LK_PLUGIN_FD", "3", 1); /* lets the test plug-in simulate a corrupted channel */
    lk_host h = {.fd = HOST_FD};
    h.api = (lk_plugin_host_api){.size = sizeof h.api,
                                 .host = &h,
                                 .log = host_log,
                                 .now_ms = host_now,
                                 .cancelled = host_cancelled};
    lk_err err = {0};
    if (lk_plugin_lib_open_allowed(path, kind, allow, &h.lib, &err) != 0) {
        send_fail(&h, &err);
        return 3;
    }
    if (send_hello(&h) != 0)
        return 1;
    while (serve_one(&h))
        ;
    do_close(&h);
    lk_plugin_lib_close(&h.lib);
    return 0;
}
