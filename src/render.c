/*
 * render.c: the dashboard's pages (render.h), from the store.
 *
 * A page is HTML written into a buffer: a head with the one stylesheet,
 * the page's sections, inline SVG for sparklines, charts, strips and
 * badges. Everything that comes from the inventory, a log or a request is
 * written through render_text or render_attr (HTML), render_url_segment
 * (links) or jansson (JSON); markup is only ever literal. In static mode
 * (kong html) links point to files named by render_file_name, relative to
 * the page.
 *
 * Queries are bounded by what a page shows: the board reads the latest
 * row of each pair and two short rollup ranges per pair; a pair page one
 * page of history (keyset: ?before=START) and its chart's rollups.
 */
#include <sys/queue.h>

#include <math.h>
#include <time.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "map.h"
#include "redact.h"
#include "render-int.h"

const char *
render_col(sqlite3_stmt *st, int i)
{
	const unsigned char	*v = sqlite3_column_text(st, i);

	return (v != NULL ? (const char *)v : "");
}

void
render_pair_row(sqlite3_stmt *st, struct render_pair *p)
{
	p->id = sqlite3_column_int64(st, 0);
	p->site = render_col(st, 1);
	p->test = render_col(st, 2);
	p->server = render_col(st, 3);
	p->type = render_col(st, 4);
	p->url = render_col(st, 5);
	p->status = sqlite3_column_int(st, 6);
	p->eclass = sqlite3_column_int(st, 7);
	p->start_us = sqlite3_column_int64(st, 8);
	p->duration_us = sqlite3_column_int64(st, 9);
	p->message = render_col(st, 10);
	p->since_us = sqlite3_column_int64(st, 11);
	p->streak = sqlite3_column_int64(st, 12);
	p->spark = sqlite3_column_blob(st, 13);
	p->nspark = (size_t)sqlite3_column_bytes(st, 13);
}

/* A statement; a failure to prepare is a bug in this file. */
sqlite3_stmt *
render_prepare(struct render *r, const char *sql)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
		fatal("render: %s: %s", sql, sqlite3_errmsg(r->db));
	return (st);
}

uint64_t
render_now(const struct render *r)
{
	return (r->now != 0 ? r->now : realtime_usec());
}

/* A renderer over an open store; inv (may be NULL) adds scripts and tags. */
struct render *
render_create(struct store *s, const struct inventory *inv, int flags)
{
	struct render	*r;

	r = xcalloc(1, sizeof *r);
	r->store = s;
	r->db = store_db(s);
	r->inv = inv;
	r->flags = flags;
	r->root = "/";
	buf_init(&r->rootbuf);
	map_init(&r->written);
	return (r);
}

void
render_free(struct render *r)
{
	if (r == NULL)
		return;
	buf_free(&r->rootbuf);
	map_free(&r->written, NULL);
	free(r->csrf);
	free(r);
}

/* The token "run now" forms carry (kong serve --allow-run). */
void
render_set_csrf(struct render *r, const char *token)
{
	free(r->csrf);
	r->csrf = token != NULL ? xstrdup(token) : NULL;
}

/* Render as if it were this time (kong html, tests); 0: the clock. */
void
render_set_now(struct render *r, uint64_t now)
{
	r->now = now;
}

void
render_out_init(struct render_out *o)
{
	o->status = 200;
	o->ctype = "text/html; charset=utf-8";
	buf_init(&o->body);
}

void
render_out_free(struct render_out *o)
{
	buf_free(&o->body);
}

/* Text for HTML, text or attribute value: & < > " ' escaped. */
void
render_text(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		case '\'':
			buf_adds(b, "&#39;");
			break;
		default:
			buf_addc(b, *s);
			break;
		}
	}
}


/* A path segment for a URL: everything but unreserved bytes as %XX. */
void
render_url_segment(struct buf *b, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";
	unsigned char		c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			buf_addc(b, (char)c);
		else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}

/* A name as a file name: [A-Za-z0-9-] as is, anything else as _XX. */
static void
render_file_segment(struct buf *b, const char *s)
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-')
			buf_addc(b, (char)c);
		else {
			buf_addc(b, '_');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}

/*
 * The file kong html writes for a URL path (percent-encoded, as
 * render_static_paths gives it) and a server: "/" is index.html,
 * /sites/A/B is sites/A/B.html (sites/A/B.on.S.html with a server), an API
 * path gets .json, a badge keeps .svg; each name is made file-safe.
 * Caller frees.
 */
char *
render_file_name(const char *path, const char *server)
{
	struct buf	 b;
	const char	*p, *slash, *ext;
	char		*raw, *seg;
	size_t		 len;
	int		 badge = strncmp(path, "/badge/", 7) == 0;

	buf_init(&b);
	if (strcmp(path, "/") == 0 || *path == '\0') {
		buf_adds(&b, "index.html");
		return (buf_steal(&b));
	}
	if (strcmp(path, "/style.css") == 0) {
		buf_adds(&b, "style.css");
		return (buf_steal(&b));
	}
	ext = strncmp(path, "/api/", 5) == 0 ? ".json" : badge ? ".svg" :
	    ".html";
	for (p = path + 1; *p != '\0'; p = *slash != '\0' ? slash + 1 : slash) {
		if ((slash = strchr(p, '/')) == NULL)
			slash = p + strlen(p);
		raw = xstrndup(p, (size_t)(slash - p));
		seg = evhttp_uridecode(raw, 0, NULL);
		free(raw);
		len = strlen(seg);
		if (badge && *slash == '\0' && len > 4 &&
		    strcmp(seg + len - 4, ".svg") == 0)
			seg[len - 4] = '\0';
		if (b.len > 0)
			buf_addc(&b, '/');
		render_file_segment(&b, seg);
		free(seg);
	}
	if (server != NULL && *server != '\0') {
		buf_adds(&b, ".on.");
		render_file_segment(&b, server);
	}
	buf_adds(&b, ext);
	return (buf_steal(&b));
}


