/*
 * bench-report.c: a bench run's numbers (struct bench_report): as JSON
 * (kong bench --json), read back, and added together across runs and
 * machines. Adding is exact: counts add and histograms add bucket by
 * bucket; the measured window of merged reports is the longest one, since
 * merged reports are taken to be machines loading the fleet at once.
 */
#include "bench.h"

const char *const bench_phase_names[BENCH__NPHASES] = {
#define BENCH_PHASE_NAME(e, s) [BENCH_##e] = s,
	BENCH_PHASES(BENCH_PHASE_NAME)
#undef BENCH_PHASE_NAME
};

/* Free what a target holds. */
void
bench_target_clear(struct bench_target *t)
{
	size_t	i, k;

	free(t->site);
	free(t->test);
	free(t->server);
	histogram_free(&t->latency);
	histogram_free(&t->latency_raw);
	for (i = 0; i < t->nsteps; i++) {
		free(t->steps[i].command);
		for (k = 0; k < BENCH__NPHASES; k++)
			histogram_free(&t->steps[i].phase[k]);
	}
	free(t->steps);
	memset(t, 0, sizeof *t);
}

/* Free what a report holds. */
void
bench_report_free(struct bench_report *r)
{
	size_t	i;

	for (i = 0; i < r->ntargets; i++)
		bench_target_clear(&r->targets[i]);
	free(r->targets);
	memset(r, 0, sizeof *r);
}

/* The percentiles people read, in microseconds (read only, for jq). */
static json_t *
bench_percentiles(const struct histogram *h)
{
	return (json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:f}",
	    "min", (json_int_t)(h->count > 0 ? h->min : 0),
	    "p50", (json_int_t)histogram_percentile(h, 50),
	    "p90", (json_int_t)histogram_percentile(h, 90),
	    "p99", (json_int_t)histogram_percentile(h, 99),
	    "p99.9", (json_int_t)histogram_percentile(h, 99.9),
	    "max", (json_int_t)h->max, "mean", histogram_mean(h)));
}

/* One pair's numbers as JSON. */
static json_t *
bench_target_json(const struct bench_target *t)
{
	json_t	*o, *classes, *steps, *st, *ph;
	size_t	 i, k;

	classes = json_object();
	for (i = 1; i < ERR__COUNT; i++) {
		if (t->by_class[i] > 0)
			json_object_set_new(classes,
			    error_class_name((enum error_class)i),
			    json_integer((json_int_t)t->by_class[i]));
	}
	if (t->by_class[ERR_NONE] > 0)
		json_object_set_new(classes, "none",
		    json_integer((json_int_t)t->by_class[ERR_NONE]));
	steps = json_array();
	for (i = 0; i < t->nsteps; i++) {
		ph = json_object();
		for (k = 0; k < BENCH__NPHASES; k++)
			json_object_set_new(ph, bench_phase_names[k],
			    histogram_json(&t->steps[i].phase[k]));
		st = json_pack("{s:s?, s:i, s:o}", "command",
		    t->steps[i].command, "line", t->steps[i].line, "phases", ph);
		json_array_append_new(steps, st);
	}
	o = json_pack("{s:s, s:s, s:s?, s:I, s:I, s:o, s:o, s:o, s:o}",
	    "site", t->site, "test", t->test, "server", t->server,
	    "count", (json_int_t)t->count, "errors", (json_int_t)t->errors,
	    "errors_by_class", classes, "latency", histogram_json(&t->latency),
	    "latency_uncorrected", histogram_json(&t->latency_raw),
	    "steps", steps);
	if (o == NULL)
		fatal("json_pack failed for a bench target");
	json_object_set_new(o, "percentiles_us", bench_percentiles(&t->latency));
	json_object_set_new(o, "percentiles_uncorrected_us",
	    bench_percentiles(&t->latency_raw));
	return (o);
}

/*
 * The report as JSON: what --json writes and kong bench compare reads. The
 * "all" object is every pair together, its histograms included, so that
 * scripts read the whole run's percentiles without adding histograms.
 */
json_t *
bench_report_json(const struct bench_report *r)
{
	struct bench_target	 all;
	json_t			*o, *targets;
	size_t			 i;

	targets = json_array();
	for (i = 0; i < r->ntargets; i++)
		json_array_append_new(targets, bench_target_json(&r->targets[i]));
	o = json_pack("{s:i, s:s, s:s, s:s, s:f, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:f, s:I, s:I, s:b, s:b, s:i, s:f, s:o}",
	    "schema", 1, "record", "bench", "kong", KONG_VERSION,
	    "model", r->open ? "open" : "closed", "rate", r->rate,
	    "sessions", (json_int_t)r->sessions,
	    "duration_us", (json_int_t)r->duration_us,
	    "warmup_us", (json_int_t)r->warmup_us,
	    "iterations", (json_int_t)r->iterations,
	    "requests", (json_int_t)r->requests,
	    "late", (json_int_t)r->late, "dropped", (json_int_t)r->dropped,
	    "cpu_us", r->cpu_us, "cpu_requests", (json_int_t)r->cpu_requests,
	    "peak_rss_kb", (json_int_t)r->peak_rss_kb,
	    "new_connections", r->new_connections,
	    "interrupted", r->interrupted, "machines", r->machines,
	    "achieved_rate", bench_achieved_rate(r), "targets", targets);
	if (o == NULL)
		fatal("json_pack failed for a bench report");
	bench_target_total(r, &all);
	json_object_set_new(o, "all", bench_target_json(&all));
	bench_target_clear(&all);
	return (o);
}

