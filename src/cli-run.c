/*
 * cli-run.c: kong run: the twill-compatible runner.
 *
 * Each file runs with a fresh browser; directories are walked for *.twill;
 * every file is compiled before anything runs. With -j N files run
 * concurrently, and their output is still printed in file order. The
 * summary line and the exit status are twill's.
 */
#include <errno.h>
#include <unistd.h>

#include "cli.h"
#include "page.h"
#include "record.h"
#include "runner.h"
#include "session-int.h"

struct run_file {
	char		*path;
	struct program	*prog;		/* NULL: could not be read */
	char		*cause;
	struct job	*job;
	int		 done;
};

struct run_state {
	struct run_file		*files;
	size_t			 nfiles;
	size_t			 next_print;	/* first file not printed yet */
	size_t			 failed;
	int			 quiet;
	int			 fail_fast;
	FILE			*out;
	const char		*dump;
	struct page		*dump_page;
	struct record_log	*log;
	char			*run_id;
	struct runner		*runner;
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
		if (f->job == NULL) {
			fprintf(stderr, "kong run: %s\n", f->cause);
			continue;
		}
		r = &f->job->result;
		if (!st->live_output && r->output.len > 0 && st->out != NULL)
			fwrite(r->output.data, 1, r->output.len, st->out);
		if (r->status == RESULT_PASS || r->status ==
		    RESULT_PASS_AFTER_RETRY)
			continue;
		if (st->out != NULL)
			fflush(st->out);
		if (r->file != NULL)
			fprintf(stderr, "%s:%d: error: %s\n>> %s\n", r->file,
			    r->line, r->message, r->command);
		else
			fprintf(stderr, "%s: error: %s\n", f->path,
			    r->message != NULL ? r->message : "failed");
	}
	if (st->out != NULL)
		fflush(st->out);
}

