/*
 * render-alerts.c: what alerting sent to whom, from the outbox.
 *
 * Alerting keeps every message it composed in the store's alert_outbox
 * table (alert-state.c), delivered or not. /alerts lists them newest
 * first, a page at a time (?before=ID); /alerts/ID shows one message as
 * it was sent; /api/v1/alerts and /api/v1/alerts/ID are the same as JSON.
 * A webhook's URL is a secret (Slack's carries its token): only its
 * scheme and host are shown. A store that never alerted has no outbox
 * table; its pages say so.
 */
#include <jansson.h>

#include "render-int.h"

#define ALERT_COLUMNS "id, run, created_us, transport, recipients, "	\
	"subject, attempts, last_error, delivered_us"

/* Whether the store has the outbox (alerting ran at least once). */
static int
render_has_outbox(struct render *r)
{
	sqlite3_stmt	*st;
	int		 yes;

	st = render_prepare(r, "SELECT 1 FROM sqlite_master WHERE type = "
	    "'table' AND name = 'alert_outbox'");
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return (yes);
}

/* Where a message went: addresses, or a webhook's scheme and host. */
static char *
render_alert_to(const char *transport, const char *to)
{
	const char	*sep, *host, *end, *at;

	if (strcmp(transport, "webhook") != 0 || (sep = strstr(to, "://")) ==
	    NULL)
		return (xstrdup(to));
	host = sep + 3;
	end = host + strcspn(host, "/?#");
	if ((at = memchr(host, '@', (size_t)(end - host))) != NULL)
		host = at + 1;		/* user:password@ is a secret too */
	return (xstrfmt("%.*s://%.*s/…", (int)(sep - to), to,
	    (int)(end - host), host));
}

/* A message's delivery, in words. */
static void
render_alert_state(struct buf *b, sqlite3_stmt *st)
{
	int64_t	 delivered = sqlite3_column_int64(st, 8);
	int	 attempts = sqlite3_column_int(st, 6);

	if (strcmp(render_col(st, 3), "none") == 0)
		buf_adds(b, "recorded, not sent (no [kong] smtp)");
	else if (delivered != 0) {
		buf_adds(b, "delivered ");
		render_time(b, delivered);
	} else if (attempts > 0) {
		buf_printf(b, "<span class=\"bad\">not delivered</span> after %d "
		    "attempt%s: ", attempts, attempts == 1 ? "" : "s");
		render_text(b, render_col(st, 7));
	} else
		buf_adds(b, "not tried yet");
}

static json_t *
render_alert_json(sqlite3_stmt *st, int text)
{
	json_t	*o;
	char	*to = render_alert_to(render_col(st, 3), render_col(st, 4));
	int64_t	 delivered = sqlite3_column_int64(st, 8);

	o = json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:i, s:o, s:o}", "id",
	    (json_int_t)sqlite3_column_int64(st, 0), "run", render_col(st, 1),
	    "created", render_jtime(sqlite3_column_int64(st, 2)), "transport",
	    render_col(st, 3), "to", to, "subject", render_col(st, 5),
	    "attempts", sqlite3_column_int(st, 6), "last_error",
	    render_jstr(sqlite3_column_type(st, 7) == SQLITE_NULL ? NULL :
	    render_col(st, 7)), "delivered", delivered != 0 ?
	    render_jtime(delivered) : json_null());
	if (text)
		json_object_set_new(o, "text", json_string(render_col(st, 9)));
	free(to);
	return (o);
}

/* A page of the outbox: limit messages before message bid (0: the newest). */
static sqlite3_stmt *
render_alerts_page(struct render *r, long bid, long limit)
{
	sqlite3_stmt	*st;

	st = render_prepare(r, "SELECT " ALERT_COLUMNS " FROM alert_outbox "
	    "WHERE id < ? ORDER BY id DESC LIMIT ?");
	sqlite3_bind_int64(st, 1, bid > 0 ? bid : INT64_MAX);
	sqlite3_bind_int(st, 2, (int)limit);
	return (st);
}

