/* lk_cups: the CUPS adapter of the printer port. Each call opens its own short connection to
 * the print server, so a cupsd restart between calls costs nothing, and reports a server that
 * cannot be reached as a fault (or LK_EIO for job queries) rather than guessing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cups/cups.h>

#include "lk_cups.h"

#define CONNECT_MS 3000
#define PROBE_MS   1000

typedef struct cups_port {
    lk_printer port;
    char name[128];
    /* Whether the queue already carried cups-ipp-missing-job-history when we submitted
     * last_job: only a NEW appearance makes that job's "completed" doubtful. */
    int last_job;
    int last_job_had_missing;
} cups_port;

static http_t *connect_server(lk_err *err)
{
    http_t *http = httpConnect2(cupsServer(), ippPort(), NULL, AF_UNSPEC, cupsEncryption(), 1,
                                CONNECT_MS, NULL);
    if (!http)
        lk_err_set(err, LK_EIO, "print server %s:%d not reachable", cupsServer(), ippPort());
    return http;
}

static void printer_uri(const cups_port *c, char *uri, size_t n)
{
    httpAssembleURIf(HTTP_URI_CODING_ALL, uri, (int)n, "ipp", NULL, "localhost", ippPort(),
                     "/printers/%s", c->name);
}

static int ipp_fail(lk_err *err, int code, const char *what)
{
    return lk_err_set_native(err, code, LK_ERR_DOMAIN_IPP, (long)cupsLastError(), "%s: %s", what,
                             cupsLastErrorString());
}

/* Joins a multi-valued keyword attribute into buf ("a,b,c"; "" for none). */
static void join_attr(ipp_attribute_t *a, char *buf, size_t n)
{
    buf[0] = '\0';
    for (int i = 0; a && i < ippGetCount(a); i++) {
        const char *v = ippGetString(a, i, NULL);
        size_t len = strlen(buf);
        if (v)
            snprintf(buf + len, n - len, "%s%s", len ? "," : "", v);
    }
}

static void join_values(ipp_t *resp, const char *name, char *buf, size_t n)
{
    join_attr(ippFindAttribute(resp, name, IPP_TAG_ZERO), buf, n);
}

static const char *str_attr(ipp_t *resp, const char *name)
{
    ipp_attribute_t *a = ippFindAttribute(resp, name, IPP_TAG_ZERO);
    const char *v = a ? ippGetString(a, 0, NULL) : NULL;
    return v ? v : "";
}

static ipp_t *printer_attrs(cups_port *c, http_t *http)
{
    static const char *const want[] = {"printer-state", "printer-state-reasons",
                                       "printer-state-message", "printer-is-accepting-jobs",
                                       "device-uri"};
    char uri[HTTP_MAX_URI];
    printer_uri(c, uri, sizeof uri);
    ipp_t *req = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, uri);
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                  (int)(sizeof want / sizeof want[0]), NULL, want);
    ipp_t *resp = cupsDoRequest(http, req, "/");
    if (resp && cupsLastError() > IPP_STATUS_OK_EVENTS_COMPLETE) {
        ippDelete(resp);
        resp = NULL;
    }
    return resp;
}

/* cupsd keeps a queue "idle" while its network printer is gone (the backend only finds out
 * when a job runs), so look at the device itself when it is an IPP printer. */
static int device_reachable(const char *device_uri, char *where, size_t n)
{
    char scheme[32], user[64], host[256], resource[512];
    int port = 0;
    where[0] = '\0';
    if (httpSeparateURI(HTTP_URI_CODING_ALL, device_uri, scheme, sizeof scheme, user, sizeof user,
                        host, sizeof host, &port, resource, sizeof resource) < HTTP_URI_STATUS_OK ||
        (strcmp(scheme, "ipp") != 0 && strcmp(scheme, "ipps") != 0))
        return 1;
    snprintf(where, n, "%s:%d", host, port);
    http_t *h =
        httpConnect2(host, port, NULL, AF_UNSPEC, HTTP_ENCRYPTION_IF_REQUESTED, 1, PROBE_MS, NULL);
    httpClose(h);
    return h != NULL;
}

