/* lk_bundle_export: what a bundle may ask the kiosk to hand back on the stick: statistics
 * (CSV), the audit log with its chain MACs and head, and recent log lines, in one new folder
 * whose manifest the kiosk signs with its own key. The folder appears complete or not at all
 * (built under a dot-name, then renamed). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <openssl/evp.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_config.h"
#include "lk_bundle_int.h"

#define EXPORT_MANIFEST "export.json"
#define EXPORT_SIG      "export.sig"
#define EXPORT_PUB      "kiosk.pub"
#define LOG_TAIL_BYTES  (1u << 20)

static int csv_field(FILE *f, const char *s)
{
    /* Counter names are the kiosk's own, but quote anyway: CSV readers are unforgiving. */
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    return fputc('"', f) == EOF ? -1 : 0;
}

static int write_stats(lk_store *st, FILE *f, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    fputs("scope,day,name,value\n", f);
    if (sqlite3_prepare_v2(lk_store_db(st),
                           "SELECT 'total', '', name, value FROM counters UNION ALL"
                           " SELECT 'day', day, name, value FROM counter_days"
                           " ORDER BY 1 DESC, 2, 3",
                           -1, &s, NULL) != SQLITE_OK)
        return lk_store_sql_err(st, err, "read statistics");
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        fprintf(f, "%s,%s,", (const char *)sqlite3_column_text(s, 0),
                (const char *)sqlite3_column_text(s, 1));
        csv_field(f, (const char *)sqlite3_column_text(s, 2));
        fprintf(f, ",%lld\n", (long long)sqlite3_column_int64(s, 3));
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "read statistics");
}

static void add_hex(cJSON *o, const char *name, const void *blob, int n)
{
    char hex[129] = "";
    if (blob && n > 0 && n <= 64)
        lk_sign_hex(blob, (size_t)n, hex);
    cJSON_AddStringToObject(o, name, hex);
}

static int audit_line(FILE *f, sqlite3_stmt *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "seq", (double)sqlite3_column_int64(s, 0));
    cJSON_AddNumberToObject(o, "ts", (double)sqlite3_column_int64(s, 1));
    cJSON_AddStringToObject(o, "actor", (const char *)sqlite3_column_text(s, 2));
    cJSON_AddStringToObject(o, "event", (const char *)sqlite3_column_text(s, 3));
    const char *detail = (const char *)sqlite3_column_text(s, 4);
    cJSON_AddStringToObject(o, "detail", detail ? detail : "");
    add_hex(o, "prev_mac", sqlite3_column_blob(s, 5), sqlite3_column_bytes(s, 5));
    add_hex(o, "mac", sqlite3_column_blob(s, 6), sqlite3_column_bytes(s, 6));
    char *line = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    int rc = line && fprintf(f, "%s\n", line) > 0 ? 0 : -1;
    free(line);
    return rc;
}

/* Rows, then the head: with the kiosk secret, `kioskctl audit verify`'s walk can be redone
 * from this file alone. */
static int write_audit(lk_store *st, FILE *f, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(lk_store_db(st),
                           "SELECT seq, ts, actor, event, detail, prev_mac, mac FROM audit"
                           " ORDER BY seq",
                           -1, &s, NULL) != SQLITE_OK)
        return lk_store_sql_err(st, err, "read audit");
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (audit_line(f, s) != 0)
            break;
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return lk_store_sql_err(st, err, "read audit");
    if (sqlite3_prepare_v2(lk_store_db(st), "SELECT seq, mac, tag FROM audit_head", -1, &s, NULL) !=
        SQLITE_OK)
        return lk_store_sql_err(st, err, "read audit head");
    if (sqlite3_step(s) == SQLITE_ROW) {
        cJSON *o = cJSON_CreateObject(), *h = cJSON_AddObjectToObject(o, "head");
        cJSON_AddNumberToObject(h, "seq", (double)sqlite3_column_int64(s, 0));
        add_hex(h, "mac", sqlite3_column_blob(s, 1), sqlite3_column_bytes(s, 1));
        add_hex(h, "tag", sqlite3_column_blob(s, 2), sqlite3_column_bytes(s, 2));
        char *line = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (line)
            fprintf(f, "%s\n", line);
        free(line);
    }
    sqlite3_finalize(s);
    return 0;
}

typedef int (*producer)(lk_store *st, FILE *f, lk_err *err);

static int produce(lk_store *st, const char *dir, const char *name, producer fn, lk_err *err)
{
    char *buf = NULL, path[900];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    int rc = fn(st, f, err);
    if (fclose(f) != 0 && rc == 0)
        rc = lk_err_set(err, LK_ENOMEM, "out of memory");
    lk_bundle_fmt(path, sizeof path, "%s/%s", dir, name);
    if (rc == 0 && lk_bundle_write_file(path, buf, len, 0644) != 0)
        rc = lk_err_set(err, LK_EIO, "write %s: %s", path, strerror(errno));
    free(buf);
    return rc;
}

