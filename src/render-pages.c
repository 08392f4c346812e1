/*
 * render-pages.c: the site, pair, run, runs, type and server pages.
 */
#include <math.h>
#include <time.h>

#include "redact.h"
#include "render-int.h"

/* /sites/SITE */
void
render_site(struct render *r, const char *site, struct render_out *o)
{
	struct buf		*b = &o->body;
	const struct site	*s;
	sqlite3_stmt		*st;
	char			*title;
	size_t			 i;

	title = xstrfmt("Site %s", site);
	render_head(r, b, title, 0);
	free(title);
	if (r->inv != NULL && (s = inventory_site(r->inv, site)) != NULL) {
		buf_adds(b, "<dl class=\"about\"><dt>url</dt><dd>");
		render_text(b, s->url);
		buf_adds(b, "</dd><dt>type</dt><dd>");
		if (s->type_name != NULL)
			render_a(r, b, L_TYPE, s->type_name, NULL, NULL,
			    s->type_name);
		buf_adds(b, "</dd><dt>servers</dt><dd>");
		for (i = 0; i < s->nservers; i++) {
			render_a(r, b, L_SERVER, s->server_names[i], NULL, NULL,
			    s->server_names[i]);
			buf_adds(b, " ");
		}
		buf_adds(b, "</dd><dt>tags</dt><dd>");
		for (i = 0; s->tags != NULL && s->tags[i] != NULL; i++) {
			render_text(b, s->tags[i]);
			buf_adds(b, " ");
		}
		buf_printf(b, "</dd><dt>live</dt><dd>%s</dd></dl>\n", s->live ?
		    "yes" : "no");
	}
	buf_adds(b, "<p class=\"badge\"><img alt=\"badge\" src=\"");
	render_href(r, b, L_BADGE_SITE, site, NULL, NULL);
	buf_adds(b, "\"></p>\n");
	st = render_prepare(r, "SELECT " PAIR_COLUMNS " FROM latest l JOIN "
	    "pairs p ON p.id = l.pair WHERE p.site = ? ORDER BY p.test, "
	    "p.server");
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	if (render_pairs_of(r, b, st, 0, NULL) == 0) {
		sqlite3_finalize(st);
		title = xstrfmt("No results for site '%s' in the store.", site);
		render_not_found(r, o, title);
		free(title);
		return;
	}
	sqlite3_finalize(st);
	render_foot(r, b);
}

/* One point of a chart. */
struct render_point {
	int64_t	t;
	int64_t	p50;
	int64_t	p95;
};

static int
render_point_cmp(const void *a, const void *b)
{
	const struct render_point	*x = a, *y = b;

	return (x->t < y->t ? -1 : x->t > y->t);
}

/*
 * Older rollups come packed (rollups_cold), their p50 and p95 kept as
 * such. Adds those of a period from from on; returns the count.
 */
static size_t
render_cold_points(struct render *r, int64_t pair, int period, int64_t from,
    struct render_point *pt, size_t n, size_t cap)
{
	struct store_cold	 d[STORE_COLD_SLOTS];
	sqlite3_stmt		*st;
	size_t			 k, i;

	st = render_prepare(r, "SELECT block, packed FROM rollups_cold WHERE "
	    "pair = ? AND period = ? AND block >= ? ORDER BY block");
	sqlite3_bind_int64(st, 1, pair);
	sqlite3_bind_int(st, 2, period);
	sqlite3_bind_int64(st, 3, from - from % ((int64_t)period *
	    STORE_COLD_SLOTS));
	while (n < cap && sqlite3_step(st) == SQLITE_ROW) {
		k = store_cold_decode(period, sqlite3_column_int64(st, 0),
		    sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st,
		    1), d);
		for (i = 0; i < k && n < cap; i++) {
			if (d[i].t < from - from % period || d[i].count == 0)
				continue;
			pt[n].t = d[i].t;
			pt[n].p50 = d[i].p50_us;
			pt[n].p95 = d[i].p95_us;
			n++;
		}
	}
	sqlite3_finalize(st);
	return (n);
}

