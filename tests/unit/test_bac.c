/* test_bac: lk_bac and lk_sm against the ICAO Doc 9303 Part 11 Appendix D worked example, byte
 * for byte: MRZ information, K_seed/K_enc/K_mac, EXTERNAL AUTHENTICATE data, the card's answer
 * turned into session keys and SSC, then the three protected APDUs and their answers (SELECT
 * EF.COM, READ BINARY of 4 and of 18 bytes). Also: a wrong MAC, a wrong nonce and a tampered
 * response are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kiosk/lk_bac.h"

static size_t unhex(const char *h, uint8_t *out)
{
    size_t n = 0;
    for (; h[0] && h[1]; h += 2) {
        if (*h == ' ') {
            h--;
            continue;
        }
        unsigned v = 0;
        sscanf(h, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static void assert_hex(const uint8_t *got, size_t n, const char *want)
{
    uint8_t w[512];
    size_t wn = unhex(want, w);
    assert_int_equal(n, wn);
    assert_memory_equal(got, w, n);
}

#define RND_IC  "4608F91988702212"
#define RND_IFD "781723860C06C226"
#define K_IFD   "0B795240CB7049B01C19B33E32804F0B"
#define EA_RSP  "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449"

static void test_mrz_info_and_keys(void **state)
{
    (void)state;
    char info[LK_BAC_MRZ_INFO_MAX];
    uint8_t seed[16], enc[16], mac[16];
    assert_int_equal(lk_bac_mrz_info("L898902C", "690806", "940623", info, NULL), 0);
    assert_string_equal(info, "L898902C<369080619406236");
    assert_int_equal(lk_bac_keys(info, strlen(info), seed, enc, mac, NULL), 0);
    assert_hex(seed, 16, "239AB9CB282DAF66231DC5A4DF6BFBAE");
    assert_hex(enc, 16, "AB94FDECF2674FDFB9B391F85D7F76F2");
    assert_hex(mac, 16, "7962D9ECE03D1ACD4C76089DCE131543");
    assert_int_equal(lk_bac_mrz_info("L898902C", "6908O6", "940623", info, NULL), LK_EINVAL);
    assert_int_equal(lk_bac_mrz_info("l898902c", "690806", "940623", info, NULL), LK_EINVAL);
}

static void keys(uint8_t enc[16], uint8_t mac[16])
{
    uint8_t seed[16];
    const char *info = "L898902C<369080619406236";
    assert_int_equal(lk_bac_keys(info, strlen(info), seed, enc, mac, NULL), 0);
}

static void test_mutual_auth(void **state)
{
    (void)state;
    uint8_t enc[16], mac[16], ic[8], ifd[8], kifd[16], rsp[40], out[40];
    keys(enc, mac);
    unhex(RND_IC, ic);
    unhex(RND_IFD, ifd);
    unhex(K_IFD, kifd);
    assert_int_equal(lk_bac_auth_data(enc, mac, ic, ifd, kifd, out), 0);
    assert_hex(out, 40,
               "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7");
    lk_sm sm;
    unhex(EA_RSP, rsp);
    assert_int_equal(lk_bac_auth_finish(enc, mac, ic, ifd, kifd, rsp, 40, &sm, NULL), 0);
    assert_hex(sm.ks_enc, 16, "979EC13B1CBFE9DCD01AB0FED307EAE5");
    assert_hex(sm.ks_mac, 16, "F1CB1F1FB5ADF208806B89DC579DC1F8");
    assert_hex(sm.ssc, 8, "887022120C06C226");
    /* The card's MAC off by one bit, or an answer to another nonce: refused. */
    lk_err e = {0};
    rsp[39] ^= 1;
    assert_int_equal(lk_bac_auth_finish(enc, mac, ic, ifd, kifd, rsp, 40, &sm, &e), LK_EBADSIG);
    rsp[39] ^= 1;
    ifd[0] ^= 1;
    assert_int_equal(lk_bac_auth_finish(enc, mac, ic, ifd, kifd, rsp, 40, &sm, &e), LK_EBADSIG);
    assert_int_equal(lk_bac_auth_finish(enc, mac, ic, ifd, kifd, rsp, 39, &sm, &e), LK_EPROTO);
}

static void session(lk_sm *sm)
{
    uint8_t enc[16], mac[16], ic[8], ifd[8], kifd[16], rsp[40];
    keys(enc, mac);
    unhex(RND_IC, ic);
    unhex(RND_IFD, ifd);
    unhex(K_IFD, kifd);
    unhex(EA_RSP, rsp);
    assert_int_equal(lk_bac_auth_finish(enc, mac, ic, ifd, kifd, rsp, 40, sm, NULL), 0);
}

