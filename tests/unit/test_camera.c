/* Camera port: the file source end to end (folder and MJPEG, looped, frame-ready fd polled,
 * no frame -> LK_EBUSY), the MJPEG splitter on tricky streams, and what of the V4L2 backend
 * runs without a device: format negotiation, YUYV conversion, clear errors for a missing or
 * non-V4L2 device. */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kiosk/lk_camera.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_device_settings.h"
#include "lk_camera_drv.h"
#include "lk_mjpeg.h"
#include "lk_testutil.h"

/* A structurally valid baseline JPEG of the given size (not decodable pixels: the splitter
 * and the file source never decode). `tricky` adds an EXIF-like APP1 holding a whole
 * thumbnail (its own SOI..EOI), stuffed FF 00 bytes and a restart marker in the scan. */
static size_t make_jpeg(uint8_t *out, uint16_t w, uint16_t h, uint8_t fill, int tricky)
{
    size_t n = 0;
    const uint8_t soi[] = {0xFF, 0xD8};
    memcpy(out + n, soi, 2), n += 2;
    if (tricky) {
        const uint8_t app1[] = {0xFF, 0xE1, 0x00, 0x0C, 'E',  'x',  'i',
                                'f',  0xFF, 0xD8, 0xFF, 0xD9, 0x00, 0x00};
        memcpy(out + n, app1, sizeof app1), n += sizeof app1;
    }
    const uint8_t sof[] = {
        0xFF,       0xC0, 0x00, 0x0B, 8, (uint8_t)(h >> 8), (uint8_t)h, (uint8_t)(w >> 8),
        (uint8_t)w, 1,    1,    0x11, 0};
    memcpy(out + n, sof, sizeof sof), n += sizeof sof;
    const uint8_t sos[] = {0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 63, 0};
    memcpy(out + n, sos, sizeof sos), n += sizeof sos;
    for (int i = 0; i < 40; i++)
        out[n++] = fill;
    if (tricky) {
        const uint8_t odd[] = {0xFF, 0x00, 0x12, 0xFF, 0xD0, 0x34, 0xFF, 0xFF, 0x00};
        memcpy(out + n, odd, sizeof odd), n += sizeof odd;
    }
    out[n++] = 0xFF, out[n++] = 0xD9;
    return n;
}

