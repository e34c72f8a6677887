/* kiosk_script: parsing and playing the headless script. Every action is checked at load time,
 * so a typo fails before the kiosk starts rather than half way through a session. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/lk_service_mode.h"
#include "kiosk_script.h"
#include "lk_sim.h"

#define MAX_ARG 1024

typedef enum op {
    OP_SLEEP,
    OP_WAIT,
    OP_WAIT_BUTTON,
    OP_WAIT_WARM,
    OP_TAP_XY,
    OP_TAP_NAME,
    OP_TOUCH, /* a real toolkit event through the display: mouse (a 0) or finger (a 1) */
    OP_TYPE,
    OP_READER_INSERT,
    OP_READER_REMOVE,
    OP_READER_DELAY,
    OP_READER_SERVICE,
    OP_PRINTER_FAULT,
    OP_PRINTER_OK,
    OP_PRINTER_HOLD,
    OP_PRINTER_DELAY,
    OP_FACE,
    OP_SHOT,
    OP_USB,
    OP_QUIT,
    OP_STRING,   /* the string table says KEY is TEXT in the screen's language (bundle overrides) */
    OP_WAIT_ROW, /* diagnostics: a table row NAME shows WORD (its status, or in its text) */
    OP_WAIT_RESULT, /* diagnostics: the last self-test finished, passed or failed */
} op;

typedef struct action {
    op op;
    int line;
    long a, b;
    char s[MAX_ARG];
} action;

struct kiosk_script {
    action *v;
    size_t n, cap, pc;
    char dir[512];     /* the script's directory: relative card paths start there */
    uint64_t until_ms; /* sleep or wait deadline of the current action, 0 none */
    int next_line;
};

void kiosk_script_key(const lk_view *v, char *buf, size_t n)
{
    const char *extra = "";
    if (v->state == LK_ST_ENDED || v->state == LK_ST_STAFF || v->state == LK_ST_NO_LICENSE)
        extra = lk_reason_name(v->reason);
    else if (v->hint != LK_HINT_NONE)
        extra = lk_hint_name(v->hint);
    else if (v->state == LK_ST_PREVIEW && v->preview_busy)
        extra = "loading";
    else if (v->state == LK_ST_PRINTING && v->prn_dev.status == LK_DEVICE_FAULT)
        extra = v->prn_dev.reason;
    else if (v->state == LK_ST_DIAG_BUNDLE && v->svc && v->svc->bundle_seen)
        extra = v->svc->bundle_ok ? "applied" : "refused";
    else if (v->state == LK_ST_DIAG_PIN && v->svc && (v->svc->pin_checking || v->svc->pin_wrong))
        extra = v->svc->pin_checking ? "checking" : "wrong"; /* the PIN is hashed on a worker */
    snprintf(buf, n, "%.24s%s%.40s-%.6s", lk_ui_screen_name(v), *extra ? "-" : "", extra, v->lang);
}

/* `wait NAME` matches the screen name, the start of its key ("printing-media-empty"), or the
 * whole key, language and all ("role-en"). */
static int screen_is(const lk_view *v, const char *name)
{
    char key[96];
    kiosk_script_key(v, key, sizeof key);
    size_t n = strlen(name);
    return strcmp(lk_ui_screen_name(v), name) == 0 ||
           (strncmp(key, name, n) == 0 && (key[n] == '-' || key[n] == '\0'));
}

static int parse_long(const char *s, long *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    *out = strtol(s, &end, 10);
    return *end == '\0' ? 0 : -1;
}

static int parse_reader(action *a, const char *arg, const char *rest, const char *dir)
{
    if (strcmp(arg, "remove") == 0) {
        a->op = OP_READER_REMOVE;
        a->a = -1;
        if (strncmp(rest, "after ", 6) == 0) /* pn532-sim only: N more APDUs, then gone */
            return parse_long(rest + 6, &a->a) == 0 && a->a >= 0 ? 0 : -1;
        return *rest ? -1 : 0;
    }
    if (strcmp(arg, "delay") == 0) {
        a->op = OP_READER_DELAY;
        return parse_long(rest, &a->a);
    }
    if ((strcmp(arg, "insert") != 0 && strcmp(arg, "service") != 0) || !*rest)
        return -1;
    a->op = strcmp(arg, "service") == 0 ? OP_READER_SERVICE : OP_READER_INSERT;
    if (rest[0] == '/' || !dir[0])
        snprintf(a->s, sizeof a->s, "%s", rest);
    else
        snprintf(a->s, sizeof a->s, "%.500s/%.500s", dir, rest);
    return 0;
}

