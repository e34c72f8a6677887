/* Isolation of vendor plug-ins: the loader's refusals (ABI major, missing entry symbol, short
 * tables, file mode), each failure of a running plug-in (crash, hang, memory blow-up,
 * oversized and malformed replies) becoming an error and a fresh worker, and no image bytes
 * left in the worker after a call. Drives the real lk-plugin-host with real .so files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "kiosk/lk_face.h"
#include "lk_face_plugin.h"
#include "lk_plugin_load.h"
#include "lk_plugin_msg.h"

#define W 640
#define H 480

static char plugin_path[512];

static const char *plugin(const char *name)
{
    const char *dir = getenv("LK_PLUGIN_DIR");
    snprintf(plugin_path, sizeof plugin_path, "%s/%s.so", dir ? dir : "plugins", name);
    return plugin_path;
}

/* A 640 x 480 grey frame of pseudo-random bytes: any 64 of them in a row are unique. */
static uint8_t *make_frame(uint32_t seed)
{
    uint8_t *f = malloc(W * H);
    assert_non_null(f);
    for (size_t i = 0; i < W * H; i++) {
        seed = seed * 1103515245u + 12345u;
        f[i] = (uint8_t)(seed >> 16);
    }
    return f;
}

static lk_face_image gray(const uint8_t *data)
{
    return (lk_face_image){.format = LK_FACE_IMAGE_GRAY8,
                           .width = W,
                           .height = H,
                           .stride = W,
                           .data = data,
                           .len = W * H};
}

static void open_matcher(lk_face_matcher *m, const char *name, const char *config,
                         uint32_t time_limit_ms, uint32_t memory_mb)
{
    lk_face_plugin_cfg cfg = {.plugin_path = plugin(name),
                              .config = config,
                              .time_limit_ms = time_limit_ms,
                              .memory_limit_mb = memory_mb};
    lk_err err = {0};
    assert_int_equal(lk_face_plugin_open(&cfg, m, &err), 0);
}

/* One verify with fresh frames; returns its rc and leaves the error in *err. */
static int verify(lk_face_matcher *m, lk_face_score *s, lk_err *err)
{
    uint8_t *a = make_frame(1), *b = make_frame(2);
    lk_face_image id = gray(a), live = gray(b);
    int rc = lk_face_verify(m, &id, &live, 1, s, err);
    free(a);
    free(b);
    return rc;
}

static int verify_fails(const char *name, const char *config, lk_err *err)
{
    lk_face_matcher m = {0};
    open_matcher(&m, name, config, 2000, 256);
    lk_face_score s;
    int rc = verify(&m, &s, err);
    lk_face_close(&m);
    return rc;
}

static void test_match_and_reuse(void **state)
{
    (void)state;
    lk_face_matcher m = {0};
    open_matcher(&m, "face-test", "mode=match", 5000, 256);
    lk_face_score s;
    lk_err err = {0};
    assert_int_equal(verify(&m, &s, &err), 0);
    assert_true(s.score > 0.9 && s.liveness == LK_FACE_LIVE_PASS && s.quality == 0);
    pid_t pid = lk_face_plugin_worker_pid(&m);
    assert_true(pid > 0);
    assert_int_equal(verify(&m, &s, &err), 0);
    assert_int_equal(lk_face_plugin_worker_pid(&m), pid); /* kept between good calls */
    lk_face_matcher_info info;
    assert_int_equal(lk_face_info(&m, &info, &err), 0);
    assert_string_equal(info.name, "face-test");
    assert_int_equal(info.abi_major, 1);
    lk_face_close(&m);
}

static void test_refused_plugins(void **state)
{
    (void)state;
    lk_err err = {0};
    assert_int_equal(verify_fails("fake-face-bad-major", "", &err), LK_EVERSION);
    assert_non_null(strstr(err.msg, "ABI 2.0"));
    assert_int_equal(verify_fails("fake-face-no-entry", "", &err), LK_EPLUGIN);
    assert_non_null(strstr(err.msg, "lk_plugin_face_entry_v1"));
    assert_int_equal(verify_fails("fake-face-short-desc", "", &err), LK_EPLUGIN);
    assert_non_null(strstr(err.msg, "too short"));
    assert_int_equal(verify_fails("fake-face-short-ops", "", &err), LK_EPLUGIN);
    assert_non_null(strstr(err.msg, "ops table is too short"));
    assert_int_equal(verify_fails("fake-face-bad-magic", "", &err), LK_EPLUGIN);
    assert_int_equal(verify_fails("idreader-sim", "", &err), LK_EPLUGIN); /* wrong kind */
    assert_int_equal(verify_fails("face-test", "mode=nonsense", &err), LK_EINVAL);
    assert_int_equal(err.domain, LK_ERR_DOMAIN_VENDOR);
    assert_int_equal(err.native, 22);
}

