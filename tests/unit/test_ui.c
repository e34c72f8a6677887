/* test_ui: the touchscreen UI over the real SDL display adapter, headless: when a session ends
 * the display holds no camera frame, no preview and no text of the person any more; a long
 * license list pages and says how many more there are; mouse and finger events the toolkit
 * delivers land on the button under them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ui/lk_ui.h"

#define COMPANY "隐私测试商贸有限公司"
#define USCC    "91410105M2FHN6AF95"

/* fontconfig keeps its configuration for the process (the kiosk's cairo shares it); it is not
 * the display's to free. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

typedef struct T {
    lk_disp *d;
    lk_ui *ui;
    lk_view v;
    lk_view_person p;
    uint8_t *cam, *preview;
    lk_intent got[8];
    int got_arg[8], n_got;
} T;

static void post(void *ctx, lk_intent intent, int arg, const char *text)
{
    (void)text;
    T *t = ctx;
    if (t->n_got < 8) {
        t->got_arg[t->n_got] = arg;
        t->got[t->n_got++] = intent;
    }
}

static int open_ui(T *t, int w, int h)
{
    lk_err err = {0};
    char i18n[512];
    snprintf(i18n, sizeof i18n, "%s/../../assets/i18n", getenv("LK_TEST_DATA"));
    if (lk_disp_sdl_create(w, h, 1, 0, 0, &t->d, &err) != 0 ||
        lk_ui_create(t->d, i18n, NULL, post, t, &t->ui, &err) != 0) {
        fprintf(stderr, "test_ui: %s\n", err.msg);
        return -1;
    }
    t->v = (lk_view){
        .lang = "zh-CN", .countdown_s = 30, .role_agent = 0, .selected = -1, .person = &t->p};
    return 0;
}

static int setup(void **state)
{
    T *t = calloc(1, sizeof *t);
    *state = t;
    return t && open_ui(t, 1080, 1920) == 0 ? 0 : -1;
}

static int setup_landscape(void **state)
{
    T *t = calloc(1, sizeof *t);
    *state = t;
    return t && open_ui(t, 1920, 1080) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    T *t = *state;
    lk_ui_free(t->ui);
    if (t->d)
        t->d->ops->close(t->d);
    free(t->cam);
    free(t->preview);
    free(t);
    return 0;
}

static void show(T *t, lk_state st)
{
    t->v.state = st;
    t->v.step = st >= LK_ST_ROLE && st <= LK_ST_RATING ? 4 : 0;
    t->v.gen++;
    t->v.frame_gen++;
    assert_int_equal(lk_ui_frame(t->ui, &t->v), 1);
}

static void person(T *t, int n_lic, int more)
{
    snprintf(t->p.name_masked, sizeof t->p.name_masked, "杨**");
    for (int i = 0; i < n_lic; i++) {
        snprintf(t->p.lic[i].name, sizeof t->p.lic[i].name, "%s%d", COMPANY, i);
        snprintf(t->p.lic[i].uscc, sizeof t->p.lic[i].uscc, "%s", USCC);
    }
    t->p.n_lic = n_lic;
    t->p.n_lic_more = more;
}

static void session_end_leaves_nothing_of_the_person(void **state)
{
    T *t = *state;
    static const lk_state ends[] = {LK_ST_ENDED, LK_ST_STAFF, LK_ST_NO_LICENSE, LK_ST_ATTRACT};
    for (size_t k = 0; k < sizeof ends / sizeof *ends; k++) {
        person(t, 1, 0);
        t->cam = realloc(t->cam, 640 * 480 * 3);
        memset(t->cam, 0x7f, 640 * 480 * 3);
        t->p.frame = (lk_frame){.w = 640, .h = 480, .stride = 640 * 3, .rgb = t->cam};
        show(t, LK_ST_FACE);
        show(t, LK_ST_CHOOSE);
        t->preview = realloc(t->preview, 300 * 200 * 4);
        memset(t->preview, 0xff, 300 * 200 * 4);
        t->p.preview = t->preview;
        t->p.preview_w = 300;
        t->p.preview_h = 200;
        t->p.preview_stride = 300 * 4;
        t->v.selected = 0;
        show(t, LK_ST_PREVIEW);
        char company[64];
        snprintf(company, sizeof company, "%s0", COMPANY);
        assert_int_equal(t->d->ops->holds(t->d, NULL), 2); /* the camera frame and the preview */
        assert_int_equal(t->d->ops->holds(t->d, company), 1);
        assert_int_equal(t->d->ops->holds(t->d, "杨**，您好"), 1);
        /* The session wipes its own block; the view then shows the end. */
        memset(&t->p, 0, sizeof t->p);
        t->v.selected = -1;
        t->v.reason = LK_REASON_TIMEOUT;
        show(t, ends[k]);
        assert_int_equal(t->d->ops->holds(t->d, NULL), 0);
        assert_int_equal(t->d->ops->holds(t->d, company), 0);
        assert_int_equal(t->d->ops->holds(t->d, "杨**，您好"), 0);
        assert_int_equal(t->d->ops->holds(t->d, USCC), 0);
    }
    assert_int_equal(lk_ui_clipped_texts(t->ui), 0);
    assert_int_equal(lk_ui_missing_strings(t->ui), 0);
}