/* An href for a link (attribute-safe). */
void
render_href(struct render *r, struct buf *b, enum render_link kind,
    const char *a, const char *c, const char *server)
{
	struct buf	 u;
	char		*file;

	buf_init(&u);
	switch (kind) {
	case L_RUN:
	case L_ALERT:
	case L_SITE:
	case L_TYPE:
	case L_SERVER:
	case L_BADGE_SITE:
		buf_adds(&u, kind == L_RUN ? "/runs/" : kind == L_ALERT ?
		    "/alerts/" : kind == L_SITE ?
		    "/sites/" : kind == L_TYPE ? "/types/" : kind == L_SERVER ?
		    "/servers/" : "/badge/");
		render_url_segment(&u, a);
		if (kind == L_BADGE_SITE)
			buf_adds(&u, ".svg");
		break;
	case L_PAIR:
	case L_BADGE_PAIR:
		buf_adds(&u, kind == L_PAIR ? "/sites/" : "/badge/");
		render_url_segment(&u, a);
		buf_addc(&u, '/');
		render_url_segment(&u, c);
		if (kind == L_BADGE_PAIR)
			buf_adds(&u, ".svg");
		break;
	default:
		buf_adds(&u, kind == L_BOARD ? "/" : kind == L_FAILED ?
		    "/failed" : kind == L_DASHBOARD ? "/dashboard" :
		    kind == L_RUNS ? "/runs" : kind == L_CSS ? "/style.css" :
		    kind == L_API_STATUS ? "/api/v1/status" : kind ==
		    L_ALERTS ? "/alerts" : "/metrics");
		break;
	}
	if (kind != L_PAIR)
		server = NULL;
	if (r->flags & RENDER_STATIC) {
		file = render_file_name(u.data, server);
		render_attr(b, r->root);
		render_attr(b, file);
		free(file);
	} else {
		render_attr(b, u.data);
		if (server != NULL && *server != '\0') {
			buf_adds(b, "?server=");
			render_url_segment(b, server);
		}
	}
	buf_free(&u);
}

/* <a href=...>text</a> */
void
render_a(struct render *r, struct buf *b, enum render_link kind,
    const char *a, const char *c, const char *server, const char *text)
{
	struct buf	u;

	if ((r->flags & RENDER_STATIC) && kind == L_RUN) {
		/* Only the last runs are written: the others are text. */
		buf_init(&u);
		buf_adds(&u, "/runs/");
		render_url_segment(&u, a);
		if (map_get(&r->written, u.data) == NULL) {
			buf_free(&u);
			render_text(b, text);
			return;
		}
		buf_free(&u);
	}
	buf_adds(b, "<a href=\"");
	render_href(r, b, kind, a, c, server);
	buf_adds(b, "\">");
	render_text(b, text);
	buf_adds(b, "</a>");
}

const char *
render_status_name(int st)
{
	if (st < 0 || st >= RESULT__COUNT)
		return ("unknown");
	return (result_status_name((enum result_status)st));
}

/* The CSS class of a status: ok, bad, skip. */
const char *
render_status_class(int st)
{
	if (st < 0 || st >= RESULT__COUNT)
		return ("skip");
	if (result_status_passed((enum result_status)st))
		return (st == RESULT_PASS ? "ok" : "warn");
	if (st == RESULT_SKIPPED)
		return ("skip");
	return ("bad");
}

void
render_status(struct buf *b, int st)
{
	buf_printf(b, "<span class=\"st %s\">%s</span>",
	    render_status_class(st), render_status_name(st));
}

/* "3.2 s", "140 ms" */
void
render_duration(struct buf *b, int64_t us)
{
	if (us >= 7200 * 1000000LL)
		buf_printf(b, "%.0f h", (double)us / 3600e6);
	else if (us >= 120 * 1000000LL)
		buf_printf(b, "%.0f min", (double)us / 60e6);
	else if (us >= 10000000)
		buf_printf(b, "%.0f s", (double)us / 1e6);
	else if (us >= 1000000)
		buf_printf(b, "%.1f s", (double)us / 1e6);
	else if (us >= 1000)
		buf_printf(b, "%.0f ms", (double)us / 1e3);
	else
		buf_printf(b, "%lld µs", (long long)us);
}

/* "4 min ago" */
static void
render_age(struct render *r, struct buf *b, int64_t us)
{
	int64_t	s = ((int64_t)render_now(r) - us) / 1000000;

	if (us <= 0)
		buf_adds(b, "never");
	else if (s < 0)
		buf_adds(b, "just now");
	else if (s < 120)
		buf_printf(b, "%lld s ago", (long long)s);
	else if (s < 7200)
		buf_printf(b, "%lld min ago", (long long)(s / 60));
	else if (s < 2 * 86400)
		buf_printf(b, "%lld h ago", (long long)(s / 3600));
	else
		buf_printf(b, "%lld d ago", (long long)(s / 86400));
}

/* A time as <time>: 2026-12-02 19:05:59Z */
void
render_time(struct buf *b, int64_t us)
{
	char		 s[32];
	struct tm	 tm;
	time_t		 t = (time_t)(us / 1000000);

	gmtime_r(&t, &tm);
	strftime(s, sizeof s, "%Y-%m-%d %H:%M:%SZ", &tm);
	buf_printf(b, "<time>%s</time>", s);
}

