/* lk_bundle_apply: the apply pipeline and crash recovery.
 *
 * Two things change together, the database (settings, records) and the installed files
 * (certificates, assets, plug-in hashes), and they cannot share one transaction. So the files
 * of version N go into their own folder bundles/N before the database learns of N; the SQLite
 * commit that records N is the one moment the bundle takes effect; the `current` link is
 * switched after it and lk_bundle_recover re-derives it from the database after a crash. A
 * reader asks lk_bundle_files_dir (the database's answer), never the link alone. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_import.h"
#include "lk_bundle_int.h"

static const char *const step_names[LK_BUNDLE_STEP_COUNT] = {
    "none",      "verified", "checked",   "staged",   "validated",
    "installed", "written",  "committed", "switched", "exported",
};

const char *lk_bundle_step_name(lk_bundle_step s)
{
    return (unsigned)s < LK_BUNDLE_STEP_COUNT ? step_names[s] : "unknown";
}

int lk_bundle_step_parse(const char *name)
{
    for (int i = 1; i < LK_BUNDLE_STEP_COUNT; i++)
        if (strcmp(step_names[i], name) == 0)
            return i;
    return -1;
}

/* Where each step ends. The kill hook exists so a test can prove that a power cut after any
 * step leaves the old configuration or the new one; it is compiled only into test builds
 * (CMake LK_TEST_HOOKS), so no shipped kiosk can be made to kill itself mid-apply. */
static void reached(const lk_bundle_opts *o, lk_bundle_result *res, lk_bundle_step s)
{
    res->reached = s;
#ifdef LK_TEST_HOOKS
    if (o->kill_after == s)
        raise(SIGKILL);
#else
    (void)o;
#endif
}

typedef struct apply_ctx {
    lk_store *st;
    const lk_bundle_opts *o;
    lk_bundle_result *res;
    const lk_bundle_manifest *m;
    const char *manifest_hash;
    char bundles[600], staging[700], fresh[700], final[700];
    cJSON *settings;
} apply_ctx;

