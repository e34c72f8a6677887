/* lk_record: one approved business license as the registry describes it (every field printed
 * on the 2019 营业执照, plus who may collect it), its JSON and CSV forms, and its validation.
 * The JSON form is specified in docs/records-format.md. */
#ifndef LK_KIOSK_LK_RECORD_H
#define LK_KIOSK_LK_RECORD_H

#include <stddef.h>
#include <stdio.h>

#include "kiosk/lk_err.h"

/* Largest accepted input line / JSON document; anything longer is rejected, not truncated. */
#define LK_RECORD_MAX_BYTES  (64 * 1024)
#define LK_RECORD_MAX_AGENTS 16

/* A person allowed to collect the license: the holder or an authorised agent. */
typedef struct lk_person {
    char *role; /* holder: the entity type's holder label; agent: e.g. 委托代理人 */
    char *name;
    char *doc_type;   /* "resident_id" or "passport" */
    char *doc_number; /* plain text on input only; NULL in records read back from the store */
    char *doc_masked; /* display form, e.g. 1101**********002X */
} lk_person;

typedef struct lk_record {
    char *uscc;
    char *name;
    char *entity_type; /* key into lk_entity */
    char *type_name;   /* 类型 as printed; defaults from the entity type */
    lk_person holder;
    lk_person *agents;
    size_t n_agents;
    char *scope;       /* 经营范围, up to 3,000 characters */
    char *capital;     /* printed text, e.g. 壹仟万元整; NULL where the type prints none */
    char *composition; /* 组成形式 (个体工商户 only): 个人经营 / 家庭经营 */
    char *established; /* YYYY-MM-DD: 成立日期 or 注册日期 */
    char *term_from;   /* YYYY-MM-DD or NULL */
    char *term_to;     /* YYYY-MM-DD, or NULL for 长期 */
    char *address;
    char *authority;  /* 登记机关 */
    char *registered; /* 登记日期 YYYY-MM-DD */
    char *qr_payload; /* opaque; NULL means use the gsxt fallback URL */
    char *status;     /* "approved" or "revoked" */
    int duplicates;   /* how many 副本 are approved */
} lk_record;

/* Non-fatal findings of validation. */
enum lk_record_warning {
    LK_RECORD_WARN_LEGACY_USCC = 1 << 0, /* pilot-era code whose check character fails */
};

/* Parses one JSON object from json[0..len). On failure returns LK_EINVAL and names the field. */
int lk_record_from_json(const char *json, size_t len, lk_record **out, lk_err *err);

/* Parses the JSON in buf[0..len) in place (buf[len] must be readable, e.g. a NUL): strings are
 * decoded where they lie and NUL-terminated, so the record's strings point into buf and its
 * agents into agents[]; nothing is allocated. Same rules and reasons as lk_record_from_json.
 * The record lives as long as buf; never pass it to lk_record_free. */
int lk_record_parse_in_place(char *buf, size_t len, lk_record *rec,
                             lk_person agents[LK_RECORD_MAX_AGENTS], lk_err *err);

/* Serialises rec as one line of JSON (malloc'd, caller frees). With `masked`, document numbers
 * are left out and only doc_masked is written: that form may be shown, logged or exported. */
char *lk_record_to_json(const lk_record *rec, int masked);

/* Checks every field; returns 0 or LK_EINVAL with a precise reason. *warnings (may be NULL)
 * receives lk_record_warning bits for findings that do not reject the record.
 * `today` is YYYYMMDD, for birth dates in identity numbers. */
int lk_record_validate(const lk_record *rec, int today, int *warnings, lk_err *err);

/* The fallback QR payload for a record whose registry sent none (written into buf). */
void lk_record_fallback_qr(const char *uscc, char *buf, size_t bufsz);

void lk_record_free(lk_record *rec);

/* Display form of a document number: 18-character numbers keep the first and last 4
 * (1101**********002X); other lengths keep the first and the last two (E*****67), numbers under
 * 4 characters are fully masked. Always NUL-terminates out (when outsz > 0). */
void lk_record_mask_doc(const char *number, char *out, size_t outsz);

/* Number of code points in s[0..len), or -1 when it is not well-formed UTF-8 (overlong forms,
 * surrogates, values above U+10FFFF and truncated sequences are all rejected). */
long lk_record_utf8_len(const char *s, size_t len);

/* CSV (RFC 4180, UTF-8, header row naming the columns, see docs/records-format.md). */
typedef struct lk_csv lk_csv;

/* Reads the header row from f; fails with LK_EINVAL when a required column is missing. */
int lk_csv_open(FILE *f, lk_csv **out, lk_err *err);
/* Reads the next record. Returns 1 with *out set, 0 at end of file, LK_EINVAL for a bad row
 * (the reader stays usable: call again for the next row). *line receives the row's first
 * physical line number. */
int lk_csv_next(lk_csv *csv, lk_record **out, long *line, lk_err *err);
void lk_csv_close(lk_csv *csv);

/* Parses one CSV row held in buf[0..len) against the header row hdr[0..hlen) (both without
 * the trailing newline). This is the reader's core, exposed for the fuzz target. */
int lk_csv_parse_row(const char *hdr, size_t hlen, const char *buf, size_t len, lk_record **out,
                     lk_err *err);

#endif
