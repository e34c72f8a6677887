/* lk_entity: the one table of entity types and the labels a 2019 营业执照 prints for each. The
 * 2019 打印标准 is not public, so the labels come from a live kiosk front-end, OCR field lists
 * and the registration rules (domain notes, section 1); changing a label is a data change
 * here and nowhere else. */
#include "kiosk/lk_entity.h"

#include <string.h>

static const lk_entity_type entity_types[] = {
    {
        .key = "company",
        .default_type_name = "有限责任公司",
        .holder_label = "法定代表人",
        .capital_label = "注册资本",
        .date_label = "成立日期",
        .term_label = "营业期限",
        .place_label = "住所",
        .has_composition = 0,
    },
    {
        /* No capital and no term on a 个体户 licence; it prints 组成形式 instead. */
        .key = "individual",
        .default_type_name = "个体工商户",
        .holder_label = "经营者",
        .capital_label = NULL,
        .date_label = "注册日期",
        .term_label = NULL,
        .place_label = "经营场所",
        .has_composition = 1,
    },
    {
        /* 合伙期限: the national publicity system (gsxt) labels a partnership's term
         * 合伙期限自/至, as registry scrapers in public code show, next to 主要经营场所 and
         * 执行事务合伙人 (实施细则 Art. 6). */
        .key = "partnership",
        .default_type_name = "合伙企业",
        .holder_label = "执行事务合伙人",
        .capital_label = "出资额",
        .date_label = "成立日期",
        .term_label = "合伙期限",
        .place_label = "主要经营场所",
        .has_composition = 0,
    },
    {
        .key = "sole_proprietorship",
        .default_type_name = "个人独资企业",
        .holder_label = "投资人",
        .capital_label = "出资额",
        .date_label = "成立日期",
        .term_label = "营业期限",
        .place_label = "住所",
        .has_composition = 0,
    },
    {
        /* A branch has no capital of its own. */
        .key = "branch",
        .default_type_name = "分公司",
        .holder_label = "负责人",
        .capital_label = NULL,
        .date_label = "成立日期",
        .term_label = "营业期限",
        .place_label = "营业场所",
        .has_composition = 0,
    },
    {
        .key = "cooperative",
        .default_type_name = "农民专业合作社",
        .holder_label = "法定代表人",
        .capital_label = "成员出资总额",
        .date_label = "成立日期",
        .term_label = "营业期限",
        .place_label = "住所",
        .has_composition = 0,
    },
};

#define ENTITY_COUNT (sizeof entity_types / sizeof entity_types[0])

const lk_entity_type *lk_entity_find(const char *key)
{
    if (!key)
        return NULL;
    for (size_t i = 0; i < ENTITY_COUNT; i++)
        if (strcmp(entity_types[i].key, key) == 0)
            return &entity_types[i];
    return NULL;
}

const lk_entity_type *lk_entity_at(size_t i)
{
    return i < ENTITY_COUNT ? &entity_types[i] : NULL;
}
