/* lk_nfc: libnfc 1.8 underneath. Selects run with NP_INFINITE_SELECT off, so a PN532 answers
 * "no target" after its retries instead of polling forever; APDUs use libnfc's per-call timeout;
 * nfc_abort_command interrupts whatever the uart layer waits for. libnfc's error codes become
 * LK_E* here and nowhere else. */
#include <nfc/nfc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lk_nfc.h"

#define APDU_TIMEOUT_MS 1000
#define POLL_PAUSE_MS   50

struct lk_nfc {
    nfc_context *ctx;
    nfc_device *dev;
    nfc_target target;
    bool have_target;
    atomic_bool cancelled;
    lk_device_state state;
    char name[128];
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libnfc's code as an LK_E* with a message. */
static int nfc_fail(lk_nfc *n, int rc, const char *what, lk_err *err)
{
    int code = rc == NFC_ETIMEOUT      ? LK_ETIMEDOUT
               : rc == NFC_EOPABORTED  ? LK_ECANCELED
               : rc == NFC_ERFTRANS    ? LK_ENODEV
               : rc == NFC_ETGRELEASED ? LK_ENODEV
               : rc == NFC_ECHIP       ? LK_EPROTO
               : rc == NFC_EDEVNOTSUPP ? LK_ENOTSUP
               : rc == NFC_ENOTSUCHDEV ? LK_ENODEV
                                       : LK_EIO;
    if (code == LK_ECANCELED || atomic_load(&n->cancelled))
        return lk_err_set_native(err, LK_ECANCELED, LK_ERR_DOMAIN_LIBNFC, rc, "%s: cancelled",
                                 what);
    if (code == LK_ENODEV) {
        n->have_target = false;
        return lk_err_set_native(err, code, LK_ERR_DOMAIN_LIBNFC, rc, "%s: the card left the field",
                                 what);
    }
    if (code == LK_EIO) {
        n->state.status = LK_DEVICE_FAULT;
        snprintf(n->state.reason, sizeof n->state.reason, "%s: %s", what, nfc_strerror(n->dev));
    }
    return lk_err_set_native(err, code, LK_ERR_DOMAIN_LIBNFC, rc, "%s: %s", what,
                             nfc_strerror(n->dev));
}

int lk_nfc_open(const char *connstring, lk_nfc **out, lk_err *err)
{
    *out = NULL;
    if (!connstring || !connstring[0] || strlen(connstring) >= NFC_BUFSIZE_CONNSTRING)
        return lk_err_set(err, LK_ECONFIG, "no NFC reader configured (nfc.device)");
    lk_nfc *n = calloc(1, sizeof *n);
    if (!n)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    nfc_init(&n->ctx);
    if (!n->ctx) {
        free(n);
        return lk_err_set(err, LK_ENOMEM, "libnfc could not start");
    }
    n->dev = nfc_open(n->ctx, connstring);
    if (!n->dev) {
        nfc_exit(n->ctx);
        free(n);
        return lk_err_set(err, LK_ENODEV, "no NFC reader answers at %s", connstring);
    }
    int rc = nfc_initiator_init(n->dev);
    if (rc >= 0)
        rc = nfc_device_set_property_bool(n->dev, NP_INFINITE_SELECT, false);
    if (rc < 0) {
        int code = nfc_fail(n, rc, "reader initialisation", err);
        lk_nfc_close(n);
        return code;
    }
    snprintf(n->name, sizeof n->name, "%s", nfc_device_get_name(n->dev));
    n->state.status = LK_DEVICE_NORMAL;
    *out = n;
    return 0;
}

void lk_nfc_close(lk_nfc *n)
{
    if (!n)
        return;
    if (n->dev)
        nfc_close(n->dev);
    nfc_exit(n->ctx);
    explicit_bzero(&n->target, sizeof n->target);
    free(n);
}

const char *lk_nfc_name(const lk_nfc *n)
{
    return n->name;
}

int lk_nfc_firmware(lk_nfc *n, char *out, size_t len)
{
    char *info = NULL;
    out[0] = '\0';
    if (nfc_device_get_information_about(n->dev, &info) < 0 || !info) {
        nfc_free(info);
        return LK_EIO;
    }
    /* The first line is "<name> uses libnfc <version>", then "chip: PN532 v1.6". */
    const char *chip = strstr(info, "chip: ");
    if (chip) {
        chip += 6;
        size_t k = strcspn(chip, "\r\n");
        snprintf(out, len, "%.*s", (int)(k < len ? k : len - 1), chip);
    }
    nfc_free(info);
    return out[0] ? 0 : LK_EPROTO;
}

lk_device_state lk_nfc_state(const lk_nfc *n)
{
    return n->state;
}

void lk_nfc_cancel(lk_nfc *n)
{
    atomic_store(&n->cancelled, true);
    nfc_abort_command(n->dev);
}

void lk_nfc_rearm(lk_nfc *n)
{
    atomic_store(&n->cancelled, false);
}

static void describe(const nfc_target *nt, lk_nfc_target *t)
{
    memset(t, 0, sizeof *t);
    if (nt->nm.nmt == NMT_ISO14443A) {
        const nfc_iso14443a_info *a = &nt->nti.nai;
        t->tech = 'A';
        t->uid_len = a->szUidLen <= sizeof t->uid ? a->szUidLen : sizeof t->uid;
        memcpy(t->uid, a->abtUid, t->uid_len);
        memcpy(t->atqa, a->abtAtqa, 2);
        t->sak = a->btSak;
        t->ats_len = a->szAtsLen <= sizeof t->ats ? a->szAtsLen : sizeof t->ats;
        memcpy(t->ats, a->abtAts, t->ats_len);
        t->iso14443_4 = (a->btSak & 0x20) != 0;
        return;
    }
    const nfc_iso14443b_info *b = &nt->nti.nbi;
    t->tech = 'B';
    t->iso14443_4 = true;
    t->uid_len = 4;
    memcpy(t->uid, b->abtPupi, 4);
    t->atqb[0] = 0x50;
    memcpy(t->atqb + 1, b->abtPupi, 4);
    memcpy(t->atqb + 5, b->abtApplicationData, 4);
    memcpy(t->atqb + 9, b->abtProtocolInfo, 3);
}

/* One select of one modulation: 1 found, 0 none, < 0 an LK_E*. */
static int select_one(lk_nfc *n, nfc_modulation_type type, lk_nfc_target *t, lk_err *err)
{
    const nfc_modulation m = {.nmt = type, .nbr = NBR_106};
    nfc_target nt;
    int rc = nfc_initiator_select_passive_target(n->dev, m, NULL, 0, &nt);
    /* A real PN532 still polling when libnfc gives up answers NFC_ETIMEOUT: that is "none". */
    if (rc == 0 || (rc == NFC_ETIMEOUT && !atomic_load(&n->cancelled)))
        return 0;
    if (rc < 0)
        return nfc_fail(n, rc, "card poll", err);
    n->target = nt;
    n->have_target = true;
    describe(&nt, t);
    return 1;
}

static void pause_ms(int ms)
{
    struct timespec ts = {0, (long)ms * 1000000L};
    nanosleep(&ts, NULL);
}

int lk_nfc_wait_card(lk_nfc *n, int timeout_ms, lk_nfc_target *t, lk_err *err)
{
    static const nfc_modulation_type TYPES[] = {NMT_ISO14443A, NMT_ISO14443B};
    int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    n->have_target = false;
    for (;;) {
        for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++) {
            if (atomic_load(&n->cancelled))
                return lk_err_set(err, LK_ECANCELED, "card poll: cancelled");
            int rc = select_one(n, TYPES[i], t, err);
            if (rc != 0)
                return rc < 0 ? rc : 0;
        }
        if (now_ms() >= deadline)
            return lk_err_set(err, LK_ETIMEDOUT, "no card in the field");
        pause_ms(POLL_PAUSE_MS);
    }
}

