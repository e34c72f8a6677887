/* test_docreader_pair: two simulated readers behind one port — each read goes to the reader of
 * its document kind, only that reader's removals reach the session, service cards come from
 * either, and a fault on either is the pair's fault. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "kiosk/port/lk_docreader_pair.h"
#include "lk_sim.h"
#include "lk_testutil.h"

typedef struct T {
    lk_test_fixture fx;
    lk_docreader *sam, *nfc, *pair;
    int cancel_fd;
    int presence_calls, last_present, service_calls;
    char id_card[160], passport[160], token[160];
} T;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    int rc = lk_test_setup(state);
    T *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->fx = *(lk_test_fixture *)*state;
    free(*state);
    *state = t;
    snprintf(t->id_card, sizeof t->id_card, "%s/id.json", t->fx.dir);
    snprintf(t->passport, sizeof t->passport, "%s/pp.json", t->fx.dir);
    snprintf(t->token, sizeof t->token, "%s/token.bin", t->fx.dir);
    write_file(t->id_card, "{\"doc_type\":\"resident_id\",\"number\":\"11010519491231002X\","
                           "\"name\":\"张三\"}");
    write_file(t->passport, "{\"doc_type\":\"passport\",\"number\":\"E12345678\",\"name\":\"LI "
                            "SI\",\"birth\":\"490101\",\"expiry\":\"300101\"}");
    write_file(t->token, "not-a-real-token");
    assert_int_equal(lk_idr_sim_create(&t->sam, NULL), 0);
    assert_int_equal(lk_idr_sim_create(&t->nfc, NULL), 0);
    assert_int_equal(lk_docreader_pair_create(t->sam, t->nfc, &t->pair, NULL), 0);
    t->cancel_fd = eventfd(0, EFD_CLOEXEC);
    assert_true(t->cancel_fd >= 0);
    return rc;
}

static int teardown(void **state)
{
    T *t = *state;
    t->pair->ops->close(t->pair); /* closes both readers */
    close(t->cancel_fd);
    lk_test_fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    *fx = t->fx;
    free(t);
    *state = fx;
    return lk_test_teardown(state);
}

static void on_presence(void *ctx, int present)
{
    T *t = ctx;
    t->presence_calls++;
    t->last_present = present;
}

static void on_service(void *ctx, const uint8_t *token, size_t len)
{
    T *t = ctx;
    (void)token;
    (void)len;
    t->service_calls++;
}

static int read_kind(T *t, lk_doc_kind kind, lk_id_result *res, lk_err *err)
{
    lk_mrz_keys keys = {.doc_number = "E12345678", .birth = "490101", .expiry = "300101"};
    return t->pair->ops->read(t->pair, kind, kind == LK_DOC_PASSPORT ? &keys : NULL, t->cancel_fd,
                              NULL, NULL, res, err);
}

/* Each kind is read by its own reader: with the ID card on the SAM reader and the passport on
 * the NFC reader, both reads succeed and return the document of their kind. */
static void test_routes_by_kind(void **state)
{
    T *t = *state;
    assert_int_equal(lk_idr_sim_insert(t->sam, t->id_card, NULL), 0);
    assert_int_equal(lk_idr_sim_insert(t->nfc, t->passport, NULL), 0);
    lk_id_result res = {0};
    lk_err err = {0};
    assert_int_equal(read_kind(t, LK_DOC_PASSPORT, &res, &err), 0);
    assert_string_equal(res.doc_type, "passport");
    assert_string_equal(res.number, "E12345678");
    lk_id_result_wipe(&res);
    assert_int_equal(read_kind(t, LK_DOC_RESIDENT_ID, &res, &err), 0);
    assert_string_equal(res.doc_type, "resident_id");
    lk_id_result_wipe(&res);
    assert_int_equal(read_kind(t, (lk_doc_kind)99, &res, &err), LK_ENOTSUP);
    assert_non_null(strstr(err.msg, "no reader"));
}

/* A passport is read on the NFC reader: the SAM reader losing its card must not end the
 * session; the passport leaving the NFC field must. */
static void test_presence_of_active_reader_only(void **state)
{
    T *t = *state;
    t->pair->ops->watch(t->pair, on_presence, t);
    assert_int_equal(lk_idr_sim_insert(t->sam, t->id_card, NULL), 0);
    assert_int_equal(lk_idr_sim_insert(t->nfc, t->passport, NULL), 0);
    assert_int_equal(t->presence_calls, 0); /* no read yet: neither reader is heard */
    lk_id_result res = {0};
    assert_int_equal(read_kind(t, LK_DOC_PASSPORT, &res, NULL), 0);
    lk_id_result_wipe(&res);
    lk_idr_sim_remove(t->sam);
    assert_int_equal(t->presence_calls, 0);
    lk_idr_sim_remove(t->nfc);
    assert_int_equal(t->presence_calls, 1);
    assert_int_equal(t->last_present, 0);
    t->pair->ops->watch(t->pair, NULL, NULL);
    assert_int_equal(lk_idr_sim_insert(t->nfc, t->passport, NULL), 0);
    assert_int_equal(t->presence_calls, 1); /* cleared: nothing more arrives */
}

static void test_service_card_from_either(void **state)
{
    T *t = *state;
    t->pair->ops->watch_service(t->pair, on_service, t);
    assert_int_equal(lk_idr_sim_service(t->sam, t->token, NULL), 0);
    assert_int_equal(lk_idr_sim_service(t->nfc, t->token, NULL), 0);
    assert_int_equal(t->service_calls, 2);
    t->pair->ops->watch_service(t->pair, NULL, NULL);
    (void)lk_idr_sim_service(t->nfc, t->token, NULL);
    assert_int_equal(t->service_calls, 2);
}

static void test_state_and_misuse(void **state)
{
    T *t = *state;
    lk_device_state st = {0};
    assert_int_equal(t->pair->ops->state(t->pair, &st), 0);
    assert_int_equal(st.status, LK_DEVICE_NORMAL);
    lk_docreader *out = NULL;
    lk_err err = {0};
    assert_int_equal(lk_docreader_pair_create(t->sam, t->sam, &out, &err), LK_EINVAL);
    assert_null(out);
    assert_int_equal(lk_docreader_pair_create(NULL, t->nfc, &out, &err), LK_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_routes_by_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_presence_of_active_reader_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_card_from_either, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_and_misuse, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
