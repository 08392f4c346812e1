/*
 * sink-store.c: results into the history store as a sweep makes them.
 *
 * Results are written in batches: the first result of a batch opens a
 * transaction, which is committed after SINK_STORE_BATCH results or on a
 * short timer, whichever comes first, so a sweep never waits on SQLite
 * per result. The store is derived from the log: if it cannot be written
 * (locked too long, disk full) the sink says so once and stops, the sweep
 * goes on, and `kong store ingest LOG` catches up later.
 */
#include "record.h"
#include "sink.h"
#include "store.h"

#define SINK_STORE_BATCH	1000
#define SINK_STORE_DELAY_MS	200
/* A sweep this big reads every pair at once rather than one by one. */
#define SINK_STORE_LOAD_ALL	64

struct sink_store {
	struct store	*store;
	char		*log;		/* the log path it mirrors */
	int64_t		 log_id;
	size_t		 pending;
	int		 broken;
	FILE		*err;
	struct event	*timer;
};

/* Stop using the store after saying why, once. */
static void
sink_store_broken(struct sink_store *ss)
{
	if (ss->broken)
		return;
	ss->broken = 1;
	store_rollback(ss->store);
	fprintf(ss->err, "kong: store: %s; the log is complete, catch up with "
	    "kong store ingest %s\n", store_error(ss->store), ss->log);
}

/* Commit the open batch. */
static void
sink_store_flush(struct sink_store *ss)
{
	if (ss->broken || !store_in_transaction(ss->store))
		return;
	if (store_commit(ss->store) != 0)
		sink_store_broken(ss);
	ss->pending = 0;
}

static void
sink_store_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sink_store_flush(arg);
}

/* Open a batch if none is open, with its timer. */
static int
sink_store_batch(struct sink_store *ss, const struct run_info *run)
{
	struct timeval	tv = { 0, SINK_STORE_DELAY_MS * 1000 };

	if (ss->broken)
		return (-1);
	if (store_in_transaction(ss->store))
		return (0);
	if (store_begin(ss->store) != 0) {
		sink_store_broken(ss);
		return (-1);
	}
	if (ss->timer == NULL && run->base != NULL)
		ss->timer = evtimer_new(run->base, sink_store_timer_cb, ss);
	if (ss->timer != NULL)
		evtimer_add(ss->timer, &tv);
	return (0);
}

static void
sink_store_start(struct sink *k, const struct run_info *run)
{
	struct sink_store	*ss = k->data;
	json_t			*rec;

	if (sink_store_batch(ss, run) != 0)
		return;
	rec = record_run_start(run);
	if (store_log_id(ss->store, ss->log, &ss->log_id) != 0 ||
	    store_run_start(ss->store, rec) != 0 ||
	    (run->to_run >= SINK_STORE_LOAD_ALL &&
	    store_load_pairs(ss->store) != 0))
		sink_store_broken(ss);
	json_decref(rec);
}

static void
sink_store_result(struct sink *k, const struct run_info *run,
    const struct result *r, const struct buf *rec)
{
	struct sink_store	*ss = k->data;

	if (sink_store_batch(ss, run) != 0)
		return;
	if (store_add_result(ss->store, r, rec->data, rec->len, ss->log_id,
	    -1) < 0) {
		sink_store_broken(ss);
		return;
	}
	if (++ss->pending >= SINK_STORE_BATCH)
		sink_store_flush(ss);
}

static void
sink_store_end(struct sink *k, const struct run_info *run)
{
	struct sink_store	*ss = k->data;
	json_t			*rec;

	if (ss->timer != NULL)
		evtimer_del(ss->timer);
	if (sink_store_batch(ss, run) != 0)
		return;
	rec = record_run_end(run);
	if (store_run_end(ss->store, rec) != 0 ||
	    store_prune_due(ss->store, realtime_usec()) != 0)
		sink_store_broken(ss);
	json_decref(rec);
	sink_store_flush(ss);
}

/* Every result is in: commit the batch, so alerting can use the file. */
static void
sink_store_done(struct sink *k)
{
	struct sink_store	*ss = k->data;

	if (ss->timer != NULL)
		evtimer_del(ss->timer);
	sink_store_flush(ss);
}

static void
sink_store_free(struct sink *k)
{
	struct sink_store	*ss = k->data;

	sink_store_flush(ss);
	if (ss->timer != NULL)
		event_free(ss->timer);
	store_close(ss->store);
	free(ss->log);
	free(ss);
}

static const struct sink_ops sink_store_ops = {
	"store",
	sink_store_start,
	sink_store_result,
	sink_store_end,
	sink_store_free,
	sink_store_done,
	1,
};

/*
 * A sink into the store at path, mirroring the log at log; problems are
 * told on err. NULL and a cause if the store cannot be opened.
 */
struct sink *
sink_store_open(const char *path, const char *log, long retention_ms,
    FILE *err, char **cause)
{
	struct sink_store	*ss;
	struct store		*s;

	if ((s = store_open(path, 0, cause)) == NULL)
		return (NULL);
	store_set_retention(s, retention_ms);
	ss = xcalloc(1, sizeof *ss);
	ss->store = s;
	ss->log = xstrdup(log);
	ss->log_id = -1;
	ss->err = err;
	return (sink_create(&sink_store_ops, ss, path));
}
