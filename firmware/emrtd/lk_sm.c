/* lk_sm: ICAO 9303-11 §9.8 secure messaging of short APDUs, terminal side. The SSC goes up once
 * before each command and once before each response; a MAC failure ends the session (the card
 * has already moved its counter, so there is no retrying within it). */
#include <openssl/crypto.h>
#include <string.h>

#include "kiosk/lk_bac.h"
#include "kiosk/lk_tlv.h"

#define MAX_PLAIN 255

struct parsed {
    const uint8_t *data;
    size_t lc;
    bool has_le;
    uint8_t le;
};

static int parse_apdu(const uint8_t *a, size_t n, struct parsed *p)
{
    memset(p, 0, sizeof *p);
    if (n < 4)
        return -1;
    if (n == 5) {
        p->has_le = true;
        p->le = a[4];
    } else if (n > 5) {
        p->lc = a[4];
        p->data = a + 5;
        if (p->lc == 0 || (n != 5 + p->lc && n != 6 + p->lc))
            return -1;
        p->has_le = n == 6 + p->lc;
        p->le = p->has_le ? a[n - 1] : 0;
    }
    return 0;
}

/* DO87 = 87 L 01 || 3DES(KS_enc, pad(data)), at out; returns its length. */
static int do87(const lk_sm *sm, const uint8_t *data, size_t lc, uint8_t *out)
{
    uint8_t buf[MAX_PLAIN + 8];
    memcpy(buf, data, lc);
    size_t pl = lk_bac_pad(buf, lc);
    int h = lk_tlv_put_header(out, 4, 0x87, pl + 1);
    out[h] = 0x01;
    int rc = lk_bac_3des(sm->ks_enc, true, buf, pl, out + h + 1);
    OPENSSL_cleanse(buf, sizeof buf);
    return rc < 0 ? rc : h + 1 + (int)pl;
}

int lk_sm_wrap(lk_sm *sm, const uint8_t *apdu, size_t n, uint8_t *out, size_t cap, lk_err *err)
{
    struct parsed p;
    uint8_t mac_in[8 + 8 + 4 + MAX_PLAIN + 8 + 3 + 8], body[4 + MAX_PLAIN + 8 + 3 + 10];
    size_t bl = 0;
    if (parse_apdu(apdu, n, &p) < 0)
        return lk_err_set(err, LK_EINVAL, "not a short APDU");
    if (p.lc > 0) {
        int k = do87(sm, p.data, p.lc, body);
        if (k < 0)
            return lk_err_set(err, LK_EIO, "cipher failure");
        bl = (size_t)k;
    }
    if (p.has_le) {
        body[bl++] = 0x97;
        body[bl++] = 0x01;
        body[bl++] = p.le;
    }
    lk_sm_ssc_inc(sm);
    memcpy(mac_in, sm->ssc, 8);
    mac_in[8] = apdu[0] | 0x0C;
    memcpy(mac_in + 9, apdu + 1, 3);
    size_t ml = lk_bac_pad(mac_in, 12);
    memcpy(mac_in + ml, body, bl);
    ml = lk_bac_pad(mac_in, ml + bl);
    body[bl++] = 0x8E;
    body[bl++] = 0x08;
    if (lk_bac_mac(sm->ks_mac, mac_in, ml, body + bl) < 0)
        return lk_err_set(err, LK_EIO, "MAC failure");
    bl += 8;
    if (cap < 4 + 1 + bl + 1 || bl > 255)
        return lk_err_set(err, LK_ENOSPC, "protected APDU does not fit");
    out[0] = apdu[0] | 0x0C;
    memcpy(out + 1, apdu + 1, 3);
    out[4] = (uint8_t)bl;
    memcpy(out + 5, body, bl);
    out[5 + bl] = 0x00;
    return (int)(6 + bl);
}

struct objs {
    lk_tlv d87, d99, d8e;
    bool has87, has99, has8e;
    size_t mac_end; /* where the MAC'd objects end (DO8E starts) */
};

