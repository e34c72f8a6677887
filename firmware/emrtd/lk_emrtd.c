/* lk_emrtd: the read sequence of an eMRTD with BAC (ICAO 9303-11 §4.3, 9303-10 §3): select the
 * LDS1 applet in the clear, authenticate, then every file under secure messaging. Each file's
 * first 4 bytes give its length (tag + up to 3 length bytes), the rest comes in chunks that fit
 * the port. */
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_bac.h"
#include "kiosk/lk_emrtd.h"
#include "kiosk/lk_pa.h"
#include "kiosk/lk_tlv.h"

/* Larger files need offsets past READ BINARY's 15 bits; no LDS1 file of a real document does. */
#define MAX_FILE 0x8000

struct rd {
    const lk_apdu_port *port;
    const lk_emrtd_opts *o;
    lk_sm sm;
    unsigned apdus;
    lk_emrtd_stage stage;
};

const char *lk_emrtd_stage_name(lk_emrtd_stage s)
{
    static const char *const names[] = {"bac", "ef_com", "dg1", "dg2", "ef_sod"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

static void progress(struct rd *r, size_t done, size_t total)
{
    if (r->o->progress)
        r->o->progress(r->o->progress_ctx, r->stage, done, total);
}

static int xfer(struct rd *r, const uint8_t *c, size_t n, uint8_t *resp, lk_err *err)
{
    if (r->o->cancel && atomic_load(r->o->cancel))
        return lk_err_set(err, LK_ECANCELED, "document read cancelled");
    r->apdus++;
    return lk_apdu_transmit(r->port, c, n, resp, LK_APDU_MAX_RESP, err);
}

static uint16_t sw_of(const uint8_t *resp, int n)
{
    return (uint16_t)(resp[n - 2] << 8 | resp[n - 1]);
}

/* A protected command; the plain answer data to data[0..*dlen). */
static int sm_xfer(struct rd *r, const uint8_t *c, size_t n, uint8_t *data, size_t cap,
                   size_t *dlen, uint16_t *sw, lk_err *err)
{
    uint8_t prot[LK_APDU_MAX_CMD + 40], resp[LK_APDU_MAX_RESP];
    int pl = lk_sm_wrap(&r->sm, c, n, prot, sizeof prot, err);
    if (pl < 0)
        return pl;
    int rl = xfer(r, prot, (size_t)pl, resp, err);
    if (rl < 0)
        return rl;
    return lk_sm_unwrap(&r->sm, resp, (size_t)rl, data, cap, dlen, sw, err);
}

static int random_bytes(const lk_emrtd_opts *o, uint8_t *buf, size_t n)
{
    if (o->random)
        return o->random(o->random_ctx, buf, n);
    return RAND_bytes(buf, (int)n) == 1 ? 0 : LK_EIO;
}

static int select_applet(struct rd *r, lk_err *err)
{
    static const uint8_t SEL[] = {0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0,
                                  0x00, 0x00, 0x02, 0x47, 0x10, 0x01};
    uint8_t resp[LK_APDU_MAX_RESP];
    int n = xfer(r, SEL, sizeof SEL, resp, err);
    if (n < 0)
        return n;
    if (sw_of(resp, n) != 0x9000)
        return lk_err_set(err, LK_ENOTSUP, "not an eMRTD: SELECT of the LDS1 application gave %04X",
                          sw_of(resp, n));
    return 0;
}

static int bac(struct rd *r, lk_err *err)
{
    static const uint8_t CHAL[] = {0x00, 0x84, 0x00, 0x00, 0x08};
    uint8_t k_seed[16], k_enc[16], k_mac[16], rnd[24], cmd[46], resp[LK_APDU_MAX_RESP];
    int rc = lk_bac_keys(r->o->mrz_info, strlen(r->o->mrz_info), k_seed, k_enc, k_mac, err);
    int n = rc < 0 ? rc : xfer(r, CHAL, sizeof CHAL, resp, err);
    if (n >= 0 && (n != 10 || sw_of(resp, n) != 0x9000))
        n = lk_err_set(err, LK_EPROTO, "GET CHALLENGE failed (%04X)", sw_of(resp, n));
    if (n >= 0 && random_bytes(r->o, rnd, sizeof rnd) < 0)
        n = lk_err_set(err, LK_EIO, "no random bytes");
    uint8_t rnd_ic[8];
    if (n >= 0) {
        memcpy(rnd_ic, resp, 8);
        memcpy(cmd, (const uint8_t[]){0x00, 0x82, 0x00, 0x00, 0x28}, 5);
        n = lk_bac_auth_data(k_enc, k_mac, rnd_ic, rnd, rnd + 8, cmd + 5);
        cmd[45] = 0x28;
    }
    if (n >= 0)
        n = xfer(r, cmd, sizeof cmd, resp, err);
    if (n >= 0 && sw_of(resp, n) != 0x9000)
        n = lk_err_set(err, LK_EBADSIG, "the MRZ keys do not open this document (%04X)",
                       sw_of(resp, n));
    if (n >= 0)
        n = lk_bac_auth_finish(k_enc, k_mac, rnd_ic, rnd, rnd + 8, resp, (size_t)n - 2, &r->sm,
                               err);
    explicit_bzero(k_seed, sizeof k_seed);
    explicit_bzero(k_enc, sizeof k_enc);
    explicit_bzero(k_mac, sizeof k_mac);
    explicit_bzero(rnd, sizeof rnd);
    return n < 0 ? n : 0;
}

static int read_chunk(struct rd *r, size_t off, size_t le, uint8_t *dst, size_t *got, lk_err *err)
{
    uint8_t c[5] = {0x00, 0xB0, (uint8_t)(off >> 8), (uint8_t)off, (uint8_t)le};
    uint16_t sw = 0;
    int rc = sm_xfer(r, c, sizeof c, dst, le, got, &sw, err);
    if (rc < 0)
        return rc;
    if (sw != 0x9000 && sw != 0x6282)
        return lk_err_set(err, LK_EPROTO, "READ BINARY at %zu gave %04X", off, sw);
    if (*got == 0)
        return lk_err_set(err, LK_EPROTO, "READ BINARY at %zu returned no data", off);
    return 0;
}

/* SELECT the EF, learn its length from the first 4 bytes, read the rest. */
static int read_file(struct rd *r, uint16_t fid, uint8_t **out, size_t *out_len, lk_err *err)
{
    uint8_t sel[7] = {0x00, 0xA4, 0x02, 0x0C, 0x02, (uint8_t)(fid >> 8), (uint8_t)fid};
    uint8_t head[8];
    size_t got = 0, total = 0;
    uint16_t sw = 0;
    uint32_t tag = 0;
    int rc = sm_xfer(r, sel, sizeof sel, head, sizeof head, &got, &sw, err);
    if (rc == 0 && sw != 0x9000)
        rc =
            lk_err_set(err, sw == 0x6A82 ? LK_ENOENT : LK_EPROTO, "SELECT %04X gave %04X", fid, sw);
    if (rc == 0)
        rc = read_chunk(r, 0, 4, head, &got, err);
    if (rc == 0)
        rc = lk_tlv_peek(head, got, &tag, &total, err);
    if (rc == 0 && total > MAX_FILE)
        rc = lk_err_set(err, LK_ENOTSUP, "file %04X of %zu bytes is too large", fid, total);
    if (rc < 0)
        return rc;
    uint8_t *buf = malloc(total);
    if (!buf)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    size_t have = got < total ? got : total;
    memcpy(buf, head, have);
    size_t chunk =
        r->o->chunk && r->o->chunk < LK_EMRTD_MAX_CHUNK ? r->o->chunk : LK_EMRTD_MAX_CHUNK;
    progress(r, have, total);
    while (rc == 0 && have < total) {
        size_t le = total - have < chunk ? total - have : chunk;
        rc = read_chunk(r, have, le, buf + have, &got, err);
        have += rc == 0 ? (got < total - have ? got : total - have) : 0;
        if (rc == 0)
            progress(r, have, total);
    }
    if (rc < 0) {
        explicit_bzero(buf, total);
        free(buf);
        return rc;
    }
    *out = buf;
    *out_len = total;
    return 0;
}

static int read_all(struct rd *r, lk_emrtd_doc *d, lk_err *err)
{
    int rc;
    r->stage = LK_EMRTD_STAGE_COM;
    if ((rc = read_file(r, LK_LDS_FID_COM, &d->com, &d->com_len, err)) < 0 ||
        (rc = lk_lds_parse_com(d->com, d->com_len, &d->ef_com, err)) < 0)
        return rc;
    r->stage = LK_EMRTD_STAGE_DG1;
    if ((rc = read_file(r, LK_LDS_FID_DG1, &d->dg1, &d->dg1_len, err)) < 0)
        return rc;
    /* An MRZ whose check digits fail is still reported (mrz.valid = false): PA decides. */
    rc = lk_lds_parse_dg1(d->dg1, d->dg1_len, &d->mrz, NULL, NULL, err);
    if (rc < 0 && rc != LK_EINVAL)
        return rc;
    if (!d->mrz.format)
        return lk_err_set(err, LK_EINVAL, "DG1: %s", d->mrz.reason);
    bool has_dg2 = memchr(d->ef_com.tags, LK_LDS_TAG_DG2, d->ef_com.ntags) != NULL;
    if (has_dg2 && !r->o->skip_dg2) {
        r->stage = LK_EMRTD_STAGE_DG2;
        if ((rc = read_file(r, LK_LDS_FID_DG2, &d->dg2, &d->dg2_len, err)) < 0 ||
            (rc = lk_lds_parse_dg2(d->dg2, d->dg2_len, &d->face, err)) < 0)
            return rc;
    }
    r->stage = LK_EMRTD_STAGE_SOD;
    return read_file(r, LK_LDS_FID_SOD, &d->sod, &d->sod_len, err);
}

int lk_emrtd_read(const lk_apdu_port *port, const lk_emrtd_opts *opts, lk_emrtd_doc *doc,
                  lk_err *err)
{
    struct rd r = {.port = port, .o = opts, .stage = LK_EMRTD_STAGE_BAC};
    memset(doc, 0, sizeof *doc);
    if (!opts->mrz_info || !opts->mrz_info[0])
        return lk_err_set(err, LK_EINVAL, "no MRZ information for BAC");
    progress(&r, 0, 0);
    int rc = select_applet(&r, err);
    if (rc == 0)
        rc = bac(&r, err);
    if (rc == 0)
        rc = read_all(&r, doc, err);
    lk_sm_wipe(&r.sm);
    doc->apdus = r.apdus;
    if (rc < 0) {
        unsigned apdus = doc->apdus;
        lk_emrtd_doc_free(doc);
        doc->apdus = apdus;
    }
    return rc;
}

int lk_emrtd_passive_auth(const lk_emrtd_doc *doc, const char *csca_dir, lk_pa_result *res,
                          lk_err *err)
{
    lk_pa_dg dgs[2] = {{1, doc->dg1, doc->dg1_len}, {2, doc->dg2, doc->dg2_len}};
    return lk_pa_verify(doc->sod, doc->sod_len, dgs, doc->dg2 ? 2 : 1, csca_dir, res, err);
}

static void wipe(uint8_t **p, size_t *n)
{
    if (*p) {
        explicit_bzero(*p, *n);
        free(*p);
    }
    *p = NULL;
    *n = 0;
}

void lk_emrtd_doc_free(lk_emrtd_doc *doc)
{
    wipe(&doc->com, &doc->com_len);
    wipe(&doc->dg1, &doc->dg1_len);
    wipe(&doc->dg2, &doc->dg2_len);
    wipe(&doc->sod, &doc->sod_len);
    explicit_bzero(doc, sizeof *doc);
}
