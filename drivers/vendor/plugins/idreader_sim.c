/* idreader-sim.so: a simulated SAM resident-ID-card reader for tests and the demo, speaking the
 * lk_plugin_idreader ABI like a vendor plug-in would.
 *
 * Configuration: `card=FILE` (a card lies on the reader from the start) or `dir=DIR` (the card
 * on the reader is DIR/present, if that file exists: create it to present a card, remove it to
 * take the card away); optional `delay_ms=N` before every read.
 *
 * Like real readers, a card that was read must be taken away and presented again before
 * wait_card sees it anew (the card file's inode and mtime identify a presentation).
 *
 * Card file (UTF-8 text, one `key=value` a line, '#' comments):
 *   type=1|2|3   name=  sex=1|2  nation=01  birth=YYYYMMDD  address=  id=  issuer=
 *   from=YYYYMMDD  until=YYYYMMDD|长期  sam=  (all optional; missing text is "")
 *   photo=FILE.ppm           binary PPM (P6, maxval 255) relative to the card file, or
 *   photo=synthetic:SEED     a 102 x 126 RGB pattern derived from SEED (the default)
 *   fault=read-fail|sam-auth|removed   make read_card fail like the SDK would, with
 *   native=N                 the vendor code reported (SAM status bytes, e.g. 0x41 = 65) */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lk_plugin_idreader.h"

#define PHOTO_W 102
#define PHOTO_H 126

typedef struct sim {
    const lk_plugin_host_api *host;
    char path[1024]; /* the card file watched */
    unsigned delay_ms;
    ino_t read_ino; /* the presentation already read */
    struct timespec read_mtime;
    int have_read;
    int selected;
} sim;

static int32_t fail(lk_plugin_error *err, int32_t code, int32_t native, const char *msg)
{
    if (err && err->size >= sizeof *err) {
        err->native = native;
        snprintf(err->message, sizeof err->message, "%s", msg);
    }
    return code;
}

static void sleep_ms(unsigned ms)
{
    nanosleep(&(struct timespec){ms / 1000, (long)(ms % 1000) * 1000000L}, NULL);
}

static int32_t sim_open(const lk_plugin_host_api *host, const char *config, void **out,
                        lk_plugin_error *err)
{
    /* A vendor checks the host table is long enough for what it calls (append-only ABI). */
    if (!host || host->size < offsetof(lk_plugin_host_api, cancelled) + sizeof host->cancelled)
        return fail(err, LK_PLUGIN_EINVAL, 0, "host API too old");
    sim *s = calloc(1, sizeof *s);
    if (!s)
        return fail(err, LK_PLUGIN_ENOMEM, 0, "out of memory");
    s->host = host;
    char cfg[2048];
    snprintf(cfg, sizeof cfg, "%s", config ? config : "");
    char *save = NULL;
    for (char *kv = strtok_r(cfg, "; ", &save); kv; kv = strtok_r(NULL, "; ", &save)) {
        if (strncmp(kv, "card=", 5) == 0)
            snprintf(s->path, sizeof s->path, "%s", kv + 5);
        else if (strncmp(kv, "dir=", 4) == 0)
            snprintf(s->path, sizeof s->path, "%s/present", kv + 4);
        else if (strncmp(kv, "delay_ms=", 9) == 0)
            s->delay_ms = (unsigned)atoi(kv + 9);
        else {
            free(s);
            return fail(err, LK_PLUGIN_EINVAL, 0x10, "unknown configuration (card= or dir=)");
        }
    }
    if (!s->path[0]) {
        free(s);
        return fail(err, LK_PLUGIN_EINVAL, 0x10, "configure card=FILE or dir=DIR");
    }
    *out = s;
    return LK_PLUGIN_OK;
}

/* 1 when a card is on the reader that has not been read in this presentation. */
static int fresh_card(sim *s)
{
    struct stat st;
    if (stat(s->path, &st) != 0) {
        s->have_read = 0; /* taken away: the next presentation is new */
        return 0;
    }
    return !s->have_read || st.st_ino != s->read_ino || st.st_mtim.tv_sec != s->read_mtime.tv_sec ||
           st.st_mtim.tv_nsec != s->read_mtime.tv_nsec;
}

