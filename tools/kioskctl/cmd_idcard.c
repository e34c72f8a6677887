/* cmd_idcard: `kioskctl idcard read`, one resident identity card through a SAM reader plug-in
 * in its isolated worker: waits for a card, reads it and prints what a technician may see.
 * The ID number is printed masked and the name reduced to its first character (PIPL); the
 * photo goes only where --photo says (binary PPM), never to stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kctl.h"
#include "kiosk/lk_device_settings.h"
#include "kiosk/lk_idreader.h"
#include "kiosk/lk_pii.h"
#include "lk_idreader_plugin.h"

#define IDCARD_USAGE "idcard read [--plugin SO] [--config STR] [--timeout-ms N] [--photo OUT.ppm]"

typedef struct id_args {
    const char *plugin, *config, *photo;
    unsigned timeout_ms;
} id_args;

static int parse(int argc, char **argv, id_args *a)
{
    a->timeout_ms = 5000;
    if (argc < 2 || strcmp(argv[1], "read") != 0)
        return -1;
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc)
            return -1;
        if (strcmp(argv[i], "--plugin") == 0)
            a->plugin = argv[i + 1];
        else if (strcmp(argv[i], "--config") == 0)
            a->config = argv[i + 1];
        else if (strcmp(argv[i], "--photo") == 0)
            a->photo = argv[i + 1];
        else if (strcmp(argv[i], "--timeout-ms") == 0)
            a->timeout_ms = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else
            return -1;
    }
    return 0;
}

/* Without --plugin, the configured reader (idreader.plugin, idreader.plugin_config). */
static int from_config(kctl *k, id_args *a, lk_idreader_settings *s)
{
    lk_store *st = kctl_open_store(k);
    lk_err err = {0};
    int rc = st ? lk_idreader_settings_load(st, s, &err) : LK_EDB;
    if (st)
        lk_store_close(st);
    if (rc == 0 && !s->plugin[0])
        rc = lk_err_set(&err, LK_ECONFIG, "no --plugin and no idreader.plugin configured");
    if (rc != 0) {
        if (st)
            kctl_error("idcard read: %s", err.msg);
        return -1;
    }
    a->plugin = s->plugin;
    if (!a->config)
        a->config = s->plugin_config;
    return 0;
}

/* The first UTF-8 character, then one '*' per further character. */
static void mask_name(const char *name, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    do {
        out[o++] = name[i++];
    } while (name[i] && ((unsigned char)name[i] & 0xC0) == 0x80 && o + 1 < cap);
    while (name[i] && o + 1 < cap) {
        if (((unsigned char)name[i] & 0xC0) != 0x80)
            out[o++] = '*';
        i++;
    }
    out[o] = '\0';
}

static int write_photo(const char *path, const lk_idcard *c)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fprintf(f, "P6\n%u %u\n255\n", (unsigned)c->photo_width, (unsigned)c->photo_height);
    size_t n = fwrite(c->photo, 1, c->photo_len, f);
    return fclose(f) == 0 && n == c->photo_len ? 0 : -1;
}

static void print_card(const lk_idcard *c, const lk_idreader_info *info)
{
    char masked[32], name[96];
    lk_pii_mask(c->id_number, masked, sizeof masked);
    mask_name(c->name[0] ? c->name : "?", name, sizeof name);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "card_type", c->card_type);
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddStringToObject(o, "id_number", masked);
    cJSON_AddStringToObject(o, "sex", c->sex);
    cJSON_AddStringToObject(o, "nation", c->nation);
    cJSON_AddStringToObject(o, "valid_until", c->valid_until);
    cJSON_AddStringToObject(o, "sam_id", c->sam_id);
    cJSON *ph = cJSON_AddObjectToObject(o, "photo");
    cJSON_AddNumberToObject(ph, "width", c->photo_width);
    cJSON_AddNumberToObject(ph, "height", c->photo_height);
    cJSON_AddNumberToObject(ph, "bytes", (double)c->photo_len);
    cJSON *p = cJSON_AddObjectToObject(o, "plugin");
    cJSON_AddStringToObject(p, "name", info->name);
    cJSON_AddStringToObject(p, "version", info->version);
    kctl_print_json(o);
    explicit_bzero(name, sizeof name);
}

static int fail(const lk_err *err)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", err->msg);
    if (err->domain == LK_ERR_DOMAIN_VENDOR)
        cJSON_AddNumberToObject(o, "vendor_code", (double)err->native);
    kctl_print_json(o);
    return KCTL_FAIL;
}

int kctl_cmd_idcard(kctl *k, int argc, char **argv)
{
    id_args a = {0};
    lk_idreader_settings settings;
    if (parse(argc, argv, &a) != 0)
        return kctl_usage(IDCARD_USAGE);
    if (!a.plugin && from_config(k, &a, &settings) != 0)
        return KCTL_FAIL;
    lk_idreader_plugin_cfg cfg = {.plugin_path = a.plugin,
                                  .config = a.config,
                                  .time_limit_ms = a.timeout_ms + 5000,
                                  .memory_limit_mb = 512};
    lk_idreader r = {0};
    lk_idcard card = {0};
    lk_idreader_info info = {0};
    lk_err err = {0};
    int rc = lk_idreader_plugin_open(&cfg, &r, &err);
    if (rc == 0)
        rc = lk_idreader_wait_card(&r, a.timeout_ms, &err);
    if (rc == 0)
        rc = lk_idreader_read_card(&r, &card, &err);
    if (rc == 0)
        rc = lk_idreader_info_get(&r, &info, &err);
    if (rc == 0 && a.photo && card.photo_len && write_photo(a.photo, &card) != 0)
        rc = lk_err_set(&err, LK_EIO, "cannot write %s", a.photo);
    if (rc == 0)
        print_card(&card, &info);
    lk_idcard_wipe(&card);
    lk_idreader_close(&r);
    return rc == 0 ? KCTL_OK : fail(&err);
}