static int hash_path(const char *path, uint64_t *size, char hex[65])
{
    size_t len = 0;
    char *data = lk_bundle_read_file(path, LK_BUNDLE_FILE_MAX, &len);
    if (!data)
        return -1;
    uint8_t d[32];
    lk_sign_sha256(data, len, d);
    lk_sign_hex(d, 32, hex);
    *size = len;
    free(data);
    return 0;
}

static const char *const export_files[] = {"stats.csv", "audit.jsonl", "logs.txt"};
#define N_EXPORT_FILES (sizeof export_files / sizeof export_files[0])

static char *export_manifest(lk_store *st, const char *dir, const char *kiosk_id,
                             const char *created, const uint8_t pub[32])
{
    cJSON *o = cJSON_CreateObject();
    int64_t version = 0;
    (void)lk_bundle_current(st, &version, NULL, NULL);
    cJSON_AddNumberToObject(o, "format", 1);
    cJSON_AddStringToObject(o, "kiosk_id", kiosk_id);
    cJSON_AddStringToObject(o, "created", created);
    cJSON_AddNumberToObject(o, "bundle_version", (double)version);
    add_hex(o, "public_key", pub, 32);
    cJSON *files = cJSON_AddArrayToObject(o, "files");
    for (size_t i = 0; i < N_EXPORT_FILES; i++) {
        char path[900], hex[65];
        uint64_t size = 0;
        lk_bundle_fmt(path, sizeof path, "%s/%s", dir, export_files[i]);
        if (hash_path(path, &size, hex) != 0) {
            cJSON_Delete(o);
            return NULL;
        }
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "path", export_files[i]);
        cJSON_AddNumberToObject(e, "size", (double)size);
        cJSON_AddStringToObject(e, "sha256", hex);
        cJSON_AddItemToArray(files, e);
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static int sign_export(lk_store *st, const char *tmp, const char *key_path, const char *kiosk_id,
                       const char *created, lk_err *err)
{
    lk_sign_key *key = lk_sign_load_or_create(key_path, err);
    if (!key)
        return err ? err->code : LK_EIO;
    uint8_t pub[32], sig[LK_SIGN_LEN];
    char path[900];
    char *manifest = NULL;
    int rc = lk_sign_public_raw(key, pub, err);
    if (rc == 0 && !(manifest = export_manifest(st, tmp, kiosk_id, created, pub)))
        rc = lk_err_set(err, LK_EIO, "hash the exported files");
    if (rc == 0)
        rc = lk_sign_sign(key, LK_SIGN_CTX_EXPORT, manifest, strlen(manifest), sig, err);
    lk_bundle_fmt(path, sizeof path, "%s/" EXPORT_MANIFEST, tmp);
    if (rc == 0 && lk_bundle_write_file(path, manifest, strlen(manifest), 0644) != 0)
        rc = lk_err_set(err, LK_EIO, "write %s", path);
    lk_bundle_fmt(path, sizeof path, "%s/" EXPORT_SIG, tmp);
    if (rc == 0 && lk_bundle_write_file(path, sig, sizeof sig, 0644) != 0)
        rc = lk_err_set(err, LK_EIO, "write %s", path);
    lk_bundle_fmt(path, sizeof path, "%s/" EXPORT_PUB, tmp);
    if (rc == 0)
        rc = lk_sign_write_public(key, path, err);
    free(manifest);
    lk_sign_key_free(key);
    return rc;
}

static int build(lk_store *st, const char *tmp, const char *key_path, const char *log_path,
                 const char *kiosk_id, const char *created, lk_err *err)
{
    char logs[900];
    lk_bundle_fmt(logs, sizeof logs, "%s/logs.txt", tmp);
    int rc = produce(st, tmp, "stats.csv", write_stats, err);
    if (rc == 0)
        rc = produce(st, tmp, "audit.jsonl", write_audit, err);
    if (rc == 0 && lk_bundle_copy_tail(log_path, logs, LOG_TAIL_BYTES) != 0)
        rc = lk_err_set(err, LK_EIO, "copy recent logs to %s", logs);
    if (rc == 0)
        rc = sign_export(st, tmp, key_path, kiosk_id, created, err);
    return rc;
}

/* Test builds only: LK_BUNDLE_EXPORT_ERRNO=EROFS makes the export folder fail to be created as
 * on a read-only stick, for machines where no read-only mount can be made. */
static int export_errno_hook(void)
{
#ifdef LK_TEST_HOOKS
    const char *e = getenv("LK_BUNDLE_EXPORT_ERRNO");
    if (e && strcmp(e, "EROFS") == 0) {
        errno = EROFS;
        return -1;
    }
#endif
    return 0;
}

/* Why nothing could be written: a read-only stick is the common case and is said plainly. */
static int unwritable(const char *dir, const char *tmp, int e, lk_err *err)
{
    if (e == EROFS)
        return lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, e,
                                 "stick is read-only: export needs a writable volume (%s)", dir);
    if (e == EACCES || e == EPERM)
        return lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, e,
                                 "export folder %s is not writable: %s", dir, strerror(e));
    return lk_err_set_native(err, LK_EIO, LK_ERR_DOMAIN_ERRNO, e, "create %s: %s", tmp,
                             strerror(e));
}

