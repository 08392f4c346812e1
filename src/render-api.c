/*
 * render-api.c: the JSON API, badges, /metrics, and the list of pages
 * kong html writes.
 */
#include <math.h>
#include <time.h>

#include "redact.h"
#include "render-int.h"

/* A JSON body. */
void
render_json(struct render_out *o, json_t *v)
{
	char	*s;

	o->ctype = "application/json";
	s = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
	buf_adds(&o->body, s);
	buf_addc(&o->body, '\n');
	free(s);
	json_decref(v);
}

json_t *
render_jtime(int64_t us)
{
	char		 s[40];
	struct tm	 tm;
	time_t		 t = (time_t)(us / 1000000);

	if (us <= 0)
		return (json_null());
	gmtime_r(&t, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
	return (json_sprintf("%s.%06lldZ", s, (long long)(us % 1000000)));
}

json_t *
render_jstr(const char *s)
{
	return (s != NULL && *s != '\0' ? json_string(s) : json_null());
}

/* /api/v1/status: the latest result of every pair. */
void
render_api_status(struct render *r, struct render_out *o)
{
	struct render_pair	 p;
	sqlite3_stmt		*st;
	json_t			*a;

	a = json_array();
	st = render_prepare(r, BOARD_SQL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		render_pair_row(st, &p);
		json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:o, s:o, "
		    "s:s, s:o, s:o, s:o, s:I, s:o, s:I}", "site", p.site, "test",
		    p.test, "server", render_jstr(p.server), "type",
		    render_jstr(p.type), "url", render_jstr(p.url), "status",
		    render_status_name(p.status), "error_class",
		    p.eclass > 0 && p.eclass < ERR__COUNT ?
		    json_string(error_class_name((enum error_class)p.eclass)) :
		    json_null(), "message", result_status_failed(
		    (enum result_status)p.status) ? render_jstr(p.message) :
		    json_null(), "start", render_jtime(p.start_us),
		    "duration_us", (json_int_t)p.duration_us, "failing_since",
		    render_jtime(p.since_us), "failing_streak",
		    (json_int_t)p.streak));
	}
	sqlite3_finalize(st);
	render_json(o, json_pack("{s:o, s:o}", "generated",
	    render_jtime((int64_t)render_now(r)), "pairs", a));
}

/* /api/v1/sites/SITE/TEST/history?before=&limit=&server= */
void
render_api_history(struct render *r, const char *site, const char *test,
    struct evkeyvalq *q, struct render_out *o)
{
	const char	*server = render_param(q, "server");
	const char	*lim = render_param(q, "limit");
	sqlite3_stmt	*st;
	json_t		*a;
	int64_t		 pair, last = 0;
	long		 limit = RENDER_PAGE;
	int		 n = 0;

	if (lim != NULL && parse_int(lim, 1, RENDER_MAX_PAGE, &limit) != 0) {
		o->status = 400;
		render_json(o, json_pack("{s:s}", "error", "limit must be a "
		    "number from 1 to 500"));
		return;
	}
	if ((pair = render_pair_id(r, site, test, server)) < 0) {
		o->status = 404;
		render_json(o, json_pack("{s:s}", "error", "no such pair in "
		    "the store"));
		return;
	}
	a = json_array();
	st = render_history_stmt(r, pair, render_before(q), (int)limit);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int status = sqlite3_column_int(st, 2);
		int ec = sqlite3_column_int(st, 9);

		last = sqlite3_column_int64(st, 0);
		json_array_append_new(a, json_pack("{s:o, s:I, s:s, s:s, s:o, "
		    "s:I, s:i, s:o}", "start", render_jtime(last), "start_us",
		    (json_int_t)last, "run", render_col(st, 1), "status",
		    render_status_name(status), "error_class", ec > 0 &&
		    ec < ERR__COUNT ? json_string(error_class_name(
		    (enum error_class)ec)) : json_null(), "duration_us",
		    (json_int_t)sqlite3_column_int64(st, 3), "attempts",
		    sqlite3_column_int(st, 4), "message",
		    render_jstr(render_col(st, 5))));
		n++;
	}
	sqlite3_finalize(st);
	render_json(o, json_pack("{s:s, s:s, s:o, s:o, s:o}", "site", site,
	    "test", test, "server", render_jstr(server), "results", a, "next",
	    n == limit ? json_integer((json_int_t)last) : json_null()));
}