static int32_t sim_wait(void *ctx, uint32_t timeout_ms, lk_plugin_error *err)
{
    sim *s = ctx;
    uint64_t start = s->host->now_ms(s->host->host);
    for (;;) {
        if (fresh_card(s)) {
            s->selected = 1;
            return LK_PLUGIN_OK;
        }
        if (s->host->cancelled(s->host->host))
            return fail(err, LK_PLUGIN_ECANCELED, 0, "cancelled");
        if (s->host->now_ms(s->host->host) - start >= timeout_ms)
            return fail(err, LK_PLUGIN_ETIMEDOUT, 0x80, "no card");
        sleep_ms(20);
    }
}

static void synth_photo(lk_plugin_idcard *c, unsigned seed)
{
    for (uint32_t y = 0; y < PHOTO_H; y++)
        for (uint32_t x = 0; x < PHOTO_W; x++) {
            uint8_t *p = c->photo + (y * PHOTO_W + x) * 3;
            p[0] = (uint8_t)(x * 2 + seed);
            p[1] = (uint8_t)(y * 2 + seed * 3);
            p[2] = (uint8_t)((x ^ y) + seed * 7);
        }
    c->photo_format = LK_IDCARD_PHOTO_RGB24;
    c->photo_width = PHOTO_W;
    c->photo_height = PHOTO_H;
    c->photo_len = PHOTO_W * PHOTO_H * 3;
}

static int32_t load_ppm(const char *card_path, const char *name, lk_plugin_idcard *c,
                        lk_plugin_error *err)
{
    char path[1200];
    const char *slash = strrchr(card_path, '/');
    if (name[0] == '/' || !slash)
        snprintf(path, sizeof path, "%s", name);
    else
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - card_path), card_path, name);
    FILE *f = fopen(path, "rb");
    unsigned w = 0, h = 0, max = 0;
    if (!f || fscanf(f, "P6 %u %u %u", &w, &h, &max) != 3 || max != 255 || fgetc(f) == EOF ||
        w == 0 || h == 0 || w > 1024 || h > 1024 || (uint64_t)w * h * 3 > c->photo_cap) {
        if (f)
            fclose(f);
        return fail(err, LK_PLUGIN_ECARDREAD, -1, "photo does not decode (PPM P6 expected)");
    }
    size_t n = fread(c->photo, 1, (size_t)w * h * 3, f);
    fclose(f);
    if (n != (size_t)w * h * 3)
        return fail(err, LK_PLUGIN_ECARDREAD, -4, "photo truncated");
    c->photo_format = LK_IDCARD_PHOTO_RGB24;
    c->photo_width = w;
    c->photo_height = h;
    c->photo_len = (uint32_t)n;
    return LK_PLUGIN_OK;
}

#define COPY(field, v) snprintf(c->field, sizeof c->field, "%s", v)

static int32_t apply(const char *card_path, const char *k, const char *v, lk_plugin_idcard *c,
                     lk_plugin_error *err)
{
    if (strcmp(k, "type") == 0)
        c->card_type = (uint32_t)atoi(v);
    else if (strcmp(k, "name") == 0)
        COPY(name, v);
    else if (strcmp(k, "sex") == 0)
        COPY(sex, v);
    else if (strcmp(k, "nation") == 0)
        COPY(nation, v);
    else if (strcmp(k, "birth") == 0)
        COPY(birth_date, v);
    else if (strcmp(k, "address") == 0)
        COPY(address, v);
    else if (strcmp(k, "id") == 0)
        COPY(id_number, v);
    else if (strcmp(k, "issuer") == 0)
        COPY(issuer, v);
    else if (strcmp(k, "from") == 0)
        COPY(valid_from, v);
    else if (strcmp(k, "until") == 0)
        COPY(valid_until, v);
    else if (strcmp(k, "sam") == 0)
        COPY(sam_id, v);
    else if (strcmp(k, "photo") == 0 && strncmp(v, "synthetic:", 10) == 0)
        synth_photo(c, (unsigned)atoi(v + 10));
    else if (strcmp(k, "photo") == 0)
        return load_ppm(card_path, v, c, err);
    return LK_PLUGIN_OK;
}

