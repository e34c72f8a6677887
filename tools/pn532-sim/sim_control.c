/* sim_control: parses and runs control command lines, and serves them on stdin and a unix
 * socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sim_control.h"

/* A non-negative decimal number filling the whole of s. */
static int parse_count(const char *s, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

static void cmd_insert(struct sim_knobs *k, const char *path, char *reply, size_t cap)
{
    struct sim_card *c = NULL;
    char why[300];
    if (sim_card_load(path, &c, why, sizeof why) < 0) {
        snprintf(reply, cap, "error: %s", why);
        return;
    }
    sim_pn532_set_card(k->chip, c);
    snprintf(reply, cap, "ok inserted");
}

/* "remove", "remove after N" or "remove-after N": N more APDUs are answered, then the card
 * leaves the field. */
static void cmd_remove(struct sim_knobs *k, const char *arg, char *reply, size_t cap)
{
    long n = 0;
    if (strncmp(arg, "after ", 6) == 0)
        arg += 6;
    if (*arg && parse_count(arg, 1000000, &n) < 0) {
        snprintf(reply, cap, "error: remove [after N]");
        return;
    }
    if (!k->chip->card) {
        snprintf(reply, cap, "error: no card");
        return;
    }
    if (n == 0) {
        sim_pn532_set_card(k->chip, NULL);
        snprintf(reply, cap, "ok removed");
        return;
    }
    k->chip->remove_after = n;
    snprintf(reply, cap, "ok removing after %ld APDUs", n);
}

static void cmd_status(struct sim_knobs *k, char *reply, size_t cap)
{
    const struct sim_pn532 *c = k->chip;
    snprintf(reply, cap,
             "ok card=%s active=%d apdus=%lu remove_after=%ld delay_ms=%lld baud=%lu "
             "rx_bytes=%llu tx_bytes=%llu",
             c->card ? "present" : "absent", c->active, c->apdus, c->remove_after,
             (long long)(k->delay_ns / 1000000), k->out->baud, (unsigned long long)k->rx_bytes,
             (unsigned long long)k->out->written);
}

void sim_control_exec(struct sim_knobs *k, const char *line, char *reply, size_t cap)
{
    char verb[32] = "";
    size_t vl = strcspn(line, " \t");
    const char *arg = line + vl + strspn(line + vl, " \t");
    long n = 0;
    if (vl == 0 || vl >= sizeof verb) {
        snprintf(reply, cap, "error: empty or unknown command");
        return;
    }
    memcpy(verb, line, vl);
    if (strcmp(verb, "insert") == 0 && *arg)
        cmd_insert(k, arg, reply, cap);
    else if (strcmp(verb, "remove") == 0 || strcmp(verb, "remove-after") == 0)
        cmd_remove(k, arg, reply, cap);
    else if (strcmp(verb, "corrupt") == 0 && (!*arg || strcmp(arg, "apdu") == 0)) {
        k->corrupt = *arg ? SIM_CORRUPT_APDU : SIM_CORRUPT_NEXT;
        snprintf(reply, cap, "ok corrupting the next %s", *arg ? "APDU answer" : "answer");
    } else if (strcmp(verb, "delay") == 0 && parse_count(arg, 60000, &n) == 0) {
        k->delay_ns = (int64_t)n * 1000000;
        snprintf(reply, cap, "ok delay %ld ms", n);
    } else if (strcmp(verb, "baud") == 0 && parse_count(arg, 10000000, &n) == 0) {
        k->out->baud = (unsigned long)n;
        snprintf(reply, cap, "ok baud %ld", n);
    } else if (strcmp(verb, "status") == 0)
        cmd_status(k, reply, cap);
    else if (strcmp(verb, "quit") == 0) {
        k->quit = true;
        snprintf(reply, cap, "ok bye");
    } else
        snprintf(reply, cap, "error: unknown command or bad argument: %s", line);
}

/* Runs every complete line in c->buf and keeps the incomplete rest. */
static void run_lines(struct sim_control_conn *c, struct sim_knobs *k)
{
    char reply[512];
    size_t start = 0;
    for (size_t i = 0; i < c->len; i++) {
        if (c->buf[i] != '\n')
            continue;
        c->buf[i] = '\0';
        if (i > start && c->buf[i - 1] == '\r')
            c->buf[i - 1] = '\0';
        const char *line = c->buf + start;
        start = i + 1;
        if (*line == '\0' || *line == '#')
            continue;
        sim_control_exec(k, line, reply, sizeof reply);
        size_t rl = strlen(reply);
        reply[rl++] = '\n';
        /* A reader that went away must not stop the simulator: replies are best effort. */
        if (write(c->out, reply, rl) < 0)
            continue;
    }
    memmove(c->buf, c->buf + start, c->len - start);
    c->len -= start;
}

int sim_control_pump(struct sim_control_conn *c, struct sim_knobs *k)
{
    if (c->len == sizeof c->buf)
        return -1;
    ssize_t r = read(c->in, c->buf + c->len, sizeof c->buf - c->len);
    if (r < 0)
        return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
    if (r == 0)
        return -1;
    c->len += (size_t)r;
    run_lines(c, k);
    return 0;
}

int sim_control_listen(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct stat st;
    if (strlen(path) >= sizeof sa.sun_path) {
        snprintf(err, errlen, "%s: path too long for a unix socket", path);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    /* Replace only a stale socket, never a regular file someone mistyped. */
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 4) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}
