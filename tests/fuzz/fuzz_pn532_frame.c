/* fuzz_pn532_frame: feeds arbitrary host bytes to pn532-sim the way its pty loop does: the frame
 * parser consumes the stream, every information frame goes to the PN532 command dispatcher with
 * a card in the field, and every answer must encode into a frame that parses back unchanged.
 *
 * lk-fuzz-seconds: 60 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sim_card.h"
#include "sim_frame.h"
#include "sim_pn532.h"

static const char CARD[] = "type=iso14443a\nuid=08123456\nsak=20\n"
                           "apdu=00A4040C07A0000002471001:9000\napdu=00B0*:01029000\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_answer(const uint8_t *rsp, size_t rlen)
{
    static const size_t cap = SIM_PN532_MAX_RESP + SIM_FRAME_OVERHEAD;
    uint8_t frame[SIM_PN532_MAX_RESP + SIM_FRAME_OVERHEAD];
    struct sim_frame back;
    size_t used = 0;
    size_t n = sim_frame_encode(SIM_TFI_PN532, rsp, rlen, frame, cap);
    if (n == 0 || rlen > SIM_PN532_MAX_RESP ||
        sim_frame_parse(frame, n, &back, &used) != SIM_FRAME_DATA || used != n ||
        back.pd_len != rlen || memcmp(back.pd, rsp, rlen) != 0)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sim_pn532 *chip = sim_pn532_new();
    struct sim_card *card = NULL;
    char err[128];
    if (!chip || sim_card_parse(CARD, sizeof CARD - 1, &card, err, sizeof err) != 0)
        __builtin_trap();
    sim_pn532_set_card(chip, card);
    struct sim_frame f;
    uint8_t rsp[SIM_PN532_MAX_RESP];
    size_t off = 0;
    while (off < size) {
        size_t used = 0, rlen = 0;
        enum sim_frame_kind k = sim_frame_parse(data + off, size - off, &f, &used);
        if (used > size - off)
            __builtin_trap();
        if (k == SIM_FRAME_NEED_MORE && used == 0)
            break;
        off += used;
        if (k == SIM_FRAME_DATA && f.pd_len > 0 &&
            sim_pn532_command(chip, f.pd, f.pd_len, rsp, &rlen) == SIM_REPLY_SEND)
            check_answer(rsp, rlen);
    }
    sim_pn532_free(chip);
    return 0;
}
