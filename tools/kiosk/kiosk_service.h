/* kiosk_service: the kiosk's wiring of diagnostics mode (part of the composition root): the
 * pinned admin key, the probe and self-test tables, the log file (opened here, lk_log), and the
 * reader's service-card callback, whose tokens reach the loop as LK_EVT_SERVICE_CARD events. */
#ifndef LK_TOOLS_KIOSK_SERVICE_H
#define LK_TOOLS_KIOSK_SERVICE_H

#include "kiosk/lk_evt.h"
#include "kiosk/lk_service_mode.h"
#include "kiosk/lk_worker.h"
#include "kiosk/port/lk_docreader.h"
#include "kiosk_ports.h"

typedef struct kiosk_service kiosk_service;

/* db_path: the open database's path (the state folder defaults to its folder, as for
 * kioskctl: $LK_STATE_DIR, $LK_ADMIN_PUBKEY, $LK_LOG_FILE). A missing admin key is not an
 * error: every service card is then refused. */
int kiosk_service_create(lk_store *st, const char *db_path, lk_docreader *reader, lk_evtq *q,
                         kiosk_service **out, lk_err *err);
void kiosk_service_free(kiosk_service *ks);
/* Replaces the device placeholders with the probes and self-tests of the ports the kiosk runs
 * with (p), the blocking ones on w. Free w before ks. */
int kiosk_service_use_devices(kiosk_service *ks, lk_store *st, const kiosk_ports *p, lk_workers *w);
/* Adds the voice-prompts self-test over i18n_dir's "voice.*" strings and voice_dir's WAVs,
 * after kiosk_service_use_devices. Each prompt is posted as LK_EVT_PLAY for the loop to play;
 * heard: the kiosk has a speaker (a window with audio), so the test waits out each prompt. */
void kiosk_service_use_voice(kiosk_service *ks, const char *i18n_dir, const char *voice_dir,
                             int heard);
lk_svcmode *kiosk_service_mode(kiosk_service *ks);
/* The state folder and log file it found (USB bundles apply and export with the same). */
const char *kiosk_service_state_dir(const kiosk_service *ks);
const char *kiosk_service_log_path(const kiosk_service *ks);
/* The kiosk's log (lk_log at kiosk_service_log_path; NULL when it could not be opened), for
 * the rest of the kiosk to log to. Closed by kiosk_service_free: free it last of the users. */
lk_log *kiosk_service_log(const kiosk_service *ks);
/* Also handles the PIN check's verdict from the worker the PIN is hashed on. */
/* Handles a service-card event (only when the session shows attract); 1 when e was one. */
int kiosk_service_event(kiosk_service *ks, const lk_evt *e, const lk_view *session_view);

#endif
