/* lk_store_records: licenses, their collectors and their print-journal rows: writing a
 * validated record, reading one back (identity numbers only masked), and finding what a
 * person may collect by the keyed hash of their document. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "kiosk/lk_record.h"
#include "lk_store_int.h"

static int step_done(lk_store *st, sqlite3_stmt *s, lk_err *err, const char *what)
{
    int rc = sqlite3_step(s);
    int ret = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? 0 : lk_store_sql_err(st, err, what);
    sqlite3_reset(s);
    return ret;
}

/* The collectors' display fields as the license row keeps them (migration 5): per person,
 * role, name, doc_type and doc_masked joined by US, people joined by RS, holder first. */
#define FIELD_SEP  '\x1f'
#define PERSON_SEP '\x1e'
#define N_FIELDS   4

static const lk_person *person_at(const lk_record *r, size_t i)
{
    return i == 0 ? &r->holder : &r->agents[i - 1];
}

/* Writes the collectors' text into out (cap bytes) and returns its length, or -1 when a field
 * holds a separator (validation rejects control characters, so only an unvalidated record can)
 * or the text does not fit. */
static long encode_collectors(const lk_record *r, const lk_store_doc *docs, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i <= r->n_agents; i++) {
        const lk_person *p = person_at(r, i);
        const char *f[N_FIELDS] = {p->role ? p->role : "", p->name ? p->name : "", p->doc_type,
                                   docs[i].masked};
        for (int k = 0; k < N_FIELDS; k++) {
            size_t len = strlen(f[k]);
            if (memchr(f[k], FIELD_SEP, len) || memchr(f[k], PERSON_SEP, len) || n + len + 1 > cap)
                return -1;
            if (n > 0)
                out[n - 1] = k ? FIELD_SEP : PERSON_SEP;
            memcpy(out + n, f[k], len);
            n += len + 1;
        }
    }
    return n > 0 ? (long)n - 1 : 0;
}

/* Finds person `pos` in a collectors text: its fields and their lengths. 0, or -1 if absent. */
static int decode_person(const char *s, long pos, const char *f[N_FIELDS], size_t len[N_FIELDS])
{
    for (; s && pos > 0; pos--) {
        s = strchr(s, PERSON_SEP);
        s = s ? s + 1 : NULL;
    }
    if (!s || !*s)
        return -1;
    for (int k = 0; k < N_FIELDS; k++) {
        size_t n = strcspn(s, "\x1e\x1f");
        f[k] = s;
        len[k] = n;
        if (k < N_FIELDS - 1 && s[n] != FIELD_SEP)
            return -1;
        s += n + (k < N_FIELDS - 1);
    }
    return 0;
}

typedef struct license_row {
    const char *collectors;
    long collectors_len;
    uint8_t macs[(LK_RECORD_MAX_AGENTS + 1) * LK_PII_MAC_LEN];
    int n_macs;
} license_row;

static void bind_license(sqlite3_stmt *s, const lk_record *r, int warnings, const license_row *row)
{
    const char *text[] = {
        r->uscc,    r->name,      r->entity_type, r->type_name,   r->holder.role, r->holder.name,
        r->scope,   r->capital,   r->composition, r->established, r->term_from,   r->term_to,
        r->address, r->authority, r->registered,  r->qr_payload,  r->status};
    for (int i = 0; i < (int)(sizeof text / sizeof text[0]); i++)
        lk_store_bind_text(s, i + 1, text[i]);
    sqlite3_bind_int(s, 18, r->duplicates);
    sqlite3_bind_int(s, 19, (warnings & LK_RECORD_WARN_LEGACY_USCC) ? 1 : 0);
    sqlite3_bind_int64(s, 20, (sqlite3_int64)time(NULL));
    sqlite3_bind_text(s, 21, row->collectors, (int)row->collectors_len, SQLITE_STATIC);
    sqlite3_bind_blob(s, 22, row->macs, row->n_macs * LK_PII_MAC_LEN, SQLITE_STATIC);
}

