/* regsim_feed: the simulated registry's data: synthetic records 0..N-1 (lk_gen) form the first N
 * entries of the change feed, and every registry event (revocation, re-approval, new approval,
 * reprint authorisation, QR change) appends one more. A record is always served as it stands
 * now, with every event applied. Callers hold the simulator's lock. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_gen.h"
#include "kiosk/lk_registry.h"
#include "regsim_int.h"

static void buf_add(sim_buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p, b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void sim_buf_str(sim_buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

long sim_feed_records(const lk_regsim *sim)
{
    long n = sim->base;
    for (size_t i = 0; i < sim->n_ev; i++)
        if (sim->ev[i].kind == SIM_EV_NEW)
            n++;
    return n;
}

lk_record *sim_feed_record(const lk_regsim *sim, long index)
{
    lk_gen g;
    lk_record *rec = NULL;
    lk_gen_init(&g, sim->seed);
    if (lk_gen_record(&g, (uint64_t)index, &rec) != 0)
        return NULL;
    int revoked = 0;
    const char *qr = NULL;
    int qr_set = 0;
    for (size_t i = 0; i < sim->n_ev; i++) {
        const sim_event *e = &sim->ev[i];
        if (e->index != index)
            continue;
        if (e->kind == SIM_EV_REVOKE)
            revoked = 1;
        else if (e->kind == SIM_EV_REAPPROVE)
            revoked = 0;
        else if (e->kind == SIM_EV_QR)
            qr = e->text, qr_set = 1;
    }
    if (revoked) {
        free(rec->status);
        rec->status = strdup("revoked");
    }
    if (qr_set) {
        free(rec->qr_payload);
        rec->qr_payload = qr ? strdup(qr) : NULL;
    }
    return rec;
}

static int add_record(const lk_regsim *sim, long index, sim_buf *b)
{
    lk_record *rec = sim_feed_record(sim, index);
    char *json = rec ? lk_record_to_json(rec, 0) : NULL;
    lk_record_free(rec);
    if (!json)
        return -1;
    sim_buf_str(b, json);
    free(json);
    return 0;
}

static int add_event(const lk_regsim *sim, const sim_event *e, int64_t seq, sim_buf *b)
{
    char head[64];
    if (e->kind == SIM_EV_NEW || e->kind == SIM_EV_REAPPROVE) {
        snprintf(head, sizeof head,
                 "{\"seq\":%lld,\"kind\":\"upsert\",\"record\":", (long long)seq);
        sim_buf_str(b, head);
        int rc = add_record(sim, e->index, b);
        sim_buf_str(b, "}");
        return rc;
    }
    lk_record *rec = sim_feed_record(sim, e->index);
    if (!rec)
        return -1;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "seq", (double)seq);
    cJSON_AddStringToObject(o, "kind",
                            e->kind == SIM_EV_REVOKE    ? "revoke"
                            : e->kind == SIM_EV_REPRINT ? "reprint"
                                                        : "qr");
    cJSON_AddStringToObject(o, "uscc", rec->uscc);
    lk_record_free(rec);
    if (e->kind == SIM_EV_REVOKE) {
        cJSON_AddStringToObject(o, "reason", e->text ? e->text : "revoked");
    } else if (e->kind == SIM_EV_REPRINT) {
        cJSON_AddStringToObject(o, "copy", e->copy);
        cJSON_AddNumberToObject(o, "copy_no", e->copy_no);
        cJSON_AddStringToObject(o, "authorisation", e->text);
    } else {
        e->text ? (void)cJSON_AddStringToObject(o, "qr_payload", e->text)
                : (void)cJSON_AddNullToObject(o, "qr_payload");
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s)
        return -1;
    sim_buf_str(b, s);
    free(s);
    return 0;
}

int64_t sim_feed_last_seq(const lk_regsim *sim)
{
    return sim->base + (int64_t)sim->n_ev;
}

int sim_feed_page(const lk_regsim *sim, int64_t after, int limit, const char *from,
                  const char *from_shown, sim_buf *b)
{
    int64_t last = sim_feed_last_seq(sim), end = after + limit < last ? after + limit : last;
    char head[512];
    if (!b->p && end > after && !(b->p = malloc(b->cap = (size_t)(end - after) * 3000 + 4096)))
        b->oom = 1;
    snprintf(
        head, sizeof head, "{\"from\":\"%s\",\"cursor\":\"e%u.%lld\",\"more\":%s,\"changes\":[",
        from_shown ? from_shown : from, sim->epoch, (long long)end, end < last ? "true" : "false");
    sim_buf_str(b, head);
    for (int64_t seq = after + 1; seq <= end; seq++) {
        if (seq > after + 1)
            sim_buf_str(b, ",");
        int rc = 0;
        if (seq <= sim->base) {
            char h[64];
            snprintf(h, sizeof h, "{\"seq\":%lld,\"kind\":\"upsert\",\"record\":", (long long)seq);
            sim_buf_str(b, h);
            rc = add_record(sim, (long)(seq - 1), b);
            sim_buf_str(b, "}");
        } else {
            rc = add_event(sim, &sim->ev[seq - sim->base - 1], seq, b);
        }
        if (rc != 0)
            return -1;
    }
    sim_buf_str(b, "]}");
    return b->oom ? -1 : 0;
}

/* The index of every (lookup hash, record) pair, rebuilt when records were added. */
static int build_index(lk_regsim *sim)
{
    long n = sim_feed_records(sim);
    if (sim->idx && sim->idx_records == n)
        return 0;
    free(sim->idx);
    sim->n_idx = 0;
    sim->idx = calloc((size_t)n * (1 + LK_RECORD_MAX_AGENTS) + 1, sizeof *sim->idx);
    if (!sim->idx)
        return -1;
    for (long i = 0; i < n; i++) {
        lk_gen g;
        lk_record *rec = NULL;
        lk_gen_init(&g, sim->seed);
        if (lk_gen_record(&g, (uint64_t)i, &rec) != 0)
            return -1;
        for (size_t k = 0; k <= rec->n_agents; k++) {
            const lk_person *p = k == 0 ? &rec->holder : &rec->agents[k - 1];
            sim_idx *e = &sim->idx[sim->n_idx];
            if (lk_registry_lookup_hash(sim->lookup_key, p->doc_type, p->doc_number, e->hash) == 0)
                e->index = i, sim->n_idx++;
        }
        lk_record_free(rec);
    }
    sim->idx_records = n;
    return 0;
}

int sim_feed_lookup(lk_regsim *sim, const uint8_t hash[32], sim_buf *b)
{
    if (build_index(sim) != 0)
        return -1;
    sim_buf_str(b, "{\"matches\":[");
    long last = -1;
    int first = 1;
    for (size_t i = 0; i < sim->n_idx; i++) {
        if (memcmp(sim->idx[i].hash, hash, 32) != 0 || sim->idx[i].index == last)
            continue;
        last = sim->idx[i].index;
        if (!first)
            sim_buf_str(b, ",");
        first = 0;
        if (add_record(sim, last, b) != 0)
            return -1;
    }
    sim_buf_str(b, "]}");
    return b->oom ? -1 : 0;
}
