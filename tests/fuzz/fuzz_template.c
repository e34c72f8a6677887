/* fuzz_template: feeds arbitrary bytes to the layout-template parser. A template comes from
 * a USB configuration bundle or an update, so it is outside input: the parser must refuse
 * anything malformed with an error message and never crash, leak or read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kiosk/lk_render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lk_template *tpl = NULL;
    lk_err err = {0};
    int rc = lk_template_parse((const char *)data, size, &tpl, &err);
    /* Success and failure must agree with the output pointer and the message. */
    if ((rc == 0) != (tpl != NULL) || memchr(err.msg, '\0', sizeof err.msg) == NULL ||
        (rc < 0 && err.msg[0] == '\0'))
        __builtin_trap();
    if (tpl) {
        double w = 0, h = 0;
        if (lk_template_page_size(tpl, LK_RENDER_ORIGINAL, &w, &h) != 0 || w <= 0 || h <= 0 ||
            lk_template_item_count(tpl, LK_RENDER_DUPLICATE) == 0)
            __builtin_trap();
    }
    lk_template_free(tpl);
    return 0;
}
