/* lk_bundle_read: the bundle container and manifest, read defensively: every length is capped
 * before anything is allocated, the signature is checked before the manifest is parsed, and
 * every file is hashed as it streams past, so nothing unverified is ever acted upon. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "kiosk/lk_bundle.h"
#include "lk_bundle_int.h"

struct lk_bundle_reader {
    FILE *f;
    lk_bundle_manifest *m;
    char manifest_hash[65];
    char key_id[2 * LK_BUNDLE_KEY_ID_LEN + 1];
};

static const char *const reason_names[] = {
    [LK_BUNDLE_OK] = "ok",
    [LK_BUNDLE_MALFORMED] = "malformed",
    [LK_BUNDLE_BAD_SIGNATURE] = "bad-signature",
    [LK_BUNDLE_UNKNOWN_KEY] = "unknown-key",
    [LK_BUNDLE_WRONG_KIOSK] = "wrong-kiosk",
    [LK_BUNDLE_OLD_VERSION] = "older-or-equal-version",
    [LK_BUNDLE_PATH_TRAVERSAL] = "path-traversal",
    [LK_BUNDLE_ABSOLUTE_PATH] = "absolute-path",
    [LK_BUNDLE_BAD_PATH] = "bad-path",
    [LK_BUNDLE_OVERSIZED] = "oversized",
    [LK_BUNDLE_TAMPERED] = "tampered-file",
    [LK_BUNDLE_UNKNOWN_SETTING] = "unknown-setting",
    [LK_BUNDLE_BAD_VALUE] = "bad-value",
    [LK_BUNDLE_IO] = "io-error",
};

const char *lk_bundle_reason_name(lk_bundle_reason r)
{
    if ((unsigned)r >= sizeof reason_names / sizeof reason_names[0])
        return "unknown";
    return reason_names[r];
}

lk_bundle_reason lk_bundle_fail(lk_err *err, lk_bundle_reason r, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        char msg[sizeof err->msg];
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        int code = r == LK_BUNDLE_BAD_SIGNATURE || r == LK_BUNDLE_UNKNOWN_KEY   ? LK_EBADSIG
                   : r == LK_BUNDLE_OLD_VERSION                                 ? LK_EVERSION
                   : r == LK_BUNDLE_IO                                          ? LK_EIO
                   : r == LK_BUNDLE_TAMPERED                                    ? LK_ECORRUPT
                   : r == LK_BUNDLE_UNKNOWN_SETTING || r == LK_BUNDLE_BAD_VALUE ? LK_ECONFIG
                                                                                : LK_EINVAL;
        lk_err_set(err, code, "%s: %s", lk_bundle_reason_name(r), msg);
    }
    return r;
}

static const char *const roles[] = {"settings.json", "plugins.json", "records/", "csca/",
                                    "assets/"};

static int has_role(const char *path)
{
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        size_t n = strlen(roles[i]);
        if (roles[i][n - 1] == '/' ? strncmp(path, roles[i], n) == 0 && path[n] != '\0'
                                   : strcmp(path, roles[i]) == 0)
            return 1;
    }
    return 0;
}

lk_bundle_reason lk_bundle_check_path(const char *path, lk_err *err)
{
    size_t len = strlen(path);
    if (len == 0 || len > LK_BUNDLE_PATH_MAX)
        return lk_bundle_fail(err, LK_BUNDLE_BAD_PATH, "path of %zu bytes (1..%d)", len,
                              LK_BUNDLE_PATH_MAX);
    if (path[0] == '/')
        return lk_bundle_fail(err, LK_BUNDLE_ABSOLUTE_PATH, "'%s' is absolute", path);
    for (const char *c = path; *c;) {
        size_t n = strcspn(c, "/");
        if ((n == 2 && c[0] == '.' && c[1] == '.'))
            return lk_bundle_fail(err, LK_BUNDLE_PATH_TRAVERSAL, "'%s' climbs out with '..'", path);
        if (n == 0 || (n == 1 && c[0] == '.') || c[0] == '.')
            return lk_bundle_fail(err, LK_BUNDLE_BAD_PATH,
                                  "'%s' has an empty, '.' or hidden component", path);
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)c[i];
            if (!(ch == '.' || ch == '_' || ch == '-' || (ch >= '0' && ch <= '9') ||
                  (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')))
                return lk_bundle_fail(err, LK_BUNDLE_BAD_PATH,
                                      "'%.60s' has a character outside [A-Za-z0-9._-]", path);
        }
        c += n + (c[n] == '/');
        if (c[-1] == '/' && *c == '\0')
            return lk_bundle_fail(err, LK_BUNDLE_BAD_PATH, "'%s' ends with '/'", path);
    }
    if (!has_role(path))
        return lk_bundle_fail(err, LK_BUNDLE_BAD_PATH,
                              "'%s' is not settings.json, plugins.json, records/, csca/ or "
                              "assets/",
                              path);
    return LK_BUNDLE_OK;
}

void lk_bundle_manifest_free(lk_bundle_manifest *m)
{
    if (!m)
        return;
    free(m->files);
    free(m);
}

static int only_fields(const cJSON *o, const char *const *names, size_t n, const char **bad)
{
    for (const cJSON *c = o->child; c; c = c->next) {
        size_t i = 0;
        while (i < n && strcmp(c->string, names[i]) != 0)
            i++;
        if (i == n) {
            *bad = c->string;
            return 0;
        }
    }
    return 1;
}

/* An integer that JSON carried exactly (doubles hold integers up to 2^53 exactly). */
static int get_uint(const cJSON *o, const char *name, uint64_t max, uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9007199254740992.0 ||
        v->valuedouble != (double)(uint64_t)v->valuedouble || (uint64_t)v->valuedouble > max)
        return -1;
    *out = (uint64_t)v->valuedouble;
    return 0;
}

