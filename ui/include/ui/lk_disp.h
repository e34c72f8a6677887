/* lk_disp: the display and input port the screens draw through, so no screen calls SDL (or
 * any toolkit) itself: filled and outlined rectangles, wrapped UTF-8 text, RGB/ARGB images,
 * a PNG of the frame, a sound, and touch/mouse/keyboard input as taps and text. The SDL2
 * implementation is lk_disp_sdl (window, or SDL's offscreen driver for headless runs). */
#ifndef LK_UI_LK_DISP_H
#define LK_UI_LK_DISP_H

#include <stdint.h>

#include "kiosk/lk_err.h"

typedef struct lk_rect {
    int x, y, w, h;
} lk_rect;

typedef enum lk_input_type {
    LK_INPUT_NONE = 0,
    LK_INPUT_TAP,  /* x, y in display pixels */
    LK_INPUT_TEXT, /* text: typed characters */
    LK_INPUT_ERASE,
    LK_INPUT_QUIT,
} lk_input_type;

typedef struct lk_input {
    lk_input_type type;
    int x, y;
    char text[32];
} lk_input;

typedef enum lk_img_format { LK_IMG_RGB24 = 0, LK_IMG_ARGB32 = 1 } lk_img_format;

typedef struct lk_image {
    const uint8_t *px;
    int w, h, stride;
    lk_img_format format;
    unsigned gen; /* the pixels changed when gen changes (lets the display cache uploads) */
} lk_image;

/* Text flags. */
#define LK_TEXT_LEFT    0
#define LK_TEXT_CENTER  1
#define LK_TEXT_BOLD    2
#define LK_TEXT_VCENTER 4 /* centred vertically only */
#define LK_TEXT_HCENTER 8 /* centred horizontally only, from the top of the box */

typedef struct lk_disp lk_disp;

typedef struct lk_disp_ops {
    void (*size)(lk_disp *d, int *w, int *h);
    void (*clear)(lk_disp *d, uint32_t rgb);
    void (*fill)(lk_disp *d, lk_rect r, uint32_t rgb);
    void (*outline)(lk_disp *d, lk_rect r, int thickness, uint32_t rgb);
    /* Draws text wrapped to box.w starting at box's top (centred in box vertically when
     * LK_TEXT_CENTER); returns the height used. Text that cannot fit box.h is clipped and
     * counted (see clipped). */
    int (*text)(lk_disp *d, const char *utf8, lk_rect box, int size_px, uint32_t rgb, int flags);
    /* Scales img into dst keeping its aspect ratio. slot (0..3) names an upload cache. */
    void (*image)(lk_disp *d, const lk_image *img, lk_rect dst, int slot);
    void (*present)(lk_disp *d);
    /* 1 with *in filled, 0 when no input waits. Never blocks. */
    int (*poll)(lk_disp *d, lk_input *in);
    int (*save_png)(lk_disp *d, const char *path, lk_err *err);
    /* Plays a WAV file (replacing what plays); silently nothing when audio is off. */
    void (*play)(lk_disp *d, const char *wav_path);
    /* Texts clipped since creation (a layout bug: tests require 0). */
    int (*clipped)(lk_disp *d);
    /* on: a warm-up pass; draws go nowhere and text only rasterises its glyphs into the
     * display's caches (text still returns its height), so later first frames of a screen
     * compose cached glyphs. Nothing drawn then counts as clipped. off: back to drawing. */
    void (*warm)(lk_disp *d, int on);
    /* The session ended: every picture slot (camera frame, preview) and every cached text
     * (names, company names) is overwritten with zeros and dropped. */
    void (*forget)(lk_disp *d);
    /* For tests: utf8 NULL: how many picture slots hold a picture; else 1 when a cached text
     * was made from exactly utf8, 0 when none. */
    int (*holds)(lk_disp *d, const char *utf8);
    /* For scripts and tests: a touch at display pixel x, y as a real toolkit event (finger 0:
     * a mouse click, 1: a finger), which the next poll translates. */
    void (*inject)(lk_disp *d, int finger, int x, int y);
    void (*close)(lk_disp *d);
} lk_disp_ops;

struct lk_disp {
    const lk_disp_ops *ops;
};

/* SDL2 backend. headless: SDL's offscreen video driver with the software renderer, dummy
 * audio. fullscreen (configuration ui.fullscreen): the whole display, w x h scaled to it;
 * else a window (development). audio 0 keeps the speaker off (configuration ui.voice_mute).
 * The font is found through fontconfig (Noto Sans CJK SC). */
int lk_disp_sdl_create(int w, int h, int headless, int fullscreen, int audio, lk_disp **out,
                       lk_err *err);

#endif
