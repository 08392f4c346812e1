/*
 * wait.c: waiting for a deploy to converge before the sweep
 * (kong check --wait-for TEST --until DUR).
 *
 * Rounds of small sweeps of one cheap probe test: the first on every
 * selected site, each next one only on the sites whose probe has not
 * passed yet, every interval, until all have passed or the deadline is
 * past. It runs on the program's loop like any sweep, and its outcome
 * (which sites were late, by how long, which never got ready) goes into
 * the real sweep's run_start.
 */
#include "sweep.h"
#include "wait.h"

/* One site's probes. */
struct wait_site {
	const char	*name;
	int		 probes;
	int		 ready;
	uint64_t	 ready_us;	/* since the wait began */
	char		*message;	/* the last probe's failure */
};

struct waiter {
	struct engine		*engine;
	struct sweep_plan	 plan;		/* the probe's */
	struct map		 sites;		/* name -> struct wait_site */
	struct wait_site	*v;
	size_t			 n;
	long			 until_ms;
	long			 interval_ms;
	uint64_t		 start;
	int			 rounds;
	int			 stopped;
	struct sweep		*sweep;		/* the round running */
	struct event		*timer;
	void			(*done)(struct waiter *, void *);
	void			*done_arg;
};

static void	waiter_round(struct waiter *);

/* The probe runs only where it has not passed yet. */
static int
waiter_keep(const struct pair *p, void *arg)
{
	struct waiter		*w = arg;
	struct wait_site	*ws = map_get(&w->sites, p->site->name);

	return (ws != NULL && !ws->ready);
}

/* A probe's result. */
static void
waiter_result(struct sink *k, const struct run_info *run,
    const struct result *r, const struct buf *rec)
{
	struct waiter		*w = k->data;
	struct wait_site	*ws;

	(void)run;
	(void)rec;
	if (r->where.site == NULL || (ws = map_get(&w->sites,
	    r->where.site)) == NULL)
		return;
	ws->probes++;
	if (result_passed(r) || r->status == RESULT_SKIPPED) {
		ws->ready = 1;
		ws->ready_us = monotonic_usec() - w->start;
		return;
	}
	free(ws->message);
	ws->message = xstrdup(r->message != NULL ? r->message :
	    result_status_name(r->status));
}

static const struct sink_ops waiter_sink_ops = {
	"wait",
	NULL,
	waiter_result,
	NULL,
	NULL,
};

/* How many sites are not ready. */
static size_t
waiter_pending(const struct waiter *w)
{
	size_t	i, n = 0;

	for (i = 0; i < w->n; i++)
		n += !w->v[i].ready;
	return (n);
}

static void
waiter_timer_cb(evutil_socket_t fd, short kind, void *arg)
{
	(void)fd;
	(void)kind;
	waiter_round(arg);
}

/* A round drained: another after the interval, or done. */
static void
waiter_round_done(struct sweep *sw, void *arg)
{
	struct waiter	*w = arg;
	struct timeval	 tv;
	uint64_t	 elapsed = monotonic_usec() - w->start;

	(void)sw;
	sweep_free(w->sweep);
	w->sweep = NULL;
	if (w->stopped || waiter_pending(w) == 0 || elapsed +
	    (uint64_t)w->interval_ms * 1000 >= (uint64_t)w->until_ms * 1000) {
		w->done(w, w->done_arg);
		return;
	}
	tv.tv_sec = w->interval_ms / 1000;
	tv.tv_usec = (w->interval_ms % 1000) * 1000;
	evtimer_add(w->timer, &tv);
}

/* Start a round of probes on the sites not ready. */
static void
waiter_round(struct waiter *w)
{
	w->rounds++;
	w->sweep = sweep_create(w->engine, &w->plan);
	sweep_add_sink(w->sweep, sink_create(&waiter_sink_ops, w, "wait"));
	sweep_start(w->sweep, waiter_round_done, w);
}

/*
 * A waiter for the probe plan's pairs (a sweep plan of the probe test only;
 * borrowed), giving up after until_ms, probing again every interval_ms.
 */
