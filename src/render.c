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
#include "render.h"

#define RENDER_PAGE	50	/* history entries per page */
#define RENDER_MAX_PAGE	500

struct render {
	struct store		*store;
	sqlite3			*db;
	const struct inventory	*inv;
	int			 flags;
	uint64_t		 now;		/* 0: the clock */
	char			*csrf;
	const char		*root;		/* static: "../" per level */
	struct buf		 rootbuf;
	struct map		 written;	/* static: the paths written */
};

/* One row of latest joined with its pair. */
struct render_pair {
	int64_t		 id;
	const char	*site;
	const char	*test;
	const char	*server;
	const char	*type;
	const char	*url;
	int		 status;
	int		 eclass;
	int64_t		 start_us;
	int64_t		 duration_us;
	const char	*message;
	int64_t		 since_us;
	int64_t		 streak;
	const void	*spark;
	size_t		 nspark;
};

#define PAIR_COLUMNS	"p.id, p.site, p.test, p.server, p.type, p.url, "	\
	"l.status, l.eclass, l.start_us, l.duration_us, l.message, "	\
	"l.since_us, l.streak, l.spark"

static const char *
col_s(sqlite3_stmt *st, int i)
{
	const unsigned char	*v = sqlite3_column_text(st, i);

	return (v != NULL ? (const char *)v : "");
}

static void
render_pair_row(sqlite3_stmt *st, struct render_pair *p)
{
	p->id = sqlite3_column_int64(st, 0);
	p->site = col_s(st, 1);
	p->test = col_s(st, 2);
	p->server = col_s(st, 3);
	p->type = col_s(st, 4);
	p->url = col_s(st, 5);
	p->status = sqlite3_column_int(st, 6);
	p->eclass = sqlite3_column_int(st, 7);
	p->start_us = sqlite3_column_int64(st, 8);
	p->duration_us = sqlite3_column_int64(st, 9);
	p->message = col_s(st, 10);
	p->since_us = sqlite3_column_int64(st, 11);
	p->streak = sqlite3_column_int64(st, 12);
	p->spark = sqlite3_column_blob(st, 13);
	p->nspark = (size_t)sqlite3_column_bytes(st, 13);
}

/* A statement; a failure to prepare is a bug in this file. */
static sqlite3_stmt *
render_prepare(struct render *r, const char *sql)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
		fatal("render: %s: %s", sql, sqlite3_errmsg(r->db));
	return (st);
}

static uint64_t
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
static void
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

#define render_attr render_text

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

/* Link kinds. */
enum render_link {
	L_BOARD, L_FAILED, L_DASHBOARD, L_RUNS, L_RUN, L_SITE, L_PAIR, L_TYPE,
	L_SERVER, L_CSS, L_BADGE_SITE, L_BADGE_PAIR, L_API_STATUS, L_METRICS,
};

/* An href for a link (attribute-safe). */
static void
render_href(struct render *r, struct buf *b, enum render_link kind,
    const char *a, const char *c, const char *server)
{
	struct buf	 u;
	char		*file;

	buf_init(&u);
	switch (kind) {
	case L_RUN:
	case L_SITE:
	case L_TYPE:
	case L_SERVER:
	case L_BADGE_SITE:
		buf_adds(&u, kind == L_RUN ? "/runs/" : kind == L_SITE ?
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
		    kind == L_API_STATUS ? "/api/v1/status" : "/metrics");
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
static void
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

static const char *
render_status_name(int st)
{
	if (st < 0 || st >= RESULT__COUNT)
		return ("unknown");
	return (result_status_name((enum result_status)st));
}

/* The CSS class of a status: ok, bad, skip. */
static const char *
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

static void
render_status(struct buf *b, int st)
{
	buf_printf(b, "<span class=\"st %s\">%s</span>",
	    render_status_class(st), render_status_name(st));
}

/* "3.2 s", "140 ms" */
static void
render_duration(struct buf *b, int64_t us)
{
	if (us >= 10000000)
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
static void
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
static void
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
	render_a(r, b, L_DASHBOARD, NULL, NULL, NULL, "Wallboard");
	render_a(r, b, L_API_STATUS, NULL, NULL, NULL, "API");
	buf_adds(b, "</nav></header><main><h1>");
	render_text(b, title);
	buf_adds(b, "</h1>\n");
}

static void
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
		n = xstrdup(col_s(st, 0));
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
		buf_adds(b, "<p class=\"stale\">Stale: no sweep for ");
		render_age(r, b, last);
		buf_adds(b, ", while they came every ");
		render_duration(b, gap > 0 ? gap : 86400 * 1000000LL);
		buf_adds(b, ". Is cron running kong check?</p>\n");
	}
	free(n);
}

/* A query parameter, or NULL. */
static const char *
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

