/*
 * report.c: what the report formats share: the sink that keeps a row per
 * result and writes its format at the end of the run, the rows' helpers,
 * escaping, and feeding sinks from a log read back (kong report, kong
 * diff). The rows are copies, so the sweep frees its results as usual; a
 * report's memory follows the number of pairs (a report lists them all).
 */
#include <errno.h>
#include <time.h>

#include "report.h"

static const struct report_format report_formats[] = {
	{ "junit", "JUnit XML (GitLab, Jenkins)", report_junit },
	{ "tap", "TAP version 14", report_tap },
	{ "html", "one self-contained HTML page", report_html },
	{ "markdown", "a short Markdown summary (MR comment, "
	    "$GITHUB_STEP_SUMMARY)", report_markdown },
	{ "summary", "the terminal summary", NULL },
};

struct report_sink {
	const struct report_format	*fmt;
	char				*path;	/* "-": standard output */
	FILE				*f;
	struct sink			*inner;	/* summary: its sink */
	char				*saved;	/* --save-failures DIR */
	struct report			 rep;
};

/* A format by name, or NULL. */
const struct report_format *
report_format_find(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(report_formats); i++)
		if (strcmp(report_formats[i].name, name) == 0)
			return (&report_formats[i]);
	return (NULL);
}

/* "junit, tap, ..." for messages. Caller frees. */
char *
report_format_names(void)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	for (i = 0; i < nitems(report_formats); i++)
		buf_printf(&b, "%s%s", i == 0 ? "" : ", ",
		    report_formats[i].name);
	return (buf_steal(&b));
}

static char *
report_dup(const char *s)
{
	return (s != NULL ? xstrdup(s) : NULL);
}

static void
report_row_set(struct report_row *row, const struct result *r)
{
	const struct result_where	*w = &r->where;
	const struct step		*last;

	memset(row, 0, sizeof *row);
	row->index = r->index;
	row->site = xstrdup(w->site != NULL ? w->site : w->script != NULL ?
	    w->script : "-");
	row->type = report_dup(w->type);
	row->test = xstrdup(w->test != NULL ? w->test : "-");
	row->server = report_dup(w->server);
	row->url = report_dup(w->url);
	row->status = r->status;
	row->eclass = r->eclass;
	row->message = report_dup(r->message);
	row->file = report_dup(r->file);
	row->line = r->line;
	row->command = report_dup(r->command);
	row->duration_us = r->duration_us;
	row->attempts = r->attempts;
	row->output = xstrndup(r->output.len > 0 ? r->output.data : "",
	    r->output.len);
	row->output_truncated = r->output_truncated;
	if (r->nsteps > 0) {
		last = &r->steps[r->nsteps - 1];
		row->step_url = report_dup(last->url);
		row->code = last->code;
	}
}

static void
report_row_clear(struct report_row *row)
{
	free(row->site);
	free(row->type);
	free(row->test);
	free(row->server);
	free(row->url);
	free(row->message);
	free(row->file);
	free(row->command);
	free(row->output);
	free(row->step_url);
	free(row->attachment);
}

/* Whether a row failed (the one predicate of results.h). */
int
report_row_failed(const struct report_row *row)
{
	return (result_status_failed(row->status));
}

/* Whether a failed row could not be checked (an error, not a failure). */
int
report_row_is_error(const struct report_row *row)
{
	if (row->status == RESULT_FAIL)
		return (row->eclass != ERR_ASSERT && row->eclass != ERR_HTTP);
	return (report_row_failed(row));
}

/* "site" or "site@server". Caller frees. */
char *
report_row_who(const struct report_row *row)
{
	if (row->server != NULL)
		return (xstrfmt("%s@%s", row->site, row->server));
	return (xstrdup(row->site));
}

/* "file:line" of the failure, or "-". Caller frees. */
char *
report_row_where(const struct report_row *row)
{
	if (row->file == NULL)
		return (xstrdup("-"));
	return (xstrfmt("%s:%d", path_basename(row->file), row->line));
}

/* Microseconds as seconds with three decimals. */
void
report_seconds(char *s, size_t len, uint64_t us)
{
	snprintf(s, len, "%llu.%03llu", (unsigned long long)(us / 1000000),
	    (unsigned long long)(us % 1000000 / 1000));
}

/* Text as XML character data or attribute value, valid XML 1.0. */
void
report_xml_escape(FILE *f, const char *s, size_t max)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = 0;

	for (; *p != '\0' && n < max; p++, n++) {
		switch (*p) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		case '\t':
		case '\n':
			fputc(*p, f);
			break;
		case '\r':
			fputs("&#13;", f);
			break;
		default:
			/* Control characters are not allowed in XML 1.0. */
			if (*p < 0x20 || *p == 0x7f)
				fputs("\xef\xbf\xbd", f);
			else
				fputc(*p, f);
		}
	}
	/* Never cut a UTF-8 sequence in two. */
	while (*p != '\0' && (*p & 0xc0) == 0x80)
		fputc(*p++, f);
}

