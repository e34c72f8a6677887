/* fuzz_service_token: arbitrary bytes as a service card's payload (they come from any card
 * held to the reader). Parsing must accept exactly the documented layout, and verification
 * with a fixed admin key must never accept a token it did not sign. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kiosk/lk_service.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lk_sign_key *admin;
    if (!admin) {
        uint8_t raw[LK_SIGN_PUB_LEN];
        memset(raw, 0x5a, sizeof raw);
        admin = lk_sign_from_raw_public(raw, NULL);
    }
    lk_service_card card;
    lk_err err = {0};
    int rc = lk_service_token_parse(data, size, &card, &err);
    if (rc == 0) {
        size_t n = strlen(card.tech_id);
        if (n == 0 || n > LK_SERVICE_TECH_MAX || size != 22 + n + LK_SIGN_LEN ||
            card.expires <= card.issued)
            __builtin_trap();
    } else if (err.msg[0] == '\0') {
        __builtin_trap();
    }
    if (admin && lk_service_token_verify(admin, data, size, 1700000000, &card, &err) == 0)
        __builtin_trap(); /* nobody holds the private half of this key */
    return 0;
}
