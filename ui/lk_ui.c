/* lk_ui: the screen router and the chrome every screen shares. A frame is drawn only when the
 * view (or camera frame) changed, so an idle kiosk costs nothing; the camera screen redraws at
 * the camera's rate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ui/lk_screen.h"
#include "ui/lk_ui.h"

struct lk_ui {
    lk_disp *d;
    lk_i18n *t;
    char voice_dir[512];
    char voice_over[512]; /* the applied bundle's prompts, "" none */
    lk_ui_post_fn post;
    void *post_ctx;
    unsigned drawn_gen, drawn_frame_gen;
    int drawn_once;
    lk_state voiced_state;
    char voiced_lang[8];
    int warm_missing; /* lookups the warm-up missed: variants no session shows */
    int warm_next;    /* the warm-up's next position (lk_ui_warm_step) */
    int personal;     /* a session screen was drawn since the display last forgot */
    int page;         /* the license list's page (choose), 0 elsewhere */
};

int lk_ui_create(lk_disp *d, const char *i18n_dir, const char *voice_dir, lk_ui_post_fn post,
                 void *post_ctx, lk_ui **out, lk_err *err)
{
    *out = NULL;
    lk_ui *ui = calloc(1, sizeof *ui);
    if (!ui)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    int rc = lk_i18n_load(i18n_dir, &ui->t, err);
    if (rc != 0) {
        free(ui);
        return rc;
    }
    ui->d = d;
    ui->post = post;
    ui->post_ctx = post_ctx;
    if (voice_dir)
        snprintf(ui->voice_dir, sizeof ui->voice_dir, "%s", voice_dir);
    ui->voiced_state = LK_ST_COUNT;
    *out = ui;
    return 0;
}

int lk_ui_use_bundle(lk_ui *ui, const char *i18n_dir, const char *voice_dir, lk_err *err)
{
    if (voice_dir)
        snprintf(ui->voice_over, sizeof ui->voice_over, "%s", voice_dir);
    return i18n_dir && *i18n_dir ? lk_i18n_overlay(ui->t, i18n_dir, err) : 0;
}

const char *lk_ui_string(lk_ui *ui, const char *lang, const char *key)
{
    return lk_i18n_get(ui->t, lang, key);
}

void lk_ui_free(lk_ui *ui)
{
    if (!ui)
        return;
    lk_i18n_free(ui->t);
    free(ui);
}

static lk_screen_ctx make_ctx(lk_ui *ui, const lk_view *v)
{
    lk_screen_ctx c = {.d = ui->d, .t = ui->t, .v = v, .lang = v->lang, .page = ui->page};
    ui->d->ops->size(ui->d, &c.w, &c.h);
    c.portrait = c.h > c.w;
    if (c.portrait)
        c.body = (lk_rect){60, 340, c.w - 120, c.h - 340 - 200};
    else
        c.body = (lk_rect){200, 276, c.w - 400, c.h - 276 - 150};
    c.font = c.portrait ? 46 : 40;
    return c;
}

const char *lk_ui_screen_name(const lk_view *v)
{
    const lk_screen *s = lk_screen_for(v->state);
    return s ? s->name : "unknown";
}

/* The chrome's own buttons: language toggle always, cancel on screens that allow it. */
static int chrome_buttons(const lk_screen_ctx *c, const lk_screen *s, lk_button *out)
{
    int n = 0;
    int hh = c->portrait ? 180 : 140;
    out[n++] =
        lk_wdg_button("lang", lk_tr(c, "chrome.lang_toggle"),
                      (lk_rect){c->w - 300, 30, 270, hh - 60}, LK_INTENT_LANG, 0, LK_BTN_SECONDARY);
    if (s->cancel) {
        int fh = c->portrait ? 200 : 150;
        out[n++] = lk_wdg_button("cancel", lk_tr(c, "chrome.cancel"),
                                 (lk_rect){40, c->h - fh + 25, 360, fh - 50}, LK_INTENT_CANCEL, 0,
                                 LK_BTN_SECONDARY);
    }
    return n;
}

static int all_buttons(lk_ui *ui, const lk_view *v, lk_screen_ctx *c, lk_button *out, int max)
{
    const lk_screen *s = lk_screen_for(v->state);
    *c = make_ctx(ui, v);
    if (!s)
        return 0;
    int n = chrome_buttons(c, s, out);
    if (s->buttons)
        n += s->buttons(c, out + n, max - n);
    return n;
}

