/*
 * unit-store.c: the store's histogram stays within its precision and adds
 * up, a result counts once however often it is added, a rollback leaves
 * nothing behind (not even in the store's caches), and the latest row
 * follows the newest result with its failing streak.
 */
#include <math.h>
#include <unistd.h>

#include "store.h"
#include "tap.h"

static int64_t
count(struct store *s, const char *sql)
{
	sqlite3_stmt	*st;
	int64_t		 n = -1;

	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (n);
}

static void
mk(struct result *r, const char *run, const char *site, uint64_t start,
    enum result_status status, uint64_t dur)
{
	result_init(r);
	r->where.run = run;
	r->where.site = site;
	r->where.test = "home";
	r->where.type = "web";
	r->start_us = start;
	r->status = status;
	r->duration_us = dur;
	r->attempts = 1;
}

/* One result of the pair new/home, with its record. */
static void
add_new(struct store *s, const char *run, uint64_t start,
    enum result_status status, const char *json)
{
	struct result	r;

	mk(&r, run, "new", start, status, 5000);
	store_add_result(s, &r, json, strlen(json), -1, -1);
	result_clear(&r);
}

/* A column of new/home's latest row. */
static int64_t
latest_new(struct store *s, const char *what)
{
	char	*sql = xstrfmt("SELECT %s FROM latest l JOIN pairs p ON p.id = "
		    "l.pair WHERE p.site = 'new'", what);
	int64_t	 n = count(s, sql);

	free(sql);
	return (n);
}