/* The head of a page, through the opening of <main>. */
void
render_head(struct render *r, struct buf *b, const char *title, int refresh)
{
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">");
	if (refresh > 0)
		buf_printf(b, "<meta http-equiv=\"refresh\" content=\"%d\">",
		    refresh);
	buf_adds(b, "<title>");
	render_text(b, title);
	buf_adds(b, " · Kong</title><link rel=\"stylesheet\" href=\"");
	render_href(r, b, L_CSS, NULL, NULL, NULL);
	buf_adds(b, "\"></head><body><header><nav>");
	render_a(r, b, L_BOARD, NULL, NULL, NULL, "Kong");
	render_a(r, b, L_FAILED, NULL, NULL, NULL, "Failed");
	render_a(r, b, L_RUNS, NULL, NULL, NULL, "Runs");
	render_a(r, b, L_ALERTS, NULL, NULL, NULL, "Alerts");
	render_a(r, b, L_DASHBOARD, NULL, NULL, NULL, "Wallboard");
	render_a(r, b, L_API_STATUS, NULL, NULL, NULL, "API");
	buf_adds(b, "</nav></header><main><h1>");
	render_text(b, title);
	buf_adds(b, "</h1>\n");
}

void
render_foot(struct render *r, struct buf *b)
{
	buf_adds(b, "</main><footer>Kong " KONG_VERSION " · rendered ");
	render_time(b, (int64_t)render_now(r));
	buf_adds(b, "</footer></body></html>\n");
}

/* A sparkline of the last durations; failures as red marks. */
static void
render_spark(struct buf *b, const void *blob, size_t len)
{
	struct store_spark	 v[STORE_SPARK];
	size_t			 n, i;
	uint32_t		 max = 1;
	double			 x, y;

	n = store_spark_decode(blob, len, v);
	buf_adds(b, "<svg class=\"spark\" viewBox=\"0 0 100 20\" width=\"100\" "
	    "height=\"20\" role=\"img\" aria-label=\"last durations\">");
	if (n > 1) {
		for (i = 0; i < n; i++)
			max = v[i].ms10 > max ? v[i].ms10 : max;
		buf_adds(b, "<polyline fill=\"none\" stroke=\"#3572b0\" "
		    "stroke-width=\"1.2\" points=\"");
		for (i = 0; i < n; i++) {
			x = 100.0 * (double)i / (double)(STORE_SPARK - 1);
			y = 19.0 - 18.0 * (double)v[i].ms10 / (double)max;
			buf_printf(b, "%s%.1f,%.1f", i > 0 ? " " : "", x, y);
		}
		buf_adds(b, "\"/>");
		for (i = 0; i < n; i++) {
			if (!result_status_failed((enum result_status)
			    (v[i].status < RESULT__COUNT ? v[i].status :
			    RESULT_ERROR)))
				continue;
			x = 100.0 * (double)i / (double)(STORE_SPARK - 1);
			buf_printf(b, "<rect x=\"%.1f\" y=\"0\" width=\"2\" "
			    "height=\"20\" fill=\"#c0392b\"/>", x - 1);
		}
	}
	buf_adds(b, "</svg>");
}

/* Uptime of a pair since from (seconds), from one rollup period. */
static void
render_uptime(struct render *r, struct buf *b, sqlite3_stmt **st,
    int64_t pair, int period, int64_t from)
{
	int64_t	count, fails;

	if (*st == NULL)
		*st = render_prepare(r, "SELECT sum(count), sum(failures) FROM "
		    "rollups WHERE pair = ? AND period = ? AND t >= ?");
	sqlite3_reset(*st);
	sqlite3_bind_int64(*st, 1, pair);
	sqlite3_bind_int(*st, 2, period);
	sqlite3_bind_int64(*st, 3, from);
	if (sqlite3_step(*st) != SQLITE_ROW ||
	    (count = sqlite3_column_int64(*st, 0)) == 0) {
		buf_adds(b, "<td class=\"num\">–</td>");
		return;
	}
	fails = sqlite3_column_int64(*st, 1);
	buf_printf(b, "<td class=\"num%s\">%.1f%%</td>", fails > 0 ? " bad" :
	    "", 100.0 * (double)(count - fails) / (double)count);
}

/* The header row of a pair table. */
static void
render_pair_thead(struct buf *b, int with_site)
{
	buf_printf(b, "<table class=\"pairs\"><thead><tr>%s<th>test</th>"
	    "<th>server</th><th>status</th><th>checked</th><th>duration</th>"
	    "<th>last %d</th><th>24 h</th><th>7 d</th><th>message</th></tr>"
	    "</thead><tbody>\n", with_site ? "<th>site</th>" : "", STORE_SPARK);
}

