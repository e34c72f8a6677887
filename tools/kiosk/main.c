/* kiosk: the composition root of the touchscreen application, and the only file that sees
 * firmware, drivers and ui together. It opens the store, builds the ports (today the simulated
 * backends; the real adapters plug in here), the loop, workers, session and UI, and runs them:
 * in a window, or headless under SDL's offscreen driver playing a script and saving a PNG of
 * every screen it reaches. Usage: kiosk --help. */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kiosk/lk_bundle.h"
#include "kiosk/lk_config.h"
#include "kiosk/lk_session.h"
#include "kiosk_ports.h"
#include "kiosk_registry.h"
#include "kiosk_script.h"
#include "kiosk_service.h"
#include "kiosk_usb.h"
#include "lk_sim.h"
#include "ui/lk_ui.h"

#define MAX_FRAMES_STAT 100000
#define WARM_SLICE_US   4000 /* of the 16 ms between frames */

typedef struct opts {
    const char *db, *secret, *script, *shots, *print_dir, *assets, *voice, *tpl, *lang,
        *orientation, *stats, *auto_card;
    /* backends: --devices sim|real, per device --reader/--camera/--face/--printer; the
     * pn532-sim control socket for script `reader` actions with the NFC reader */
    const char *devices, *reader, *camera, *face, *printer, *pn532;
    int headless, fast, control, strict, stay, window;
} opts;

typedef struct app {
    opts o;
    lk_store *st;
    lk_loop *loop;
    lk_evtq *q;
    lk_workers *w;
    lk_docreader *idr;
    lk_cam *cam;
    lk_facecheck *face;
    lk_prn *prn;
    kiosk_ports ports;
    lk_template *tpl;
    lk_renderer *r;
    pthread_mutex_t render_mu;
    lk_session *s;
    /* live lookup + background sync; NULL without registry.url */
    kiosk_registry *reg;
    kiosk_service *svc;   /* diagnostics mode */
    kiosk_usb *usb;       /* USB arrivals -> bundles */
    char state_dir[1024]; /* bundles/, admin.pub (kiosk_usb_state_dir) */
    char tpl_path[1024];  /* the applied bundle's template, else --template */
    lk_disp *d;
    lk_ui *ui;
    kiosk_script *sc;
    int exit_code, quit, card_in, shots;
    char last_shot[96];
    char ctl_buf[2048]; /* --control: a script line not yet complete */
    size_t ctl_len;
    /* statistics */
    uint64_t t0_us, cold_us, cold_cpu_us, entered_us, session_start_us, session_us;
    int have_first;
    float first_frame_ms;
    uint64_t stage_us[LK_ST_COUNT];
    lk_state seen;
    float *frame_ms, *steady_ms; /* every drawn frame; those that are not a screen's first */
    float *frame_cpu_ms;         /* every drawn frame's CPU time on the loop thread */
    float *draw_ms;              /* lk_ui_frame alone, for every drawn frame */
    size_t n_frames, n_steady;
    /* loop busy time and loop-thread CPU at the previous frame tick: a frame costs all the
     * loop ran since (events, session, camera frames, script, warm-up slices) plus its draw */
    uint64_t busy_mark, cpu_mark;
    char helper_stats[512]; /* --stats: lk-render-helper's peak RSS lines (kB), one per PDF */
    lk_state drawn_state;
} app;

static void usage(FILE *f)
{
    fprintf(f, "usage: kiosk [--headless | --window] [--script FILE] [--shots DIR] [--db PATH] "
               "[--secret PATH]\n"
               "             [--print-dir DIR] [--assets DIR] [--voice DIR] [--template FILE]\n"
               "             [--lang zh-CN|en] [--orientation portrait|landscape] [--fast]\n"
               "             [--stats FILE|-] [--control] [--auto-card FILE] [--strict] [--stay]\n"
               "             [--devices sim|real] [--reader sim|nfc|sam|both]\n"
               "             [--camera sim|file|v4l2] [--face sim|plugin] [--printer sim|cups]\n"
               "             [--pn532-control SOCKET]\n");
}

