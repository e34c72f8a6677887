/* lk_face_plugin: face port -> FACE_VERIFY request to an isolated plug-in worker. */
#include "lk_face_plugin.h"

#include <stdlib.h>
#include <string.h>

#include "lk_plugin_face.h"
#include "lk_plugin_proc.h"

static const lk_face_ops plugin_ops;

static lk_plugin_proc *proc_of(const lk_face_matcher *m)
{
    return m && m->ops == &plugin_ops ? m->impl : NULL;
}

static void put_image(lk_pmsg_buf *b, uint16_t tag, const lk_face_image *im)
{
    lk_pmsg_image w = {.format = (uint32_t)im->format,
                       .width = im->width,
                       .height = im->height,
                       .stride = im->stride,
                       .data = im->data,
                       .len = im->len};
    lk_pmsg_put_image(b, tag, &w);
}

static int read_score(const lk_pmsg *m, lk_face_score *out, lk_err *err)
{
    uint32_t live = 0;
    int rc = lk_pmsg_f64(m, LK_PT_SCORE, &out->score, err);
    if (rc == 0)
        rc = lk_pmsg_f64(m, LK_PT_THRESHOLD, &out->vendor_threshold, err);
    if (rc == 0)
        rc = lk_pmsg_u32(m, LK_PT_LIVENESS, &live, err);
    if (rc == 0)
        rc = lk_pmsg_u32(m, LK_PT_QUALITY, &out->quality, err);
    if (rc == 0)
        rc = lk_pmsg_u32(m, LK_PT_BEST_FRAME, &out->best_frame, err);
    if (rc == 0 && live > LK_FACE_LIVE_FAIL)
        rc = lk_err_set(err, LK_EPROTO, "liveness %u out of range", (unsigned)live);
    out->liveness = (lk_face_liveness)live;
    return rc;
}

static int plugin_verify(void *impl, const lk_face_image *id, const lk_face_image *live, size_t n,
                         lk_face_score *out, lk_err *err)
{
    lk_plugin_proc *p = impl;
    lk_pmsg_buf req = {0};
    lk_pmsg_begin(&req, LK_PMSG_FACE_VERIFY);
    size_t total = 64 + 22 + id->len;
    for (size_t i = 0; i < n; i++)
        total += 22 + live[i].len;
    lk_pmsg_reserve(&req, total);
    put_image(&req, LK_PT_ID_PHOTO, id);
    for (size_t i = 0; i < n; i++)
        put_image(&req, LK_PT_LIVE, &live[i]);
    uint8_t *payload = NULL;
    size_t len = 0;
    lk_pmsg reply;
    /* The call wipes req (our copy of the images) whatever happens. */
    int rc = lk_plugin_proc_call(p, &req, LK_PMSG_FACE_RESULT, &payload, &len, &reply, err);
    if (rc != 0)
        return rc;
    rc = read_score(&reply, out, err);
    lk_pmsg_free(payload, len);
    return rc;
}

static int plugin_info(void *impl, lk_face_matcher_info *out, lk_err *err)
{
    return lk_plugin_proc_describe(impl, out->name, out->vendor, out->version, &out->abi_major,
                                   &out->abi_minor, err);
}

static void plugin_close(void *impl)
{
    lk_plugin_proc_free(impl);
}

static const lk_face_ops plugin_ops = {
    .verify = plugin_verify,
    .info = plugin_info,
    .close = plugin_close,
};

int lk_face_plugin_open(const lk_face_plugin_cfg *cfg, lk_face_matcher *out, lk_err *err)
{
    lk_plugin_proc_cfg pc = {.host_path = cfg->host_path,
                             .plugin_path = cfg->plugin_path,
                             .kind = LK_PLUGIN_KIND_FACE,
                             .config = cfg->config,
                             .allow_sha256 = cfg->allow_sha256,
                             .time_limit_ms = cfg->time_limit_ms,
                             .memory_limit_mb = cfg->memory_limit_mb,
                             .max_reply = 64u << 10};
    lk_plugin_proc *p = NULL;
    int rc = lk_plugin_proc_new(&pc, &p, err);
    if (rc != 0)
        return rc;
    out->ops = &plugin_ops;
    out->impl = p;
    return 0;
}

int lk_face_plugin_open_policy(const lk_face_policy *p, lk_face_matcher *out, lk_err *err)
{
    lk_face_plugin_cfg cfg = {.plugin_path = p->plugin,
                              .config = p->plugin_config,
                              .allow_sha256 = p->plugin_allow,
                              .time_limit_ms = p->time_limit_ms,
                              .memory_limit_mb = p->memory_limit_mb};
    return lk_face_plugin_open(&cfg, out, err);
}

pid_t lk_face_plugin_worker_pid(const lk_face_matcher *m)
{
    lk_plugin_proc *p = proc_of(m);
    return p ? lk_plugin_proc_pid(p) : 0;
}

unsigned lk_face_plugin_worker_starts(const lk_face_matcher *m)
{
    lk_plugin_proc *p = proc_of(m);
    return p ? lk_plugin_proc_starts(p) : 0;
}
