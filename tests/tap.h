/*
 * tap.h: a tiny TAP producer for Kong's C unit tests, run under automake's
 * TAP driver. A failure names the test file and line.
 */
#ifndef KONG_TAP_H
#define KONG_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failures;

static inline int
tap_ok(int pass, const char *file, int line, const char *name)
{
	tap_count++;
	if (!pass)
		tap_failures++;
	printf("%sok %d - %s:%d: %s\n", pass ? "" : "not ", tap_count, file,
	    line, name);
	fflush(stdout);
	return (pass);
}

static inline int
tap_is_str(const char *got, const char *want, const char *file, int line,
    const char *name)
{
	int	pass;

	if (got == NULL || want == NULL)
		pass = got == want;
	else
		pass = strcmp(got, want) == 0;
	if (!tap_ok(pass, file, line, name)) {
		printf("# got:  \"%s\"\n", got != NULL ? got : "(null)");
		printf("# want: \"%s\"\n", want != NULL ? want : "(null)");
	}
	return (pass);
}

static inline int
tap_is_long(long got, long want, const char *file, int line, const char *name)
{
	if (!tap_ok(got == want, file, line, name)) {
		printf("# got:  %ld\n# want: %ld\n", got, want);
		return (0);
	}
	return (1);
}

/* A note in the TAP stream ("# ..."): what a test measured. */
static inline void
tap_diag(const char *fmt, ...)
{
	va_list	ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return (tap_failures != 0);
}

#define ok(cond, name)		tap_ok(!!(cond), __FILE__, __LINE__, name)
#define is_str(g, w, name)	tap_is_str(g, w, __FILE__, __LINE__, name)
#define is_int(g, w, name)	tap_is_long((long)(g), (long)(w), __FILE__, __LINE__, name)
#define done_testing()		tap_done()
#define diag(...)		tap_diag(__VA_ARGS__)

#endif