int
main(void)
{
	char		 path[] = "/tmp/kong-unit-store.XXXXXX", *db, *cause = NULL;
	struct store	*s;
	struct result	 r;
	uint64_t	 h[STORE_HIST_BUCKETS];
	int64_t		 p50, p95;
	uint64_t	 now = realtime_usec();
	char		 run[32];
	int		 fd, i, worst_ok = 1;

	fd = mkstemp(path);
	ok(fd >= 0, "a temporary file");
	close(fd);
	unlink(path);
	db = path;
	s = store_open(db, 0, &cause);
	ok(s != NULL, "a new store opens");
	if (s == NULL) {
		printf("# %s\n", cause);
		return (done_testing());
	}
	store_begin(s);
	for (i = 0; i < 100; i++) {
		snprintf(run, sizeof run, "run-%d", i / 4);
		mk(&r, run, "shop", now - 3600000000ULL + (uint64_t)i * 1000,
		    RESULT_PASS, (uint64_t)(i + 1) * 1000);
		r.where.test = i % 2 ? "home" : "login";
		r.where.site = i % 4 < 2 ? "shop" : "blog";
		store_add_result(s, &r, "{}", 2, -1, -1);
		result_clear(&r);
	}
	ok(store_commit(s) == 0, "a batch commits");
	is_int(count(s, "SELECT count(*) FROM results"), 100, "100 results");
	is_int(count(s, "SELECT count(*) FROM pairs"), 4, "4 pairs");
	is_int(count(s, "SELECT sum(results) FROM runs"), 100,
	    "the runs count them");
	is_int(count(s, "SELECT sum(count) FROM rollups WHERE period = 3600"),
	    100, "hourly rollups count each once");
	store_begin(s);
	for (i = 0; i < 100; i++) {
		snprintf(run, sizeof run, "run-%d", i / 4);
		mk(&r, run, "shop", now - 3600000000ULL + (uint64_t)i * 1000,
		    RESULT_PASS, (uint64_t)(i + 1) * 1000);
		r.where.test = i % 2 ? "home" : "login";
		r.where.site = i % 4 < 2 ? "shop" : "blog";
		if (store_add_result(s, &r, "{}", 2, -1, -1) != 0)
			worst_ok = 0;
		result_clear(&r);
	}
	store_commit(s);
	ok(worst_ok, "adding the same results again adds nothing");
	is_int(count(s, "SELECT sum(count) FROM rollups WHERE period = 86400"),
	    100, "and the rollups are unchanged");

	/* Percentiles of 1..100 ms from the stored histogram. */
	{
		sqlite3_stmt	*st;
		uint64_t	 all[STORE_HIST_BUCKETS];
		int		 b;

		memset(all, 0, sizeof all);
		sqlite3_prepare_v2(store_db(s), "SELECT hist FROM rollups WHERE "
		    "period = 86400", -1, &st, NULL);
		while (sqlite3_step(st) == SQLITE_ROW) {
			store_hist_decode(sqlite3_column_blob(st, 0),
			    (size_t)sqlite3_column_bytes(st, 0), h);
			for (b = 0; b < STORE_HIST_BUCKETS; b++)
				all[b] += h[b];
		}
		sqlite3_finalize(st);
		p50 = store_hist_percentile(all, 0.5);
		p95 = store_hist_percentile(all, 0.95);
		ok(fabs((double)p50 - 50000) < 50000 * 0.1, "p50 within 10 %");
		ok(fabs((double)p95 - 95000) < 95000 * 0.1, "p95 within 10 %");
		printf("# p50 %lld us, p95 %lld us\n", (long long)p50,
		    (long long)p95);
	}

	/* A rollback leaves nothing, and the caches forget the new pair. */
	store_begin(s);
	mk(&r, "run-b", "new", now, RESULT_FAIL, 5000);
	store_add_result(s, &r, "{}", 2, -1, -1);
	store_rollback(s);
	is_int(count(s, "SELECT count(*) FROM pairs WHERE site = 'new'"), 0,
	    "a rolled back pair is gone");
	store_begin(s);
	store_add_result(s, &r, "{}", 2, -1, -1);
	store_commit(s);
	is_int(count(s, "SELECT count(*) FROM results r JOIN pairs p ON p.id = "
	    "r.pair WHERE p.site = 'new'"), 1, "and comes back whole after it");
	result_clear(&r);

	/* The latest row: newest wins, streaks count failures in a row. */
	store_begin(s);
	add_new(s, "run-c", now + 1000, RESULT_FAIL, "{\"n\":2}");
	add_new(s, "run-0", now - 1000, RESULT_PASS, "{\"n\":0}");
	store_commit(s);
	is_int(latest_new(s, "l.streak"), 2, "two failures in a row");
	is_int(latest_new(s, "json_extract(l.record, '$.n')"), 2,
	    "an older result does not replace the latest");
	is_int(latest_new(s, "length(l.spark)"), 10,
	    "the sparkline has the two newest");

	/*
	 * What this connection knows of a latest row is kept between batches,
	 * and forgotten once another connection has written: a result added
	 * there counts in the streak and the sparkline here.
	 */
	{
		struct store	*t = store_open(db, 0, &cause);

		ok(t != NULL, "a second connection");
		store_begin(t);
		add_new(t, "run-d", now + 2000, RESULT_FAIL, "{}");
		ok(store_commit(t) == 0, "it commits a newer failure");
		store_close(t);
	}
	store_begin(s);
	ok(store_load_pairs(s) == 0, "every pair read at once");
	add_new(s, "run-e", now + 3000, RESULT_FAIL, "{}");
	store_commit(s);
	is_int(latest_new(s, "l.streak"), 4,
	    "the other connection's failure is in the streak");
	is_int(latest_new(s, "length(l.spark)"), 20, "and in the sparkline");
	/* The next batch starts from what this one wrote. */
	store_begin(s);
	add_new(s, "run-f", now + 4000, RESULT_PASS, "{}");
	store_commit(s);
	is_int(latest_new(s, "l.streak"), 0, "a pass ends the streak");
	is_int(latest_new(s, "length(l.spark)"), 25, "one entry more");
	/* A pair's results an hour apart in one batch: two hourly rows. */
	store_begin(s);
	for (i = 0; i < 4; i++) {
		mk(&r, "run-g", "hours", now - 7200000000ULL + (uint64_t)i *
		    1800000000ULL, i == 1 ? RESULT_FAIL : RESULT_PASS, 1000);
		store_add_result(s, &r, "{}", 2, -1, -1);
		result_clear(&r);
	}
	store_commit(s);
	is_int(count(s, "SELECT sum(count) FROM rollups r JOIN pairs p ON "
	    "p.id = r.pair WHERE p.site = 'hours' AND period = 3600"), 4,
	    "results across hours count once each");
	ok(count(s, "SELECT count(*) FROM rollups r JOIN pairs p ON p.id = "
	    "r.pair WHERE p.site = 'hours' AND period = 3600") >= 2,
	    "in more than one hour");
	is_int(count(s, "SELECT sum(failures) FROM rollups r JOIN pairs p ON "
	    "p.id = r.pair WHERE p.site = 'hours' AND period = 86400"), 1,
	    "the day has the failure");
	store_close(s);
	unlink(db);
	{
		char *w = xstrfmt("%s-wal", db), *m = xstrfmt("%s-shm", db);

		unlink(w);
		unlink(m);
		free(w);
		free(m);
	}
	return (done_testing());
}
