/*
 * cli-check.c: kong check: the sweep.
 *
 * Every selected (site, test[, server]) pair is rendered and compiled
 * first (any error: exit 2, nothing runs), then run by one runner on one
 * event loop. Each result is appended to the JSONL log as soon as it is
 * final, between a run_start and a run_end record. On a terminal a
 * progress line runs on standard error, and a summary ends the run.
 */
#include <sys/utsname.h>

#include <ctype.h>
#include <errno.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli.h"
#include "page.h"
#include "plan.h"
#include "record.h"
#include "runner.h"
#include "session.h"

struct check_pair {
	struct pair		 pair;
	char			*connect_to;
	char			*host;
	char		       **servers;
	struct session_config	 cfg;
	struct job		*job;
	int			 insecure;
};

struct check_state {
	struct check_pair	*pairs;
	size_t			 npairs;
	struct record_log	 log;
	struct buf		 line;		/* the record being written */
	char			*run_id;
	size_t			 counts[RESULT_CANCELLED + 1];
	size_t			 ndone;
	size_t			 nrun;		/* pairs that run (live) */
	uint64_t		 start;
	int			 progress;	/* draw the progress line */
	int			 progress_drawn;
	int			 color;
	struct event		*tick;
	struct runner		*runner;
};

/* The host of a URL, lower case, for per-host caps. Caller frees. */
static char *
check_host(const char *url)
{
	CURLU	*u;
	char	*h = NULL, *out;

	if ((u = curl_url()) == NULL)
		fatal("curl_url: out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return (xstrdup(url));
	}
	out = xstrdup(h);
	for (char *p = out; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	curl_free(h);
	curl_url_cleanup(u);
	return (out);
}

/* The host name a resolve entry ([+-]HOST:PORT:...) pins, lower case. */
static char *
check_resolve_host(const char *entry)
{
	char	*h;

	if (*entry == '+' || *entry == '-')
		entry++;
	h = xstrndup(entry, strcspn(entry, ":"));
	for (char *p = h; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return (h);
}

/*
 * Per-host resolve lists: libcurl parses a handle's whole CURLOPT_RESOLVE
 * list on every transfer, so a fleet of 10,000 pinned names must not give
 * every session all 10,000. Each site host gets its own entries plus those
 * that pin no site's host (an SSO domain, say). Fills map host -> vector.
 */
static void
check_resolve_lists(struct check_state *st, char *const *resolve,
    struct map *lists)
{
	struct map	  hosts;
	char		**global, *h, ***v;
	size_t		  i, k, n, nglobal = 0;

	map_init(&hosts);
	for (i = 0; i < st->npairs; i++) {
		if (st->pairs[i].host != NULL)
			map_set(&hosts, st->pairs[i].host, &hosts);
	}
	global = xcalloc(strv_len(resolve) + 1, sizeof *global);
	for (i = 0; resolve[i] != NULL; i++) {
		h = check_resolve_host(resolve[i]);
		if (map_get(&hosts, h) == NULL)
			global[nglobal++] = resolve[i];
		free(h);
	}
	for (i = 0; resolve[i] != NULL; i++) {
		h = check_resolve_host(resolve[i]);
		if (map_get(&hosts, h) != NULL) {
			if ((v = map_get(lists, h)) == NULL) {
				v = xcalloc(1, sizeof *v);
				*v = xcalloc(nglobal + 1, sizeof **v);
				for (k = 0; k < nglobal; k++)
					(*v)[k] = xstrdup(global[k]);
				map_set(lists, h, v);
			}
			n = strv_len(*v);
			*v = xreallocarray(*v, n + 2, sizeof **v);
			(*v)[n] = xstrdup(resolve[i]);
			(*v)[n + 1] = NULL;
		}
		free(h);
	}
	for (i = 0; i < st->npairs; i++) {
		h = st->pairs[i].host;
		if (h == NULL || map_get(lists, h) != NULL)
			continue;
		v = xcalloc(1, sizeof *v);
		*v = xcalloc(nglobal + 1, sizeof **v);
		for (k = 0; k < nglobal; k++)
			(*v)[k] = xstrdup(global[k]);
		map_set(lists, h, v);
	}
	free(global);
	map_free(&hosts, NULL);
}

static void
check_free_list(void *v)
{
	char	***p = v;

	free_strv(*p);
	free(p);
}

/* Draw the progress line: done/total, passed, failed, rate, ETA. */
static void
check_progress(struct check_state *st, int final)
{
	double		secs, rate, eta;
	size_t		passed, failed;

	if (!st->progress)
		return;
	secs = (monotonic_usec() - st->start) / 1e6;
	rate = secs > 0 ? st->ndone / secs : 0;
	passed = st->counts[RESULT_PASS] + st->counts[RESULT_PASS_AFTER_RETRY];
	failed = st->counts[RESULT_FAIL] + st->counts[RESULT_ERROR] +
	    st->counts[RESULT_TIMEOUT] + st->counts[RESULT_CANCELLED];
	eta = rate > 0 ? (st->nrun - st->ndone) / rate : 0;
	fprintf(stderr, "\r\033[K[%zu/%zu] %s%zu passed%s, %s%zu failed%s, "
	    "%.0f/s, ETA %.0fs", st->ndone, st->nrun,
	    st->color ? "\033[32m" : "", passed, st->color ? "\033[0m" : "",
	    st->color && failed > 0 ? "\033[31m" : "", failed,
	    st->color && failed > 0 ? "\033[0m" : "", rate, eta);
	if (final)
		fputs("\r\033[K", stderr);
	fflush(stderr);
	st->progress_drawn = !final;
}

static void
check_tick_cb(evutil_socket_t fd, short kind, void *arg)
{
	(void)fd;
	(void)kind;
	check_progress(arg, 0);
}

static void
check_unref_program(void *p)
{
	program_unref(p);
}

/* A pair starts: its program (it compiled once already, so it compiles). */
static struct program *
check_prepare(struct job *j, void *arg)
{
	struct check_pair	*cp = j->user;
	struct program		*p;
	struct diag		 d;

	(void)arg;
	diag_init(&d);
	p = plan_compile(cp->pair.test, cp->pair.site, cp->pair.server, &d,
	    NULL);
	if (p == NULL) {
		diag_print(&d, stderr);
		fatal("test '%s' for site '%s' compiled once but not again",
		    cp->pair.test->name, cp->pair.site->name);
	}
	diag_free(&d);
	return (p);
}

/* A pair's result is final: log it. */
static void
check_done(struct runner *rn, struct job *j, void *arg)
{
	struct check_state	*st = arg;
	struct check_pair	*cp = j->user;
	struct record_where	 w;

	(void)rn;
	st->counts[j->result.status]++;
	st->ndone++;
	memset(&w, 0, sizeof w);
	w.run = st->run_id;
	w.site = cp->pair.site->name;
	w.url = cp->pair.site->url;
	w.type = cp->pair.site->type_name;
	w.test = cp->pair.test->name;
	w.server = cp->pair.server != NULL ? cp->pair.server->name : NULL;
	buf_reset(&st->line);
	record_result(&st->line, &w, &j->result, j->attempts, j->tries);
	record_write_buf(&st->log, &st->line);
	result_trim(&j->result);
}

/* A skipped pair (the site is not live) gets its record at once. */
static void
check_skipped(struct check_state *st, struct check_pair *cp)
{
	struct result		r;
	struct record_where	w;

	result_init(&r);
	r.status = RESULT_SKIPPED;
	r.start_us = realtime_usec();
	r.message = xstrdup("the site is not live (live = no)");
	memset(&w, 0, sizeof w);
	w.run = st->run_id;
	w.site = cp->pair.site->name;
	w.url = cp->pair.site->url;
	w.type = cp->pair.site->type_name;
	w.test = cp->pair.test->name;
	w.server = cp->pair.server != NULL ? cp->pair.server->name : NULL;
	buf_reset(&st->line);
	record_result(&st->line, &w, &r, 0, NULL);
	record_write_buf(&st->log, &st->line);
	st->counts[RESULT_SKIPPED]++;
	result_clear(&r);
}

/* run_start: the selection, the options and the versions. */
static json_t *
check_run_start(struct check_state *st, struct inventory *inv,
    struct selection *sel, struct settings *set, int per_server)
{
	json_t		*rec, *selj, *opts;
	struct utsname	 un;
	char		*t;

	selj = json_object();
#define CHECK_SEL(name, v, n) do {					\
	json_t *a = json_array();					\
	for (size_t _i = 0; _i < (n); _i++)				\
		json_array_append_new(a, record_string((v)[_i], strlen((v)[_i]))); \
	json_object_set_new(selj, name, a);				\
} while (0)
	CHECK_SEL("site", sel->site, sel->nsite);
	CHECK_SEL("type", sel->type, sel->ntype);
	CHECK_SEL("test", sel->test, sel->ntest);
	CHECK_SEL("server", sel->server, sel->nserver);
	CHECK_SEL("tag", sel->tag, sel->ntag);
#undef CHECK_SEL
	opts = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:b, s:b, "
	    "s:I, s:o}",
	    "concurrency", (json_int_t)set->concurrency,
	    "host_cap", (json_int_t)set->host_cap,
	    "server_cap", (json_int_t)set->server_cap,
	    "timeout_ms", (json_int_t)set->timeout_ms,
	    "connect_timeout_ms", (json_int_t)set->connect_timeout_ms,
	    "deadline_ms", (json_int_t)set->deadline_ms,
	    "retries", (json_int_t)set->retries,
	    "retry_5xx", set->retry_5xx,
	    "per_server", per_server,
	    "insecure", set->insecure,
	    "max_body", (json_int_t)set->max_body,
	    "resolve", json_array());
	for (size_t i = 0; set->resolve[i] != NULL; i++)
		json_array_append_new(json_object_get(opts, "resolve"),
		    record_string(set->resolve[i], strlen(set->resolve[i])));
	t = record_time(realtime_usec());
	rec = json_pack("{s:i, s:s, s:s, s:s, s:o, s:o, s:o, s:i, s:s, s:i}",
	    "schema", RECORD_SCHEMA, "record", "run_start", "run", st->run_id,
	    "time", t, "inventory", record_string(inv->path, strlen(inv->path)),
	    "selection", selj, "options", opts, "pairs", (int)st->npairs,
	    "host", uname(&un) == 0 ? un.nodename : "", "pid", (int)getpid());
	free(t);
	json_object_set_new(rec, "versions", record_versions());
	return (rec);
}

