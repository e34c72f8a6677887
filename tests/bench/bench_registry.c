/* bench_registry: registry sync over real HTTPS on loopback, client and registry-sim in one
 * process (the simulator's record generation runs on its own threads and is included in the
 * wall time: it stands for the registry's own serving cost).
 *
 * Usage: lk_bench_registry WORKDIR [RECORDS] [ROUNDS]   (defaults 100000, 50)
 * 1. full sync of RECORDS synthetic records into a fresh store: records/s;
 * 2. incremental sync latency: ROUNDS times, one registry event (revocation, QR change or new
 *    approval) then one sync; p50 / p99 of the sync call.
 * Prints one JSON object per benchmark on stdout. */
#include <stdint.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kiosk/lk_config.h"
#include "kiosk/lk_registry.h"
#include "regsim.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Process CPU time (client and simulator threads): on a shared machine the wall time says more
 * about the neighbours than about the code. */
static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int configure(lk_store *st, const char *dir, int port)
{
    char v[4200];
    const char *files[][2] = {{"registry.ca_file", "ca.pem"},
                              {"registry.key_file", "kiosk.key"},
                              {"registry.lookup_key_file", "lookup.key"}};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof files / sizeof files[0]; i++) {
        snprintf(v, sizeof v, "%s/%s", dir, files[i][1]);
        rc = lk_config_set(st, files[i][0], v, "bench", NULL);
    }
    snprintf(v, sizeof v, "https://127.0.0.1:%d", port);
    if (rc == 0)
        rc = lk_config_set(st, "registry.url", v, "bench", NULL);
    if (rc == 0)
        rc = lk_config_set(st, "registry.kiosk_id", "kiosk-1", "bench", NULL);
    if (rc == 0)
        rc = lk_config_set(st, "registry.page_size", "1000", "bench", NULL);
    return rc;
}

static void event(lk_regsim *sim, int i, long records)
{
    if (i % 3 == 0)
        lk_regsim_revoke(sim, (i * 7919L) % records, "bench");
    else if (i % 3 == 1)
        lk_regsim_set_qr(sim, (i * 104729L) % records, "https://example.invalid/qr");
    else
        lk_regsim_approve_new(sim);
}

static int run(const char *dir, long records, int rounds)
{
    char err[256], db[4200];
    lk_regsim *sim = NULL;
    lk_regsim_opts o = {.pki_dir = dir, .records = records, .seed = 1};
    if (lk_regsim_make_pki(dir, err, sizeof err) != 0 ||
        lk_regsim_start(&o, &sim, err, sizeof err) != 0) {
        fprintf(stderr, "bench_registry: %s\n", err);
        return 1;
    }
    snprintf(db, sizeof db, "%s/bench-registry.db", dir);
    lk_store *st = NULL;
    lk_registry *reg = NULL;
    lk_err e = {0};
    lk_registry_sync_stats s;
    if (lk_store_open(db, NULL, &st, &e) != 0 || configure(st, dir, lk_regsim_port(sim)) != 0 ||
        lk_registry_open(st, "bench", 0, &reg, &e) != 0) {
        fprintf(stderr, "bench_registry: %s\n", e.msg);
        return 1;
    }
    double t0 = now_s(), c0 = cpu_s();
    int rc = lk_registry_sync(reg, st, 0, &s, &e);
    double full = now_s() - t0, cpu = cpu_s() - c0;
    if (rc != 0 || s.upserts != records) {
        fprintf(stderr, "bench_registry: full sync: %s (%ld upserts)\n", e.msg, s.upserts);
        return 1;
    }
    printf("{\"bench\":\"registry_full_sync\",\"records\":%ld,\"pages\":%ld,\"seconds\":%.2f,"
           "\"records_per_s\":%.0f,\"cpu_seconds\":%.2f}\n",
           records, s.pages, full, (double)records / full, cpu);
    fflush(stdout);
    double *lat = calloc((size_t)rounds, sizeof *lat);
    for (int i = 0; lat && i < rounds; i++) {
        event(sim, i, records);
        t0 = now_s();
        if (lk_registry_sync(reg, st, 0, &s, &e) != 0 || s.pages != 1) {
            fprintf(stderr, "bench_registry: incremental sync: %s\n", e.msg);
            return 1;
        }
        lat[i] = (now_s() - t0) * 1000.0;
    }
    qsort(lat, (size_t)rounds, sizeof *lat, cmp_double);
    printf("{\"bench\":\"registry_incremental_sync\",\"rounds\":%d,\"p50_ms\":%.2f,"
           "\"p99_ms\":%.2f}\n",
           rounds, lat[rounds / 2], lat[rounds - 1 - rounds / 100]);
    free(lat);
    lk_registry_close(reg);
    lk_store_close(st);
    lk_regsim_stop(sim);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: lk_bench_registry WORKDIR [RECORDS] [ROUNDS]\n");
        return 2;
    }
    long records = argc > 2 ? atol(argv[2]) : 100000;
    int rounds = argc > 3 ? atoi(argv[3]) : 50;
    if (records < 1 || rounds < 1)
        return 2;
    return run(argv[1], records, rounds);
}
