/*
 * engine.h: the event loop, the HTTP layer and the run queue that every
 * session of a process shares.
 *
 * The program owns the loop: it creates the engine, installs its signal
 * events and runs event_base_dispatch (as libevent's sample servers and
 * tmux's server do). Sweeps, the dashboard and timers all run on it; none
 * of them breaks the loop on its own.
 *
 * The run queue is a user-triggered event (event_active on an fd of -1):
 * a task queued with engine_queue runs on the next turn of the loop, never
 * from inside the code that queued it, so a libcurl callback or a session
 * can ask for work without re-entering anything.
 */
#ifndef KONG_ENGINE_H
#define KONG_ENGINE_H

#include <sys/queue.h>

#include <event2/event.h>

#include "kong.h"

struct engine;
struct http;

/* A piece of work for the run queue; embed it in what it runs for. */
struct engine_task {
	void			(*fn)(void *);
	void			*arg;
	int			 queued;
	TAILQ_ENTRY(engine_task) entry;
};

struct engine	*engine_create(void);
void		 engine_free(struct engine *);
struct event_base *engine_base(struct engine *);
struct http	*engine_http(struct engine *);
void		 engine_task_init(struct engine_task *, void (*)(void *),
		     void *);
void		 engine_queue(struct engine *, struct engine_task *);
void		 engine_dequeue(struct engine *, struct engine_task *);

#endif
