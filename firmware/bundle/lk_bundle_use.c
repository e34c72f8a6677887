/* lk_bundle_use: what the files of the applied bundle change outside the database: the eMRTD
 * trust list (csca/) and the plug-in allow-list (plugins.json) (the assets: lk_bundle_assets).
 * Both are answered from the version the database says is in force (lk_bundle_files_dir), never
 * from the `current` link, so a crash between commit and link switch cannot show a mix. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lk_bundle_int.h"

/* 1 when dir holds a file (not a dot-name), 0 when it holds none or is missing. */
static int has_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int any = 0;
    struct dirent *e;
    while (!any && (e = readdir(d)) != NULL)
        any = e->d_name[0] != '.';
    closedir(d);
    return any;
}

int lk_bundle_applied_path(lk_store *st, const char *state_dir, const char *rel, const char *what,
                           char *out, size_t size, lk_err *err)
{
    char files[900];
    lk_err why = {0};
    if (size)
        out[0] = '\0';
    int rc = lk_bundle_files_dir(st, state_dir, files, sizeof files, &why);
    if (rc == LK_ENOENT)
        return 0;
    if (rc != 0)
        return lk_err_set(err, rc, "%s: %s", what, why.msg);
    if (lk_bundle_fmt(out, size, "%s/%s", files, rel) != 0)
        return lk_err_set(err, LK_EINVAL, "%s: path too long", what);
    return 0;
}

int lk_bundle_csca_dir(lk_store *st, const char *state_dir, const char *configured, char *out,
                       size_t size, lk_err *err)
{
    char csca[1000];
    int rc = lk_bundle_applied_path(st, state_dir, "csca", "trust list", csca, sizeof csca, err);
    if (rc != 0)
        return rc;
    if (csca[0] && has_files(csca))
        return lk_bundle_fmt(out, size, "%s", csca) == 0
                   ? 0
                   : lk_err_set(err, LK_EINVAL, "trust list path too long");
    return lk_bundle_fmt(out, size, "%s", configured ? configured : "") == 0
               ? 0
               : lk_err_set(err, LK_EINVAL, "emrtd.csca_dir too long");
}

/* plugins.json was checked at apply (an object of name -> 64 hex digits); re-checked here
 * because this is where it grants something. */
static int allow_list(const char *text, char *out, size_t size, lk_err *err)
{
    cJSON *o = cJSON_Parse(text);
    int rc = cJSON_IsObject(o) ? 0 : lk_err_set(err, LK_ECORRUPT, "plugins.json is not an object");
    size_t used = 0;
    const cJSON *e;
    out[0] = '\0';
    cJSON_ArrayForEach(e, o)
    {
        uint8_t h[32];
        char hex[65];
        if (rc == 0 && (!cJSON_IsString(e) || lk_sign_unhex(e->valuestring, h, 32) != 0))
            rc = lk_err_set(err, LK_ECORRUPT, "plugins.json: %.60s is not a SHA-256", e->string);
        if (rc != 0)
            break;
        lk_sign_hex(h, 32, hex); /* lower case, whatever the admin wrote */
        if (used + (used ? 1 : 0) + 64 + 1 > size) {
            rc = lk_err_set(err, LK_EINVAL, "plugins.json lists more hashes than fit");
            break;
        }
        used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "", hex);
    }
    cJSON_Delete(o);
    return rc;
}

int lk_bundle_plugin_allow(lk_store *st, const char *state_dir, char *out, size_t size, lk_err *err)
{
    char path[1000];
    if (size)
        out[0] = '\0';
    int rc = lk_bundle_applied_path(st, state_dir, "plugins.json", "plug-in allow-list", path,
                                    sizeof path, err);
    if (rc != 0 || !path[0])
        return rc;
    char *text = lk_bundle_read_file(path, LK_BUNDLE_MANIFEST_MAX, NULL);
    if (!text)
        return errno == ENOENT
                   ? 0
                   : lk_err_set(err, LK_EIO, "plug-in allow-list %s: %s", path, strerror(errno));
    rc = allow_list(text, out, size, err);
    free(text);
    if (rc != 0 && size)
        out[0] = '\0';
    return rc;
}
