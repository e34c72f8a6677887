/* sim_card_emrtd: an ICAO 9303 eMRTD (LDS1 application A0 00 00 02 47 10 01) with Basic Access
 * Control and secure messaging, card side. Files are served from file=FID:HEX lines (several
 * lines for one FID are joined); the BAC keys come from mrz_info= or, failing that, from DG1's
 * MRZ. rnd_ic= and k_ic= pin the card's randomness, so a test can replay ICAO 9303-11 Appendix D.
 * The cryptographic primitives are lk_bac's; the protocol logic (unwrapping commands, wrapping
 * answers, the state machine) is written here from the card's point of view. */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_bac.h"
#include "kiosk/lk_lds.h"
#include "kiosk/lk_tlv.h"
#include "sim_card.h"

#define MAX_FILES 16
#define MAX_EF    (256 * 1024)

static const uint8_t LDS1_AID[] = {0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01};

struct ef {
    uint16_t fid;
    uint8_t *data;
    size_t len;
};

struct emrtd {
    struct ef files[MAX_FILES];
    size_t nfiles;
    char mrz_info[LK_BAC_MRZ_INFO_MAX];
    uint8_t k_enc[16], k_mac[16];
    uint8_t fixed_rnd_ic[8], fixed_k_ic[16];
    bool has_rnd_ic, has_k_ic;
    /* session */
    bool applet, challenged, authed;
    uint8_t rnd_ic[8];
    lk_sm sm;
    int selected; /* index into files, -1 none */
};

static void *emrtd_create(void)
{
    struct emrtd *e = calloc(1, sizeof *e);
    if (e)
        e->selected = -1;
    return e;
}