#define CHECK_SHOW_MAX	10	/* lines per group in the summary */

/* A pair's result if it is final and did not pass (or skip), else NULL. */
static const struct result *
check_failed(const struct check_pair *cp)
{
	const struct result	*r;

	if (cp->job == NULL || cp->job->state != JOB_DONE)
		return (NULL);
	r = &cp->job->result;
	if (r->status == RESULT_PASS || r->status == RESULT_PASS_AFTER_RETRY ||
	    r->status == RESULT_SKIPPED)
		return (NULL);
	return (r);
}

/* Failed pairs in order of their group's first failure, then pair order. */
struct check_fail {
	size_t			 group;
	size_t			 pair;
	struct check_pair	*cp;
};

static int
check_fail_cmp(const void *a, const void *b)
{
	const struct check_fail	*x = a, *y = b;

	if (x->group != y->group)
		return (x->group < y->group ? -1 : 1);
	return (x->pair < y->pair ? -1 : x->pair > y->pair);
}

/*
 * The failed pairs grouped by test (by_site 0) or by site (1): each group
 * gets the number of the first failure in it; sorting keeps pair order
 * within a group. Linear in the pairs, apart from the sort.
 */
static struct check_fail *
check_group(struct check_state *st, int by_site, size_t *np)
{
	struct check_fail	*v;
	struct map		 groups;
	const char		*key;
	size_t			 n = 0, i, ngroups = 0;
	void			*g;

	v = xcalloc(st->npairs + 1, sizeof *v);
	map_init(&groups);
	for (i = 0; i < st->npairs; i++) {
		if (check_failed(&st->pairs[i]) == NULL)
			continue;
		key = by_site ? st->pairs[i].pair.site->name :
		    st->pairs[i].pair.test->name;
		if ((g = map_get(&groups, key)) == NULL) {
			g = (void *)(uintptr_t)++ngroups;
			map_set(&groups, key, g);
		}
		v[n].group = (size_t)(uintptr_t)g;
		v[n].pair = i;
		v[n++].cp = &st->pairs[i];
	}
	map_free(&groups, NULL);
	qsort(v, n, sizeof *v, check_fail_cmp);
	*np = n;
	return (v);
}

