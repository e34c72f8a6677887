/* sim_card_service: the technician's service card. An ISO 7816-4 application (AID
 * F0 4C 4B 53 56 43 01, "LKSVC" v1, a proprietary RID) holding one transparent file, the payload
 * (what it means is the diagnostics mode's business: a signed token). SELECT by AID makes it
 * current; READ BINARY with a 15-bit offset reads it in the clear. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_card.h"

#define MAX_PAYLOAD 32767

static const uint8_t SERVICE_AID[] = {0xF0, 0x4C, 0x4B, 0x53, 0x56, 0x43, 0x01};

struct service {
    uint8_t *payload;
    size_t len;
    bool selected;
};

static void *service_create(void)
{
    return calloc(1, sizeof(struct service));
}

static int service_configure(void *ctx, const char *key, const char *value, char *err,
                             size_t errlen)
{
    struct service *s = ctx;
    if (strcmp(key, "payload") != 0)
        return 1;
    size_t want = strlen(value) / 2 + 1;
    uint8_t *grown = realloc(s->payload, s->len + want);
    if (!grown) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->payload = grown;
    int n = sim_hex_decode(value, s->payload + s->len, want);
    if (n < 0 || s->len + (size_t)n > MAX_PAYLOAD) {
        snprintf(err, errlen, "payload: bad hex or more than %d bytes", MAX_PAYLOAD);
        return -1;
    }
    s->len += (size_t)n; /* payload= lines are joined in file order */
    return 0;
}

static int service_finish(void *ctx, char *err, size_t errlen)
{
    struct service *s = ctx;
    if (s->len == 0) {
        snprintf(err, errlen, "a service card needs payload=");
        return -1;
    }
    return 0;
}

static int answer(uint8_t *resp, size_t *rlen, const uint8_t *data, size_t n, uint16_t sw)
{
    if (n)
        memcpy(resp, data, n);
    resp[n] = (uint8_t)(sw >> 8);
    resp[n + 1] = (uint8_t)sw;
    *rlen = n + 2;
    return 0;
}

static int service_transceive(void *ctx, const uint8_t *a, size_t n, uint8_t *resp, size_t cap,
                              size_t *rlen)
{
    struct service *s = ctx;
    if (n >= 5 && a[1] == 0xA4 && a[2] == 0x04) {
        s->selected = a[4] == sizeof SERVICE_AID && n >= 5 + sizeof SERVICE_AID &&
                      memcmp(a + 5, SERVICE_AID, sizeof SERVICE_AID) == 0;
        return answer(resp, rlen, NULL, 0, s->selected ? 0x9000 : 0x6A82);
    }
    if (n != 5 || a[1] != 0xB0)
        return answer(resp, rlen, NULL, 0, 0x6D00);
    if (!s->selected)
        return answer(resp, rlen, NULL, 0, 0x6986);
    size_t off = (size_t)(a[2] << 8 | a[3]), le = a[4] ? a[4] : 256;
    if ((a[2] & 0x80) || off >= s->len)
        return answer(resp, rlen, NULL, 0, 0x6B00);
    if (le > cap - 2)
        le = cap - 2;
    size_t k = s->len - off < le ? s->len - off : le;
    return answer(resp, rlen, s->payload + off, k, k < le ? 0x6282 : 0x9000);
}

static void service_reset(void *ctx)
{
    ((struct service *)ctx)->selected = false;
}

static void service_destroy(void *ctx)
{
    struct service *s = ctx;
    free(s->payload);
    free(s);
}

const struct sim_card_ops sim_card_service_ops = {
    .name = "service",
    .create = service_create,
    .configure = service_configure,
    .finish = service_finish,
    .transceive = service_transceive,
    .reset = service_reset,
    .destroy = service_destroy,
};