/* A file finished. */
static void
run_done(struct runner *rn, struct job *j, void *arg)
{
	struct run_state	*st = arg;
	struct run_file		*f = j->user;
	struct result		*r = &j->result;
	struct record_where	 w;
	struct buf		 line;

	(void)rn;
	f->done = 1;
	if (r->status != RESULT_PASS && r->status != RESULT_PASS_AFTER_RETRY) {
		st->failed++;
		if (r->page != NULL) {
			page_unref(st->dump_page);
			st->dump_page = page_ref(r->page);
		}
		if (st->fail_fast)
			runner_stop(st->runner);
	}
	if (st->log != NULL) {
		memset(&w, 0, sizeof w);
		w.run = st->run_id;
		w.file = f->path;
		buf_init(&line);
		record_result(&line, &w, r, j->attempts, j->tries);
		record_write_buf(st->log, &line);
		buf_free(&line);
	}
	run_flush(st);
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

static int
run_exec(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "never-fail", no_argument, NULL, 'n' },
		{ "fail", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "output", required_argument, NULL, 'o' },
		{ "dump-html", required_argument, NULL, 'd' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "jsonl", required_argument, NULL, 'J' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "connect-timeout", required_argument, NULL, 'C' },
		{ "deadline", required_argument, NULL, 'D' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "resolve", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct run_state	 st;
	struct session_config	 cfg;
	struct runner_options	 ro;
	struct engine		*e = NULL;
	struct record_log	 log;
	struct diag		 d;
	struct source		*src;
	char			**paths = NULL, **resolve, *cause, *outfile = NULL;
	size_t			 npaths = 0, i, nresolve = 0, failed_compile = 0;
	long			 jobs = 1, timeout = 30000, connect = 10000;
	long			 deadline = 0;
	int			 opt, rc = KONG_EXIT_OK, insecure = 0, never = 0;
	const char		*url = NULL, *jsonl = NULL;

	memset(&st, 0, sizeof st);
	resolve = xcalloc(1, sizeof *resolve);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":u:nfqo:d:j:hk", opts, NULL)) !=
	    -1) {
		switch (opt) {
		case 'u':
			url = optarg;
			break;
		case 'n':
			never = 1;
			break;
		case 'f':
			st.fail_fast = 1;
			break;
		case 'q':
			st.quiet = 1;
			break;
		case 'o':
			outfile = optarg;
			break;
		case 'd':
			st.dump = optarg;
			break;
		case 'j':
			if (cli_number(cmd, "-j", optarg, 1, 10000, &jobs) != 0)
				goto usage;
			break;
		case 'J':
			jsonl = optarg;
			break;
		case 'T':
			if (cli_duration(cmd, "--timeout", optarg, &timeout) != 0)
				goto usage;
			break;
		case 'C':
			if (cli_duration(cmd, "--connect-timeout", optarg,
			    &connect) != 0)
				goto usage;
			break;
		case 'D':
			if (cli_duration(cmd, "--deadline", optarg, &deadline) != 0)
				goto usage;
			break;
		case 'k':
			insecure = 1;
			break;
		case 'R':
			if (strchr(optarg, ':') == NULL ||
			    strchr(strchr(optarg, ':') + 1, ':') == NULL) {
				cli_usage(cmd, "--resolve takes HOST:PORT:ADDRESS, "
				    "not '%s'", optarg);
				goto usage;
			}
			resolve = xreallocarray(resolve, nresolve + 2,
			    sizeof *resolve);
			resolve[nresolve++] = xstrdup(optarg);
			resolve[nresolve] = NULL;
			break;
		case 'h':
			free_strv(resolve);
			return (cli_help(cmd, stdout));
		default:
			cli_bad_option(cmd, argv, opt);
			goto usage;
		}
	}
	if (optind == argc) {
		cli_usage(cmd, "no script given");
		goto usage;
	}

	/* Gather and compile every file before anything runs. */
	paths = session_gather(NULL, argv + optind, (size_t)(argc - optind),
	    &npaths, &cause);
	st.files = xcalloc(npaths + 1, sizeof *st.files);
	st.nfiles = npaths;
	diag_init(&d);
	for (i = 0; i < npaths; i++) {
		st.files[i].path = paths[i];
		if ((src = source_read(paths[i], &cause)) == NULL) {
			st.files[i].cause = xstrfmt("cannot read %s", cause);
			free(cause);
			continue;
		}
		st.files[i].prog = program_compile(src, &d);
		if (st.files[i].prog == NULL)
			failed_compile++;
		source_unref(src);
	}
	free(paths);
	if (failed_compile > 0) {
		diag_print(&d, stderr);
		diag_free(&d);
		fprintf(stderr, "kong run: %zu file%s did not compile; nothing "
		    "ran\n", failed_compile, failed_compile == 1 ? "" : "s");
		rc = KONG_EXIT_USAGE;
		goto out;
	}
	diag_free(&d);

	if (st.quiet)
		st.out = NULL;
	else if (outfile != NULL && strcmp(outfile, "-") != 0) {
		if ((st.out = fopen(outfile, "w")) == NULL) {
			fprintf(stderr, "kong run: invalid output file '%s': %s\n",
			    outfile, strerror(errno));
			rc = KONG_EXIT_USAGE;
			goto out;
		}
	} else
		st.out = stdout;
	if (jsonl != NULL) {
		if (record_open(&log, jsonl, &cause) != 0) {
			fprintf(stderr, "kong run: cannot open the JSONL log %s\n",
			    cause);
			free(cause);
			rc = KONG_EXIT_IO;
			goto out;
		}
		st.log = &log;
		st.run_id = record_run_id();
	}

	memset(&cfg, 0, sizeof cfg);
	cfg.timeout_ms = timeout;
	cfg.connect_timeout_ms = connect;
	cfg.max_body = 64L * 1024 * 1024;
	cfg.insecure = insecure;
	cfg.resolve = resolve;
	cfg.never_fail = never;
	cfg.initial_url = url;
	st.live_output = jobs == 1;
	cfg.out = st.live_output ? (st.out != NULL ? st.out : NULL) : NULL;
	if (st.live_output && st.out == NULL) {
		/* -q: output goes nowhere; capture with a small cap. */
		cfg.output_cap = 1;
	}

	memset(&ro, 0, sizeof ro);
	ro.concurrency = jobs;
	ro.grace_ms = 2000;
	e = engine_create();
	st.runner = runner_create(e, &ro, run_done, &st);
	for (i = 0; i < st.nfiles; i++) {
		if (st.files[i].prog == NULL) {
			st.files[i].done = 1;
			st.failed++;
			continue;
		}
		st.files[i].job = runner_add(st.runner, st.files[i].prog, &cfg,
		    NULL, NULL, deadline, &st.files[i]);
	}
	run_flush(&st);
	runner_run(st.runner);
	for (i = 0; i < st.nfiles; i++) {
		/* -f stopped the run: files never started did not succeed. */
		if (!st.files[i].done) {
			st.files[i].done = 1;
			st.failed++;
			st.files[i].job = NULL;
			free(st.files[i].cause);
			st.files[i].cause = xstrdup("not run (-f stopped at the "
			    "first failing file)");
		}
	}
	run_flush(&st);
	run_dump(&st);
	if (!st.quiet && st.out != NULL) {
		fprintf(st.out, "--\n%zu of %zu files SUCCEEDED.\n",
		    st.nfiles - st.failed, st.nfiles);
		fflush(st.out);
	}
	if (st.failed > 0) {
		fprintf(stderr, "Failed:\n");
		for (i = 0; i < st.nfiles; i++) {
			if (st.files[i].job == NULL || (st.files[i].job->result.
			    status != RESULT_PASS && st.files[i].job->result.
			    status != RESULT_PASS_AFTER_RETRY))
				fprintf(stderr, "\t%s\n", st.files[i].path);
		}
		rc = KONG_EXIT_FAILED;
	}
	if (st.log != NULL && st.log->errors > 0) {
		fprintf(stderr, "kong run: %zu record%s could not be written to "
		    "%s: %s\n", st.log->errors, st.log->errors == 1 ? "" : "s",
		    st.log->path, strerror(st.log->last_errno));
		rc = KONG_EXIT_IO;
	}
	if (runner_interrupted(st.runner))
		rc = rc == KONG_EXIT_IO ? rc : KONG_EXIT_INTERRUPTED;
