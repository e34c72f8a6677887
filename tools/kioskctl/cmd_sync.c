/* cmd_sync: `kioskctl sync [--full]`, an on-demand registry sync (the same run the kiosk's
 * background worker does): pulls the change feed, delivers queued print reports, and prints a
 * JSON summary. Exit 1 when the run failed (the summary says how far it got). */
#include <stdio.h>
#include <string.h>

#include "kctl.h"
#include "kiosk/lk_registry.h"

#define SYNC_USAGE "sync [--full]"

static cJSON *summary(const lk_registry_sync_stats *s, int rc, const lk_err *err)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", rc == 0);
    if (rc != 0)
        cJSON_AddStringToObject(o, "error", err->msg);
    cJSON_AddBoolToObject(o, "full", s->full);
    cJSON_AddBoolToObject(o, "restarted", s->restarted);
    const struct {
        const char *key;
        long value;
    } n[] = {
        {"pages", s->pages},
        {"upserts", s->upserts},
        {"inserted", s->inserted},
        {"revocations", s->revocations},
        {"reprints", s->reprints},
        {"qr_changes", s->qr_changes},
        {"rejected", s->rejected},
        {"retries", s->retries},
        {"reports_sent", s->reports_sent},
        {"reports_duplicate", s->reports_duplicate},
        {"reports_pending", s->reports_pending},
    };
    for (size_t i = 0; i < sizeof n / sizeof n[0]; i++)
        cJSON_AddNumberToObject(o, n[i].key, (double)n[i].value);
    cJSON_AddStringToObject(o, "cursor", s->cursor);
    cJSON_AddNumberToObject(o, "elapsed_ms", (double)s->elapsed_ms);
    return o;
}

int kctl_cmd_sync(kctl *k, int argc, char **argv)
{
    int full = argc == 2 && strcmp(argv[1], "--full") == 0;
    if (argc > 2 || (argc == 2 && !full))
        return kctl_usage(SYNC_USAGE);
    lk_store *st = kctl_open_store(k);
    if (!st)
        return KCTL_FAIL;
    lk_registry *reg = NULL;
    lk_err err = {0};
    lk_registry_sync_stats s = {0};
    int rc = lk_registry_open(st, k->actor, k->today, &reg, &err);
    if (rc == 0)
        rc = lk_registry_sync(reg, st, full, &s, &err);
    kctl_print_json(summary(&s, rc, &err));
    lk_registry_close(reg);
    lk_store_close(st);
    return rc == 0 ? KCTL_OK : KCTL_FAIL;
}
