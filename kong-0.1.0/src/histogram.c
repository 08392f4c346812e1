/*
 * histogram.c: log-linear latency histograms (histogram.h).
 *
 * Run 0 holds 0 .. 2047 us one microsecond a bucket; run r >= 1 holds
 * [1024 << r, 2048 << r) in 1024 buckets of 2^r us. A value's bucket is
 * found from its highest set bit, with no loop and no floating point, so
 * recording costs a few instructions on the hot path of a load test.
 */
#include <inttypes.h>
#include <math.h>

#include "histogram.h"

#define HISTOGRAM_HALF	1024

/* An empty histogram. */
void
histogram_init(struct histogram *h)
{
	memset(h, 0, sizeof *h);
	h->min = INT64_MAX;
}

/* Free a histogram's runs. */
void
histogram_free(struct histogram *h)
{
	size_t	i;

	for (i = 0; i < HISTOGRAM_RUNS; i++)
		free(h->runs[i]);
	histogram_init(h);
}

/* Sub-buckets of run r. */
static size_t
histogram_run_len(size_t r)
{
	return (r == 0 ? HISTOGRAM_SUB : HISTOGRAM_HALF);
}

/* The run and sub-bucket of a value (0 <= v < HISTOGRAM_MAX_US). */
static void
histogram_index(int64_t v, size_t *run, size_t *sub)
{
	int	msb;

	if (v < HISTOGRAM_SUB) {
		*run = 0;
		*sub = (size_t)v;
		return;
	}
	msb = 63 - __builtin_clzll((unsigned long long)v);
	*run = (size_t)(msb - 10);
	*sub = (size_t)((v >> *run) - HISTOGRAM_HALF);
}

/* The highest value a bucket counts (what percentiles report). */
static int64_t
histogram_value(size_t run, size_t sub)
{
	if (run == 0)
		return ((int64_t)sub);
	return ((((int64_t)HISTOGRAM_HALF + (int64_t)sub) << run) +
	    ((int64_t)1 << run) - 1);
}

