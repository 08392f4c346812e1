/*
 * main.c: kong COMMAND [OPTIONS]: find the command and run it.
 */
#include <locale.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "cli.h"
#include "page.h"

static const struct cli_cmd *main_cmds[] = {
	&cli_check_cmd,
	&cli_run_cmd,
	&cli_list_cmd,
	&cli_render_cmd,
	&cli_lint_cmd,
};

/* The overview: what Kong is and its commands. */
static int
main_usage(FILE *f, int status)
{
	size_t	i;

	fprintf(f, "usage: kong COMMAND [OPTIONS]\n\n"
	    "Kong checks whole fleets of websites with Twill scripts.\n\n"
	    "Commands:\n");
	for (i = 0; i < nitems(main_cmds); i++)
		fprintf(f, "  %-8s %s\n", main_cmds[i]->name,
		    main_cmds[i]->summary);
	fprintf(f, "  %-8s %s\n\n", "help", "show the options of a command");
	fprintf(f, "Options:\n"
	    "  -h, --help     this help\n"
	    "  -V, --version  Kong's version\n\n"
	    "Exit status: 0 all passed, 1 a check failed, 2 usage, inventory,\n"
	    "template or script error, 3 results could not be written,\n"
	    "4 interrupted. See kong(1).\n");
	return (status);
}

static const struct cli_cmd *
main_find(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(main_cmds); i++) {
		if (strcmp(main_cmds[i]->name, name) == 0)
			return (main_cmds[i]);
	}
	return (NULL);
}

int
main(int argc, char **argv)
{
	const struct cli_cmd	*cmd;
	int			 rc;

	setlocale(LC_CTYPE, "C");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "kong: cannot initialise libcurl\n");
		return (KONG_EXIT_USAGE);
	}
	xmlInitParser();
	xml_quiet_errors();

	if (argc < 2)
		return (main_usage(stderr, KONG_EXIT_USAGE));
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return (main_usage(stdout, KONG_EXIT_OK));
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("kong %s\n", KONG_VERSION);
		return (KONG_EXIT_OK);
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc < 3)
			return (main_usage(stdout, KONG_EXIT_OK));
		if ((cmd = main_find(argv[2])) == NULL) {
			fprintf(stderr, "kong: no command '%s'; see kong --help\n",
			    argv[2]);
			return (KONG_EXIT_USAGE);
		}
		return (cli_help(cmd, stdout));
	}
	if ((cmd = main_find(argv[1])) == NULL) {
		fprintf(stderr, "kong: unknown command '%s'; the commands are "
		    "check, run, list, render, lint and help\n", argv[1]);
		return (KONG_EXIT_USAGE);
	}
	rc = cmd->exec(cmd, argc - 1, argv + 1);
	xmlCleanupParser();
	curl_global_cleanup();
	return (rc);
}
