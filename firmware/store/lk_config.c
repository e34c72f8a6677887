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

/* How a value is checked before it is stored: what a bundle or `config set` may write. */
typedef enum config_type {
    /* Zero on purpose: a key added as {key, fallback, about} alone (as other branches did
     * before types existed) still gets this basic check: no control characters, <= 1024 bytes. */
    CFG_UNTYPED = 0,
    CFG_INT,    /* decimal integer within [min, max] */
    CFG_FRAC,   /* decimal number within [min, max] / 100, at most two decimals */
    CFG_NAME,   /* [A-Za-z0-9._-], at most max characters, may be empty */
    CFG_TEXT,   /* printable ASCII without spaces, at most max characters, may be empty */
    CFG_URL,    /* empty, or http:// or https:// followed by printable ASCII without spaces */
    CFG_PATH,   /* an absolute path without "." or ".." components */
    CFG_CHOICE, /* one of the '|'-separated words in choices */
    CFG_PIN,    /* empty, or pbkdf2-sha256$ITERATIONS$SALT-HEX$HASH-HEX */
    /* A flag on any of the above: the value is a credential (the PIN's hash). Its audit row says
     * that it changed, never what it is: the audit log leaves the kiosk on every USB export. */
    CFG_SECRET = 0x100,
} config_type;

typedef struct config_key {
    const char *key;
    const char *fallback; /* the embedded default, version 0 */
    const char *about;
    config_type type;
    long long min, max; /* CFG_INT, CFG_FRAC (hundredths); max is a length for strings */
    const char *choices;
} config_key;

