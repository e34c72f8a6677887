/* kiosk_ports: reads the backend choice and the device settings, and builds each port. */
#include "kiosk_ports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kiosk/lk_bundle.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_face_policy.h"
#include "kiosk/lk_registry.h"
#include "kiosk/port/lk_docreader_pair.h"
#include "lk_cam_camera.h"
#include "lk_docreader_nfc.h"
#include "lk_docreader_sam.h"
#include "lk_facecheck_plugin.h"
#include "lk_prn_journal.h"
#include "lk_sim.h"

/* A choice: flag, else --devices real gives `real`, else the configuration key. */
static void choose(lk_store *st, const char *flag, const char *devices, const char *key,
                   const char *real, char *out, size_t n)
{
    char *v = NULL;
    if (flag)
        snprintf(out, n, "%s", flag);
    else if (devices && strcmp(devices, "real") == 0)
        snprintf(out, n, "%s", real);
    else if (devices && strcmp(devices, "sim") == 0)
        snprintf(out, n, "sim");
    else if (lk_config_get(st, key, &v, NULL, NULL) == 0)
        snprintf(out, n, "%s", v);
    else
        snprintf(out, n, "sim");
    free(v);
}

static void cfg_str(lk_store *st, const char *key, char *out, size_t n)
{
    char *v = NULL;
    out[0] = '\0';
    if (lk_config_get(st, key, &v, NULL, NULL) == 0)
        snprintf(out, n, "%s", v);
    free(v);
}

static long long cfg_int(lk_store *st, const char *key, long long dflt)
{
    long long v = dflt;
    (void)lk_config_get_int(st, key, &v, NULL);
    return v;
}

static int make_sam(lk_store *st, const kiosk_ports_opts *o, lk_docreader **out, lk_err *err)
{
    char so[512], conf[512], allow[LK_BUNDLE_ALLOW_MAX];
    cfg_str(st, "idreader.plugin", so, sizeof so);
    cfg_str(st, "idreader.plugin_config", conf, sizeof conf);
    int rc = lk_bundle_plugin_allow(st, o->state_dir, allow, sizeof allow, err);
    lk_idreader_plugin_cfg c = {.plugin_path = so, .config = conf, .allow_sha256 = allow};
    return rc != 0 ? rc : lk_docreader_sam_create(&c, out, err);
}

/* The trust list: the applied bundle's csca/ when it carries certificates, else
 * emrtd.csca_dir (lk_bundle_csca_dir). */
static int make_nfc(lk_store *st, const kiosk_ports_opts *o, lk_docreader **out, lk_err *err)
{
    char dev[256], conf[512], csca[1100], pa[16];
    cfg_str(st, "nfc.device", dev, sizeof dev);
    cfg_str(st, "emrtd.csca_dir", conf, sizeof conf);
    cfg_str(st, "emrtd.require_passive_auth", pa, sizeof pa);
    int rc = lk_bundle_csca_dir(st, o->state_dir, conf, csca, sizeof csca, err);
    if (rc != 0)
        return rc;
    lk_docreader_nfc_cfg c = {
        .connstring = dev, .require_pa = strcmp(pa, "false") != 0, .csca_dir = csca};
    return lk_docreader_nfc_create(&c, out, err);
}

/* A lobby kiosk has both readers: resident ID cards on the SAM reader, passports and travel
 * permits on the NFC reader, behind one port. */
static int make_both(lk_store *st, const kiosk_ports_opts *o, lk_docreader **out, lk_err *err)
{
    lk_docreader *sam = NULL, *nfc = NULL;
    int rc = make_sam(st, o, &sam, err);
    if (rc == 0)
        rc = make_nfc(st, o, &nfc, err);
    if (rc == 0)
        rc = lk_docreader_pair_create(sam, nfc, out, err);
    if (rc != 0) {
        if (nfc)
            nfc->ops->close(nfc);
        if (sam)
            sam->ops->close(sam);
    }
    return rc;
}

static int make_reader(lk_store *st, const kiosk_ports_opts *o, const char *which, kiosk_ports *p,
                       lk_err *err)
{
    if (strcmp(which, "sim") == 0) {
        p->sim_reader = 1;
        return lk_idr_sim_create(&p->reader, err);
    }
    if (strcmp(which, "sam") == 0)
        return make_sam(st, o, &p->reader, err);
    if (strcmp(which, "nfc") == 0)
        return make_nfc(st, o, &p->reader, err);
    if (strcmp(which, "both") == 0)
        return make_both(st, o, &p->reader, err);
    return lk_err_set(err, LK_EINVAL, "reader backend %s: sim, nfc, sam or both", which);
}

