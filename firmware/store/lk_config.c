/* lk_config: versioned key/value configuration with embedded defaults. A set never updates in
 * place: it adds a version and an audit row, so "what was the deadline last Tuesday" has an
 * answer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_config.h"
#include "lk_store_int.h"

typedef struct config_key {
    const char *key;
    const char *fallback; /* the embedded default, version 0 */
    const char *about;
} config_key;

/* Sorted by key: config list prints in this order. */
static const config_key known_keys[] = {
    {"face.frames", "5", "camera frames handed to one face comparison"},
    {"face.max_attempts", "3", "face checks a customer may try before being sent to staff"},
    {"face.threshold", "0.80", "minimum similarity score for a person-to-ID match"},
    {"printer.calibration_x_01mm", "0", "overlay print offset to the right, 0.1 mm"},
    {"printer.calibration_y_01mm", "0", "overlay print offset downwards, 0.1 mm"},
    {"printer.job_deadline_s", "300", "seconds before an unfinished print job is cancelled"},
    {"printer.name", "", "CUPS destination (queue) name; never the default printer"},
    {"registry.url", "", "base URL of the registration system's records API"},
    {"session.timeout_s", "120", "idle seconds before a customer session is abandoned"},
    {"stock.low_threshold", "20", "sheets left at which technicians are warned"},
    {"ui.language", "zh-CN", "first language of the touchscreen"},
    {"ui.message_timeout_s", "10", "seconds an end or staff message stays on screen"},
    {"ui.orientation", "portrait", "portrait (1080x1920) or landscape (1920x1080)"},
    {"ui.screen_timeout_s", "60", "idle seconds on any customer screen before the session ends"},
    {"ui.voice_mute", "0", "1 silences the spoken prompts of each step"},
};
#define N_KEYS (sizeof known_keys / sizeof known_keys[0])

static const config_key *find_key(const char *key)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(known_keys[i].key, key) == 0)
            return &known_keys[i];
    return NULL;
}

int lk_config_get(lk_store *st, const char *key, char **value, int64_t *version, lk_err *err)
{
    const config_key *k = find_key(key);
    if (!k)
        return lk_err_set(err, LK_ENOENT, "unknown configuration key '%s'", key);
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_CONFIG_GET, err);
    if (!s)
        return LK_EDB;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    const char *v = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : k->fallback;
    int64_t ver = rc == SQLITE_ROW ? sqlite3_column_int64(s, 1) : 0;
    char *copy = strdup(v ? v : "");
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        free(copy);
        return lk_store_sql_err(st, err, "read configuration");
    }
    if (!copy)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    *value = copy;
    if (version)
        *version = ver;
    return 0;
}

int lk_config_get_int(lk_store *st, const char *key, long long *value, lk_err *err)
{
    char *v = NULL, *end = NULL;
    int rc = lk_config_get(st, key, &v, NULL, err);
    if (rc != 0)
        return rc;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0')
        rc = lk_err_set(err, LK_ECONFIG, "configuration %s is not an integer", key);
    else
        *value = n;
    free(v);
    return rc;
}

static int audit_set(lk_store *st, const char *key, const char *value, int64_t version,
                     const char *actor, lk_err *err)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "key", key);
    cJSON_AddStringToObject(d, "value", value);
    cJSON_AddNumberToObject(d, "version", (double)version);
    char *detail = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    if (!detail)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    int rc = lk_audit_append(st, actor, "config.set", detail, err);
    free(detail);
    return rc;
}

static int insert_version(lk_store *st, const char *key, const char *value, const char *actor,
                          int64_t *version, lk_err *err)
{
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_CONFIG_SET, err);
    if (!s)
        return LK_EDB;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, actor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)time(NULL));
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *version = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 0 : lk_store_sql_err(st, err, "store configuration");
}

int lk_config_set(lk_store *st, const char *key, const char *value, const char *actor, lk_err *err)
{
    if (!find_key(key))
        return lk_err_set(err, LK_ECONFIG, "unknown configuration key '%s'", key);
    int own_tx = !lk_store_in_tx(st);
    int64_t version = 0;
    int rc = own_tx ? lk_store_begin(st, err) : 0;
    if (rc == 0)
        rc = insert_version(st, key, value, actor, &version, err);
    if (rc == 0)
        rc = audit_set(st, key, value, version, actor, err);
    if (rc == 0 && own_tx)
        rc = lk_store_commit(st, err);
    if (rc != 0 && own_tx)
        lk_store_rollback(st);
    return rc;
}

int lk_config_list(lk_store *st, lk_config_cb cb, void *ctx, lk_err *err)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        char *v = NULL;
        int64_t version = 0;
        int rc = lk_config_get(st, known_keys[i].key, &v, &version, err);
        if (rc != 0)
            return rc;
        rc = cb(ctx, known_keys[i].key, v, version);
        free(v);
        if (rc != 0)
            return rc;
    }
    return 0;
}