int lk_bundle_current(lk_store *st, int64_t *version, char created[32], lk_err *err)
{
    sqlite3_stmt *s = NULL;
    *version = 0;
    if (created)
        created[0] = '\0';
    if (sqlite3_prepare_v2(lk_store_db(st),
                           "SELECT version, created FROM bundles_applied ORDER BY version DESC"
                           " LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK)
        return lk_store_sql_err(st, err, "read applied bundle");
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int64(s, 0);
        if (created)
            snprintf(created, 32, "%s", (const char *)sqlite3_column_text(s, 1));
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "applied bundle");
}

static lk_bundle_reason check_target(apply_ctx *a, lk_err *err)
{
    if (a->m->all_targets)
        return LK_BUNDLE_OK;
    char *id = NULL;
    if (lk_config_get(a->st, "kiosk.id", &id, NULL, NULL) != 0)
        return lk_bundle_fail(err, LK_BUNDLE_IO, "cannot read kiosk.id");
    int hit = 0;
    for (int i = 0; *id && i < a->m->n_targets; i++)
        hit |= strcmp(a->m->targets[i], id) == 0;
    lk_bundle_reason r =
        hit ? LK_BUNDLE_OK
            : lk_bundle_fail(err, LK_BUNDLE_WRONG_KIOSK, "bundle is for %s%s, this kiosk is '%s'",
                             a->m->targets[0], a->m->n_targets > 1 ? " and others" : "", id);
    free(id);
    return r;
}

static lk_bundle_reason check_version(apply_ctx *a, lk_err *err)
{
    int64_t cur = 0;
    if (lk_bundle_current(a->st, &cur, NULL, err) != 0)
        return LK_BUNDLE_IO;
    a->res->previous = cur;
    if (a->m->version <= cur)
        return lk_bundle_fail(err, LK_BUNDLE_OLD_VERSION,
                              "bundle version %lld is not newer than the applied %lld",
                              (long long)a->m->version, (long long)cur);
    return LK_BUNDLE_OK;
}

static lk_bundle_reason validate_settings(apply_ctx *a, const char *path, lk_err *err)
{
    size_t len = 0;
    char *text = lk_bundle_read_file(path, LK_BUNDLE_MANIFEST_MAX, &len);
    if (!text)
        return lk_bundle_fail(err, LK_BUNDLE_OVERSIZED, "settings.json over %u bytes",
                              LK_BUNDLE_MANIFEST_MAX);
    a->settings = cJSON_ParseWithLength(text, len);
    free(text);
    if (!cJSON_IsObject(a->settings))
        return lk_bundle_fail(err, LK_BUNDLE_BAD_VALUE, "settings.json is not a JSON object");
    const cJSON *e;
    cJSON_ArrayForEach(e, a->settings)
    {
        lk_err why = {0};
        if (!cJSON_IsString(e))
            return lk_bundle_fail(err, LK_BUNDLE_BAD_VALUE, "setting %.60s: value must be a string",
                                  e->string);
        if (lk_config_validate(e->string, e->valuestring, &why) != 0)
            return lk_bundle_fail(err,
                                  strncmp(why.msg, "unknown", 7) == 0 ? LK_BUNDLE_UNKNOWN_SETTING
                                                                      : LK_BUNDLE_BAD_VALUE,
                                  "settings.json: %s", why.msg);
    }
    return LK_BUNDLE_OK;
}

static lk_bundle_reason validate_plugins(const char *path, lk_err *err)
{
    char *text = lk_bundle_read_file(path, LK_BUNDLE_MANIFEST_MAX, NULL);
    cJSON *o = text ? cJSON_Parse(text) : NULL;
    free(text);
    lk_bundle_reason r = cJSON_IsObject(o) ? LK_BUNDLE_OK
                                           : lk_bundle_fail(err, LK_BUNDLE_BAD_VALUE,
                                                            "plugins.json is not a JSON object");
    const cJSON *e;
    uint8_t h[32];
    cJSON_ArrayForEach(e, o)
    {
        if (r == LK_BUNDLE_OK && (!cJSON_IsString(e) || lk_sign_unhex(e->valuestring, h, 32)))
            r = lk_bundle_fail(err, LK_BUNDLE_BAD_VALUE,
                               "plugins.json: %.60s is not a SHA-256 in hex", e->string);
    }
    cJSON_Delete(o);
    return r;
}

/* A CSCA file must be one X.509 certificate, PEM or DER: the NFC reader trusts what is here. */
static lk_bundle_reason validate_cert(const char *path, const char *rel, lk_err *err)
{
    FILE *f = fopen(path, "rbe");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f && !x) {
        rewind(f);
        x = d2i_X509_fp(f, NULL);
    }
    if (f)
        fclose(f);
    lk_bundle_reason r = x ? LK_BUNDLE_OK
                           : lk_bundle_fail(err, LK_BUNDLE_BAD_VALUE,
                                            "%s is not an X.509 certificate (PEM or DER)", rel);
    X509_free(x);
    return r;
}

static lk_bundle_reason validate(apply_ctx *a, lk_err *err)
{
    lk_bundle_reason r = LK_BUNDLE_OK;
    for (int i = 0; i < a->m->n_files && r == LK_BUNDLE_OK; i++) {
        const char *rel = a->m->files[i].path;
        char path[900];
        snprintf(path, sizeof path, "%s/%s", a->staging, rel);
        if (strcmp(rel, "settings.json") == 0)
            r = validate_settings(a, path, err);
        else if (strcmp(rel, "plugins.json") == 0)
            r = validate_plugins(path, err);
        else if (strncmp(rel, "csca/", 5) == 0)
            r = validate_cert(path, rel, err);
        else if (strncmp(rel, "assets/", 7) == 0) {
            r = lk_bundle_validate_asset(path, rel, a->o->i18n_dir, err);
            a->res->assets++;
        }
    }
    return r;
}

