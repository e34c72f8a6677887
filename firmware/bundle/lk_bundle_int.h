/* lk_bundle_int: what the bundle modules (read, write, apply, export, fs) share and nothing else
 * may see: member names, the container primitives and the file-system helpers. */
#ifndef LK_FIRMWARE_BUNDLE_LK_BUNDLE_INT_H
#define LK_FIRMWARE_BUNDLE_LK_BUNDLE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kiosk/lk_bundle.h"

#define LK_BUNDLE_MANIFEST_NAME "manifest.json"
#define LK_BUNDLE_SIG_NAME      "manifest.sig"
/* manifest.sig: the signer's key id, then the Ed25519 signature. */
#define LK_BUNDLE_SIG_LEN (LK_BUNDLE_KEY_ID_LEN + LK_SIGN_LEN)

/* snprintf for paths: on truncation the result is "" (so it names no file at all rather than
 * the wrong one) and -1 is returned. */
int lk_bundle_fmt(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The path of REL inside the applied bundle's files ("" when no bundle is applied): the one
 * way csca/, plugins.json and assets/ are found, from the version the database has in force.
 * WHAT names the caller in an error. */
int lk_bundle_applied_path(lk_store *st, const char *state_dir, const char *rel, const char *what,
                           char *out, size_t size, lk_err *err);

/* Fills err with "<reason>: <message>" and the matching LK_E* code; returns r. */
lk_bundle_reason lk_bundle_fail(lk_err *err, lk_bundle_reason r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

int lk_bundle_read_exact(FILE *f, void *buf, size_t n);
int lk_bundle_read_header(FILE *f, char name[LK_BUNDLE_PATH_MAX + 1], uint64_t *size);
/* Writes one member header. */
int lk_bundle_write_header(FILE *f, const char *name, uint64_t size);

/* fsyncs every directory below and including dirfd (files are fsynced as they are written). */
int lk_bundle_fsync_tree(int dirfd);
int lk_bundle_fsync_dir(const char *path);
/* mkdir -p, mode 0755. */
int lk_bundle_mkdirs(const char *path);
/* rm -rf of path; missing is fine. */
int lk_bundle_remove_tree(const char *path);
/* Hard-links every file of src into dst (same file system), creating folders: the new version
 * starts as the old one, and files are only ever replaced, never changed in place. */
int lk_bundle_link_tree(const char *src, const char *dst);
/* Writes data to path by write, fsync, rename, fsync of the folder. */
int lk_bundle_write_file(const char *path, const void *data, size_t len, int mode);
/* Reads a whole small file (at most max bytes); malloc'd, NUL-terminated. */
char *lk_bundle_read_file(const char *path, size_t max, size_t *len);
/* Copies src to dst (created, fsynced); "" or missing src gives an empty dst. */
int lk_bundle_copy_tail(const char *src, const char *dst, size_t max_bytes);

/* Validates one staged assets/ file (path, its member name rel) against the built-in strings
 * in i18n_dir: i18n overrides, voice prompts, the template; any other asset path is bad-path. */
lk_bundle_reason lk_bundle_validate_asset(const char *path, const char *rel, const char *i18n_dir,
                                          lk_err *err);

#endif
