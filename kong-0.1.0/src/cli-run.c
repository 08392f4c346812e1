/*
 * cli-run.c: kong run: the twill-compatible runner.
 *
 * Each file runs with a fresh browser; directories are walked for *.twill;
 * every file is compiled before anything runs. With -j N files run
 * concurrently on one runner, and their output is still printed in file
 * order: a file's result is kept until every file before it has been
 * printed. The summary line and the exit status are twill's.
 */
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "cli.h"
#include "page.h"
#include "record.h"
#include "runner.h"
#include "sink.h"

enum {
	RUN_URL = 1000,
	RUN_NEVER_FAIL,
	RUN_FAIL,
	RUN_QUIET,
	RUN_OUTPUT,
	RUN_DUMP,
	RUN_JOBS,
	RUN_JSONL,
};

static const struct cli_option run_options[] = {
	{ "url", 'u', CLI_ARG, "URL", "go to URL before each script", RUN_URL },
	{ "never-fail", 'n', CLI_NOARG, NULL, "log errors and go on; the file "
	    "still succeeds", RUN_NEVER_FAIL },
	{ "fail", 'f', CLI_NOARG, NULL, "stop at the first failing file",
	    RUN_FAIL },
	{ "quiet", 'q', CLI_NOARG, NULL, "no output on standard output",
	    RUN_QUIET },
	{ "output", 'o', CLI_ARG, "FILE", "script output to FILE (- for "
	    "standard output)", RUN_OUTPUT },
	{ "dump-html", 'd', CLI_ARG, "FILE", "save the failing page's body to "
	    "FILE (- prints it)", RUN_DUMP },
	{ "jobs", 'j', CLI_ARG, "N", "run N files at once (output stays in "
	    "file order)", RUN_JOBS },
	{ "jsonl", 0, CLI_ARG, "FILE", "append one JSON result record per file",
	    RUN_JSONL },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

struct run_file {
	char		*path;
	struct program	*prog;		/* NULL: could not be read */
	char		*cause;
	struct result	 result;	/* until it is printed */
	int		 done;
	int		 failed;
};

struct run_state {
	struct run_file		*files;
	size_t			 nfiles;
	size_t			 next;		/* next file for the runner */
	size_t			 next_print;	/* first file not printed yet */
	size_t			 failed;
	int			 quiet;
	int			 fail_fast;
	FILE			*out;
	const char		*dump;
	struct page		*dump_page;
	struct sink_list	 sinks;		/* --jsonl */
	struct run_info		 run;
	char			*run_id;
	struct engine		*engine;
	struct runner		*runner;
	struct session_config	 cfg;
	struct event		*grace;
	long			 grace_ms;
	int			 signals;
	int			 live_output;
};

/* Print what finished files have to say, in file order. */
static void
run_flush(struct run_state *st)
{
	struct run_file	*f;
	struct result	*r;

	while (st->next_print < st->nfiles &&
	    st->files[st->next_print].done) {
		f = &st->files[st->next_print++];
		if (f->prog == NULL || f->cause != NULL) {
			fprintf(stderr, "kong run: %s\n", f->cause);
			continue;
		}
		r = &f->result;
		if (!st->live_output && r->output.len > 0 && st->out != NULL)
			fwrite(r->output.data, 1, r->output.len, st->out);
		if (!result_passed(r)) {
			if (st->out != NULL)
				fflush(st->out);
			if (r->file != NULL)
				fprintf(stderr, "%s:%d: error: %s\n>> %s\n",
				    r->file, r->line, r->message, r->command);
			else
				fprintf(stderr, "%s: error: %s\n", f->path,
				    r->message != NULL ? r->message : "failed");
		}
		result_clear(r);
	}
	if (st->out != NULL)
		fflush(st->out);
}

/* The runner's source: the next file that compiled. */
static int
run_next(void *arg, struct job_spec *spec)
{
	struct run_state	*st = arg;
	struct run_file		*f;

	for (; st->next < st->nfiles; st->next++) {
		f = &st->files[st->next];
		if (f->prog == NULL)
			continue;
		spec->prog = program_ref(f->prog);
		spec->cfg = &st->cfg;
		spec->deadline_ms = st->run.set->deadline;
		spec->index = st->next;
		spec->user = f;
		st->next++;
		return (1);
	}
	return (-1);
}

/* A file finished. */
static void
run_done(void *arg, void *user, struct result *r)
{
	struct run_state	*st = arg;
	struct run_file		*f = user;

	f->done = 1;
	r->where.run = st->run_id;
	r->where.script = f->path;
	if (!result_passed(r)) {
		f->failed = 1;
		st->failed++;
		if (r->page != NULL) {
			page_unref(st->dump_page);
			st->dump_page = page_ref(r->page);
		}
		if (st->fail_fast)
			runner_stop(st->runner);
	}
	result_counts_add(&st->run.counts, r->status);
	sinks_result(&st->sinks, &st->run, r);
	page_unref(r->page);
	r->page = NULL;
	result_move(&f->result, r);
	run_flush(st);
}

static void
run_drained(void *arg)
{
	struct run_state	*st = arg;

	event_base_loopbreak(engine_base(st->engine));
}

static const struct runner_ops run_runner_ops = {
	run_next,
	NULL,
	run_done,
	NULL,
	run_drained,
};

/* The grace period after a signal ended: cancel what still runs. */
static void
run_grace_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct run_state	*st = arg;

	(void)fd;
	(void)kind;
	runner_cancel(st->runner, "cancelled: interrupted by a signal");
}

