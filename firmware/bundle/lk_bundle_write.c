/* lk_bundle_write: building and signing bundles (the admin's side, through kioskctl). The
 * writer refuses what the reader would refuse, so an admin learns of a bad path at creation
 * rather than at the kiosk. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "lk_bundle_int.h"

typedef struct file_list {
    char (*paths)[LK_BUNDLE_PATH_MAX + 1];
    int n;
} file_list;

static int collect(const char *root, const char *rel, file_list *fl, lk_err *err)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *d = opendir(dir);
    if (!d)
        return lk_err_set(err, LK_EIO, "open %s: %s", dir, strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char sub[LK_BUNDLE_PATH_MAX + 1], full[1200];
        if (snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name) >=
            (int)sizeof sub) {
            rc = lk_err_set(err, LK_EINVAL, "%s/%s: path too long", rel, e->d_name);
            break;
        }
        snprintf(full, sizeof full, "%s/%s", root, sub);
        struct stat sb;
        if (lstat(full, &sb) != 0)
            rc = lk_err_set(err, LK_EIO, "stat %s", full);
        else if (S_ISDIR(sb.st_mode))
            rc = collect(root, sub, fl, err);
        else if (!S_ISREG(sb.st_mode))
            rc = lk_err_set(err, LK_EINVAL, "%s: only regular files go into a bundle", sub);
        else if (fl->n >= LK_BUNDLE_FILES_MAX)
            rc = lk_err_set(err, LK_EINVAL, "more than %d files", LK_BUNDLE_FILES_MAX);
        else if (lk_bundle_check_path(sub, err) != LK_BUNDLE_OK)
            rc = LK_EINVAL;
        else
            snprintf(fl->paths[fl->n++], sizeof fl->paths[0], "%s", sub);
    }
    closedir(d);
    return rc;
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int hash_file(const char *path, uint64_t *size, char hex[65])
{
    FILE *f = fopen(path, "rbe");
    if (!f)
        return -1;
    unsigned char buf[65536], digest[32];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    size_t n;
    *size = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        EVP_DigestUpdate(md, buf, n);
        *size += n;
    }
    int bad = ferror(f);
    fclose(f);
    EVP_DigestFinal_ex(md, digest, NULL);
    EVP_MD_CTX_free(md);
    lk_sign_hex(digest, 32, hex);
    return bad ? -1 : 0;
}

static void now_utc(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *build_manifest(const char *src, const file_list *fl, const lk_bundle_spec *spec,
                            lk_err *err)
{
    char created[32];
    if (spec->created)
        snprintf(created, sizeof created, "%s", spec->created);
    else
        now_utc(created);
    cJSON *o = cJSON_CreateObject(), *t = cJSON_AddArrayToObject(o, "targets");
    cJSON *files = NULL;
    cJSON_AddNumberToObject(o, "format", LK_BUNDLE_FORMAT);
    cJSON_AddNumberToObject(o, "bundle_version", (double)spec->version);
    for (int i = 0; i < spec->n_targets; i++)
        cJSON_AddItemToArray(t, cJSON_CreateString(spec->targets[i]));
    if (spec->n_targets == 0)
        cJSON_AddItemToArray(t, cJSON_CreateString("all"));
    cJSON_AddStringToObject(o, "created", created);
    cJSON_AddBoolToObject(o, "export", spec->export_requested);
    files = cJSON_AddArrayToObject(o, "files");
    for (int i = 0; i < fl->n; i++) {
        char full[1200], hex[65];
        uint64_t size = 0;
        snprintf(full, sizeof full, "%s/%s", src, fl->paths[i]);
        if (hash_file(full, &size, hex) != 0) {
            lk_err_set(err, LK_EIO, "read %s", full);
            cJSON_Delete(o);
            return NULL;
        }
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "path", fl->paths[i]);
        cJSON_AddNumberToObject(e, "size", (double)size);
        cJSON_AddStringToObject(e, "sha256", hex);
        cJSON_AddItemToArray(files, e);
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s)
        lk_err_set(err, LK_ENOMEM, "out of memory");
    return s;
}

static int append_file(FILE *out, const char *src, const char *rel)
{
    char full[1200], buf[65536];
    snprintf(full, sizeof full, "%s/%s", src, rel);
    FILE *f = fopen(full, "rbe");
    struct stat sb;
    if (!f || fstat(fileno(f), &sb) != 0 ||
        lk_bundle_write_header(out, rel, (uint64_t)sb.st_size)) {
        if (f)
            fclose(f);
        return -1;
    }
    size_t n;
    uint64_t total = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && fwrite(buf, 1, n, out) == n)
        total += n;
    fclose(f);
    return total == (uint64_t)sb.st_size ? 0 : -1;
}

/* manifest.sig: the key id of `key`, then its signature of the manifest. */
static int make_sig(const lk_sign_key *key, const char *manifest, size_t len,
                    uint8_t sig[LK_BUNDLE_SIG_LEN], lk_err *err)
{
    char id[2 * LK_BUNDLE_KEY_ID_LEN + 1];
    if (lk_bundle_key_id(key, id, err) != 0 || lk_sign_unhex(id, sig, LK_BUNDLE_KEY_ID_LEN) != 0 ||
        lk_sign_sign(key, LK_SIGN_CTX_BUNDLE, manifest, len, sig + LK_BUNDLE_KEY_ID_LEN, err) != 0)
        return LK_EIO;
    return 0;
}

