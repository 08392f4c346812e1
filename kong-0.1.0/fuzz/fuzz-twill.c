/*
 * fuzz-twill.c: libFuzzer target for the Twill lexer and compiler: any
 * bytes, compiled as a script, give a program or diagnostics.
 */
#include <stdint.h>

#include "twill.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct source	*src;
	struct program	*p;
	struct diag	 d;

	src = source_create("fuzz.twill", (const char *)data, len);
	diag_init(&d);
	p = program_compile(src, &d);
	program_unref(p);
	source_unref(src);
	diag_free(&d);
	return (0);
}
