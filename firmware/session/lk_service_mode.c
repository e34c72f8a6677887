/* lk_service_mode: diagnostics pages as a state machine: one handler per page, entered through
 * go(), which also loads the page's data, so what a technician sees is read when the page
 * opens (and again on "refresh"), never behind their back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kiosk/lk_config.h"
#include "kiosk/lk_journal.h"
#include "kiosk/lk_loop.h"
#include "kiosk/lk_service_mode.h"

#define REFUSED_TIMEOUT_S 10
#define POPUP_TIMEOUT_S   30 /* the bundle page shown without a technician */
#define JOBS_COMPLETED    4  /* jobs page: the latest completed copies shown after the uncertain */

typedef void (*page_fn)(lk_svcmode *m, lk_intent in, int arg, const char *text);

struct lk_svcmode {
    lk_svcmode_deps d;
    lk_view pub;
    lk_svc_view sv;
    uint8_t token[LK_SERVICE_TOKEN_MAX];
    size_t token_len;
    char pin[LK_SVC_PIN_MAX + 1];
    uint64_t deadline_ms;
    int timeout_s;
    int bundle_ok;
    char bundle_text[LK_SVC_BUNDLE_TEXT];
    int bundle_seen;
    int popup; /* the bundle page shown on its own, no technician (lk_svcmode_bundle_show) */
    /* Worker jobs: a result is shown only if it answers the latest request of its page. */
    unsigned status_seq, test_seq;
    int pending_row;       /* status page: where the rows of the blocking probes start */
    char sync_overall[12]; /* status page: the worst of the probes run in line */
};

/* The PIN check on a worker: PBKDF2 only; the store is judged on the loop afterwards. */
typedef struct pin_job {
    char stored[256];
    char pin[LK_SVC_PIN_MAX + 1];
    int match;
} pin_job;

/* What a worker needs to run blocking probes or one self-test, without the mode or the store. */
typedef struct svc_job {
    int is_test;
    unsigned seq;
    lk_diag_probe probes[LK_SVC_ROWS];
    size_t n_probes;
    lk_diag_selftest test;
    char state_dir[512], version[64], actor[8 + LK_SERVICE_TECH_MAX];
    lk_diag_env env;
    cJSON *result;
    int passed;
} svc_job;

static uint64_t now_ms(const lk_svcmode *m)
{
    return m->d.clock_ms ? m->d.clock_ms(m->d.clock_ctx) : lk_loop_now_ms();
}

static int64_t now_s(const lk_svcmode *m)
{
    return m->d.wall_s ? m->d.wall_s(m->d.clock_ctx) : (int64_t)time(NULL);
}

static void audit(lk_svcmode *m, const char *action, const char *detail)
{
    (void)lk_service_audit(m->d.st, m->sv.tech_id, action, detail, NULL);
    lk_log_write(m->d.log, LK_LOG_INFO, "diag", "tech:%s %s %s", m->sv.tech_id, action,
                 detail ? detail : "");
}

static void wipe_secrets(lk_svcmode *m)
{
    explicit_bzero(m->pin, sizeof m->pin);
    explicit_bzero(m->token, sizeof m->token);
    m->token_len = 0;
    m->sv.pin_len = 0;
}

static void touch(lk_svcmode *m)
{
    int s = m->pub.state == LK_ST_DIAG_REFUSED ? REFUSED_TIMEOUT_S
            : m->popup                         ? POPUP_TIMEOUT_S
                                               : m->timeout_s;
    m->deadline_ms = now_ms(m) + (uint64_t)s * 1000u;
    m->pub.countdown_s = s;
    m->pub.gen++;
}

static long cfg_int(lk_svcmode *m, const char *key)
{
    long long v = 0;
    return lk_config_get_int(m->d.st, key, &v, NULL) == 0 ? (long)v : 0;
}

static lk_diag_env env_of(lk_svcmode *m)
{
    return (lk_diag_env){.st = m->d.st,
                         .state_dir = m->d.state_dir ? m->d.state_dir : ".",
                         .software_version = m->d.software_version ? m->d.software_version : "",
                         .now = now_s(m),
                         .calib_x_01mm = (int)cfg_int(m, "printer.calibration_x_01mm"),
                         .calib_y_01mm = (int)cfg_int(m, "printer.calibration_y_01mm")};
}

static lk_svc_row *row(lk_svcmode *m, const char *name, const char *status, const char *text)
{
    if (m->sv.n_rows >= LK_SVC_ROWS)
        return NULL;
    lk_svc_row *r = &m->sv.rows[m->sv.n_rows++];
    snprintf(r->name, sizeof r->name, "%.39s", name ? name : "");
    snprintf(r->status, sizeof r->status, "%.11s", status ? status : "");
    snprintf(r->text, sizeof r->text, "%.119s", text ? text : "");
    r->name_key = r->text_key = NULL;
    return r;
}

