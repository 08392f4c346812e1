/*
 * sink-junit.c: a run as JUnit XML, for GitLab and Jenkins.
 *
 * One testsuite per site, sites by name; one testcase per pair with
 * classname "kong.TYPE.SITE" (GitLab shows the classname as the suite;
 * Jenkins splits it at the last dot into package kong.TYPE and class
 * SITE, so dots inside TYPE and SITE become '_') and name TEST, or
 * "TEST @ SERVER" with per-server checks. GitLab collapses cases of equal
 * (classname, name), so a repeat gets " #2". A failed assertion or an
 * unusable response is a <failure>, a check that could not be made (net,
 * dns, tls, timeout, script, internal, cancelled, not started) an
 * <error>, a skipped pair <skipped>. system-out holds the script's output
 * (capped per case, and in all, to stay under GitLab's 30 MB) and, with
 * --save-failures, an [[ATTACHMENT|dir]] line (Jenkins' attachments
 * plugin).
 */
#include "report.h"

#define JUNIT_CASE_OUTPUT	(64 * 1024)	/* per testcase */
#define JUNIT_ALL_OUTPUT	(16 * 1024 * 1024) /* in all */

/* A classname part: dots would move Jenkins' package/class split. */
static void
junit_part(FILE *f, const char *s)
{
	char	*copy = xstrdup(s), *p;

	for (p = copy; *p != '\0'; p++)
		if (*p == '.')
			*p = '_';
	report_xml_escape(f, copy, SIZE_MAX);
	free(copy);
}

/* How many earlier rows of the site (from on) have this test and server. */
static size_t
junit_repeat(const struct report *rep, size_t from, size_t i)
{
	const struct report_row	*a = &rep->rows[i], *b;
	size_t			 j, n = 0;

	for (j = from; j < i; j++) {
		b = &rep->rows[j];
		if (strcmp(a->site, b->site) == 0 && strcmp(a->test,
		    b->test) == 0 && (a->type == NULL) == (b->type == NULL) &&
		    (a->type == NULL || strcmp(a->type, b->type) == 0) &&
		    (a->server == NULL) == (b->server == NULL) &&
		    (a->server == NULL || strcmp(a->server, b->server) == 0))
			n++;
	}
	return (n);
}

static void
junit_problem(FILE *f, const struct report_row *row)
{
	const char	*tag = report_row_is_error(row) ? "error" : "failure";
	const char	*type;
	char		*where = report_row_where(row);

	type = row->eclass != ERR_NONE ? error_class_name(row->eclass) :
	    result_status_name(row->status);
	fprintf(f, "      <%s message=\"", tag);
	report_xml_escape(f, row->message != NULL ? row->message :
	    result_status_name(row->status), 1024);
	fprintf(f, "\" type=\"%s\">", type);
	fprintf(f, "%s at ", result_status_name(row->status));
	report_xml_escape(f, where, SIZE_MAX);
	if (row->command != NULL) {
		fputs("\ncommand: ", f);
		report_xml_escape(f, row->command, 4096);
	}
	if (row->message != NULL) {
		fputs("\nmessage: ", f);
		report_xml_escape(f, row->message, 4096);
	}
	if (row->step_url != NULL) {
		fprintf(f, "\nlast request: %ld ", row->code);
		report_xml_escape(f, row->step_url, 4096);
	}
	fprintf(f, "</%s>\n", tag);
	free(where);
}

