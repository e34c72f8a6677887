/* kctl_util: helpers shared by every kioskctl command. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "kctl.h"

lk_store *kctl_open_store(kctl *k)
{
    lk_err err = {0};
    lk_store *st = NULL;
    const char *path = lk_store_pick_path(k->db, k->env_db);
    if (lk_store_open(path, k->secret, &st, &err) != 0) {
        kctl_error("%s: %s", path, err.msg);
        return NULL;
    }
    return st;
}

void kctl_print_json(cJSON *obj)
{
    char *s = cJSON_PrintUnformatted(obj);
    if (s) {
        puts(s);
        free(s);
    }
    cJSON_Delete(obj);
}

void kctl_error(const char *fmt, ...)
{
    va_list ap;
    fputs("kioskctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int kctl_usage(const char *usage)
{
    fprintf(stderr, "usage: kioskctl %s\n", usage);
    return KCTL_USAGE;
}
