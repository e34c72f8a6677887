/* test_record: the license record's JSON form and its validation. A good record parses,
 * validates and survives a round trip; every class of hostile input is refused with a reason that
 * names the field; masked output and reasons never contain a document number. */
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
#define ID    "11010519491231002X"
#define PASS  "E12345678"

static const char good[] =
    "{\"uscc\":\"914403001922038216\",\"name\":\"深圳市华信科技有限公司\","
    "\"entity_type\":\"company\",\"type_name\":\"有限责任公司（自然人投资或控股）\","
    "\"holder\":{\"role\":\"法定代表人\",\"name\":\"张伟\",\"doc_type\":\"resident_id\","
    "\"doc_number\":\"" ID "\"},"
    "\"agents\":[{\"name\":\"李娜\",\"doc_type\":\"passport\",\"doc_number\":\"" PASS "\"}],"
    "\"scope\":\"一般经营项目是：计算机软硬件的技术开发。\",\"capital\":\"人民币壹仟万元整\","
    "\"composition\":null,\"established\":\"2015-03-01\",\"term_from\":\"2015-03-01\","
    "\"term_to\":null,\"address\":\"广东省深圳市南山区深南大道9988号\","
    "\"authority\":\"深圳市市场监督管理局\",\"registered\":\"2020-02-29\",\"qr_payload\":null,"
    "\"status\":\"approved\",\"duplicates\":2}";

/* good[] with the first occurrence of `from` replaced by `to` (caller frees). */
static char *with(const char *from, const char *to)
{
    const char *at = strstr(good, from);
    assert_non_null(at);
    size_t head = (size_t)(at - good), fl = strlen(from), tl = strlen(to);
    char *s = malloc(sizeof good - fl + tl);
    assert_non_null(s);
    memcpy(s, good, head);
    memcpy(s + head, to, tl);
    strcpy(s + head + tl, at + fl);
    return s;
}

static lk_record *parse_ok(const char *json, size_t len)
{
    lk_record *rec = NULL;
    lk_err err = {0};
    int rc = lk_record_from_json(json, len, &rec, &err);
    if (rc != 0)
        fail_msg("unexpected parse failure: %s", err.msg);
    return rec;
}

static void assert_no_number(const char *s)
{
    assert_null(strstr(s, ID));
    assert_null(strstr(s, PASS));
    assert_null(strstr(s, "110105194912310"));
}

static void test_parse_valid(void **state)
{
    (void)state;
    lk_record *rec = parse_ok(good, strlen(good));
    assert_string_equal(rec->uscc, "914403001922038216");
    assert_string_equal(rec->holder.doc_number, ID);
    assert_int_equal(rec->n_agents, 1);
    assert_string_equal(rec->agents[0].role, "委托代理人"); /* the default */
    assert_string_equal(rec->capital, "人民币壹仟万元整");
    assert_null(rec->term_to);
    assert_null(rec->qr_payload);
    assert_int_equal(rec->duplicates, 2);
    int warnings = -1;
    lk_err err = {0};
    assert_int_equal(lk_record_validate(rec, TODAY, &warnings, &err), 0);
    assert_int_equal(warnings, 0);
    lk_record_free(rec);
}

static void test_round_trip(void **state)
{
    (void)state;
    lk_record *a = parse_ok(good, strlen(good));
    char *ja = lk_record_to_json(a, 0);
    assert_non_null(ja);
    lk_record *b = parse_ok(ja, strlen(ja));
    char *jb = lk_record_to_json(b, 0);
    assert_string_equal(ja, jb);
    assert_int_equal(lk_record_validate(b, TODAY, NULL, NULL), 0);
    free(ja);
    free(jb);
    lk_record_free(a);
    lk_record_free(b);
}

static void test_escapes_round_trip(void **state)
{
    (void)state;
    char *s = with("计算机软硬件的技术开发", "a\\\"b\\\\c\\n\\t\\u0001\\u4e2d");
    lk_record *a = parse_ok(s, strlen(s));
    assert_non_null(strstr(a->scope, "a\"b\\c\n\t\001中"));
    char *ja = lk_record_to_json(a, 0);
    lk_record *b = parse_ok(ja, strlen(ja));
    assert_string_equal(a->scope, b->scope);
    free(ja);
    free(s);
    lk_record_free(a);
    lk_record_free(b);
}

