/* fuzz_mrz: feeds arbitrary bytes to the MRZ parser, split into lines on '\n' the way a
 * document scanner delivers them, and to the check-digit routine on its own. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kiosk/lk_mrz.h"

#define MAX_LINES 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *lines[MAX_LINES];
    size_t lens[MAX_LINES];
    size_t n = 0, start = 0;
    lk_mrz m;

    (void)lk_mrz_check_digit(s, size);
    for (size_t i = 0; i <= size && n < MAX_LINES; i++) {
        if (i == size || s[i] == '\n') {
            lines[n] = s + start;
            lens[n] = i - start;
            n++;
            start = i + 1;
        }
    }
    /* Every line count, including the ones the parser must refuse. The result and the
     * reason must agree, and the reason must stay a terminated string. */
    int rc = lk_mrz_parse(lines, lens, n, &m);
    if (memchr(m.reason, '\0', sizeof m.reason) == NULL || (rc == 0) != m.valid ||
        (rc == 0) != (m.reason[0] == '\0'))
        __builtin_trap();
    return 0;
}
