/* lk_regsim: a reference registry server (docs/registry-api.md) for tests, benchmarks and the
 * demo: libmicrohttpd with TLS on loopback, a free port chosen at start, synthetic records from
 * lk_gen, change feed with cursors, live lookup by registry lookup hash, print reports deduped
 * by idempotency key, Ed25519 request authentication, and fault injection. Runs in-process (the
 * tests drive it directly) or as the registry-sim binary. */
#ifndef LK_TOOLS_REGSIM_H
#define LK_TOOLS_REGSIM_H

#include <stddef.h>
#include <stdint.h>

typedef struct lk_regsim lk_regsim;

typedef struct lk_regsim_opts {
    const char *pki_dir; /* as written by lk_regsim_make_pki */
    long records;        /* synthetic records in the initial feed */
    uint64_t seed;
    const char *kiosk_id; /* the one kiosk this registry knows; default "kiosk-1" */
    int control;          /* serve the unauthenticated /sim/ control endpoints */
} lk_regsim_opts;

/* Writes a test PKI into dir: ca.pem + server.pem/server.key (127.0.0.1, localhost, signed by
 * the CA), other-ca.pem (an unrelated CA), pin.txt / other-pin.txt (base64 SHA-256 of the
 * server's and of another public key), kiosk.key / kiosk.pub (Ed25519) and lookup.key (32
 * bytes); private files mode 0600. Returns 0, or -1 with errbuf filled. */
int lk_regsim_make_pki(const char *dir, char *errbuf, size_t errsz);

int lk_regsim_start(const lk_regsim_opts *o, lk_regsim **out, char *errbuf, size_t errsz);
int lk_regsim_port(const lk_regsim *sim);
void lk_regsim_stop(lk_regsim *sim);

enum lk_regsim_fault {
    LK_REGSIM_FAULT_NONE = 0,
    LK_REGSIM_FAULT_SLOW,         /* wait `ms` before answering */
    LK_REGSIM_FAULT_5XX,          /* 503 with Retry-After: `ms` / 1000 seconds */
    LK_REGSIM_FAULT_TRUNCATE,     /* 200 with half the body */
    LK_REGSIM_FAULT_WRONG_CURSOR, /* a page that answers another cursor */
    LK_REGSIM_FAULT_RESET,        /* close the connection without an answer */
    LK_REGSIM_FAULT_RESET_AFTER,  /* do the work (e.g. record a report), then close */
    LK_REGSIM_FAULT_HOSTILE,      /* 200 with hostile JSON (deep nesting, \u0000, junk) */
    LK_REGSIM_FAULT_REPLAYED,     /* 401 nonce_replayed for an authentic request (its nonce
                                     consumed), as when libcurl re-sent it on a dead connection */
};
/* The next `count` requests whose path starts with `path` (NULL: any) get the fault. */
void lk_regsim_fault(lk_regsim *sim, int kind, int count, long ms, const char *path);

/* Registry-side events; each appends to the change feed. Record indexes are lk_gen indexes. */
void lk_regsim_revoke(lk_regsim *sim, long index, const char *reason);
void lk_regsim_reapprove(lk_regsim *sim, long index);
long lk_regsim_approve_new(lk_regsim *sim); /* returns the new record's index */
void lk_regsim_reprint(lk_regsim *sim, long index, const char *copy, int copy_no, const char *auth);
void lk_regsim_set_qr(lk_regsim *sim, long index, const char *payload);
/* Forgets every cursor handed out (clients get 410 cursor_expired). */
void lk_regsim_expire_cursors(lk_regsim *sim);

typedef struct lk_regsim_stats {
    long requests;      /* authenticated API requests */
    long rejected_auth; /* refused with 401 */
    long lookups;
    long report_posts; /* POST /v1/prints received */
    long reports;      /* distinct reports stored */
} lk_regsim_stats;
void lk_regsim_get_stats(lk_regsim *sim, lk_regsim_stats *s);

/* The bodies of the distinct reports stored, in arrival order: report `i` (a malloc'd copy,
 * NULL when there is none), and how many there are. */
char *lk_regsim_report_body(lk_regsim *sim, long i);

/* The last LK_REGSIM_LOG requests that reached the API, authentic or not, oldest first:
 * "METHOD target\n" then the body (each at most 64 KiB of it), as a malloc'd copy; NULL when
 * there is no request `i`. For tests that check what a kiosk puts on the wire. */
#define LK_REGSIM_LOG 256
char *lk_regsim_request_text(lk_regsim *sim, long i);

/* The USCC of record `index` (19 bytes), and its holder's document, for tests. */
void lk_regsim_record_ids(lk_regsim *sim, long index, char uscc[19], char doc_type[16],
                          char doc_number[32]);

#endif
