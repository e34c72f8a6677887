/* lk_plugin_load: finding, checking and dlopen-ing a vendor plug-in, the same way wherever it
 * is loaded (the isolated worker, the in-process benchmark, the conformance checker).
 *
 * Checks, in order: the file is a regular file owned by root or by us and neither it nor its
 * directory is group- or world-writable (someone else could swap the code we run); dlopen with
 * RTLD_NOW | RTLD_LOCAL (unresolved symbols fail now, not mid-session; vendor symbols never
 * leak into our namespace); the entry symbol of the ABI major we speak exists; the descriptor's
 * magic, kind and major are ours; each size-prefixed table is long enough for every member we
 * will touch. Anything else is refused with a reason. With an allow-list (the applied
 * configuration bundle's plugins.json) the file's SHA-256 must also be on it. */
#ifndef LK_DRIVERS_LK_PLUGIN_LOAD_H
#define LK_DRIVERS_LK_PLUGIN_LOAD_H

#include <stdint.h>

#include "kiosk/lk_err.h"
#include "lk_plugin_face.h"
#include "lk_plugin_idreader.h"

typedef struct lk_plugin_lib {
    void *dl;
    uint32_t kind; /* LK_PLUGIN_KIND_* */
    uint16_t abi_major, abi_minor;
    uint32_t desc_size, ops_size;
    const char *name, *vendor, *version;    /* owned by the plug-in */
    const lk_plugin_face_ops *face;         /* kind FACE */
    const lk_plugin_idreader_ops *idreader; /* kind IDREADER */
} lk_plugin_lib;

/* The file checks alone (LK_EINVAL with the reason). */
int lk_plugin_check_file(const char *path, lk_err *err);

/* Runs every check and fills lib. On failure nothing stays loaded. Errors: LK_EINVAL (file),
 * LK_EPLUGIN (dlopen, missing symbol, bad descriptor, short table), LK_EVERSION (major). */
int lk_plugin_lib_open(const char *path, uint32_t kind, lk_plugin_lib *lib, lk_err *err);

/* The same, and when allow is neither NULL nor "" (comma-separated SHA-256 hex values) the
 * file's SHA-256 must be one of them: LK_EINVAL naming the file and its hash otherwise. */
int lk_plugin_lib_open_allowed(const char *path, uint32_t kind, const char *allow,
                               lk_plugin_lib *lib, lk_err *err);

void lk_plugin_lib_close(lk_plugin_lib *lib);

/* "face" / "idreader" and back; 0 for an unknown name. */
const char *lk_plugin_kind_name(uint32_t kind);
uint32_t lk_plugin_kind_parse(const char *name);

#endif
