/* lk_render_proc: one PDF rendered in a short-lived helper process (lk-render-helper), so what
 * embedding the CJK faces costs (cairo copies each face's CFF table, pango and fontconfig keep
 * their caches: ~30 MB at the peak) is given back to the system when the copy is done, and a
 * crash or hang in cairo/pango/FreeType costs that print, never the printing process. The
 * record goes to the helper's stdin as JSON, the PDF comes back on its stdout. */
#ifndef LK_KIOSK_LK_RENDER_PROC_H
#define LK_KIOSK_LK_RENDER_PROC_H

#include "kiosk/lk_err.h"
#include "kiosk/lk_record.h"
#include "kiosk/lk_render.h"

/* The helper: $LK_RENDER_HELPER, else the one built with this library. NULL when there is
 * none to run (then callers render in-process). */
const char *lk_render_helper_path(void);

/* Renders rec with the template at template_path into out (zeroed by the caller, who frees
 * out->p) through the helper at `helper`, killed after timeout_ms. Returns 0, the renderer's
 * own codes as lk_render_pdf_stream (LK_EINVAL, LK_ENOSPC, ...) when it refused the record,
 * LK_ETIMEDOUT, or LK_EIO when it could not start or crashed. */
int lk_render_pdf_proc(const char *helper, const char *template_path, const lk_record *rec,
                       const lk_render_opts *opts, int timeout_ms, lk_render_buf *out, lk_err *err);

#endif
