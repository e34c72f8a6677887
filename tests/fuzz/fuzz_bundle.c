/* fuzz_bundle: arbitrary bytes as a bundle file, read the way apply reads one: container,
 * manifest, every member hashed against it (hash-only staging). The signature check is skipped
 * (lk_bundle_open_unverified), or no input would ever get past it to the parser behind it; the
 * manifest parser and the path check also get the raw bytes directly. lk-fuzz-seconds: 60 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What an accepted path must never be: absolute, or with an empty, "." or ".." component. */
static int escapes(const char *path)
{
    if (path[0] == '/')
        return 1;
    for (const char *c = path;;) {
        size_t n = strcspn(c, "/");
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return 1;
        if (c[n] == '\0')
            return 0;
        c += n + 1;
    }
}

static void check_reason(lk_bundle_reason r, const lk_err *err)
{
    /* Every refusal names itself; a reason without a message is a bug. */
    if (r != LK_BUNDLE_OK && (err->msg[0] == '\0' || err->code == 0))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return 0;
    lk_bundle_reader *rd = NULL;
    lk_err err = {0};
    lk_bundle_reason r = lk_bundle_open_unverified(f, &rd, &err);
    check_reason(r, &err);
    if (r == LK_BUNDLE_OK) {
        const lk_bundle_manifest *m = lk_bundle_reader_manifest(rd);
        for (int i = 0; i < m->n_files; i++)
            if (lk_bundle_check_path(m->files[i].path, NULL) != LK_BUNDLE_OK ||
                m->files[i].size > LK_BUNDLE_FILE_MAX)
                __builtin_trap(); /* the manifest parser let a bad entry through */
        lk_err_clear(&err);
        check_reason(lk_bundle_stage(rd, NULL, &err), &err);
    } else if (rd) {
        __builtin_trap();
    }
    lk_bundle_reader_free(rd);
    fclose(f);

    lk_bundle_manifest *m = NULL;
    lk_err_clear(&err);
    r = lk_bundle_manifest_parse((const char *)data, size, &m, &err);
    check_reason(r, &err);
    if ((r == LK_BUNDLE_OK) != (m != NULL))
        __builtin_trap();
    lk_bundle_manifest_free(m);

    char path[LK_BUNDLE_PATH_MAX + 8];
    size_t n = size < sizeof path - 1 ? size : sizeof path - 1;
    memcpy(path, data, n);
    path[n] = '\0';
    if (lk_bundle_check_path(path, NULL) == LK_BUNDLE_OK && escapes(path))
        __builtin_trap();
    return 0;
}
