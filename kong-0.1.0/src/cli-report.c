/*
 * cli-report.c: kong report FORMAT [LOG]: a run of a log in another
 * format. The log is read back with the results reader and fed to the
 * same sink that kong check --report FORMAT=FILE runs live, so both write
 * the same report of the same run.
 */
#include "cli.h"
#include "report.h"

enum {
	REPORT_RUN = 1000,
	REPORT_OUTPUT,
};

static const struct cli_option report_options[] = {
	{ "run", 0, CLI_ARG, "ID", "the run to report (default: last, the "
	    "last run in the log)", REPORT_RUN },
	{ "output", 'o', CLI_ARG, "FILE", "write the report to FILE (default: "
	    "standard output)", REPORT_OUTPUT },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static int
report_exec(const struct cli_cmd *cmd, struct cli_args *a)
{
	struct sink_list	 sinks;
	struct sink		*k;
	const char		*run = NULL, *out = "-", *log = "kong.jsonl";
	char			*cause = NULL;
	size_t			 i;
	int			 rc = KONG_EXIT_OK;

	for (i = 0; i < a->nopts; i++) {
		if (a->opts[i].id == REPORT_RUN)
			run = a->opts[i].arg;
		else if (a->opts[i].id == REPORT_OUTPUT)
			out = a->opts[i].arg;
	}
	if (a->argc < 1)
		return (cli_usage(cmd, "which format? (junit, tap, html, "
		    "markdown, summary)"));
	if (a->argc > 1)
		log = a->argv[1];
	if ((k = report_sink_create(a->argv[0], out, &cause)) == NULL) {
		fprintf(stderr, "kong report: %s\n", cause);
		free(cause);
		return (report_format_find(a->argv[0]) == NULL ?
		    KONG_EXIT_USAGE : KONG_EXIT_IO);
	}
	TAILQ_INIT(&sinks);
	TAILQ_INSERT_TAIL(&sinks, k, entry);
	if (report_feed_log(log, run, &sinks, &cause) != 0) {
		fprintf(stderr, "kong report: %s\n", cause);
		free(cause);
		rc = KONG_EXIT_USAGE;
	}
	TAILQ_REMOVE(&sinks, k, entry);
	if (k->errors == 0 && strcmp(out, "-") == 0 && fflush(stdout) != 0)
		k->errors++;
	if (rc == 0 && k->errors > 0) {
		fprintf(stderr, "kong report: cannot write %s\n", out);
		rc = KONG_EXIT_IO;
	}
	sink_free(k);
	return (rc);
}

const struct cli_cmd cli_report_cmd = {
	"report",
	"FORMAT [LOG] [--run ID|last] [-o FILE]",
	"a run of a results log as JUnit, TAP, HTML, Markdown or the summary",
	"Reads a run of LOG (default kong.jsonl; - is standard input) and\n"
	"writes it as FORMAT: junit (JUnit XML for GitLab and Jenkins), tap\n"
	"(TAP version 14), html (one self-contained page), markdown (a short\n"
	"summary for a merge request or $GITHUB_STEP_SUMMARY) or summary (the\n"
	"terminal summary). kong check --report FORMAT=FILE writes the same\n"
	"during a sweep. Exit status: 0 written, 2 usage error or no such run,\n"
	"3 the report could not be written.",
	0,
	report_options,
	2,
	report_exec,
};
