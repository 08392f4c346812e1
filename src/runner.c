/*
 * runner.c: the scheduler of sessions: FIFO, caps, deadlines, retries and
 * signals.
 *
 * Jobs wait in one FIFO. runner_fill starts them while there is room: a job
 * whose host or server is at its cap is parked on that key and put back at
 * the front of the FIFO when a session there ends, so a busy host never
 * holds the others up and nothing is scanned twice. A session's end comes
 * through its done callback, from the engine's run queue; the runner then
 * decides between a retry (after a backoff) and a final result, which it
 * hands to its owner.
 */
#include <signal.h>

#include <event2/event.h>

#include "page.h"
#include "runner.h"
#include "session-int.h"

struct cap {
	long		running;
	struct job_list	parked;
};

struct runner {
	struct engine		*engine;
	struct runner_options	 opt;
	void			(*done)(struct runner *, struct job *, void *);
	void			*arg;
	struct job		**jobs;
	size_t			 njobs;
	struct job_list		 fifo;
	size_t			 npending;
	size_t			 running;
	size_t			 nbackoff;
	size_t			 ndone;
	struct map		 hosts;
	struct map		 servers;
	int			 stopping;
	int			 interrupted;
	struct event		*sigint;
	struct event		*sigterm;
	struct event		*grace;
};

static void	runner_fill(struct runner *);
static void	runner_check_end(struct runner *);

/* Move a result's contents into dst, leaving src empty. */
void
result_move(struct result *dst, struct result *src)
{
	*dst = *src;
	memset(src, 0, sizeof *src);
}

/*
 * Drop what a result no longer needs once it is recorded (the page, the
 * steps, the output), keeping the outcome for summaries: a sweep of
 * 30,000 checks must not hold 30,000 pages.
 */
void
result_trim(struct result *r)
{
	page_unref(r->page);
	r->page = NULL;
	result_clear_steps(r);
	buf_free(&r->output);
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

/* A runner on an engine, calling done for each job's final result. */
struct runner *
runner_create(struct engine *e, const struct runner_options *opt,
    void (*done)(struct runner *, struct job *, void *), void *arg)
{
	struct runner	*r;

	r = xcalloc(1, sizeof *r);
	r->engine = e;
	r->opt = *opt;
	if (r->opt.concurrency < 1)
		r->opt.concurrency = 1;
	if (r->opt.backoff_ms <= 0)
		r->opt.backoff_ms = 250;
	r->done = done;
	r->arg = arg;
	TAILQ_INIT(&r->fifo);
	map_init(&r->hosts);
	map_init(&r->servers);
	return (r);
}

/* Free a runner and its jobs (after runner_run). */
void
runner_free(struct runner *r)
{
	struct job	*j;
	size_t		 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->njobs; i++) {
		j = r->jobs[i];
		if (j->session != NULL)
			session_free(j->session);
		if (j->timer != NULL)
			event_free(j->timer);
		program_unref(j->prog);
		free(j->host);
		free_strv(j->servers);
		json_decref(j->tries);
		result_clear(&j->result);
		free(j);
	}
	free(r->jobs);
	map_free(&r->hosts, free);
	map_free(&r->servers, free);
	if (r->sigint != NULL)
		event_free(r->sigint);
	if (r->sigterm != NULL)
		event_free(r->sigterm);
	if (r->grace != NULL)
		event_free(r->grace);
	free(r);
}

/*
 * Queue a job: run prog with cfg (borrowed until the runner is freed), or,
 * when prog is NULL, the program the options' prepare callback makes when
 * the job starts (so a sweep of 30,000 pairs holds only the programs of
 * the sessions in flight);
 * counted against host and servers (NULL: no cap), within deadline_ms.
 */
