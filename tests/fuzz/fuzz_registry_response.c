/* fuzz_registry_response: feeds arbitrary bytes to every parser of registry answers (the change
 * feed, lookup answers, print-report acknowledgements, error bodies). They must never crash,
 * leak or accept a page whose invariants fail: a parsed page answers the cursor asked, holds at
 * most LK_REGISTRY_PAGE_MAX changes with increasing sequence numbers, and every upsert carries
 * a record that passes validation.
 * lk-fuzz-seconds: 60 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_registry_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_page(const lk_registry_page *p, const char *from)
{
    if (strcmp(p->from, from) != 0 || p->cursor[0] == '\0' || p->n_changes > LK_REGISTRY_PAGE_MAX)
        __builtin_trap();
    int64_t prev = 0;
    for (size_t i = 0; i < p->n_changes; i++) {
        const lk_registry_change *c = &p->changes[i];
        if (c->seq <= prev)
            __builtin_trap();
        prev = c->seq;
        if (c->kind == LK_REGISTRY_UPSERT &&
            (!c->record || lk_record_validate(c->record, 20260101, NULL, NULL) != 0))
            __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    lk_registry_page page;
    /* The seeds ask for the cursor "e1.5"; mutations of the from field test the refusal. */
    if (lk_registry_parse_changes(body, size, "e1.5", 20260101, &page, NULL) == 0) {
        check_page(&page, "e1.5");
        lk_registry_page_free(&page);
    }
    if (lk_registry_parse_lookup(body, size, 20260101, &page, NULL) == 0) {
        for (size_t i = 0; i < page.n_changes; i++)
            if (page.changes[i].kind != LK_REGISTRY_UPSERT &&
                page.changes[i].kind != LK_REGISTRY_REJECTED)
                __builtin_trap();
        lk_registry_page_free(&page);
    }
    int dup = 0;
    (void)lk_registry_parse_report_ack(body, size, "0123456789abcdef0123456789abcdef", &dup, NULL);
    char code[48], msg[120];
    lk_registry_parse_error(body, size, code, sizeof code, msg, sizeof msg);
    for (const char *s = msg; *s; s++)
        if (*s < 0x20 || *s > 0x7e)
            __builtin_trap();
    return 0;
}
