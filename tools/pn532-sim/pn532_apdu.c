/* pn532-apdu: sends C-APDUs to the card on a PN532 through libnfc and prints each R-APDU in hex,
 * one line each. For technicians checking a reader and card, and for the simulator's tests,
 * which need libnfc's own transceive path rather than a reimplementation of it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nfc/nfc.h>

#define MAX_APDU 264

static const char USAGE[] =
    "usage: pn532-apdu [--type a|b] [--timeout MS] CONNSTRING APDU-HEX...\n"
    "  e.g. pn532-apdu pn532_uart:/dev/pts/3 00A4040C07A0000002471001\n"
    "exit 0: every APDU answered; 1: no card or an exchange failed; 2: usage\n";

struct args {
    nfc_modulation_type type;
    int timeout;
    const char *connstring;
    char **apdus;
    int n_apdus;
};

static int parse_args(int argc, char **argv, struct args *a)
{
    int i = 1;
    a->type = NMT_ISO14443A;
    a->timeout = 1000;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--type") == 0 && i + 1 < argc) {
            const char *t = argv[++i];
            if (strcmp(t, "a") != 0 && strcmp(t, "b") != 0)
                return -1;
            a->type = t[0] == 'a' ? NMT_ISO14443A : NMT_ISO14443B;
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            a->timeout = atoi(argv[++i]);
        } else {
            return -1;
        }
    }
    if (argc - i < 2 || strlen(argv[i]) >= sizeof(nfc_connstring))
        return -1;
    a->connstring = argv[i];
    a->apdus = argv + i + 1;
    a->n_apdus = argc - i - 1;
    return 0;
}

static int hex_to_bytes(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0, len = strlen(hex);
    if (len % 2 != 0 || len / 2 > cap)
        return -1;
    for (size_t i = 0; i < len; i += 2) {
        if (!isxdigit((unsigned char)hex[i]) || !isxdigit((unsigned char)hex[i + 1]))
            return -1;
        char pair[3] = {hex[i], hex[i + 1], '\0'};
        out[n++] = (uint8_t)strtoul(pair, NULL, 16);
    }
    return (int)n;
}

/* Sends every APDU to the selected target; prints each answer. Returns 0 or 1. */
static int exchange_all(nfc_device *dev, const struct args *a)
{
    uint8_t tx[MAX_APDU], rx[MAX_APDU];
    for (int i = 0; i < a->n_apdus; i++) {
        int n = hex_to_bytes(a->apdus[i], tx, sizeof tx);
        if (n <= 0) {
            fprintf(stderr, "pn532-apdu: bad APDU hex: %s\n", a->apdus[i]);
            return 1;
        }
        int r = nfc_initiator_transceive_bytes(dev, tx, (size_t)n, rx, sizeof rx, a->timeout);
        if (r < 0) {
            fprintf(stderr, "pn532-apdu: APDU %d: %s (%d)\n", i + 1, nfc_strerror(dev), r);
            return 1;
        }
        for (int k = 0; k < r; k++)
            printf("%02X", rx[k]);
        putchar('\n');
    }
    fflush(stdout);
    return 0;
}

static int with_device(nfc_device *dev, const struct args *a)
{
    nfc_target t;
    nfc_modulation m = {.nmt = a->type, .nbr = NBR_106};
    if (nfc_initiator_init(dev) < 0) {
        fprintf(stderr, "pn532-apdu: initiator init: %s\n", nfc_strerror(dev));
        return 1;
    }
    int found = nfc_initiator_select_passive_target(dev, m, NULL, 0, &t);
    if (found <= 0) {
        fprintf(stderr, "pn532-apdu: no ISO 14443-%c card (%d)\n",
                a->type == NMT_ISO14443A ? 'A' : 'B', found);
        return 1;
    }
    int rc = exchange_all(dev, a);
    nfc_initiator_deselect_target(dev);
    return rc;
}

int main(int argc, char **argv)
{
    struct args a;
    if (parse_args(argc, argv, &a) < 0) {
        fputs(USAGE, stderr);
        return 2;
    }
    nfc_context *ctx = NULL;
    nfc_init(&ctx);
    if (!ctx) {
        fprintf(stderr, "pn532-apdu: libnfc init failed\n");
        return 1;
    }
    nfc_device *dev = nfc_open(ctx, a.connstring);
    if (!dev) {
        fprintf(stderr, "pn532-apdu: cannot open %s\n", a.connstring);
        nfc_exit(ctx);
        return 1;
    }
    int rc = with_device(dev, &a);
    nfc_close(dev);
    nfc_exit(ctx);
    return rc;
}
