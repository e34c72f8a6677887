/* lk_diag_counters: the technician's counters report, from the running totals (counters) and
 * the per-day rows the store's triggers keep beside them (counter_days), under the names of
 * lk_counter_names.h. Families are found by name prefix, so a new failure cause appears without
 * a code change; sessions, face outcomes and ratings list every level, 0 included. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "kiosk/lk_config.h"
#include "kiosk/lk_counter_names.h"
#include "kiosk/lk_diag.h"
#include "kiosk/lk_stock.h"

typedef struct family {
    const char *prefix;        /* "failures." */
    const char *key;           /* JSON key */
    const char *const *always; /* full names reported even at 0, so a reader sees every level */
} family;

static const char *const session_names[] = {LK_CTR_SESSIONS_STARTED, LK_CTR_SESSIONS_COMPLETED,
                                            LK_CTR_SESSIONS_ABANDONED, LK_CTR_SESSIONS_FAILED,
                                            NULL};
static const char *const face_names[] = {LK_CTR_FACE_MATCH,       LK_CTR_FACE_NO_MATCH,
                                         LK_CTR_FACE_NO_LIVENESS, LK_CTR_FACE_NO_FACE,
                                         LK_CTR_FACE_ERROR,       NULL};
static const char *const rating_names[] = {
    LK_CTR_RATING_VERY_SATISFIED, LK_CTR_RATING_SATISFIED,         LK_CTR_RATING_BASIC,
    LK_CTR_RATING_DISSATISFIED,   LK_CTR_RATING_VERY_DISSATISFIED, NULL};

static const family families[] = {
    {"sessions.", "sessions", session_names},
    {LK_CTR_FAILURES, "failures", NULL},
    {LK_CTR_FACE, "face_checks", face_names},
    {LK_CTR_RATING, "ratings", rating_names},
};
#define N_FAMILIES (sizeof families / sizeof families[0])

/* A real calendar date: --from 2026-13-99 is a typo to report, not a range that matches
 * nothing. */
static int valid_day(const char *s)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] + (m == 2 && leap);
}

static void bump(cJSON *o, const char *key, double v)
{
    cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
    if (n)
        cJSON_SetNumberValue(n, n->valuedouble + v);
    else
        cJSON_AddNumberToObject(o, key, v);
}

typedef struct report {
    cJSON *root, *prints, *per_day, *per_month, *fam_range[N_FAMILIES], *fam_total[N_FAMILIES];
} report;

/* Names earlier versions wrote, read as what they meant (see lk_counter_names.h): a database
 * keeps its history across an upgrade without a migration rewriting counters. */
typedef struct legacy {
    const char *old;
    const char *now[2];
} legacy;

static const legacy legacy_names[] = {
    {"sessions", {LK_CTR_SESSIONS_STARTED, NULL}},
    {"session.started", {LK_CTR_SESSIONS_STARTED, NULL}},
    {"session.cancelled", {LK_CTR_SESSIONS_ABANDONED, NULL}},
    {"session.staffed_window", {LK_CTR_SESSIONS_ABANDONED, NULL}},
    {"session.printer_fault", {LK_CTR_SESSIONS_FAILED, NULL}},
    {"session.print_uncertain", {LK_CTR_SESSIONS_FAILED, NULL}},
    {"session.thanks", {NULL, NULL}},
    {"lookup.none", {LK_CTR_SESSIONS_FAILED, LK_CTR_FAIL_NOT_FOUND}},
};
#define N_LEGACY (sizeof legacy_names / sizeof legacy_names[0])

/* The current names `name` stands for (0 to 2 of them, in out). */
static int canonical(const char *name, char out[2][64])
{
    for (size_t i = 0; i < N_LEGACY; i++)
        if (strcmp(name, legacy_names[i].old) == 0) {
            int n = 0;
            for (int k = 0; k < 2 && legacy_names[i].now[k]; k++)
                snprintf(out[n++], 64, "%s", legacy_names[i].now[k]);
            return n;
        }
    if (strncmp(name, "session.", 8) == 0) { /* session.<reason>: a failure with that cause */
        snprintf(out[0], 64, "%s", LK_CTR_SESSIONS_FAILED);
        snprintf(out[1], 64, "%s%.40s", LK_CTR_FAILURES, name + 8);
        return 2;
    }
    snprintf(out[0], 64, "%s", name);
    if (strncmp(name, LK_CTR_FAILURES, strlen(LK_CTR_FAILURES)) == 0 ||
        strncmp(name, LK_CTR_FACE, strlen(LK_CTR_FACE)) == 0)
        for (char *c = out[0]; *c; c++) /* failures.paper-jam, face.no-match */
            if (*c == '-')
                *c = '_';
    return 1;
}

static void add_total(report *r, const char *raw, double v)
{
    char names[2][64];
    int n = canonical(raw, names);
    for (int k = 0; k < n; k++) {
        const char *name = names[k];
        if (strcmp(name, LK_CTR_PRINTS) == 0)
            bump(r->prints, "total", v);
        for (size_t i = 0; i < N_FAMILIES; i++)
            if (strncmp(name, families[i].prefix, strlen(families[i].prefix)) == 0)
                bump(r->fam_total[i], name + strlen(families[i].prefix), v);
    }
}

