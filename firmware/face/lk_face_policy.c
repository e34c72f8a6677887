/* lk_face_policy: match rules from configuration, the attempt counter and the audit row. */
#include "kiosk/lk_face_policy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <sqlite3.h>

#include "kiosk/lk_audit.h"
#include "kiosk/lk_counter.h"
#include "kiosk/lk_counter_names.h"
#include "kiosk/lk_config.h"

void lk_face_policy_defaults(lk_face_policy *p)
{
    *p = (lk_face_policy){.threshold = 0.80,
                          .require_liveness = 1,
                          .max_attempts = 3,
                          .time_limit_ms = 10000,
                          .memory_limit_mb = 1024};
}

static int get_str(lk_store *st, const char *key, char *out, size_t cap, lk_err *err)
{
    char *v = NULL;
    int rc = lk_config_get(st, key, &v, NULL, err);
    if (rc != 0)
        return rc;
    if (strlen(v) >= cap)
        rc = lk_err_set(err, LK_ECONFIG, "configuration %s is too long", key);
    else
        memcpy(out, v, strlen(v) + 1);
    free(v);
    return rc;
}

static int get_ranged(lk_store *st, const char *key, long long lo, long long hi, long long *out,
                      lk_err *err)
{
    int rc = lk_config_get_int(st, key, out, err);
    if (rc == 0 && (*out < lo || *out > hi))
        rc = lk_err_set(err, LK_ECONFIG, "configuration %s must be %lld..%lld", key, lo, hi);
    return rc;
}

static int get_threshold(lk_store *st, lk_face_policy *p, lk_err *err)
{
    char v[64], *end = NULL;
    int rc = get_str(st, "face.threshold", v, sizeof v, err);
    if (rc != 0)
        return rc;
    if (strcmp(v, "vendor") == 0) {
        p->use_vendor_threshold = 1;
        return 0;
    }
    p->threshold = strtod(v, &end);
    if (end == v || *end != '\0' || !isfinite(p->threshold))
        return lk_err_set(err, LK_ECONFIG, "face.threshold must be a number or \"vendor\"");
    return 0;
}

int lk_face_policy_load(lk_store *st, lk_face_policy *p, lk_err *err)
{
    lk_face_policy_defaults(p);
    long long live = 0, tries = 0, ms = 0, mb = 0;
    int rc = get_threshold(st, p, err);
    if (rc == 0)
        rc = get_ranged(st, "face.require_liveness", 0, 1, &live, err);
    if (rc == 0)
        rc = get_ranged(st, "face.max_attempts", 1, 10, &tries, err);
    if (rc == 0)
        rc = get_ranged(st, "face.time_limit_ms", 100, 120000, &ms, err);
    if (rc == 0)
        rc = get_ranged(st, "face.memory_limit_mb", 0, 65536, &mb, err);
    if (rc == 0)
        rc = get_str(st, "face.plugin", p->plugin, sizeof p->plugin, err);
    if (rc == 0)
        rc = get_str(st, "face.plugin_config", p->plugin_config, sizeof p->plugin_config, err);
    if (rc != 0)
        return rc;
    p->require_liveness = (int)live;
    p->max_attempts = (int)tries;
    p->time_limit_ms = (uint32_t)ms;
    p->memory_limit_mb = (uint32_t)mb;
    return 0;
}

const char *lk_face_outcome_name(lk_face_outcome o)
{
    switch (o) {
    case LK_FACE_OUTCOME_MATCH:
        return "match";
    case LK_FACE_OUTCOME_NO_MATCH:
        return "no-match";
    case LK_FACE_OUTCOME_NO_LIVENESS:
        return "no-liveness";
    case LK_FACE_OUTCOME_ERROR:
        return "error";
    default:
        return "none";
    }
}

lk_face_outcome lk_face_judge(const lk_face_policy *p, const lk_face_score *s,
                              double *threshold_used)
{
    double t = p->use_vendor_threshold ? s->vendor_threshold : p->threshold;
    if (threshold_used)
        *threshold_used = t;
    /* Liveness first: a failed (or, when required, absent) check ends the attempt whatever
     * the score says. */
    if (s->liveness == LK_FACE_LIVE_FAIL ||
        (p->require_liveness && s->liveness != LK_FACE_LIVE_PASS))
        return LK_FACE_OUTCOME_NO_LIVENESS;
    return s->score >= t ? LK_FACE_OUTCOME_MATCH : LK_FACE_OUTCOME_NO_MATCH;
}