static int nfc_transmit(void *ctx, const uint8_t *c, size_t n, uint8_t *resp, size_t cap,
                        lk_err *err)
{
    lk_nfc *d = ctx;
    if (atomic_load(&d->cancelled))
        return lk_err_set(err, LK_ECANCELED, "APDU: cancelled");
    if (!d->have_target)
        return lk_err_set(err, LK_ENODEV, "APDU: no card selected");
    bool apdus = d->target.nm.nmt == NMT_ISO14443B || (d->target.nti.nai.btSak & 0x20);
    if (!apdus)
        return lk_err_set(err, LK_ENOTSUP, "APDU: the card does not speak ISO 14443-4");
    if (n > LK_APDU_MAX_CMD)
        return lk_err_set(err, LK_EINVAL, "APDU of %zu bytes is longer than a short APDU", n);
    size_t room = cap < LK_APDU_MAX_RESP ? cap : LK_APDU_MAX_RESP;
    int rc = nfc_initiator_transceive_bytes(d->dev, c, n, resp, room, APDU_TIMEOUT_MS);
    if (rc < 0)
        return nfc_fail(d, rc, "APDU", err);
    if (rc < 2)
        return lk_err_set(err, LK_EPROTO, "APDU: answer of %d bytes has no status word", rc);
    return rc;
}

static const struct lk_apdu_ops NFC_APDU_OPS = {.transmit = nfc_transmit};

lk_apdu_port lk_nfc_port(lk_nfc *n)
{
    return (lk_apdu_port){&NFC_APDU_OPS, n};
}

int lk_nfc_present(lk_nfc *n, lk_err *err)
{
    if (atomic_load(&n->cancelled))
        return lk_err_set(err, LK_ECANCELED, "presence check: cancelled");
    if (!n->have_target)
        return lk_err_set(err, LK_ENODEV, "no card selected");
    int rc = nfc_initiator_target_is_present(n->dev, &n->target);
    return rc < 0 ? nfc_fail(n, rc, "presence check", err) : 0;
}

int lk_nfc_wait_removal(lk_nfc *n, int timeout_ms, lk_err *err)
{
    int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        int rc = lk_nfc_present(n, err);
        if (rc == LK_ENODEV) {
            lk_err_clear(err);
            return 0;
        }
        if (rc != 0 && rc != LK_EIO)
            return rc;
        if (now_ms() >= deadline)
            return lk_err_set(err, LK_ETIMEDOUT, "the card is still in the field");
        pause_ms(2 * POLL_PAUSE_MS);
    }
}

int lk_nfc_release(lk_nfc *n, lk_err *err)
{
    if (!n->have_target)
        return 0;
    n->have_target = false;
    int rc = nfc_initiator_deselect_target(n->dev);
    return rc < 0 ? nfc_fail(n, rc, "release", err) : 0;
}
