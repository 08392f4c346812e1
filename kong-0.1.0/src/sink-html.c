/*
 * sink-html.c: a run as one self-contained HTML page, a CI artifact: the
 * counts, the failures grouped by test and by site with the failing step,
 * and every pair with its status and duration. No script, no external
 * asset (the style is inline); every piece of text from sites, scripts
 * and responses is escaped, attributes included.
 */
#include "report.h"

static const char html_style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
	"table{border-collapse:collapse;margin:.5em 0 1.5em}"
	"td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left;"
	"vertical-align:top}"
	"th{background:#f3f3f3}.pass{color:#060}.fail,.error,.timeout,"
	".cancelled,.not_started{color:#b00;font-weight:bold}"
	".skipped{color:#777}.pass_after_retry{color:#a60}"
	"code{white-space:pre-wrap}";

static void
html_cell(FILE *f, const char *s)
{
	fputs("<td>", f);
	report_html_escape(f, s != NULL ? s : "");
	fputs("</td>", f);
}

static void
html_row(FILE *f, const struct report_row *row, int failing)
{
	char	*who = report_row_who(row), *where = report_row_where(row);
	char	 secs[32];

	report_seconds(secs, sizeof secs, row->duration_us);
	fputs("<tr>", f);
	html_cell(f, who);
	html_cell(f, row->test);
	fprintf(f, "<td class=\"%s\">%s</td>", result_status_name(row->status),
	    result_status_name(row->status));
	if (failing) {
		html_cell(f, where);
		fputs("<td><code>", f);
		report_html_escape(f, row->command);
		fputs("</code></td>", f);
		html_cell(f, row->message);
		fputs("<td>", f);
		if (row->attachment != NULL) {
			fputs("<a href=\"", f);
			report_html_escape(f, row->attachment);
			fputs("/\">saved response</a>", f);
		}
		fputs("</td>", f);
	} else
		html_cell(f, row->step_url != NULL ? row->step_url : row->url);
	fprintf(f, "<td>%s s</td></tr>\n", secs);
	free(who);
	free(where);
}

struct html_group {
	const char	*key;
	size_t		 n;
};

/* Failures grouped by test (by_site 0) or site: counts, most first. */
static void
html_groups(FILE *f, const struct report *rep, int by_site)
{
	json_t		*g = json_object(), *v;
	const char	*key;
	size_t		 i;

	for (i = 0; i < rep->nrows; i++) {
		if (!report_row_failed(&rep->rows[i]))
			continue;
		key = by_site ? rep->rows[i].site : rep->rows[i].test;
		v = json_object_get(g, key);
		json_object_set_new(g, key, json_integer(v != NULL ?
		    json_integer_value(v) + 1 : 1));
	}
	fprintf(f, "<h2>Failures by %s</h2>\n<table><tr><th>%s</th>"
	    "<th>failing</th></tr>\n", by_site ? "site" : "test",
	    by_site ? "site" : "test");
	json_object_foreach(g, key, v) {
		fputs("<tr>", f);
		html_cell(f, key);
		fprintf(f, "<td>%lld</td></tr>\n",
		    (long long)json_integer_value(v));
	}
	fputs("</table>\n", f);
	json_decref(g);
}

/* The report as HTML. Returns 0, or -1 on a write error. */
int
report_html(FILE *f, const struct report *rep)
{
	const struct result_counts	*c = &rep->counts;
	size_t				 i, failed = result_counts_failed(c);
	char				 secs[32];

	report_seconds(secs, sizeof secs, rep->duration_us);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>Kong run ", f);
	report_html_escape(f, rep->run);
	fprintf(f, "</title>\n<style>%s</style></head><body>\n<h1>Kong run ",
	    html_style);
	report_html_escape(f, rep->run);
	fputs("</h1>\n<p>Started ", f);
	report_html_escape(f, rep->started);
	fprintf(f, ", %s s. Exit status %d%s.</p>\n", secs, rep->exit_status,
	    rep->interrupted ? " (interrupted)" : "");
	fputs("<table><tr><th>checks</th><th>pass</th><th>pass after retry"
	    "</th><th>fail</th><th>error</th><th>timeout</th><th>skipped</th>"
	    "<th>cancelled</th></tr>\n", f);
	fprintf(f, "<tr><td>%zu</td><td class=\"pass\">%zu</td><td>%zu</td>"
	    "<td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td></tr>"
	    "\n</table>\n", c->total, c->by_status[RESULT_PASS],
	    c->by_status[RESULT_PASS_AFTER_RETRY], c->by_status[RESULT_FAIL],
	    c->by_status[RESULT_ERROR], c->by_status[RESULT_TIMEOUT],
	    c->by_status[RESULT_SKIPPED], c->by_status[RESULT_CANCELLED]);
	if (failed > 0) {
		html_groups(f, rep, 0);
		html_groups(f, rep, 1);
		fputs("<h2>Failures</h2>\n<table><tr><th>site</th><th>test</th>"
		    "<th>status</th><th>where</th><th>failing step</th>"
		    "<th>message</th><th>saved</th><th>duration</th></tr>\n",
		    f);
		for (i = 0; i < rep->nrows; i++)
			if (report_row_failed(&rep->rows[i]))
				html_row(f, &rep->rows[i], 1);
		fputs("</table>\n", f);
	}
	fputs("<h2>Every check</h2>\n<table><tr><th>site</th><th>test</th>"
	    "<th>status</th><th>url</th><th>duration</th></tr>\n", f);
	for (i = 0; i < rep->nrows; i++)
		html_row(f, &rep->rows[i], 0);
	fputs("</table>\n</body></html>\n", f);
	return (ferror(f) ? -1 : 0);
}
