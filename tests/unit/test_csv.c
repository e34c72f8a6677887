/* test_csv: license records from CSV. RFC 4180 quoting (escaped quotes, commas and newlines
 * inside quotes), CRLF and a UTF-8 BOM, columns in any order, header errors, the agents cell,
 * and a bad row that is reported without stopping the reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kiosk/lk_record.h"

#define TODAY 20261122

static const char header[] =
    "uscc,name,entity_type,type_name,holder_role,holder_name,holder_doc_type,holder_doc_number,"
    "agents,scope,capital,composition,established,term_from,term_to,address,authority,"
    "registered,qr_payload,status,duplicates";

static const char row[] =
    "914403001922038216,\"深圳市华信科技有限公司\",company,,法定代表人,张伟,resident_id,"
    "11010519491231002X,\"委托代理人|李娜|passport|E12345678;|王芳|resident_id|"
    "440524188001010014\",\"一般经营项目是：计算机软硬件的技术开发，\"\"云\"\"服务。\","
    "人民币壹仟万元整,,2015-03-01,2015-03-01,,广东省深圳市南山区深南大道9988号,"
    "深圳市市场监督管理局,2020-02-29,,approved,2";

static lk_record *parse(const char *hdr, const char *r, lk_err *err)
{
    lk_record *rec = NULL;
    int rc = lk_csv_parse_row(hdr, strlen(hdr), r, strlen(r), &rec, err);
    if (rc == 0)
        assert_non_null(rec);
    else
        assert_null(rec);
    return rec;
}

static void test_parse_row(void **state)
{
    (void)state;
    lk_err err = {0};
    lk_record *rec = parse(header, row, &err);
    assert_non_null(rec);
    assert_string_equal(rec->name, "深圳市华信科技有限公司");
    assert_string_equal(rec->scope, "一般经营项目是：计算机软硬件的技术开发，\"云\"服务。");
    assert_null(rec->type_name); /* empty cell of a nullable column */
    assert_null(rec->composition);
    assert_null(rec->term_to);
    assert_null(rec->qr_payload);
    assert_int_equal(rec->duplicates, 2);
    assert_int_equal(rec->n_agents, 2);
    assert_string_equal(rec->agents[0].doc_type, "passport");
    assert_string_equal(rec->agents[1].role, "委托代理人"); /* empty role: the default */
    assert_string_equal(rec->agents[1].name, "王芳");
    assert_string_equal(rec->agents[1].doc_number, "440524188001010014");
    if (lk_record_validate(rec, TODAY, NULL, &err) != 0)
        fail_msg("validate: %s", err.msg);
    lk_record_free(rec);
}

static void test_column_order_and_optional(void **state)
{
    (void)state;
    const char *hdr = "duplicates,status,registered,authority,address,established,capital,scope,"
                      "holder_doc_number,holder_doc_type,holder_name,holder_role,entity_type,"
                      "name,uscc\r";
    const char *r = "1,approved,2020-02-29,深圳市市场监督管理局,广东省深圳市南山区,2015-03-01,"
                    "100万元人民币,软件开发。,11010519491231002X,resident_id,张伟,法定代表人,"
                    "company,华信,914403001922038216\r";
    lk_err err = {0};
    lk_record *rec = parse(hdr, r, &err);
    assert_non_null(rec);
    assert_string_equal(rec->uscc, "914403001922038216");
    assert_int_equal(rec->n_agents, 0);
    assert_null(rec->agents);
    assert_int_equal(lk_record_validate(rec, TODAY, NULL, NULL), 0);
    lk_record_free(rec);
}

typedef struct bad {
    const char *hdr, *row, *reason;
} bad;

static const bad bads[] = {
    {"uscc,name", "x,y", "header: missing column entity_type"},
    {"uscc,name,entity_type,colour", "x", "header: unknown column 'colour'"},
    {"uscc,uscc", "x", "header: column uscc given twice"},
    {"uscc,11010519491231002X", "x", "header: unknown column '(not shown)'"},
    {NULL, "a,b", "row: 2 fields, the header has 21"},
    {NULL, "\"unterminated", "uscc: quoted field not closed"},
    {NULL, "\"a\"b,", "uscc: text after the closing quote"},
    {NULL, "a\"b,", "uscc: quote inside an unquoted field"},
};

