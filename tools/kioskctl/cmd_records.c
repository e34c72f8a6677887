/* placeholder: being written */
#include "kctl.h"
int kctl_cmd_records(kctl *k, int argc, char **argv)
{
    (void)k;
    (void)argc;
    (void)argv;
    return KCTL_USAGE;
}