/* Runs the INSERT (no RETURNING: SQLite 3.40 runs it through an ephemeral table) or the
 * UPDATE; *changed says whether a row was written. */
static int write_license(lk_store *st, enum lk_stmt which, const lk_record *r, int warnings,
                         const license_row *row, int *changed, lk_err *err)
{
    sqlite3_stmt *s = lk_store_stmt(st, which, err);
    if (!s)
        return LK_EDB;
    bind_license(s, r, warnings, row);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return lk_store_sql_err(st, err, "store license");
    *changed = sqlite3_changes(lk_store_db(st)) == 1;
    return 0;
}

int lk_store_prepare_docs(const lk_pii *pii, const lk_record *rec, lk_store_doc *docs, lk_err *err)
{
    for (size_t i = 0; i <= rec->n_agents; i++) {
        const lk_person *p = i == 0 ? &rec->holder : &rec->agents[i - 1];
        if (!p->doc_type || !p->doc_number ||
            lk_pii_doc_mac(pii, p->doc_type, p->doc_number, docs[i].mac) != 0)
            return lk_err_set(err, LK_EINVAL, "%s document number cannot be hashed",
                              i == 0 ? "holder" : "agent");
        lk_pii_mask(p->doc_number, docs[i].masked, sizeof docs[i].masked);
    }
    return 0;
}

/* Lookup entries held back by an import (lk_store_bulk_begin), written sorted in one run at
 * the end: into an empty table that is a pure append, and into a full one each leaf is
 * visited once. Runs of 65,536 entries had made a million-record import rewrite most leaves of
 * the growing tree 26 times (4.2 of its 14 s). The array grows as needed; only past BULK_MAX
 * entries (~80 MB, some 1.2 million licenses) is a run written early. */
#define BULK_FIRST 4096
#define BULK_MAX   (2 * 1024 * 1024)
typedef struct bulk_doc {
    uint8_t mac[LK_PII_MAC_LEN];
    sqlite3_int64 id;
    int position;
} bulk_doc;

struct lk_store_bulk {
    bulk_doc *docs;
    size_t n, cap;
};

int lk_store_bulk_begin(lk_store *st, lk_err *err)
{
    struct lk_store_bulk **slot = lk_store_bulk_slot(st), *b;
    if (*slot)
        return 0;
    if (!(b = calloc(1, sizeof *b)) || !(b->docs = malloc(BULK_FIRST * sizeof *b->docs))) {
        free(b);
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    }
    b->cap = BULK_FIRST;
    *slot = b;
    return 0;
}

/* Room for `more` entries: grown, or (at BULK_MAX, or when memory runs out) flushed. */
static int bulk_reserve(lk_store *st, struct lk_store_bulk *b, size_t more, lk_err *err)
{
    if (b->n + more <= b->cap)
        return 0;
    size_t cap = b->cap * 2;
    bulk_doc *d = cap <= BULK_MAX ? realloc(b->docs, cap * sizeof *d) : NULL;
    if (!d)
        return lk_store_bulk_flush(st, err);
    b->docs = d;
    b->cap = cap;
    return 0;
}

void lk_store_bulk_end(lk_store *st)
{
    struct lk_store_bulk **slot = lk_store_bulk_slot(st);
    if (!*slot)
        return;
    free((*slot)->docs);
    free(*slot);
    *slot = NULL;
}

/* SQLite orders equal-length BLOBs by memcmp, so this is the primary key's order. */
static int bulk_cmp(const void *a, const void *b)
{
    const bulk_doc *x = a, *y = b;
    int c = memcmp(x->mac, y->mac, LK_PII_MAC_LEN);
    if (c)
        return c;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (x->position > y->position) - (x->position < y->position);
}

