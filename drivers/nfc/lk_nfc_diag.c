/* lk_nfc_diag: opening the reader runs libnfc's own handshake with the PN532, so a reader
 * that opens (or, held by the kiosk, answers GetFirmwareVersion) is a working reader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_config.h"
#include "lk_docreader_nfc.h"
#include "lk_nfc.h"
#include "lk_nfc_diag.h"

void lk_nfc_diag_from_config(lk_store *st, lk_nfc_diag *d)
{
    char *dev = NULL;
    memset(d, 0, sizeof *d);
    if (lk_config_get(st, "nfc.device", &dev, NULL, NULL) == 0 && dev)
        snprintf(d->connstring, sizeof d->connstring, "%s", dev);
    free(dev);
}

typedef struct call {
    const lk_nfc_diag *d;
    const lk_diag_env *env;
    cJSON *out;
    lk_err err;
    int ok;
} call;

/* Runs fn on the kiosk's reader, or on one opened for the call. */
static int with_reader(const lk_nfc_diag *d, int (*fn)(lk_nfc *, void *), call *c)
{
    if (d->reader)
        return lk_docreader_nfc_with(d->reader, fn, c, &c->err);
    lk_nfc *n = NULL;
    int rc = lk_nfc_open(d->connstring, &n, &c->err);
    if (rc == 0)
        rc = fn(n, c);
    lk_nfc_close(n);
    return rc;
}

static int describe(lk_nfc *n, void *ctx)
{
    call *c = ctx;
    char fw[64];
    cJSON_AddStringToObject(c->out, "device", lk_nfc_name(n));
    if (lk_nfc_firmware(n, fw, sizeof fw) == 0)
        cJSON_AddStringToObject(c->out, "firmware", fw);
    lk_device_state s = lk_nfc_state(n);
    c->ok = s.status == LK_DEVICE_NORMAL;
    if (!c->ok)
        lk_err_set(&c->err, LK_EIO, "%s", s.reason[0] ? s.reason : "reader in fault");
    return 0;
}

static void probe(void *ctx, const lk_diag_env *env, lk_device_state *s, cJSON *d)
{
    const lk_nfc_diag *nd = ctx;
    if (!nd->connstring[0] && !nd->reader) {
        s->status = LK_DEVICE_UNKNOWN;
        snprintf(s->reason, sizeof s->reason, "no NFC reader configured (nfc.device)");
        return;
    }
    if (nd->connstring[0])
        cJSON_AddStringToObject(d, "connstring", nd->connstring);
    cJSON_AddStringToObject(d, "driver", "libnfc");
    call c = {.d = nd, .env = env, .out = d};
    if (with_reader(nd, describe, &c) != 0 || !c.ok) {
        s->status = LK_DEVICE_FAULT;
        snprintf(s->reason, sizeof s->reason, "%.150s", c.err.msg);
        return;
    }
    s->status = LK_DEVICE_NORMAL;
    snprintf(s->reason, sizeof s->reason, "ready");
}

lk_diag_probe lk_nfc_diag_probe(lk_nfc_diag *d)
{
    return (lk_diag_probe){"nfc-reader", probe, d, 1};
}

static void hex(char *out, size_t n, const uint8_t *b, size_t len)
{
    out[0] = '\0';
    for (size_t i = 0; i < len && 2 * i + 3 <= n; i++)
        snprintf(out + 2 * i, n - 2 * i, "%02X", b[i]);
}

/* What a card is, from its select answer (NXP AN10833's SAK table for type A). */
static const char *card_type(const lk_nfc_target *t)
{
    if (t->tech == 'B')
        return "ISO 14443-4 type B";
    switch (t->sak) {
    case 0x00:
        return "MIFARE Ultralight / NTAG (type 2 tag)";
    case 0x08:
        return "MIFARE Classic 1K";
    case 0x18:
        return "MIFARE Classic 4K";
    case 0x09:
        return "MIFARE Mini";
    default:
        return t->iso14443_4 ? "ISO 14443-4 type A" : "ISO 14443-3 type A";
    }
}

static int read_card(lk_nfc *n, void *ctx)
{
    call *c = ctx;
    lk_nfc_target t;
    char buf[2 * sizeof t.atqb + 1];
    int ms = c->d->card_timeout_ms > 0 ? c->d->card_timeout_ms : 10000;
    int rc = lk_nfc_wait_card(n, ms, &t, &c->err);
    if (rc == LK_ETIMEDOUT)
        lk_err_set(&c->err, rc, "no card within %d s", ms / 1000);
    if (rc != 0)
        return rc;
    cJSON_AddStringToObject(c->out, "device", lk_nfc_name(n));
    cJSON_AddStringToObject(c->out, "technology", t.tech == 'B' ? "iso14443b" : "iso14443a");
    cJSON_AddStringToObject(c->out, "type", card_type(&t));
    cJSON_AddBoolToObject(c->out, "iso14443_4", t.iso14443_4);
    hex(buf, sizeof buf, t.uid, t.uid_len);
    cJSON_AddStringToObject(c->out, t.tech == 'B' ? "pupi" : "uid", buf);
    if (t.tech == 'A') {
        hex(buf, sizeof buf, t.atqa, 2);
        cJSON_AddStringToObject(c->out, "atqa", buf);
        snprintf(buf, sizeof buf, "%02X", t.sak);
        cJSON_AddStringToObject(c->out, "sak", buf);
    }
    (void)lk_nfc_release(n, NULL);
    c->ok = 1;
    return 0;
}

static int st_test_card(void *ctx, const lk_diag_env *env, cJSON *r)
{
    const lk_nfc_diag *nd = ctx;
    call c = {.d = nd, .env = env, .out = r};
    if (!nd->connstring[0] && !nd->reader)
        lk_err_set(&c.err, LK_ECONFIG, "no NFC reader configured (nfc.device)");
    else if (with_reader(nd, read_card, &c) == 0 && c.ok)
        return 1;
    cJSON_AddStringToObject(r, "problem", c.err.msg[0] ? c.err.msg : "no card read");
    return 0;
}

lk_diag_selftest lk_nfc_diag_test_card(lk_nfc_diag *d)
{
    return (lk_diag_selftest){"test-card", "detect a card on the NFC reader: its type and UID",
                              st_test_card, d, 1};
}
