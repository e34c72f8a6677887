/* cmd_face: `kioskctl face verify`, one person-to-ID comparison through a face plug-in in its
 * isolated worker, judged by the configured policy (threshold, liveness) and audited. Images
 * are passed to the plug-in as their file bytes (JPEG/PNG) and wiped after. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kctl.h"
#include "kctl_admin.h"
#include "kiosk/lk_bundle.h"
#include "kiosk/lk_face_policy.h"
#include "lk_face_plugin.h"

#define FACE_USAGE                                                                                 \
    "face verify --plugin SO [--config STR] --id-photo FILE --live FILE [--live FILE...]"
#define MAX_LIVE  LK_FACE_MAX_LIVE
#define MAX_IMAGE (32u << 20)

typedef struct face_args {
    const char *plugin, *config, *id_photo;
    const char *live[MAX_LIVE];
    size_t n_live;
} face_args;

/* Reads a whole file into an ENCODED image; the caller wipes it with free_image. */
static int load_image(const char *path, lk_face_image *im)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        kctl_error("face verify: cannot open %s", path);
        if (f)
            fclose(f);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    uint8_t *buf = size && size <= MAX_IMAGE ? malloc(size) : NULL;
    size_t n = buf ? fread(buf, 1, size, f) : 0;
    fclose(f);
    if (!buf || n != size) {
        kctl_error("face verify: %s is empty, unreadable or larger than 32 MiB", path);
        free(buf);
        return -1;
    }
    *im = (lk_face_image){.format = LK_FACE_IMAGE_ENCODED, .data = buf, .len = n};
    return 0;
}

static void free_image(lk_face_image *im)
{
    if (im->data) {
        explicit_bzero((void *)im->data, im->len);
        free((void *)im->data);
    }
    memset(im, 0, sizeof *im);
}

static int parse(int argc, char **argv, face_args *a)
{
    if (argc < 2 || strcmp(argv[1], "verify") != 0)
        return -1;
    for (int i = 2; i < argc; i += 2) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return -1;
        if (strcmp(argv[i], "--plugin") == 0)
            a->plugin = v;
        else if (strcmp(argv[i], "--config") == 0)
            a->config = v;
        else if (strcmp(argv[i], "--id-photo") == 0)
            a->id_photo = v;
        else if (strcmp(argv[i], "--live") == 0 && a->n_live < MAX_LIVE)
            a->live[a->n_live++] = v;
        else
            return -1;
    }
    return a->plugin && a->id_photo && a->n_live ? 0 : -1;
}

static void print_error(const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", msg);
    kctl_print_json(o);
}

static const char *liveness_name(lk_face_liveness l)
{
    return l == LK_FACE_LIVE_PASS ? "pass" : l == LK_FACE_LIVE_FAIL ? "fail" : "not-checked";
}

static void print_result(const lk_face_check *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "match", c->outcome == LK_FACE_OUTCOME_MATCH);
    cJSON_AddStringToObject(o, "outcome", lk_face_outcome_name(c->outcome));
    cJSON_AddNumberToObject(o, "score", c->score.score);
    cJSON_AddNumberToObject(o, "threshold", c->threshold);
    cJSON_AddNumberToObject(o, "vendor_threshold", c->score.vendor_threshold);
    cJSON_AddStringToObject(o, "liveness", liveness_name(c->score.liveness));
    cJSON_AddNumberToObject(o, "quality", c->score.quality);
    cJSON_AddNumberToObject(o, "best_frame", c->score.best_frame);
    cJSON *p = cJSON_AddObjectToObject(o, "plugin");
    cJSON_AddStringToObject(p, "name", c->matcher.name);
    cJSON_AddStringToObject(p, "vendor", c->matcher.vendor);
    cJSON_AddStringToObject(p, "version", c->matcher.version);
    char abi[24];
    snprintf(abi, sizeof abi, "%u.%u", c->matcher.abi_major, c->matcher.abi_minor);
    cJSON_AddStringToObject(p, "abi", abi);
    kctl_print_json(o);
}

static int run(lk_store *st, kctl *k, const face_args *a, lk_face_image *id, lk_face_image *live)
{
    lk_face_policy policy;
    lk_err err = {0};
    if (lk_face_policy_load(st, &policy, &err) != 0) {
        print_error(err.msg);
        return KCTL_FAIL;
    }
    snprintf(policy.plugin, sizeof policy.plugin, "%s", a->plugin);
    char state[900];
    kctl_bundle_state_dir(k, state, sizeof state);
    /* The same allow-list as the kiosk: an applied bundle's plugins.json binds --plugin too. */
    if (lk_bundle_plugin_allow(st, state, policy.plugin_allow, sizeof policy.plugin_allow, &err) !=
        0) {
        print_error(err.msg);
        return KCTL_FAIL;
    }
    if (a->config)
        snprintf(policy.plugin_config, sizeof policy.plugin_config, "%s", a->config);
    lk_face_matcher m = {0};
    if (lk_face_plugin_open_policy(&policy, &m, &err) != 0) {
        print_error(err.msg);
        return KCTL_FAIL;
    }
    lk_face_check c;
    lk_face_check_begin(&c, &policy);
    lk_face_check_attempt(&c, &m, id, live, a->n_live);
    lk_face_close(&m);
    lk_face_check_audit(st, &c, k->actor, NULL);
    if (c.outcome == LK_FACE_OUTCOME_ERROR) {
        print_error(c.err.msg);
        return KCTL_FAIL;
    }
    print_result(&c);
    return KCTL_OK;
}

int kctl_cmd_face(kctl *k, int argc, char **argv)
{
    face_args a = {0};
    if (parse(argc, argv, &a) != 0)
        return kctl_usage(FACE_USAGE);
    lk_face_image id = {0}, live[MAX_LIVE] = {0};
    int rc = load_image(a.id_photo, &id) == 0 ? KCTL_OK : KCTL_FAIL;
    for (size_t i = 0; rc == KCTL_OK && i < a.n_live; i++)
        rc = load_image(a.live[i], &live[i]) == 0 ? KCTL_OK : KCTL_FAIL;
    lk_store *st = rc == KCTL_OK ? kctl_open_store(k) : NULL;
    if (st) {
        rc = run(st, k, &a, &id, live);
        lk_store_close(st);
    } else {
        rc = KCTL_FAIL;
    }
    free_image(&id);
    for (size_t i = 0; i < a.n_live; i++)
        free_image(&live[i]);
    return rc;
}
