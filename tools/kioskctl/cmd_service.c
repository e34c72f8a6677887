/* cmd_service: `kioskctl service-card make|inspect|pin-hash|enter|lock`: the admin makes the
 * payload a technician's service card serves and the PIN hash that goes into a bundle; the
 * kiosk side checks a card and PIN exactly as the diagnostics entry does.
 *
 * PINs are read from stdin (one line), never from the command line, so they stay out of ps
 * and shell history. $LK_NOW (Unix seconds) pins the clock for tests. */
/* strptime is XSI. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "kctl.h"
#include "kctl_admin.h"
#include "kiosk/lk_service.h"

#define SERVICE_USAGE                                                                              \
    "service-card make --key ADMIN.key --tech ID --expires DATE|+DAYS [--issued DATE] -o FILE\n"   \
    "       service-card inspect FILE [--pubkey PUB] | pin-hash [--iterations N] < PIN | enter "   \
    "--card FILE < PIN "                                                                           \
    "| lock"

static int64_t now_s(void)
{
    const char *env = getenv("LK_NOW");
    return env && *env ? strtoll(env, NULL, 10) : (int64_t)time(NULL);
}

/* YYYY-MM-DD (the end of that day, UTC), YYYY-MM-DDTHH:MM:SSZ, +N (days from now) or Unix
 * seconds. -1 when none of these. */
static int64_t parse_when(const char *s)
{
    struct tm tm = {0};
    char *end = NULL;
    if (s[0] == '+') {
        long days = strtol(s + 1, &end, 10);
        return end && *end == '\0' && days > 0 && days <= 3660 ? now_s() + days * 86400LL : -1;
    }
    if ((end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) && *end == '\0')
        return (int64_t)timegm(&tm);
    memset(&tm, 0, sizeof tm);
    if ((end = strptime(s, "%Y-%m-%d", &tm)) && *end == '\0')
        return (int64_t)timegm(&tm) + 86399;
    long long v = strtoll(s, &end, 10);
    return *s && end && *end == '\0' && v > 0 ? v : -1;
}

static void iso(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *opt(int argc, char **argv, int *i, const char *name)
{
    if (strcmp(argv[*i], name) != 0 || *i + 1 >= argc)
        return NULL;
    *i += 1;
    return argv[*i];
}

static int cmd_make(int argc, char **argv)
{
    const char *key_path = NULL, *tech = NULL, *exp_s = NULL, *iss_s = NULL, *out = NULL, *v;
    for (int i = 2; i < argc; i++) {
        if ((v = opt(argc, argv, &i, "--key")))
            key_path = v;
        else if ((v = opt(argc, argv, &i, "--tech")))
            tech = v;
        else if ((v = opt(argc, argv, &i, "--expires")))
            exp_s = v;
        else if ((v = opt(argc, argv, &i, "--issued")))
            iss_s = v;
        else if ((v = opt(argc, argv, &i, "-o")))
            out = v;
        else
            return kctl_usage(SERVICE_USAGE);
    }
    if (!key_path || !tech || !exp_s || !out)
        return kctl_usage(SERVICE_USAGE);
    int64_t expires = parse_when(exp_s), issued = iss_s ? parse_when(iss_s) : now_s();
    if (expires < 0 || issued < 0) {
        kctl_error("service-card make: dates are YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or +DAYS");
        return KCTL_USAGE;
    }
    lk_err err = {0};
    uint8_t buf[LK_SERVICE_TOKEN_MAX];
    lk_sign_key *key = lk_sign_load_private(key_path, &err);
    int n = key ? lk_service_token_make(key, tech, issued, expires, buf, sizeof buf, &err) : -1;
    lk_sign_key_free(key);
    FILE *f = n > 0 ? fopen(out, "wb") : NULL;
    if (n > 0 && (!f || fwrite(buf, 1, (size_t)n, f) != (size_t)n))
        lk_err_set(&err, LK_EIO, "write %s", out);
    if (f && fclose(f) != 0)
        lk_err_set(&err, LK_EIO, "write %s", out);
    if (n < 0 || err.code) {
        kctl_error("service-card make: %s", err.msg);
        return KCTL_FAIL;
    }
    char e[32], is[32];
    iso(expires, e);
    iso(issued, is);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "tech", tech);
    cJSON_AddStringToObject(o, "issued", is);
    cJSON_AddStringToObject(o, "expires", e);
    cJSON_AddNumberToObject(o, "bytes", n);
    cJSON_AddStringToObject(o, "payload", out);
    kctl_print_json(o);
    return KCTL_OK;
}

static int read_payload(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        kctl_error("%s: %s", path, strerror(errno));
        return -1;
    }
    /* One byte more than any token may be: a longer file is reported as such by the parser. */
    *len = fread(buf, 1, cap, f);
    fclose(f);
    return 0;
}

