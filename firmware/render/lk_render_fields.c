/* lk_render_fields: what each template item prints for a given record: literal text, the
 * entity type's label for a slot, or a record field formatted as the licence prints it
 * (dates as YYYY年MM月DD日, the term as 「… 至 长期」, the 副本 mark as n—m). */
#include <stdio.h>
#include <string.h>

#include "lk_render_int.h"

static lk_tpl_need label_need(lk_tpl_label label)
{
    switch (label) {
    case LK_TPL_LABEL_CAPITAL:
        return LK_TPL_NEED_CAPITAL;
    case LK_TPL_LABEL_TERM:
        return LK_TPL_NEED_TERM;
    case LK_TPL_LABEL_COMPOSITION:
        return LK_TPL_NEED_COMPOSITION;
    default:
        return LK_TPL_NEED_NONE;
    }
}

static lk_tpl_need field_need(lk_tpl_field field)
{
    switch (field) {
    case LK_TPL_FIELD_CAPITAL:
        return LK_TPL_NEED_CAPITAL;
    case LK_TPL_FIELD_TERM:
        return LK_TPL_NEED_TERM;
    case LK_TPL_FIELD_COMPOSITION:
        return LK_TPL_NEED_COMPOSITION;
    default:
        return LK_TPL_NEED_NONE;
    }
}

static int entity_has(const lk_entity_type *et, lk_tpl_need need)
{
    switch (need) {
    case LK_TPL_NEED_CAPITAL:
        return et->capital_label != NULL;
    case LK_TPL_NEED_TERM:
        return et->term_label != NULL;
    case LK_TPL_NEED_COMPOSITION:
        return et->has_composition;
    default:
        return 1;
    }
}

static const char *label_text(lk_tpl_label label, const lk_entity_type *et)
{
    switch (label) {
    case LK_TPL_LABEL_HOLDER:
        return et->holder_label;
    case LK_TPL_LABEL_CAPITAL:
        return et->capital_label;
    case LK_TPL_LABEL_DATE:
        return et->date_label;
    case LK_TPL_LABEL_TERM:
        return et->term_label;
    case LK_TPL_LABEL_PLACE:
        return et->place_label;
    default:
        return "组成形式";
    }
}

/* Splits YYYY-MM-DD; records are validated on import, but the renderer must not print
 * garbage from a record that skipped validation. */
static int parse_date(const char *s, int *y, int *m, int *d)
{
    char tail;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4d-%2d-%2d%c", y, m, d, &tail) != 3)
        return -1;
    return (*y >= 1900 && *y <= 9999 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31) ? 0 : -1;
}

static int format_date(const char *field, const char *s, char *buf, size_t bufsz, lk_err *err)
{
    int y, m, d;
    if (parse_date(s, &y, &m, &d) < 0)
        return lk_err_set(err, LK_EINVAL, "render: %s is not a YYYY-MM-DD date", field);
    snprintf(buf, bufsz, "%04d年%02d月%02d日", y, m, d);
    return 0;
}

/* 营业期限: from term_from (or the establishment date) to term_to or 长期. */
static int format_term(const lk_record *rec, char *buf, size_t bufsz, lk_err *err)
{
    char from[32], to[32];
    const char *start = rec->term_from ? rec->term_from : rec->established;
    int rc = format_date("term_from", start, from, sizeof from, err);
    if (rc < 0)
        return rc;
    if (!rec->term_to || !rec->term_to[0])
        snprintf(to, sizeof to, "长期");
    else if ((rc = format_date("term_to", rec->term_to, to, sizeof to, err)) < 0)
        return rc;
    snprintf(buf, bufsz, "%s 至 %s", from, to);
    return 0;
}

static int format_registered_part(const lk_record *rec, lk_tpl_field f, char *buf, size_t bufsz,
                                  lk_err *err)
{
    int y, m, d;
    if (parse_date(rec->registered, &y, &m, &d) < 0)
        return lk_err_set(err, LK_EINVAL, "render: registered is not a YYYY-MM-DD date");
    int v = f == LK_TPL_FIELD_REGISTERED_YEAR ? y : f == LK_TPL_FIELD_REGISTERED_MONTH ? m : d;
    snprintf(buf, bufsz, f == LK_TPL_FIELD_REGISTERED_YEAR ? "%04d" : "%02d", v);
    return 0;
}

