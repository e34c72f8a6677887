/* face-test.so: the deterministic face plug-in for tests, the demo and the benchmark. Its
 * behaviour is chosen by the configuration string, `key=value` pairs separated by ';' or ' ':
 *
 *   mode=match       score 0.93, liveness pass (default)
 *   mode=nomatch     score 0.12, liveness pass
 *   mode=noliveness  score 0.93, liveness fail
 *   mode=crash       SIGSEGV inside verify
 *   mode=hang        never returns from verify (ignores the cancel check, like a stuck SDK)
 *   mode=garbage     writes a malformed frame onto the host's channel, then returns normally
 *   mode=oom         allocates until the memory limit refuses, then fails with ENOMEM
 *   score=X          overrides the score of match/nomatch/noliveness
 *   keep=1           keeps a copy of the last live frame after verify (a misbehaving vendor:
 *                    lets the tests prove they can see image bytes left behind)
 *
 * It checks each image is consistent (raw formats: stride * height bytes) and reports
 * quality flags for empty or tiny images, so callers' image plumbing is exercised too. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lk_plugin_face.h"

enum { M_MATCH, M_NOMATCH, M_NOLIVE, M_CRASH, M_HANG, M_GARBAGE, M_OOM };

typedef struct ctx {
    int mode;
    double score;
    int has_score;
    int keep;
    uint8_t *kept;
    size_t kept_len;
} ctx;

static int fail(lk_plugin_error *err, int32_t code, int32_t native, const char *msg)
{
    if (err && err->size >= sizeof *err) {
        err->native = native;
        snprintf(err->message, sizeof err->message, "%s", msg);
    }
    return code;
}

static int parse_mode(const char *v, int *mode)
{
    static const char *const names[] = {"match", "nomatch", "noliveness", "crash",
                                        "hang",  "garbage", "oom"};
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        if (strcmp(v, names[i]) == 0) {
            *mode = i;
            return 0;
        }
    return -1;
}

static int32_t ft_open(const lk_plugin_host_api *host, const char *config, void **out,
                       lk_plugin_error *err)
{
    (void)host;
    ctx *c = calloc(1, sizeof *c);
    char *copy = strdup(config ? config : "");
    if (!c || !copy) {
        free(c);
        free(copy);
        return fail(err, LK_PLUGIN_ENOMEM, 0, "out of memory");
    }
    char *save = NULL;
    for (char *kv = strtok_r(copy, "; ", &save); kv; kv = strtok_r(NULL, "; ", &save)) {
        char *eq = strchr(kv, '=');
        int bad = !eq;
        if (eq) {
            *eq = '\0';
            if (strcmp(kv, "mode") == 0)
                bad = parse_mode(eq + 1, &c->mode) != 0;
            else if (strcmp(kv, "score") == 0)
                c->score = strtod(eq + 1, NULL), c->has_score = 1;
            else if (strcmp(kv, "keep") == 0)
                c->keep = atoi(eq + 1);
            else
                bad = 1;
        }
        if (bad) {
            free(copy);
            free(c);
            return fail(err, LK_PLUGIN_EINVAL, 22, "bad configuration (see face_test.c)");
        }
    }
    free(copy);
    *out = c;
    return LK_PLUGIN_OK;
}

static uint32_t image_quality(const lk_plugin_face_image *im, uint32_t no_face)
{
    if (!im || !im->data || im->len == 0)
        return no_face;
    if (im->format == LK_FACE_FMT_ENCODED)
        return 0;
    uint64_t need = (uint64_t)im->stride * im->height;
    if (im->width < 32 || im->height < 32 || im->len < need)
        return LK_FACE_Q_FACE_TOO_SMALL;
    return 0;
}

static void keep_copy(ctx *c, const lk_plugin_face_image *im)
{
    free(c->kept);
    c->kept = malloc(im->len);
    c->kept_len = c->kept ? im->len : 0;
    if (c->kept)
        memcpy(c->kept, im->data, im->len);
}

static int32_t misbehave(ctx *c, lk_plugin_error *err)
{
    if (c->mode == M_CRASH) {
        volatile int *p = NULL;
        *p = 1;
        raise(SIGSEGV);
    }
    while (c->mode == M_HANG)
        nanosleep(&(struct timespec){1, 0}, NULL);
    if (c->mode == M_GARBAGE) {
        const char *fd = getenv("LK_PLUGIN_FD");
        static const uint8_t junk[] = {9, 0, 0, 0, 0x15, 0, 0, 0, 0x16, 0xff, 0xff, 0xff, 0x7f};
        if (!fd || write(atoi(fd), junk, sizeof junk) != (ssize_t)sizeof junk)
            return fail(err, LK_PLUGIN_EINTERNAL, 5, "no host channel to corrupt");
        return LK_PLUGIN_OK;
    }
    /* M_OOM: take memory until the host's limit says no, touching it so it is real. */
    size_t taken = 0;
    void *chain = NULL;
    for (;;) {
        void **block = malloc(1u << 20);
        if (!block)
            break;
        memset(block, 0xA5, 1u << 20);
        *block = chain;
        chain = block;
        taken++;
    }
    while (chain) {
        void *next = *(void **)chain;
        free(chain);
        chain = next;
    }
    char msg[80];
    snprintf(msg, sizeof msg, "out of memory after %zu MiB", taken);
    return fail(err, LK_PLUGIN_ENOMEM, 12, msg);
}

static int32_t ft_verify(void *vctx, const lk_plugin_face_image *id,
                         const lk_plugin_face_image *live, uint32_t n, lk_plugin_face_result *r,
                         lk_plugin_error *err)
{
    ctx *c = vctx;
    if (!id || !live || n == 0 || !r || r->size < sizeof *r)
        return fail(err, LK_PLUGIN_EINVAL, 22, "missing image or result");
    if (c->mode >= M_CRASH) {
        int32_t rc = misbehave(c, err);
        if (c->mode != M_GARBAGE)
            return rc;
    }
    uint32_t q = image_quality(id, LK_FACE_Q_NO_FACE_ID);
    for (uint32_t i = 0; i < n; i++)
        q |= image_quality(&live[i], LK_FACE_Q_NO_FACE_LIVE);
    if (c->keep)
        keep_copy(c, &live[n - 1]);
    r->score = c->has_score ? c->score : c->mode == M_NOMATCH ? 0.12 : 0.93;
    r->vendor_threshold = 0.80;
    r->liveness = c->mode == M_NOLIVE ? LK_FACE_LIVENESS_FAIL : LK_FACE_LIVENESS_PASS;
    r->quality = q;
    r->best_frame = n - 1;
    return LK_PLUGIN_OK;
}

static void ft_close(void *vctx)
{
    ctx *c = vctx;
    free(c->kept);
    free(c);
}

static const lk_plugin_face_ops ops = {
    .size = sizeof(lk_plugin_face_ops),
    .open = ft_open,
    .verify = ft_verify,
    .close = ft_close,
};

static const lk_plugin_face_desc desc = {
    .size = sizeof(lk_plugin_face_desc),
    .magic = LK_PLUGIN_MAGIC,
    .kind = LK_PLUGIN_KIND_FACE,
    .abi_major = LK_PLUGIN_FACE_ABI_MAJOR,
    .abi_minor = LK_PLUGIN_FACE_ABI_MINOR,
    .name = "face-test",
    .vendor = "licensekiosk",
    .version = "1.0.0",
    .ops = &ops,
};

const lk_plugin_face_desc *lk_plugin_face_entry_v1(void)
{
    return &desc;
}
