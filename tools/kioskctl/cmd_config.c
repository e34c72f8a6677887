/* placeholder: being written */
#include "kctl.h"
int kctl_cmd_config(kctl *k, int argc, char **argv)
{
    (void)k;
    (void)argc;
    (void)argv;
    return KCTL_USAGE;
}
int kctl_cmd_counters(kctl *k, int argc, char **argv)
{
    (void)k;
    (void)argc;
    (void)argv;
    return KCTL_USAGE;
}
