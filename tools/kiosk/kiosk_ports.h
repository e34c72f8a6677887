/* kiosk_ports: the kiosk's choice of device backends, per device: simulated (drivers/sim, the
 * demo's default) or the real adapters (NFC eMRTD, SAM plug-in, lk_camera, face plug-in host,
 * CUPS + print journal). The choice comes from the command line (--devices, --reader, ...) over
 * the configuration keys kiosk.reader / kiosk.camera / kiosk.face / kiosk.printer. */
#ifndef LK_TOOLS_KIOSK_PORTS_H
#define LK_TOOLS_KIOSK_PORTS_H

#include "kiosk/lk_err.h"
#include "kiosk/lk_store.h"
#include "kiosk/port/lk_cam.h"
#include "kiosk/port/lk_docreader.h"
#include "kiosk/port/lk_facecheck.h"
#include "kiosk/port/lk_prn.h"

typedef struct kiosk_ports_opts {
    const char *devices; /* "sim" / "real" / NULL: the defaults of the per-device choices */
    const char *reader, *camera, *face, *printer; /* NULL: configuration */
    const char *db, *secret, *tpl, *print_dir;
    const char *state_dir; /* bundles/: the applied bundle's CSCA certificates and plug-in hashes */
    int fast;
} kiosk_ports_opts;

typedef struct kiosk_ports {
    lk_docreader *reader;
    lk_cam *camera;
    lk_facecheck *face;
    lk_prn *printer;
    /* which of them are the simulated ones (the script steers only those) */
    int sim_reader, sim_face, sim_printer;
} kiosk_ports;

int kiosk_ports_make(lk_store *st, const kiosk_ports_opts *o, kiosk_ports *out, lk_err *err);

/* Sends one line to pn532-sim's control socket and checks its "ok" reply. */
int kiosk_pn532_command(const char *socket_path, const char *line, lk_err *err);

#endif
