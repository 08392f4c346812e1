/*
 * runner.c: the scheduler of sessions: pulling jobs, caps, deadlines,
 * retries, stopping.
 *
 * Jobs come from the owner's source when there is room (runner_fill) and
 * are freed once their result has been handed over, so only the jobs in
 * flight, backing off or parked are in memory. Retried and unparked jobs
 * wait in a FIFO that is served before the source. A session's end comes
 * through its done callback, from the engine's run queue; the runner then
 * decides between a retry (after a backoff) and a final result. The owner
 * hears that the runner drained from the run queue too, never from inside
 * one of its own calls, so it may free the runner there.
 */
#include <event2/event.h>

#include "map.h"
#include "page.h"
#include "runner.h"

enum job_state {
	JOB_QUEUED,		/* in the FIFO */
	JOB_PARKED,		/* waiting for a capped host or server */
	JOB_RUNNING,		/* a session is in flight */
	JOB_BACKOFF,		/* waiting to be retried */
};

struct job;
TAILQ_HEAD(job_list, job);

struct job {
	struct runner		*runner;
	struct job_spec		 spec;
	enum job_state		 state;
	int			 attempts;
	uint64_t		 first_start_us;
	struct session		*session;
	struct event		*timer;		/* deadline or backoff */
	struct result		 last;		/* the failed attempt, in backoff */
	struct job_list		*list;		/* the list entry is on */
	TAILQ_ENTRY(job)	 entry;
};

struct cap {
	long		running;
	struct job_list	parked;
};

struct runner {
	struct engine		*engine;
	struct runner_options	 opt;
	const struct runner_ops	*ops;
	void			*arg;
	struct job_list		 fifo;
	struct job_list		 running;
	struct job_list		 backoff;
	size_t			 nrunning;
	size_t			 nparked;
	size_t			 nbackoff;
	size_t			 max_parked;
	struct map		 hosts;
	struct map		 servers;
	int			 started;
	int			 exhausted;	/* the source said -1 */
	int			 idle;		/* the source said 0 */
	int			 stopping;
	int			 drained;
	struct engine_task	 task;		/* reports drained */
};

static void	runner_fill(struct runner *);
static void	runner_check_drained(struct runner *);

/* Put a job on a list (taking it off the one it is on). */
static void
runner_list(struct job *j, struct job_list *l, int head)
{
	if (j->list != NULL)
		TAILQ_REMOVE(j->list, j, entry);
	j->list = l;
	if (l == NULL)
		return;
	if (head)
		TAILQ_INSERT_HEAD(l, j, entry);
	else
		TAILQ_INSERT_TAIL(l, j, entry);
}

/* The cap of a key, created the first time. */
static struct cap *
runner_cap(struct map *m, const char *key)
{
	struct cap	*c;

	if ((c = map_get(m, key)) == NULL) {
		c = xcalloc(1, sizeof *c);
		TAILQ_INIT(&c->parked);
		map_set(m, key, c);
	}
	return (c);
}

/* Tell the owner the runner drained (from the run queue). */
static void
runner_task(void *arg)
{
	struct runner	*r = arg;

	if (r->drained && r->ops->drained != NULL)
		r->ops->drained(r->arg);
}

/* A runner on an engine; ops and arg are its owner's. */
struct runner *
runner_create(struct engine *e, const struct runner_options *opt,
    const struct runner_ops *ops, void *arg)
{
	struct runner	*r;

	r = xcalloc(1, sizeof *r);
	r->engine = e;
	r->opt = *opt;
	if (r->opt.concurrency < 1)
		r->opt.concurrency = 1;
	if (r->opt.backoff_ms <= 0)
		r->opt.backoff_ms = 250;
	r->max_parked = (size_t)r->opt.concurrency * 4;
	if (r->max_parked < 256)
		r->max_parked = 256;
	r->ops = ops;
	r->arg = arg;
	TAILQ_INIT(&r->fifo);
	TAILQ_INIT(&r->running);
	TAILQ_INIT(&r->backoff);
	map_init(&r->hosts);
	map_init(&r->servers);
	engine_task_init(&r->task, runner_task, r);
	return (r);
}

