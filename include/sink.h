/*
 * sink.h: where results go.
 *
 * A sweep hands every result, once it is final, to each of its sinks in
 * turn, between a start and an end. The JSONL log is the first sink and
 * the record of truth; the progress line and the terminal summary are
 * sinks too, and so is anything that derives from results (a store,
 * alerts, reports, load statistics): a new one is a new file beside these,
 * never a change to the sweep.
 *
 * A sink may keep what it needs of a result (copies: the result is freed
 * once every sink has seen it). A sink that fails to write counts it in
 * errors; the sweep adds those up into run_end's write_errors and the exit
 * status (3).
 */
#ifndef KONG_SINK_H
#define KONG_SINK_H

#include <sys/queue.h>

#include <event2/event.h>
#include <jansson.h>

#include "results.h"

struct selection;
struct settings;
struct sink;

/* A run, as its sinks see it: set at start, completed at the end. */
struct run_info {
	const char		*id;
	const char		*command;	/* "check", "run" */
	uint64_t		 start_us;	/* wall clock */
	uint64_t		 start_mono;	/* monotonic, for rates */
	const char		*inventory;	/* NULL for kong run */
	const struct selection	*sel;
	const struct settings	*set;
	int			 per_server;
	size_t			 pairs;		/* planned */
	size_t			 to_run;	/* planned, not skipped */
	const json_t		*wait;		/* --wait-for's outcome, or NULL */
	const json_t		*shard;		/* --shard: shard.h, or NULL */
	struct event_base	*base;		/* for sinks with timers */

	/* Counts so far; final once end is called. */
	size_t			 started;	/* pairs started at least once */
	struct result_counts	 counts;
	uint64_t		 duration_us;
	size_t			 not_started;
	int			 interrupted;
	char			*aborted;	/* why --abort-if stopped it */
	size_t			 write_errors;
	int			 exit_status;
	json_t			*alerts;	/* what alerting did, or NULL */
};

struct sink_ops {
	const char	*name;
	void		(*start)(struct sink *, const struct run_info *);
	/*
	 * rec is the result's record as the log has it, formatted once for
	 * every sink that sets record; NULL for the others.
	 */
	void		(*result)(struct sink *, const struct run_info *,
			    const struct result *, const struct buf *rec);
	void		(*end)(struct sink *, const struct run_info *);
	void		(*free)(struct sink *);
	/*
	 * Optional: every result is in; write out what is batched, before
	 * the finish hook (alerting) reads the same files.
	 */
	void		(*flush)(struct sink *);
	int		  record;	/* result wants rec */
};

struct sink {
	const struct sink_ops	*ops;
	void			*data;
	size_t			 errors;	/* records it could not write */
	int			 last_errno;
	char			*what;		/* what it writes, for messages */
	struct buf		 rec;		/* the record, if ops->record */
	TAILQ_ENTRY(sink)	 entry;
};

TAILQ_HEAD(sink_list, sink);

struct sink	*sink_create(const struct sink_ops *, void *, const char *);
void		 sink_free(struct sink *);
void		 sinks_start(struct sink_list *, const struct run_info *);
const struct buf *sink_result(struct sink *, const struct run_info *,
		     const struct result *, const struct buf *);
void		 sinks_result(struct sink_list *, const struct run_info *,
		     const struct result *);
void		 sinks_end(struct sink_list *, const struct run_info *);
void		 sinks_flush(struct sink_list *);
size_t		 sinks_errors(const struct sink_list *);
void		 sinks_free(struct sink_list *);

/* sink-jsonl.c: the JSONL log (docs/jsonl.md). */
struct sink	*sink_jsonl_open(const char *, int, char **);

/* sink-progress.c: the progress line on a terminal. */
struct sink	*sink_progress_create(FILE *, int);

/* sink-summary.c: the summary at the end of a sweep. */
#define SUMMARY_ALWAYS	0	/* print it whatever happened */
#define SUMMARY_FAILED	1	/* only when something failed (for cron) */
struct sink	*sink_summary_create(FILE *, int, int);

/* sink-store.c: the history store (store.h), in batches. */
struct sink	*sink_store_open(const char *, const char *, long, FILE *,
		     char **);

#endif