static int valid_created(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(s) != sizeof shape - 1)
        return 0;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return 0;
    return 1;
}

static int valid_kiosk_id(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 64 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789._-") == n;
}

static lk_bundle_reason parse_targets(const cJSON *t, lk_bundle_manifest *m, lk_err *err)
{
    int n = cJSON_GetArraySize(t);
    if (!cJSON_IsArray(t) || n < 1 || n > LK_BUNDLE_TARGETS_MAX)
        return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "targets: 1..%d strings",
                              LK_BUNDLE_TARGETS_MAX);
    const cJSON *e;
    cJSON_ArrayForEach(e, t)
    {
        if (!cJSON_IsString(e))
            return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "targets: not a string");
        if (strcmp(e->valuestring, "all") == 0) {
            m->all_targets = 1;
            continue;
        }
        if (!valid_kiosk_id(e->valuestring))
            return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "targets: bad kiosk id");
        snprintf(m->targets[m->n_targets++], sizeof m->targets[0], "%s", e->valuestring);
    }
    if (m->all_targets && m->n_targets > 0)
        return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "targets: \"all\" with kiosk ids");
    return LK_BUNDLE_OK;
}

static lk_bundle_reason parse_entry(const cJSON *e, lk_bundle_entry *out, uint64_t *total,
                                    lk_err *err)
{
    static const char *const fields[] = {"path", "size", "sha256"};
    const char *bad = NULL;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "path");
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(e, "sha256");
    if (!cJSON_IsObject(e) || !only_fields(e, fields, 3, &bad) || !cJSON_IsString(p) ||
        !cJSON_IsString(h))
        return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "files: entry needs path, size, sha256%s%s",
                              bad ? "; unknown field " : "", bad ? bad : "");
    lk_bundle_reason r = lk_bundle_check_path(p->valuestring, err);
    if (r != LK_BUNDLE_OK)
        return r;
    snprintf(out->path, sizeof out->path, "%s", p->valuestring);
    if (get_uint(e, "size", UINT64_MAX, &out->size) != 0)
        return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "%s: size is not a whole number",
                              out->path);
    if (out->size > LK_BUNDLE_FILE_MAX)
        return lk_bundle_fail(err, LK_BUNDLE_OVERSIZED, "%s: %llu bytes, limit %llu", out->path,
                              (unsigned long long)out->size,
                              (unsigned long long)LK_BUNDLE_FILE_MAX);
    *total += out->size;
    if (*total > LK_BUNDLE_TOTAL_MAX)
        return lk_bundle_fail(err, LK_BUNDLE_OVERSIZED, "files total over %llu bytes",
                              (unsigned long long)LK_BUNDLE_TOTAL_MAX);
    if (lk_sign_unhex(h->valuestring, out->sha256, 32) != 0)
        return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "%s: sha256 is not 64 hex digits",
                              out->path);
    return LK_BUNDLE_OK;
}

