/* sim_control: the simulator's control commands (insert, remove, corrupt, delay, baud, status,
 * quit), read as lines from stdin or from clients of an optional unix socket. */
#ifndef LK_SIM_CONTROL_H
#define LK_SIM_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_outq.h"
#include "sim_pn532.h"

/* Which answer frame gets a spoiled DCS. */
enum sim_corrupt {
    SIM_CORRUPT_NONE,
    SIM_CORRUPT_NEXT, /* the next answer to any command */
    SIM_CORRUPT_APDU, /* the next InDataExchange answer, so a test can open the device first */
};

/* Everything a control command may change. Owned by main(). */
struct sim_knobs {
    struct sim_pn532 *chip;
    struct sim_outq *out;
    enum sim_corrupt corrupt;
    int64_t delay_ns;  /* hold each answer frame back this long after its ACK */
    uint64_t rx_bytes; /* bytes the host wrote since start */
    bool quit;
};

/* Runs one command line; writes a one-line reply ("ok ..." or "error: ...") to reply. */
void sim_control_exec(struct sim_knobs *k, const char *line, char *reply, size_t cap);

/* A connection that sends command lines and gets one reply line per command. */
struct sim_control_conn {
    int in, out; /* the same socket, or stdin and stdout */
    char buf[1024];
    size_t len;
};

/* Reads what is available on c->in and runs every complete line. Returns 0, or -1 when the
 * peer hung up (or sent an over-long line) and the connection should be closed. */
int sim_control_pump(struct sim_control_conn *c, struct sim_knobs *k);

/* A listening unix stream socket at path (an old socket file there is replaced). Returns the
 * fd, or -1 with a reason in err. */
int sim_control_listen(const char *path, char *err, size_t errlen);

#endif
