/*
 * cli-bench.c: kong bench: the checks as a load test; kong bench compare
 * and kong bench merge on the reports it writes.
 *
 * Options and output only: the load itself is bench.c. The terminal gets
 * a progress line once a second and a table at the end; --json writes the
 * report with its histograms (bench-report.c), --percentiles the latency
 * spectrum in HdrHistogram's format, and --fail-if turns thresholds into
 * the exit status.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"

enum {
	BENCH_O_SESSIONS = 1000,
	BENCH_O_RATE,
	BENCH_O_DURATION,
	BENCH_O_ITERATIONS,
	BENCH_O_WARMUP,
	BENCH_O_RAMP,
	BENCH_O_MAX_IN_FLIGHT,
	BENCH_O_LATE,
	BENCH_O_NEW_CONNECTIONS,
	BENCH_O_PER_SERVER,
	BENCH_O_JSON,
	BENCH_O_PERCENTILES,
	BENCH_O_FAIL_IF,
	BENCH_O_QUIET,
	BENCH_O_MIN_CHANGE,
	BENCH_O_OUTPUT,
};

static const struct cli_option bench_options[] = {
	{ "sessions", 0, CLI_ARG, "N", "closed loop: N sessions, each starting "
	    "its next iteration when the last ends (default 10)",
	    BENCH_O_SESSIONS },
	{ "rate", 0, CLI_ARG, "R", "open loop: R iterations a second (R, R/s "
	    "or R/m); latency counts from when each was due",
	    BENCH_O_RATE },
	{ "duration", 0, CLI_ARG, "DUR", "how long to measure, after the "
	    "warmup (default 10s)", BENCH_O_DURATION },
	{ "iterations", 0, CLI_ARG, "N", "stop after N measured iterations "
	    "instead", BENCH_O_ITERATIONS },
	{ "warmup", 0, CLI_ARG, "DUR", "run this long first without counting "
	    "(default 0)", BENCH_O_WARMUP },
	{ "ramp", 0, CLI_ARG, "DUR", "rise to the rate or sessions over this "
	    "long (default 0)", BENCH_O_RAMP },
	{ "max-in-flight", 0, CLI_ARG, "N", "open loop: at most N iterations "
	    "at once (default 1000)", BENCH_O_MAX_IN_FLIGHT },
	{ "late-after", 0, CLI_ARG, "DUR", "open loop: a start this long after "
	    "it was due counts as late (default 10ms)", BENCH_O_LATE },
	{ "new-connections", 0, CLI_NOARG, NULL, "a new connection for every "
	    "request (the cold path); default: keep-alive",
	    BENCH_O_NEW_CONNECTIONS },
	{ "per-server", 0, CLI_NOARG, NULL, "each site once per server, as "
	    "check --per-server", BENCH_O_PER_SERVER },
	{ "json", 0, CLI_ARG, "FILE", "write the report with its histograms "
	    "(mergeable; for kong bench compare)", BENCH_O_JSON },
	{ "percentiles", 0, CLI_ARG, "FILE", "write the latency spectrum "
	    "(HdrHistogram's percentile distribution, ms)",
	    BENCH_O_PERCENTILES },
	{ "fail-if", 0, CLI_ARG, "EXPR", "thresholds that must hold, such as "
	    "'p99<300ms,errors<0.1%': exit 1 when one is missed",
	    BENCH_O_FAIL_IF },
	{ "quiet", 'q', CLI_NOARG, NULL, "no progress line, no table",
	    BENCH_O_QUIET },
	{ "min-change", 0, CLI_ARG, "PERCENT", "compare: smallest change "
	    "worth flagging (default 5%)", BENCH_O_MIN_CHANGE },
	{ "output", 'o', CLI_ARG, "FILE", "merge: where the merged report "
	    "goes (default standard output)", BENCH_O_OUTPUT },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

/* A latency for people: 3 significant digits, in ms. */
static void
bench_ms(char *out, size_t len, int64_t us)
{
	double	ms = us / 1000.0;

	if (ms < 1)
		snprintf(out, len, "%.3fms", ms);
	else if (ms < 10)
		snprintf(out, len, "%.2fms", ms);
	else if (ms < 100)
		snprintf(out, len, "%.1fms", ms);
	else
		snprintf(out, len, "%.0fms", ms);
}

