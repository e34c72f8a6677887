/* sim_pty: the pseudo-terminal the simulated PN532 sits behind. */
#ifndef LK_SIM_PTY_H
#define LK_SIM_PTY_H

#include <stddef.h>

struct sim_pty {
    int master;     /* the simulator's end, non-blocking */
    int slave;      /* held open so the master never reads EIO between host sessions */
    char path[128]; /* the slave's path, what the host opens */
};

/* Opens a pty in raw mode. Returns 0, or -1 with a reason in err. */
int sim_pty_open(struct sim_pty *p, char *err, size_t errlen);
void sim_pty_close(struct sim_pty *p);

#endif
