/*
 * report.h: reports of a run in other formats (JUnit, TAP, HTML, Markdown).
 *
 * Every report is derived from results alone, so the same code writes it
 * live (a sink of the sweep: kong check --report FORMAT=FILE) and from a
 * log read back (kong report FORMAT LOG). A report sink keeps a row per
 * result (what a report shows of it) and writes its file at the end of
 * the run; each format is a writer over those rows (sink-junit.c,
 * sink-tap.c, sink-html.c, sink-markdown.c).
 */
#ifndef KONG_REPORT_H
#define KONG_REPORT_H

#include <stdio.h>

#include "sink.h"

/* What a report shows of one result. */
struct report_row {
	size_t			 index;		/* its place in the plan */
	char			*site;
	char			*type;		/* NULL: no type */
	char			*test;
	char			*server;	/* NULL: not per server */
	char			*url;
	enum result_status	 status;
	enum error_class	 eclass;
	char			*message;
	char			*file;
	int			 line;
	char			*command;
	uint64_t		 duration_us;
	int			 attempts;
	char			*output;
	int			 output_truncated;
	char			*step_url;	/* the last request's URL */
	long			 code;		/* and its status code */
	char			*attachment;	/* --save-failures: its dir */
};

/* A run as reports see it. */
struct report {
	char			*run;
	char			*command;
	char			*started;	/* ISO 8601, UTC */
	uint64_t		 duration_us;
	struct result_counts	 counts;
	int			 exit_status;
	int			 interrupted;
	struct report_row	*rows;
	size_t			 nrows;
	size_t			 cap;
};

struct report_format {
	const char	*name;
	const char	*what;		/* for the help */
	int		(*write)(FILE *, const struct report *);
};

const struct report_format *report_format_find(const char *);
char		*report_format_names(void);
struct sink	*report_sink_create(const char *, const char *, char **);
int		 report_row_failed(const struct report_row *);
int		 report_row_is_error(const struct report_row *);
char		*report_row_who(const struct report_row *);
char		*report_row_where(const struct report_row *);
void		 report_seconds(char *, size_t, uint64_t);

/* The writers, one per format. */
int		 report_junit(FILE *, const struct report *);
int		 report_tap(FILE *, const struct report *);
int		 report_html(FILE *, const struct report *);
int		 report_markdown(FILE *, const struct report *);

/* Escaping, for the writers. */
void		 report_xml_escape(FILE *, const char *, size_t);
void		 report_html_escape(FILE *, const char *);

/* --save-failures (sink-failures.c) and the reports that link to it. */
struct inventory;
struct sink	*failures_sink_create(const char *, const struct inventory *,
		     char **);
char		*report_saved_path(const char *, const char *, const char *,
		     const char *, const char *);
void		 report_sink_saved(struct sink *, const char *);

/* Feeding sinks from a log: the run RUN (NULL or "last": the last one). */
int		 report_feed_log(const char *, const char *, struct sink_list *,
		     char **);

#endif
