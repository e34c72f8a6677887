/* cmd_bundle: `kioskctl bundle keygen|create|sign|verify|inspect|apply|status|verify-export`:
 * the admin's tools for signed configuration bundles and the kiosk's side of applying them.
 *
 * Paths: the kiosk's state folder is $LK_STATE_DIR, else the database's folder; the pinned
 * admin public key is $LK_ADMIN_PUBKEY, else <state>/admin.pub; the kiosk's export key is
 * <state>/kiosk-export.key; recent logs come from $LK_LOG_FILE, else <state>/kiosk.log. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kctl.h"
#include "kctl_admin.h"
#include "kiosk/lk_bundle.h"
#include "kiosk/lk_config.h"

#define BUNDLE_USAGE                                                                               \
    "bundle keygen PRIV.key PUB.pub\n"                                                             \
    "       bundle create --version N [--target ID]... [--export] [--key ADMIN.key] -o OUT.lkb "   \
    "DIR\n"                                                                                        \
    "       bundle sign --key ADMIN.key FILE.lkb | verify [--pubkey PUB] FILE.lkb | inspect "      \
    "FILE.lkb\n"                                                                                   \
    "       bundle apply FILE.lkb [--export-to DIR] | status | verify-export DIR [--pubkey PUB]"

void kctl_bundle_state_dir(kctl *k, char *out, size_t size)
{
    const char *env = getenv("LK_STATE_DIR");
    if (env && *env) {
        snprintf(out, size, "%s", env);
        return;
    }
    snprintf(out, size, "%s", lk_store_pick_path(k->db, k->env_db));
    char *slash = strrchr(out, '/');
    if (!slash)
        snprintf(out, size, ".");
    else
        slash[slash == out] = '\0';
}

lk_sign_key *kctl_bundle_admin_key(kctl *k, const char *override)
{
    char path[1024], state[900];
    const char *env = getenv("LK_ADMIN_PUBKEY");
    kctl_bundle_state_dir(k, state, sizeof state);
    if (override)
        snprintf(path, sizeof path, "%s", override);
    else if (env && *env)
        snprintf(path, sizeof path, "%s", env);
    else
        snprintf(path, sizeof path, "%s/admin.pub", state);
    lk_err err = {0};
    lk_sign_key *key = lk_sign_load_public(path, &err);
    if (!key)
        kctl_error("pinned admin key: %s", err.msg);
    return key;
}

/* Value of `--name VALUE` at argv[*i], advancing *i; NULL when argv[*i] is not that option. */
static const char *opt(int argc, char **argv, int *i, const char *name)
{
    if (strcmp(argv[*i], name) != 0 || *i + 1 >= argc)
        return NULL;
    *i += 1;
    return argv[*i];
}

/* `SUB [NAME VALUE] ARG`: one positional argument and at most one option (name may be NULL).
 * 0 when it parses, else the usage exit code. */
static int arg_and_opt(int argc, char **argv, const char *name, const char **arg,
                       const char **value)
{
    const char *v;
    *arg = NULL;
    for (int i = 2; i < argc; i++) {
        if (name && (v = opt(argc, argv, &i, name)))
            *value = v;
        else if (argv[i][0] != '-' && !*arg)
            *arg = argv[i];
        else
            return kctl_usage(BUNDLE_USAGE);
    }
    return *arg ? 0 : kctl_usage(BUNDLE_USAGE);
}

static int fail_err(const char *what, const lk_err *err)
{
    kctl_error("%s: %s", what, err->msg);
    return KCTL_FAIL;
}

static int cmd_keygen(int argc, char **argv)
{
    if (argc != 4)
        return kctl_usage(BUNDLE_USAGE);
    lk_err err = {0};
    if (lk_sign_keygen(argv[2], argv[3], &err) != 0)
        return fail_err("bundle keygen", &err);
    lk_sign_key *k = lk_sign_load_public(argv[3], &err);
    uint8_t raw[32], fp[32];
    char hex[65];
    if (!k || lk_sign_public_raw(k, raw, &err) != 0) {
        lk_sign_key_free(k);
        return fail_err("bundle keygen", &err);
    }
    lk_sign_key_free(k);
    lk_sign_sha256(raw, 32, fp);
    lk_sign_hex(fp, 32, hex);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "private", argv[2]);
    cJSON_AddStringToObject(o, "public", argv[3]);
    cJSON_AddStringToObject(o, "key_sha256", hex);
    kctl_print_json(o);
    return KCTL_OK;
}