/*
 * Print failures grouped by test and by site (at most CHECK_SHOW_MAX lines
 * a group: the log has them all), and the five slowest checks.
 */
static void
check_summary(struct check_state *st, double secs)
{
	static const char *order[] = { "pass", "pass_after_retry", "fail",
	    "error", "timeout", "skipped", "cancelled" };
	struct check_fail	*f;
	struct check_pair	*cp, *slow[5];
	const struct result	*r;
	struct table		 t;
	struct buf		 names;
	size_t			 i, k, n, nf, nslow = 0, shown;
	char			 dur[32], where[64], *who;
	const char		*red = st->color ? "\033[31m" : "";
	const char		*green = st->color ? "\033[32m" : "";
	const char		*bold = st->color ? "\033[1m" : "";
	const char		*off = st->color ? "\033[0m" : "";

	fprintf(stderr, "%skong check%s: %zu check%s in %.2fs (%.1f checks/s)\n",
	    bold, off, st->ndone, st->ndone == 1 ? "" : "s", secs,
	    secs > 0 ? st->ndone / secs : 0.0);
	fputs(" ", stderr);
	for (i = 0; i < nitems(order); i++) {
		n = st->counts[i];
		if (n == 0 && i != RESULT_PASS && i != RESULT_FAIL)
			continue;
		fprintf(stderr, " %s%zu %s%s", n == 0 ? "" : i <= 1 ? green :
		    i == RESULT_SKIPPED ? "" : red, n, order[i], off);
	}
	fputc('\n', stderr);

	/* Failures by test: site, status, file:line, message. */
	f = check_group(st, 0, &nf);
	if (nf > 0)
		fprintf(stderr, "\n%sFailures by test%s\n", bold, off);
	for (i = 0; i < nf; i = k) {
		for (k = i; k < nf && f[k].group == f[i].group; k++)
			;
		fprintf(stderr, "  %s (%zu)\n", f[i].cp->pair.test->name, k - i);
		table_init(&t, 4);
		for (n = i; n < k && n - i < CHECK_SHOW_MAX; n++) {
			cp = f[n].cp;
			r = check_failed(cp);
			snprintf(where, sizeof where, "%s:%d", r->file != NULL ?
			    path_basename(r->file) : "-", r->line);
			who = cp->pair.server != NULL ? xstrfmt("%s@%s",
			    cp->pair.site->name, cp->pair.server->name) :
			    xstrdup(cp->pair.site->name);
			table_add(&t, who, result_status_name(r->status), where,
			    r->message);
			free(who);
		}
		table_print(&t, stderr, "    ");
		table_free(&t);
		if (k - i > CHECK_SHOW_MAX)
			fprintf(stderr, "    ... and %zu more (see the log)\n",
			    k - i - CHECK_SHOW_MAX);
	}
	free(f);

	/* Failures by site: its failed tests. */
	f = check_group(st, 1, &nf);
	if (nf > 0)
		fprintf(stderr, "\n%sFailures by site%s\n", bold, off);
	table_init(&t, 2);
	for (shown = 0, i = 0; i < nf; i = k) {
		buf_init(&names);
		for (k = i; k < nf && f[k].group == f[i].group; k++) {
			buf_printf(&names, "%s%s (%s)", k > i ? ", " : "",
			    f[k].cp->pair.test->name,
			    result_status_name(check_failed(f[k].cp)->status));
		}
		if (shown++ < CHECK_SHOW_MAX * 2)
			table_add(&t, f[i].cp->pair.site->name, names.data);
		buf_free(&names);
	}
	table_print(&t, stderr, "  ");
	table_free(&t);
	if (shown > CHECK_SHOW_MAX * 2)
		fprintf(stderr, "  ... and %zu more sites (see the log)\n",
		    shown - CHECK_SHOW_MAX * 2);
	free(f);

	/* The five slowest, in one pass. */
	for (i = 0; i < st->npairs; i++) {
		cp = &st->pairs[i];
		if (cp->job == NULL || cp->job->state != JOB_DONE)
			continue;
		for (k = nslow; k > 0 && slow[k - 1]->job->result.duration_us <
		    cp->job->result.duration_us; k--)
			if (k < nitems(slow))
				slow[k] = slow[k - 1];
		if (k < nitems(slow)) {
			slow[k] = cp;
			if (nslow < nitems(slow))
				nslow++;
		}
	}
	if (nslow > 0) {
		fprintf(stderr, "\n%sSlowest%s\n", bold, off);
		table_init(&t, 4);
		for (i = 0; i < nslow; i++) {
			cp = slow[i];
			format_duration(dur, sizeof dur,
			    cp->job->result.duration_us);
			table_add(&t, dur, cp->pair.site->name,
			    cp->pair.test->name,
			    result_status_name(cp->job->result.status));
		}
		table_print(&t, stderr, "  ");
		table_free(&t);
	}
}

