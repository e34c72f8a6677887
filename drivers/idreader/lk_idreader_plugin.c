/* lk_idreader_plugin: SAM reader port -> ID_WAIT / ID_READ requests to an isolated worker. */
#include "lk_idreader_plugin.h"

#include <stdlib.h>
#include <string.h>

#include "lk_plugin_idreader.h"
#include "lk_plugin_proc.h"

typedef struct reader {
    lk_plugin_proc *proc;
} reader;

static int call(reader *r, lk_pmsg_buf *req, uint32_t expect, uint8_t **pl, size_t *len, lk_pmsg *m,
                lk_err *err)
{
    return lk_plugin_proc_call(r->proc, req, expect, pl, len, m, err);
}

static int wait_card(void *impl, unsigned timeout_ms, lk_err *err)
{
    reader *r = impl;
    uint32_t limit = lk_plugin_proc_time_limit(r->proc);
    /* The worker's deadline must outlast the wait it is asked to do. */
    if (timeout_ms + 1000 > limit)
        timeout_ms = limit > 1000 ? limit - 1000 : limit / 2;
    lk_pmsg_buf req = {0};
    lk_pmsg_begin(&req, LK_PMSG_ID_WAIT);
    lk_pmsg_put_u32(&req, LK_PT_TIMEOUT_MS, timeout_ms);
    uint8_t *pl = NULL;
    size_t len = 0;
    lk_pmsg m;
    int rc = call(r, &req, LK_PMSG_OK, &pl, &len, &m, err);
    lk_pmsg_free(pl, len);
    return rc;
}

static int text(const lk_pmsg *m, uint16_t tag, char *out, size_t cap, lk_err *err)
{
    return lk_pmsg_str(m, tag, out, cap, 1, err);
}

static int read_fields(const lk_pmsg *m, lk_idcard *c, lk_err *err)
{
    uint32_t type = 0;
    int rc = lk_pmsg_u32(m, LK_PT_CARD_TYPE, &type, err);
    c->card_type = type;
#define TEXT(tag, f)                                                                               \
    if (rc == 0)                                                                                   \
    rc = text(m, tag, c->f, sizeof c->f, err)
    TEXT(LK_PT_CARD_NAME, name);
    TEXT(LK_PT_CARD_SEX, sex);
    TEXT(LK_PT_CARD_NATION, nation);
    TEXT(LK_PT_CARD_BIRTH, birth_date);
    TEXT(LK_PT_CARD_ADDRESS, address);
    TEXT(LK_PT_CARD_IDNUM, id_number);
    TEXT(LK_PT_CARD_ISSUER, issuer);
    TEXT(LK_PT_CARD_FROM, valid_from);
    TEXT(LK_PT_CARD_UNTIL, valid_until);
    TEXT(LK_PT_CARD_SAM, sam_id);
#undef TEXT
    return rc;
}

static int read_photo(const lk_pmsg *m, lk_idcard *c, lk_err *err)
{
    size_t it = 0;
    const lk_pmsg_field *f = lk_pmsg_next(m, LK_PT_PHOTO, &it);
    lk_pmsg_image im;
    if (!f || lk_pmsg_image_get(f, &im, err) != 0)
        return lk_err_set(err, LK_EPROTO, "card reply without a photo field");
    if (im.len == 0)
        return 0;
    if (im.format != LK_IDCARD_PHOTO_RGB24 || (uint64_t)im.width * im.height * 3 != im.len)
        return lk_err_set(err, LK_EPLUGIN, "photo of %ux%u does not match its %zu bytes",
                          (unsigned)im.width, (unsigned)im.height, im.len);
    c->photo = malloc(im.len);
    if (!c->photo)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    memcpy(c->photo, im.data, im.len);
    c->photo_len = im.len;
    c->photo_width = im.width;
    c->photo_height = im.height;
    return 0;
}

static int read_card(void *impl, lk_idcard *out, lk_err *err)
{
    reader *r = impl;
    lk_pmsg_buf req = {0};
    lk_pmsg_begin(&req, LK_PMSG_ID_READ);
    uint8_t *pl = NULL;
    size_t len = 0;
    lk_pmsg m;
    int rc = call(r, &req, LK_PMSG_ID_CARD, &pl, &len, &m, err);
    if (rc != 0)
        return rc;
    rc = read_fields(&m, out, err);
    if (rc == 0)
        rc = read_photo(&m, out, err);
    lk_pmsg_free(pl, len); /* wipes the reply: it held the card */
    return rc;
}

static int info(void *impl, lk_idreader_info *out, lk_err *err)
{
    reader *r = impl;
    return lk_plugin_proc_describe(r->proc, out->name, out->vendor, out->version, &out->abi_major,
                                   &out->abi_minor, err);
}

static void close_reader(void *impl)
{
    reader *r = impl;
    lk_plugin_proc_free(r->proc);
    free(r);
}

static const lk_idreader_ops plugin_ops = {
    .wait_card = wait_card,
    .read_card = read_card,
    .info = info,
    .close = close_reader,
};

int lk_idreader_plugin_open(const lk_idreader_plugin_cfg *cfg, lk_idreader *out, lk_err *err)
{
    reader *r = calloc(1, sizeof *r);
    if (!r)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    lk_plugin_proc_cfg pc = {.host_path = cfg->host_path,
                             .plugin_path = cfg->plugin_path,
                             .kind = LK_PLUGIN_KIND_IDREADER,
                             .config = cfg->config,
                             .allow_sha256 = cfg->allow_sha256,
                             .time_limit_ms = cfg->time_limit_ms,
                             .memory_limit_mb = cfg->memory_limit_mb,
                             .max_reply = 512u << 10};
    int rc = lk_plugin_proc_new(&pc, &r->proc, err);
    if (rc != 0) {
        free(r);
        return rc;
    }
    out->ops = &plugin_ops;
    out->impl = r;
    return 0;
}
