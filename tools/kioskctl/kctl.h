/* kctl: shared plumbing of the kioskctl sub-commands (global options, opening the store, JSON
 * output). Each cmd_*.c file implements one command group and nothing else. */
#ifndef LK_TOOLS_KCTL_H
#define LK_TOOLS_KCTL_H

#include <cjson/cJSON.h>

#include "kiosk/lk_store.h"

/* Exit codes every command keeps: tests and scripts depend on them. */
enum { KCTL_OK = 0, KCTL_FAIL = 1, KCTL_USAGE = 2 };

typedef struct kctl {
    const char *db;            /* --db, or NULL */
    const char *env_db;        /* $LK_DB, or NULL */
    const char *secret;        /* $LK_SECRET_FILE, or NULL for "<db>.secret" */
    const char *actor;         /* who is acting, for the audit log ($LK_ACTOR or "kioskctl") */
    int today;                 /* YYYYMMDD ($LK_TODAY for tests, else the clock) */
    const char *template_path; /* $LK_TEMPLATE, else the template shipped in assets/ */
} kctl;

/* A command: argv[0] is the sub-command's name. Returns an exit code. */
typedef int (*kctl_cmd_fn)(kctl *k, int argc, char **argv);

int kctl_cmd_check(kctl *k, int argc, char **argv);
int kctl_cmd_records(kctl *k, int argc, char **argv);
int kctl_cmd_audit(kctl *k, int argc, char **argv);
int kctl_cmd_config(kctl *k, int argc, char **argv);
int kctl_cmd_counters(kctl *k, int argc, char **argv);
int kctl_cmd_render(kctl *k, int argc, char **argv);
/* printing: cmd_print.c */
int kctl_cmd_print(kctl *k, int argc, char **argv);
int kctl_cmd_jobs(kctl *k, int argc, char **argv);
int kctl_cmd_stock(kctl *k, int argc, char **argv);
int kctl_cmd_bundle(kctl *k, int argc, char **argv);
int kctl_cmd_service_card(kctl *k, int argc, char **argv);
int kctl_cmd_usb(kctl *k, int argc, char **argv);
int kctl_cmd_diag(kctl *k, int argc, char **argv);
int kctl_cmd_nfc(kctl *k, int argc, char **argv);   /* NFC / eMRTD */
int kctl_cmd_emrtd(kctl *k, int argc, char **argv); /* NFC / eMRTD */
int kctl_cmd_card(kctl *k, int argc, char **argv);  /* NFC / eMRTD: virtual card files */
int kctl_cmd_pki(kctl *k, int argc, char **argv);   /* NFC / eMRTD: test CSCA */
int kctl_cmd_face(kctl *k, int argc, char **argv);
int kctl_cmd_plugin(kctl *k, int argc, char **argv);
int kctl_cmd_idcard(kctl *k, int argc, char **argv);
int kctl_cmd_sync(kctl *k, int argc, char **argv);

/* Opens the store picked by --db / $LK_DB / default; on failure prints the reason and
 * returns NULL. */
lk_store *kctl_open_store(kctl *k);
/* The kiosk's printer ($LK_PRINTER, else printer.name) through lk_cups; LK_ECONFIG when none. */
struct lk_printer;
int kctl_open_printer(lk_store *st, struct lk_printer **p, char *name, size_t n, lk_err *err);

/* Prints obj as one line of JSON on stdout and frees it. */
void kctl_print_json(cJSON *obj);

/* Prints "kioskctl: <msg>" on stderr. */
void kctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints a usage line on stderr and returns KCTL_USAGE. */
int kctl_usage(const char *usage);

#endif
