/* lk_printer: the port's dispatch wrappers, job-state names, and the one mapping of IPP
 * printer-state-reasons onto the device model that every printer backend shares. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_printer.h"

const char *lk_printer_media(const char *copy)
{
    return copy && strcmp(copy, "original") == 0 ? "iso_a3_297x420mm" : "iso_a4_210x297mm";
}

int lk_job_state_final(lk_job_state s)
{
    return s == LK_JOB_CANCELED || s == LK_JOB_ABORTED || s == LK_JOB_COMPLETED || s == LK_JOB_GONE;
}

const char *lk_job_state_name(lk_job_state s)
{
    switch (s) {
    case LK_JOB_PENDING:
        return "pending";
    case LK_JOB_HELD:
        return "pending-held";
    case LK_JOB_PROCESSING:
        return "processing";
    case LK_JOB_STOPPED:
        return "processing-stopped";
    case LK_JOB_CANCELED:
        return "canceled";
    case LK_JOB_ABORTED:
        return "aborted";
    case LK_JOB_COMPLETED:
        return "completed";
    case LK_JOB_GONE:
        return "gone";
    }
    return "unknown";
}

int lk_printer_state(lk_printer *p, lk_device_state *out, lk_err *err)
{
    return p->ops->state(p->impl, out, err);
}

int lk_printer_submit(lk_printer *p, const lk_print_doc *doc, int *job_id, lk_err *err)
{
    return p->ops->submit(p->impl, doc, job_id, err);
}

int lk_printer_job(lk_printer *p, int job_id, lk_job_info *out, lk_err *err)
{
    return p->ops->job(p->impl, job_id, out, err);
}

int lk_printer_find_job(lk_printer *p, const char *job_name, int *job_id, lk_err *err)
{
    return p->ops->find_job(p->impl, job_name, job_id, err);
}

int lk_printer_cancel(lk_printer *p, int job_id, lk_err *err)
{
    return p->ops->cancel(p->impl, job_id, err);
}

void lk_printer_close(lk_printer *p)
{
    if (p && p->ops && p->ops->close)
        p->ops->close(p->impl);
}

static int has_prefix(const char *s, size_t n, const char *prefix)
{
    size_t m = strlen(prefix);
    return n >= m && strncmp(s, prefix, m) == 0;
}

static int has_suffix(const char *s, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    return n >= m && strncmp(s + n - m, suffix, m) == 0;
}

/* Reasons that make the printer unusable until someone acts. Matched by prefix because IPP
 * adds -error / -warning / -report severities. */
static const char *const fault_reasons[] = {
    "media-empty", "media-needed",     "media-jam", "door-open",   "cover-open",
    "offline",     "output-area-full", "shutdown",  "other-error", "input-tray-missing",
};

static int is_fault(const char *r, size_t n)
{
    for (size_t i = 0; i < sizeof fault_reasons / sizeof fault_reasons[0]; i++)
        if (has_prefix(r, n, fault_reasons[i]))
            return 1;
    return 0;
}

/* Severity of one reason: 0 ignore, 1 warning, 2 fault; 3 for `paused`. */
static int classify(const char *r, size_t n)
{
    if (n == 0 || has_prefix(r, n, "none") || has_prefix(r, n, "cups-") ||
        has_suffix(r, n, "-report"))
        return 0;
    if (n == 6 && strncmp(r, "paused", 6) == 0)
        return 3;
    if (is_fault(r, n))
        return 2;
    if (has_suffix(r, n, "-low") || has_suffix(r, n, "-warning") || has_suffix(r, n, "-error") ||
        strstr(r, "-low-") != NULL)
        return 1;
    return 0;
}

static void set(lk_device_state *out, lk_device_status s, const char *why, size_t n,
                const char *msg)
{
    out->status = s;
    if (msg && *msg)
        snprintf(out->reason, sizeof out->reason, "%.*s: %s", (int)n, why, msg);
    else
        snprintf(out->reason, sizeof out->reason, "%.*s", (int)n, why);
}