static void add_day(report *r, const char *day, const char *raw, double v)
{
    char month[8], names[2][64];
    int n = canonical(raw, names);
    for (int k = 0; k < n; k++) {
        const char *name = names[k];
        if (strcmp(name, LK_CTR_PRINTS) == 0) {
            bump(r->prints, "in_range", v);
            bump(r->per_day, day, v);
            snprintf(month, sizeof month, "%.7s", day);
            bump(r->per_month, month, v);
        }
        for (size_t i = 0; i < N_FAMILIES; i++)
            if (strncmp(name, families[i].prefix, strlen(families[i].prefix)) == 0)
                bump(r->fam_range[i], name + strlen(families[i].prefix), v);
    }
}

static int read_rows(lk_store *st, report *r, const char *from, const char *to, lk_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc;
    if (sqlite3_prepare_v2(lk_store_db(st), "SELECT name, value FROM counters", -1, &s, NULL))
        return lk_store_sql_err(st, err, "read counters");
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        add_total(r, (const char *)sqlite3_column_text(s, 0), (double)sqlite3_column_int64(s, 1));
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return lk_store_sql_err(st, err, "read counters");
    if (sqlite3_prepare_v2(lk_store_db(st),
                           "SELECT day, name, value FROM counter_days WHERE day >= ?1 AND"
                           " day <= ?2 ORDER BY day, name",
                           -1, &s, NULL))
        return lk_store_sql_err(st, err, "read daily counters");
    sqlite3_bind_text(s, 1, from ? from : "0000-00-00", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, to ? to : "9999-99-99", -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        add_day(r, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
                (double)sqlite3_column_int64(s, 2));
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : lk_store_sql_err(st, err, "read daily counters");
}

typedef struct stock_sum {
    int stacks;
    int64_t left[2]; /* by lk_stock_media */
} stock_sum;

static int sum_stack(void *ctx, const lk_stock_stack *k)
{
    stock_sum *t = ctx;
    lk_stock_media m;
    if (lk_stock_media_parse(k->media, &m) == 0 && k->count > k->used)
        t->left[m] += k->count - k->used;
    t->stacks++;
    return 0;
}

/* Paper stock is a level, not a count of events: it is what the stock ledger (lk_stock) says is
 * left on the open stacks, the same figure the journal refuses an overlay print on. A kiosk
 * with no stack loaded has no figure, which is not zero. */
static void add_stock(lk_store *st, cJSON *root)
{
    cJSON *p = cJSON_AddObjectToObject(root, "paper_stock");
    long long threshold = 0;
    stock_sum t = {0};
    lk_err e = {0};
    int rc = lk_stock_list(st, sum_stack, &t, &e);
    (void)lk_config_get_int(st, "stock.low_threshold", &threshold, NULL);
    cJSON_AddNumberToObject(p, "low_threshold", (double)threshold);
    if (rc == 0 && t.stacks > 0) {
        double all = (double)(t.left[LK_STOCK_A3] + t.left[LK_STOCK_A4]);
        cJSON_AddNumberToObject(p, "remaining", all);
        cJSON_AddNumberToObject(p, lk_stock_media_name(LK_STOCK_A3), (double)t.left[LK_STOCK_A3]);
        cJSON_AddNumberToObject(p, lk_stock_media_name(LK_STOCK_A4), (double)t.left[LK_STOCK_A4]);
        cJSON_AddBoolToObject(p, "low", all <= (double)threshold);
    } else {
        cJSON_AddNullToObject(p, "remaining");
        cJSON_AddNullToObject(p, "low");
        cJSON_AddStringToObject(p, "reason", rc != 0 ? e.msg : "no stock loaded");
    }
}

cJSON *lk_diag_counters(lk_store *st, const char *from, const char *to, lk_err *err)
{
    const char *bad = from && !valid_day(from) ? from : to && !valid_day(to) ? to : NULL;
    if (bad) {
        lk_err_set(err, LK_EINVAL, "'%.20s' is not a date: dates are YYYY-MM-DD", bad);
        return NULL;
    }
    if (from && to && strcmp(from, to) > 0) {
        lk_err_set(err, LK_EINVAL, "the range starts (%s) after it ends (%s)", from, to);
        return NULL;
    }
    report r = {.root = cJSON_CreateObject()};
    cJSON *range = cJSON_AddObjectToObject(r.root, "range");
    from ? cJSON_AddStringToObject(range, "from", from) : cJSON_AddNullToObject(range, "from");
    to ? cJSON_AddStringToObject(range, "to", to) : cJSON_AddNullToObject(range, "to");
    r.prints = cJSON_AddObjectToObject(r.root, "prints");
    cJSON_AddNumberToObject(r.prints, "total", 0);
    cJSON_AddNumberToObject(r.prints, "in_range", 0);
    r.per_day = cJSON_AddObjectToObject(r.prints, "per_day");
    r.per_month = cJSON_AddObjectToObject(r.prints, "per_month");
    for (size_t i = 0; i < N_FAMILIES; i++) {
        cJSON *f = cJSON_AddObjectToObject(r.root, families[i].key);
        r.fam_range[i] = cJSON_AddObjectToObject(f, "in_range");
        r.fam_total[i] = cJSON_AddObjectToObject(f, "total");
        for (const char *const *n = families[i].always; n && *n; n++) {
            cJSON_AddNumberToObject(r.fam_range[i], *n + strlen(families[i].prefix), 0);
            cJSON_AddNumberToObject(r.fam_total[i], *n + strlen(families[i].prefix), 0);
        }
    }
    if (read_rows(st, &r, from, to, err) != 0) {
        cJSON_Delete(r.root);
        return NULL;
    }
    add_stock(st, r.root);
    return r.root;
}