static void test_masked(void **state)
{
    (void)state;
    lk_record *rec = parse_ok(good, strlen(good));
    char *masked = lk_record_to_json(rec, 1);
    assert_non_null(masked);
    assert_no_number(masked);
    assert_null(strstr(masked, "doc_number"));
    assert_non_null(strstr(masked, "\"doc_masked\":\"1101**********002X\""));
    assert_non_null(strstr(masked, "\"doc_masked\":\"E******78\""));
    /* Masked output parses back (for display tools) but carries no number. */
    lk_record *back = parse_ok(masked, strlen(masked));
    assert_null(back->holder.doc_number);
    assert_string_equal(back->holder.doc_masked, "1101**********002X");
    char *again = lk_record_to_json(back, 1);
    assert_string_equal(masked, again);
    free(again);
    free(masked);
    lk_record_free(back);
    lk_record_free(rec);
}

static void test_mask_doc(void **state)
{
    (void)state;
    char out[64];
    lk_record_mask_doc(ID, out, sizeof out);
    assert_string_equal(out, "1101**********002X");
    lk_record_mask_doc("E1234567", out, sizeof out);
    assert_string_equal(out, "E*****67");
    lk_record_mask_doc("AB1", out, sizeof out);
    assert_string_equal(out, "***");
    lk_record_mask_doc(NULL, out, sizeof out);
    assert_string_equal(out, "");
    lk_record_mask_doc(ID, out, 5);
    assert_string_equal(out, "1101");
    lk_record_mask_doc(ID, out, 0); /* must not write */
}

typedef struct hostile {
    const char *from, *to; /* edit applied to good[]; from == NULL: `to` is the whole input */
    const char *reason;    /* expected substring of the error message */
} hostile;

static const hostile hostiles[] = {
    {NULL, "", "JSON syntax error"},
    {NULL, "[]", "not a JSON object"},
    {NULL, "\"x\"", "not a JSON object"},
    {NULL, "{", "JSON syntax error"},
    {NULL, "{}", "uscc: missing"},
    {NULL, "{\"uscc\":1}", "uscc: must be a string"},
    {"\"name\":\"深圳市华信科技有限公司\"", "\"name\":5", "name: must be a string"},
    {"\"name\":\"深圳市华信科技有限公司\"", "\"name\":null", "name: must be a string"},
    {"\"name\":\"深圳市华信科技有限公司\",", "", "name: missing"},
    {"\"scope\":\"", "\"scope\":{\"a\":[[[1]]]},\"x\":\"", "scope: must be a string"},
    {"\"capital\":\"人民币壹仟万元整\"", "\"capital\":[]", "capital: must be a string or null"},
    {"\"holder\":{", "\"holder\":[{", "JSON syntax error"},
    {"\"holder\":{\"role\":\"法定代表人\",", "\"holder\":{", "holder.role: missing"},
    {"\"name\":\"张伟\",", "", "holder.name: missing"},
    {"\"name\":\"张伟\",", "\"name\":\"张伟\",\"age\":3,", "holder: unknown field 'age'"},
    {"\"name\":\"张伟\",", "\"name\":\"张伟\",\"name\":\"李\",", "holder.name: given twice"},
    {"\"doc_number\":\"" ID "\"", "\"doc_number\":18", "holder.doc_number: must be a string"},
    {"\"agents\":[", "\"agents\":{\"a\":1},\"z\":[", "agents: must be an array"},
    {"\"agents\":[", "\"agents\":[7,", "agents[0]: must be an object"},
    {"\"duplicates\":2", "\"duplicates\":1e400", "duplicates: must be a whole number"},
    {"\"duplicates\":2", "\"duplicates\":-1", "duplicates: must be a whole number"},
    {"\"duplicates\":2", "\"duplicates\":1.5", "duplicates: must be a whole number"},
    {"\"duplicates\":2", "\"duplicates\":\"2\"", "duplicates: must be a whole number"},
    {"\"duplicates\":2", "\"duplicates\":99999999999999999999", "duplicates: must be a whole"},
    {"\"status\"", "\"stauts\"", "unknown field 'stauts'"},
    {"\"status\"", "\"" ID "\"", "unknown field '(not shown)'"},
    {"\"uscc\"", "\"status\":\"revoked\",\"uscc\"", "status: given twice"},
    {"\"duplicates\":2}", "\"duplicates\":2} x", "unexpected data after the object"},
    {"\"duplicates\":2}", "\"duplicates\":2}{}", "unexpected data after the object"},
    {"张伟", "\\u0000张伟", "\\u0000 escape"},
    {"张伟", "\xC3\x28", "holder.name: invalid UTF-8"},
    {"张伟", "\xC0\xAF", "holder.name: invalid UTF-8"},
    {"张伟", "\xED\xA0\x80", "holder.name: invalid UTF-8"},
    {"张伟", "\xF4\x90\x80\x80", "holder.name: invalid UTF-8"},
    {"张伟", "\xE5\xBC", "holder.name: invalid UTF-8"},
    {"张伟", "\\uD800", "JSON syntax error"},
};