static void test_bad_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        lk_err err = {0};
        lk_record *rec = parse(bads[i].hdr ? bads[i].hdr : header, bads[i].row, &err);
        if (rec || !strstr(err.msg, bads[i].reason))
            fail_msg("case %zu: '%s', expected '%s'", i, err.msg, bads[i].reason);
        assert_null(strstr(err.msg, "11010519491231002X"));
    }
}

/* row[] with the first occurrence of `from` replaced by `to`, parsed; returns the error. */
static void expect_cell_error(const char *from, const char *to, const char *reason)
{
    char buf[2048];
    const char *at = strstr(row, from);
    assert_non_null(at);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - row), row, to, at + strlen(from));
    lk_err err = {0};
    lk_record *rec = parse(header, buf, &err);
    if (rec || !strstr(err.msg, reason))
        fail_msg("'%s', expected '%s'", err.msg, reason);
    assert_null(strstr(err.msg, "E12345678"));
    assert_null(strstr(err.msg, "11010519491231002X"));
}

static void test_bad_cells(void **state)
{
    (void)state;
    expect_cell_error(",approved,2", ",approved,two", "duplicates: must be a whole number");
    expect_cell_error(",approved,2", ",approved,", "duplicates: must be a whole number");
    expect_cell_error(",approved,2", ",approved,1234567", "duplicates: must be a whole number");
    expect_cell_error("李娜|passport", "李娜passport", "agents: entry 1 must be");
    expect_cell_error("|E12345678;", "|E12345678|x;", "agents: entry 1 must be");
    expect_cell_error("张伟", "\xC3\x28", "holder_name: invalid UTF-8");
    char many[1024] = "\"";
    for (int i = 0; i <= LK_RECORD_MAX_AGENTS; i++)
        strcat(many, "|李|passport|E1234567;");
    expect_cell_error("\"委托代理人|李娜|passport|E12345678;", many, "agents: more than 16");
}

static void test_embedded_nul(void **state)
{
    (void)state;
    char buf[sizeof row];
    memcpy(buf, row, sizeof row);
    char *at = strstr(buf, "张伟");
    at[0] = '\0';
    lk_record *rec = NULL;
    lk_err err = {0};
    assert_int_equal(lk_csv_parse_row(header, strlen(header), buf, sizeof row - 1, &rec, &err),
                     LK_EINVAL);
    assert_non_null(strstr(err.msg, "holder_name: NUL byte"));
    assert_null(rec);
}

static FILE *stream(const char *text, size_t len)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    rewind(f);
    return f;
}

static void test_reader_bom_crlf_newline(void **state)
{
    (void)state;
    char text[4096];
    snprintf(text, sizeof text,
             "\xEF\xBB\xBF%s\r\n%s\r\n"
             "914403001922038216,\"多行\r\n名称\",company,,法定代表人,张伟,resident_id,"
             "11010519491231002X,,\"第一行\n第二行\",1万元,,2015-03-01,,,地址,机关,2020-02-29,,"
             "approved,1\r\n\r\n",
             header, row);
    FILE *f = stream(text, strlen(text));
    lk_csv *csv = NULL;
    lk_err err = {0};
    assert_int_equal(lk_csv_open(f, &csv, &err), 0);
    lk_record *rec = NULL;
    long line = 0;
    assert_int_equal(lk_csv_next(csv, &rec, &line, &err), 1);
    assert_int_equal(line, 2);
    assert_string_equal(rec->status, "approved"); /* no stray CR */
    lk_record_free(rec);
    assert_int_equal(lk_csv_next(csv, &rec, &line, &err), 1);
    assert_int_equal(line, 3);
    assert_string_equal(rec->name, "多行\r\n名称");
    assert_string_equal(rec->scope, "第一行\n第二行");
    assert_int_equal(rec->duplicates, 1);
    lk_record_free(rec);
    assert_int_equal(lk_csv_next(csv, &rec, &line, &err), 0);
    assert_null(rec);
    lk_csv_close(csv);
    fclose(f);
}

