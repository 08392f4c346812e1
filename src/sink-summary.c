/*
 * sink-summary.c: the summary at the end of a sweep.
 *
 * The counts, the failures grouped by test and by site (each group at most
 * SUMMARY_SHOW lines: the log has them all), the values the checks
 * captured (capture NAME: which build each site serves, at most
 * SUMMARY_VALUES per name) and the five slowest checks.
 * It keeps a copy of what it shows of each failed result and of the five
 * slowest so far, so its memory follows the failures, not the fleet. It
 * works from results alone, so a log read back prints the same summary.
 * With per-server checks every row names its server (site@server).
 */
#include "cli.h"
#include "sink.h"

#define SUMMARY_SHOW	10	/* lines per group */
#define SUMMARY_SLOW	5
#define SUMMARY_VALUES	10	/* captured values counted per name */

/* What the summary shows of one result. */
struct summary_row {
	size_t			 index;		/* order in the run's plan */
	char			*who;		/* site, or site@server */
	char			*site;
	char			*test;
	enum result_status	 status;
	char			*where;		/* file:line */
	char			*message;
	uint64_t		 duration_us;
};

struct sink_summary {
	FILE			*f;
	int			 color;
	int			 when;
	struct summary_row	*fails;
	size_t			 nfails;
	struct summary_row	 slow[SUMMARY_SLOW];
	size_t			 nslow;
	json_t			*captured;	/* "test\x1fname" -> {value: n} */
	json_t			*others;	/* the same key -> values past those */
};

/* A row for a result. */
static void
summary_row_set(struct summary_row *row, const struct result *r)
{
	const struct result_where	*w = &r->where;
	const char			*site = w->site != NULL ? w->site :
					    w->script != NULL ? w->script : "-";

	row->index = r->index;
	row->site = xstrdup(site);
	row->who = w->server != NULL ? xstrfmt("%s@%s", site, w->server) :
	    xstrdup(site);
	row->test = xstrdup(w->test != NULL ? w->test : "-");
	row->status = r->status;
	row->where = xstrfmt("%s:%d", r->file != NULL ?
	    path_basename(r->file) : "-", r->line);
	row->message = r->message != NULL ? xstrdup(r->message) : NULL;
	row->duration_us = r->duration_us;
}

static void
summary_row_clear(struct summary_row *row)
{
	free(row->who);
	free(row->site);
	free(row->test);
	free(row->where);
	free(row->message);
	memset(row, 0, sizeof *row);
}

/* Count the values a result captured, by test and name. */
static void
summary_capture(struct sink_summary *s, const struct result *r)
{
	const char	*name;
	json_t		*v, *c, *n;
	char		*key;

	if (s->captured == NULL) {
		s->captured = json_object();
		s->others = json_object();
	}
	json_object_foreach(r->captures, name, v) {
		if (!json_is_string(v))
			continue;
		key = xstrfmt("%s\x1f%s", r->where.test != NULL ?
		    r->where.test : "-", name);
		if ((c = json_object_get(s->captured, key)) == NULL) {
			c = json_object();
			json_object_set_new(s->captured, key, c);
		}
		if ((n = json_object_get(c, json_string_value(v))) != NULL)
			json_integer_set(n, json_integer_value(n) + 1);
		else if (json_object_size(c) < SUMMARY_VALUES)
			json_object_set_new(c, json_string_value(v),
			    json_integer(1));
		else {
			n = json_object_get(s->others, key);
			json_object_set_new(s->others, key, json_integer(n !=
			    NULL ? json_integer_value(n) + 1 : 1));
		}
		free(key);
	}
}

struct summary_count {
	const char	*value;
	json_int_t	 n;
};

static int
summary_count_cmp(const void *a, const void *b)
{
	const struct summary_count	*x = a, *y = b;

	if (x->n != y->n)
		return (x->n > y->n ? -1 : 1);
	return (strcmp(x->value, y->value));
}

/* Captured: each test's names, their values, most checks first. */
static void
summary_captured(struct sink_summary *s, const char *bold, const char *off)
{
	struct summary_count	*v;
	struct table		 t;
	const char		*key, *val;
	json_t			*c, *n;
	char			*test, count[32];
	size_t			 i, nv;

	if (s->captured == NULL || json_object_size(s->captured) == 0)
		return;
	fprintf(s->f, "\n%sCaptured%s\n", bold, off);
	table_init(&t, 4);
	json_object_foreach(s->captured, key, c) {
		v = xcalloc(json_object_size(c) + 1, sizeof *v);
		nv = 0;
		json_object_foreach(c, val, n) {
			v[nv].value = val;
			v[nv++].n = json_integer_value(n);
		}
		qsort(v, nv, sizeof *v, summary_count_cmp);
		if ((n = json_object_get(s->others, key)) != NULL) {
			v[nv].value = "(other values)";
			v[nv++].n = json_integer_value(n);
		}
		test = xstrndup(key, strcspn(key, "\x1f"));
		for (i = 0; i < nv; i++) {
			snprintf(count, sizeof count, "%lld check%s",
			    (long long)v[i].n, v[i].n == 1 ? "" : "s");
			table_add(&t, test, key + strlen(test) + 1,
			    v[i].value, count);
		}
		free(test);
		free(v);
	}
	table_print(&t, s->f, "  ");
	table_free(&t);
}

