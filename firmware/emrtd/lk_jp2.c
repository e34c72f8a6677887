/* lk_jp2: openjpeg reading from memory (its stream API wants callbacks), components scaled to
 * 8 bits and interleaved. openjpeg prints its warnings through handlers; they are muted so a
 * hostile image cannot fill the log. */
#include <openjpeg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_jp2.h"

#define MAX_PIXELS (4096u * 4096u)

struct mem {
    const uint8_t *p;
    size_t n, off;
};

static OPJ_SIZE_T mem_read(void *buf, OPJ_SIZE_T n, void *user)
{
    struct mem *m = user;
    if (m->off >= m->n)
        return (OPJ_SIZE_T)-1;
    size_t k = m->n - m->off < n ? m->n - m->off : n;
    memcpy(buf, m->p + m->off, k);
    m->off += k;
    return k;
}

static OPJ_OFF_T mem_skip(OPJ_OFF_T n, void *user)
{
    struct mem *m = user;
    if (n < 0 || (size_t)n > m->n - m->off)
        return -1;
    m->off += (size_t)n;
    return n;
}

static OPJ_BOOL mem_seek(OPJ_OFF_T n, void *user)
{
    struct mem *m = user;
    if (n < 0 || (size_t)n > m->n)
        return OPJ_FALSE;
    m->off = (size_t)n;
    return OPJ_TRUE;
}

static void quiet(const char *msg, void *user)
{
    (void)msg;
    (void)user;
}

static int to_pixels(const opj_image_t *im, lk_image *img, lk_err *err)
{
    uint32_t nc = im->numcomps >= 3 ? 3 : im->numcomps;
    if (nc != 1 && nc != 3)
        return lk_err_set(err, LK_ENOTSUP, "JPEG 2000 with %u components", im->numcomps);
    uint32_t w = im->comps[0].w, h = im->comps[0].h;
    for (uint32_t c = 0; c < nc; c++)
        if (im->comps[c].w != w || im->comps[c].h != h || !im->comps[c].data ||
            im->comps[c].prec == 0 || im->comps[c].prec > 16)
            return lk_err_set(err, LK_ENOTSUP, "JPEG 2000 with subsampled components");
    if (w == 0 || h == 0 || (uint64_t)w * h > MAX_PIXELS)
        return lk_err_set(err, LK_EINVAL, "JPEG 2000 image of %ux%u", w, h);
    img->pixels = malloc((size_t)w * h * nc);
    if (!img->pixels)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    for (uint32_t c = 0; c < nc; c++) {
        const opj_image_comp_t *k = &im->comps[c];
        int32_t off = k->sgnd ? 1 << (k->prec - 1) : 0, max = (1 << k->prec) - 1;
        for (size_t i = 0; i < (size_t)w * h; i++) {
            int64_t v = (int64_t)k->data[i] + off;
            v = v < 0 ? 0 : v > max ? max : v;
            img->pixels[i * nc + c] = (uint8_t)(v * 255 / max);
        }
    }
    img->width = w;
    img->height = h;
    img->channels = nc;
    return 0;
}

int lk_jp2_decode(const uint8_t *buf, size_t n, lk_image *img, lk_err *err)
{
    memset(img, 0, sizeof *img);
    if (n < 4)
        return lk_err_set(err, LK_EINVAL, "JPEG 2000 data too short");
    struct mem m = {buf, n, 0};
    bool raw = buf[0] == 0xFF && buf[1] == 0x4F;
    opj_codec_t *codec = opj_create_decompress(raw ? OPJ_CODEC_J2K : OPJ_CODEC_JP2);
    opj_stream_t *st = opj_stream_create(64 * 1024, OPJ_TRUE);
    opj_image_t *im = NULL;
    opj_dparameters_t p;
    opj_set_default_decoder_parameters(&p);
    int rc = lk_err_set(err, LK_EINVAL, "JPEG 2000 data could not be decoded");
    if (codec && st) {
        opj_set_info_handler(codec, quiet, NULL);
        opj_set_warning_handler(codec, quiet, NULL);
        opj_set_error_handler(codec, quiet, NULL);
        opj_stream_set_user_data(st, &m, NULL);
        opj_stream_set_user_data_length(st, n);
        opj_stream_set_read_function(st, mem_read);
        opj_stream_set_skip_function(st, mem_skip);
        opj_stream_set_seek_function(st, mem_seek);
        if (opj_setup_decoder(codec, &p) && opj_read_header(st, codec, &im) &&
            opj_decode(codec, st, im) && opj_end_decompress(codec, st))
            rc = to_pixels(im, img, err);
    }
    if (rc == 0)
        lk_err_clear(err);
    opj_image_destroy(im);
    opj_stream_destroy(st);
    opj_destroy_codec(codec);
    return rc;
}

void lk_image_free(lk_image *img)
{
    if (img->pixels) {
        explicit_bzero(img->pixels, (size_t)img->width * img->height * img->channels);
        free(img->pixels);
    }
    memset(img, 0, sizeof *img);
}