static int parse_printer(action *a, const char *arg, const char *rest)
{
    if (strcmp(arg, "ok") == 0) {
        a->op = OP_PRINTER_OK;
        return 0;
    }
    if (strcmp(arg, "hold") == 0 || strcmp(arg, "delay") == 0) {
        a->op = arg[0] == 'h' ? OP_PRINTER_HOLD : OP_PRINTER_DELAY;
        return parse_long(rest, &a->a);
    }
    /* "out-of-paper", "jam", "offline", "uncertain" or an IPP reason as is. */
    a->op = OP_PRINTER_FAULT;
    const char *r = strcmp(arg, "out-of-paper") == 0 ? "media-empty"
                    : strcmp(arg, "jam") == 0        ? "media-jam"
                                                     : arg;
    snprintf(a->s, sizeof a->s, "%s", r);
    return *arg ? 0 : -1;
}

/* Splits "verb arg rest..." in place. */
static int parse_line(kiosk_script *sc, char *line, action *a)
{
    char *save = NULL;
    char *verb = strtok_r(line, " \t", &save), *arg = strtok_r(NULL, " \t", &save),
         *rest = strtok_r(NULL, "", &save);
    if (!arg)
        arg = "";
    if (!rest)
        rest = "";
    while (*rest == ' ')
        rest++;
    if (strcmp(verb, "sleep") == 0) {
        a->op = OP_SLEEP;
        return parse_long(arg, &a->a);
    }
    if (strcmp(verb, "wait") == 0) {
        a->op = OP_WAIT;
        a->a = 10000;
        snprintf(a->s, sizeof a->s, "%s", arg);
        return !*arg || (*rest && parse_long(rest, &a->a)) ? -1 : 0;
    }
    if (strcmp(verb, "wait-warm") == 0) {
        a->op = OP_WAIT_WARM;
        a->a = 30000;
        return *arg && parse_long(arg, &a->a) ? -1 : 0;
    }
    if (strcmp(verb, "wait-button") == 0) {
        a->op = OP_WAIT_BUTTON;
        a->a = 10000;
        snprintf(a->s, sizeof a->s, "%s", arg);
        return !*arg || (*rest && parse_long(rest, &a->a)) ? -1 : 0;
    }
    if (strcmp(verb, "wait-row") == 0 || strcmp(verb, "wait-result") == 0) {
        int row = verb[5] == 'r' && verb[6] == 'o';
        char *rsave = NULL;
        char *word = row ? strtok_r(rest, " \t", &rsave) : NULL;
        char *ms = row ? strtok_r(NULL, "", &rsave) : rest;
        a->op = row ? OP_WAIT_ROW : OP_WAIT_RESULT;
        a->a = 10000;
        snprintf(a->s, sizeof a->s, "%s%s%s", arg, row ? " " : "", word ? word : "");
        int bad =
            !*arg || (row && !word) || (!row && strcmp(arg, "passed") && strcmp(arg, "failed"));
        return bad || (ms && *ms && parse_long(ms, &a->a)) ? -1 : 0;
    }
    if (strcmp(verb, "tap") == 0) {
        if (isdigit((unsigned char)arg[0])) {
            a->op = OP_TAP_XY;
            return parse_long(arg, &a->a) || parse_long(rest, &a->b) ? -1 : 0;
        }
        a->op = OP_TAP_NAME;
        snprintf(a->s, sizeof a->s, "%s", arg);
        return *arg ? 0 : -1;
    }
    if (strcmp(verb, "mouse") == 0 || strcmp(verb, "finger") == 0) {
        a->op = OP_TOUCH;
        a->s[0] = verb[0] == 'f';
        return parse_long(arg, &a->a) || parse_long(rest, &a->b) ? -1 : 0;
    }
    if (strcmp(verb, "type") == 0) {
        a->op = OP_TYPE;
        snprintf(a->s, sizeof a->s, "%s%s%s", arg, *rest ? " " : "", rest);
        return *arg ? 0 : -1;
    }
    if (strcmp(verb, "reader") == 0)
        return parse_reader(a, arg, rest, sc->dir);
    if (strcmp(verb, "printer") == 0)
        return parse_printer(a, arg, rest);
    if (strcmp(verb, "face") == 0) {
        a->op = OP_FACE;
        snprintf(a->s, sizeof a->s, "%s", arg);
        return *arg ? 0 : -1;
    }
    if (strcmp(verb, "shot") == 0) {
        a->op = OP_SHOT;
        snprintf(a->s, sizeof a->s, "%s", arg);
        return *arg ? 0 : -1;
    }
    if (strcmp(verb, "usb") == 0) { /* "arrive [VID:PID]" / "leave [VID:PID]" */
        a->op = OP_USB;
        snprintf(a->s, sizeof a->s, "%s%s%s", arg, *rest ? " " : "", rest);
        return strcmp(arg, "arrive") == 0 || strcmp(arg, "leave") == 0 ? 0 : -1;
    }
    if (strcmp(verb, "quit") == 0) {
        a->op = OP_QUIT;
        return 0;
    }
    if (strcmp(verb, "string") == 0) { /* KEY TEXT: a->s is "KEY\0TEXT", a->a where TEXT starts */
        a->op = OP_STRING;
        a->a = (long)strlen(arg) + 1;
        snprintf(a->s, sizeof a->s, "%s%c%s", arg, '\0', rest);
        return *arg && *rest && (size_t)a->a + strlen(rest) < sizeof a->s ? 0 : -1;
    }
    return -1;
}