/* One pair as a table row. */
static void
render_pair_tr(struct render *r, struct buf *b, const struct render_pair *p,
    int with_site, sqlite3_stmt **up)
{
	int64_t	now = (int64_t)(render_now(r) / 1000000);

	buf_printf(b, "<tr class=\"%s\">", render_status_class(p->status));
	if (with_site) {
		buf_adds(b, "<td>");
		render_a(r, b, L_SITE, p->site, NULL, NULL, p->site);
		buf_adds(b, "</td>");
	}
	buf_adds(b, "<td>");
	render_a(r, b, L_PAIR, p->site, p->test, p->server, p->test);
	buf_adds(b, "</td><td>");
	if (*p->server != '\0')
		render_a(r, b, L_SERVER, p->server, NULL, NULL, p->server);
	buf_adds(b, "</td><td>");
	render_status(b, p->status);
	if (p->streak > 1)
		buf_printf(b, " <span class=\"streak\">×%lld</span>",
		    (long long)p->streak);
	buf_adds(b, "</td><td>");
	render_age(r, b, p->start_us);
	buf_adds(b, "</td><td class=\"num\">");
	render_duration(b, p->duration_us);
	buf_adds(b, "</td><td>");
	render_spark(b, p->spark, p->nspark);
	buf_adds(b, "</td>");
	render_uptime(r, b, &up[0], p->id, STORE_HOUR, now - 86400);
	render_uptime(r, b, &up[1], p->id, STORE_DAY, now - 7 * 86400);
	buf_adds(b, "<td class=\"msg\">");
	if (result_status_failed((enum result_status)p->status))
		render_text(b, p->message);
	buf_adds(b, "</td></tr>\n");
}

/* The last run, and a warning when sweeps seem to have stopped. */
static void
render_last_sweep(struct render *r, struct buf *b)
{
	sqlite3_stmt	*st;
	int64_t		 last = 0, prev = 0, gap, age;
	const char	*name = NULL;
	char		*n = NULL;

	st = render_prepare(r, "SELECT name, start_us FROM runs WHERE start_us "
	    "IS NOT NULL ORDER BY start_us DESC LIMIT 2");
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = xstrdup(render_col(st, 0));
		last = sqlite3_column_int64(st, 1);
		if (sqlite3_step(st) == SQLITE_ROW)
			prev = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	name = n;
	if (name == NULL) {
		buf_adds(b, "<p class=\"stale\">No sweep has been recorded yet: "
		    "run kong check, or kong store ingest a log.</p>\n");
		return;
	}
	age = (int64_t)render_now(r) - last;
	gap = prev > 0 ? last - prev : 0;
	buf_adds(b, "<p class=\"last\">Last sweep ");
	render_age(r, b, last);
	buf_adds(b, " (");
	render_a(r, b, L_RUN, name, NULL, NULL, name);
	buf_adds(b, ").</p>\n");
	if ((gap > 0 && age > 3 * gap && age > 600 * 1000000LL) ||
	    (gap == 0 && age > 86400 * 1000000LL)) {
		buf_adds(b, "<p class=\"stale\">Stale: the last sweep started ");
		render_age(r, b, last);
		buf_adds(b, ", and they came every ");
		render_duration(b, gap > 0 ? gap : 86400 * 1000000LL);
		buf_adds(b, ". Is cron running kong check?</p>\n");
	}
	free(n);
}

/* A query parameter, or NULL. */
const char *
render_param(struct evkeyvalq *q, const char *name)
{
	const char	*v = evhttp_find_header(q, name);

	return (v != NULL && *v != '\0' ? v : NULL);
}

/* Whether a site is in the inventory with a tag / on a server. */
static int
render_site_has(const struct render *r, const char *site, const char *tag,
    const char *server)
{
	const struct site	*s;
	size_t			 i;

	if (r->inv == NULL || (s = inventory_site(r->inv, site)) == NULL)
		return (0);
	if (tag != NULL && strv_contains(s->tags, tag))
		return (1);
	for (i = 0; server != NULL && i < s->nservers; i++) {
		if (strcmp(s->server_names[i], server) == 0)
			return (1);
	}
	return (0);
}


static int
render_filter_keep(const struct render *r, const struct render_filter *f,
    const struct render_pair *p)
{
	if (f->type != NULL && strcmp(p->type, f->type) != 0)
		return (0);
	if (f->tag != NULL && !render_site_has(r, p->site, f->tag, NULL))
		return (0);
	if (f->server != NULL && strcmp(p->server, f->server) != 0 &&
	    !render_site_has(r, p->site, NULL, f->server))
		return (0);
	if (f->status != NULL) {
		if (strcmp(f->status, "failing") == 0)
			return (result_status_failed((enum result_status)
			    p->status));
		if (strcmp(f->status, "passing") == 0)
			return (result_status_passed((enum result_status)
			    p->status));
		if (strcmp(f->status, "skipped") == 0)
			return (p->status == RESULT_SKIPPED);
	}
	return (1);
}

/* The filter form (GET, no script). */
static void
render_filter_form(struct render *r, struct buf *b,
    const struct render_filter *f)
{
	static const char *const sts[] = { "failing", "passing", "skipped" };
	sqlite3_stmt	*st;
	size_t		 i;

	if (r->flags & RENDER_STATIC)
		return;
	buf_adds(b, "<form class=\"filters\" method=\"get\" action=\"/\">"
	    "<label>type <select name=\"type\"><option value=\"\">any</option>");
	st = render_prepare(r, "SELECT DISTINCT type FROM pairs WHERE type IS "
	    "NOT NULL ORDER BY type");
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_adds(b, "<option");
		if (f->type != NULL && strcmp(f->type, render_col(st, 0)) == 0)
			buf_adds(b, " selected");
		buf_adds(b, ">");
		render_text(b, render_col(st, 0));
		buf_adds(b, "</option>");
	}
	sqlite3_finalize(st);
	buf_adds(b, "</select></label> <label>status <select name=\"status\">"
	    "<option value=\"\">any</option>");
	for (i = 0; i < nitems(sts); i++)
		buf_printf(b, "<option%s>%s</option>", f->status != NULL &&
		    strcmp(f->status, sts[i]) == 0 ? " selected" : "", sts[i]);
	buf_adds(b, "</select></label> <label>tag <input name=\"tag\" "
	    "size=\"8\" value=\"");
	render_attr(b, f->tag);
	buf_adds(b, "\"></label> <label>server <input name=\"server\" "
	    "size=\"8\" value=\"");
	render_attr(b, f->server);
	buf_adds(b, "\"></label> <button>filter</button></form>\n");
}