static lk_bundle_reason parse_files(const cJSON *fl, lk_bundle_manifest *m, lk_err *err)
{
    int n = cJSON_GetArraySize(fl);
    if (!cJSON_IsArray(fl) || n > LK_BUNDLE_FILES_MAX)
        return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "files: an array of at most %d",
                              LK_BUNDLE_FILES_MAX);
    m->files = calloc((size_t)n + 1, sizeof *m->files);
    if (!m->files)
        return lk_bundle_fail(err, LK_BUNDLE_IO, "out of memory");
    uint64_t total = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, fl)
    {
        lk_bundle_reason r = parse_entry(e, &m->files[m->n_files], &total, err);
        if (r != LK_BUNDLE_OK)
            return r;
        for (int j = 0; j < m->n_files; j++)
            if (strcmp(m->files[j].path, m->files[m->n_files].path) == 0)
                return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "%s: listed twice",
                                      m->files[j].path);
        m->n_files++;
    }
    return LK_BUNDLE_OK;
}

static lk_bundle_reason parse_root(const cJSON *o, lk_bundle_manifest *m, lk_err *err)
{
    static const char *const fields[] = {"format",  "bundle_version", "targets",
                                         "created", "export",         "files"};
    const char *bad = NULL;
    if (!cJSON_IsObject(o))
        return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "manifest is not a JSON object");
    if (!only_fields(o, fields, sizeof fields / sizeof fields[0], &bad))
        return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "manifest: unknown field '%.40s'", bad);
    uint64_t fmt = 0, ver = 0;
    if (get_uint(o, "format", 1000, &fmt) != 0 || fmt != LK_BUNDLE_FORMAT)
        return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "manifest: format must be %d",
                              LK_BUNDLE_FORMAT);
    if (get_uint(o, "bundle_version", (uint64_t)1 << 52, &ver) != 0 || ver == 0)
        return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "manifest: bundle_version >= 1");
    m->format = (int)fmt;
    m->version = (int64_t)ver;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "created");
    if (!cJSON_IsString(c) || !valid_created(c->valuestring))
        return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "manifest: created YYYY-MM-DDTHH:MM:SSZ");
    snprintf(m->created, sizeof m->created, "%s", c->valuestring);
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, "export");
    if (x && !cJSON_IsBool(x))
        return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "manifest: export is true or false");
    m->export_requested = cJSON_IsTrue(x);
    lk_bundle_reason r = parse_targets(cJSON_GetObjectItemCaseSensitive(o, "targets"), m, err);
    if (r == LK_BUNDLE_OK)
        r = parse_files(cJSON_GetObjectItemCaseSensitive(o, "files"), m, err);
    return r;
}

lk_bundle_reason lk_bundle_manifest_parse(const char *json, size_t len, lk_bundle_manifest **out,
                                          lk_err *err)
{
    *out = NULL;
    if (len > LK_BUNDLE_MANIFEST_MAX)
        return lk_bundle_fail(err, LK_BUNDLE_OVERSIZED, "manifest over %u bytes",
                              LK_BUNDLE_MANIFEST_MAX);
    const char *end = NULL;
    cJSON *o = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (!o)
        return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "manifest is not JSON");
    lk_bundle_manifest *m = calloc(1, sizeof *m);
    lk_bundle_reason r = m ? parse_root(o, m, err) : lk_bundle_fail(err, LK_BUNDLE_IO, "no memory");
    cJSON_Delete(o);
    if (r != LK_BUNDLE_OK) {
        lk_bundle_manifest_free(m);
        return r;
    }
    *out = m;
    return LK_BUNDLE_OK;
}

/* --- the container --- */

int lk_bundle_read_exact(FILE *f, void *buf, size_t n)
{
    return n == 0 || fread(buf, 1, n, f) == n ? 0 : -1;
}

