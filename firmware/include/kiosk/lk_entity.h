/* lk_entity: the entity types a 2019 营业执照 is issued to, and for each the labels printed
 * beside its fields. Labels are data in one table (lk_entity.c); nothing else in the tree
 * branches on an entity type. */
#ifndef LK_KIOSK_LK_ENTITY_H
#define LK_KIOSK_LK_ENTITY_H

#include <stddef.h>

typedef struct lk_entity_type {
    const char *key;               /* record value: "company", "individual", ... */
    const char *default_type_name; /* 类型 printed when the record gives none */
    const char *holder_label; /* 法定代表人 / 负责人 / 经营者 / 执行事务合伙人 / 投资人 */
    const char *capital_label; /* 注册资本 / 出资额 / 成员出资总额, NULL when not printed */
    const char *date_label;  /* 成立日期 / 注册日期 */
    const char *term_label;  /* 营业期限, NULL when not printed (个体工商户) */
    const char *place_label; /* 住所 / 主要经营场所 / 经营场所 / 营业场所 */
    int has_composition;     /* prints 组成形式 (个体工商户) */
} lk_entity_type;

/* The type with this key, or NULL. */
const lk_entity_type *lk_entity_find(const char *key);

/* The i-th known type (for generators and listings), or NULL past the end. */
const lk_entity_type *lk_entity_at(size_t i);

#endif