/* The message a path segment names, with its text, on its row; or NULL. */
static sqlite3_stmt *
render_alert_get(struct render *r, const char *seg)
{
	sqlite3_stmt	*st;
	long		 id;

	if (parse_int(seg, 1, LONG_MAX, &id) != 0 || !render_has_outbox(r))
		return (NULL);
	st = render_prepare(r, "SELECT " ALERT_COLUMNS ", text FROM "
	    "alert_outbox WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		return (st);
	sqlite3_finalize(st);
	return (NULL);
}

/* /alerts: the outbox, newest first, RENDER_PAGE a page. */
void
render_alerts(struct render *r, struct evkeyvalq *q, struct render_out *o)
{
	struct buf	*b = &o->body;
	sqlite3_stmt	*st;
	const char	*before = render_param(q, "before");
	char		*to, id[32];
	long		 bid = 0;
	int64_t		 last = 0;
	int		 n = 0;

	if (before != NULL && parse_int(before, 1, LONG_MAX, &bid) != 0) {
		render_not_found(r, o, "?before= takes a message number.");
		o->status = 400;
		return;
	}
	render_head(r, b, "Alerts", 0);
	if (!render_has_outbox(r)) {
		buf_adds(b, "<p>No alert was sent yet: alerting has not run on "
		    "this store ([kong] smtp or webhook).</p>\n");
		render_foot(r, b);
		return;
	}
	st = render_alerts_page(r, bid, RENDER_PAGE);
	buf_adds(b, "<table><thead><tr><th>#</th><th>when</th><th>run</th>"
	    "<th>to</th><th>subject</th><th>delivery</th></tr></thead><tbody>"
	    "\n");
	while (sqlite3_step(st) == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		snprintf(id, sizeof id, "%lld", (long long)last);
		buf_printf(b, "<tr class=\"%s\"><td>", sqlite3_column_int64(st,
		    8) == 0 && sqlite3_column_int(st, 6) > 0 ? "bad" : "ok");
		render_a(r, b, L_ALERT, id, NULL, NULL, id);
		buf_adds(b, "</td><td>");
		render_time(b, sqlite3_column_int64(st, 2));
		buf_adds(b, "</td><td>");
		render_a(r, b, L_RUN, render_col(st, 1), NULL, NULL,
		    render_col(st, 1));
		buf_adds(b, "</td><td>");
		render_text(b, render_col(st, 3));
		buf_adds(b, ": ");
		to = render_alert_to(render_col(st, 3), render_col(st, 4));
		render_text(b, to);
		free(to);
		buf_adds(b, "</td><td>");
		render_a(r, b, L_ALERT, id, NULL, NULL, render_col(st, 5));
		buf_adds(b, "</td><td>");
		render_alert_state(b, st);
		buf_adds(b, "</td></tr>\n");
		n++;
	}
	sqlite3_finalize(st);
	buf_adds(b, "</tbody></table>\n");
	if (n == 0)
		buf_adds(b, "<p>Nothing here.</p>\n");
	if (n == RENDER_PAGE && !(r->flags & RENDER_STATIC))
		buf_printf(b, "<p class=\"more\"><a rel=\"next\" href=\"/alerts?"
		    "before=%lld\">older</a></p>", (long long)last);
	render_foot(r, b);
}

/* /alerts/ID: one message, as it was sent. */
void
render_alert(struct render *r, const char *seg, struct render_out *o)
{
	struct buf	*b = &o->body;
	sqlite3_stmt	*st;
	char		*title, *to;

	if ((st = render_alert_get(r, seg)) == NULL) {
		render_not_found(r, o, "No such message in the outbox.");
		return;
	}
	title = xstrfmt("Alert %lld: %s", (long long)sqlite3_column_int64(st,
	    0), render_col(st, 5));
	render_head(r, b, title, 0);
	free(title);
	buf_adds(b, "<dl class=\"about\"><dt>composed</dt><dd>");
	render_time(b, sqlite3_column_int64(st, 2));
	buf_adds(b, "</dd><dt>run</dt><dd>");
	render_a(r, b, L_RUN, render_col(st, 1), NULL, NULL, render_col(st, 1));
	buf_adds(b, "</dd><dt>by</dt><dd>");
	render_text(b, render_col(st, 3));
	buf_adds(b, "</dd><dt>to</dt><dd>");
	to = render_alert_to(render_col(st, 3), render_col(st, 4));
	render_text(b, to);
	free(to);
	buf_adds(b, "</dd><dt>delivery</dt><dd>");
	render_alert_state(b, st);
	buf_adds(b, "</dd></dl>\n<h2>Subject</h2>\n<p>");
	render_text(b, render_col(st, 5));
	buf_adds(b, "</p>\n<h2>Text</h2>\n<pre class=\"script\">");
	render_text(b, render_col(st, 9));
	buf_adds(b, "</pre>\n");
	sqlite3_finalize(st);
	buf_adds(b, "<p>");
	render_a(r, b, L_ALERTS, NULL, NULL, NULL, "All alerts");
	buf_adds(b, "</p>\n");
	render_foot(r, b);
}

/* /api/v1/alerts?before=ID&limit=N and /api/v1/alerts/ID. */
void
render_api_alerts(struct render *r, const char *seg, struct evkeyvalq *q,
    struct render_out *o)
{
	const char	*before = render_param(q, "before");
	const char	*lim = render_param(q, "limit");
	sqlite3_stmt	*st;
	json_t		*a;
	long		 limit = RENDER_PAGE, bid = 0;
	int64_t		 last = 0;
	int		 n = 0;

	if (seg != NULL) {
		if ((st = render_alert_get(r, seg)) == NULL) {
			o->status = 404;
			render_json(o, json_pack("{s:s}", "error", "no such "
			    "message in the outbox"));
			return;
		}
		render_json(o, render_alert_json(st, 1));
		sqlite3_finalize(st);
		return;
	}
	if ((lim != NULL && parse_int(lim, 1, RENDER_MAX_PAGE, &limit) != 0) ||
	    (before != NULL && parse_int(before, 1, LONG_MAX, &bid) != 0)) {
		o->status = 400;
		render_json(o, json_pack("{s:s}", "error", "limit must be a "
		    "number from 1 to 500, before a message number"));
		return;
	}
	a = json_array();
	if (render_has_outbox(r)) {
		st = render_alerts_page(r, bid, limit);
		while (sqlite3_step(st) == SQLITE_ROW) {
			last = sqlite3_column_int64(st, 0);
			json_array_append_new(a, render_alert_json(st, 0));
			n++;
		}
		sqlite3_finalize(st);
	}
	render_json(o, json_pack("{s:o, s:o}", "alerts", a, "next", n == limit ?
	    json_integer((json_int_t)last) : json_null()));
}

/* kong html: the last RENDER_PAGE messages' pages and API files. */
void
render_alert_paths(struct render *r, struct buf *b, char ***v, size_t *n)
{
	sqlite3_stmt	*st;

	if (!render_has_outbox(r))
		return;
	st = render_prepare(r, "SELECT id FROM alert_outbox ORDER BY id DESC "
	    "LIMIT ?");
	sqlite3_bind_int(st, 1, RENDER_PAGE);
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_printf(b, "/alerts/%lld", (long long)sqlite3_column_int64(st,
		    0));
		render_add_path(r, v, n, b);
		buf_printf(b, "/api/v1/alerts/%lld", (long long)
		    sqlite3_column_int64(st, 0));
		render_add_path(r, v, n, b);
	}
	sqlite3_finalize(st);
}