/* A chip: test name colored by status, linking to the pair page. */
static void
render_chip(struct render *r, struct buf *b, const struct render_pair *p)
{
	buf_printf(b, "<a class=\"chip %s\" href=\"",
	    render_status_class(p->status));
	render_href(r, b, L_PAIR, p->site, p->test, p->server);
	buf_adds(b, "\">");
	render_text(b, p->test);
	if (*p->server != '\0') {
		buf_adds(b, "@");
		render_text(b, p->server);
	}
	buf_adds(b, " ");
	render_duration(b, p->duration_us);
	buf_adds(b, "</a>");
}

/* The board's first section: the failing pairs, oldest failure first. */
static size_t
render_board_failing(struct render *r, struct buf *b,
    const struct render_filter *f, sqlite3_stmt **up)
{
	struct render_pair	 p;
	sqlite3_stmt		*st;
	size_t			 nfail = 0;

	st = render_prepare(r, "SELECT " PAIR_COLUMNS " FROM latest l JOIN "
	    "pairs p ON p.id = l.pair WHERE l.streak > 0 OR l.status NOT IN "
	    "(0, 1, 5) ORDER BY l.since_us, p.site, p.test");
	buf_adds(b, "<section><h2>Failing</h2>");
	while (sqlite3_step(st) == SQLITE_ROW) {
		render_pair_row(st, &p);
		if (!result_status_failed((enum result_status)p.status) ||
		    !render_filter_keep(r, f, &p))
			continue;
		if (nfail++ == 0)
			render_pair_thead(b, 1);
		render_pair_tr(r, b, &p, 1, up);
	}
	sqlite3_finalize(st);
	if (nfail > 0)
		buf_adds(b, "</tbody></table>");
	else
		buf_adds(b, "<p class=\"allok\">Nothing is failing.</p>");
	buf_adds(b, "</section>\n");
	return (nfail);
}

/* /: failing pairs first, then every site; all-green sites compact. */
static void
render_board(struct render *r, struct evkeyvalq *q, struct render_out *o)
{
	struct buf		*b = &o->body;
	struct render_filter	 f;
	struct render_pair	 p;
	sqlite3_stmt		*st, *up[2] = { NULL, NULL };
	struct buf		 green, rest, site_rows;
	char			*cur = NULL;
	size_t			 npairs = 0, nfail = 0, nok = 0;
	int			 site_green = 1;

	memset(&f, 0, sizeof f);
	f.type = render_param(q, "type");
	f.tag = render_param(q, "tag");
	f.server = render_param(q, "server");
	f.status = render_param(q, "status");
	render_head(r, b, "Board", 0);
	render_last_sweep(r, b);
	render_filter_form(r, b, &f);
	buf_init(&green);
	buf_init(&rest);
	buf_init(&site_rows);
	nfail = render_board_failing(r, b, &f, up);
	st = render_prepare(r, BOARD_SQL);
	for (;;) {
		int row = sqlite3_step(st) == SQLITE_ROW;

		if (row)
			render_pair_row(st, &p);
		if (cur != NULL && (!row || strcmp(cur, p.site) != 0)) {
			/* The site just ended: compact if all green. */
			if (site_green) {
				buf_adds(&green, "<li>");
				render_a(r, &green, L_SITE, cur, NULL, NULL, cur);
				buf_adds(&green, " ");
				buf_add(&green, site_rows.data, site_rows.len);
				buf_adds(&green, "</li>\n");
			} else {
				buf_printf(&rest, "<tr class=\"site\"><th colspan="
				    "\"10\">");
				render_a(r, &rest, L_SITE, cur, NULL, NULL, cur);
				buf_adds(&rest, "</th></tr>\n");
				buf_add(&rest, site_rows.data, site_rows.len);
			}
			free(cur);
			cur = NULL;
		}
		if (!row)
			break;
		if (!render_filter_keep(r, &f, &p))
			continue;
		npairs++;
		nok += result_status_passed((enum result_status)p.status);
		if (cur == NULL) {
			cur = xstrdup(p.site);
			buf_reset(&site_rows);
			site_green = 1;
		}
		if (p.status != RESULT_PASS && site_green) {
			/* Redo the rows of this site in full. */
			site_green = 0;
			buf_reset(&site_rows);
			sqlite3_stmt *again = render_prepare(r, "SELECT "
			    PAIR_COLUMNS " FROM latest l JOIN pairs p ON p.id "
			    "= l.pair WHERE p.site = ? ORDER BY p.test, "
			    "p.server");
			struct render_pair	q2;

			sqlite3_bind_text(again, 1, cur, -1, SQLITE_STATIC);
			while (sqlite3_step(again) == SQLITE_ROW) {
				render_pair_row(again, &q2);
				if (strcmp(q2.test, p.test) == 0 &&
				    strcmp(q2.server, p.server) == 0)
					break;
				if (render_filter_keep(r, &f, &q2))
					render_pair_tr(r, &site_rows, &q2, 0,
					    up);
			}
			sqlite3_finalize(again);
		}
		if (site_green)
			render_chip(r, &site_rows, &p);
		else
			render_pair_tr(r, &site_rows, &p, 0, up);
	}
	sqlite3_finalize(st);
	buf_printf(b, "<section><h2>Sites</h2><p class=\"counts\">%zu pair%s: "
	    "%zu passing, %zu failing, %zu other.</p>\n", npairs, npairs == 1 ?
	    "" : "s", nok, nfail, npairs - nok - nfail);
	if (rest.len > 0) {
		render_pair_thead(b, 0);
		buf_add(b, rest.data, rest.len);
		buf_adds(b, "</tbody></table>\n");
	}
	if (green.len > 0) {
		buf_adds(b, "<h3>All green</h3><ul class=\"green\">\n");
		buf_add(b, green.data, green.len);
		buf_adds(b, "</ul>\n");
	}
	buf_adds(b, "</section>\n");
	buf_free(&green);
	buf_free(&rest);
	buf_free(&site_rows);
	sqlite3_finalize(up[0]);
	sqlite3_finalize(up[1]);
	render_foot(r, b);
}

