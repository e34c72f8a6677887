/* sim_pn532: answers PN532 host commands the way libnfc 1.8's pn53x layer expects (see
 * README.md for the command list). One handler per command code; rsp[0] is always CC+1. */
#include <stdlib.h>
#include <string.h>

#include "sim_pn532.h"

/* RF status bytes in InDataExchange/InCommunicateThru answers. 01 (timeout) is what a card that
 * left the field produces; libnfc maps it to NFC_ERFTRANS. Never set bit 0x80 (NAD): libnfc
 * aborts the process on it. */
#define ST_OK      0x00
#define ST_TIMEOUT 0x01

/* InListPassiveTarget BrTy and InAutoPoll target types. */
#define BRTY_A106       0x00
#define BRTY_B106       0x03
#define PTT_MIFARE      0x10
#define PTT_ISO14443_4A 0x20
#define PTT_ISO14443_3B 0x03
#define PTT_ISO14443_4B 0x23

typedef enum sim_reply (*handler)(struct sim_pn532 *s, const uint8_t *cmd, size_t n, uint8_t *rsp,
                                  size_t *rlen);

struct sim_pn532 *sim_pn532_new(void)
{
    struct sim_pn532 *s = calloc(1, sizeof *s);
    if (s)
        s->remove_after = -1;
    return s;
}

void sim_pn532_free(struct sim_pn532 *s)
{
    if (!s)
        return;
    sim_card_free(s->card);
    free(s);
}

void sim_pn532_set_card(struct sim_pn532 *s, struct sim_card *card)
{
    sim_card_free(s->card);
    s->card = card;
    s->active = false;
    s->remove_after = -1;
}

/* Tg + the target data InListPassiveTarget and InAutoPoll share. Returns its length. */
static size_t target_data(const struct sim_card *c, uint8_t *out)
{
    size_t i = 0;
    out[i++] = 0x01; /* Tg */
    if (c->tech == SIM_TECH_B) {
        memcpy(out + i, c->atqb, sizeof c->atqb);
        i += sizeof c->atqb;
        out[i++] = (uint8_t)c->attrib_len;
        memcpy(out + i, c->attrib, c->attrib_len);
        return i + c->attrib_len;
    }
    out[i++] = c->atqa[0];
    out[i++] = c->atqa[1];
    out[i++] = c->sak;
    out[i++] = (uint8_t)c->uid_len;
    memcpy(out + i, c->uid, c->uid_len);
    i += c->uid_len;
    if (c->ats_len > 0) {
        out[i++] = (uint8_t)(c->ats_len + 1); /* TL counts itself */
        memcpy(out + i, c->ats, c->ats_len);
        i += c->ats_len;
    }
    return i;
}

static void activate(struct sim_pn532 *s)
{
    s->active = true;
    s->card->ops->reset(s->card->ctx);
}

static enum sim_reply status_only(uint8_t *rsp, size_t *rlen, uint8_t status)
{
    rsp[1] = status;
    *rlen = 2;
    return SIM_REPLY_SEND;
}

static enum sim_reply empty_answer(struct sim_pn532 *s, const uint8_t *cmd, size_t n, uint8_t *rsp,
                                   size_t *rlen)
{
    (void)s, (void)cmd, (void)n, (void)rsp;
    *rlen = 1;
    return SIM_REPLY_SEND;
}

static enum sim_reply status_ok(struct sim_pn532 *s, const uint8_t *cmd, size_t n, uint8_t *rsp,
                                size_t *rlen)
{
    (void)s, (void)cmd, (void)n;
    return status_only(rsp, rlen, ST_OK);
}

static enum sim_reply status_timeout(struct sim_pn532 *s, const uint8_t *cmd, size_t n,
                                     uint8_t *rsp, size_t *rlen)
{
    (void)s, (void)cmd, (void)n;
    return status_only(rsp, rlen, ST_TIMEOUT);
}

/* Test 00 (communication line) echoes NumTst and its data, which libnfc compares at open;
 * test 06 (attention request) reports whether the activated card still answers. */