/* Free a job; it is on no list and has no session. */
static void
runner_job_free(struct job *j)
{
	if (j->timer != NULL)
		event_free(j->timer);
	program_unref(j->spec.prog);
	result_clear(&j->last);
	free(j);
}

/* Drop a job that will never run, telling the owner. */
static void
runner_discard(struct runner *r, struct job *j)
{
	runner_list(j, NULL, 0);
	if (r->ops->discard != NULL)
		r->ops->discard(r->arg, j->spec.user);
	runner_job_free(j);
}

static void
runner_free_cap(void *p)
{
	struct cap	*c = p;
	struct job	*j;

	while ((j = TAILQ_FIRST(&c->parked)) != NULL) {
		runner_list(j, NULL, 0);
		runner_job_free(j);
	}
	free(c);
}

/*
 * Free a runner. Sessions still in flight are freed without a result and
 * jobs not started are discarded without telling the owner: stop, cancel
 * and wait for drained first to have every result.
 */
void
runner_free(struct runner *r)
{
	struct job	*j;

	if (r == NULL)
		return;
	engine_dequeue(r->engine, &r->task);
	while ((j = TAILQ_FIRST(&r->running)) != NULL) {
		runner_list(j, NULL, 0);
		session_free(j->session);
		runner_job_free(j);
	}
	while ((j = TAILQ_FIRST(&r->backoff)) != NULL) {
		runner_list(j, NULL, 0);
		runner_job_free(j);
	}
	while ((j = TAILQ_FIRST(&r->fifo)) != NULL) {
		runner_list(j, NULL, 0);
		runner_job_free(j);
	}
	map_free(&r->hosts, runner_free_cap);
	map_free(&r->servers, runner_free_cap);
	free(r);
}

/* The deadline of a running job passed. */
static void
runner_deadline_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct job	*j = arg;
	char		*why;

	(void)fd;
	(void)kind;
	if (j->state != JOB_RUNNING || j->session == NULL)
		return;
	why = xstrfmt("deadline of %gs passed", j->spec.deadline_ms / 1000.0);
	session_cancel(j->session, RESULT_TIMEOUT, ERR_TIMEOUT, why);
	free(why);
}

/* Whether a failed attempt may be retried: network failures, maybe 5xx. */
static int
runner_retryable(struct runner *r, const struct result *res)
{
	switch (res->eclass) {
	case ERR_DNS:
	case ERR_NET:
	case ERR_TLS:
	case ERR_TIMEOUT:
		return (res->status != RESULT_CANCELLED);
	default:
		break;
	}
	return (r->opt.retry_5xx && res->status == RESULT_FAIL &&
	    res->page != NULL && res->page->code >= 500);
}

/* Count a job against its caps (delta +1 or -1); wake parked jobs. */
static void
runner_count(struct runner *r, struct job *j, int delta)
{
	struct cap	*c;
	struct job	*p;
	size_t		 i;

	if (r->opt.host_cap > 0 && j->spec.host != NULL) {
		c = runner_cap(&r->hosts, j->spec.host);
		c->running += delta;
		while (delta < 0 && (p = TAILQ_LAST(&c->parked, job_list)) !=
		    NULL) {
			runner_list(p, &r->fifo, 1);
			p->state = JOB_QUEUED;
			r->nparked--;
		}
	}
	for (i = 0; r->opt.server_cap > 0 && j->spec.servers != NULL &&
	    j->spec.servers[i] != NULL; i++) {
		c = runner_cap(&r->servers, j->spec.servers[i]);
		c->running += delta;
		while (delta < 0 && (p = TAILQ_LAST(&c->parked, job_list)) !=
		    NULL) {
			runner_list(p, &r->fifo, 1);
			p->state = JOB_QUEUED;
			r->nparked--;
		}
	}
}

/* The cap that keeps a job from starting now, or NULL. */
static struct cap *
runner_blocked(struct runner *r, struct job *j)
{
	struct cap	*c;
	size_t		 i;

	if (r->opt.host_cap > 0 && j->spec.host != NULL) {
		c = runner_cap(&r->hosts, j->spec.host);
		if (c->running >= r->opt.host_cap)
			return (c);
	}
	for (i = 0; r->opt.server_cap > 0 && j->spec.servers != NULL &&
	    j->spec.servers[i] != NULL; i++) {
		c = runner_cap(&r->servers, j->spec.servers[i]);
		if (c->running >= r->opt.server_cap)
			return (c);
	}
	return (NULL);
}