void lk_face_check_begin(lk_face_check *c, const lk_face_policy *p)
{
    memset(c, 0, sizeof *c);
    c->policy = p;
}

lk_face_next lk_face_check_attempt(lk_face_check *c, lk_face_matcher *m,
                                   const lk_face_image *id_photo, const lk_face_image *live,
                                   size_t n_live)
{
    c->attempts++;
    lk_err_clear(&c->err);
    memset(&c->score, 0, sizeof c->score);
    if (lk_face_verify(m, id_photo, live, n_live, &c->score, &c->err) != 0)
        c->outcome = LK_FACE_OUTCOME_ERROR;
    else
        c->outcome = lk_face_judge(c->policy, &c->score, &c->threshold);
    if (!c->matcher.name[0] && m && m->ops)
        lk_face_info(m, &c->matcher, NULL);
    if (c->outcome == LK_FACE_OUTCOME_MATCH)
        return LK_FACE_NEXT_PASS;
    return c->attempts >= c->policy->max_attempts ? LK_FACE_NEXT_ASK_STAFF : LK_FACE_NEXT_RETRY;
}

static const char *liveness_name(lk_face_liveness l)
{
    return l == LK_FACE_LIVE_PASS ? "pass" : l == LK_FACE_LIVE_FAIL ? "fail" : "not-checked";
}

/* The diagnostics' counter of an outcome: the same names as the session's face check, so the
 * report adds both up (the audit row keeps lk_face_outcome_name's spelling). */
static const char *outcome_counter(lk_face_outcome o)
{
    switch (o) {
    case LK_FACE_OUTCOME_MATCH:
        return LK_CTR_FACE_MATCH;
    case LK_FACE_OUTCOME_NO_MATCH:
        return LK_CTR_FACE_NO_MATCH;
    case LK_FACE_OUTCOME_NO_LIVENESS:
        return LK_CTR_FACE_NO_LIVENESS;
    case LK_FACE_OUTCOME_ERROR:
        return LK_CTR_FACE_ERROR;
    default:
        return NULL;
    }
}

/* The audit row and the diagnostics' face.<outcome> counter move together: in the caller's
 * transaction when there is one, else in their own. */
static int audit_and_count(lk_store *st, lk_face_outcome o, const char *actor, const char *detail,
                           lk_err *err)
{
    const char *name = outcome_counter(o);
    int own = sqlite3_get_autocommit(lk_store_db(st)) != 0, rc = 0;
    if (own && (rc = lk_store_begin(st, err)) != 0)
        return rc;
    rc = lk_audit_append(st, actor, "face.check", detail, err);
    if (rc == 0 && name)
        rc = lk_counter_add(st, name, 1, err);
    if (own && rc == 0)
        rc = lk_store_commit(st, err);
    if (own && rc != 0)
        lk_store_rollback(st);
    return rc;
}

int lk_face_check_audit(lk_store *st, const lk_face_check *c, const char *actor, lk_err *err)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "outcome", lk_face_outcome_name(c->outcome));
    cJSON_AddNumberToObject(d, "attempt", c->attempts);
    cJSON_AddNumberToObject(d, "max_attempts", c->policy->max_attempts);
    if (c->outcome == LK_FACE_OUTCOME_ERROR) {
        cJSON_AddStringToObject(d, "error", c->err.msg);
        if (c->err.domain == LK_ERR_DOMAIN_VENDOR)
            cJSON_AddNumberToObject(d, "vendor_code", (double)c->err.native);
    } else {
        cJSON_AddNumberToObject(d, "score", c->score.score);
        cJSON_AddNumberToObject(d, "threshold", c->threshold);
        cJSON_AddStringToObject(d, "liveness", liveness_name(c->score.liveness));
        cJSON_AddNumberToObject(d, "quality", c->score.quality);
    }
    char plugin[sizeof c->matcher.name + sizeof c->matcher.version + 2];
    snprintf(plugin, sizeof plugin, "%s/%s", c->matcher.name[0] ? c->matcher.name : "unknown",
             c->matcher.version[0] ? c->matcher.version : "?");
    cJSON_AddStringToObject(d, "plugin", plugin);
    int next_staff = c->outcome != LK_FACE_OUTCOME_MATCH && c->attempts >= c->policy->max_attempts;
    cJSON_AddBoolToObject(d, "ask_staff", next_staff);
    char *detail = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    if (!detail)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    int rc = audit_and_count(st, c->outcome, actor, detail, err);
    free(detail);
    return rc;
}