/* Sorted by key: config list prints in this order. */
static const config_key known_keys[] = {
    {"camera.device", "/dev/video0", "V4L2 capture device of the face camera", CFG_PATH, 0, 255,
     NULL},
    {"camera.fps", "15", "frames per second of the file camera source (demo, tests)", CFG_INT, 1,
     120, NULL},
    {"camera.height", "480", "capture height in pixels", CFG_INT, 16, 4320, NULL},
    {"camera.source", "v4l2", "v4l2, or a folder of JPEG/PNG images or an .mjpeg file (demo)",
     CFG_TEXT, 0, 255, NULL},
    {"camera.width", "640", "capture width in pixels", CFG_INT, 16, 7680, NULL},
    {"emrtd.csca_dir", "", "directory of CSCA certificates (PEM or DER) for passive authentication",
     CFG_PATH, 0, 255, NULL},
    {"emrtd.require_passive_auth", "true",
     "true: a document failing passive authentication is refused; false: only audited", CFG_CHOICE,
     0, 0, "true|false"},
    {"face.frames", "5", "camera frames handed to one face comparison", CFG_INT, 1, 8, NULL},
    {"face.max_attempts", "3", "face check attempts before the customer is sent to staff", CFG_INT,
     1, 10, NULL},
    {"face.memory_limit_mb", "1024", "address-space cap of the face plug-in worker, MiB (0: none)",
     CFG_INT, 0, 65536, NULL},
    {"face.plugin", "", "path of the face-matching vendor plug-in (.so)", CFG_PATH, 0, 255, NULL},
    {"face.plugin_config", "", "configuration string handed to the face plug-in", CFG_UNTYPED, 0, 0,
     NULL},
    {"face.require_liveness", "1", "1: a face match needs the plug-in's liveness check to pass",
     CFG_CHOICE, 0, 0, "0|1"},
    /* Vendor scores differ in scale (the reference LBPH matcher's is a distance near 50), so
     * the range is wide; "vendor" takes the plug-in's own threshold. */
    {"face.threshold", "0.80", "minimum similarity score for a person-to-ID match, or vendor",
     CFG_FRAC, 1, 99999, "vendor"},
    {"face.time_limit_ms", "10000", "per call to the face plug-in, worker start included", CFG_INT,
     100, 600000, NULL},
    {"idreader.plugin", "", "path of the SAM resident-ID-card reader plug-in (.so)", CFG_PATH, 0,
     255, NULL},
    {"idreader.plugin_config", "", "configuration string handed to the SAM reader plug-in",
     CFG_UNTYPED, 0, 0, NULL},
    {"kiosk.camera", "sim", "camera backend of the kiosk app: sim, file (camera.source) or v4l2",
     CFG_CHOICE, 0, 0, "sim|file|v4l2"},
    {"kiosk.face", "sim", "face-check backend of the kiosk app: sim, or plugin (face.plugin)",
     CFG_CHOICE, 0, 0, "sim|plugin"},
    {"kiosk.id", "", "this kiosk's id, matched against a bundle's targets", CFG_NAME, 0, 64, NULL},
    {"kiosk.printer", "sim", "printer backend of the kiosk app: sim, or cups (printer.name)",
     CFG_CHOICE, 0, 0, "sim|cups"},
    {"kiosk.reader", "sim",
     "document reader of the kiosk app: sim, nfc (nfc.device), sam (idreader.plugin) or both",
     CFG_CHOICE, 0, 0, "sim|nfc|sam|both"},
    {"nfc.device", "", "libnfc connstring of the NFC reader, e.g. pn532_uart:/dev/ttyS0", CFG_TEXT,
     0, 255, NULL},
    {"printer.calibration_x_01mm", "0", "overlay print offset to the right, 0.1 mm", CFG_INT, -500,
     500, NULL},
    {"printer.calibration_y_01mm", "0", "overlay print offset downwards, 0.1 mm", CFG_INT, -500,
     500, NULL},
    {"printer.job_deadline_s", "300", "seconds before an unfinished print job is cancelled",
     CFG_INT, 1, 3600, NULL},
    {"printer.name", "", "CUPS destination (queue) name; never the default printer", CFG_TEXT, 0,
     127, NULL},
    {"registry.budget_ms", "2000",
     "longest a session waits on the registry before using the local copy", CFG_INT, 100, 60000,
     NULL},
    {"registry.ca_file", "", "PEM bundle of CAs trusted for the registry (empty: system store)",
     CFG_PATH, 0, 255, NULL},
    {"registry.key_file", "", "this kiosk's Ed25519 private key (PEM) that signs registry requests",
     CFG_PATH, 0, 255, NULL},
    {"registry.kiosk_id", "", "this kiosk's identity at the registry (X-LK-Kiosk)", CFG_NAME, 0, 64,
     NULL},
    {"registry.lookup_key_file", "", "32-byte registry lookup key for collector hashes on the wire",
     CFG_PATH, 0, 255, NULL},
    {"registry.page_size", "500", "changes asked for per page of a sync (1-1000)", CFG_INT, 1, 1000,
     NULL},
    {"registry.pin_sha256", "", "base64 SHA-256 of the registry's public key(s), ';'-separated",
     CFG_TEXT, 0, 1024, NULL},
    {"registry.retries", "4", "retries of a failed registry request (backoff with jitter)", CFG_INT,
     0, 20, NULL},
    {"registry.sync_interval_min", "15", "minutes between background syncs (0: off)", CFG_INT, 0,
     10080, NULL},
    {"registry.timeout_ms", "30000", "longest one registry request may take outside a session",
     CFG_INT, 100, 600000, NULL},
    {"registry.url", "", "base URL of the registration system's records API", CFG_URL, 0, 512,
     NULL},
    {"service.pin_hash", "", "technician PIN as PBKDF2-SHA256; empty: diagnostics closed",
     CFG_PIN | CFG_SECRET, 0, 256, NULL},
    {"service.timeout_s", "120", "idle seconds on a diagnostics page before it returns to attract",
     CFG_INT, 10, 3600, NULL},
    {"session.timeout_s", "120", "idle seconds before a customer session is abandoned", CFG_INT, 30,
     1800, NULL},
    {"stock.low_threshold", "20", "sheets left at which technicians are warned", CFG_INT, 0, 100000,
     NULL},
    {"ui.fullscreen", "1", "1: the kiosk fills the display (scaled); 0: a window (development)",
     CFG_CHOICE, 0, 0, "0|1"},
    {"ui.language", "zh-CN", "first language of the touchscreen", CFG_CHOICE, 0, 0, "zh-CN|en"},
    {"ui.message_timeout_s", "10", "seconds an end or staff message stays on screen", CFG_INT, 1,
     600, NULL},
    {"ui.orientation", "portrait", "portrait (1080x1920) or landscape (1920x1080)", CFG_CHOICE, 0,
     0, "portrait|landscape"},
    {"ui.screen_timeout_s", "60", "idle seconds on any customer screen before the session ends",
     CFG_INT, 1, 3600, NULL},
    {"ui.voice_mute", "0", "1 silences the spoken prompts of each step", CFG_CHOICE, 0, 0, "0|1"},
    {"usb.mount_point", "/media/licensekiosk", "where the OS mounts a USB stick (read-only)",
     CFG_PATH, 0, 255, NULL},
    {"usb.mount_wait_s", "10", "seconds after a stick arrives to wait for the OS to mount it",
     CFG_INT, 0, 120, NULL},
};
#define N_KEYS (sizeof known_keys / sizeof known_keys[0])