static void test_future_minor_accepted(void **state)
{
    (void)state;
    lk_err err = {0};
    lk_face_score s;
    lk_face_matcher m = {0};
    open_matcher(&m, "fake-face-future-minor", "", 2000, 256);
    assert_int_equal(verify(&m, &s, &err), 0);
    assert_true(s.score == 0.5 && s.liveness == LK_FACE_LIVE_NOT_CHECKED);
    lk_face_close(&m);
}

/* Runs the same failing call twice: both fail the same way, each in a worker of its own. */
static void fails_twice_fresh(const char *name, const char *config, uint32_t limit_ms,
                              uint32_t memory_mb, int want, const char *want_msg)
{
    lk_face_matcher m = {0};
    open_matcher(&m, name, config, limit_ms, memory_mb);
    lk_face_score s;
    for (unsigned round = 1; round <= 2; round++) {
        lk_err err = {0};
        uint64_t t0 = lk_pmsg_now_ms();
        assert_int_equal(verify(&m, &s, &err), want);
        uint64_t took = lk_pmsg_now_ms() - t0;
        if (!strstr(err.msg, want_msg))
            fail_msg("round %u: '%s' lacks '%s'", round, err.msg, want_msg);
        assert_true(took < limit_ms + 1500); /* bounded by the time limit, not by the plug-in */
        assert_int_equal(lk_face_plugin_worker_pid(&m), 0); /* that worker is gone */
        assert_int_equal(lk_face_plugin_worker_starts(&m), round);
    }
    lk_face_close(&m);
}

static void test_crash(void **state)
{
    (void)state;
    fails_twice_fresh("face-test", "mode=crash", 3000, 256, LK_EPLUGIN, "signal 11");
}

static void test_hang(void **state)
{
    (void)state;
    fails_twice_fresh("face-test", "mode=hang", 500, 256, LK_ETIMEDOUT, "within 500 ms");
}

static void test_memory_blowup(void **state)
{
    (void)state;
    fails_twice_fresh("face-test", "mode=oom", 5000, 64, LK_ENOMEM, "memory limit (64 MiB)");
}

static void test_oversized_reply(void **state)
{
    (void)state;
    fails_twice_fresh("fake-face-oversize", "", 3000, 256, LK_EPROTO, "outside 4..");
}

static void test_garbage_reply(void **state)
{
    (void)state;
    fails_twice_fresh("face-test", "mode=garbage", 3000, 256, LK_EPROTO, "malformed reply");
    fails_twice_fresh("fake-face-nan", "", 3000, 256, LK_EPLUGIN, "not a number");
}

/* After a failure the same matcher works again once the plug-in behaves: a worker that was
 * killed is replaced, not mourned. The memory limit is per worker, so a blow-up in one call
 * says nothing about the next. */
static void test_restart_then_success(void **state)
{
    (void)state;
    lk_face_matcher m = {0};
    open_matcher(&m, "face-test", "mode=match", 3000, 256);
    lk_face_score s;
    lk_err err = {0};
    assert_int_equal(verify(&m, &s, &err), 0);
    pid_t first = lk_face_plugin_worker_pid(&m);
    kill(first, SIGKILL); /* the worker dies between calls, as a vendor thread might kill it */
    assert_int_not_equal(verify(&m, &s, &err), 0);
    assert_int_equal(verify(&m, &s, &err), 0);
    assert_true(lk_face_plugin_worker_pid(&m) != first && lk_face_plugin_worker_pid(&m) > 0);
    assert_int_equal(lk_face_plugin_worker_starts(&m), 2);
    lk_face_close(&m);
}

static void test_file_checks(void **state)
{
    (void)state;
    char dir[] = "/tmp/lk-plugin-test.XXXXXX", path[600], cmd[1400];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/face-test.so", dir);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", plugin("face-test"), path);
    assert_int_equal(system(cmd), 0);
    lk_err err = {0};
    chmod(path, 0755);
    assert_int_equal(lk_plugin_check_file(path, &err), 0);
    chmod(path, 0775);
    assert_int_equal(lk_plugin_check_file(path, &err), LK_EINVAL);
    assert_non_null(strstr(err.msg, "writable"));
    chmod(path, 0755);
    chmod(dir, 0777); /* anyone could swap the file */
    assert_int_equal(lk_plugin_check_file(path, &err), LK_EINVAL);
    assert_non_null(strstr(err.msg, "directory"));
    chmod(dir, 0700);
    assert_int_equal(lk_plugin_check_file("/nonexistent/x.so", &err), LK_EINVAL);
    lk_plugin_lib lib;
    assert_int_equal(lk_plugin_lib_open(dir, LK_PLUGIN_KIND_FACE, &lib, &err), LK_EINVAL);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* SHA-256 of a file, lower-case hex (sha256sum's answer, computed apart from the loader). */
static void file_sha256(const char *path, char hex[65])
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "sha256sum '%s'", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_int_equal(fscanf(p, "%64s", hex), 1);
    pclose(p);
}

