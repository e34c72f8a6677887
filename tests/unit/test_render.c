/* test_render: the licence renderer end to end. Records for every entity type are rendered
 * as 正本 and 副本 on plain paper and for pre-printed stock; poppler's tools read the PDFs
 * back (text, fonts, page size), zbar decodes the rasterised QR code, and the layout query
 * proves that the longest texts fit their boxes and that calibration moves exactly. The
 * template is the shipped one, found from LK_TEST_DATA. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <fontconfig/fontconfig.h>

#include "kiosk/lk_entity.h"
#include "kiosk/lk_render.h"

#define MAX_BOXES 128
#define EPS_MM    1e-3

typedef struct fixture {
    lk_template *tpl;
    lk_renderer *r;
    char dir[64];
} fixture;

static fixture fx;

/* cairo 1.16's PDF font subsetter leaks one small array per embedded font in
 * cairo_surface_finish (inside libcairo, nothing the renderer holds). LeakSanitizer reads
 * these hooks, so the suppression is scoped to this binary and to that one call, and leak
 * detection stays on for everything else. libcairo has no frame pointers, so the fast
 * unwinder would stop inside it and never see cairo_surface_finish: unwind fully instead
 * (slower, still seconds). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:cairo_surface_finish\n";
}

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}

/* Helpers ---------------------------------------------------------------------------------- */

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    assert_non_null(d);
    return d;
}