void lk_printer_map(const lk_printer_facts *f, lk_device_state *out)
{
    const char *rs = f->reasons ? f->reasons : "", *worst = NULL;
    size_t worst_n = 0;
    int worst_sev = 0;
    for (const char *r = rs; *r;) {
        size_t n = strcspn(r, ",");
        int sev = classify(r, n);
        if (sev > worst_sev) {
            worst_sev = sev;
            worst = r;
            worst_n = n;
        }
        r += n;
        r += *r == ',';
    }
    const char *msg = f->message;
    if (!f->accepting)
        set(out, LK_DEVICE_DISABLED, "not-accepting-jobs", 18, msg);
    else if (f->ipp_state == 5 && worst_sev == 3)
        set(out, LK_DEVICE_DISABLED, "paused", 6, msg);
    else if (worst_sev == 2)
        set(out, LK_DEVICE_FAULT, worst, worst_n, msg);
    else if (f->ipp_state == 5)
        set(out, LK_DEVICE_FAULT, "stopped", 7, msg);
    else if (worst_sev == 1)
        set(out, LK_DEVICE_WARNING, worst, worst_n, msg);
    else if (f->ipp_state == 4)
        set(out, LK_DEVICE_BUSY, "processing", 10, NULL);
    else if (f->ipp_state == 3)
        set(out, LK_DEVICE_NORMAL, "", 0, NULL);
    else
        set(out, LK_DEVICE_UNKNOWN, "no printer-state", 16, NULL);
}

int lk_printer_get_supplies(lk_printer *p, lk_printer_supplies *out, lk_err *err)
{
    memset(out, 0, sizeof *out);
    if (!p->ops->supplies)
        return lk_err_set(err, LK_ENOTSUP, "%s printers do not report supplies", p->ops->name);
    return p->ops->supplies(p->impl, out, err);
}

/* printer-supply's "type" keywords (PWG 5100.13, from the Printer MIB's prtMarkerSuppliesType)
 * as the marker-types keyword cupsd would use. */
static void supply_type(const char *v, lk_printer_marker *m)
{
    static const struct {
        const char *supply, *marker;
    } map[] = {{"toner", "toner"},
               {"wasteToner", "waste-toner"},
               {"ink", "ink"},
               {"inkCartridge", "ink-cartridge"},
               {"wasteInk", "waste-ink"},
               {"opc", "opc"},
               {"developer", "developer"},
               {"fuser", "fuser"},
               {"ribbonWax", "ribbon-wax"},
               {"staples", "staples"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(v, map[i].supply) == 0) {
            snprintf(m->type, sizeof m->type, "%s", map[i].marker);
            return;
        }
    snprintf(m->type, sizeof m->type, "%.39s", v);
}

/* One key=value of a supply; the value is cut at its field's size. */
static void supply_field(const char *key, const char *v, lk_printer_marker *m, long *max,
                         long *level, int *seen)
{
    if (strcmp(key, "type") == 0) {
        supply_type(v, m);
        *seen = 1;
    } else if (strcmp(key, "colorantname") == 0 && strcmp(v, "unknown") != 0) {
        snprintf(m->color, sizeof m->color, "%.23s", v);
    } else if (strcmp(key, "class") == 0) {
        m->waste = strcmp(v, "receptacleThatIsFilled") == 0;
    } else if (strcmp(key, "level") == 0 || strcmp(key, "maxcapacity") == 0) {
        char *end = NULL;
        long n = strtol(v, &end, 10);
        if (end && end != v && *end == '\0' && n >= -3 && n <= 1000000000L)
            *(key[0] == 'l' ? level : max) = n;
    }
}

int lk_printer_supply_parse(const char *value, size_t len, lk_printer_marker *out)
{
    char buf[512];
    memset(out, 0, sizeof *out);
    out->level = -1;
    out->low = -1;
    size_t n = len < sizeof buf - 1 ? len : sizeof buf - 1;
    memcpy(buf, value, n);
    buf[n] = '\0';
    long max = -1, level = -1;
    int seen = 0;
    for (char *save = NULL, *kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq)
            continue;
        *eq = '\0';
        supply_field(kv, eq + 1, out, &max, &level, &seen);
    }
    if (!seen)
        return LK_EPROTO;
    /* Negative levels are the MIB's "unknown / unavailable / some left"; a level is a percent
     * only against a positive capacity. */
    if (level < 0)
        out->level = (int)level;
    else if (max > 0)
        out->level = (int)(level >= max ? 100 : level * 100 / max);
    snprintf(out->name, sizeof out->name, "%s%s%s", out->type, out->color[0] ? " " : "",
             out->color);
    return 0;
}

int lk_printer_marker_alert(const lk_printer_marker *m)
{
    if (m->level < 0)
        return 0;
    if (m->waste)
        return m->level >= 100 ? 2 : m->level >= 90 ? 1 : 0;
    int low = m->low >= 0 ? m->low : 10; /* the Printer MIB's customary "almost empty" */
    return m->level == 0 ? 2 : m->level <= low ? 1 : 0;
}
