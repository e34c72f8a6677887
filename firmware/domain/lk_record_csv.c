/* lk_record_csv: license records from RFC 4180 CSV (header row naming the columns in any order,
 * quoted fields with "" escapes and embedded newlines, CRLF, optional UTF-8 BOM). A bad row is
 * reported and skipped so that one typo does not stop an import; errors name the column and
 * never quote a cell, which may hold an identity number. */
#include "kiosk/lk_record.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_AGENT_ROLE "委托代理人"
#define UTF8_BOM           "\xEF\xBB\xBF"

enum col_kind { C_STR, C_NULLABLE, C_AGENTS, C_DUPLICATES };

typedef struct col_def {
    const char *name;
    int kind;
    int required;
    size_t off; /* of the char * in lk_record, for C_STR and C_NULLABLE */
} col_def;

#define COL(name, field, kind, req)                                                                \
    {                                                                                              \
        name, kind, req, offsetof(lk_record, field)                                                \
    }

static const col_def cols[] = {
    COL("uscc", uscc, C_STR, 1),
    COL("name", name, C_STR, 1),
    COL("entity_type", entity_type, C_STR, 1),
    COL("type_name", type_name, C_NULLABLE, 0),
    COL("holder_role", holder.role, C_STR, 1),
    COL("holder_name", holder.name, C_STR, 1),
    COL("holder_doc_type", holder.doc_type, C_STR, 1),
    COL("holder_doc_number", holder.doc_number, C_STR, 1),
    {"agents", C_AGENTS, 0, 0},
    COL("scope", scope, C_STR, 1),
    COL("capital", capital, C_NULLABLE, 0),
    COL("composition", composition, C_NULLABLE, 0),
    COL("established", established, C_STR, 1),
    COL("term_from", term_from, C_NULLABLE, 0),
    COL("term_to", term_to, C_NULLABLE, 0),
    COL("address", address, C_STR, 1),
    COL("authority", authority, C_STR, 1),
    COL("registered", registered, C_STR, 1),
    COL("qr_payload", qr_payload, C_NULLABLE, 0),
    COL("status", status, C_STR, 1),
    {"duplicates", C_DUPLICATES, 1, 0},
};
#define N_COLS (sizeof cols / sizeof cols[0])

/* Which column definition each position of the header names. */
typedef struct colmap {
    size_t n;
    unsigned char def[N_COLS];
} colmap;

typedef struct cell {
    const char *s; /* NUL-terminated, unescaped */
    size_t len;
} cell;

struct lk_csv {
    FILE *f;
    colmap map;
    long line; /* physical lines consumed so far */
    char *buf;
    size_t cap;
};

/* ------------------------------------------------------------------------------------------ */
/* Splitting one row into cells */

static const char *col_name(const colmap *map, size_t i)
{
    return map && i < map->n ? cols[map->def[i]].name : "header";
}

static int quoted_cell(const char *buf, size_t len, size_t *pos, char **o, const char *col,
                       lk_err *err)
{
    size_t p = *pos + 1;
    for (;;) {
        if (p >= len)
            return lk_err_set(err, LK_EINVAL, "%s: quoted field not closed", col);
        if (buf[p] == '"') {
            if (p + 1 < len && buf[p + 1] == '"') {
                *(*o)++ = '"';
                p += 2;
                continue;
            }
            p++;
            break;
        }
        *(*o)++ = buf[p++];
    }
    if (p < len && buf[p] != ',')
        return lk_err_set(err, LK_EINVAL, "%s: text after the closing quote", col);
    *pos = p;
    return 0;
}