/* Reads one member header: 0, 1 at a clean end of file, -1 on a broken header. */
int lk_bundle_read_header(FILE *f, char name[LK_BUNDLE_PATH_MAX + 1], uint64_t *size)
{
    unsigned char h[8];
    int c = getc(f);
    if (c == EOF)
        return 1;
    h[0] = (unsigned char)c;
    if (lk_bundle_read_exact(f, h + 1, 1) != 0)
        return -1;
    size_t n = (size_t)h[0] << 8 | h[1];
    if (n == 0 || n > LK_BUNDLE_PATH_MAX || lk_bundle_read_exact(f, name, n) != 0 ||
        memchr(name, '\0', n) || lk_bundle_read_exact(f, h, 8) != 0)
        return -1;
    name[n] = '\0';
    *size = 0;
    for (int i = 0; i < 8; i++)
        *size = *size << 8 | h[i];
    return 0;
}

/* The manifest and its signature member (key id, then signature), raw: read before anything is
 * parsed. */
static lk_bundle_reason read_front(FILE *f, char **manifest, size_t *len,
                                   uint8_t sig[LK_BUNDLE_SIG_LEN], lk_err *err)
{
    char magic[8], name[LK_BUNDLE_PATH_MAX + 1];
    uint64_t size = 0;
    if (lk_bundle_read_exact(f, magic, 8) != 0 || memcmp(magic, LK_BUNDLE_MAGIC, 8) != 0)
        return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "not a bundle (no %s magic)",
                              LK_BUNDLE_MAGIC);
    if (lk_bundle_read_header(f, name, &size) != 0 || strcmp(name, LK_BUNDLE_MANIFEST_NAME) != 0)
        return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "first member is not %s",
                              LK_BUNDLE_MANIFEST_NAME);
    if (size > LK_BUNDLE_MANIFEST_MAX)
        return lk_bundle_fail(err, LK_BUNDLE_OVERSIZED, "manifest of %llu bytes, limit %u",
                              (unsigned long long)size, LK_BUNDLE_MANIFEST_MAX);
    *manifest = malloc(size + 1);
    if (!*manifest)
        return lk_bundle_fail(err, LK_BUNDLE_IO, "out of memory");
    *len = (size_t)size;
    if (lk_bundle_read_exact(f, *manifest, *len) != 0)
        return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "truncated manifest");
    (*manifest)[*len] = '\0';
    if (lk_bundle_read_header(f, name, &size) != 0 || strcmp(name, LK_BUNDLE_SIG_NAME) != 0)
        return lk_bundle_fail(err, LK_BUNDLE_MALFORMED, "second member is not %s",
                              LK_BUNDLE_SIG_NAME);
    if (size != LK_BUNDLE_SIG_LEN || lk_bundle_read_exact(f, sig, LK_BUNDLE_SIG_LEN) != 0)
        return lk_bundle_fail(
            err, LK_BUNDLE_MALFORMED, "%s of %llu bytes, format %d has %d (key id, signature)%s",
            LK_BUNDLE_SIG_NAME, (unsigned long long)size, LK_BUNDLE_FORMAT, LK_BUNDLE_SIG_LEN,
            size == LK_SIGN_LEN ? ": a format-1 bundle, re-create it" : "");
    return LK_BUNDLE_OK;
}

int lk_bundle_key_id(const lk_sign_key *k, char hex[2 * LK_BUNDLE_KEY_ID_LEN + 1], lk_err *err)
{
    uint8_t raw[LK_SIGN_PUB_LEN], id[32];
    int rc = lk_sign_public_raw(k, raw, err);
    if (rc != 0)
        return rc;
    lk_sign_sha256(raw, sizeof raw, id);
    lk_sign_hex(id, LK_BUNDLE_KEY_ID_LEN, hex);
    return 0;
}

static int all_zero(const uint8_t *b, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= b[i];
    return acc == 0;
}