/* A histogram member of o into h (empty), or -1 and a cause. */
static int
bench_hist(json_t *o, const char *key, struct histogram *h, char **cause)
{
	json_t	*v = json_object_get(o, key);
	char	*why;

	histogram_init(h);
	if (v == NULL) {
		*cause = xstrfmt("no '%s' histogram", key);
		return (-1);
	}
	if (histogram_from_json(h, v, &why) != 0) {
		*cause = xstrfmt("'%s': %s", key, why);
		free(why);
		return (-1);
	}
	return (0);
}

static char *
bench_strdup(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return (s != NULL ? xstrdup(s) : NULL);
}

/* One pair's numbers from JSON. Returns 0, or -1 and a cause. */
static int
bench_target_from_json(struct bench_target *t, json_t *o, char **cause)
{
	json_t		*classes, *steps, *st, *ph, *v;
	const char	*name;
	enum error_class ec;
	size_t		 i, k;

	memset(t, 0, sizeof *t);
	histogram_init(&t->latency);
	histogram_init(&t->latency_raw);
	t->site = bench_strdup(o, "site");
	t->test = bench_strdup(o, "test");
	t->server = bench_strdup(o, "server");
	if (t->site == NULL || t->test == NULL) {
		*cause = xstrdup("a target without site or test");
		return (-1);
	}
	t->count = (uint64_t)json_integer_value(json_object_get(o, "count"));
	t->errors = (uint64_t)json_integer_value(json_object_get(o, "errors"));
	classes = json_object_get(o, "errors_by_class");
	json_object_foreach(classes, name, v) {
		if (strcmp(name, "none") == 0)
			ec = ERR_NONE;
		else if (error_class_parse(name, &ec) != 0)
			continue;
		t->by_class[ec] = (uint64_t)json_integer_value(v);
	}
	if (bench_hist(o, "latency", &t->latency, cause) != 0 ||
	    bench_hist(o, "latency_uncorrected", &t->latency_raw, cause) != 0)
		return (-1);
	steps = json_object_get(o, "steps");
	t->steps = xcalloc(json_array_size(steps) + 1, sizeof *t->steps);
	json_array_foreach(steps, i, st) {
		t->steps[i].command = bench_strdup(st, "command");
		t->steps[i].line = (int)json_integer_value(json_object_get(st,
		    "line"));
		t->nsteps++;
		ph = json_object_get(st, "phases");
		for (k = 0; k < BENCH__NPHASES; k++) {
			if (bench_hist(ph, bench_phase_names[k],
			    &t->steps[i].phase[k], cause) != 0)
				return (-1);
		}
	}
	return (0);
}

/*
 * A report from the JSON kong bench --json wrote (r empty). Returns 0, or
 * -1 and a cause.
 */
int
bench_report_from_json(struct bench_report *r, json_t *o, char **cause)
{
	json_t		*targets, *t;
	const char	*rec, *model;
	size_t		 i;

	memset(r, 0, sizeof *r);
	rec = json_string_value(json_object_get(o, "record"));
	model = json_string_value(json_object_get(o, "model"));
	if (rec == NULL || strcmp(rec, "bench") != 0 || model == NULL) {
		*cause = xstrdup("not a kong bench report (record \"bench\")");
		return (-1);
	}
	r->open = strcmp(model, "open") == 0;
#define BENCH_U(f) r->f = (uint64_t)json_integer_value(json_object_get(o, #f))
	BENCH_U(duration_us);
	BENCH_U(warmup_us);
	BENCH_U(iterations);
	BENCH_U(requests);
	BENCH_U(late);
	BENCH_U(dropped);
	BENCH_U(cpu_requests);
	BENCH_U(peak_rss_kb);
#undef BENCH_U
	r->rate = json_number_value(json_object_get(o, "rate"));
	r->sessions = (long)json_integer_value(json_object_get(o, "sessions"));
	r->cpu_us = json_number_value(json_object_get(o, "cpu_us"));
	r->new_connections = json_is_true(json_object_get(o,
	    "new_connections"));
	r->interrupted = json_is_true(json_object_get(o, "interrupted"));
	r->machines = (int)json_integer_value(json_object_get(o, "machines"));
	if (r->machines < 1)
		r->machines = 1;
	targets = json_object_get(o, "targets");
	r->targets = xcalloc(json_array_size(targets) + 1, sizeof *r->targets);
	json_array_foreach(targets, i, t) {
		r->ntargets++;
		if (bench_target_from_json(&r->targets[i], t, cause) != 0) {
			bench_report_free(r);
			return (-1);
		}
	}
	return (0);
}

