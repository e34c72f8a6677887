/* The kiosk <-> plug-in worker codec: round trips, and every way outside bytes can lie about
 * their lengths being refused; deadline-bounded frame I/O over a real socketpair. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "lk_plugin_msg.h"

static void test_round_trip(void **state)
{
    (void)state;
    uint8_t px[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    lk_pmsg_image img = {.format = 1, .width = 4, .height = 3, .stride = 4, .data = px, .len = 12};
    lk_pmsg_buf b = {0};
    lk_pmsg_begin(&b, LK_PMSG_FACE_VERIFY);
    lk_pmsg_put_u32(&b, LK_PT_KIND, 7);
    lk_pmsg_put_i32(&b, LK_PT_CODE, -9);
    lk_pmsg_put_f64(&b, LK_PT_SCORE, 0.875);
    lk_pmsg_put_str(&b, LK_PT_NAME, "面部");
    lk_pmsg_put_image(&b, LK_PT_LIVE, &img);
    lk_pmsg_put_image(&b, LK_PT_LIVE, &img);
    assert_int_equal(lk_pmsg_finish(&b, NULL), 0);
    lk_pmsg m;
    assert_int_equal(lk_pmsg_decode(b.data + 4, b.len - 4, &m, NULL), 0);
    assert_int_equal(m.type, LK_PMSG_FACE_VERIFY);
    uint32_t u;
    int32_t i;
    double d;
    char s[16];
    assert_int_equal(lk_pmsg_u32(&m, LK_PT_KIND, &u, NULL), 0);
    assert_int_equal(u, 7);
    assert_int_equal(lk_pmsg_i32(&m, LK_PT_CODE, &i, NULL), 0);
    assert_int_equal(i, -9);
    assert_int_equal(lk_pmsg_f64(&m, LK_PT_SCORE, &d, NULL), 0);
    assert_true(d == 0.875);
    assert_int_equal(lk_pmsg_str(&m, LK_PT_NAME, s, sizeof s, 0, NULL), 0);
    assert_string_equal(s, "面部");
    size_t it = 0, n = 0;
    const lk_pmsg_field *f;
    while ((f = lk_pmsg_next(&m, LK_PT_LIVE, &it)) != NULL) {
        lk_pmsg_image got;
        assert_int_equal(lk_pmsg_image_get(f, &got, NULL), 0);
        assert_int_equal(got.width, 4);
        assert_memory_equal(got.data, px, 12);
        n++;
    }
    assert_int_equal(n, 2);
    lk_pmsg_buf_wipe(&b);
    assert_null(b.data);
}

static void test_hostile_lengths(void **state)
{
    (void)state;
    lk_pmsg m;
    lk_err err = {0};
    const uint8_t short_msg[] = {1, 0};
    assert_int_equal(lk_pmsg_decode(short_msg, sizeof short_msg, &m, &err), LK_EPROTO);
    /* a field claiming 0xFFFFFFFF bytes */
    const uint8_t overrun[] = {1, 0, 0, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, 'x'};
    assert_int_equal(lk_pmsg_decode(overrun, sizeof overrun, &m, &err), LK_EPROTO);
    assert_non_null(strstr(err.msg, "overruns"));
    const uint8_t half_header[] = {1, 0, 0, 0, 4, 0, 1};
    assert_int_equal(lk_pmsg_decode(half_header, sizeof half_header, &m, &err), LK_EPROTO);
    /* more fields than the decoder holds */
    uint8_t many[4 + 6 * (LK_PMSG_MAX_FIELDS + 1)] = {1};
    assert_int_equal(lk_pmsg_decode(many, sizeof many, &m, &err), LK_EPROTO);
    /* wrong sizes and bad strings */
    const uint8_t fields[] = {3, 0, 0, 0, 1, 0, 2, 0, 0, 0, 1, 2, 4, 0, 3, 0, 0, 0, 'a', 0, 'b'};
    assert_int_equal(lk_pmsg_decode(fields, sizeof fields, &m, &err), 0);
    uint32_t u;
    char s[8];
    assert_int_equal(lk_pmsg_u32(&m, 1, &u, &err), LK_EPROTO);
    assert_int_equal(lk_pmsg_u32(&m, 9, &u, &err), LK_EPROTO);
    assert_int_equal(lk_pmsg_str(&m, 4, s, sizeof s, 0, &err), LK_EPROTO); /* embedded NUL */
    assert_int_equal(lk_pmsg_str(&m, 9, s, sizeof s, 1, &err), 0);         /* optional */
    assert_string_equal(s, "");
    assert_int_equal(lk_pmsg_image_get(&m.f[0], &(lk_pmsg_image){0}, &err), LK_EPROTO);
}

static void test_frames_over_socket(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    lk_pmsg_buf b = {0};
    lk_pmsg_begin(&b, LK_PMSG_OK);
    lk_pmsg_put_str(&b, LK_PT_MESSAGE, "hello");
    assert_int_equal(lk_pmsg_finish(&b, NULL), 0);
    int64_t deadline = (int64_t)lk_pmsg_now_ms() + 1000;
    assert_int_equal(lk_pmsg_send(sv[0], b.data, b.len, deadline, NULL), 0);
    uint8_t *p = NULL;
    size_t len = 0;
    lk_err err = {0};
    assert_int_equal(lk_pmsg_recv(sv[1], 1024, deadline, &p, &len, &err), 0);
    assert_int_equal(len, b.len - 4);
    lk_pmsg_free(p, len);
    /* too large for the reader's limit: refused before anything is allocated */
    assert_int_equal(lk_pmsg_send(sv[0], b.data, b.len, deadline, NULL), 0);
    assert_int_equal(lk_pmsg_recv(sv[1], 8, deadline, &p, &len, &err), LK_EPROTO);
    /* nothing comes: the deadline ends the wait */
    uint64_t t0 = lk_pmsg_now_ms();
    assert_int_equal(lk_pmsg_recv(sv[0], 1024, (int64_t)t0 + 100, &p, &len, &err), LK_ETIMEDOUT);
    assert_true(lk_pmsg_now_ms() - t0 < 1000);
    /* the peer goes away mid-frame (a fresh pair: the refused frame's bytes are still queued) */
    close(sv[0]);
    close(sv[1]);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    const uint8_t partial[] = {100, 0, 0, 0, 1, 2};
    assert_int_equal(lk_pmsg_send(sv[0], partial, sizeof partial, deadline, NULL), 0);
    close(sv[0]);
    assert_int_equal(lk_pmsg_recv(sv[1], 1024, deadline, &p, &len, &err), LK_EIO);
    /* and writing to a closed peer is an error, not SIGPIPE */
    assert_int_equal(lk_pmsg_send(sv[1], b.data, b.len, deadline, &err), LK_EIO);
    close(sv[1]);
    lk_pmsg_buf_wipe(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_hostile_lengths),
        cmocka_unit_test(test_frames_over_socket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