static int cmd_inspect(kctl *k, int argc, char **argv)
{
    const char *file = NULL, *pub = NULL, *v;
    for (int i = 2; i < argc; i++) {
        if ((v = opt(argc, argv, &i, "--pubkey")))
            pub = v;
        else if (argv[i][0] != '-' && !file)
            file = argv[i];
        else
            return kctl_usage(SERVICE_USAGE);
    }
    uint8_t buf[LK_SERVICE_TOKEN_MAX + 1];
    size_t len = 0;
    if (!file)
        return kctl_usage(SERVICE_USAGE);
    if (read_payload(file, buf, sizeof buf, &len) != 0)
        return KCTL_FAIL;
    lk_sign_key *admin = kctl_bundle_admin_key(k, pub);
    if (!admin)
        return KCTL_FAIL;
    lk_service_card card;
    lk_err err = {0};
    int rc = lk_service_token_verify(admin, buf, len, now_s(), &card, &err);
    lk_sign_key_free(admin);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "valid", rc == 0);
    if (rc == 0 || rc == LK_ETIMEDOUT) {
        char e[32];
        iso(card.expires, e);
        cJSON_AddStringToObject(o, "tech", card.tech_id);
        cJSON_AddStringToObject(o, "expires", e);
    }
    if (rc != 0)
        cJSON_AddStringToObject(o, "reason", err.msg);
    kctl_print_json(o);
    return rc == 0 ? KCTL_OK : KCTL_FAIL;
}

static int read_pin(char *pin, size_t size)
{
    if (!fgets(pin, (int)size, stdin))
        return -1;
    pin[strcspn(pin, "\r\n")] = '\0';
    return 0;
}

static int cmd_pin_hash(int argc, char **argv)
{
    char pin[64], out[256];
    lk_err err = {0};
    long iter = LK_SERVICE_PBKDF2_ITER;
    if (argc == 4 && strcmp(argv[2], "--iterations") == 0)
        iter = strtol(argv[3], NULL, 10);
    else if (argc != 2)
        return kctl_usage(SERVICE_USAGE);
    int rc = read_pin(pin, sizeof pin) == 0 && iter > 0 && iter <= 10000000
                 ? lk_service_pin_hash(pin, (unsigned)iter, out, sizeof out, &err)
                 : lk_err_set(&err, LK_EINVAL, "no PIN on stdin");
    OPENSSL_cleanse(pin, sizeof pin);
    if (rc != 0) {
        kctl_error("service-card pin-hash: %s", err.msg);
        return KCTL_FAIL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "key", "service.pin_hash");
    cJSON_AddStringToObject(o, "value", out);
    kctl_print_json(o);
    return KCTL_OK;
}

static void print_verdict(const lk_service_verdict *v)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", v->ok);
    cJSON_AddStringToObject(o, "reason", v->reason);
    cJSON_AddStringToObject(o, "tech", v->tech_id);
    cJSON_AddNumberToObject(o, "attempts_left", v->attempts_left);
    if (v->locked_until) {
        char u[32];
        iso(v->locked_until, u);
        cJSON_AddStringToObject(o, "locked_until", u);
    }
    kctl_print_json(o);
}

static int cmd_enter(kctl *k, int argc, char **argv)
{
    int i = 2;
    const char *file = argc == 4 ? opt(argc, argv, &i, "--card") : NULL;
    uint8_t buf[LK_SERVICE_TOKEN_MAX + 1];
    size_t len = 0;
    char pin[64] = "";
    if (!file)
        return kctl_usage(SERVICE_USAGE);
    if (read_payload(file, buf, sizeof buf, &len) != 0)
        return KCTL_FAIL;
    (void)read_pin(pin, sizeof pin);
    lk_sign_key *admin = kctl_bundle_admin_key(k, NULL);
    lk_store *st = admin ? kctl_open_store(k) : NULL;
    lk_service_verdict v;
    lk_err err = {0};
    int rc = st ? lk_service_enter(st, admin, buf, len, pin, now_s(), &v, &err) : LK_EIO;
    OPENSSL_cleanse(pin, sizeof pin);
    lk_store_close(st);
    lk_sign_key_free(admin);
    if (!st)
        return KCTL_FAIL;
    if (rc != 0) {
        kctl_error("service-card enter: %s", err.msg);
        return KCTL_FAIL;
    }
    print_verdict(&v);
    return v.ok ? KCTL_OK : KCTL_FAIL;
}

static int cmd_lock(kctl *k)
{
    lk_store *st = kctl_open_store(k);
    if (!st)
        return KCTL_FAIL;
    int failures = 0;
    int64_t until = 0;
    lk_err err = {0};
    int rc = lk_service_lock_state(st, now_s(), &failures, &until, &err);
    lk_store_close(st);
    if (rc != 0) {
        kctl_error("service-card lock: %s", err.msg);
        return KCTL_FAIL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "locked", until != 0);
    cJSON_AddNumberToObject(o, "failures", failures);
    if (until) {
        char u[32];
        iso(until, u);
        cJSON_AddStringToObject(o, "locked_until", u);
    }
    kctl_print_json(o);
    return KCTL_OK;
}

int kctl_cmd_service_card(kctl *k, int argc, char **argv)
{
    const char *sub = argc >= 2 ? argv[1] : "";
    if (strcmp(sub, "make") == 0)
        return cmd_make(argc, argv);
    if (strcmp(sub, "inspect") == 0)
        return cmd_inspect(k, argc, argv);
    if (strcmp(sub, "pin-hash") == 0)
        return cmd_pin_hash(argc, argv);
    if (strcmp(sub, "enter") == 0)
        return cmd_enter(k, argc, argv);
    if (strcmp(sub, "lock") == 0 && argc == 2)
        return cmd_lock(k);
    return kctl_usage(SERVICE_USAGE);
}