/* The p50 and p95 of rollups over a range, as an SVG chart. */
static void
render_chart(struct render *r, struct buf *b, int64_t pair, int period,
    int64_t span, const char *label)
{
	sqlite3_stmt		*st;
	uint64_t		 h[STORE_HIST_BUCKETS];
	int64_t			 now = (int64_t)(render_now(r) / 1000000);
	int64_t			 from = now - span, p50, max = 1;
	size_t			 n = 0, cap = 2 * ((size_t)(span / period) + 2);
	size_t			 i, k;
	struct render_point	*pt;
	double			 x, y;
	const int		 W = 600, H = 120;

	pt = xcalloc(cap, sizeof *pt);
	st = render_prepare(r, "SELECT t, hist FROM rollups WHERE pair = ? AND "
	    "period = ? AND t >= ? ORDER BY t");
	sqlite3_bind_int64(st, 1, pair);
	sqlite3_bind_int(st, 2, period);
	sqlite3_bind_int64(st, 3, from - from % period);
	while (n < cap && sqlite3_step(st) == SQLITE_ROW) {
		store_hist_decode(sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), h);
		if ((p50 = store_hist_percentile(h, 0.5)) < 0)
			continue;
		pt[n].t = sqlite3_column_int64(st, 0);
		pt[n].p50 = p50;
		pt[n].p95 = store_hist_percentile(h, 0.95);
		n++;
	}
	sqlite3_finalize(st);
	if (span > (period == STORE_HOUR ? STORE_HOUR_COLD_S :
	    STORE_DAY_COLD_S))
		n = render_cold_points(r, pair, period, from, pt, n, cap);
	qsort(pt, n, sizeof *pt, render_point_cmp);
	for (i = 0; i < n; i++)
		max = pt[i].p95 > max ? pt[i].p95 : max;
	buf_printf(b, "<figure class=\"chart\"><figcaption>%s: p50 and p95, "
	    "peak ", label);
	render_duration(b, max);
	buf_printf(b, "</figcaption><svg viewBox=\"0 0 %d %d\" width=\"%d\" "
	    "height=\"%d\" role=\"img\" aria-label=\"durations\">"
	    "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
	    "stroke=\"#ddd\"/>", W, H, W, H, W, H);
	for (k = 0; k < 2 && n > 0; k++) {
		buf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" "
		    "stroke-width=\"1.5\" points=\"", k == 0 ? "#3572b0" :
		    "#e67e22");
		for (i = 0; i < n; i++) {
			x = (double)W * (double)(pt[i].t - from) / (double)span;
			y = (double)H - 4 - (double)(H - 8) * (double)(k == 0 ?
			    pt[i].p50 : pt[i].p95) / (double)max;
			buf_printf(b, "%s%.1f,%.1f", i > 0 ? " " : "",
			    x < 0 ? 0 : x, y);
		}
		buf_adds(b, "\"/>");
		for (i = 0; n < 60 && i < n; i++) {
			x = (double)W * (double)(pt[i].t - from) / (double)span;
			y = (double)H - 4 - (double)(H - 8) * (double)(k == 0 ?
			    pt[i].p50 : pt[i].p95) / (double)max;
			buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" "
			    "fill=\"%s\"/>", x < 0 ? 0 : x, y, k == 0 ?
			    "#3572b0" : "#e67e22");
		}
	}
	if (n == 0)
		buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
		    "fill=\"#888\">no data</text>", W / 2, H / 2);
	buf_adds(b, "</svg></figure>\n");
	free(pt);
}