/* A detail row whose name (and text, when text_key is set) is a word the screen translates. */
static void word_row(lk_svcmode *m, const char *name, const char *name_key, const char *text,
                     const char *text_key)
{
    lk_svc_row *r = row(m, name, "", text);
    if (r) {
        r->name_key = name_key;
        r->text_key = text_key;
    }
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* A probe's row, then what a technician checks next to it: the printer's markers and media,
 * the reader's firmware. */
static void probe_rows(lk_svcmode *m, const cJSON *p)
{
    char name[48], text[120];
    const cJSON *d = cJSON_GetObjectItem(p, "detail"), *it;
    row(m, jstr(p, "name"), jstr(p, "status"), jstr(p, "reason"));
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(d, "markers"))
    {
        const cJSON *lv = cJSON_GetObjectItem(it, "level");
        int level = cJSON_IsNumber(lv) ? lv->valueint : -1;
        snprintf(name, sizeof name, "  %.38s", jstr(it, "name"));
        snprintf(text, sizeof text, "%d%%", level);
        word_row(m, name, NULL, level >= 0 ? text : "",
                 level >= 0    ? NULL
                 : level == -3 ? "diag.row.some_left"
                               : "diag.row.level_unknown");
    }
    const cJSON *media = cJSON_GetObjectItem(d, "media_ready");
    if (cJSON_IsArray(media)) {
        text[0] = '\0';
        cJSON_ArrayForEach(it, media)
        {
            size_t len = strlen(text);
            if (cJSON_IsString(it))
                snprintf(text + len, sizeof text - len, "%s%s", len ? ", " : "", it->valuestring);
        }
        word_row(m, "  media", "diag.row.media", text, text[0] ? NULL : "diag.row.none_loaded");
    }
    if (*jstr(d, "firmware"))
        word_row(m, "  firmware", "diag.row.firmware", jstr(d, "firmware"), NULL);
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(d, "devices")) /* the USB inventory */
    {
        snprintf(name, sizeof name, "  %.38s", jstr(it, "id"));
        snprintf(text, sizeof text, "%.30s %.80s", jstr(it, "class"), jstr(it, "product"));
        row(m, name, "", text);
    }
}

static void status_rows(lk_svcmode *m, const cJSON *o)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(o, "probes")) probe_rows(m, p);
}

static int status_job(void *arg, int cancel_fd)
{
    (void)cancel_fd;
    svc_job *j = arg;
    j->env.state_dir = j->state_dir;
    j->env.software_version = j->version;
    if (j->is_test)
        j->passed = j->test.run(j->test.ctx, &j->env, j->result) == 1;
    else
        j->result = lk_diag_status(&j->env, j->probes, j->n_probes);
    return 0;
}

static void job_free(void *arg)
{
    svc_job *j = arg;
    if (j)
        cJSON_Delete(j->result);
    free(j);
}

static svc_job *job_new(lk_svcmode *m, const lk_diag_env *env)
{
    svc_job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    snprintf(j->state_dir, sizeof j->state_dir, "%s", env->state_dir);
    snprintf(j->version, sizeof j->version, "%s", env->software_version);
    snprintf(j->actor, sizeof j->actor, "tech:%s", m->sv.tech_id);
    j->env = *env;
    j->env.st = NULL; /* blocking probes and tests do without the store (lk_diag.h) */
    return j;
}

static int submit(lk_svcmode *m, svc_job *j)
{
    if (!j)
        return LK_ENOMEM;
    int rc = lk_workers_submit(m->d.workers, status_job, j, job_free, LK_SVC_JOB_TAG, NULL);
    if (rc != 0)
        job_free(j);
    return rc;
}

/* Probes that need only the store run in line; the blocking ones (devices) go to a worker
 * when there is one, showing "busy" until their answer comes (lk_svcmode_event). */
static void load_status(lk_svcmode *m)
{
    lk_diag_env env = env_of(m);
    lk_diag_probe quick[LK_SVC_ROWS];
    svc_job *j = m->d.workers ? job_new(m, &env) : NULL;
    size_t nq = 0;
    for (size_t i = 0; i < m->d.n_probes; i++) {
        if (j && m->d.probes[i].blocking && j->n_probes < LK_SVC_ROWS)
            j->probes[j->n_probes++] = m->d.probes[i];
        else if (nq < LK_SVC_ROWS)
            quick[nq++] = m->d.probes[i];
    }
    cJSON *o = lk_diag_status(&env, quick, nq);
    snprintf(m->sv.overall, sizeof m->sv.overall, "%s", jstr(o, "overall"));
    snprintf(m->sync_overall, sizeof m->sync_overall, "%s", m->sv.overall);
    status_rows(m, o);
    cJSON_Delete(o);
    m->pending_row = m->sv.n_rows;
    m->status_seq++;
    if (j && j->n_probes == 0) {
        job_free(j);
        return;
    }
    for (size_t i = 0; j && i < j->n_probes; i++) {
        lk_svc_row *r = row(m, j->probes[i].name, "busy", "");
        if (r)
            r->text_key = "diag.row.checking";
    }
    if (j) {
        j->seq = m->status_seq;
        snprintf(m->sv.overall, sizeof m->sv.overall, "%s", lk_diag_worst(m->sync_overall, "busy"));
        if (submit(m, j) != 0)
            m->pending_row = -1;
    }
}