static int find_objs(const uint8_t *r, size_t n, struct objs *o, lk_err *err)
{
    size_t off = 0, before = 0;
    lk_tlv t;
    int rc;
    memset(o, 0, sizeof *o);
    while ((rc = lk_tlv_next(r, n, &off, &t, err)) == 1) {
        if (t.tag == 0x87 && !o->has87 && t.len >= 9 && (t.len - 1) % 8 == 0)
            o->d87 = t, o->has87 = true;
        else if (t.tag == 0x99 && t.len == 2)
            o->d99 = t, o->has99 = true;
        else if (t.tag == 0x8E && t.len == 8 && off == n)
            o->d8e = t, o->has8e = true, o->mac_end = before;
        else
            return lk_err_set(err, LK_EPROTO, "unexpected secure messaging object %X",
                              (unsigned)t.tag);
        before = off;
    }
    if (rc < 0)
        return lk_err_set(err, LK_EPROTO, "malformed secure messaging response");
    if (!o->has99 || !o->has8e)
        return lk_err_set(err, LK_EPROTO, "secure messaging response lacks DO99 or DO8E");
    return 0;
}

static int decrypt87(const lk_sm *sm, const lk_tlv *d87, uint8_t *data, size_t cap, size_t *dlen,
                     lk_err *err)
{
    uint8_t plain[MAX_PLAIN + 9];
    size_t cl = d87->len - 1;
    if (d87->value[0] != 0x01 || cl > sizeof plain ||
        lk_bac_3des(sm->ks_enc, false, d87->value + 1, cl, plain) < 0)
        return lk_err_set(err, LK_EPROTO, "undecryptable DO87");
    size_t pl = cl;
    while (pl > 0 && plain[pl - 1] == 0x00)
        pl--;
    int rc = 0;
    if (pl == 0 || plain[pl - 1] != 0x80)
        rc = lk_err_set(err, LK_EPROTO, "bad padding in DO87");
    else if (pl - 1 > cap)
        rc = lk_err_set(err, LK_ENOSPC, "response data larger than the buffer");
    else {
        memcpy(data, plain, pl - 1);
        *dlen = pl - 1;
    }
    OPENSSL_cleanse(plain, sizeof plain);
    return rc;
}

int lk_sm_unwrap(lk_sm *sm, const uint8_t *rapdu, size_t n, uint8_t *data, size_t cap, size_t *dlen,
                 uint16_t *sw, lk_err *err)
{
    struct objs o;
    uint8_t k[8 + 300], mac[8];
    *dlen = 0;
    lk_sm_ssc_inc(sm);
    if (n < 2)
        return lk_err_set(err, LK_EPROTO, "response shorter than a status word");
    *sw = (uint16_t)(rapdu[n - 2] << 8 | rapdu[n - 1]);
    if (n == 2)
        return lk_err_set(err, LK_EPROTO, "card answered %04X without secure messaging", *sw);
    int rc = find_objs(rapdu, n - 2, &o, err);
    if (rc < 0)
        return rc;
    if (o.mac_end + 8 + 8 > sizeof k)
        return lk_err_set(err, LK_EPROTO, "secure messaging response too long");
    memcpy(k, sm->ssc, 8);
    memcpy(k + 8, rapdu, o.mac_end);
    size_t kl = lk_bac_pad(k, 8 + o.mac_end);
    if (lk_bac_mac(sm->ks_mac, k, kl, mac) < 0)
        return lk_err_set(err, LK_EIO, "MAC failure");
    if (CRYPTO_memcmp(mac, o.d8e.value, 8) != 0)
        return lk_err_set(err, LK_EBADSIG, "secure messaging MAC mismatch");
    *sw = (uint16_t)(o.d99.value[0] << 8 | o.d99.value[1]);
    if (o.has87)
        return decrypt87(sm, &o.d87, data, cap, dlen, err);
    return 0;
}
