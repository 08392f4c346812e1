/*
 * sink-tap.c: a run as TAP version 14.
 *
 * The plan first (the number of results is known when the run ends), one
 * test point per pair (by site, test and server), "# SKIP" for skipped pairs, and for
 * each failure a YAML block (indented two spaces) with its message,
 * severity, error class, file:line, command, URL, status code and
 * duration. Descriptions escape '\' and '#' as TAP 14 says; YAML values
 * are double-quoted scalars (JSON strings are valid YAML ones).
 */
#include "report.h"

/* A description: no newline, '#' and '\' escaped. */
static void
tap_desc(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '#' || *s == '\\')
			fputc('\\', f);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
}

/* A YAML key with a double-quoted string value. */
static void
tap_yaml(FILE *f, const char *key, const char *value)
{
	json_t	*s;
	char	*q;

	if (value == NULL || (s = json_string(value)) == NULL)
		return;
	q = json_dumps(s, JSON_ENCODE_ANY);
	fprintf(f, "  %s: %s\n", key, q);
	free(q);
	json_decref(s);
}

/* The report as TAP 14. Returns 0, or -1 on a write error. */
int
report_tap(FILE *f, const struct report *rep)
{
	const struct report_row	*row;
	size_t			 i;
	char			 secs[32], *where;

	fputs("TAP version 14\n", f);
	fprintf(f, "1..%zu\n", rep->nrows);
	for (i = 0; i < rep->nrows; i++) {
		row = &rep->rows[i];
		fprintf(f, "%sok %zu - ", report_row_failed(row) ? "not " : "",
		    i + 1);
		tap_desc(f, row->site);
		fputc(' ', f);
		tap_desc(f, row->test);
		if (row->server != NULL) {
			fputs(" @ ", f);
			tap_desc(f, row->server);
		}
		if (row->status == RESULT_SKIPPED)
			fputs(" # SKIP the site is not live", f);
		fputc('\n', f);
		if (!report_row_failed(row))
			continue;
		report_seconds(secs, sizeof secs, row->duration_us);
		where = row->file != NULL ? xstrfmt("%s:%d", row->file,
		    row->line) : NULL;
		fputs("  ---\n", f);
		tap_yaml(f, "message", row->message != NULL ? row->message :
		    result_status_name(row->status));
		tap_yaml(f, "severity", result_status_name(row->status));
		tap_yaml(f, "class", row->eclass != ERR_NONE ?
		    error_class_name(row->eclass) : NULL);
		tap_yaml(f, "at", where);
		tap_yaml(f, "command", row->command);
		tap_yaml(f, "url", row->step_url != NULL ? row->step_url :
		    row->url);
		if (row->code != 0)
			fprintf(f, "  code: %ld\n", row->code);
		fprintf(f, "  duration_s: %s\n", secs);
		if (row->attachment != NULL)
			tap_yaml(f, "saved", row->attachment);
		fputs("  ...\n", f);
		free(where);
	}
	return (ferror(f) ? -1 : 0);
}