/* Counters report, flattened to "name: value" rows (nested objects as "outer.inner"). */
static void flatten(lk_svcmode *m, const cJSON *o, const char *prefix)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, o)
    {
        char name[40], val[64];
        snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", it->string);
        if (cJSON_IsObject(it)) {
            flatten(m, it, name);
            continue;
        }
        if (cJSON_IsNumber(it))
            snprintf(val, sizeof val, "%.0f", it->valuedouble);
        else if (cJSON_IsBool(it))
            snprintf(val, sizeof val, "%s", cJSON_IsTrue(it) ? "✓" : "✗"); /* no words */
        else if (cJSON_IsString(it))
            snprintf(val, sizeof val, "%s", it->valuestring);
        else if (cJSON_IsNull(it) && strcmp(name, "range.from") && strcmp(name, "range.to"))
            snprintf(val, sizeof val, "-"); /* known, but nothing recorded yet */
        else
            continue;
        row(m, name, "", val);
    }
}

/* The page has LK_SVC_ROWS rows and no range: the all-time report without its (identical)
 * in_range halves, zeros or days but the last week's, so stock still fits below. */
static void prune_counters(cJSON *o)
{
    cJSON_DeleteItemFromObject(o, "range");
    cJSON *it, *next;
    for (it = o->child; it; it = it->next) {
        cJSON_DeleteItemFromObject(it, "in_range");
        cJSON *total = cJSON_GetObjectItem(it, "total");
        for (cJSON *n = total && cJSON_IsObject(total) ? total->child : NULL; n; n = next) {
            next = n->next;
            if (cJSON_IsNumber(n) && n->valuedouble == 0)
                cJSON_Delete(cJSON_DetachItemViaPointer(total, n));
        }
    }
    cJSON *days = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "prints"), "per_day");
    while (days && cJSON_GetArraySize(days) > 7)
        cJSON_DeleteItemFromArray(days, 0);
}

static void load_counters(lk_svcmode *m)
{
    lk_err err = {0};
    cJSON *o = lk_diag_counters(m->d.st, NULL, NULL, &err);
    if (!o) {
        row(m, "error", "fault", err.msg);
        return;
    }
    prune_counters(o);
    flatten(m, o, "");
    cJSON_Delete(o);
}

/* The last lines of the log file: read its tail only, the file may be large. */
static void load_log(lk_svcmode *m)
{
    cJSON *lines = lk_diag_log_tail(m->d.log_path, 16), *l;
    cJSON_ArrayForEach(l, lines)
    {
        if (cJSON_IsString(l) && *l->valuestring)
            row(m, "", "", l->valuestring);
    }
    cJSON_Delete(lines);
}

/* Jobs page ---------------------------------------------------------------------------- */

static void job_row(lk_svcmode *m, const lk_journal_row *r)
{
    if (m->sv.n_rows >= LK_SVC_ROWS)
        return;
    char text[120];
    snprintf(text, sizeof text, "#%lld %s %d%s%.20s%s%.60s", (long long)r->id, r->copy, r->copy_no,
             r->stock_serial[0] ? " · " : "", r->stock_serial, r->reason[0] ? " · " : "",
             r->reason);
    m->sv.job_ids[m->sv.n_rows] = r->id;
    row(m, r->uscc, r->state, text);
}

static int on_job(void *ctx, const lk_journal_row *r)
{
    job_row(ctx, r);
    return 0;
}

/* Every uncertain copy (oldest first: it has waited longest), then the latest completed ones,
 * newest first: the copies a technician can act on. */
static void load_jobs(lk_svcmode *m)
{
    lk_err err = {0};
    m->sv.job_sel = -1;
    if (lk_journal_list(m->d.st, "uncertain", on_job, m, &err) != 0) {
        row(m, "error", "fault", err.msg);
        return;
    }
    if (lk_journal_list_recent(m->d.st, "completed", JOBS_COMPLETED, on_job, m, &err) != 0)
        row(m, "error", "fault", err.msg);
}

/* Empties the page's table (and the jobs that went with its rows). */
static void clear_rows(lk_svcmode *m)
{
    m->sv.n_rows = 0;
    memset(m->sv.job_ids, 0, sizeof m->sv.job_ids);
}

