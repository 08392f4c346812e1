/*
 * main.c: kong COMMAND [OPTIONS]: set up the libraries, run the command.
 */
#include <locale.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "cli.h"
#include "page.h"
#include "twill.h"

int
main(int argc, char **argv)
{
	int	rc;

	setlocale(LC_CTYPE, "C");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "kong: cannot initialise libcurl\n");
		return (KONG_EXIT_USAGE);
	}
	xmlInitParser();
	xml_quiet_errors();
	rc = cli_main(argc, argv);
	twill_match_free();
	xmlCleanupParser();
	curl_global_cleanup();
	return (rc);
}