/* /dashboard: one tile per site, worst status first, readable afar. */
static void
render_wallboard(struct render *r, struct render_out *o)
{
	struct buf	*b = &o->body;
	sqlite3_stmt	*st;
	int		 worst;
	int64_t		 nfail, n;

	render_head(r, b, "Wallboard", 60);
	render_last_sweep(r, b);
	st = render_prepare(r, "SELECT p.site, count(*), sum(l.status NOT IN "
	    "(0, 1, 5)), max(CASE WHEN l.status IN (0) THEN 0 WHEN l.status = 1 "
	    "THEN 1 WHEN l.status = 5 THEN 0 ELSE 2 END) AS w, "
	    "max(l.start_us) FROM latest l JOIN pairs p ON p.id = l.pair "
	    "GROUP BY p.site ORDER BY w DESC, p.site");
	buf_adds(b, "<div class=\"tiles\">\n");
	while (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 1);
		nfail = sqlite3_column_int64(st, 2);
		worst = sqlite3_column_int(st, 3);
		buf_printf(b, "<a class=\"tile %s\" href=\"", worst == 2 ? "bad" :
		    worst == 1 ? "warn" : "ok");
		render_href(r, b, L_SITE, render_col(st, 0), NULL, NULL);
		buf_adds(b, "\"><span class=\"name\">");
		render_text(b, render_col(st, 0));
		buf_printf(b, "</span><span class=\"n\">%lld/%lld</span>",
		    (long long)(n - nfail), (long long)n);
		buf_adds(b, "</a>\n");
	}
	sqlite3_finalize(st);
	buf_adds(b, "</div>\n");
	render_foot(r, b);
}

/* One history or failure row. */
void
render_result_tr(struct render *r, struct buf *b, sqlite3_stmt *st,
    int with_pair)
{
	/* columns: start_us, run name, status, duration, attempts, message,
	 * site, test, server */
	int	status = sqlite3_column_int(st, 2);

	buf_printf(b, "<tr class=\"%s\"><td>", render_status_class(status));
	render_time(b, sqlite3_column_int64(st, 0));
	buf_adds(b, "</td>");
	if (with_pair) {
		buf_adds(b, "<td>");
		render_a(r, b, L_SITE, render_col(st, 6), NULL, NULL, render_col(st, 6));
		buf_adds(b, "</td><td>");
		render_a(r, b, L_PAIR, render_col(st, 6), render_col(st, 7), render_col(st, 8),
		    render_col(st, 7));
		buf_adds(b, "</td>");
	}
	buf_adds(b, "<td>");
	render_a(r, b, L_RUN, render_col(st, 1), NULL, NULL, render_col(st, 1));
	buf_adds(b, "</td><td>");
	render_status(b, status);
	buf_adds(b, "</td><td class=\"num\">");
	render_duration(b, sqlite3_column_int64(st, 3));
	buf_printf(b, "</td><td class=\"num\">%d</td><td class=\"msg\">",
	    sqlite3_column_int(st, 4));
	render_text(b, render_col(st, 5));
	buf_adds(b, "</td></tr>\n");
}


/* /failed: open incidents, then recent failures. */
static void
render_failed(struct render *r, struct render_out *o)
{
	struct buf		*b = &o->body;
	struct render_pair	 p;
	sqlite3_stmt		*st;
	size_t			 n = 0;

	render_head(r, b, "Failed", 0);
	buf_adds(b, "<section><h2>Open incidents</h2>");
	st = render_prepare(r, "SELECT " PAIR_COLUMNS " FROM latest l JOIN "
	    "pairs p ON p.id = l.pair WHERE l.streak > 0 ORDER BY l.since_us, "
	    "p.site, p.test");
	while (sqlite3_step(st) == SQLITE_ROW) {
		render_pair_row(st, &p);
		if (n++ == 0)
			buf_adds(b, "<table><thead><tr><th>site</th><th>test</th>"
			    "<th>server</th><th>status</th><th>since</th>"
			    "<th>runs in a row</th><th>message</th></tr>"
			    "</thead><tbody>\n");
		buf_adds(b, "<tr class=\"bad\"><td>");
		render_a(r, b, L_SITE, p.site, NULL, NULL, p.site);
		buf_adds(b, "</td><td>");
		render_a(r, b, L_PAIR, p.site, p.test, p.server, p.test);
		buf_adds(b, "</td><td>");
		render_text(b, p.server);
		buf_adds(b, "</td><td>");
		render_status(b, p.status);
		buf_adds(b, "</td><td>");
		render_time(b, p.since_us);
		buf_adds(b, " (");
		render_age(r, b, p.since_us);
		buf_printf(b, ")</td><td class=\"num\">%lld</td><td class="
		    "\"msg\">", (long long)p.streak);
		render_text(b, p.message);
		buf_adds(b, "</td></tr>\n");
	}
	sqlite3_finalize(st);
	buf_adds(b, n > 0 ? "</tbody></table>" : "<p class=\"allok\">None.</p>");
	buf_adds(b, "</section>\n<section><h2>Recent failures</h2>");
	st = render_prepare(r, "SELECT " RESULT_COLUMNS " FROM results r JOIN "
	    "pairs p ON p.id = r.pair JOIN runs u ON u.id = r.run WHERE "
	    "r.failed ORDER BY r.start_us DESC LIMIT 100");
	n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n++ == 0)
			buf_adds(b, "<table><thead><tr><th>when</th><th>site</th>"
			    "<th>test</th><th>run</th><th>status</th>"
			    "<th>duration</th><th>attempts</th><th>message</th>"
			    "</tr></thead><tbody>\n");
		render_result_tr(r, b, st, 1);
	}
	sqlite3_finalize(st);
	buf_adds(b, n > 0 ? "</tbody></table>" : "<p class=\"allok\">None "
	    "within the retention period.</p>");
	buf_adds(b, "</section>\n");
	render_foot(r, b);
}