/* bundles/.new-N = bundles/<current> (hard links) + the staged files, then renamed to N. */
static lk_bundle_reason install(apply_ctx *a, lk_err *err)
{
    char cur[700];
    int64_t v = a->res->previous;
    snprintf(cur, sizeof cur, "%s/%lld", a->bundles, (long long)v);
    if (lk_bundle_remove_tree(a->fresh) != 0 || lk_bundle_remove_tree(a->final) != 0 ||
        mkdir(a->fresh, 0755) != 0 || (v > 0 && lk_bundle_link_tree(cur, a->fresh) != 0))
        return lk_bundle_fail(err, LK_BUNDLE_IO, "prepare %s: %s", a->fresh, strerror(errno));
    for (int i = 0; i < a->m->n_files; i++) {
        char from[900], to[900], dir[900];
        snprintf(from, sizeof from, "%s/%s", a->staging, a->m->files[i].path);
        snprintf(to, sizeof to, "%s/%s", a->fresh, a->m->files[i].path);
        snprintf(dir, sizeof dir, "%s", to);
        *strrchr(dir, '/') = '\0';
        if (lk_bundle_mkdirs(dir) != 0 || rename(from, to) != 0)
            return lk_bundle_fail(err, LK_BUNDLE_IO, "install %s: %s", a->m->files[i].path,
                                  strerror(errno));
    }
    int fd = open(a->fresh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ok = fd >= 0 && lk_bundle_fsync_tree(fd) == 0;
    if (fd >= 0)
        close(fd);
    if (!ok || rename(a->fresh, a->final) != 0 || lk_bundle_fsync_dir(a->bundles) != 0)
        return lk_bundle_fail(err, LK_BUNDLE_IO, "install %s: %s", a->final, strerror(errno));
    a->res->files = a->m->n_files;
    return LK_BUNDLE_OK;
}

typedef struct import_report {
    char first[200];
} import_report;

static void on_import(void *ctx, long line, int severity, const char *reason)
{
    import_report *r = ctx;
    if (severity == LK_IMPORT_ERROR && !r->first[0])
        snprintf(r->first, sizeof r->first, "line %ld: %s", line, reason);
}

static lk_bundle_reason write_records(apply_ctx *a, const char *rel, lk_err *err)
{
    char path[900];
    snprintf(path, sizeof path, "%s/%s", a->final, rel);
    import_report rep = {{0}};
    lk_import_stats stats = {0};
    lk_err why = {0};
    if (lk_import_file(a->st, path, LK_IMPORT_AUTO, a->o->actor, a->o->today, on_import, &rep,
                       &stats, &why) != 0)
        return lk_bundle_fail(err, LK_BUNDLE_IO, "%s: %s", rel, why.msg);
    if (stats.rejected > 0)
        return lk_bundle_fail(err, LK_BUNDLE_BAD_VALUE, "%s: %ld record(s) rejected, first %s", rel,
                              stats.rejected, rep.first);
    a->res->records += stats.inserted + stats.updated;
    return LK_BUNDLE_OK;
}

static int record_applied(apply_ctx *a, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(lk_store_db(a->st),
                           "INSERT INTO bundles_applied (version, manifest_sha256, created,"
                           " applied_at, actor) VALUES (?1, ?2, ?3, ?4, ?5)",
                           -1, &s, NULL) != SQLITE_OK)
        return lk_store_sql_err(a->st, err, "record bundle");
    sqlite3_bind_int64(s, 1, a->m->version);
    sqlite3_bind_text(s, 2, a->manifest_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, a->m->created, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)time(NULL));
    sqlite3_bind_text(s, 5, a->o->actor, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return lk_store_sql_err(a->st, err, "record bundle");
    char detail[400];
    snprintf(detail, sizeof detail,
             "{\"version\":%lld,\"previous\":%lld,\"manifest_sha256\":\"%s\",\"files\":%d,"
             "\"settings\":%d,\"records\":%ld}",
             (long long)a->m->version, (long long)a->res->previous, a->manifest_hash, a->m->n_files,
             a->res->settings, a->res->records);
    return lk_audit_append(a->st, a->o->actor, "bundle.apply", detail, err);
}