static int cups_state(void *impl, lk_device_state *out, lk_err *err)
{
    cups_port *c = impl;
    lk_err e = {0};
    memset(out, 0, sizeof *out);
    http_t *http = connect_server(&e);
    if (!http) {
        out->status = LK_DEVICE_FAULT;
        snprintf(out->reason, sizeof out->reason, "%.150s", e.msg);
        return 0;
    }
    ipp_t *resp = printer_attrs(c, http);
    httpClose(http);
    if (!resp) {
        out->status = LK_DEVICE_FAULT;
        snprintf(out->reason, sizeof out->reason, "no print queue '%s': %s", c->name,
                 cupsLastErrorString());
        return 0;
    }
    char reasons[512], where[300];
    join_values(resp, "printer-state-reasons", reasons, sizeof reasons);
    ipp_attribute_t *acc = ippFindAttribute(resp, "printer-is-accepting-jobs", IPP_TAG_BOOLEAN);
    lk_printer_facts f = {
        .ipp_state = ippGetInteger(ippFindAttribute(resp, "printer-state", IPP_TAG_ENUM), 0),
        .accepting = acc ? ippGetBoolean(acc, 0) : 1,
        .reasons = reasons,
        .message = str_attr(resp, "printer-state-message"),
    };
    lk_printer_map(&f, out);
    if (out->status != LK_DEVICE_DISABLED &&
        !device_reachable(str_attr(resp, "device-uri"), where, sizeof where)) {
        out->status = LK_DEVICE_FAULT;
        snprintf(out->reason, sizeof out->reason, "offline: printer not reachable at %s", where);
    }
    ippDelete(resp);
    (void)err;
    return 0;
}

/* The queue's printer-state-reasons and device-uri ("" for each when cupsd cannot say). */
static void queue_facts(cups_port *c, char *reasons, size_t rn, char *device, size_t dn)
{
    http_t *http = connect_server(NULL);
    ipp_t *resp = http ? printer_attrs(c, http) : NULL;
    httpClose(http);
    reasons[0] = device[0] = '\0';
    if (resp) {
        join_values(resp, "printer-state-reasons", reasons, rn);
        snprintf(device, dn, "%s", str_attr(resp, "device-uri"));
    }
    ippDelete(resp);
}

static int queue_has_missing_history(cups_port *c)
{
    char reasons[512], device[HTTP_MAX_URI];
    queue_facts(c, reasons, sizeof reasons, device, sizeof device);
    return strstr(reasons, "cups-ipp-missing-job-history") != NULL;
}

/* The four-call destination flow: create the job, start its one document, stream the PDF,
 * finish. Options: this copy's medium, landscape, one copy, no scaling. */
static int send_job(cups_port *c, http_t *http, const lk_print_doc *doc, int *job_id, lk_err *err)
{
    cups_dest_t *dest = cupsGetNamedDest(http, c->name, NULL);
    if (!dest)
        return ipp_fail(err, LK_ENODEV, "print queue not found");
    cups_dinfo_t *info = cupsCopyDestInfo(http, dest);
    cups_option_t *opts = NULL;
    int n = 0, rc = 0;
    if (doc->media)
        n = cupsAddOption(CUPS_MEDIA, doc->media, n, &opts);
    n = cupsAddOption(CUPS_ORIENTATION, CUPS_ORIENTATION_LANDSCAPE, n, &opts);
    n = cupsAddOption(CUPS_COPIES, "1", n, &opts);
    n = cupsAddOption("print-scaling", "none", n, &opts);
    if (!info)
        rc = ipp_fail(err, LK_EIO, "printer information");
    else if (cupsCreateDestJob(http, dest, info, job_id, doc->job_name, n, opts) != IPP_STATUS_OK)
        rc = ipp_fail(err, LK_EIO, "create job");
    else if (cupsStartDestDocument(http, dest, info, *job_id, doc->job_name, CUPS_FORMAT_PDF, 0,
                                   NULL, 1) != HTTP_STATUS_CONTINUE)
        rc = ipp_fail(err, LK_EIO, "start document");
    else if (cupsWriteRequestData(http, (const char *)doc->pdf, doc->len) != HTTP_STATUS_CONTINUE) {
        cupsFinishDestDocument(http, dest, info);
        rc = ipp_fail(err, LK_EIO, "send document");
    } else if (cupsFinishDestDocument(http, dest, info) > IPP_STATUS_OK_EVENTS_COMPLETE)
        rc = ipp_fail(err, LK_EIO, "finish document");
    cupsFreeOptions(n, opts);
    cupsFreeDestInfo(info);
    cupsFreeDests(1, dest);
    return rc;
}

