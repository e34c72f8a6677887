/* kioskctl: command-line front end for admins, technicians and tests. The composition root of
 * the CLI: it reads the environment once, then hands a kctl context to one command group. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kctl.h"
#include "kiosk/lk_idnum.h"

static const struct {
    const char *name;
    kctl_cmd_fn fn;
    const char *help;
} commands[] = {
    {"check", kctl_cmd_check, "check uscc CODE | check id NUMBER | check mrz LINE LINE [LINE]"},
    {"records", kctl_cmd_records,
     "records import FILE | find --id NUMBER | find --doc TYPE:NUMBER | show USCC |\n"
     "          generate --count N [--seed S]"},
    {"audit", kctl_cmd_audit, "audit verify | audit list [--after SEQ] [--limit N]"},
    {"config", kctl_cmd_config, "config get KEY | config set KEY VALUE | config list"},
    {"counters", kctl_cmd_counters, "counters [list] | counters get NAME"},
    {"render", kctl_cmd_render,
     "render USCC --copy original|duplicate [--copy-no N] [--overlay] [--template PATH]\n"
     "          -o FILE.pdf|FILE.png"},
    {"print", kctl_cmd_print, "print USCC --copy original|duplicate [--copy-no N] [--overlay]"},
    {"jobs", kctl_cmd_jobs,
     "jobs [list [--state S]] | reconcile [--wait] | printer | confirm ROW --printed|\n"
     "          --not-printed [--spoiled] | authorise-reprint USCC --copy C [--copy-no N]\n"
     "          --reason TEXT"},
    {"stock", kctl_cmd_stock,
     "stock load --tray T --media a3|a4 (--first S --last S | --count N) | stock show"},
    {"bundle", kctl_cmd_bundle,
     "bundle keygen|create|sign|verify|inspect|apply|status|verify-export ... (bundle --help)"},
    {"service-card", kctl_cmd_service_card,
     "service-card make|inspect|pin-hash|enter|lock ... (service-card --help)"},
    {"diag", kctl_cmd_diag,
     "diag status | diag selftest [NAME] | diag counters [--from DATE] [--to DATE] | diag logs"},
    {"usb", kctl_cmd_usb, "usb list | usb watch [--seconds N] [--apply] | usb arrive [--apply]"},
    {"nfc", kctl_cmd_nfc,
     "nfc list [--device CONNSTRING] [--timeout MS] | nfc wait-removal [--device CONNSTRING]\n"
     "          [--timeout MS]"},
    {"emrtd", kctl_cmd_emrtd,
     "emrtd keys --mrz-info STRING | emrtd read [--device CONNSTRING] --doc NUMBER\n"
     "          --dob YYMMDD --expiry YYMMDD [--photo OUT] [--csca-dir DIR] [--timeout MS]"},
    {"card", kctl_cmd_card,
     "card make-emrtd --mrz LINE LINE [LINE] --photo FILE --csca-dir DIR -o FILE |\n"
     "          card make-service --payload FILE -o FILE"},
    {"pki", kctl_cmd_pki, "pki make-test-csca DIR"},
    {"face", kctl_cmd_face,
     "face verify --plugin SO [--config STR] --id-photo FILE --live FILE [--live FILE...]"},
    {"plugin", kctl_cmd_plugin, "plugin check SO [--kind face|idreader] [--config STR]"},
    {"idcard", kctl_cmd_idcard,
     "idcard read [--plugin SO] [--config STR] [--timeout-ms N] [--photo OUT.ppm]"},
    {"sync", kctl_cmd_sync, "sync [--full]   (registry change feed and print reports)"},
};

static int usage(void)
{
    fprintf(stderr, "usage: kioskctl [--db PATH] COMMAND ...\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(stderr, "  %s\n", commands[i].help);
    fprintf(stderr,
            "environment: LK_DB (database), LK_SECRET_FILE (per-kiosk secret), "
            "LK_ACTOR (audit actor), LK_TEMPLATE (print template), LK_PRINTER (CUPS queue)\n");
    return KCTL_USAGE;
}

static int parse_today(const char *s)
{
    if (!s || strlen(s) != 8 || strspn(s, "0123456789") != 8)
        return lk_idnum_today();
    return atoi(s);
}

int main(int argc, char **argv)
{
    kctl k = {
        .env_db = getenv("LK_DB"),
        .secret = getenv("LK_SECRET_FILE"),
        .actor = getenv("LK_ACTOR") ? getenv("LK_ACTOR") : "kioskctl",
        .today = parse_today(getenv("LK_TODAY")),
        .template_path = getenv("LK_TEMPLATE") ? getenv("LK_TEMPLATE") : LK_TEMPLATE_DEFAULT,
    };
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            k.db = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage();
            return KCTL_OK;
        } else {
            return usage();
        }
    }
    if (i >= argc)
        return usage();
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
        if (strcmp(argv[i], commands[c].name) == 0)
            return commands[c].fn(&k, argc - i, argv + i);
    kctl_error("unknown command '%s'", argv[i]);
    return usage();
}