static void check_rejected(const char *json, size_t len, const char *reason)
{
    lk_record *rec = (lk_record *)(uintptr_t)1;
    lk_err err = {0};
    int rc = lk_record_from_json(json, len, &rec, &err);
    if (rc != LK_EINVAL || !strstr(err.msg, reason))
        fail_msg("input %.80s: rc %d, reason '%s', expected '%s'", json, rc, err.msg, reason);
    assert_null(rec);
    assert_no_number(err.msg);
}

static void test_hostile(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof hostiles / sizeof hostiles[0]; i++) {
        const hostile *h = &hostiles[i];
        char *s = h->from ? with(h->from, h->to) : strdup(h->to);
        check_rejected(s, strlen(s), h->reason);
        free(s);
    }
    assert_int_equal(lk_record_from_json(NULL, 0, NULL, NULL), LK_EINVAL);
}

/* The JSON reader follows RFC 8259 where cJSON was lenient, and decodes what it accepts. */
static const hostile syntax[] = {
    {"\"duplicates\":2}", "\"duplicates\":2,}", "JSON syntax error"},
    {"\"duplicates\":2", "\"duplicates\":02", "JSON syntax error"},
    {"\"duplicates\":2", "\"duplicates\":+2", "JSON syntax error"},
    {"\"duplicates\":2", "\"duplicates\":2.", "JSON syntax error"},
    {"\"duplicates\":2", "\"duplicates\":tru", "JSON syntax error"},
    {"\"agents\":[", "\"agents\":[,", "JSON syntax error"},
    {"\"uscc\":", "\"uscc\" ", "JSON syntax error"},
    {"张伟", "\\x", "JSON syntax error"},
    {"张伟", "\\u12", "JSON syntax error"},
    {"张伟", "\\uDC00", "JSON syntax error"},
    {"张伟", "\\uD800\\u0041", "JSON syntax error"},
};

static void test_json_syntax(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof syntax / sizeof syntax[0]; i++) {
        char *s = with(syntax[i].from, syntax[i].to);
        check_rejected(s, strlen(s), syntax[i].reason);
        free(s);
    }
    /* Escaped keys, escapes in values, a surrogate pair and whole numbers in other spellings. */
    char *s = with("\"name\":\"张伟\"", "\"n\\u0061me\":\"\\u5f20\\ud83d\\ude00\\t\\\"\\/\"");
    lk_record *rec = parse_ok(s, strlen(s));
    assert_string_equal(rec->holder.name, "张\xF0\x9F\x98\x80\t\"/");
    lk_record_free(rec);
    free(s);
    const char *twos[] = {"2.0", "2e0", "20E-1", "0.2e+1", "2.000000000000000000000000"};
    for (size_t i = 0; i < sizeof twos / sizeof twos[0]; i++) {
        char to[64];
        snprintf(to, sizeof to, "\"duplicates\":%s", twos[i]);
        s = with("\"duplicates\":2", to);
        rec = parse_ok(s, strlen(s));
        assert_int_equal(rec->duplicates, 2);
        lk_record_free(rec);
        free(s);
    }
}