struct waiter *
waiter_create(struct engine *e, const struct sweep_plan *probe, long until_ms,
    long interval_ms)
{
	struct waiter	*w;
	struct pair	*pairs;
	size_t		 i, n;

	w = xcalloc(1, sizeof *w);
	w->engine = e;
	w->plan = *probe;
	w->plan.keep = waiter_keep;
	w->plan.keep_arg = w;
	w->until_ms = until_ms;
	w->interval_ms = interval_ms;
	map_init(&w->sites);
	pairs = inventory_pairs(probe->inv, probe->sel, 0, probe->per_server, &n);
	w->v = xcalloc(n + 1, sizeof *w->v);
	for (i = 0; i < n; i++) {
		if (map_get(&w->sites, pairs[i].site->name) != NULL)
			continue;
		/* A shard (--shard) waits for its own sites only. */
		if (probe->keep != NULL && !probe->keep(&pairs[i],
		    probe->keep_arg))
			continue;
		w->v[w->n].name = pairs[i].site->name;
		map_set(&w->sites, pairs[i].site->name, &w->v[w->n]);
		w->n++;
	}
	free(pairs);
	w->timer = evtimer_new(engine_base(e), waiter_timer_cb, w);
	return (w);
}

/* How many sites it waits for. */
size_t
waiter_nsites(const struct waiter *w)
{
	return (w->n);
}

/* Check that the probe compiles everywhere; as sweep_compile. */
int
waiter_compile(struct waiter *w, FILE *f)
{
	struct sweep	*sw;
	int		 bad;

	sw = sweep_create(w->engine, &w->plan);
	bad = sweep_compile(sw, f);
	sweep_free(sw);
	return (bad);
}

/* Start probing; done is called from the loop once it is over. */
void
waiter_start(struct waiter *w, void (*done)(struct waiter *, void *),
    void *arg)
{
	w->done = done;
	w->done_arg = arg;
	w->start = monotonic_usec();
	waiter_round(w);
}

/* A signal: the round running stops as a sweep does; no more rounds. */
void
waiter_interrupt(struct waiter *w)
{
	w->stopped = 1;
	if (w->sweep != NULL)
		sweep_interrupt(w->sweep);
	else if (evtimer_pending(w->timer, NULL)) {
		evtimer_del(w->timer);
		w->done(w, w->done_arg);
	}
}

/* Whether a signal stopped it. */
int
waiter_stopped(const struct waiter *w)
{
	return (w->stopped);
}

/*
 * What run_start records: the probe, how long it waited, and every site
 * that was late (its probes and when it got ready) or never got ready
 * (its last failure). Caller owns the reference.
 */
json_t *
waiter_json(const struct waiter *w)
{
	const struct test	*t = w->plan.sel->ntest > 0 ?
				    inventory_test(w->plan.inv,
				    w->plan.sel->test[0]) : NULL;
	json_t			*o, *late, *not_ready;
	size_t			 i, on_time = 0;

	late = json_array();
	not_ready = json_array();
	for (i = 0; i < w->n; i++) {
		const struct wait_site *ws = &w->v[i];

		if (ws->ready && ws->probes <= 1)
			on_time++;
		else if (ws->ready)
			json_array_append_new(late, json_pack("{s:s, s:i, s:I}",
			    "site", ws->name, "probes", ws->probes,
			    "ready_after_ms", (json_int_t)(ws->ready_us / 1000)));
		else
			json_array_append_new(not_ready, json_pack("{s:s, s:i, "
			    "s:s?}", "site", ws->name, "probes", ws->probes,
			    "message", ws->message));
	}
	o = json_pack("{s:s?, s:I, s:I, s:i, s:I, s:o, s:o}",
	    "test", t != NULL ? t->name : NULL,
	    "until_ms", (json_int_t)w->until_ms,
	    "waited_ms", (json_int_t)((monotonic_usec() - w->start) / 1000),
	    "rounds", w->rounds, "on_time", (json_int_t)on_time,
	    "late", late, "not_ready", not_ready);
	return (o);
}

/* Free a waiter (not while a round runs). */
void
waiter_free(struct waiter *w)
{
	size_t	i;

	if (w == NULL)
		return;
	sweep_free(w->sweep);
	event_free(w->timer);
	for (i = 0; i < w->n; i++)
		free(w->v[i].message);
	free(w->v);
	map_free(&w->sites, NULL);
	free(w);
}