static void go(lk_svcmode *m, lk_state page)
{
    m->pub.state = page;
    clear_rows(m);
    m->sv.job_sel = -1;
    m->sv.job_done[0] = '\0';
    if (page == LK_ST_DIAG_STATUS)
        load_status(m);
    else if (page == LK_ST_DIAG_COUNTERS)
        load_counters(m);
    else if (page == LK_ST_DIAG_LOG)
        load_log(m);
    else if (page == LK_ST_DIAG_JOBS)
        load_jobs(m);
    else if (page == LK_ST_DIAG_CALIB) {
        m->sv.calib_x = (int)cfg_int(m, "printer.calibration_x_01mm");
        m->sv.calib_y = (int)cfg_int(m, "printer.calibration_y_01mm");
    }
    if ((page == LK_ST_DIAG_SELFTEST || page == LK_ST_DIAG_CALIB) && !m->sv.result_running)
        m->sv.result_name[0] = '\0';
    if (page == LK_ST_DIAG_BUNDLE) {
        m->sv.bundle_seen = m->bundle_seen;
        m->sv.bundle_ok = m->bundle_ok;
        memcpy(m->sv.bundle_text, m->bundle_text, sizeof m->sv.bundle_text);
    }
    if (page > LK_ST_DIAG_MENU && !m->popup) {
        char detail[64];
        snprintf(detail, sizeof detail, "{\"page\":\"%s\"}", lk_state_name(page) + 5);
        audit(m, "diag.view", detail);
    }
    touch(m);
}

/* Clears every page's data; the self-test names are static and stay. */
static void reset_view(lk_svcmode *m)
{
    memset(&m->sv, 0, sizeof m->sv);
    const char *const *names = NULL;
    size_t n = lk_diag_selftest_names(&names);
    for (size_t i = 0; i < n && i < LK_SVC_TESTS; i++)
        m->sv.tests[m->sv.n_tests++] = names[i];
}

static void leave(lk_svcmode *m, const char *why)
{
    if (m->pub.state != LK_ST_DIAG_REFUSED && m->sv.tech_id[0]) {
        char detail[48];
        snprintf(detail, sizeof detail, "{\"why\":\"%s\"}", why);
        audit(m, "diag.exit", detail);
    }
    wipe_secrets(m);
    reset_view(m);
    m->popup = 0;
    m->pub.state = LK_ST_ATTRACT;
    m->pub.countdown_s = -1;
    m->pub.gen++;
}

/* Pages ------------------------------------------------------------------------------------ */

static void refuse(lk_svcmode *m, const lk_service_verdict *v)
{
    wipe_secrets(m);
    snprintf(m->sv.refusal, sizeof m->sv.refusal, "%s", v->locked_until ? "locked" : v->reason);
    m->sv.locked_until = v->locked_until;
    m->sv.attempts_left = v->attempts_left;
    lk_log_write(m->d.log, LK_LOG_WARN, "diag", "service card refused: %s", m->sv.refusal);
    go(m, LK_ST_DIAG_REFUSED);
}

/* The PIN's verdict: the menu, a "wrong PIN, n left", or the refusal page. */
static void pin_verdict(lk_svcmode *m, int rc, lk_service_verdict *v)
{
    m->sv.pin_checking = 0;
    if (rc == 0 && v->ok) {
        explicit_bzero(m->token, sizeof m->token);
        m->token_len = 0;
        snprintf(m->sv.tech_id, sizeof m->sv.tech_id, "%s", v->tech_id);
        m->sv.pin_wrong = 0;
        lk_log_write(m->d.log, LK_LOG_INFO, "diag", "tech:%s service.enter", m->sv.tech_id);
        go(m, LK_ST_DIAG_MENU);
    } else if (rc == 0 && strcmp(v->reason, "wrong-pin") == 0 && !v->locked_until) {
        m->sv.pin_wrong = 1;
        m->sv.attempts_left = v->attempts_left;
        lk_log_write(m->d.log, LK_LOG_WARN, "diag", "tech:%s service.pin-wrong, %d left",
                     m->sv.tech_id, v->attempts_left);
        touch(m);
    } else {
        if (rc != 0)
            v->reason = "system";
        refuse(m, v);
    }
}

static void pin_job_free(void *p)
{
    explicit_bzero(p, sizeof(pin_job));
    free(p);
}

static int pin_job_run(void *arg, int cancel_fd)
{
    (void)cancel_fd; /* PBKDF2 cannot be interrupted; it ends within a second */
    pin_job *j = arg;
    j->match = lk_service_pin_check(j->stored, j->pin);
    explicit_bzero(j->pin, sizeof j->pin);
    return 0;
}

/* The attempt is counted (lk_service_attempt_begin) before PBKDF2 runs on a worker; the page
 * waits for its verdict with the keys idle. */
