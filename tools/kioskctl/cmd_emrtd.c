/* cmd_emrtd: `kioskctl emrtd keys` (the BAC keys of an MRZ information string, for technicians
 * checking a reader against a specimen) and `kioskctl emrtd read` (a whole document through the
 * NFC reader: BAC, secure messaging, DG1/DG2/EF.SOD, passive authentication, audit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kctl.h"
#include "kctl_admin.h"
#include "kctl_nfc.h"
#include "kiosk/lk_audit.h"
#include "kiosk/lk_bundle.h"
#include "kiosk/lk_bac.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_emrtd.h"
#include "kiosk/lk_jp2.h"
#include "kiosk/lk_pa.h"

#define EMRTD_USAGE                                                                                \
    "emrtd keys --mrz-info STRING | emrtd read [--device CONNSTRING] --doc NUMBER --dob YYMMDD\n"  \
    "          --expiry YYMMDD [--photo OUT] [--csca-dir DIR] [--timeout MS]"

static void add_hex(cJSON *o, const char *name, const uint8_t *b, size_t n)
{
    char h[65];
    for (size_t i = 0; i < n; i++)
        sprintf(h + 2 * i, "%02X", b[i]);
    cJSON_AddStringToObject(o, name, h);
}

static int keys(int argc, char **argv)
{
    if (argc != 4 || strcmp(argv[2], "--mrz-info") != 0)
        return kctl_usage(EMRTD_USAGE);
    uint8_t seed[16], enc[16], mac[16];
    lk_err err = {0};
    if (lk_bac_keys(argv[3], strlen(argv[3]), seed, enc, mac, &err) != 0) {
        kctl_error("emrtd keys: %s", err.msg);
        return KCTL_FAIL;
    }
    cJSON *o = cJSON_CreateObject();
    add_hex(o, "k_seed", seed, 16);
    add_hex(o, "k_enc", enc, 16);
    add_hex(o, "k_mac", mac, 16);
    kctl_print_json(o);
    return KCTL_OK;
}

struct read_args {
    const char *device, *doc, *dob, *expiry, *photo, *csca;
    int timeout_ms;
};

static int parse_read(int argc, char **argv, struct read_args *a)
{
    memset(a, 0, sizeof *a);
    a->timeout_ms = 3000;
    for (int i = 2; i < argc; i += 2) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return -1;
        if (strcmp(o, "--device") == 0)
            a->device = v;
        else if (strcmp(o, "--doc") == 0)
            a->doc = v;
        else if (strcmp(o, "--dob") == 0)
            a->dob = v;
        else if (strcmp(o, "--expiry") == 0)
            a->expiry = v;
        else if (strcmp(o, "--photo") == 0)
            a->photo = v;
        else if (strcmp(o, "--csca-dir") == 0)
            a->csca = v;
        else if (strcmp(o, "--timeout") == 0)
            a->timeout_ms = atoi(v);
        else
            return -1;
    }
    return a->doc && a->dob && a->expiry ? 0 : -1;
}

static void add_char(cJSON *o, const char *name, char c)
{
    char s[2] = {c, '\0'};
    cJSON_AddStringToObject(o, name, s);
}

/* The same keys as `check mrz`. */
static void add_mrz(cJSON *o, const lk_mrz *m)
{
    cJSON_AddStringToObject(o, "format", m->format == LK_MRZ_TD1 ? "TD1" : "TD3");
    cJSON_AddStringToObject(o, "document_code", m->document_code);
    cJSON_AddStringToObject(o, "issuing_state", m->issuing_state);
    cJSON_AddStringToObject(o, "document_number", m->document_number);
    cJSON_AddStringToObject(o, "nationality", m->nationality);
    cJSON_AddStringToObject(o, "birth_date", m->birth_date);
    cJSON_AddStringToObject(o, "expiry_date", m->expiry_date);
    add_char(o, "sex", m->sex);
    cJSON_AddStringToObject(o, "surname", m->surname);
    cJSON_AddStringToObject(o, "given_names", m->given_names);
    cJSON_AddStringToObject(o, "optional_data", m->optional_data);
    cJSON_AddBoolToObject(o, "valid", m->valid);
}

