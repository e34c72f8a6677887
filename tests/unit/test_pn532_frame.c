/* test_pn532_frame: the pn532-sim frame codec against frames captured from libnfc 1.8 (wake-up
 * plus SAMConfiguration, ACK, the Diagnose echo) and against encode/parse round trips, bad
 * checksums, extended frames and line noise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim_frame.h"

/* libnfc's first write after open: 55 55, 14 zero bytes, then SAMConfiguration 14 01. */
static const uint8_t WAKEUP_SAM[] = {0x55, 0x55, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                     0xFF, 0x03, 0xFD, 0xD4, 0x14, 0x01, 0x17, 0x00};

static void test_wakeup_then_sam_configuration(void **state)
{
    (void)state;
    struct sim_frame f;
    size_t used = 0;
    assert_int_equal(sim_frame_parse(WAKEUP_SAM, sizeof WAKEUP_SAM, &f, &used), SIM_FRAME_DATA);
    assert_int_equal(used, sizeof WAKEUP_SAM);
    assert_int_equal(f.tfi, SIM_TFI_HOST);
    assert_int_equal(f.pd_len, 2);
    assert_int_equal(f.pd[0], 0x14);
    assert_int_equal(f.pd[1], 0x01);
    assert_false(f.extended);
}

static void test_every_prefix_needs_more(void **state)
{
    (void)state;
    struct sim_frame f;
    size_t used = 0;
    for (size_t n = 0; n + 1 < sizeof WAKEUP_SAM - 1; n++) {
        assert_int_equal(sim_frame_parse(WAKEUP_SAM, n, &f, &used), SIM_FRAME_NEED_MORE);
        assert_true(used <= n);
    }
}

static void test_ack_nack_error(void **state)
{
    (void)state;
    uint8_t buf[16];
    struct sim_frame f;
    size_t used = 0;
    size_t n = sim_frame_ack(buf, sizeof buf);
    static const uint8_t ack[] = {0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00};
    assert_int_equal(n, 6);
    assert_memory_equal(buf, ack, 6);
    assert_int_equal(sim_frame_parse(buf, n, &f, &used), SIM_FRAME_ACK);
    assert_int_equal(used, 6);
    n = sim_frame_nack(buf, sizeof buf);
    assert_int_equal(sim_frame_parse(buf, n, &f, &used), SIM_FRAME_NACK);
    assert_int_equal(used, 6);
    n = sim_frame_error(buf, sizeof buf);
    assert_int_equal(n, 8);
    assert_int_equal(sim_frame_parse(buf, n, &f, &used), SIM_FRAME_ERROR);
    assert_int_equal(used, 8);
    assert_int_equal(sim_frame_ack(buf, 5), 0);
}

static void test_encode_matches_capture(void **state)
{
    (void)state;
    /* GetFirmwareVersion's answer as a PN532 v1.6 sends it. */
    static const uint8_t want[] = {0x00, 0x00, 0xFF, 0x06, 0xFA, 0xD5, 0x03,
                                   0x32, 0x01, 0x06, 0x07, 0xE8, 0x00};
    static const uint8_t pd[] = {0x03, 0x32, 0x01, 0x06, 0x07};
    uint8_t buf[64];
    size_t n = sim_frame_encode(SIM_TFI_PN532, pd, sizeof pd, buf, sizeof buf);
    assert_int_equal(n, sizeof want);
    assert_memory_equal(buf, want, sizeof want);
    assert_int_equal(sim_frame_encode(SIM_TFI_PN532, pd, sizeof pd, buf, 10), 0);
}

static void round_trip(size_t n, int want_extended)
{
    static uint8_t pd[SIM_FRAME_MAX_PD], buf[SIM_FRAME_MAX_PD + SIM_FRAME_OVERHEAD];
    static struct sim_frame f;
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        pd[i] = (uint8_t)(i * 7 + 3);
    size_t len = sim_frame_encode(SIM_TFI_HOST, pd, n, buf, sizeof buf);
    assert_int_equal(len, n + (want_extended ? 11 : 8));
    assert_int_equal(sim_frame_parse(buf, len, &f, &used), SIM_FRAME_DATA);
    assert_int_equal(used, len);
    assert_int_equal(f.extended, want_extended);
    assert_int_equal(f.pd_len, n);
    assert_memory_equal(f.pd, pd, n);
}

static void test_round_trips_normal_and_extended(void **state)
{
    (void)state;
    round_trip(0, 0);
    round_trip(1, 0);
    round_trip(254, 0); /* LEN = FF: still a normal frame */
    round_trip(255, 1);
    round_trip(264, 1);
    round_trip(SIM_FRAME_MAX_PD, 1);
}