static void submit_pin(lk_svcmode *m)
{
    lk_service_verdict v;
    pin_job *j = calloc(1, sizeof *j);
    int rc = j ? lk_service_attempt_begin(m->d.st, m->d.admin, m->token, m->token_len, now_s(m),
                                          j->stored, sizeof j->stored, &v, NULL)
               : LK_ENOMEM;
    if (j)
        memcpy(j->pin, m->pin, sizeof j->pin);
    explicit_bzero(m->pin, sizeof m->pin);
    m->sv.pin_len = 0;
    if (rc != 0 || strcmp(v.reason, "pending") != 0) {
        if (j)
            pin_job_free(j);
        pin_verdict(m, rc, &v);
        return;
    }
    m->sv.pin_checking = 1;
    m->pub.gen++;
    if (m->d.workers && lk_workers_submit(m->d.workers, pin_job_run, j, pin_job_free,
                                          LK_SVC_JOB_TAG_PIN, NULL) == 0)
        return;
    (void)pin_job_run(j, -1); /* no workers (a tool without a loop): inline */
    lk_evt e = {.type = LK_EVT_JOB_DONE, .tag = LK_SVC_JOB_TAG_PIN, .ptr = j};
    (void)lk_svcmode_event(m, &e);
}

static void pin_add(lk_svcmode *m, const char *digits)
{
    for (const char *p = digits; *p; p++)
        if (*p >= '0' && *p <= '9' && m->sv.pin_len < LK_SVC_PIN_MAX) {
            m->pin[m->sv.pin_len++] = *p;
            m->pin[m->sv.pin_len] = '\0';
        }
}

static void page_pin(lk_svcmode *m, lk_intent in, int arg, const char *text)
{
    char one[2] = {(char)arg, '\0'};
    if (m->sv.pin_checking)
        return; /* the verdict is on its way */
    if (in == LK_INTENT_KEY)
        pin_add(m, one);
    else if (in == LK_INTENT_TYPE && text)
        pin_add(m, text);
    else if (in == LK_INTENT_ERASE && m->sv.pin_len > 0)
        m->pin[--m->sv.pin_len] = '\0';
    else if (in == LK_INTENT_OK || in == LK_INTENT_CONTINUE) {
        submit_pin(m);
        return;
    }
    touch(m);
}

static void page_refused(lk_svcmode *m, lk_intent in, int arg, const char *text)
{
    (void)arg;
    (void)text;
    if (in == LK_INTENT_OK)
        leave(m, "refused");
}

static void page_menu(lk_svcmode *m, lk_intent in, int arg, const char *text)
{
    (void)text;
    if (in == LK_INTENT_DIAG_PAGE && arg > LK_ST_DIAG_MENU && arg < LK_ST_COUNT)
        go(m, (lk_state)arg);
    else if (in == LK_INTENT_OK)
        leave(m, "exit");
}

/* What a self-test found, for a technician: its own fields as "field: value", without the
 * name, verdict and description the page already shows. */
static void result_words(const cJSON *r, char *buf, size_t n)
{
    static const char *const shown[] = {"name", "available", "about", "passed"};
    const cJSON *it;
    size_t o = 0;
    buf[0] = '\0';
    cJSON_ArrayForEach(it, r)
    {
        int skip = !it->string;
        for (size_t i = 0; !skip && i < sizeof shown / sizeof *shown; i++)
            skip = strcmp(it->string, shown[i]) == 0;
        char val[64] = "";
        if (cJSON_IsString(it))
            snprintf(val, sizeof val, "%s", it->valuestring);
        else if (cJSON_IsNumber(it))
            snprintf(val, sizeof val, "%g", it->valuedouble);
        else if (cJSON_IsBool(it))
            snprintf(val, sizeof val, "%s", cJSON_IsTrue(it) ? "✓" : "✗"); /* no words */
        if (skip || !val[0] || o + 1 >= n)
            continue;
        o += (size_t)snprintf(buf + o, n - o, "%s%s: %s", o ? " · " : "", it->string, val);
    }
    if (o >= n)
        buf[n - 1] = '\0';
}

static void show_result(lk_svcmode *m, const cJSON *r, int passed)
{
    m->sv.result_running = 0;
    m->sv.result_passed = passed;
    m->sv.result_unavailable = cJSON_IsFalse(cJSON_GetObjectItem(r, "available"));
    result_words(r, m->sv.result_text, sizeof m->sv.result_text);
    if (m->sv.result_unavailable)
        m->sv.result_text[0] = '\0';
}

