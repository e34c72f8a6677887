/* cmd_check: `kioskctl check uscc|id|mrz`, the technician's way to ask the validators why a
 * code is refused. One JSON object on stdout; exit 0 valid, 1 invalid, 2 usage. */
#include <stdio.h>
#include <string.h>

#include "kctl.h"
#include "kiosk/lk_idnum.h"
#include "kiosk/lk_mrz.h"
#include "kiosk/lk_uscc.h"

#define CHECK_USAGE "check uscc CODE | check id NUMBER | check mrz LINE LINE [LINE]"

static int print_invalid(const char *reason)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "valid", 0);
    cJSON_AddStringToObject(o, "reason", reason);
    kctl_print_json(o);
    return KCTL_FAIL;
}

static void add_char(cJSON *o, const char *name, char c)
{
    char s[2] = {c, '\0'};
    cJSON_AddStringToObject(o, name, s);
}

/* LEGACY codes are kept by the store with a warning, but a technician asking "is this code
 * right?" must hear no: the code fails the check the standard defines. */
static int check_uscc(const char *code)
{
    lk_uscc_info info;
    lk_uscc_status st = lk_uscc_check(code, strlen(code), &info);
    if (st == LK_USCC_LEGACY) {
        char reason[sizeof info.reason + 40];
        snprintf(reason, sizeof reason, "not valid: %s", info.reason);
        return print_invalid(reason);
    }
    if (st != LK_USCC_VALID)
        return print_invalid(info.reason);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "valid", 1);
    cJSON_AddStringToObject(o, "code", code);
    add_char(o, "authority", info.authority);
    add_char(o, "category", info.category);
    cJSON_AddStringToObject(o, "region", info.region);
    cJSON_AddStringToObject(o, "org_code", info.org_code);
    kctl_print_json(o);
    return KCTL_OK;
}

/* Privacy: the number itself is never echoed; the first 4 and last 4 characters are enough
 * for a technician to tell which of two numbers was checked. */
static void mask_id(const char *num, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++)
        out[i] = i < 4 || i + 4 >= len ? num[i] : '*';
    out[len] = '\0';
}

/* A 15-digit number is reported valid (exit 0) with "legacy": true: it is a genuine number of
 * the 1989 standard that some holders' records still carry, and unlike a USCC pilot code it
 * has no check character that could be wrong. */
static int check_id(const kctl *k, const char *num)
{
    lk_idnum_info info;
    size_t len = strlen(num);
    lk_idnum_status st = lk_idnum_check(num, len, k->today, &info);
    if (st == LK_IDNUM_INVALID)
        return print_invalid(info.reason);
    char masked[19], birth[16];
    mask_id(num, len, masked);
    snprintf(birth, sizeof birth, "%04d-%02d-%02d", info.year, info.month, info.day);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "valid", 1);
    cJSON_AddStringToObject(o, "format", st == LK_IDNUM_LEGACY15 ? "GB11643-1989" : "GB11643-1999");
    if (st == LK_IDNUM_LEGACY15)
        cJSON_AddBoolToObject(o, "legacy", 1);
    cJSON_AddStringToObject(o, "masked", masked);
    cJSON_AddStringToObject(o, "region", info.region);
    cJSON_AddStringToObject(o, "birth_date", birth);
    add_char(o, "sex", info.sex);
    kctl_print_json(o);
    return KCTL_OK;
}

static int check_mrz(int nlines, char **argv)
{
    const char *lines[3];
    size_t lens[3];
    lk_mrz m;
    for (int i = 0; i < nlines; i++) {
        lines[i] = argv[i];
        lens[i] = strlen(argv[i]);
    }
    if (lk_mrz_parse(lines, lens, (size_t)nlines, &m) != 0)
        return print_invalid(m.reason);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "format", m.format == LK_MRZ_TD1 ? "TD1" : "TD3");
    cJSON_AddStringToObject(o, "document_code", m.document_code);
    cJSON_AddStringToObject(o, "issuing_state", m.issuing_state);
    cJSON_AddStringToObject(o, "document_number", m.document_number);
    cJSON_AddStringToObject(o, "nationality", m.nationality);
    cJSON_AddStringToObject(o, "birth_date", m.birth_date);
    cJSON_AddStringToObject(o, "expiry_date", m.expiry_date);
    add_char(o, "sex", m.sex);
    cJSON_AddStringToObject(o, "surname", m.surname);
    cJSON_AddStringToObject(o, "given_names", m.given_names);
    cJSON_AddStringToObject(o, "optional_data", m.optional_data);
    cJSON_AddBoolToObject(o, "valid", 1);
    kctl_print_json(o);
    return KCTL_OK;
}

int kctl_cmd_check(kctl *k, int argc, char **argv)
{
    if (argc < 2)
        return kctl_usage(CHECK_USAGE);
    const char *kind = argv[1];
    if (strcmp(kind, "uscc") == 0 && argc == 3)
        return check_uscc(argv[2]);
    if (strcmp(kind, "id") == 0 && argc == 3)
        return check_id(k, argv[2]);
    if (strcmp(kind, "mrz") == 0 && (argc == 4 || argc == 5))
        return check_mrz(argc - 2, argv + 2);
    if (strcmp(kind, "uscc") != 0 && strcmp(kind, "id") != 0 && strcmp(kind, "mrz") != 0)
        kctl_error("check: unknown kind '%s'", kind);
    else
        kctl_error("check %s: wrong number of arguments", kind);
    return kctl_usage(CHECK_USAGE);
}
