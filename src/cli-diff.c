/*
 * cli-diff.c: kong diff [OLD] [NEW]: what a deploy changed, from the log.
 *
 * OLD and NEW are log files (their last run) or run ids in the log
 * (--log, default kong.jsonl); without NEW, the log's last run is NEW;
 * without either, the log's last two runs are compared. With --store,
 * OLD and NEW are run ids in the history store, and the same defaults
 * take the store's runs.
 */
#include "cli.h"
#include "diff.h"

enum {
	DIFF_OPT_LOG = 1000,
	DIFF_OPT_SLOWER,
	DIFF_OPT_SLOWER_MS,
	DIFF_OPT_STORE,
};

static const struct cli_option diff_options[] = {
	{ "log", 0, CLI_ARG, "FILE", "the log that run ids are looked up in "
	    "(default kong.jsonl)", DIFF_OPT_LOG },
	{ "slower", 0, CLI_ARG, "P%", "a pair that passed in both runs "
	    "regressed when it took more than P% longer", DIFF_OPT_SLOWER },
	{ "slower-ms", 0, CLI_ARG, "N", "... and at least N ms longer (with "
	    "both, both must hold)", DIFF_OPT_SLOWER_MS },
	{ "store", 0, CLI_ARG, "PATH", "compare runs of this history store "
	    "(kong.db) instead of a log", DIFF_OPT_STORE },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static int
diff_exec(const struct cli_cmd *cmd, struct cli_args *a)
{
	struct diff_limits	 lim;
	struct diff_run		*old = NULL, *new = NULL;
	const char		*log = "kong.jsonl", *store = NULL, *oldarg;
	const char		*newarg;
	char			**ids = NULL, *cause = NULL;
	size_t			 i, n = 0;
	int			 rc = KONG_EXIT_USAGE;

	memset(&lim, 0, sizeof lim);
	for (i = 0; i < a->nopts; i++) {
		switch (a->opts[i].id) {
		case DIFF_OPT_LOG:
			log = a->opts[i].arg;
			break;
		case DIFF_OPT_STORE:
			store = a->opts[i].arg;
			break;
		case DIFF_OPT_SLOWER:
		case DIFF_OPT_SLOWER_MS:
			if (diff_limit_parse(&lim, a->opts[i].id ==
			    DIFF_OPT_SLOWER_MS, a->opts[i].arg) != 0)
				return (cli_usage(cmd, "--%s takes a positive "
				    "number%s, not '%s'", a->opts[i].id ==
				    DIFF_OPT_SLOWER ? "slower" : "slower-ms",
				    a->opts[i].id == DIFF_OPT_SLOWER ?
				    " of percent (50%)" : " of milliseconds",
				    a->opts[i].arg));
			break;
		}
	}
	oldarg = a->argc > 0 ? a->argv[0] : NULL;
	newarg = a->argc > 1 ? a->argv[1] : NULL;
	if (store != NULL) {
		if (a->argc < 2 && diff_store_runs(store, &ids, &n, &cause) != 0)
			goto out;
		if (a->argc < 2 && n < (size_t)(2 - a->argc)) {
			cause = xstrfmt("%s: %zu run%s with results in this "
			    "store; diff needs two", store, n, n == 1 ? "" : "s");
			goto out;
		}
		if (a->argc == 0)
			oldarg = ids[n - 2];
		if (a->argc < 2)
			newarg = ids[n - 1];
		if ((old = diff_run_store(store, oldarg, &cause)) == NULL ||
		    (new = diff_run_store(store, newarg, &cause)) == NULL)
			goto out;
		rc = diff_print(stdout, old, new, &lim) ? KONG_EXIT_FAILED :
		    KONG_EXIT_OK;
		goto out;
	}
	if (a->argc == 0) {
		if (diff_log_runs(log, &ids, &n, &cause) != 0)
			goto out;
		if (n < 2) {
			cause = xstrfmt("%s: %zu run%s in this log; diff needs "
			    "two", log, n, n == 1 ? "" : "s");
			goto out;
		}
		oldarg = ids[n - 2];
	}
	if ((old = diff_run_resolve(oldarg, log, &cause)) == NULL ||
	    (new = diff_run_resolve(newarg, log, &cause)) == NULL)
		goto out;
	rc = diff_print(stdout, old, new, &lim) ? KONG_EXIT_FAILED :
	    KONG_EXIT_OK;
out:
	if (cause != NULL) {
		fprintf(stderr, "kong diff: %s\n", cause);
		free(cause);
	}
	if (ids != NULL)
		free_strv(ids);
	diff_run_free(old);
	diff_run_free(new);
	return (rc);
}

const struct cli_cmd cli_diff_cmd = {
	"diff",
	"[OLD] [NEW] [--log FILE | --store PATH] [--slower P%] [--slower-ms N]",
	"what changed between two runs: new failures, fixed, slower",
	"Compares two runs pair by pair: new failures, pairs that got slower\n"
	"than --slower/--slower-ms, fixed pairs and pairs still failing. OLD\n"
	"and NEW are log files (their last run) or run ids in the log; without\n"
	"NEW, the last run of the log; without either, its last two runs.\n"
	"With --store, OLD and NEW are run ids in that history store, and the\n"
	"defaults are its last runs.\n"
	"Exit status: 0 nothing regressed, 1 a new failure or a slower pair,\n"
	"2 usage error or a run that is not there.",
	0,
	diff_options,
	2,
	diff_exec,
};