/* One self-test at a time; a blocking one runs on a worker and is audited when it is done. */
static void run_test(lk_svcmode *m, int idx)
{
    if (idx < 0 || idx >= m->sv.n_tests || m->sv.result_running)
        return;
    lk_diag_env env = env_of(m);
    char actor[8 + LK_SERVICE_TECH_MAX];
    snprintf(actor, sizeof actor, "tech:%s", m->sv.tech_id);
    const lk_diag_selftest *t = NULL;
    cJSON *r = lk_diag_selftest_begin(m->d.tests, m->d.n_tests, m->sv.tests[idx], &t);
    if (!r)
        return;
    snprintf(m->sv.result_name, sizeof m->sv.result_name, "%s", m->sv.tests[idx]);
    svc_job *j = t && t->blocking && m->d.workers ? job_new(m, &env) : NULL;
    if (j) {
        j->is_test = 1;
        j->test = *t;
        j->result = r;
        j->seq = ++m->test_seq;
        if (submit(m, j) == 0) {
            m->sv.result_running = 1;
            m->sv.result_passed = 0;
            m->sv.result_unavailable = 0;
            m->sv.result_text[0] = '\0';
            touch(m);
            return;
        }
        r = lk_diag_selftest_begin(m->d.tests, m->d.n_tests, m->sv.tests[idx], &t);
    }
    int passed = t ? t->run(t->ctx, &env, r) == 1 : 0;
    lk_diag_selftest_finish(&env, r, actor, passed);
    show_result(m, r, passed);
    cJSON_Delete(r);
    touch(m);
}

/* Back to the menu from any page; "refresh" reloads the page. */
static int common_page(lk_svcmode *m, lk_intent in, int arg)
{
    if (in == LK_INTENT_BACK) {
        go(m, LK_ST_DIAG_MENU);
        return 1;
    }
    if (in == LK_INTENT_RETRY) {
        go(m, m->pub.state);
        return 1;
    }
    if (in == LK_INTENT_DIAG_RUN) {
        run_test(m, arg);
        return 1;
    }
    return 0;
}

static void page_info(lk_svcmode *m, lk_intent in, int arg, const char *text)
{
    (void)text;
    if (!common_page(m, in, arg))
        touch(m);
}

static void adjust(lk_svcmode *m, int step)
{
    int *v = step < 2 ? &m->sv.calib_x : &m->sv.calib_y;
    int nv = *v + (step % 2 ? 1 : -1);
    if (nv < -LK_SVC_CALIB_MX || nv > LK_SVC_CALIB_MX)
        return;
    const char *key = step < 2 ? "printer.calibration_x_01mm" : "printer.calibration_y_01mm";
    char val[16], actor[8 + LK_SERVICE_TECH_MAX], detail[96];
    snprintf(val, sizeof val, "%d", nv);
    snprintf(actor, sizeof actor, "tech:%s", m->sv.tech_id);
    if (lk_config_set(m->d.st, key, val, actor, NULL) != 0)
        return;
    *v = nv;
    snprintf(detail, sizeof detail, "{\"axis\":\"%c\",\"value_01mm\":%d}", step < 2 ? 'x' : 'y',
             nv);
    audit(m, "diag.calibrate", detail);
}

static void page_calib(lk_svcmode *m, lk_intent in, int arg, const char *text)
{
    (void)text;
    if (in == LK_INTENT_DIAG_ADJUST && arg >= 0 && arg < 4)
        adjust(m, arg);
    else if (common_page(m, in, arg))
        return;
    touch(m);
}

static const char *const job_action_names[] = {"printed", "not-printed", "spoiled", "reprint"};

/* Settles the selected copy through the journal's own audited paths (actor tech:<id>), then
 * reloads the page, keeping the outcome for the screen. */
static void job_action(lk_svcmode *m, int action)
{
    int sel = m->sv.job_sel;
    if (sel < 0 || sel >= m->sv.n_rows || action < 0 || action > LK_SVC_JOB_REPRINT)
        return;
    const char *state = m->sv.rows[sel].status;
    int reprint = action == LK_SVC_JOB_REPRINT;
    if (strcmp(state, reprint ? "completed" : "uncertain") != 0)
        return; /* the screen offers only what fits the row's state */
    char actor[8 + LK_SERVICE_TECH_MAX];
    snprintf(actor, sizeof actor, "tech:%s", m->sv.tech_id);
    lk_err err = {0};
    lk_journal_row r;
    int rc = lk_journal_get(m->d.st, m->sv.job_ids[sel], &r, &err);
    if (rc == 0 && reprint)
        rc = lk_journal_authorise_reprint(m->d.st, r.uscc, r.copy, r.copy_no,
                                          "damaged copy, reprint authorised at the kiosk", actor,
                                          &err);
    else if (rc == 0)
        rc = lk_journal_confirm(m->d.st, r.id, action == LK_SVC_JOB_PRINTED,
                                action == LK_SVC_JOB_SPOILED, actor, &err);
    char done[sizeof m->sv.job_done];
    if (rc == 0)
        snprintf(done, sizeof done, "ok:%s", job_action_names[action]);
    else
        snprintf(done, sizeof done, "error:%.150s", err.msg);
    /* Reloaded in place: the technician is still on the page, no new view to audit. */
    clear_rows(m);
    load_jobs(m);
    memcpy(m->sv.job_done, done, sizeof done);
}