/* A table of the pairs a query selects (site, type and server pages). */
size_t
render_pairs_of(struct render *r, struct buf *b, sqlite3_stmt *st,
    int with_site, const struct render_filter *f)
{
	struct render_pair	 p;
	sqlite3_stmt		*up[2] = { NULL, NULL };
	size_t			 n = 0;

	while (sqlite3_step(st) == SQLITE_ROW) {
		render_pair_row(st, &p);
		if (f != NULL && !render_filter_keep(r, f, &p))
			continue;
		if (n++ == 0)
			render_pair_thead(b, with_site);
		render_pair_tr(r, b, &p, with_site, up);
	}
	if (n > 0)
		buf_adds(b, "</tbody></table>\n");
	sqlite3_finalize(up[0]);
	sqlite3_finalize(up[1]);
	return (n);
}

void
render_not_found(struct render *r, struct render_out *o, const char *what)
{
	buf_reset(&o->body);
	o->status = 404;
	o->ctype = "text/html; charset=utf-8";
	render_head(r, &o->body, "Not found", 0);
	buf_adds(&o->body, "<p>");
	render_text(&o->body, what);
	buf_adds(&o->body, "</p>");
	render_foot(r, &o->body);
}

static const char render_css[] =
    ":root{--ok:#2e7d32;--bad:#c62828;--warn:#b26a00;--skip:#757575;"
    "--fg:#1d1d1f;--bg:#fff;--line:#e3e3e3}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:14px/1.4 system-ui,-apple-system,'Segoe UI',"
    "Roboto,sans-serif;color:var(--fg);background:var(--bg)}"
    "header{background:#22313f;padding:.5em 1em}"
    "header a{color:#fff;margin-right:1.2em;text-decoration:none}"
    "header a:first-child{font-weight:700}"
    "main{padding:0 1em 2em}h1{font-size:1.4em}h2{font-size:1.15em;"
    "margin-top:1.5em}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0}"
    "th,td{text-align:left;padding:.25em .5em;border-bottom:1px solid "
    "var(--line);vertical-align:middle}"
    "th{font-weight:600;background:#f6f6f6}td.num{text-align:right;"
    "white-space:nowrap}"
    "td.msg{max-width:40em;overflow-wrap:anywhere}td.url{overflow-wrap:"
    "anywhere}"
    "tr.site th{background:#eef2f6}"
    ".st{display:inline-block;padding:0 .45em;border-radius:3px;"
    "color:#fff;font-size:.85em}"
    ".st.ok{background:var(--ok)}.st.bad{background:var(--bad)}"
    ".st.warn{background:var(--warn)}.st.skip{background:var(--skip)}"
    "tr.bad td:first-child{border-left:4px solid var(--bad)}"
    "td.bad{color:var(--bad)}.streak{color:var(--bad);font-weight:600}"
    ".stale{background:#fff3cd;border:1px solid #e0c060;padding:.5em}"
    ".allok{color:var(--ok)}"
    "ul.green{list-style:none;padding:0;columns:22em}"
    "ul.green li{break-inside:avoid;margin:.2em 0}"
    ".chip{display:inline-block;margin:0 .2em;padding:0 .4em;"
    "border-radius:3px;font-size:.85em;text-decoration:none;color:#fff}"
    ".chip.ok{background:var(--ok)}.chip.bad{background:var(--bad)}"
    ".chip.warn{background:var(--warn)}.chip.skip{background:var(--skip)}"
    ".filters{margin:.5em 0}.filters label{margin-right:.5em}"
    ".tiles{display:grid;grid-template-columns:repeat(auto-fill,"
    "minmax(14em,1fr));gap:.6em}"
    ".tile{display:block;padding:1em;border-radius:6px;color:#fff;"
    "text-decoration:none;font-size:1.6em;line-height:1.2}"
    ".tile.ok{background:var(--ok)}.tile.bad{background:var(--bad)}"
    ".tile.warn{background:var(--warn)}"
    ".tile .name{display:block;font-weight:700;overflow-wrap:anywhere}"
    ".tile .n{font-size:.7em}"
    "dl.about{display:grid;grid-template-columns:8em 1fr;gap:.2em 1em}"
    "dl.about dt{font-weight:600}dl.about dd{margin:0;overflow-wrap:"
    "anywhere}"
    "ol.code{font:13px/1.5 ui-monospace,monospace;background:#f7f7f7;"
    "padding:.5em 0 .5em 3.5em;white-space:pre-wrap}"
    "ol.code li.bad{background:#fde0e0;color:var(--bad);font-weight:700}"
    "pre.output{background:#f7f7f7;padding:.5em;white-space:pre-wrap}"
    "figure.chart{display:inline-block;margin:.5em 1em .5em 0}"
    "figure.chart svg{max-width:100%;height:auto}"
    "svg.strip rect.ok{fill:#2e7d32}svg.strip rect.bad{fill:#c62828}"
    "svg.strip rect.warn{fill:#b26a00}svg.strip rect.skip{fill:#9e9e9e}"
    "footer{color:#777;padding:1em;font-size:.85em}"
    "@media (prefers-color-scheme:dark){:root{--fg:#e6e6e6;--bg:#16181c;"
    "--line:#2c2f36}th{background:#22252b}tr.site th{background:#1f2733}"
    "ol.code,pre.output{background:#1f2227}figure.chart rect{fill:"
    "#1f2227}}\n";