static void draw_button(const lk_screen_ctx *c, const lk_button *b)
{
    int fs = b->style == LK_BTN_KEY ? (c->portrait ? 48 : 40) : (c->portrait ? 50 : 44);
    if (b->font)
        fs = b->font;
    uint32_t bg = LK_COL_ACTION, fg = LK_COL_ON_ACT;
    if (b->style != LK_BTN_PRIMARY) {
        bg = b->style == LK_BTN_CHECK_ON ? 0xE3F0E3u : LK_COL_PANEL;
        fg = LK_COL_TEXT;
    }
    c->d->ops->fill(c->d, b->r, bg);
    c->d->ops->outline(c->d, b->r, 4, b->style == LK_BTN_PRIMARY ? LK_COL_ACTION : LK_COL_HEADER);
    lk_rect in = {b->r.x + 24, b->r.y + 6, b->r.w - 48, b->r.h - 12};
    if (b->style == LK_BTN_CHECK_OFF || b->style == LK_BTN_CHECK_ON) {
        lk_rect box = {b->r.x + 24, b->r.y + (b->r.h - 64) / 2, 64, 64};
        c->d->ops->outline(c->d, box, 6, LK_COL_TEXT);
        if (b->style == LK_BTN_CHECK_ON)
            c->d->ops->fill(c->d, (lk_rect){box.x + 14, box.y + 14, 36, 36}, LK_COL_OK);
        in.x += 90;
        in.w -= 90;
        c->d->ops->text(c->d, b->label, in, fs * 4 / 5, fg, LK_TEXT_VCENTER);
        return;
    }
    if (b->sub) {
        int h = c->d->ops->text(c->d, b->label, (lk_rect){in.x, in.y, in.w, fs * 3 / 2}, fs, fg,
                                LK_TEXT_BOLD);
        c->d->ops->text(c->d, b->sub, (lk_rect){in.x, in.y + h, in.w, in.h - h}, fs * 2 / 3, fg,
                        LK_TEXT_LEFT);
        return;
    }
    c->d->ops->text(c->d, b->label, in, fs, fg, LK_TEXT_CENTER | LK_TEXT_BOLD);
}

/* Labels as large as one line of the narrowest cell takes (portrait: 1080 / 7 px for four
 * hanzi); a step not reached yet is an outlined dot with a dark digit (white on the grey it
 * was read at 2:1), reached ones are filled with white digits (>= 5:1 both). */
static void draw_steps(const lk_screen_ctx *c)
{
    int top = c->portrait ? 180 : 140, h = c->portrait ? 150 : 116, ds = c->portrait ? 56 : 44;
    c->d->ops->fill(c->d, (lk_rect){0, top, c->w, h}, LK_COL_PANEL);
    int cw = c->w / LK_VIEW_STEPS, fs = c->portrait ? 34 : 36;
    for (int i = 1; i <= LK_VIEW_STEPS; i++) {
        int cur = c->v->step == i, past = c->v->step > i;
        lk_rect dot = {cw * (i - 1) + cw / 2 - ds / 2, top + 8, ds, ds};
        if (cur || past)
            c->d->ops->fill(c->d, dot, cur ? LK_COL_ACTION : LK_COL_OK);
        else {
            c->d->ops->fill(c->d, dot, LK_COL_BG);
            c->d->ops->outline(c->d, dot, 3, LK_COL_MUTED);
        }
        char num[4];
        snprintf(num, sizeof num, "%d", i);
        c->d->ops->text(c->d, num, dot, ds * 3 / 5, cur || past ? 0xFFFFFFu : LK_COL_MUTED,
                        LK_TEXT_CENTER | LK_TEXT_BOLD);
        char key[16];
        snprintf(key, sizeof key, "step.%d", i);
        c->d->ops->text(
            c->d, lk_tr(c, key), (lk_rect){cw * (i - 1) + 2, top + ds + 10, cw - 4, h - ds - 10},
            fs, cur ? LK_COL_ACTION : LK_COL_TEXT, LK_TEXT_CENTER | (cur ? LK_TEXT_BOLD : 0));
    }
}

/* Where customer screens show their steps, diagnostics pages say what mode this is: the
 * customer's steps mean nothing to a technician. */