int lk_bundle_export(lk_store *st, const char *dir, const char *key_path, const char *log_path,
                     char *path_out, size_t path_size, lk_err *err)
{
    char *id = NULL, created[32], stamp[32], tmp[900], final[900];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    if (lk_config_get(st, "kiosk.id", &id, NULL, err) != 0)
        return LK_EDB;
    const char *name = *id ? id : "kiosk";
    lk_bundle_fmt(final, sizeof final, "%s/lk-export-%s-%s", dir, name, stamp);
    lk_bundle_fmt(tmp, sizeof tmp, "%s/.lk-export-%s-%s.tmp", dir, name, stamp);
    int rc = 0;
    (void)lk_bundle_remove_tree(tmp);
    if (export_errno_hook() != 0 || mkdir(tmp, 0755) != 0)
        rc = unwritable(dir, tmp, errno, err);
    if (rc == 0)
        rc = build(st, tmp, key_path, log_path, name, created, err);
    if (rc == 0 &&
        (lk_bundle_fsync_dir(tmp) != 0 || rename(tmp, final) != 0 || lk_bundle_fsync_dir(dir) != 0))
        rc = lk_err_set(err, LK_EIO, "publish %s: %s", final, strerror(errno));
    if (rc != 0)
        (void)lk_bundle_remove_tree(tmp);
    else {
        char detail[1000];
        snprintf(detail, sizeof detail, "{\"folder\":\"%s\"}", strrchr(final, '/') + 1);
        rc = lk_audit_append(st, "kiosk", "bundle.export", detail, err);
        lk_bundle_fmt(path_out, path_size, "%s", final);
    }
    free(id);
    return rc;
}

/* --- verifying --- */

static int verify_files(const char *dir, const cJSON *files, lk_err *err)
{
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, files)
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "path");
        const cJSON *sz = cJSON_GetObjectItemCaseSensitive(e, "size");
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(e, "sha256");
        if (!cJSON_IsString(p) || !cJSON_IsNumber(sz) || !cJSON_IsString(h) ||
            strchr(p->valuestring, '/') || p->valuestring[0] == '.')
            return lk_err_set(err, LK_ECORRUPT, "export manifest: bad file entry");
        char path[1200], hex[65];
        uint64_t size = 0;
        lk_bundle_fmt(path, sizeof path, "%s/%s", dir, p->valuestring);
        if (hash_path(path, &size, hex) != 0)
            return lk_err_set(err, LK_ECORRUPT, "%s: missing or unreadable", p->valuestring);
        if ((double)size != sz->valuedouble || strcmp(hex, h->valuestring) != 0)
            return lk_err_set(err, LK_ECORRUPT, "%s: tampered with (size or SHA-256 differs)",
                              p->valuestring);
        n++;
    }
    return n;
}

static int listed(const cJSON *files, const char *name)
{
    static const char *const own[] = {EXPORT_MANIFEST, EXPORT_SIG, EXPORT_PUB};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(name, own[i]) == 0)
            return 1;
    const cJSON *e;
    cJSON_ArrayForEach(e, files)
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "path");
        if (cJSON_IsString(p) && strcmp(p->valuestring, name) == 0)
            return 1;
    }
    return 0;
}

static int no_extra(const char *dir, const cJSON *files, lk_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return lk_err_set(err, LK_EIO, "open %s", dir);
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !listed(files, e->d_name))
            rc = lk_err_set(err, LK_ECORRUPT, "%.100s: not part of the signed export", e->d_name);
    closedir(d);
    return rc;
}