static void	runner_session_done(struct session *, void *);

/* Arm a job's timer for ms from now. */
static void
runner_arm(struct runner *r, struct job *j, long ms,
    void (*cb)(evutil_socket_t, short, void *))
{
	struct event_base	*base = engine_base(r->engine);
	struct timeval		 tv;

	/* From now, not from the loop's cached time: never early. */
	event_base_update_cache_time(base);
	if (j->timer == NULL)
		j->timer = evtimer_new(base, cb, j);
	else
		event_assign(j->timer, base, -1, 0, cb, j);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(j->timer, &tv);
}

/* Start a job's next attempt. */
static void
runner_launch(struct runner *r, struct job *j)
{
	j->attempts++;
	j->state = JOB_RUNNING;
	runner_list(j, &r->running, 0);
	j->session = session_create(r->engine, j->spec.prog, j->spec.cfg,
	    runner_session_done, j);
	r->nrunning++;
	runner_count(r, j, 1);
	session_start(j->session);
	if (j->attempts == 1) {
		j->first_start_us = session_result(j->session)->start_us;
		if (r->ops->started != NULL)
			r->ops->started(r->arg, j->spec.user);
	}
	if (j->spec.deadline_ms > 0)
		runner_arm(r, j, j->spec.deadline_ms, runner_deadline_cb);
}

/* The next job to consider: the FIFO's first, else one from the source. */
static struct job *
runner_next(struct runner *r)
{
	struct job	*j;
	struct job_spec	 spec;
	int		 rc;

	if ((j = TAILQ_FIRST(&r->fifo)) != NULL)
		return (j);
	if (r->exhausted || r->idle || r->nparked >= r->max_parked)
		return (NULL);
	memset(&spec, 0, sizeof spec);
	if ((rc = r->ops->next(r->arg, &spec)) <= 0) {
		if (rc < 0)
			r->exhausted = 1;
		else
			r->idle = 1;
		return (NULL);
	}
	if (spec.prog == NULL)
		fatal("the runner's source gave a job without a program");
	j = xcalloc(1, sizeof *j);
	j->runner = r;
	j->spec = spec;
	j->state = JOB_QUEUED;
	result_init(&j->last);
	runner_list(j, &r->fifo, 0);
	return (j);
}

/* Start jobs while there is room. */
static void
runner_fill(struct runner *r)
{
	struct job	*j;
	struct cap	*c;

	while (!r->stopping && r->nrunning < (size_t)r->opt.concurrency &&
	    (j = runner_next(r)) != NULL) {
		if ((c = runner_blocked(r, j)) != NULL) {
			runner_list(j, &c->parked, 0);
			j->state = JOB_PARKED;
			r->nparked++;
			continue;
		}
		runner_launch(r, j);
	}
	runner_check_drained(r);
}

/* Hand a job's final result to the owner, then free the job. */
static void
runner_finish(struct runner *r, struct job *j, struct result *res)
{
	runner_list(j, NULL, 0);
	res->attempts = j->attempts;
	res->index = j->spec.index;
	if (j->attempts > 1 && res->status == RESULT_PASS)
		res->status = RESULT_PASS_AFTER_RETRY;
	if (j->first_start_us != 0)
		res->start_us = j->first_start_us;
	result_redact(res);
	r->ops->done(r->arg, j->spec.user, res);
	result_clear(res);
	runner_job_free(j);
}

/* A backoff ended: the job goes to the front of the FIFO. */
static void
runner_retry_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct job	*j = arg;
	struct runner	*r = j->runner;

	(void)fd;
	(void)kind;
	r->nbackoff--;
	j->state = JOB_QUEUED;
	runner_list(j, &r->fifo, 1);
	runner_fill(r);
}

