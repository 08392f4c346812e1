/*
 * cli.c: the kong command line: the command table, the one option parser,
 * --help written from the option tables, loading the inventory, and what
 * the commands share (usage errors, colors, aligned tables).
 *
 * getopt_long does the parsing; its option array is built for each command
 * from three sources, told apart by the value getopt returns: the
 * command's own options (CLI_OWN + index), the inventory and selectors
 * (CLI_COMMON + index) and the settings the command takes (CLI_SET +
 * index into settings_table). Settings are checked as they are parsed, so
 * a bad value is a usage error before the inventory is even read, and
 * applied later on top of the inventory's (cli_apply_settings).
 */
#include <getopt.h>
#include <unistd.h>

#include "cli.h"

#define CLI_OWN		0x1000
#define CLI_COMMON	0x2000
#define CLI_SET		0x3000
#define CLI_HELP	0x4000

const struct cli_cmd *const cli_commands[] = {
	&cli_check_cmd,
	&cli_run_cmd,
	&cli_list_cmd,
	&cli_render_cmd,
	&cli_lint_cmd,
	&cli_bench_cmd,
	&cli_store_cmd,
	&cli_serve_cmd,
	&cli_html_cmd,
	&cli_alert_cmd,
	&cli_silence_cmd,
	&cli_report_cmd,
	&cli_nagios_cmd,
	&cli_diff_cmd,
	&cli_merge_cmd,
	&cli_help_cmd,
};
const size_t cli_ncommands = nitems(cli_commands);

enum {
	CLI_C_INVENTORY,
	CLI_C_SITE,
	CLI_C_TYPE,
	CLI_C_TEST,
	CLI_C_SERVER,
	CLI_C_TAG,
};

static const struct cli_option cli_common_options[] = {
	{ "inventory", 'c', CLI_ARG, "PATH", "the inventory: a file or a "
	    "directory of *.ini (default $KONG_INVENTORY, else ./kong.ini)",
	    CLI_C_INVENTORY },
	{ "site", 0, CLI_ARG, "GLOB", "only these sites (repeatable)",
	    CLI_C_SITE },
	{ "type", 0, CLI_ARG, "GLOB", "only sites of these types (repeatable)",
	    CLI_C_TYPE },
	{ "test", 0, CLI_ARG, "GLOB", "only these tests (repeatable)",
	    CLI_C_TEST },
	{ "server", 0, CLI_ARG, "GLOB", "only sites on these servers "
	    "(repeatable)", CLI_C_SERVER },
	{ "tag", 0, CLI_ARG, "GLOB", "only sites with these tags (repeatable)",
	    CLI_C_TAG },
};

/* Whether a command takes a common option (-c, or a selector). */
static int
cli_takes_common(const struct cli_cmd *cmd, size_t i)
{
	if (i == CLI_C_INVENTORY)
		return ((cmd->flags & (CLI_INVENTORY | CLI_SELECTORS)) != 0);
	return ((cmd->flags & CLI_SELECTORS) != 0);
}

/* Whether a command's own table takes the short option c (it wins). */
static int
cli_own_short(const struct cli_cmd *cmd, int c)
{
	const struct cli_option	*o;

	for (o = cmd->options; c != 0 && o != NULL && o->name != NULL; o++)
		if (o->short_opt == c)
			return (1);
	return (0);
}

/* Whether a command takes a setting as an option. */
static int
cli_takes_setting(const struct cli_cmd *cmd, const struct setting_info *info)
{
	return (((cmd->flags & CLI_SWEEP) && (info->commands & SET_CHECK)) ||
	    ((cmd->flags & CLI_RUN) && (info->commands & SET_RUN)) ||
	    ((cmd->flags & CLI_BENCH) && (info->commands & SET_BENCH)));
}

/* The command called name, or NULL. */
const struct cli_cmd *
cli_find(const char *name)
{
	size_t	i;

	for (i = 0; i < cli_ncommands; i++) {
		if (strcmp(cli_commands[i]->name, name) == 0)
			return (cli_commands[i]);
	}
	return (NULL);
}