/* One step of D.4: plain command -> protected command; card answer -> plain data. */
static void sm_step(lk_sm *sm, const char *plain, const char *prot, const char *rapdu,
                    const char *data)
{
    uint8_t c[300], out[300], r[300], d[300];
    size_t cn = unhex(plain, c), rn = unhex(rapdu, r), dl = 0;
    uint16_t sw = 0;
    int pl = lk_sm_wrap(sm, c, cn, out, sizeof out, NULL);
    assert_true(pl > 0);
    assert_hex(out, (size_t)pl, prot);
    assert_int_equal(lk_sm_unwrap(sm, r, rn, d, sizeof d, &dl, &sw, NULL), 0);
    assert_int_equal(sw, 0x9000);
    assert_hex(d, dl, data);
}

static void test_secure_messaging(void **state)
{
    (void)state;
    lk_sm sm;
    session(&sm);
    sm_step(&sm, "00A4020C02011E", "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
            "990290008E08FA855A5D4C50A8ED9000", "");
    sm_step(&sm, "00B0000004", "0CB000000D9701048E08ED6705417E96BA5500",
            "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000", "60145F01");
    sm_step(&sm, "00B0000412", "0CB000040D9701128E082EA28A70F3C7B53500",
            "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D74"
            "9000",
            "04303130365F36063034303030305C026175");
    assert_hex(sm.ssc, 8, "887022120C06C22C");
}

static void test_sm_refuses_tampering(void **state)
{
    (void)state;
    lk_sm sm, again;
    uint8_t c[8], out[64], r[64], d[64];
    size_t dl = 0, rn;
    uint16_t sw = 0;
    session(&sm);
    again = sm;
    size_t cn = unhex("00B0000004", c);
    assert_true(lk_sm_wrap(&sm, c, cn, out, sizeof out, NULL) > 0); /* SSC ...C227 */
    lk_sm_ssc_inc(&sm);                                             /* as if SELECT happened */
    assert_true(lk_sm_wrap(&sm, c, cn, out, sizeof out, NULL) > 0);
    rn = unhex("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000", r);
    lk_sm tmp = sm;
    r[5] ^= 0x40; /* one ciphertext bit */
    assert_int_equal(lk_sm_unwrap(&tmp, r, rn, d, sizeof d, &dl, &sw, NULL), LK_EBADSIG);
    r[5] ^= 0x40;
    tmp = again; /* the right answer under the wrong counter */
    assert_int_equal(lk_sm_unwrap(&tmp, r, rn, d, sizeof d, &dl, &sw, NULL), LK_EBADSIG);
    tmp = sm;
    rn = unhex("6982", r); /* a bare status word: no secure messaging */
    assert_int_equal(lk_sm_unwrap(&tmp, r, rn, d, sizeof d, &dl, &sw, NULL), LK_EPROTO);
    assert_int_equal(sw, 0x6982);
    rn = unhex("990290009000", r); /* DO8E missing */
    assert_int_equal(lk_sm_unwrap(&tmp, r, rn, d, sizeof d, &dl, &sw, NULL), LK_EPROTO);
    assert_int_equal(lk_sm_wrap(&tmp, c, 3, out, sizeof out, NULL), LK_EINVAL);
}

static void test_mac_and_parity(void **state)
{
    (void)state;
    uint8_t key[16], m[32], mac[8];
    /* D.3 M.IFD over E.IFD, and every derived key byte has odd parity. */
    unhex("7962D9ECE03D1ACD4C76089DCE131543", key);
    size_t n = unhex("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2", m);
    uint8_t padded[40];
    memcpy(padded, m, n);
    assert_int_equal(lk_bac_mac(key, padded, lk_bac_pad(padded, n), mac), 0);
    assert_hex(mac, 8, "5F1448EEA8AD90A7");
    uint8_t seed[16] = {0}, k[16];
    for (uint32_t c = 1; c < 50; c++) {
        assert_int_equal(lk_bac_derive(seed, c, k), 0);
        for (int i = 0; i < 16; i++)
            assert_int_equal(__builtin_popcount(k[i]) % 2, 1);
    }
    assert_int_equal(lk_bac_mac(key, padded, 7, mac), LK_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mrz_info_and_keys), cmocka_unit_test(test_mutual_auth),
        cmocka_unit_test(test_secure_messaging),  cmocka_unit_test(test_sm_refuses_tampering),
        cmocka_unit_test(test_mac_and_parity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
