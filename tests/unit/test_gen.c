/* test_gen: the synthetic record generator. Every record it makes passes validation, record i of
 * a seed is always the same, every entity type appears, USCCs are unique, and business scopes
 * span the whole allowed range up to exactly 3,000 characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kiosk/lk_entity.h"
#include "kiosk/lk_gen.h"
#include "kiosk/lk_idnum.h"
#include "kiosk/lk_uscc.h"

#define TODAY 20261122

static lk_record *gen(lk_gen *g, uint64_t i)
{
    lk_record *rec = NULL;
    assert_int_equal(lk_gen_record(g, i, &rec), 0);
    assert_non_null(rec);
    return rec;
}

typedef struct tally {
    size_t per_type[16];
    size_t revoked, agents, passports, at_max, short_scope, legacy, no_qr;
    long max_scope;
} tally;

static void count(tally *t, const lk_record *rec)
{
    for (size_t k = 0; lk_entity_at(k) && k < 16; k++)
        if (strcmp(lk_entity_at(k)->key, rec->entity_type) == 0)
            t->per_type[k]++;
    t->revoked += strcmp(rec->status, "revoked") == 0;
    t->agents += rec->n_agents;
    for (size_t a = 0; a < rec->n_agents; a++)
        t->passports += strcmp(rec->agents[a].doc_type, "passport") == 0;
    long n = lk_record_utf8_len(rec->scope, strlen(rec->scope));
    t->at_max += n == 3000;
    t->short_scope += n < 100;
    t->no_qr += rec->qr_payload == NULL;
    if (n > t->max_scope)
        t->max_scope = n;
    assert_true(n >= 30 && n <= 3000);
    assert_true(rec->n_agents <= 2);
    assert_true(rec->duplicates >= 1 && rec->duplicates <= 3);
}

static void test_ten_thousand_validate(void **state)
{
    (void)state;
    lk_gen g;
    lk_gen_init(&g, 42);
    tally t = {0};
    for (uint64_t i = 0; i < 10000; i++) {
        lk_record *rec = gen(&g, i);
        lk_err err = {0};
        int warnings = -1;
        if (lk_record_validate(rec, TODAY, &warnings, &err) != 0)
            fail_msg("record %llu: %s", (unsigned long long)i, err.msg);
        assert_int_equal(warnings, 0);
        count(&t, rec);
        lk_record_free(rec);
    }
    for (size_t k = 0; lk_entity_at(k); k++)
        if (t.per_type[k] == 0)
            fail_msg("entity type %s never generated", lk_entity_at(k)->key);
    assert_int_equal(t.max_scope, 3000);
    assert_true(t.at_max >= 50 && t.at_max <= 200); /* about 1% */
    assert_true(t.short_scope > 0);
    assert_true(t.revoked >= 150 && t.revoked <= 450); /* about 3% */
    assert_true(t.passports > 0 && t.passports < t.agents / 5);
    assert_true(t.no_qr > 0);
}

static void test_deterministic(void **state)
{
    (void)state;
    lk_gen a, b, c;
    lk_gen_init(&a, 7);
    lk_gen_init(&b, 7);
    lk_gen_init(&c, 8);
    int differ = 0;
    for (uint64_t i = 0; i < 200; i++) {
        /* b asks for the records backwards: record i must not depend on what came before. */
        lk_record *ra = gen(&a, i), *rb = gen(&b, 199 - i), *rb2 = gen(&b, i), *rc = gen(&c, i);
        char *ja = lk_record_to_json(ra, 0), *jb = lk_record_to_json(rb2, 0);
        char *jc = lk_record_to_json(rc, 0);
        assert_string_equal(ja, jb);
        differ += strcmp(ja, jc) != 0;
        free(ja);
        free(jb);
        free(jc);
        lk_record_free(ra);
        lk_record_free(rb);
        lk_record_free(rb2);
        lk_record_free(rc);
    }
    assert_int_equal(differ, 200);
}

static int cmp_code(const void *x, const void *y)
{
    return memcmp(x, y, 18);
}

static void test_unique_uscc(void **state)
{
    (void)state;
    enum { N = 100000 };
    char(*codes)[18] = malloc(sizeof(char[18]) * N);
    assert_non_null(codes);
    lk_gen g;
    lk_gen_init(&g, 1);
    for (uint64_t i = 0; i < N; i++) {
        lk_record *rec = gen(&g, i);
        assert_int_equal(strlen(rec->uscc), 18);
        memcpy(codes[i], rec->uscc, 18);
        lk_record_free(rec);
    }
    qsort(codes, N, sizeof codes[0], cmp_code);
    for (size_t i = 1; i < N; i++)
        if (memcmp(codes[i - 1], codes[i], 18) == 0)
            fail_msg("duplicate USCC %.18s", codes[i]);
    free(codes);
}

static void test_codes(void **state)
{
    (void)state;
    lk_gen g;
    lk_gen_init(&g, 3);
    for (uint64_t i = 0; i < 2000; i++) {
        char id[19], uscc[19];
        lk_gen_idnum(&g, id);
        lk_idnum_info info;
        assert_int_equal(lk_idnum_check(id, strlen(id), TODAY, &info), LK_IDNUM_VALID);
        assert_true(info.year >= 1950 && info.year <= 2004);
        lk_gen_uscc(&g, i, uscc);
        assert_int_equal(lk_uscc_check(uscc, strlen(uscc), NULL), LK_USCC_VALID);
    }
}

static void test_uscc_category(void **state)
{
    (void)state;
    lk_gen g;
    lk_gen_init(&g, 5);
    for (uint64_t i = 0; i < 2000; i++) {
        lk_record *rec = gen(&g, i);
        char want = strcmp(rec->entity_type, "individual") == 0    ? '2'
                    : strcmp(rec->entity_type, "cooperative") == 0 ? '3'
                                                                   : '1';
        assert_int_equal(rec->uscc[0], '9');
        assert_int_equal(rec->uscc[1], want);
        lk_record_free(rec);
    }
}

static void test_write_jsonl(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(lk_gen_write_jsonl(f, 300, 9), 0);
    rewind(f);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lines = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        lk_record *rec = NULL;
        lk_err err = {0};
        if (lk_record_from_json(line, (size_t)n, &rec, &err) != 0 ||
            lk_record_validate(rec, TODAY, NULL, &err) != 0)
            fail_msg("line %d: %s", lines + 1, err.msg);
        assert_non_null(rec->holder.doc_number); /* the import format carries numbers */
        lk_record_free(rec);
        lines++;
    }
    assert_int_equal(lines, 300);
    free(line);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ten_thousand_validate), cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_unique_uscc),           cmocka_unit_test(test_codes),
        cmocka_unit_test(test_uscc_category),         cmocka_unit_test(test_write_jsonl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