static lk_bundle_reason write_db(apply_ctx *a, lk_err *err)
{
    lk_bundle_reason r = LK_BUNDLE_OK;
    const cJSON *e;
    cJSON_ArrayForEach(e, a->settings)
    {
        lk_err why = {0};
        if (r == LK_BUNDLE_OK &&
            lk_config_set(a->st, e->string, e->valuestring, a->o->actor, &why) != 0)
            r = lk_bundle_fail(err, LK_BUNDLE_IO, "setting %s: %s", e->string, why.msg);
        a->res->settings += r == LK_BUNDLE_OK;
    }
    for (int i = 0; i < a->m->n_files && r == LK_BUNDLE_OK; i++)
        if (strncmp(a->m->files[i].path, "records/", 8) == 0)
            r = write_records(a, a->m->files[i].path, err);
    lk_err why = {0};
    if (r == LK_BUNDLE_OK && record_applied(a, &why) != 0)
        r = lk_bundle_fail(err, LK_BUNDLE_IO, "%s", why.msg);
    return r;
}

static int point_current(const char *bundles, int64_t version)
{
    char link_path[700], tmp[700], target[32], now[32];
    snprintf(link_path, sizeof link_path, "%s/current", bundles);
    snprintf(tmp, sizeof tmp, "%s/.current.tmp", bundles);
    snprintf(target, sizeof target, "%lld", (long long)version);
    ssize_t n = readlink(link_path, now, sizeof now - 1);
    if (n > 0 && (size_t)n == strlen(target) && memcmp(now, target, (size_t)n) == 0)
        return 0;
    unlink(tmp);
    if (symlink(target, tmp) != 0 || rename(tmp, link_path) != 0)
        return -1;
    return lk_bundle_fsync_dir(bundles);
}

/* Removes what no committed state refers to: staging, half-built versions, versions newer
 * than the database's, and versions older than the one before the current. */
static void prune(const char *bundles, int64_t current)
{
    DIR *d = opendir(bundles);
    if (!d)
        return;
    int64_t keep_prev = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long long v = atoll(e->d_name);
        if (v > 0 && v < current && v > keep_prev &&
            strspn(e->d_name, "0123456789") == strlen(e->d_name))
            keep_prev = v;
    }
    rewinddir(d);
    while ((e = readdir(d)) != NULL) {
        char p[900];
        int numeric = e->d_name[0] && strspn(e->d_name, "0123456789") == strlen(e->d_name);
        long long v = numeric ? atoll(e->d_name) : 0;
        int stale = (numeric && v != current && v != keep_prev) ||
                    strncmp(e->d_name, ".staging-", 9) == 0 || strncmp(e->d_name, ".new-", 5) == 0;
        snprintf(p, sizeof p, "%s/%s", bundles, e->d_name);
        if (stale)
            (void)lk_bundle_remove_tree(p);
    }
    closedir(d);
}