static void format_copy_mark(const lk_render_opts *o, char *buf, size_t bufsz)
{
    int total = o->copy_total < 1 ? 1 : o->copy_total;
    int no = o->copy_no < 1 ? 1 : o->copy_no;
    snprintf(buf, bufsz, "%d—%d", no, total);
}

/* Fields that print a record string as it is. */
static const char *plain_field(lk_tpl_field f, const lk_record *rec, const lk_entity_type *et)
{
    switch (f) {
    case LK_TPL_FIELD_USCC:
        return rec->uscc;
    case LK_TPL_FIELD_NAME:
        return rec->name;
    case LK_TPL_FIELD_TYPE:
        return rec->type_name && rec->type_name[0] ? rec->type_name : et->default_type_name;
    case LK_TPL_FIELD_HOLDER:
        return rec->holder.name;
    case LK_TPL_FIELD_CAPITAL:
        return rec->capital;
    case LK_TPL_FIELD_COMPOSITION:
        return rec->composition;
    case LK_TPL_FIELD_ADDRESS:
        return rec->address;
    case LK_TPL_FIELD_SCOPE:
        return rec->scope;
    case LK_TPL_FIELD_AUTHORITY:
        return rec->authority;
    default:
        return NULL;
    }
}

static int field_text(lk_tpl_field f, const lk_record *rec, const lk_entity_type *et,
                      const lk_render_opts *o, char *buf, size_t bufsz, const char **text,
                      lk_err *err)
{
    int rc = 0;
    *text = buf;
    switch (f) {
    case LK_TPL_FIELD_ESTABLISHED:
        rc = rec->established ? format_date("established", rec->established, buf, bufsz, err) : 1;
        break;
    case LK_TPL_FIELD_REGISTERED:
        rc = rec->registered ? format_date("registered", rec->registered, buf, bufsz, err) : 1;
        break;
    case LK_TPL_FIELD_REGISTERED_YEAR:
    case LK_TPL_FIELD_REGISTERED_MONTH:
    case LK_TPL_FIELD_REGISTERED_DAY:
        rc = rec->registered ? format_registered_part(rec, f, buf, bufsz, err) : 1;
        break;
    case LK_TPL_FIELD_TERM:
        rc = (rec->term_from || rec->established) ? format_term(rec, buf, bufsz, err) : 1;
        break;
    case LK_TPL_FIELD_COPY_MARK:
        format_copy_mark(o, buf, bufsz);
        break;
    default:
        *text = plain_field(f, rec, et);
    }
    if (rc != 0) /* 1: the record has no value, so nothing prints */
        *text = NULL;
    return rc < 0 ? rc : 0;
}

int lk_render_item_text(const lk_tpl_item *it, const lk_record *rec, const lk_entity_type *et,
                        const lk_render_opts *opts, char *buf, size_t bufsz, const char **text,
                        lk_err *err)
{
    *text = NULL;
    switch (it->source) {
    case LK_TPL_SRC_TEXT:
        *text = it->text;
        return 0;
    case LK_TPL_SRC_LABEL:
        if (entity_has(et, label_need((lk_tpl_label)it->slot)))
            *text = label_text((lk_tpl_label)it->slot, et);
        return 0;
    case LK_TPL_SRC_FIELD:
        if (!entity_has(et, field_need((lk_tpl_field)it->slot)))
            return 0;
        int rc = field_text((lk_tpl_field)it->slot, rec, et, opts, buf, bufsz, text, err);
        if (rc == 0 && *text && !(*text)[0])
            *text = NULL; /* an empty value draws nothing rather than an empty box */
        return rc;
    default:
        return 0;
    }
}

/* The registry's opaque payload, or the gsxt uniscid URL when it sent none. */
const char *lk_render_payload(const lk_record *rec, char *buf, size_t bufsz)
{
    if (rec->qr_payload && rec->qr_payload[0])
        return rec->qr_payload;
    lk_record_fallback_qr(rec->uscc, buf, bufsz);
    return buf;
}