/* A failed attempt will be retried: keep its outcome, arm the backoff. */
static void
runner_backoff(struct runner *r, struct job *j, struct result *res)
{
	long	delay;

	res->attempts = j->attempts;
	result_add_try(res, res);
	/* The tries so far go with the next attempt's result. */
	result_clear(&j->last);
	result_move(&j->last, res);
	j->state = JOB_BACKOFF;
	runner_list(j, &r->backoff, 0);
	r->nbackoff++;
	delay = r->opt.backoff_ms << (j->attempts - 1 < 5 ? j->attempts - 1 : 5);
	runner_arm(r, j, delay, runner_retry_cb);
}

/* A session ended (from the run queue): retry, or finish the job. */
static void
runner_session_done(struct session *s, void *arg)
{
	struct job	*j = arg;
	struct runner	*r = j->runner;
	struct result	 res;

	result_move(&res, session_result(s));
	session_free(s);
	j->session = NULL;
	if (j->timer != NULL)
		evtimer_del(j->timer);
	r->nrunning--;
	runner_count(r, j, -1);

	/* Earlier attempts' outcomes carry over to this one. */
	res.tries = j->last.tries;
	res.ntries = j->last.ntries;
	j->last.tries = NULL;
	j->last.ntries = 0;
	if (res.status != RESULT_PASS && j->attempts <= r->opt.retries &&
	    !r->stopping && runner_retryable(r, &res))
		runner_backoff(r, j, &res);
	else
		runner_finish(r, j, &res);
	runner_fill(r);
}

/* If nothing is in flight and nothing more will start, say so (once). */
static void
runner_check_drained(struct runner *r)
{
	if (r->drained || !r->started || r->nrunning > 0 || r->nbackoff > 0)
		return;
	if (!r->stopping && (!r->exhausted || !TAILQ_EMPTY(&r->fifo) ||
	    r->nparked > 0))
		return;
	r->drained = 1;
	engine_queue(r->engine, &r->task);
}

/* Start pulling jobs from the source. */
void
runner_start(struct runner *r)
{
	r->started = 1;
	runner_fill(r);
}

/* The source has jobs again, after saying it had none for now. */
void
runner_wake(struct runner *r)
{
	r->idle = 0;
	if (r->started)
		runner_fill(r);
}

/*
 * Stop starting jobs. Jobs in flight go on (runner_cancel ends them);
 * jobs waiting for a retry end with their last attempt's result; jobs
 * taken from the source but not started are discarded.
 */
void
runner_stop(struct runner *r)
{
	struct job	*j;
	struct cap	*c;
	struct map	*m;
	struct result	 res;
	size_t		 i, k;

	if (r->stopping)
		return;
	r->stopping = 1;
	while ((j = TAILQ_FIRST(&r->backoff)) != NULL) {
		evtimer_del(j->timer);
		r->nbackoff--;
		result_move(&res, &j->last);
		runner_finish(r, j, &res);
	}
	while ((j = TAILQ_FIRST(&r->fifo)) != NULL) {
		if (j->attempts > 0) {
			/* Its backoff ended, but it had not started again. */
			result_move(&res, &j->last);
			runner_finish(r, j, &res);
		} else
			runner_discard(r, j);
	}
	for (i = 0; i < 2; i++) {
		m = i == 0 ? &r->hosts : &r->servers;
		for (k = 0; k < m->cap; k++) {
			if (m->v[k].key == NULL)
				continue;
			c = m->v[k].value;
			while ((j = TAILQ_FIRST(&c->parked)) != NULL) {
				r->nparked--;
				if (j->attempts > 0) {
					result_move(&res, &j->last);
					runner_finish(r, j, &res);
				} else
					runner_discard(r, j);
			}
		}
	}
	runner_check_drained(r);
}

/* End every session in flight now: cancelled, with why as the message. */
void
runner_cancel(struct runner *r, const char *why)
{
	struct job	*j;

	runner_stop(r);
	TAILQ_FOREACH(j, &r->running, entry) {
		if (j->session != NULL)
			session_cancel(j->session, RESULT_CANCELLED, ERR_NONE,
			    why);
	}
}

/* Whether the runner was stopped. */
int
runner_stopped(const struct runner *r)
{
	return (r->stopping);
}

/* Sessions in flight. */
size_t
runner_in_flight(const struct runner *r)
{
	return (r->nrunning);
}