static void test_reader_continues_after_bad_row(void **state)
{
    (void)state;
    size_t big = LK_RECORD_MAX_BYTES + 100;
    size_t cap = big + 8192;
    char *text = malloc(cap);
    int n = snprintf(text, cap, "%s\nbroken,row\n%s\n\"", header, row);
    memset(text + n, 'x', big); /* one quoted cell longer than any record may be */
    snprintf(text + n + big, cap - (size_t)n - big, "\n\n\"\n%s\n", row);
    FILE *f = stream(text, strlen(text));
    lk_csv *csv = NULL;
    lk_err err = {0};
    assert_int_equal(lk_csv_open(f, &csv, &err), 0);
    lk_record *rec = NULL;
    long line = 0;
    assert_int_equal(lk_csv_next(csv, &rec, &line, &err), LK_EINVAL);
    assert_int_equal(line, 2);
    assert_non_null(strstr(err.msg, "row: 2 fields"));
    assert_int_equal(lk_csv_next(csv, &rec, &line, &err), 1);
    assert_int_equal(line, 3);
    lk_record_free(rec);
    assert_int_equal(lk_csv_next(csv, &rec, &line, &err), LK_EINVAL);
    assert_int_equal(line, 4);
    assert_non_null(strstr(err.msg, "row: longer than 65536 bytes"));
    assert_int_equal(lk_csv_next(csv, &rec, &line, &err), 1);
    assert_int_equal(line, 7);
    assert_string_equal(rec->uscc, "914403001922038216");
    lk_record_free(rec);
    assert_int_equal(lk_csv_next(csv, &rec, &line, &err), 0);
    lk_csv_close(csv);
    fclose(f);
    free(text);
}

static void test_reader_header_errors(void **state)
{
    (void)state;
    const char *texts[] = {"", "uscc,name\n", "\xEF\xBB\xBFuscc,bogus\n"};
    const char *reasons[] = {"header: empty file", "header: missing column", "unknown column"};
    for (size_t i = 0; i < 3; i++) {
        FILE *f = stream(texts[i], strlen(texts[i]));
        lk_csv *csv = (lk_csv *)(uintptr_t)1;
        lk_err err = {0};
        assert_int_equal(lk_csv_open(f, &csv, &err), LK_EINVAL);
        assert_null(csv);
        if (!strstr(err.msg, reasons[i]))
            fail_msg("'%s', expected '%s'", err.msg, reasons[i]);
        fclose(f);
    }
    lk_csv_close(NULL);
}

static void test_sample_file(void **state)
{
    (void)state;
    const char *dir = getenv("LK_TEST_DATA");
    if (!dir)
        skip();
    char path[4096];
    snprintf(path, sizeof path, "%s/records-sample.csv", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    lk_csv *csv = NULL;
    lk_err err = {0};
    assert_int_equal(lk_csv_open(f, &csv, &err), 0);
    lk_record *rec = NULL;
    int rc, rows = 0;
    long line = 0;
    while ((rc = lk_csv_next(csv, &rec, &line, &err)) == 1) {
        if (lk_record_validate(rec, TODAY, NULL, &err) != 0)
            fail_msg("line %ld: %s", line, err.msg);
        lk_record_free(rec);
        rows++;
    }
    assert_int_equal(rc, 0);
    assert_true(rows >= 3);
    lk_csv_close(csv);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_row),
        cmocka_unit_test(test_column_order_and_optional),
        cmocka_unit_test(test_bad_rows),
        cmocka_unit_test(test_bad_cells),
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_reader_bom_crlf_newline),
        cmocka_unit_test(test_reader_continues_after_bad_row),
        cmocka_unit_test(test_reader_header_errors),
        cmocka_unit_test(test_sample_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
