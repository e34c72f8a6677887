/* lk_bundle_assets: the assets a bundle may carry, checked at apply before anything is committed,
 * and where the kiosk finds those of the applied bundle.
 *
 *   assets/i18n/<lang>.json        per-key string overrides (lang zh-CN or en)
 *   assets/voice/<lang>/<name>.wav replaces the voice prompt `voice.<name>` of that language
 *   assets/template.json           the license print template
 *
 * Anything else under assets/ is refused: a file the kiosk would silently ignore is a bundle
 * that does not do what its author thinks. Strings and prompt names are checked against the
 * built-in strings, so an override cannot add a key no screen asks for (a typo) or a prompt no
 * screen plays. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "kiosk/lk_render.h"
#include "kiosk/lk_wav.h"
#include "lk_bundle_int.h"

static const char *const langs[] = {"zh-CN", "en"};

static int known_lang(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++)
        if (strlen(langs[i]) == n && memcmp(langs[i], s, n) == 0)
            return 1;
    return 0;
}

/* The built-in strings of lang, or NULL (err set) when they cannot be read. */
static cJSON *builtin(const char *i18n_dir, const char *lang, lk_err *err)
{
    char path[700];
    if (!i18n_dir || !*i18n_dir) {
        lk_bundle_fail(err, LK_BUNDLE_IO, "no built-in strings to check assets against");
        return NULL;
    }
    snprintf(path, sizeof path, "%s/%s.json", i18n_dir, lang);
    size_t len = 0;
    char *text = lk_bundle_read_file(path, 1u << 20, &len);
    cJSON *o = text ? cJSON_ParseWithLength(text, len) : NULL;
    free(text);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        lk_bundle_fail(err, LK_BUNDLE_IO, "built-in strings %s unreadable", path);
        return NULL;
    }
    return o;
}

/* An override must not bring a placeholder the built-in text does not fill. */
static int placeholders_ok(const char *over, const char *base)
{
    return (!strstr(over, "{n}") || strstr(base, "{n}")) &&
           (!strstr(over, "{s}") || strstr(base, "{s}"));
}

static lk_bundle_reason check_strings(const cJSON *o, const cJSON *base, const char *rel,
                                      lk_err *err)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, o)
    {
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(base, e->string);
        if (!cJSON_IsString(b))
            return lk_bundle_fail(err, LK_BUNDLE_BAD_VALUE, "%s: unknown string key '%.80s'", rel,
                                  e->string);
        if (!cJSON_IsString(e))
            return lk_bundle_fail(err, LK_BUNDLE_BAD_VALUE, "%s: '%.80s' must be a string", rel,
                                  e->string);
        if (strlen(e->valuestring) > LK_BUNDLE_STRING_MAX)
            return lk_bundle_fail(err, LK_BUNDLE_BAD_VALUE, "%s: '%.80s' is over %d bytes", rel,
                                  e->string, LK_BUNDLE_STRING_MAX);
        if (!placeholders_ok(e->valuestring, b->valuestring))
            return lk_bundle_fail(err, LK_BUNDLE_BAD_VALUE,
                                  "%s: '%.80s' uses a placeholder the built-in text has not", rel,
                                  e->string);
    }
    return LK_BUNDLE_OK;
}

static lk_bundle_reason validate_i18n(const char *path, const char *rel, const char *lang,
                                      const char *i18n_dir, lk_err *err)
{
    size_t len = 0;
    char *text = lk_bundle_read_file(path, LK_BUNDLE_MANIFEST_MAX, &len);
    if (!text)
        return lk_bundle_fail(err, LK_BUNDLE_OVERSIZED, "%s over %u bytes", rel,
                              LK_BUNDLE_MANIFEST_MAX);
    cJSON *o = cJSON_ParseWithLength(text, len);
    free(text);
    cJSON *base = cJSON_IsObject(o) ? builtin(i18n_dir, lang, err) : NULL;
    lk_bundle_reason r =
        !cJSON_IsObject(o)
            ? lk_bundle_fail(err, LK_BUNDLE_BAD_VALUE, "%s is not a JSON object of strings", rel)
        : base ? check_strings(o, base, rel, err)
               : LK_BUNDLE_IO;
    cJSON_Delete(base);
    cJSON_Delete(o);
    return r;
}

