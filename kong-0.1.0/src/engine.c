/*
 * engine.c: the event base, the HTTP layer and the run queue.
 *
 * Tasks queued while the queue runs are run in the same turn, after those
 * before them; a task is queued at most once at a time (queueing it again
 * is a no-op), so waking a session twice costs nothing.
 */
#include "engine.h"
#include "http.h"

struct engine {
	struct event_base		*base;
	struct http			*http;
	struct event			*runq_ev;
	TAILQ_HEAD(, engine_task)	 runq;
};

/* Run every queued task, in order. */
static void
engine_runq_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct engine		*e = arg;
	struct engine_task	*t;

	(void)fd;
	(void)kind;
	while ((t = TAILQ_FIRST(&e->runq)) != NULL) {
		TAILQ_REMOVE(&e->runq, t, entry);
		t->queued = 0;
		t->fn(t->arg);		/* may free what embeds t */
	}
}

/* A new event loop with its HTTP layer and run queue. */
struct engine *
engine_create(void)
{
	struct engine		*e;
	struct event_config	*cfg;

	e = xcalloc(1, sizeof *e);
	/*
	 * Precise timers: the coarse monotonic clock libevent would use ticks
	 * in jiffies, and a deadline must never fire before it is due.
	 */
	if ((cfg = event_config_new()) == NULL)
		fatal("event_config_new failed");
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	e->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (e->base == NULL)
		fatal("event_base_new failed");
	e->http = http_create(e->base);
	e->runq_ev = event_new(e->base, -1, 0, engine_runq_cb, e);
	TAILQ_INIT(&e->runq);
	return (e);
}

/* Free the engine; every session and sweep on it must be freed first. */
void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	event_free(e->runq_ev);
	http_free(e->http);
	event_base_free(e->base);
	free(e);
}

/* The event base, for timers and other events of the program. */
struct event_base *
engine_base(struct engine *e)
{
	return (e->base);
}

/* The HTTP layer (libcurl's multi handle on the loop). */
struct http *
engine_http(struct engine *e)
{
	return (e->http);
}

/* Prepare a task that calls fn(arg) when it runs. */
void
engine_task_init(struct engine_task *t, void (*fn)(void *), void *arg)
{
	memset(t, 0, sizeof *t);
	t->fn = fn;
	t->arg = arg;
}

/* Run a task on the next turn of the loop (once, however often queued). */
void
engine_queue(struct engine *e, struct engine_task *t)
{
	if (t->queued)
		return;
	t->queued = 1;
	TAILQ_INSERT_TAIL(&e->runq, t, entry);
	event_active(e->runq_ev, EV_WRITE, 0);
}

/* Take a task off the queue (before freeing what embeds it). */
void
engine_dequeue(struct engine *e, struct engine_task *t)
{
	if (!t->queued)
		return;
	TAILQ_REMOVE(&e->runq, t, entry);
	t->queued = 0;
}