out:
	if (st.runner != NULL)
		runner_free(st.runner);
	engine_free(e);
	for (i = 0; i < st.nfiles; i++) {
		free(st.files[i].path);
		free(st.files[i].cause);
		program_unref(st.files[i].prog);
	}
	free(st.files);
	page_unref(st.dump_page);
	if (st.log != NULL)
		record_close(st.log);
	free(st.run_id);
	if (st.out != NULL && st.out != stdout)
		fclose(st.out);
	free_strv(resolve);
	return (rc);
usage:
	free_strv(resolve);
	return (KONG_EXIT_USAGE);
}

const struct cli_cmd cli_run_cmd = {
	"run",
	"[-u URL] [-n] [-f] [-q] [-o FILE] [-d FILE] [-j N] [--jsonl FILE] "
	"SCRIPT|DIR...",
	"run Twill scripts, like twill",
	"Each file runs with a fresh browser; directories are walked for\n"
	"*.twill files. Every file is compiled first: a compile error stops\n"
	"everything (exit 2). Exit 1 if any file failed, else 0; the last line\n"
	"is \"K of N files SUCCEEDED.\"\n\n"
	"  -u, --url URL         go to URL before each script\n"
	"  -n, --never-fail      log errors and go on; the file still succeeds\n"
	"  -f, --fail            stop at the first failing file\n"
	"  -q, --quiet           no output on standard output\n"
	"  -o, --output FILE     script output to FILE (- for standard output)\n"
	"  -d, --dump-html FILE  save the failing page's body to FILE (- prints)\n"
	"  -j, --jobs N          run N files at once (output stays in file order)\n"
	"      --jsonl FILE      append one JSON result record per file\n"
	"      --timeout DUR     per-request timeout (default 30s)\n"
	"      --connect-timeout DUR  connection timeout (default 10s)\n"
	"      --deadline DUR    stop a file that runs longer (default none)\n"
	"  -k, --insecure        do not verify TLS certificates\n"
	"      --resolve HOST:PORT:ADDRESS  pin a name to an address (as curl)\n",
	run_exec,
};