static int insert_doc(lk_store *st, const uint8_t *mac, sqlite3_int64 id, int pos, lk_err *err)
{
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_DOC_INSERT, err);
    if (!s)
        return LK_EDB;
    sqlite3_bind_blob(s, 1, mac, LK_PII_MAC_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, id);
    sqlite3_bind_int(s, 3, pos);
    return step_done(st, s, err, "store collector");
}

int lk_store_bulk_flush(lk_store *st, lk_err *err)
{
    struct lk_store_bulk *b = *lk_store_bulk_slot(st);
    if (!b || b->n == 0)
        return 0;
    qsort(b->docs, b->n, sizeof *b->docs, bulk_cmp);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < b->n; i++)
        rc = insert_doc(st, b->docs[i].mac, b->docs[i].id, b->docs[i].position, err);
    b->n = 0;
    return rc;
}

/* One lookup entry per collector: (document hash, license, position); held back in bulk mode. */
static int insert_docs(lk_store *st, sqlite3_int64 id, const license_row *row, lk_err *err)
{
    struct lk_store_bulk *b = *lk_store_bulk_slot(st);
    int rc = b ? bulk_reserve(st, b, (size_t)row->n_macs, err) : 0;
    for (int i = 0; rc == 0 && i < row->n_macs; i++) {
        if (!b) {
            rc = insert_doc(st, row->macs + i * LK_PII_MAC_LEN, id, i, err);
            continue;
        }
        bulk_doc *d = &b->docs[b->n++];
        memcpy(d->mac, row->macs + i * LK_PII_MAC_LEN, LK_PII_MAC_LEN);
        d->id = id;
        d->position = i;
    }
    return rc;
}

/* Removes a known license's lookup entries, found by primary key from the hashes its row
 * lists: an agent whose authorisation was withdrawn upstream must stop finding the license.
 * Fills *id with the license's row id. */
static int delete_docs(lk_store *st, const char *uscc, sqlite3_int64 *id, lk_err *err)
{
    sqlite3_stmt *q = lk_store_stmt(st, LK_STMT_LICENSE_MACS, err);
    if (!q)
        return LK_EDB;
    sqlite3_bind_text(q, 1, uscc, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_reset(q);
        return lk_err_set(err, LK_EDB, "license row vanished during update");
    }
    *id = sqlite3_column_int64(q, 0);
    uint8_t old[sizeof((license_row *)0)->macs];
    int n = sqlite3_column_bytes(q, 1) / LK_PII_MAC_LEN;
    n = n > LK_RECORD_MAX_AGENTS + 1 ? LK_RECORD_MAX_AGENTS + 1 : n;
    if (n > 0)
        memcpy(old, sqlite3_column_blob(q, 1), (size_t)n * LK_PII_MAC_LEN);
    sqlite3_reset(q);
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_DOC_DELETE, err);
        if (!s)
            return LK_EDB;
        sqlite3_bind_blob(s, 1, old + i * LK_PII_MAC_LEN, LK_PII_MAC_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, *id);
        rc = step_done(st, s, err, "replace collectors");
    }
    return rc;
}

/* Journal rows are only ever added: a copy already printed keeps its row and its state. */
static int add_print_jobs(lk_store *st, sqlite3_int64 id, int duplicates, lk_err *err)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i <= duplicates; i++) {
        sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_PRINT_JOB_INSERT, err);
        if (!s)
            return LK_EDB;
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_text(s, 2, i == 0 ? "original" : "duplicate", -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, i == 0 ? 1 : i);
        sqlite3_bind_int64(s, 4, (sqlite3_int64)time(NULL));
        rc = step_done(st, s, err, "journal row");
    }
    return rc;
}

/* Insert first: in a bulk import almost every record is new; a known one (the insert did
 * nothing) has its lookup entries removed, its row updated and its new entries added. */
