/* lk_mrz: the machine readable zone of ICAO 9303 travel documents, TD1 (ID cards, 3 lines of
 * 30) and TD3 (passports, 2 lines of 44): parsing every field and verifying every check digit
 * and the composite. The eMRTD reader derives its BAC keys from the fields parsed here. */
#ifndef LK_KIOSK_LK_MRZ_H
#define LK_KIOSK_LK_MRZ_H

#include <stdbool.h>
#include <stddef.h>

typedef enum lk_mrz_format { LK_MRZ_TD1 = 1, LK_MRZ_TD3 = 3 } lk_mrz_format;

typedef struct lk_mrz {
    lk_mrz_format format;
    char document_code[3]; /* "P", "ID", "I<" -> "I" ... filler removed */
    char issuing_state[4];
    char document_number[40]; /* TD1 long numbers are joined with their overflow */
    char document_number_check;
    char nationality[4];
    char birth_date[7]; /* YYMMDD as printed */
    char expiry_date[7];
    char sex; /* 'M', 'F' or 'X' (printed '<') */
    char surname[64];
    char given_names[64];    /* names separated by single spaces, '<' removed */
    char optional_data[64];  /* TD3: personal number; TD1: line-1 optional data (minus overflow) */
    char optional_data2[16]; /* TD1 line 2 optional data */
    bool valid;
    char reason[160];
} lk_mrz;

/* Parses `nlines` lines (2 for TD3, 3 for TD1), each lines[i][0..lens[i]).
 * Returns 0 when every check digit and the composite agree (out->valid = true); LK_EINVAL with
 * out->reason otherwise. Fields that could be parsed are filled even when invalid. */
int lk_mrz_parse(const char *const lines[], const size_t lens[], size_t nlines, lk_mrz *out);

/* ICAO 9303 check digit (weights 7,3,1; '<' = 0, A-Z = 10..35) over s[0..len), as a
 * character '0'-'9'; 0 when s contains a character outside [0-9A-Z<]. */
char lk_mrz_check_digit(const char *s, size_t len);

#endif