static int cups_submit(void *impl, const lk_print_doc *doc, int *job_id, lk_err *err)
{
    cups_port *c = impl;
    *job_id = 0;
    int had_missing = queue_has_missing_history(c);
    http_t *http = connect_server(err);
    if (!http)
        return LK_EIO;
    int rc = send_job(c, http, doc, job_id, err);
    httpClose(http);
    c->last_job = *job_id;
    c->last_job_had_missing = had_missing;
    return rc;
}

static void job_request(cups_port *c, ipp_t *req, int job_id)
{
    char uri[HTTP_MAX_URI];
    printer_uri(c, uri, sizeof uri);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, uri);
    ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", job_id);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, cupsUser());
}

static void job_reason(ipp_t *resp, lk_job_info *out)
{
    char reasons[256];
    join_values(resp, "job-state-reasons", reasons, sizeof reasons);
    const char *msg = str_attr(resp, "job-state-message");
    const char *pmsg = str_attr(resp, "job-printer-state-message");
    snprintf(out->reason, sizeof out->reason, "%.60s%s%.70s%s%.60s", reasons, *msg ? "; " : "", msg,
             *pmsg && strcmp(pmsg, msg) ? "; " : "", strcmp(pmsg, msg) ? pmsg : "");
}

/* Connects to an ipp:// or ipps:// device; NULL (resource untouched) for any other scheme. */
static http_t *connect_device(const char *device_uri, char *resource, size_t n)
{
    char scheme[32], user[64], host[256];
    int port = 0;
    if (httpSeparateURI(HTTP_URI_CODING_ALL, device_uri, scheme, sizeof scheme, user, sizeof user,
                        host, sizeof host, &port, resource, (int)n) < HTTP_URI_STATUS_OK ||
        (strcmp(scheme, "ipp") != 0 && strcmp(scheme, "ipps") != 0))
        return NULL;
    return httpConnect2(host, port, NULL, AF_UNSPEC,
                        strcmp(scheme, "ipps") == 0 ? HTTP_ENCRYPTION_ALWAYS
                                                    : HTTP_ENCRYPTION_IF_REQUESTED,
                        1, PROBE_MS, NULL);
}

typedef struct device_job {
    int id, state;
    const char *name;
    ipp_attribute_t *reasons;
} device_job;

/* Keeps in best the newest job of the group just read that is called job_name. */
static void consider(device_job *best, const device_job *g, const char *job_name)
{
    if (g->name && strcmp(g->name, job_name) == 0 && g->id > best->id)
        *best = *g;
}

/* The state of the newest job called job_name in the IPP device's own history (its reasons in
 * why), or 0 when the device cannot be asked or no longer has it. */
