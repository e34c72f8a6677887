/* lk_camera: dispatch of the camera port, and wiping of frames. */
#include "kiosk/lk_camera.h"

#include <stdlib.h>
#include <string.h>

void lk_camera_frame_wipe(lk_camera_frame *f)
{
    if (!f)
        return;
    if (f->data) {
        explicit_bzero(f->data, f->len);
        free(f->data);
    }
    memset(f, 0, sizeof *f);
}

int lk_camera_start(lk_camera *c, lk_err *err)
{
    if (!c || !c->ops)
        return lk_err_set(err, LK_ENODEV, "no camera configured");
    return c->ops->start(c->impl, err);
}

int lk_camera_fd(lk_camera *c)
{
    return c && c->ops ? c->ops->fd(c->impl) : -1;
}

int lk_camera_read(lk_camera *c, lk_camera_frame *out, lk_err *err)
{
    if (!c || !c->ops)
        return lk_err_set(err, LK_ENODEV, "no camera configured");
    memset(out, 0, sizeof *out);
    return c->ops->read(c->impl, out, err);
}

void lk_camera_stop(lk_camera *c)
{
    if (c && c->ops)
        c->ops->stop(c->impl);
}

void lk_camera_close(lk_camera *c)
{
    if (c && c->ops)
        c->ops->close(c->impl);
    if (c)
        memset(c, 0, sizeof *c);
}
