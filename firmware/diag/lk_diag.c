/* lk_diag: the built-in probes, the self-test runner and the counters report. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_bundle.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_diag.h"

static void set(lk_device_state *s, lk_device_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set(lk_device_state *s, lk_device_status st, const char *fmt, ...)
{
    va_list ap;
    s->status = st;
    va_start(ap, fmt);
    vsnprintf(s->reason, sizeof s->reason, fmt, ap);
    va_end(ap);
}

/* Below 10 % or 500 MB the journal and exports still fit but not for long; below 2 % or
 * 50 MB a print job or a bundle may not. */
static void probe_disk(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)ctx;
    struct statvfs v;
    if (statvfs(env->state_dir, &v) != 0) {
        set(s, LK_DEVICE_FAULT, "cannot read free space of %s", env->state_dir);
        return;
    }
    double total = (double)v.f_blocks * v.f_frsize, avail = (double)v.f_bavail * v.f_frsize;
    double pct = total > 0 ? 100.0 * avail / total : 0;
    cJSON_AddStringToObject(d, "path", env->state_dir);
    cJSON_AddNumberToObject(d, "free_bytes", avail);
    cJSON_AddNumberToObject(d, "total_bytes", total);
    cJSON_AddNumberToObject(d, "free_percent", (double)(long)(pct * 10) / 10);
    if (pct < 2 || avail < 50e6)
        set(s, LK_DEVICE_FAULT, "%.1f%% (%.0f MB) free", pct, avail / 1e6);
    else if (pct < 10 || avail < 500e6)
        set(s, LK_DEVICE_WARNING, "only %.1f%% (%.0f MB) free", pct, avail / 1e6);
    else
        set(s, LK_DEVICE_NORMAL, "%.1f%% free", pct);
}

static int integrity(lk_store *st, const char *pragma, char *first, size_t size)
{
    sqlite3_stmt *q = NULL;
    int ok = 0;
    snprintf(first, size, "cannot run %s", pragma);
    if (sqlite3_prepare_v2(lk_store_db(st), pragma, -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(q, 0);
        ok = r && strcmp(r, "ok") == 0;
        snprintf(first, size, "%s", r ? r : "");
    }
    sqlite3_finalize(q);
    return ok;
}

static void probe_database(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)ctx;
    char first[160];
    int ok = integrity(env->st, "PRAGMA quick_check", first, sizeof first);
    cJSON_AddStringToObject(d, "check", "quick_check");
    cJSON_AddNumberToObject(d, "schema_version", LK_STORE_SCHEMA_VERSION);
    if (ok)
        set(s, LK_DEVICE_NORMAL, "integrity ok");
    else
        set(s, LK_DEVICE_FAULT, "integrity: %s", first);
}

static void probe_audit(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)ctx;
    lk_audit_verdict v = {0};
    lk_err err = {0};
    int rc = lk_audit_verify(env->st, &v, &err);
    cJSON_AddNumberToObject(d, "rows", (double)v.rows);
    if (rc == 0)
        set(s, LK_DEVICE_NORMAL, "chain intact (%lld rows)", (long long)v.rows);
    else if (rc == LK_ECORRUPT) {
        cJSON_AddNumberToObject(d, "bad_seq", (double)v.bad_seq);
        set(s, LK_DEVICE_FAULT, "chain broken at row %lld: %s", (long long)v.bad_seq, v.reason);
    } else
        set(s, LK_DEVICE_UNKNOWN, "cannot verify: %s", err.msg);
}

/* A kiosk that lost its clock prints wrong dates and refuses valid service cards. */
static void probe_clock(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)ctx;
    time_t t = (time_t)env->now;
    struct tm utc, local;
    char u[32], l[40];
    gmtime_r(&t, &utc);
    localtime_r(&t, &local);
    strftime(u, sizeof u, "%Y-%m-%dT%H:%M:%SZ", &utc);
    strftime(l, sizeof l, "%Y-%m-%dT%H:%M:%S%z", &local);
    cJSON_AddStringToObject(d, "utc", u);
    cJSON_AddStringToObject(d, "local", l);
    if (utc.tm_year + 1900 < 2025)
        set(s, LK_DEVICE_FAULT, "clock reads %s: not set", u);
    else
        set(s, LK_DEVICE_NORMAL, "%s", u);
}