static void write_file(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

static void test_mjpeg_split(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t a = make_jpeg(buf, 640, 480, 0x11, 1);
    uint32_t w, h;
    assert_int_equal(lk_mjpeg_image_len(buf, a, &w, &h), a); /* not cut at the thumbnail */
    assert_int_equal(w, 640);
    assert_int_equal(h, 480);
    assert_int_equal(lk_mjpeg_image_len(buf, a - 1, &w, &h), 0); /* truncated */
    assert_int_equal(lk_mjpeg_image_len(buf + 1, a - 1, &w, &h), 0);
    /* next_soi is a plain search (it finds the thumbnail's SOI inside APP1); image_len is
     * what respects segment lengths, and the file source only resynchronises after it. */
    assert_int_equal(lk_mjpeg_next_soi(buf, a, 1), 10);
    buf[5] = 0xFF; /* segment length now runs past the end */
    assert_int_equal(lk_mjpeg_image_len(buf, a, &w, &h), 0);
}

static void poll_read(lk_camera *cam, lk_camera_frame *f)
{
    struct pollfd p = {.fd = lk_camera_fd(cam), .events = POLLIN};
    assert_true(p.fd >= 0);
    assert_int_equal(poll(&p, 1, 2000), 1);
    lk_err err = {0};
    assert_int_equal(lk_camera_read(cam, f, &err), 0);
}

static void test_file_source_mjpeg(void **state)
{
    (void)state;
    char dir[] = "/tmp/lk-camera.XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    uint8_t stream[8192];
    size_t n = 0;
    n += make_jpeg(stream + n, 640, 480, 0x21, 1);
    memcpy(stream + n, "junk", 4), n += 4; /* between frames, as some muxers leave */
    n += make_jpeg(stream + n, 320, 240, 0x22, 0);
    n += make_jpeg(stream + n, 640, 480, 0x23, 0);
    n += make_jpeg(stream + n, 640, 480, 0x24, 0) - 10; /* truncated last frame: dropped */
    snprintf(path, sizeof path, "%s/demo.mjpeg", dir);
    write_file(path, stream, n);
    lk_camera_cfg cfg = {.source = path, .fps = 50};
    lk_camera cam = {0};
    lk_err err = {0};
    assert_int_equal(lk_camera_open(&cfg, &cam, &err), 0);
    assert_int_equal(lk_camera_start(&cam, &err), 0);
    lk_camera_frame f;
    uint32_t widths[4];
    uint8_t fills[4];
    for (int i = 0; i < 4; i++) {
        poll_read(&cam, &f);
        assert_int_equal(f.format, LK_CAMERA_ENCODED);
        assert_int_equal(f.seq, (uint64_t)i);
        assert_int_equal(f.data[0], 0xFF);
        assert_int_equal(f.data[f.len - 1], 0xD9);
        widths[i] = f.width;
        fills[i] = f.data[f.len - 3];
        lk_camera_frame_wipe(&f);
        assert_null(f.data);
    }
    assert_int_equal(widths[1], 320);
    assert_int_equal(fills[2], 0x23);
    assert_int_equal(fills[3], fills[0]); /* three whole frames, then round again */
    assert_int_equal(lk_camera_read(&cam, &f, &err), LK_EBUSY); /* no busy wait: not yet */
    lk_camera_close(&cam);
    unlink(path);
    rmdir(dir);
}

static void test_file_source_folder(void **state)
{
    (void)state;
    char dir[] = "/tmp/lk-camera.XXXXXX", path[80];
    assert_non_null(mkdtemp(dir));
    uint8_t b[512];
    snprintf(path, sizeof path, "%s/b.jpg", dir);
    write_file(path, b, make_jpeg(b, 200, 100, 0x02, 0));
    snprintf(path, sizeof path, "%s/a.JPEG", dir);
    write_file(path, b, make_jpeg(b, 100, 50, 0x01, 0));
    static const uint8_t png[24] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13,
                                    'I',  'H', 'D', 'R', 0,    0,    1,    0,    0, 0, 0, 200};
    snprintf(path, sizeof path, "%s/c.png", dir);
    write_file(path, png, sizeof png);
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    write_file(path, (const uint8_t *)"x", 1);
    lk_camera_cfg cfg = {.source = dir, .fps = 100};
    lk_camera cam = {0};
    lk_err err = {0};
    assert_int_equal(lk_camera_open(&cfg, &cam, &err), 0);
    assert_int_equal(lk_camera_start(&cam, &err), 0);
    const uint32_t want_w[] = {100, 200, 256, 100};
    for (int i = 0; i < 4; i++) {
        lk_camera_frame f;
        poll_read(&cam, &f);
        assert_int_equal(f.width, want_w[i]);
        lk_camera_frame_wipe(&f);
    }
    lk_camera_close(&cam);
    const char *names[] = {"a.JPEG", "b.jpg", "c.png", "notes.txt"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    /* an empty folder is refused with a reason */
    assert_int_equal(lk_camera_open(&cfg, &cam, &err), LK_EINVAL);
    assert_non_null(strstr(err.msg, "no image"));
    rmdir(dir);
    cfg.source = "/nonexistent/frames";
    assert_int_equal(lk_camera_open(&cfg, &cam, &err), LK_ENOENT);
}

static void test_v4l2_choose(void **state)
{
    (void)state;
    const lk_v4l2_mode cam[] = {
        {LK_V4L2_YUYV, 640, 480},   {LK_V4L2_YUYV, 320, 240},    {LK_V4L2_MJPEG, 640, 480},
        {LK_V4L2_MJPEG, 1280, 720}, {LK_V4L2_MJPEG, 1920, 1080}, {0x34424752, 640, 480},
    };
    lk_v4l2_mode m;
    lk_err err = {0};
    assert_int_equal(lk_v4l2_choose(cam, 6, 640, 480, &m, &err), 0);
    assert_true(m.fourcc == LK_V4L2_YUYV && m.width == 640);
    assert_int_equal(lk_v4l2_choose(cam, 6, 1280, 720, &m, &err), 0);
    assert_true(m.fourcc == LK_V4L2_MJPEG && m.width == 1280);
    /* not offered: nearest area in the preferred format */
    assert_int_equal(lk_v4l2_choose(cam, 6, 1700, 1000, &m, &err), 0);
    assert_true(m.fourcc == LK_V4L2_MJPEG && m.width == 1920);
    assert_int_equal(lk_v4l2_choose(cam, 6, 400, 300, &m, &err), 0);
    assert_true(m.fourcc == LK_V4L2_YUYV && m.width == 320);
    /* exact size only in the other format beats an approximate preferred one */
    assert_int_equal(lk_v4l2_choose(cam + 2, 1, 640, 480, &m, &err), 0);
    assert_true(m.fourcc == LK_V4L2_MJPEG);
    const lk_v4l2_mode yuyv_only[] = {{LK_V4L2_YUYV, 640, 480}};
    assert_int_equal(lk_v4l2_choose(yuyv_only, 1, 1920, 1080, &m, &err), 0);
    assert_true(m.fourcc == LK_V4L2_YUYV);
    assert_int_equal(lk_v4l2_choose(cam + 5, 1, 640, 480, &m, &err), LK_ENOTSUP);
}

static void test_yuyv(void **state)
{
    (void)state;
    /* white, black, then a saturated red pair (Y 81, U 90, V 240) */
    const uint8_t yuyv[] = {235, 128, 16, 128, 81, 90, 81, 240, 0, 0, 0, 0};
    uint8_t rgb[12];
    lk_yuyv_to_rgb(yuyv, 12, 4, 1, rgb);
    assert_true(rgb[0] == 255 && rgb[1] == 255 && rgb[2] == 255);
    assert_true(rgb[3] == 0 && rgb[4] == 0 && rgb[5] == 0);
    assert_true(rgb[6] >= 250 && rgb[7] <= 5 && rgb[8] <= 5);
}

static void test_v4l2_errors(void **state)
{
    (void)state;
    lk_camera cam = {0};
    lk_err err = {0};
    lk_camera_cfg cfg = {.source = "v4l2", .device = "/dev/video-absent", .width = 640};
    assert_int_equal(lk_camera_open(&cfg, &cam, &err), LK_ENODEV);
    assert_non_null(strstr(err.msg, "/dev/video-absent"));
    cfg.device = "/dev/null";
    assert_int_equal(lk_camera_open(&cfg, &cam, &err), LK_EIO);
    assert_non_null(strstr(err.msg, "not a V4L2 device"));
    assert_int_equal(lk_camera_start(&cam, &err), LK_ENODEV); /* nothing was opened */
}

static void test_settings(void **state)
{
    lk_test_fixture *fx = *state;
    lk_camera_settings cs;
    lk_err err = {0};
    assert_int_equal(lk_camera_settings_load(fx->st, &cs, &err), 0);
    assert_string_equal(cs.cfg.source, "v4l2");
    assert_string_equal(cs.cfg.device, "/dev/video0");
    assert_true(cs.cfg.width == 640 && cs.cfg.height == 480 && cs.cfg.fps == 15);
    /* The store refuses the value; a database that holds one anyway still fails the load. */
    assert_int_equal(lk_config_set(fx->st, "camera.width", "5", "test", &err), LK_ECONFIG);
    lk_test_plant_config(fx->st, "camera.width", "5");
    assert_int_equal(lk_camera_settings_load(fx->st, &cs, &err), LK_ECONFIG);
    assert_non_null(strstr(err.msg, "camera.width"));
    lk_idreader_settings is;
    assert_int_equal(lk_config_set(fx->st, "idreader.plugin", "/opt/sam.so", "test", &err), 0);
    assert_int_equal(lk_idreader_settings_load(fx->st, &is, &err), 0);
    assert_string_equal(is.plugin, "/opt/sam.so");
    assert_int_equal(is.time_limit_ms, 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mjpeg_split),
        cmocka_unit_test(test_file_source_mjpeg),
        cmocka_unit_test(test_file_source_folder),
        cmocka_unit_test(test_v4l2_choose),
        cmocka_unit_test(test_yuyv),
        cmocka_unit_test(test_v4l2_errors),
        cmocka_unit_test_setup_teardown(test_settings, lk_test_setup_open, lk_test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
