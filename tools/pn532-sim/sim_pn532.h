/* sim_pn532: the PN532 command dispatcher. Takes one host command (CC + params, the PD of a D4
 * frame) and produces the chip's answer (CC+1 + data), keeping the chip's state: register file,
 * RF field, the card in the field and whether it is activated, and the fault-injection knobs
 * that belong to the chip rather than the wire. No I/O. */
#ifndef LK_SIM_PN532_H
#define LK_SIM_PN532_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_card.h"

/* The PD of the largest answer: CC+1, status, SIM_CARD_MAX_RESP bytes of R-APDU. */
#define SIM_PN532_MAX_RESP (2 + SIM_CARD_MAX_RESP)

enum sim_reply {
    SIM_REPLY_SEND,   /* send the answer in rsp */
    SIM_REPLY_SILENT, /* ACK only, no answer: a real chip still polling */
    SIM_REPLY_ERROR,  /* send the application error frame (unknown or malformed command) */
};

struct sim_pn532 {
    uint8_t regs[65536];   /* every ReadRegister/WriteRegister address; all start at 00 */
    struct sim_card *card; /* the card in the field (owned), or NULL */
    bool active;           /* the card was activated and not released since */
    bool field_on;
    bool infinite_select;   /* RFConfiguration item 5, MxRtyPassiveActivation = FF */
    bool silent_when_empty; /* answer InListPassiveTarget like a real chip: not at all */
    bool powered_down;      /* PowerDown seen; the next wake-up clears it */
    long remove_after;      /* remove the card after this many more APDUs; < 0 never */
    unsigned long apdus;    /* APDUs answered since start, for status */
};

/* A chip with an empty field. Free with sim_pn532_free. NULL when out of memory. */
struct sim_pn532 *sim_pn532_new(void);
void sim_pn532_free(struct sim_pn532 *s);

/* Puts card (owned from now on, may be NULL) in the field, replacing and freeing the old one. */
void sim_pn532_set_card(struct sim_pn532 *s, struct sim_card *card);

/* Answers one command cmd[0..n) (n >= 1, cmd[0] = CC). The answer (rsp[0] = CC+1) goes to rsp,
 * which has room for SIM_PN532_MAX_RESP bytes. */
enum sim_reply sim_pn532_command(struct sim_pn532 *s, const uint8_t *cmd, size_t n, uint8_t *rsp,
                                 size_t *rlen);

#endif
