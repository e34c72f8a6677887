/* fuzz_csv: feeds arbitrary bytes to the CSV row parser: the first line is the header, the rest
 * the row (which may hold newlines, as quoted fields do). Whatever parses is validated and
 * serialised, so the record the CSV path builds is as well-formed as the JSON path's. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t hlen = nl ? (size_t)(nl - s) : size;
    const char *row = nl ? nl + 1 : s + size;
    size_t rlen = size - (size_t)(row - s);
    lk_record *rec = NULL;
    lk_err err = {0};
    if (lk_csv_parse_row(s, hlen, row, rlen, &rec, &err) != 0) {
        if (rec || err.msg[0] == '\0')
            __builtin_trap();
        return 0;
    }
    (void)lk_record_validate(rec, 20261122, NULL, &err);
    char *json = lk_record_to_json(rec, 0);
    lk_record *back = NULL;
    /* Cells are UTF-8-checked like JSON strings, so the JSON form must parse back. */
    if (json && lk_record_from_json(json, strlen(json), &back, &err) != 0 &&
        strlen(json) <= LK_RECORD_MAX_BYTES)
        __builtin_trap();
    lk_record_free(back);
    free(json);
    lk_record_free(rec);
    return 0;
}
