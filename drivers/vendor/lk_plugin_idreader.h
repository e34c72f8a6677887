/* lk_plugin_idreader.h: the versioned C ABI a SAM resident-ID-card reader vendor implements
 * (ABI major 1).
 *
 * The text and photo of a 2nd-generation resident identity card (二代身份证) can only be read
 * through a licensed SAM (GA/T 467) inside the vendor's reader, so the vendor ships a shared
 * object exporting exactly one symbol,
 *
 *     const lk_plugin_idreader_desc *lk_plugin_idreader_entry_v1(void);
 *
 * wrapping its SDK (SDT_* / termb / dc_SamA* families). The kiosk runs it in a separate worker
 * process, one thread at a time per context. Self-contained: only <stdint.h> and <stddef.h>.
 * The compatibility rules of lk_plugin_face.h apply unchanged: size-prefixed append-only
 * tables, fixed-width types, uint8_t for yes/no, memory freed by the side that allocated it.
 *
 * Privacy: card text and photo are personal data. The plug-in fills host-owned buffers only,
 * keeps no copy after read returns, and never logs them. */
#ifndef LK_PLUGIN_IDREADER_H
#define LK_PLUGIN_IDREADER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Shared by every kind of plug-in (identical in lk_plugin_face.h) ------------------ */
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

/* ---- SAM resident-ID-card reader ---------------------------------------------------------- */
#define LK_PLUGIN_IDREADER_ABI_MAJOR 1u
#define LK_PLUGIN_IDREADER_ABI_MINOR 0u

/* Card types (lk_plugin_idcard.card_type). */
#define LK_IDCARD_RESIDENT  1u /* 居民身份证 */
#define LK_IDCARD_FOREIGNER 2u /* 外国人永久居留身份证 */
#define LK_IDCARD_HMT       3u /* 港澳台居民居住证 */

/* Photo formats. The SAM returns 1024 bytes of WLT; the vendor library decodes it. */
#define LK_IDCARD_PHOTO_NONE  0u
#define LK_IDCARD_PHOTO_RGB24 1u /* usually 102 x 126, rows top-down, no padding */

/* One card as read. Text fields are UTF-8, NUL-terminated, trailing padding removed. The
 * host provides photo (photo_cap bytes); the plug-in writes photo_len bytes into it. */
typedef struct lk_plugin_idcard {
    uint32_t size; /* set by the host */
    uint32_t card_type;
    char name[96];         /* 姓名 */
    char sex[8];           /* GB/T 2261.1 code: "1" male, "2" female */
    char nation[8];        /* GB 3304 code, e.g. "01" 汉 */
    char birth_date[12];   /* YYYYMMDD */
    char address[256];     /* 住址 */
    char id_number[24];    /* 公民身份号码 (18 characters) */
    char issuer[96];       /* 签发机关 */
    char valid_from[12];   /* YYYYMMDD */
    char valid_until[16];  /* YYYYMMDD or 长期 */
    char sam_id[48];       /* the SAM's serial, for audit */
    uint32_t photo_format; /* LK_IDCARD_PHOTO_* */
    uint32_t photo_width;
    uint32_t photo_height;
    uint32_t photo_cap; /* set by the host: bytes available at photo */
    uint32_t photo_len; /* set by the plug-in */
    uint32_t reserved;
    uint8_t *photo; /* host-owned buffer */
} lk_plugin_idcard;

typedef struct lk_plugin_idreader_ops {
    uint32_t size;
    /* Opens the reader (port, baud, SDK options) from a vendor-defined configuration string. */
    int32_t (*open)(const lk_plugin_host_api *host, const char *config, void **ctx,
                    lk_plugin_error *err);
    /* Waits up to timeout_ms for a card (寻卡 + 选卡): 0 when one is ready to read,
     * LK_PLUGIN_ETIMEDOUT when none came. Observes the host's cancel check. */
    int32_t (*wait_card)(void *ctx, uint32_t timeout_ms, lk_plugin_error *err);
    /* Reads text and decoded photo of the selected card (读卡). */
    int32_t (*read_card)(void *ctx, lk_plugin_idcard *card, lk_plugin_error *err);
    void (*close)(void *ctx);
} lk_plugin_idreader_ops;

typedef struct lk_plugin_idreader_desc {
    uint32_t size;      /* sizeof(lk_plugin_idreader_desc) as built */
    uint32_t magic;     /* LK_PLUGIN_MAGIC */
    uint32_t kind;      /* LK_PLUGIN_KIND_IDREADER */
    uint16_t abi_major; /* LK_PLUGIN_IDREADER_ABI_MAJOR */
    uint16_t abi_minor; /* LK_PLUGIN_IDREADER_ABI_MINOR */
    const char *name;
    const char *vendor;
    const char *version;
    const lk_plugin_idreader_ops *ops;
} lk_plugin_idreader_desc;

typedef const lk_plugin_idreader_desc *(*lk_plugin_idreader_entry_fn)(void);
#define LK_PLUGIN_IDREADER_ENTRY_V1 "lk_plugin_idreader_entry_v1"
LK_PLUGIN_EXPORT const lk_plugin_idreader_desc *lk_plugin_idreader_entry_v1(void);

#ifdef __cplusplus
}
#endif

#endif
