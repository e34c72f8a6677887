/* lk_v4l2_format: format negotiation and pixel conversion of the V4L2 backend, pure code. */
#include "lk_camera_drv.h"

static uint64_t area_gap(const lk_v4l2_mode *m, uint64_t want)
{
    uint64_t a = (uint64_t)m->width * m->height;
    return a > want ? a - want : want - a;
}

/* Better of two candidates for the wanted area: nearer, then larger. */
static int better(const lk_v4l2_mode *a, const lk_v4l2_mode *b, uint64_t want)
{
    uint64_t ga = area_gap(a, want), gb = area_gap(b, want);
    if (ga != gb)
        return ga < gb;
    return (uint64_t)a->width * a->height > (uint64_t)b->width * b->height;
}

static const lk_v4l2_mode *best_of(const lk_v4l2_mode *m, size_t n, uint32_t fourcc, uint32_t w,
                                   uint32_t h)
{
    const lk_v4l2_mode *best = NULL;
    uint64_t want = (uint64_t)w * h;
    for (size_t i = 0; i < n; i++) {
        if (m[i].fourcc != fourcc || !m[i].width || !m[i].height)
            continue;
        if (m[i].width == w && m[i].height == h)
            return &m[i];
        if (!best || better(&m[i], best, want))
            best = &m[i];
    }
    return best;
}

int lk_v4l2_choose(const lk_v4l2_mode *offered, size_t n, uint32_t want_w, uint32_t want_h,
                   lk_v4l2_mode *out, lk_err *err)
{
    int small = (uint64_t)want_w * want_h <= 640u * 480u;
    uint32_t first = small ? LK_V4L2_YUYV : LK_V4L2_MJPEG;
    uint32_t second = small ? LK_V4L2_MJPEG : LK_V4L2_YUYV;
    const lk_v4l2_mode *a = best_of(offered, n, first, want_w, want_h);
    const lk_v4l2_mode *b = best_of(offered, n, second, want_w, want_h);
    /* The preferred format wins unless only the other offers the exact size. */
    const lk_v4l2_mode *pick = a;
    int a_exact = a && a->width == want_w && a->height == want_h;
    int b_exact = b && b->width == want_w && b->height == want_h;
    if (!a || (!a_exact && b_exact))
        pick = b;
    if (!pick)
        return lk_err_set(err, LK_ENOTSUP, "camera offers neither YUYV nor MJPEG");
    *out = *pick;
    return 0;
}

static uint8_t clamp(int v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

void lk_yuyv_to_rgb(const uint8_t *src, uint32_t src_stride, uint32_t width, uint32_t height,
                    uint8_t *rgb)
{
    for (uint32_t y = 0; y < height; y++) {
        const uint8_t *s = src + (size_t)y * src_stride;
        uint8_t *d = rgb + (size_t)y * width * 3;
        for (uint32_t x = 0; x + 1 < width; x += 2, s += 4) {
            int u = s[1] - 128, v = s[3] - 128;
            for (int k = 0; k < 2; k++) {
                /* BT.601 limited range, fixed point (x256). */
                int c = 298 * (s[k * 2] - 16);
                *d++ = clamp((c + 409 * v + 128) >> 8);
                *d++ = clamp((c - 100 * u - 208 * v + 128) >> 8);
                *d++ = clamp((c + 516 * u + 128) >> 8);
            }
        }
    }
}