/* SIGINT or SIGTERM: stop starting files; a second one cancels at once. */
static void
run_signal_cb(evutil_socket_t sig, short kind, void *arg)
{
	struct run_state	*st = arg;
	struct timeval		 tv;

	(void)sig;
	(void)kind;
	st->run.interrupted = 1;
	if (st->signals++ > 0) {
		run_grace_cb(-1, 0, st);
		return;
	}
	runner_stop(st->runner);
	if (runner_in_flight(st->runner) > 0) {
		st->grace = evtimer_new(engine_base(st->engine), run_grace_cb, st);
		tv.tv_sec = st->grace_ms / 1000;
		tv.tv_usec = (st->grace_ms % 1000) * 1000;
		evtimer_add(st->grace, &tv);
	}
}

/* Run every file on a loop of our own. */
static void
run_loop(struct run_state *st, const struct settings *set)
{
	struct event_base	*base = engine_base(st->engine);
	struct event		*sigint, *sigterm;
	struct runner_options	 ro;

	memset(&ro, 0, sizeof ro);
	ro.concurrency = set->concurrency;
	ro.backoff_ms = set->retry_backoff;
	st->grace_ms = set->grace;
	http_set_max_connects(engine_http(st->engine), set->max_connects);
	st->runner = runner_create(st->engine, &ro, &run_runner_ops, st);
	sigint = evsignal_new(base, SIGINT, run_signal_cb, st);
	sigterm = evsignal_new(base, SIGTERM, run_signal_cb, st);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	runner_start(st->runner);
	event_base_dispatch(base);
	event_free(sigint);
	event_free(sigterm);
}

/* Save the failing page's body for -d. */
static void
run_dump(struct run_state *st)
{
	FILE	*f;

	if (st->dump == NULL || st->dump_page == NULL)
		return;
	if (strcmp(st->dump, "-") == 0) {
		printf("HTML when error was encountered:\n\n");
		fwrite(st->dump_page->raw, 1, st->dump_page->rawlen, stdout);
		printf("\n--\n");
		return;
	}
	if ((f = fopen(st->dump, "wb")) == NULL) {
		fprintf(stderr, "kong run: could not dump to %s: %s\n", st->dump,
		    strerror(errno));
		return;
	}
	fwrite(st->dump_page->raw, 1, st->dump_page->rawlen, f);
	if (fclose(f) != 0)
		fprintf(stderr, "kong run: could not dump to %s: %s\n", st->dump,
		    strerror(errno));
	else if (!st->quiet && st->out != NULL)
		fprintf(st->out, "HTML has been dumped to %s\n", st->dump);
}