static int cmd_create(int argc, char **argv)
{
    const char *targets[LK_BUNDLE_TARGETS_MAX], *key_path = NULL, *out = NULL, *src = NULL, *v;
    lk_bundle_spec spec = {.targets = targets};
    for (int i = 2; i < argc; i++) {
        if ((v = opt(argc, argv, &i, "--version")))
            spec.version = atoll(v);
        else if ((v = opt(argc, argv, &i, "--target")) && spec.n_targets < LK_BUNDLE_TARGETS_MAX)
            targets[spec.n_targets++] = v;
        else if ((v = opt(argc, argv, &i, "--key")))
            key_path = v;
        else if ((v = opt(argc, argv, &i, "-o")))
            out = v;
        else if ((v = opt(argc, argv, &i, "--created")))
            spec.created = v;
        else if (strcmp(argv[i], "--export") == 0)
            spec.export_requested = 1;
        else if (argv[i][0] != '-' && !src)
            src = argv[i];
        else
            return kctl_usage(BUNDLE_USAGE);
    }
    if (!out || !src || spec.version < 1)
        return kctl_usage(BUNDLE_USAGE);
    lk_err err = {0};
    lk_sign_key *key = key_path ? lk_sign_load_private(key_path, &err) : NULL;
    if (key_path && !key)
        return fail_err("bundle create", &err);
    int rc = lk_bundle_create(src, &spec, key, out, &err);
    lk_sign_key_free(key);
    if (rc != 0)
        return fail_err("bundle create", &err);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "bundle", out);
    cJSON_AddNumberToObject(o, "version", (double)spec.version);
    cJSON_AddBoolToObject(o, "signed", key != NULL);
    kctl_print_json(o);
    return KCTL_OK;
}

static int cmd_sign(int argc, char **argv)
{
    int i = 2;
    const char *key_path = argc == 5 ? opt(argc, argv, &i, "--key") : NULL;
    if (!key_path)
        return kctl_usage(BUNDLE_USAGE);
    lk_err err = {0};
    lk_sign_key *key = lk_sign_load_private(key_path, &err);
    if (!key || lk_bundle_sign_file(argv[4], key, &err) != 0) {
        lk_sign_key_free(key);
        return fail_err("bundle sign", &err);
    }
    lk_sign_key_free(key);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "bundle", argv[4]);
    cJSON_AddBoolToObject(o, "signed", 1);
    kctl_print_json(o);
    return KCTL_OK;
}

static cJSON *manifest_json(const lk_bundle_manifest *m)
{
    cJSON *o = cJSON_CreateObject(), *t = cJSON_CreateArray(), *files = cJSON_CreateArray();
    cJSON_AddNumberToObject(o, "format", m->format);
    cJSON_AddNumberToObject(o, "bundle_version", (double)m->version);
    if (m->all_targets)
        cJSON_AddItemToArray(t, cJSON_CreateString("all"));
    for (int i = 0; i < m->n_targets; i++)
        cJSON_AddItemToArray(t, cJSON_CreateString(m->targets[i]));
    cJSON_AddItemToObject(o, "targets", t);
    cJSON_AddStringToObject(o, "created", m->created);
    cJSON_AddBoolToObject(o, "export", m->export_requested);
    for (int i = 0; i < m->n_files; i++) {
        cJSON *e = cJSON_CreateObject();
        char hex[65];
        lk_sign_hex(m->files[i].sha256, 32, hex);
        cJSON_AddStringToObject(e, "path", m->files[i].path);
        cJSON_AddNumberToObject(e, "size", (double)m->files[i].size);
        cJSON_AddStringToObject(e, "sha256", hex);
        cJSON_AddItemToArray(files, e);
    }
    cJSON_AddItemToObject(o, "files", files);
    return o;
}

static void print_rejection(lk_bundle_reason r, const lk_err *err, const char *step)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "valid", 0);
    cJSON_AddStringToObject(o, "reason", lk_bundle_reason_name(r));
    cJSON_AddStringToObject(o, "message", err->msg);
    if (step)
        cJSON_AddStringToObject(o, "reached", step);
    kctl_print_json(o);
}

