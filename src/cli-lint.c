/*
 * cli-lint.c: kong lint: check the inventory, render every (site, test)
 * pair and compile every rendered script, reporting all problems at once.
 */
#include "cli.h"
#include "plan.h"
#include "template.h"

enum {
	LINT_TWILL_COMPATIBLE = 1000,
};

static const struct cli_option lint_options[] = {
	{ "twill-compatible", 0, CLI_NOARG, NULL, "list the lines that use "
	    "Kong's extensions to Twill (exit 1 if any)",
	    LINT_TWILL_COMPATIBLE },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

/* --twill-compatible: a note for each line twill would not run. */
static size_t
lint_extensions(struct program *p, struct diag *d)
{
	const struct insn	*in;
	size_t			 i, n = 0;

	for (i = 0; i < p->ninsns; i++) {
		in = &p->insns[i];
		if (!(op_table[in->op].flags & TC_KONG))
			continue;
		diag_at(d, DIAG_NOTE, p->src, in->off, "'%s' is a Kong "
		    "extension: twill has no such command", op_name(in->op));
		n++;
	}
	return (n);
}

/* kong lint FILE...: compile scripts given on the command line. */
static int
lint_files(struct cli_args *a, int compat)
{
	struct source	*src;
	struct program	*p;
	struct diag	 d;
	char		*cause;
	size_t		 next = 0, nerr;
	int		 i;

	diag_init(&d);
	for (i = 0; i < a->argc; i++) {
		if ((src = source_read(a->argv[i], &cause)) == NULL) {
			diag_plain(&d, DIAG_ERROR, "%s", cause);
			free(cause);
			continue;
		}
		p = program_compile(src, &d);
		source_unref(src);
		if (p != NULL) {
			plan_lint_names(p, &d);
			if (compat)
				next += lint_extensions(p, &d);
		}
		program_unref(p);
	}
	diag_print(&d, stderr);
	nerr = d.nerrors + d.dropped;
	fprintf(stderr, "kong lint: %d script%s: %zu error%s, %zu warning%s",
	    a->argc, a->argc == 1 ? "" : "s", nerr, nerr == 1 ? "" : "s",
	    d.nwarnings, d.nwarnings == 1 ? "" : "s");
	if (compat)
		fprintf(stderr, ", %zu line%s using Kong's extensions", next,
		    next == 1 ? "" : "s");
	fputc('\n', stderr);
	diag_free(&d);
	if (nerr > 0)
		return (KONG_EXIT_USAGE);
	return (next > 0 ? KONG_EXIT_FAILED : KONG_EXIT_OK);
}

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

static void
lint_add_path(const char *path, void *arg)
{
	map_set(arg, path, arg);
}

/* Whether a template reads obj.key (or obj.key.more, or obj whole). */
static int
lint_read(const struct map *paths, const char *obj, const char *key)
{
	char	*p;
	int	 hit;
	size_t	 i, n;

	if (map_get(paths, obj) != NULL)
		return (1);
	p = xstrfmt("%s.%s", obj, key);
	hit = map_get(paths, p) != NULL;
	n = strlen(p);
	for (i = 0; !hit && i < paths->cap; i++) {
		if (paths->v[i].key != NULL && strncmp(paths->v[i].key, p, n) ==
		    0 && paths->v[i].key[n] == '.')
			hit = 1;
	}
	free(p);
	return (hit);
}

/* Warn about each free attribute of attrs that no template reads. */
static void
lint_attrs(struct diag *d, const struct map *paths, const char *kind,
    const char *name, json_t *attrs, const char *file, int line)
{
	const char	*key;
	json_t		*v;

	json_object_foreach(attrs, key, v) {
		if (strcmp(kind, "server") == 0 && strcmp(key, "address") == 0)
			continue;
		if (!lint_read(paths, kind, key))
			diag_line(d, DIAG_WARNING, file, line, "%s '%s': attribute "
			    "'%s' is read by no template (a typo, or left over?)",
			    kind, name, key);
	}
}

/*
 * Attributes no template reads: the other half of a typo such as
 * "headlin = ..." for a template that reads site.headline.
 */
static void
lint_unread(struct inventory *inv, const struct selection *sel,
    struct diag *d)
{
	struct template	*tpl;
	struct diag	 ignore;
	struct map	 paths;
	size_t		 i;

	map_init(&paths);
	diag_init(&ignore);
	for (i = 0; i < inv->ntests; i++) {
		if ((tpl = test_template(inv->tests[i], &ignore)) != NULL)
			template_foreach_var(tpl, lint_add_path, &paths);
	}
	diag_free(&ignore);
	for (i = 0; i < inv->nsites; i++) {
		if (selection_site(sel, inv->sites[i]))
			lint_attrs(d, &paths, "site", inv->sites[i]->name,
			    inv->sites[i]->attrs, inv->sites[i]->file,
			    inv->sites[i]->line);
	}
	for (i = 0; i < inv->ntypes; i++)
		lint_attrs(d, &paths, "type", inv->types[i]->name,
		    inv->types[i]->attrs, inv->types[i]->file,
		    inv->types[i]->line);
	for (i = 0; i < inv->nservers; i++)
		lint_attrs(d, &paths, "server", inv->servers[i]->name,
		    inv->servers[i]->attrs, inv->servers[i]->file,
		    inv->servers[i]->line);
	map_free(&paths, NULL);
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
	size_t			 i, j, k, npairs = 0, nerr, nwarn, next = 0;
	int			 used, compat = 0;

	(void)cmd;
	for (i = 0; i < a->nopts; i++) {
		if (a->opts[i].id == LINT_TWILL_COMPATIBLE)
			compat = 1;
	}
	if (a->argc > 0)
		return (lint_files(a, compat));
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
					if (compat)
						next += lint_extensions(p, &d);
				}
				program_unref(p);
			} while (++k < s->nservers);
		}
	}
	lint_unread(inv, &a->sel, &d);
	lint_print(&d, stderr);
	nerr = d.nerrors + d.dropped;
	nwarn = d.nwarnings;
	fprintf(stderr, "kong lint: %zu site%s, %zu test%s, %zu rendered "
	    "script%s: %zu error%s, %zu warning%s", inv->nsites,
	    inv->nsites == 1 ? "" : "s", inv->ntests, inv->ntests == 1 ? "" : "s",
	    npairs, npairs == 1 ? "" : "s", nerr, nerr == 1 ? "" : "s", nwarn,
	    nwarn == 1 ? "" : "s");
	if (compat)
		fprintf(stderr, ", %zu line%s using Kong's extensions", next,
		    next == 1 ? "" : "s");
	fputc('\n', stderr);
	map_free(&linted, NULL);
	plan_cache_free(&cache);
	diag_free(&d);
	inventory_free(inv);
	if (nerr > 0)
		return (KONG_EXIT_USAGE);
	return (next > 0 ? KONG_EXIT_FAILED : KONG_EXIT_OK);
}

const struct cli_cmd cli_lint_cmd = {
	"lint",
	"[-c INVENTORY] [SELECTORS] [--twill-compatible] [FILE...]",
	"check the inventory, every template and every rendered script",
	"Reads the inventory, renders every selected (site, test) pair (once\n"
	"per server for sites on servers) and compiles each script, reporting\n"
	"every problem as FILE:LINE:COL: undefined template variables are\n"
	"errors. Warns about Twill variables that are never set, tests that run\n"
	"on no site, and attributes no template reads. Given FILEs, it compiles\n"
	"those Twill scripts instead of the inventory's. --twill-compatible\n"
	"also lists every line that uses one of Kong's extensions to Twill\n"
	"(header, cert_valid_for, capture...), which twill itself cannot run.\n"
	"Exit status 0 when there are no errors, 1 when --twill-compatible\n"
	"found extensions, 2 on errors.",
	CLI_SELECTORS,
	lint_options,
	-1,
	lint_exec,
};
