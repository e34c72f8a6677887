/* lk_bundle: signed configuration bundles (*.lkb) brought on a USB stick: reading and
 * verifying them, creating and signing them (kioskctl), applying one atomically, and the
 * signed export a bundle may ask for. The format is specified in docs/bundle-format.md.
 *
 * Apply runs a fixed pipeline: verify the manifest's signature before parsing anything ->
 * reject a rollback or a wrong target -> stream every file through SHA-256 into staging with
 * size caps and path checks -> validate every setting, record, certificate and asset -> install the
 * files as a new version directory (write, fsync, rename) -> one SQLite transaction (settings,
 * records, the applied version, the audit row) -> switch the `current` link. The transaction's
 * commit is the single moment the new configuration takes effect; lk_bundle_recover makes the
 * file side agree with the database after a crash at any step. */
#ifndef LK_KIOSK_LK_BUNDLE_H
#define LK_KIOSK_LK_BUNDLE_H

#include <stdint.h>
#include <stdio.h>

#include "kiosk/lk_sign.h"
#include "kiosk/lk_store.h"
#include "kiosk/lk_usb.h"

#define LK_BUNDLE_MAGIC        "LKBUNDLE"
#define LK_BUNDLE_FORMAT       2              /* 2: manifest.sig starts with the signer's key id */
#define LK_BUNDLE_KEY_ID_LEN   32             /* SHA-256 of the raw Ed25519 public key */
#define LK_BUNDLE_MANIFEST_MAX 65536u         /* bytes of manifest.json */
#define LK_BUNDLE_FILE_MAX     (64ull << 20)  /* bytes per file */
#define LK_BUNDLE_TOTAL_MAX    (256ull << 20) /* bytes of all files */
#define LK_BUNDLE_FILES_MAX    256            /* files per bundle */
#define LK_BUNDLE_PATH_MAX     128            /* bytes of a member path */
#define LK_BUNDLE_TARGETS_MAX  64
#define LK_BUNDLE_STRING_MAX   512 /* bytes of one string override (assets/i18n/<lang>.json) */

/* Why a bundle was refused: a stable word for scripts and the screen, next to err.msg. */
typedef enum lk_bundle_reason {
    LK_BUNDLE_OK = 0,
    LK_BUNDLE_MALFORMED,     /* not a bundle, truncated, bad manifest JSON or fields */
    LK_BUNDLE_BAD_SIGNATURE, /* unsigned, or names the pinned key but does not verify */
    LK_BUNDLE_UNKNOWN_KEY,   /* signed by a key (by its key id) that is not the pinned one */
    LK_BUNDLE_WRONG_KIOSK,   /* targets name other kiosks */
    LK_BUNDLE_OLD_VERSION,   /* older than or equal to the applied version */
    LK_BUNDLE_PATH_TRAVERSAL,
    LK_BUNDLE_ABSOLUTE_PATH,
    LK_BUNDLE_BAD_PATH, /* characters, empty components, unknown role */
    LK_BUNDLE_OVERSIZED,
    LK_BUNDLE_TAMPERED,        /* size or SHA-256 differs from the manifest, member order */
    LK_BUNDLE_UNKNOWN_SETTING, /* settings.json names a key the kiosk does not know */
    LK_BUNDLE_BAD_VALUE,       /* a setting, record or certificate that fails validation */
    LK_BUNDLE_IO,              /* the kiosk could not read, write or store */
} lk_bundle_reason;

/* Static lower-case word ("bad-signature", "wrong-kiosk", ...). */
const char *lk_bundle_reason_name(lk_bundle_reason r);

typedef struct lk_bundle_entry {
    char path[LK_BUNDLE_PATH_MAX + 1];
    uint64_t size;
    uint8_t sha256[32];
} lk_bundle_entry;

typedef struct lk_bundle_manifest {
    int format;
    int64_t version;
    int all_targets;
    char targets[LK_BUNDLE_TARGETS_MAX][65];
    int n_targets;
    char created[32]; /* UTC, YYYY-MM-DDTHH:MM:SSZ */
    int export_requested;
    lk_bundle_entry *files;
    int n_files;
} lk_bundle_manifest;

/* Checks a member path: relative, '/'-separated components of [A-Za-z0-9._-], no empty, "."
 * or ".." component, at most LK_BUNDLE_PATH_MAX bytes, under a known role (settings.json,
 * plugins.json, records/, csca/, assets/). Returns the reason, LK_BUNDLE_OK when fine. Which
 * assets/ paths the kiosk uses is checked later, at apply's validate step (it needs the
 * built-in strings): see lk_bundle_asset. */
lk_bundle_reason lk_bundle_check_path(const char *path, lk_err *err);

/* Parses manifest JSON strictly (unknown fields refused). *out is malloc'd: free with
 * lk_bundle_manifest_free. Returns the reason. */