/* Gather and compile every file. Returns how many did not compile. */
static size_t
run_compile(struct run_state *st, char **args, size_t nargs)
{
	struct source	*src;
	struct diag	 d;
	char		**paths, *cause;
	size_t		  npaths, i, bad = 0;

	paths = session_gather(NULL, args, nargs, &npaths, &cause);
	st->files = xcalloc(npaths + 1, sizeof *st->files);
	st->nfiles = npaths;
	diag_init(&d);
	for (i = 0; i < npaths; i++) {
		st->files[i].path = paths[i];
		result_init(&st->files[i].result);
		if ((src = source_read(paths[i], &cause)) == NULL) {
			st->files[i].cause = xstrfmt("cannot read %s", cause);
			free(cause);
			continue;
		}
		st->files[i].prog = program_compile(src, &d);
		if (st->files[i].prog == NULL)
			bad++;
		source_unref(src);
	}
	free(paths);
	if (bad > 0) {
		diag_print(&d, stderr);
		fprintf(stderr, "kong run: %zu file%s did not compile; nothing "
		    "ran\n", bad, bad == 1 ? "" : "s");
	}
	diag_free(&d);
	return (bad);
}

/* The files' verdicts after the run; the exit status. */
static int
run_finish(struct run_state *st)
{
	size_t	i, n;
	int	rc = KONG_EXIT_OK;

	for (i = 0; i < st->nfiles; i++) {
		if (!st->files[i].done) {
			/* -f stopped the run: files never started failed. */
			st->files[i].done = st->files[i].failed = 1;
			st->failed++;
			st->files[i].cause = xstrdup("not run (-f stopped at "
			    "the first failing file)");
		}
	}
	run_flush(st);
	run_dump(st);
	if (!st->quiet && st->out != NULL) {
		fprintf(st->out, "--\n%zu of %zu files SUCCEEDED.\n",
		    st->nfiles - st->failed, st->nfiles);
		fflush(st->out);
	}
	if (st->failed > 0) {
		fprintf(stderr, "Failed:\n");
		for (i = 0; i < st->nfiles; i++) {
			if (st->files[i].failed)
				fprintf(stderr, "\t%s\n", st->files[i].path);
		}
		rc = KONG_EXIT_FAILED;
	}
	if ((n = sinks_errors(&st->sinks)) > 0) {
		fprintf(stderr, "kong run: %zu record%s could not be written to "
		    "%s: %s\n", n, n == 1 ? "" : "s", TAILQ_FIRST(&st->sinks)->what,
		    strerror(TAILQ_FIRST(&st->sinks)->last_errno));
		rc = KONG_EXIT_IO;
	}
	if (st->run.interrupted && rc != KONG_EXIT_IO)
		rc = KONG_EXIT_INTERRUPTED;
	return (rc);
}

/* Open the script output (-o, -q) and the --jsonl log. Returns 0 or an exit. */
static int
run_outputs(struct run_state *st, const char *outfile, const char *jsonl)
{
	struct sink	*k;
	char		*cause;

	if (st->quiet)
		st->out = NULL;
	else if (outfile != NULL && strcmp(outfile, "-") != 0) {
		if ((st->out = fopen(outfile, "w")) == NULL) {
			fprintf(stderr, "kong run: invalid output file '%s': %s\n",
			    outfile, strerror(errno));
			return (KONG_EXIT_USAGE);
		}
	} else
		st->out = stdout;
	if (jsonl != NULL) {
		if ((k = sink_jsonl_open(jsonl, 1, &cause)) == NULL) {
			fprintf(stderr, "kong run: cannot open the JSONL log %s\n",
			    cause);
			free(cause);
			return (KONG_EXIT_IO);
		}
		TAILQ_INSERT_TAIL(&st->sinks, k, entry);
	}
	return (0);
}