static void probe_software(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)ctx;
    cJSON_AddStringToObject(d, "version", env->software_version ? env->software_version : "");
    cJSON_AddNumberToObject(d, "schema_version", LK_STORE_SCHEMA_VERSION);
    cJSON_AddStringToObject(d, "sqlite", sqlite3_libversion());
    cJSON_AddStringToObject(d, "openssl", OpenSSL_version(OPENSSL_VERSION));
    set(s, LK_DEVICE_NORMAL, "licensekiosk %s", env->software_version ? env->software_version : "");
}

static void probe_config(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)ctx;
    int64_t version = 0;
    char created[32], *id = NULL;
    lk_err err = {0};
    if (lk_bundle_current(env->st, &version, created, &err) != 0 ||
        lk_config_get(env->st, "kiosk.id", &id, NULL, &err) != 0) {
        set(s, LK_DEVICE_UNKNOWN, "%s", err.msg);
        return;
    }
    cJSON_AddNumberToObject(d, "bundle_version", (double)version);
    cJSON_AddStringToObject(d, "bundle_created", created);
    cJSON_AddStringToObject(d, "kiosk_id", id);
    if (!*id)
        set(s, LK_DEVICE_WARNING, "kiosk.id is not set: targeted bundles will be refused");
    else if (version == 0)
        set(s, LK_DEVICE_NORMAL, "no bundle applied yet (embedded defaults)");
    else
        set(s, LK_DEVICE_NORMAL, "bundle %lld of %s", (long long)version, created);
    free(id);
}

static const lk_diag_probe builtin_probes[] = {
    {"disk", probe_disk, NULL, 0},         {"database", probe_database, NULL, 0},
    {"audit", probe_audit, NULL, 0},       {"clock", probe_clock, NULL, 0},
    {"software", probe_software, NULL, 0}, {"configuration", probe_config, NULL, 0},
};

size_t lk_diag_builtin_probes(const lk_diag_probe **out)
{
    *out = builtin_probes;
    return sizeof builtin_probes / sizeof builtin_probes[0];
}

static void probe_placeholder(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)env;
    (void)d;
    set(s, LK_DEVICE_UNKNOWN, "%s", ctx ? (const char *)ctx : "not in this build");
}

lk_diag_probe lk_diag_placeholder(const char *name, const char *why)
{
    return (lk_diag_probe){name, probe_placeholder, (void *)why, 0};
}

static void port_state(const char *backend, int rc, lk_device_state *s, cJSON *d)
{
    char reason[sizeof s->reason];
    cJSON_AddStringToObject(d, "backend", backend);
    if (rc != 0) {
        set(s, LK_DEVICE_UNKNOWN, "%s port gives no state", backend);
        return;
    }
    snprintf(reason, sizeof reason, "%s",
             s->reason[0]                    ? s->reason
             : s->status == LK_DEVICE_NORMAL ? "ready"
                                             : "");
    if (strcmp(backend, "sim") == 0)
        snprintf(s->reason, sizeof s->reason, "simulated: %.100s", reason);
    else
        snprintf(s->reason, sizeof s->reason, "%s", reason);
}

static void probe_reader_port(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)env;
    lk_docreader *r = ctx;
    port_state(r->ops->name, r->ops->state(r, s), s, d);
}

static void probe_camera_port(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)env;
    lk_cam *c = ctx;
    port_state(c->ops->name, c->ops->state(c, s), s, d);
}

static void probe_printer_port(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    (void)env;
    lk_prn *p = ctx;
    port_state(p->ops->name, p->ops->state(p, s), s, d);
}

lk_diag_probe lk_diag_reader_probe(const char *name, lk_docreader *r)
{
    return (lk_diag_probe){name, probe_reader_port, r, 0};
}

lk_diag_probe lk_diag_camera_probe(lk_cam *c)
{
    return (lk_diag_probe){"camera", probe_camera_port, c, 0};
}

lk_diag_probe lk_diag_printer_probe(lk_prn *p)
{
    return (lk_diag_probe){"printer", probe_printer_port, p, 0};
}

