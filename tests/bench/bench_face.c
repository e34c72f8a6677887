/* bench_face: verify latency of the face-test plug-in through the isolation layer (request
 * built, sent over the socketpair to lk-plugin-host, plug-in called, reply decoded, buffers
 * wiped) against the same plug-in called in-process, for an ID photo (102 x 126 RGB, as the
 * SAM reader decodes it) and 640 x 480 RGB24 live frames. Target: <= 2 ms overhead per call.
 * Prints one JSON object per case. Usage: lk_bench_face [ITERATIONS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kiosk/lk_face.h"
#include "lk_face_plugin.h"
#include "lk_plugin_load.h"

#define W 640
#define H 480

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[(int)(p * (n - 1))];
}

static lk_plugin_face_image abi_image(const lk_face_image *im)
{
    return (lk_plugin_face_image){.size = sizeof(lk_plugin_face_image),
                                  .format = im->format,
                                  .width = im->width,
                                  .height = im->height,
                                  .stride = im->stride,
                                  .data = im->data,
                                  .len = im->len};
}

static int in_process(const char *so, const lk_face_image *id, const lk_face_image *live,
                      int frames, int iters, double *t)
{
    lk_plugin_lib lib;
    lk_err err = {0};
    if (lk_plugin_lib_open(so, LK_PLUGIN_KIND_FACE, &lib, &err) != 0) {
        fprintf(stderr, "bench_face: %s\n", err.msg);
        return -1;
    }
    void *ctx = NULL;
    lk_plugin_error perr = {.size = sizeof perr};
    if (lib.face->open(NULL, "mode=match", &ctx, &perr) != 0)
        return -1;
    lk_plugin_face_image aid = abi_image(id), alive[4];
    for (int i = 0; i < frames; i++)
        alive[i] = abi_image(&live[i]);
    for (int i = 0; i < iters; i++) {
        lk_plugin_face_result r = {.size = sizeof r};
        double t0 = now_us();
        lib.face->verify(ctx, &aid, alive, (uint32_t)frames, &r, &perr);
        t[i] = now_us() - t0;
    }
    lib.face->close(ctx);
    lk_plugin_lib_close(&lib);
    return 0;
}

static int isolated(const char *so, const lk_face_image *id, const lk_face_image *live, int frames,
                    int iters, double *t)
{
    lk_face_plugin_cfg cfg = {.plugin_path = so, .config = "mode=match", .memory_limit_mb = 512};
    lk_face_matcher m = {0};
    lk_err err = {0};
    lk_face_score s;
    if (lk_face_plugin_open(&cfg, &m, &err) != 0 ||
        lk_face_verify(&m, id, live, (size_t)frames, &s, &err) != 0) { /* warm: worker up */
        fprintf(stderr, "bench_face: %s\n", err.msg);
        return -1;
    }
    for (int i = 0; i < iters; i++) {
        double t0 = now_us();
        if (lk_face_verify(&m, id, live, (size_t)frames, &s, &err) != 0)
            return -1;
        t[i] = now_us() - t0;
    }
    lk_face_close(&m);
    return 0;
}

int main(int argc, char **argv)
{
    int iters = argc > 1 ? atoi(argv[1]) : 500;
    const char *so = LK_BENCH_PLUGIN_DIR "/face-test.so";
    uint8_t *id_px = malloc(102 * 126 * 3), *px = malloc(4 * W * H * 3);
    double *a = malloc(sizeof *a * (size_t)iters), *b = malloc(sizeof *b * (size_t)iters);
    if (!id_px || !px || !a || !b || iters < 10)
        return 1;
    for (size_t i = 0; i < 4 * W * H * 3; i++)
        px[i] = (uint8_t)(i * 2654435761u >> 24);
    memset(id_px, 0x80, 102 * 126 * 3);
    lk_face_image id = {LK_FACE_IMAGE_RGB24, 102, 126, 102 * 3, id_px, 102 * 126 * 3};
    lk_face_image live[4];
    for (int i = 0; i < 4; i++)
        live[i] = (lk_face_image){LK_FACE_IMAGE_RGB24, W, H, W * 3, px + i * W * H * 3, W * H * 3};
    const int cases[] = {1, 3};
    for (int c = 0; c < 2; c++) {
        int frames = cases[c];
        if (in_process(so, &id, live, frames, iters, a) != 0 ||
            isolated(so, &id, live, frames, iters, b) != 0)
            return 1;
        double a50 = pct(a, iters, 0.5), b50 = pct(b, iters, 0.5), b99 = pct(b, iters, 0.99);
        double a99 = pct(a, iters, 0.99);
        printf("{\"bench\":\"face_verify_isolation\",\"frame\":\"640x480 RGB24\",\"frames\":%d,"
               "\"iterations\":%d,\"in_process_p50_us\":%.1f,\"isolated_p50_us\":%.1f,"
               "\"isolated_p99_us\":%.1f,\"overhead_p50_us\":%.1f,\"overhead_p99_us\":%.1f,"
               "\"target_overhead_us\":2000}\n",
               frames, iters, a50, b50, b99, b50 - a50, b99 - a99);
    }
    free(id_px);
    free(px);
    free(a);
    free(b);
    return 0;
}
