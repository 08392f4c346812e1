/*
 * store.h: the history store, a derived and rebuildable index of results
 * logs in SQLite (docs/store.md).
 *
 * The JSONL log stays the record of truth; the store keeps what the pages
 * show without reading history at view time: the latest result of every
 * pair (with its full record and its last durations), raw results for
 * the retention period, hourly and daily rollups, the runs, and how far
 * each log has been read. It is fed by a sink during a sweep and by
 * store_ingest from logs; a result already in it counts once.
 *
 * Other modules may keep their own tables in the same file: open the
 * store, then use store_db and store_begin/store_commit (a nested begin
 * joins the open transaction).
 */
#ifndef KONG_STORE_H
#define KONG_STORE_H

#include <sqlite3.h>

#include <jansson.h>

#include "results.h"

struct store;

#define STORE_READONLY	0x1	/* the dashboard: never writes */

/* Rollup periods, in seconds. */
#define STORE_HOUR	3600
#define STORE_DAY	86400

/* How long rollups are kept. */
#define STORE_HOURLY_KEEP_S	(8 * STORE_DAY)		/* the 7 d chart */
#define STORE_DAILY_KEEP_S	(400 * STORE_DAY)

/*
 * Rollups are packed once only charts read them: per pair and period, a
 * row of rollups_cold holds STORE_COLD_SLOTS periods, each its counts and
 * min, max and sum (varints of 100 us) and the histogram buckets of its
 * p50 and p95 (no longer the whole histogram). Hours are packed after a
 * day (the 24 h uptime adds their rows up), days after 8 (the 7 d uptime).
 */
#define STORE_COLD_SLOTS	32	/* ~400 bytes: 9 rows to a page */
#define STORE_HOUR_COLD_S	(25 * STORE_HOUR)
#define STORE_DAY_COLD_S	(8 * STORE_DAY)

struct store_cold {
	int64_t		 t;		/* the period's start, in seconds */
	int64_t		 count;
	int64_t		 failures;
	int64_t		 min_us;
	int64_t		 max_us;
	int64_t		 sum_us;
	int64_t		 p50_us;
	int64_t		 p95_us;
};

size_t		 store_cold_decode(int, int64_t, const void *, size_t,
		     struct store_cold *);

/* How often a sweep prunes and packs (an ingest always does). */
#define STORE_PRUNE_EVERY_S	STORE_HOUR

/* The last durations kept with each pair's latest result. */
#define STORE_SPARK	50

/* What an ingest did. */
struct store_ingest_stats {
	size_t		 records;	/* lines read */
	size_t		 added;		/* results new to the store */
	size_t		 duplicates;	/* results it already had */
	size_t		 bad;		/* lines that were not records */
	size_t		 skipped;	/* results without a site (kong run) */
	uint64_t	 bytes;		/* bytes read */
	const char	*how;		/* "new", "continued", "restarted", ... */
};

struct store	*store_open(const char *, int, char **);
void		 store_close(struct store *);
sqlite3		*store_db(struct store *);
const char	*store_path(const struct store *);
const char	*store_error(const struct store *);
int		 store_begin(struct store *);
int		 store_commit(struct store *);
void		 store_rollback(struct store *);
int		 store_in_transaction(const struct store *);
void		 store_set_retention(struct store *, long);
int		 store_run_start(struct store *, json_t *);
int		 store_run_end(struct store *, json_t *);
int		 store_add_result(struct store *, const struct result *,
		     const char *, size_t, int64_t, int64_t);
int		 store_log_id(struct store *, const char *, int64_t *);
int		 store_load_pairs(struct store *);
int		 store_ingest(struct store *, const char *,
		     struct store_ingest_stats *, char **);
int		 store_prune(struct store *, uint64_t);
int		 store_prune_due(struct store *, uint64_t);
int		 store_reset(struct store *);
char		**store_logs(struct store *);

/* The small latency histogram of a rollup (4 buckets per doubling). */
#define STORE_HIST_BUCKETS	128
void		 store_hist_decode(const void *, size_t, uint64_t *);
int64_t		 store_hist_percentile(const uint64_t *, double);

/* The sparkline blob: STORE_SPARK entries of {status, duration in us}. */
struct store_spark {
	uint8_t		 status;
	uint32_t	 ms10;		/* duration in units of 100 us */
};
size_t		 store_spark_decode(const void *, size_t, struct store_spark *);

#endif