/* A shields-style badge: label | value. */
static void
render_badge_svg(struct render_out *o, const char *label, int status,
    int any)
{
	struct buf	*b = &o->body;
	const char	*value = !any ? "unknown" : render_status_name(status);
	const char	*color = !any ? "#9f9f9f" : status == RESULT_PASS ?
			    "#4c1" : status == RESULT_PASS_AFTER_RETRY ?
			    "#dfb317" : status == RESULT_SKIPPED ? "#9f9f9f" :
			    "#e05d44";
	int		 lw = 6 * (int)utf8_columns(label, strlen(label)) + 10;
	int		 vw = 6 * (int)strlen(value) + 10;

	if (lw > 400)
		lw = 400;
	o->ctype = "image/svg+xml";
	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"20\" role=\"img\" aria-label=\"", lw + vw);
	render_attr(b, label);
	buf_printf(b, ": %s\"><rect width=\"%d\" height=\"20\" fill=\"#555\"/>"
	    "<rect x=\"%d\" width=\"%d\" height=\"20\" fill=\"%s\"/>"
	    "<g fill=\"#fff\" font-family=\"Verdana,sans-serif\" "
	    "font-size=\"11\"><text x=\"5\" y=\"14\">", value, lw, lw, vw,
	    color);
	render_text(b, label);
	buf_printf(b, "</text><text x=\"%d\" y=\"14\">%s</text></g></svg>\n",
	    lw + 5, value);
}

/* /badge/SITE.svg (the worst of its pairs) and /badge/SITE/TEST.svg. */
void
render_badge(struct render *r, const char *site, const char *test,
    struct render_out *o)
{
	sqlite3_stmt	*st;
	int		 status = RESULT_PASS, any = 0, s;

	st = render_prepare(r, "SELECT l.status FROM latest l JOIN pairs p ON "
	    "p.id = l.pair WHERE p.site = ? AND (?2 IS NULL OR p.test = ?2)");
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	if (test != NULL)
		sqlite3_bind_text(st, 2, test, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		s = sqlite3_column_int(st, 0);
		if (!any || (result_status_failed((enum result_status)s) &&
		    !result_status_failed((enum result_status)status)) ||
		    (s == RESULT_PASS_AFTER_RETRY && status == RESULT_PASS))
			status = s;
		any = 1;
	}
	sqlite3_finalize(st);
	if (!any)
		o->status = 404;
	render_badge_svg(o, test != NULL ? test : site, status, any);
}

/* A Prometheus label value: \ " and newline escaped. */
static void
render_label(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			buf_addc(b, '\\');
		if (*s == '\n')
			buf_adds(b, "\\n");
		else
			buf_addc(b, *s);
	}
}

/* /metrics: the latest result of each pair, in Prometheus text format. */
void
render_metrics(struct render *r, struct render_out *o)
{
	static const char *const names[] = { "kong_check_up",
	    "kong_check_duration_seconds", "kong_check_timestamp_seconds",
	    "kong_check_failing_streak" };
	static const char *const help[] = {
	    "Whether the latest result of a pair passed (1) or not (0).",
	    "Duration of the latest result of a pair.",
	    "When the latest result of a pair started.",
	    "How many results in a row a pair has failed." };
	struct buf		*b = &o->body;
	struct render_pair	 p;
	sqlite3_stmt		*st;
	size_t			 k;

	o->ctype = "text/plain; version=0.0.4; charset=utf-8";
	for (k = 0; k < nitems(names); k++) {
		buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", names[k],
		    help[k], names[k]);
		st = render_prepare(r, BOARD_SQL);
		while (sqlite3_step(st) == SQLITE_ROW) {
			render_pair_row(st, &p);
			if (p.status == RESULT_SKIPPED)
				continue;
			buf_printf(b, "%s{site=\"", names[k]);
			render_label(b, p.site);
			buf_adds(b, "\",test=\"");
			render_label(b, p.test);
			buf_adds(b, "\",server=\"");
			render_label(b, p.server);
			buf_adds(b, "\"} ");
			if (k == 0)
				buf_printf(b, "%d\n", result_status_passed(
				    (enum result_status)p.status));
			else if (k == 1)
				buf_printf(b, "%.6f\n", (double)p.duration_us /
				    1e6);
			else if (k == 2)
				buf_printf(b, "%.3f\n", (double)p.start_us / 1e6);
			else
				buf_printf(b, "%lld\n", (long long)p.streak);
		}
		sqlite3_finalize(st);
	}
	st = render_prepare(r, "SELECT max(start_us), count(*) FROM runs");
	if (sqlite3_step(st) == SQLITE_ROW)
		buf_printf(b, "# HELP kong_last_run_timestamp_seconds When the "
		    "last run started.\n# TYPE kong_last_run_timestamp_seconds "
		    "gauge\nkong_last_run_timestamp_seconds %.3f\n# HELP "
		    "kong_runs Runs in the store.\n# TYPE kong_runs gauge\n"
		    "kong_runs %lld\n", (double)sqlite3_column_int64(st, 0) / 1e6,
		    (long long)sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
}

