/* sim_card_script: the "script" card application. It answers C-APDUs from a table of
 * apdu=COMMAND:RESPONSE lines (exact match, or prefix match when COMMAND ends in '*') and
 * everything else with a default status word (6D00, "instruction not supported"): with an
 * empty table it is the "unknown card" the kiosk must refuse politely. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_card.h"

#define MAX_ENTRIES 256
#define MAX_CMD     270

struct entry {
    uint8_t cmd[MAX_CMD];
    size_t cmd_len;
    bool prefix;
    bool used;
    uint8_t rsp[SIM_CARD_MAX_RESP];
    size_t rsp_len;
};

struct script {
    struct entry *entries;
    size_t n;
    uint8_t dflt[SIM_CARD_MAX_RESP];
    size_t dflt_len;
    bool mute; /* default=none: unmatched commands get no answer at all */
};

static void *script_create(void)
{
    struct script *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->entries = calloc(MAX_ENTRIES, sizeof *s->entries);
    if (!s->entries) {
        free(s);
        return NULL;
    }
    s->dflt[0] = 0x6D;
    s->dflt[1] = 0x00;
    s->dflt_len = 2;
    return s;
}

/* "CMD[*]:RSP" into a new table entry. */
static int add_entry(struct script *s, const char *v, char *err, size_t errlen)
{
    char cmd[2 * MAX_CMD + 8];
    const char *colon = strchr(v, ':');
    if (s->n >= MAX_ENTRIES || !colon || (size_t)(colon - v) >= sizeof cmd) {
        snprintf(err, errlen, "%s",
                 s->n >= MAX_ENTRIES ? "too many apdu lines" : "expected CMD:RSP");
        return -1;
    }
    struct entry *e = &s->entries[s->n];
    size_t cl = (size_t)(colon - v);
    memcpy(cmd, v, cl);
    while (cl > 0 && cmd[cl - 1] == ' ')
        cl--;
    e->prefix = cl > 0 && cmd[cl - 1] == '*';
    cmd[e->prefix ? cl - 1 : cl] = '\0';
    int nc = sim_hex_decode(cmd, e->cmd, sizeof e->cmd);
    int nr = sim_hex_decode(colon + 1, e->rsp, sizeof e->rsp);
    if (nc < 0 || nr < 2) {
        snprintf(err, errlen, "%s", "hex command, and a response of at least a status word");
        return -1;
    }
    e->cmd_len = (size_t)nc;
    e->rsp_len = (size_t)nr;
    s->n++;
    return 0;
}

static int script_configure(void *ctx, const char *key, const char *value, char *err, size_t errlen)
{
    struct script *s = ctx;
    if (strcmp(key, "apdu") == 0)
        return add_entry(s, value, err, errlen);
    if (strcmp(key, "default") != 0)
        return 1;
    s->mute = strcmp(value, "none") == 0;
    if (s->mute)
        return 0;
    int n = sim_hex_decode(value, s->dflt, sizeof s->dflt);
    if (n < 2) {
        snprintf(err, errlen, "%s", "a status word (e.g. 6D00) or none");
        return -1;
    }
    s->dflt_len = (size_t)n;
    return 0;
}

static int script_finish(void *ctx, char *err, size_t errlen)
{
    (void)ctx;
    (void)err;
    (void)errlen;
    return 0;
}

static bool matches(const struct entry *e, const uint8_t *apdu, size_t n)
{
    if (e->prefix)
        return n >= e->cmd_len && memcmp(e->cmd, apdu, e->cmd_len) == 0;
    return n == e->cmd_len && memcmp(e->cmd, apdu, n) == 0;
}

/* Lines with the same command answer in file order, the last one repeating, so a script can
 * play GET CHALLENGE returning different nonces. */
static int script_transceive(void *ctx, const uint8_t *apdu, size_t n, uint8_t *resp, size_t cap,
                             size_t *rlen)
{
    struct script *s = ctx;
    const struct entry *last = NULL;
    for (size_t i = 0; i < s->n; i++) {
        struct entry *e = &s->entries[i];
        if (!matches(e, apdu, n))
            continue;
        last = e;
        if (!e->used) {
            e->used = true;
            break;
        }
    }
    const uint8_t *r = last ? last->rsp : s->dflt;
    size_t rl = last ? last->rsp_len : s->dflt_len;
    if ((!last && s->mute) || rl > cap)
        return -1;
    memcpy(resp, r, rl);
    *rlen = rl;
    return 0;
}

static void script_reset(void *ctx)
{
    struct script *s = ctx;
    for (size_t i = 0; i < s->n; i++)
        s->entries[i].used = false;
}

static void script_destroy(void *ctx)
{
    struct script *s = ctx;
    free(s->entries);
    free(s);
}

const struct sim_card_ops sim_card_script_ops = {
    .name = "script",
    .create = script_create,
    .configure = script_configure,
    .finish = script_finish,
    .transceive = script_transceive,
    .reset = script_reset,
    .destroy = script_destroy,
};
