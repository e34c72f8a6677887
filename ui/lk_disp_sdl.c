/* lk_disp_sdl: the display/input port over SDL2, SDL2_ttf and SDL2_image. Text is shaped by
 * SDL_ttf line by line (our own greedy wrap, because SDL_ttf only breaks at spaces and Chinese
 * has none) and cached as textures, so a frame that redraws unchanged text costs a blit.
 * Rasterising a CJK glyph costs ~0.25 ms here, so a screen's first frame used to spend most of
 * its time in FreeType; each size keeps its own font (and glyph cache), and the UI warms those
 * caches for every screen at start-up (warm), so first frames only compose cached glyphs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <fontconfig/fontconfig.h>

#include "ui/lk_disp.h"

#define CACHE_SIZE 1024
#define MAX_FONTS  48
#define MAX_LINES  24

typedef struct text_entry {
    uint64_t key;
    uint64_t text; /* the text's own hash (holds: no text kept in plain) */
    SDL_Texture *tex;
    int w, h, clipped;
} text_entry;

typedef struct font_entry {
    int size, bold, full;
    TTF_Font *f;
} font_entry;

/* A face: the GB 2312 subset the build makes for the renderer when there is one (a fraction of
 * the full face's memory per size), else the full Noto face fontconfig names. */
typedef struct face_file {
    char path[512];
    int index;
} face_file;

typedef struct disp_sdl {
    lk_disp base;
    SDL_Window *win;      /* NULL when headless */
    SDL_Surface *surface; /* headless: the frame buffer the software renderer draws into */
    SDL_Renderer *ren;
    int w, h;
    face_file full[2], sub[2]; /* [bold]; sub[].path "" when the subsets are missing */
    font_entry fonts[MAX_FONTS];
    int n_fonts;
    text_entry cache[CACHE_SIZE];
    int cache_used;
    SDL_Texture *slot[4];
    int slot_w[4], slot_h[4], slot_fmt[4];
    unsigned slot_gen[4];
    int audio;
    SDL_AudioDeviceID adev;
    SDL_AudioSpec aspec;
    int clipped;
    int debug;
    int fullscreen;
    int warming; /* inside warm(): text rasterises glyphs and draws nothing */
    /* The warm-up's texts, colourless (key without the colour), run-length coded alpha: the
     * screens' fixed texts take ~9 Mpx, 36 MB as textures, ~3 MB so. */
    struct warmed {
        uint64_t key;
        int w, h, maxw, n;
        uint8_t *rle;
    } * warmed;
    int warmed_used;
} disp_sdl;

#define WARMED_SIZE 1024

static int find_font(const char *pattern, char *path, size_t n, int *index)
{
    FcPattern *p = FcNameParse((const FcChar8 *)pattern);
    FcConfigSubstitute(NULL, p, FcMatchPattern);
    FcDefaultSubstitute(p);
    FcResult r;
    FcPattern *m = FcFontMatch(NULL, p, &r);
    FcPatternDestroy(p);
    FcChar8 *file = NULL;
    int rc = -1;
    if (m && FcPatternGetString(m, FC_FILE, 0, &file) == FcResultMatch) {
        snprintf(path, n, "%s", (const char *)file);
        if (FcPatternGetInteger(m, FC_INDEX, 0, index) != FcResultMatch)
            *index = 0;
        rc = 0;
    }
    if (m)
        FcPatternDestroy(m);
    return rc;
}

/* One font per size and style, so switching sizes does not flush SDL_ttf's glyph cache (it
 * did with one resized font per style: every text re-rasterised its glyphs). A subset font is
 * ~0.4 MB a size, a full CJK face ~2.7 MB, hence the subsets. Beyond MAX_FONTS the last one is
 * resized, as before. */
static TTF_Font *font(disp_sdl *s, int size, int bold, int full)
{
    bold = bold != 0;
    const face_file *ff = full || !s->sub[bold].path[0] ? &s->full[bold] : &s->sub[bold];
    full = ff == &s->full[bold];
    for (int i = 0; i < s->n_fonts; i++)
        if (s->fonts[i].size == size && s->fonts[i].bold == bold && s->fonts[i].full == full)
            return s->fonts[i].f;
    if (s->n_fonts == MAX_FONTS) {
        font_entry *fe = &s->fonts[MAX_FONTS - 1];
        TTF_CloseFont(fe->f);
        s->n_fonts--;
    }
    TTF_Font *f = TTF_OpenFontIndex(ff->path, size, ff->index);
    if (!f)
        return NULL;
    s->fonts[s->n_fonts++] = (font_entry){.size = size, .bold = bold, .full = full, .f = f};
    return f;
}