static void
sink_summary_result(struct sink *k, const struct run_info *run,
    const struct result *r, const struct buf *rec)
{
	struct sink_summary	*s = k->data;
	size_t			 i;

	(void)run;
	(void)rec;
	if (r->status == RESULT_NOT_STARTED)
		return;		/* the end says why, once */
	if (r->captures != NULL)
		summary_capture(s, r);
	if (result_failed(r)) {
		s->fails = xreallocarray(s->fails, s->nfails + 1,
		    sizeof *s->fails);
		summary_row_set(&s->fails[s->nfails++], r);
	}
	if (r->status == RESULT_SKIPPED)
		return;
	/* The slowest, kept sorted; ties go to the earlier pair. */
	for (i = s->nslow; i > 0; i--) {
		if (s->slow[i - 1].duration_us > r->duration_us ||
		    (s->slow[i - 1].duration_us == r->duration_us &&
		    s->slow[i - 1].index < r->index))
			break;
	}
	if (i >= SUMMARY_SLOW)
		return;
	if (s->nslow == SUMMARY_SLOW)
		summary_row_clear(&s->slow[--s->nslow]);
	memmove(&s->slow[i + 1], &s->slow[i], (s->nslow - i) *
	    sizeof s->slow[0]);
	memset(&s->slow[i], 0, sizeof s->slow[i]);
	summary_row_set(&s->slow[i], r);
	s->nslow++;
}

/*
 * Failed rows by group (test, or site), then by site, test and server:
 * the names' order, not the order they finished in, so that two runs of
 * one fleet (or a merged sharded run and the run in one piece) print the
 * same summary.
 */
struct summary_ref {
	const char		*group;
	struct summary_row	*row;
};

static int
summary_row_cmp(const void *a, const void *b)
{
	const struct summary_row	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->site, y->site)) != 0 ||
	    (c = strcmp(x->test, y->test)) != 0 ||
	    (c = strcmp(x->who, y->who)) != 0)
		return (c);
	return (x->index < y->index ? -1 : x->index > y->index);
}

static int
summary_ref_cmp(const void *a, const void *b)
{
	const struct summary_ref	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->group, y->group)) != 0)
		return (c);
	return (summary_row_cmp(x->row, y->row));
}

/* The failed rows grouped by test (by_who 0) or by site (1). */
static struct summary_ref *
summary_group(struct sink_summary *s, int by_who)
{
	struct summary_ref	*v;
	size_t			 i;

	v = xcalloc(s->nfails + 1, sizeof *v);
	for (i = 0; i < s->nfails; i++) {
		v[i].group = by_who ? s->fails[i].who : s->fails[i].test;
		v[i].row = &s->fails[i];
	}
	qsort(v, s->nfails, sizeof *v, summary_ref_cmp);
	return (v);
}

/* Failures by test: site, status, file:line, message. */
static void
summary_by_test(struct sink_summary *s, const char *bold, const char *off)
{
	struct summary_ref	*f;
	struct table		 t;
	size_t			 i, k, n;

	f = summary_group(s, 0);
	if (s->nfails > 0)
		fprintf(s->f, "\n%sFailures by test%s\n", bold, off);
	for (i = 0; i < s->nfails; i = k) {
		for (k = i; k < s->nfails && strcmp(f[k].group, f[i].group) == 0; k++)
			;
		fprintf(s->f, "  %s (%zu)\n", f[i].row->test, k - i);
		table_init(&t, 4);
		for (n = i; n < k && n - i < SUMMARY_SHOW; n++)
			table_add(&t, f[n].row->who,
			    result_status_name(f[n].row->status),
			    f[n].row->where, f[n].row->message);
		table_print(&t, s->f, "    ");
		table_free(&t);
		if (k - i > SUMMARY_SHOW)
			fprintf(s->f, "    ... and %zu more (see the log)\n",
			    k - i - SUMMARY_SHOW);
	}
	free(f);
}