/* A duration with a unit (us, ms, s, m) in microseconds; 0 or -1. */
static int
bench_parse_us(const char *s, double *us)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || v < 0 || v != v)
		return (-1);
	if (strcmp(end, "us") == 0)
		*us = v;
	else if (strcmp(end, "ms") == 0)
		*us = v * 1e3;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		*us = v * 1e6;
	else if (strcmp(end, "m") == 0)
		*us = v * 6e7;
	else
		return (-1);
	return (0);
}

/* --rate: R, R/s or R/m, in iterations a second; 0 or -1. */
static int
bench_parse_rate(const char *s, double *rate)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !(v > 0) || v > 1e7)
		return (-1);
	if (*end == '\0' || strcmp(end, "/s") == 0)
		*rate = v;
	else if (strcmp(end, "/m") == 0 || strcmp(end, "/min") == 0)
		*rate = v / 60;
	else
		return (-1);
	return (0);
}

/* One line of the table: count, errors, rate and the latencies. */
static void
bench_row(FILE *f, const char *name, const struct bench_target *t,
    const struct bench_report *r, int raw)
{
	static const double	 ps[] = { 50, 90, 99, 99.9 };
	const struct histogram	*h = raw ? &t->latency_raw : &t->latency;
	char			 v[32];
	size_t			 i;

	fprintf(f, "%-28s %9llu %7llu %9.1f", name, (unsigned long long)t->count,
	    (unsigned long long)t->errors, r->duration_us > 0 ?
	    (double)t->count * 1e6 / (double)r->duration_us : 0.0);
	bench_ms(v, sizeof v, t->count > 0 ? h->min : 0);
	fprintf(f, " %9s", v);
	bench_ms(v, sizeof v, (int64_t)histogram_mean(h));
	fprintf(f, " %9s", v);
	for (i = 0; i < nitems(ps); i++) {
		bench_ms(v, sizeof v, histogram_percentile(h, ps[i]));
		fprintf(f, " %9s", v);
	}
	bench_ms(v, sizeof v, h->max);
	fprintf(f, " %9s\n", v);
}

/* The errors of a target by class, as "net 3, http 1". */
static void
bench_classes(FILE *f, const struct bench_target *t)
{
	size_t	i;
	int	first = 1;

	for (i = 0; i < ERR__COUNT; i++) {
		if (t->by_class[i] == 0)
			continue;
		fprintf(f, "%s%s %llu", first ? "    errors: " : ", ",
		    i == ERR_NONE ? "cancelled" : error_class_name(i),
		    (unsigned long long)t->by_class[i]);
		first = 0;
	}
	if (!first)
		fputc('\n', f);
}