lk_bundle_reason lk_bundle_manifest_parse(const char *json, size_t len, lk_bundle_manifest **out,
                                          lk_err *err);
void lk_bundle_manifest_free(lk_bundle_manifest *m);

/* A bundle being read, front to back, from a stream. */
typedef struct lk_bundle_reader lk_bundle_reader;

/* Reads the magic, the manifest and its signature member, checks the key id against `admin`
 * (another key: unknown-key) and the signature with it (bad-signature), and only then parses the
 * manifest. Fails closed: admin NULL is refused (bad-signature), never "skip the check". */
lk_bundle_reason lk_bundle_open(FILE *f, const lk_sign_key *admin, lk_bundle_reader **out,
                                lk_err *err);
/* The same without any signature check, for `kioskctl bundle inspect` only: what it returns is
 * for showing, never for applying (lk_bundle_apply always uses lk_bundle_open). */
lk_bundle_reason lk_bundle_open_unverified(FILE *f, lk_bundle_reader **out, lk_err *err);
/* Hex of the key id the bundle names (64 zeros when unsigned). */
const char *lk_bundle_reader_key_id(const lk_bundle_reader *r);
/* Key id of a key, hex: what a bundle signed with it names. */
int lk_bundle_key_id(const lk_sign_key *k, char hex[2 * LK_BUNDLE_KEY_ID_LEN + 1], lk_err *err);
const lk_bundle_manifest *lk_bundle_reader_manifest(const lk_bundle_reader *r);
/* SHA-256 of the manifest bytes, hex. */
const char *lk_bundle_reader_manifest_hash(const lk_bundle_reader *r);
void lk_bundle_reader_free(lk_bundle_reader *r);

/* Streams every file member into dir (which must exist and be empty) checking name, order,
 * size and SHA-256 against the manifest, and that nothing follows the last one. Files are
 * fsynced. `sink` NULL: hash only (verify). */
lk_bundle_reason lk_bundle_stage(lk_bundle_reader *r, const char *dir, lk_err *err);

/* --- creating (kioskctl) --- */

typedef struct lk_bundle_spec {
    int64_t version;
    const char *const *targets; /* NULL or empty: all kiosks */
    int n_targets;
    int export_requested;
    const char *created; /* NULL: now */
} lk_bundle_spec;

/* Writes a bundle of every file under src_dir (paths checked) to out_path. key NULL leaves
 * the signature zero (sign it later with lk_bundle_sign_file). */
int lk_bundle_create(const char *src_dir, const lk_bundle_spec *spec, const lk_sign_key *key,
                     const char *out_path, lk_err *err);

/* (Re)signs the manifest of an existing bundle in place. Only the container is read. */
int lk_bundle_sign_file(const char *path, const lk_sign_key *key, lk_err *err);

/* --- applying --- */

/* Steps of the apply pipeline, in order; a test can ask apply to SIGKILL itself after one. */
typedef enum lk_bundle_step {
    LK_BUNDLE_STEP_NONE = 0,
    LK_BUNDLE_STEP_VERIFIED,  /* signature checked */
    LK_BUNDLE_STEP_CHECKED,   /* target and version checked */
    LK_BUNDLE_STEP_STAGED,    /* files hashed into staging */
    LK_BUNDLE_STEP_VALIDATED, /* settings, records, certificates, assets validated */
    LK_BUNDLE_STEP_INSTALLED, /* version directory renamed into place, not yet in force */
    LK_BUNDLE_STEP_WRITTEN,   /* transaction written, not committed */
    LK_BUNDLE_STEP_COMMITTED, /* in force */
    LK_BUNDLE_STEP_SWITCHED,  /* `current` link switched */
    LK_BUNDLE_STEP_EXPORTED,  /* export written (when asked) */
    LK_BUNDLE_STEP_COUNT
} lk_bundle_step;

const char *lk_bundle_step_name(lk_bundle_step s);
/* -1 for an unknown name. */
int lk_bundle_step_parse(const char *name);

typedef struct lk_bundle_opts {
    const char *state_dir;     /* holds bundles/ (versions, current, staging) and the kiosk key */
    const char *actor;         /* audit actor */
    int today;                 /* YYYYMMDD, for record validation */
    const char *export_dir;    /* where an export goes; NULL: the bundle's own folder */
    const char *log_path;      /* recent log lines for the export; NULL or missing: none */
    const char *i18n_dir;      /* the built-in strings (<dir>/<lang>.json) a bundle's string
                                * overrides and voice prompt names are checked against; NULL:
                                * a bundle carrying either is refused (io-error) */
    lk_bundle_step kill_after; /* SIGKILL after this step; honoured only in builds with
                                * LK_TEST_HOOKS (ignored in a shipped build) */
} lk_bundle_opts;