/* A "; did you mean 'X'?" hint for a name among candidates, or "". */
char *
cli_hint(const char *name, char *const *cands, size_t n)
{
	size_t	i, d, best = SIZE_MAX, bi = 0;

	for (i = 0; i < n; i++) {
		d = levenshtein(name, cands[i]);
		if (d < best) {
			best = d;
			bi = i;
		}
	}
	if (n == 0 || best > 2 || best >= strlen(name))
		return (xstrdup(""));
	return (xstrfmt("; did you mean '%s'?", cands[bi]));
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

/* A setting's default as the help shows it ("30s", "16M"), or "". */
static void
cli_default(const struct cli_cmd *cmd, const struct setting_info *info,
    char *buf, size_t len)
{
	long	v = (cmd->flags & CLI_RUN) ? info->def_run : info->def_check;

	*buf = '\0';
	switch (info->type) {
	case SETTING_INT:
		snprintf(buf, len, "%ld", v);
		break;
	case SETTING_DURATION:
		if (v == 0)
			snprintf(buf, len, "none");
		else if (v % 60000 == 0)
			snprintf(buf, len, "%ldm", v / 60000);
		else if (v % 1000 == 0)
			snprintf(buf, len, "%lds", v / 1000);
		else
			snprintf(buf, len, "%ldms", v);
		break;
	case SETTING_SIZE:
		if (v % (1024 * 1024) == 0)
			snprintf(buf, len, "%ldM", v / (1024 * 1024));
		else if (v % 1024 == 0)
			snprintf(buf, len, "%ldk", v / 1024);
		else
			snprintf(buf, len, "%ld", v);
		break;
	default:
		break;
	}
}

/* One option line of a help: "  -j, --concurrency N   text". */
static void
cli_help_line(FILE *f, int short_opt, const char *name, enum cli_arg arg,
    const char *metavar, const char *help, const char *def)
{
	char	left[96];
	int	n;

	n = snprintf(left, sizeof left, "  %c%c%s--%s%s%s%s",
	    short_opt != 0 ? '-' : ' ', short_opt != 0 ? short_opt : ' ',
	    short_opt != 0 ? ", " : "  ", name,
	    arg == CLI_OPTARG ? "[=" : metavar != NULL ? " " : "",
	    metavar != NULL ? metavar : "", arg == CLI_OPTARG ? "]" : "");
	if (n < 24)
		fprintf(f, "%-24s%s", left, help);
	else
		fprintf(f, "%s\n%24s%s", left, "", help);
	if (def != NULL && *def != '\0')
		fprintf(f, " (default %s)", def);
	fputc('\n', f);
}

/* The help of a command, from its tables. */
int
cli_help(const struct cli_cmd *cmd, FILE *f)
{
	const struct cli_option		*o;
	const struct setting_info	*info;
	char				*name, def[32];
	size_t				 i;

	fprintf(f, "usage: kong %s %s\n\n%s\n\n", cmd->name, cmd->usage,
	    cmd->summary);
	if (cmd->help != NULL && *cmd->help != '\0')
		fprintf(f, "%s\n\n", cmd->help);
	fputs("Options:\n", f);
	for (o = cmd->options; o != NULL && o->name != NULL; o++)
		cli_help_line(f, o->short_opt, o->name, o->arg, o->metavar,
		    o->help, NULL);
	for (i = 0; i < nitems(cli_common_options); i++) {
		o = &cli_common_options[i];
		if (cli_takes_common(cmd, i))
			cli_help_line(f, cli_own_short(cmd, o->short_opt) ? 0 :
			    o->short_opt, o->name, o->arg, o->metavar, o->help,
			    NULL);
	}
	for (i = 0; i < SETTINGS_COUNT; i++) {
		info = &settings_table[i];
		if (!cli_takes_setting(cmd, info))
			continue;
		name = settings_option_name(info);
		cli_default(cmd, info, def, sizeof def);
		cli_help_line(f, info->short_opt, name, info->type ==
		    SETTING_BOOL ? CLI_NOARG : CLI_ARG, info->metavar,
		    info->help, def);
		free(name);
	}
	cli_help_line(f, 'h', "help", CLI_NOARG, NULL, "this help", NULL);
	return (KONG_EXIT_OK);
}

/* Add an option to getopt's array and option string. */
static void
cli_add_option(struct option **lo, size_t *n, struct buf *shorts,
    const char *name, int short_opt, enum cli_arg arg, int val)
{
	struct option	*o;

	*lo = xreallocarray(*lo, *n + 2, sizeof **lo);
	o = &(*lo)[(*n)++];
	o->name = name;
	o->has_arg = arg == CLI_ARG ? required_argument : arg == CLI_OPTARG ?
	    optional_argument : no_argument;
	o->flag = NULL;
	o->val = val;
	memset(&(*lo)[*n], 0, sizeof **lo);
	if (short_opt != 0) {
		buf_addc(shorts, (char)short_opt);
		if (arg == CLI_ARG)
			buf_addc(shorts, ':');
	}
}

/* getopt's value for a short option: the long option's it stands for. */
static int
cli_short_val(const struct option *lo, size_t n, const int *shorts, int c)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (shorts[i] == c)
			return (lo[i].val);
	}
	return (c);
}

