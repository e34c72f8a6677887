/* test_entity: the entity-type table has exactly the agreed keys, each with the labels its
 * licence prints, and lookups by key and by index agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "kiosk/lk_entity.h"

static void test_keys_and_order(void **state)
{
    (void)state;
    static const char *const keys[] = {
        "company", "individual", "partnership", "sole_proprietorship", "branch", "cooperative"};
    size_t n = sizeof keys / sizeof keys[0];
    for (size_t i = 0; i < n; i++) {
        const lk_entity_type *t = lk_entity_at(i);
        assert_non_null(t);
        assert_string_equal(t->key, keys[i]);
        assert_ptr_equal(lk_entity_find(keys[i]), t);
    }
    assert_null(lk_entity_at(n));
    assert_null(lk_entity_at((size_t)-1));
}

static void test_unknown_keys(void **state)
{
    (void)state;
    assert_null(lk_entity_find(NULL));
    assert_null(lk_entity_find(""));
    assert_null(lk_entity_find("Company"));
    assert_null(lk_entity_find("company "));
    assert_null(lk_entity_find("公司"));
}

static void assert_labels(const char *key, const char *type_name, const char *holder,
                          const char *capital, const char *date, const char *term,
                          const char *place, int composition)
{
    const lk_entity_type *t = lk_entity_find(key);
    assert_non_null(t);
    assert_string_equal(t->default_type_name, type_name);
    assert_string_equal(t->holder_label, holder);
    if (capital)
        assert_string_equal(t->capital_label, capital);
    else
        assert_null(t->capital_label);
    assert_string_equal(t->date_label, date);
    if (term)
        assert_string_equal(t->term_label, term);
    else
        assert_null(t->term_label);
    assert_string_equal(t->place_label, place);
    assert_int_equal(t->has_composition, composition);
}

static void test_labels(void **state)
{
    (void)state;
    assert_labels("company", "有限责任公司", "法定代表人", "注册资本", "成立日期", "营业期限",
                  "住所", 0);
    assert_labels("individual", "个体工商户", "经营者", NULL, "注册日期", NULL, "经营场所", 1);
    assert_labels("partnership", "合伙企业", "执行事务合伙人", "出资额", "成立日期", "合伙期限",
                  "主要经营场所", 0);
    assert_labels("sole_proprietorship", "个人独资企业", "投资人", "出资额", "成立日期", "营业期限",
                  "住所", 0);
    assert_labels("branch", "分公司", "负责人", NULL, "成立日期", "营业期限", "营业场所", 0);
    assert_labels("cooperative", "农民专业合作社", "法定代表人", "成员出资总额", "成立日期",
                  "营业期限", "住所", 0);
}

/* Every label is printed on the licence, so it must be non-empty UTF-8 when present. */
static void test_labels_non_empty(void **state)
{
    (void)state;
    for (size_t i = 0; lk_entity_at(i); i++) {
        const lk_entity_type *t = lk_entity_at(i);
        const char *required[] = {t->key, t->default_type_name, t->holder_label, t->date_label,
                                  t->place_label};
        for (size_t k = 0; k < sizeof required / sizeof required[0]; k++) {
            assert_non_null(required[k]);
            assert_true(strlen(required[k]) > 0);
        }
        assert_true(!t->capital_label || strlen(t->capital_label) > 0);
        assert_true(!t->term_label || strlen(t->term_label) > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_and_order),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_labels_non_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