int lk_bundle_recover(lk_store *st, const char *state_dir, lk_err *err)
{
    char bundles[600], link_path[700], dir[700];
    int64_t v = 0;
    int rc = lk_bundle_current(st, &v, NULL, err);
    if (rc != 0)
        return rc;
    snprintf(bundles, sizeof bundles, "%s/bundles", state_dir);
    if (lk_bundle_mkdirs(bundles) != 0)
        return lk_err_set(err, LK_EIO, "create %s: %s", bundles, strerror(errno));
    prune(bundles, v);
    snprintf(link_path, sizeof link_path, "%s/current", bundles);
    snprintf(dir, sizeof dir, "%s/%lld", bundles, (long long)v);
    if (v == 0 || access(dir, F_OK) != 0)
        return unlink(link_path) == 0 || errno == ENOENT
                   ? 0
                   : lk_err_set(err, LK_EIO, "unlink %s", link_path);
    return point_current(bundles, v) == 0
               ? 0
               : lk_err_set(err, LK_EIO, "switch %s: %s", link_path, strerror(errno));
}

int lk_bundle_files_dir(lk_store *st, const char *state_dir, char *out, size_t size, lk_err *err)
{
    int64_t v = 0;
    int rc = lk_bundle_current(st, &v, NULL, err);
    if (rc == 0 && v == 0)
        rc = lk_err_set(err, LK_ENOENT, "no bundle applied yet");
    if (rc == 0)
        snprintf(out, size, "%s/bundles/%lld", state_dir, (long long)v);
    return rc;
}

static lk_bundle_reason run_db(apply_ctx *a, lk_err *err)
{
    lk_err why = {0};
    if (lk_store_begin(a->st, &why) != 0)
        return lk_bundle_fail(err, LK_BUNDLE_IO, "%s", why.msg);
    lk_bundle_reason r = write_db(a, err);
    if (r == LK_BUNDLE_OK) {
        reached(a->o, a->res, LK_BUNDLE_STEP_WRITTEN);
        if (lk_store_commit(a->st, &why) != 0)
            r = lk_bundle_fail(err, LK_BUNDLE_IO, "commit: %s", why.msg);
    }
    if (r != LK_BUNDLE_OK)
        lk_store_rollback(a->st);
    return r;
}

static lk_bundle_reason after_open(apply_ctx *a, lk_bundle_reader *rd, lk_err *err)
{
    lk_bundle_reason r = check_target(a, err);
    if (r == LK_BUNDLE_OK)
        r = check_version(a, err);
    if (r != LK_BUNDLE_OK)
        return r;
    reached(a->o, a->res, LK_BUNDLE_STEP_CHECKED);
    if (lk_bundle_remove_tree(a->staging) != 0 || lk_bundle_mkdirs(a->staging) != 0)
        return lk_bundle_fail(err, LK_BUNDLE_IO, "staging %s: %s", a->staging, strerror(errno));
    if ((r = lk_bundle_stage(rd, a->staging, err)) != LK_BUNDLE_OK)
        return r;
    reached(a->o, a->res, LK_BUNDLE_STEP_STAGED);
    if ((r = validate(a, err)) != LK_BUNDLE_OK)
        return r;
    reached(a->o, a->res, LK_BUNDLE_STEP_VALIDATED);
    if ((r = install(a, err)) != LK_BUNDLE_OK)
        return r;
    reached(a->o, a->res, LK_BUNDLE_STEP_INSTALLED);
    if ((r = run_db(a, err)) != LK_BUNDLE_OK)
        return r;
    reached(a->o, a->res, LK_BUNDLE_STEP_COMMITTED);
    lk_err why = {0};
    if (lk_bundle_recover(a->st, a->o->state_dir, &why) != 0)
        return lk_bundle_fail(err, LK_BUNDLE_IO, "applied, but %s", why.msg);
    reached(a->o, a->res, LK_BUNDLE_STEP_SWITCHED);
    return LK_BUNDLE_OK;
}

static void audit_rejection(lk_store *st, const char *actor, const char *path,
                            const lk_bundle_result *res, const lk_err *why)
{
    cJSON *d = cJSON_CreateObject();
    const char *base = strrchr(path, '/');
    cJSON_AddStringToObject(d, "file", base ? base + 1 : path);
    cJSON_AddStringToObject(d, "reason", lk_bundle_reason_name(res->reason));
    cJSON_AddStringToObject(d, "message", why->msg);
    cJSON_AddNumberToObject(d, "version", (double)res->version);
    char *s = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    if (s)
        (void)lk_audit_append(st, actor, "bundle.reject", s, NULL);
    free(s);
}

