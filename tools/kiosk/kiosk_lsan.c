/* kiosk_lsan: LeakSanitizer settings for sanitizer builds of kiosk (ignored otherwise). The
 * simulated printer renders PDFs, and cairo 1.16's PDF font subsetter leaks one small array per
 * embedded font inside cairo_surface_finish (see tools/kioskctl/kctl_lsan.c for the details). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libcairo.so\n";
}

const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}
