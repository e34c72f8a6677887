/* pn532-sim: a PN532 on a pseudo-terminal for libnfc's pn532_uart driver. main() owns all state:
 * it prints the pty path, then runs one poll() loop over the pty, stdin and control clients. */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sim_control.h"
#include "sim_frame.h"
#include "sim_outq.h"
#include "sim_pn532.h"
#include "sim_pty.h"

#define MAX_CLIENTS 4
#define RX_CAP      4096

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

struct opts {
    const char *card, *control;
    unsigned long baud;
    long delay_ms;
    bool strict_poll, verbose;
};

struct sim {
    struct sim_pty pty;
    struct sim_outq out;
    struct sim_knobs knobs;
    struct sim_control_conn conn[1 + MAX_CLIENTS]; /* [0] is stdin; in < 0 = unused */
    int listen_fd;
    bool verbose;
    uint8_t rx[RX_CAP];
    size_t rx_len;
};

static const char USAGE[] =
    "usage: pn532-sim [--card FILE] [--control SOCKET] [--baud N] [--delay MS]\n"
    "                 [--strict-poll] [--verbose]\n"
    "Prints the pty path on its first line, then reads commands on stdin (and SOCKET):\n"
    "insert FILE | remove [after N] | corrupt [apdu] | delay MS | baud N | status | quit\n";

static int parse_num(const char *s, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : -1;
    if (!s || errno || end == s || *end || v < 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    long v = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--card") == 0 && next)
            o->card = argv[++i];
        else if (strcmp(a, "--control") == 0 && next)
            o->control = argv[++i];
        else if (strcmp(a, "--baud") == 0 && parse_num(next, 10000000, &v) == 0)
            o->baud = (unsigned long)v, i++;
        else if (strcmp(a, "--delay") == 0 && parse_num(next, 60000, &v) == 0)
            o->delay_ms = v, i++;
        else if (strcmp(a, "--strict-poll") == 0)
            o->strict_poll = true;
        else if (strcmp(a, "--verbose") == 0)
            o->verbose = true;
        else
            return -1;
    }
    return 0;
}

static void trace(const struct sim *m, const char *dir, const uint8_t *p, size_t n)
{
    if (!m->verbose)
        return;
    fprintf(stderr, "pn532-sim %s", dir);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, " %02X", p[i]);
    fputc('\n', stderr);
}

/* ACK at once, then the answer after the configured delay, as one queue entry each so a delay
 * only holds back the answer (libnfc wants the ACK within the command's timeout). */
static void answer(struct sim *m, const struct sim_frame *f)
{
    uint8_t ack[8], rsp[SIM_PN532_MAX_RESP], frame[SIM_PN532_MAX_RESP + SIM_FRAME_OVERHEAD];
    size_t rlen = 0, flen = 0;
    int64_t now = sim_now_ns();
    trace(m, "rx", f->pd, f->pd_len);
    (void)sim_outq_push(&m->out, ack, sim_frame_ack(ack, sizeof ack), now);
    enum sim_reply r = sim_pn532_command(m->knobs.chip, f->pd, f->pd_len, rsp, &rlen);
    if (r == SIM_REPLY_SILENT)
        return;
    if (r == SIM_REPLY_ERROR)
        flen = sim_frame_error(frame, sizeof frame);
    else
        flen = sim_frame_encode(SIM_TFI_PN532, rsp, rlen, frame, sizeof frame);
    trace(m, "tx", rsp, r == SIM_REPLY_ERROR ? 0 : rlen);
    if (m->knobs.corrupt == SIM_CORRUPT_NEXT ||
        (m->knobs.corrupt == SIM_CORRUPT_APDU && f->pd[0] == 0x40)) {
        frame[flen - 2] ^= 0x5A; /* the DCS: libnfc must see a checksum error */
        m->knobs.corrupt = SIM_CORRUPT_NONE;
    }
    if (sim_outq_push(&m->out, frame, flen, now + m->knobs.delay_ns) < 0)
        fprintf(stderr, "pn532-sim: output queue full, answer dropped\n");
}

static void handle_frames(struct sim *m)
{
    struct sim_frame f;
    for (;;) {
        size_t used = 0;
        enum sim_frame_kind k = sim_frame_parse(m->rx, m->rx_len, &f, &used);
        memmove(m->rx, m->rx + used, m->rx_len - used);
        m->rx_len -= used;
        if (k == SIM_FRAME_NEED_MORE)
            return;
        if (k == SIM_FRAME_DATA && f.tfi == SIM_TFI_HOST && f.pd_len > 0)
            answer(m, &f);
        else if (k == SIM_FRAME_ACK)
            sim_outq_clear(&m->out); /* the host aborts the running command */
        else if (m->verbose)
            fprintf(stderr, "pn532-sim: dropped a bad or unexpected frame (kind %d)\n", k);
    }
}

