/*
 * cli-render.c: kong render: scripts exactly as they will run (the
 * original Kong's "Code Executed").
 *
 * `kong render SITE TEST` prints one script as it is; with selectors
 * instead (`kong render --type news --test home`) every selected pair is
 * printed, each after a comment line naming it. --server renders as for
 * the matching servers of a site, as check --per-server runs it.
 */
#include "cli.h"
#include "redact.h"

/* Render one pair to standard output. Returns 0 or -1 (errors printed). */
static int
render_pair(struct test *test, const struct site *site,
    const struct server *server, int header)
{
	struct source	*src = NULL;
	struct diag	 d;
	struct buf	 out;
	int		 rc = -1;

	diag_init(&d);
	buf_init(&out);
	if (inventory_render(test, site, server, &out, &src, &d) == 0) {
		if (header)
			printf("# kong render %s %s%s%s\n", site->name, test->name,
			    server != NULL ? " --server " : "", server != NULL ?
			    server->name : "");
		redact_fwrite(out.data != NULL ? out.data : "", out.len, stdout);
		if (header && out.len > 0 && out.data[out.len - 1] != '\n')
			putchar('\n');
		rc = 0;
	}
	fflush(stdout);
	diag_print(&d, stderr);
	diag_free(&d);
	buf_free(&out);
	source_unref(src);
	return (rc);
}

/* The site or test called name, or NULL after saying so (with a hint). */
static void *
render_find(const struct inventory *inv, const char *kind, const char *name)
{
	char	**names, *hint;
	void	 *v;
	size_t	  i, n;

	v = strcmp(kind, "site") == 0 ? (void *)inventory_site(inv, name) :
	    (void *)inventory_test(inv, name);
	if (v != NULL)
		return (v);
	n = strcmp(kind, "site") == 0 ? inv->nsites : inv->ntests;
	names = xcalloc(n + 1, sizeof *names);
	for (i = 0; i < n; i++)
		names[i] = strcmp(kind, "site") == 0 ? inv->sites[i]->name :
		    inv->tests[i]->name;
	hint = cli_hint(name, names, n);
	fprintf(stderr, "kong render: no %s '%s' in the inventory%s (see kong "
	    "list --%ss)\n", kind, name, hint, kind);
	free(hint);
	free(names);
	return (NULL);
}

/* kong render SITE TEST [--server GLOB]. */
static int
render_one(const struct inventory *inv, const struct selection *sel,
    char **argv)
{
	struct site	*site;
	struct test	*test;
	size_t		 i, n = 0;
	int		 applies, failed = 0;

	if ((site = render_find(inv, "site", argv[0])) == NULL ||
	    (test = render_find(inv, "test", argv[1])) == NULL)
		return (KONG_EXIT_USAGE);
	for (applies = 0, i = 0; i < site->ntests; i++)
		applies = applies || site->tests[i] == test;
	if (!applies)
		fprintf(stderr, "kong render: note: test '%s' does not run on "
		    "site '%s'; rendering it anyway\n", test->name, site->name);
	if (sel->nserver == 0)
		return (render_pair(test, site, NULL, 0) == 0 ? KONG_EXIT_OK :
		    KONG_EXIT_USAGE);
	for (i = 0; i < site->nservers; i++)
		n += glob_any(sel->server, sel->nserver, site->servers[i]->name);
	for (i = 0; i < site->nservers; i++) {
		if (glob_any(sel->server, sel->nserver, site->servers[i]->name))
			failed |= render_pair(test, site, site->servers[i],
			    n > 1) != 0;
	}
	if (n == 0) {
		fprintf(stderr, "kong render: site '%s' is not on a server "
		    "'%s'\n", site->name, sel->server[0]);
		return (KONG_EXIT_USAGE);
	}
	return (failed ? KONG_EXIT_USAGE : KONG_EXIT_OK);
}

static int
render_exec(const struct cli_cmd *cmd, struct cli_args *a)
{
	struct inventory	*inv;
	struct pair		*v;
	size_t			 i, n;
	int			 rc = KONG_EXIT_OK;

	if (a->argc != 0 && a->argc != 2)
		return (cli_usage(cmd, "needs a site and a test, or selectors"));
	if (a->argc == 0 && selection_empty(&a->sel))
		return (cli_usage(cmd, "needs a site and a test, or selectors "
		    "(--site, --type, --test, --server, --tag)"));
	if ((inv = cli_load(a)) == NULL)
		return (KONG_EXIT_USAGE);
	if (a->argc == 2) {
		rc = render_one(inv, &a->sel, a->argv);
		inventory_free(inv);
		return (rc);
	}
	v = inventory_pairs(inv, &a->sel, 1, a->sel.nserver > 0, &n);
	if (n == 0) {
		fprintf(stderr, "kong render: no (site, test) pair is selected "
		    "(see kong list --pairs)\n");
		rc = KONG_EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		if (i > 0)
			putchar('\n');
		if (render_pair(v[i].test, v[i].site, v[i].server, 1) != 0)
			rc = KONG_EXIT_USAGE;
	}
	free(v);
	inventory_free(inv);
	if (rc == KONG_EXIT_OK && fflush(stdout) != 0)
		rc = KONG_EXIT_IO;
	return (rc);
}

const struct cli_cmd cli_render_cmd = {
	"render",
	"[-c INVENTORY] [SELECTORS] [SITE TEST]",
	"print tests' scripts exactly as they run on sites",
	"Renders a test's template with a site's context (site, type, test\n"
	"and, with --server, server) and prints the script. With SITE TEST,\n"
	"that pair's script as it is; with selectors instead, every selected\n"
	"pair, each after a line \"# kong render SITE TEST\". --server renders\n"
	"as for the site's matching servers (check --per-server). A template\n"
	"error, an undefined variable included, is reported as FILE:LINE:COL,\n"
	"nothing is printed for that pair, and the exit status is 2.",
	CLI_SELECTORS,
	NULL,
	2,
	render_exec,
};