/* verify: signature and every file hash; inspect: the manifest, signature unchecked. */
static int cmd_read(kctl *k, int argc, char **argv, int verify)
{
    const char *pub = NULL, *file = NULL;
    int usage = arg_and_opt(argc, argv, verify ? "--pubkey" : NULL, &file, &pub);
    if (usage)
        return usage;
    lk_sign_key *key = verify ? kctl_bundle_admin_key(k, pub) : NULL;
    if (verify && !key)
        return KCTL_FAIL;
    lk_err err = {0};
    FILE *f = fopen(file, "rb");
    lk_bundle_reader *rd = NULL;
    lk_bundle_reason r = !f       ? LK_BUNDLE_IO
                         : verify ? lk_bundle_open(f, key, &rd, &err)
                                  : lk_bundle_open_unverified(f, &rd, &err);
    if (!f)
        lk_err_set(&err, LK_EIO, "cannot open %s", file);
    if (r == LK_BUNDLE_OK && verify)
        r = lk_bundle_stage(rd, NULL, &err);
    if (r == LK_BUNDLE_OK) {
        cJSON *o = manifest_json(lk_bundle_reader_manifest(rd));
        cJSON_AddStringToObject(o, "manifest_sha256", lk_bundle_reader_manifest_hash(rd));
        cJSON_AddStringToObject(o, "key_id", lk_bundle_reader_key_id(rd));
        cJSON_AddBoolToObject(o, "valid", 1);
        cJSON_AddStringToObject(o, "signature", verify ? "verified" : "not checked");
        kctl_print_json(o);
    } else {
        print_rejection(r, &err, NULL);
    }
    lk_bundle_reader_free(rd);
    if (f)
        fclose(f);
    lk_sign_key_free(key);
    return r == LK_BUNDLE_OK ? KCTL_OK : KCTL_FAIL;
}

static void print_applied(const lk_bundle_result *res)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "applied", 1);
    cJSON_AddNumberToObject(o, "version", (double)res->version);
    cJSON_AddNumberToObject(o, "previous", (double)res->previous);
    cJSON_AddNumberToObject(o, "settings", res->settings);
    cJSON_AddNumberToObject(o, "records", (double)res->records);
    cJSON_AddNumberToObject(o, "files", res->files);
    cJSON_AddNumberToObject(o, "assets", res->assets);
    if (res->export_path[0])
        cJSON_AddStringToObject(o, "export", res->export_path);
    if (res->export_error[0])
        cJSON_AddStringToObject(o, "export_error", res->export_error);
    kctl_print_json(o);
}

/* The built-in strings a bundle's assets are checked against: $LK_I18N_DIR (the kiosk's
 * --assets DIR/i18n), else this build's assets/i18n, as `kioskctl diag` finds them. */
static const char *kctl_bundle_i18n_dir(void)
{
    const char *env = getenv("LK_I18N_DIR");
    return env && *env ? env : LK_I18N_DIR_DEFAULT;
}

int kctl_bundle_apply_file(kctl *k, lk_store *st, const lk_sign_key *admin, const char *file,
                           const char *export_to)
{
    char state[900], log_path[1024];
    kctl_bundle_state_dir(k, state, sizeof state);
    const char *log_env = getenv("LK_LOG_FILE");
    snprintf(log_path, sizeof log_path, "%s", log_env ? log_env : "");
    if (!log_env)
        snprintf(log_path, sizeof log_path, "%s/kiosk.log", state);
    lk_bundle_opts o = {.state_dir = state,
                        .actor = k->actor,
                        .today = k->today,
                        .export_dir = export_to,
                        .log_path = log_path,
                        .i18n_dir = kctl_bundle_i18n_dir()};
#ifdef LK_TEST_HOOKS /* never in a shipped kioskctl: see lk_bundle_opts.kill_after */
    const char *kill = getenv("LK_BUNDLE_KILL_AFTER");
    if (kill && *kill)
        o.kill_after =
            (lk_bundle_step)(lk_bundle_step_parse(kill) > 0 ? lk_bundle_step_parse(kill) : 0);
#endif
    lk_bundle_result res;
    lk_err err = {0};
    if (lk_bundle_apply(st, admin, file, &o, &res, &err) != 0) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddBoolToObject(j, "applied", 0);
        cJSON_AddStringToObject(j, "bundle", file);
        cJSON_AddStringToObject(j, "reason", lk_bundle_reason_name(res.reason));
        cJSON_AddStringToObject(j, "message", err.msg);
        cJSON_AddStringToObject(j, "reached", lk_bundle_step_name(res.reached));
        kctl_print_json(j);
        return KCTL_FAIL;
    }
    print_applied(&res);
    return KCTL_OK;
}