static int has(T *t, const char *name)
{
    return lk_ui_has_button(t->ui, &t->v, name);
}

/* Landscape: two columns; with the notice, three licenses and the page button a page. */
static void long_license_list_pages_and_tells_of_more(void **state)
{
    T *t = *state;
    person(t, 6, 4);
    show(t, LK_ST_CHOOSE);
    assert_true(has(t, "license0") && has(t, "next_page"));
    assert_false(has(t, "license5"));
    assert_int_equal(t->d->ops->holds(t->d, "另有 4 份营业执照未在此列出，请到人工窗口领取。"), 1);
    int seen[6] = {0}, pages = 0;
    for (; pages < 4 && !seen[5]; pages++) {
        for (int i = 0; i < 6; i++) {
            char name[16];
            snprintf(name, sizeof name, "license%d", i);
            seen[i] |= has(t, name);
        }
        assert_int_equal(lk_ui_press(t->ui, &t->v, "next_page"), 0);
        assert_int_equal(lk_ui_frame(t->ui, &t->v), 1); /* a new page is drawn */
    }
    for (int i = 0; i < 6; i++)
        assert_true(seen[i]);
    assert_int_equal(t->n_got, 0); /* turning pages is the screen's own */
    assert_int_equal(lk_ui_press(t->ui, &t->v, "license3"), LK_ENOENT); /* back on page 1 */
    assert_int_equal(lk_ui_press(t->ui, &t->v, "license0"), 0);
    assert_int_equal(t->n_got, 1);
    assert_int_equal(t->got[0], LK_INTENT_SELECT);
    assert_int_equal(t->got_arg[0], 0);
    /* Leaving the screen turns back to the first page. */
    assert_int_equal(lk_ui_press(t->ui, &t->v, "next_page"), 0);
    show(t, LK_ST_PREVIEW);
    show(t, LK_ST_CHOOSE);
    assert_true(has(t, "license0"));
    assert_int_equal(lk_ui_clipped_texts(t->ui), 0);
    assert_int_equal(lk_ui_missing_strings(t->ui), 0);
}

/* A mouse click and a finger, as SDL delivers them, on the attract screen's start button and
 * on the role screen's buttons. */
static void toolkit_touches_land_on_buttons(void **state)
{
    T *t = *state;
    show(t, LK_ST_ATTRACT);
    t->d->ops->inject(t->d, 0, 100, 90); /* the title: a miss, nothing */
    assert_int_equal(lk_ui_frame(t->ui, &t->v), 0);
    char names[512];
    lk_ui_button_names(t->ui, &t->v, names, sizeof names);
    assert_non_null(strstr(names, "start"));
    t->d->ops->inject(t->d, 1, 1080 - 150, 90); /* the language toggle, by finger */
    lk_ui_frame(t->ui, &t->v);
    assert_int_equal(t->n_got, 1);
    assert_int_equal(t->got[0], LK_INTENT_LANG);
    show(t, LK_ST_ROLE);
    t->d->ops->inject(t->d, 0, 200, 1920 - 100); /* cancel, by mouse */
    lk_ui_frame(t->ui, &t->v);
    assert_int_equal(t->n_got, 2);
    assert_int_equal(t->got[1], LK_INTENT_CANCEL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(session_end_leaves_nothing_of_the_person, setup, teardown),
        cmocka_unit_test_setup_teardown(long_license_list_pages_and_tells_of_more, setup_landscape,
                                        teardown),
        cmocka_unit_test_setup_teardown(toolkit_touches_land_on_buttons, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
