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
#include "diff.h"
#include "report.h"
#include "shard.h"
#include "sweep.h"
#include "twill.h"
#include "wait.h"

enum {
	CHECK_DRY_RUN = 1000,
	CHECK_PER_SERVER,
	CHECK_QUIET,
	CHECK_SUMMARY,
	CHECK_NO_PROGRESS,
	CHECK_ABORT_IF,
	CHECK_WAIT_FOR,
	CHECK_UNTIL,
	CHECK_WAIT_INTERVAL,
	CHECK_SHARD,
	CHECK_SHARDS,
	CHECK_SHARD_BY,
	CHECK_RUN_ID,
	CHECK_EXPECT,
	CHECK_REPORT,
	CHECK_BASELINE,
	CHECK_RERUN_FAILED,
	CHECK_SLOWER,
	CHECK_SLOWER_MS,
	CHECK_SAVE_FAILURES,
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
	{ "wait-for", 0, CLI_ARG, "TEST", "first run TEST on every selected site "
	    "it applies to, again where it fails, until it passes everywhere",
	    CHECK_WAIT_FOR },
	{ "until", 0, CLI_ARG, "DUR", "--wait-for gives up after this long "
	    "(default 5m)", CHECK_UNTIL },
	{ "wait-interval", 0, CLI_ARG, "DUR", "--wait-for probes again this "
	    "often (default 2s)", CHECK_WAIT_INTERVAL },
	{ "shard", 0, CLI_ARG, "K/N", "run only shard K of N (1-based; by a "
	    "hash of the site name), or auto: the index a scheduler gives "
	    "(JOB_COMPLETION_INDEX, NOMAD_ALLOC_INDEX, CI_NODE_INDEX)",
	    CHECK_SHARD },
	{ "shards", 0, CLI_ARG, "N", "how many shards --shard auto splits "
	    "into (default $KONG_SHARDS)", CHECK_SHARDS },
	{ "shard-by", 0, CLI_ARG, "WHAT", "site (default), or server: keep "
	    "each server's sites in one shard", CHECK_SHARD_BY },
	{ "run-id", 0, CLI_ARG, "ID", "the run id of every record (shards of "
	    "one run share it; default for a shard: $KONG_RUN_ID, "
	    "$CI_PIPELINE_ID, $GITHUB_RUN_ID)", CHECK_RUN_ID },
	{ "expect", 0, CLI_ARG, "NAME=VALUE", "every capture NAME must have "
	    "captured VALUE (the build a deploy shipped); repeatable",
	    CHECK_EXPECT },
	{ "report", 0, CLI_ARG, "FORMAT=FILE", "also write the run as FORMAT "
	    "(junit, tap, html, markdown, summary) to FILE; repeatable",
	    CHECK_REPORT },
	{ "baseline", 0, CLI_ARG, "last|RUN|FILE", "compare the run with "
	    "this one when it ends (kong diff): exit 1 only for new failures "
	    "and slower pairs", CHECK_BASELINE },
	{ "rerun-failed", 0, CLI_OPTARG, "LOG|last", "run only the pairs that "
	    "failed in the last run of LOG (default: this log's)",
	    CHECK_RERUN_FAILED },
	{ "slower", 0, CLI_ARG, "P%", "--baseline: a pair more than P% slower "
	    "regressed", CHECK_SLOWER },
	{ "slower-ms", 0, CLI_ARG, "N", "--baseline: ... and at least N ms "
	    "slower", CHECK_SLOWER_MS },
	{ "save-failures", 0, CLI_ARG, "DIR", "save each failing pair's last "
	    "response and rendered script under DIR/RUN/SITE/TEST/ (linked "
	    "from the reports)", CHECK_SAVE_FAILURES },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

struct check_state {
	struct cli_sweep run;		/* the sweep, its log, lock, alerts */
	struct waiter	*waiter;	/* --wait-for */
	int		 waiting;	/* it is probing */
	struct event	*sigint;
	struct event	*sigterm;
};

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
	if (st->waiting)
		waiter_interrupt(st->waiter);
	else
		cli_sweep_interrupt(&st->run);
}

