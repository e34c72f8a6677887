/* bench_emrtd: the time to read a whole eMRTD (EF.COM, DG1, a ~20 KB DG2, EF.SOD: BAC and secure
 * messaging included) through libnfc's pn532_uart driver and pn532-sim paced at 115200 baud, next
 * to the line-rate floor: the bytes the simulator put on the wire x 10 bits / baud (the direction
 * the simulator paces), and, for reference, the floor counting the host's bytes too (a real
 * half-duplex exchange pays both). One JSON object on stdout.
 * Usage: lk_bench_emrtd PN532-SIM CARD-FILE DOC DOB EXPIRY [REPS] */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kiosk/lk_bac.h"
#include "kiosk/lk_emrtd.h"
#include "lk_nfc.h"

#define BAUD 115200

struct sim {
    pid_t pid;
    FILE *in, *out;
};

static int start_sim(const char *path, const char *card, struct sim *s, char *pty, size_t cap)
{
    int to[2], from[2];
    char baud[16];
    snprintf(baud, sizeof baud, "%d", BAUD);
    if (pipe(to) < 0 || pipe(from) < 0)
        return -1;
    s->pid = fork();
    if (s->pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        close(to[1]);
        close(from[0]);
        execl(path, path, "--card", card, "--baud", baud, (char *)NULL);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    s->in = fdopen(to[1], "w");
    s->out = fdopen(from[0], "r");
    if (!s->in || !s->out || !fgets(pty, (int)cap, s->out))
        return -1;
    pty[strcspn(pty, "\n")] = '\0';
    return 0;
}

/* The simulator's byte counters from its status line. */
static int counters(struct sim *s, unsigned long long *rx, unsigned long long *tx)
{
    char line[512];
    fputs("status\n", s->in);
    fflush(s->in);
    if (!fgets(line, sizeof line, s->out))
        return -1;
    const char *r = strstr(line, "rx_bytes="), *t = strstr(line, "tx_bytes=");
    if (!r || !t)
        return -1;
    *rx = strtoull(r + 9, NULL, 10);
    *tx = strtoull(t + 9, NULL, 10);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct run {
    double s;
    unsigned long long rx, tx;
    lk_emrtd_doc doc;
};

static int one_read(lk_nfc *n, struct sim *s, const char *info, struct run *r, lk_err *err)
{
    unsigned long long rx0, tx0;
    lk_nfc_target t;
    if (counters(s, &rx0, &tx0) < 0)
        return lk_err_set(err, LK_EIO, "no status from pn532-sim");
    double t0 = now_s();
    int rc = lk_nfc_wait_card(n, 1000, &t, err);
    lk_apdu_port port = lk_nfc_port(n);
    lk_emrtd_opts o = {.mrz_info = info};
    if (rc == 0)
        rc = lk_emrtd_read(&port, &o, &r->doc, err);
    r->s = now_s() - t0;
    if (rc == 0 && counters(s, &r->rx, &r->tx) < 0)
        rc = lk_err_set(err, LK_EIO, "no status from pn532-sim");
    lk_nfc_release(n, NULL);
    r->rx -= rx0;
    r->tx -= tx0;
    return rc;
}

static void print(const struct run *runs, int reps, double *times)
{
    const lk_emrtd_doc *d = &runs[0].doc;
    qsort(times, (size_t)reps, sizeof *times, cmp_double);
    double floor_tx = (double)runs[0].tx * 10.0 / BAUD;
    double floor_both = (double)(runs[0].tx + runs[0].rx) * 10.0 / BAUD;
    double p50 = times[reps / 2];
    printf(
        "{\"bench\":\"emrtd_read\",\"baud\":%d,\"reps\":%d,\"files\":{\"ef_com\":%zu,\"dg1\":%zu,"
        "\"dg2\":%zu,\"ef_sod\":%zu},\"apdus\":%u,\"wire_bytes_reader_to_host\":%llu,"
        "\"wire_bytes_host_to_reader\":%llu,\"floor_s\":%.3f,\"floor_both_directions_s\":%.3f,"
        "\"min_s\":%.3f,\"p50_s\":%.3f,\"max_s\":%.3f,\"ratio_p50_to_floor\":%.3f,"
        "\"ratio_p50_to_floor_both\":%.3f,\"target_ratio\":1.2}\n",
        BAUD, reps, d->com_len, d->dg1_len, d->dg2_len, d->sod_len, d->apdus, runs[0].tx,
        runs[0].rx, floor_tx, floor_both, times[0], p50, times[reps - 1], p50 / floor_tx,
        p50 / floor_both);
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: lk_bench_emrtd PN532-SIM CARD DOC DOB EXPIRY [REPS]\n");
        return 2;
    }
    int reps = argc > 6 ? atoi(argv[6]) : 5;
    if (reps < 1 || reps > 50)
        reps = 5;
    setenv("LIBNFC_AUTO_SCAN", "false", 1);
    setenv("LIBNFC_LOG_LEVEL", "0", 1);
    struct sim s;
    char pty[256], conn[300], info[LK_BAC_MRZ_INFO_MAX];
    lk_err err = {0};
    lk_nfc *n = NULL;
    if (start_sim(argv[1], argv[2], &s, pty, sizeof pty) < 0 ||
        lk_bac_mrz_info(argv[3], argv[4], argv[5], info, &err) < 0) {
        fprintf(stderr, "lk_bench_emrtd: cannot start %s or bad MRZ keys %s\n", argv[1], err.msg);
        return 1;
    }
    snprintf(conn, sizeof conn, "pn532_uart:%s", pty);
    int rc = lk_nfc_open(conn, &n, &err);
    struct run *runs = calloc((size_t)reps + 1, sizeof *runs);
    double *times = calloc((size_t)reps, sizeof *times);
    for (int i = 0; rc == 0 && i <= reps; i++) { /* run 0 warms up */
        rc = one_read(n, &s, info, &runs[i], &err);
        if (i > 0)
            times[i - 1] = runs[i].s;
    }
    if (rc == 0)
        print(&runs[1], reps, times);
    else
        fprintf(stderr, "lk_bench_emrtd: %s\n", err.msg);
    for (int i = 0; i <= reps; i++)
        lk_emrtd_doc_free(&runs[i].doc);
    free(runs);
    free(times);
    lk_nfc_close(n);
    fputs("quit\n", s.in);
    fclose(s.in);
    waitpid(s.pid, NULL, 0);
    fclose(s.out);
    return rc == 0 ? 0 : 1;
}