/* A usage error for the option getopt just refused. */
static int
cli_bad_option(const struct cli_cmd *cmd, char **argv, int opt)
{
	const char	*arg = argv[optind - 1];

	if (opt == ':')
		return (cli_usage(cmd, "option '%s' needs an argument", arg));
	if (optopt != 0 && strncmp(arg, "--", 2) != 0)
		return (cli_usage(cmd, "unknown option '-%c'", optopt));
	return (cli_usage(cmd, "unknown option '%s'", arg));
}

/* Handle one option getopt returned. Returns 0, 1 (help shown) or -1. */
static int
cli_take(const struct cli_cmd *cmd, struct cli_args *a, int val,
    const char *arg, struct settings *scratch)
{
	const struct setting_info	*info;
	char				*cause;

	if (val == CLI_HELP) {
		cli_help(cmd, stdout);
		return (1);
	}
	if (val >= CLI_SET && val < CLI_SET + SETTINGS_COUNT) {
		info = &settings_table[val - CLI_SET];
		if (info->type == SETTING_BOOL)
			arg = "yes";
		if (settings_set(scratch, info, arg, SETTINGS_CLI |
		    SETTINGS_APPEND, &cause) != 0) {
			cli_usage(cmd, "%s", cause);
			free(cause);
			return (-1);
		}
		a->sets = xreallocarray(a->sets, a->nsets + 1, sizeof *a->sets);
		a->sets[a->nsets].info = info;
		a->sets[a->nsets++].arg = arg;
		return (0);
	}
	if (val >= CLI_COMMON && val < CLI_COMMON + 0x100) {
		switch (val - CLI_COMMON) {
		case CLI_C_INVENTORY:
			a->inventory = arg;
			break;
		case CLI_C_SITE:
			selection_add(&a->sel.site, &a->sel.nsite, arg);
			break;
		case CLI_C_TYPE:
			selection_add(&a->sel.type, &a->sel.ntype, arg);
			break;
		case CLI_C_TEST:
			selection_add(&a->sel.test, &a->sel.ntest, arg);
			break;
		case CLI_C_SERVER:
			selection_add(&a->sel.server, &a->sel.nserver, arg);
			break;
		case CLI_C_TAG:
			selection_add(&a->sel.tag, &a->sel.ntag, arg);
			break;
		}
		return (0);
	}
	a->opts = xreallocarray(a->opts, a->nopts + 1, sizeof *a->opts);
	a->opts[a->nopts].id = cmd->options[val - CLI_OWN].id;
	a->opts[a->nopts++].arg = arg;
	return (0);
}