/* The subset lacks a character of utf8 (a rare hanzi in a name): that text takes the full face. */
static int needs_full(TTF_Font *sub, const char *utf8)
{
    for (const unsigned char *p = (const unsigned char *)utf8; *p;) {
        Uint32 cp = *p;
        int n = cp < 0x80 ? 0 : cp < 0xE0 ? 1 : cp < 0xF0 ? 2 : 3;
        if (n)
            cp &= 0x3Fu >> n;
        p++;
        for (int i = 0; i < n && (*p & 0xC0) == 0x80; i++, p++)
            cp = cp << 6 | (*p & 0x3F);
        if (cp >= 0x80 && !TTF_GlyphIsProvided32(sub, cp))
            return 1;
    }
    return 0;
}

static TTF_Font *text_font(disp_sdl *s, const char *utf8, int size, int bold)
{
    bold = bold != 0;
    TTF_Font *f = font(s, size, bold, 0);
    if (f && s->sub[bold].path[0] && needs_full(f, utf8))
        f = font(s, size, bold, 1);
    return f;
}

/* The GB 2312 subsets of Noto Sans CJK SC the build makes (tools/fontsubset): $LK_FONT_DIR,
 * else the folder compiled in. Both styles or neither. */
static void find_subsets(disp_sdl *s)
{
    const char *dir = getenv("LK_FONT_DIR");
#ifdef LK_FONT_DIR
    if (!dir || !*dir)
        dir = LK_FONT_DIR;
#endif
    static const char *const files[2] = {"lk-sans-gb2312.otf", "lk-sans-bold-gb2312.otf"};
    for (int b = 0; dir && *dir && b < 2; b++) {
        snprintf(s->sub[b].path, sizeof s->sub[b].path, "%s/%s", dir, files[b]);
        s->sub[b].index = 0;
    }
    if (!dir || !*dir || access(s->sub[0].path, R_OK) != 0 || access(s->sub[1].path, R_OK) != 0)
        s->sub[0].path[0] = s->sub[1].path[0] = '\0';
}

static void d_size(lk_disp *d, int *w, int *h)
{
    disp_sdl *s = (disp_sdl *)d;
    *w = s->w;
    *h = s->h;
}

