/* lk_diag_counters: the technician's counters report, from the running totals (counters) and
 * the per-day rows the store's triggers keep beside them (counter_days). Families are found by
 * name prefix, so a new failure cause or face outcome appears without a code change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "kiosk/lk_config.h"
#include "kiosk/lk_diag.h"
#include "kiosk/lk_stock.h"

typedef struct family {
    const char *prefix; /* "failures." */
    const char *key;    /* JSON key */
} family;

static const family families[] = {
    {"failures.", "failures"},
    {"face.", "face_checks"},
    {"rating.", "ratings"},
};
#define N_FAMILIES (sizeof families / sizeof families[0])

static int valid_day(const char *s)
{
    return s && strlen(s) == 10 && strspn(s, "0123456789-") == 10 && s[4] == '-' && s[7] == '-';
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
    cJSON *root, *sessions, *prints, *per_day, *per_month, *fam_range[N_FAMILIES],
        *fam_total[N_FAMILIES];
} report;

static void add_total(report *r, const char *name, double v)
{
    if (strcmp(name, "sessions") == 0)
        bump(r->sessions, "total", v);
    else if (strcmp(name, "prints") == 0)
        bump(r->prints, "total", v);
    for (size_t i = 0; i < N_FAMILIES; i++)
        if (strncmp(name, families[i].prefix, strlen(families[i].prefix)) == 0)
            bump(r->fam_total[i], name + strlen(families[i].prefix), v);
}

static void add_day(report *r, const char *day, const char *name, double v)
{
    char month[8];
    if (strcmp(name, "sessions") == 0)
        bump(r->sessions, "in_range", v);
    if (strcmp(name, "prints") == 0) {
        bump(r->prints, "in_range", v);
        bump(r->per_day, day, v);
        snprintf(month, sizeof month, "%.7s", day);
        bump(r->per_month, month, v);
    }
    for (size_t i = 0; i < N_FAMILIES; i++)
        if (strncmp(name, families[i].prefix, strlen(families[i].prefix)) == 0)
            bump(r->fam_range[i], name + strlen(families[i].prefix), v);
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
    if ((from && !valid_day(from)) || (to && !valid_day(to))) {
        lk_err_set(err, LK_EINVAL, "dates are YYYY-MM-DD");
        return NULL;
    }
    report r = {.root = cJSON_CreateObject()};
    cJSON *range = cJSON_AddObjectToObject(r.root, "range");
    from ? cJSON_AddStringToObject(range, "from", from) : cJSON_AddNullToObject(range, "from");
    to ? cJSON_AddStringToObject(range, "to", to) : cJSON_AddNullToObject(range, "to");
    r.sessions = cJSON_AddObjectToObject(r.root, "sessions");
    r.prints = cJSON_AddObjectToObject(r.root, "prints");
    cJSON_AddNumberToObject(r.sessions, "total", 0);
    cJSON_AddNumberToObject(r.sessions, "in_range", 0);
    cJSON_AddNumberToObject(r.prints, "total", 0);
    cJSON_AddNumberToObject(r.prints, "in_range", 0);
    r.per_day = cJSON_AddObjectToObject(r.prints, "per_day");
    r.per_month = cJSON_AddObjectToObject(r.prints, "per_month");
    for (size_t i = 0; i < N_FAMILIES; i++) {
        cJSON *f = cJSON_AddObjectToObject(r.root, families[i].key);
        r.fam_range[i] = cJSON_AddObjectToObject(f, "in_range");
        r.fam_total[i] = cJSON_AddObjectToObject(f, "total");
    }
    if (read_rows(st, &r, from, to, err) != 0) {
        cJSON_Delete(r.root);
        return NULL;
    }
    add_stock(st, r.root);
    return r.root;
}