static int read_pty(struct sim *m)
{
    if (m->rx_len == RX_CAP) /* only garbage can fill it: drop it */
        m->rx_len = 0;
    ssize_t r = read(m->pty.master, m->rx + m->rx_len, RX_CAP - m->rx_len);
    if (r < 0)
        return (errno == EAGAIN || errno == EINTR || errno == EIO) ? 0 : -1;
    m->rx_len += (size_t)r;
    m->knobs.rx_bytes += (uint64_t)r;
    handle_frames(m);
    return 0;
}

static void accept_client(struct sim *m)
{
    int fd = accept(m->listen_fd, NULL, NULL);
    if (fd < 0)
        return;
    for (size_t i = 1; i <= MAX_CLIENTS; i++) {
        if (m->conn[i].in < 0) {
            m->conn[i] = (struct sim_control_conn){.in = fd, .out = fd};
            return;
        }
    }
    close(fd); /* too many clients */
}

/* Builds the poll set: [0] pty, [1] listener (or -1), then the control connections. */
static size_t poll_set(struct sim *m, struct pollfd *p, int64_t wait)
{
    size_t n = 0;
    p[n++] = (struct pollfd){.fd = m->pty.master, .events = POLLIN | (wait == 0 ? POLLOUT : 0)};
    p[n++] = (struct pollfd){.fd = m->listen_fd, .events = POLLIN};
    for (size_t i = 0; i <= MAX_CLIENTS; i++)
        p[n++] = (struct pollfd){.fd = m->conn[i].in, .events = POLLIN};
    return n;
}

/* Stdin at EOF ends the simulator unless a control socket can still steer it. */
static void serve_controls(struct sim *m, const struct pollfd *p)
{
    if (p[1].revents & POLLIN)
        accept_client(m);
    for (size_t i = 0; i <= MAX_CLIENTS; i++) {
        struct sim_control_conn *c = &m->conn[i];
        if (c->in < 0 || !(p[2 + i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        if (sim_control_pump(c, &m->knobs) == 0)
            continue;
        if (i == 0 && m->listen_fd < 0)
            m->knobs.quit = true;
        if (i > 0)
            close(c->in);
        c->in = -1;
    }
}

static int run(struct sim *m)
{
    struct pollfd p[2 + 1 + MAX_CLIENTS];
    while (!g_stop && !m->knobs.quit) {
        int64_t now = sim_now_ns();
        if (sim_outq_flush(&m->out, m->pty.master, now) < 0)
            return -1;
        int64_t wait = sim_outq_wait_ns(&m->out, now);
        /* ppoll, not poll: a paced byte is due every 87 us at 115200 baud, and poll's whole
         * milliseconds would add up to one per frame. */
        struct timespec ts = {(time_t)(wait / 1000000000), (long)(wait % 1000000000)};
        size_t n = poll_set(m, p, wait);
        if (ppoll(p, (nfds_t)n, wait < 0 ? NULL : &ts, NULL) < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if ((p[0].revents & POLLIN) && read_pty(m) < 0)
            return -1;
        serve_controls(m, p);
    }
    /* Let the answer to the last command out before closing the pty. */
    (void)sim_outq_flush(&m->out, m->pty.master, sim_now_ns());
    return 0;
}

static int setup(struct sim *m, const struct opts *o)
{
    char err[400];
    struct sim_card *card = NULL;
    if (o->card && sim_card_load(o->card, &card, err, sizeof err) < 0)
        goto fail;
    if (o->control && (m->listen_fd = sim_control_listen(o->control, err, sizeof err)) < 0)
        goto fail;
    if (sim_pty_open(&m->pty, err, sizeof err) < 0)
        goto fail;
    sim_pn532_set_card(m->knobs.chip, card);
    return 0;
fail:
    sim_card_free(card);
    fprintf(stderr, "pn532-sim: %s\n", err);
    return -1;
}

static void install_signals(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a control client that hangs up mid-reply */
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    if (parse_args(argc, argv, &o) < 0) {
        fputs(USAGE, stderr);
        return 2;
    }
    static struct sim m; /* large (register file aside, the rx buffer and queue): off the stack */
    m.listen_fd = -1;
    for (size_t i = 0; i <= MAX_CLIENTS; i++)
        m.conn[i].in = -1;
    m.conn[0] = (struct sim_control_conn){.in = STDIN_FILENO, .out = STDOUT_FILENO};
    m.verbose = o.verbose;
    sim_outq_init(&m.out, o.baud);
    m.knobs = (struct sim_knobs){
        .chip = sim_pn532_new(), .out = &m.out, .delay_ns = (int64_t)o.delay_ms * 1000000};
    if (!m.knobs.chip || setup(&m, &o) < 0)
        return 1;
    m.knobs.chip->silent_when_empty = o.strict_poll;
    install_signals();
    printf("%s\n", m.pty.path);
    fflush(stdout);
    int rc = run(&m);
    if (rc < 0)
        fprintf(stderr, "pn532-sim: %s\n", strerror(errno));
    sim_pty_close(&m.pty);
    if (m.listen_fd >= 0) {
        close(m.listen_fd);
        unlink(o.control);
    }
    sim_pn532_free(m.knobs.chip);
    return rc < 0 ? 1 : 0;
}
