/* test_cam_camera: the kiosk camera port over lk_camera's file source: JPEG files come out as
 * packed RGB24 frames of the images' own sizes, decoded before the port's fd turns readable (a
 * readable fd always yields a frame), grab never blocks, stop ends the stream. */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lk_cam_camera.h"

static int wait_readable(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, ms);
}

static void test_file_frames_are_rgb24(void **state)
{
    (void)state;
    const char *data = getenv("LK_TEST_DATA");
    assert_non_null(data);
    lk_camera_cfg cfg = {.source = data, .fps = 200};
    lk_cam *c = NULL;
    lk_err err = {0};
    assert_int_equal(lk_cam_camera_create(&cfg, &c, &err), 0);
    assert_int_equal(c->ops->fd(c), -1);
    lk_frame f = {0};
    assert_int_equal(c->ops->grab(c, &f, &err), 0); /* not streaming: nothing, no block */
    assert_int_equal(c->ops->start(c, &err), 0);
    int seen_small = 0, seen_big = 0;
    for (int i = 0; i < 40 && !(seen_small && seen_big); i++) {
        /* Readable means a frame already decoded (on the adapter's worker) waits: grab on
         * the loop only takes it. */
        assert_true(wait_readable(c->ops->fd(c), 1000) > 0);
        assert_int_equal(c->ops->grab(c, &f, &err), 1);
        assert_int_equal(f.stride, f.w * 3);
        assert_true((f.w == 60 && f.h == 80) || (f.w == 240 && f.h == 320));
        seen_small |= f.w == 60;
        seen_big |= f.w == 240;
        unsigned lo = 255, hi = 0; /* a decoded face, not a blank buffer */
        for (size_t k = 0; k < (size_t)f.stride * (size_t)f.h; k++) {
            lo = f.rgb[k] < lo ? f.rgb[k] : lo;
            hi = f.rgb[k] > hi ? f.rgb[k] : hi;
        }
        assert_true(hi - lo > 64);
        assert_true(f.ts_us > 0);
    }
    assert_true(seen_small && seen_big); /* both JPEGs of the folder, in turn */
    c->ops->stop(c);
    assert_int_equal(c->ops->fd(c), -1);
    assert_int_equal(c->ops->grab(c, &f, &err), 0);
    lk_frame_wipe(&f);
    assert_null(f.rgb);
    c->ops->close(c);
}

static void test_missing_source(void **state)
{
    (void)state;
    lk_camera_cfg cfg = {.source = "/nonexistent/camera"};
    lk_cam *c = NULL;
    lk_err err = {0};
    assert_true(lk_cam_camera_create(&cfg, &c, &err) < 0);
    assert_null(c);
    assert_non_null(strstr(err.msg, "/nonexistent/camera"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_frames_are_rgb24),
        cmocka_unit_test(test_missing_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