static enum sim_reply diagnose(struct sim_pn532 *s, const uint8_t *cmd, size_t n, uint8_t *rsp,
                               size_t *rlen)
{
    if (n < 2)
        return SIM_REPLY_ERROR;
    if (cmd[1] == 0x06)
        return status_only(rsp, rlen, s->card && s->active ? ST_OK : ST_TIMEOUT);
    if (cmd[1] != 0x00)
        return status_only(rsp, rlen, ST_OK);
    memcpy(rsp + 1, cmd + 1, n - 1);
    *rlen = n;
    return SIM_REPLY_SEND;
}

/* IC PN532, firmware 1.6, support byte 07 (ISO 14443-A, -B and 18092); libnfc refuses -B
 * without bit 1. */
static enum sim_reply firmware_version(struct sim_pn532 *s, const uint8_t *cmd, size_t n,
                                       uint8_t *rsp, size_t *rlen)
{
    static const uint8_t fw[] = {0x32, 0x01, 0x06, 0x07};
    (void)s, (void)cmd, (void)n;
    memcpy(rsp + 1, fw, sizeof fw);
    *rlen = 1 + sizeof fw;
    return SIM_REPLY_SEND;
}

static enum sim_reply general_status(struct sim_pn532 *s, const uint8_t *cmd, size_t n,
                                     uint8_t *rsp, size_t *rlen)
{
    (void)cmd, (void)n;
    bool act = s->card && s->active;
    size_t i = 1;
    rsp[i++] = 0x00; /* last error */
    rsp[i++] = s->field_on;
    rsp[i++] = act;
    if (act) {
        rsp[i++] = 0x01; /* Tg */
        rsp[i++] = 0x00; /* BrRx, BrTx: 106 kbps */
        rsp[i++] = 0x00;
        rsp[i++] = s->card->tech == SIM_TECH_B ? BRTY_B106 : BRTY_A106;
    }
    rsp[i++] = 0x00; /* SAM status */
    *rlen = i;
    return SIM_REPLY_SEND;
}

static enum sim_reply read_register(struct sim_pn532 *s, const uint8_t *cmd, size_t n, uint8_t *rsp,
                                    size_t *rlen)
{
    if (n < 3 || (n - 1) % 2 != 0 || (n - 1) / 2 > SIM_PN532_MAX_RESP - 1)
        return SIM_REPLY_ERROR;
    size_t k = 1;
    for (size_t i = 1; i + 1 < n; i += 2)
        rsp[k++] = s->regs[(size_t)cmd[i] << 8 | cmd[i + 1]];
    *rlen = k;
    return SIM_REPLY_SEND;
}

static enum sim_reply write_register(struct sim_pn532 *s, const uint8_t *cmd, size_t n,
                                     uint8_t *rsp, size_t *rlen)
{
    if (n < 4 || (n - 1) % 3 != 0)
        return SIM_REPLY_ERROR;
    for (size_t i = 1; i + 2 < n; i += 3)
        s->regs[(size_t)cmd[i] << 8 | cmd[i + 1]] = cmd[i + 2];
    return empty_answer(s, cmd, n, rsp, rlen);
}

static enum sim_reply read_gpio(struct sim_pn532 *s, const uint8_t *cmd, size_t n, uint8_t *rsp,
                                size_t *rlen)
{
    (void)s, (void)cmd, (void)n;
    rsp[1] = 0xFF; /* P3, P7 pulled up; I0I1 = 00 (HSU) */
    rsp[2] = 0xFF;
    rsp[3] = 0x00;
    *rlen = 4;
    return SIM_REPLY_SEND;
}

static enum sim_reply sam_configuration(struct sim_pn532 *s, const uint8_t *cmd, size_t n,
                                        uint8_t *rsp, size_t *rlen)
{
    s->powered_down = false;
    return empty_answer(s, cmd, n, rsp, rlen);
}

static enum sim_reply power_down(struct sim_pn532 *s, const uint8_t *cmd, size_t n, uint8_t *rsp,
                                 size_t *rlen)
{
    (void)cmd, (void)n;
    s->powered_down = true;
    s->active = false;
    s->field_on = false;
    return status_only(rsp, rlen, ST_OK);
}