/* Text for HTML, content or attribute. */
void
report_html_escape(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static void
report_clear(struct report *rep)
{
	size_t	i;

	for (i = 0; i < rep->nrows; i++)
		report_row_clear(&rep->rows[i]);
	free(rep->rows);
	free(rep->run);
	free(rep->command);
	free(rep->started);
	memset(rep, 0, sizeof *rep);
}

static void
report_sink_start(struct sink *k, const struct run_info *run)
{
	struct report_sink	*rs = k->data;
	time_t			 t = (time_t)(run->start_us / 1000000);
	struct tm		 tm;
	char			 when[64];

	if (rs->inner != NULL) {
		if (rs->inner->ops->start != NULL)
			rs->inner->ops->start(rs->inner, run);
		return;
	}
	report_clear(&rs->rep);
	rs->rep.run = report_dup(run->id);
	rs->rep.command = report_dup(run->command);
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	rs->rep.started = xstrdup(when);
}

static void
report_sink_result(struct sink *k, const struct run_info *run,
    const struct result *r, const struct buf *rec)
{
	struct report_sink	*rs = k->data;
	struct report		*rep = &rs->rep;

	if (rs->inner != NULL) {
		sink_result(rs->inner, run, r, rec);
		return;
	}
	if (rep->nrows == rep->cap) {
		rep->cap = rep->cap == 0 ? 64 : rep->cap * 2;
		rep->rows = xreallocarray(rep->rows, rep->cap,
		    sizeof *rep->rows);
	}
	report_row_set(&rep->rows[rep->nrows], r);
	if (rs->saved != NULL && result_failed(r) && r->status !=
	    RESULT_NOT_STARTED)
		rep->rows[rep->nrows].attachment = report_saved_path(rs->saved,
		    rep->run, rep->rows[rep->nrows].site, r->where.server,
		    rep->rows[rep->nrows].test);
	rep->nrows++;
}

/* Name order: site, test, then server (none first), then plan order. */
static int
report_row_cmp(const void *a, const void *b)
{
	const struct report_row	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->site, y->site)) != 0 ||
	    (c = strcmp(x->test, y->test)) != 0)
		return (c);
	if (x->server == NULL || y->server == NULL) {
		if (x->server != y->server)
			return (x->server == NULL ? -1 : 1);
	} else if ((c = strcmp(x->server, y->server)) != 0)
		return (c);
	return (x->index < y->index ? -1 : x->index > y->index);
}

/*
 * Every report lists its rows by site, test and server, whatever order
 * they finished in: two runs of one fleet, or a sharded run merged and
 * the same run in one piece, give reports that diff line by line.
 */
static void
report_sort(struct report *rep)
{
	if (rep->nrows > 1)
		qsort(rep->rows, rep->nrows, sizeof *rep->rows,
		    report_row_cmp);
}

static void
report_sink_end(struct sink *k, const struct run_info *run)
{
	struct report_sink	*rs = k->data;
	struct report		*rep = &rs->rep;

	rep->duration_us = run->duration_us;
	rep->counts = run->counts;
	rep->exit_status = run->exit_status;
	rep->interrupted = run->interrupted;
	errno = 0;
	if (rs->inner != NULL) {
		if (rs->inner->ops->end != NULL)
			rs->inner->ops->end(rs->inner, run);
	}
	else {
		report_sort(rep);
		if (rs->fmt->write(rs->f, rep) != 0)
			k->errors++;
	}
	if (fflush(rs->f) != 0 || ferror(rs->f))
		k->errors++;
	if (rs->f != stdout && fclose(rs->f) != 0)
		k->errors++;
	rs->f = NULL;
	if (k->errors > 0)
		k->last_errno = errno != 0 ? errno : EIO;
}

static void
report_sink_free(struct sink *k)
{
	struct report_sink	*rs = k->data;

	if (rs->f != NULL && rs->f != stdout)
		fclose(rs->f);
	sink_free(rs->inner);
	report_clear(&rs->rep);
	free(rs->saved);
	free(rs->path);
	free(rs);
}

static const struct sink_ops report_sink_ops = {
	"report",
	report_sink_start,
	report_sink_result,
	report_sink_end,
	report_sink_free,
};

/*
 * A sink writing FORMAT to PATH ("-": standard output) at the end of the
 * run. The file is created now, so a path that cannot be written stops
 * the sweep before it starts. Returns NULL with *cause set (caller frees).
 */
struct sink *
report_sink_create(const char *format, const char *path, char **cause)
{
	const struct report_format	*fmt = report_format_find(format);
	struct report_sink		*rs;
	FILE				*f;
	char				*names;

	if (fmt == NULL) {
		names = report_format_names();
		*cause = xstrfmt("unknown report format '%s' (formats: %s)",
		    format, names);
		free(names);
		return (NULL);
	}
	if (strcmp(path, "-") == 0)
		f = stdout;
	else if ((f = fopen(path, "w")) == NULL) {
		*cause = xstrfmt("%s: %s", path, strerror(errno));
		return (NULL);
	}
	rs = xcalloc(1, sizeof *rs);
	rs->fmt = fmt;
	if (fmt->write == NULL)
		rs->inner = sink_summary_create(f, 0, SUMMARY_ALWAYS);
	rs->path = xstrdup(path);
	rs->f = f;
	return (sink_create(&report_sink_ops, rs, path));
}

