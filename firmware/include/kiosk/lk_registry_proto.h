/* lk_registry_proto: the registry API's wire format (docs/registry-api.md), without any I/O:
 * parsing the change feed, lookup answers, report acknowledgements and errors from hostile
 * bytes, and the canonical string a request signature covers. Shared by the client
 * (lk_registry), the reference server (tools/registry-sim) and the fuzz target. */
#ifndef LK_KIOSK_LK_REGISTRY_PROTO_H
#define LK_KIOSK_LK_REGISTRY_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_err.h"
#include "kiosk/lk_record.h"

#define LK_REGISTRY_PAGE_MAX      1000 /* changes per page, whatever the server sends */
#define LK_REGISTRY_BODY_MAX      (LK_REGISTRY_PAGE_MAX * (LK_RECORD_MAX_BYTES + 256) + 4096)
#define LK_REGISTRY_QR_MAX        1024
#define LK_REGISTRY_AUTH_MAX      64
#define LK_REGISTRY_SIG_PREFIX    "LK-REGISTRY-V1"
#define LK_REGISTRY_CURSOR_MAXLEN 128

enum lk_registry_change_kind {
    LK_REGISTRY_UPSERT = 1, /* a new approval or a changed record (status may be revoked) */
    LK_REGISTRY_REVOKE,
    LK_REGISTRY_REPRINT,
    LK_REGISTRY_QR,
    LK_REGISTRY_REJECTED, /* an entry that failed validation; `reason` says why */
};

typedef struct lk_registry_change {
    int kind;
    int64_t seq;
    lk_record *record; /* UPSERT: validated record (owns) */
    int warnings;      /* UPSERT: lk_record_warning bits */
    char uscc[19];     /* every kind but REJECTED */
    char *text;        /* REVOKE: reason (may be NULL); QR: payload (NULL: fallback URL) */
    char copy[10];     /* REPRINT: original | duplicate */
    int copy_no;       /* REPRINT */
    char auth[LK_REGISTRY_AUTH_MAX + 1]; /* REPRINT: authorisation id */
    char reason[160];                    /* REJECTED */
} lk_registry_change;

typedef struct lk_registry_page {
    char from[LK_REGISTRY_CURSOR_MAXLEN + 1];   /* the cursor the page answers */
    char cursor[LK_REGISTRY_CURSOR_MAXLEN + 1]; /* where the next page starts */
    int more;                                   /* another page is waiting */
    lk_registry_change *changes;
    size_t n_changes;
} lk_registry_page;

/* Parses one page of GET /v1/changes. `expected_from` is the cursor asked for: a page that
 * answers another one is refused (LK_EPROTO), as is a syntax error, a missing or oversized
 * cursor, more than LK_REGISTRY_PAGE_MAX entries, or sequence numbers that do not increase.
 * An entry that is well-formed JSON but fails validation becomes a REJECTED change: one bad
 * record upstream must not block the rest. `today` is YYYYMMDD. */
int lk_registry_parse_changes(const char *body, size_t len, const char *expected_from, int today,
                              lk_registry_page *page, lk_err *err);

/* Parses the answer of POST /v1/lookup ({"matches":[record...]}) into UPSERT changes. */
int lk_registry_parse_lookup(const char *body, size_t len, int today, lk_registry_page *page,
                             lk_err *err);

void lk_registry_page_free(lk_registry_page *page);

/* Parses a POST /v1/prints answer; 0 when it acknowledges `key`, with *duplicate set when the
 * registry already had it; LK_EPROTO otherwise. */
int lk_registry_parse_report_ack(const char *body, size_t len, const char *key, int *duplicate,
                                 lk_err *err);

/* Reads {"error":{"code":"...","message":"..."}}; code/msg get "" when absent. Never fails. */
void lk_registry_parse_error(const char *body, size_t len, char *code, size_t codesz, char *msg,
                             size_t msgsz);

/* The text a request signature covers (malloc'd, caller frees):
 * LK-REGISTRY-V1 \n kiosk \n METHOD \n path?query \n timestamp \n nonce \n hex(SHA-256(body)).
 * body_sha256_hex is 64 lower-case hex digits. */
char *lk_registry_sign_string(const char *kiosk, const char *method, const char *target,
                              long long timestamp, const char *nonce, const char *body_sha256_hex);

/* Whether s[0..len) is acceptable as text from the registry: UTF-8, no NUL, no \u0000 escape
 * hidden in JSON source. Used before handing bytes to cJSON. */
int lk_registry_text_ok(const char *s, size_t len);

#endif