/* Item 01: RF field (bit 0); item 05: retries, where MxRtyPassiveActivation FF is the
 * "infinite select" libnfc turns on in initiator_init. Other items only change timings. */
static enum sim_reply rf_configuration(struct sim_pn532 *s, const uint8_t *cmd, size_t n,
                                       uint8_t *rsp, size_t *rlen)
{
    if (n < 3)
        return SIM_REPLY_ERROR;
    if (cmd[1] == 0x01) {
        s->field_on = cmd[2] & 0x01;
        if (!s->field_on)
            s->active = false;
    } else if (cmd[1] == 0x05 && n >= 5) {
        s->infinite_select = cmd[4] == 0xFF;
    }
    return empty_answer(s, cmd, n, rsp, rlen);
}

static bool card_answers_brty(const struct sim_card *c, const uint8_t *cmd, size_t n)
{
    if (c->tech == SIM_TECH_B)
        return cmd[2] == BRTY_B106;
    if (cmd[2] != BRTY_A106)
        return false;
    /* InitiatorData for A is the UID (with cascade tags dropped) of the one card to select. */
    return n == 3 || (n - 3 == c->uid_len && memcmp(cmd + 3, c->uid, c->uid_len) == 0);
}

static enum sim_reply list_passive(struct sim_pn532 *s, const uint8_t *cmd, size_t n, uint8_t *rsp,
                                   size_t *rlen)
{
    if (n < 3 || cmd[1] == 0)
        return SIM_REPLY_ERROR;
    s->active = false;
    if (!s->card || !card_answers_brty(s->card, cmd, n)) {
        /* A real chip with infinite select keeps polling and never answers; libnfc times out
         * and aborts with an ACK. By default answer "none" at once, as list_passive does. */
        if (s->silent_when_empty && s->infinite_select)
            return SIM_REPLY_SILENT;
        return status_only(rsp, rlen, 0x00);
    }
    activate(s);
    rsp[1] = 0x01; /* NbTg */
    *rlen = 2 + target_data(s->card, rsp + 2);
    return SIM_REPLY_SEND;
}

/* The PTT type of the first requested type this card answers to, or -1. */
static int autopoll_type(const struct sim_card *c, const uint8_t *types, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t t = types[i];
        if (c->tech == SIM_TECH_A && (t == PTT_MIFARE || (t == PTT_ISO14443_4A && c->sak & 0x20)))
            return t;
        if (c->tech == SIM_TECH_B && (t == PTT_ISO14443_3B || t == PTT_ISO14443_4B))
            return t;
    }
    return -1;
}

static enum sim_reply auto_poll(struct sim_pn532 *s, const uint8_t *cmd, size_t n, uint8_t *rsp,
                                size_t *rlen)
{
    if (n < 4)
        return SIM_REPLY_ERROR;
    s->active = false;
    int type = s->card ? autopoll_type(s->card, cmd + 3, n - 3) : -1;
    if (type < 0)
        return status_only(rsp, rlen, 0x00);
    activate(s);
    rsp[1] = 0x01;
    rsp[2] = (uint8_t)type;
    size_t len = target_data(s->card, rsp + 4);
    rsp[3] = (uint8_t)len;
    *rlen = 4 + len;
    return SIM_REPLY_SEND;
}

/* Counts an answered APDU against "remove after N". */
static void count_apdu(struct sim_pn532 *s)
{
    s->apdus++;
    if (s->remove_after > 0 && --s->remove_after == 0)
        sim_pn532_set_card(s, NULL);
}

static enum sim_reply data_exchange(struct sim_pn532 *s, const uint8_t *cmd, size_t n, uint8_t *rsp,
                                    size_t *rlen)
{
    size_t got = 0;
    if (n < 2)
        return SIM_REPLY_ERROR;
    /* A bare Tg fetches the next MI part: this card never chains, so there is none. */
    if (!s->card || !s->active || n == 2 ||
        s->card->ops->transceive(s->card->ctx, cmd + 2, n - 2, rsp + 2, SIM_CARD_MAX_RESP, &got) <
            0)
        return status_only(rsp, rlen, ST_TIMEOUT);
    rsp[1] = ST_OK;
    *rlen = 2 + got;
    count_apdu(s);
    return SIM_REPLY_SEND;
}

