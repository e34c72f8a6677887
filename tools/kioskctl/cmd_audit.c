/* cmd_audit: `kioskctl audit verify|list`, how an auditor checks that the hash-chained log was
 * not edited and reads what happened. Exit 1 from verify names the first bad row. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kctl.h"
#include "kiosk/lk_audit.h"

#define AUDIT_USAGE "audit verify | audit list [--after SEQ] [--limit N]"

static int audit_verify(kctl *k)
{
    lk_store *st = kctl_open_store(k);
    if (!st)
        return KCTL_FAIL;
    lk_audit_verdict v = {0};
    lk_err err = {0};
    int rc = lk_audit_verify(st, &v, &err);
    lk_store_close(st);
    if (rc != 0 && rc != LK_ECORRUPT) {
        kctl_error("audit verify: %s", err.msg);
        return KCTL_FAIL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", rc == 0);
    cJSON_AddNumberToObject(o, "rows", (double)v.rows);
    if (rc != 0) {
        cJSON_AddNumberToObject(o, "bad_seq", (double)v.bad_seq);
        cJSON_AddStringToObject(o, "reason", v.reason);
    }
    kctl_print_json(o);
    return rc == 0 ? KCTL_OK : KCTL_FAIL;
}

/* detail is written by the store as a JSON object; show it as one so that `jq .detail.x`
 * works, but fall back to the raw text rather than hide a row that does not parse. */
static int print_row(void *ctx, int64_t seq, int64_t ts, const char *actor, const char *event,
                     const char *detail_json)
{
    (void)ctx;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "seq", (double)seq);
    cJSON_AddNumberToObject(o, "ts", (double)ts);
    cJSON_AddStringToObject(o, "actor", actor ? actor : "");
    cJSON_AddStringToObject(o, "event", event ? event : "");
    cJSON *detail = detail_json ? cJSON_Parse(detail_json) : NULL;
    if (detail && !cJSON_IsObject(detail)) {
        cJSON_Delete(detail);
        detail = NULL;
    }
    if (detail)
        cJSON_AddItemToObject(o, "detail", detail);
    else if (detail_json)
        cJSON_AddStringToObject(o, "detail", detail_json);
    else
        cJSON_AddNullToObject(o, "detail");
    kctl_print_json(o);
    return 0;
}

/* A non-negative decimal; 0 on success. strtoll alone would accept "-5" and " 7". */
static int parse_i64(const char *s, int64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int audit_list(kctl *k, int argc, char **argv)
{
    int64_t after = 0, limit = 0;
    for (int i = 2; i < argc; i += 2) {
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t *dst = strcmp(argv[i], "--after") == 0   ? &after
                       : strcmp(argv[i], "--limit") == 0 ? &limit
                                                         : NULL;
        if (!dst || parse_i64(val, dst) != 0) {
            kctl_error("audit list: bad option '%s'", argv[i]);
            return kctl_usage(AUDIT_USAGE);
        }
    }
    lk_store *st = kctl_open_store(k);
    if (!st)
        return KCTL_FAIL;
    lk_err err = {0};
    int rc = lk_audit_list(st, after, limit, print_row, NULL, &err);
    lk_store_close(st);
    if (rc < 0) {
        kctl_error("audit list: %s", err.msg);
        return KCTL_FAIL;
    }
    return KCTL_OK;
}

int kctl_cmd_audit(kctl *k, int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "verify") == 0)
        return audit_verify(k);
    if (argc >= 2 && strcmp(argv[1], "list") == 0)
        return audit_list(k, argc, argv);
    if (argc >= 2 && strcmp(argv[1], "verify") != 0)
        kctl_error("audit: unknown sub-command '%s'", argv[1]);
    return kctl_usage(AUDIT_USAGE);
}