static void test_bad_checksums_resync(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct sim_frame f;
    size_t used = 0;
    static const uint8_t pd[] = {0x4A, 0x01, 0x00};
    size_t n = sim_frame_encode(SIM_TFI_HOST, pd, sizeof pd, buf, sizeof buf);
    buf[n - 2] ^= 1; /* DCS */
    assert_int_equal(sim_frame_parse(buf, n, &f, &used), SIM_FRAME_BAD);
    assert_true(used > 0 && used <= n);
    n = sim_frame_encode(SIM_TFI_HOST, pd, sizeof pd, buf, sizeof buf);
    buf[4] ^= 1; /* LCS */
    assert_int_equal(sim_frame_parse(buf, n, &f, &used), SIM_FRAME_BAD);
    assert_int_equal(used, 3); /* the preamble and start code only: the rest is rescanned */
    /* A good frame right behind the bad one is found on the next call. */
    size_t m = sim_frame_encode(SIM_TFI_HOST, pd, sizeof pd, buf + n, sizeof buf - n);
    size_t off = used;
    enum sim_frame_kind k;
    while ((k = sim_frame_parse(buf + off, n + m - off, &f, &used)) == SIM_FRAME_BAD)
        off += used;
    assert_int_equal(k, SIM_FRAME_DATA);
    assert_memory_equal(f.pd, pd, sizeof pd);
}

static void test_extended_length_checks(void **state)
{
    (void)state;
    struct sim_frame f;
    size_t used = 0;
    /* LENm+LENl+LCS must be 0 mod 256. */
    static const uint8_t bad_lcs[] = {0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x00, 0xD4};
    assert_int_equal(sim_frame_parse(bad_lcs, sizeof bad_lcs, &f, &used), SIM_FRAME_BAD);
    /* A length beyond what any host sends is refused before waiting for its bytes. */
    static const uint8_t huge[] = {0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01};
    assert_int_equal(sim_frame_parse(huge, sizeof huge, &f, &used), SIM_FRAME_BAD);
    /* A plausible extended header waits for its body. */
    static const uint8_t head[] = {0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x01, 0x05, 0xFA, 0xD4};
    assert_int_equal(sim_frame_parse(head, sizeof head, &f, &used), SIM_FRAME_NEED_MORE);
    assert_int_equal(used, 1);
}

static void test_garbage_and_back_to_back(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct sim_frame f;
    size_t used = 0, n = 0;
    static const uint8_t noise[] = {0xFF, 0x13, 0x00, 0x55, 0xFF};
    static const uint8_t pd1[] = {0x02}, pd2[] = {0x12, 0x14};
    memcpy(buf, noise, sizeof noise);
    n = sizeof noise;
    n += sim_frame_encode(SIM_TFI_HOST, pd1, 1, buf + n, sizeof buf - n);
    n += sim_frame_encode(SIM_TFI_HOST, pd2, 2, buf + n, sizeof buf - n);
    assert_int_equal(sim_frame_parse(buf, n, &f, &used), SIM_FRAME_DATA);
    assert_int_equal(f.pd[0], 0x02);
    assert_int_equal(sim_frame_parse(buf + used, n - used, &f, &used), SIM_FRAME_DATA);
    assert_int_equal(f.pd[0], 0x12);
    /* Only noise: everything but a trailing 00 (half a start code) may go. */
    static const uint8_t tail[] = {0x55, 0x55, 0x00};
    assert_int_equal(sim_frame_parse(tail, sizeof tail, &f, &used), SIM_FRAME_NEED_MORE);
    assert_int_equal(used, 2);
    /* A frame whose postamble has not arrived yet is still taken. */
    size_t len = sim_frame_encode(SIM_TFI_HOST, pd2, 2, buf, sizeof buf);
    assert_int_equal(sim_frame_parse(buf, len - 1, &f, &used), SIM_FRAME_DATA);
    assert_int_equal(used, len - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wakeup_then_sam_configuration),
        cmocka_unit_test(test_every_prefix_needs_more),
        cmocka_unit_test(test_ack_nack_error),
        cmocka_unit_test(test_encode_matches_capture),
        cmocka_unit_test(test_round_trips_normal_and_extended),
        cmocka_unit_test(test_bad_checksums_resync),
        cmocka_unit_test(test_extended_length_checks),
        cmocka_unit_test(test_garbage_and_back_to_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
