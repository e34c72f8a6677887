/* fake_face: face plug-ins that break the ABI rules in one way each, for the loader and
 * isolation tests. One source, built once per FAKE_* variant (see CMakeLists.txt):
 *
 *   FAKE_BAD_MAJOR    descriptor claims ABI major 2          -> refused, LK_EVERSION
 *   FAKE_NO_ENTRY     exports no lk_plugin_face_entry_v1     -> refused, LK_EPLUGIN
 *   FAKE_SHORT_DESC   descriptor size ends before `ops`      -> refused, LK_EPLUGIN
 *   FAKE_SHORT_OPS    ops table size ends before `close`     -> refused, LK_EPLUGIN
 *   FAKE_BAD_MAGIC    magic is not LKPG                      -> refused
 *   FAKE_OVERSIZE     verify writes a frame header of 1 GiB onto the host's channel
 *   FAKE_NAN          verify returns a NaN score             -> refused as malformed
 *   FAKE_FUTURE_MINOR minor 7 with longer tables than this host knows -> accepted
 *   (none)            a plain conforming plug-in, score 0.5 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lk_plugin_face.h"

typedef struct future_ops {
    lk_plugin_face_ops v1;
    void *appended_in_a_later_minor;
} future_ops;

typedef struct future_desc {
    lk_plugin_face_desc v1;
    uint64_t appended_in_a_later_minor;
} future_desc;

static int32_t f_open(const lk_plugin_host_api *host, const char *config, void **ctx,
                      lk_plugin_error *err)
{
    (void)host, (void)config, (void)err;
    *ctx = malloc(1);
    return *ctx ? LK_PLUGIN_OK : LK_PLUGIN_ENOMEM;
}

static int32_t f_verify(void *ctx, const lk_plugin_face_image *id, const lk_plugin_face_image *live,
                        uint32_t n, lk_plugin_face_result *r, lk_plugin_error *err)
{
    (void)ctx, (void)id, (void)live, (void)err;
#ifdef FAKE_OVERSIZE
    static const uint8_t huge[] = {0x00, 0x00, 0x00, 0x40, 0x15, 0, 0, 0};
    const char *fd = getenv("LK_PLUGIN_FD");
    if (fd && write(atoi(fd), huge, sizeof huge) < 0)
        return LK_PLUGIN_EIO;
#endif
    r->score = 0.5;
#ifdef FAKE_NAN
    r->score = NAN;
#endif
    r->vendor_threshold = 0.6;
    r->liveness = LK_FACE_LIVENESS_NOT_CHECKED;
    r->best_frame = n - 1;
    return LK_PLUGIN_OK;
}

static void f_close(void *ctx)
{
    free(ctx);
}

#if defined(FAKE_SHORT_OPS)
#define OPS_SIZE offsetof(lk_plugin_face_ops, close)
#elif defined(FAKE_FUTURE_MINOR)
#define OPS_SIZE sizeof(future_ops)
#else
#define OPS_SIZE sizeof(lk_plugin_face_ops)
#endif

#if defined(FAKE_SHORT_DESC)
#define DESC_SIZE offsetof(lk_plugin_face_desc, ops)
#elif defined(FAKE_FUTURE_MINOR)
#define DESC_SIZE sizeof(future_desc)
#else
#define DESC_SIZE sizeof(lk_plugin_face_desc)
#endif

#ifdef FAKE_BAD_MAGIC
#define MAGIC 0xDEADBEEFu
#else
#define MAGIC LK_PLUGIN_MAGIC
#endif

#ifdef FAKE_BAD_MAJOR
#define MAJOR 2
#else
#define MAJOR LK_PLUGIN_FACE_ABI_MAJOR
#endif

#ifdef FAKE_FUTURE_MINOR
#define MINOR 7
#else
#define MINOR LK_PLUGIN_FACE_ABI_MINOR
#endif

static const future_ops ops = {
    .v1 = {.size = OPS_SIZE, .open = f_open, .verify = f_verify, .close = f_close},
};

static const future_desc desc = {
    .v1 = {.size = DESC_SIZE,
           .magic = MAGIC,
           .kind = LK_PLUGIN_KIND_FACE,
           .abi_major = MAJOR,
           .abi_minor = MINOR,
           .name = "fake-face",
           .vendor = "tests",
           .version = "0.0.1",
           .ops = &ops.v1},
};

#ifdef FAKE_NO_ENTRY
/* Exported under a v2 name only: a v1 host must not find anything to call. */
LK_PLUGIN_EXPORT const lk_plugin_face_desc *lk_plugin_face_entry_v2(void);
const lk_plugin_face_desc *lk_plugin_face_entry_v2(void)
#else
const lk_plugin_face_desc *lk_plugin_face_entry_v1(void)
#endif
{
    return &desc.v1;
}
