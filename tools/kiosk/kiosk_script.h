/* kiosk_script: the headless script the kiosk plays (format in README, "Script format"): one
 * action per line, run one after another on the loop thread; waits and sleeps hold the script
 * while the kiosk keeps running. Part of the composition root: it drives the UI by button
 * name or coordinates and the simulated devices directly. */
#ifndef LK_TOOLS_KIOSK_SCRIPT_H
#define LK_TOOLS_KIOSK_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_session.h"
#include "ui/lk_ui.h"

typedef struct kiosk_script kiosk_script;

/* What actions act on. */
typedef struct kiosk_script_env {
    lk_ui *ui;
    lk_disp *disp; /* `mouse` / `finger`: real input events through the display's own queue */
    lk_session *s;
    lk_docreader *reader;                     /* the simulated reader, or NULL */
    lk_facecheck *face;                       /* the simulated face matcher, or NULL */
    lk_prn *printer;                          /* the simulated printer, or NULL */
    int (*shot)(void *ctx, const char *name); /* an explicit screenshot */
    /* With a real reader (reader NULL): `reader` actions go to pn532-sim as control lines
     * ("insert FILE", "remove", "remove after N", "delay MS"). NULL: reader actions fail. */
    int (*reader_cmd)(void *ctx, const char *line, lk_err *err);
    /* `usb arrive|leave [VID:PID]`: a USB mass-storage event as the adapter reports it. */
    int (*usb_cmd)(void *ctx, const char *args, lk_err *err);
    /* The view on screen and where typed text goes (diagnostics or the session); NULL: the
     * session's. */
    const lk_view *(*view)(void *ctx);
    void (*post)(void *ctx, lk_intent intent, int arg, const char *text);
    void *ctx;
} kiosk_script_env;

/* Parses the file (unknown actions and bad arguments are refused with FILE:LINE). */
int kiosk_script_load(const char *path, kiosk_script **out, lk_err *err);
/* Appends one line (commands arriving on a control channel). */
int kiosk_script_add(kiosk_script *sc, const char *line, lk_err *err);
void kiosk_script_free(kiosk_script *sc);

/* Runs actions until one must wait or changed the screen. Returns 1 while more remain, 0 when
 * done, or a negative code when an action failed (err says which line and why). */
int kiosk_script_step(kiosk_script *sc, const kiosk_script_env *env, uint64_t now_ms, lk_err *err);

/* What a screen is called in screenshots and `wait`: the screen name, then the reason (end and
 * staff screens), hint, "loading" (preview), printer fault, bundle outcome ("applied",
 * "refused") or PIN check ("checking", "wrong") when there is one, then the language:
 * "ended-timeout-zh-CN", "printing-media-empty-en", "diag_bundle-refused-en". */
void kiosk_script_key(const lk_view *v, char *buf, size_t n);

#endif