/* Count n values of v microseconds (negative counts as 0). */
void
histogram_record_n(struct histogram *h, int64_t v, uint64_t n)
{
	size_t	run, sub;

	if (n == 0)
		return;
	if (v < 0)
		v = 0;
	if (v >= HISTOGRAM_MAX_US) {
		h->clamped += n;
		v = HISTOGRAM_MAX_US - 1;
	}
	histogram_index(v, &run, &sub);
	if (h->runs[run] == NULL)
		h->runs[run] = xcalloc(histogram_run_len(run),
		    sizeof *h->runs[run]);
	h->runs[run][sub] += n;
	h->count += n;
	h->sum += (double)v * (double)n;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/* Count one value. */
void
histogram_record(struct histogram *h, int64_t v)
{
	histogram_record_n(h, v, 1);
}

/* Add src's counts to dst: exact, whatever order histograms are added in. */
void
histogram_add(struct histogram *dst, const struct histogram *src)
{
	size_t	r, k, len;

	for (r = 0; r < HISTOGRAM_RUNS; r++) {
		if (src->runs[r] == NULL)
			continue;
		len = histogram_run_len(r);
		if (dst->runs[r] == NULL)
			dst->runs[r] = xcalloc(len, sizeof *dst->runs[r]);
		for (k = 0; k < len; k++)
			dst->runs[r][k] += src->runs[r][k];
	}
	dst->count += src->count;
	dst->sum += src->sum;
	dst->clamped += src->clamped;
	if (src->count > 0 && src->min < dst->min)
		dst->min = src->min;
	if (src->count > 0 && src->max > dst->max)
		dst->max = src->max;
}

/*
 * The value at percentile p (0 to 100): the highest value of the bucket
 * holding the ceil(p% of count)-th value, capped at the largest value seen.
 * 0 for an empty histogram.
 */
int64_t
histogram_percentile(const struct histogram *h, double p)
{
	uint64_t	rank, seen = 0;
	size_t		r, k, len;
	int64_t		v;

	if (h->count == 0)
		return (0);
	if (p <= 0)
		return (h->min);
	if (p > 100)
		p = 100;
	rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (r = 0; r < HISTOGRAM_RUNS; r++) {
		if (h->runs[r] == NULL)
			continue;
		len = histogram_run_len(r);
		for (k = 0; k < len; k++) {
			seen += h->runs[r][k];
			if (seen >= rank) {
				v = histogram_value(r, k);
				return (v < h->max ? v : h->max);
			}
		}
	}
	return (h->max);
}

/* The mean, or 0. */
double
histogram_mean(const struct histogram *h)
{
	return (h->count > 0 ? h->sum / (double)h->count : 0);
}

/* The histogram as JSON: its totals and its non-empty buckets. */
json_t *
histogram_json(const struct histogram *h)
{
	json_t	*o, *b;
	size_t	 r, k, len;

	b = json_array();
	for (r = 0; r < HISTOGRAM_RUNS; r++) {
		if (h->runs[r] == NULL)
			continue;
		len = histogram_run_len(r);
		for (k = 0; k < len; k++) {
			if (h->runs[r][k] != 0)
				json_array_append_new(b, json_pack("[I, I, I]",
				    (json_int_t)r, (json_int_t)k,
				    (json_int_t)h->runs[r][k]));
		}
	}
	o = json_pack("{s:s, s:I, s:I, s:I, s:f, s:I, s:o}",
	    "layout", "log-linear-us-2048x1024", "count", (json_int_t)h->count,
	    "min", (json_int_t)(h->count > 0 ? h->min : 0),
	    "max", (json_int_t)h->max, "sum", h->sum,
	    "clamped", (json_int_t)h->clamped, "buckets", b);
	return (o);
}

/*
 * Read a histogram written by histogram_json into h (empty). Returns 0, or
 * -1 and a cause when it is not one.
 */
int
histogram_from_json(struct histogram *h, json_t *o, char **cause)
{
	json_t		*b, *e;
	json_int_t	 r, k, n;
	size_t		 i;
	const char	*layout;

	layout = json_string_value(json_object_get(o, "layout"));
	if (layout == NULL || strcmp(layout, "log-linear-us-2048x1024") != 0) {
		*cause = xstrdup("not a histogram of this layout");
		return (-1);
	}
	b = json_object_get(o, "buckets");
	json_array_foreach(b, i, e) {
		if (json_unpack(e, "[I, I, I]", &r, &k, &n) != 0 || r < 0 ||
		    r >= HISTOGRAM_RUNS || k < 0 ||
		    (size_t)k >= histogram_run_len((size_t)r) || n < 0) {
			*cause = xstrfmt("bucket %zu is not [run, index, count] "
			    "within the layout", i);
			histogram_free(h);
			return (-1);
		}
		if (h->runs[r] == NULL)
			h->runs[r] = xcalloc(histogram_run_len((size_t)r),
			    sizeof *h->runs[r]);
		h->runs[r][k] += (uint64_t)n;
		h->count += (uint64_t)n;
	}
	h->min = (int64_t)json_integer_value(json_object_get(o, "min"));
	h->max = (int64_t)json_integer_value(json_object_get(o, "max"));
	h->sum = json_number_value(json_object_get(o, "sum"));
	h->clamped = (uint64_t)json_integer_value(json_object_get(o, "clamped"));
	if (h->count == 0)
		h->min = INT64_MAX;
	if ((uint64_t)json_integer_value(json_object_get(o, "count")) !=
	    h->count) {
		*cause = xstrdup("its count is not the sum of its buckets");
		histogram_free(h);
		return (-1);
	}
	return (0);
}

/*
 * HdrHistogram's percentile distribution (outputPercentileDistribution,
 * five ticks per half distance), values divided by scale (1000: ms), as
 * HdrHistogram's plotting tools read it.
 */
void
histogram_spectrum(const struct histogram *h, FILE *f, double scale)
{
	double		p, sd = 0, mean = histogram_mean(h) / scale;
	int64_t		v;
	uint64_t	below;
	size_t		r, k, len, ticks;

	fprintf(f, "%12s %14s %10s %14s\n\n", "Value", "Percentile",
	    "TotalCount", "1/(1-Percentile)");
	for (ticks = 0;; ticks++) {
		/* 0, then halving what is left to 100 % in five steps each. */
		p = ticks == 0 ? 0 : 100.0 * (1.0 - pow(0.5, ticks / 5.0));
		v = histogram_percentile(h, p);
		below = 0;
		for (r = 0; r < HISTOGRAM_RUNS; r++) {
			if (h->runs[r] == NULL)
				continue;
			len = histogram_run_len(r);
			for (k = 0; k < len && histogram_value(r, k) <= v; k++)
				below += h->runs[r][k];
		}
		if (h->count == 0 || below >= h->count || p >= 99.9999999)
			break;
		fprintf(f, "%12.3f %2.12f %10" PRIu64 " %14.2f\n", v / scale,
		    p / 100, below, 1.0 / (1.0 - p / 100));
	}
	fprintf(f, "%12.3f %2.12f %10" PRIu64 "\n", h->max / scale, 1.0,
	    h->count);
	for (r = 0; r < HISTOGRAM_RUNS; r++) {
		if (h->runs[r] == NULL)
			continue;
		len = histogram_run_len(r);
		for (k = 0; k < len; k++) {
			double d = histogram_value(r, k) / scale - mean;

			sd += d * d * (double)h->runs[r][k];
		}
	}
	sd = h->count > 0 ? sqrt(sd / (double)h->count) : 0;
	fprintf(f, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", mean, sd);
	fprintf(f, "#[Max     = %12.3f, Total count    = %12" PRIu64 "]\n",
	    h->max / scale, h->count);
	fprintf(f, "#[Buckets = %12d, SubBuckets     = %12d]\n", HISTOGRAM_RUNS,
	    HISTOGRAM_SUB);
}