static const config_key *find_key(const char *key)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(known_keys[i].key, key) == 0)
            return &known_keys[i];
    return NULL;
}

int lk_config_is_secret(const char *key)
{
    const config_key *k = find_key(key);
    return k && (k->type & CFG_SECRET);
}

static int check_int(const config_key *k, const char *v, lk_err *err)
{
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || v[0] == ' ' || v[0] == '+')
        return lk_err_set(err, LK_ECONFIG, "%s: '%.40s' is not an integer", k->key, v);
    if (n < k->min || n > k->max)
        return lk_err_set(err, LK_ECONFIG, "%s: %lld is out of range [%lld, %lld]", k->key, n,
                          k->min, k->max);
    return 0;
}

static int check_choice(const config_key *k, const char *v, lk_err *err);

/* Fixed-point parse, not strtod: "0.8" must mean 80 hundredths on every locale and never
 * admit "nan", "1e2" or hex floats. */
static int check_frac(const config_key *k, const char *v, lk_err *err)
{
    if (k->choices && check_choice(k, v, NULL) == 0)
        return 0; /* a word the key allows besides numbers, e.g. face.threshold's "vendor" */
    size_t ip = strspn(v, "0123456789"), fp = 0;
    if (v[ip] == '.')
        fp = strspn(v + ip + 1, "0123456789");
    size_t len = ip + (v[ip] == '.' ? 1 + fp : 0);
    if (ip == 0 || ip > 3 || fp > 2 || v[len] != '\0' || (v[ip] == '.' && fp == 0))
        return lk_err_set(err, LK_ECONFIG, "%s: '%.40s' is not a decimal like 0.80", k->key, v);
    long long h = atoll(v) * 100;
    if (fp >= 1)
        h += (v[ip + 1] - '0') * 10;
    if (fp == 2)
        h += v[ip + 2] - '0';
    if (h < k->min || h > k->max)
        return lk_err_set(err, LK_ECONFIG, "%s: %s is out of range [%lld.%02lld, %lld.%02lld]",
                          k->key, v, k->min / 100, k->min % 100, k->max / 100, k->max % 100);
    return 0;
}

static int check_chars(const config_key *k, const char *v, const char *allowed, lk_err *err)
{
    size_t n = strlen(v);
    if ((long long)n > k->max)
        return lk_err_set(err, LK_ECONFIG, "%s: longer than %lld characters", k->key, k->max);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        int ok = allowed ? (c < 128 && (strchr(allowed, c) || (c >= '0' && c <= '9') ||
                                        ((c | 32) >= 'a' && (c | 32) <= 'z')))
                         : (c > ' ' && c < 127);
        if (!ok)
            return lk_err_set(err, LK_ECONFIG, "%s: character %zu (0x%02x) is not allowed", k->key,
                              i + 1, c);
    }
    return 0;
}