/* Raw frames: only the presence ping, an ISO 14443-4 R(NAK) block (B2, or BA CID for B),
 * which the card answers with R(ACK). Probes for B', SRx, CTx, iClass and Jewel time out. */
static enum sim_reply communicate_thru(struct sim_pn532 *s, const uint8_t *cmd, size_t n,
                                       uint8_t *rsp, size_t *rlen)
{
    if (n < 2 || !s->card || !s->active || (cmd[1] & 0xE6) != 0xA2)
        return status_only(rsp, rlen, ST_TIMEOUT);
    rsp[1] = ST_OK;
    rsp[2] = cmd[1] & (uint8_t)~0x10;
    memcpy(rsp + 3, cmd + 2, n - 2);
    *rlen = n + 1;
    return SIM_REPLY_SEND;
}

static enum sim_reply release(struct sim_pn532 *s, const uint8_t *cmd, size_t n, uint8_t *rsp,
                              size_t *rlen)
{
    (void)cmd, (void)n;
    s->active = false;
    return status_only(rsp, rlen, ST_OK);
}

static enum sim_reply in_select(struct sim_pn532 *s, const uint8_t *cmd, size_t n, uint8_t *rsp,
                                size_t *rlen)
{
    (void)cmd, (void)n;
    if (!s->card)
        return status_only(rsp, rlen, ST_TIMEOUT);
    activate(s);
    return status_only(rsp, rlen, ST_OK);
}

/* Target mode is not emulated: TgInitAsTarget waits for an initiator that never comes. */
static enum sim_reply silent(struct sim_pn532 *s, const uint8_t *cmd, size_t n, uint8_t *rsp,
                             size_t *rlen)
{
    (void)s, (void)cmd, (void)n, (void)rsp, (void)rlen;
    return SIM_REPLY_SILENT;
}

static enum sim_reply tg_get_status(struct sim_pn532 *s, const uint8_t *cmd, size_t n, uint8_t *rsp,
                                    size_t *rlen)
{
    (void)s, (void)cmd, (void)n;
    rsp[1] = 0x00; /* not activated as a target */
    rsp[2] = 0x00;
    *rlen = 3;
    return SIM_REPLY_SEND;
}

static handler find_handler(uint8_t cc)
{
    static const struct {
        uint8_t cc;
        handler fn;
    } TABLE[] = {
        {0x00, diagnose},       {0x02, firmware_version},
        {0x04, general_status}, {0x06, read_register},
        {0x08, write_register}, {0x0C, read_gpio},
        {0x0E, empty_answer},   {0x10, empty_answer},
        {0x12, empty_answer},   {0x14, sam_configuration},
        {0x16, power_down},     {0x32, rf_configuration},
        {0x40, data_exchange},  {0x42, communicate_thru},
        {0x44, release},        {0x46, status_timeout},
        {0x4A, list_passive},   {0x4E, status_ok},
        {0x50, status_timeout}, {0x52, release},
        {0x54, in_select},      {0x56, status_timeout},
        {0x60, auto_poll},      {0x8A, tg_get_status},
        {0x8C, silent},
    };
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++)
        if (TABLE[i].cc == cc)
            return TABLE[i].fn;
    return NULL;
}

enum sim_reply sim_pn532_command(struct sim_pn532 *s, const uint8_t *cmd, size_t n, uint8_t *rsp,
                                 size_t *rlen)
{
    *rlen = 0;
    handler fn = n > 0 ? find_handler(cmd[0]) : NULL;
    /* Params longer than any answer can hold would overflow the echoing handlers. */
    if (!fn || n > SIM_PN532_MAX_RESP - 1)
        return SIM_REPLY_ERROR;
    rsp[0] = (uint8_t)(cmd[0] + 1);
    return fn(s, cmd, n, rsp, rlen);
}