/* Parsing in place gives the same record, with its strings inside the caller's buffer. */
static void test_parse_in_place(void **state)
{
    (void)state;
    char buf[sizeof good];
    memcpy(buf, good, sizeof good);
    lk_record view;
    lk_person agents[LK_RECORD_MAX_AGENTS];
    lk_err err = {0};
    assert_int_equal(lk_record_parse_in_place(buf, sizeof good - 1, &view, agents, &err), 0);
    lk_record *owned = parse_ok(good, sizeof good - 1);
    char *a = lk_record_to_json(&view, 0), *b = lk_record_to_json(owned, 0);
    assert_string_equal(a, b);
    assert_true(view.scope >= buf && view.scope < buf + sizeof buf);
    assert_ptr_equal(view.agents, agents);
    assert_int_equal(view.n_agents, 1);
    assert_string_equal(view.agents[0].role, "委托代理人"); /* the default role */
    free(a);
    free(b);
    lk_record_free(owned);
    memcpy(buf, good, sizeof good);
    buf[2] = 'x'; /* "xscc": refused, and the record is left empty */
    assert_int_equal(lk_record_parse_in_place(buf, sizeof good - 1, &view, agents, &err),
                     LK_EINVAL);
    assert_non_null(strstr(err.msg, "unknown field"));
    assert_null(view.uscc);
}

static void test_hostile_bytes(void **state)
{
    (void)state;
    /* A NUL inside the given length: cJSON would stop there. */
    char buf[sizeof good + 8];
    memcpy(buf, good, sizeof good);
    memcpy(buf + sizeof good, "{}", 2); /* good's own NUL sits at sizeof good - 1 */
    check_rejected(buf, sizeof good + 2, "NUL byte");
    /* Trailing blanks are fine. */
    char *sp = with("\"duplicates\":2}", "\"duplicates\":2}  \r\n");
    lk_record *rec = parse_ok(sp, strlen(sp));
    lk_record_free(rec);
    free(sp);
    /* Deep nesting must fail cleanly, not exhaust the stack. */
    size_t depth = 20000;
    char *deep = malloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    check_rejected(deep, 2 * depth, "record:");
    free(deep);
}

static void test_too_big(void **state)
{
    (void)state;
    size_t n = LK_RECORD_MAX_BYTES + 1;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    memcpy(big, good, strlen(good));
    big[n] = '\0';
    check_rejected(big, n, "longer than 65536 bytes");
    free(big);
}

static void test_too_many_agents(void **state)
{
    (void)state;
    char agents[4096] = "\"agents\":[";
    for (int i = 0; i <= LK_RECORD_MAX_AGENTS; i++)
        strcat(agents, "{\"name\":\"李\",\"doc_type\":\"passport\",\"doc_number\":\"E1234567\"},");
    char *s = with("\"agents\":[", agents);
    check_rejected(s, strlen(s), "agents: more than 16 agents");
    free(s);
}

/* ------------------------------------------------------------------------------------------ */
/* Validation */

typedef struct edit {
    size_t field;      /* index into fields_of() */
    const char *value; /* NULL sets the field to NULL */
    const char *reason;
} edit;

static char **field_ptr(lk_record *r, size_t i)
{
    char **f[] = {&r->uscc,
                  &r->entity_type,
                  &r->holder.role,
                  &r->capital,
                  &r->composition,
                  &r->established,
                  &r->registered,
                  &r->term_from,
                  &r->term_to,
                  &r->status,
                  &r->holder.doc_type,
                  &r->holder.doc_number,
                  &r->name,
                  &r->agents[0].doc_number,
                  &r->address,
                  &r->qr_payload,
                  &r->agents[0].role};
    return f[i];
}

enum {
    F_USCC,
    F_ENTITY,
    F_ROLE,
    F_CAPITAL,
    F_COMPOSITION,
    F_EST,
    F_REG,
    F_FROM,
    F_TO,
    F_STATUS,
    F_DOCTYPE,
    F_DOCNUM,
    F_NAME,
    F_AGENTDOC,
    F_ADDRESS,
    F_QR,
    F_AGENTROLE
};