/* The script as rendered for the site, with the failing command marked. */
static void
render_script(struct render *r, struct buf *b, const char *site,
    const char *test, const char *server, const char *failing)
{
	const struct site	*s;
	struct test		*t;
	const struct server	*sv = NULL;
	struct source		*src = NULL;
	struct diag		 d;
	struct buf		 out;
	const char		*p, *nl, *q;
	char			*line;
	size_t			 len;

	if (r->inv == NULL || (s = inventory_site(r->inv, site)) == NULL ||
	    (t = inventory_test(r->inv, test)) == NULL)
		return;
	if (*server != '\0')
		sv = inventory_server(r->inv, server);
	diag_init(&d);
	buf_init(&out);
	if (inventory_render(t, s, sv, &out, &src, &d) == 0) {
		redact_buf(&out);
		buf_adds(b, "<section><h2>Code executed</h2><ol class=\"code\">");
		for (p = out.data != NULL ? out.data : ""; *p != '\0'; p = nl) {
			if ((nl = strchr(p, '\n')) == NULL)
				nl = p + strlen(p);
			len = (size_t)(nl - p);
			line = xstrndup(p, len);
			for (q = line; *q == ' ' || *q == '\t'; q++)
				;
			buf_adds(b, failing != NULL && *failing != '\0' &&
			    strcmp(q, failing) == 0 ? "<li class=\"bad\">" :
			    "<li>");
			render_text(b, line);
			buf_adds(b, "</li>");
			free(line);
			if (*nl == '\n')
				nl++;
		}
		buf_adds(b, "</ol></section>\n");
	}
	diag_free(&d);
	buf_free(&out);
	source_unref(src);
}

/* The latest result in full, from its record. */
static void
render_latest(struct render *r, struct buf *b, const char *json)
{
	json_t		*rec, *err, *steps, *s;
	size_t		 i;
	const char	*out;

	if (json == NULL || (rec = json_loads(json, 0, NULL)) == NULL)
		return;
	buf_adds(b, "<section><h2>Latest result</h2><dl class=\"about\">"
	    "<dt>status</dt><dd>");
	render_text(b, json_string_value(json_object_get(rec, "status")));
	buf_adds(b, "</dd><dt>started</dt><dd>");
	render_text(b, json_string_value(json_object_get(rec, "start")));
	buf_adds(b, "</dd><dt>url</dt><dd>");
	render_text(b, json_string_value(json_object_get(rec, "url")));
	buf_printf(b, "</dd><dt>attempts</dt><dd>%lld</dd>", (long long)
	    json_integer_value(json_object_get(rec, "attempts")));
	if (json_is_object(err = json_object_get(rec, "error"))) {
		buf_adds(b, "<dt>message</dt><dd class=\"msg\">");
		render_text(b, json_string_value(json_object_get(err,
		    "message")));
		buf_adds(b, "</dd><dt>where</dt><dd><code>");
		render_text(b, json_string_value(json_object_get(err, "file")));
		buf_printf(b, ":%lld: ", (long long)json_integer_value(
		    json_object_get(err, "line")));
		render_text(b, json_string_value(json_object_get(err,
		    "command")));
		buf_adds(b, "</code></dd>");
	}
	buf_adds(b, "</dl>\n");
	steps = json_object_get(rec, "steps");
	if (json_array_size(steps) > 0) {
		buf_adds(b, "<table class=\"steps\"><thead><tr><th>line</th>"
		    "<th>command</th><th>method</th><th>url</th><th>code</th>"
		    "<th>bytes</th><th>dns</th><th>connect</th><th>tls</th>"
		    "<th>first byte</th><th>total</th><th>error</th></tr>"
		    "</thead><tbody>\n");
		json_array_foreach(steps, i, s) {
			buf_printf(b, "<tr><td class=\"num\">%lld</td><td>",
			    (long long)json_integer_value(json_object_get(s,
			    "line")));
			render_text(b, json_string_value(json_object_get(s,
			    "command")));
			buf_adds(b, "</td><td>");
			render_text(b, json_string_value(json_object_get(s,
			    "method")));
			buf_adds(b, "</td><td class=\"url\">");
			render_text(b, json_string_value(json_object_get(s,
			    "url")));
			buf_printf(b, "</td><td class=\"num\">%lld</td><td "
			    "class=\"num\">%lld</td>", (long long)
			    json_integer_value(json_object_get(s, "code")),
			    (long long)json_integer_value(json_object_get(s,
			    "bytes")));
			static const char *const ph[] = { "dns_us",
			    "connect_us", "tls_us", "first_byte_us",
			    "total_us" };
			for (size_t k = 0; k < nitems(ph); k++) {
				buf_adds(b, "<td class=\"num\">");
				render_duration(b, json_integer_value(
				    json_object_get(s, ph[k])));
				buf_adds(b, "</td>");
			}
			buf_adds(b, "<td class=\"msg\">");
			render_text(b, json_string_value(json_object_get(s,
			    "error")));
			buf_adds(b, "</td></tr>\n");
		}
		buf_adds(b, "</tbody></table>\n");
	}
	if ((out = json_string_value(json_object_get(rec, "output"))) != NULL &&
	    *out != '\0') {
		buf_adds(b, "<h3>Output</h3><pre class=\"output\">");
		render_text(b, out);
		buf_adds(b, "</pre>\n");
	}
	buf_adds(b, "</section>\n");
	json_decref(rec);
}

