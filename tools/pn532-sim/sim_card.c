/* sim_card: reads card files into a struct sim_card, the RF keys here and every other key handed
 * to the card's application through its ops table. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_card.h"

/* Room for an eMRTD with a large DG2 in hex (a 20 KB face is ~41 KB of text). */
#define MAX_FILE (512 * 1024)
#define MAX_LINE 1024

/* Every application a card file can name with app=; the first is the default. */
static const struct sim_card_ops *const APPS[] = {
    &sim_card_script_ops,
    &sim_card_emrtd_ops,
    &sim_card_service_ops,
};

/* Default ATS (without TL) of an ISO 14443-4 card whose file names none: the one the note's
 * traces show for a passport (FSCI 8, TA/TB/TC present). */
static const uint8_t DEFAULT_ATS[] = {0x78, 0x77, 0xB1, 0x02};

static int hex_nibble(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

int sim_hex_decode(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        if (*p == ' ' || *p == '\t')
            continue;
        int v = hex_nibble((unsigned char)*p);
        if (v < 0)
            return -1;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n >= cap)
            return -1;
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    return hi < 0 ? (int)n : -1;
}

static int fail(char *err, size_t errlen, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, unsigned line, const char *fmt, ...)
{
    if (err && errlen) {
        /* Line 0: a whole-file problem, reported without a line number. */
        int k = line ? snprintf(err, errlen, "line %u: ", line) : 0;
        va_list ap;
        va_start(ap, fmt);
        if (k >= 0 && (size_t)k < errlen)
            vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Exactly-n-bytes hex field (n_max with n_min <= len when ranged). */
static int hex_field(const char *v, uint8_t *out, size_t n_min, size_t n_max, size_t *got)
{
    int n = sim_hex_decode(v, out, n_max);
    if (n < 0 || (size_t)n < n_min)
        return -1;
    if (got)
        *got = (size_t)n;
    return 0;
}

static int rf_key(struct sim_card *c, const char *k, const char *v, bool *ats_set)
{
    size_t n = 0;
    if (strcmp(k, "type") == 0) {
        if (strcmp(v, "iso14443a") == 0)
            c->tech = SIM_TECH_A;
        else if (strcmp(v, "iso14443b") == 0)
            c->tech = SIM_TECH_B;
        else
            return -1;
        return 0;
    }
    if (strcmp(k, "uid") == 0) {
        if (hex_field(v, c->uid, 4, 10, &c->uid_len) < 0)
            return -1;
        return (c->uid_len == 4 || c->uid_len == 7 || c->uid_len == 10) ? 0 : -1;
    }
    if (strcmp(k, "atqa") == 0)
        return hex_field(v, c->atqa, 2, 2, NULL);
    if (strcmp(k, "sak") == 0)
        return hex_field(v, &c->sak, 1, 1, NULL);
    if (strcmp(k, "ats") == 0) {
        *ats_set = true;
        return hex_field(v, c->ats, 0, sizeof c->ats - 1, &c->ats_len);
    }
    if (strcmp(k, "atqb") == 0)
        return hex_field(v, c->atqb, 12, 12, &n) < 0 || c->atqb[0] != 0x50 ? -1 : 0;
    if (strcmp(k, "attrib") == 0)
        return hex_field(v, c->attrib, 0, sizeof c->attrib, &c->attrib_len);
    return 1;
}

/* Splits the next line off *p (bounded by end) into key and value, trimmed, in buf. Returns 1
 * for a key=value line, 0 for a blank or comment line, -1 for a malformed one, 2 at the end. */
static int next_line(const char **p, const char *end, char *buf, char **key, char **val)
{
    if (*p >= end)
        return 2;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = (size_t)((nl ? nl : end) - *p);
    if (n >= MAX_LINE || memchr(*p, '\0', n))
        return -1;
    memcpy(buf, *p, n);
    buf[n] = '\0';
    *p = nl ? nl + 1 : end;
    while (n > 0 && isspace((unsigned char)buf[n - 1]))
        buf[--n] = '\0';
    char *s = buf;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\0' || *s == '#')
        return 0;
    char *eq = strchr(s, '=');
    if (!eq)
        return -1;
    *eq = '\0';
    for (char *t = eq; t > s && isspace((unsigned char)t[-1]);)
        *--t = '\0';
    *key = s;
    *val = eq + 1;
    while (isspace((unsigned char)**val))
        (*val)++;
    return 1;
}

/* First pass: the application named by app= (anywhere in the file), default script. */
static int find_app(const char *text, size_t len, const struct sim_card_ops **ops, char *err,
                    size_t errlen)
{
    char buf[MAX_LINE];
    const char *p = text, *end = text + len;
    char *k = NULL, *v = NULL;
    unsigned line = 0;
    *ops = APPS[0];
    for (;;) {
        int r = next_line(&p, end, buf, &k, &v);
        line++;
        if (r == 2)
            return 0;
        if (r < 0)
            return fail(err, errlen, line, "expected key=value");
        if (r == 1 && strcmp(k, "app") == 0) {
            size_t i = 0;
            while (i < sizeof APPS / sizeof APPS[0] && strcmp(APPS[i]->name, v) != 0)
                i++;
            if (i == sizeof APPS / sizeof APPS[0])
                return fail(err, errlen, line, "unknown app '%s'", v);
            *ops = APPS[i];
        }
    }
}

/* Second pass: every key to the RF layer or, failing that, to the application. */
static int apply_keys(struct sim_card *c, const char *text, size_t len, bool *ats_set, char *err,
                      size_t errlen)
{
    char buf[MAX_LINE], why[160];
    const char *p = text, *end = text + len;
    char *k = NULL, *v = NULL;
    for (unsigned line = 1;; line++) {
        int r = next_line(&p, end, buf, &k, &v);
        if (r == 2)
            return 0;
        if (r == 0 || (r == 1 && strcmp(k, "app") == 0))
            continue;
        int rc = rf_key(c, k, v, ats_set);
        if (rc == 1) {
            why[0] = '\0';
            rc = c->ops->configure(c->ctx, k, v, why, sizeof why);
            if (rc < 0)
                return fail(err, errlen, line, "%s: %s", k, why[0] ? why : "bad value");
        }
        if (rc == 1)
            return fail(err, errlen, line, "unknown key '%s'", k);
        if (rc < 0)
            return fail(err, errlen, line, "bad value for %s", k);
    }
}

/* What the file must name, and the defaults for what it may leave out. */
static int check_card(struct sim_card *c, bool ats_set, char *err, size_t errlen)
{
    if (c->tech == SIM_TECH_A && c->uid_len == 0)
        return fail(err, errlen, 0, "an iso14443a card needs uid=");
    if (c->tech == SIM_TECH_B && c->atqb[0] != 0x50)
        return fail(err, errlen, 0, "an iso14443b card needs atqb=");
    if (c->tech == SIM_TECH_A && !ats_set && (c->sak & 0x20)) {
        memcpy(c->ats, DEFAULT_ATS, sizeof DEFAULT_ATS);
        c->ats_len = sizeof DEFAULT_ATS;
    }
    char why[160] = "";
    if (c->ops->finish && c->ops->finish(c->ctx, why, sizeof why) < 0)
        return fail(err, errlen, 0, "%s", why);
    return 0;
}

int sim_card_parse(const char *text, size_t len, struct sim_card **out, char *err, size_t errlen)
{
    const struct sim_card_ops *ops = NULL;
    *out = NULL;
    if (find_app(text, len, &ops, err, errlen) < 0)
        return -1;
    struct sim_card *c = calloc(1, sizeof *c);
    if (!c)
        return fail(err, errlen, 0, "out of memory");
    c->ops = ops;
    c->ctx = ops->create();
    /* An ISO 14443-4 A card (SAK bit 6) unless the file says otherwise. */
    c->atqa[1] = 0x04;
    c->sak = 0x20;
    c->attrib[0] = 0x00;
    c->attrib_len = 1;
    bool ats_set = false;
    if (!c->ctx || apply_keys(c, text, len, &ats_set, err, errlen) < 0 ||
        check_card(c, ats_set, err, errlen) < 0) {
        if (!c->ctx)
            fail(err, errlen, 0, "out of memory");
        sim_card_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

int sim_card_load(const char *path, struct sim_card **out, char *err, size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *text = malloc(MAX_FILE + 1);
    size_t n = text ? fread(text, 1, MAX_FILE + 1, f) : 0;
    int bad = !text || ferror(f) || n > MAX_FILE;
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "%s: unreadable or larger than %d bytes", path, MAX_FILE);
        free(text);
        return -1;
    }
    char why[200] = "";
    int rc = sim_card_parse(text, n, out, why, sizeof why);
    if (rc < 0)
        snprintf(err, errlen, "%s: %s", path, why);
    free(text);
    return rc;
}

void sim_card_free(struct sim_card *c)
{
    if (!c)
        return;
    if (c->ctx)
        c->ops->destroy(c->ctx);
    free(c);
}