static const edit edits[] = {
    {F_USCC, "91350100M000100Y4Z", "uscc:"},
    {F_USCC, "", "uscc: missing"},
    {F_USCC, "9135", "uscc:"},
    {F_ENTITY, "llc", "entity_type: unknown"},
    {F_ENTITY, NULL, "entity_type: missing"},
    {F_ROLE, "负责人", "holder.role: must be 法定代表人"},
    {F_CAPITAL, NULL, "capital: missing"},
    {F_CAPITAL, "", "capital: empty"},
    {F_COMPOSITION, "个人经营", "composition: must be null"},
    {F_EST, "2023-02-29", "established: not a real date"},
    {F_EST, "2023-13-01", "established: not a real date"},
    {F_EST, "2023-1-01", "established: not a real date"},
    {F_EST, "2023/01/01", "established: not a real date"},
    {F_EST, "2021-01-01", "registered: before established"},
    {F_EST, "2027-01-01", "established: after today"},
    {F_REG, NULL, "registered: missing"},
    {F_FROM, "2015-02-30", "term_from: not a real date"},
    {F_TO, "2015-02-28", "term_to: before term_from"},
    {F_STATUS, "pending", "status: must be approved or revoked"},
    {F_DOCTYPE, "drivers_license", "holder.doc_type: must be resident_id or passport"},
    {F_DOCNUM, "110105194912310021", "holder.doc_number:"},
    {F_DOCNUM, "11010519491231002x", "holder.doc_number:"},
    {F_DOCNUM, "110105491231002", "holder.doc_number: 15-digit"},
    {F_DOCNUM, "11010519491231", "holder.doc_number:"},
    {F_DOCNUM, "", "holder.doc_number: missing"},
    {F_AGENTDOC, "e1234567", "agents[0].doc_number: passport number must be 5-9"},
    {F_AGENTDOC, "E12345678901", "agents[0].doc_number: passport number must be 5-9"},
    {F_AGENTDOC, "E12", "agents[0].doc_number: passport number must be 5-9"},
    {F_AGENTROLE, "", "agents[0].role: empty"},
    {F_NAME, "", "name: empty"},
    {F_NAME, "深圳\n华信", "name: contains a control character"},
    {F_NAME, "\xC3\x28", "name: invalid UTF-8"},
    {F_ADDRESS, NULL, "address: missing"},
    {F_QR, "", "qr_payload: empty"},
};

static void set_field(char **f, const char *v)
{
    free(*f);
    *f = v ? strdup(v) : NULL;
}

static void expect_invalid(const lk_record *rec, const char *reason)
{
    lk_err err = {0};
    int rc = lk_record_validate(rec, TODAY, NULL, &err);
    if (rc != LK_EINVAL || !strstr(err.msg, reason))
        fail_msg("rc %d, reason '%s', expected '%s'", rc, err.msg, reason);
    assert_no_number(err.msg);
    assert_null(strstr(err.msg, "11010519491231"));
    assert_null(strstr(err.msg, "110105491231002"));
}

static void test_validate_edits(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        lk_record *rec = parse_ok(good, strlen(good));
        set_field(field_ptr(rec, edits[i].field), edits[i].value);
        expect_invalid(rec, edits[i].reason);
        lk_record_free(rec);
    }
}

static void test_validate_numbers(void **state)
{
    (void)state;
    lk_record *rec = parse_ok(good, strlen(good));
    rec->duplicates = 100;
    expect_invalid(rec, "duplicates: must be 0-99");
    rec->duplicates = -1;
    expect_invalid(rec, "duplicates: must be 0-99");
    rec->duplicates = 0;
    assert_int_equal(lk_record_validate(rec, TODAY, NULL, NULL), 0);
    lk_record_free(rec);
}

static void test_validate_legacy_uscc(void **state)
{
    (void)state;
    lk_record *rec = parse_ok(good, strlen(good));
    set_field(&rec->uscc, "91350100M0001TGQXM");
    int warnings = 0;
    assert_int_equal(lk_record_validate(rec, TODAY, &warnings, NULL), 0);
    assert_int_equal(warnings, LK_RECORD_WARN_LEGACY_USCC);
    lk_record_free(rec);
}

static void test_validate_individual(void **state)
{
    (void)state;
    lk_record *rec = parse_ok(good, strlen(good));
    set_field(&rec->entity_type, "individual");
    set_field(&rec->holder.role, "经营者");
    set_field(&rec->uscc, "92340602MA2PBMEM24");
    expect_invalid(rec, "capital: must be null");
    set_field(&rec->capital, NULL);
    expect_invalid(rec, "composition: missing");
    set_field(&rec->composition, "合伙经营");
    expect_invalid(rec, "composition: must be 个人经营 or 家庭经营");
    set_field(&rec->composition, "家庭经营");
    assert_int_equal(lk_record_validate(rec, TODAY, NULL, NULL), 0);
    lk_record_free(rec);
}

/* n copies of a three-byte character: counted as n characters, not 3n bytes. */
static char *cjk(size_t n)
{
    char *s = malloc(3 * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + 3 * i, "营", 3);
    s[3 * n] = '\0';
    return s;
}