/* Key id first: a bundle for another admin key is told apart from a forged or edited one. */
static lk_bundle_reason check_signature(const lk_sign_key *admin, const char *manifest, size_t len,
                                        const uint8_t sig[LK_BUNDLE_SIG_LEN], lk_err *err)
{
    char want[2 * LK_BUNDLE_KEY_ID_LEN + 1], got[2 * LK_BUNDLE_KEY_ID_LEN + 1];
    if (!admin)
        return lk_bundle_fail(err, LK_BUNDLE_BAD_SIGNATURE,
                              "no pinned admin key to check the signature with");
    if (all_zero(sig, LK_BUNDLE_SIG_LEN))
        return lk_bundle_fail(err, LK_BUNDLE_BAD_SIGNATURE, "the bundle is unsigned");
    lk_err why = {0};
    if (lk_bundle_key_id(admin, want, &why) != 0)
        return lk_bundle_fail(err, LK_BUNDLE_IO, "pinned admin key: %s", why.msg);
    lk_sign_hex(sig, LK_BUNDLE_KEY_ID_LEN, got);
    if (strcmp(want, got) != 0)
        return lk_bundle_fail(err, LK_BUNDLE_UNKNOWN_KEY,
                              "signed by key %.16s..., not the pinned admin key %.16s...", got,
                              want);
    if (lk_sign_verify(admin, LK_SIGN_CTX_BUNDLE, manifest, len, sig + LK_BUNDLE_KEY_ID_LEN,
                       LK_SIGN_LEN, NULL) != 0)
        return lk_bundle_fail(err, LK_BUNDLE_BAD_SIGNATURE,
                              "names the pinned admin key %.16s... but its signature does not "
                              "verify (manifest edited or signature forged)",
                              want);
    return LK_BUNDLE_OK;
}

static lk_bundle_reason open_reader(FILE *f, const lk_sign_key *admin, int verify,
                                    lk_bundle_reader **out, lk_err *err)
{
    *out = NULL;
    char *manifest = NULL;
    size_t len = 0;
    uint8_t sig[LK_BUNDLE_SIG_LEN], digest[32];
    lk_bundle_manifest *m = NULL;
    lk_bundle_reason r = read_front(f, &manifest, &len, sig, err);
    if (r == LK_BUNDLE_OK && verify)
        r = check_signature(admin, manifest, len, sig, err);
    if (r == LK_BUNDLE_OK)
        r = lk_bundle_manifest_parse(manifest, len, &m, err);
    lk_bundle_reader *rd = r == LK_BUNDLE_OK ? calloc(1, sizeof *rd) : NULL;
    if (r == LK_BUNDLE_OK && !rd)
        r = lk_bundle_fail(err, LK_BUNDLE_IO, "out of memory");
    if (r == LK_BUNDLE_OK) {
        lk_sign_sha256(manifest, len, digest);
        lk_sign_hex(digest, 32, rd->manifest_hash);
        lk_sign_hex(sig, LK_BUNDLE_KEY_ID_LEN, rd->key_id);
        rd->f = f;
        rd->m = m;
        *out = rd;
    } else {
        lk_bundle_manifest_free(m);
    }
    free(manifest);
    return r;
}

lk_bundle_reason lk_bundle_open(FILE *f, const lk_sign_key *admin, lk_bundle_reader **out,
                                lk_err *err)
{
    return open_reader(f, admin, 1, out, err);
}

lk_bundle_reason lk_bundle_open_unverified(FILE *f, lk_bundle_reader **out, lk_err *err)
{
    return open_reader(f, NULL, 0, out, err);
}

const char *lk_bundle_reader_key_id(const lk_bundle_reader *r)
{
    return r->key_id;
}

const lk_bundle_manifest *lk_bundle_reader_manifest(const lk_bundle_reader *r)
{
    return r->m;
}

const char *lk_bundle_reader_manifest_hash(const lk_bundle_reader *r)
{
    return r->manifest_hash;
}

void lk_bundle_reader_free(lk_bundle_reader *r)
{
    if (!r)
        return;
    lk_bundle_manifest_free(r->m);
    free(r);
}

/* Creates the parent folders of rel inside dir, and opens rel for writing (never following a
 * link, never replacing a file). dirfd-relative, so nothing outside dir can be reached. */