/* The id of a pair, or -1. */
int64_t
render_pair_id(struct render *r, const char *site, const char *test,
    const char *server)
{
	sqlite3_stmt	*st;
	int64_t		 id = -1;

	st = render_prepare(r, "SELECT id FROM pairs WHERE site = ? AND test = "
	    "? AND server = ?");
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, test, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, server != NULL ? server : "", -1,
	    SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (id);
}

/* A history page's rows: limit results of a pair before a start time. */
sqlite3_stmt *
render_history_stmt(struct render *r, int64_t pair, int64_t before,
    int limit)
{
	sqlite3_stmt	*st;

	st = render_prepare(r, "SELECT " RESULT_COLUMNS ", r.eclass FROM "
	    "results r JOIN pairs p ON p.id = r.pair JOIN runs u ON u.id = "
	    "r.run WHERE r.pair = ? AND r.start_us < ? ORDER BY r.start_us "
	    "DESC LIMIT ?");
	sqlite3_bind_int64(st, 1, pair);
	sqlite3_bind_int64(st, 2, before);
	sqlite3_bind_int(st, 3, limit);
	return (st);
}

/* ?before=: a start time in microseconds, or "now". */
int64_t
render_before(struct evkeyvalq *q)
{
	const char	*v = render_param(q, "before");
	long		 n;

	if (v == NULL || parse_int(v, 1, LONG_MAX, &n) != 0)
		return (INT64_MAX);
	return ((int64_t)n);
}

/* /sites/SITE/TEST[?server=S][&before=T] */
void
render_pair_page(struct render *r, const char *site, const char *test,
    struct evkeyvalq *q, struct render_out *o)
{
	struct buf	*b = &o->body;
	const char	*server = render_param(q, "server");
	sqlite3_stmt	*st;
	struct buf	 rows, strip;
	char		*title, *record = NULL, *failing = NULL;
	int64_t		 pair, before = render_before(q), last = 0;
	int		 n = 0, status = -1;