enum {
	CHECK_OPT_DRY_RUN = 2000,
	CHECK_OPT_PER_SERVER,
	CHECK_OPT_RESOLVE,
	CHECK_OPT_HOST_CAP,
	CHECK_OPT_SERVER_CAP,
	CHECK_OPT_TIMEOUT,
	CHECK_OPT_CONNECT_TIMEOUT,
	CHECK_OPT_DEADLINE,
	CHECK_OPT_RETRIES,
	CHECK_OPT_RETRY_5XX,
	CHECK_OPT_LOG,
	CHECK_OPT_INSECURE,
	CHECK_OPT_GRACE,
	CHECK_OPT_SUMMARY,
	CHECK_OPT_NO_PROGRESS,
};

static int
check_exec(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_SELECTOR_OPTIONS,
		{ "dry-run", no_argument, NULL, CHECK_OPT_DRY_RUN },
		{ "per-server", no_argument, NULL, CHECK_OPT_PER_SERVER },
		{ "resolve", required_argument, NULL, CHECK_OPT_RESOLVE },
		{ "concurrency", required_argument, NULL, 'j' },
		{ "host-cap", required_argument, NULL, CHECK_OPT_HOST_CAP },
		{ "server-cap", required_argument, NULL, CHECK_OPT_SERVER_CAP },
		{ "timeout", required_argument, NULL, CHECK_OPT_TIMEOUT },
		{ "connect-timeout", required_argument, NULL,
		    CHECK_OPT_CONNECT_TIMEOUT },
		{ "deadline", required_argument, NULL, CHECK_OPT_DEADLINE },
		{ "retries", required_argument, NULL, CHECK_OPT_RETRIES },
		{ "retry-5xx", no_argument, NULL, CHECK_OPT_RETRY_5XX },
		{ "log", required_argument, NULL, CHECK_OPT_LOG },
		{ "insecure", no_argument, NULL, CHECK_OPT_INSECURE },
		{ "grace", required_argument, NULL, CHECK_OPT_GRACE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "summary", no_argument, NULL, CHECK_OPT_SUMMARY },
		{ "no-progress", no_argument, NULL, CHECK_OPT_NO_PROGRESS },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_common	 c;
	struct inventory	*inv = NULL;
	struct settings		*set;
	struct check_state	 st;
	struct check_pair	*cp;
	struct runner_options	 ro;
	struct engine		*e = NULL;
	struct pair		*pairs;
	struct diag		 d;
	struct map		 resolve_lists, warm;
	struct program		*prog;
	struct timeval		 tv;
	char			*cause, *log_path = NULL, **cli_resolve = NULL;
	const char		*opt_log = NULL;
	long			 v, o_conc = -1, o_hcap = -1, o_scap = -1;
	long			 o_timeout = -1, o_connect = -1, o_deadline = -1;
	long			 o_retries = -1, o_grace = -1;
	size_t			 npairs, i, k, ncli_resolve = 0, failed;
	int			 opt, rc = KONG_EXIT_OK, dry = 0, per_server = 0;
	int			 quiet = 0, summary = 0, no_progress = 0;
	int			 o_retry5 = 0, o_insecure = 0, compile_failed = 0;
	double			 secs;
	json_t			*end;
	char			*t;

	memset(&st, 0, sizeof st);
	map_init(&resolve_lists);
	cli_common_init(&c);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:j:qh", opts, NULL)) != -1) {
		if (cli_common_option(&c, opt, optarg))
			continue;
		switch (opt) {
		case CHECK_OPT_DRY_RUN:
			dry = 1;
			break;
		case CHECK_OPT_PER_SERVER:
			per_server = 1;
			break;
		case CHECK_OPT_RESOLVE:
			if (strchr(optarg, ':') == NULL ||
			    strchr(strchr(optarg, ':') + 1, ':') == NULL) {
				rc = cli_usage(cmd, "--resolve takes "
				    "HOST:PORT:ADDRESS, not '%s'", optarg);
				goto out;
			}
			cli_resolve = xreallocarray(cli_resolve,
			    ncli_resolve + 2, sizeof *cli_resolve);
			cli_resolve[ncli_resolve++] = xstrdup(optarg);
			cli_resolve[ncli_resolve] = NULL;
			break;
		case 'j':
			if (cli_number(cmd, "--concurrency", optarg, 1, 100000,
			    &o_conc) != 0)
				goto usage;
			break;
		case CHECK_OPT_HOST_CAP:
			if (cli_number(cmd, "--host-cap", optarg, 0, 100000,
			    &o_hcap) != 0)
				goto usage;
			break;
		case CHECK_OPT_SERVER_CAP:
			if (cli_number(cmd, "--server-cap", optarg, 0, 100000,
			    &o_scap) != 0)
				goto usage;
			break;
		case CHECK_OPT_TIMEOUT:
			if (cli_duration(cmd, "--timeout", optarg, &o_timeout) != 0)
				goto usage;
			break;
		case CHECK_OPT_CONNECT_TIMEOUT:
			if (cli_duration(cmd, "--connect-timeout", optarg,
			    &o_connect) != 0)
				goto usage;
			break;
		case CHECK_OPT_DEADLINE:
			if (cli_duration(cmd, "--deadline", optarg,
			    &o_deadline) != 0)
				goto usage;
			break;
		case CHECK_OPT_RETRIES:
			if (cli_number(cmd, "--retries", optarg, 0, 10,
			    &o_retries) != 0)
				goto usage;
			break;
		case CHECK_OPT_RETRY_5XX:
			o_retry5 = 1;
			break;
		case CHECK_OPT_LOG:
			opt_log = optarg;
			break;
		case CHECK_OPT_INSECURE:
			o_insecure = 1;
			break;
		case CHECK_OPT_GRACE:
			if (cli_duration(cmd, "--grace", optarg, &o_grace) != 0)
				goto usage;
			break;
		case 'q':
			quiet = 1;
			break;
		case CHECK_OPT_SUMMARY:
			summary = 1;
			break;
		case CHECK_OPT_NO_PROGRESS:
			no_progress = 1;
			break;
		case 'h':
			cli_common_free(&c);
			return (cli_help(cmd, stdout));
		default:
			rc = cli_bad_option(cmd, argv, opt);
			goto out;
		}
	}
	if (optind < argc) {
		rc = cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if ((inv = cli_load(&c)) == NULL) {
		rc = KONG_EXIT_USAGE;
		goto out;
	}

	/* The command line overrides the inventory's [kong] settings. */
	set = &inv->settings;
	if (o_conc > 0)
		set->concurrency = o_conc;
	if (o_hcap >= 0)
		set->host_cap = o_hcap;
	if (o_scap >= 0)
		set->server_cap = o_scap;
	if (o_timeout >= 0)
		set->timeout_ms = o_timeout;
	if (o_connect >= 0)
		set->connect_timeout_ms = o_connect;
	if (o_deadline >= 0)
		set->deadline_ms = o_deadline;
	if (o_retries >= 0)
		set->retries = o_retries;
	if (o_grace >= 0)
		set->grace_ms = o_grace;
	if (o_retry5)
		set->retry_5xx = 1;
	if (o_insecure)
		set->insecure = 1;
	for (i = 0; i < ncli_resolve; i++) {
		k = strv_len(set->resolve);
		set->resolve = xreallocarray(set->resolve, k + 2,
		    sizeof *set->resolve);
		set->resolve[k] = xstrdup(cli_resolve[i]);
		set->resolve[k + 1] = NULL;
	}

	pairs = inventory_pairs(inv, &c.sel, 1, per_server, &npairs);
	st.pairs = xcalloc(npairs + 1, sizeof *st.pairs);
	st.npairs = npairs;
	for (i = 0; i < npairs; i++)
		st.pairs[i].pair = pairs[i];
	free(pairs);
	if (npairs == 0) {
		fprintf(stderr, "kong check: no (site, test) pair is selected "
		    "(see kong list --pairs)\n");
		rc = KONG_EXIT_USAGE;
		goto out;
	}
	if (dry) {
		for (i = 0; i < npairs; i++) {
			cp = &st.pairs[i];
			printf("%s\t%s\t%s\t%s\n", cp->pair.site->name,
			    cp->pair.test->name, cp->pair.server != NULL ?
			    cp->pair.server->name : "-", cp->pair.site->live ?
			    "live" : "skipped");
		}
		goto out;
	}

	/*
	 * Render and compile everything before anything runs, to refuse a
	 * broken script before the first request; the programs themselves are
	 * made again as each pair starts (check_prepare), so that memory
	 * follows the sessions in flight, not the size of the fleet.
	 */
	diag_init(&d);
	map_init(&warm);
	for (i = 0; i < npairs; i++) {
		cp = &st.pairs[i];
		if (!cp->pair.site->live)
			continue;
		prog = plan_compile(cp->pair.test, cp->pair.site,
		    cp->pair.server, &d, NULL);
		if (prog == NULL) {
			compile_failed++;
			continue;
		}
		/*
		 * Hold each test's latest program until the next of that test
		 * is compiled: its regexes stay in the shared cache for the
		 * next site (the sites of a test share their patterns), rather
		 * than being compiled and JIT-compiled again for each.
		 */
		program_unref(map_get(&warm, cp->pair.test->name));
		map_set(&warm, cp->pair.test->name, prog);
	}
	map_free(&warm, check_unref_program);
	if (compile_failed > 0) {
		for (i = 0; i < d.n; i++) {
			if (d.v[i].level != DIAG_WARNING)
				fputs(d.v[i].text, stderr);
		}
		fprintf(stderr, "kong check: %d pair%s did not compile; nothing "
		    "ran (kong lint shows every problem)\n", compile_failed,
		    compile_failed == 1 ? "" : "s");
		diag_free(&d);
		rc = KONG_EXIT_USAGE;
		goto out;
	}
	diag_free(&d);

	/* The log: --log, else [kong] log (relative to its file), else kong.jsonl. */
	if (opt_log != NULL)
		log_path = xstrdup(opt_log);
	else if (set->log != NULL && strcmp(set->log, "-") != 0) {
		char *dir = path_dirname(set->file);

		log_path = path_join(dir, set->log);
		free(dir);
	} else if (set->log != NULL)
		log_path = xstrdup("-");
	else
		log_path = path_join(inv->dir, "kong.jsonl");
	if (record_open(&st.log, log_path, &cause) != 0) {
		fprintf(stderr, "kong check: cannot open the results log %s\n",
		    cause);
		free(cause);
		rc = KONG_EXIT_IO;
		goto out;
	}
	st.run_id = record_run_id();
	st.color = cli_color(stderr);
	st.progress = !quiet && !no_progress && isatty(STDERR_FILENO);
	summary = !quiet && (summary || isatty(STDERR_FILENO));

	record_write(&st.log, check_run_start(&st, inv, &c.sel, set,
	    per_server));

	memset(&ro, 0, sizeof ro);
	ro.concurrency = set->concurrency;
	ro.host_cap = set->host_cap;
	ro.server_cap = set->server_cap;
	ro.retries = set->retries;
	ro.retry_5xx = set->retry_5xx;
	ro.grace_ms = set->grace_ms;
	ro.prepare = check_prepare;
	e = engine_create();
	st.runner = runner_create(e, &ro, check_done, &st);
	st.start = monotonic_usec();
	for (i = 0; i < npairs; i++) {
		if (st.pairs[i].pair.site->live)
			st.pairs[i].host = check_host(st.pairs[i].pair.site->url);
	}
	check_resolve_lists(&st, set->resolve, &resolve_lists);
	for (i = 0; i < npairs; i++) {
		cp = &st.pairs[i];
		if (!cp->pair.site->live) {
			check_skipped(&st, cp);
			continue;
		}
		if (cp->pair.server != NULL) {
			const char *a = cp->pair.server->address;

			cp->connect_to = xstrfmt(strchr(a, ':') != NULL &&
			    *a != '[' ? "%s::[%s]:" : "%s::%s:", cp->host, a);
			cp->servers = xcalloc(2, sizeof *cp->servers);
			cp->servers[0] = xstrdup(cp->pair.server->name);
		} else if (cp->pair.site->nservers > 0) {
			cp->servers = xcalloc(cp->pair.site->nservers + 1,
			    sizeof *cp->servers);
			for (k = 0; k < cp->pair.site->nservers; k++)
				cp->servers[k] = xstrdup(
				    cp->pair.site->servers[k]->name);
		}
		cp->cfg.timeout_ms = set->timeout_ms;
		cp->cfg.connect_timeout_ms = set->connect_timeout_ms;
		cp->cfg.max_body = set->max_body;
		cp->cfg.insecure = set->insecure || cp->pair.site->insecure;
		cp->cfg.user_agent = set->user_agent;
		cp->cfg.resolve = *(char ***)map_get(&resolve_lists, cp->host);
		cp->cfg.connect_to = cp->connect_to;
		cp->cfg.output_cap = set->output_cap;
		v = cp->pair.test->deadline_ms > 0 ? cp->pair.test->deadline_ms :
		    set->deadline_ms;
		cp->job = runner_add(st.runner, NULL, &cp->cfg, cp->host,
		    cp->servers, v, cp);
		st.nrun++;
	}
	if (st.progress) {
		st.tick = event_new(e->base, -1, EV_PERSIST, check_tick_cb, &st);
		tv.tv_sec = 0;
		tv.tv_usec = 200000;
		evtimer_add(st.tick, &tv);
	}
	runner_run(st.runner);
	secs = (monotonic_usec() - st.start) / 1e6;
	if (st.tick != NULL)
		event_del(st.tick);
	check_progress(&st, 1);

	/* The exit status, then run_end with it. */
	failed = st.counts[RESULT_FAIL] + st.counts[RESULT_ERROR] +
	    st.counts[RESULT_TIMEOUT] + st.counts[RESULT_CANCELLED];
	rc = failed > 0 ? KONG_EXIT_FAILED : KONG_EXIT_OK;
	if (runner_interrupted(st.runner))
		rc = KONG_EXIT_INTERRUPTED;
	t = record_time(realtime_usec());
	end = json_pack("{s:i, s:s, s:s, s:s, s:I, s:{s:i, s:i, s:i, s:i, s:i, "
	    "s:i, s:i, s:i, s:i}, s:b, s:i}",
	    "schema", RECORD_SCHEMA, "record", "run_end", "run", st.run_id,
	    "time", t, "duration_us", (json_int_t)(secs * 1e6),
	    "totals",
	    "pairs", (int)st.npairs,
	    "pass", (int)st.counts[RESULT_PASS],
	    "pass_after_retry", (int)st.counts[RESULT_PASS_AFTER_RETRY],
	    "fail", (int)st.counts[RESULT_FAIL],
	    "error", (int)st.counts[RESULT_ERROR],
	    "timeout", (int)st.counts[RESULT_TIMEOUT],
	    "skipped", (int)st.counts[RESULT_SKIPPED],
	    "cancelled", (int)st.counts[RESULT_CANCELLED],
	    "not_started", (int)(st.nrun - st.ndone),
	    "interrupted", runner_interrupted(st.runner),
	    "write_errors", (int)st.log.errors);
	free(t);
	if (st.log.errors > 0)
		rc = KONG_EXIT_IO;
	json_object_set_new(end, "exit_status", json_integer(rc));
	if (record_write(&st.log, end) != 0)
		rc = KONG_EXIT_IO;
	if (summary)
		check_summary(&st, secs);
	if (st.log.errors > 0)
		fprintf(stderr, "kong check: %zu record%s could not be written to "
		    "%s: %s\n", st.log.errors, st.log.errors == 1 ? "" : "s",
		    st.log.path, strerror(st.log.last_errno));
	if (runner_interrupted(st.runner))
		fprintf(stderr, "kong check: interrupted; %zu pair%s not "
		    "started\n", st.nrun - st.ndone, st.nrun - st.ndone == 1 ?
		    "" : "s");
out:
	if (st.tick != NULL)
		event_free(st.tick);
	if (st.runner != NULL)
		runner_free(st.runner);
	engine_free(e);
	for (i = 0; i < st.npairs; i++) {
		free(st.pairs[i].connect_to);
		free(st.pairs[i].host);
		free_strv(st.pairs[i].servers);
	}
	free(st.pairs);
	buf_free(&st.line);
	map_free(&resolve_lists, check_free_list);
	if (st.log.path != NULL)
		record_close(&st.log);
	free(st.run_id);
	free(log_path);
	free_strv(cli_resolve);
	inventory_free(inv);
	cli_common_free(&c);
	return (rc);
usage:
	rc = KONG_EXIT_USAGE;
	goto out;
}