/* Failures by site (with its server): its failed tests. */
static void
summary_by_site(struct sink_summary *s, const char *bold, const char *off)
{
	struct summary_ref	*f;
	struct table		 t;
	struct buf		 names;
	size_t			 i, k, shown = 0;

	f = summary_group(s, 1);
	if (s->nfails > 0)
		fprintf(s->f, "\n%sFailures by site%s\n", bold, off);
	table_init(&t, 2);
	for (i = 0; i < s->nfails; i = k) {
		buf_init(&names);
		for (k = i; k < s->nfails && strcmp(f[k].group, f[i].group) == 0; k++)
			buf_printf(&names, "%s%s (%s)", k > i ? ", " : "",
			    f[k].row->test, result_status_name(f[k].row->status));
		if (shown++ < SUMMARY_SHOW * 2)
			table_add(&t, f[i].row->who, names.data);
		buf_free(&names);
	}
	table_print(&t, s->f, "  ");
	table_free(&t);
	if (shown > SUMMARY_SHOW * 2)
		fprintf(s->f, "  ... and %zu more sites (see the log)\n",
		    shown - SUMMARY_SHOW * 2);
	free(f);
}

static void
sink_summary_end(struct sink *k, const struct run_info *run)
{
	static const enum result_status order[] = { RESULT_PASS,
	    RESULT_PASS_AFTER_RETRY, RESULT_FAIL, RESULT_ERROR, RESULT_TIMEOUT,
	    RESULT_SKIPPED, RESULT_CANCELLED, RESULT_NOT_STARTED };
	struct sink_summary	*s = k->data;
	struct table		 t;
	size_t			 i, n, ran;
	double			 secs = run->duration_us / 1e6;
	char			 dur[32];
	const char		*red = s->color ? "\033[31m" : "";
	const char		*green = s->color ? "\033[32m" : "";
	const char		*bold = s->color ? "\033[1m" : "";
	const char		*off = s->color ? "\033[0m" : "";

	if (s->when == SUMMARY_FAILED && result_counts_failed(&run->counts) ==
	    0 && run->write_errors == 0 && !run->interrupted)
		return;
	ran = run->counts.total - run->counts.by_status[RESULT_SKIPPED];
	fprintf(s->f, "%skong %s%s: %zu check%s in %.2fs (%.1f checks/s)\n",
	    bold, run->command, off, ran, ran == 1 ? "" : "s", secs,
	    secs > 0 ? ran / secs : 0.0);
	fputs(" ", s->f);
	for (i = 0; i < nitems(order); i++) {
		n = run->counts.by_status[order[i]];
		if (n == 0 && order[i] != RESULT_PASS && order[i] != RESULT_FAIL)
			continue;
		fprintf(s->f, " %s%zu %s%s", n == 0 ? "" :
		    result_status_passed(order[i]) ? green :
		    order[i] == RESULT_SKIPPED ? "" : red, n,
		    result_status_name(order[i]), off);
	}
	fputc('\n', s->f);
	if (run->aborted != NULL)
		fprintf(s->f, "  %s%zu %s%s\n", red,
		    run->counts.by_status[RESULT_NOT_STARTED], run->aborted, off);
	summary_by_test(s, bold, off);
	summary_by_site(s, bold, off);
	summary_captured(s, bold, off);
	if (s->nslow > 0) {
		fprintf(s->f, "\n%sSlowest%s\n", bold, off);
		table_init(&t, 4);
		for (i = 0; i < s->nslow; i++) {
			format_duration(dur, sizeof dur, s->slow[i].duration_us);
			table_add(&t, dur, s->slow[i].who, s->slow[i].test,
			    result_status_name(s->slow[i].status));
		}
		table_print(&t, s->f, "  ");
		table_free(&t);
	}
	fflush(s->f);
}

static void
sink_summary_free(struct sink *k)
{
	struct sink_summary	*s = k->data;
	size_t			 i;

	for (i = 0; i < s->nfails; i++)
		summary_row_clear(&s->fails[i]);
	for (i = 0; i < s->nslow; i++)
		summary_row_clear(&s->slow[i]);
	free(s->fails);
	json_decref(s->captured);
	json_decref(s->others);
	free(s);
}

static const struct sink_ops sink_summary_ops = {
	"summary",
	NULL,
	sink_summary_result,
	sink_summary_end,
	sink_summary_free,
};

/*
 * The summary, printed on f at the end of the run: always, or (when is
 * SUMMARY_FAILED) only when something failed, for cron.
 */
struct sink *
sink_summary_create(FILE *f, int color, int when)
{
	struct sink_summary	*s;

	s = xcalloc(1, sizeof *s);
	s->f = f;
	s->color = color;
	s->when = when;
	return (sink_create(&sink_summary_ops, s, "summary"));
}