/* The board's filters: which pairs a row shows. */
struct render_filter {
	const char	*type;
	const char	*tag;
	const char	*server;
	const char	*status;	/* failing, passing, skipped */
};

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
		if (f->type != NULL && strcmp(f->type, col_s(st, 0)) == 0)
			buf_adds(b, " selected");
		buf_adds(b, ">");
		render_text(b, col_s(st, 0));
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

#define BOARD_SQL "SELECT " PAIR_COLUMNS " FROM latest l JOIN pairs p ON "	\
	"p.id = l.pair ORDER BY p.site, p.test, p.server"

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
	int			 site_green = 1, site_n = 0;

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
	st = render_prepare(r, "SELECT " PAIR_COLUMNS " FROM latest l JOIN "
	    "pairs p ON p.id = l.pair WHERE l.streak > 0 OR l.status NOT IN "
	    "(0, 1, 5) ORDER BY l.since_us, p.site, p.test");
	buf_adds(b, "<section><h2>Failing</h2>");
	while (sqlite3_step(st) == SQLITE_ROW) {
		render_pair_row(st, &p);
		if (!result_status_failed((enum result_status)p.status) ||
		    !render_filter_keep(r, &f, &p))
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
			site_n = 0;
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
		site_n++;
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
	(void)site_n;
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
		render_href(r, b, L_SITE, col_s(st, 0), NULL, NULL);
		buf_adds(b, "\"><span class=\"name\">");
		render_text(b, col_s(st, 0));
		buf_printf(b, "</span><span class=\"n\">%lld/%lld</span>",
		    (long long)(n - nfail), (long long)n);
		buf_adds(b, "</a>\n");
	}
	sqlite3_finalize(st);
	buf_adds(b, "</div>\n");
	render_foot(r, b);
}

/* One history or failure row. */
static void
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
		render_a(r, b, L_SITE, col_s(st, 6), NULL, NULL, col_s(st, 6));
		buf_adds(b, "</td><td>");
		render_a(r, b, L_PAIR, col_s(st, 6), col_s(st, 7), col_s(st, 8),
		    col_s(st, 7));
		buf_adds(b, "</td>");
	}
	buf_adds(b, "<td>");
	render_a(r, b, L_RUN, col_s(st, 1), NULL, NULL, col_s(st, 1));
	buf_adds(b, "</td><td>");
	render_status(b, status);
	buf_adds(b, "</td><td class=\"num\">");
	render_duration(b, sqlite3_column_int64(st, 3));
	buf_printf(b, "</td><td class=\"num\">%d</td><td class=\"msg\">",
	    sqlite3_column_int(st, 4));
	render_text(b, col_s(st, 5));
	buf_adds(b, "</td></tr>\n");
}

#define RESULT_COLUMNS "r.start_us, u.name, r.status, r.duration_us, "	\
	"r.attempts, r.message, p.site, p.test, p.server"

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
static size_t
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

static void
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

/* /sites/SITE */
static void
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

/* The p50 and p95 of rollups over a range, as an SVG chart. */
static void
render_chart(struct render *r, struct buf *b, int64_t pair, int period,
    int64_t span, const char *label)
{
	sqlite3_stmt	*st;
	uint64_t	 h[STORE_HIST_BUCKETS];
	int64_t		 now = (int64_t)(render_now(r) / 1000000);
	int64_t		 from = now - span, t, p50, p95, max = 1;
	size_t		 n = 0, cap = (size_t)(span / period) + 2, i, k;
	int64_t		*ts, *v50, *v95;
	double		 x, y;
	const int	 W = 600, H = 120;

	ts = xcalloc(cap, sizeof *ts);
	v50 = xcalloc(cap, sizeof *v50);
	v95 = xcalloc(cap, sizeof *v95);
	st = render_prepare(r, "SELECT t, hist FROM rollups WHERE pair = ? AND "
	    "period = ? AND t >= ? ORDER BY t");
	sqlite3_bind_int64(st, 1, pair);
	sqlite3_bind_int(st, 2, period);
	sqlite3_bind_int64(st, 3, from - from % period);
	while (n < cap && sqlite3_step(st) == SQLITE_ROW) {
		t = sqlite3_column_int64(st, 0);
		store_hist_decode(sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), h);
		p50 = store_hist_percentile(h, 0.5);
		p95 = store_hist_percentile(h, 0.95);
		if (p50 < 0)
			continue;
		ts[n] = t;
		v50[n] = p50;
		v95[n] = p95;
		max = p95 > max ? p95 : max;
		n++;
	}
	sqlite3_finalize(st);
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
			x = (double)W * (double)(ts[i] - from) / (double)span;
			y = (double)H - 4 - (double)(H - 8) * (double)(k == 0 ?
			    v50[i] : v95[i]) / (double)max;
			buf_printf(b, "%s%.1f,%.1f", i > 0 ? " " : "",
			    x < 0 ? 0 : x, y);
		}
		buf_adds(b, "\"/>");
		for (i = 0; n < 60 && i < n; i++) {
			x = (double)W * (double)(ts[i] - from) / (double)span;
			y = (double)H - 4 - (double)(H - 8) * (double)(k == 0 ?
			    v50[i] : v95[i]) / (double)max;
			buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" "
			    "fill=\"%s\"/>", x < 0 ? 0 : x, y, k == 0 ?
			    "#3572b0" : "#e67e22");
		}
	}
	if (n == 0)
		buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
		    "fill=\"#888\">no data</text>", W / 2, H / 2);
	buf_adds(b, "</svg></figure>\n");
	free(ts);
	free(v50);
	free(v95);
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
static int64_t
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
static sqlite3_stmt *
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
static int64_t
render_before(struct evkeyvalq *q)
{
	const char	*v = render_param(q, "before");
	long		 n;

	if (v == NULL || parse_int(v, 1, LONG_MAX, &n) != 0)
		return (INT64_MAX);
	return ((int64_t)n);
}