static void page_jobs(lk_svcmode *m, lk_intent in, int arg, const char *text)
{
    (void)text;
    if (in == LK_INTENT_SELECT && arg >= 0 && arg < m->sv.n_rows && m->sv.job_ids[arg] > 0) {
        m->sv.job_sel = arg;
        m->sv.job_done[0] = '\0';
    } else if (in == LK_INTENT_DIAG_JOB)
        job_action(m, arg);
    else if (common_page(m, in, arg))
        return;
    touch(m);
}

static page_fn page_of(lk_state st)
{
    switch (st) {
    case LK_ST_DIAG_PIN:
        return page_pin;
    case LK_ST_DIAG_REFUSED:
        return page_refused;
    case LK_ST_DIAG_MENU:
        return page_menu;
    case LK_ST_DIAG_CALIB:
        return page_calib;
    case LK_ST_DIAG_JOBS:
        return page_jobs;
    case LK_ST_DIAG_STATUS:
    case LK_ST_DIAG_SELFTEST:
    case LK_ST_DIAG_COUNTERS:
    case LK_ST_DIAG_LOG:
    case LK_ST_DIAG_BUNDLE:
        return page_info;
    default:
        return NULL;
    }
}

/* Public ----------------------------------------------------------------------------------- */

int lk_svcmode_create(const lk_svcmode_deps *d, lk_svcmode **out, lk_err *err)
{
    *out = NULL;
    lk_svcmode *m = calloc(1, sizeof *m);
    if (!m)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    m->d = *d;
    m->timeout_s = d->timeout_s;
    if (m->timeout_s <= 0) {
        long long t = 0;
        m->timeout_s =
            lk_config_get_int(d->st, "service.timeout_s", &t, NULL) == 0 && t > 0 ? (int)t : 120;
    }
    reset_view(m);
    m->pub.state = LK_ST_ATTRACT;
    m->pub.countdown_s = -1;
    m->pub.svc = &m->sv;
    snprintf(m->pub.lang, sizeof m->pub.lang, "zh-CN");
    *out = m;
    return 0;
}

void lk_svcmode_free(lk_svcmode *m)
{
    if (!m)
        return;
    wipe_secrets(m);
    free(m);
}

int lk_svcmode_active(const lk_svcmode *m)
{
    return m->pub.state >= LK_ST_DIAG_PIN && m->pub.state < LK_ST_COUNT;
}

int lk_svcmode_card(lk_svcmode *m, const uint8_t *token, size_t len, const char *lang)
{
    if (lk_svcmode_active(m) && !m->popup)
        return 0;
    m->popup = 0;
    reset_view(m);
    snprintf(m->pub.lang, sizeof m->pub.lang, "%s", lang && *lang ? lang : "zh-CN");
    m->token_len = len < sizeof m->token ? len : sizeof m->token;
    memcpy(m->token, token, m->token_len);
    lk_service_card card;
    int failures = 0;
    int64_t until = 0;
    int card_rc = m->d.admin
                      ? lk_service_token_verify(m->d.admin, token, len, now_s(m), &card, NULL)
                      : LK_EBADSIG;
    int lock_rc = lk_service_lock_state(m->d.st, now_s(m), &failures, &until, NULL);
    if (card_rc != 0 || lock_rc != 0 || until > now_s(m)) {
        lk_service_verdict v; /* judged (and audited) by the same code as a PIN attempt */
        if (lk_service_enter(m->d.st, m->d.admin, token, len, NULL, now_s(m), &v, NULL) != 0)
            v.reason = "system";
        refuse(m, &v);
        return 1;
    }
    snprintf(m->sv.tech_id, sizeof m->sv.tech_id, "%s", card.tech_id);
    m->sv.attempts_left = LK_SERVICE_MAX_FAILURES - failures;
    audit(m, "diag.card", NULL);
    go(m, LK_ST_DIAG_PIN);
    return 1;
}

void lk_svcmode_intent(lk_svcmode *m, lk_intent in, int arg, const char *text)
{
    if (!lk_svcmode_active(m))
        return;
    if (in == LK_INTENT_LANG) {
        snprintf(m->pub.lang, sizeof m->pub.lang, "%s",
                 strcmp(m->pub.lang, "en") == 0 ? "zh-CN" : "en");
        touch(m);
        return;
    }
    if (m->sv.pin_checking)
        return; /* not even cancel: the attempt is judged, and shown, first */
    if (m->popup) {
        if (in == LK_INTENT_OK || in == LK_INTENT_BACK || in == LK_INTENT_CANCEL)
            leave(m, "bundle");
        else
            touch(m);
        return;
    }
    if (in == LK_INTENT_CANCEL) {
        leave(m, "exit");
        return;
    }
    page_fn fn = page_of(m->pub.state);
    if (fn)
        fn(m, in, arg, text);
}

