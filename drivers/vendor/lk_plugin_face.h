/* lk_plugin_face.h: the versioned C ABI a face-matching vendor implements (ABI major 1).
 *
 * Self-contained: a vendor builds against this file alone (C or C++, any compiler), using only
 * <stdint.h> and <stddef.h>. The plug-in is a shared object exporting exactly one symbol,
 *
 *     const lk_plugin_face_desc *lk_plugin_face_entry_v1(void);
 *
 * and hiding everything else (-fvisibility=hidden). The kiosk loads it inside a separate worker
 * process (a crash, hang or memory blow-up there cannot take the kiosk down) and calls it from
 * one thread at a time per context. A future major version adds lk_plugin_face_entry_v2; a host
 * of that version may still adapt v1 plug-ins.
 *
 * Compatibility rules (the host enforces them):
 * - Every table starts with `uint32_t size` = sizeof the table as the plug-in was built. Fields
 *   are only ever appended (bumping LK_PLUGIN_FACE_ABI_MINOR); a reader checks
 *   size >= offsetof(member) + sizeof(member) before touching a member, so old and new sides
 *   work together. Removing, reordering or changing the meaning of a field bumps the MAJOR,
 *   and the host refuses a major it does not know.
 * - Only fixed-width integers, IEEE-754 binary64 `double`, uint8_t for yes/no, uint32_t flag
 *   words instead of enums, UTF-8 NUL-terminated strings and (pointer, length) buffers.
 * - Memory is freed by the side that allocated it: every buffer the host passes in is owned
 *   by the host and valid only during the call; the plug-in never returns allocated memory.
 * - "No match" and "liveness failed" are results, not errors. Errors are LK_PLUGIN_E* plus
 *   the vendor's native code and message in lk_plugin_error; the kiosk logs both.
 * - Privacy: the plug-in must not keep, log or send images or templates anywhere; it wipes
 *   its own copies before verify returns (the host wipes the buffers it owns). */
#ifndef LK_PLUGIN_FACE_H
#define LK_PLUGIN_FACE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Shared by every kind of plug-in (identical in lk_plugin_idreader.h) ------------------ */
#ifndef LK_PLUGIN_COMMON_V1
#define LK_PLUGIN_COMMON_V1

/* Marks the one symbol a plug-in exports when built with -fvisibility=hidden. */
#if defined(__GNUC__)
#define LK_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define LK_PLUGIN_EXPORT
#endif

#define LK_PLUGIN_MAGIC         0x4C4B5047u /* "LKPG" */
#define LK_PLUGIN_KIND_FACE     1u
#define LK_PLUGIN_KIND_IDREADER 2u

/* Return codes of every plug-in function: 0 or one of these. */
#define LK_PLUGIN_OK        0
#define LK_PLUGIN_EINVAL    (-1)  /* bad argument or configuration string */
#define LK_PLUGIN_ENOMEM    (-2)  /* an allocation failed (the host enforces a memory limit) */
#define LK_PLUGIN_EIO       (-3)  /* device or transport failure */
#define LK_PLUGIN_ETIMEDOUT (-4)  /* nothing happened within the time asked for */
#define LK_PLUGIN_ECANCELED (-5)  /* the host's cancel check said stop */
#define LK_PLUGIN_ENODEV    (-6)  /* the device is absent */
#define LK_PLUGIN_ELICENSE  (-7)  /* vendor licence or SAM authorisation refused */
#define LK_PLUGIN_EINTERNAL (-8)  /* anything else; native code says what */
#define LK_PLUGIN_EBADIMAGE (-9)  /* an image could not be decoded or has the wrong format */
#define LK_PLUGIN_ENOCARD   (-10) /* no card presented / card removed mid-read */
#define LK_PLUGIN_ECARDREAD (-11) /* the card was found but could not be read */

/* Filled by the plug-in on failure: its own error number and a short English message (never
 * personal data). */
typedef struct lk_plugin_error {
    uint32_t size;  /* set by the host */
    int32_t native; /* the vendor SDK's own code, 0 when none */
    char message[160];
} lk_plugin_error;

#define LK_PLUGIN_LOG_ERROR 0u
#define LK_PLUGIN_LOG_WARN  1u
#define LK_PLUGIN_LOG_INFO  2u
#define LK_PLUGIN_LOG_DEBUG 3u

/* Services the host offers the plug-in, valid until close. */
typedef struct lk_plugin_host_api {
    uint32_t size;
    void *host; /* pass back as the first argument */
    /* One line of diagnostics; never personal data. */
    void (*log)(void *host, uint32_t level, const char *message);
    /* Milliseconds on a monotonic clock. */
    uint64_t (*now_ms)(void *host);
    /* Non-zero when the current call should stop early (return LK_PLUGIN_ECANCELED). */
    uint8_t (*cancelled)(void *host);
} lk_plugin_host_api;

