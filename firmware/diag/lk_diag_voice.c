/* lk_diag_voice: the voice-prompts self-test (see the header); the WAV check is lk_wav. */
#include "kiosk/lk_diag_voice.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define WAV_MAX LK_WAV_MAX

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f)
        return NULL;
    /* As big as the file (a prompt is tens of KB), never more than WAV_MAX: one 16 MB buffer
     * per prompt would be 34 of them for one self-test run. */
    size_t cap = fstat(fileno(f), &st) == 0 && st.st_size >= 0 && (uint64_t)st.st_size < WAV_MAX
                     ? (size_t)st.st_size
                     : WAV_MAX;
    uint8_t *buf = malloc(cap ? cap : 1);
    *len = buf ? fread(buf, 1, cap, f) : 0;
    fclose(f);
    return buf;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* One prompt: checked, then played; adds a problem to `bad` when it fails. */
static int one_prompt(const lk_diag_voice *v, const char *lang, const char *screen, cJSON *bad,
                      unsigned *total_ms)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s/%s.wav", v->voice_dir, lang, screen);
    size_t len = 0;
    uint8_t *buf = slurp(path, &len);
    lk_wav_info wi;
    lk_err err = {0};
    int rc = buf ? lk_wav_check(buf, len, &wi, &err) : lk_err_set(&err, LK_EIO, "missing");
    free(buf);
    if (rc != 0) {
        char what[300];
        snprintf(what, sizeof what, "%s/%s: %s", lang, screen, err.msg);
        cJSON_AddItemToArray(bad, cJSON_CreateString(what));
        return 0;
    }
    *total_ms += wi.duration_ms;
    if (v->play && v->play(v->play_ctx, path))
        sleep_ms(wi.duration_ms + 150); /* heard in turn, with a breath between */
    return 1;
}

static cJSON *load_strings(const char *dir, const char *lang)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s.json", dir, lang);
    size_t len = 0;
    uint8_t *buf = slurp(path, &len);
    cJSON *j = buf ? cJSON_ParseWithLength((const char *)buf, len) : NULL;
    free(buf);
    return j;
}

static int run_voice(void *ctx, const lk_diag_env *env, cJSON *r)
{
    (void)env;
    const lk_diag_voice *v = ctx;
    static const char *const langs[] = {"zh-CN", "en"};
    cJSON *bad = cJSON_CreateArray();
    int prompts = 0, good = 0;
    unsigned total_ms = 0;
    for (size_t l = 0; l < sizeof langs / sizeof langs[0]; l++) {
        cJSON *strings = load_strings(v->i18n_dir, langs[l]);
        if (!strings) {
            char what[80];
            snprintf(what, sizeof what, "%s: no strings file", langs[l]);
            cJSON_AddItemToArray(bad, cJSON_CreateString(what));
        }
        const cJSON *s = NULL;
        cJSON_ArrayForEach(s, strings)
        {
            if (!s->string || strncmp(s->string, "voice.", 6) != 0)
                continue;
            prompts++;
            good += one_prompt(v, langs[l], s->string + 6, bad, &total_ms);
        }
        cJSON_Delete(strings);
    }
    cJSON_AddNumberToObject(r, "prompts", prompts);
    cJSON_AddNumberToObject(r, "playable", good);
    cJSON_AddNumberToObject(r, "seconds", total_ms / 1000.0);
    cJSON_AddBoolToObject(r, "played", v->play != NULL);
    cJSON_AddItemToObject(r, "problems", bad);
    return prompts > 0 && good == prompts;
}

lk_diag_selftest lk_diag_voice_selftest(const lk_diag_voice *v)
{
    return (lk_diag_selftest){"voice-prompts",
                              "every spoken prompt present, a playable PCM WAV, and played",
                              run_voice, (void *)v, 1};
}