static lk_bundle_reason validate_voice(const char *path, const char *rel, const char *lang,
                                       const char *name, const char *i18n_dir, lk_err *err)
{
    cJSON *base = builtin(i18n_dir, lang, err);
    if (!base)
        return LK_BUNDLE_IO;
    char key[LK_BUNDLE_PATH_MAX + 8];
    snprintf(key, sizeof key, "voice.%s", name);
    int known = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(base, key));
    cJSON_Delete(base);
    if (!known)
        return lk_bundle_fail(err, LK_BUNDLE_BAD_PATH, "%s: '%s' is not a voice prompt", rel, name);
    size_t len = 0;
    char *buf = lk_bundle_read_file(path, LK_WAV_MAX, &len);
    if (!buf)
        return lk_bundle_fail(err, LK_BUNDLE_OVERSIZED, "%s over %u bytes", rel, LK_WAV_MAX);
    lk_wav_info wi;
    lk_err why = {0};
    int rc = lk_wav_check((const uint8_t *)buf, len, &wi, &why);
    free(buf);
    return rc == 0 ? LK_BUNDLE_OK
                   : lk_bundle_fail(err, LK_BUNDLE_BAD_VALUE, "%s is not a playable PCM WAV: %s",
                                    rel, why.msg);
}

static lk_bundle_reason validate_template(const char *path, lk_err *err)
{
    lk_template *t = NULL;
    lk_err why = {0};
    int rc = lk_template_load(path, &t, &why);
    lk_template_free(t);
    return rc == 0 ? LK_BUNDLE_OK
                   : lk_bundle_fail(err, LK_BUNDLE_BAD_VALUE, "assets/template.json: %s", why.msg);
}

/* assets/voice/<lang>/<name>.wav: lang and name (no further '/') or -1. */
static int split_voice(const char *rel, char *lang, size_t lsz, char *name, size_t nsz)
{
    const char *p = rel + strlen("assets/voice/"), *slash = strchr(p, '/');
    if (!slash || !known_lang(p, (size_t)(slash - p)) || strchr(slash + 1, '/'))
        return -1;
    const char *file = slash + 1;
    size_t n = strlen(file);
    if (n <= 4 || strcmp(file + n - 4, ".wav") != 0 || n - 4 >= nsz)
        return -1;
    snprintf(lang, lsz, "%.*s", (int)(slash - p), p);
    snprintf(name, nsz, "%.*s", (int)(n - 4), file);
    return 0;
}

lk_bundle_reason lk_bundle_validate_asset(const char *path, const char *rel, const char *i18n_dir,
                                          lk_err *err)
{
    char lang[8], name[LK_BUNDLE_PATH_MAX];
    if (strcmp(rel, "assets/template.json") == 0)
        return validate_template(path, err);
    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
        char want[40];
        snprintf(want, sizeof want, "assets/i18n/%s.json", langs[i]);
        if (strcmp(rel, want) == 0)
            return validate_i18n(path, rel, langs[i], i18n_dir, err);
    }
    if (strncmp(rel, "assets/voice/", 13) == 0 &&
        split_voice(rel, lang, sizeof lang, name, sizeof name) == 0)
        return validate_voice(path, rel, lang, name, i18n_dir, err);
    return lk_bundle_fail(err, LK_BUNDLE_BAD_PATH,
                          "%s is not an asset the kiosk uses (assets/i18n/<lang>.json, "
                          "assets/voice/<lang>/<prompt>.wav, assets/template.json)",
                          rel);
}

int lk_bundle_asset(lk_store *st, const char *state_dir, const char *rel, char *out, size_t size,
                    lk_err *err)
{
    char sub[600];
    if (lk_bundle_fmt(sub, sizeof sub, "assets/%s", rel) != 0)
        return lk_err_set(err, LK_EINVAL, "bundle asset path too long");
    int rc = lk_bundle_applied_path(st, state_dir, sub, "bundle assets", out, size, err);
    if (rc != 0 || !out[0])
        return rc;
    if (access(out, F_OK) != 0) {
        int e = errno;
        out[0] = '\0';
        return e == ENOENT ? 0 : lk_err_set(err, LK_EIO, "bundle asset %s: %s", rel, strerror(e));
    }
    return 0;
}
