/*
 * cli-lint.c: kong lint: check the inventory, render every (site, test)
 * pair and compile every rendered script, reporting all problems at once.
 */
#include "cli.h"
#include "plan.h"

/* Print each distinct diagnostic once. */
static void
lint_print(struct diag *d, FILE *f)
{
	struct map	seen;
	size_t		i;

	map_init(&seen);
	for (i = 0; i < d->n; i++) {
		if (map_get(&seen, d->v[i].text) != NULL)
			continue;
		map_set(&seen, d->v[i].text, &seen);
		fputs(d->v[i].text, f);
	}
	if (d->dropped > 0)
		fprintf(f, "kong: %zu more error%s not shown (at most %zu are)\n",
		    d->dropped, d->dropped == 1 ? "" : "s", d->max);
	map_free(&seen, NULL);
}

static int
lint_exec(const struct cli_cmd *cmd, struct cli_args *a)
{
	struct inventory	*inv;
	struct program		*p;
	struct site		*s;
	struct test		*t;
	struct diag		 d;
	struct map		 cache, linted;
	size_t			 i, j, k, npairs = 0, nerr, nwarn;
	int			 used;

	(void)cmd;
	if ((inv = cli_load(a)) == NULL)
		return (KONG_EXIT_USAGE);

	diag_init(&d);
	map_init(&cache);
	map_init(&linted);
	for (i = 0; i < inv->ntests; i++) {
		t = inv->tests[i];
		for (used = 0, j = 0; j < inv->nsites && !used; j++) {
			for (k = 0; k < inv->sites[j]->ntests; k++)
				used = used || inv->sites[j]->tests[k] == t;
		}
		if (!used && selection_test(&a->sel, t))
			diag_line(&d, DIAG_WARNING, t->file, t->line, "test '%s' "
			    "runs on no site (no type, site or tag of it "
			    "matches)", t->name);
	}
	for (i = 0; i < inv->nsites; i++) {
		s = inv->sites[i];
		if (!selection_site(&a->sel, s))
			continue;
		for (j = 0; j < s->ntests; j++) {
			t = s->tests[j];
			if (!selection_test(&a->sel, t))
				continue;
			k = 0;
			do {
				p = plan_compile(t, s, s->nservers > 0 ?
				    s->servers[k] : NULL, &d, &cache);
				npairs++;
				if (p != NULL && map_get(&linted,
				    p->src->text) == NULL) {
					map_set(&linted, p->src->text, p);
					plan_lint_names(p, &d);
				}
				program_unref(p);
			} while (++k < s->nservers);
		}
	}
	lint_print(&d, stderr);
	nerr = d.nerrors + d.dropped;
	nwarn = d.nwarnings;
	fprintf(stderr, "kong lint: %zu site%s, %zu test%s, %zu rendered "
	    "script%s: %zu error%s, %zu warning%s\n", inv->nsites,
	    inv->nsites == 1 ? "" : "s", inv->ntests, inv->ntests == 1 ? "" : "s",
	    npairs, npairs == 1 ? "" : "s", nerr, nerr == 1 ? "" : "s", nwarn,
	    nwarn == 1 ? "" : "s");
	map_free(&linted, NULL);
	plan_cache_free(&cache);
	diag_free(&d);
	inventory_free(inv);
	return (nerr > 0 ? KONG_EXIT_USAGE : KONG_EXIT_OK);
}

const struct cli_cmd cli_lint_cmd = {
	"lint",
	"[-c INVENTORY] [SELECTORS]",
	"check the inventory, every template and every rendered script",
	"Reads the inventory, renders every selected (site, test) pair (once\n"
	"per server for sites on servers) and compiles each script, reporting\n"
	"every problem as FILE:LINE:COL: undefined template variables are\n"
	"errors. Warns about Twill variables that are never set, and tests that\n"
	"run on no site. Exit status 0 when there are no errors, 2 otherwise.",
	CLI_SELECTORS,
	NULL,
	0,
	lint_exec,
};