	if ((pair = render_pair_id(r, site, test, server)) < 0) {
		title = xstrfmt("No results for test '%s' on site '%s'%s%s in "
		    "the store.", test, site, server != NULL ? " via " : "",
		    server != NULL ? server : "");
		render_not_found(r, o, title);
		free(title);
		return;
	}
	title = xstrfmt("%s on %s%s%s", test, site, server != NULL ? " via " :
	    "", server != NULL ? server : "");
	render_head(r, b, title, 0);
	free(title);
	buf_adds(b, "<p class=\"crumbs\">");
	render_a(r, b, L_SITE, site, NULL, NULL, site);
	buf_adds(b, " · <img alt=\"badge\" src=\"");
	render_href(r, b, L_BADGE_PAIR, site, test, NULL);
	buf_adds(b, "\"></p>\n");
	st = render_prepare(r, "SELECT record, status FROM latest WHERE pair = "
	    "?");
	sqlite3_bind_int64(st, 1, pair);
	if (sqlite3_step(st) == SQLITE_ROW) {
		record = xstrdup(render_col(st, 0));
		status = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (before == INT64_MAX) {
		if (record != NULL) {
			json_t *rec = json_loads(record, 0, NULL);

			failing = xstrdup(json_string_value(json_object_get(
			    json_object_get(rec, "error"), "command")) != NULL ?
			    json_string_value(json_object_get(json_object_get(
			    rec, "error"), "command")) : "");
			json_decref(rec);
		}
		(void)status;
		render_latest(r, b, record);
		buf_adds(b, "<section><h2>Durations</h2>");
		render_chart(r, b, pair, STORE_HOUR, 86400, "24 h");
		render_chart(r, b, pair, STORE_HOUR, 7 * 86400, "7 d");
		render_chart(r, b, pair, STORE_DAY, 30 * 86400, "30 d");
		render_chart(r, b, pair, STORE_DAY, 365 * 86400, "365 d");
		buf_adds(b, "</section>\n");
		render_script(r, b, site, test, server != NULL ? server : "",
		    failing);
		if ((r->flags & RENDER_RUN) && r->csrf != NULL) {
			buf_adds(b, "<form method=\"post\" action=\"");
			render_href(r, b, L_PAIR, site, test, NULL);
			buf_adds(b, "/run\"><input type=\"hidden\" name=\"csrf\" "
			    "value=\"");
			render_attr(b, r->csrf);
			buf_adds(b, "\"><button>Run now</button></form>\n");
		}
	}
	free(record);
	free(failing);
	buf_init(&rows);
	buf_init(&strip);
	st = render_history_stmt(r, pair, before, RENDER_PAGE);
	while (sqlite3_step(st) == SQLITE_ROW) {
		render_result_tr(r, &rows, st, 0);
		buf_printf(&strip, "<rect x=\"%d\" y=\"0\" width=\"11\" "
		    "height=\"16\" class=\"%s\"/>", (RENDER_PAGE - 1 - n) * 12,
		    render_status_class(sqlite3_column_int(st, 2)));
		last = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_finalize(st);
	buf_adds(b, "<section><h2>History</h2>");
	buf_printf(b, "<svg class=\"strip\" viewBox=\"0 0 %d 16\" width=\"%d\" "
	    "height=\"16\" role=\"img\" aria-label=\"statuses\">",
	    RENDER_PAGE * 12, RENDER_PAGE * 12);
	buf_add(b, strip.data, strip.len);
	buf_adds(b, "</svg>");
	if (n > 0) {
		buf_adds(b, "<table class=\"history\"><thead><tr><th>when</th>"
		    "<th>run</th><th>status</th><th>duration</th>"
		    "<th>attempts</th><th>message</th></tr></thead><tbody>\n");
		buf_add(b, rows.data, rows.len);
		buf_adds(b, "</tbody></table>\n");
	} else
		buf_adds(b, "<p>No older results within the retention period."
		    "</p>");
	if (n == RENDER_PAGE && !(r->flags & RENDER_STATIC)) {
		buf_adds(b, "<p class=\"more\"><a rel=\"next\" href=\"");
		render_href(r, b, L_PAIR, site, test, server);
		buf_printf(b, "%cbefore=%lld\">older</a></p>", server != NULL ?
		    '&' : '?', (long long)last);
	}
	buf_adds(b, "</section>\n");
	buf_free(&rows);
	buf_free(&strip);
	render_foot(r, b);
}

/* /runs[?before=T] */
void
render_runs(struct render *r, struct evkeyvalq *q, struct render_out *o)
{
	struct buf	*b = &o->body;
	sqlite3_stmt	*st;
	int64_t		 before = render_before(q), last = 0;
	int		 n = 0;

	render_head(r, b, "Runs", 0);
	st = render_prepare(r, "SELECT name, start_us, command, pairs, results, "
	    "failures, duration_us, exit_status, ended, host FROM runs WHERE "
	    "coalesce(start_us, 0) < ? ORDER BY start_us DESC LIMIT ?");
	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int(st, 2, RENDER_PAGE);
	buf_adds(b, "<table><thead><tr><th>run</th><th>started</th><th>host</th>"
	    "<th>pairs</th><th>results</th><th>failures</th><th>wall time</th>"
	    "<th>exit</th></tr></thead><tbody>\n");
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_printf(b, "<tr class=\"%s\"><td>", sqlite3_column_int64(st, 5)
		    > 0 ? "bad" : "ok");
		render_a(r, b, L_RUN, render_col(st, 0), NULL, NULL, render_col(st, 0));
		buf_adds(b, "</td><td>");
		render_time(b, sqlite3_column_int64(st, 1));
		buf_adds(b, "</td><td>");
		render_text(b, render_col(st, 9));
		buf_printf(b, "</td><td class=\"num\">%lld</td><td class=\"num\">"
		    "%lld</td><td class=\"num\">%lld</td><td class=\"num\">",
		    (long long)sqlite3_column_int64(st, 3), (long long)
		    sqlite3_column_int64(st, 4), (long long)
		    sqlite3_column_int64(st, 5));
		if (sqlite3_column_int(st, 8))
			render_duration(b, sqlite3_column_int64(st, 6));
		else
			buf_adds(b, "unfinished");
		buf_adds(b, "</td><td class=\"num\">");
		if (sqlite3_column_int(st, 8))
			buf_printf(b, "%d", sqlite3_column_int(st, 7));
		buf_adds(b, "</td></tr>\n");
		last = sqlite3_column_int64(st, 1);
		n++;
	}
	sqlite3_finalize(st);
	buf_adds(b, "</tbody></table>\n");
	if (n == RENDER_PAGE && !(r->flags & RENDER_STATIC))
		buf_printf(b, "<p class=\"more\"><a rel=\"next\" href=\"/runs?"
		    "before=%lld\">older</a></p>", (long long)last);
	render_foot(r, b);
}

/* /runs/ID: counts, then what changed from each pair's result before. */
void
render_run(struct render *r, const char *name, struct render_out *o)
{
	struct buf	*b = &o->body;
	sqlite3_stmt	*st, *prev;
	int64_t		 id = -1, start = 0;
	char		*title;
	int		 n = 0, status, was;

	st = render_prepare(r, "SELECT id, start_us, end_us, duration_us, "
	    "pairs, results, failures, exit_status, ended, totals, host, "
	    "inventory FROM runs WHERE name = ?");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		title = xstrfmt("No run '%s' in the store.", name);
		render_not_found(r, o, title);
		free(title);
		return;
	}
	title = xstrfmt("Run %s", name);
	render_head(r, b, title, 0);
	free(title);
	id = sqlite3_column_int64(st, 0);
	start = sqlite3_column_int64(st, 1);
	buf_adds(b, "<dl class=\"about\"><dt>started</dt><dd>");
	render_time(b, start);
	buf_adds(b, "</dd><dt>host</dt><dd>");
	render_text(b, render_col(st, 10));
	buf_adds(b, "</dd><dt>inventory</dt><dd>");
	render_text(b, render_col(st, 11));
	buf_printf(b, "</dd><dt>pairs</dt><dd>%lld</dd><dt>results</dt><dd>"
	    "%lld</dd><dt>failures</dt><dd>%lld</dd><dt>wall time</dt><dd>",
	    (long long)sqlite3_column_int64(st, 4), (long long)
	    sqlite3_column_int64(st, 5), (long long)sqlite3_column_int64(st, 6));
	if (sqlite3_column_int(st, 8)) {
		render_duration(b, sqlite3_column_int64(st, 3));
		buf_printf(b, "</dd><dt>exit status</dt><dd>%d</dd><dt>totals"
		    "</dt><dd><code>", sqlite3_column_int(st, 7));
		render_text(b, render_col(st, 9));
		buf_adds(b, "</code>");
	} else
		buf_adds(b, "unfinished");
	buf_adds(b, "</dd></dl>\n");
	sqlite3_finalize(st);
	st = render_prepare(r, "SELECT " RESULT_COLUMNS ", r.pair FROM results "
	    "r JOIN pairs p ON p.id = r.pair JOIN runs u ON u.id = r.run WHERE "
	    "r.run = ? ORDER BY p.site, p.test, p.server");
	prev = render_prepare(r, "SELECT status FROM results WHERE pair = ? AND "
	    "start_us < ? ORDER BY start_us DESC LIMIT 1");
	sqlite3_bind_int64(st, 1, id);
	buf_adds(b, "<section><h2>Changed since the run before</h2>");
	while (sqlite3_step(st) == SQLITE_ROW) {
		status = sqlite3_column_int(st, 2);
		sqlite3_reset(prev);
		sqlite3_bind_int64(prev, 1, sqlite3_column_int64(st, 9));
		sqlite3_bind_int64(prev, 2, sqlite3_column_int64(st, 0));
		was = sqlite3_step(prev) == SQLITE_ROW ?
		    sqlite3_column_int(prev, 0) : -1;
		if (was == status || (was >= 0 &&
		    result_status_failed((enum result_status)was) ==
		    result_status_failed((enum result_status)status) &&
		    !result_status_failed((enum result_status)status)))
			continue;
		if (n++ == 0)
			buf_adds(b, "<table><thead><tr><th>site</th><th>test</th>"
			    "<th>was</th><th>now</th><th>message</th></tr>"
			    "</thead><tbody>\n");
		buf_printf(b, "<tr class=\"%s\"><td>", render_status_class(
		    status));
		render_a(r, b, L_SITE, render_col(st, 6), NULL, NULL, render_col(st, 6));
		buf_adds(b, "</td><td>");
		render_a(r, b, L_PAIR, render_col(st, 6), render_col(st, 7), render_col(st, 8),
		    render_col(st, 7));
		buf_adds(b, "</td><td>");
		if (was >= 0)
			render_status(b, was);
		else
			buf_adds(b, "new");
		buf_adds(b, "</td><td>");
		render_status(b, status);
		buf_adds(b, "</td><td class=\"msg\">");
		render_text(b, render_col(st, 5));
		buf_adds(b, "</td></tr>\n");
	}
	sqlite3_finalize(st);
	sqlite3_finalize(prev);
	buf_adds(b, n > 0 ? "</tbody></table>" : "<p>Nothing changed.</p>");
	buf_adds(b, "</section>\n");
	render_foot(r, b);
}

/* /types/TYPE and /servers/SERVER: their pairs, with rollups. */
void
render_group(struct render *r, int server, const char *name,
    struct render_out *o)
{
	struct buf		*b = &o->body;
	struct render_filter	 f;
	sqlite3_stmt		*st;
	char			*title;
	size_t			 n;

	memset(&f, 0, sizeof f);
	if (server)
		f.server = name;
	else
		f.type = name;
	title = xstrfmt("%s %s", server ? "Server" : "Type", name);
	render_head(r, b, title, 0);
	free(title);
	st = render_prepare(r, BOARD_SQL);
	n = render_pairs_of(r, b, st, 1, &f);
	sqlite3_finalize(st);
	if (n == 0) {
		title = xstrfmt("No results for %s '%s' in the store.", server ?
		    "server" : "type", name);
		render_not_found(r, o, title);
		free(title);
		return;
	}
	render_foot(r, b);
}