static int check_path(const config_key *k, const char *v, lk_err *err)
{
    if (!*v && !*k->fallback)
        return 0; /* a path that is unset by default may be unset again */
    int rc = check_chars(k, v, "/._-", err);
    if (rc != 0)
        return rc;
    if (v[0] != '/')
        return lk_err_set(err, LK_ECONFIG, "%s: must be an absolute path", k->key);
    for (const char *p = v; *p; p++)
        if (p[0] == '/' && p[1] == '.' &&
            (p[2] == '/' || p[2] == '\0' || (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))
            return lk_err_set(err, LK_ECONFIG, "%s: '.' and '..' are not allowed", k->key);
    return 0;
}

static int check_choice(const config_key *k, const char *v, lk_err *err)
{
    size_t n = strlen(v);
    for (const char *p = k->choices; n > 0 && *p;) {
        size_t w = strcspn(p, "|");
        if (w == n && strncmp(p, v, n) == 0)
            return 0;
        p += w + (p[w] == '|');
    }
    return lk_err_set(err, LK_ECONFIG, "%s: '%.40s' is not one of %s", k->key, v, k->choices);
}

/* The hash itself is checked by the service module; here only its shape, so a bundle cannot
 * store something the PIN check would misread. */
static int check_pin(const config_key *k, const char *v, lk_err *err)
{
    unsigned iter = 0;
    int salt_end = 0, end = 0;
    if (!*v)
        return 0;
    if (sscanf(v, "pbkdf2-sha256$%u$%*[0-9a-f]%n$%*[0-9a-f]%n", &iter, &salt_end, &end) != 1 ||
        end == 0 || v[end] != '\0' || iter < 10000 || strlen(v) > (size_t)k->max)
        return lk_err_set(err, LK_ECONFIG,
                          "%s: not pbkdf2-sha256$ITERATIONS$SALT$HASH (>= 10000 iterations)",
                          k->key);
    return 0;
}

static int check_value(const config_key *k, const char *v, lk_err *err)
{
    switch (k->type & ~CFG_SECRET) {
    case CFG_UNTYPED:
        for (const unsigned char *c = (const unsigned char *)v; *c; c++)
            if (*c < 0x20 || *c == 0x7f)
                return lk_err_set(err, LK_ECONFIG, "%s: control characters are not allowed",
                                  k->key);
        return strlen(v) <= 1024
                   ? 0
                   : lk_err_set(err, LK_ECONFIG, "%s: longer than 1024 bytes", k->key);
    case CFG_INT:
        return check_int(k, v, err);
    case CFG_FRAC:
        return check_frac(k, v, err);
    case CFG_NAME:
        return check_chars(k, v, "._-", err);
    case CFG_TEXT:
        return check_chars(k, v, NULL, err);
    case CFG_URL:
        if (*v && strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
            return lk_err_set(err, LK_ECONFIG, "%s: must start with http:// or https://", k->key);
        return check_chars(k, v, NULL, err);
    case CFG_PATH:
        return check_path(k, v, err);
    case CFG_CHOICE:
        return check_choice(k, v, err);
    case CFG_PIN:
        return check_pin(k, v, err);
    }
    return lk_err_set(err, LK_ECONFIG, "%s: no validator", k->key);
}

int lk_config_validate(const char *key, const char *value, lk_err *err)
{
    const config_key *k = find_key(key);
    if (!k)
        return lk_err_set(err, LK_ECONFIG, "unknown configuration key '%.80s'", key);
    if (!value)
        return lk_err_set(err, LK_ECONFIG, "%s: no value", key);
    return check_value(k, value, err);
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

/* A secret's row keeps who changed it and when, and whether it was set or cleared (an empty
 * PIN hash closes diagnostics), but no hash, fingerprint or length of the value. */
static int audit_set(lk_store *st, const char *key, const char *value, int64_t version,
                     const char *actor, lk_err *err)
{
    const config_key *k = find_key(key);
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "key", key);
    if (k && (k->type & CFG_SECRET))
        cJSON_AddStringToObject(d, "value", *value ? "(secret changed)" : "(secret cleared)");
    else
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
    int rc = lk_config_validate(key, value, err);
    if (rc != 0)
        return rc;
    int own_tx = !lk_store_in_tx(st);
    int64_t version = 0;
    rc = own_tx ? lk_store_begin(st, err) : 0;
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
