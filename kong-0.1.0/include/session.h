/*
 * session.h: one run of one script, as a state machine on the event loop.
 *
 * A session owns a browser (its own easy handle, so its own cookie jar;
 * current page, history, headers, credentials, selected form) and the
 * interpreter state (frames for runfile and cleanups, variables). It runs
 * instructions until one needs I/O (a request, sleep), returns to the loop,
 * and is woken through the engine's run queue when that completes. Script
 * steps never run inside a libcurl callback.
 *
 * Its outcome is a struct result (results.h): the status, the error
 * class, the failing command, timings per request and what it printed.
 */
#ifndef KONG_SESSION_H
#define KONG_SESSION_H

#include <jansson.h>

#include "engine.h"
#include "http.h"
#include "results.h"
#include "twill.h"

struct engine;
struct page;
struct session;

/* What a session does with its connections. */
enum session_conns {
	SESSION_CONNS_SWEEP,	/* reuse them, close after the last request */
	SESSION_CONNS_KEEP,	/* reuse them and leave them for the next session */
	SESSION_CONNS_NEW,	/* a new connection for every request */
};

/* How a session runs: from the command line or the inventory. */
struct session_config {
	long		  timeout_ms;
	long		  connect_timeout_ms;
	long		  max_body;
	long		  max_headers;	/* 0: 1 MiB */
	long		  max_refresh;	/* meta refreshes per navigation */
	long		  max_elements;	/* of a page's tree; 0: no cap */
	int		  insecure;
	const char	 *user_agent;	/* NULL: Kong/VERSION */
	char *const	 *resolve;	/* HOST:PORT:ADDRESS */
	const char	 *connect_to;	/* HOST:PORT:ADDRESS:PORT, or NULL */
	int		  never_fail;	/* -n */
	const char	 *initial_url;	/* -u */
	long		  output_cap;	/* 0: no cap */
	enum session_conns connections;	/* what happens to connections */
	FILE		 *out;		/* NULL: capture into the result */
};

/*
 * Where a session is. Every change goes through one setter that checks it
 * against session_moves (session.c) and, with KONG_DEBUG=session in the
 * environment, prints "session S: A -> B at FILE:LINE" on stderr.
 *
 *   NEW -> RUN		session_start
 *   RUN -> WAIT	an instruction waits for a transfer or a timer
 *   WAIT -> RUN	the transfer or timer finished (session_io_done)
 *   RUN|WAIT -> DONE	the program ended or failed, or session_cancel
 *   NEW -> DONE	cancelled before it started
 */
#define SESSION_STATES(X)						\
	X(NEW,	"created, not started")					\
	X(RUN,	"queued on the run queue or running instructions")	\
	X(WAIT,	"waiting for a request or a timer; s->resume ends it")	\
	X(DONE,	"finished; the result is final and the owner is told")

enum session_state {
#define SESSION_STATE_ENUM(name, what) SESSION_##name,
	SESSION_STATES(SESSION_STATE_ENUM)
#undef SESSION_STATE_ENUM
};

struct session	*session_create(struct engine *, struct program *,
		     const struct session_config *,
		     void (*)(struct session *, void *), void *);
void		 session_start(struct session *);
void		 session_cancel(struct session *, enum result_status,
		     enum error_class, const char *);
void		 session_free(struct session *);
struct result	*session_result(struct session *);
enum session_state session_state(const struct session *);
char		**session_gather(struct session *, char **, size_t, size_t *,
		     char **);

#endif
