/* lk_plugin_load: file checks, dlopen and descriptor validation of vendor plug-ins. */
#include "lk_plugin_load.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

/* size >= offsetof + sizeof: the member exists in the table as the plug-in was built. */
#define HAS_MEMBER(ptr, type, member, size)                                                        \
    ((size) >= offsetof(type, member) + sizeof(((type *)0)->member))

static int check_mode(const char *what, const char *path, const struct stat *st, lk_err *err)
{
    if (st->st_uid != 0 && st->st_uid != geteuid())
        return lk_err_set(err, LK_EINVAL, "plug-in %s %s is owned by uid %u, not root or us", what,
                          path, (unsigned)st->st_uid);
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return lk_err_set(err, LK_EINVAL, "plug-in %s %s is group- or world-writable", what, path);
    return 0;
}

int lk_plugin_check_file(const char *path, lk_err *err)
{
    char real[PATH_MAX];
    if (!realpath(path, real))
        return lk_err_set_native(err, LK_EINVAL, LK_ERR_DOMAIN_ERRNO, errno, "plug-in %s: %s", path,
                                 strerror(errno));
    struct stat st;
    if (stat(real, &st) != 0 || !S_ISREG(st.st_mode))
        return lk_err_set(err, LK_EINVAL, "plug-in %s is not a regular file", path);
    int rc = check_mode("file", path, &st, err);
    if (rc != 0)
        return rc;
    char dir[PATH_MAX];
    memcpy(dir, real, sizeof dir);
    const char *d = dirname(dir);
    if (stat(d, &st) != 0)
        return lk_err_set(err, LK_EINVAL, "plug-in directory %s: %s", d, strerror(errno));
    return check_mode("directory", d, &st, err);
}

static int check_face(lk_plugin_lib *lib, const lk_plugin_face_desc *d, lk_err *err)
{
    if (!HAS_MEMBER(d, lk_plugin_face_desc, ops, d->size))
        return lk_err_set(err, LK_EPLUGIN, "face descriptor of %u bytes is too short",
                          (unsigned)d->size);
    const lk_plugin_face_ops *o = d->ops;
    if (!o || !HAS_MEMBER(o, lk_plugin_face_ops, close, o->size))
        return lk_err_set(err, LK_EPLUGIN, "face ops table %s", o ? "is too short" : "missing");
    if (!o->open || !o->verify || !o->close)
        return lk_err_set(err, LK_EPLUGIN, "face ops table has a NULL function");
    lib->ops_size = o->size;
    lib->face = o;
    return 0;
}

static int check_idreader(lk_plugin_lib *lib, const lk_plugin_idreader_desc *d, lk_err *err)
{
    if (!HAS_MEMBER(d, lk_plugin_idreader_desc, ops, d->size))
        return lk_err_set(err, LK_EPLUGIN, "idreader descriptor of %u bytes is too short",
                          (unsigned)d->size);
    const lk_plugin_idreader_ops *o = d->ops;
    if (!o || !HAS_MEMBER(o, lk_plugin_idreader_ops, close, o->size))
        return lk_err_set(err, LK_EPLUGIN, "idreader ops table %s", o ? "is too short" : "missing");
    if (!o->open || !o->wait_card || !o->read_card || !o->close)
        return lk_err_set(err, LK_EPLUGIN, "idreader ops table has a NULL function");
    lib->ops_size = o->size;
    lib->idreader = o;
    return 0;
}

/* The head (size .. abi_minor) is laid out identically for every kind and major. */
static int check_head(lk_plugin_lib *lib, const lk_plugin_face_desc *h, uint32_t kind,
                      uint16_t major, lk_err *err)
{
    if (!h)
        return lk_err_set(err, LK_EPLUGIN, "entry point returned no descriptor");
    if (!HAS_MEMBER(h, lk_plugin_face_desc, abi_minor, h->size))
        return lk_err_set(err, LK_EPLUGIN, "descriptor of %u bytes is too short",
                          (unsigned)h->size);
    if (h->magic != LK_PLUGIN_MAGIC)
        return lk_err_set(err, LK_EPLUGIN, "descriptor magic %08x is not LKPG", (unsigned)h->magic);
    if (h->kind != kind)
        return lk_err_set(err, LK_EPLUGIN, "plug-in is of kind %u, not %s", (unsigned)h->kind,
                          lk_plugin_kind_name(kind));
    if (h->abi_major != major)
        return lk_err_set(err, LK_EVERSION, "plug-in ABI %u.%u; this host speaks major %u",
                          (unsigned)h->abi_major, (unsigned)h->abi_minor, (unsigned)major);
    lib->kind = kind;
    lib->abi_major = h->abi_major;
    lib->abi_minor = h->abi_minor;
    lib->desc_size = h->size;
    return 0;
}

