/* lk_i18n: the two language tables, parsed once at start with cJSON and kept as cJSON
 * objects (a few hundred keys: lookup by linear scan is well under a microsecond). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ui/lk_i18n.h"

struct lk_i18n {
    cJSON *zh, *en;
    int missing;
};

static cJSON *load(const char *dir, const char *lang, lk_err *err)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.json", dir, lang);
    FILE *f = fopen(path, "rb");
    if (!f) {
        lk_err_set(err, LK_EIO, "cannot open %s", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n > 0 && n < (1 << 20) ? malloc((size_t)n + 1) : NULL;
    cJSON *o = NULL;
    if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = '\0';
        o = cJSON_Parse(buf);
    }
    free(buf);
    fclose(f);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        lk_err_set(err, LK_EINVAL, "%s is not a JSON object of strings", path);
        return NULL;
    }
    return o;
}

int lk_i18n_load(const char *dir, lk_i18n **out, lk_err *err)
{
    *out = NULL;
    lk_i18n *t = calloc(1, sizeof *t);
    if (!t)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    t->zh = load(dir, "zh-CN", err);
    t->en = t->zh ? load(dir, "en", err) : NULL;
    if (!t->en) {
        lk_i18n_free(t);
        return err ? err->code : LK_EIO;
    }
    *out = t;
    return 0;
}

/* One language's overrides: only keys the built-in table has, only strings (the apply checked
 * both; a firmware update may since have dropped a key, which then simply no longer applies). */
static int overlay_one(cJSON *base, const cJSON *over)
{
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, over)
    {
        if (!cJSON_IsString(e) ||
            !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(base, e->string)))
            continue;
        cJSON *v = cJSON_CreateString(e->valuestring);
        if (v && cJSON_ReplaceItemInObjectCaseSensitive(base, e->string, v))
            n++;
        else
            cJSON_Delete(v);
    }
    return n;
}

int lk_i18n_overlay(lk_i18n *t, const char *dir, lk_err *err)
{
    static const char *const langs[] = {"zh-CN", "en"};
    int n = 0;
    for (int i = 0; i < 2; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s.json", dir, langs[i]);
        if (access(path, F_OK) != 0)
            continue; /* a bundle may override one language only */
        cJSON *o = load(dir, langs[i], err);
        if (!o)
            return err ? err->code : LK_EINVAL;
        n += overlay_one(i == 0 ? t->zh : t->en, o);
        cJSON_Delete(o);
    }
    return n;
}

void lk_i18n_free(lk_i18n *t)
{
    if (!t)
        return;
    cJSON_Delete(t->zh);
    cJSON_Delete(t->en);
    free(t);
}

const char *lk_i18n_get(lk_i18n *t, const char *lang, const char *key)
{
    cJSON *o = strcmp(lang, "en") == 0 ? t->en : t->zh;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsString(v))
        return v->valuestring;
    t->missing++;
    return key;
}

const char *lk_i18n_fmt(lk_i18n *t, const char *lang, const char *key, long n, const char *s,
                        char *buf, size_t bufsz)
{
    const char *src = lk_i18n_get(t, lang, key);
    size_t o = 0;
    for (const char *p = src; *p && o + 1 < bufsz; p++) {
        if (strncmp(p, "{n}", 3) == 0) {
            o += (size_t)snprintf(buf + o, bufsz - o, "%ld", n);
            p += 2;
        } else if (strncmp(p, "{s}", 3) == 0) {
            o += (size_t)snprintf(buf + o, bufsz - o, "%s", s ? s : "");
            p += 2;
        } else {
            buf[o++] = *p;
        }
        if (o >= bufsz)
            o = bufsz - 1;
    }
    buf[o] = '\0';
    return buf;
}

int lk_i18n_missing(const lk_i18n *t)
{
    return t->missing;
}