/* An allow-list (the applied bundle's plugins.json) admits only the .so whose bytes it names;
 * the refusal names the file and its hash; upper-case hex is the same hash. */
static void test_allow_list(void **state)
{
    (void)state;
    char good[65], fake[65], list[200];
    file_sha256(plugin("face-test"), good);
    file_sha256(plugin("fake-face-ok"), fake);
    lk_face_matcher m = {0};
    lk_face_score s;
    lk_err err = {0};
    lk_face_plugin_cfg cfg = {.plugin_path = plugin("face-test"),
                              .config = "mode=match",
                              .time_limit_ms = 3000,
                              .allow_sha256 = fake};
    assert_int_equal(lk_face_plugin_open(&cfg, &m, &err), 0);
    assert_int_not_equal(verify(&m, &s, &err), 0);
    assert_non_null(strstr(err.msg, "face-test.so (SHA-256 "));
    assert_non_null(strstr(err.msg, good));
    lk_face_close(&m);
    for (char *c = good; *c; c++)
        *c = (char)(*c >= 'a' && *c <= 'f' ? *c - 'a' + 'A' : *c);
    snprintf(list, sizeof list, "%s,%s", fake, good);
    cfg.allow_sha256 = list;
    assert_int_equal(lk_face_plugin_open(&cfg, &m, &err), 0);
    assert_int_equal(verify(&m, &s, &err), 0);
    lk_face_close(&m);
}

static int contains(const uint8_t *hay, size_t len, const uint8_t *needle, size_t n)
{
    for (const uint8_t *p = hay; len >= n;) {
        const uint8_t *hit = memchr(p, needle[0], len - n + 1);
        if (!hit)
            return 0;
        if (memcmp(hit, needle, n) == 0)
            return 1;
        len -= (size_t)(hit + 1 - p);
        p = hit + 1;
    }
    return 0;
}

/* 1 when the 64 bytes at needle appear anywhere in the writable memory of process pid: the
 * test reads the worker's memory through /proc/PID/mem, the way a debugger would. */
static int process_holds(pid_t pid, const uint8_t *needle, size_t n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *maps = fopen(path, "r");
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    FILE *mem = fopen(path, "rb");
    assert_non_null(maps);
    assert_non_null(mem);
    enum { CHUNK = 1 << 20 };
    uint8_t *buf = malloc(CHUNK);
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, maps)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' ||
            perms[1] != 'w' || strstr(line, "[vvar]") || hi - lo > (1ul << 30))
            continue;
        for (unsigned long at = lo; !found && at < hi; at += CHUNK - n) {
            size_t want = hi - at < CHUNK ? hi - at : CHUNK;
            if (fseek(mem, (long)at, SEEK_SET) != 0)
                break;
            size_t got = fread(buf, 1, want, mem);
            found = contains(buf, got, needle, n);
            if (got < want)
                break;
        }
    }
    free(buf);
    fclose(maps);
    fclose(mem);
    return found;
}

static int images_left_in_worker(const char *config)
{
    lk_face_matcher m = {0};
    open_matcher(&m, "face-test", config, 5000, 256);
    uint8_t *a = make_frame(11), *b = make_frame(12);
    uint8_t needle_id[64], needle_live[64];
    memcpy(needle_id, a + 100000, 64);
    memcpy(needle_live, b + 200000, 64);
    lk_face_image id = gray(a), live = gray(b);
    lk_face_score s;
    lk_err err = {0};
    assert_int_equal(lk_face_verify(&m, &id, &live, 1, &s, &err), 0);
    explicit_bzero(a, W * H); /* our own copies must not be what the scan finds */
    explicit_bzero(b, W * H);
    free(a);
    free(b);
    pid_t pid = lk_face_plugin_worker_pid(&m);
    assert_true(pid > 0);
    int left = process_holds(pid, needle_id, 64) + process_holds(pid, needle_live, 64) * 2;
    lk_face_close(&m);
    return left;
}

static void test_no_image_left_in_worker(void **state)
{
    (void)state;
    assert_int_equal(images_left_in_worker("mode=match"), 0);
    /* The scan can see: a plug-in that keeps a copy of the live frame is caught. */
    assert_int_equal(images_left_in_worker("mode=match keep=1"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_and_reuse),
        cmocka_unit_test(test_refused_plugins),
        cmocka_unit_test(test_future_minor_accepted),
        cmocka_unit_test(test_crash),
        cmocka_unit_test(test_hang),
        cmocka_unit_test(test_memory_blowup),
        cmocka_unit_test(test_oversized_reply),
        cmocka_unit_test(test_garbage_reply),
        cmocka_unit_test(test_restart_then_success),
        cmocka_unit_test(test_file_checks),
        cmocka_unit_test(test_allow_list),
        cmocka_unit_test(test_no_image_left_in_worker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