static int device_job_state(const char *device_uri, const char *job_name, char *why, size_t n)
{
    static const char *const want[] = {"job-id", "job-name", "job-state", "job-state-reasons"};
    char resource[512];
    why[0] = '\0';
    http_t *h = connect_device(device_uri, resource, sizeof resource);
    if (!h)
        return 0;
    ipp_t *req = ippNewRequest(IPP_OP_GET_JOBS);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, device_uri);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", NULL, "completed");
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                  (int)(sizeof want / sizeof want[0]), NULL, want);
    ipp_t *resp = cupsDoRequest(h, req, resource);
    httpClose(h);
    device_job best = {0}, g = {0};
    /* Get-Jobs answers one job-attributes group per job, separated by nameless attributes. */
    for (ipp_attribute_t *a = resp ? ippFirstAttribute(resp) : NULL; a;
         a = ippNextAttribute(resp)) {
        const char *an = ippGetName(a);
        if (!an || ippGetGroupTag(a) != IPP_TAG_JOB) {
            consider(&best, &g, job_name);
            g = (device_job){0};
        } else if (strcmp(an, "job-id") == 0)
            g.id = ippGetInteger(a, 0);
        else if (strcmp(an, "job-name") == 0)
            g.name = ippGetString(a, 0, NULL);
        else if (strcmp(an, "job-state") == 0)
            g.state = ippGetInteger(a, 0);
        else if (strcmp(an, "job-state-reasons") == 0)
            g.reasons = a;
    }
    consider(&best, &g, job_name);
    join_attr(best.reasons, why, n);
    int state = best.state;
    ippDelete(resp);
    return state;
}

/* cupsd's ipp backend can end a job "completed" although the printer aborted it: its main loop
 * stops polling at any final remote state and only its monitor thread, polling on its own
 * schedule, turns aborted into a failure. A printer that jams at once can win that race. So a
 * "completed" from cupsd is checked against the IPP device's own history when there is one. */
static void check_with_device(const char *device, const char *reasons, const char *job_name,
                              lk_job_info *out)
{
    char why[160];
    int st = *job_name ? device_job_state(device, job_name, why, sizeof why) : 0;
    if (st == IPP_JSTATE_ABORTED || st == IPP_JSTATE_CANCELED) {
        out->state = st == IPP_JSTATE_ABORTED ? LK_JOB_ABORTED : LK_JOB_CANCELED;
        snprintf(out->reason, sizeof out->reason,
                 "%.50s%s%.60s (in the printer's own job history; "
                 "the print server said completed)",
                 why, *why && *reasons ? "; " : "", reasons);
    }
}

static int cups_job(void *impl, int job_id, lk_job_info *out, lk_err *err)
{
    static const char *const want[] = {"job-state",          "job-state-reasons",
                                       "job-state-message",  "job-printer-state-message",
                                       "time-at-processing", "job-name"};
    cups_port *c = impl;
    memset(out, 0, sizeof *out);
    http_t *http = connect_server(err);
    if (!http)
        return LK_EIO;
    ipp_t *req = ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES);
    job_request(c, req, job_id);
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                  (int)(sizeof want / sizeof want[0]), NULL, want);
    ipp_t *resp = cupsDoRequest(http, req, "/");
    httpClose(http);
    if (cupsLastError() == IPP_STATUS_ERROR_NOT_FOUND) {
        ippDelete(resp);
        out->state = LK_JOB_GONE;
        return 0;
    }
    if (!resp || cupsLastError() > IPP_STATUS_OK_EVENTS_COMPLETE) {
        ippDelete(resp);
        return ipp_fail(err, LK_EIO, "job status");
    }
    out->state = (lk_job_state)ippGetInteger(ippFindAttribute(resp, "job-state", IPP_TAG_ENUM), 0);
    job_reason(resp, out);
    ipp_attribute_t *tp = ippFindAttribute(resp, "time-at-processing", IPP_TAG_INTEGER);
    out->started = tp && ippGetInteger(tp, 0) > 0;
    char job_name[128];
    snprintf(job_name, sizeof job_name, "%s", str_attr(resp, "job-name"));
    ippDelete(resp);
    if (out->state != LK_JOB_COMPLETED)
        return 0;
    char reasons[512], device[HTTP_MAX_URI];
    queue_facts(c, reasons, sizeof reasons, device, sizeof device);
    check_with_device(device, reasons, job_name, out);
    if (out->state == LK_JOB_COMPLETED && strstr(reasons, "cups-ipp-missing-job-history"))
        out->doubtful = !(job_id == c->last_job && c->last_job_had_missing);
    return 0;
}