typedef struct lk_bundle_result {
    lk_bundle_reason reason;
    lk_bundle_step reached;
    int64_t version, previous;
    int settings;           /* settings written */
    long records;           /* records imported */
    int files;              /* files installed */
    int assets;             /* of them assets/ (strings, prompts, template: read at start) */
    char export_path[512];  /* "" when no export */
    char export_error[256]; /* the bundle applied, but the export it asked for failed */
} lk_bundle_result;

/* Applies the bundle at path. Returns 0 when applied, else a negative code with res->reason
 * and err saying why; on failure nothing of the bundle is in force. */
int lk_bundle_apply(lk_store *st, const lk_sign_key *admin, const char *path,
                    const lk_bundle_opts *opts, lk_bundle_result *res, lk_err *err);

/* Makes bundles/current agree with the applied version in the database and removes what a
 * crashed apply left (staging, versions never committed). Safe to call at every start. */
int lk_bundle_recover(lk_store *st, const char *state_dir, lk_err *err);

/* The folder holding the files of the applied bundle, by the database (LK_ENOENT: none). */
int lk_bundle_files_dir(lk_store *st, const char *state_dir, char *out, size_t size, lk_err *err);

/* The eMRTD passive-authentication trust list in force: the applied bundle's csca/ folder when
 * it holds a file (a bundle's certificates then replace emrtd.csca_dir: the trust decision has
 * one signed source), else `configured` (emrtd.csca_dir, "" for none). */
int lk_bundle_csca_dir(lk_store *st, const char *state_dir, const char *configured, char *out,
                       size_t size, lk_err *err);

/* Room for the plug-in allow-list: 64 hashes of 64 hex digits and a comma. */
#define LK_BUNDLE_ALLOW_MAX (64 * 65)
/* The plug-in allow-list in force: the SHA-256 values of the applied bundle's plugins.json,
 * lower-case hex, comma-separated; "" when the applied bundle carries none (then any plug-in
 * that passes the loader's file checks loads). A plugins.json that cannot be read or parsed
 * is an error, never "no restriction". */
int lk_bundle_plugin_allow(lk_store *st, const char *state_dir, char *out, size_t size,
                           lk_err *err);

/* The applied bundle's assets/<rel> ("i18n", "voice", "template.json"): its path when the
 * applied bundle carries it, "" when it does not or none is applied. The kiosk layers
 * assets/i18n/<lang>.json over its built-in strings key by key, plays assets/voice/<lang>/
 * <prompt>.wav instead of its own prompt where present, and prints with assets/template.json
 * instead of --template. All three were checked when the bundle was applied. */
int lk_bundle_asset(lk_store *st, const char *state_dir, const char *rel, char *out, size_t size,
                    lk_err *err);

/* Applied bundle version (0 when none) and its manifest's creation time (may be NULL). */
int lk_bundle_current(lk_store *st, int64_t *version, char created[32], lk_err *err);

/* --- exporting --- */

/* Writes statistics, the audit log with its chain and recent logs into a new folder under
 * dir, signed with the kiosk key at key_path (created 0600 on first use). path_out gets the
 * folder's path. A read-only dir (EROFS) fails with "stick is read-only: export needs a
 * writable volume"; nothing is left half-written (the folder is built under a dot-name). */
int lk_bundle_export(lk_store *st, const char *dir, const char *key_path, const char *log_path,
                     char *path_out, size_t path_size, lk_err *err);

typedef struct lk_bundle_export_info {
    char kiosk_id[65];
    char created[32];
    char key_sha256[65]; /* fingerprint of the signing key */
    int files;
} lk_bundle_export_info;

/* Verifies an export folder: signature (by `expected` when given, else by the key the export
 * names) and every file's size and SHA-256. LK_EBADSIG / LK_ECORRUPT with the reason. */
int lk_bundle_verify_export(const char *dir, const lk_sign_key *expected,
                            lk_bundle_export_info *info, lk_err *err);

/* --- finding bundles on a stick --- */

typedef int (*lk_bundle_found_cb)(void *ctx, const char *path);
/* Calls cb for each regular *.lkb file directly in dir, in name order. Returns the count. */
int lk_bundle_scan(const char *dir, lk_bundle_found_cb cb, void *ctx, lk_err *err);

/* 1 when a volume is at mount_point: its device differs from its parent's (a mount, even of an
 * empty stick) or it is a non-empty folder. A missing or empty plain folder is not. */
int lk_bundle_mounted(const char *mount_point);

/* The kiosk's reaction to a USB event: a mass-storage arrival means "look for bundles" at
 * mount_point (config usb.mount_point; the OS mounts the stick there, the kiosk never mounts).
 * Returns the bundles found (cb called for each), 0 for any other event and LK_ENOENT while
 * nothing is mounted yet (lk_bundle_mounted; the caller retries for usb.mount_wait_s). */
int lk_bundle_on_usb_event(lk_usb_event_kind kind, const lk_usb_device *dev,
                           const char *mount_point, lk_bundle_found_cb cb, void *ctx, lk_err *err);

#endif
