/* bench_store: import throughput and lookup latency of the records store, in-process.
 *
 * Usage: lk_bench_store WORKDIR [SIZES...]   (default sizes: 100000 1000000)
 * For each size it generates that many synthetic records as JSON Lines (not timed), imports
 * them into a fresh database (timed, including parsing, validation and hashing) and, for the
 * largest size, times `find` by resident identity number for holders drawn at random.
 * Prints one JSON object on stdout; each import size also gives the CPU seconds it used.  */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kiosk/lk_gen.h"
#include "kiosk/lk_idnum.h"
#include "kiosk/lk_import.h"
#include "kiosk/lk_store.h"

#define LOOKUPS 20000

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int count_match(void *ctx, const lk_store_match *m)
{
    (void)m;
    ++*(long *)ctx;
    return 0;
}

static void remove_db(const char *db)
{
    char path[4096];
    const char *suffixes[] = {"", "-wal", "-shm", ".secret"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s%s", db, suffixes[i]);
        unlink(path);
    }
}

/* Generates `n` records to a file and imports them; returns records per second of the whole
 * call or -1, the CPU seconds the import used on all its threads (the machine is shared: wall
 * time says how busy it was as much as how fast the import is), and the part of the wall time
 * spent after the commit checkpointing the WAL into the database file. */
static double bench_import(const char *dir, long n, lk_store **keep, double *cpu_s, double *ckpt_s)
{
    char jsonl[4096], db[4096];
    snprintf(jsonl, sizeof jsonl, "%s/bench-%ld.jsonl", dir, n);
    snprintf(db, sizeof db, "%s/bench-%ld.db", dir, n);
    remove_db(db);
    FILE *f = fopen(jsonl, "w");
    if (!f || lk_gen_write_jsonl(f, (uint64_t)n, 1) != 0 || fclose(f) != 0)
        return -1;
    lk_err err = {0};
    lk_store *st = NULL;
    if (lk_store_open(db, NULL, &st, &err) != 0) {
        fprintf(stderr, "open: %s\n", err.msg);
        return -1;
    }
    lk_import_stats stats = {0};
    double t0 = now_s(), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    int rc = lk_import_file(st, jsonl, LK_IMPORT_JSONL, "bench", lk_idnum_today(), NULL, NULL,
                            &stats, &err);
    double dt = now_s() - t0;
    *cpu_s = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    *ckpt_s = stats.checkpoint_s;
    unlink(jsonl);
    if (rc != 0 || stats.inserted != n) {
        fprintf(stderr, "import: %s (inserted %ld of %ld)\n", err.msg, stats.inserted, n);
        lk_store_close(st);
        return -1;
    }
    *keep = st;
    return (double)n / dt;
}

/* Times LOOKUPS finds of random holders' identity numbers; fills p50/p99 in microseconds. */
static int bench_find(lk_store *st, long n, double *p50, double *p99)
{
    double *lat = malloc(sizeof *lat * LOOKUPS);
    if (!lat)
        return -1;
    lk_gen g;
    lk_gen_init(&g, 1);
    srand(7);
    for (int i = 0; i < LOOKUPS; i++) {
        lk_record *rec = NULL;
        uint64_t idx = (uint64_t)(((long)rand() * RAND_MAX + rand()) % n);
        if (lk_gen_record(&g, idx, &rec) != 0)
            return free(lat), -1;
        long hits = 0;
        double t0 = now_s();
        int rc = lk_store_find_by_doc(st, rec->holder.doc_type, rec->holder.doc_number, count_match,
                                      &hits, NULL);
        lat[i] = (now_s() - t0) * 1e6;
        int approved = strcmp(rec->status, "approved") == 0;
        lk_record_free(rec);
        if (rc < 0 || (approved && hits == 0))
            return free(lat), -1;
    }
    qsort(lat, LOOKUPS, sizeof *lat, cmp_double);
    *p50 = lat[LOOKUPS / 2];
    *p99 = lat[LOOKUPS * 99 / 100];
    free(lat);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: lk_bench_store WORKDIR [SIZES...]\n");
        return 2;
    }
    long sizes[8] = {100000, 1000000};
    int nsizes = 2;
    if (argc > 2) {
        nsizes = 0;
        for (int i = 2; i < argc && nsizes < 8; i++)
            sizes[nsizes++] = atol(argv[i]);
    }
    printf("{\"benchmark\":\"store\",\"import\":[");
    lk_store *last = NULL;
    long last_n = 0;
    for (int i = 0; i < nsizes; i++) {
        lk_store *st = NULL;
        double cpu = 0, ckpt = 0, rate = bench_import(argv[1], sizes[i], &st, &cpu, &ckpt);
        if (rate < 0)
            return 1;
        double wall = (double)sizes[i] / rate;
        printf("%s{\"records\":%ld,\"records_per_s\":%.0f,\"cpu_s\":%.2f,"
               "\"wall_s\":%.2f,\"checkpoint_s\":%.2f,\"to_commit_records_per_s\":%.0f,"
               "\"target_records_per_s\":100000}",
               i ? "," : "", sizes[i], rate, cpu, wall, ckpt, (double)sizes[i] / (wall - ckpt));
        fflush(stdout);
        lk_store_close(last);
        last = st;
        last_n = sizes[i];
    }
    double p50 = 0, p99 = 0;
    if (bench_find(last, last_n, &p50, &p99) != 0)
        return 1;
    printf("],\"find\":{\"records\":%ld,\"lookups\":%d,\"p50_us\":%.1f,\"p99_us\":%.1f,"
           "\"target_p99_us\":200}}\n",
           last_n, LOOKUPS, p50, p99);
    lk_store_close(last);
    return 0;
}