static int put_row(lk_store *st, const lk_record *rec, int warnings, const license_row *row,
                   sqlite3_int64 *id, int *fresh, lk_err *err)
{
    int rc = write_license(st, LK_STMT_LICENSE_INSERT, rec, warnings, row, fresh, err);
    if (rc == 0 && *fresh)
        *id = sqlite3_last_insert_rowid(lk_store_db(st));
    int changed = 0;
    /* Entries held back may be this license's (twice in one file): written before the delete. */
    if (rc == 0 && !*fresh && (rc = lk_store_bulk_flush(st, err)) == 0 &&
        (rc = delete_docs(st, rec->uscc, id, err)) == 0 &&
        (rc = write_license(st, LK_STMT_LICENSE_UPDATE, rec, warnings, row, &changed, err)) == 0 &&
        !changed)
        rc = lk_err_set(err, LK_EDB, "license row vanished during update");
    return rc == 0 ? insert_docs(st, *id, row, err) : rc;
}

int lk_store_put_prepared(lk_store *st, const lk_record *rec, int warnings,
                          const lk_store_doc *docs, int journal, int *inserted, lk_err *err)
{
    if (rec->n_agents > LK_RECORD_MAX_AGENTS)
        return lk_err_set(err, LK_EINVAL, "agents: more than %d agents", LK_RECORD_MAX_AGENTS);
    char text[8192];
    license_row row = {.collectors = text, .n_macs = (int)rec->n_agents + 1};
    if ((row.collectors_len = encode_collectors(rec, docs, text, sizeof text)) < 0)
        return lk_err_set(err, LK_EINVAL, "collectors: a field holds a control character");
    for (int i = 0; i < row.n_macs; i++)
        memcpy(row.macs + i * LK_PII_MAC_LEN, docs[i].mac, LK_PII_MAC_LEN);
    sqlite3_int64 id = 0;
    int fresh = 0;
    int rc = put_row(st, rec, warnings, &row, &id, &fresh, err);
    if (rc == 0 && journal)
        rc = add_print_jobs(st, id, rec->duplicates, err);
    if (rc == 0 && inserted)
        *inserted = fresh;
    return rc;
}

int lk_store_put_record(lk_store *st, const lk_record *rec, int warnings, int *inserted,
                        lk_err *err)
{
    lk_store_doc docs[LK_RECORD_MAX_AGENTS + 1];
    if (rec->n_agents > LK_RECORD_MAX_AGENTS)
        return lk_err_set(err, LK_EINVAL, "agents: more than %d agents", LK_RECORD_MAX_AGENTS);
    int rc = lk_store_prepare_docs(lk_store_pii(st), rec, docs, err);
    if (rc == 0)
        rc = lk_store_put_prepared(st, rec, warnings, docs, 1, inserted, err);
    OPENSSL_cleanse(docs, sizeof docs);
    return rc;
}

static char *col_dup(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? strdup((const char *)t) : NULL;
}

