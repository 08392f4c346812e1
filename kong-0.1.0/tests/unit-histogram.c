/*
 * unit-histogram.c: the latency histogram keeps 3 significant digits over
 * its whole range, merges exactly and survives a JSON round trip.
 */
#include <math.h>

#include "histogram.h"
#include "tap.h"

/* Whether got is within a relative error rel of want. */
static int
close_to(int64_t got, double want, double rel)
{
	return (fabs((double)got - want) <= want * rel + 1);
}

int
main(void)
{
	struct histogram	 a, b, all, back;
	json_t			*j, *k;
	char			*s1, *s2, *cause = NULL;
	int64_t			 v, worst = 0;
	double			 err, worst_err = 0;
	int			 i, ok_all = 1;

	histogram_init(&a);
	histogram_init(&b);
	histogram_init(&all);
	ok(histogram_percentile(&a, 50) == 0 && histogram_mean(&a) == 0,
	    "an empty histogram reads 0");
	for (i = 1; i <= 100000; i++) {
		histogram_record(i % 2 ? &a : &b, i);
		histogram_record(&all, i);
	}
	is_int(all.count, 100000, "every value counted");
	is_int(all.min, 1, "min is exact");
	is_int(all.max, 100000, "max is exact");
	ok(close_to(histogram_percentile(&all, 50), 50000, 0.001),
	    "p50 within 0.1 %");
	ok(close_to(histogram_percentile(&all, 99), 99000, 0.001),
	    "p99 within 0.1 %");
	ok(close_to(histogram_percentile(&all, 99.9), 99900, 0.001),
	    "p99.9 within 0.1 %");
	is_int(histogram_percentile(&all, 100), 100000, "p100 is the max");
	ok(fabs(histogram_mean(&all) - 50000.5) < 0.01, "the mean is exact");

	/* Every value lands in a bucket at most 1/1024 of it wide. */
	for (v = 1; v < HISTOGRAM_MAX_US; v = v * 3 / 2 + 7) {
		struct histogram one;

		histogram_init(&one);
		histogram_record(&one, v);
		histogram_record(&one, HISTOGRAM_MAX_US - 1);
		err = (double)(histogram_percentile(&one, 50) - v) / (double)v;
		if (err < 0 || err > 1.0 / 1024)
			ok_all = 0;
		if (err > worst_err) {
			worst_err = err;
			worst = v;
		}
		histogram_free(&one);
	}
	ok(ok_all, "3 significant digits from 1 us to 19 hours");
	if (!ok_all)
		printf("# worst: %lld us, %g\n", (long long)worst, worst_err);

	/* Two halves added are the whole, exactly. */
	histogram_add(&a, &b);
	j = histogram_json(&a);
	k = histogram_json(&all);
	s1 = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	s2 = json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS);
	is_str(s1, s2, "merged halves equal the whole");
	free(s1);
	free(s2);

	/* JSON round trip. */
	histogram_init(&back);
	ok(histogram_from_json(&back, k, &cause) == 0, "reads back");
	ok(back.count == all.count && back.min == all.min &&
	    back.max == all.max && histogram_percentile(&back, 99) ==
	    histogram_percentile(&all, 99), "reads back the same");
	json_decref(j);
	json_object_set_new(k, "count", json_integer(3));
	histogram_free(&back);
	histogram_init(&back);
	ok(histogram_from_json(&back, k, &cause) == -1 && cause != NULL,
	    "a count that is not the sum of the buckets is refused");
	free(cause);
	json_decref(k);

	/* Past the range: clamped, and counted as such. */
	histogram_free(&b);
	histogram_init(&b);
	histogram_record(&b, HISTOGRAM_MAX_US * 4);
	histogram_record(&b, -5);
	ok(b.clamped == 1 && b.min == 0 && b.count == 2,
	    "values past the range are clamped and counted; negatives are 0");

	histogram_free(&a);
	histogram_free(&b);
	histogram_free(&all);
	histogram_free(&back);
	return (tap_done());
}