int kiosk_script_add(kiosk_script *sc, const char *text, lk_err *err)
{
    char line[1024];
    int no = ++sc->next_line;
    snprintf(line, sizeof line, "%s", text);
    line[strcspn(line, "\r\n")] = '\0';
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p || *p == '#')
        return 0;
    action a = {.line = no};
    if (parse_line(sc, p, &a) != 0)
        return lk_err_set(err, LK_EINVAL, "script line %d: cannot parse '%s'", no, text);
    if (sc->n == sc->cap) {
        size_t cap = sc->cap ? sc->cap * 2 : 32;
        action *v = realloc(sc->v, cap * sizeof *v);
        if (!v)
            return lk_err_set(err, LK_ENOMEM, "out of memory");
        sc->v = v;
        sc->cap = cap;
    }
    sc->v[sc->n++] = a;
    return 0;
}

int kiosk_script_load(const char *path, kiosk_script **out, lk_err *err)
{
    *out = NULL;
    kiosk_script *sc = calloc(1, sizeof *sc);
    if (!sc)
        return lk_err_set(err, LK_ENOMEM, "out of memory");
    if (!path) {
        *out = sc;
        return 0;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        free(sc);
        return lk_err_set(err, LK_EIO, "cannot open script %s", path);
    }
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(sc->dir, sizeof sc->dir, "%.*s", (int)(slash - path), path);
    else
        snprintf(sc->dir, sizeof sc->dir, ".");
    char line[1024];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f))
        rc = kiosk_script_add(sc, line, err);
    fclose(f);
    if (rc != 0) {
        kiosk_script_free(sc);
        return rc;
    }
    *out = sc;
    return 0;
}

void kiosk_script_free(kiosk_script *sc)
{
    if (!sc)
        return;
    free(sc->v);
    free(sc);
}

static int fail(lk_err *err, const action *a, const char *what, const char *detail)
{
    return lk_err_set(err, LK_EINVAL, "script line %d: %s%s", a->line, what, detail);
}

/* wait-row NAME WORD: a row named NAME (leading blanks aside; '_' in NAME stands for a blank)
 * whose status is WORD or whose text holds it. */
