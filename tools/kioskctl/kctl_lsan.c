/* kctl_lsan: LeakSanitizer settings for sanitizer builds of kioskctl (ignored otherwise).
 *
 * cairo 1.16's PDF font subsetter leaks one small array per embedded font inside
 * cairo_surface_finish; nothing kioskctl holds. libcairo has no frame pointers, so the fast
 * unwinder stops inside it and the function cannot be named: the rule matches allocations made
 * within libcairo itself. Full unwinding would name it but slows every CLI test several-fold. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libcairo.so\n";
}

/* The tally of suppressed cairo allocations would otherwise end every render on stderr. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}
