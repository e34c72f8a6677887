/* lk_diag_voice: the `voice-prompts` self-test — every spoken prompt the kiosk has ("voice.*"
 * strings of assets/i18n/<lang>.json, one WAV per screen and language made by tools/make-voice)
 * is there, is a PCM WAV the kiosk can play, and, where the kiosk has a speaker, is played in
 * turn so the technician hears each one. Also the WAV header check it rests on, which any
 * WAV (a bundle may bring assets) goes through before it is trusted. */
#ifndef LK_KIOSK_LK_DIAG_VOICE_H
#define LK_KIOSK_LK_DIAG_VOICE_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/lk_diag.h"
#include "kiosk/lk_err.h"
#include "kiosk/lk_wav.h"

/* Plays one prompt; returns 1 when it is heard (the test then waits its duration), 0 when
 * there is nothing to hear it on. Called from the self-test's thread (a worker in the kiosk:
 * hand the path to the UI thread). */
typedef int (*lk_diag_play_fn)(void *ctx, const char *wav_path);

typedef struct lk_diag_voice {
    char i18n_dir[512];   /* assets/i18n */
    char voice_dir[512];  /* <voice_dir>/<lang>/<screen>.wav */
    lk_diag_play_fn play; /* NULL: check only (kioskctl) */
    void *play_ctx;
} lk_diag_voice;

/* The self-test over v (which must outlive it); blocking (file reads, and the playing). */
lk_diag_selftest lk_diag_voice_selftest(const lk_diag_voice *v);

#endif