static int
run_exec(const struct cli_cmd *cmd, struct cli_args *a)
{
	struct run_state	 st;
	struct settings		 set;
	const char		*outfile = NULL, *jsonl = NULL;
	size_t			 i;
	long			 jobs = 1;
	int			 rc = KONG_EXIT_OK;

	memset(&st, 0, sizeof st);
	TAILQ_INIT(&st.sinks);
	settings_init(&set, SETTINGS_RUN);
	for (i = 0; i < a->nopts; i++) {
		switch (a->opts[i].id) {
		case RUN_URL:
			st.cfg.initial_url = a->opts[i].arg;
			break;
		case RUN_NEVER_FAIL:
			st.cfg.never_fail = 1;
			break;
		case RUN_FAIL:
			st.fail_fast = 1;
			break;
		case RUN_QUIET:
			st.quiet = 1;
			break;
		case RUN_OUTPUT:
			outfile = a->opts[i].arg;
			break;
		case RUN_DUMP:
			st.dump = a->opts[i].arg;
			break;
		case RUN_JOBS:
			if (cli_number(cmd, "-j", a->opts[i].arg, 1, 10000,
			    &jobs) != 0) {
				settings_free(&set);
				return (KONG_EXIT_USAGE);
			}
			break;
		case RUN_JSONL:
			jsonl = a->opts[i].arg;
			break;
		}
	}
	if (a->argc == 0) {
		settings_free(&set);
		return (cli_usage(cmd, "no script given"));
	}
	cli_apply_settings(a, &set);
	set.concurrency = jobs;
	st.run.set = &set;
	if (run_compile(&st, a->argv, (size_t)a->argc) > 0) {
		rc = KONG_EXIT_USAGE;
		goto out;
	}
	if ((rc = run_outputs(&st, outfile, jsonl)) != 0)
		goto out;
	if (jsonl != NULL)
		st.run_id = record_run_id();
	for (i = 0; i < st.nfiles; i++) {
		if (st.files[i].prog == NULL) {
			/* It could not be read: it failed, and says so first. */
			st.files[i].done = st.files[i].failed = 1;
			st.failed++;
		}
	}

	st.cfg.timeout_ms = set.timeout;
	st.cfg.connect_timeout_ms = set.connect_timeout;
	st.cfg.max_body = set.max_body;
	st.cfg.max_headers = set.max_headers;
	st.cfg.max_refresh = set.max_refresh;
	st.cfg.max_elements = set.max_elements;
	st.cfg.insecure = set.insecure;
	st.cfg.user_agent = set.user_agent;
	st.cfg.resolve = set.resolve;
	st.live_output = jobs == 1;
	st.cfg.out = st.live_output ? st.out : NULL;
	if (st.live_output && st.out == NULL) {
		/* -q: output goes nowhere; capture with a small cap. */
		st.cfg.output_cap = 1;
	}
	st.engine = engine_create();
	run_flush(&st);
	run_loop(&st, &set);
	rc = run_finish(&st);
out:
	runner_free(st.runner);
	if (st.grace != NULL)
		event_free(st.grace);
	engine_free(st.engine);
	for (i = 0; i < st.nfiles; i++) {
		free(st.files[i].path);
		free(st.files[i].cause);
		program_unref(st.files[i].prog);
		result_clear(&st.files[i].result);
	}
	free(st.files);
	page_unref(st.dump_page);
	sinks_free(&st.sinks);
	free(st.run_id);
	if (st.out != NULL && st.out != stdout)
		fclose(st.out);
	settings_free(&set);
	return (rc);
}

const struct cli_cmd cli_run_cmd = {
	"run",
	"[-u URL] [-n] [-f] [-q] [-o FILE] [-d FILE] [-j N] [--jsonl FILE] "
	"SCRIPT|DIR...",
	"run Twill scripts, like twill",
	"Each file runs with a fresh browser; directories are walked for\n"
	"*.twill files. Every file is compiled first: a compile error stops\n"
	"everything (exit 2). Exit 1 if any file failed, else 0; the last line\n"
	"is \"K of N files SUCCEEDED.\"",
	CLI_RUN,
	run_options,
	-1,
	run_exec,
};