static int make_camera(lk_store *st, const char *which, int fast, kiosk_ports *p, lk_err *err)
{
    if (strcmp(which, "sim") == 0)
        return lk_cam_sim_create(fast ? 1000 : 30, &p->camera, err);
    if (strcmp(which, "file") != 0 && strcmp(which, "v4l2") != 0)
        return lk_err_set(err, LK_EINVAL, "camera backend %s: sim, file or v4l2", which);
    char src[512], dev[256];
    cfg_str(st, "camera.source", src, sizeof src);
    cfg_str(st, "camera.device", dev, sizeof dev);
    if (strcmp(which, "v4l2") == 0)
        snprintf(src, sizeof src, "v4l2");
    else if (strcmp(src, "v4l2") == 0)
        return lk_err_set(err, LK_ECONFIG,
                          "kiosk.camera=file needs camera.source (a folder or file)");
    lk_camera_cfg c = {.source = src,
                       .device = dev,
                       .width = (uint32_t)cfg_int(st, "camera.width", 640),
                       .height = (uint32_t)cfg_int(st, "camera.height", 480),
                       .fps = (uint32_t)cfg_int(st, "camera.fps", 15)};
    return lk_cam_camera_create(&c, &p->camera, err);
}

static int make_face(lk_store *st, const kiosk_ports_opts *o, const char *which, kiosk_ports *p,
                     lk_err *err)
{
    if (strcmp(which, "sim") == 0) {
        p->sim_face = 1;
        return lk_face_sim_create(&p->face, err);
    }
    if (strcmp(which, "plugin") != 0)
        return lk_err_set(err, LK_EINVAL, "face backend %s: sim or plugin", which);
    lk_face_policy pol;
    int rc = lk_face_policy_load(st, &pol, err);
    if (rc == 0) /* a signed bundle's face.plugin may name only a .so its plugins.json lists */
        rc = lk_bundle_plugin_allow(st, o->state_dir, pol.plugin_allow, sizeof pol.plugin_allow,
                                    err);
    return rc != 0 ? rc : lk_facecheck_plugin_create(&pol, &p->face, err);
}

static int make_printer(lk_store *st, const kiosk_ports_opts *o, const char *which, kiosk_ports *p,
                        lk_err *err)
{
    if (strcmp(which, "sim") == 0) {
        p->sim_printer = 1;
        return lk_prn_sim_create(o->tpl, o->print_dir, &p->printer, err);
    }
    if (strcmp(which, "cups") != 0)
        return lk_err_set(err, LK_EINVAL, "printer backend %s: sim or cups", which);
    char name[128];
    const char *env = getenv("LK_PRINTER");
    if (env && *env)
        snprintf(name, sizeof name, "%s", env);
    else
        cfg_str(st, "printer.name", name, sizeof name);
    lk_prn_journal_cfg c = {.db_path = lk_store_pick_path(o->db, getenv("LK_DB")),
                            .secret_path = o->secret ? o->secret : getenv("LK_SECRET_FILE"),
                            .printer = name,
                            .template_path = o->tpl,
                            .deadline_s = (int)cfg_int(st, "printer.job_deadline_s", 300),
                            .hooks = lk_registry_journal_hooks()};
    return lk_prn_journal_create(&c, &p->printer, err);
}

int kiosk_ports_make(lk_store *st, const kiosk_ports_opts *o, kiosk_ports *out, lk_err *err)
{
    char r[16], c[16], f[16], pr[16];
    memset(out, 0, sizeof *out);
    /* Real devices: both readers when a SAM plug-in is configured, else the NFC reader. */
    char sam[512];
    cfg_str(st, "idreader.plugin", sam, sizeof sam);
    choose(st, o->reader, o->devices, "kiosk.reader", sam[0] ? "both" : "nfc", r, sizeof r);
    choose(st, o->camera, o->devices, "kiosk.camera", "file", c, sizeof c);
    choose(st, o->face, o->devices, "kiosk.face", "plugin", f, sizeof f);
    choose(st, o->printer, o->devices, "kiosk.printer", "cups", pr, sizeof pr);
    int rc = make_reader(st, o, r, out, err);
    if (rc == 0)
        rc = make_camera(st, c, o->fast, out, err);
    if (rc == 0)
        rc = make_face(st, o, f, out, err);
    if (rc == 0)
        rc = make_printer(st, o, pr, out, err);
    return rc;
}

int kiosk_pn532_command(const char *socket_path, const char *line, lk_err *err)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (!socket_path || strlen(socket_path) >= sizeof a.sun_path)
        return lk_err_set(err, LK_EINVAL, "reader: no pn532-sim control socket (--pn532-control)");
    snprintf(a.sun_path, sizeof a.sun_path, "%s", socket_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return lk_err_set(err, LK_EIO, "reader: cannot reach pn532-sim at %s", socket_path);
    }
    char buf[256];
    size_t n = 0;
    int rc = dprintf(fd, "%s\n", line) < 0 ? LK_EIO : 0;
    while (rc == 0 && n < sizeof buf - 1) {
        ssize_t k = read(fd, buf + n, 1);
        if (k <= 0 || buf[n] == '\n')
            break;
        n += (size_t)k;
    }
    buf[n] = '\0';
    close(fd);
    if (rc == 0 && strncmp(buf, "ok", 2) != 0)
        rc = lk_err_set(err, LK_EIO, "pn532-sim: %s: %s", line, buf[0] ? buf : "no reply");
    return rc;
}