static int severity(lk_device_status s)
{
    static const int rank[] = {
        [LK_DEVICE_NORMAL] = 0,  [LK_DEVICE_DISABLED] = 0, [LK_DEVICE_BUSY] = 1,
        [LK_DEVICE_UNKNOWN] = 2, [LK_DEVICE_WARNING] = 3,  [LK_DEVICE_FAULT] = 4,
    };
    return (unsigned)s < sizeof rank / sizeof rank[0] ? rank[s] : 2;
}

cJSON *lk_diag_status(const lk_diag_env *env, const lk_diag_probe *probes, size_t n)
{
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    lk_device_status worst = LK_DEVICE_NORMAL;
    for (size_t i = 0; i < n; i++) {
        lk_device_state st = {LK_DEVICE_UNKNOWN, ""};
        cJSON *p = cJSON_CreateObject(), *detail = cJSON_CreateObject();
        probes[i].run(probes[i].ctx, env, &st, detail);
        cJSON_AddStringToObject(p, "name", probes[i].name);
        cJSON_AddStringToObject(p, "status", lk_device_status_name(st.status));
        cJSON_AddStringToObject(p, "reason", st.reason);
        cJSON_AddItemToObject(p, "detail", detail);
        cJSON_AddItemToArray(arr, p);
        if (severity(st.status) > severity(worst))
            worst = st.status;
    }
    cJSON_AddStringToObject(o, "overall", lk_device_status_name(worst));
    cJSON_AddItemToObject(o, "probes", arr);
    return o;
}

/* --- self-tests --- */

static int st_database(void *ctx, const lk_diag_env *env, cJSON *r)
{
    (void)ctx;
    char first[160];
    int ok = integrity(env->st, "PRAGMA integrity_check", first, sizeof first);
    cJSON_AddStringToObject(r, "integrity_check", first);
    return ok;
}

static int st_audit(void *ctx, const lk_diag_env *env, cJSON *r)
{
    (void)ctx;
    lk_audit_verdict v = {0};
    int rc = lk_audit_verify(env->st, &v, NULL);
    cJSON_AddNumberToObject(r, "rows", (double)v.rows);
    if (rc != 0)
        cJSON_AddStringToObject(r, "problem", v.reason[0] ? v.reason : "cannot verify");
    return rc == 0;
}

/* Write, fsync, read back and remove a file where the kiosk keeps its data. */
static int st_disk_write(void *ctx, const lk_diag_env *env, cJSON *r)
{
    (void)ctx;
    char path[600], back[64] = "";
    static const char probe[] = "licensekiosk self-test\n";
    snprintf(path, sizeof path, "%s/.selftest-%ld", env->state_dir, (long)getpid());
    FILE *f = fopen(path, "w+");
    int ok = f && fputs(probe, f) >= 0 && fflush(f) == 0 && fsync(fileno(f)) == 0 &&
             fseek(f, 0, SEEK_SET) == 0 && fgets(back, sizeof back, f) && strcmp(back, probe) == 0;
    if (f)
        fclose(f);
    remove(path);
    cJSON_AddStringToObject(r, "path", env->state_dir);
    return ok;
}