static void set_color(disp_sdl *s, uint32_t rgb)
{
    SDL_SetRenderDrawColor(s->ren, (rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff, 0xff);
}

static void d_clear(lk_disp *d, uint32_t rgb)
{
    disp_sdl *s = (disp_sdl *)d;
    if (s->warming)
        return;
    set_color(s, rgb);
    SDL_RenderClear(s->ren);
}

static void d_fill(lk_disp *d, lk_rect r, uint32_t rgb)
{
    disp_sdl *s = (disp_sdl *)d;
    if (s->warming)
        return;
    set_color(s, rgb);
    SDL_Rect sr = {r.x, r.y, r.w, r.h};
    SDL_RenderFillRect(s->ren, &sr);
}

static void d_outline(lk_disp *d, lk_rect r, int t, uint32_t rgb)
{
    d_fill(d, (lk_rect){r.x, r.y, r.w, t}, rgb);
    d_fill(d, (lk_rect){r.x, r.y + r.h - t, r.w, t}, rgb);
    d_fill(d, (lk_rect){r.x, r.y, t, r.h}, rgb);
    d_fill(d, (lk_rect){r.x + r.w - t, r.y, t, r.h}, rgb);
}

static uint64_t fnv(const char *s, uint64_t h)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Pixels that may show a person (a name, a photo, a camera frame) are zeroed before SDL frees
 * them: SDL_FreeSurface and SDL_DestroyTexture only give the memory back. */
static void wipe_surface(SDL_Surface *sf)
{
    if (sf && sf->pixels && !(sf->flags & SDL_PREALLOC))
        explicit_bzero(sf->pixels, (size_t)sf->h * (size_t)sf->pitch);
    SDL_FreeSurface(sf);
}

/* A texture's pixels overwritten with zeros (the renderer's own copy: a software renderer's
 * surface, or the GPU's memory), then destroyed. */
static void wipe_texture(SDL_Texture *t)
{
    Uint32 fmt = 0;
    int w = 0, h = 0;
    if (!t)
        return;
    if (SDL_QueryTexture(t, &fmt, NULL, &w, &h) == 0 && w > 0 && h > 0) {
        int bpp = SDL_BYTESPERPIXEL(fmt) ? SDL_BYTESPERPIXEL(fmt) : 4;
        void *zero = calloc((size_t)w * (size_t)h, (size_t)bpp);
        if (zero)
            SDL_UpdateTexture(t, NULL, zero, w * bpp);
        free(zero);
    }
    SDL_DestroyTexture(t);
}

/* Splits text into lines no wider than max_w: at a space when the line has one (Latin),
 * else before the character that would overflow (CJK). Returns the number of lines. One
 * TTF_MeasureUTF8 a line: measuring every prefix (as this did) shaped a line n times. */
static int wrap(TTF_Font *f, const char *text, int max_w, char lines[][256], int max_lines)
{
    int n = 0;
    const char *p = text;
    while (*p && n < max_lines) {
        char buf[256];
        size_t len = 0;
        while (p[len] && p[len] != '\n') { /* the line, whole characters, at most 255 bytes */
            size_t cl = 1;
            while (p[len + cl] && ((unsigned char)p[len + cl] & 0xC0) == 0x80)
                cl++;
            if (len + cl >= sizeof buf)
                break;
            len += cl;
        }
        memcpy(buf, p, len);
        buf[len] = '\0';
        int extent = 0, count = 0;
        if (len && TTF_MeasureUTF8(f, buf, max_w, &extent, &count) == 0) {
            size_t fit = 0, last_space = 0; /* bytes of the first `count` characters */
            for (int c = 0; c < count && fit < len; c++) {
                if (buf[fit] == ' ')
                    last_space = fit + 1;
                fit++;
                while (fit < len && ((unsigned char)buf[fit] & 0xC0) == 0x80)
                    fit++;
            }
            if (fit == 0) /* not even one character fits: it goes alone */
                for (fit = 1; fit < len && ((unsigned char)buf[fit] & 0xC0) == 0x80;)
                    fit++;
            if (fit < len)
                len = last_space ? last_space : fit;
        }
        memcpy(lines[n], p, len);
        lines[n][len] = '\0';
        n++;
        p += len;
        while (*p == ' ')
            p++;
        if (*p == '\n')
            p++;
    }
    return n;
}

/* The text wrapped to w as one ARGB surface as wide as its widest line (NULL: no font, or
 * out of memory); *n_lines and *line_h say how it was laid out. */
static SDL_Surface *text_surface(disp_sdl *s, const char *utf8, int w, int size, uint32_t rgb,
                                 int bold, int *n_lines, int *line_h, int *max_w)
{
    TTF_Font *f = text_font(s, utf8, size, bold);
    if (!f)
        return NULL;
    static char lines[MAX_LINES][256];
    int n = wrap(f, utf8, w, lines, MAX_LINES), lh = TTF_FontLineSkip(f), sw = 1;
    for (int i = 0; i < n; i++) { /* the texture is as wide as the text, not its box */
        int lw = 0;
        TTF_SizeUTF8(f, lines[i], &lw, NULL);
        sw = lw > sw ? lw : sw;
    }
    SDL_Surface *all =
        SDL_CreateRGBSurfaceWithFormat(0, sw, lh * (n ? n : 1), 32, SDL_PIXELFORMAT_ARGB8888);
    if (!all) /* SDL_CreateRGBSurface zeroes it: transparent */
        return NULL;
    SDL_Color c = {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff, 0xff};
    int maxw = 0;
    for (int i = 0; i < n; i++) {
        if (!lines[i][0])
            continue;
        SDL_Surface *ls = TTF_RenderUTF8_Blended(f, lines[i], c);
        if (!ls)
            continue;
        SDL_SetSurfaceBlendMode(ls, SDL_BLENDMODE_NONE);
        SDL_Rect dst = {0, i * lh, ls->w, ls->h};
        SDL_BlitSurface(ls, NULL, all, &dst);
        if (ls->w > maxw)
            maxw = ls->w;
        wipe_surface(ls);
    }
    explicit_bzero(lines, sizeof lines); /* a customer's name was wrapped here */
    *n_lines = n;
    *line_h = lh;
    *max_w = maxw;
    return all;
}

/* Takes `all` into the text cache as a texture (and frees it). */
static void cache_clear(disp_sdl *s)
{
    for (int i = 0; i < CACHE_SIZE; i++)
        if (s->cache[i].tex)
            wipe_texture(s->cache[i].tex);
    memset(s->cache, 0, sizeof s->cache);
    s->cache_used = 0;
}

static text_entry *cache_texture(disp_sdl *s, SDL_Surface *all, uint64_t key, uint64_t text, int w,
                                 int h, int n_lines)
{
    if (s->cache_used > CACHE_SIZE * 3 / 4) /* crude but bounded: start over */
        cache_clear(s);
    size_t i = key % CACHE_SIZE;
    while (s->cache[i].tex)
        i = (i + 1) % CACHE_SIZE;
    text_entry *e = &s->cache[i];
    e->key = key;
    e->text = text;
    e->tex = SDL_CreateTextureFromSurface(s->ren, all);
    e->w = w;
    e->h = h;
    e->clipped = n_lines == MAX_LINES;
    wipe_surface(all);
    if (!e->tex)
        return NULL;
    SDL_SetTextureBlendMode(e->tex, SDL_BLENDMODE_BLEND);
    s->cache_used++;
    return e;
}

static text_entry *make_text(disp_sdl *s, const char *utf8, int w, int size, uint32_t rgb, int bold,
                             uint64_t key, uint64_t text)
{
    int n = 0, lh = 0, maxw = 0;
    SDL_Surface *all = text_surface(s, utf8, w, size, rgb, bold, &n, &lh, &maxw);
    if (!all)
        return NULL;
    return cache_texture(s, all, key, text, maxw > w ? w : maxw, lh * n, n);
}

/* Run-length coding of a text's alpha: a byte t < 128 is t + 1 transparent pixels, t >= 128
 * is t - 127 alpha bytes that follow. Text is mostly transparent, so this is ~1/3 of the bytes. */
static uint8_t *rle_encode(const SDL_Surface *sf)
{
    size_t npx = (size_t)sf->w * sf->h, o = 0;
    if (sf->pitch != sf->w * 4) /* SDL packs 32-bit rows; the coder relies on it */
        return NULL;
    const Uint32 *px = sf->pixels;
    uint8_t *out = malloc(npx + npx / 128 + 2);
    if (!out)
        return NULL;
    for (size_t i = 0; i < npx;) {
        size_t run = 0;
        int clear = (px[i] >> 24) == 0;
        while (i + run < npx && run < 128 && ((px[i + run] >> 24) == 0) == clear)
            run++;
        out[o++] = (uint8_t)(clear ? run - 1 : run + 127);
        for (size_t k = 0; !clear && k < run; k++)
            out[o++] = (uint8_t)(px[i + k] >> 24);
        i += run;
    }
    uint8_t *shrunk = realloc(out, o ? o : 1);
    return shrunk ? shrunk : out;
}

static void rle_decode(const uint8_t *in, SDL_Surface *sf, uint32_t rgb)
{
    size_t npx = (size_t)sf->w * sf->h;
    Uint32 *px = sf->pixels; /* zeroed by SDL_CreateRGBSurface, rows packed (rle_encode) */
    rgb &= 0xFFFFFFu;
    for (size_t i = 0; i < npx;) {
        unsigned t = *in++;
        if (t < 128) {
            i += t + 1;
            continue;
        }
        for (unsigned k = t - 127; k > 0 && i < npx; k--)
            px[i++] = (Uint32)*in++ << 24 | rgb;
    }
}

static struct warmed *warmed_find(disp_sdl *s, uint64_t key)
{
    if (!s->warmed || !key)
        return NULL;
    for (size_t i = key % WARMED_SIZE; s->warmed[i].key; i = (i + 1) % WARMED_SIZE)
        if (s->warmed[i].key == key)
            return &s->warmed[i];
    return NULL;
}

/* Warming: the text is rasterised once, kept run-length coded without its colour, and its
 * glyphs stay in the font's cache; returns the height d_text would. */
static int warm_text(disp_sdl *s, const char *utf8, lk_rect box, int size, int bold, uint64_t key)
{
    struct warmed *w = warmed_find(s, key);
    if (!w && s->warmed && key && s->warmed_used < WARMED_SIZE * 3 / 4) {
        int n = 0, lh = 0, maxw = 0;
        SDL_Surface *all = text_surface(s, utf8, box.w, size, 0, bold, &n, &lh, &maxw);
        uint8_t *rle = all ? rle_encode(all) : NULL;
        if (rle) {
            size_t i = key % WARMED_SIZE;
            while (s->warmed[i].key)
                i = (i + 1) % WARMED_SIZE;
            w = &s->warmed[i];
            *w = (struct warmed){key, all->w, all->h, maxw > box.w ? box.w : maxw, n, rle};
            s->warmed_used++;
        }
        SDL_FreeSurface(all);
    }
    return w ? (w->h > box.h ? box.h : w->h) : 0;
}

/* A text the warm-up made: the texture from its coded alpha in the colour asked for. */
static text_entry *text_from_warm(disp_sdl *s, const struct warmed *w, uint32_t rgb, uint64_t key,
                                  uint64_t text)
{
    SDL_Surface *all = SDL_CreateRGBSurfaceWithFormat(0, w->w, w->h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!all)
        return NULL;
    rle_decode(w->rle, all, rgb);
    return cache_texture(s, all, key, text, w->maxw, w->h, w->n);
}

static int d_text(lk_disp *d, const char *utf8, lk_rect box, int size, uint32_t rgb, int flags)
{
    disp_sdl *s = (disp_sdl *)d;
    if (!utf8 || !*utf8)
        return 0;
    char k[64];
    uint64_t text = fnv(utf8, 1469598103934665603ull);
    snprintf(k, sizeof k, "|%d|%d|%d", size, flags, box.w);
    uint64_t wkey = fnv(k, text); /* the warm-up's: any colour */
    if (s->warming)
        return warm_text(s, utf8, box, size, flags & LK_TEXT_BOLD, wkey);
    snprintf(k, sizeof k, "|%d|%u|%d|%d", size, rgb, flags, box.w);
    uint64_t key = fnv(k, text);
    text_entry *e = NULL;
    for (size_t i = key % CACHE_SIZE; s->cache[i].tex; i = (i + 1) % CACHE_SIZE)
        if (s->cache[i].key == key) {
            e = &s->cache[i];
            break;
        }
    const struct warmed *w = e ? NULL : warmed_find(s, wkey);
    if (w)
        e = text_from_warm(s, w, rgb, key, text);
    else if (!e)
        e = make_text(s, utf8, box.w, size, rgb, flags & LK_TEXT_BOLD, key, text);
    if (!e)
        return 0;
    int tw = 0, th = 0;
    SDL_QueryTexture(e->tex, NULL, NULL, &tw, &th);
    int h = th > box.h ? box.h : th;
    if (th > box.h || e->clipped) {
        s->clipped++;
        if (s->debug)
            /* Size and box only: the text may be a person's name. */
            fprintf(stderr, "lk_disp: clipped %dpx text (%zu bytes) in %dx%d\n", size, strlen(utf8),
                    box.w, box.h);
    }
    SDL_Rect src = {0, 0, tw, h};
    SDL_Rect dst = {box.x, box.y, tw, h};
    if (flags & LK_TEXT_CENTER) {
        dst.x = box.x + (box.w - e->w) / 2;
        dst.y = box.y + (box.h - h) / 2;
    }
    if (flags & LK_TEXT_VCENTER)
        dst.y = box.y + (box.h - h) / 2;
    if (flags & LK_TEXT_HCENTER)
        dst.x = box.x + (box.w - e->w) / 2;
    SDL_RenderCopy(s->ren, e->tex, &src, &dst);
    return h;
}

/* Where img lands in dst: scaled to fit, aspect kept, centred. */
static SDL_Rect fit(const lk_image *img, lk_rect dst)
{
    double sc = (double)dst.w / img->w;
    if ((double)dst.h / img->h < sc)
        sc = (double)dst.h / img->h;
    SDL_Rect r = {0, 0, (int)(img->w * sc), (int)(img->h * sc)};
    r.x = dst.x + (dst.w - r.w) / 2;
    r.y = dst.y + (dst.h - r.h) / 2;
    return r;
}

/* A picture with alpha (the preview: a sheet on a transparent margin) is scaled once, when it
 * changes, into a texture of the size it is shown at; scaling and blending in the same copy
 * is the software renderer's slow path (~40 M instructions for the preview, every frame). */
static SDL_Texture *scaled_texture(disp_sdl *s, const lk_image *img, SDL_Rect r)
{
    SDL_Surface *src = SDL_CreateRGBSurfaceWithFormatFrom((void *)img->px, img->w, img->h, 32,
                                                          img->stride, SDL_PIXELFORMAT_ARGB8888);
    SDL_Texture *t = NULL;
    if (src && r.w == img->w && r.h == img->h) { /* shown as rendered: a plain upload */
        t = SDL_CreateTextureFromSurface(s->ren, src);
        SDL_FreeSurface(src); /* the caller's pixels (SDL_PREALLOC): the session wipes them */
        if (t)
            SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
        return t;
    }
    SDL_Surface *sc = SDL_CreateRGBSurfaceWithFormat(0, r.w, r.h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (src && sc) {
        SDL_SetSurfaceBlendMode(src, SDL_BLENDMODE_NONE);
        if (SDL_BlitScaled(src, NULL, sc, NULL) == 0)
            t = SDL_CreateTextureFromSurface(s->ren, sc);
    }
    SDL_FreeSurface(src);
    wipe_surface(sc);
    if (t)
        SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
    return t;
}

static void d_image(lk_disp *d, const lk_image *img, lk_rect dst, int slot)
{
    disp_sdl *s = (disp_sdl *)d;
    if (s->warming || !img->px || img->w <= 0 || img->h <= 0 || slot < 0 || slot > 3)
        return;
    SDL_Rect r = fit(img, dst);
    int scaled = img->format == LK_IMG_ARGB32; /* RGB24 is opaque: the fast path as it is */
    if (scaled && r.w > img->w) { /* never enlarge the preview: a few % smaller, no rescale */
        r = (SDL_Rect){dst.x + (dst.w - img->w) / 2, dst.y + (dst.h - img->h) / 2, img->w, img->h};
    }
    if (r.w <= 0 || r.h <= 0)
        return;
    int w = scaled ? r.w : img->w, h = scaled ? r.h : img->h;
    int stale = !s->slot[slot] || s->slot_w[slot] != w || s->slot_h[slot] != h ||
                s->slot_fmt[slot] != (int)img->format;
    if (stale || (scaled && s->slot_gen[slot] != img->gen)) {
        wipe_texture(s->slot[slot]);
        s->slot[slot] = scaled ? scaled_texture(s, img, r)
                               : SDL_CreateTexture(s->ren, SDL_PIXELFORMAT_RGB24,
                                                   SDL_TEXTUREACCESS_STREAMING, w, h);
        s->slot_w[slot] = w;
        s->slot_h[slot] = h;
        s->slot_fmt[slot] = (int)img->format;
        s->slot_gen[slot] = scaled ? img->gen : img->gen - 1;
        if (!s->slot[slot])
            return;
        if (!scaled) /* no alpha: nothing to blend */
            SDL_SetTextureBlendMode(s->slot[slot], SDL_BLENDMODE_NONE);
    }
    if (s->slot_gen[slot] != img->gen) {
        SDL_UpdateTexture(s->slot[slot], NULL, img->px, img->stride);
        s->slot_gen[slot] = img->gen;
    }
    SDL_RenderCopy(s->ren, s->slot[slot], NULL, &r);
}

static void d_warm(lk_disp *d, int on)
{
    disp_sdl *s = (disp_sdl *)d;
    s->warming = on;
    if (on && !s->warmed)
        s->warmed = calloc(WARMED_SIZE, sizeof *s->warmed);
}

static void d_present(lk_disp *d)
{
    SDL_RenderPresent(((disp_sdl *)d)->ren);
}

static int d_poll(lk_disp *d, lk_input *in)
{
    disp_sdl *s = (disp_sdl *)d;
    SDL_Event ev;
    memset(in, 0, sizeof *in);
    while (SDL_PollEvent(&ev)) {
        switch (ev.type) {
        case SDL_QUIT:
            in->type = LK_INPUT_QUIT;
            return 1;
        case SDL_MOUSEBUTTONDOWN:
            if (ev.button.which == SDL_TOUCH_MOUSEID)
                break; /* the finger event below reports it */
            *in = (lk_input){.type = LK_INPUT_TAP, .x = ev.button.x, .y = ev.button.y};
            return 1;
        case SDL_FINGERDOWN:
            *in = (lk_input){.type = LK_INPUT_TAP,
                             .x = (int)(ev.tfinger.x * s->w),
                             .y = (int)(ev.tfinger.y * s->h)};
            return 1;
        case SDL_TEXTINPUT:
            in->type = LK_INPUT_TEXT;
            snprintf(in->text, sizeof in->text, "%s", ev.text.text);
            return 1;
        case SDL_KEYDOWN:
            if (ev.key.keysym.sym == SDLK_BACKSPACE) {
                in->type = LK_INPUT_ERASE;
                return 1;
            }
            break;
        default:
            break;
        }
    }
    return 0;
}

static int d_save_png(lk_disp *d, const char *path, lk_err *err)
{
    disp_sdl *s = (disp_sdl *)d;
    SDL_Surface *sf = SDL_CreateRGBSurfaceWithFormat(0, s->w, s->h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!sf)
        return lk_err_set(err, LK_ENOMEM, "screenshot: %s", SDL_GetError());
    int rc = SDL_RenderReadPixels(s->ren, NULL, SDL_PIXELFORMAT_ARGB8888, sf->pixels, sf->pitch);
    if (rc == 0)
        rc = IMG_SavePNG(sf, path);
    wipe_surface(sf);
    return rc == 0 ? 0 : lk_err_set(err, LK_EIO, "screenshot %s: %s", path, SDL_GetError());
}

static void d_play(lk_disp *d, const char *wav_path)
{
    disp_sdl *s = (disp_sdl *)d;
    if (!s->audio)
        return;
    SDL_AudioSpec spec;
    Uint8 *buf = NULL;
    Uint32 len = 0;
    if (!SDL_LoadWAV(wav_path, &spec, &buf, &len))
        return; /* a missing prompt is not worth stopping a customer for */
    if (s->adev && (spec.freq != s->aspec.freq || spec.format != s->aspec.format ||
                    spec.channels != s->aspec.channels)) {
        SDL_CloseAudioDevice(s->adev);
        s->adev = 0;
    }
    if (!s->adev) {
        s->adev = SDL_OpenAudioDevice(NULL, 0, &spec, &s->aspec, 0);
    }
    if (s->adev) {
        SDL_ClearQueuedAudio(s->adev);
        if (SDL_QueueAudio(s->adev, buf, len) == 0 && s->debug) /* tests compare the prompts */
            fprintf(stderr, "lk_disp: voice %s\n", wav_path);
        SDL_PauseAudioDevice(s->adev, 0);
    }
    SDL_FreeWAV(buf);
}

/* The session ended: every picture slot (camera frame, preview) and every cached text (names,
 * company names) is zeroed and dropped; the next frame re-makes the texts it shows from the
 * warm-up's coded alpha. */
static void d_forget(lk_disp *d)
{
    disp_sdl *s = (disp_sdl *)d;
    for (int i = 0; i < 4; i++) {
        wipe_texture(s->slot[i]);
        s->slot[i] = NULL;
        s->slot_w[i] = s->slot_h[i] = 0;
    }
    cache_clear(s);
}

static int d_holds(lk_disp *d, const char *utf8)
{
    disp_sdl *s = (disp_sdl *)d;
    int n = 0;
    if (!utf8) {
        for (int i = 0; i < 4; i++)
            n += s->slot[i] != NULL;
        return n;
    }
    uint64_t text = fnv(utf8, 1469598103934665603ull);
    for (int i = 0; i < CACHE_SIZE; i++)
        n += s->cache[i].tex && s->cache[i].text == text;
    return n > 0;
}

/* A real toolkit event, so d_poll's translation runs as for a person's touch: a left button
 * press (and release) of the mouse, or a finger down (and up) in normalised coordinates. */
static void d_inject(lk_disp *d, int finger, int x, int y)
{
    disp_sdl *s = (disp_sdl *)d;
    SDL_Event ev[2];
    memset(ev, 0, sizeof ev);
    for (int i = 0; i < 2; i++) {
        if (finger) {
            ev[i].type = i ? SDL_FINGERUP : SDL_FINGERDOWN;
            ev[i].tfinger.touchId = 1;
            ev[i].tfinger.x = (float)x / (float)s->w;
            ev[i].tfinger.y = (float)y / (float)s->h;
            ev[i].tfinger.pressure = 1.0f;
        } else {
            ev[i].type = i ? SDL_MOUSEBUTTONUP : SDL_MOUSEBUTTONDOWN;
            ev[i].button.button = SDL_BUTTON_LEFT;
            ev[i].button.state = i ? SDL_RELEASED : SDL_PRESSED;
            ev[i].button.clicks = 1;
            ev[i].button.x = x;
            ev[i].button.y = y;
        }
        SDL_PushEvent(&ev[i]);
    }
}

static int d_clipped(lk_disp *d)
{
    return ((disp_sdl *)d)->clipped;
}

static void d_close(lk_disp *d)
{
    disp_sdl *s = (disp_sdl *)d;
    if (!s)
        return;
    d_forget(d);
    for (int i = 0; i < s->n_fonts; i++)
        TTF_CloseFont(s->fonts[i].f);
    for (int i = 0; s->warmed && i < WARMED_SIZE; i++)
        free(s->warmed[i].rle);
    free(s->warmed);
    if (s->adev)
        SDL_CloseAudioDevice(s->adev);
    if (s->ren)
        SDL_DestroyRenderer(s->ren);
    if (s->win)
        SDL_DestroyWindow(s->win);
    if (s->surface)
        wipe_surface(s->surface); /* the last frame drawn */
    TTF_Quit();
    IMG_Quit();
    SDL_Quit();
    free(s);
}

static const lk_disp_ops sdl_ops = {
    .size = d_size,
    .clear = d_clear,
    .fill = d_fill,
    .outline = d_outline,
    .text = d_text,
    .image = d_image,
    .present = d_present,
    .poll = d_poll,
    .save_png = d_save_png,
    .play = d_play,
    .clipped = d_clipped,
    .warm = d_warm,
    .forget = d_forget,
    .holds = d_holds,
    .inject = d_inject,
    .close = d_close,
};

/* Headless: SDL's software renderer drawing into a plain surface. An offscreen *window* would
 * make SDL bring up EGL (Mesa, llvmpipe: ~100 MB and a second of start-up) only to have the
 * software renderer copy into it. */
static int open_surface(disp_sdl *s, lk_err *err)
{
    s->surface = SDL_CreateRGBSurfaceWithFormat(0, s->w, s->h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s->surface)
        return lk_err_set(err, LK_ENOMEM, "SDL surface: %s", SDL_GetError());
    s->ren = SDL_CreateSoftwareRenderer(s->surface);
    if (!s->ren)
        return lk_err_set(err, LK_ENODEV, "SDL software renderer: %s", SDL_GetError());
    return 0;
}

/* Full screen: the desktop's mode, the renderer scaling the logical 1080x1920 (or 1920x1080) to
 * it, letterboxed when the aspect differs; no cursor. A window (development, the window
 * demo): resizable, fitted into 85% of the desktop. */
static int open_window(disp_sdl *s, int headless, lk_err *err)
{
    if (headless)
        return open_surface(s, err);
    Uint32 flags = s->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : SDL_WINDOW_RESIZABLE;
    int ww = s->w, wh = s->h;
    SDL_DisplayMode dm;
    if (!s->fullscreen && SDL_GetDesktopDisplayMode(0, &dm) == 0 &&
        (wh > dm.h * 9 / 10 || ww > dm.w)) {
        double k = (double)dm.h * 0.85 / wh;
        if ((double)dm.w * 0.9 / ww < k)
            k = (double)dm.w * 0.9 / ww;
        ww = (int)(ww * k);
        wh = (int)(wh * k);
    }
    s->win = SDL_CreateWindow("licensekiosk", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, ww,
                              wh, flags);
    if (!s->win)
        return lk_err_set(err, LK_ENODEV, "SDL window: %s", SDL_GetError());
    s->ren = SDL_CreateRenderer(s->win, -1, 0);
    if (!s->ren)
        return lk_err_set(err, LK_ENODEV, "SDL renderer: %s", SDL_GetError());
    SDL_RenderSetLogicalSize(s->ren, s->w, s->h);
    if (s->fullscreen)
        SDL_ShowCursor(SDL_DISABLE);
    return 0;
}

int lk_disp_sdl_create(int w, int h, int headless, int fullscreen, int audio, lk_disp **out,
                       lk_err *err)
{
    *out = NULL;
    if (headless) {
        SDL_setenv("SDL_VIDEODRIVER", "offscreen", 1);
        SDL_setenv("SDL_AUDIODRIVER", "dummy", 1);
        SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
    }
    disp_sdl *s = calloc(1, sizeof *s);
    if (!s)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    s->base.ops = &sdl_ops;
    s->w = w;
    s->h = h;
    s->audio = audio;
    s->fullscreen = fullscreen && !headless;
    s->debug = getenv("LK_UI_DEBUG") != NULL;
    int rc = 0;
    if (SDL_Init(SDL_INIT_VIDEO | (audio ? SDL_INIT_AUDIO : 0)) != 0 || TTF_Init() != 0)
        rc = lk_err_set(err, LK_ENODEV, "SDL: %s", SDL_GetError());
    IMG_Init(IMG_INIT_PNG);
    if (rc == 0 && (find_font("Noto Sans CJK SC:style=Regular", s->full[0].path,
                              sizeof s->full[0].path, &s->full[0].index) != 0 ||
                    find_font("Noto Sans CJK SC:style=Bold", s->full[1].path,
                              sizeof s->full[1].path, &s->full[1].index) != 0))
        rc = lk_err_set(err, LK_ENOENT, "fontconfig found no Noto Sans CJK SC");
    find_subsets(s);
    if (rc == 0)
        rc = open_window(s, headless, err);
    if (rc != 0) {
        d_close(&s->base);
        return rc;
    }
    if (!headless)
        SDL_StartTextInput();
    *out = &s->base;
    return 0;
}
