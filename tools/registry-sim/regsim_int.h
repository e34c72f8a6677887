/* regsim_int: the simulated registry's state, shared by its server (regsim.c) and its data
 * (regsim_feed.c). Every field is guarded by `mu`. */
#ifndef LK_TOOLS_REGSIM_INT_H
#define LK_TOOLS_REGSIM_INT_H

#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>

#include "kiosk/lk_record.h"
#include "regsim.h"

enum { SIM_EV_NEW = 1, SIM_EV_REAPPROVE, SIM_EV_REVOKE, SIM_EV_REPRINT, SIM_EV_QR };

typedef struct sim_event {
    int kind;
    long index;
    char copy[12];
    int copy_no;
    char *text; /* revoke reason, reprint authorisation, QR payload (NULL: fallback) */
} sim_event;

typedef struct sim_idx {
    uint8_t hash[32];
    long index;
} sim_idx;

typedef struct sim_report {
    char key[40];
    uint8_t digest[32]; /* SHA-256 of the body: the same key with another body is a conflict */
    char *body;         /* as received, for tests to read back */
} sim_report;

typedef struct sim_buf {
    char *p;
    size_t len, cap;
    int oom;
} sim_buf;

#define SIM_NONCES 4096

typedef struct sim_page_key {
    unsigned epoch;
    int64_t after;
    int limit;
    size_t n_ev;
} sim_page_key;

struct lk_regsim {
    struct MHD_Daemon *daemon;
    pthread_mutex_t mu;
    int port, control, stopping;
    uint64_t seed;
    long base;
    unsigned epoch;
    sim_event *ev;
    size_t n_ev, cap_ev;
    sim_idx *idx;
    size_t n_idx;
    long idx_records;
    EVP_PKEY *kiosk_pub;
    char kiosk_id[65];
    uint8_t lookup_key[32];
    char key_id[17];
    char nonces[SIM_NONCES][33];
    size_t nonce_next;
    char *log[LK_REGSIM_LOG]; /* request texts, a ring: lk_regsim_request_text */
    size_t n_log;             /* requests logged in all */
    sim_report *reports;
    size_t n_reports, cap_reports;
    int fault_kind, fault_count;
    long fault_ms;
    char fault_path[64];
    lk_regsim_stats stats;
    char *cert_pem, *key_pem;
    /* The next page of a sync is built while the client reads the current one, as a registry
     * serving from precomputed pages would: one prepared page, valid for one feed state. */
    pthread_t prefetch;
    pthread_cond_t prefetch_cv;
    int prefetch_started, want_ready;
    sim_page_key want, ready_key;
    sim_buf ready;
};

void sim_buf_str(sim_buf *b, const char *s);
long sim_feed_records(const lk_regsim *sim);
lk_record *sim_feed_record(const lk_regsim *sim, long index);
int64_t sim_feed_last_seq(const lk_regsim *sim);
/* Appends the page of changes after `after` (at most `limit`) to b. */
int sim_feed_page(const lk_regsim *sim, int64_t after, int limit, const char *from,
                  const char *from_shown, sim_buf *b);
int sim_feed_lookup(lk_regsim *sim, const uint8_t hash[32], sim_buf *b);

#endif
