/* cmd_plugin: `kioskctl plugin check SO`, the conformance checker a vendor (or a technician
 * installing a vendor update) runs: file ownership and mode, entry symbol, descriptor and
 * table sizes, ABI version, then a smoke run (open, one call, close), all inside the isolated
 * worker exactly as the kiosk would load it. Prints {"ok":..,"kind":..,"checks":[...]}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kctl.h"
#include "lk_plugin_load.h"
#include "lk_plugin_proc.h"

#define PLUGIN_USAGE "plugin check SO [--kind face|idreader] [--config STR]"

typedef struct checker {
    cJSON *checks;
    int failed;
} checker;

static void add(checker *c, const char *name, int ok, const char *detail)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "check", name);
    cJSON_AddBoolToObject(o, "ok", ok);
    cJSON_AddStringToObject(o, "detail", detail ? detail : "");
    cJSON_AddItemToArray(c->checks, o);
    c->failed |= !ok;
}

static int start(const char *path, uint32_t kind, const char *config, lk_plugin_proc **p,
                 lk_err *err)
{
    lk_plugin_proc_cfg cfg = {.plugin_path = path,
                              .kind = kind,
                              .config = config,
                              .time_limit_ms = 10000,
                              .memory_limit_mb = 1024};
    int rc = lk_plugin_proc_new(&cfg, p, err);
    if (rc == 0 && (rc = lk_plugin_proc_start(*p, err)) != 0) {
        lk_plugin_proc_free(*p);
        *p = NULL;
    }
    return rc;
}

static void check_info(checker *c, const lk_plugin_info *i)
{
    char d[200];
    snprintf(d, sizeof d, "%s %s by %s, ABI %u.%u", i->name, i->version, i->vendor,
             (unsigned)i->abi_major, (unsigned)i->abi_minor);
    add(c, "descriptor", i->name[0] && i->version[0] && i->vendor[0], d);
    size_t need_desc = i->kind == LK_PLUGIN_KIND_FACE ? sizeof(lk_plugin_face_desc)
                                                      : sizeof(lk_plugin_idreader_desc);
    size_t need_ops = i->kind == LK_PLUGIN_KIND_FACE ? sizeof(lk_plugin_face_ops)
                                                     : sizeof(lk_plugin_idreader_ops);
    uint32_t minor =
        i->kind == LK_PLUGIN_KIND_FACE ? LK_PLUGIN_FACE_ABI_MINOR : LK_PLUGIN_IDREADER_ABI_MINOR;
    snprintf(d, sizeof d, "descriptor %u bytes, ops %u bytes (this ABI minor: %zu, %zu)",
             (unsigned)i->desc_size, (unsigned)i->ops_size, need_desc, need_ops);
    /* Shorter tables from an older minor still load; this host knows them all. */
    add(c, "sizes", i->desc_size >= need_desc || i->abi_minor < minor, d);
}

static int smoke_face(lk_plugin_proc *p, lk_err *err)
{
    static uint8_t gray[64 * 64];
    for (size_t i = 0; i < sizeof gray; i++)
        gray[i] = (uint8_t)(i * 7);
    lk_pmsg_image im = {.format = LK_FACE_FMT_GRAY8,
                        .width = 64,
                        .height = 64,
                        .stride = 64,
                        .data = gray,
                        .len = sizeof gray};
    lk_pmsg_buf req = {0};
    lk_pmsg_begin(&req, LK_PMSG_FACE_VERIFY);
    lk_pmsg_put_image(&req, LK_PT_ID_PHOTO, &im);
    lk_pmsg_put_image(&req, LK_PT_LIVE, &im);
    uint8_t *pl = NULL;
    size_t len = 0;
    lk_pmsg m;
    int rc = lk_plugin_proc_call(p, &req, LK_PMSG_FACE_RESULT, &pl, &len, &m, err);
    lk_pmsg_free(pl, len);
    return rc;
}

static int smoke_idreader(lk_plugin_proc *p, lk_err *err)
{
    lk_pmsg_buf req = {0};
    lk_pmsg_begin(&req, LK_PMSG_ID_WAIT);
    lk_pmsg_put_u32(&req, LK_PT_TIMEOUT_MS, 200);
    uint8_t *pl = NULL;
    size_t len = 0;
    lk_pmsg m;
    int rc = lk_plugin_proc_call(p, &req, LK_PMSG_OK, &pl, &len, &m, err);
    lk_pmsg_free(pl, len);
    /* No card on the reader is a sound answer to a smoke test. */
    return rc == LK_ETIMEDOUT || rc == LK_ENOENT ? 0 : rc;
}

static int check(const char *path, uint32_t kind, const char *config)
{
    checker c = {.checks = cJSON_CreateArray()};
    lk_err err = {0};
    int file_ok = lk_plugin_check_file(path, &err) == 0;
    add(&c, "file", file_ok, file_ok ? "regular file, owner and mode safe" : err.msg);
    lk_plugin_proc *p = NULL;
    uint32_t kinds[2] = {kind ? kind : LK_PLUGIN_KIND_FACE, LK_PLUGIN_KIND_IDREADER};
    int rc = file_ok ? start(path, kinds[0], config, &p, &err) : LK_EINVAL;
    if (file_ok && rc != 0 && !kind && strstr(err.msg, "exports no"))
        rc = start(path, kinds[1], config, &p, &err);
    if (file_ok)
        add(&c, "load", rc == 0,
            rc == 0 ? "entry symbol found, ABI major accepted, opened" : err.msg);
    lk_plugin_info info = {0};
    if (p && lk_plugin_proc_info(p)) {
        info = *lk_plugin_proc_info(p);
        check_info(&c, &info);
        rc = info.kind == LK_PLUGIN_KIND_FACE ? smoke_face(p, &err) : smoke_idreader(p, &err);
        add(&c, "smoke", rc == 0, rc == 0 ? "one call answered" : err.msg);
    }
    lk_plugin_proc_free(p);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", !c.failed);
    cJSON_AddStringToObject(o, "kind", lk_plugin_kind_name(info.kind));
    cJSON_AddItemToObject(o, "checks", c.checks);
    kctl_print_json(o);
    return c.failed ? KCTL_FAIL : KCTL_OK;
}

int kctl_cmd_plugin(kctl *k, int argc, char **argv)
{
    (void)k;
    if (argc < 3 || strcmp(argv[1], "check") != 0)
        return kctl_usage(PLUGIN_USAGE);
    const char *config = "";
    uint32_t kind = 0;
    for (int i = 3; i < argc; i += 2) {
        if (i + 1 >= argc)
            return kctl_usage(PLUGIN_USAGE);
        if (strcmp(argv[i], "--config") == 0)
            config = argv[i + 1];
        else if (strcmp(argv[i], "--kind") == 0 && (kind = lk_plugin_kind_parse(argv[i + 1])))
            continue;
        else
            return kctl_usage(PLUGIN_USAGE);
    }
    return check(argv[2], kind, config);
}