static void draw_service_band(const lk_screen_ctx *c)
{
    int top = c->portrait ? 180 : 140, h = c->portrait ? 150 : 116;
    c->d->ops->fill(c->d, (lk_rect){0, top, c->w, h}, LK_COL_PANEL);
    c->d->ops->text(c->d, lk_tr(c, "diag.band"), (lk_rect){40, top, c->w - 80, h},
                    c->portrait ? 40 : 36, LK_COL_MUTED, LK_TEXT_CENTER | LK_TEXT_BOLD);
}

static void draw_chrome(const lk_screen_ctx *c, const lk_screen *s)
{
    int hh = c->portrait ? 180 : 140;
    c->d->ops->fill(c->d, (lk_rect){0, 0, c->w, hh}, LK_COL_HEADER);
    c->d->ops->text(c->d, lk_tr(c, s->title_key), (lk_rect){40, 20, c->w - 380, hh - 40},
                    c->portrait ? 60 : 54, 0xFFFFFFu, LK_TEXT_BOLD | LK_TEXT_CENTER);
    if (c->v->state >= LK_ST_DIAG_PIN)
        draw_service_band(c);
    else
        draw_steps(c);
    if (c->v->countdown_s >= 0) {
        char buf[128];
        int fh = c->portrait ? 200 : 150;
        lk_i18n_fmt(c->t, c->lang, "chrome.countdown", c->v->countdown_s, NULL, buf, sizeof buf);
        c->d->ops->text(c->d, buf, (lk_rect){c->w / 2 - 60, c->h - fh + 40, c->w / 2 + 20, fh - 80},
                        c->portrait ? 40 : 36, c->v->countdown_s <= 10 ? LK_COL_WARN : LK_COL_MUTED,
                        LK_TEXT_CENTER);
    }
}

static void voice(lk_ui *ui, const lk_view *v)
{
    if (ui->voiced_state == v->state && strcmp(ui->voiced_lang, v->lang) == 0)
        return;
    ui->voiced_state = v->state;
    snprintf(ui->voiced_lang, sizeof ui->voiced_lang, "%s", v->lang);
    if (!ui->voice_dir[0])
        return;
    char path[700];
    snprintf(path, sizeof path, "%s/%s/%s.wav", ui->voice_over, v->lang, lk_ui_screen_name(v));
    /* Once per screen change: the bundle's prompt where it brought one, the built-in one else. */
    if (!ui->voice_over[0] || access(path, R_OK) != 0)
        snprintf(path, sizeof path, "%s/%s/%s.wav", ui->voice_dir, v->lang, lk_ui_screen_name(v));
    ui->d->ops->play(ui->d, path);
}

static void draw(lk_ui *ui, const lk_view *v)
{
    lk_button b[LK_SCREEN_MAX_BUTTONS];
    lk_screen_ctx c;
    int n = all_buttons(ui, v, &c, b, LK_SCREEN_MAX_BUTTONS);
    const lk_screen *s = lk_screen_for(v->state);
    ui->d->ops->clear(ui->d, LK_COL_BG);
    if (s) {
        draw_chrome(&c, s);
        if (s->draw)
            s->draw(&c);
    }
    for (int i = 0; i < n; i++)
        draw_button(&c, &b[i]);
    ui->d->ops->present(ui->d);
}

static void pump(lk_ui *ui, const lk_view *v, int *quit)
{
    lk_input in;
    while (ui->d->ops->poll(ui->d, &in) == 1) {
        if (in.type == LK_INPUT_QUIT)
            *quit = 1;
        else if (in.type == LK_INPUT_TAP)
            (void)lk_ui_tap(ui, v, in.x, in.y);
        else if (in.type == LK_INPUT_TEXT)
            ui->post(ui->post_ctx, LK_INTENT_TYPE, 0, in.text);
        else if (in.type == LK_INPUT_ERASE)
            ui->post(ui->post_ctx, LK_INTENT_ERASE, 0, NULL);
    }
}

/* Once the session is over (its end, staff or no-license screen, or attract), the display
 * forgets every picture and text it drew for this person, before the next frame. */
static void forget_person(lk_ui *ui, const lk_view *v)
{
    int over = v->state == LK_ST_ATTRACT || v->state == LK_ST_NO_LICENSE ||
               v->state == LK_ST_STAFF || v->state >= LK_ST_ENDED;
    if (over && ui->personal)
        ui->d->ops->forget(ui->d);
    ui->personal = !over;
}

