/* fuzz_record_json: feeds arbitrary bytes to the record's JSON parser, which sees registry and
 * import-file input, then validates and re-serialises whatever parsed. A parsed record must
 * survive its own round trip, and masked output must never carry a document number. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const lk_record *rec)
{
    char *json = lk_record_to_json(rec, 0);
    lk_record *again = NULL;
    /* Escaping can grow a document past the size limit; only those may fail to parse back. */
    if (!json || lk_record_from_json(json, strlen(json), &again, NULL) != 0) {
        if (json && strlen(json) <= LK_RECORD_MAX_BYTES)
            __builtin_trap();
        free(json);
        return;
    }
    char *json2 = lk_record_to_json(again, 0);
    if (!json2 || strcmp(json, json2) != 0)
        __builtin_trap();
    free(json2);
    free(json);
    lk_record_free(again);
}

static void check_masked(const lk_record *rec)
{
    char *masked = lk_record_to_json(rec, 1);
    if (!masked)
        return;
    /* Values cannot hold an unescaped quote, so this pattern can only be the key. */
    if (strstr(masked, "\"doc_number\":"))
        __builtin_trap();
    free(masked);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lk_record *rec = NULL;
    lk_err err = {0};
    if (lk_record_from_json((const char *)data, size, &rec, &err) != 0) {
        if (rec || err.msg[0] == '\0')
            __builtin_trap();
        return 0;
    }
    int warnings = 0;
    (void)lk_record_validate(rec, 20261122, &warnings, &err);
    check_round_trip(rec);
    check_masked(rec);
    lk_record_free(rec);
    return 0;
}