const struct cli_cmd cli_check_cmd = {
	"check",
	"[-c INVENTORY] [SELECTORS] [OPTIONS]",
	"run every selected test on every selected site (the sweep)",
	"Runs the (site, test) pairs of the inventory concurrently and appends\n"
	"one JSON record per result to the log (docs/jsonl.md). Sites with\n"
	"live = no are recorded as skipped. Exit status: 0 all passed, 1 a check\n"
	"failed, 2 usage/inventory/template/script error (nothing ran), 3 the\n"
	"log could not be written, 4 interrupted (SIGINT/SIGTERM).\n\n"
	CLI_SELECTOR_HELP
	"      --dry-run         list the pairs instead of running them\n"
	"      --per-server      check a site once per server, connecting to the\n"
	"                        server's address with the site's host name\n"
	"      --resolve HOST:PORT:ADDRESS  pin a name to an address (repeatable)\n"
	"  -j, --concurrency N   sessions in flight (default 100)\n"
	"      --host-cap N      at most N in flight per host (default: no cap)\n"
	"      --server-cap N    at most N in flight per server (default: no cap)\n"
	"      --timeout DUR     per-request timeout (default 30s)\n"
	"      --connect-timeout DUR  per-connection timeout (default 10s)\n"
	"      --deadline DUR    per-script deadline (default 2m)\n"
	"      --retries N       run again after a network failure (default 0)\n"
	"      --retry-5xx       a 5xx response counts as a network failure\n"
	"      --log FILE        append results to FILE (- for standard output;\n"
	"                        default: [kong] log, else kong.jsonl beside the\n"
	"                        inventory)\n"
	"      --insecure        do not verify TLS certificates\n"
	"      --grace DUR       time in-flight checks get on SIGTERM (default 5s)\n"
	"  -q, --quiet           no progress line, no summary (for cron)\n"
	"      --summary         print the summary even when not on a terminal\n"
	"      --no-progress     no progress line\n",
	check_exec,
};