/* want[0..n) is a row name with '_' for a blank; "-" is a row without a name (a log line). */
static int name_is(const char *name, const char *want, size_t n)
{
    if (n == 1 && want[0] == '-')
        return !*name;
    if (strlen(name) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (name[i] != want[i] && !(want[i] == '_' && name[i] == ' '))
            return 0;
    return 1;
}

static int row_shows(const lk_view *v, const char *spec)
{
    const char *sp = strchr(spec, ' ');
    if (!v->svc || !sp)
        return 0;
    size_t nl = (size_t)(sp - spec);
    for (int i = 0; i < v->svc->n_rows; i++) {
        const lk_svc_row *r = &v->svc->rows[i];
        const char *name = r->name + strspn(r->name, " ");
        if (name_is(name, spec, nl) && (strcmp(r->status, sp + 1) == 0 || strstr(r->text, sp + 1)))
            return 1;
    }
    return 0;
}

static void rows_text(const lk_view *v, char *buf, size_t n)
{
    buf[0] = '\0';
    for (int i = 0; v->svc && i < v->svc->n_rows; i++) {
        size_t len = strlen(buf);
        const lk_svc_row *r = &v->svc->rows[i];
        snprintf(buf + len, n - len, "%s[%s|%s|%s]", len ? " " : "", r->name, r->status, r->text);
    }
}

static int result_is(const lk_view *v, const char *want)
{
    const lk_svc_view *s = v->svc;
    return s && s->result_name[0] && !s->result_running &&
           s->result_passed == (strcmp(want, "passed") == 0);
}

static int reader_sim(const kiosk_script_env *env, const action *a, lk_err *err)
{
    if (a->op == OP_READER_INSERT)
        return lk_idr_sim_insert(env->reader, a->s, err) == 0 ? 1 : LK_EINVAL;
    if (a->op == OP_READER_REMOVE && a->a >= 0)
        return fail(err, a, "remove after N needs pn532-sim", "");
    if (a->op == OP_READER_REMOVE)
        lk_idr_sim_remove(env->reader);
    else
        lk_idr_sim_set_delay(env->reader, (int)a->a);
    return 1;
}

/* The same actions as pn532-sim control lines (its card files are its own format). */
static int reader_real(const kiosk_script_env *env, const action *a, lk_err *err)
{
    char line[MAX_ARG + 16];
    if (!env->reader_cmd)
        return fail(err, a, "no reader to steer", "");
    if (a->op == OP_READER_INSERT || a->op == OP_READER_SERVICE)
        snprintf(line, sizeof line, "insert %s", a->s);
    else if (a->op == OP_READER_REMOVE && a->a >= 0)
        snprintf(line, sizeof line, "remove after %ld", a->a);
    else if (a->op == OP_READER_REMOVE)
        snprintf(line, sizeof line, "remove");
    else
        snprintf(line, sizeof line, "delay %ld", a->a);
    lk_err e = {0};
    if (env->reader_cmd(env->ctx, line, &e) != 0)
        return fail(err, a, "reader: ", e.msg);
    return 1;
}

static const lk_view *shown(const kiosk_script_env *env)
{
    return env->view ? env->view(env->ctx) : lk_session_view(env->s);
}

/* One action. Returns 1 done, 0 must wait, or a negative code. */
static int run(kiosk_script *sc, const action *a, const kiosk_script_env *env, uint64_t now,
               lk_err *err)
{
    const lk_view *v = shown(env);
    char names[2048];
    switch (a->op) {
    case OP_SLEEP:
        if (!sc->until_ms)
            sc->until_ms = now + (uint64_t)a->a;
        return now >= sc->until_ms;
    case OP_WAIT:
        if (screen_is(v, a->s))
            return 1;
        if (!sc->until_ms)
            sc->until_ms = now + (uint64_t)a->a;
        if (now < sc->until_ms)
            return 0;
        snprintf(names, sizeof names, "%s (reason %s)", lk_ui_screen_name(v),
                 lk_reason_name(v->reason));
        return fail(err, a, "timed out waiting; the screen is ", names);
    case OP_WAIT_WARM:
        if (!lk_ui_warm_left(env->ui))
            return 1;
        if (!sc->until_ms)
            sc->until_ms = now + (uint64_t)a->a;
        if (now < sc->until_ms)
            return 0;
        return fail(err, a, "timed out waiting for the text warm-up", "");
    case OP_WAIT_BUTTON:
        if (lk_ui_has_button(env->ui, v, a->s))
            return 1;
        if (!sc->until_ms)
            sc->until_ms = now + (uint64_t)a->a;
        if (now < sc->until_ms)
            return 0;
        return fail(err, a, "timed out waiting for button ", a->s);
    case OP_WAIT_ROW:
    case OP_WAIT_RESULT:
        if (a->op == OP_WAIT_ROW ? row_shows(v, a->s) : result_is(v, a->s))
            return 1;
        if (!sc->until_ms)
            sc->until_ms = now + (uint64_t)a->a;
        if (now < sc->until_ms)
            return 0;
        if (a->op == OP_WAIT_ROW)
            rows_text(v, names, sizeof names);
        else
            snprintf(names, sizeof names, "%s: %s", v->svc ? v->svc->result_name : "",
                     v->svc ? v->svc->result_text : "");
        return fail(err, a,
                    a->op == OP_WAIT_ROW ? "timed out waiting; rows: "
                                         : "timed out waiting; last test ",
                    names);
    case OP_TAP_XY:
        (void)lk_ui_tap(env->ui, v, (int)a->a, (int)a->b); /* a miss is a tap on nothing */
        return 1;
    case OP_TOUCH:
        if (!env->disp)
            return fail(err, a, "no display to touch", "");
        env->disp->ops->inject(env->disp, a->s[0], (int)a->a, (int)a->b);
        return 1;
    case OP_TAP_NAME:
        if (lk_ui_press(env->ui, v, a->s) == 0)
            return 1;
        lk_ui_button_names(env->ui, v, names, sizeof names);
        return fail(err, a, "no such button here; buttons: ", names);
    case OP_TYPE:
        if (env->post)
            env->post(env->ctx, LK_INTENT_TYPE, 0, a->s);
        else
            lk_session_intent(env->s, LK_INTENT_TYPE, 0, a->s);
        return 1;
    case OP_READER_SERVICE: /* with pn532-sim: FILE is its card file (card make-service) */
        if (!env->reader)
            return reader_real(env, a, err);
        return lk_idr_sim_service(env->reader, a->s, err) == 0 ? 1 : LK_EINVAL;
    case OP_USB: {
        lk_err e = {0};
        if (!env->usb_cmd)
            return fail(err, a, "no USB wiring", "");
        return env->usb_cmd(env->ctx, a->s, &e) == 0 ? 1 : fail(err, a, "usb: ", e.msg);
    }
    case OP_READER_INSERT:
    case OP_READER_REMOVE:
    case OP_READER_DELAY:
        return env->reader ? reader_sim(env, a, err) : reader_real(env, a, err);
    case OP_PRINTER_FAULT:
    case OP_PRINTER_OK:
    case OP_PRINTER_HOLD:
    case OP_PRINTER_DELAY:
        if (!env->printer)
            return fail(err, a, "printer actions need the simulated printer", "");
        break;
    case OP_FACE:
        if (!env->face)
            return fail(err, a, "face actions need the simulated face matcher", "");
        break;
    default:
        break;
    }
    switch (a->op) {
    case OP_PRINTER_FAULT:
    case OP_PRINTER_OK:
        lk_prn_sim_set_fault(env->printer, a->op == OP_PRINTER_OK ? NULL : a->s);
        return 1;
    case OP_PRINTER_HOLD:
        lk_prn_sim_set_hold(env->printer, (int)a->a);
        return 1;
    case OP_PRINTER_DELAY:
        lk_prn_sim_set_delay(env->printer, (int)a->a);
        return 1;
    case OP_FACE:
        return lk_face_sim_set_mode(env->face, a->s) == 0 ? 1 : fail(err, a, "face mode ", a->s);
    case OP_SHOT:
        return env->shot(env->ctx, a->s) == 0 ? 1 : fail(err, a, "screenshot failed: ", a->s);
    case OP_QUIT:
        sc->pc = sc->n;
        return 1;
    case OP_STRING:
        snprintf(names, sizeof names, "%s: '%s'", a->s, lk_ui_string(env->ui, v->lang, a->s));
        return strcmp(lk_ui_string(env->ui, v->lang, a->s), a->s + a->a) == 0
                   ? 1
                   : fail(err, a, "string is not as expected: ", names);
    default:
        break;
    }
    return 1;
}

int kiosk_script_step(kiosk_script *sc, const kiosk_script_env *env, uint64_t now_ms, lk_err *err)
{
    while (sc->pc < sc->n) {
        const lk_view *v = shown(env);
        lk_state st = v->state;
        char lang[8];
        memcpy(lang, v->lang, sizeof lang);
        int rc = run(sc, &sc->v[sc->pc], env, now_ms, err);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return 1; /* waiting */
        if (sc->pc < sc->n)
            sc->pc++;
        sc->until_ms = 0;
        /* Let the new screen be drawn (and photographed) before the next action. */
        v = shown(env);
        if (v->state != st || strcmp(v->lang, lang) != 0)
            return sc->pc < sc->n;
    }
    return 0;
}