/* /sites/SITE/TEST[?server=S][&before=T] */
static void
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
		record = xstrdup(col_s(st, 0));
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
static void
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
		render_a(r, b, L_RUN, col_s(st, 0), NULL, NULL, col_s(st, 0));
		buf_adds(b, "</td><td>");
		render_time(b, sqlite3_column_int64(st, 1));
		buf_adds(b, "</td><td>");
		render_text(b, col_s(st, 9));
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
static void
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
	render_text(b, col_s(st, 10));
	buf_adds(b, "</dd><dt>inventory</dt><dd>");
	render_text(b, col_s(st, 11));
	buf_printf(b, "</dd><dt>pairs</dt><dd>%lld</dd><dt>results</dt><dd>"
	    "%lld</dd><dt>failures</dt><dd>%lld</dd><dt>wall time</dt><dd>",
	    (long long)sqlite3_column_int64(st, 4), (long long)
	    sqlite3_column_int64(st, 5), (long long)sqlite3_column_int64(st, 6));
	if (sqlite3_column_int(st, 8)) {
		render_duration(b, sqlite3_column_int64(st, 3));
		buf_printf(b, "</dd><dt>exit status</dt><dd>%d</dd><dt>totals"
		    "</dt><dd><code>", sqlite3_column_int(st, 7));
		render_text(b, col_s(st, 9));
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
		render_a(r, b, L_SITE, col_s(st, 6), NULL, NULL, col_s(st, 6));
		buf_adds(b, "</td><td>");
		render_a(r, b, L_PAIR, col_s(st, 6), col_s(st, 7), col_s(st, 8),
		    col_s(st, 7));
		buf_adds(b, "</td><td>");
		if (was >= 0)
			render_status(b, was);
		else
			buf_adds(b, "new");
		buf_adds(b, "</td><td>");
		render_status(b, status);
		buf_adds(b, "</td><td class=\"msg\">");
		render_text(b, col_s(st, 5));
		buf_adds(b, "</td></tr>\n");
	}
	sqlite3_finalize(st);
	sqlite3_finalize(prev);
	buf_adds(b, n > 0 ? "</tbody></table>" : "<p>Nothing changed.</p>");
	buf_adds(b, "</section>\n");
	render_foot(r, b);
}

/* /types/TYPE and /servers/SERVER: their pairs, with rollups. */
static void
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

/* A JSON body. */
static void
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

static json_t *
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

static json_t *
render_jstr(const char *s)
{
	return (s != NULL && *s != '\0' ? json_string(s) : json_null());
}

/* /api/v1/status: the latest result of every pair. */
static void
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
static void
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
		    (json_int_t)last, "run", col_s(st, 1), "status",
		    render_status_name(status), "error_class", ec > 0 &&
		    ec < ERR__COUNT ? json_string(error_class_name(
		    (enum error_class)ec)) : json_null(), "duration_us",
		    (json_int_t)sqlite3_column_int64(st, 3), "attempts",
		    sqlite3_column_int(st, 4), "message",
		    render_jstr(col_s(st, 5))));
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
static void
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
static void
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

/* Add "PATH[?server=S]" to a list. */
static void
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
	    "/runs", "/style.css", "/api/v1/status" };
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
		render_url_segment(&b, col_s(st, 0));
		render_add_path(r, &v, &n, &b);
	}
	sqlite3_finalize(st);
	st = render_prepare(r, "SELECT DISTINCT site FROM pairs ORDER BY site");
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_adds(&b, "/sites/");
		render_url_segment(&b, col_s(st, 0));
		render_add_path(r, &v, &n, &b);
		buf_adds(&b, "/badge/");
		render_url_segment(&b, col_s(st, 0));
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
			render_url_segment(&b, col_s(st, 0));
			buf_addc(&b, '/');
			render_url_segment(&b, col_s(st, 1));
			buf_adds(&b, i == 1 ? ".svg" : i == 2 ? "/history" : "");
			if (i != 1 && *col_s(st, 2) != '\0') {
				buf_adds(&b, "?server=");
				render_url_segment(&b, col_s(st, 2));
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
		render_url_segment(&b, col_s(st, 0));
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