static void
junit_case(FILE *f, const struct report *rep, size_t from, size_t i,
    size_t *out)
{
	const struct report_row	*row = &rep->rows[i];
	size_t			 rep_n = junit_repeat(rep, from, i), len;
	char			 secs[32];

	report_seconds(secs, sizeof secs, row->duration_us);
	fputs("    <testcase classname=\"kong.", f);
	junit_part(f, row->type != NULL ? row->type : "untyped");
	fputc('.', f);
	junit_part(f, row->site);
	fputs("\" name=\"", f);
	report_xml_escape(f, row->test, SIZE_MAX);
	if (row->server != NULL) {
		fputs(" @ ", f);
		report_xml_escape(f, row->server, SIZE_MAX);
	}
	if (rep_n > 0)
		fprintf(f, " #%zu", rep_n + 1);
	fprintf(f, "\" time=\"%s\">\n", secs);
	if (row->status == RESULT_SKIPPED)
		fputs("      <skipped message=\"the site is not live "
		    "(live = no)\"/>\n", f);
	else if (report_row_failed(row))
		junit_problem(f, row);
	len = strlen(row->output);
	if (len > 0 || row->attachment != NULL || row->status ==
	    RESULT_PASS_AFTER_RETRY) {
		fputs("      <system-out>", f);
		if (row->status == RESULT_PASS_AFTER_RETRY)
			fprintf(f, "passed after %d attempts\n", row->attempts);
		if (*out < JUNIT_ALL_OUTPUT) {
			report_xml_escape(f, row->output, JUNIT_CASE_OUTPUT);
			*out += len < JUNIT_CASE_OUTPUT ? len :
			    JUNIT_CASE_OUTPUT;
			if (len > JUNIT_CASE_OUTPUT || row->output_truncated)
				fputs("\n[output truncated]", f);
		} else if (len > 0)
			fputs("[output left out: the report is large]", f);
		if (row->attachment != NULL) {
			fputs("\n[[ATTACHMENT|", f);
			report_xml_escape(f, row->attachment, SIZE_MAX);
			fputs("]]", f);
		}
		fputs("</system-out>\n", f);
	}
	fputs("    </testcase>\n", f);
}

/* Counts of rows i..j-1 (one site). */
static void
junit_counts(const struct report *rep, size_t i, size_t j, size_t *fail,
    size_t *err, size_t *skip, uint64_t *us)
{
	*fail = *err = *skip = 0;
	*us = 0;
	for (; i < j; i++) {
		*us += rep->rows[i].duration_us;
		if (rep->rows[i].status == RESULT_SKIPPED)
			(*skip)++;
		else if (report_row_is_error(&rep->rows[i]))
			(*err)++;
		else if (report_row_failed(&rep->rows[i]))
			(*fail)++;
	}
}

/*
 * The report as JUnit XML, one testsuite per site (the rows come sorted
 * by site). Returns 0, or -1 on a write error.
 */
int
report_junit(FILE *f, const struct report *rep)
{
	size_t		 i, j, k, fail, err, skip, out = 0;
	uint64_t	 us;
	char		 secs[32];

	junit_counts(rep, 0, rep->nrows, &fail, &err, &skip, &us);
	report_seconds(secs, sizeof secs, rep->duration_us);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<testsuites name=\"kong\" tests=\"%zu\" failures=\"%zu\" "
	    "errors=\"%zu\" skipped=\"%zu\" time=\"%s\">\n", rep->nrows,
	    fail, err, skip, secs);
	for (i = 0; i < rep->nrows; i = j) {
		for (j = i; j < rep->nrows && strcmp(rep->rows[j].site,
		    rep->rows[i].site) == 0; j++)
			;
		junit_counts(rep, i, j, &fail, &err, &skip, &us);
		report_seconds(secs, sizeof secs, us);
		fputs("  <testsuite name=\"", f);
		report_xml_escape(f, rep->rows[i].site, SIZE_MAX);
		fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
		    "skipped=\"%zu\" time=\"%s\" timestamp=\"%s\">\n", j - i,
		    fail, err, skip, secs, rep->started != NULL ?
		    rep->started : "1970-01-01T00:00:00Z");
		if (rep->rows[i].url != NULL || rep->run != NULL) {
			fputs("    <properties>\n", f);
			if (rep->run != NULL) {
				fputs("      <property name=\"kong.run\" "
				    "value=\"", f);
				report_xml_escape(f, rep->run, SIZE_MAX);
				fputs("\"/>\n", f);
			}
			if (rep->rows[i].url != NULL) {
				fputs("      <property name=\"url\" value=\"", f);
				report_xml_escape(f, rep->rows[i].url,
				    SIZE_MAX);
				fputs("\"/>\n", f);
			}
			fputs("    </properties>\n", f);
		}
		for (k = i; k < j; k++)
			junit_case(f, rep, i, k, &out);
		fputs("  </testsuite>\n", f);
	}
	fputs("</testsuites>\n", f);
	return (ferror(f) ? -1 : 0);
}
