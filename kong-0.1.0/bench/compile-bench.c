/*
 * compile-bench.c: repeat Kong's compile stages K times, for callgrind.
 *
 *   compile-bench compile SCRIPT K    compile the Twill script K times
 *   compile-bench plan INVENTORY K    render and compile every (site, test)
 *                                     pair of the inventory K times, as
 *                                     kong check does (no sharing cache)
 *
 * bench/callgrind.sh runs it with two values of K and divides the
 * difference in instructions, so start-up and loading cancel out. It links
 * libkong.a like the kong binary (see bench/RESULTS.md for the command).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kong.h"
#include "diag.h"
#include "inventory.h"
#include "plan.h"
#include "twill.h"

static int
usage(void)
{
	fprintf(stderr, "usage: compile-bench compile SCRIPT K\n"
	    "       compile-bench plan INVENTORY K\n");
	return (2);
}

/* Compile the script at path k times; 0, or 1 on a compile error. */
static int
bench_compile(const char *path, long k)
{
	struct source	*src;
	struct program	*p;
	struct diag	 d;
	char		*cause;
	long		 i;

	if ((src = source_read(path, &cause)) == NULL) {
		fprintf(stderr, "compile-bench: %s\n", cause);
		free(cause);
		return (1);
	}
	diag_init(&d);
	for (i = 0; i < k; i++) {
		if ((p = program_compile(src, &d)) == NULL) {
			diag_print(&d, stderr);
			break;
		}
		program_unref(p);
	}
	diag_free(&d);
	source_unref(src);
	return (i == k ? 0 : 1);
}

/* Render and compile every pair of the inventory k times. */
static int
bench_plan(const char *path, long k)
{
	struct inventory	*inv;
	struct selection	 sel;
	struct pair		*pairs;
	struct program		*p;
	struct diag		 d;
	size_t			 n, j;
	long			 i;
	int			 rc = 0;

	diag_init(&d);
	if ((inv = inventory_load(path, &d)) == NULL) {
		diag_print(&d, stderr);
		diag_free(&d);
		return (1);
	}
	selection_init(&sel);
	pairs = inventory_pairs(inv, &sel, 0, 0, &n);
	for (i = 0; i < k && rc == 0; i++) {
		for (j = 0; j < n; j++) {
			p = plan_compile(pairs[j].test, pairs[j].site,
			    pairs[j].server, &d, NULL);
			if (p == NULL) {
				diag_print(&d, stderr);
				rc = 1;
				break;
			}
			program_unref(p);
		}
	}
	printf("%zu pairs x %ld\n", n, k);
	free(pairs);
	selection_free(&sel);
	inventory_free(inv);
	diag_free(&d);
	return (rc);
}

int
main(int argc, char **argv)
{
	long	k;

	if (argc != 4 || (k = strtol(argv[3], NULL, 10)) < 1)
		return (usage());
	if (strcmp(argv[1], "compile") == 0)
		return (bench_compile(argv[2], k));
	if (strcmp(argv[1], "plan") == 0)
		return (bench_plan(argv[2], k));
	return (usage());
}