static int st_clock(void *ctx, const lk_diag_env *env, cJSON *r)
{
    (void)ctx;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    time_t t = (time_t)env->now;
    struct tm utc;
    gmtime_r(&t, &utc);
    cJSON_AddNumberToObject(r, "year", utc.tm_year + 1900);
    return utc.tm_year + 1900 >= 2025 &&
           (b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
}

static const lk_diag_selftest builtin_tests[] = {
    {"database", "full SQLite integrity check", st_database, NULL, 0},
    {"audit", "walk the audit hash chain", st_audit, NULL, 0},
    {"disk-write", "write, fsync, read back a file in the data folder", st_disk_write, NULL, 0},
    {"clock", "wall clock set, monotonic clock advancing", st_clock, NULL, 0},
};

size_t lk_diag_builtin_selftests(const lk_diag_selftest **out)
{
    *out = builtin_tests;
    return sizeof builtin_tests / sizeof builtin_tests[0];
}

static const char *const all_names[] = {
    "database",      "audit",     "disk-write",       "clock",         "usb-enumerate", "test-card",
    "capture-frame", "test-page", "calibration-page", "voice-prompts",
};

size_t lk_diag_selftest_names(const char *const **out)
{
    *out = all_names;
    return sizeof all_names / sizeof all_names[0];
}

static void audit_selftest(const lk_diag_env *env, const char *actor, const char *name,
                           const char *outcome)
{
    char detail[160];
    snprintf(detail, sizeof detail, "{\"name\":\"%s\",\"outcome\":\"%s\"}", name, outcome);
    (void)lk_audit_append(env->st, actor && *actor ? actor : "diag", "diag.selftest", detail, NULL);
}

cJSON *lk_diag_selftest_begin(const lk_diag_selftest *tests, size_t n, const char *name,
                              const lk_diag_selftest **test)
{
    const char *const *names = NULL;
    size_t known = lk_diag_selftest_names(&names), i = 0;
    *test = NULL;
    while (i < known && strcmp(names[i], name) != 0)
        i++;
    if (i == known)
        return NULL;
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "name", name);
    for (i = 0; i < n && strcmp(tests[i].name, name) != 0; i++)
        ;
    if (i == n) {
        cJSON_AddBoolToObject(r, "available", 0);
        cJSON_AddStringToObject(r, "reason", "not available in this build");
        return r;
    }
    *test = &tests[i];
    cJSON_AddBoolToObject(r, "available", 1);
    cJSON_AddStringToObject(r, "about", tests[i].about);
    return r;
}

void lk_diag_selftest_finish(const lk_diag_env *env, cJSON *result, const char *actor, int passed)
{
    const cJSON *name = cJSON_GetObjectItem(result, "name");
    const char *n = cJSON_IsString(name) ? name->valuestring : "";
    if (cJSON_IsFalse(cJSON_GetObjectItem(result, "available"))) {
        audit_selftest(env, actor, n, "not-available");
        return;
    }
    cJSON_AddBoolToObject(result, "passed", passed);
    audit_selftest(env, actor, n, passed ? "passed" : "failed");
}

cJSON *lk_diag_selftest_run(const lk_diag_env *env, const lk_diag_selftest *tests, size_t n,
                            const char *name, const char *actor, int *passed)
{
    const lk_diag_selftest *t = NULL;
    cJSON *r = lk_diag_selftest_begin(tests, n, name, &t);
    *passed = 0;
    if (!r)
        return NULL;
    if (t)
        *passed = t->run(t->ctx, env, r) == 1;
    lk_diag_selftest_finish(env, r, actor, *passed);
    return r;
}

const char *lk_diag_worst(const char *a, const char *b)
{
    static const char *const order[] = {"fault", "warning", "unknown", "busy"};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if ((a && strcmp(a, order[i]) == 0) || (b && strcmp(b, order[i]) == 0))
            return order[i];
    return "normal";
}

cJSON *lk_diag_log_tail(const char *path, int n)
{
    cJSON *arr = cJSON_CreateArray();
    FILE *f = path && *path ? fopen(path, "rb") : NULL;
    if (!arr || !f)
        return arr;
    n = n < 1 ? 1 : n > LK_DIAG_LOG_MAX_LINES ? LK_DIAG_LOG_MAX_LINES : n;
    char *buf = malloc(LK_DIAG_LOG_TAIL_BYTES + 1);
    long from = 0;
    size_t len = 0;
    if (buf && fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        from = size > LK_DIAG_LOG_TAIL_BYTES ? size - LK_DIAG_LOG_TAIL_BYTES : 0;
        if (fseek(f, from, SEEK_SET) == 0)
            len = fread(buf, 1, LK_DIAG_LOG_TAIL_BYTES, f);
    }
    fclose(f);
    if (!buf)
        return arr;
    buf[len] = '\0';
    /* Complete lines only: skip a first line the window cut, and a last one still being
     * written (no newline yet). */
    char *start = buf, *end = buf + len;
    if (from > 0 && (start = memchr(buf, '\n', len)) != NULL)
        start++;
    else if (from > 0)
        start = end;
    while (end > start && end[-1] != '\n')
        end--;
    int total = 0;
    for (char *p = start; p < end; p++)
        total += *p == '\n';
    for (char *p = start; p < end; total--) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        *nl = '\0';
        if (total <= n)
            cJSON_AddItemToArray(arr, cJSON_CreateString(p));
        p = nl + 1;
    }
    free(buf);
    return arr;
}