/* The table at the end of a run. */
static void
bench_table(FILE *f, const struct bench_report *r)
{
	struct bench_target	 all;
	char			 name[160], lat[32];
	size_t			 i, k, p;
	const struct bench_step	*st;
	double			 cpu;

	cpu = r->cpu_requests > 0 ? r->cpu_us / (double)r->cpu_requests : 0;
	fprintf(f, "kong bench: %s loop, ", r->open ? "open" : "closed");
	if (r->open)
		fprintf(f, "%.1f/s wanted, %.1f/s achieved", r->rate,
		    bench_achieved_rate(r));
	else
		fprintf(f, "%ld sessions, %.1f/s", r->sessions,
		    bench_achieved_rate(r));
	fprintf(f, ", %.2fs measured (%.2fs warmup), %llu iterations, %llu "
	    "requests, CPU %.1f us/request, peak RSS %llu MB%s\n",
	    r->duration_us / 1e6, r->warmup_us / 1e6,
	    (unsigned long long)r->iterations,
	    (unsigned long long)r->requests, cpu,
	    (unsigned long long)r->peak_rss_kb / 1024,
	    r->new_connections ? ", new connections" : "");
	if (r->open)
		fprintf(f, "  %llu late starts, %llu dropped\n",
		    (unsigned long long)r->late, (unsigned long long)r->dropped);
	fprintf(f, "\n%-28s %9s %7s %9s %9s %9s %9s %9s %9s %9s %9s\n", "PAIR",
	    "COUNT", "ERRORS", "PER SEC", "MIN", "MEAN", "P50", "P90", "P99",
	    "P99.9", "MAX");
	for (i = 0; i < r->ntargets; i++) {
		const struct bench_target *t = &r->targets[i];

		snprintf(name, sizeof name, "%s %s%s%s", t->site, t->test,
		    t->server != NULL ? "@" : "", t->server != NULL ?
		    t->server : "");
		bench_row(f, name, t, r, 0);
		if (r->open)
			bench_row(f, "  uncorrected", t, r, 1);
		bench_classes(f, t);
		for (k = 0; k < t->nsteps; k++) {
			st = &t->steps[k];
			fprintf(f, "  %zu %s (line %d):", k + 1, st->command,
			    st->line);
			for (p = BENCH_FIRST_BYTE; p <= BENCH_TOTAL; p++) {
				bench_ms(lat, sizeof lat, histogram_percentile(
				    &st->phase[p], 50));
				fprintf(f, " %s p50 %s", bench_phase_names[p], lat);
				bench_ms(lat, sizeof lat, histogram_percentile(
				    &st->phase[p], 99));
				fprintf(f, " p99 %s%s", lat, p < BENCH_TOTAL ?
				    ";" : "");
			}
			fputc('\n', f);
		}
	}
	if (r->ntargets > 1) {
		bench_target_total(r, &all);
		bench_row(f, "all", &all, r, 0);
		if (r->open)
			bench_row(f, "  uncorrected", &all, r, 1);
		bench_classes(f, &all);
		bench_target_clear(&all);
	}
}

/* A metric of the whole run for --fail-if; -1 if it has no such metric. */
static int
bench_metric(const struct bench_report *r, const struct bench_target *all,
    const char *name, double *v, int *is_time)
{
	char	*end;
	double	 p;

	*is_time = 1;
	if (name[0] == 'p' && isdigit((unsigned char)name[1])) {
		p = strtod(name + 1, &end);
		if (*end != '\0' || p <= 0 || p > 100)
			return (-1);
		*v = (double)histogram_percentile(&all->latency, p);
	} else if (strcmp(name, "max") == 0)
		*v = (double)all->latency.max;
	else if (strcmp(name, "min") == 0)
		*v = all->count > 0 ? (double)all->latency.min : 0;
	else if (strcmp(name, "mean") == 0)
		*v = histogram_mean(&all->latency);
	else {
		*is_time = 0;
		if (strcmp(name, "errors") == 0)
			*v = (double)all->errors;
		else if (strcmp(name, "rate") == 0)
			*v = bench_achieved_rate(r);
		else if (strcmp(name, "late") == 0)
			*v = (double)r->late;
		else if (strcmp(name, "dropped") == 0)
			*v = (double)r->dropped;
		else
			return (-1);
	}
	return (0);
}

/*
 * Check --fail-if's thresholds: each term METRIC OP VALUE must hold
 * (p99<300ms, errors<0.1%, rate>=95). Prints the missed ones. Returns
 * the number missed, or -1 after a usage error (with cmd NULL: checking
 * only the syntax).
 */
