/*
 * cli.c: what the kong commands share: selector options, loading the
 * inventory with its diagnostics, usage errors, aligned tables.
 */
#include <unistd.h>

#include "cli.h"

/* Defaults: the inventory from the environment, nothing selected. */
void
cli_common_init(struct cli_common *c)
{
	c->inventory = NULL;
	selection_init(&c->sel);
}

/* Free the selectors. */
void
cli_common_free(struct cli_common *c)
{
	selection_free(&c->sel);
}

/* Handle -c and the selectors. Returns 1 if c was one of them. */
int
cli_common_option(struct cli_common *c, int opt, const char *arg)
{
	switch (opt) {
	case 'c':
		c->inventory = arg;
		return (1);
	case CLI_OPT_SITE:
		selection_add(&c->sel.site, &c->sel.nsite, arg);
		return (1);
	case CLI_OPT_TYPE:
		selection_add(&c->sel.type, &c->sel.ntype, arg);
		return (1);
	case CLI_OPT_TEST:
		selection_add(&c->sel.test, &c->sel.ntest, arg);
		return (1);
	case CLI_OPT_SERVER:
		selection_add(&c->sel.server, &c->sel.nserver, arg);
		return (1);
	case CLI_OPT_TAG:
		selection_add(&c->sel.tag, &c->sel.ntag, arg);
		return (1);
	}
	return (0);
}

/* Load the inventory, printing every problem; NULL when there were errors. */
struct inventory *
cli_load(struct cli_common *c)
{
	struct inventory	*inv;
	struct diag		 d;

	diag_init(&d);
	inv = inventory_load(c->inventory != NULL ? c->inventory :
	    inventory_default_path(), &d);
	diag_print(&d, stderr);
	diag_free(&d);
	return (inv);
}

/* A usage error: the message, the usage line, exit status 2. */
int
cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "kong %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: kong %s %s\nTry 'kong help %s' for more.\n",
	    cmd->name, cmd->usage, cmd->name);
	return (KONG_EXIT_USAGE);
}

/*
 * A usage error for the option getopt just refused: unknown, or missing
 * its argument (the option string starts with ':').
 */
int
cli_bad_option(const struct cli_cmd *cmd, char **argv, int opt)
{
	const char	*arg = argv[optind - 1];

	if (opt == ':')
		return (cli_usage(cmd, "option '%s' needs an argument", arg));
	if (optopt != 0 && strncmp(arg, "--", 2) != 0)
		return (cli_usage(cmd, "unknown option '-%c'", optopt));
	return (cli_usage(cmd, "unknown option '%s'", arg));
}

/* The help of a command. */
int
cli_help(const struct cli_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: kong %s %s\n\n%s\n\n%s", cmd->name, cmd->usage,
	    cmd->summary, cmd->help);
	return (KONG_EXIT_OK);
}

/* Parse an option's duration. Returns 0, or -1 after a usage error. */
int
cli_duration(const struct cli_cmd *cmd, const char *opt, const char *arg,
    long *ms)
{
	if (parse_duration_ms(arg, ms) == 0)
		return (0);
	cli_usage(cmd, "%s: '%s' is not a duration (such as 500ms, 10s, 2m)",
	    opt, arg);
	return (-1);
}

/* Parse an option's number. Returns 0, or -1 after a usage error. */
int
cli_number(const struct cli_cmd *cmd, const char *opt, const char *arg,
    long min, long max, long *v)
{
	if (parse_int(arg, min, max, v) == 0)
		return (0);
	cli_usage(cmd, "%s: '%s' is not a whole number from %ld to %ld", opt,
	    arg, min, max);
	return (-1);
}

/* Whether to color output on f: a terminal, and NO_COLOR unset. */
int
cli_color(FILE *f)
{
	const char	*nc = getenv("NO_COLOR");

	return (isatty(fileno(f)) && (nc == NULL || *nc == '\0'));
}

/* An empty table of ncols columns. */
void
table_init(struct table *t, size_t ncols)
{
	t->cells = NULL;
	t->ncols = ncols;
	t->nrows = 0;
}

/* Add a row of ncols strings (copied; NULL shows as "-"). */
void
table_add(struct table *t, ...)
{
	va_list		 ap;
	const char	*s;
	size_t		 i;

	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols,
	    sizeof *t->cells);
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		s = va_arg(ap, const char *);
		t->cells[t->nrows * t->ncols + i] = xstrdup(s != NULL &&
		    *s != '\0' ? s : "-");
	}
	va_end(ap);
	t->nrows++;
}

/* Print with columns aligned, each line starting with indent. */
void
table_print(struct table *t, FILE *f, const char *indent)
{
	size_t	*w, r, c, cols;
	char	*cell;

	w = xcalloc(t->ncols, sizeof *w);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			cell = t->cells[r * t->ncols + c];
			cols = utf8_columns(cell, strlen(cell));
			if (cols > w[c])
				w[c] = cols;
		}
	}
	for (r = 0; r < t->nrows; r++) {
		fputs(indent, f);
		for (c = 0; c < t->ncols; c++) {
			cell = t->cells[r * t->ncols + c];
			fputs(cell, f);
			if (c + 1 == t->ncols)
				break;
			cols = utf8_columns(cell, strlen(cell));
			while (cols++ < w[c] + 2)
				fputc(' ', f);
		}
		fputc('\n', f);
	}
	free(w);
}

/* Free a table. */
void
table_free(struct table *t)
{
	size_t	i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	table_init(t, t->ncols);
}

/* Join a string vector with sep. Caller frees. */
char *
strv_join(char *const *v, const char *sep)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	for (i = 0; v != NULL && v[i] != NULL; i++) {
		if (i > 0)
			buf_adds(&b, sep);
		buf_adds(&b, v[i]);
	}
	return (buf_steal(&b));
}
