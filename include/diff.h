/*
 * diff.h: what changed between two runs (kong diff, kong check
 * --baseline, kong check --rerun-failed).
 *
 * A run is loaded into a table keyed by pair (site, test, server) from a
 * log (report_feed_log) or live from a sweep (diff_sink), so a sweep can
 * be compared with a baseline as it ends. Comparing two runs lists new
 * failures, fixed pairs, pairs still failing and pairs that got slower
 * beyond the thresholds; any new failure or slowdown is a regression.
 */
#ifndef KONG_DIFF_H
#define KONG_DIFF_H

#include <stdio.h>

#include "sink.h"

struct pair;
struct diff_run;

/* When a pair that passed in both runs counts as slower (0: not used). */
struct diff_limits {
	long	slower_percent;
	long	slower_ms;
};

struct diff_run	*diff_run_create(void);
void		 diff_run_free(struct diff_run *);
const char	*diff_run_id(const struct diff_run *);
size_t		 diff_run_failed(const struct diff_run *);
struct sink	*diff_sink(struct diff_run *);
struct diff_run	*diff_run_load(const char *, const char *, char **);
int		 diff_log_runs(const char *, char ***, size_t *, char **);
int		 diff_print(FILE *, const struct diff_run *,
		     const struct diff_run *, const struct diff_limits *);
int		 diff_keep_failed(const struct pair *, void *);
struct diff_run	*diff_run_resolve(const char *, const char *, char **);
int		 diff_store_runs(const char *, char ***, size_t *, char **);
struct diff_run	*diff_run_store(const char *, const char *, char **);
int		 diff_limit_parse(struct diff_limits *, int, const char *);

#endif