/* The sweep is over (run_end is written, the end ping went): out. */
static void
check_done(struct cli_sweep *run, void *arg)
{
	(void)arg;
	event_base_loopbreak(engine_base(run->engine));
}

/* The deploy converged (or --until passed): the sweep, with what was seen. */
static void
check_waited(struct waiter *w, void *arg)
{
	struct check_state	*st = arg;

	st->waiting = 0;
	if (waiter_stopped(w)) {
		event_base_loopbreak(engine_base(st->run.engine));
		return;
	}
	sweep_set_wait(st->run.sweep, waiter_json(w));
	cli_sweep_start(&st->run, check_done, st);
}

/* Run the sweep on a loop of our own, with SIGINT and SIGTERM forwarded. */
static void
check_run(struct check_state *st)
{
	struct event_base	*base = engine_base(st->run.engine);

	st->sigint = evsignal_new(base, SIGINT, check_signal_cb, st);
	st->sigterm = evsignal_new(base, SIGTERM, check_signal_cb, st);
	evsignal_add(st->sigint, NULL);
	evsignal_add(st->sigterm, NULL);
	cli_sweep_begin(&st->run);
	if (st->waiter != NULL) {
		st->waiting = 1;
		waiter_start(st->waiter, check_waited, st);
	} else
		cli_sweep_start(&st->run, check_done, st);
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

/* What the options of kong check ask for, besides the settings. */
struct check_opts {
	int		 dry;
	int		 quiet;
	int		 summary;
	int		 progress;
	const char	*when;		/* --summary=WHEN */
	const char	*wait_for;
	long		 until_ms;
	long		 interval_ms;
	const char	**reports;	/* --report FORMAT=FILE */
	size_t		 nreports;
	const char	*baseline;
	int		 rerun;		/* --rerun-failed */
	const char	*rerun_log;
	struct diff_limits limits;
	const char	*save_dir;	/* --save-failures */
	const char	*shard;		/* --shard */
	const char	*shards;
	const char	*shard_by;
	const char	*run_id;
};

/* What --shard and --run-id make of a sweep. */
struct check_shard {
	struct shard_spec	 spec;
	char			*hash;
	json_t			*json;
	char			*run_id;
};

/* Check --shard, --shards, --shard-by and --run-id alone. */
static int
check_shard_options(const struct cli_cmd *cmd, const struct check_opts *o)
{
	struct shard_spec	 s;
	char			*cause, *id;
	int			 by, n;

	memset(&s, 0, sizeof s);
	if (o->shard == NULL && (o->shards != NULL || o->shard_by != NULL))
		return (cli_usage(cmd, "%s goes with --shard", o->shards !=
		    NULL ? "--shards" : "--shard-by"));
	if ((o->shard != NULL && shard_parse(o->shard, o->shards, &s,
	    &cause) != 0) || (o->shards != NULL && shard_count_parse(o->shards,
	    &n, &cause) != 0) || (o->shard_by != NULL && shard_by_parse(
	    o->shard_by, &by, &cause) != 0) || (o->run_id != NULL &&
	    shard_run_id(o->run_id, 0, &id, &cause) != 0)) {
		cli_usage(cmd, "%s", cause);
		free(cause);
		return (KONG_EXIT_USAGE);
	}
	if (o->run_id != NULL)
		free(id);
	return (0);
}

/*
 * --shard and --run-id: which pairs this process keeps, what run_start
 * says of the shard, the run id. Returns 0, or an exit status (said).
 */
static int
check_shard_setup(const struct cli_cmd *cmd, const struct check_opts *o,
    struct sweep_plan *plan, struct check_shard *cs)
{
	struct pair	*v;
	size_t		 run_pairs;
	char		*cause;

	if (shard_run_id(o->run_id, o->shard != NULL, &cs->run_id,
	    &cause) != 0) {
		cli_usage(cmd, "%s", cause);
		free(cause);
		return (KONG_EXIT_USAGE);
	}
	plan->run_id = cs->run_id;
	if (o->shard == NULL)
		return (0);
	if (shard_parse(o->shard, o->shards, &cs->spec, &cause) != 0 ||
	    (o->shard_by != NULL && shard_by_parse(o->shard_by,
	    &cs->spec.by_server, &cause) != 0)) {
		cli_usage(cmd, "%s", cause);
		free(cause);
		return (KONG_EXIT_USAGE);
	}
	if (cs->run_id == NULL && !o->dry) {
		fprintf(stderr, "kong check: --shard %s: the shards of one run "
		    "need one run id; give --run-id ID (the same to every "
		    "shard), or set KONG_RUN_ID\n", o->shard);
		return (KONG_EXIT_USAGE);
	}
	v = inventory_pairs(plan->inv, plan->sel, 1, plan->per_server,
	    &run_pairs);
	cs->hash = shard_inventory_hash(plan->inv, v, run_pairs,
	    plan->per_server);
	cs->spec.table = shard_table_create(v, run_pairs, cs->spec.count,
	    cs->spec.by_server);
	free(v);
	cs->json = shard_json(&cs->spec, cs->hash, run_pairs);
	plan->shard = cs->json;
	plan->keep = shard_keep;
	plan->keep_arg = &cs->spec;
	return (0);
}

/* Read kong check's own options. Returns 0, or an exit status. */
/* --expect NAME=VALUE into the plan's object. */
static int
check_expect(const struct cli_cmd *cmd, json_t *expect, const char *arg)
{
	const char	*eq = strchr(arg, '=');
	char		*name;
	int		 rc = 0;

	if (eq == NULL)
		return (cli_usage(cmd, "--expect takes NAME=VALUE, not '%s'",
		    arg));
	name = xstrndup(arg, (size_t)(eq - arg));
	if (!twill_name_ok(name, strlen(name)))
		rc = cli_usage(cmd, "--expect: '%s' is not a capture name",
		    name);
	else if (json_object_set_new(expect, name, json_string(eq + 1)) != 0)
		rc = cli_usage(cmd, "--expect %s: the value is not UTF-8",
		    name);
	free(name);
	return (rc);
}

static int
check_options_read(const struct cli_cmd *cmd, const struct cli_args *a,
    struct check_opts *o, struct sweep_plan *plan)
{
	const char	*arg;
	size_t		 i;
	int		 end;

	memset(o, 0, sizeof *o);
	o->progress = 1;
	o->until_ms = 300000;
	o->interval_ms = 2000;
	for (i = 0; i < a->nopts; i++) {
		arg = a->opts[i].arg;
		switch (a->opts[i].id) {
		case CHECK_DRY_RUN:
			o->dry = 1;
			break;
		case CHECK_PER_SERVER:
			plan->per_server = 1;
			break;
		case CHECK_QUIET:
			o->quiet = 1;
			break;
		case CHECK_SUMMARY:
			o->summary = 1;
			o->when = arg;
			if (arg != NULL && strcmp(arg, "always") != 0 &&
			    strcmp(arg, "failed") != 0)
				return (cli_usage(cmd, "--summary takes always "
				    "or failed, not '%s'", arg));
			break;
		case CHECK_NO_PROGRESS:
			o->progress = 0;
			break;
		case CHECK_ABORT_IF:
			if (sscanf(arg, "%ld%%/%ld%n", &plan->abort_percent,
			    &plan->abort_after, &end) != 2 || arg[end] != '\0' ||
			    plan->abort_percent < 1 || plan->abort_percent > 100 ||
			    plan->abort_after < 1)
				return (cli_usage(cmd, "--abort-if takes P%%/N, "
				    "such as 50%%/20 (P from 1 to 100), not '%s'",
				    arg));
			break;
		case CHECK_WAIT_FOR:
			o->wait_for = arg;
			break;
		case CHECK_SHARD:
			o->shard = arg;
			break;
		case CHECK_SHARDS:
			o->shards = arg;
			break;
		case CHECK_SHARD_BY:
			o->shard_by = arg;
			break;
		case CHECK_RUN_ID:
			o->run_id = arg;
			break;
		case CHECK_EXPECT:
			if (check_expect(cmd, (json_t *)plan->expect, arg) != 0)
				return (KONG_EXIT_USAGE);
			break;
		case CHECK_REPORT:
			if (strchr(arg, '=') == NULL || *arg == '=' ||
			    strchr(arg, '=')[1] == '\0')
				return (cli_usage(cmd, "--report takes "
				    "FORMAT=FILE, such as junit=kong.xml, not "
				    "'%s'", arg));
			o->reports = xreallocarray(o->reports, o->nreports + 1,
			    sizeof *o->reports);
			o->reports[o->nreports++] = arg;
			break;
		case CHECK_BASELINE:
			o->baseline = arg;
			break;
		case CHECK_SAVE_FAILURES:
			o->save_dir = arg;
			break;
		case CHECK_RERUN_FAILED:
			o->rerun = 1;
			o->rerun_log = arg;
			break;
		case CHECK_SLOWER:
		case CHECK_SLOWER_MS:
			if (diff_limit_parse(&o->limits, a->opts[i].id ==
			    CHECK_SLOWER_MS, arg) != 0)
				return (cli_usage(cmd, "--slower%s takes a "
				    "positive number, not '%s'", a->opts[i].id ==
				    CHECK_SLOWER_MS ? "-ms" : "", arg));
			break;
		case CHECK_UNTIL:
		case CHECK_WAIT_INTERVAL:
			if (cli_duration(cmd, a->opts[i].id == CHECK_UNTIL ?
			    "--until" : "--wait-interval", arg, a->opts[i].id ==
			    CHECK_UNTIL ? &o->until_ms : &o->interval_ms) != 0)
				return (KONG_EXIT_USAGE);
			break;
		}
	}
	return (check_shard_options(cmd, o));
}

/*
 * --wait-for TEST: a waiter probing TEST on the selected sites, through
 * their names. Returns 0, or an exit status after saying what is wrong.
 */
static int
check_wait_setup(struct check_state *st, const struct check_opts *o,
    const struct sweep_plan *plan, struct selection *probe_sel)
{
	const struct inventory	*inv = plan->inv;
	struct sweep_plan	 probe;
	char			**names, *hint;
	size_t			 i;

	if (inventory_test(inv, o->wait_for) == NULL) {
		names = xcalloc(inv->ntests + 1, sizeof *names);
		for (i = 0; i < inv->ntests; i++)
			names[i] = inv->tests[i]->name;
		hint = cli_hint(o->wait_for, names, inv->ntests);
		fprintf(stderr, "kong check: --wait-for: no test '%s' in the "
		    "inventory%s\n", o->wait_for, hint);
		free(hint);
		free(names);
		return (KONG_EXIT_USAGE);
	}
	*probe_sel = *plan->sel;
	probe_sel->test = NULL;
	probe_sel->ntest = 0;
	selection_add(&probe_sel->test, &probe_sel->ntest, o->wait_for);
	probe = *plan;
	probe.sel = probe_sel;
	probe.per_server = 0;
	probe.abort_after = 0;
	st->waiter = waiter_create(st->run.engine, &probe, o->until_ms,
	    o->interval_ms);
	if (waiter_nsites(st->waiter) == 0) {
		fprintf(stderr, "kong check: --wait-for: test '%s' runs on none "
		    "of the selected sites\n", o->wait_for);
		return (KONG_EXIT_USAGE);
	}
	if (waiter_compile(st->waiter, stderr) > 0) {
		fprintf(stderr, "kong check: --wait-for: test '%s' did not "
		    "compile; nothing ran\n", o->wait_for);
		return (KONG_EXIT_USAGE);
	}
	return (0);
}

/* The sinks: the log, then the progress line and the summary if wanted. */
static int
check_sinks(struct check_state *st, const struct check_opts *o,
    const struct inventory *inv, const struct settings *set)
{
	struct sink	*k;
	char		*cause, *format;
	size_t		 i;
	int		 tty = isatty(STDERR_FILENO), rc;

	if ((rc = cli_sweep_wire(&st->run, inv, set, o->shard != NULL ?
	    CLI_SWEEP_NO_ALERTS : 0)) != 0)
		return (rc);
	if (o->shard != NULL && (set->smtp != NULL || set->webhook != NULL))
		/* One message per recipient for the fleet, not per shard. */
		fprintf(stderr, "kong check: --shard: a shard does not alert; "
		    "merge the shards, kong store ingest the run and kong "
		    "alert --run ID decides its alerts once\n");
	if (!o->quiet && o->progress && tty)
		sweep_add_sink(st->run.sweep, sink_progress_create(stderr,
		    cli_color(stderr)));
	if (!o->quiet && (o->summary || tty))
		sweep_add_sink(st->run.sweep, sink_summary_create(stderr,
		    cli_color(stderr), o->when != NULL && strcmp(o->when,
		    "failed") == 0 ? SUMMARY_FAILED : SUMMARY_ALWAYS));
	for (i = 0; i < o->nreports; i++) {
		format = xstrndup(o->reports[i], (size_t)(strchr(o->reports[i],
		    '=') - o->reports[i]));
		k = report_sink_create(format, strchr(o->reports[i], '=') + 1,
		    &cause);
		free(format);
		if (k == NULL) {
			fprintf(stderr, "kong check: --report: %s\n", cause);
			free(cause);
			return (KONG_EXIT_USAGE);
		}
		if (o->save_dir != NULL)
			report_sink_saved(k, o->save_dir);
		sweep_add_sink(st->run.sweep, k);
	}
	if (o->save_dir != NULL) {
		if ((k = failures_sink_create(o->save_dir, inv, &cause)) ==
		    NULL) {
			fprintf(stderr, "kong check: --save-failures: %s\n",
			    cause);
			free(cause);
			return (KONG_EXIT_USAGE);
		}
		sweep_add_sink(st->run.sweep, k);
	}
	return (0);
}

/* Whether the log exists and holds a run. */
static int
check_log_has_run(const char *log)
{
	char	**ids, *cause = NULL;
	size_t	  n = 0;

	if (diff_log_runs(log, &ids, &n, &cause) != 0)
		n = 0;
	free(cause);
	free_strv(ids);
	return (n > 0);
}

/*
 * --baseline and --rerun-failed: the runs they name, read before the
 * sweep appends to the log. Returns 0, or -1 after saying what is wrong.
 */
static int
check_diff_setup(const struct check_opts *o, const struct inventory *inv,
    const struct settings *set, struct sweep_plan *plan,
    struct diff_run **base, struct diff_run **rerun)
{
	char	*log, *cause = NULL;
	int	 rc;

	if (o->baseline == NULL && !o->rerun)
		return (0);
	log = cli_log_path(inv, set);
	if (o->baseline != NULL && strcmp(o->baseline, "last") == 0 &&
	    !check_log_has_run(log)) {
		/* The first pipeline: nothing to compare, every failure counts. */
		fprintf(stderr, "kong check: --baseline last: no earlier run in "
		    "%s; every failure counts\n", log);
	} else if (o->baseline != NULL && (*base = diff_run_resolve(
	    o->baseline, log, &cause)) == NULL)
		fprintf(stderr, "kong check: --baseline: %s\n", cause);
	else if (o->rerun && (*rerun = diff_run_resolve(o->rerun_log, log,
	    &cause)) == NULL)
		fprintf(stderr, "kong check: --rerun-failed: %s\n", cause);
	else if (*rerun != NULL) {
		plan->keep = diff_keep_failed;
		plan->keep_arg = *rerun;
	}
	rc = cause != NULL ? -1 : 0;
	free(log);
	free(cause);
	return (rc);
}

static int
check_exec(const struct cli_cmd *cmd, struct cli_args *a)
{
	struct check_state	 st;
	struct check_opts	 o;
	struct sweep_plan	 plan;
	struct selection	 probe_sel;
	struct check_shard	 cs;
	struct inventory	*inv;
	struct settings		 set;
	struct diff_run		*base = NULL, *now = NULL, *rerun = NULL;
	int			 rc, nbad;

	memset(&plan, 0, sizeof plan);
	memset(&st, 0, sizeof st);
	st.run.command = cmd->name;
	st.run.lock = -1;
	memset(&probe_sel, 0, sizeof probe_sel);
	memset(&cs, 0, sizeof cs);
	plan.expect = json_object();
	if ((rc = check_options_read(cmd, a, &o, &plan)) != 0) {
		json_decref((json_t *)plan.expect);
		free(o.reports);
		return (rc);
	}
	if ((inv = cli_load(a)) == NULL) {
		json_decref((json_t *)plan.expect);
		free(o.reports);
		return (KONG_EXIT_USAGE);
	}
	settings_copy(&set, &inv->settings);
	cli_apply_settings(a, &set);
	plan.command = cmd->name;
	plan.inv = inv;
	plan.sel = &a->sel;
	plan.set = &set;
	if ((rc = check_shard_setup(cmd, &o, &plan, &cs)) != 0)
		goto out;
	if (check_diff_setup(&o, inv, &set, &plan, &base, &rerun) != 0) {
		rc = KONG_EXIT_USAGE;
		goto out;
	}
	if (rerun != NULL && diff_run_failed(rerun) == 0) {
		fprintf(stderr, "kong check: nothing failed in run %s; nothing "
		    "to rerun\n", diff_run_id(rerun));
		rc = KONG_EXIT_OK;
		goto out;
	}
	st.run.engine = engine_create();
	st.run.sweep = sweep_create(st.run.engine, &plan);
	if (base != NULL)
		sweep_add_sink(st.run.sweep, diff_sink(now = diff_run_create()));
	if (sweep_npairs(st.run.sweep) == 0 && (cs.json == NULL ||
	    json_integer_value(json_object_get(cs.json, "run_pairs")) == 0)) {
		fprintf(stderr, "kong check: no (site, test) pair is selected "
		    "(see kong list --pairs)\n");
		rc = KONG_EXIT_USAGE;
	} else if (o.dry)
		check_dry_run(st.run.sweep);
	else if ((nbad = sweep_compile(st.run.sweep, stderr)) > 0) {
		fprintf(stderr, "kong check: %d pair%s did not compile; nothing "
		    "ran (kong lint shows every problem)\n", nbad,
		    nbad == 1 ? "" : "s");
		rc = KONG_EXIT_USAGE;
	} else if ((o.wait_for == NULL || (rc = check_wait_setup(&st, &o,
	    &plan, &probe_sel)) == 0) && (rc = check_sinks(&st, &o, inv,
	    &set)) == 0) {
		check_run(&st);
		if (sweep_info(st.run.sweep)->start_us == 0) {
			fprintf(stderr, "kong check: interrupted while waiting "
			    "for '%s'; nothing was checked\n", o.wait_for);
			rc = KONG_EXIT_INTERRUPTED;
		} else {
			check_report(st.run.sweep);
			rc = sweep_exit_status(st.run.sweep);
			if (base != NULL && rc <= KONG_EXIT_FAILED)
				rc = diff_print(stderr, base, now, &o.limits) ?
				    KONG_EXIT_FAILED : KONG_EXIT_OK;
		}
	}
out:
	diff_run_free(base);
	diff_run_free(now);
	diff_run_free(rerun);
	waiter_free(st.waiter);
	cli_sweep_clear(&st.run);
	engine_free(st.run.engine);
	settings_free(&set);
	for (size_t i = 0; i < probe_sel.ntest; i++)
		free(probe_sel.test[i]);
	free(probe_sel.test);
	inventory_free(inv);
	json_decref(cs.json);
	shard_table_free(cs.spec.table);
	free(cs.hash);
	free(cs.run_id);
	json_decref((json_t *)plan.expect);
	free(o.reports);
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
	"(SIGINT/SIGTERM), 5 aborted by --abort-if, 6 another kong check of\n"
	"the same log is still running (nothing ran).",
	CLI_SELECTORS | CLI_SWEEP,
	check_options,
	0,
	check_exec,
};
