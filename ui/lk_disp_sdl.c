/* lk_disp_sdl: the display/input port over SDL2, SDL2_ttf and SDL2_image. Text is shaped by
 * SDL_ttf line by line (our own greedy wrap, because SDL_ttf only breaks at spaces and Chinese
 * has none) and cached as textures, so a frame that redraws unchanged text costs a blit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <fontconfig/fontconfig.h>

#include "ui/lk_disp.h"

#define CACHE_SIZE 1024
#define MAX_FONTS  16
#define MAX_LINES  24

typedef struct text_entry {
    uint64_t key;
    SDL_Texture *tex;
    int w, h, clipped;
} text_entry;

typedef struct font_entry {
    int size, bold;
    TTF_Font *f;
} font_entry;

typedef struct disp_sdl {
    lk_disp base;
    SDL_Window *win;      /* NULL when headless */
    SDL_Surface *surface; /* headless: the frame buffer the software renderer draws into */
    SDL_Renderer *ren;
    int w, h;
    char font_path[512];
    int font_index;
    char bold_path[512];
    int bold_index;
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
} disp_sdl;

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

/* One FreeType face per style, resized on demand: a CJK face is tens of megabytes of tables,
 * so a face per size would cost that many times over. Rendered texts are cached as textures,
 * so the glyph cache TTF_SetFontSize drops is rarely needed again. */
static TTF_Font *font(disp_sdl *s, int size, int bold)
{
    font_entry *fe = &s->fonts[bold ? 1 : 0];
    if (!fe->f) {
        fe->f = TTF_OpenFontIndex(bold ? s->bold_path : s->font_path, size,
                                  bold ? s->bold_index : s->font_index);
        fe->size = size;
        if (!fe->f)
            return NULL;
        s->n_fonts = 2;
    }
    if (fe->size != size && TTF_SetFontSize(fe->f, size) == 0)
        fe->size = size;
    return fe->f;
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
    set_color(s, rgb);
    SDL_RenderClear(s->ren);
}

