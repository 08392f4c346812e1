/*
 * cli-render.c: kong render SITE TEST: the script exactly as it will run
 * on that site (the original Kong's "Code Executed").
 */
#include "cli.h"

static int
render_exec(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "inventory", required_argument, NULL, 'c' },
		{ "server", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_common	 c;
	struct inventory	*inv;
	struct site		*site;
	struct test		*test;
	struct server		*server = NULL;
	struct source		*src = NULL;
	struct diag		 d;
	struct buf		 out;
	const char		*server_name = NULL;
	size_t			 i;
	int			 opt, rc = KONG_EXIT_USAGE, applies;

	cli_common_init(&c);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			c.inventory = optarg;
			break;
		case 's':
			server_name = optarg;
			break;
		case 'h':
			return (cli_help(cmd, stdout));
		default:
			return (cli_bad_option(cmd, argv, opt));
		}
	}
	if (argc - optind != 2)
		return (cli_usage(cmd, "needs a site and a test"));
	if ((inv = cli_load(&c)) == NULL)
		return (KONG_EXIT_USAGE);
	if ((site = inventory_site(inv, argv[optind])) == NULL) {
		fprintf(stderr, "kong render: no site '%s' in the inventory (see "
		    "kong list --sites)\n", argv[optind]);
		goto out;
	}
	if ((test = inventory_test(inv, argv[optind + 1])) == NULL) {
		fprintf(stderr, "kong render: no test '%s' in the inventory (see "
		    "kong list --tests)\n", argv[optind + 1]);
		goto out;
	}
	if (server_name != NULL) {
		for (i = 0; i < site->nservers; i++) {
			if (strcmp(site->servers[i]->name, server_name) == 0)
				server = site->servers[i];
		}
		if (server == NULL) {
			fprintf(stderr, "kong render: site '%s' is not on a server "
			    "'%s'\n", site->name, server_name);
			goto out;
		}
	}
	for (applies = 0, i = 0; i < site->ntests; i++)
		applies = applies || site->tests[i] == test;
	if (!applies)
		fprintf(stderr, "kong render: note: test '%s' does not run on "
		    "site '%s'; rendering it anyway\n", test->name, site->name);

	diag_init(&d);
	buf_init(&out);
	if (inventory_render(test, site, server, &out, &src, &d) == 0) {
		fwrite(out.data != NULL ? out.data : "", 1, out.len, stdout);
		rc = fflush(stdout) == 0 ? KONG_EXIT_OK : KONG_EXIT_IO;
	}
	diag_print(&d, stderr);
	diag_free(&d);
	buf_free(&out);
	source_unref(src);
out:
	inventory_free(inv);
	cli_common_free(&c);
	return (rc);
}

const struct cli_cmd cli_render_cmd = {
	"render",
	"[-c INVENTORY] [--server NAME] SITE TEST",
	"print a test's script exactly as it runs on a site",
	"Renders the test's template with the site's context (site, type, test\n"
	"and, with --server, server) and prints the script. An undefined variable\n"
	"is an error (exit status 2): nothing is printed.\n\n"
	"  -c, --inventory PATH  the inventory (default $KONG_INVENTORY, else "
	"./kong.ini)\n"
	"      --server NAME     render as for that server of the site "
	"(check --per-server)\n",
	render_exec,
};