static int bind_desc(lk_plugin_lib *lib, uint32_t kind, lk_err *err)
{
    int face = kind == LK_PLUGIN_KIND_FACE;
    const char *sym = face ? LK_PLUGIN_FACE_ENTRY_V1 : LK_PLUGIN_IDREADER_ENTRY_V1;
    void *entry = dlsym(lib->dl, sym);
    if (!entry)
        return lk_err_set(err, LK_EPLUGIN, "plug-in exports no %s (wrong kind or ABI major)", sym);
    /* dlsym hands back data pointers; POSIX guarantees the conversion for functions. */
    const void *(*fn)(void);
    memcpy(&fn, &entry, sizeof fn);
    const lk_plugin_face_desc *head = fn();
    uint16_t major = face ? LK_PLUGIN_FACE_ABI_MAJOR : LK_PLUGIN_IDREADER_ABI_MAJOR;
    int rc = check_head(lib, head, kind, major, err);
    if (rc != 0)
        return rc;
    /* name/vendor/version sit at the same offsets in both kinds' descriptors. */
    if (!HAS_MEMBER(head, lk_plugin_face_desc, version, head->size) || !head->name ||
        !head->vendor || !head->version)
        return lk_err_set(err, LK_EPLUGIN, "descriptor lacks name, vendor or version");
    lib->name = head->name;
    lib->vendor = head->vendor;
    lib->version = head->version;
    return face ? check_face(lib, head, err)
                : check_idreader(lib, (const lk_plugin_idreader_desc *)(const void *)head, err);
}

/* SHA-256 of what fd holds, lower-case hex. */
static int hash_fd(int fd, char hex[65])
{
    unsigned char buf[65536], d[32];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    ssize_t n;
    while (ok && (n = read(fd, buf, sizeof buf)) != 0)
        ok = n > 0 ? EVP_DigestUpdate(md, buf, (size_t)n) == 1 : errno == EINTR;
    ok = ok && EVP_DigestFinal_ex(md, d, NULL) == 1;
    EVP_MD_CTX_free(md);
    for (int i = 0; ok && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return ok ? 0 : -1;
}

static int listed(const char *allow, const char *hex)
{
    for (const char *p = allow; *p;) {
        size_t n = strcspn(p, ",");
        if (n == 64 && strncasecmp(p, hex, 64) == 0)
            return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

/* The bytes hashed are the bytes loaded: the file is opened once, hashed through that
 * descriptor and dlopen-ed through /proc/self/fd, so it cannot be swapped in between. */
static int open_allowed(const char *path, const char *allow, void **dl, lk_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return lk_err_set(err, LK_EINVAL, "plug-in %s: %s", path, strerror(errno));
    char hex[65] = "", via[64];
    int rc = hash_fd(fd, hex) == 0 ? 0 : lk_err_set(err, LK_EIO, "plug-in %s: cannot hash", path);
    if (rc == 0 && !listed(allow, hex))
        rc = lk_err_set(err, LK_EINVAL,
                        "plug-in %s (SHA-256 %s) is not in the applied bundle's plugins.json", path,
                        hex);
    snprintf(via, sizeof via, "/proc/self/fd/%d", fd);
    if (rc == 0 && !(*dl = dlopen(via, RTLD_NOW | RTLD_LOCAL))) {
        const char *why = dlerror();
        rc = lk_err_set(err, LK_EPLUGIN, "dlopen: %s", why ? why : "failed");
    }
    close(fd);
    return rc;
}

int lk_plugin_lib_open_allowed(const char *path, uint32_t kind, const char *allow,
                               lk_plugin_lib *lib, lk_err *err)
{
    *lib = (lk_plugin_lib){0};
    if (kind != LK_PLUGIN_KIND_FACE && kind != LK_PLUGIN_KIND_IDREADER)
        return lk_err_set(err, LK_EINVAL, "unknown plug-in kind %u", (unsigned)kind);
    int rc = lk_plugin_check_file(path, err);
    if (rc != 0)
        return rc;
    if (allow && *allow) {
        if ((rc = open_allowed(path, allow, &lib->dl, err)) != 0)
            return rc;
    } else if (!(lib->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
        const char *why = dlerror();
        return lk_err_set(err, LK_EPLUGIN, "dlopen: %s", why ? why : "failed");
    }
    rc = bind_desc(lib, kind, err);
    if (rc != 0)
        lk_plugin_lib_close(lib);
    return rc;
}

int lk_plugin_lib_open(const char *path, uint32_t kind, lk_plugin_lib *lib, lk_err *err)
{
    return lk_plugin_lib_open_allowed(path, kind, NULL, lib, err);
}

void lk_plugin_lib_close(lk_plugin_lib *lib)
{
    if (lib->dl)
        dlclose(lib->dl);
    *lib = (lk_plugin_lib){0};
}

const char *lk_plugin_kind_name(uint32_t kind)
{
    return kind == LK_PLUGIN_KIND_FACE       ? "face"
           : kind == LK_PLUGIN_KIND_IDREADER ? "idreader"
                                             : "unknown";
}

uint32_t lk_plugin_kind_parse(const char *name)
{
    if (strcmp(name, "face") == 0)
        return LK_PLUGIN_KIND_FACE;
    if (strcmp(name, "idreader") == 0)
        return LK_PLUGIN_KIND_IDREADER;
    return 0;
}