/* Link failing rows to their saved files under dir (--save-failures). */
void
report_sink_saved(struct sink *k, const char *dir)
{
	struct report_sink	*rs;

	if (k->ops != &report_sink_ops)
		return;
	rs = k->data;
	free(rs->saved);
	rs->saved = xstrdup(dir);
}

/* --- a log read back ----------------------------------------------------- */

/* The run of a log being fed: its records, held until the log ends. */
struct report_feed {
	json_t		*start;		/* run_start */
	json_t		*results;	/* array of result records */
	json_t		*end;		/* run_end, or NULL */
};

static void
report_feed_reset(struct report_feed *fd, json_t *start)
{
	json_decref(fd->start);
	json_decref(fd->results);
	json_decref(fd->end);
	fd->start = json_incref(start);
	fd->results = json_array();
	fd->end = NULL;
}

static uint64_t
report_feed_time(const char *s)
{
	struct tm	tm;
	unsigned	usec = 0;
	int		n = 0;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || sscanf(s, "%d-%d-%dT%d:%d:%d%n", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
	    &n) != 6)
		return (0);
	if (s[n] == '.')
		sscanf(s + n + 1, "%6u", &usec);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return ((uint64_t)timegm(&tm) * 1000000 + usec);
}

/* Replay the held run into the sinks, with a run_info from its records. */
static void
report_feed_replay(struct report_feed *fd, struct sink_list *sinks)
{
	struct run_info	 run;
	struct result	 r;
	json_t		*rec, *totals;
	size_t		 i;

	memset(&run, 0, sizeof run);
	run.id = json_string_value(json_object_get(fd->start, "run"));
	run.command = json_string_value(json_object_get(fd->start, "command"));
	if (run.command == NULL)
		run.command = "check";
	run.inventory = json_string_value(json_object_get(fd->start,
	    "inventory"));
	run.start_us = report_feed_time(json_string_value(json_object_get(
	    fd->start, "time")));
	run.pairs = (size_t)json_integer_value(json_object_get(fd->start,
	    "pairs"));
	sinks_start(sinks, &run);
	json_array_foreach(fd->results, i, rec) {
		result_init(&r);
		if (results_from_json(rec, &r) == 0) {
			r.index = i;
			result_counts_add(&run.counts, r.status);
			sinks_result(sinks, &run, &r);
		}
		result_clear(&r);
	}
	if (fd->end != NULL) {
		run.duration_us = (uint64_t)json_integer_value(json_object_get(
		    fd->end, "duration_us"));
		run.interrupted = json_is_true(json_object_get(fd->end,
		    "interrupted"));
		run.exit_status = (int)json_integer_value(json_object_get(
		    fd->end, "exit_status"));
		totals = json_object_get(fd->end, "totals");
		run.not_started = (size_t)json_integer_value(json_object_get(
		    totals, "not_started"));
	} else
		run.exit_status = result_counts_failed(&run.counts) > 0 ?
		    KONG_EXIT_FAILED : KONG_EXIT_OK;
	sinks_end(sinks, &run);
}

/*
 * Feed the run RUN of the log PATH ("-": standard input) to sinks; RUN
 * NULL or "last" is the last run in the log. Returns 0, or -1 with *cause
 * set (caller frees): the log cannot be read or holds no such run.
 */
int
report_feed_log(const char *path, const char *run, struct sink_list *sinks,
    char **cause)
{
	struct results_reader	*rd;
	struct results_entry	 e;
	struct report_feed	 fd;
	const char		*id;
	int			 rc, last = run == NULL || strcmp(run, "last") == 0;
	int			 in = 0;

	if ((rd = results_reader_open(path, cause)) == NULL)
		return (-1);
	memset(&fd, 0, sizeof fd);
	while ((rc = results_reader_next(rd, &e)) == 1) {
		id = json_string_value(json_object_get(e.json, "run"));
		switch (e.kind) {
		case RESULTS_RUN_START:
			in = last || (id != NULL && strcmp(id, run) == 0);
			if (in)
				report_feed_reset(&fd, e.json);
			break;
		case RESULTS_RESULT:
			if (in && id != NULL && strcmp(id, json_string_value(
			    json_object_get(fd.start, "run"))) == 0)
				json_array_append(fd.results, e.json);
			break;
		case RESULTS_RUN_END:
			if (in && fd.end == NULL && id != NULL &&
			    strcmp(id, json_string_value(json_object_get(
			    fd.start, "run"))) == 0)
				fd.end = json_incref(e.json);
			break;
		default:
			break;
		}
	}
	if (rc == -1)
		*cause = xstrdup(results_reader_error(rd));
	else if (fd.start == NULL)
		*cause = last ? xstrfmt("%s: no run in this log", path) :
		    xstrfmt("%s: no run '%s' in this log", path, run);
	else
		report_feed_replay(&fd, sinks);
	results_reader_close(rd);
	json_decref(fd.start);
	json_decref(fd.results);
	json_decref(fd.end);
	return (rc == -1 || fd.start == NULL ? -1 : 0);
}