void lk_svcmode_tick(lk_svcmode *m)
{
    if (!lk_svcmode_active(m))
        return;
    uint64_t now = now_ms(m);
    if (m->sv.pin_checking)
        return; /* a slow check is the kiosk's time, not the technician's */
    if (now >= m->deadline_ms) {
        leave(m, "timeout");
        return;
    }
    int left = (int)((m->deadline_ms - now + 999) / 1000);
    if (left != m->pub.countdown_s) {
        m->pub.countdown_s = left;
        m->pub.gen++;
    }
}

void lk_svcmode_bundle_result(lk_svcmode *m, int ok, const char *text)
{
    m->bundle_seen = 1;
    m->bundle_ok = ok;
    lk_log_write(m->d.log, ok ? LK_LOG_INFO : LK_LOG_WARN, "bundle", "%s: %s",
                 ok ? "applied" : "refused", text ? text : "");
    snprintf(m->bundle_text, sizeof m->bundle_text, "%s", text ? text : "");
    if (lk_svcmode_active(m) && m->pub.state != LK_ST_DIAG_PIN &&
        m->pub.state != LK_ST_DIAG_REFUSED)
        go(m, LK_ST_DIAG_BUNDLE);
}

int lk_svcmode_bundle_show(lk_svcmode *m, const char *lang)
{
    if (lk_svcmode_active(m) || !m->bundle_seen)
        return 0;
    reset_view(m);
    snprintf(m->pub.lang, sizeof m->pub.lang, "%s", lang && *lang ? lang : "zh-CN");
    m->popup = 1;
    go(m, LK_ST_DIAG_BUNDLE);
    return 1;
}

static void pin_done(lk_svcmode *m, const lk_evt *e)
{
    pin_job *j = e->ptr;
    lk_service_verdict v;
    memset(&v, 0, sizeof v);
    v.reason = "system";
    int rc = LK_ECANCELED;
    /* Judged whatever happened meanwhile: the attempt is already counted, and only this
     * verdict can give it back (a right PIN). */
    if (j && e->code == 0)
        rc = lk_service_attempt_end(m->d.st, m->d.admin, m->token, m->token_len, j->match, now_s(m),
                                    &v, NULL);
    if (j)
        pin_job_free(j);
    if (m->sv.pin_checking && m->pub.state == LK_ST_DIAG_PIN)
        pin_verdict(m, rc, &v);
}

const lk_view *lk_svcmode_view(const lk_svcmode *m)
{
    return &m->pub;
}

void lk_svcmode_set_tables(lk_svcmode *m, const lk_diag_probe *probes, size_t n_probes,
                           const lk_diag_selftest *tests, size_t n_tests, lk_workers *workers)
{
    m->d.probes = probes;
    m->d.n_probes = n_probes;
    m->d.tests = tests;
    m->d.n_tests = n_tests;
    m->d.workers = workers;
}

static void test_done(lk_svcmode *m, svc_job *j)
{
    lk_diag_env env = env_of(m);
    lk_diag_selftest_finish(&env, j->result, j->actor, j->passed);
    if (j->seq != m->test_seq || !m->sv.result_running)
        return;
    show_result(m, j->result, j->passed);
    touch(m);
}

static void status_done(lk_svcmode *m, svc_job *j)
{
    if (j->seq != m->status_seq || m->pub.state != LK_ST_DIAG_STATUS || m->pending_row < 0 ||
        !j->result)
        return;
    m->sv.n_rows = m->pending_row;
    status_rows(m, j->result);
    snprintf(m->sv.overall, sizeof m->sv.overall, "%s",
             lk_diag_worst(m->sync_overall, jstr(j->result, "overall")));
    m->pub.gen++; /* news, not a touch: the technician did nothing */
}

int lk_svcmode_event(lk_svcmode *m, const lk_evt *e)
{
    if (e->type != LK_EVT_JOB_DONE || (e->tag != LK_SVC_JOB_TAG && e->tag != LK_SVC_JOB_TAG_PIN))
        return 0;
    if (e->tag == LK_SVC_JOB_TAG_PIN) {
        pin_done(m, e);
        return 1;
    }
    svc_job *j = e->ptr;
    /* A job cancelled before it started (the kiosk is stopping) ran nothing to report. */
    if (j && e->code != LK_ECANCELED) {
        if (j->is_test)
            test_done(m, j);
        else
            status_done(m, j);
    }
    job_free(j);
    return 1;
}
