/* cmd_records: `kioskctl records import|find|show|generate`, the admin's way to load license
 * records, ask what a person may collect and inspect one record. JSON on stdout; identity
 * numbers are never printed, only their masked forms. Exit 0 / 1 / 2 as README says. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kctl.h"
#include "kiosk/lk_gen.h"
#include "kiosk/lk_import.h"
#include "kiosk/lk_record.h"

#define RECORDS_USAGE                                                                              \
    "records import FILE | records find --id NUMBER | records find --doc TYPE:NUMBER |\n"          \
    "          records show USCC | records generate --count N [--seed S]"

/* Above this a generated file would be hundreds of gigabytes: surely a typo. */
#define GEN_MAX_COUNT 100000000ULL

/* Parses a whole decimal number in [min, max]; 0 on success. Signs and blanks are refused
 * because strtoull would silently wrap "-1" to a huge value. */
static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* The import's report callback: reasons never hold identity numbers (lk_import guarantees
 * it), so they can go to stderr as they are. */
static void report_line(void *ctx, long line, int severity, const char *reason)
{
    const char *file = ctx;
    if (severity == LK_IMPORT_WARNING)
        fprintf(stderr, "%s:%ld: warning: %s\n", file, line, reason);
    else
        fprintf(stderr, "%s:%ld: %s\n", file, line, reason);
}

static int records_import(kctl *k, const char *file)
{
    lk_store *st = kctl_open_store(k);
    if (!st)
        return KCTL_FAIL;
    lk_import_stats stats = {0};
    lk_err err = {0};
    int rc = lk_import_file(st, file, LK_IMPORT_AUTO, k->actor, k->today, report_line, (void *)file,
                            &stats, &err);
    lk_store_close(st);
    if (rc != 0) {
        kctl_error("import %s: %s", file, err.msg);
        return KCTL_FAIL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "lines", (double)stats.lines);
    cJSON_AddNumberToObject(o, "inserted", (double)stats.inserted);
    cJSON_AddNumberToObject(o, "updated", (double)stats.updated);
    cJSON_AddNumberToObject(o, "rejected", (double)stats.rejected);
    cJSON_AddNumberToObject(o, "warnings", (double)stats.warnings);
    kctl_print_json(o);
    return stats.rejected == 0 ? KCTL_OK : KCTL_FAIL;
}

/* cJSON copies the strings, which the store only lends for the callback's duration. */
static int add_match(void *ctx, const lk_store_match *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "uscc", m->uscc);
    cJSON_AddStringToObject(o, "name", m->name);
    cJSON_AddStringToObject(o, "entity_type", m->entity_type);
    if (m->type_name)
        cJSON_AddStringToObject(o, "type_name", m->type_name);
    else
        cJSON_AddNullToObject(o, "type_name");
    cJSON_AddStringToObject(o, "as", m->as_role);
    cJSON_AddStringToObject(o, "role", m->role);
    cJSON_AddStringToObject(o, "person", m->person);
    cJSON_AddStringToObject(o, "doc_masked", m->doc_masked);
    cJSON_AddNumberToObject(o, "duplicates", m->duplicates);
    cJSON_AddItemToArray((cJSON *)ctx, o);
    return 0;
}

static int find_doc(kctl *k, const char *doc_type, const char *number)
{
    lk_store *st = kctl_open_store(k);
    if (!st)
        return KCTL_FAIL;
    cJSON *arr = cJSON_CreateArray();
    lk_err err = {0};
    int n = lk_store_find_by_doc(st, doc_type, number, add_match, arr, &err);
    lk_store_close(st);
    if (n < 0) {
        cJSON_Delete(arr);
        kctl_error("find: %s", err.msg);
        return KCTL_FAIL;
    }
    kctl_print_json(arr);
    return KCTL_OK;
}

/* --doc splits at the first ':' only: the type names never hold one, numbers might someday. */
static int records_find(kctl *k, int argc, char **argv)
{
    if (argc != 4)
        return kctl_usage(RECORDS_USAGE);
    const char *opt = argv[2], *val = argv[3];
    if (strcmp(opt, "--id") == 0 && *val)
        return find_doc(k, "resident_id", val);
    if (strcmp(opt, "--doc") != 0)
        return kctl_usage(RECORDS_USAGE);
    const char *colon = strchr(val, ':');
    if (!colon || colon == val || colon[1] == '\0') {
        kctl_error("find --doc: expected TYPE:NUMBER");
        return kctl_usage(RECORDS_USAGE);
    }
    char doc_type[64];
    size_t tlen = (size_t)(colon - val);
    if (tlen >= sizeof doc_type) {
        kctl_error("find --doc: document type too long");
        return kctl_usage(RECORDS_USAGE);
    }
    memcpy(doc_type, val, tlen);
    doc_type[tlen] = '\0';
    return find_doc(k, doc_type, colon + 1);
}

static int records_show(kctl *k, const char *uscc)
{
    lk_store *st = kctl_open_store(k);
    if (!st)
        return KCTL_FAIL;
    lk_record *rec = NULL;
    lk_err err = {0};
    int rc = lk_store_get_record(st, uscc, &rec, &err);
    lk_store_close(st);
    if (rc != 0) {
        if (rc == LK_ENOENT)
            kctl_error("show: no record with USCC %s", uscc);
        else
            kctl_error("show: %s", err.msg);
        return KCTL_FAIL;
    }
    /* Masked form: records read back carry no document number, and this one may be shown. */
    char *json = lk_record_to_json(rec, 1);
    lk_record_free(rec);
    if (!json) {
        kctl_error("show: out of memory");
        return KCTL_FAIL;
    }
    puts(json);
    free(json);
    return KCTL_OK;
}

/* Generation needs no database: it is how test data is made before any kiosk exists. */
static int records_generate(int argc, char **argv)
{
    uint64_t count = 0, seed = 1;
    int have_count = 0;
    for (int i = 2; i < argc; i += 2) {
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--count") == 0 && parse_u64(val, 1, GEN_MAX_COUNT, &count) == 0)
            have_count = 1;
        else if (strcmp(argv[i], "--seed") != 0 || parse_u64(val, 0, UINT64_MAX, &seed) != 0) {
            kctl_error("generate: bad option '%s' (count is 1..%llu)", argv[i], GEN_MAX_COUNT);
            return kctl_usage(RECORDS_USAGE);
        }
    }
    if (!have_count)
        return kctl_usage(RECORDS_USAGE);
    if (lk_gen_write_jsonl(stdout, count, seed) != 0 || fflush(stdout) != 0) {
        kctl_error("generate: cannot write: %s", strerror(errno));
        return KCTL_FAIL;
    }
    return KCTL_OK;
}

int kctl_cmd_records(kctl *k, int argc, char **argv)
{
    if (argc < 2)
        return kctl_usage(RECORDS_USAGE);
    const char *sub = argv[1];
    if (strcmp(sub, "import") == 0 && argc == 3)
        return records_import(k, argv[2]);
    if (strcmp(sub, "find") == 0)
        return records_find(k, argc, argv);
    if (strcmp(sub, "show") == 0 && argc == 3)
        return records_show(k, argv[2]);
    if (strcmp(sub, "generate") == 0)
        return records_generate(argc, argv);
    if (strcmp(sub, "import") != 0 && strcmp(sub, "show") != 0)
        kctl_error("records: unknown sub-command '%s'", sub);
    else
        kctl_error("records %s: wrong number of arguments", sub);
    return kctl_usage(RECORDS_USAGE);
}
