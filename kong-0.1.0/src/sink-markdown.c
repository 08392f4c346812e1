/*
 * sink-markdown.c: a run as a short Markdown summary, for a merge request
 * comment or $GITHUB_STEP_SUMMARY: one line of counts, then a table of at
 * most MARKDOWN_SHOW failures (the log and the other reports have all of
 * them). Text from sites and scripts is escaped so that it can neither
 * break the table nor inject markup or HTML.
 */
#include "report.h"

#define MARKDOWN_SHOW	25

/* Text in a table cell: Markdown punctuation and HTML escaped. */
static void
markdown_text(FILE *f, const char *s, size_t max)
{
	size_t	n;

	for (n = 0; s != NULL && *s != '\0' && n < max; s++, n++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '\n' || *s == '\r' || *s == '\t')
			fputc(' ', f);
		else {
			if (strchr("\\`*_{}[]()#+-.!|~", *s) != NULL)
				fputc('\\', f);
			fputc(*s, f);
		}
	}
	if (s != NULL && *s != '\0') {
		while ((*s & 0xc0) == 0x80)
			fputc(*s++, f);
		fputs("…", f);
	}
}

/* The report as Markdown. Returns 0, or -1 on a write error. */
int
report_markdown(FILE *f, const struct report *rep)
{
	const struct report_row	*row;
	const struct result_counts *c = &rep->counts;
	size_t			 i, shown = 0, failed;
	char			 secs[32], *who, *where;

	failed = result_counts_failed(c);
	report_seconds(secs, sizeof secs, rep->duration_us);
	fprintf(f, "### Kong: %s\n\n", failed == 0 ? "all checks passed" :
	    "checks failing");
	fprintf(f, "**%zu** checks in %s s: **%zu** passed", c->total, secs,
	    c->by_status[RESULT_PASS]);
	if (c->by_status[RESULT_PASS_AFTER_RETRY] > 0)
		fprintf(f, ", %zu passed after a retry",
		    c->by_status[RESULT_PASS_AFTER_RETRY]);
	fprintf(f, ", **%zu** failed, %zu errors, %zu timeouts, %zu skipped",
	    c->by_status[RESULT_FAIL], c->by_status[RESULT_ERROR],
	    c->by_status[RESULT_TIMEOUT], c->by_status[RESULT_SKIPPED]);
	if (c->by_status[RESULT_CANCELLED] > 0)
		fprintf(f, ", %zu cancelled", c->by_status[RESULT_CANCELLED]);
	if (rep->run != NULL) {
		fputs(" (run ", f);
		markdown_text(f, rep->run, 64);
		fputs(")", f);
	}
	fputs(".\n", f);
	if (failed == 0)
		return (ferror(f) ? -1 : 0);
	fputs("\n| site | test | status | where | message |\n"
	    "|---|---|---|---|---|\n", f);
	for (i = 0; i < rep->nrows && shown < MARKDOWN_SHOW; i++) {
		row = &rep->rows[i];
		if (!report_row_failed(row))
			continue;
		shown++;
		who = report_row_who(row);
		where = report_row_where(row);
		fputs("| ", f);
		markdown_text(f, who, 200);
		fputs(" | ", f);
		markdown_text(f, row->test, 200);
		fprintf(f, " | %s | ", result_status_name(row->status));
		markdown_text(f, where, 200);
		fputs(" | ", f);
		markdown_text(f, row->message, 300);
		fputs(" |\n", f);
		free(who);
		free(where);
	}
	if (failed > shown)
		fprintf(f, "\n… and %zu more failures (see the JUnit or HTML "
		    "report).\n", failed - shown);
	return (ferror(f) ? -1 : 0);
}