static int
bench_fail_if(const struct cli_cmd *cmd, const char *expr,
    const struct bench_report *r, FILE *f)
{
	struct bench_target	 all;
	char			*copy, *term, *save, *op, *val, name[32];
	const char		*ops[] = { "<=", ">=", "<", ">" };
	double			 got, want, scale;
	size_t			 i, n;
	int			 missed = 0, is_time, holds, pct;

	memset(&all, 0, sizeof all);
	if (r != NULL)
		bench_target_total(r, &all);
	copy = xstrdup(expr);
	for (term = strtok_r(copy, ",", &save); term != NULL;
	    term = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*term))
			term++;
		for (op = NULL, i = 0; i < nitems(ops) && op == NULL; i++)
			op = strstr(term, ops[i]);
		for (i = 0; op != NULL && i < nitems(ops); i++) {
			if (strncmp(op, ops[i], strlen(ops[i])) == 0)
				break;
		}
		n = op != NULL ? (size_t)(op - term) : 0;
		while (n > 0 && isspace((unsigned char)term[n - 1]))
			n--;
		if (op == NULL || n == 0 || n >= sizeof name) {
			missed = -1;
			cli_usage(cmd, "--fail-if: '%s' is not METRIC<VALUE "
			    "(such as p99<300ms, errors<0.1%%, rate>=95)", term);
			break;
		}
		memcpy(name, term, n);
		name[n] = '\0';
		val = op + strlen(ops[i]);
		while (isspace((unsigned char)*val))
			val++;
		pct = *val != '\0' && val[strlen(val) - 1] == '%';
		if (bench_metric(r != NULL ? r : &(struct bench_report){ 0 },
		    &all, name, &got, &is_time) != 0) {
			missed = -1;
			cli_usage(cmd, "--fail-if: no metric '%s' (p50, p90, p99, "
			    "p99.9 or any pN, min, mean, max, errors, rate, late, "
			    "dropped)", name);
			break;
		}
		if (is_time ? bench_parse_us(val, &want) != 0 :
		    (want = strtod(val, NULL), (pct && strcmp(name, "errors") !=
		    0) || !isdigit((unsigned char)*val))) {
			missed = -1;
			cli_usage(cmd, "--fail-if: '%s' is not a %s", val,
			    is_time ? "duration (300ms, 1s, 500us)" :
			    "number (or a percentage of the iterations, for "
			    "errors)");
			break;
		}
		if (r == NULL)
			continue;
		scale = pct ? (double)all.count / 100 : 1;
		want *= scale;
		switch (i) {
		case 0:
			holds = got <= want;
			break;
		case 1:
			holds = got >= want;
			break;
		case 2:
			holds = got < want;
			break;
		default:
			holds = got > want;
			break;
		}
		if (!holds) {
			missed++;
			if (is_time)
				fprintf(f, "kong bench: missed %s: %s is %.3fms\n",
				    term, name, got / 1000);
			else
				fprintf(f, "kong bench: missed %s: %s is %g%s\n",
				    term, name, pct ? got / scale : got,
				    pct ? "%" : "");
		}
	}
	free(copy);
	if (r != NULL)
		bench_target_clear(&all);
	return (missed);
}

struct bench_state {
	struct engine	*engine;
	struct bench	*bench;
	struct event	*tick;
	int		 progress;
	long		 duration_ms;
};

static void
bench_tick_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct bench_state	*st = arg;
	uint64_t		 it, err, p99;
	int64_t			 el;
	char			 v[32];

	(void)fd;
	(void)kind;
	bench_progress(st->bench, &it, &err, &p99, &el);
	bench_ms(v, sizeof v, (int64_t)p99);
	if (el < 0)
		fprintf(stderr, "\r\033[Kwarming up, %.0fs left", -el / 1e6);
	else
		fprintf(stderr, "\r\033[K[%.0fs/%lds] %llu iterations, %.0f/s, "
		    "p99 %s, %llu errors", el / 1e6, st->duration_ms / 1000,
		    (unsigned long long)it, el > 0 ? it * 1e6 / el : 0.0, v,
		    (unsigned long long)err);
	fflush(stderr);
}

static void
bench_signal_cb(evutil_socket_t sig, short kind, void *arg)
{
	struct bench_state	*st = arg;

	(void)sig;
	(void)kind;
	bench_interrupt(st->bench);
}

static void
bench_done_cb(struct bench *b, void *arg)
{
	struct bench_state	*st = arg;

	(void)b;
	event_base_loopbreak(engine_base(st->engine));
}

/* Run the bench on a loop of our own. */
static void
bench_loop(struct bench_state *st)
{
	struct event_base	*base = engine_base(st->engine);
	struct event		*sigint, *sigterm;
	struct timeval		 tv = { 1, 0 };

	sigint = evsignal_new(base, SIGINT, bench_signal_cb, st);
	sigterm = evsignal_new(base, SIGTERM, bench_signal_cb, st);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	if (st->progress) {
		st->tick = event_new(base, -1, EV_PERSIST, bench_tick_cb, st);
		evtimer_add(st->tick, &tv);
	}
	bench_start(st->bench, bench_done_cb, st);
	event_base_dispatch(base);
	if (st->tick != NULL) {
		event_free(st->tick);
		fputs("\r\033[K", stderr);
	}
	event_free(sigint);
	event_free(sigterm);
}