static int cmd_apply(kctl *k, int argc, char **argv)
{
    const char *file = NULL, *export_to = NULL;
    int usage = arg_and_opt(argc, argv, "--export-to", &file, &export_to);
    if (usage)
        return usage;
    lk_sign_key *admin = kctl_bundle_admin_key(k, NULL);
    lk_store *st = admin ? kctl_open_store(k) : NULL;
    int rc = st ? kctl_bundle_apply_file(k, st, admin, file, export_to) : KCTL_FAIL;
    lk_store_close(st);
    lk_sign_key_free(admin);
    return rc;
}

/* What the applied bundle's files change: the trust list and the plug-in allow-list. */
static void add_in_force(cJSON *o, lk_store *st, const char *state)
{
    char *conf = NULL, csca[1100], allow[LK_BUNDLE_ALLOW_MAX];
    lk_err err = {0};
    (void)lk_config_get(st, "emrtd.csca_dir", &conf, NULL, NULL);
    if (lk_bundle_csca_dir(st, state, conf, csca, sizeof csca, &err) == 0)
        cJSON_AddStringToObject(o, "csca_dir", csca);
    free(conf);
    if (lk_bundle_plugin_allow(st, state, allow, sizeof allow, &err) != 0) {
        cJSON_AddStringToObject(o, "plugin_hashes_error", err.msg);
        return;
    }
    cJSON *h = cJSON_AddArrayToObject(o, "plugin_hashes");
    for (char *p = allow; *p; p += p[64] ? 65 : 64) {
        char one[65];
        snprintf(one, sizeof one, "%.64s", p);
        cJSON_AddItemToArray(h, cJSON_CreateString(one));
    }
}

static int cmd_status(kctl *k)
{
    char state[900], dir[1100], created[32];
    lk_store *st = kctl_open_store(k);
    if (!st)
        return KCTL_FAIL;
    kctl_bundle_state_dir(k, state, sizeof state);
    lk_err err = {0};
    int64_t version = 0;
    int rc = lk_bundle_recover(st, state, &err);
    if (rc == 0)
        rc = lk_bundle_current(st, &version, created, &err);
    if (rc == 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "version", (double)version);
        cJSON_AddStringToObject(o, "created", created);
        if (lk_bundle_files_dir(st, state, dir, sizeof dir, NULL) == 0)
            cJSON_AddStringToObject(o, "files", dir);
        add_in_force(o, st, state);
        kctl_print_json(o);
    }
    lk_store_close(st);
    return rc == 0 ? KCTL_OK : fail_err("bundle status", &err);
}

static int cmd_verify_export(int argc, char **argv)
{
    const char *pub = NULL, *dir = NULL;
    int usage = arg_and_opt(argc, argv, "--pubkey", &dir, &pub);
    if (usage)
        return usage;
    lk_err err = {0};
    lk_sign_key *key = pub ? lk_sign_load_public(pub, &err) : NULL;
    if (pub && !key)
        return fail_err("bundle verify-export", &err);
    lk_bundle_export_info info;
    int rc = lk_bundle_verify_export(dir, key, &info, &err);
    lk_sign_key_free(key);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "valid", rc == 0);
    if (rc == 0) {
        cJSON_AddStringToObject(o, "kiosk_id", info.kiosk_id);
        cJSON_AddStringToObject(o, "created", info.created);
        cJSON_AddStringToObject(o, "key_sha256", info.key_sha256);
        cJSON_AddNumberToObject(o, "files", info.files);
    } else {
        cJSON_AddStringToObject(o, "reason", err.msg);
    }
    kctl_print_json(o);
    return rc == 0 ? KCTL_OK : KCTL_FAIL;
}

int kctl_cmd_bundle(kctl *k, int argc, char **argv)
{
    const char *sub = argc >= 2 ? argv[1] : "";
    if (strcmp(sub, "keygen") == 0)
        return cmd_keygen(argc, argv);
    if (strcmp(sub, "create") == 0)
        return cmd_create(argc, argv);
    if (strcmp(sub, "sign") == 0)
        return cmd_sign(argc, argv);
    if (strcmp(sub, "verify") == 0 || strcmp(sub, "inspect") == 0)
        return cmd_read(k, argc, argv, strcmp(sub, "verify") == 0);
    if (strcmp(sub, "apply") == 0)
        return cmd_apply(k, argc, argv);
    if (strcmp(sub, "status") == 0 && argc == 2)
        return cmd_status(k);
    if (strcmp(sub, "verify-export") == 0)
        return cmd_verify_export(argc, argv);
    return kctl_usage(BUNDLE_USAGE);
}