/* The bundle stays applied; the failed export is on record with its reason. */
static void audit_export_failure(apply_ctx *a, const char *why)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "version", (double)a->m->version);
    cJSON_AddStringToObject(d, "message", why);
    char *s = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    if (s)
        (void)lk_audit_append(a->st, a->o->actor, "bundle.export_failed", s, NULL);
    free(s);
}

static void export_if_asked(apply_ctx *a, const char *path)
{
    if (!a->m->export_requested)
        return;
    char dir[600], key[700];
    snprintf(dir, sizeof dir, "%s", a->o->export_dir ? a->o->export_dir : path);
    if (!a->o->export_dir) {
        char *slash = strrchr(dir, '/');
        if (!slash)
            snprintf(dir, sizeof dir, ".");
        else
            slash[slash == dir] = '\0';
    }
    snprintf(key, sizeof key, "%s/kiosk-export.key", a->o->state_dir);
    lk_err why = {0};
    if (lk_bundle_export(a->st, dir, key, a->o->log_path, a->res->export_path,
                         sizeof a->res->export_path, &why) != 0) {
        snprintf(a->res->export_error, sizeof a->res->export_error, "%s", why.msg);
        audit_export_failure(a, why.msg);
    } else
        reached(a->o, a->res, LK_BUNDLE_STEP_EXPORTED);
}

int lk_bundle_apply(lk_store *st, const lk_sign_key *admin, const char *path,
                    const lk_bundle_opts *opts, lk_bundle_result *res, lk_err *err)
{
    memset(res, 0, sizeof *res);
    apply_ctx a = {.st = st, .o = opts, .res = res};
    lk_err why = {0};
    if (lk_bundle_recover(st, opts->state_dir, &why) != 0) {
        res->reason = lk_bundle_fail(err, LK_BUNDLE_IO, "%s", why.msg);
        return LK_EIO;
    }
    FILE *f = fopen(path, "rbe");
    lk_bundle_reader *rd = NULL;
    lk_bundle_reason r =
        f ? lk_bundle_open(f, admin, &rd, &why)
          : lk_bundle_fail(&why, LK_BUNDLE_IO, "open %s: %s", path, strerror(errno));
    if (r == LK_BUNDLE_OK) {
        a.m = lk_bundle_reader_manifest(rd);
        a.manifest_hash = lk_bundle_reader_manifest_hash(rd);
        res->version = a.m->version;
        reached(opts, res, LK_BUNDLE_STEP_VERIFIED);
        snprintf(a.bundles, sizeof a.bundles, "%s/bundles", opts->state_dir);
        snprintf(a.staging, sizeof a.staging, "%s/.staging-%lld", a.bundles,
                 (long long)a.m->version);
        snprintf(a.fresh, sizeof a.fresh, "%s/.new-%lld", a.bundles, (long long)a.m->version);
        snprintf(a.final, sizeof a.final, "%s/%lld", a.bundles, (long long)a.m->version);
        r = after_open(&a, rd, &why);
        (void)lk_bundle_remove_tree(a.staging);
    }
    res->reason = r;
    if (r != LK_BUNDLE_OK && r != LK_BUNDLE_IO)
        audit_rejection(st, opts->actor, path, res, &why);
    if (r != LK_BUNDLE_OK)
        (void)lk_bundle_recover(st, opts->state_dir, NULL);
    else
        export_if_asked(&a, path);
    cJSON_Delete(a.settings);
    lk_bundle_reader_free(rd);
    if (f)
        fclose(f);
    if (err)
        *err = why;
    return r == LK_BUNDLE_OK ? 0 : (why.code ? why.code : LK_EINVAL);
}
