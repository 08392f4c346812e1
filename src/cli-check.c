/*
 * cli-check.c: kong check: the sweep, from the command line.
 *
 * Options and wiring only: the effective settings (the inventory's, with
 * the command line's on top), the sweep and its sinks (the JSONL log, the
 * progress line on a terminal, the summary), the signals, and the loop
 * this program owns until the sweep is done.
 */
#include <signal.h>
#include <unistd.h>

#include "cli.h"
#include "sweep.h"

enum {
	CHECK_DRY_RUN = 1000,
	CHECK_PER_SERVER,
	CHECK_QUIET,
	CHECK_SUMMARY,
	CHECK_NO_PROGRESS,
	CHECK_ABORT_IF,
};

static const struct cli_option check_options[] = {
	{ "dry-run", 0, CLI_NOARG, NULL, "list the pairs instead of running "
	    "them", CHECK_DRY_RUN },
	{ "per-server", 0, CLI_NOARG, NULL, "check a site once per server, "
	    "connecting to the server's address with the site's host name",
	    CHECK_PER_SERVER },
	{ "quiet", 'q', CLI_NOARG, NULL, "no progress line, no summary",
	    CHECK_QUIET },
	{ "summary", 0, CLI_OPTARG, "WHEN", "print the summary even when not "
	    "on a terminal; --summary=failed: only when something failed "
	    "(for cron)", CHECK_SUMMARY },
	{ "no-progress", 0, CLI_NOARG, NULL, "no progress line",
	    CHECK_NO_PROGRESS },
	{ "abort-if", 0, CLI_ARG, "P%/N", "stop starting checks when at least "
	    "P% of the first N results fail with one error class (exit 5)",
	    CHECK_ABORT_IF },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

struct check_state {
	struct engine	*engine;
	struct sweep	*sweep;
	struct event	*sigint;
	struct event	*sigterm;
};

/* The log: --log, else [kong] log (relative to its file), else kong.jsonl. */
static char *
check_log_path(const struct inventory *inv, const struct settings *set)
{
	char	*dir, *path;

	if (set->log == NULL)
		return (path_join(inv->dir, "kong.jsonl"));
	if (strcmp(set->log, "-") == 0 ||
	    set->origin[SETTING_log].file == NULL)
		return (xstrdup(set->log));
	dir = path_dirname(set->origin[SETTING_log].file);
	path = path_join(dir, set->log);
	free(dir);
	return (path);
}

/* --dry-run: the pairs, one a line: site, test, server, live or skipped. */
static void
check_dry_run(struct sweep *sw)
{
	const struct pair	*p;
	size_t			 i;

	for (i = 0; i < sweep_npairs(sw); i++) {
		p = sweep_pair(sw, i);
		printf("%s\t%s\t%s\t%s\n", p->site->name, p->test->name,
		    p->server != NULL ? p->server->name : "-", p->site->live ?
		    "live" : "skipped");
	}
}

static void
check_signal_cb(evutil_socket_t sig, short kind, void *arg)
{
	struct check_state	*st = arg;

	(void)sig;
	(void)kind;
	sweep_interrupt(st->sweep);
}

static void
check_done(struct sweep *sw, void *arg)
{
	struct check_state	*st = arg;

	(void)sw;
	event_base_loopbreak(engine_base(st->engine));
}

/* Run the sweep on a loop of our own, with SIGINT and SIGTERM forwarded. */
static void
check_run(struct check_state *st)
{
	struct event_base	*base = engine_base(st->engine);

	st->sigint = evsignal_new(base, SIGINT, check_signal_cb, st);
	st->sigterm = evsignal_new(base, SIGTERM, check_signal_cb, st);
	evsignal_add(st->sigint, NULL);
	evsignal_add(st->sigterm, NULL);
	sweep_start(st->sweep, check_done, st);
	event_base_dispatch(base);
	event_free(st->sigint);
	event_free(st->sigterm);
}

/* What went wrong, after the summary. */
static void
check_report(struct sweep *sw)
{
	const struct run_info	*run = sweep_info(sw);
	size_t			 n;
	char			*what = NULL;
	int			 err = 0;

	if ((n = sweep_write_errors(sw, &err, &what)) > 0)
		fprintf(stderr, "kong check: %zu record%s could not be written to "
		    "%s: %s\n", n, n == 1 ? "" : "s", what, strerror(err));
	if (run->aborted != NULL)
		fprintf(stderr, "kong check: aborted: %zu pair%s %s\n",
		    run->counts.by_status[RESULT_NOT_STARTED],
		    run->counts.by_status[RESULT_NOT_STARTED] == 1 ? "" : "s",
		    run->aborted);
	if (run->interrupted)
		fprintf(stderr, "kong check: interrupted; %zu pair%s not "
		    "started\n", run->not_started, run->not_started == 1 ? "" :
		    "s");
}

static int
check_exec(const struct cli_cmd *cmd, struct cli_args *a)
{
	struct check_state	 st;
	struct sweep_plan	 plan;
	struct inventory	*inv;
	struct settings		 set;
	struct sink		*k;
	const char		*when = NULL;
	char			*log, *cause;
	size_t			 i;
	int			 rc = KONG_EXIT_OK, dry = 0, quiet = 0;
	int			 summary = 0, progress = 1, tty, nbad, end;

	memset(&plan, 0, sizeof plan);
	for (i = 0; i < a->nopts; i++) {
		switch (a->opts[i].id) {
		case CHECK_DRY_RUN:
			dry = 1;
			break;
		case CHECK_PER_SERVER:
			plan.per_server = 1;
			break;
		case CHECK_QUIET:
			quiet = 1;
			break;
		case CHECK_SUMMARY:
			summary = 1;
			when = a->opts[i].arg;
			if (when != NULL && strcmp(when, "always") != 0 &&
			    strcmp(when, "failed") != 0)
				return (cli_usage(cmd, "--summary takes always "
				    "or failed, not '%s'", when));
			break;
		case CHECK_NO_PROGRESS:
			progress = 0;
			break;
		case CHECK_ABORT_IF:
			if (sscanf(a->opts[i].arg, "%ld%%/%ld%n", &plan.abort_percent,
			    &plan.abort_after, &end) != 2 ||
			    a->opts[i].arg[end] != '\0' || plan.abort_percent < 1 ||
			    plan.abort_percent > 100 || plan.abort_after < 1)
				return (cli_usage(cmd, "--abort-if takes P%%/N, "
				    "such as 50%%/20 (P from 1 to 100), not '%s'",
				    a->opts[i].arg));
			break;
		}
	}
	if ((inv = cli_load(a)) == NULL)
		return (KONG_EXIT_USAGE);
	settings_copy(&set, &inv->settings);
	cli_apply_settings(a, &set);
	plan.command = cmd->name;
	plan.inv = inv;
	plan.sel = &a->sel;
	plan.set = &set;
	memset(&st, 0, sizeof st);
	st.engine = engine_create();
	st.sweep = sweep_create(st.engine, &plan);
	if (sweep_npairs(st.sweep) == 0) {
		fprintf(stderr, "kong check: no (site, test) pair is selected "
		    "(see kong list --pairs)\n");
		rc = KONG_EXIT_USAGE;
		goto out;
	}
	if (dry) {
		check_dry_run(st.sweep);
		goto out;
	}
	if ((nbad = sweep_compile(st.sweep, stderr)) > 0) {
		fprintf(stderr, "kong check: %d pair%s did not compile; nothing "
		    "ran (kong lint shows every problem)\n", nbad,
		    nbad == 1 ? "" : "s");
		rc = KONG_EXIT_USAGE;
		goto out;
	}

	log = check_log_path(inv, &set);
	k = sink_jsonl_open(log, 0, &cause);
	free(log);
	if (k == NULL) {
		fprintf(stderr, "kong check: cannot open the results log %s\n",
		    cause);
		free(cause);
		rc = KONG_EXIT_IO;
		goto out;
	}
	sweep_add_sink(st.sweep, k);
	tty = isatty(STDERR_FILENO);
	if (!quiet && progress && tty)
		sweep_add_sink(st.sweep, sink_progress_create(stderr,
		    cli_color(stderr)));
	if (!quiet && (summary || tty))
		sweep_add_sink(st.sweep, sink_summary_create(stderr,
		    cli_color(stderr), when != NULL && strcmp(when, "failed") ==
		    0 ? SUMMARY_FAILED : SUMMARY_ALWAYS));
	check_run(&st);
	check_report(st.sweep);
	rc = sweep_exit_status(st.sweep);
out:
	sweep_free(st.sweep);
	engine_free(st.engine);
	settings_free(&set);
	inventory_free(inv);
	return (rc);
}

const struct cli_cmd cli_check_cmd = {
	"check",
	"[-c INVENTORY] [SELECTORS] [OPTIONS]",
	"run every selected test on every selected site (the sweep)",
	"Runs the (site, test) pairs of the inventory concurrently and appends\n"
	"one JSON record per result to the log (docs/jsonl.md). Sites with\n"
	"live = no are recorded as skipped. Every option below that is also a\n"
	"[kong] setting overrides the inventory's value. Exit status: 0 all\n"
	"passed, 1 a check failed, 2 usage/inventory/template/script error\n"
	"(nothing ran), 3 the log could not be written, 4 interrupted\n"
	"(SIGINT/SIGTERM), 5 aborted by --abort-if.",
	CLI_SELECTORS | CLI_SWEEP,
	check_options,
	0,
	check_exec,
};
