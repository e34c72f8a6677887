/* sim_card: the virtual card in the simulator's field. The RF identity (ISO 14443-A UID, ATQA,
 * SAK, ATS or ISO 14443-B ATQB) is common to every card; what the card answers to APDUs is an
 * application behind an ops table, so a new card type (eMRTD with BAC and secure messaging) is
 * one more file plus one line in the registry in sim_card.c. */
#ifndef LK_SIM_CARD_H
#define LK_SIM_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest R-APDU (data + SW) the simulator carries: libnfc accepts at most 263 bytes. */
#define SIM_CARD_MAX_RESP 263

struct sim_card_ops {
    const char *name; /* the card file's app= value */
    /* A fresh application context, or NULL when out of memory. */
    void *(*create)(void);
    /* Takes one key=value line of the card file that the RF layer does not know. Returns 0 when
     * taken, 1 for a key this application does not know either, -1 for a bad value. err gets a
     * reason (errlen bytes) on -1. */
    int (*configure)(void *ctx, const char *key, const char *value, char *err, size_t errlen);
    /* Called once after the whole file was read: -1 (with err) refuses an incomplete card. */
    int (*finish)(void *ctx, char *err, size_t errlen);
    /* Answers one C-APDU with an R-APDU (SW included) of at most cap bytes. Returns 0, or -1
     * when the card does not answer at all (the reader then reports an RF timeout). */
    int (*transceive)(void *ctx, const uint8_t *apdu, size_t n, uint8_t *resp, size_t cap,
                      size_t *rlen);
    /* The card was (re)activated by the reader: drop session state (selected file, keys). */
    void (*reset)(void *ctx);
    void (*destroy)(void *ctx);
};

/* The application that answers from an apdu= table (and 6D00 to anything else). */
extern const struct sim_card_ops sim_card_script_ops;
/* An ICAO 9303 eMRTD with BAC and secure messaging (sim_card_emrtd.c). */
extern const struct sim_card_ops sim_card_emrtd_ops;
/* The technician's service card: SELECT by AID, READ BINARY of a payload (sim_card_service.c). */
extern const struct sim_card_ops sim_card_service_ops;

enum sim_card_tech { SIM_TECH_A, SIM_TECH_B };

struct sim_card {
    enum sim_card_tech tech;
    uint8_t uid[10]; /* A: 4, 7 or 10 bytes */
    size_t uid_len;
    uint8_t atqa[2]; /* A: SENS_RES as sent on the wire */
    uint8_t sak;
    uint8_t ats[64]; /* A: ATS without its TL byte */
    size_t ats_len;
    uint8_t atqb[12];   /* B: 50 PUPI(4) APP(4) PROTINFO(3) */
    uint8_t attrib[16]; /* B: ATTRIB response */
    size_t attrib_len;
    const struct sim_card_ops *ops;
    void *ctx;
};

/* Parses a card file's text (format in README.md). Returns 0 and a new card in *out, or -1 with
 * "LINE: reason" in err. */
int sim_card_parse(const char *text, size_t len, struct sim_card **out, char *err, size_t errlen);
/* As sim_card_parse, reading the file at path (at most 512 KiB). */
int sim_card_load(const char *path, struct sim_card **out, char *err, size_t errlen);
void sim_card_free(struct sim_card *c);

/* Hex text (spaces allowed) to bytes. Returns the byte count, or -1 on odd length, a non-hex
 * character or more than cap bytes. Shared with the applications' own keys. */
int sim_hex_decode(const char *hex, uint8_t *out, size_t cap);

#endif
