/* lk_idnum: validation of the PRC resident identity number (公民身份号码, GB 11643-1999):
 * 18 characters = 6-digit region, 8-digit birth date, 3-digit sequence, ISO 7064 MOD 11-2
 * check character (0-9 or X). 15-digit numbers of the 1989 standard are recognised as
 * legacy: they have a 6-digit birth date (19YYMMDD) and no check character. */
#ifndef LK_KIOSK_LK_IDNUM_H
#define LK_KIOSK_LK_IDNUM_H

#include <stddef.h>

typedef enum lk_idnum_status {
    LK_IDNUM_VALID = 0,
    LK_IDNUM_LEGACY15, /* a well-formed 15-digit number of GB 11643-1989 */
    LK_IDNUM_INVALID,
} lk_idnum_status;

typedef struct lk_idnum_info {
    char region[7];
    int year, month, day;
    char sex;            /* 'M' or 'F' from the sequence code's parity */
    char check;          /* 18-digit form: as given */
    char expected_check; /* 18-digit form: as computed */
    char reason[160];
} lk_idnum_info;

/* Checks s[0..len). `today` is the current date as YYYYMMDD (e.g. 20261122); birth dates
 * after it are rejected. info may be NULL. Lower-case 'x' is rejected: the standard prints
 * upper case and a kiosk must not store two spellings of one number. */
lk_idnum_status lk_idnum_check(const char *s, size_t len, int today, lk_idnum_info *info);

/* Check character for a 17-digit body, or 0 when the body is not 17 ASCII digits. */
char lk_idnum_check_char(const char body[17]);

/* Today's local date as YYYYMMDD, for callers that have no clock of their own to pass. */
int lk_idnum_today(void);

#endif