static int open_staged(int dirfd, const char *rel)
{
    char buf[LK_BUNDLE_PATH_MAX + 1];
    snprintf(buf, sizeof buf, "%s", rel);
    for (char *s = strchr(buf, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (mkdirat(dirfd, buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return openat(dirfd, rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
}

static lk_bundle_reason copy_member(lk_bundle_reader *r, const lk_bundle_entry *e, int out,
                                    lk_err *err)
{
    unsigned char buf[65536], digest[32];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        return lk_bundle_fail(err, LK_BUNDLE_IO, "SHA-256 unavailable");
    }
    lk_bundle_reason rs = LK_BUNDLE_OK;
    for (uint64_t left = e->size; left > 0 && rs == LK_BUNDLE_OK;) {
        size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
        if (lk_bundle_read_exact(r->f, buf, n) != 0)
            rs = lk_bundle_fail(err, LK_BUNDLE_TAMPERED, "%s: truncated", e->path);
        else if (out >= 0 && write(out, buf, n) != (ssize_t)n)
            rs = lk_bundle_fail(err, LK_BUNDLE_IO, "%s: write: %s", e->path, strerror(errno));
        EVP_DigestUpdate(md, buf, n);
        left -= n;
    }
    EVP_DigestFinal_ex(md, digest, NULL);
    EVP_MD_CTX_free(md);
    if (rs == LK_BUNDLE_OK && memcmp(digest, e->sha256, 32) != 0)
        rs = lk_bundle_fail(err, LK_BUNDLE_TAMPERED, "%s: SHA-256 differs from the manifest",
                            e->path);
    if (rs == LK_BUNDLE_OK && out >= 0 && fsync(out) != 0)
        rs = lk_bundle_fail(err, LK_BUNDLE_IO, "%s: fsync: %s", e->path, strerror(errno));
    return rs;
}

static lk_bundle_reason stage_one(lk_bundle_reader *r, const lk_bundle_entry *e, int dirfd,
                                  lk_err *err)
{
    char name[LK_BUNDLE_PATH_MAX + 1];
    uint64_t size = 0;
    int h = lk_bundle_read_header(r->f, name, &size);
    if (h != 0)
        return lk_bundle_fail(err, LK_BUNDLE_TAMPERED, "%s: missing from the bundle", e->path);
    if (strcmp(name, e->path) != 0)
        return lk_bundle_fail(err, LK_BUNDLE_TAMPERED, "member '%.60s' where the manifest says %s",
                              name, e->path);
    if (size != e->size)
        return lk_bundle_fail(err, size > e->size ? LK_BUNDLE_OVERSIZED : LK_BUNDLE_TAMPERED,
                              "%s: %llu bytes, the manifest says %llu", e->path,
                              (unsigned long long)size, (unsigned long long)e->size);
    int out = dirfd >= 0 ? open_staged(dirfd, e->path) : -1;
    if (dirfd >= 0 && out < 0)
        return lk_bundle_fail(err, LK_BUNDLE_BAD_PATH, "%s: cannot stage: %s", e->path,
                              strerror(errno));
    lk_bundle_reason rs = copy_member(r, e, out, err);
    if (out >= 0)
        close(out);
    return rs;
}

lk_bundle_reason lk_bundle_stage(lk_bundle_reader *r, const char *dir, lk_err *err)
{
    int dirfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dir && dirfd < 0)
        return lk_bundle_fail(err, LK_BUNDLE_IO, "staging %s: %s", dir, strerror(errno));
    lk_bundle_reason rs = LK_BUNDLE_OK;
    for (int i = 0; i < r->m->n_files && rs == LK_BUNDLE_OK; i++)
        rs = stage_one(r, &r->m->files[i], dirfd, err);
    if (rs == LK_BUNDLE_OK && getc(r->f) != EOF)
        rs = lk_bundle_fail(err, LK_BUNDLE_TAMPERED, "data after the last listed file");
    if (rs == LK_BUNDLE_OK && dirfd >= 0 && lk_bundle_fsync_tree(dirfd) != 0)
        rs = lk_bundle_fail(err, LK_BUNDLE_IO, "fsync staging: %s", strerror(errno));
    if (dirfd >= 0)
        close(dirfd);
    return rs;
}