static int write_bundle(FILE *out, const char *src, const file_list *fl, const char *manifest,
                        const lk_sign_key *key, lk_err *err)
{
    uint8_t sig[LK_BUNDLE_SIG_LEN] = {0}; /* all zero: unsigned */
    size_t len = strlen(manifest);
    if (len > LK_BUNDLE_MANIFEST_MAX)
        return lk_err_set(err, LK_EINVAL, "manifest over %u bytes", LK_BUNDLE_MANIFEST_MAX);
    if (key && make_sig(key, manifest, len, sig, err) != 0)
        return LK_EIO;
    if (fwrite(LK_BUNDLE_MAGIC, 1, 8, out) != 8 ||
        lk_bundle_write_header(out, LK_BUNDLE_MANIFEST_NAME, len) != 0 ||
        fwrite(manifest, 1, len, out) != len ||
        lk_bundle_write_header(out, LK_BUNDLE_SIG_NAME, LK_BUNDLE_SIG_LEN) != 0 ||
        fwrite(sig, 1, LK_BUNDLE_SIG_LEN, out) != LK_BUNDLE_SIG_LEN)
        return lk_err_set(err, LK_EIO, "write bundle");
    for (int i = 0; i < fl->n; i++)
        if (append_file(out, src, fl->paths[i]) != 0)
            return lk_err_set(err, LK_EIO, "%s changed or unreadable while bundling", fl->paths[i]);
    return 0;
}

int lk_bundle_create(const char *src_dir, const lk_bundle_spec *spec, const lk_sign_key *key,
                     const char *out_path, lk_err *err)
{
    if (spec->version < 1)
        return lk_err_set(err, LK_EINVAL, "bundle version must be >= 1");
    file_list fl = {calloc(LK_BUNDLE_FILES_MAX, sizeof *fl.paths), 0};
    if (!fl.paths)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    char *manifest = NULL, tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
    int rc = collect(src_dir, "", &fl, err);
    if (rc == 0) {
        qsort(fl.paths, (size_t)fl.n, sizeof fl.paths[0], cmp_path);
        manifest = build_manifest(src_dir, &fl, spec, err);
        rc = manifest ? 0 : LK_EIO;
    }
    FILE *out = rc == 0 ? fopen(tmp, "wbe") : NULL;
    if (rc == 0 && !out)
        rc = lk_err_set(err, LK_EIO, "create %s: %s", tmp, strerror(errno));
    if (rc == 0)
        rc = write_bundle(out, src_dir, &fl, manifest, key, err);
    if (out && fclose(out) != 0 && rc == 0)
        rc = lk_err_set(err, LK_EIO, "write %s", tmp);
    if (rc == 0 && rename(tmp, out_path) != 0)
        rc = lk_err_set(err, LK_EIO, "rename to %s: %s", out_path, strerror(errno));
    if (rc != 0 && out)
        unlink(tmp);
    free(manifest);
    free(fl.paths);
    return rc;
}

/* The container up to the signature: returns the manifest (malloc'd) and leaves f positioned
 * at the signature bytes. */
static char *read_to_signature(FILE *f, size_t *len)
{
    char magic[8], name[LK_BUNDLE_PATH_MAX + 1], *manifest = NULL;
    uint64_t size = 0;
    if (lk_bundle_read_exact(f, magic, 8) != 0 || memcmp(magic, LK_BUNDLE_MAGIC, 8) != 0 ||
        lk_bundle_read_header(f, name, &size) != 0 || strcmp(name, LK_BUNDLE_MANIFEST_NAME) ||
        size > LK_BUNDLE_MANIFEST_MAX || !(manifest = malloc(size + 1)))
        return NULL;
    *len = (size_t)size;
    if (lk_bundle_read_exact(f, manifest, *len) != 0 ||
        lk_bundle_read_header(f, name, &size) != 0 || strcmp(name, LK_BUNDLE_SIG_NAME) ||
        size != LK_BUNDLE_SIG_LEN) {
        free(manifest);
        return NULL;
    }
    return manifest;
}

int lk_bundle_sign_file(const char *path, const lk_sign_key *key, lk_err *err)
{
    FILE *f = fopen(path, "r+be");
    if (!f)
        return lk_err_set(err, LK_EIO, "open %s: %s", path, strerror(errno));
    size_t len = 0;
    uint8_t sig[LK_BUNDLE_SIG_LEN];
    char *manifest = read_to_signature(f, &len);
    int rc = manifest
                 ? 0
                 : lk_err_set(err, LK_EINVAL,
                              "%s: not a format-%d bundle (manifest, then key id and signature)",
                              path, LK_BUNDLE_FORMAT);
    long at = rc == 0 ? ftell(f) : -1;
    if (rc == 0 && make_sig(key, manifest, len, sig, err) != 0)
        rc = LK_EIO;
    if (rc == 0 &&
        (fseek(f, at, SEEK_SET) != 0 || fwrite(sig, 1, LK_BUNDLE_SIG_LEN, f) != LK_BUNDLE_SIG_LEN ||
         fflush(f) != 0 || fsync(fileno(f)) != 0))
        rc = lk_err_set(err, LK_EIO, "write signature into %s", path);
    if (fclose(f) != 0 && rc == 0)
        rc = lk_err_set(err, LK_EIO, "close %s", path);
    free(manifest);
    return rc;
}
