/* fuzz_ids: feeds arbitrary bytes to the USCC and identity-number validators, which see raw
 * user and registry input, and checks that what they report is self-consistent. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kiosk/lk_idnum.h"
#include "kiosk/lk_uscc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    lk_uscc_info u;
    lk_idnum_info id;

    lk_uscc_status us = lk_uscc_check(s, size, &u);
    /* A valid code must carry an empty reason, and its check must agree with the helper. */
    if (us == LK_USCC_VALID && (u.reason[0] != '\0' || lk_uscc_check_char(s) != s[17]))
        __builtin_trap();
    if (us != LK_USCC_VALID && u.reason[0] == '\0')
        __builtin_trap();

    lk_idnum_status is = lk_idnum_check(s, size, 20261122, &id);
    if (is == LK_IDNUM_VALID && lk_idnum_check_char(s) != s[17])
        __builtin_trap();
    if (is == LK_IDNUM_INVALID && id.reason[0] == '\0')
        __builtin_trap();
    if (size >= 17) {
        (void)lk_uscc_check_char(s);
        (void)lk_idnum_check_char(s);
    }
    if (size >= 8)
        (void)lk_orgcode_check_char(s);
    return 0;
}