static int
bench_same(const char *a, const char *b)
{
	return (a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0);
}

/* The target of dst for src's pair, made if it has none. */
static struct bench_target *
bench_target_for(struct bench_report *dst, const struct bench_target *src)
{
	struct bench_target	*t;
	size_t			 i;

	for (i = 0; i < dst->ntargets; i++) {
		t = &dst->targets[i];
		if (bench_same(t->site, src->site) && bench_same(t->test,
		    src->test) && bench_same(t->server, src->server))
			return (t);
	}
	dst->targets = xreallocarray(dst->targets, dst->ntargets + 1,
	    sizeof *dst->targets);
	t = &dst->targets[dst->ntargets++];
	memset(t, 0, sizeof *t);
	t->site = xstrdup(src->site);
	t->test = xstrdup(src->test);
	t->server = src->server != NULL ? xstrdup(src->server) : NULL;
	histogram_init(&t->latency);
	histogram_init(&t->latency_raw);
	return (t);
}

/*
 * Add src to dst, as machines that loaded the fleet at the same time.
 * Returns 0, or -1 and a cause when they cannot be added (another model,
 * or another script for the same pair).
 */
int
bench_report_add(struct bench_report *dst, const struct bench_report *src,
    char **cause)
{
	struct bench_target		*t;
	const struct bench_target	*s;
	size_t				 i, k, p;

	if (dst->machines > 0 && dst->open != src->open) {
		*cause = xstrdup("an open-loop and a closed-loop report do not "
		    "add up");
		return (-1);
	}
	for (i = 0; i < src->ntargets; i++) {
		s = &src->targets[i];
		t = bench_target_for(dst, s);
		for (k = 0; k < s->nsteps && k < t->nsteps; k++) {
			if (t->steps[k].line != s->steps[k].line ||
			    !bench_same(t->steps[k].command, s->steps[k].command)) {
				*cause = xstrfmt("%s %s: step %zu is %s at line %d "
				    "in one report, %s at line %d in the other",
				    s->site, s->test, k + 1, t->steps[k].command,
				    t->steps[k].line, s->steps[k].command,
				    s->steps[k].line);
				return (-1);
			}
		}
		if (s->nsteps > t->nsteps) {
			t->steps = xreallocarray(t->steps, s->nsteps,
			    sizeof *t->steps);
			for (k = t->nsteps; k < s->nsteps; k++) {
				memset(&t->steps[k], 0, sizeof t->steps[k]);
				t->steps[k].command = s->steps[k].command != NULL ?
				    xstrdup(s->steps[k].command) : NULL;
				t->steps[k].line = s->steps[k].line;
				for (p = 0; p < BENCH__NPHASES; p++)
					histogram_init(&t->steps[k].phase[p]);
			}
			t->nsteps = s->nsteps;
		}
		for (k = 0; k < s->nsteps; k++) {
			for (p = 0; p < BENCH__NPHASES; p++)
				histogram_add(&t->steps[k].phase[p],
				    &s->steps[k].phase[p]);
		}
		t->count += s->count;
		t->errors += s->errors;
		for (k = 0; k < ERR__COUNT; k++)
			t->by_class[k] += s->by_class[k];
		histogram_add(&t->latency, &s->latency);
		histogram_add(&t->latency_raw, &s->latency_raw);
	}
	dst->open = src->open;
	dst->rate += src->rate;
	dst->sessions += src->sessions;
	if (src->duration_us > dst->duration_us)
		dst->duration_us = src->duration_us;
	if (src->warmup_us > dst->warmup_us)
		dst->warmup_us = src->warmup_us;
	dst->iterations += src->iterations;
	dst->requests += src->requests;
	dst->late += src->late;
	dst->dropped += src->dropped;
	dst->cpu_us += src->cpu_us;
	dst->cpu_requests += src->cpu_requests;
	if (src->peak_rss_kb > dst->peak_rss_kb)
		dst->peak_rss_kb = src->peak_rss_kb;
	dst->new_connections |= src->new_connections;
	dst->interrupted |= src->interrupted;
	dst->machines += src->machines > 0 ? src->machines : 1;
	return (0);
}

/* Every pair together, into t (empty; caller clears it). */
void
bench_target_total(const struct bench_report *r, struct bench_target *t)
{
	size_t	i, k;

	memset(t, 0, sizeof *t);
	histogram_init(&t->latency);
	histogram_init(&t->latency_raw);
	t->site = xstrdup("all");
	t->test = xstrdup("all");
	for (i = 0; i < r->ntargets; i++) {
		t->count += r->targets[i].count;
		t->errors += r->targets[i].errors;
		for (k = 0; k < ERR__COUNT; k++)
			t->by_class[k] += r->targets[i].by_class[k];
		histogram_add(&t->latency, &r->targets[i].latency);
		histogram_add(&t->latency_raw, &r->targets[i].latency_raw);
	}
}

/* Iterations per second over the measured window. */
double
bench_achieved_rate(const struct bench_report *r)
{
	return (r->duration_us > 0 ? (double)r->iterations * 1e6 /
	    (double)r->duration_us : 0);
}