static int cups_find_job(void *impl, const char *job_name, int *job_id, lk_err *err)
{
    cups_port *c = impl;
    cups_job_t *jobs = NULL;
    *job_id = 0;
    http_t *http = connect_server(err);
    if (!http)
        return LK_EIO;
    int n = cupsGetJobs2(http, &jobs, c->name, 0, CUPS_WHICHJOBS_ALL);
    httpClose(http);
    if (n < 0)
        return ipp_fail(err, LK_EIO, "list jobs");
    for (int i = 0; i < n; i++)
        if (jobs[i].title && strcmp(jobs[i].title, job_name) == 0 && jobs[i].id > *job_id)
            *job_id = jobs[i].id;
    cupsFreeJobs(n, jobs);
    return *job_id > 0 ? 0 : lk_err_set(err, LK_ENOENT, "no job named %s", job_name);
}

static int cups_cancel(void *impl, int job_id, lk_err *err)
{
    cups_port *c = impl;
    http_t *http = connect_server(err);
    if (!http)
        return LK_EIO;
    ipp_t *req = ippNewRequest(IPP_OP_CANCEL_JOB);
    job_request(c, req, job_id);
    ippDelete(cupsDoRequest(http, req, "/"));
    httpClose(http);
    if (cupsLastError() > IPP_STATUS_OK_EVENTS_COMPLETE)
        return ipp_fail(err, LK_EIO, "cancel job");
    return 0;
}

/* Supplies ---------------------------------------------------------------------------------- */

static const char *const supply_attrs[] = {
    "marker-names",      "marker-levels", "marker-types",   "marker-colors",
    "marker-low-levels", "media-ready",   "printer-supply", "printer-supply-description",
    "device-uri"};

static ipp_t *get_attrs(http_t *http, const char *uri, const char *resource)
{
    ipp_t *req = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, uri);
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                  (int)(sizeof supply_attrs / sizeof supply_attrs[0]), NULL, supply_attrs);
    ipp_t *resp = cupsDoRequest(http, req, resource);
    if (resp && cupsLastError() > IPP_STATUS_OK_EVENTS_COMPLETE) {
        ippDelete(resp);
        resp = NULL;
    }
    return resp;
}

static const char *nth_str(ipp_t *resp, const char *name, int i)
{
    ipp_attribute_t *a = ippFindAttribute(resp, name, IPP_TAG_ZERO);
    const char *v = a && i < ippGetCount(a) ? ippGetString(a, i, NULL) : NULL;
    return v ? v : "";
}

static int nth_int(ipp_t *resp, const char *name, int i, int dflt)
{
    ipp_attribute_t *a = ippFindAttribute(resp, name, IPP_TAG_INTEGER);
    return a && i < ippGetCount(a) ? ippGetInteger(a, i) : dflt;
}

/* cupsd's marker-* (set by the backend from what the printer said during the last job). */
static void markers_from_marker_attrs(ipp_t *resp, lk_printer_supplies *out)
{
    ipp_attribute_t *names = ippFindAttribute(resp, "marker-names", IPP_TAG_ZERO);
    for (int i = 0; names && i < ippGetCount(names) && out->n_markers < LK_PRINTER_MARKERS; i++) {
        lk_printer_marker *m = &out->markers[out->n_markers++];
        snprintf(m->name, sizeof m->name, "%s", nth_str(resp, "marker-names", i));
        snprintf(m->type, sizeof m->type, "%s", nth_str(resp, "marker-types", i));
        snprintf(m->color, sizeof m->color, "%s", nth_str(resp, "marker-colors", i));
        m->level = nth_int(resp, "marker-levels", i, -1);
        if (m->level > 100)
            m->level = 100;
        m->low = nth_int(resp, "marker-low-levels", i, -1);
        m->waste = strncmp(m->type, "waste-", 6) == 0;
    }
}