/* Splits buf[0..len) into at most `max` cells, unescaped into scratch (len + max bytes). */
static int split_cells(const char *buf, size_t len, const colmap *map, cell *cells, size_t max,
                       size_t *n, char *scratch, lk_err *err)
{
    size_t pos = 0, k = 0;
    char *o = scratch;
    for (;;) {
        if (k == max)
            return lk_err_set(err, LK_EINVAL, "%s: more than %zu fields", map ? "row" : "header",
                              max);
        const char *start = o;
        if (pos < len && buf[pos] == '"') {
            int rc = quoted_cell(buf, len, &pos, &o, col_name(map, k), err);
            if (rc)
                return rc;
        } else {
            for (; pos < len && buf[pos] != ','; pos++) {
                if (buf[pos] == '"')
                    return lk_err_set(err, LK_EINVAL, "%s: quote inside an unquoted field",
                                      col_name(map, k));
                *o++ = buf[pos];
            }
        }
        cells[k].s = start;
        cells[k].len = (size_t)(o - start);
        *o++ = '\0';
        k++;
        if (pos >= len)
            break;
        pos++; /* the comma; a trailing one still opens an (empty) last cell */
    }
    *n = k;
    return 0;
}

/* Trims a BOM (header only) and the CR of a CRLF line end. */
static void trim_row(const char **buf, size_t *len, int is_header)
{
    if (is_header && *len >= 3 && memcmp(*buf, UTF8_BOM, 3) == 0)
        *buf += 3, *len -= 3;
    if (*len && (*buf)[*len - 1] == '\r')
        (*len)--;
}

/* ------------------------------------------------------------------------------------------ */
/* Header */

static int map_header(const cell *cells, size_t n, colmap *map, lk_err *err)
{
    uint32_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        size_t d = 0;
        while (d < N_COLS && strcmp(cells[i].s, cols[d].name) != 0)
            d++;
        if (d == N_COLS) {
            int plain = cells[i].len && cells[i].len <= 32 &&
                        strspn(cells[i].s, "abcdefghijklmnopqrstuvwxyz_") == cells[i].len;
            return lk_err_set(err, LK_EINVAL, "header: unknown column '%s'",
                              plain ? cells[i].s : "(not shown)");
        }
        if (seen & (UINT32_C(1) << d))
            return lk_err_set(err, LK_EINVAL, "header: column %s given twice", cols[d].name);
        seen |= UINT32_C(1) << d;
        map->def[i] = (unsigned char)d;
    }
    map->n = n;
    for (size_t d = 0; d < N_COLS; d++)
        if (cols[d].required && !(seen & (UINT32_C(1) << d)))
            return lk_err_set(err, LK_EINVAL, "header: missing column %s", cols[d].name);
    return 0;
}