/* Write json to path ("-": standard output). Returns 0 or -1 (said). */
static int
bench_write_json(json_t *j, const char *path)
{
	int	rc;

	if (strcmp(path, "-") == 0) {
		rc = json_dumpf(j, stdout, JSON_COMPACT);
		fputc('\n', stdout);
	} else
		rc = json_dump_file(j, path, JSON_COMPACT);
	if (rc != 0) {
		fprintf(stderr, "kong bench: cannot write %s: %s\n", path,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/* --percentiles: the spectrum of every pair together. */
static int
bench_write_spectrum(const struct bench_report *r, const char *path)
{
	struct bench_target	 all;
	FILE			*f;

	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "kong bench: cannot write %s: %s\n", path,
		    strerror(errno));
		return (-1);
	}
	bench_target_total(r, &all);
	histogram_spectrum(&all.latency, f, 1000);
	bench_target_clear(&all);
	if (fclose(f) != 0) {
		fprintf(stderr, "kong bench: cannot write %s: %s\n", path,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/* Read a report written by --json. Returns 0, or -1 (said). */
static int
bench_read(const char *path, struct bench_report *r)
{
	json_error_t	 err;
	json_t		*j;
	char		*cause;

	if ((j = json_load_file(path, 0, &err)) == NULL) {
		fprintf(stderr, "%s:%d:%d: error: %s\n", path, err.line,
		    err.column, err.text);
		return (-1);
	}
	if (bench_report_from_json(r, j, &cause) != 0) {
		fprintf(stderr, "%s: error: %s\n", path, cause);
		free(cause);
		json_decref(j);
		return (-1);
	}
	json_decref(j);
	return (0);
}

/* kong bench merge A.json B.json... [-o OUT]. */
static int
bench_merge(struct cli_args *a, const char *out)
{
	struct bench_report	 sum, one;
	char			*cause;
	json_t			*j;
	int			 i, rc;

	memset(&sum, 0, sizeof sum);
	for (i = 1; i < a->argc; i++) {
		if (bench_read(a->argv[i], &one) != 0) {
			bench_report_free(&sum);
			return (KONG_EXIT_USAGE);
		}
		if (bench_report_add(&sum, &one, &cause) != 0) {
			fprintf(stderr, "kong bench merge: %s: %s\n", a->argv[i],
			    cause);
			free(cause);
			bench_report_free(&one);
			bench_report_free(&sum);
			return (KONG_EXIT_USAGE);
		}
		bench_report_free(&one);
	}
	j = bench_report_json(&sum);
	rc = bench_write_json(j, out != NULL ? out : "-") == 0 ? KONG_EXIT_OK :
	    KONG_EXIT_IO;
	json_decref(j);
	bench_report_free(&sum);
	return (rc);
}

/*
 * The 95 % interval of percentile p in h from the binomial spread of its
 * rank: the sampling noise of a run, known from the run alone.
 */
static void
bench_interval(const struct histogram *h, double p, int64_t *lo, int64_t *hi)
{
	double	n = (double)h->count, q = p / 100, sd = sqrt(n * q * (1 - q));
	double	rlo = (n * q - 1.96 * sd) / n * 100, rhi = (n * q + 1.96 * sd) /
		    n * 100;

	*lo = histogram_percentile(h, rlo > 0 ? rlo : 0);
	*hi = histogram_percentile(h, rhi < 100 ? rhi : 100);
}

/* One line of compare; returns 1 if it is flagged as worse. */
static int
bench_compare_line(const char *what, const struct histogram *ha,
    const struct histogram *hb, double p, double min_change)
{
	int64_t	va, vb, alo, ahi, blo, bhi;
	double	change;
	char	sa[32], sb[32];
	int	beyond;

	va = histogram_percentile(ha, p);
	vb = histogram_percentile(hb, p);
	bench_interval(ha, p, &alo, &ahi);
	bench_interval(hb, p, &blo, &bhi);
	change = va > 0 ? 100.0 * (double)(vb - va) / (double)va : 0;
	beyond = (blo > ahi || bhi < alo) && fabs(change) >= min_change;
	bench_ms(sa, sizeof sa, va);
	bench_ms(sb, sizeof sb, vb);
	printf("  %-24s p%-5g %10s %10s %+8.1f%%%s\n", what, p, sa, sb, change,
	    beyond ? (change > 0 ? "  * slower, beyond noise" :
	    "  * faster, beyond noise") : "");
	return (beyond && change > 0);
}

/* kong bench compare A.json B.json: what changed beyond the noise. */
static int
bench_compare(struct cli_args *a, double min_change)
{
	static const double	 ps[] = { 50, 90, 99, 99.9 };
	struct bench_report	 ra, rb;
	struct bench_target	 ta, tb;
	const struct bench_target *x, *y;
	char			 name[160];
	size_t			 i, k, p;
	int			 worse = 0;
	double			 ea, eb;

	if (a->argc != 3) {
		fprintf(stderr, "kong bench compare: needs two reports "
		    "(A.json B.json)\n");
		return (KONG_EXIT_USAGE);
	}
	if (bench_read(a->argv[1], &ra) != 0)
		return (KONG_EXIT_USAGE);
	if (bench_read(a->argv[2], &rb) != 0) {
		bench_report_free(&ra);
		return (KONG_EXIT_USAGE);
	}
	printf("kong bench compare: A %s, B %s (flagged: the 95%% intervals "
	    "do not overlap and the change is at least %g%%)\n", a->argv[1],
	    a->argv[2], min_change);
	printf("  %-24s %-6s %10s %10s %9s\n", "PAIR", "", "A", "B", "CHANGE");
	bench_target_total(&ra, &ta);
	bench_target_total(&rb, &tb);
	for (p = 0; p < nitems(ps); p++)
		worse |= bench_compare_line("all", &ta.latency, &tb.latency, ps[p],
		    min_change);
	ea = ta.count > 0 ? 100.0 * (double)ta.errors / (double)ta.count : 0;
	eb = tb.count > 0 ? 100.0 * (double)tb.errors / (double)tb.count : 0;
	printf("  %-24s %-6s %9.2f%% %9.2f%%\n", "all", "errors", ea, eb);
	printf("  %-24s %-6s %10.1f %10.1f %+8.1f%%\n", "all", "rate",
	    bench_achieved_rate(&ra), bench_achieved_rate(&rb),
	    bench_achieved_rate(&ra) > 0 ? 100 * (bench_achieved_rate(&rb) -
	    bench_achieved_rate(&ra)) / bench_achieved_rate(&ra) : 0.0);
	worse |= eb > ea + 0.1 && tb.errors > 0;
	bench_target_clear(&ta);
	bench_target_clear(&tb);
	for (i = 0; i < ra.ntargets; i++) {
		x = &ra.targets[i];
		for (y = NULL, k = 0; k < rb.ntargets && y == NULL; k++) {
			if (strcmp(rb.targets[k].site, x->site) == 0 &&
			    strcmp(rb.targets[k].test, x->test) == 0 &&
			    (x->server == NULL ? rb.targets[k].server == NULL :
			    rb.targets[k].server != NULL &&
			    strcmp(rb.targets[k].server, x->server) == 0))
				y = &rb.targets[k];
		}
		if (y == NULL)
			continue;
		snprintf(name, sizeof name, "%s %s", x->site, x->test);
		for (p = 0; p < nitems(ps); p++)
			worse |= bench_compare_line(name, &x->latency,
			    &y->latency, ps[p], min_change);
	}
	bench_report_free(&ra);
	bench_report_free(&rb);
	return (worse ? KONG_EXIT_FAILED : KONG_EXIT_OK);
}

/* The options of a run into cfg; 0, or an exit status after a usage error. */
static int
bench_options_set(const struct cli_cmd *cmd, struct cli_args *a,
    struct bench_config *cfg, const char **json, const char **spectrum,
    const char **fail_if, int *quiet, double *min_change, const char **out)
{
	const char	*arg;
	double		 us;
	long		 n;
	size_t		 i;
	int		 sessions = 0;

	for (i = 0; i < a->nopts; i++) {
		arg = a->opts[i].arg;
		switch (a->opts[i].id) {
		case BENCH_O_SESSIONS:
			if (cli_number(cmd, "--sessions", arg, 1, 100000,
			    &cfg->sessions) != 0)
				return (KONG_EXIT_USAGE);
			sessions = 1;
			break;
		case BENCH_O_RATE:
			if (bench_parse_rate(arg, &cfg->rate) != 0)
				return (cli_usage(cmd, "--rate: '%s' is not a rate "
				    "(such as 200, 200/s or 600/m)", arg));
			cfg->open = 1;
			break;
		case BENCH_O_DURATION:
		case BENCH_O_WARMUP:
		case BENCH_O_RAMP:
		case BENCH_O_LATE:
			if (bench_parse_us(arg, &us) != 0 || us > 864e8)
				return (cli_usage(cmd, "'%s' is not a duration "
				    "(such as 500ms, 30s or 2m)", arg));
			n = (long)(us / 1000 + 0.5);
			if (a->opts[i].id == BENCH_O_DURATION)
				cfg->duration_ms = n;
			else if (a->opts[i].id == BENCH_O_WARMUP)
				cfg->warmup_ms = n;
			else if (a->opts[i].id == BENCH_O_RAMP)
				cfg->ramp_ms = n;
			else
				cfg->late_ms = n;
			break;
		case BENCH_O_ITERATIONS:
			if (cli_number(cmd, "--iterations", arg, 1, 1000000000,
			    &n) != 0)
				return (KONG_EXIT_USAGE);
			cfg->iterations = (uint64_t)n;
			break;
		case BENCH_O_MAX_IN_FLIGHT:
			if (cli_number(cmd, "--max-in-flight", arg, 1, 100000,
			    &cfg->max_in_flight) != 0)
				return (KONG_EXIT_USAGE);
			break;
		case BENCH_O_NEW_CONNECTIONS:
			cfg->new_connections = 1;
			break;
		case BENCH_O_PER_SERVER:
			cfg->per_server = 1;
			break;
		case BENCH_O_JSON:
			*json = arg;
			break;
		case BENCH_O_PERCENTILES:
			*spectrum = arg;
			break;
		case BENCH_O_FAIL_IF:
			*fail_if = arg;
			if (bench_fail_if(cmd, arg, NULL, stderr) < 0)
				return (KONG_EXIT_USAGE);
			break;
		case BENCH_O_QUIET:
			*quiet = 1;
			break;
		case BENCH_O_MIN_CHANGE:
			*min_change = strtod(arg, NULL);
			if (!(*min_change >= 0) || !isdigit((unsigned char)*arg))
				return (cli_usage(cmd, "--min-change: '%s' is not "
				    "a percentage", arg));
			break;
		case BENCH_O_OUTPUT:
			*out = arg;
			break;
		}
	}
	if (sessions && cfg->open)
		return (cli_usage(cmd, "--sessions and --rate are two models; "
		    "pick one"));
	return (0);
}

static int
bench_exec(const struct cli_cmd *cmd, struct cli_args *a)
{
	struct bench_config	 cfg;
	struct bench_state	 st;
	struct inventory	*inv;
	struct settings		 set;
	const struct bench_report *r;
	const char		*json = NULL, *spectrum = NULL, *fail_if = NULL;
	const char		*out = NULL;
	double			 min_change = 5;
	int			 quiet = 0, rc = KONG_EXIT_OK, missed;
	json_t			*j;

	memset(&cfg, 0, sizeof cfg);
	cfg.sessions = 10;
	cfg.duration_ms = 10000;
	cfg.max_in_flight = 1000;
	cfg.late_ms = 10;
	if ((rc = bench_options_set(cmd, a, &cfg, &json, &spectrum, &fail_if,
	    &quiet, &min_change, &out)) != 0)
		return (rc);
	if (a->argc > 0 && strcmp(a->argv[0], "compare") == 0)
		return (bench_compare(a, min_change));
	if (a->argc > 0 && strcmp(a->argv[0], "merge") == 0)
		return (bench_merge(a, out));
	if (a->argc > 0)
		return (cli_usage(cmd, "unexpected argument '%s' (the "
		    "subcommands are compare and merge)", a->argv[0]));
	if ((inv = cli_load(a)) == NULL)
		return (KONG_EXIT_USAGE);
	settings_copy(&set, &inv->settings);
	cli_apply_settings(a, &set);
	cfg.inv = inv;
	cfg.sel = &a->sel;
	cfg.set = &set;
	memset(&st, 0, sizeof st);
	st.engine = engine_create();
	st.bench = bench_create(st.engine, &cfg);
	st.progress = !quiet && isatty(STDERR_FILENO);
	st.duration_ms = cfg.duration_ms;
	if (bench_npairs(st.bench) == 0) {
		fprintf(stderr, "kong bench: no live (site, test) pair is "
		    "selected (see kong list --pairs)\n");
		rc = KONG_EXIT_USAGE;
		goto out;
	}
	if (bench_compile(st.bench, stderr) > 0) {
		fprintf(stderr, "kong bench: a script did not compile; nothing "
		    "ran\n");
		rc = KONG_EXIT_USAGE;
		goto out;
	}
	bench_loop(&st);
	r = bench_result(st.bench);
	if (!quiet)
		bench_table(stdout, r);
	if (json != NULL) {
		j = bench_report_json(r);
		if (bench_write_json(j, json) != 0)
			rc = KONG_EXIT_IO;
		json_decref(j);
	}
	if (spectrum != NULL && bench_write_spectrum(r, spectrum) != 0)
		rc = KONG_EXIT_IO;
	if (r->open && !r->interrupted && bench_achieved_rate(r) < 0.95 *
	    cfg.rate) {
		fprintf(stderr, "kong bench: achieved %.1f/s, below 95%% of the "
		    "%.1f/s asked for (%llu late, %llu dropped): the numbers "
		    "describe the client as much as the fleet\n",
		    bench_achieved_rate(r), cfg.rate,
		    (unsigned long long)r->late, (unsigned long long)r->dropped);
		if (rc == KONG_EXIT_OK)
			rc = KONG_EXIT_FAILED;
	}
	if (fail_if != NULL && (missed = bench_fail_if(cmd, fail_if, r,
	    stderr)) > 0 && rc == KONG_EXIT_OK)
		rc = KONG_EXIT_FAILED;
	if (r->interrupted && rc == KONG_EXIT_OK)
		rc = KONG_EXIT_INTERRUPTED;
out:
	bench_free(st.bench);
	engine_free(st.engine);
	settings_free(&set);
	inventory_free(inv);
	return (rc);
}

const struct cli_cmd cli_bench_cmd = {
	"bench",
	"[-c INVENTORY] [SELECTORS] [--sessions N | --rate R] [--duration DUR "
	"| --iterations N] [OPTIONS]\n"
	"       kong bench compare A.json B.json\n"
	"       kong bench merge A.json B.json... [-o FILE]",
	"run the selected checks over and over as a load test",
	"Runs each selected (site, test) pair in turn, over and over: with\n"
	"--sessions N (closed loop) N at a time, each starting the next when\n"
	"the last ends; with --rate R (open loop) at a fixed arrival rate,\n"
	"each iteration's latency counted from when it was due (corrected for\n"
	"coordinated omission, the latency from its actual start beside it).\n"
	"A failed check counts as an error with its class. Prints per pair,\n"
	"and per step, min/mean/p50/p90/p99/p99.9/max from histograms of 3\n"
	"significant digits that --json writes and merge adds exactly.\n"
	"compare flags what changed beyond a run's own sampling noise.\n"
	"Exit status: 1 when a --fail-if threshold is missed or an open loop\n"
	"achieved less than 95% of its rate (compare: something got slower).",
	CLI_SELECTORS | CLI_BENCH,
	bench_options,
	-1,
	bench_exec,
};