/*
 * Parse a command's arguments (argv[0] is the command's name) into a.
 * Returns 0; 1 when --help was shown (exit 0); -1 after a usage error
 * (exit 2). The arguments stay borrowed from argv.
 */
int
cli_parse(const struct cli_cmd *cmd, int argc, char **argv,
    struct cli_args *a)
{
	const struct cli_option		*o;
	const struct setting_info	*info;
	struct option			*lo = NULL;
	struct settings			 scratch;
	struct buf			 shorts;
	char				**names = NULL;
	int				*shortv = NULL, opt, rc = 0;
	size_t				 n = 0, i, nnames = 0;

	memset(a, 0, sizeof *a);
	selection_init(&a->sel);
	buf_init(&shorts);
	buf_adds(&shorts, ":");
#define CLI_SHORT(c) do {						\
	shortv = xreallocarray(shortv, n + 1, sizeof *shortv);		\
	shortv[n - 1] = (c);						\
} while (0)
	for (i = 0; cmd->options != NULL && cmd->options[i].name != NULL; i++) {
		o = &cmd->options[i];
		cli_add_option(&lo, &n, &shorts, o->name, o->short_opt, o->arg,
		    CLI_OWN + (int)i);
		CLI_SHORT(o->short_opt);
	}
	for (i = 0; i < nitems(cli_common_options); i++) {
		o = &cli_common_options[i];
		if (!cli_takes_common(cmd, i))
			continue;
		cli_add_option(&lo, &n, &shorts, o->name, cli_own_short(cmd,
		    o->short_opt) ? 0 : o->short_opt, o->arg, CLI_COMMON + o->id);
		CLI_SHORT(cli_own_short(cmd, o->short_opt) ? 0 : o->short_opt);
	}
	for (i = 0; i < SETTINGS_COUNT; i++) {
		info = &settings_table[i];
		if (!cli_takes_setting(cmd, info))
			continue;
		names = xreallocarray(names, nnames + 1, sizeof *names);
		names[nnames] = settings_option_name(info);
		cli_add_option(&lo, &n, &shorts, names[nnames++],
		    info->short_opt, info->type == SETTING_BOOL ? CLI_NOARG :
		    CLI_ARG, CLI_SET + (int)i);
		CLI_SHORT(info->short_opt);
	}
	cli_add_option(&lo, &n, &shorts, "help", 'h', CLI_NOARG, CLI_HELP);
	CLI_SHORT('h');
#undef CLI_SHORT

	settings_init(&scratch, SETTINGS_SWEEP);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shorts.data, lo, NULL)) != -1) {
		if (opt == '?' || opt == ':') {
			cli_bad_option(cmd, argv, opt);
			rc = -1;
			break;
		}
		opt = cli_short_val(lo, n, shortv, opt);
		if ((rc = cli_take(cmd, a, opt, optarg, &scratch)) != 0)
			break;
	}
	if (rc == 0) {
		a->argv = argv + optind;
		a->argc = argc - optind;
		if (cmd->max_args >= 0 && a->argc > cmd->max_args) {
			cli_usage(cmd, "unexpected argument '%s'",
			    a->argv[cmd->max_args]);
			rc = -1;
		}
	}
	settings_free(&scratch);
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(shortv);
	free(lo);
	buf_free(&shorts);
	if (rc != 0)
		cli_args_free(a);
	return (rc);
}

/* Free what cli_parse made. */
void
cli_args_free(struct cli_args *a)
{
	selection_free(&a->sel);
	free(a->opts);
	free(a->sets);
	memset(a, 0, sizeof *a);
}

/* Apply the settings given as options, in order, over s. */
void
cli_apply_settings(const struct cli_args *a, struct settings *s)
{
	const struct setting_info	*info;
	char				*cause;
	size_t				 i, id;

	for (i = 0; i < a->nsets; i++) {
		info = a->sets[i].info;
		if (settings_set(s, info, a->sets[i].arg, SETTINGS_CLI |
		    SETTINGS_APPEND, &cause) != 0)
			fatal("%s: checked once, then refused: %s", info->key,
			    cause);
		id = (size_t)(info - settings_table);
		if (info->type != SETTING_LIST) {
			free(s->origin[id].file);
			s->origin[id].file = NULL;
			s->origin[id].line = 0;
		}
	}
}

