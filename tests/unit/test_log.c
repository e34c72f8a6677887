/* test_log: the kiosk log file (lk_log): one UTC-stamped line per event with level and module,
 * levels below the minimum dropped, control characters kept from splitting a line, ID-number
 * digit runs masked, rotation by size keeping N files, lines from many threads never torn; and
 * lk_diag_log_tail reading back the last complete lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiosk/lk_diag.h"
#include "kiosk/lk_log.h"
#include "lk_testutil.h"

static int count_lines(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

static void test_line_format(void **state)
{
    lk_test_fixture *fx = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/kiosk.log", fx->dir);
    lk_log *l = NULL;
    lk_err err = {0};
    assert_int_equal(lk_log_open(&(lk_log_cfg){.path = path, .min = LK_LOG_INFO}, &l, &err), 0);
    lk_log_write(l, LK_LOG_INFO, "session", "state %s -> %s", "face", "choose");
    lk_log_write(l, LK_LOG_DEBUG, "session", "dropped below the minimum");
    lk_log_write(l, LK_LOG_ERROR, "printer", "fault: media-empty\nsecond line");
    lk_log_write(l, LK_LOG_WARN, "reader", "read 310104195404094012 and 11010119900307013X ok");
    lk_log_write(NULL, LK_LOG_ERROR, "x", "a NULL handle is no log");
    lk_log_close(l);
    char *s = lk_test_slurp(path);
    assert_non_null(s);
    assert_int_equal(count_lines(s), 3);
    /* "2026-12-02T03:34:30Z INFO  session: state face -> choose" */
    assert_int_equal(strlen(s) > 21 && s[4] == '-' && s[10] == 'T' && s[19] == 'Z', 1);
    assert_non_null(strstr(s, "Z INFO  session: state face -> choose\n"));
    assert_null(strstr(s, "dropped"));
    assert_non_null(strstr(s, "Z ERROR printer: fault: media-empty second line\n"));
    assert_null(strstr(s, "310104195404094012"));
    assert_null(strstr(s, "11010119900307013"));
    assert_non_null(strstr(s, "read ****************** and ****************** ok"));
    free(s);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0640);
    /* Reopening appends. */
    assert_int_equal(lk_log_open(&(lk_log_cfg){.path = path}, &l, &err), 0);
    lk_log_write(l, LK_LOG_INFO, "kiosk", "again");
    lk_log_close(l);
    cJSON *tail = lk_diag_log_tail(path, 2);
    assert_int_equal(cJSON_GetArraySize(tail), 2);
    assert_non_null(strstr(cJSON_GetArrayItem(tail, 0)->valuestring, "reader: read"));
    assert_non_null(strstr(cJSON_GetArrayItem(tail, 1)->valuestring, "INFO  kiosk: again"));
    cJSON_Delete(tail);
    tail = lk_diag_log_tail(path, 100);
    assert_int_equal(cJSON_GetArraySize(tail), 4);
    cJSON_Delete(tail);
    char missing[160];
    snprintf(missing, sizeof missing, "%s/none.log", fx->dir);
    tail = lk_diag_log_tail(missing, 5);
    assert_int_equal(cJSON_GetArraySize(tail), 0);
    cJSON_Delete(tail);
    assert_int_equal(lk_log_open(&(lk_log_cfg){.path = "/nonexistent/dir/kiosk.log"}, &l, &err),
                     LK_EIO);
    assert_null(l);
}

static void test_rotation(void **state)
{
    lk_test_fixture *fx = *state;
    char path[128], p[160];
    snprintf(path, sizeof path, "%s/kiosk.log", fx->dir);
    lk_log *l = NULL;
    assert_int_equal(
        lk_log_open(&(lk_log_cfg){.path = path, .max_bytes = 1000, .keep = 2}, &l, NULL), 0);
    for (int i = 0; i < 100; i++)
        lk_log_write(l, LK_LOG_INFO, "test", "event %03d padding padding padding", i);
    lk_log_close(l);
    struct stat sb;
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, i ? "%s.%d" : "%s", path, i);
        assert_int_equal(stat(p, &sb), 0);
        assert_true(sb.st_size <= 1000);
        assert_true(i == 0 || sb.st_size > 900); /* a rotated file was full */
    }
    snprintf(p, sizeof p, "%s.3", path);
    assert_int_not_equal(stat(p, &sb), 0); /* keep = 2: the oldest went */
    char *cur = lk_test_slurp(path);
    snprintf(p, sizeof p, "%s.1", path);
    char *prev = lk_test_slurp(p);
    assert_non_null(strstr(cur, "event 099"));
    /* The newest rotated file ends just before the current one starts. */
    char last[16], first[16];
    const char *lp = prev + strlen(prev) - 1;
    while (lp > prev && lp[-1] != '\n')
        lp--;
    assert_int_equal(sscanf(strstr(lp, "event "), "event %15s", last), 1);
    assert_int_equal(sscanf(strstr(cur, "event "), "event %15s", first), 1);
    assert_int_equal(atoi(first), atoi(last) + 1);
    free(cur);
    free(prev);
}

typedef struct writer {
    lk_log *l;
    int id;
} writer;

static void *write_many(void *arg)
{
    writer *w = arg;
    for (int i = 0; i < 500; i++)
        lk_log_write(w->l, LK_LOG_INFO, "thread", "writer %d line %d end", w->id, i);
    return NULL;
}

static void test_threads(void **state)
{
    lk_test_fixture *fx = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/kiosk.log", fx->dir);
    lk_log *l = NULL;
    assert_int_equal(lk_log_open(&(lk_log_cfg){.path = path, .max_bytes = 1 << 20}, &l, NULL), 0);
    pthread_t th[4];
    writer w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (writer){l, i};
        assert_int_equal(pthread_create(&th[i], NULL, write_many, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    lk_log_close(l);
    char *s = lk_test_slurp(path);
    assert_int_equal(count_lines(s), 2000);
    int per[4] = {0};
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
        int id = -1, n = -1;
        const char *m = strstr(line, "thread: writer ");
        assert_non_null(m);
        assert_int_equal(sscanf(m, "thread: writer %d line %d end", &id, &n), 2);
        assert_non_null(strstr(m, " end"));
        per[id]++;
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(per[i], 500);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_line_format, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_rotation, lk_test_setup_open, lk_test_teardown),
        cmocka_unit_test_setup_teardown(test_threads, lk_test_setup_open, lk_test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