#endif /* LK_PLUGIN_COMMON_V1 */

/* ---- Face matching ------------------------------------------------------------------------ */
#define LK_PLUGIN_FACE_ABI_MAJOR 1u
#define LK_PLUGIN_FACE_ABI_MINOR 0u

/* Pixel formats of lk_plugin_face_image.format. */
#define LK_FACE_FMT_GRAY8   1u /* 1 byte per pixel */
#define LK_FACE_FMT_RGB24   2u /* R, G, B bytes */
#define LK_FACE_FMT_ENCODED 3u /* JPEG, PNG or JPEG 2000 bytes; width/height 0 if unknown */

typedef struct lk_plugin_face_image {
    uint32_t size;
    uint32_t format; /* LK_FACE_FMT_* */
    uint32_t width;
    uint32_t height;
    uint32_t stride; /* bytes per row for raw formats */
    uint32_t reserved;
    const uint8_t *data;
    uint64_t len; /* bytes at data */
} lk_plugin_face_image;

/* Liveness verdicts. */
#define LK_FACE_LIVENESS_NOT_CHECKED 0u /* the plug-in does no liveness detection */
#define LK_FACE_LIVENESS_PASS        1u
#define LK_FACE_LIVENESS_FAIL        2u

/* Quality flags (bits): why a score may be low; several may be set. */
#define LK_FACE_Q_NO_FACE_ID     (1u << 0) /* no face found in the ID photo */
#define LK_FACE_Q_NO_FACE_LIVE   (1u << 1) /* no face found in any live frame */
#define LK_FACE_Q_MULTIPLE_FACES (1u << 2) /* more than one face in a live frame */
#define LK_FACE_Q_TOO_DARK       (1u << 3)
#define LK_FACE_Q_TOO_BRIGHT     (1u << 4)
#define LK_FACE_Q_BLURRED        (1u << 5)
#define LK_FACE_Q_FACE_TOO_SMALL (1u << 6)
#define LK_FACE_Q_POSE           (1u << 7) /* head turned too far */
#define LK_FACE_Q_ID_PHOTO_POOR  (1u << 8) /* ID photo unusable (size, compression) */

typedef struct lk_plugin_face_result {
    uint32_t size;           /* set by the host */
    uint32_t liveness;       /* LK_FACE_LIVENESS_* */
    double score;            /* similarity, on the vendor's own scale; higher = more alike */
    double vendor_threshold; /* the vendor's recommended match threshold on that scale */
    uint32_t quality;        /* LK_FACE_Q_* bits */
    uint32_t best_frame;     /* index of the live frame the score comes from */
} lk_plugin_face_result;

typedef struct lk_plugin_face_ops {
    uint32_t size;
    /* Creates a context from a vendor-defined configuration string (may be ""). */
    int32_t (*open)(const lk_plugin_host_api *host, const char *config, void **ctx,
                    lk_plugin_error *err);
    /* Compares one ID photo with n_live >= 1 live frames of the person at the kiosk. */
    int32_t (*verify)(void *ctx, const lk_plugin_face_image *id_photo,
                      const lk_plugin_face_image *live, uint32_t n_live,
                      lk_plugin_face_result *result, lk_plugin_error *err);
    void (*close)(void *ctx);
} lk_plugin_face_ops;

typedef struct lk_plugin_face_desc {
    uint32_t size;       /* sizeof(lk_plugin_face_desc) as built */
    uint32_t magic;      /* LK_PLUGIN_MAGIC */
    uint32_t kind;       /* LK_PLUGIN_KIND_FACE */
    uint16_t abi_major;  /* LK_PLUGIN_FACE_ABI_MAJOR */
    uint16_t abi_minor;  /* LK_PLUGIN_FACE_ABI_MINOR */
    const char *name;    /* short identifier, e.g. "face-opencv" */
    const char *vendor;  /* who made it */
    const char *version; /* the plug-in's own version, e.g. "1.2.0" */
    const lk_plugin_face_ops *ops;
} lk_plugin_face_desc;

typedef const lk_plugin_face_desc *(*lk_plugin_face_entry_fn)(void);
#define LK_PLUGIN_FACE_ENTRY_V1 "lk_plugin_face_entry_v1"
LK_PLUGIN_EXPORT const lk_plugin_face_desc *lk_plugin_face_entry_v1(void);

#ifdef __cplusplus
}
#endif

#endif