static int parse_opts(int argc, char **argv, opts *o)
{
    static const struct option lo[] = {{"headless", no_argument, 0, 'H'},
                                       {"window", no_argument, 0, 'W'},
                                       {"script", required_argument, 0, 's'},
                                       {"shots", required_argument, 0, 'S'},
                                       {"db", required_argument, 0, 'd'},
                                       {"secret", required_argument, 0, 'k'},
                                       {"print-dir", required_argument, 0, 'p'},
                                       {"assets", required_argument, 0, 'a'},
                                       {"voice", required_argument, 0, 'v'},
                                       {"template", required_argument, 0, 't'},
                                       {"lang", required_argument, 0, 'l'},
                                       {"orientation", required_argument, 0, 'o'},
                                       {"fast", no_argument, 0, 'f'},
                                       {"stats", required_argument, 0, 'j'},
                                       {"control", no_argument, 0, 'c'},
                                       {"auto-card", required_argument, 0, 'C'},
                                       {"strict", no_argument, 0, 'x'},
                                       {"stay", no_argument, 0, 'y'},
                                       {"devices", required_argument, 0, 'D'},
                                       {"reader", required_argument, 0, 'R'},
                                       {"camera", required_argument, 0, 'M'},
                                       {"face", required_argument, 0, 'F'},
                                       {"printer", required_argument, 0, 'P'},
                                       {"pn532-control", required_argument, 0, 'N'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    *o = (opts){.assets = LK_ASSETS_DIR,
                .voice = LK_VOICE_DIR,
                .tpl = LK_TEMPLATE_DEFAULT,
                .print_dir = "."};
    for (int c; (c = getopt_long(argc, argv, "", lo, NULL)) != -1;) {
        switch (c) {
        case 'H':
            o->headless = 1;
            break;
        case 'W':
            o->window = 1;
            break;
        case 's':
            o->script = optarg;
            break;
        case 'S':
            o->shots = optarg;
            break;
        case 'd':
            o->db = optarg;
            break;
        case 'k':
            o->secret = optarg;
            break;
        case 'p':
            o->print_dir = optarg;
            break;
        case 'a':
            o->assets = optarg;
            break;
        case 'v':
            o->voice = optarg;
            break;
        case 't':
            o->tpl = optarg;
            break;
        case 'l':
            o->lang = optarg;
            break;
        case 'o':
            o->orientation = optarg;
            break;
        case 'f':
            o->fast = 1;
            break;
        case 'j':
            o->stats = optarg;
            break;
        case 'c':
            o->control = 1;
            break;
        case 'C':
            o->auto_card = optarg;
            break;
        case 'x':
            o->strict = 1;
            break;
        case 'y':
            o->stay = 1;
            break;
        case 'D':
            o->devices = optarg;
            break;
        case 'R':
            o->reader = optarg;
            break;
        case 'M':
            o->camera = optarg;
            break;
        case 'F':
            o->face = optarg;
            break;
        case 'P':
            o->printer = optarg;
            break;
        case 'N':
            o->pn532 = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            return -1;
        }
    }
    if (optind != argc || (o->lang && strcmp(o->lang, "en") && strcmp(o->lang, "zh-CN")))
        return -1;
    return 0;
}

/* Screenshots ------------------------------------------------------------------------------ */

static int save_shot(app *a, const char *name)
{
    if (!a->o.shots)
        return 0;
    char path[1024];
    snprintf(path, sizeof path, "%s/%02d-%s.png", a->o.shots, ++a->shots, name);
    lk_err err = {0};
    if (a->d->ops->save_png(a->d, path, &err) != 0) {
        fprintf(stderr, "kiosk: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int script_shot(void *ctx, const char *name)
{
    return save_shot(ctx, name);
}

/* Statistics ------------------------------------------------------------------------------- */

static void observe(app *a)
{
    const lk_view *v = lk_session_view(a->s);
    if (v->state == a->seen)
        return;
    uint64_t now = lk_loop_now_us();
    a->stage_us[a->seen] += now - a->entered_us;
    if (a->seen == LK_ST_ATTRACT && v->state != LK_ST_ATTRACT)
        a->session_start_us = now;
    if (a->session_start_us && (v->state == LK_ST_ENDED || v->state == LK_ST_STAFF ||
                                v->state == LK_ST_NO_LICENSE || v->state == LK_ST_ATTRACT)) {
        a->session_us += now - a->session_start_us;
        a->session_start_us = 0;
    }
    a->seen = v->state;
    a->entered_us = now;
}

/* CPU time of the process so far (all threads): on a shared machine the wall time says more
 * about the neighbours. */
static uint64_t cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static uint64_t thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int cmp_float(const void *x, const void *y)
{
    float a = *(const float *)x, b = *(const float *)y;
    return (a > b) - (a < b);
}

/* lk-render-helper appends its own peak RSS to the file this names (it inherits the
 * environment), so the statistics can report it apart from the kiosk's. */
static void helper_stats_start(app *a)
{
    const char *tmp = getenv("TMPDIR");
    int n = snprintf(a->helper_stats, sizeof a->helper_stats, "%s/lk-helper-XXXXXX",
                     tmp && *tmp ? tmp : "/tmp");
    int fd = n > 0 && (size_t)n < sizeof a->helper_stats ? mkstemp(a->helper_stats) : -1;
    if (fd < 0) {
        a->helper_stats[0] = '\0';
        return;
    }
    close(fd);
    setenv("LK_RENDER_HELPER_STATS", a->helper_stats, 1);
}

static void write_stats(app *a)
{
    FILE *f = strcmp(a->o.stats, "-") == 0 ? stdout : fopen(a->o.stats, "w");
    if (!f)
        return;
    qsort(a->frame_ms, a->n_frames, sizeof *a->frame_ms, cmp_float);
    qsort(a->steady_ms, a->n_steady, sizeof *a->steady_ms, cmp_float);
    qsort(a->frame_cpu_ms, a->n_frames, sizeof *a->frame_cpu_ms, cmp_float);
    qsort(a->draw_ms, a->n_frames, sizeof *a->draw_ms, cmp_float);
    double c99 = a->n_frames ? a->frame_cpu_ms[(a->n_frames * 99) / 100] : 0;
    double d99 = a->n_frames ? a->draw_ms[(a->n_frames * 99) / 100] : 0;
    double p50 = a->n_frames ? a->frame_ms[a->n_frames / 2] : 0;
    double p99 = a->n_frames ? a->frame_ms[(a->n_frames * 99) / 100] : 0;
    double s99 = a->n_steady ? a->steady_ms[(a->n_steady * 99) / 100] : 0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long helper_kb = 0, runs = 0;
    FILE *hs = a->helper_stats[0] ? fopen(a->helper_stats, "r") : NULL;
    for (long kb; hs && fscanf(hs, "%ld", &kb) == 1; runs++)
        helper_kb = kb > helper_kb ? kb : helper_kb;
    if (hs)
        fclose(hs);
    fprintf(f,
            "{\"bench\":\"kiosk_session\",\"cold_start_ms\":%.1f,\"cold_start_cpu_ms\":%.1f,"
            "\"first_frame_ms\":%.1f,\"session_ms\":%.1f,\"session_ms_excl_printing\":%.1f,"
            "\"stages_ms\":{",
            a->cold_us / 1000.0, a->cold_cpu_us / 1000.0, a->first_frame_ms, a->session_us / 1000.0,
            (a->session_us - a->stage_us[LK_ST_PRINTING]) / 1000.0);
    for (int i = LK_ST_ROLE, first = 1; i < LK_ST_COUNT; i++)
        if (a->stage_us[i]) {
            fprintf(f, "%s\"%s\":%.2f", first ? "" : ",", lk_state_name(i),
                    a->stage_us[i] / 1000.0);
            first = 0;
        }
    fprintf(f,
            "},\"frames\":%zu,\"frame_p50_ms\":%.2f,\"frame_p99_ms\":%.2f,\"steady_frames\":%zu,"
            "\"steady_frame_p99_ms\":%.2f,\"frame_cpu_p99_ms\":%.2f,\"draw_p99_ms\":%.2f,"
            "\"peak_rss_mb\":%.1f,\"helper_peak_rss_mb\":%.1f,\"helper_runs\":%ld,"
            "\"cpu_ms\":%.1f}\n",
            a->n_frames, p50, p99, a->n_steady, s99, c99, d99, ru.ru_maxrss / 1024.0,
            helper_kb / 1024.0, runs, cpu_us() / 1000.0);
    if (f != stdout)
        fclose(f);
}

/* The loop ------------------------------------------------------------------------------------ */

static void on_events(void *ctx, int fd, uint32_t events)
{
    (void)fd;
    (void)events;
    app *a = ctx;
    lk_evt e;
    while (lk_evtq_pop(a->q, &e) == 1)
        if (e.type == LK_EVT_PLAY) { /* a self-test's prompt: the display is the loop's */
            a->d->ops->play(a->d, e.ptr);
            free(e.ptr);
        } else if (!kiosk_service_event(a->svc, &e, lk_session_view(a->s)) &&
                   !kiosk_usb_event(a->usb, &e, lk_session_view(a->s)))
            lk_session_handle(a->s, &e);
    observe(a);
}

static void post_intent(void *ctx, lk_intent intent, int arg, const char *text)
{
    app *a = ctx;
    if (lk_svcmode_active(kiosk_service_mode(a->svc)))
        lk_svcmode_intent(kiosk_service_mode(a->svc), intent, arg, text);
    else
        lk_session_intent(a->s, intent, arg, text);
    observe(a);
}

/* What the screen shows: a diagnostics page while one is open, else the session. */
static const lk_view *shown_view(void *ctx)
{
    app *a = ctx;
    lk_svcmode *m = kiosk_service_mode(a->svc);
    return lk_svcmode_active(m) ? lk_svcmode_view(m) : lk_session_view(a->s);
}

/* Places (on=1) or takes away the demo card: on the simulated reader, or on pn532-sim through
 * its control socket when the real NFC reader is in use. */
static void demo_card(app *a, int on)
{
    lk_err err = {0};
    char line[600];
    int rc = 0;
    if (a->ports.sim_reader && on)
        rc = lk_idr_sim_insert(a->idr, a->o.auto_card, &err);
    else if (a->ports.sim_reader)
        lk_idr_sim_remove(a->idr);
    else if (a->o.pn532) {
        snprintf(line, sizeof line, on ? "insert %.580s" : "remove", a->o.auto_card);
        rc = kiosk_pn532_command(a->o.pn532, line, &err);
    }
    if (rc != 0)
        fprintf(stderr, "kiosk: %s\n", err.msg);
}

/* In a window demo without a script, the card "is placed" when the kiosk asks for it. */
static void auto_card(app *a, const lk_view *v)
{
    if (!a->o.auto_card || (!a->ports.sim_reader && !a->o.pn532))
        return;
    if (v->state == LK_ST_TAP_CARD && !a->card_in) {
        demo_card(a, 1);
        a->card_in = 1;
    } else if ((v->state == LK_ST_DONE || v->state == LK_ST_ATTRACT || v->state == LK_ST_ENDED ||
                v->state == LK_ST_STAFF) &&
               a->card_in) {
        demo_card(a, 0);
        a->card_in = 0;
    }
}

static int script_reader_cmd(void *ctx, const char *line, lk_err *err)
{
    app *a = ctx;
    return kiosk_pn532_command(a->o.pn532, line, err);
}

static int script_usb_cmd(void *ctx, const char *args, lk_err *err)
{
    app *a = ctx;
    return kiosk_usb_command(a->usb, args, err);
}

static void run_script(app *a)
{
    if (!a->sc)
        return;
    kiosk_script_env env = {.ui = a->ui,
                            .disp = a->d,
                            .s = a->s,
                            .reader = a->ports.sim_reader ? a->idr : NULL,
                            .face = a->ports.sim_face ? a->face : NULL,
                            .printer = a->ports.sim_printer ? a->prn : NULL,
                            .shot = script_shot,
                            .reader_cmd = a->o.pn532 ? script_reader_cmd : NULL,
                            .usb_cmd = script_usb_cmd,
                            .view = shown_view,
                            .post = post_intent,
                            .ctx = a};
    lk_err err = {0};
    int rc = kiosk_script_step(a->sc, &env, lk_loop_now_ms(), &err);
    observe(a);
    if (rc < 0) {
        fprintf(stderr, "kiosk: %s\n", err.msg);
        a->exit_code = 1;
        a->quit = 1;
    } else if (rc == 0 && !a->o.stay && !a->o.control) {
        a->quit = 1;
    }
}

static void on_frame(void *ctx, int id)
{
    (void)id;
    app *a = ctx;
    lk_session_tick(a->s);
    lk_svcmode_tick(kiosk_service_mode(a->svc));
    observe(a);
    const lk_view *v = shown_view(a);
    auto_card(a, v);
    uint64_t t = lk_loop_now_us();
    int drawn = lk_ui_frame(a->ui, v);
    uint64_t drawn_at = lk_loop_now_us();
    if (drawn < 0)
        a->quit = 1;
    /* The frame's time is everything the loop ran since the previous tick, not the draw
     * alone: a camera decode or a slow event handler delays the next present just as much. */
    uint64_t busy = lk_loop_busy_us(a->loop), cpu = thread_cpu_us();
    float ms = (float)((busy - a->busy_mark) / 1000.0);
    float cpu_ms = (float)((cpu - a->cpu_mark) / 1000.0);
    a->busy_mark = busy;
    a->cpu_mark = cpu;
    if (drawn == 1) {
        /* The very first frame (fonts opened, the renderer's first present) is start-up: it
         * is inside cold_start_ms and reported on its own, not among the frames. */
        if (!a->have_first) {
            a->have_first = 1;
            a->first_frame_ms = ms;
        } else if (a->n_frames < MAX_FRAMES_STAT) {
            a->frame_cpu_ms[a->n_frames] = cpu_ms;
            a->draw_ms[a->n_frames] = (float)((drawn_at - t) / 1000.0);
            a->frame_ms[a->n_frames++] = ms;
        }
        if (v->state == a->drawn_state && a->n_steady < MAX_FRAMES_STAT)
            a->steady_ms[a->n_steady++] = ms;
        a->drawn_state = v->state;
        if (!a->cold_us && v->state == LK_ST_ATTRACT) {
            a->cold_us = lk_loop_now_us() - a->t0_us;
            a->cold_cpu_us = cpu_us();
        }
        char key[96];
        kiosk_script_key(v, key, sizeof key);
        if (strcmp(key, a->last_shot) != 0) {
            memcpy(a->last_shot, key, sizeof key);
            if (save_shot(a, key) != 0)
                a->exit_code = 1;
        }
        /* A script acts only on what has been drawn, as a person would. */
        run_script(a);
    } else if (drawn == 0) {
        run_script(a);
    }
    /* Once attract is up, the other screens' glyphs are rasterised in slices between frames
     * (lk_ui_warm_step), so start-up does not wait for them and few first frames pay. */
    if (a->cold_us && lk_ui_warm_left(a->ui))
        (void)lk_ui_warm_step(a->ui, WARM_SLICE_US);
    if (a->quit)
        lk_loop_quit(a->loop);
}

/* Script lines on stdin (--control). A read may end mid-line: the rest waits in ctl_buf. */
static void on_control(void *ctx, int fd, uint32_t events)
{
    (void)events;
    app *a = ctx;
    size_t room = sizeof a->ctl_buf - 1 - a->ctl_len;
    ssize_t n = room ? read(fd, a->ctl_buf + a->ctl_len, room) : 0;
    if (n <= 0) {
        lk_loop_unwatch(a->loop, fd);
        return;
    }
    a->ctl_len += (size_t)n;
    a->ctl_buf[a->ctl_len] = '\0';
    lk_err err = {0};
    char *start = a->ctl_buf, *nl;
    while ((nl = strchr(start, '\n'))) {
        *nl = '\0';
        if (*start && kiosk_script_add(a->sc, start, &err) != 0)
            fprintf(stderr, "kiosk: %s\n", err.msg);
        start = nl + 1;
    }
    a->ctl_len = strlen(start);
    memmove(a->ctl_buf, start, a->ctl_len + 1);
    if (a->ctl_len == sizeof a->ctl_buf - 1) { /* a line longer than any action: drop it */
        fprintf(stderr, "kiosk: control line too long, dropped\n");
        a->ctl_len = 0;
    }
}

/* Wiring ------------------------------------------------------------------------------------ */

static int cfg_str_is(lk_store *st, const char *key, const char *want)
{
    char *v = NULL;
    int yes = lk_config_get(st, key, &v, NULL, NULL) == 0 && strcmp(v, want) == 0;
    free(v);
    return yes;
}

/* The ports: simulated (the default) or the real adapters, per device (kiosk_ports). */
static int make_ports(app *a, lk_err *err)
{
    kiosk_ports_opts po = {.devices = a->o.devices,
                           .reader = a->o.reader,
                           .camera = a->o.camera,
                           .face = a->o.face,
                           .printer = a->o.printer,
                           .db = a->o.db,
                           .secret = a->o.secret,
                           .tpl = a->tpl_path,
                           .print_dir = a->o.print_dir,
                           .state_dir = a->state_dir,
                           .fast = a->o.fast};
    int rc = kiosk_ports_make(a->st, &po, &a->ports, err);
    a->idr = a->ports.reader;
    a->cam = a->ports.camera;
    a->face = a->ports.face;
    a->prn = a->ports.printer;
    return rc;
}

/* USB: a stick's bundles are applied on a worker with a store handle of its own. */
static int make_usb(app *a, const char *db, lk_err *err)
{
    char i18n[600];
    snprintf(i18n, sizeof i18n, "%s/i18n", a->o.assets);
    kiosk_usb_cfg c = {.st = a->st,
                       .loop = a->loop,
                       .workers = a->w,
                       .svc = kiosk_service_mode(a->svc),
                       .db = db,
                       .secret = a->o.secret ? a->o.secret : getenv("LK_SECRET_FILE"),
                       .state_dir = kiosk_service_state_dir(a->svc),
                       .log_path = kiosk_service_log_path(a->svc),
                       .i18n_dir = i18n};
    return kiosk_usb_create(&c, &a->usb, err);
}

static void on_records_changed(void *ctx)
{
    app *a = ctx;
    lk_log_write(kiosk_service_log(a->svc), LK_LOG_INFO, "registry", "sync: records changed");
    lk_session_records_changed(a->s);
    observe(a);
}

/* The applied bundle's print template replaces --template (it loaded at apply). */
static void bundle_template(app *a)
{
    lk_err why = {0};
    if (lk_bundle_asset(a->st, a->state_dir, "template.json", a->tpl_path, sizeof a->tpl_path,
                        &why) != 0)
        fprintf(stderr, "kiosk: %s; printing with %s\n", why.msg, a->o.tpl);
    if (a->tpl_path[0])
        fprintf(stderr, "kiosk: bundle template %s\n", a->tpl_path);
    else
        snprintf(a->tpl_path, sizeof a->tpl_path, "%s", a->o.tpl);
}

static int make_core(app *a, lk_err *err)
{
    const char *db = lk_store_pick_path(a->o.db, getenv("LK_DB"));
    int rc = lk_store_open(db, a->o.secret ? a->o.secret : getenv("LK_SECRET_FILE"), &a->st, err);
    kiosk_usb_state_dir(db, a->state_dir, sizeof a->state_dir);
    if (rc == 0) /* an apply cut off by a power loss is finished or undone before anything reads */
        kiosk_usb_recover(a->st, a->state_dir);
    if (rc == 0)
        bundle_template(a);
    if (rc == 0)
        rc = lk_loop_create(&a->loop, err);
    if (rc == 0)
        rc = lk_evtq_create(1024, &a->q, err);
    if (rc == 0)
        rc = lk_workers_create(3, a->q, &a->w, err);
    if (rc == 0)
        rc = make_ports(a, err);
    if (rc == 0)
        rc = lk_template_load(a->tpl_path, &a->tpl, err);
    if (rc == 0)
        rc = lk_render_create(a->tpl, &a->r, err);
    if (rc == 0)
        rc = kiosk_registry_start(a->st, db, a->o.secret ? a->o.secret : getenv("LK_SECRET_FILE"),
                                  a->loop, on_records_changed, a, &a->reg, err);
    if (rc != 0)
        return rc;
    lk_session_cfg cfg;
    rc = lk_session_cfg_load(a->st, &cfg, err);
    if (rc != 0)
        return rc;
    if (a->o.lang)
        snprintf(cfg.lang, sizeof cfg.lang, "%s", a->o.lang);
    lk_session_deps d = {.st = a->st,
                         .loop = a->loop,
                         .q = a->q,
                         .workers = a->w,
                         .reader = a->idr,
                         .camera = a->cam,
                         .face = a->face,
                         .printer = a->prn,
                         .renderer = a->r,
                         .renderer_mu = &a->render_mu,
                         .lookup = kiosk_registry_lookup(a->reg)};
    /* The service first: it opens the log file the session logs to. */
    rc = kiosk_service_create(a->st, db, a->idr, a->q, &a->svc, err);
    d.log = kiosk_service_log(a->svc);
    if (rc == 0)
        rc = lk_session_create(&d, &cfg, &a->s, err);
    /* The devices' probes and self-tests, and the PIN's PBKDF2, run on the workers, never on
     * the frame loop. */
    if (rc == 0)
        rc = kiosk_service_use_devices(a->svc, a->st, &a->ports, a->w);
    if (rc == 0)
        rc = make_usb(a, db, err);
    return rc;
}

/* The applied bundle's string overrides and voice prompts over the built-in ones. A problem
 * is said and the kiosk goes on with its own: they were checked when the bundle applied. */
static void bundle_assets(app *a)
{
    char strings[1100], voice[1100];
    lk_err why = {0};
    if (lk_bundle_asset(a->st, a->state_dir, "i18n", strings, sizeof strings, &why) != 0 ||
        lk_bundle_asset(a->st, a->state_dir, "voice", voice, sizeof voice, &why) != 0) {
        fprintf(stderr, "kiosk: %s; built-in strings and prompts only\n", why.msg);
        return;
    }
    int n = lk_ui_use_bundle(a->ui, strings, voice, &why);
    if (n < 0)
        fprintf(stderr, "kiosk: bundle strings: %s\n", why.msg);
    else if (strings[0] || voice[0])
        fprintf(stderr, "kiosk: bundle assets: %d string(s) overridden%s\n", n,
                voice[0] ? ", voice prompts" : "");
}

static int make_ui(app *a, lk_err *err)
{
    int landscape = a->o.orientation ? strcmp(a->o.orientation, "landscape") == 0
                                     : cfg_str_is(a->st, "ui.orientation", "landscape");
    int mute = cfg_str_is(a->st, "ui.voice_mute", "1");
    int full = !a->o.window && !cfg_str_is(a->st, "ui.fullscreen", "0");
    int rc = lk_disp_sdl_create(landscape ? 1920 : 1080, landscape ? 1080 : 1920, a->o.headless,
                                full, !mute, &a->d, err);
    if (rc != 0)
        return rc;
    char i18n[600];
    snprintf(i18n, sizeof i18n, "%s/i18n", a->o.assets);
    kiosk_service_use_voice(a->svc, i18n, a->o.voice, !a->o.headless && !mute);
    rc = lk_ui_create(a->d, i18n, mute ? NULL : a->o.voice, post_intent, a, &a->ui, err);
    if (rc == 0)
        bundle_assets(a);
    return rc;
}

static int start(app *a, lk_err *err)
{
    int rc = kiosk_script_load(a->o.script, &a->sc, err);
    if (rc == 0 && a->o.shots && mkdir(a->o.shots, 0755) != 0 && access(a->o.shots, W_OK) != 0)
        rc = lk_err_set(err, LK_EIO, "cannot create %s", a->o.shots);
    if (rc == 0)
        rc = make_core(a, err);
    if (rc == 0)
        rc = make_ui(a, err);
    if (rc == 0)
        rc = lk_loop_watch(a->loop, lk_evtq_fd(a->q), 1 /* EPOLLIN */, on_events, a);
    if (rc == 0 && a->o.control)
        rc = lk_loop_watch(a->loop, 0, 1, on_control, a);
    if (rc == 0) {
        int frame = lk_loop_timer_add(a->loop, 1, a->o.fast ? 1 : 16, on_frame, a);
        rc = frame < 0 ? lk_err_set(err, frame, "frame timer") : 0;
    }
    return rc;
}

static void stop(app *a)
{
    /* The session cancels its jobs; the workers then finish them before any port goes, and
     * before the diagnostics whose device tables their jobs use. */
    kiosk_usb_free(a->usb);
    lk_session_free(a->s);
    lk_workers_free(a->w);
    kiosk_service_free(a->svc);
    kiosk_registry_stop(a->reg); /* after the workers: a lookup job uses its connection */
    lk_ui_free(a->ui);
    if (a->d)
        a->d->ops->close(a->d);
    lk_evtq_free(a->q);
    if (a->idr)
        a->idr->ops->close(a->idr);
    if (a->cam)
        a->cam->ops->close(a->cam);
    if (a->face)
        a->face->ops->close(a->face);
    if (a->prn)
        a->prn->ops->close(a->prn);
    lk_render_free(a->r);
    pthread_mutex_destroy(&a->render_mu);
    lk_template_free(a->tpl);
    lk_loop_free(a->loop);
    lk_store_close(a->st);
    kiosk_script_free(a->sc);
    free(a->frame_ms);
    free(a->steady_ms);
    free(a->frame_cpu_ms);
    free(a->draw_ms);
    lk_render_release_caches();
}

static int strict_check(app *a)
{
    int missing = lk_ui_missing_strings(a->ui), clipped = lk_ui_clipped_texts(a->ui);
    if (missing || clipped)
        fprintf(stderr, "kiosk: %d string lookups missed a translation, %d texts were clipped\n",
                missing, clipped);
    return a->o.strict && (missing || clipped) ? 1 : 0;
}

int main(int argc, char **argv)
{
    static app a;
    a.t0_us = lk_loop_now_us();
    pthread_mutex_init(&a.render_mu, NULL);
    if (parse_opts(argc, argv, &a.o) != 0) {
        usage(stderr);
        return 2;
    }
    a.frame_ms = calloc(MAX_FRAMES_STAT, sizeof *a.frame_ms);
    a.steady_ms = calloc(MAX_FRAMES_STAT, sizeof *a.steady_ms);
    a.frame_cpu_ms = calloc(MAX_FRAMES_STAT, sizeof *a.frame_cpu_ms);
    a.draw_ms = calloc(MAX_FRAMES_STAT, sizeof *a.draw_ms);
    a.drawn_state = LK_ST_COUNT;
    if (a.o.stats)
        helper_stats_start(&a);
    lk_err err = {0};
    int rc = a.frame_ms && a.steady_ms && a.frame_cpu_ms && a.draw_ms ? start(&a, &err) : LK_ENOMEM;
    lk_log *log = kiosk_service_log(a.svc);
    if (rc != 0) {
        fprintf(stderr, "kiosk: %s\n", err.msg[0] ? err.msg : lk_strerror(rc));
        lk_log_write(log, LK_LOG_ERROR, "kiosk", "start failed: %s", err.msg);
        stop(&a);
        return 1;
    }
    lk_log_write(log, LK_LOG_INFO, "kiosk", "started: devices %s, printer %s, reader %s%s",
                 a.o.devices ? a.o.devices : "sim", a.prn->ops->name, a.idr->ops->name,
                 a.o.headless ? ", headless" : "");
    a.entered_us = lk_loop_now_us();
    rc = lk_loop_run(a.loop);
    if (rc == 0 && strict_check(&a))
        a.exit_code = 1;
    if (a.o.stats)
        write_stats(&a);
    lk_log_write(log, LK_LOG_INFO, "kiosk", "stopped: exit %d", rc != 0 ? 1 : a.exit_code);
    stop(&a);
    if (a.helper_stats[0])
        unlink(a.helper_stats);
    return rc != 0 ? 1 : a.exit_code;
}