static int check_signed(const char *dir, const cJSON *m, const char *text, const uint8_t *sig,
                        size_t sig_len, const lk_sign_key *expected, lk_bundle_export_info *info,
                        lk_err *err)
{
    const cJSON *pk = cJSON_GetObjectItemCaseSensitive(m, "public_key");
    uint8_t raw[32], want[32], fp[32];
    if (!cJSON_IsString(pk) || lk_sign_unhex(pk->valuestring, raw, 32) != 0)
        return lk_err_set(err, LK_ECORRUPT, "export manifest: no public_key");
    if (expected && (lk_sign_public_raw(expected, want, err) != 0 || memcmp(want, raw, 32)))
        return lk_err_set(err, LK_EBADSIG, "bad signature: signed by another kiosk's key");
    lk_sign_key *k = lk_sign_from_raw_public(raw, err);
    if (!k)
        return LK_ECORRUPT;
    int rc = lk_sign_verify(k, LK_SIGN_CTX_EXPORT, text, strlen(text), sig, sig_len, err);
    lk_sign_key_free(k);
    if (rc != 0)
        return rc;
    lk_sign_sha256(raw, 32, fp);
    lk_sign_hex(fp, 32, info->key_sha256);
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(m, "files");
    if ((rc = verify_files(dir, files, err)) < 0 || (info->files = rc, no_extra(dir, files, err)))
        return err ? err->code : LK_ECORRUPT;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "kiosk_id");
    const cJSON *cr = cJSON_GetObjectItemCaseSensitive(m, "created");
    snprintf(info->kiosk_id, sizeof info->kiosk_id, "%s",
             cJSON_IsString(id) ? id->valuestring : "");
    snprintf(info->created, sizeof info->created, "%s", cJSON_IsString(cr) ? cr->valuestring : "");
    return 0;
}

int lk_bundle_verify_export(const char *dir, const lk_sign_key *expected,
                            lk_bundle_export_info *info, lk_err *err)
{
    char path[900];
    size_t sig_len = 0, len = 0;
    memset(info, 0, sizeof *info);
    lk_bundle_fmt(path, sizeof path, "%s/" EXPORT_MANIFEST, dir);
    char *text = lk_bundle_read_file(path, LK_BUNDLE_MANIFEST_MAX, &len);
    lk_bundle_fmt(path, sizeof path, "%s/" EXPORT_SIG, dir);
    char *sig = lk_bundle_read_file(path, 128, &sig_len);
    cJSON *m = text && strlen(text) == len ? cJSON_Parse(text) : NULL;
    int rc = 0;
    if (!text || !sig)
        rc = lk_err_set(err, LK_ENOENT, "%s: no " EXPORT_MANIFEST " and " EXPORT_SIG, dir);
    else if (!cJSON_IsObject(m))
        rc = lk_err_set(err, LK_ECORRUPT, "export manifest is not JSON");
    else
        rc = check_signed(dir, m, text, (const uint8_t *)sig, sig_len, expected, info, err);
    cJSON_Delete(m);
    free(text);
    free(sig);
    return rc;
}

/* --- finding bundles --- */

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int lk_bundle_scan(const char *dir, lk_bundle_found_cb cb, void *ctx, lk_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return lk_err_set(err, errno == ENOENT ? LK_ENOENT : LK_EIO, "open %s: %s", dir,
                          strerror(errno));
    char *names[256];
    int n = 0;
    struct dirent *e;
    while (n < 256 && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 4 && e->d_name[0] != '.' && strcmp(e->d_name + l - 4, ".lkb") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_name);
    int found = 0, stop = 0;
    for (int i = 0; i < n; i++) {
        char path[1200];
        struct stat sb;
        lk_bundle_fmt(path, sizeof path, "%s/%s", dir, names[i] ? names[i] : "");
        if (!stop && names[i] && lstat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
            found++;
            stop = cb ? cb(ctx, path) : 0;
        }
        free(names[i]);
    }
    return found;
}

int lk_bundle_mounted(const char *mount_point)
{
    struct stat sb, up;
    char parent[1100];
    if (!mount_point || !*mount_point || stat(mount_point, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return 0;
    if (lk_bundle_fmt(parent, sizeof parent, "%s/..", mount_point) == 0 && stat(parent, &up) == 0 &&
        up.st_dev != sb.st_dev)
        return 1; /* a file system of its own: mounted, even if the stick is empty */
    DIR *d = opendir(mount_point);
    int any = 0;
    struct dirent *e;
    while (d && !any && (e = readdir(d)) != NULL)
        any = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return any;
}

int lk_bundle_on_usb_event(lk_usb_event_kind kind, const lk_usb_device *dev,
                           const char *mount_point, lk_bundle_found_cb cb, void *ctx, lk_err *err)
{
    if (kind != LK_USB_ARRIVED || !dev || !dev->mass_storage)
        return 0;
    /* An empty folder is the mount point before the OS has mounted the stick on it. */
    if (!lk_bundle_mounted(mount_point))
        return lk_err_set(err, LK_ENOENT, "nothing mounted at %s yet",
                          mount_point && *mount_point ? mount_point : "(no usb.mount_point)");
    return lk_bundle_scan(mount_point, cb, ctx, err);
}
