/* cmd_config: `kioskctl config get|set|list` and `kioskctl counters`, the admin's view of the
 * versioned configuration and the statistics counters kept in the store. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kctl.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_counter.h"

#define CONFIG_USAGE   "config get KEY | config set KEY VALUE | config list"
#define COUNTERS_USAGE "counters [list] | counters get NAME"

/* What a listing shows of a value: a secret (the PIN hash) only as set or not, since config
 * output ends up in terminals, tickets and support logs. */
static const char *shown(const char *key, const char *value)
{
    if (!lk_config_is_secret(key))
        return value;
    return *value ? "(secret set)" : "(secret not set)";
}

static void print_key(const char *key, const char *value, int64_t version)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "key", key);
    cJSON_AddStringToObject(o, "value", shown(key, value));
    cJSON_AddNumberToObject(o, "version", (double)version);
    kctl_print_json(o);
}

/* Shared by get and by set, which echoes what is now in force rather than what was asked. */
static int show_key(lk_store *st, const char *key, const char *what)
{
    char *value = NULL;
    int64_t version = 0;
    lk_err err = {0};
    int rc = lk_config_get(st, key, &value, &version, &err);
    if (rc != 0) {
        if (rc == LK_ENOENT)
            kctl_error("config %s: unknown key '%s'", what, key);
        else
            kctl_error("config %s: %s", what, err.msg);
        return KCTL_FAIL;
    }
    print_key(key, value, version);
    free(value);
    return KCTL_OK;
}

static int config_set(lk_store *st, kctl *k, const char *key, const char *value)
{
    lk_err err = {0};
    if (lk_config_set(st, key, value, k->actor, &err) != 0) {
        kctl_error("config set %s: %s", key, err.msg);
        return KCTL_FAIL;
    }
    return show_key(st, key, "set");
}

static int add_key(void *ctx, const char *key, const char *value, int64_t version)
{
    cJSON *entry = cJSON_CreateObject();
    cJSON_AddStringToObject(entry, "value", shown(key, value));
    cJSON_AddNumberToObject(entry, "version", (double)version);
    cJSON_AddItemToObject((cJSON *)ctx, key, entry);
    return 0;
}

static int config_list(lk_store *st)
{
    cJSON *o = cJSON_CreateObject();
    lk_err err = {0};
    if (lk_config_list(st, add_key, o, &err) < 0) {
        cJSON_Delete(o);
        kctl_error("config list: %s", err.msg);
        return KCTL_FAIL;
    }
    kctl_print_json(o);
    return KCTL_OK;
}

int kctl_cmd_config(kctl *k, int argc, char **argv)
{
    const char *sub = argc >= 2 ? argv[1] : "";
    int ok = (strcmp(sub, "get") == 0 && argc == 3) || (strcmp(sub, "set") == 0 && argc == 4) ||
             (strcmp(sub, "list") == 0 && argc == 2);
    if (!ok) {
        if (argc >= 2 && strcmp(sub, "get") && strcmp(sub, "set") && strcmp(sub, "list"))
            kctl_error("config: unknown sub-command '%s'", sub);
        return kctl_usage(CONFIG_USAGE);
    }
    lk_store *st = kctl_open_store(k);
    if (!st)
        return KCTL_FAIL;
    int rc;
    if (strcmp(sub, "get") == 0)
        rc = show_key(st, argv[2], "get");
    else if (strcmp(sub, "set") == 0)
        rc = config_set(st, k, argv[2], argv[3]);
    else
        rc = config_list(st);
    lk_store_close(st);
    return rc;
}

static int add_counter(void *ctx, const char *name, int64_t value)
{
    cJSON_AddNumberToObject((cJSON *)ctx, name, (double)value);
    return 0;
}

static int counters_list(lk_store *st)
{
    cJSON *o = cJSON_CreateObject();
    lk_err err = {0};
    if (lk_counter_list(st, add_counter, o, &err) < 0) {
        cJSON_Delete(o);
        kctl_error("counters: %s", err.msg);
        return KCTL_FAIL;
    }
    kctl_print_json(o);
    return KCTL_OK;
}

/* A counter never incremented reads as 0 rather than "unknown": the answer to "how many
 * prints so far?" on a fresh kiosk is zero. */
static int counters_get(lk_store *st, const char *name)
{
    int64_t value = 0;
    lk_err err = {0};
    if (lk_counter_get(st, name, &value, &err) != 0) {
        kctl_error("counters get: %s", err.msg);
        return KCTL_FAIL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddNumberToObject(o, "value", (double)value);
    kctl_print_json(o);
    return KCTL_OK;
}

int kctl_cmd_counters(kctl *k, int argc, char **argv)
{
    int list = argc == 1 || (argc == 2 && strcmp(argv[1], "list") == 0);
    int get = argc == 3 && strcmp(argv[1], "get") == 0;
    if (!list && !get)
        return kctl_usage(COUNTERS_USAGE);
    lk_store *st = kctl_open_store(k);
    if (!st)
        return KCTL_FAIL;
    int rc = list ? counters_list(st) : counters_get(st, argv[2]);
    lk_store_close(st);
    return rc;
}
