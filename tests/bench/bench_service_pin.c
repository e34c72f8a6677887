/* bench_service_pin: how long the technician's PIN check holds the thread that submits it,
 * with PBKDF2 inline (no workers: what the kiosk's frame loop used to do) and on a worker (the
 * kiosk now): the OK intent and, for the worker, the verdict event, each timed on the calling
 * thread in wall and thread-CPU time, plus the whole check until the menu shows.
 *
 * Usage: lk_bench_service_pin WORKDIR [ITERATIONS] [ROUNDS]   (defaults 200000, 20)
 * Prints one JSON object on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kiosk/lk_config.h"
#include "kiosk/lk_service_mode.h"

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct figures {
    double *loop_wall, *loop_cpu, *total;
} figures;

/* One entry: card, PIN, OK, (verdict), menu, exit. */
static int one_round(lk_svcmode *m, lk_evtq *q, const uint8_t *tok, size_t n, figures *f, int i)
{
    if (lk_svcmode_card(m, tok, n, "en") != 1)
        return -1;
    for (const char *p = "482913"; *p; p++)
        lk_svcmode_intent(m, LK_INTENT_KEY, *p, NULL);
    double w0 = clock_ms(CLOCK_MONOTONIC), c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
    lk_svcmode_intent(m, LK_INTENT_OK, 0, NULL);
    double wall = clock_ms(CLOCK_MONOTONIC) - w0, cpu = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
    while (q && lk_svcmode_view(m)->state == LK_ST_DIAG_PIN) {
        lk_evt e;
        if (lk_evtq_pop(q, &e) != 1) {
            (void)lk_worker_wait(lk_evtq_fd(q), -1, 100);
            continue;
        }
        double w1 = clock_ms(CLOCK_MONOTONIC), c1 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
        (void)lk_svcmode_event(m, &e);
        wall += clock_ms(CLOCK_MONOTONIC) - w1;
        cpu += clock_ms(CLOCK_THREAD_CPUTIME_ID) - c1;
    }
    f->loop_wall[i] = wall;
    f->loop_cpu[i] = cpu;
    f->total[i] = clock_ms(CLOCK_MONOTONIC) - w0;
    if (lk_svcmode_view(m)->state != LK_ST_DIAG_MENU)
        return -1;
    lk_svcmode_intent(m, LK_INTENT_CANCEL, 0, NULL);
    return 0;
}

static void print_case(const char *name, figures *f, int rounds, int last)
{
    qsort(f->loop_wall, (size_t)rounds, sizeof(double), cmp_double);
    qsort(f->loop_cpu, (size_t)rounds, sizeof(double), cmp_double);
    qsort(f->total, (size_t)rounds, sizeof(double), cmp_double);
    printf("\"%s\":{\"loop_wall_ms_p50\":%.2f,\"loop_wall_ms_max\":%.2f,\"loop_cpu_ms_p50\":%.2f,"
           "\"check_total_ms_p50\":%.2f}%s",
           name, f->loop_wall[rounds / 2], f->loop_wall[rounds - 1], f->loop_cpu[rounds / 2],
           f->total[rounds / 2], last ? "" : ",");
}

static int run_case(lk_store *st, lk_sign_key *admin, int workers, int rounds, figures *f)
{
    lk_err err = {0};
    lk_evtq *q = NULL;
    lk_workers *w = NULL;
    if (workers && (lk_evtq_create(16, &q, &err) != 0 || lk_workers_create(1, q, &w, &err) != 0))
        return -1;
    lk_svcmode_deps d = {.st = st, .admin = admin, .state_dir = ".", .workers = w};
    lk_svcmode *m = NULL;
    int rc = lk_svcmode_create(&d, &m, &err);
    uint8_t tok[LK_SERVICE_TOKEN_MAX];
    int64_t now = (int64_t)time(NULL);
    int n = rc == 0
                ? lk_service_token_make(admin, "BENCH", now - 10, now + 3600, tok, sizeof tok, &err)
                : -1;
    for (int i = 0; i < rounds && n > 0 && rc == 0; i++)
        rc = one_round(m, q, tok, (size_t)n, f, i);
    lk_svcmode_free(m);
    lk_workers_free(w);
    lk_evtq_free(q);
    return n > 0 ? rc : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: lk_bench_service_pin WORKDIR [ITERATIONS] [ROUNDS]\n");
        return 2;
    }
    unsigned iter = argc > 2 ? (unsigned)atoi(argv[2]) : LK_SERVICE_PBKDF2_ITER;
    int rounds = argc > 3 ? atoi(argv[3]) : 20;
    char db[1024], key[1024], pub[1024], hash[256];
    snprintf(db, sizeof db, "%s/bench-pin.db", argv[1]);
    snprintf(key, sizeof key, "%s/bench-admin.key", argv[1]);
    snprintf(pub, sizeof pub, "%s/bench-admin.pub", argv[1]);
    lk_err err = {0};
    lk_store *st = NULL;
    lk_sign_key *admin = NULL;
    if (rounds < 1 || lk_store_open(db, NULL, &st, &err) != 0 ||
        lk_sign_keygen(key, pub, &err) != 0 || !(admin = lk_sign_load_private(key, &err)) ||
        lk_service_pin_hash("482913", iter, hash, sizeof hash, &err) != 0 ||
        lk_config_set(st, "service.pin_hash", hash, "bench", &err) != 0) {
        fprintf(stderr, "bench_service_pin: %s\n", err.msg);
        return 1;
    }
    figures in = {calloc((size_t)rounds, 8), calloc((size_t)rounds, 8), calloc((size_t)rounds, 8)};
    figures wk = {calloc((size_t)rounds, 8), calloc((size_t)rounds, 8), calloc((size_t)rounds, 8)};
    int rc = run_case(st, admin, 0, rounds, &in);
    if (rc == 0)
        rc = run_case(st, admin, 1, rounds, &wk);
    if (rc == 0) {
        printf("{\"bench\":\"service_pin\",\"pbkdf2_iterations\":%u,\"rounds\":%d,", iter, rounds);
        print_case("inline", &in, rounds, 0);
        print_case("worker", &wk, rounds, 1);
        printf("}\n");
    } else {
        fprintf(stderr, "bench_service_pin: a round failed\n");
    }
    free(in.loop_wall), free(in.loop_cpu), free(in.total);
    free(wk.loop_wall), free(wk.loop_cpu), free(wk.total);
    lk_sign_key_free(admin);
    lk_store_close(st);
    return rc == 0 ? 0 : 1;
}