static int add_file(struct emrtd *e, const char *v, char *err, size_t errlen)
{
    unsigned fid = 0;
    int pos = 0;
    if (sscanf(v, "%4x:%n", &fid, &pos) != 1 || pos != 5) {
        snprintf(err, errlen, "expected FID:HEX (e.g. 011E:60...)");
        return -1;
    }
    const char *hex = v + pos;
    size_t want = strlen(hex) / 2 + 1;
    uint8_t *chunk = malloc(want);
    int n = chunk ? sim_hex_decode(hex, chunk, want) : -1;
    size_t i = 0;
    while (i < e->nfiles && e->files[i].fid != fid)
        i++;
    if (n < 0 || (i == e->nfiles && i == MAX_FILES) ||
        (i < e->nfiles && e->files[i].len + (size_t)n > MAX_EF)) {
        free(chunk);
        snprintf(err, errlen, "bad hex, too many files or file too large");
        return -1;
    }
    if (i == e->nfiles)
        e->files[e->nfiles++].fid = (uint16_t)fid;
    struct ef *f = &e->files[i];
    uint8_t *grown = realloc(f->data, f->len + (size_t)n + 1);
    if (!grown) {
        free(chunk);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(grown + f->len, chunk, (size_t)n);
    f->data = grown;
    f->len += (size_t)n;
    free(chunk);
    return 0;
}

static int emrtd_configure(void *ctx, const char *key, const char *value, char *err, size_t errlen)
{
    struct emrtd *e = ctx;
    if (strcmp(key, "file") == 0)
        return add_file(e, value, err, errlen);
    if (strcmp(key, "mrz_info") == 0) {
        if (strlen(value) < 15 || strlen(value) >= sizeof e->mrz_info)
            return -1;
        snprintf(e->mrz_info, sizeof e->mrz_info, "%s", value);
        return 0;
    }
    if (strcmp(key, "rnd_ic") == 0) {
        e->has_rnd_ic = true;
        return sim_hex_decode(value, e->fixed_rnd_ic, 8) == 8 ? 0 : -1;
    }
    if (strcmp(key, "k_ic") == 0) {
        e->has_k_ic = true;
        return sim_hex_decode(value, e->fixed_k_ic, 16) == 16 ? 0 : -1;
    }
    return 1;
}

static const struct ef *find_ef(const struct emrtd *e, uint16_t fid, int *idx)
{
    for (size_t i = 0; i < e->nfiles; i++)
        if (e->files[i].fid == fid) {
            if (idx)
                *idx = (int)i;
            return &e->files[i];
        }
    return NULL;
}

/* The BAC keys: mrz_info=, or the document number and dates of DG1. */
static int emrtd_finish(void *ctx, char *err, size_t errlen)
{
    struct emrtd *e = ctx;
    const struct ef *dg1 = find_ef(e, LK_LDS_FID_DG1, NULL);
    if (!e->mrz_info[0] && dg1) {
        lk_mrz m;
        lk_err le = {0};
        (void)lk_lds_parse_dg1(dg1->data, dg1->len, &m, NULL, NULL, &le);
        if (!m.format ||
            lk_bac_mrz_info(m.document_number, m.birth_date, m.expiry_date, e->mrz_info, &le) < 0) {
            snprintf(err, errlen, "DG1 gives no BAC keys: %s", le.msg);
            return -1;
        }
    }
    if (!e->mrz_info[0]) {
        snprintf(err, errlen, "an emrtd card needs mrz_info= or a DG1 file (file=0101:...)");
        return -1;
    }
    uint8_t seed[16];
    int rc = lk_bac_keys(e->mrz_info, strlen(e->mrz_info), seed, e->k_enc, e->k_mac, NULL);
    OPENSSL_cleanse(seed, sizeof seed);
    return rc < 0 ? -1 : 0;
}

static void emrtd_reset(void *ctx)
{
    struct emrtd *e = ctx;
    e->applet = e->challenged = e->authed = false;
    e->selected = -1;
    lk_sm_wipe(&e->sm);
}

static int sw(uint8_t *resp, size_t *rlen, uint16_t s)
{
    resp[0] = (uint8_t)(s >> 8);
    resp[1] = (uint8_t)s;
    *rlen = 2;
    return 0;
}

static int random_bytes(uint8_t *b, size_t n)
{
    return RAND_bytes(b, (int)n) == 1 ? 0 : -1;
}

/* EXTERNAL AUTHENTICATE: check M.IFD and RND.IC, answer E.IC || M.IC, start the session. */
static int external_auth(struct emrtd *e, const uint8_t *a, size_t n, uint8_t *resp, size_t *rlen)
{
    uint8_t mac_in[40], mac[8], s[32], r[40], k_ic[16];
    if (n < 45 || a[4] != 0x28 || !e->challenged)
        return sw(resp, rlen, e->challenged ? 0x6700 : 0x6985);
    e->challenged = false; /* one try per challenge */
    memcpy(mac_in, a + 5, 32);
    if (lk_bac_mac(e->k_mac, mac_in, lk_bac_pad(mac_in, 32), mac) < 0 ||
        CRYPTO_memcmp(mac, a + 37, 8) != 0 || lk_bac_3des(e->k_enc, false, a + 5, 32, s) < 0 ||
        CRYPTO_memcmp(s + 8, e->rnd_ic, 8) != 0)
        return sw(resp, rlen, 0x6300);
    if (e->has_k_ic)
        memcpy(k_ic, e->fixed_k_ic, 16);
    else if (random_bytes(k_ic, 16) < 0)
        return sw(resp, rlen, 0x6F00);
    memcpy(r, e->rnd_ic, 8);
    memcpy(r + 8, s, 8);
    memcpy(r + 16, k_ic, 16);
    if (lk_bac_3des(e->k_enc, true, r, 32, resp) < 0)
        return sw(resp, rlen, 0x6F00);
    memcpy(mac_in, resp, 32);
    if (lk_bac_mac(e->k_mac, mac_in, lk_bac_pad(mac_in, 32), resp + 32) < 0 ||
        lk_bac_session(s + 16, k_ic, e->rnd_ic, s, &e->sm) < 0)
        return sw(resp, rlen, 0x6F00);
    e->authed = true;
    OPENSSL_cleanse(s, sizeof s);
    OPENSSL_cleanse(r, sizeof r);
    resp[40] = 0x90;
    resp[41] = 0x00;
    *rlen = 42;
    return 0;
}

/* Commands in the clear: SELECT of the applet, GET CHALLENGE, EXTERNAL AUTHENTICATE. Anything
 * else is refused for want of a secure channel. */
static int plain(struct emrtd *e, const uint8_t *a, size_t n, uint8_t *resp, size_t *rlen)
{
    if (n >= 5 + sizeof LDS1_AID && a[1] == 0xA4 && a[2] == 0x04) {
        bool ours = a[4] == sizeof LDS1_AID && memcmp(a + 5, LDS1_AID, sizeof LDS1_AID) == 0;
        emrtd_reset(e);
        e->applet = ours;
        return sw(resp, rlen, ours ? 0x9000 : 0x6A82);
    }
    if (!e->applet)
        return sw(resp, rlen, 0x6D00);
    if (n == 5 && a[1] == 0x84 && a[4] == 0x08) {
        if (e->has_rnd_ic)
            memcpy(e->rnd_ic, e->fixed_rnd_ic, 8);
        else if (random_bytes(e->rnd_ic, 8) < 0)
            return sw(resp, rlen, 0x6F00);
        e->challenged = true;
        memcpy(resp, e->rnd_ic, 8);
        resp[8] = 0x90;
        resp[9] = 0x00;
        *rlen = 10;
        return 0;
    }
    if (a[1] == 0x82)
        return external_auth(e, a, n, resp, rlen);
    return sw(resp, rlen, 0x6982);
}

struct cmd {
    uint8_t ins, p1, p2;
    uint8_t data[256];
    size_t lc;
    bool has_le;
    size_t le;
};

/* Checks a protected command's MAC and decrypts it. Returns 0, or the SW to answer in the clear
 * (and the session ends, as ICAO 9303-11 §9.8.6 asks). */
static uint16_t unwrap_cmd(struct emrtd *e, const uint8_t *a, size_t n, struct cmd *c)
{
    lk_tlv t, d87 = {0}, d97 = {0};
    uint8_t m[8 + 8 + 300], mac[8];
    size_t off = 0, mac_end = 0;
    bool has87 = false, has97 = false, has8e = false;
    if (n < 6 || a[4] != n - 6 || (a[0] & 0x0C) != 0x0C)
        return 0x6988;
    const uint8_t *body = a + 5;
    size_t bl = a[4];
    while (lk_tlv_next(body, bl, &off, &t, NULL) == 1) {
        if (t.tag == 0x87 && t.len >= 9 && (t.len - 1) % 8 == 0 && t.value[0] == 0x01)
            d87 = t, has87 = true;
        else if (t.tag == 0x97 && t.len == 1)
            d97 = t, has97 = true;
        else if (t.tag == 0x8E && t.len == 8 && off == bl)
            has8e = true;
        else
            return 0x6988;
        if (!has8e)
            mac_end = off;
        if (has8e)
            memcpy(mac, t.value, 8);
    }
    if (!has8e)
        return 0x6987;
    lk_sm_ssc_inc(&e->sm);
    uint8_t want[8];
    memcpy(m, e->sm.ssc, 8);
    memcpy(m + 8, a, 4);
    size_t ml = lk_bac_pad(m, 12);
    memcpy(m + ml, body, mac_end);
    ml = lk_bac_pad(m, ml + mac_end);
    if (lk_bac_mac(e->sm.ks_mac, m, ml, want) < 0 || CRYPTO_memcmp(want, mac, 8) != 0)
        return 0x6988;
    c->ins = a[1];
    c->p1 = a[2];
    c->p2 = a[3];
    c->has_le = has97;
    c->le = has97 ? (d97.value[0] ? d97.value[0] : 256) : 0;
    c->lc = 0;
    if (has87) {
        uint8_t plain_data[264];
        size_t cl = d87.len - 1;
        if (cl > sizeof plain_data ||
            lk_bac_3des(e->sm.ks_enc, false, d87.value + 1, cl, plain_data) < 0)
            return 0x6988;
        while (cl > 0 && plain_data[cl - 1] == 0)
            cl--;
        if (cl == 0 || plain_data[cl - 1] != 0x80 || cl - 1 > sizeof c->data)
            return 0x6988;
        c->lc = cl - 1;
        memcpy(c->data, plain_data, c->lc);
    }
    return 0;
}

/* Runs a decrypted command: SELECT EF by FID, READ BINARY with a 15-bit offset. */
static uint16_t execute(struct emrtd *e, const struct cmd *c, const uint8_t **data, size_t *dlen)
{
    *data = NULL;
    *dlen = 0;
    if (c->ins == 0xA4) {
        if (c->p1 == 0x04 && c->lc == sizeof LDS1_AID && !memcmp(c->data, LDS1_AID, c->lc))
            return 0x9000;
        int idx = -1;
        if (c->p1 > 0x02 || c->lc != 2 ||
            !find_ef(e, (uint16_t)(c->data[0] << 8 | c->data[1]), &idx))
            return 0x6A82;
        e->selected = idx;
        return 0x9000;
    }
    if (c->ins != 0xB0)
        return 0x6D00;
    if (e->selected < 0)
        return 0x6986;
    if (c->p1 & 0x80)
        return 0x6A86; /* short EF identifier: not supported by this card */
    const struct ef *f = &e->files[e->selected];
    size_t off = (size_t)(c->p1 << 8 | c->p2);
    if (off >= f->len)
        return 0x6B00;
    size_t n = f->len - off < c->le ? f->len - off : c->le;
    *data = f->data + off;
    *dlen = n;
    return n < c->le ? 0x6282 : 0x9000;
}

/* DO87 (when there are data) || DO99 || DO8E || SW, MAC'd under the incremented SSC. */
static int wrap_resp(struct emrtd *e, const uint8_t *data, size_t dlen, uint16_t s, uint8_t *resp,
                     size_t cap, size_t *rlen)
{
    uint8_t buf[SIM_CARD_MAX_RESP + 16], m[8 + SIM_CARD_MAX_RESP + 16], plain_data[264];
    size_t bl = 0;
    if (dlen > 0) {
        memcpy(plain_data, data, dlen);
        size_t pl = lk_bac_pad(plain_data, dlen);
        int h = lk_tlv_put_header(buf, 4, 0x87, pl + 1);
        buf[h] = 0x01;
        if (lk_bac_3des(e->sm.ks_enc, true, plain_data, pl, buf + h + 1) < 0)
            return -1;
        bl = (size_t)h + 1 + pl;
    }
    memcpy(buf + bl, (const uint8_t[]){0x99, 0x02, (uint8_t)(s >> 8), (uint8_t)s}, 4);
    bl += 4;
    lk_sm_ssc_inc(&e->sm);
    memcpy(m, e->sm.ssc, 8);
    memcpy(m + 8, buf, bl);
    buf[bl++] = 0x8E;
    buf[bl++] = 0x08;
    if (lk_bac_mac(e->sm.ks_mac, m, lk_bac_pad(m, 8 + bl - 2), buf + bl) < 0)
        return -1;
    bl += 8;
    if (bl + 2 > cap)
        return -1;
    memcpy(resp, buf, bl);
    resp[bl] = (uint8_t)(s >> 8);
    resp[bl + 1] = (uint8_t)s;
    *rlen = bl + 2;
    OPENSSL_cleanse(plain_data, sizeof plain_data);
    return 0;
}

static int emrtd_transceive(void *ctx, const uint8_t *apdu, size_t n, uint8_t *resp, size_t cap,
                            size_t *rlen)
{
    struct emrtd *e = ctx;
    if (n < 4 || cap < 42)
        return sw(resp, rlen, 0x6700);
    if (!e->authed || (apdu[0] & 0x0C) != 0x0C)
        return plain(e, apdu, n, resp, rlen);
    struct cmd c;
    uint16_t bad = unwrap_cmd(e, apdu, n, &c);
    if (bad) {
        emrtd_reset(e); /* a broken secure channel is closed */
        return sw(resp, rlen, bad);
    }
    const uint8_t *data = NULL;
    size_t dlen = 0;
    uint16_t s = execute(e, &c, &data, &dlen);
    if (wrap_resp(e, data, dlen, s, resp, cap, rlen) < 0) {
        emrtd_reset(e);
        return sw(resp, rlen, 0x6700); /* the answer would not fit: Le too large */
    }
    return 0;
}

static void emrtd_destroy(void *ctx)
{
    struct emrtd *e = ctx;
    for (size_t i = 0; i < e->nfiles; i++)
        free(e->files[i].data);
    OPENSSL_cleanse(e, sizeof *e);
    free(e);
}

const struct sim_card_ops sim_card_emrtd_ops = {
    .name = "emrtd",
    .create = emrtd_create,
    .configure = emrtd_configure,
    .finish = emrtd_finish,
    .transceive = emrtd_transceive,
    .reset = emrtd_reset,
    .destroy = emrtd_destroy,
};
