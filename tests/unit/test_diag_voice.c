/* test_diag_voice: the WAV header check (good PCM, and each way a file can be refused) and the
 * voice-prompts self-test over a folder of strings and prompts: passes when every "voice.*"
 * prompt of both languages is there and playable (each one handed to the player), fails
 * naming the one missing or broken. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kiosk/lk_diag_voice.h"
#include "lk_testutil.h"

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
    p[3] = (uint8_t)(v >> 24);
}

/* A mono 16-bit 16 kHz PCM WAV of `samples` samples (a LIST chunk first, as espeak-ng may
 * not write but other tools do). Returns its length. */
static size_t make_wav(uint8_t *b, unsigned samples, unsigned format)
{
    size_t n = 0;
    memcpy(b, "RIFF\0\0\0\0WAVE", 12), n = 12;
    memcpy(b + n, "LIST", 4), put32(b + n + 4, 3), memcpy(b + n + 8, "abc\0", 4), n += 12;
    memcpy(b + n, "fmt ", 4), put32(b + n + 4, 16);
    uint8_t *f = b + n + 8;
    f[0] = (uint8_t)format, f[1] = 0, f[2] = 1, f[3] = 0; /* format, 1 channel */
    put32(f + 4, 16000), put32(f + 8, 32000);
    f[12] = 2, f[13] = 0, f[14] = 16, f[15] = 0;
    n += 24;
    memcpy(b + n, "data", 4), put32(b + n + 4, samples * 2), n += 8;
    memset(b + n, 0, samples * 2), n += samples * 2;
    put32(b + 4, (uint32_t)(n - 8));
    return n;
}

static void test_wav_check(void **state)
{
    (void)state;
    static uint8_t b[70000];
    lk_wav_info wi;
    lk_err err = {0};
    size_t n = make_wav(b, 16000, 1);
    assert_int_equal(lk_wav_check(b, n, &wi, &err), 0);
    assert_int_equal(wi.rate, 16000);
    assert_int_equal(wi.duration_ms, 1000);
    assert_int_equal(lk_wav_check(b, n - 1, &wi, &err), LK_EPROTO); /* data runs past the end */
    assert_non_null(strstr(err.msg, "past the end"));
    n = make_wav(b, 100, 3); /* IEEE float */
    assert_int_equal(lk_wav_check(b, n, &wi, &err), LK_EPROTO);
    assert_non_null(strstr(err.msg, "not PCM"));
    n = make_wav(b, 0, 1);
    assert_int_equal(lk_wav_check(b, n, &wi, &err), LK_EPROTO);
    assert_non_null(strstr(err.msg, "no samples"));
    assert_int_equal(lk_wav_check((const uint8_t *)"RIFF\0\0\0\0AVI ", 12, &wi, &err), LK_EPROTO);
    n = make_wav(b, 100, 1);
    assert_int_equal(lk_wav_check(b, 12 + 12, &wi, &err), LK_EPROTO); /* LIST only */
    assert_non_null(strstr(err.msg, "no fmt"));
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static int plays;
static int count_play(void *ctx, const char *path)
{
    (void)ctx;
    assert_non_null(strstr(path, ".wav"));
    plays++;
    return 0; /* nothing to hear it on: the test does not wait */
}

static void test_selftest(void **state)
{
    lk_test_fixture *fx = *state;
    static uint8_t b[4000];
    size_t n = make_wav(b, 800, 1);
    lk_diag_voice v = {.play = count_play};
    snprintf(v.i18n_dir, sizeof v.i18n_dir, "%s", fx->dir);
    snprintf(v.voice_dir, sizeof v.voice_dir, "%s", fx->dir);
    const char *langs[] = {"zh-CN", "en"};
    char path[300];
    for (int l = 0; l < 2; l++) {
        snprintf(path, sizeof path, "%s/%s.json", fx->dir, langs[l]);
        const char *json = "{\"voice.attract\":\"a\",\"voice.done\":\"b\",\"title\":\"c\"}";
        write_file(path, json, strlen(json));
        snprintf(path, sizeof path, "%s/%s", fx->dir, langs[l]);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof path, "%s/%s/attract.wav", fx->dir, langs[l]);
        write_file(path, b, n);
        snprintf(path, sizeof path, "%s/%s/done.wav", fx->dir, langs[l]);
        write_file(path, b, n);
    }
    lk_diag_selftest t = lk_diag_voice_selftest(&v);
    assert_string_equal(t.name, "voice-prompts");
    assert_int_equal(t.blocking, 1);
    lk_diag_env env = {0};
    cJSON *r = cJSON_CreateObject();
    assert_int_equal(t.run(t.ctx, &env, r), 1);
    assert_int_equal(cJSON_GetObjectItem(r, "prompts")->valueint, 4);
    assert_int_equal(plays, 4);
    cJSON_Delete(r);
    /* One prompt gone, one cut short: the test fails and says which. */
    snprintf(path, sizeof path, "%s/en/done.wav", fx->dir);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof path, "%s/zh-CN/attract.wav", fx->dir);
    write_file(path, b, n / 2);
    r = cJSON_CreateObject();
    assert_int_equal(t.run(t.ctx, &env, r), 0);
    char *text = cJSON_PrintUnformatted(cJSON_GetObjectItem(r, "problems"));
    assert_non_null(strstr(text, "en/done: missing"));
    assert_non_null(strstr(text, "zh-CN/attract: chunk data runs past the end"));
    free(text);
    assert_int_equal(cJSON_GetObjectItem(r, "playable")->valueint, 2);
    cJSON_Delete(r);
    for (int l = 0; l < 2; l++) { /* leave the fixture's directory flat for its teardown */
        snprintf(path, sizeof path, "%s/%s/attract.wav", fx->dir, langs[l]);
        unlink(path);
        snprintf(path, sizeof path, "%s/%s/done.wav", fx->dir, langs[l]);
        unlink(path);
        snprintf(path, sizeof path, "%s/%s", fx->dir, langs[l]);
        rmdir(path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wav_check),
        cmocka_unit_test_setup_teardown(test_selftest, lk_test_setup, lk_test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
