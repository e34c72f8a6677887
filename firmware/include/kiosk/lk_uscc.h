/* lk_uscc: validation of the 18-character unified social credit code (统一社会信用代码,
 * GB 32100-2015), including the GB 11714 organisation code embedded at positions 9-17.
 *
 * Early pilot-region codes were genuinely issued although their final check character is
 * wrong; their embedded organisation code still passes. Those are reported as LEGACY so the
 * store can keep them (with a warning) while the CLI reports them invalid. */
#ifndef LK_KIOSK_LK_USCC_H
#define LK_KIOSK_LK_USCC_H

#include <stddef.h>

#define LK_USCC_LEN 18

typedef enum lk_uscc_status {
    LK_USCC_VALID = 0,
    LK_USCC_LEGACY, /* well-formed, org code passes, but the mod-31 check character fails */
    LK_USCC_INVALID,
} lk_uscc_status;

typedef struct lk_uscc_info {
    char authority;      /* position 1: 1 机构编制, 5 民政, 9 工商, Y 其他 */
    char category;       /* position 2 */
    char region[7];      /* positions 3-8, GB/T 2260 administrative division */
    char org_code[10];   /* positions 9-17, GB 11714 organisation code */
    char check;          /* position 18 as given */
    char expected_check; /* what the mod-31 rule computes (when the body is well-formed) */
    char reason[160];    /* empty when VALID; why otherwise (also set for LEGACY) */
} lk_uscc_info;

/* Checks s[0..len) (bytes, not a C string: an embedded NUL is an error). info may be NULL. */
lk_uscc_status lk_uscc_check(const char *s, size_t len, lk_uscc_info *info);

/* Computes the mod-31 check character for a 17-character body; returns 0 when the body
 * contains a character outside the USCC alphabet. */
char lk_uscc_check_char(const char body[17]);

/* Computes the GB 11714 check character for an 8-character body; 0 when malformed. */
char lk_orgcode_check_char(const char body[8]);

#endif