/* An IPP Everywhere printer's own printer-supply (PWG 5100.13) when it has no marker-*. */
static void markers_from_supply(ipp_t *resp, lk_printer_supplies *out)
{
    ipp_attribute_t *a = ippFindAttribute(resp, "printer-supply", IPP_TAG_STRING);
    for (int i = 0; a && i < ippGetCount(a) && out->n_markers < LK_PRINTER_MARKERS; i++) {
        int len = 0;
        const void *v = ippGetOctetString(a, i, &len);
        lk_printer_marker *m = &out->markers[out->n_markers];
        if (!v || len <= 0 || lk_printer_supply_parse(v, (size_t)len, m) != 0)
            continue;
        const char *desc = nth_str(resp, "printer-supply-description", i);
        if (*desc)
            snprintf(m->name, sizeof m->name, "%s", desc);
        out->n_markers++;
    }
}

static void fill_supplies(ipp_t *resp, lk_printer_supplies *out)
{
    if (out->n_markers == 0)
        markers_from_marker_attrs(resp, out);
    if (out->n_markers == 0)
        markers_from_supply(resp, out);
    ipp_attribute_t *media = ippFindAttribute(resp, "media-ready", IPP_TAG_ZERO);
    if (media && !out->media_known) {
        out->media_known = 1; /* also for no-value: the printer says nothing is loaded */
        for (int i = 0; ippGetValueTag(media) == IPP_TAG_KEYWORD && i < ippGetCount(media) &&
                        out->n_media < LK_PRINTER_MEDIA;
             i++)
            snprintf(out->media_ready[out->n_media++], sizeof out->media_ready[0], "%s",
                     nth_str(resp, "media-ready", i));
    }
}

/* The printer behind the queue, asked directly when it is an IPP printer: cupsd only learns
 * its markers while a job runs, and never its media. */
static void ask_device(const char *device_uri, lk_printer_supplies *out)
{
    char resource[512];
    http_t *h = connect_device(device_uri, resource, sizeof resource);
    ipp_t *resp = h ? get_attrs(h, device_uri, resource) : NULL;
    httpClose(h);
    if (!resp)
        return;
    int before = out->n_markers;
    fill_supplies(resp, out);
    if (out->n_markers > before || !out->source[0])
        snprintf(out->source, sizeof out->source, "device");
    ippDelete(resp);
}

static int cups_supplies(void *impl, lk_printer_supplies *out, lk_err *err)
{
    cups_port *c = impl;
    char uri[HTTP_MAX_URI], device[HTTP_MAX_URI];
    memset(out, 0, sizeof *out);
    http_t *http = connect_server(err);
    if (!http)
        return LK_EIO;
    printer_uri(c, uri, sizeof uri);
    ipp_t *resp = get_attrs(http, uri, "/");
    httpClose(http);
    if (!resp)
        return ipp_fail(err, LK_ENODEV, "no print queue");
    fill_supplies(resp, out);
    if (out->n_markers > 0 || out->media_known)
        snprintf(out->source, sizeof out->source, "queue");
    snprintf(device, sizeof device, "%s", str_attr(resp, "device-uri"));
    ippDelete(resp);
    if (out->n_markers == 0 || !out->media_known)
        ask_device(device, out);
    return 0;
}

static void cups_close(void *impl)
{
    free(impl);
}

static const lk_printer_ops cups_ops = {
    .name = "cups",
    .state = cups_state,
    .submit = cups_submit,
    .job = cups_job,
    .find_job = cups_find_job,
    .cancel = cups_cancel,
    .close = cups_close,
    .supplies = cups_supplies,
};

int lk_cups_open(const char *dest_name, lk_printer **out, lk_err *err)
{
    *out = NULL;
    if (!dest_name || !*dest_name)
        return lk_err_set(err, LK_ECONFIG,
                          "no printer configured (printer.name or LK_PRINTER); the default "
                          "printer is never used");
    if (strlen(dest_name) >= sizeof((cups_port *)0)->name || strchr(dest_name, '/'))
        return lk_err_set(err, LK_ECONFIG, "bad printer name '%s'", dest_name);
    cups_port *c = calloc(1, sizeof *c);
    if (!c)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    snprintf(c->name, sizeof c->name, "%s", dest_name);
    c->port.ops = &cups_ops;
    c->port.impl = c;
    *out = &c->port;
    return 0;
}