static void test_validate_lengths(void **state)
{
    (void)state;
    lk_record *rec = parse_ok(good, strlen(good));
    free(rec->scope);
    rec->scope = cjk(3000);
    assert_int_equal(lk_record_validate(rec, TODAY, NULL, NULL), 0);
    free(rec->scope);
    rec->scope = cjk(3001);
    expect_invalid(rec, "scope: longer than 3000 characters");
    free(rec->scope);
    rec->scope = strdup("第一行\n第二行");
    assert_int_equal(lk_record_validate(rec, TODAY, NULL, NULL), 0);
    free(rec->name);
    rec->name = cjk(201);
    expect_invalid(rec, "name: longer than 200 characters");
    free(rec->name);
    rec->name = cjk(200);
    assert_int_equal(lk_record_validate(rec, TODAY, NULL, NULL), 0);
    lk_record_free(rec);
}

static void test_utf8_len(void **state)
{
    (void)state;
    assert_int_equal(lk_record_utf8_len("a营😀", 8), 3);
    assert_int_equal(lk_record_utf8_len("\xE8\x90", 2), -1);
    assert_int_equal(lk_record_utf8_len("\x80", 1), -1);
    assert_int_equal(lk_record_utf8_len("\xE0\x80\x80", 3), -1);
    assert_int_equal(lk_record_utf8_len("", 0), 0);
}

static void test_fallback_and_free(void **state)
{
    (void)state;
    char buf[128];
    lk_record_fallback_qr("914403001922038216", buf, sizeof buf);
    assert_string_equal(buf, "http://www.gsxt.gov.cn/index.html?uniscid=914403001922038216");
    lk_record_fallback_qr("914403001922038216", buf, 8);
    assert_string_equal(buf, "http://");
    lk_record_free(NULL);
    lk_record *partial = calloc(1, sizeof *partial);
    partial->name = strdup("x");
    partial->agents = calloc(2, sizeof *partial->agents);
    partial->n_agents = 2;
    partial->agents[0].name = strdup("y");
    lk_record_free(partial);
}

/* Result of parse + validate for each line of a data file: 0 ok, 1 warning, -1 rejected. */
static int check_file(const char *name, int *results, int max)
{
    const char *dir = getenv("LK_TEST_DATA");
    if (!dir)
        return -1;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int n = 0;
    while ((len = getline(&line, &cap, f)) > 0 && n < max) {
        lk_record *rec = NULL;
        lk_err err = {0};
        int warnings = 0;
        int rc = lk_record_from_json(line, (size_t)len, &rec, &err);
        if (rc == 0)
            rc = lk_record_validate(rec, TODAY, &warnings, &err);
        results[n++] = rc ? -1 : warnings ? 1 : 0;
        assert_no_number(err.msg);
        lk_record_free(rec);
    }
    free(line);
    fclose(f);
    return n;
}

static void test_data_files(void **state)
{
    (void)state;
    int results[64];
    int n = check_file("records-sample.jsonl", results, 64);
    if (n < 0)
        skip();
    assert_int_equal(n, 20);
    for (int i = 0; i < n; i++)
        if (results[i] != 0)
            fail_msg("records-sample.jsonl line %d: %d", i + 1, results[i]);
    n = check_file("records-bad.jsonl", results, 64);
    assert_int_equal(n, 24);
    for (int i = 0; i < n; i++) {
        int line = i + 1;
        int want = line == 1 || line == 7 || line == 24 ? 0 : line == 21 ? 1 : -1;
        if (results[i] != want)
            fail_msg("records-bad.jsonl line %d: %d, expected %d", line, results[i], want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_escapes_round_trip),
        cmocka_unit_test(test_masked),
        cmocka_unit_test(test_mask_doc),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_hostile_bytes),
        cmocka_unit_test(test_json_syntax),
        cmocka_unit_test(test_parse_in_place),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_too_many_agents),
        cmocka_unit_test(test_validate_edits),
        cmocka_unit_test(test_validate_numbers),
        cmocka_unit_test(test_validate_legacy_uscc),
        cmocka_unit_test(test_validate_individual),
        cmocka_unit_test(test_validate_lengths),
        cmocka_unit_test(test_utf8_len),
        cmocka_unit_test(test_fallback_and_free),
        cmocka_unit_test(test_data_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