struct job *
runner_add(struct runner *r, struct program *prog,
    const struct session_config *cfg, const char *host, char *const *servers,
    long deadline_ms, void *user)
{
	struct job	*j;
	size_t		 i, n;

	j = xcalloc(1, sizeof *j);
	j->index = r->njobs;
	j->prog = prog != NULL ? program_ref(prog) : NULL;
	j->cfg = *cfg;
	j->host = host != NULL ? xstrdup(host) : NULL;
	n = strv_len(servers);
	if (n > 0) {
		j->servers = xcalloc(n + 1, sizeof *j->servers);
		for (i = 0; i < n; i++)
			j->servers[i] = xstrdup(servers[i]);
	}
	j->deadline_ms = deadline_ms;
	j->runner = r;
	j->user = user;
	j->state = JOB_PENDING;
	result_init(&j->result);
	r->jobs = xreallocarray(r->jobs, r->njobs + 1, sizeof *r->jobs);
	r->jobs[r->njobs++] = j;
	TAILQ_INSERT_TAIL(&r->fifo, j, entry);
	r->npending++;
	return (j);
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
	why = xstrfmt("deadline of %gs passed", j->deadline_ms / 1000.0);
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

	if (r->opt.host_cap > 0 && j->host != NULL) {
		c = runner_cap(&r->hosts, j->host);
		c->running += delta;
		while (delta < 0 && (p = TAILQ_LAST(&c->parked, job_list)) != NULL) {
			TAILQ_REMOVE(&c->parked, p, entry);
			p->parked = 0;
			TAILQ_INSERT_HEAD(&r->fifo, p, entry);
		}
	}
	for (i = 0; r->opt.server_cap > 0 && j->servers != NULL &&
	    j->servers[i] != NULL; i++) {
		c = runner_cap(&r->servers, j->servers[i]);
		c->running += delta;
		while (delta < 0 && (p = TAILQ_LAST(&c->parked, job_list)) != NULL) {
			TAILQ_REMOVE(&c->parked, p, entry);
			p->parked = 0;
			TAILQ_INSERT_HEAD(&r->fifo, p, entry);
		}
	}
}

/* The cap that keeps a job from starting now, or NULL. */
static struct cap *
runner_blocked(struct runner *r, struct job *j)
{
	struct cap	*c;
	size_t		 i;

	if (r->opt.host_cap > 0 && j->host != NULL) {
		c = runner_cap(&r->hosts, j->host);
		if (c->running >= r->opt.host_cap)
			return (c);
	}
	for (i = 0; r->opt.server_cap > 0 && j->servers != NULL &&
	    j->servers[i] != NULL; i++) {
		c = runner_cap(&r->servers, j->servers[i]);
		if (c->running >= r->opt.server_cap)
			return (c);
	}
	return (NULL);
}

static void	runner_session_done(struct session *, void *);

/* Start a job's next attempt. */
static void
runner_start(struct runner *r, struct job *j)
{
	struct timeval	tv;

	j->attempts++;
	j->state = JOB_RUNNING;
	if (j->prog == NULL && (j->prog = r->opt.prepare(j, r->arg)) == NULL)
		fatal("a job has no program");
	j->session = session_create(r->engine, j->prog, &j->cfg,
	    runner_session_done, j);
	r->running++;
	runner_count(r, j, 1);
	session_start(j->session);
	if (j->deadline_ms > 0) {
		/* From now, not from the loop's cached time: never early. */
		event_base_update_cache_time(r->engine->base);
		if (j->timer == NULL)
			j->timer = evtimer_new(r->engine->base,
			    runner_deadline_cb, j);
		else
			event_assign(j->timer, r->engine->base, -1, 0,
			    runner_deadline_cb, j);
		tv.tv_sec = j->deadline_ms / 1000;
		tv.tv_usec = (j->deadline_ms % 1000) * 1000;
		evtimer_add(j->timer, &tv);
	}
}

/* Start jobs while there is room. */
static void
runner_fill(struct runner *r)
{
	struct job	*j;
	struct cap	*c;

	while (!r->stopping && r->running < (size_t)r->opt.concurrency &&
	    (j = TAILQ_FIRST(&r->fifo)) != NULL) {
		TAILQ_REMOVE(&r->fifo, j, entry);
		if ((c = runner_blocked(r, j)) != NULL) {
			TAILQ_INSERT_TAIL(&c->parked, j, entry);
			j->parked = 1;
			continue;
		}
		if (j->attempts == 0)
			r->npending--;
		runner_start(r, j);
	}
}

/* Make a job's result final and tell the owner. */
static void
runner_finish(struct runner *r, struct job *j, struct result *res)
{
	result_clear(&j->result);
	result_move(&j->result, res);
	if (j->attempts > 1 && j->result.status == RESULT_PASS)
		j->result.status = RESULT_PASS_AFTER_RETRY;
	if (r->opt.prepare != NULL) {
		program_unref(j->prog);
		j->prog = NULL;
	}
	j->state = JOB_DONE;
	r->ndone++;
	r->done(r, j, r->arg);
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
	j->state = JOB_PENDING;
	if (r->stopping) {
		/* Stopped while waiting: the last attempt's result stands. */
		j->state = JOB_DONE;
		r->ndone++;
		r->done(r, j, r->arg);
		runner_check_end(r);
		return;
	}
	TAILQ_INSERT_HEAD(&r->fifo, j, entry);
	runner_fill(r);
}