static void fill_license(sqlite3_stmt *s, lk_record *r)
{
    char **fields[] = {&r->uscc,    &r->name,        &r->entity_type, &r->type_name,  &r->scope,
                       &r->capital, &r->composition, &r->established, &r->term_from,  &r->term_to,
                       &r->address, &r->authority,   &r->registered,  &r->qr_payload, &r->status};
    for (int i = 0; i < (int)(sizeof fields / sizeof fields[0]); i++)
        *fields[i] = col_dup(s, i + 1);
    r->duplicates = sqlite3_column_int(s, 16);
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static int fill_person(lk_person *p, const char *f[N_FIELDS], const size_t len[N_FIELDS])
{
    p->role = dup_n(f[0], len[0]);
    p->name = dup_n(f[1], len[1]);
    p->doc_type = dup_n(f[2], len[2]);
    p->doc_masked = dup_n(f[3], len[3]);
    return p->role && p->name && p->doc_type && p->doc_masked ? 0 : LK_ENOMEM;
}

/* The holder (position 0) and the agents, from the license row's collectors text. */
static int read_collectors(const char *text, lk_record *r, lk_err *err)
{
    const char *f[N_FIELDS];
    size_t len[N_FIELDS];
    if (!text || decode_person(text, 0, f, len) != 0)
        return lk_err_set(err, LK_EDB, "license row has no holder");
    if (fill_person(&r->holder, f, len) != 0)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    for (long pos = 1; decode_person(text, pos, f, len) == 0; pos++) {
        lk_person *grown = realloc(r->agents, (r->n_agents + 1) * sizeof *grown);
        if (!grown)
            return lk_err_set(err, LK_ENOMEM, "out of memory");
        r->agents = grown;
        memset(&r->agents[r->n_agents], 0, sizeof *grown);
        if (fill_person(&r->agents[r->n_agents++], f, len) != 0)
            return lk_err_set(err, LK_ENOMEM, "out of memory");
    }
    return 0;
}

int lk_store_get_record(lk_store *st, const char *uscc, lk_record **out, lk_err *err)
{
    *out = NULL;
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_LICENSE_GET, err);
    if (!s)
        return LK_EDB;
    sqlite3_bind_text(s, 1, uscc, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(s);
        return rc == SQLITE_DONE ? lk_err_set(err, LK_ENOENT, "no license with that code")
                                 : lk_store_sql_err(st, err, "read license");
    }
    lk_record *r = calloc(1, sizeof *r);
    if (!r) {
        sqlite3_reset(s);
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    }
    fill_license(s, r);
    rc = read_collectors((const char *)sqlite3_column_text(s, 17), r, err);
    sqlite3_reset(s);
    if (rc != 0) {
        lk_record_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

static const char *col_text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? (const char *)t : NULL;
}

/* Calls cb with one found row, the collector's fields cut out of the row's collectors text
 * into a buffer of their own (NUL-terminated). */
static int report_match(sqlite3_stmt *s, lk_store_match_cb cb, void *ctx)
{
    const char *f[N_FIELDS];
    size_t len[N_FIELDS];
    long pos = sqlite3_column_int(s, 4);
    if (decode_person(col_text(s, 5), pos, f, len) != 0)
        f[0] = f[1] = f[2] = f[3] = "", len[0] = len[1] = len[2] = len[3] = 0;
    char local[2048], *buf = local;
    size_t need = len[0] + len[1] + len[3] + 3;
    if (need > sizeof local && !(buf = malloc(need)))
        return LK_ENOMEM;
    char *role = buf, *person = role + len[0] + 1, *masked = person + len[1] + 1;
    memcpy(role, f[0], len[0]);
    role[len[0]] = '\0';
    memcpy(person, f[1], len[1]);
    person[len[1]] = '\0';
    memcpy(masked, f[3], len[3]);
    masked[len[3]] = '\0';
    lk_store_match m = {
        .uscc = col_text(s, 0),
        .name = col_text(s, 1),
        .entity_type = col_text(s, 2),
        .type_name = col_text(s, 3),
        .as_role = pos == 0 ? "holder" : "agent",
        .role = role,
        .person = person,
        .doc_masked = masked,
        .duplicates = sqlite3_column_int(s, 6),
    };
    int stop = cb ? cb(ctx, &m) : 0;
    if (buf != local)
        free(buf);
    return stop;
}

int lk_store_find_by_doc(lk_store *st, const char *doc_type, const char *number,
                         lk_store_match_cb cb, void *ctx, lk_err *err)
{
    uint8_t mac[LK_PII_MAC_LEN];
    if (lk_pii_doc_mac(lk_store_pii(st), doc_type, number, mac) != 0)
        return lk_err_set(err, LK_EINVAL, "document number too long");
    sqlite3_stmt *s = lk_store_stmt(st, LK_STMT_FIND_BY_DOC, err);
    if (!s)
        return LK_EDB;
    sqlite3_bind_blob(s, 1, mac, sizeof mac, SQLITE_TRANSIENT);
    int rc, n = 0, stop = 0;
    while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        n++;
        stop = report_match(s, cb, ctx);
    }
    sqlite3_reset(s);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? n : lk_store_sql_err(st, err, "find");
}
