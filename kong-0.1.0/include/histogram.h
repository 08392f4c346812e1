/*
 * histogram.h: latency histograms of fixed precision, as HdrHistogram.
 *
 * Values are microseconds from 1 us to HISTOGRAM_MAX_US, kept to 3
 * significant digits: a value is counted in a bucket whose width is at most
 * 1/1024 of the value (1/2048 of the bucket's range), so every percentile
 * read back is within 0.1 % of the true one. The layout is log-linear: one
 * run of 2048 sub-buckets covers 0 to 2048 us, then each further run of
 * 1024 covers a doubling. Runs are allocated when a value first falls in
 * them, so a histogram costs a few KB for latencies that stay within a few
 * doublings, and never more than a fixed bound however long the run.
 * Two histograms add exactly (histogram_add), so results from several
 * runs or machines merge without loss.
 */
#ifndef KONG_HISTOGRAM_H
#define KONG_HISTOGRAM_H

#include <jansson.h>

#include "kong.h"

#define HISTOGRAM_SUB		2048		/* sub-buckets of the first run */
#define HISTOGRAM_RUNS		26		/* 2048 us << 25: ~19 hours */
#define HISTOGRAM_MAX_US	((int64_t)HISTOGRAM_SUB << (HISTOGRAM_RUNS - 1))

struct histogram {
	uint64_t	*runs[HISTOGRAM_RUNS];	/* NULL until used */
	uint64_t	 count;
	int64_t		 min;
	int64_t		 max;
	double		 sum;
	uint64_t	 clamped;		/* values past the range */
};

void		 histogram_init(struct histogram *);
void		 histogram_free(struct histogram *);
void		 histogram_record(struct histogram *, int64_t);
void		 histogram_record_n(struct histogram *, int64_t, uint64_t);
void		 histogram_add(struct histogram *, const struct histogram *);
int64_t		 histogram_percentile(const struct histogram *, double);
double		 histogram_mean(const struct histogram *);
json_t		*histogram_json(const struct histogram *);
int		 histogram_from_json(struct histogram *, json_t *, char **);
void		 histogram_spectrum(const struct histogram *, FILE *, double);

#endif