static cJSON *pa_json(const lk_pa_result *r)
{
    cJSON *p = cJSON_CreateObject(), *dgs;
    cJSON_AddBoolToObject(p, "valid", r->valid);
    cJSON_AddBoolToObject(p, "sod_parsed", r->sod_parsed);
    cJSON_AddBoolToObject(p, "signature", r->signature);
    cJSON_AddBoolToObject(p, "ds_certificate", r->ds_certificate);
    cJSON_AddBoolToObject(p, "dg_hashes", r->dg_hashes);
    dgs = cJSON_AddObjectToObject(p, "data_groups");
    for (int dg = 1; dg <= 16; dg++)
        if (r->dg_checked & (1u << dg)) {
            char name[4];
            snprintf(name, sizeof name, "%d", dg);
            cJSON_AddBoolToObject(dgs, name, (r->dg_ok >> dg) & 1);
        }
    cJSON_AddStringToObject(p, "hash_algorithm", r->hash_alg);
    if (!r->valid)
        cJSON_AddStringToObject(p, "reason", r->reason);
    return p;
}

/* Configuration that applies when a store is at hand; defaults otherwise. */
struct settings {
    char csca[1024];
    bool require_pa;
};

/* Without --csca-dir, the trust list the kiosk uses: the applied bundle's csca/ when it carries
 * certificates, else emrtd.csca_dir (lk_bundle_csca_dir). */
static void load_settings(kctl *k, lk_store *st, const struct read_args *a, struct settings *s)
{
    char *v = NULL, state[900];
    s->require_pa = true;
    snprintf(s->csca, sizeof s->csca, "%s", a->csca ? a->csca : "");
    if (!st)
        return;
    if (!a->csca && lk_config_get(st, "emrtd.csca_dir", &v, NULL, NULL) == 0) {
        lk_err err = {0};
        kctl_bundle_state_dir(k, state, sizeof state);
        if (lk_bundle_csca_dir(st, state, v, s->csca, sizeof s->csca, &err) != 0)
            kctl_error("emrtd read: %s", err.msg);
    }
    free(v);
    v = NULL;
    if (lk_config_get(st, "emrtd.require_passive_auth", &v, NULL, NULL) == 0)
        s->require_pa = strcmp(v, "false") != 0 && strcmp(v, "0") != 0;
    free(v);
}

/* The outcome, never the holder: document type and state, each check, and whether it blocked. */
static int audit_pa(kctl *k, lk_store *st, const lk_emrtd_doc *d, const lk_pa_result *r,
                    bool blocked)
{
    cJSON *o = pa_json(r);
    cJSON_AddStringToObject(o, "document_code", d->mrz.document_code);
    cJSON_AddStringToObject(o, "issuing_state", d->mrz.issuing_state);
    cJSON_AddBoolToObject(o, "blocked", blocked);
    char *detail = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    lk_err err = {0};
    int rc = detail ? lk_audit_append(st, k->actor, "emrtd.passive_auth", detail, &err) : -1;
    free(detail);
    if (rc != 0)
        kctl_error("emrtd read: audit: %s", detail ? err.msg : "out of memory");
    return rc;
}

