/* lk_sim: simulated backends for every kiosk port (identity reader, camera, face verify,
 * printer), for the demo, development and tests. Each constructor returns the port handle;
 * the extra functions here are the "script" controls a test or the kiosk's --script uses to
 * make the device behave (insert a card, run out of paper, fail a face check). Controls are
 * thread-safe. */
#ifndef LK_DRIVERS_SIM_LK_SIM_H
#define LK_DRIVERS_SIM_LK_SIM_H

#include "kiosk/port/lk_cam.h"
#include "kiosk/port/lk_facecheck.h"
#include "kiosk/port/lk_docreader.h"
#include "kiosk/port/lk_prn.h"

/* Identity reader. A card file is JSON: {"doc_type":"resident_id"|"passport","number":..,
 * "name":..,"face":"<who is pictured>"} plus, for passports, "birth" and "expiry" (YYMMDD):
 * BAC succeeds only when the MRZ keys entered match number/birth/expiry. */
int lk_idr_sim_create(lk_docreader **out, lk_err *err);
int lk_idr_sim_insert(lk_docreader *r, const char *card_file, lk_err *err);
void lk_idr_sim_remove(lk_docreader *r);
/* Presents a service card whose token bytes are in token_file (`kioskctl service-card make`)
 * to the watch_service callback. */
int lk_idr_sim_service(lk_docreader *r, const char *token_file, lk_err *err);
/* Time each of the read's five steps takes (default 0: instant). */
void lk_idr_sim_set_delay(lk_docreader *r, int ms_per_step);

/* Camera: synthetic 320x240 RGB frames at fps (a face-like shape drifting on a gradient). */
int lk_cam_sim_create(int fps, lk_cam **out, lk_err *err);

/* Face verify. Mode "pass" (default), "fail" (live but no match), "notlive", "noface", or
 * "error" (the call fails as a crashed plug-in would). The photo must be a sim photo. */
int lk_face_sim_create(lk_facecheck **out, lk_err *err);
int lk_face_sim_set_mode(lk_facecheck *f, const char *mode);

/* Printer: renders each copy with lk_render into out_dir (printed.pdf, printed-2.pdf, ...).
 * A fault ("media-empty", "media-jam", "offline"; NULL clears) stops the next job: it waits
 * hold_ms for the fault to clear, then fails. "uncertain" makes jobs end LK_PRN_UNCERTAIN. */
int lk_prn_sim_create(const char *template_path, const char *out_dir, lk_prn **out, lk_err *err);
int lk_prn_sim_set_fault(lk_prn *p, const char *reason);
void lk_prn_sim_set_hold(lk_prn *p, int hold_ms);
void lk_prn_sim_set_delay(lk_prn *p, int ms);
/* How many copies were printed (completed) so far. */
int lk_prn_sim_printed(lk_prn *p);

#endif