/* Split a decoded path into at most 4 segments after a prefix. */
static int
render_split(const char *path, char **seg, int max)
{
	const char	*p = path, *slash;
	char		*raw;
	int		 n = 0;

	if (*p == '/')
		p++;
	while (*p != '\0') {
		if (n == max)
			return (-1);
		if ((slash = strchr(p, '/')) == NULL)
			slash = p + strlen(p);
		raw = xstrndup(p, (size_t)(slash - p));
		seg[n++] = evhttp_uridecode(raw, 0, NULL);
		free(raw);
		p = *slash == '/' ? slash + 1 : slash;
	}
	return (n);
}

/*
 * Render the page at path (as in a URL, percent-encoded) with a query
 * string (or NULL) into o.
 */
void
render_page(struct render *r, const char *path, const char *query,
    struct render_out *o)
{
	struct evkeyvalq	 q;
	char			*seg[7] = { NULL };
	int			 n, i, depth = 0;
	size_t			 len;

	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) != 0) {
		o->status = 400;
		render_not_found(r, o, "The query string is malformed.");
		o->status = 400;
		return;
	}
	n = render_split(path, seg, 6);
	for (i = 0; i < n; i++) {
		if (seg[i] == NULL || *seg[i] == '\0' ||
		    !utf8_is_valid(seg[i], strlen(seg[i])))
			n = -1;
	}
	if (r->flags & RENDER_STATIC) {
		buf_reset(&r->rootbuf);
		depth = n > 0 ? n - 1 : 0;
		if (n >= 2 && strcmp(seg[0], "sites") == 0 && render_param(&q,
		    "server") != NULL)
			depth = n - 1;
		for (i = 0; i < depth; i++)
			buf_adds(&r->rootbuf, "../");
		r->root = r->rootbuf.data != NULL ? r->rootbuf.data : "";
	}
	if (n < 0)
		render_not_found(r, o, "No such page.");
	else if (n == 0)
		render_board(r, &q, o);
	else if (n == 1 && strcmp(seg[0], "failed") == 0)
		render_failed(r, o);
	else if (n == 1 && strcmp(seg[0], "dashboard") == 0)
		render_wallboard(r, o);
	else if (n == 1 && strcmp(seg[0], "runs") == 0)
		render_runs(r, &q, o);
	else if (n == 2 && strcmp(seg[0], "runs") == 0)
		render_run(r, seg[1], o);
	else if (n == 1 && strcmp(seg[0], "alerts") == 0)
		render_alerts(r, &q, o);
	else if (n == 2 && strcmp(seg[0], "alerts") == 0)
		render_alert(r, seg[1], o);
	else if ((n == 3 || n == 4) && strcmp(seg[0], "api") == 0 &&
	    strcmp(seg[1], "v1") == 0 && strcmp(seg[2], "alerts") == 0)
		render_api_alerts(r, n == 4 ? seg[3] : NULL, &q, o);
	else if (n == 2 && strcmp(seg[0], "sites") == 0)
		render_site(r, seg[1], o);
	else if (n == 3 && strcmp(seg[0], "sites") == 0)
		render_pair_page(r, seg[1], seg[2], &q, o);
	else if (n == 2 && strcmp(seg[0], "types") == 0)
		render_group(r, 0, seg[1], o);
	else if (n == 2 && strcmp(seg[0], "servers") == 0)
		render_group(r, 1, seg[1], o);
	else if (n == 1 && strcmp(seg[0], "style.css") == 0) {
		o->ctype = "text/css; charset=utf-8";
		buf_adds(&o->body, render_css);
	} else if (n == 1 && strcmp(seg[0], "metrics") == 0)
		render_metrics(r, o);
	else if (n == 3 && strcmp(seg[0], "api") == 0 &&
	    strcmp(seg[1], "v1") == 0 && strcmp(seg[2], "status") == 0)
		render_api_status(r, o);
	else if (n == 6 && strcmp(seg[0], "api") == 0 &&
	    strcmp(seg[1], "v1") == 0 && strcmp(seg[2], "sites") == 0 &&
	    strcmp(seg[5], "history") == 0)
		render_api_history(r, seg[3], seg[4], &q, o);
	else if ((n == 2 || n == 3) && strcmp(seg[0], "badge") == 0 &&
	    (len = strlen(seg[n - 1])) > 4 &&
	    strcmp(seg[n - 1] + len - 4, ".svg") == 0) {
		seg[n - 1][len - 4] = '\0';
		render_badge(r, seg[1], n == 3 ? seg[2] : NULL, o);
	} else
		render_not_found(r, o, "No such page.");
	for (i = 0; i < 7; i++)
		free(seg[i]);
	evhttp_clear_headers(&q);
}