int lk_ui_frame(lk_ui *ui, const lk_view *v)
{
    int quit = 0;
    pump(ui, v, &quit);
    if (quit)
        return -1;
    if (v->state != LK_ST_CHOOSE)
        ui->page = 0;
    forget_person(ui, v);
    voice(ui, v);
    int cam = v->state == LK_ST_FACE && v->frame_gen != ui->drawn_frame_gen;
    if (ui->drawn_once && v->gen == ui->drawn_gen && !cam)
        return 0;
    draw(ui, v);
    ui->drawn_once = 1;
    ui->drawn_gen = v->gen;
    ui->drawn_frame_gen = v->frame_gen;
    return 1;
}

/* One screen's texts into the glyph caches: draw without a display behind it. */
static void warm_view(lk_ui *ui, const lk_view *v)
{
    lk_button b[LK_SCREEN_MAX_BUTTONS];
    lk_screen_ctx c;
    int n = all_buttons(ui, v, &c, b, LK_SCREEN_MAX_BUTTONS);
    const lk_screen *s = lk_screen_for(v->state);
    if (!s)
        return;
    draw_chrome(&c, s);
    if (s->draw)
        s->draw(&c);
    for (int i = 0; i < n; i++)
        draw_button(&c, &b[i]);
}

/* Which reasons and hints a screen can show (lk_session_states): the texts that differ. */
static int shows_reason(lk_state st, lk_reason r)
{
    int none_here = r == LK_REASON_NOT_FOUND || r == LK_REASON_NOT_AUTHORISED;
    if (st == LK_ST_NO_LICENSE)
        return none_here;
    return (st == LK_ST_STAFF || st == LK_ST_ENDED) ? !none_here && r != LK_REASON_NONE
                                                    : r == LK_REASON_NONE;
}

static int shows_hint(lk_state st, lk_hint h)
{
    switch (st) {
    case LK_ST_FACE:
        return h >= LK_HINT_FACE_LOOK;
    case LK_ST_CONSENT:
        return h == LK_HINT_NONE || h == LK_HINT_CONSENT_NEEDED;
    case LK_ST_MRZ:
        return h == LK_HINT_NONE || h == LK_HINT_MRZ_INVALID || h == LK_HINT_MRZ_REJECTED;
    default:
        return h == LK_HINT_NONE;
    }
}

/* The warm-up walks every (language, screen, reason, hint, variant) in order, one view per
 * step, so it can run in slices between frames. The variants of one screen whose texts differ:
 * its reasons and hints, both documents, every printer fault; the step bar's current step and
 * the countdown's digits (all ten at once) ride along. Texts repeated across variants are
 * rasterised once (the display keys them). */
#define WARM_LANGS    2
#define WARM_STATES   (LK_ST_ENDED - LK_ST_ATTRACT + 1)
#define WARM_VARIANTS 4
#define WARM_TOTAL    (WARM_LANGS * WARM_STATES * LK_REASON_COUNT * LK_HINT_COUNT * WARM_VARIANTS)

static int variants_of(lk_state st)
{
    return st == LK_ST_TAP_CARD ? 2 : st == LK_ST_PRINTING ? 4 : 1;
}