static int parse_header(const char *hdr, size_t hlen, colmap *map, lk_err *err)
{
    if (!hdr)
        return lk_err_set(err, LK_EINVAL, "header: missing");
    trim_row(&hdr, &hlen, 1);
    if (hlen > LK_RECORD_MAX_BYTES)
        return lk_err_set(err, LK_EINVAL, "header: longer than %d bytes", LK_RECORD_MAX_BYTES);
    char *scratch = malloc(hlen + N_COLS + 1);
    if (!scratch)
        return lk_err_set(err, LK_ENOMEM, "header: out of memory");
    cell cells[N_COLS];
    size_t n = 0;
    int rc = split_cells(hdr, hlen, NULL, cells, N_COLS, &n, scratch, err);
    if (rc == 0)
        rc = map_header(cells, n, map, err);
    free(scratch);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Cells into a record */

static char *dup_bytes(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static int set_text(char **dst, const char *s, size_t n, const char *col, lk_err *err)
{
    *dst = dup_bytes(s, n);
    return *dst ? 0 : lk_err_set(err, LK_ENOMEM, "%s: out of memory", col);
}

/* One `role|name|doc_type|doc_number` entry; an empty role means the default agent role. */
static int parse_agent(const char *s, size_t len, size_t idx, lk_person *p, lk_err *err)
{
    const char *part[4];
    size_t plen[4], k = 0;
    const char *end = s + len;
    for (const char *q = s; k < 4; k++) {
        const char *bar = memchr(q, '|', (size_t)(end - q));
        part[k] = q;
        plen[k] = (size_t)((bar ? bar : end) - q);
        if (!bar) {
            k++;
            break;
        }
        q = bar + 1;
    }
    if (k != 4 || part[3] + plen[3] != end)
        return lk_err_set(err, LK_EINVAL, "agents: entry %zu must be role|name|doc_type|doc_number",
                          idx + 1);
    if (plen[0] == 0)
        part[0] = DEFAULT_AGENT_ROLE, plen[0] = strlen(DEFAULT_AGENT_ROLE);
    char **dst[4] = {&p->role, &p->name, &p->doc_type, &p->doc_number};
    for (size_t i = 0; i < 4; i++)
        if (set_text(dst[i], part[i], plen[i], "agents", err))
            return LK_ENOMEM;
    return 0;
}

static size_t entry_len(const char *s, const char *end)
{
    const char *semi = memchr(s, ';', (size_t)(end - s));
    return (size_t)((semi ? semi : end) - s);
}

static int parse_agents_cell(const cell *c, lk_record *rec, lk_err *err)
{
    const char *end = c->s + c->len;
    size_t n = 0;
    for (const char *q = c->s; q < end; q += entry_len(q, end) + 1)
        if (entry_len(q, end) && ++n > LK_RECORD_MAX_AGENTS)
            return lk_err_set(err, LK_EINVAL, "agents: more than %d agents", LK_RECORD_MAX_AGENTS);
    if (n == 0)
        return 0;
    if (!(rec->agents = calloc(n, sizeof *rec->agents)))
        return lk_err_set(err, LK_ENOMEM, "agents: out of memory");
    rec->n_agents = n;
    size_t i = 0;
    for (const char *q = c->s; q < end; q += entry_len(q, end) + 1) {
        size_t el = entry_len(q, end);
        if (el == 0)
            continue; /* tolerates a trailing ';' */
        int rc = parse_agent(q, el, i, &rec->agents[i], err);
        if (rc)
            return rc;
        i++;
    }
    return 0;
}

static int parse_duplicates(const cell *c, lk_record *rec, lk_err *err)
{
    if (c->len == 0 || c->len > 6 || strspn(c->s, "0123456789") != c->len)
        return lk_err_set(err, LK_EINVAL, "duplicates: must be a whole number 0-99");
    rec->duplicates = atoi(c->s);
    return 0;
}

static int set_cell(lk_record *rec, const col_def *d, const cell *c, lk_err *err)
{
    if (memchr(c->s, '\0', c->len))
        return lk_err_set(err, LK_EINVAL, "%s: NUL byte", d->name);
    if (lk_record_utf8_len(c->s, c->len) < 0)
        return lk_err_set(err, LK_EINVAL, "%s: invalid UTF-8", d->name);
    switch (d->kind) {
    case C_AGENTS:
        return parse_agents_cell(c, rec, err);
    case C_DUPLICATES:
        return parse_duplicates(c, rec, err);
    case C_NULLABLE:
        if (c->len == 0)
            return 0;
        /* fallthrough */
    default:
        return set_text((char **)(void *)((char *)rec + d->off), c->s, c->len, d->name, err);
    }
}

static int row_to_record(const colmap *map, const char *buf, size_t len, lk_record **out,
                         lk_err *err)
{
    trim_row(&buf, &len, 0);
    if (len > LK_RECORD_MAX_BYTES)
        return lk_err_set(err, LK_EINVAL, "row: longer than %d bytes", LK_RECORD_MAX_BYTES);
    char *scratch = malloc(len + N_COLS + 1);
    lk_record *rec = calloc(1, sizeof *rec);
    cell cells[N_COLS];
    size_t n = 0;
    int rc = scratch && rec ? 0 : lk_err_set(err, LK_ENOMEM, "row: out of memory");
    if (rc == 0)
        rc = split_cells(buf, len, map, cells, map->n, &n, scratch, err);
    if (rc == 0 && n != map->n)
        rc = lk_err_set(err, LK_EINVAL, "row: %zu fields, the header has %zu", n, map->n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = set_cell(rec, &cols[map->def[i]], &cells[i], err);
    free(scratch);
    if (rc) {
        lk_record_free(rec);
        return rc;
    }
    *out = rec;
    return 0;
}

int lk_csv_parse_row(const char *hdr, size_t hlen, const char *buf, size_t len, lk_record **out,
                     lk_err *err)
{
    if (!out)
        return lk_err_set(err, LK_EINVAL, "row: no output");
    *out = NULL;
    if (!buf)
        return lk_err_set(err, LK_EINVAL, "row: missing");
    colmap map;
    int rc = parse_header(hdr, hlen, &map, err);
    return rc ? rc : row_to_record(&map, buf, len, out, err);
}

/* ------------------------------------------------------------------------------------------ */
/* Reading rows from a stream */

static int push_byte(lk_csv *csv, size_t *len, int c)
{
    if (*len + 2 > csv->cap) {
        size_t cap = csv->cap ? csv->cap * 2 : 4096;
        char *p = realloc(csv->buf, cap);
        if (!p)
            return -1;
        csv->buf = p;
        csv->cap = cap;
    }
    csv->buf[(*len)++] = (char)c;
    return 0;
}

/* Reads one row (up to an unquoted newline) into csv->buf. Returns 1, 0 at end of file,
 * LK_EINVAL for an over-long row (consumed entirely, so the next call starts afresh). */
static int read_row(lk_csv *csv, size_t *len, long *first, lk_err *err)
{
    int c, in_quotes = 0, field_start = 1, just_closed = 0, got = 0, too_long = 0;
    *len = 0;
    *first = csv->line + 1;
    while ((c = getc(csv->f)) != EOF) {
        got = 1;
        if (c == '\n') {
            csv->line++;
            if (!in_quotes)
                break;
        }
        if (in_quotes) {
            if (c == '"')
                in_quotes = 0, just_closed = 1;
        } else {
            /* A quote opens a quoted field only at its start, or doubled inside one. */
            if (c == '"' && (field_start || just_closed))
                in_quotes = 1;
            just_closed = 0;
            field_start = c == ',';
        }
        if (*len >= LK_RECORD_MAX_BYTES)
            too_long = 1;
        else if (push_byte(csv, len, c))
            return lk_err_set(err, LK_ENOMEM, "row: out of memory");
    }
    if (ferror(csv->f))
        return lk_err_set(err, LK_EIO, "csv: read error");
    if (too_long)
        return lk_err_set(err, LK_EINVAL, "row: longer than %d bytes", LK_RECORD_MAX_BYTES);
    return got;
}

int lk_csv_open(FILE *f, lk_csv **out, lk_err *err)
{
    if (!f || !out)
        return lk_err_set(err, LK_EINVAL, "csv: no input");
    *out = NULL;
    lk_csv *csv = calloc(1, sizeof *csv);
    if (!csv)
        return lk_err_set(err, LK_ENOMEM, "csv: out of memory");
    csv->f = f;
    size_t len = 0;
    long first = 0;
    int rc = read_row(csv, &len, &first, err);
    if (rc == 0)
        rc = lk_err_set(err, LK_EINVAL, "header: empty file");
    if (rc == 1)
        rc = parse_header(csv->buf ? csv->buf : "", len, &csv->map, err);
    if (rc) {
        lk_csv_close(csv);
        return rc;
    }
    *out = csv;
    return 0;
}

static int blank_row(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != '\r' && buf[i] != ' ' && buf[i] != '\t')
            return 0;
    return 1;
}

int lk_csv_next(lk_csv *csv, lk_record **out, long *line, lk_err *err)
{
    if (!csv || !out)
        return lk_err_set(err, LK_EINVAL, "csv: no reader");
    *out = NULL;
    for (;;) {
        size_t len = 0;
        long first = 0;
        int rc = read_row(csv, &len, &first, err);
        if (line)
            *line = first;
        if (rc <= 0)
            return rc;
        if (blank_row(csv->buf, len))
            continue; /* blank lines, typically at the end of a hand-edited file */
        rc = row_to_record(&csv->map, csv->buf, len, out, err);
        return rc ? rc : 1;
    }
}

void lk_csv_close(lk_csv *csv)
{
    if (!csv)
        return;
    free(csv->buf);
    free(csv);
}