/* Runs a shell command and returns its stdout (malloc'd); asserts exit status 0. */
static char *run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, len = 0, got;
    char *out = malloc(cap);
    assert_non_null(out);
    while ((got = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (cap - len < 4096) {
            cap *= 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
    }
    out[len] = '\0';
    int status = pclose(p);
    if (status != 0)
        fail_msg("command failed (%d): %s", status, cmd);
    return out;
}

/* pdftotext -layout pads columns with spaces and letter-spaced titles get spaces between
 * characters; dropping spaces makes the search about the text, not the layout. */
static void drop_spaces(char *s)
{
    char *w = s;
    for (; *s; s++)
        if (*s != ' ')
            *w++ = *s;
    *w = '\0';
}

static int contains(const char *hay, const char *needle)
{
    char *n = xstrdup(needle);
    drop_spaces(n);
    int found = strstr(hay, n) != NULL;
    free(n);
    return found;
}

static void expect_text(const char *text, const char *needle, int present, const char *what)
{
    if (contains(text, needle) != present)
        fail_msg("%s: \"%s\" should be %s", what, needle, present ? "present" : "absent");
}

static char *pdf_text(const char *pdf)
{
    char *t = run("pdftotext -layout -enc UTF-8 '%s' -", pdf);
    drop_spaces(t);
    return t;
}

static void path_in_dir(char *buf, size_t sz, const char *name)
{
    snprintf(buf, sz, "%s/%s", fx.dir, name);
}

static lk_render_opts opts_for(lk_render_copy copy, lk_render_mode mode)
{
    lk_render_opts o = {.copy = copy, .copy_no = 1, .copy_total = 2, .mode = mode};
    return o;
}

/* Records ------------------------------------------------------------------------------------ */

static lk_record *make_record(const char *type)
{
    const lk_entity_type *et = lk_entity_find(type);
    assert_non_null(et);
    lk_record *rec = calloc(1, sizeof *rec);
    assert_non_null(rec);
    int individual = strcmp(type, "individual") == 0;
    rec->uscc = xstrdup(individual ? "92340602MA2PBMEM24" : "914403001922038216");
    rec->name = xstrdup(individual ? "淮北市相山区老街坊小吃店" : "深圳市腾讯计算机系统有限公司");
    rec->entity_type = xstrdup(type);
    rec->holder.role = xstrdup(et->holder_label);
    rec->holder.name = xstrdup("马化腾");
    rec->holder.doc_type = xstrdup("resident_id");
    rec->scope = xstrdup("软件开发；数据库及计算机网络服务。");
    if (et->capital_label)
        rec->capital = xstrdup("人民币陆仟伍佰万元");
    if (et->has_composition)
        rec->composition = xstrdup("个人经营");
    rec->established = xstrdup("1998-11-11");
    if (et->term_label) {
        rec->term_from = xstrdup("1998-11-11");
        rec->term_to = strcmp(type, "partnership") == 0 ? xstrdup("2048-11-10") : NULL;
    }
    rec->address = xstrdup("深圳市南山区粤海街道麻岭社区科技中一路腾讯大厦35层");
    rec->authority = xstrdup("深圳市市场监督管理局");
    rec->registered = xstrdup("2019-03-01");
    rec->status = xstrdup("approved");
    rec->duplicates = 2;
    return rec;
}

/* n code points of realistic 经营范围 text (CJK, full-width punctuation, some digits). */
static char *long_text(const char *unit, size_t n)
{
    size_t ulen = strlen(unit), count = 0;
    char *s = malloc(n * 4 + 1);
    assert_non_null(s);
    size_t w = 0;
    for (size_t i = 0; count < n; i = (i + 1) % ulen) {
        unsigned char c = (unsigned char)unit[i];
        size_t cl = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        memcpy(s + w, unit + i, cl);
        w += cl;
        i += cl - 1;
        count++;
    }
    s[w] = '\0';
    return s;
}

static void set_field(char **field, char *value)
{
    free(*field);
    *field = value;
}

/* Fixture ------------------------------------------------------------------------------------ */

static int group_setup(void **state)
{
    (void)state;
    const char *data = getenv("LK_TEST_DATA");
    char path[1024];
    lk_err err = {0};
    snprintf(path, sizeof path, "%s/../../assets/templates/license-2019.json",
             data ? data : "tests/data");
    if (lk_template_load(path, &fx.tpl, &err) != 0) {
        fprintf(stderr, "cannot load %s: %s\n", path, err.msg);
        return -1;
    }
    if (lk_render_create(fx.tpl, &fx.r, &err) != 0)
        return -1;
    snprintf(fx.dir, sizeof fx.dir, "/tmp/lk_test_render.XXXXXX");
    return mkdtemp(fx.dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    lk_render_free(fx.r);
    lk_template_free(fx.tpl);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx.dir);
    if (getenv("LK_KEEP_OUTPUT") == NULL && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", fx.dir);
    /* Drop fontconfig's and cairo's caches so LeakSanitizer sees only real leaks. */
    lk_render_release_caches();
    return 0;
}

/* Full page: every label and field --------------------------------------------------------- */

static void expect_record_text(const char *text, const lk_record *rec, const char *what)
{
    const lk_entity_type *et = lk_entity_find(rec->entity_type);
    const char *always[] = {
        "统一社会信用代码", "名称",          "类型",       "经营范围",       et->holder_label,
        et->date_label,     et->place_label, rec->uscc,    rec->name,        et->default_type_name,
        rec->holder.name,   rec->scope,      rec->address, "1998年11月11日", "扫描二维码登录"};
    for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
        expect_text(text, always[i], 1, what);
    expect_text(text, "注册资本", strcmp(rec->entity_type, "company") == 0, what);
    expect_text(text, "组成形式", et->has_composition, what);
    expect_text(text, "营业期限", et->term_label && strcmp(et->term_label, "营业期限") == 0, what);
    if (et->capital_label) {
        expect_text(text, et->capital_label, 1, what);
        expect_text(text, rec->capital, 1, what);
    }
    if (et->has_composition)
        expect_text(text, rec->composition, 1, what);
    if (et->term_label) {
        expect_text(text, et->term_label, 1, what);
        expect_text(text, rec->term_to ? "1998年11月11日至2048年11月10日" : "1998年11月11日至长期",
                    1, what);
    }
}

static void render_and_read(const lk_record *rec, lk_render_copy copy, lk_render_mode mode,
                            char *pdf, size_t pdfsz, char **text)
{
    lk_err err = {0};
    lk_render_opts o = opts_for(copy, mode);
    char name[96];
    snprintf(name, sizeof name, "%s_%d_%d.pdf", rec->entity_type, (int)copy, (int)mode);
    path_in_dir(pdf, pdfsz, name);
    if (lk_render_pdf_file(fx.r, rec, &o, pdf, &err) != 0)
        fail_msg("render %s: %s", name, err.msg);
    *text = pdf_text(pdf);
}

static void test_full_page_every_type(void **state)
{
    (void)state;
    for (size_t i = 0; lk_entity_at(i); i++) {
        lk_record *rec = make_record(lk_entity_at(i)->key);
        for (int copy = 0; copy < 2; copy++) {
            char pdf[256], *text;
            render_and_read(rec, (lk_render_copy)copy, LK_RENDER_FULL, pdf, sizeof pdf, &text);
            expect_record_text(text, rec, pdf);
            const char *full_only[] = {"营业执照",
                                       "登记机关",
                                       rec->authority,
                                       "2019年03月01日",
                                       "http://www.gsxt.gov.cn",
                                       "国家市场监督管理总局监制"};
            for (size_t k = 0; k < sizeof full_only / sizeof full_only[0]; k++)
                expect_text(text, full_only[k], 1, pdf);
            expect_text(text,
                        "市场主体应当于每年1月1日至6月30日通过国家企业信用信息公示系统报送公示",
                        copy == LK_RENDER_DUPLICATE, pdf);
            expect_text(text, "1—2", copy == LK_RENDER_DUPLICATE, pdf);
            expect_text(text, "副本", copy == LK_RENDER_DUPLICATE, pdf);
            free(text);
        }
        lk_record_free(rec);
    }
}

/* Overlay: the variable items only, never what the stock pre-prints. */
static void test_overlay_every_type(void **state)
{
    (void)state;
    for (size_t i = 0; lk_entity_at(i); i++) {
        lk_record *rec = make_record(lk_entity_at(i)->key);
        for (int copy = 0; copy < 2; copy++) {
            char pdf[256], *text;
            render_and_read(rec, (lk_render_copy)copy, LK_RENDER_OVERLAY, pdf, sizeof pdf, &text);
            expect_record_text(text, rec, pdf);
            const char *stock[] = {"营业执照",
                                   "登记机关",
                                   rec->authority,
                                   "年03月",
                                   "http://www.gsxt.gov.cn",
                                   "国家市场监督管理总局监制",
                                   "副本"};
            for (size_t k = 0; k < sizeof stock / sizeof stock[0]; k++)
                expect_text(text, stock[k], 0, pdf);
            expect_text(text, "2019", 1, pdf); /* date digits go between the printed 年月日 */
            expect_text(text,
                        "市场主体应当于每年1月1日至6月30日通过国家企业信用信息公示系统报送公示",
                        copy == LK_RENDER_DUPLICATE, pdf);
            expect_text(text, "1—2", copy == LK_RENDER_DUPLICATE, pdf);
            free(text);
        }
        lk_record_free(rec);
    }
}

/* Fonts and page sizes ----------------------------------------------------------------------- */

static void expect_fonts_embedded(const char *pdf)
{
    char *out = run("pdffonts '%s'", pdf);
    assert_non_null(strstr(out, "NotoSerifCJKsc"));
    assert_non_null(strstr(out, "NotoSansCJKsc"));
    char *save_line, *save_tok;
    int header_done = 0, fonts = 0;
    for (char *line = strtok_r(out, "\n", &save_line); line;
         line = strtok_r(NULL, "\n", &save_line)) {
        if (!header_done) {
            header_done = strncmp(line, "---", 3) == 0;
            continue;
        }
        char *tok[32];
        int n = 0;
        for (char *t = strtok_r(line, " ", &save_tok); t && n < 32;
             t = strtok_r(NULL, " ", &save_tok))
            tok[n++] = t;
        /* name, type (several words), encoding, emb, sub, uni, object id, generation */
        assert_true(n >= 7);
        if (strcmp(tok[n - 5], "yes") != 0)
            fail_msg("%s: font %s is not embedded", pdf, tok[0]);
        fonts++;
    }
    assert_true(fonts >= 2);
    free(out);
}

static void test_fonts_and_page_size(void **state)
{
    (void)state;
    static const char *const sizes[] = {"1190.55 x 841.89 pts", "841.89 x 595.27"};
    lk_record *rec = make_record("company");
    for (int copy = 0; copy < 2; copy++) {
        char pdf[256], *text;
        render_and_read(rec, (lk_render_copy)copy, LK_RENDER_FULL, pdf, sizeof pdf, &text);
        free(text);
        expect_fonts_embedded(pdf);
        char *info = run("pdfinfo '%s'", pdf);
        if (!strstr(info, sizes[copy]))
            fail_msg("%s: expected page size %s in:\n%s", pdf, sizes[copy], info);
        free(info);
        double w, h;
        assert_int_equal(lk_template_page_size(fx.tpl, (lk_render_copy)copy, &w, &h), 0);
        assert_true(copy == 0 ? (w == 420 && h == 297) : (w == 297 && h == 210));
    }
    lk_record_free(rec);
}

/* The build's GB 2312 subsets carry every common text (that is what keeps a PDF cheap), and a
 * character outside GB 2312 still prints, from the full Noto face the template names after the
 * subset one. */
static int pdffonts_has(const char *fonts, const char *face)
{
    char needle[96];
    snprintf(needle, sizeof needle, "+%s ", face); /* subset tag + name, then the type column */
    return strstr(fonts, needle) != NULL;
}

static void test_subset_fonts_and_fallback(void **state)
{
    (void)state;
    lk_record *rec = make_record("company");
    char pdf[256], *text;
    render_and_read(rec, LK_RENDER_ORIGINAL, LK_RENDER_FULL, pdf, sizeof pdf, &text);
    free(text);
    char *fonts = run("pdffonts '%s'", pdf);
    assert_true(pdffonts_has(fonts, "NotoSerifCJKsc-Regular-GB2312"));
    assert_true(pdffonts_has(fonts, "NotoSansCJKsc-Regular-GB2312"));
    assert_true(pdffonts_has(fonts, "NotoSansCJKsc-Bold-GB2312"));
    assert_false(pdffonts_has(fonts, "NotoSerifCJKsc-Regular")); /* no full face needed */
    free(fonts);
    /* 镕, 喆 and 堃 are not in GB 2312 (common in personal names all the same). */
    set_field(&rec->holder.name, xstrdup("朱镕喆堃"));
    render_and_read(rec, LK_RENDER_ORIGINAL, LK_RENDER_FULL, pdf, sizeof pdf, &text);
    expect_text(text, "朱镕喆堃", 1, pdf);
    free(text);
    fonts = run("pdffonts '%s'", pdf);
    assert_true(pdffonts_has(fonts, "NotoSerifCJKsc-Regular-GB2312"));
    assert_true(pdffonts_has(fonts, "NotoSerifCJKsc-Regular"));
    free(fonts);
    lk_record_free(rec);
}

/* QR code ------------------------------------------------------------------------------------ */

static const lk_render_box *find_box(const lk_render_box *boxes, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(boxes[i].id, id) == 0)
            return &boxes[i];
    return NULL;
}

/* Renders, rasterises the QR area at 300 dpi (cropped to the laid-out box plus a margin, so
 * this also proves the layout box is where the code is drawn) and decodes it. */
static void expect_qr(const lk_record *rec, lk_render_copy copy, const char *expected)
{
    lk_err err = {0};
    lk_render_opts o = opts_for(copy, LK_RENDER_OVERLAY);
    lk_render_box boxes[MAX_BOXES];
    size_t n;
    char pdf[256], png[256];
    path_in_dir(pdf, sizeof pdf, "qr.pdf");
    path_in_dir(png, sizeof png, "qr");
    assert_int_equal(lk_render_layout(fx.r, rec, &o, boxes, MAX_BOXES, &n, &err), 0);
    const lk_render_box *qr = find_box(boxes, n, "qr");
    assert_non_null(qr);
    if (lk_render_pdf_file(fx.r, rec, &o, pdf, &err) != 0)
        fail_msg("render: %s", err.msg);
    double px = 300 / 25.4, margin = 3;
    free(run("pdftoppm -r 300 -png -singlefile -x %d -y %d -W %d -H %d '%s' '%s'",
             (int)((qr->logical.x - margin) * px), (int)((qr->logical.y - margin) * px),
             (int)((qr->logical.w + 2 * margin) * px), (int)((qr->logical.h + 2 * margin) * px),
             pdf, png));
    char *got = run("zbarimg --raw -q '%s.png' 2>/dev/null", png);
    size_t len = strlen(got);
    if (len && got[len - 1] == '\n')
        got[len - 1] = '\0';
    assert_string_equal(got, expected);
    free(got);
}

static void test_qr_decodes(void **state)
{
    (void)state;
    lk_record *rec = make_record("company");
    char opaque[400];
    int w = snprintf(opaque, sizeof opaque, "http://zj.gsxt.gov.cn/%%7B");
    for (int i = 0; i < 48; i++)
        w += snprintf(opaque + w, sizeof opaque - (size_t)w, "%04X",
                      (unsigned)(i * 2654435761u) >> 16);
    snprintf(opaque + w, sizeof opaque - (size_t)w, "-1546300800000%%7D");
    const char *payloads[] = {opaque,
                              "市场主体身份码：深圳市腾讯计算机系统有限公司 914403001922038216"};
    for (int copy = 0; copy < 2; copy++) {
        /* No payload from the registry: the gsxt uniscid URL. */
        set_field(&rec->qr_payload, NULL);
        expect_qr(rec, (lk_render_copy)copy,
                  "http://www.gsxt.gov.cn/index.html?uniscid=914403001922038216");
        for (size_t i = 0; i < 2; i++) {
            set_field(&rec->qr_payload, xstrdup(payloads[i]));
            expect_qr(rec, (lk_render_copy)copy, payloads[i]);
        }
    }
    lk_record_free(rec);
}

/* Layout: the longest texts fit, calibration moves exactly -------------------------------- */

static void expect_inside(const lk_render_rect *r, const lk_render_box *b, const char *what)
{
    if (r->x < b->box.x - EPS_MM || r->y < b->box.y - EPS_MM ||
        r->x + r->w > b->box.x + b->box.w + EPS_MM || r->y + r->h > b->box.y + b->box.h + EPS_MM)
        fail_msg("%s of %s (%.3f,%.3f %.3fx%.3f) leaves its box (%.3f,%.3f %.3fx%.3f)", what, b->id,
                 r->x, r->y, r->w, r->h, b->box.x, b->box.y, b->box.w, b->box.h);
}

static void expect_all_fit(const lk_record *rec, lk_render_copy copy, lk_render_mode mode)
{
    lk_err err = {0};
    lk_render_opts o = opts_for(copy, mode);
    lk_render_box boxes[MAX_BOXES];
    size_t n = 0;
    if (lk_render_layout(fx.r, rec, &o, boxes, MAX_BOXES, &n, &err) != 0)
        fail_msg("layout: %s", err.msg);
    assert_true(n > 10 && n <= MAX_BOXES);
    for (size_t i = 0; i < n; i++) {
        const lk_render_box *b = &boxes[i];
        expect_inside(&b->logical, b, "logical extent");
        expect_inside(&b->ink, b, "ink extent");
        if (b->kind == LK_RENDER_KIND_TEXT && b->size_pt < b->min_size_pt)
            fail_msg("%s: %.2f pt below the floor %.2f pt", b->id, b->size_pt, b->min_size_pt);
    }
    const lk_render_box *scope = find_box(boxes, n, "scope");
    assert_non_null(scope);
    assert_true(scope->lines > 20);
    assert_true(find_box(boxes, n, "name")->lines > 1);
    assert_true(find_box(boxes, n, "place")->lines > 1);
}

static lk_record *longest_record(const char *type)
{
    lk_record *rec = make_record(type);
    set_field(&rec->scope,
              long_text("一般经营项目是：计算机软、硬件的设计、技术开发、销售（不含专营、"
                        "专控、专卖商品及限制项目）；数据库及计算机网络服务；第2类增值电信"
                        "业务中的信息服务业务（仅限互联网信息服务）。",
                        3000));
    set_field(&rec->name,
              long_text("深圳市前海深港现代服务业合作区腾讯云计算科技研发有限责任公司", 200));
    set_field(&rec->address,
              long_text("广东省深圳市南山区粤海街道麻岭社区科技中一路腾讯大厦35层3501室", 200));
    return rec;
}

static void test_longest_texts_fit(void **state)
{
    (void)state;
    const char *types[] = {"company", "individual", "partnership"};
    for (size_t t = 0; t < 3; t++) {
        lk_record *rec = longest_record(types[t]);
        for (int copy = 0; copy < 2; copy++)
            for (int mode = 0; mode < 2; mode++)
                expect_all_fit(rec, (lk_render_copy)copy, (lk_render_mode)mode);
        /* And it really renders, text intact: the scope's last characters are in the PDF. */
        char pdf[256];
        lk_err err = {0};
        lk_render_opts o = opts_for(LK_RENDER_ORIGINAL, LK_RENDER_FULL);
        path_in_dir(pdf, sizeof pdf, "longest.pdf");
        assert_int_equal(lk_render_pdf_file(fx.r, rec, &o, pdf, &err), 0);
        char *text = pdf_text(pdf);
        expect_text(text, "第2类增值电信", 1, "longest");
        free(text);
        lk_record_free(rec);
    }
}

/* cmocka 1.1's assert_float_equal compares in float; these are doubles in mm. */
static void expect_moved(const char *id, const lk_render_rect *a, const lk_render_rect *b,
                         double dx, double dy)
{
    if (fabs(b->x - a->x - dx) > 1e-9 || fabs(b->y - a->y - dy) > 1e-9 ||
        fabs(b->w - a->w) > 1e-9 || fabs(b->h - a->h) > 1e-9)
        fail_msg("%s moved by (%.12f, %.12f) %.12fx%.12f -> %.12fx%.12f, expected (%.1f, %.1f)", id,
                 b->x - a->x, b->y - a->y, a->w, a->h, b->w, b->h, dx, dy);
}

static void test_calibration_offsets(void **state)
{
    (void)state;
    static const int offsets[][2] = {{15, -7}, {-23, 4}, {500, -500}};
    lk_record *rec = longest_record("company");
    lk_render_box base[MAX_BOXES], moved[MAX_BOXES];
    size_t n0, n1;
    lk_err err = {0};
    for (int mode = 0; mode < 2; mode++) {
        lk_render_opts o = opts_for(LK_RENDER_DUPLICATE, (lk_render_mode)mode);
        assert_int_equal(lk_render_layout(fx.r, rec, &o, base, MAX_BOXES, &n0, &err), 0);
        for (size_t k = 0; k < 3; k++) {
            o.cal_x_01mm = offsets[k][0];
            o.cal_y_01mm = offsets[k][1];
            assert_int_equal(lk_render_layout(fx.r, rec, &o, moved, MAX_BOXES, &n1, &err), 0);
            assert_int_equal(n0, n1);
            double dx = offsets[k][0] / 10.0, dy = offsets[k][1] / 10.0;
            for (size_t i = 0; i < n0; i++) {
                assert_string_equal(base[i].id, moved[i].id);
                expect_moved(base[i].id, &base[i].box, &moved[i].box, dx, dy);
                expect_moved(base[i].id, &base[i].logical, &moved[i].logical, dx, dy);
                expect_moved(base[i].id, &base[i].ink, &moved[i].ink, dx, dy);
                assert_true(base[i].size_pt == moved[i].size_pt);
            }
        }
        o.cal_x_01mm = 501;
        assert_int_equal(lk_render_layout(fx.r, rec, &o, moved, MAX_BOXES, &n1, &err), LK_EINVAL);
    }
    lk_record_free(rec);
}

/* Items the entity type lacks are not laid out at all. */
static void test_skipped_items(void **state)
{
    (void)state;
    lk_render_box b[MAX_BOXES];
    size_t n;
    lk_err err = {0};
    lk_render_opts o = opts_for(LK_RENDER_ORIGINAL, LK_RENDER_OVERLAY);
    lk_record *ind = make_record("individual"), *co = make_record("company");
    assert_int_equal(lk_render_layout(fx.r, ind, &o, b, MAX_BOXES, &n, &err), 0);
    assert_null(find_box(b, n, "capital_label"));
    assert_null(find_box(b, n, "term"));
    assert_non_null(find_box(b, n, "composition_label"));
    assert_null(find_box(b, n, "title"));
    assert_non_null(find_box(b, n, "registered_year"));
    assert_int_equal(lk_render_layout(fx.r, co, &o, b, MAX_BOXES, &n, &err), 0);
    assert_non_null(find_box(b, n, "capital"));
    assert_null(find_box(b, n, "composition"));
    /* max smaller than the count: only max written, the true count reported */
    size_t n_small;
    assert_int_equal(lk_render_layout(fx.r, co, &o, b, 3, &n_small, &err), 0);
    assert_int_equal(n_small, n);
    lk_record_free(ind);
    lk_record_free(co);
}

/* Preview and streaming ---------------------------------------------------------------------- */

static uint32_t pixel(cairo_surface_t *s, int x, int y)
{
    const unsigned char *data = cairo_image_surface_get_data(s);
    return *(const uint32_t *)(const void *)(data + y * cairo_image_surface_get_stride(s) + x * 4);
}

static void test_preview(void **state)
{
    (void)state;
    lk_record *rec = make_record("company");
    lk_render_opts o = opts_for(LK_RENDER_ORIGINAL, LK_RENDER_FULL);
    cairo_surface_t *s = NULL;
    lk_err err = {0};
    assert_int_equal(lk_render_preview(fx.r, rec, &o, 1920, 1080, &s, &err), 0);
    assert_int_equal(cairo_image_surface_get_format(s), CAIRO_FORMAT_ARGB32);
    assert_int_equal(cairo_image_surface_get_width(s), 1920);
    assert_int_equal(cairo_image_surface_get_height(s), 1080);
    /* A3 is wider than tall but less than 16:9, so the sheet fills the height, centred. */
    assert_int_equal(pixel(s, 5, 540) >> 24, 0);
    assert_int_equal(pixel(s, 960, 540) >> 24, 0xff);
    long dark = 0;
    for (int y = 0; y < 1080; y += 2)
        for (int x = 0; x < 1920; x += 2)
            dark += (pixel(s, x, y) >> 24) == 0xff && (pixel(s, x, y) & 0xff) < 0x40;
    assert_true(dark > 2000);
    cairo_surface_destroy(s);
    char png[256];
    path_in_dir(png, sizeof png, "preview.png");
    assert_int_equal(lk_render_png_file(fx.r, rec, &o, 800, 600, png, &err), 0);
    char *info = run("file '%s'", png);
    assert_non_null(strstr(info, "PNG image data, 800 x 600"));
    free(info);
    assert_int_equal(lk_render_preview(fx.r, rec, &o, 8, 8, &s, &err), LK_EINVAL);
    lk_record_free(rec);
}

typedef struct membuf {
    unsigned char *data;
    size_t len, cap;
    int fail_after; /* fail the n-th write; 0 = never */
    int writes;
} membuf;

static cairo_status_t mem_write(void *closure, const unsigned char *data, unsigned int len)
{
    membuf *m = closure;
    if (m->fail_after && ++m->writes >= m->fail_after)
        return CAIRO_STATUS_WRITE_ERROR;
    if (m->len + len > m->cap) {
        m->cap = (m->len + len) * 2;
        m->data = realloc(m->data, m->cap);
        if (!m->data)
            return CAIRO_STATUS_NO_MEMORY;
    }
    memcpy(m->data + m->len, data, len);
    m->len += len;
    return CAIRO_STATUS_SUCCESS;
}

static void test_stream(void **state)
{
    (void)state;
    lk_record *rec = make_record("branch");
    lk_render_opts o = opts_for(LK_RENDER_DUPLICATE, LK_RENDER_OVERLAY);
    membuf m = {0};
    lk_err err = {0};
    assert_int_equal(lk_render_pdf_stream(fx.r, rec, &o, mem_write, &m, &err), 0);
    assert_true(m.len > 1000);
    assert_memory_equal(m.data, "%PDF-", 5);
    int eof = 0;
    for (size_t i = m.len - 32; i + 5 <= m.len; i++)
        eof |= memcmp(m.data + i, "%%EOF", 5) == 0;
    assert_true(eof);
    free(m.data);
    membuf broken = {.fail_after = 2};
    assert_int_equal(lk_render_pdf_stream(fx.r, rec, &o, mem_write, &broken, &err), LK_EIO);
    free(broken.data);
    lk_record_free(rec);
}

/* Refusals ----------------------------------------------------------------------------------- */

static void test_render_errors(void **state)
{
    (void)state;
    lk_record *rec = make_record("company");
    lk_render_opts o = opts_for(LK_RENDER_ORIGINAL, LK_RENDER_FULL);
    lk_err err = {0};
    char pdf[256];
    path_in_dir(pdf, sizeof pdf, "refused.pdf");
    set_field(&rec->entity_type, xstrdup("trust"));
    assert_int_equal(lk_render_pdf_file(fx.r, rec, &o, pdf, &err), LK_EINVAL);
    assert_non_null(strstr(err.msg, "trust"));
    set_field(&rec->entity_type, xstrdup("company"));
    set_field(&rec->established, xstrdup("1998/11/11"));
    assert_int_equal(lk_render_pdf_file(fx.r, rec, &o, pdf, &err), LK_EINVAL);
    assert_non_null(strstr(err.msg, "established"));
    set_field(&rec->established, xstrdup("1998-11-11"));
    /* Twice the longest scope: refused rather than clipped, and no file is left behind. */
    set_field(&rec->scope, long_text("计算机软、硬件的设计、技术开发、销售；", 12000));
    assert_int_equal(lk_render_pdf_file(fx.r, rec, &o, pdf, &err), LK_ENOSPC);
    assert_non_null(strstr(err.msg, "scope"));
    assert_int_equal(access(pdf, F_OK), -1);
    set_field(&rec->scope, xstrdup("软件开发。"));
    assert_int_equal(lk_render_pdf_file(fx.r, rec, &o, "/nonexistent/dir/x.pdf", &err), LK_EIO);
    o.copy = (lk_render_copy)7;
    assert_int_equal(lk_render_pdf_file(fx.r, rec, &o, pdf, &err), LK_EINVAL);
    assert_int_equal(lk_render_pdf_file(fx.r, NULL, &o, pdf, &err), LK_EINVAL);
    lk_record_free(rec);
}

/* Template loader ---------------------------------------------------------------------------- */

#define GOOD_ITEM                                                                                  \
    "{\"id\":\"t\",\"x_mm\":10,\"y_mm\":10,\"w_mm\":50,\"h_mm\":10,\"font\":\"Noto Sans CJK "      \
    "SC\",\"size_pt\":12,\"text\":\"名称\"}"
#define PAGES(orig)                                                                                \
    "{\"version\":1,\"original\":{\"w_mm\":420,\"h_mm\":297,\"items\":[" orig "]},"                \
    "\"duplicate\":{\"w_mm\":297,\"h_mm\":210,\"items\":[" GOOD_ITEM "]}}"
#define ITEM(extra)                                                                                \
    PAGES("{\"id\":\"bad\",\"x_mm\":10,\"y_mm\":10,\"w_mm\":50,\"h_mm\":10,\"font\":\"F\"," extra  \
          "}")

static void test_template_errors(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        int code;
        const char *msg;
    } cases[] = {
        {"not json", LK_EINVAL, "not valid JSON"},
        {"[1,2]", LK_EINVAL, "not a JSON object"},
        {"{\"version\":2}", LK_EVERSION, "version 2"},
        {"{\"version\":1,\"duplicate\":{}}", LK_EINVAL, "missing key \"original\""},
        {"{\"version\":\"1\"}", LK_EINVAL, "expected a number for \"version\""},
        {"{\"version\":1,\"extra\":1}", LK_EINVAL, "unknown key \"extra\""},
        {PAGES(""), LK_EINVAL, "1..256 entries"},
        {PAGES("{\"id\":\"a\",\"y_mm\":1,\"w_mm\":1,\"h_mm\":1}"), LK_EINVAL,
         "(a): missing key \"x_mm\""},
        {ITEM("\"size_pt\":\"12\",\"text\":\"x\""), LK_EINVAL, "expected a number for \"size_pt\""},
        {ITEM("\"size_pt\":12,\"label\":\"boss\""), LK_EINVAL, "unknown label slot \"boss\""},
        {ITEM("\"size_pt\":12,\"field\":\"nickname\""), LK_EINVAL, "unknown field \"nickname\""},
        {ITEM("\"size_pt\":12"), LK_EINVAL, "exactly one of"},
        {ITEM("\"size_pt\":12,\"text\":\"x\",\"field\":\"name\""), LK_EINVAL, "exactly one of"},
        {ITEM("\"size\":12,\"text\":\"x\""), LK_EINVAL, "unknown key \"size\""},
        {ITEM("\"size_pt\":12,\"min_size_pt\":14,\"text\":\"x\""), LK_EINVAL, "min_size_pt"},
        {ITEM("\"size_pt\":12,\"text\":\"x\",\"align\":\"middle\""), LK_EINVAL, "\"align\""},
        {ITEM("\"size_pt\":12,\"text\":\"x\",\"color\":\"red\""), LK_EINVAL, "#rrggbb"},
        {ITEM("\"size_pt\":12,\"text\":\"x\",\"bold\":1"), LK_EINVAL, "true or false"},
        {ITEM("\"size_pt\":12,\"text\":\"\""), LK_EINVAL, "empty string for \"text\""},
        {PAGES("{\"id\":\"q\",\"kind\":\"qr\",\"x_mm\":400,\"y_mm\":1,\"w_mm\":40,\"h_mm\":40}"),
         LK_EINVAL, "outside the paper"},
        {PAGES("{\"id\":\"q\",\"kind\":\"barcode\",\"x_mm\":1,\"y_mm\":1,\"w_mm\":4,\"h_mm\":4}"),
         LK_EINVAL, "unknown value for \"kind\""},
        {PAGES(GOOD_ITEM "," GOOD_ITEM), LK_EINVAL, "duplicate \"id\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lk_template *tpl = (lk_template *)&fx; /* must be reset to NULL on failure */
        lk_err err = {0};
        int rc = lk_template_parse(cases[i].json, strlen(cases[i].json), &tpl, &err);
        if (rc != cases[i].code || !strstr(err.msg, cases[i].msg))
            fail_msg("case %zu: got %d \"%s\", expected %d \"%s\"", i, rc, err.msg, cases[i].code,
                     cases[i].msg);
        assert_null(tpl);
    }
}

static void test_template_load(void **state)
{
    (void)state;
    lk_template *tpl = NULL;
    lk_err err = {0};
    assert_int_equal(lk_template_load("/nonexistent/license.json", &tpl, &err), LK_EIO);
    assert_null(tpl);
    const char *good = PAGES(GOOD_ITEM);
    assert_int_equal(lk_template_parse(good, strlen(good), &tpl, &err), 0);
    assert_int_equal(lk_template_item_count(tpl, LK_RENDER_ORIGINAL), 1);
    lk_template_free(tpl);
    /* The shipped template: both copies, and every field the record carries is placed. */
    assert_true(lk_template_item_count(fx.tpl, LK_RENDER_ORIGINAL) > 20);
    assert_true(lk_template_item_count(fx.tpl, LK_RENDER_DUPLICATE) >
                lk_template_item_count(fx.tpl, LK_RENDER_ORIGINAL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_load),
        cmocka_unit_test(test_template_errors),
        cmocka_unit_test(test_full_page_every_type),
        cmocka_unit_test(test_overlay_every_type),
        cmocka_unit_test(test_fonts_and_page_size),
        cmocka_unit_test(test_subset_fonts_and_fallback),
        cmocka_unit_test(test_qr_decodes),
        cmocka_unit_test(test_longest_texts_fit),
        cmocka_unit_test(test_calibration_offsets),
        cmocka_unit_test(test_skipped_items),
        cmocka_unit_test(test_preview),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_render_errors),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
