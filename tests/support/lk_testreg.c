/* lk_testreg: the registry tests' rig (see lk_testreg.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kiosk/lk_config.h"
#include "lk_testreg.h"

void lk_test_rig_set(lk_store *st, const char *key, const char *value)
{
    lk_err err = {0};
    if (lk_config_set(st, key, value, "test", &err) != 0)
        fail_msg("config set %s: %s", key, err.msg);
}

void lk_test_rig_set_file(lk_test_rig *r, const char *key, const char *name)
{
    char v[256];
    snprintf(v, sizeof v, "%s/%s", r->fx->dir, name);
    lk_test_rig_set(r->fx->st, key, v);
}

void lk_test_rig_set_port(lk_test_rig *r, int port)
{
    char v[64];
    snprintf(v, sizeof v, "https://127.0.0.1:%d", port);
    lk_test_rig_set(r->fx->st, "registry.url", v);
}

void lk_test_rig_reopen(lk_test_rig *r)
{
    lk_err err = {0};
    lk_registry_close(r->reg);
    r->reg = NULL;
    if (lk_registry_open(r->fx->st, "test", 0, &r->reg, &err) != 0)
        fail_msg("registry open: %s", err.msg);
}

lk_test_rig *lk_test_rig_new(void **state, long records)
{
    lk_test_rig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->fx = *state;
    char err[256];
    assert_int_equal(lk_regsim_make_pki(r->fx->dir, err, sizeof err), 0);
    lk_regsim_opts o = {.pki_dir = r->fx->dir, .records = records, .seed = 7};
    if (lk_regsim_start(&o, &r->sim, err, sizeof err) != 0)
        fail_msg("%s", err);
    lk_test_rig_set_port(r, lk_regsim_port(r->sim));
    lk_test_rig_set_file(r, "registry.ca_file", "ca.pem");
    lk_test_rig_set_file(r, "registry.key_file", "kiosk.key");
    lk_test_rig_set_file(r, "registry.lookup_key_file", "lookup.key");
    lk_test_rig_set(r->fx->st, "registry.kiosk_id", "kiosk-1");
    lk_test_rig_set(r->fx->st, "registry.page_size", "1000");
    lk_test_rig_reopen(r);
    return r;
}

void lk_test_rig_free(lk_test_rig *r)
{
    lk_registry_close(r->reg);
    lk_regsim_stop(r->sim);
    free(r);
}

int lk_test_dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

long long lk_test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