static int32_t fault(const char *f, int32_t native, lk_plugin_error *err)
{
    if (strcmp(f, "read-fail") == 0)
        return fail(err, LK_PLUGIN_ECARDREAD, native ? native : 0x41, "read failed (SAM 41)");
    if (strcmp(f, "sam-auth") == 0)
        return fail(err, LK_PLUGIN_ELICENSE, native ? native : 0x32, "SAM authentication failed");
    if (strcmp(f, "removed") == 0)
        return fail(err, LK_PLUGIN_ENOCARD, native ? native : 0x80, "card removed during read");
    return LK_PLUGIN_OK;
}

static int32_t parse_card(FILE *f, const char *path, lk_plugin_idcard *c, lk_plugin_error *err)
{
    char line[1024], faultv[32] = "";
    int32_t native = 0, rc = LK_PLUGIN_OK;
    c->card_type = LK_IDCARD_RESIDENT;
    synth_photo(c, 1);
    while (rc == LK_PLUGIN_OK && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *eq = strchr(line, '=');
        if (line[0] == '#' || !eq)
            continue;
        *eq = '\0';
        if (strcmp(line, "fault") == 0)
            snprintf(faultv, sizeof faultv, "%s", eq + 1);
        else if (strcmp(line, "native") == 0)
            native = (int32_t)strtol(eq + 1, NULL, 0);
        else
            rc = apply(path, line, eq + 1, c, err);
    }
    explicit_bzero(line, sizeof line);
    return rc == LK_PLUGIN_OK ? fault(faultv, native, err) : rc;
}

static int32_t sim_read(void *ctx, lk_plugin_idcard *c, lk_plugin_error *err)
{
    sim *s = ctx;
    if (!c || c->size < sizeof *c || !c->photo || c->photo_cap < PHOTO_W * PHOTO_H * 3)
        return fail(err, LK_PLUGIN_EINVAL, 0, "card record too small");
    if (!s->selected)
        return fail(err, LK_PLUGIN_ENOCARD, 0x80, "no card selected (call wait_card)");
    s->selected = 0;
    if (s->delay_ms)
        sleep_ms(s->delay_ms);
    struct stat st;
    FILE *f = fopen(s->path, "r");
    if (!f || fstat(fileno(f), &st) != 0) {
        if (f)
            fclose(f);
        return fail(err, LK_PLUGIN_ENOCARD, 0x80, "card removed");
    }
    int32_t rc = parse_card(f, s->path, c, err);
    fclose(f);
    s->have_read = 1;
    s->read_ino = st.st_ino;
    s->read_mtime = st.st_mtim;
    return rc;
}

static void sim_close(void *ctx)
{
    free(ctx);
}

static const lk_plugin_idreader_ops ops = {
    .size = sizeof(lk_plugin_idreader_ops),
    .open = sim_open,
    .wait_card = sim_wait,
    .read_card = sim_read,
    .close = sim_close,
};

static const lk_plugin_idreader_desc desc = {
    .size = sizeof(lk_plugin_idreader_desc),
    .magic = LK_PLUGIN_MAGIC,
    .kind = LK_PLUGIN_KIND_IDREADER,
    .abi_major = LK_PLUGIN_IDREADER_ABI_MAJOR,
    .abi_minor = LK_PLUGIN_IDREADER_ABI_MINOR,
    .name = "idreader-sim",
    .vendor = "licensekiosk",
    .version = "1.0.0",
    .ops = &ops,
};

const lk_plugin_idreader_desc *lk_plugin_idreader_entry_v1(void)
{
    return &desc;
}