/* Builds the view of warm-up position i; 0 when that position shows nothing new. */
static int warm_position(int i, lk_view *v)
{
    static const char *const langs[WARM_LANGS] = {"zh-CN", "en"};
    static const char *const faults[WARM_VARIANTS] = {"", "media-empty", "media-jam", "offline"};
    /* A stand-in person, never shown: a session's own texts (company names, USCCs, the masked
     * name) cannot be warmed, but drawing these opens the font sizes they use, so the first
     * frame of the license list does not open two faces (~12 ms each here). */
    static const lk_view_person nobody = {
        .name_masked = "\u5f20*",
        .lic = {{.name = "\u8425\u4e1a\u6267\u7167", .uscc = "0"}},
        .n_lic = 1};
    int k = i % WARM_VARIANTS;
    i /= WARM_VARIANTS;
    lk_hint h = (lk_hint)(i % LK_HINT_COUNT);
    i /= LK_HINT_COUNT;
    lk_reason r = (lk_reason)(i % LK_REASON_COUNT);
    i /= LK_REASON_COUNT;
    lk_state st = (lk_state)(LK_ST_ATTRACT + i % WARM_STATES);
    const char *lang = langs[i / WARM_STATES];
    if (k >= variants_of(st) || !shows_reason(st, r) || !shows_hint(st, h))
        return 0;
    *v = (lk_view){.state = st,
                   .step = st % (LK_VIEW_STEPS + 1),
                   .countdown_s = 1234567890,
                   .role_agent = -1,
                   .selected = -1,
                   .face_max = 3,
                   .copy_total = 1,
                   .person = &nobody,
                   .reason = r,
                   .hint = h,
                   .doc = st == LK_ST_TAP_CARD && k ? LK_DOC_PASSPORT : LK_DOC_RESIDENT_ID};
    v->prn_dev.status = k ? LK_DEVICE_FAULT : LK_DEVICE_NORMAL;
    snprintf(v->prn_dev.reason, sizeof v->prn_dev.reason, "%s", faults[k]);
    snprintf(v->lang, sizeof v->lang, "%s", lang);
    return 1;
}

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int lk_ui_warm_step(lk_ui *ui, unsigned budget_us)
{
    if (ui->warm_next >= WARM_TOTAL)
        return 0;
    uint64_t end = mono_us() + budget_us;
    int before = lk_i18n_missing(ui->t);
    ui->d->ops->warm(ui->d, 1);
    do {
        lk_view v;
        if (warm_position(ui->warm_next++, &v))
            warm_view(ui, &v);
    } while (ui->warm_next < WARM_TOTAL && (budget_us == 0 || mono_us() < end));
    ui->d->ops->warm(ui->d, 0);
    ui->warm_missing += lk_i18n_missing(ui->t) - before;
    return ui->warm_next < WARM_TOTAL;
}

int lk_ui_warm_left(const lk_ui *ui)
{
    return ui->warm_next < WARM_TOTAL;
}

int lk_ui_tap(lk_ui *ui, const lk_view *v, int x, int y)
{
    lk_button b[LK_SCREEN_MAX_BUTTONS];
    lk_screen_ctx c;
    int n = all_buttons(ui, v, &c, b, LK_SCREEN_MAX_BUTTONS);
    for (int i = n - 1; i >= 0; i--) /* later buttons are drawn on top */
        if (x >= b[i].r.x && x < b[i].r.x + b[i].r.w && y >= b[i].r.y && y < b[i].r.y + b[i].r.h) {
            if (b[i].intent == LK_UI_INTENT_PAGE) { /* the screen's own: no session change */
                ui->page = b[i].arg;
                ui->drawn_once = 0;
            } else
                ui->post(ui->post_ctx, b[i].intent, b[i].arg, NULL);
            return 0;
        }
    return LK_ENOENT;
}

int lk_ui_press(lk_ui *ui, const lk_view *v, const char *name)
{
    lk_button b[LK_SCREEN_MAX_BUTTONS];
    lk_screen_ctx c;
    int n = all_buttons(ui, v, &c, b, LK_SCREEN_MAX_BUTTONS);
    for (int i = 0; i < n; i++)
        if (strcmp(b[i].name, name) == 0)
            return lk_ui_tap(ui, v, b[i].r.x + b[i].r.w / 2, b[i].r.y + b[i].r.h / 2);
    return LK_ENOENT;
}

int lk_ui_has_button(lk_ui *ui, const lk_view *v, const char *name)
{
    lk_button b[LK_SCREEN_MAX_BUTTONS];
    lk_screen_ctx c;
    int n = all_buttons(ui, v, &c, b, LK_SCREEN_MAX_BUTTONS);
    for (int i = 0; i < n; i++)
        if (strcmp(b[i].name, name) == 0)
            return 1;
    return 0;
}

void lk_ui_button_names(lk_ui *ui, const lk_view *v, char *buf, size_t sz)
{
    lk_button b[LK_SCREEN_MAX_BUTTONS];
    lk_screen_ctx c;
    int n = all_buttons(ui, v, &c, b, LK_SCREEN_MAX_BUTTONS);
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && o + 1 < sz; i++)
        o += (size_t)snprintf(buf + o, sz - o, "%s%s", i ? " " : "", b[i].name);
    if (o >= sz)
        buf[sz - 1] = '\0';
}

int lk_ui_missing_strings(const lk_ui *ui)
{
    return lk_i18n_missing(ui->t) - ui->warm_missing;
}

int lk_ui_clipped_texts(const lk_ui *ui)
{
    return ui->d->ops->clipped(ui->d);
}
