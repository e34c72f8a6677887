/* cmd_card: `kioskctl card make-emrtd|make-service` and `kioskctl pki make-test-csca`, which write
 * the virtual cards pn532-sim serves and the test PKI that signs them. For tests, demos and the
 * technicians' bench; nothing here runs on a kiosk in service. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kctl.h"
#include "sim_make.h"

#define CARD_USAGE                                                                                 \
    "card make-emrtd --mrz LINE LINE [LINE] --photo FILE --csca-dir DIR -o FILE\n"                 \
    "          [--tamper dg1|dg2] | card make-service --payload FILE -o FILE"
#define PKI_USAGE "pki make-test-csca DIR"

static uint8_t *read_all(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *b = malloc(max + 1);
    *len = b ? fread(b, 1, max + 1, f) : 0;
    bool bad = !b || ferror(f) || *len > max || *len == 0;
    fclose(f);
    if (bad) {
        free(b);
        return NULL;
    }
    return b;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0) {
        if (f)
            fclose(f);
        return -1;
    }
    return fclose(f);
}

static int emit(const char *out, char *text, const char *kind)
{
    int rc = write_text(out, text);
    size_t n = strlen(text);
    free(text);
    if (rc < 0) {
        kctl_error("card %s: cannot write %s", kind, out);
        return KCTL_FAIL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "card", out);
    cJSON_AddStringToObject(o, "app", kind);
    cJSON_AddNumberToObject(o, "bytes", (double)n);
    kctl_print_json(o);
    return KCTL_OK;
}

static int make_emrtd(int argc, char **argv)
{
    const char *mrz[3] = {0}, *photo = NULL, *csca = NULL, *out = NULL, *tamper = NULL;
    size_t nl = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--mrz") == 0) {
            while (i + 1 < argc && argv[i + 1][0] != '-' && nl < 3)
                mrz[nl++] = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--photo") == 0)
            photo = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--csca-dir") == 0)
            csca = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "-o") == 0)
            out = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--tamper") == 0)
            tamper = argv[++i];
        else
            return kctl_usage(CARD_USAGE);
    }
    if ((nl != 2 && nl != 3) || !photo || !csca || !out ||
        (tamper && strcmp(tamper, "dg1") != 0 && strcmp(tamper, "dg2") != 0))
        return kctl_usage(CARD_USAGE);
    size_t want = nl == 2 ? 44 : 30;
    for (size_t i = 0; i < nl; i++)
        if (strlen(mrz[i]) != want) {
            kctl_error("card make-emrtd: MRZ line %zu has %zu characters, not %zu", i + 1,
                       strlen(mrz[i]), want);
            return KCTL_FAIL;
        }
    size_t plen = 0;
    uint8_t *p = read_all(photo, 200 * 1024, &plen);
    if (!p) {
        kctl_error("card make-emrtd: cannot read the photo %s (at most 200 KB)", photo);
        return KCTL_FAIL;
    }
    struct sim_emrtd_spec spec = {mrz, nl, p, plen, csca, tamper};
    char *text = NULL, err[256] = "";
    int rc = sim_make_emrtd(&spec, &text, err, sizeof err);
    free(p);
    if (rc < 0) {
        kctl_error("card make-emrtd: %s", err);
        return KCTL_FAIL;
    }
    return emit(out, text, "emrtd");
}

static int make_service(int argc, char **argv)
{
    const char *payload = NULL, *out = NULL;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--payload") == 0)
            payload = argv[i + 1];
        else if (strcmp(argv[i], "-o") == 0)
            out = argv[i + 1];
        else
            return kctl_usage(CARD_USAGE);
    }
    if (!payload || !out || argc != 6)
        return kctl_usage(CARD_USAGE);
    size_t n = 0;
    uint8_t *p = read_all(payload, 32767, &n);
    if (!p) {
        kctl_error("card make-service: cannot read %s (1..32767 bytes)", payload);
        return KCTL_FAIL;
    }
    char *text = NULL, err[256] = "";
    int rc = sim_make_service(p, n, &text, err, sizeof err);
    free(p);
    if (rc < 0) {
        kctl_error("card make-service: %s", err);
        return KCTL_FAIL;
    }
    return emit(out, text, "service");
}

int kctl_cmd_card(kctl *k, int argc, char **argv)
{
    (void)k;
    if (argc >= 2 && strcmp(argv[1], "make-emrtd") == 0)
        return make_emrtd(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "make-service") == 0)
        return make_service(argc, argv);
    return kctl_usage(CARD_USAGE);
}

int kctl_cmd_pki(kctl *k, int argc, char **argv)
{
    (void)k;
    if (argc != 3 || strcmp(argv[1], "make-test-csca") != 0)
        return kctl_usage(PKI_USAGE);
    char err[256] = "";
    if (sim_make_test_csca(argv[2], err, sizeof err) < 0) {
        kctl_error("pki make-test-csca: %s", err);
        return KCTL_FAIL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "csca_dir", argv[2]);
    cJSON_AddStringToObject(o, "trust_store", "csca.pem");
    cJSON_AddStringToObject(o, "document_signer", "signer/ds.pem");
    kctl_print_json(o);
    return KCTL_OK;
}