static int write_bytes(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(b, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

/* The face as the chip holds it; a JPEG 2000 face asked for as .ppm/.pgm is decoded first. */
static int write_photo(const char *path, const lk_lds_face *f)
{
    size_t pl = strlen(path);
    bool pnm = pl > 4 && (strcmp(path + pl - 4, ".ppm") == 0 || strcmp(path + pl - 4, ".pgm") == 0);
    if (!pnm || f->format != LK_FACE_JP2)
        return write_bytes(path, f->image, f->image_len);
    lk_image img;
    if (lk_jp2_decode(f->image, f->image_len, &img, NULL) != 0)
        return -1;
    FILE *o = fopen(path, "wb");
    int rc = o ? 0 : -1;
    if (o) {
        fprintf(o, "P%c\n%u %u\n255\n", img.channels == 3 ? '6' : '5', img.width, img.height);
        size_t n = (size_t)img.width * img.height * img.channels;
        rc = fwrite(img.pixels, 1, n, o) == n ? 0 : -1;
        rc |= fclose(o);
    }
    lk_image_free(&img);
    return rc;
}

static int read_card(lk_nfc *n, const struct read_args *a, lk_emrtd_doc *d, lk_err *err)
{
    char info[LK_BAC_MRZ_INFO_MAX];
    lk_nfc_target t;
    int rc = lk_bac_mrz_info(a->doc, a->dob, a->expiry, info, err);
    if (rc == 0)
        rc = lk_nfc_wait_card(n, a->timeout_ms, &t, err);
    if (rc == 0) {
        lk_apdu_port port = lk_nfc_port(n);
        lk_emrtd_opts o = {.mrz_info = info};
        rc = lk_emrtd_read(&port, &o, d, err);
    }
    explicit_bzero(info, sizeof info);
    return rc;
}

static int report(kctl *k, lk_store *st, const struct read_args *a, const struct settings *s,
                  lk_emrtd_doc *d)
{
    lk_pa_result r;
    (void)lk_emrtd_passive_auth(d, s->csca[0] ? s->csca : NULL, &r, NULL);
    bool blocked = !r.valid && s->require_pa;
    if (st && audit_pa(k, st, d, &r, blocked) != 0)
        return KCTL_FAIL;
    cJSON *o = cJSON_CreateObject();
    add_mrz(o, &d->mrz);
    cJSON_AddItemToObject(o, "passive_authentication", pa_json(&r));
    if (d->face.image) {
        cJSON *f = cJSON_AddObjectToObject(o, "face");
        cJSON_AddStringToObject(f, "format", d->face.format == LK_FACE_JP2 ? "jpeg2000" : "jpeg");
        cJSON_AddNumberToObject(f, "width", d->face.width);
        cJSON_AddNumberToObject(f, "height", d->face.height);
        cJSON_AddNumberToObject(f, "bytes", (double)d->face.image_len);
    }
    cJSON_AddBoolToObject(o, "blocked", blocked);
    kctl_print_json(o);
    if (blocked) {
        kctl_error("emrtd read: refused: passive authentication failed: %s", r.reason);
        return KCTL_FAIL;
    }
    if (a->photo && (!d->face.image || write_photo(a->photo, &d->face) != 0)) {
        kctl_error("emrtd read: %s", d->face.image ? "cannot write the photo" : "no face in DG2");
        return KCTL_FAIL;
    }
    return KCTL_OK;
}

static int read_doc(kctl *k, int argc, char **argv)
{
    struct read_args a;
    struct settings s;
    if (parse_read(argc, argv, &a) < 0)
        return kctl_usage(EMRTD_USAGE);
    lk_store *st = k->db || k->env_db ? kctl_open_store(k) : NULL;
    if ((k->db || k->env_db) && !st)
        return KCTL_FAIL;
    char conn[256];
    load_settings(k, st, &a, &s);
    lk_nfc *n = NULL;
    lk_err err = {0};
    struct kctl_nfc_watch w;
    int rc = kctl_nfc_device(st, a.device, conn, sizeof conn) < 0 ? KCTL_FAIL : KCTL_OK;
    if (rc == KCTL_OK && kctl_nfc_watch_prepare(&w) < 0)
        rc = KCTL_FAIL;
    if (rc == KCTL_OK && lk_nfc_open(conn, &n, &err) != 0) {
        kctl_error("emrtd read: %s", err.msg);
        rc = KCTL_FAIL;
    }
    if (rc == KCTL_OK && kctl_nfc_watch_start(&w, n) != 0) {
        kctl_error("emrtd read: cannot start the signal watcher");
        rc = KCTL_FAIL;
    }
    if (rc == KCTL_OK) {
        lk_emrtd_doc d = {0};
        int r = read_card(n, &a, &d, &err);
        kctl_nfc_watch_stop(&w);
        if (r != 0) {
            kctl_error("emrtd read: %s", err.msg);
            rc = KCTL_FAIL;
        } else
            rc = report(k, st, &a, &s, &d);
        lk_emrtd_doc_free(&d);
        lk_nfc_release(n, NULL);
    }
    lk_nfc_close(n);
    lk_store_close(st);
    return rc;
}

int kctl_cmd_emrtd(kctl *k, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "keys") == 0)
        return keys(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "read") == 0)
        return read_doc(k, argc, argv);
    return kctl_usage(EMRTD_USAGE);
}