/* Add "PATH[?server=S]" to a list. */
void
render_add_path(struct render *r, char ***v, size_t *n, struct buf *b)
{
	if (map_get(&r->written, b->data) != NULL) {
		buf_reset(b);
		return;
	}
	map_set(&r->written, b->data, r);
	*v = xreallocarray(*v, *n + 2, sizeof **v);
	(*v)[(*n)++] = xstrdup(b->data);
	(*v)[*n] = NULL;
	buf_reset(b);
}

/*
 * Every page kong html writes, as "PATH" or "PATH?server=S" with names
 * percent-encoded: the fixed pages, the last runs, every site, pair, type
 * and server, their badges and API files. Caller frees.
 */
char **
render_static_paths(struct render *r)
{
	static const char *const fixed[] = { "/", "/failed", "/dashboard",
	    "/runs", "/alerts", "/style.css", "/api/v1/status",
	    "/api/v1/alerts" };
	sqlite3_stmt	*st;
	struct buf	 b;
	char		**v = NULL;
	size_t		 n = 0, i;

	buf_init(&b);
	for (i = 0; i < nitems(fixed); i++) {
		buf_adds(&b, fixed[i]);
		render_add_path(r, &v, &n, &b);
	}
	st = render_prepare(r, "SELECT name FROM runs ORDER BY start_us DESC "
	    "LIMIT 50");
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_adds(&b, "/runs/");
		render_url_segment(&b, render_col(st, 0));
		render_add_path(r, &v, &n, &b);
	}
	sqlite3_finalize(st);
	render_alert_paths(r, &b, &v, &n);
	st = render_prepare(r, "SELECT DISTINCT site FROM pairs ORDER BY site");
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_adds(&b, "/sites/");
		render_url_segment(&b, render_col(st, 0));
		render_add_path(r, &v, &n, &b);
		buf_adds(&b, "/badge/");
		render_url_segment(&b, render_col(st, 0));
		buf_adds(&b, ".svg");
		render_add_path(r, &v, &n, &b);
	}
	sqlite3_finalize(st);
	st = render_prepare(r, "SELECT site, test, server FROM pairs ORDER BY "
	    "site, test, server");
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < 3; i++) {
			buf_adds(&b, i == 0 ? "/sites/" : i == 1 ? "/badge/" :
			    "/api/v1/sites/");
			render_url_segment(&b, render_col(st, 0));
			buf_addc(&b, '/');
			render_url_segment(&b, render_col(st, 1));
			buf_adds(&b, i == 1 ? ".svg" : i == 2 ? "/history" : "");
			if (i != 1 && *render_col(st, 2) != '\0') {
				buf_adds(&b, "?server=");
				render_url_segment(&b, render_col(st, 2));
			}
			render_add_path(r, &v, &n, &b);
		}
	}
	sqlite3_finalize(st);
	st = render_prepare(r, "SELECT DISTINCT type, 0 FROM pairs WHERE type "
	    "IS NOT NULL AND type != '' UNION SELECT DISTINCT server, 1 FROM "
	    "pairs WHERE server != '' ORDER BY 2, 1");
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_adds(&b, sqlite3_column_int(st, 1) ? "/servers/" :
		    "/types/");
		render_url_segment(&b, render_col(st, 0));
		render_add_path(r, &v, &n, &b);
	}
	sqlite3_finalize(st);
	for (i = 0; r->inv != NULL && i < r->inv->nservers; i++) {
		buf_adds(&b, "/servers/");
		render_url_segment(&b, r->inv->servers[i]->name);
		render_add_path(r, &v, &n, &b);
	}
	buf_free(&b);
	return (v);
}
