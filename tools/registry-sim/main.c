/* registry-sim: the reference registry server as a program, for shell tests and the demo.
 * Prints {"port":N,"url":"https://127.0.0.1:N"} as the first line of stdout once it listens
 * on a free loopback port, then serves until SIGINT/SIGTERM or stdin closes (with --stdin). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regsim.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: registry-sim --make-pki DIR\n"
                    "       registry-sim --pki DIR [--records N] [--seed S] [--kiosk ID]"
                    " [--control] [--stdin]\n");
    return 2;
}

int main(int argc, char **argv)
{
    lk_regsim_opts o = {.records = 1000, .seed = 1};
    int watch_stdin = 0;
    char err[256];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--make-pki") == 0 && v)
            return lk_regsim_make_pki(v, err, sizeof err) == 0 ? 0
                                                               : (fprintf(stderr, "%s\n", err), 1);
        if (strcmp(a, "--pki") == 0 && v)
            o.pki_dir = v, i++;
        else if (strcmp(a, "--records") == 0 && v)
            o.records = atol(v), i++;
        else if (strcmp(a, "--seed") == 0 && v)
            o.seed = strtoull(v, NULL, 10), i++;
        else if (strcmp(a, "--kiosk") == 0 && v)
            o.kiosk_id = v, i++;
        else if (strcmp(a, "--control") == 0)
            o.control = 1;
        else if (strcmp(a, "--stdin") == 0)
            watch_stdin = 1;
        else
            return usage();
    }
    if (!o.pki_dir || o.records < 0)
        return usage();
    lk_regsim *sim = NULL;
    if (lk_regsim_start(&o, &sim, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("{\"port\":%d,\"url\":\"https://127.0.0.1:%d\"}\n", lk_regsim_port(sim),
           lk_regsim_port(sim));
    fflush(stdout);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    char c;
    while (!stop) {
        if (watch_stdin) {
            if (read(0, &c, 1) <= 0)
                break;
        } else {
            pause();
        }
    }
    lk_regsim_stop(sim);
    return 0;
}