/* A session ended (from the run queue): retry, or finish the job. */
static void
runner_session_done(struct session *s, void *arg)
{
	struct job	*j = arg;
	struct runner	*r = j->runner;
	struct result	 res;
	struct timeval	 tv;
	long		 delay;
	json_t		*t;

	result_move(&res, session_result(s));
	session_free(s);
	j->session = NULL;
	if (j->timer != NULL)
		evtimer_del(j->timer);
	r->running--;
	runner_count(r, j, -1);

	if (res.status != RESULT_PASS && j->attempts <= r->opt.retries &&
	    !r->stopping && runner_retryable(r, &res)) {
		t = json_pack("{s:i, s:s, s:s?, s:s?, s:I}",
		    "attempt", j->attempts,
		    "status", result_status_name(res.status),
		    "error_class", error_class_name(res.eclass),
		    "message", res.message,
		    "duration_us", (json_int_t)res.duration_us);
		if (j->tries == NULL)
			j->tries = json_array();
		if (t != NULL)
			json_array_append_new(j->tries, t);
		/* Keep the failed attempt: it is the result if we stop. */
		result_clear(&j->result);
		result_move(&j->result, &res);
		j->state = JOB_BACKOFF;
		r->nbackoff++;
		delay = r->opt.backoff_ms << (j->attempts - 1 < 5 ?
		    j->attempts - 1 : 5);
		if (j->timer == NULL)
			j->timer = evtimer_new(r->engine->base, runner_retry_cb, j);
		else
			event_assign(j->timer, r->engine->base, -1, 0,
			    runner_retry_cb, j);
		tv.tv_sec = delay / 1000;
		tv.tv_usec = (delay % 1000) * 1000;
		evtimer_add(j->timer, &tv);
	} else
		runner_finish(r, j, &res);
	runner_fill(r);
	runner_check_end(r);
}

/* Whether the run is over; if so, end the loop. */
static void
runner_check_end(struct runner *r)
{
	if (r->running > 0 || r->nbackoff > 0)
		return;
	if (r->ndone == r->njobs || r->stopping)
		event_base_loopbreak(r->engine->base);
}

/* The grace period after a signal ended: cancel what still runs. */
static void
runner_grace_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct runner	*r = arg;
	size_t		 i;

	(void)fd;
	(void)kind;
	for (i = 0; i < r->njobs; i++) {
		if (r->jobs[i]->state == JOB_RUNNING &&
		    r->jobs[i]->session != NULL)
			session_cancel(r->jobs[i]->session, RESULT_CANCELLED,
			    ERR_NONE, "cancelled: interrupted by a signal");
	}
}

/* Jobs waiting for a retry end with their last attempt's result. */
static void
runner_drop_backoffs(struct runner *r)
{
	struct job	*j;
	size_t		 i;

	for (i = 0; i < r->njobs; i++) {
		j = r->jobs[i];
		if (j->state != JOB_BACKOFF)
			continue;
		evtimer_del(j->timer);
		r->nbackoff--;
		j->state = JOB_DONE;
		r->ndone++;
		r->done(r, j, r->arg);
	}
}

/* SIGINT or SIGTERM: stop starting; a second one cancels at once. */
static void
runner_signal_cb(evutil_socket_t sig, short kind, void *arg)
{
	struct runner	*r = arg;
	struct timeval	 tv;

	(void)kind;
	(void)sig;
	r->interrupted = 1;
	if (r->stopping) {
		runner_grace_cb(-1, 0, r);
		return;
	}
	runner_stop(r);
	runner_drop_backoffs(r);
	if (r->running > 0) {
		r->grace = evtimer_new(r->engine->base, runner_grace_cb, r);
		tv.tv_sec = r->opt.grace_ms / 1000;
		tv.tv_usec = (r->opt.grace_ms % 1000) * 1000;
		evtimer_add(r->grace, &tv);
	}
	runner_check_end(r);
}

/* Stop starting jobs (jobs not started stay so). */
void
runner_stop(struct runner *r)
{
	r->stopping = 1;
}

/* Run every job to its end (or until stopped). Returns 0. */
int
runner_run(struct runner *r)
{
	struct event_base	*base = r->engine->base;

	r->sigint = evsignal_new(base, SIGINT, runner_signal_cb, r);
	r->sigterm = evsignal_new(base, SIGTERM, runner_signal_cb, r);
	evsignal_add(r->sigint, NULL);
	evsignal_add(r->sigterm, NULL);
	runner_fill(r);
	if (r->njobs > r->ndone)
		event_base_dispatch(base);
	evsignal_del(r->sigint);
	evsignal_del(r->sigterm);
	return (0);
}

/* Whether a signal stopped the run. */
int
runner_interrupted(const struct runner *r)
{
	return (r->interrupted);
}
