/* lk_camera (drivers): choosing the camera backend from configuration. */
#include <string.h>

#include "lk_camera_drv.h"

int lk_camera_open(const lk_camera_cfg *cfg, lk_camera *out, lk_err *err)
{
    if (!cfg->source || !cfg->source[0] || strcmp(cfg->source, "v4l2") == 0)
        return lk_camera_v4l2_open(cfg, out, err);
    return lk_camera_file_open(cfg, out, err);
}
