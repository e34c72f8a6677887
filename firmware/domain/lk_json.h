/* lk_json: the record parser's JSON reader (internal to firmware/domain): a strict syntax check
 * of one whole document, then a cursor that walks the checked document and decodes strings in
 * place, so that a record's strings can point into the line they came from with nothing
 * allocated. cJSON built a tree of ~75 allocations per 2 KB record and was the largest part of
 * an import; this reads the same documents (and refuses what RFC 8259 refuses). */
#ifndef LK_FIRMWARE_DOMAIN_LK_JSON_H
#define LK_FIRMWARE_DOMAIN_LK_JSON_H

#include <stddef.h>

/* Deeper documents are refused, as cJSON refused them (CJSON_NESTING_LIMIT). */
#define LK_JSON_MAX_DEPTH 1000

/* Checks that s[0..len) is exactly one JSON value (an optional UTF-8 byte-order mark and
 * surrounding blanks aside). Returns 0; -1 with *at the offset of the first bad byte; or -2
 * with *at the offset where a second value begins after a complete first one. */
int lk_json_check(const char *s, size_t len, size_t *at);

enum lk_json_type {
    LK_JSON_NULL,
    LK_JSON_BOOL,
    LK_JSON_NUMBER,
    LK_JSON_STRING,
    LK_JSON_ARRAY,
    LK_JSON_OBJECT,
};

/* A cursor over a document that lk_json_check accepted, with s[len] readable (a NUL). Reading a
 * string overwrites its bytes (decoded text, then a NUL where the closing quote was); nothing else
 * is written. */
typedef struct lk_json {
    char *p, *end;
} lk_json;

void lk_json_init(lk_json *j, char *s, size_t len);
/* Type of the value at the cursor. */
int lk_json_type(lk_json *j);
/* Decodes the string at the cursor in place and returns it, NUL-terminated. */
char *lk_json_string(lk_json *j);
/* The number at the cursor as a double (±HUGE_VAL when out of range). */
double lk_json_number(lk_json *j);
/* Steps over the value at the cursor, whatever it is; writes nothing. */
void lk_json_skip(lk_json *j);
/* Consumes '{' or '[' of the value at the cursor. */
void lk_json_enter(lk_json *j);
/* Inside an object: 1 with *key decoded and the cursor on the member's value, or 0 when the
 * object ends (the '}' is consumed). */
int lk_json_member(lk_json *j, char **key);
/* Inside an array: 1 with the cursor on the next element, or 0 when it ends (']' consumed). */
int lk_json_element(lk_json *j);

#endif