/* Load the inventory, printing every problem; NULL when there were errors. */
struct inventory *
cli_load(const struct cli_args *a)
{
	struct inventory	*inv;
	struct diag		 d;

	diag_init(&d);
	inv = inventory_load(a->inventory != NULL ? a->inventory :
	    inventory_default_path(), &d);
	diag_print(&d, stderr);
	diag_free(&d);
	return (inv);
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

/* The overview: what Kong is and its commands. */
static int
cli_overview(FILE *f, int status)
{
	size_t	i;

	fprintf(f, "usage: kong COMMAND [OPTIONS]\n\n"
	    "Kong checks whole fleets of websites with Twill scripts.\n\n"
	    "Commands:\n");
	for (i = 0; i < cli_ncommands; i++)
		fprintf(f, "  %-8s %s\n", cli_commands[i]->name,
		    cli_commands[i]->summary);
	fprintf(f, "\nOptions:\n"
	    "  -h, --help     this help\n"
	    "  -V, --version  Kong's version\n\n"
	    "Exit status: 0 all passed, 1 a check failed, 2 usage, inventory,\n"
	    "template or script error, 3 results could not be written,\n"
	    "4 interrupted. See kong(1).\n");
	return (status);
}

/* An unknown command: say so, with a hint and the list. */
static int
cli_unknown(const char *name)
{
	char	**names, *hint, *list;
	size_t	  i;

	names = xcalloc(cli_ncommands + 1, sizeof *names);
	for (i = 0; i < cli_ncommands; i++)
		names[i] = (char *)cli_commands[i]->name;
	hint = cli_hint(name, names, cli_ncommands);
	list = strv_join(names, ", ");
	fprintf(stderr, "kong: unknown command '%s'%s; the commands are %s\n",
	    name, hint, list);
	free(list);
	free(hint);
	free(names);
	return (KONG_EXIT_USAGE);
}

/* kong ARGS: find the command, parse its options, run it. */
int
cli_main(int argc, char **argv)
{
	const struct cli_cmd	*cmd;
	struct cli_args		 a;
	int			 rc;

	if (argc < 2)
		return (cli_overview(stderr, KONG_EXIT_USAGE));
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return (cli_overview(stdout, KONG_EXIT_OK));
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("kong %s\n", KONG_VERSION);
		return (KONG_EXIT_OK);
	}
	if ((cmd = cli_find(argv[1])) == NULL)
		return (cli_unknown(argv[1]));
	switch (cli_parse(cmd, argc - 1, argv + 1, &a)) {
	case 1:
		return (KONG_EXIT_OK);
	case -1:
		/* A Nagios plugin says UNKNOWN, never CRITICAL, for usage. */
		if (cmd == &cli_nagios_cmd) {
			printf("KONG UNKNOWN - usage error (kong help nagios)\n");
			return (3);
		}
		return (KONG_EXIT_USAGE);
	}
	rc = cmd->exec(cmd, &a);
	cli_args_free(&a);
	return (rc);
}

/* kong help [COMMAND]. */
static int
help_exec(const struct cli_cmd *self, struct cli_args *a)
{
	const struct cli_cmd	*cmd;

	(void)self;
	if (a->argc == 0)
		return (cli_overview(stdout, KONG_EXIT_OK));
	if ((cmd = cli_find(a->argv[0])) == NULL)
		return (cli_unknown(a->argv[0]));
	return (cli_help(cmd, stdout));
}

const struct cli_cmd cli_help_cmd = {
	"help",
	"[COMMAND]",
	"show what a command does and its options",
	"Without a command, lists the commands.",
	0,
	NULL,
	1,
	help_exec,
};

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
