/* sim_pty: opens the pseudo-terminal pair and puts the slave in raw mode. */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sim_pty.h"

static int raw_mode(int fd)
{
    struct termios t;
    if (tcgetattr(fd, &t) != 0)
        return -1;
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    return tcsetattr(fd, TCSANOW, &t);
}

int sim_pty_open(struct sim_pty *p, char *err, size_t errlen)
{
    p->master = p->slave = -1;
    p->master = posix_openpt(O_RDWR | O_NOCTTY);
    const char *name = NULL;
    if (p->master < 0 || grantpt(p->master) != 0 || unlockpt(p->master) != 0 ||
        (name = ptsname(p->master)) == NULL || strlen(name) >= sizeof p->path) {
        snprintf(err, errlen, "pseudo-terminal: %s", strerror(errno));
        sim_pty_close(p);
        return -1;
    }
    snprintf(p->path, sizeof p->path, "%s", name);
    /* Raw before anyone opens it, so no byte of the first frame is echoed or translated;
     * libnfc sets raw mode again itself. */
    p->slave = open(p->path, O_RDWR | O_NOCTTY);
    int fl = p->master >= 0 ? fcntl(p->master, F_GETFL) : -1;
    if (p->slave < 0 || raw_mode(p->slave) != 0 || fl < 0 ||
        fcntl(p->master, F_SETFL, fl | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "%s: %s", p->path, strerror(errno));
        sim_pty_close(p);
        return -1;
    }
    return 0;
}

void sim_pty_close(struct sim_pty *p)
{
    if (p->slave >= 0)
        close(p->slave);
    if (p->master >= 0)
        close(p->master);
    p->master = p->slave = -1;
}