static void d_fill(lk_disp *d, lk_rect r, uint32_t rgb)
{
    disp_sdl *s = (disp_sdl *)d;
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

/* Splits text into lines no wider than max_w: at a space when the line has one (Latin),
 * else before the character that would overflow (CJK). Returns the number of lines. */
static int wrap(TTF_Font *f, const char *text, int max_w, char lines[][256], int max_lines)
{
    int n = 0;
    const char *p = text;
    while (*p && n < max_lines) {
        size_t len = 0, last_space = 0;
        char buf[256];
        while (p[len] && p[len] != '\n') {
            size_t cl = 1;
            while (p[len + cl] && ((unsigned char)p[len + cl] & 0xC0) == 0x80)
                cl++;
            if (len + cl >= sizeof buf)
                break;
            memcpy(buf, p, len + cl);
            buf[len + cl] = '\0';
            int w = 0;
            TTF_SizeUTF8(f, buf, &w, NULL);
            if (w > max_w && len > 0) {
                if (last_space)
                    len = last_space;
                break;
            }
            if (p[len] == ' ')
                last_space = len + 1;
            len += cl;
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

static text_entry *make_text(disp_sdl *s, const char *utf8, int w, int size, uint32_t rgb, int bold,
                             uint64_t key)
{
    TTF_Font *f = font(s, size, bold);
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
    if (!all)
        return NULL;
    SDL_FillRect(all, NULL, 0);
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
        SDL_FreeSurface(ls);
    }
    if (s->cache_used > CACHE_SIZE * 3 / 4) { /* crude but bounded: start over */
        for (int i = 0; i < CACHE_SIZE; i++)
            if (s->cache[i].tex)
                SDL_DestroyTexture(s->cache[i].tex);
        memset(s->cache, 0, sizeof s->cache);
        s->cache_used = 0;
    }
    size_t i = key % CACHE_SIZE;
    while (s->cache[i].tex)
        i = (i + 1) % CACHE_SIZE;
    text_entry *e = &s->cache[i];
    e->key = key;
    e->tex = SDL_CreateTextureFromSurface(s->ren, all);
    e->w = maxw > w ? w : maxw;
    e->h = lh * n;
    e->clipped = (int)strlen(utf8) > 0 && n == MAX_LINES;
    SDL_FreeSurface(all);
    if (!e->tex)
        return NULL;
    SDL_SetTextureBlendMode(e->tex, SDL_BLENDMODE_BLEND);
    s->cache_used++;
    return e;
}

static int d_text(lk_disp *d, const char *utf8, lk_rect box, int size, uint32_t rgb, int flags)
{
    disp_sdl *s = (disp_sdl *)d;
    if (!utf8 || !*utf8)
        return 0;
    char k[64];
    snprintf(k, sizeof k, "|%d|%u|%d|%d", size, rgb, flags, box.w);
    uint64_t key = fnv(k, fnv(utf8, 1469598103934665603ull));
    text_entry *e = NULL;
    for (size_t i = key % CACHE_SIZE; s->cache[i].tex; i = (i + 1) % CACHE_SIZE)
        if (s->cache[i].key == key) {
            e = &s->cache[i];
            break;
        }
    if (!e && !(e = make_text(s, utf8, box.w, size, rgb, flags & LK_TEXT_BOLD, key)))
        return 0;
    int tw = 0, th = 0;
    SDL_QueryTexture(e->tex, NULL, NULL, &tw, &th);
    int h = th > box.h ? box.h : th;
    if (th > box.h || e->clipped) {
        s->clipped++;
        if (s->debug)
            fprintf(stderr, "lk_disp: clipped %dpx text in %dx%d: %.60s\n", size, box.w, box.h,
                    utf8);
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

static void d_image(lk_disp *d, const lk_image *img, lk_rect dst, int slot)
{
    disp_sdl *s = (disp_sdl *)d;
    if (!img->px || img->w <= 0 || img->h <= 0 || slot < 0 || slot > 3)
        return;
    Uint32 fmt = img->format == LK_IMG_RGB24 ? SDL_PIXELFORMAT_RGB24 : SDL_PIXELFORMAT_ARGB8888;
    if (!s->slot[slot] || s->slot_w[slot] != img->w || s->slot_h[slot] != img->h ||
        s->slot_fmt[slot] != (int)img->format) {
        if (s->slot[slot])
            SDL_DestroyTexture(s->slot[slot]);
        s->slot[slot] = SDL_CreateTexture(s->ren, fmt, SDL_TEXTUREACCESS_STREAMING, img->w, img->h);
        s->slot_w[slot] = img->w;
        s->slot_h[slot] = img->h;
        s->slot_fmt[slot] = (int)img->format;
        s->slot_gen[slot] = img->gen - 1;
        if (!s->slot[slot])
            return;
        SDL_SetTextureBlendMode(s->slot[slot], SDL_BLENDMODE_BLEND);
    }
    if (s->slot_gen[slot] != img->gen) {
        SDL_UpdateTexture(s->slot[slot], NULL, img->px, img->stride);
        s->slot_gen[slot] = img->gen;
    }
    double sc = (double)dst.w / img->w;
    if ((double)dst.h / img->h < sc)
        sc = (double)dst.h / img->h;
    SDL_Rect r = {0, 0, (int)(img->w * sc), (int)(img->h * sc)};
    r.x = dst.x + (dst.w - r.w) / 2;
    r.y = dst.y + (dst.h - r.h) / 2;
    SDL_RenderCopy(s->ren, s->slot[slot], NULL, &r);
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
    SDL_FreeSurface(sf);
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
        SDL_QueueAudio(s->adev, buf, len);
        SDL_PauseAudioDevice(s->adev, 0);
    }
    SDL_FreeWAV(buf);
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
    for (int i = 0; i < CACHE_SIZE; i++)
        if (s->cache[i].tex)
            SDL_DestroyTexture(s->cache[i].tex);
    for (int i = 0; i < 4; i++)
        if (s->slot[i])
            SDL_DestroyTexture(s->slot[i]);
    for (int i = 0; i < 2; i++)
        if (s->fonts[i].f)
            TTF_CloseFont(s->fonts[i].f);
    if (s->adev)
        SDL_CloseAudioDevice(s->adev);
    if (s->ren)
        SDL_DestroyRenderer(s->ren);
    if (s->win)
        SDL_DestroyWindow(s->win);
    if (s->surface)
        SDL_FreeSurface(s->surface);
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

static int open_window(disp_sdl *s, int headless, lk_err *err)
{
    if (headless)
        return open_surface(s, err);
    Uint32 flags = SDL_WINDOW_RESIZABLE;
    int ww = s->w, wh = s->h;
    if (!headless) { /* fit a desktop screen; the renderer scales to the logical size */
        SDL_DisplayMode dm;
        if (SDL_GetDesktopDisplayMode(0, &dm) == 0 && (wh > dm.h * 9 / 10 || ww > dm.w)) {
            double k = (double)dm.h * 0.85 / wh;
            if ((double)dm.w * 0.9 / ww < k)
                k = (double)dm.w * 0.9 / ww;
            ww = (int)(ww * k);
            wh = (int)(wh * k);
        }
    }
    s->win = SDL_CreateWindow("licensekiosk", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, ww,
                              wh, flags);
    if (!s->win)
        return lk_err_set(err, LK_ENODEV, "SDL window: %s", SDL_GetError());
    s->ren = SDL_CreateRenderer(s->win, -1, 0);
    if (!s->ren)
        return lk_err_set(err, LK_ENODEV, "SDL renderer: %s", SDL_GetError());
    SDL_RenderSetLogicalSize(s->ren, s->w, s->h);
    return 0;
}

int lk_disp_sdl_create(int w, int h, int headless, int audio, lk_disp **out, lk_err *err)
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
    s->debug = getenv("LK_UI_DEBUG") != NULL;
    int rc = 0;
    if (SDL_Init(SDL_INIT_VIDEO | (audio ? SDL_INIT_AUDIO : 0)) != 0 || TTF_Init() != 0)
        rc = lk_err_set(err, LK_ENODEV, "SDL: %s", SDL_GetError());
    IMG_Init(IMG_INIT_PNG);
    if (rc == 0 && (find_font("Noto Sans CJK SC:style=Regular", s->font_path, sizeof s->font_path,
                              &s->font_index) != 0 ||
                    find_font("Noto Sans CJK SC:style=Bold", s->bold_path, sizeof s->bold_path,
                              &s->bold_index) != 0))
        rc = lk_err_set(err, LK_ENOENT, "fontconfig found no Noto Sans CJK SC");
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
