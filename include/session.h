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
 * Its outcome is a struct result: one record with the status, the error
 * class, the failing command, timings per request and what it printed.
 */
#ifndef KONG_SESSION_H
#define KONG_SESSION_H

#include <sys/queue.h>

#include <jansson.h>

#include "http.h"
#include "twill.h"

struct page;
struct session;

/* The loop, the HTTP layer and the run queue that sessions share. */
struct engine {
	struct event_base		*base;
	struct http			*http;
	struct event			*runq_ev;
	TAILQ_HEAD(, session)		 runq;
	int				 stopping;
};

struct engine	*engine_create(void);
void		 engine_free(struct engine *);

#define RESULT_STATUSES(X)						\
	X(PASS, "pass")			/* every command succeeded */	\
	X(PASS_AFTER_RETRY, "pass_after_retry") /* passed on a retry */	\
	X(FAIL, "fail")			/* an assertion failed */	\
	X(ERROR, "error")		/* it could not be checked */	\
	X(TIMEOUT, "timeout")		/* past a timeout or deadline */ \
	X(SKIPPED, "skipped")		/* the site is not live */	\
	X(CANCELLED, "cancelled")	/* stopped by SIGINT/SIGTERM */

enum result_status {
#define RESULT_ENUM(e, s) RESULT_##e,
	RESULT_STATUSES(RESULT_ENUM)
#undef RESULT_ENUM
};

#define ERROR_CLASSES(X)						\
	X(NONE, NULL)							\
	X(ASSERT, "assert")	/* an assertion did not hold */		\
	X(HTTP, "http")		/* a response was unusable */		\
	X(NET, "net")		/* connection refused, reset, closed */	\
	X(DNS, "dns")		/* a name did not resolve */		\
	X(TLS, "tls")		/* certificate or handshake */		\
	X(TIMEOUT, "timeout")	/* request timeout or script deadline */ \
	X(SCRIPT, "script")	/* the script asked for the impossible */ \
	X(INTERNAL, "internal")	/* a bug or a resource limit in Kong */

enum error_class {
#define ERROR_ENUM(e, s) ERR_##e,
	ERROR_CLASSES(ERROR_ENUM)
#undef ERROR_ENUM
};

const char	*result_status_name(enum result_status);
const char	*error_class_name(enum error_class);

/* One HTTP request of a result. */
struct step {
	const char		*command;	/* the command's name (static) */
	int			 line;
	int			 post;		/* POST, else GET */
	char			*url;		/* final, after redirects */
	long			 code;
	size_t			 bytes;
	long			 redirects;
	struct http_timing	 t;
	char			*error;		/* NULL when it got a response */
};

struct result {
	enum result_status	 status;
	enum error_class	 eclass;
	char			*message;	/* why it failed */
	char			*file;		/* where it failed */
	int			 line;
	char			*command;	/* the command as it ran */
	uint64_t		 start_us;	/* wall clock */
	uint64_t		 duration_us;	/* monotonic */
	struct step		*steps;		/* one per request */
	size_t			 nsteps;
	struct buf		 output;	/* what the script printed */
	int			 output_truncated;
	struct page		*page;		/* the page when it ended */
	int			 errors_ignored; /* -n: errors logged, not fatal */
};

void	result_init(struct result *);
void	result_clear(struct result *);
void	result_clear_steps(struct result *);

/* How a session runs: from the command line or the inventory. */
struct session_config {
	long		  timeout_ms;
	long		  connect_timeout_ms;
	long		  max_body;
	int		  insecure;
	const char	 *user_agent;	/* NULL: Kong/VERSION */
	char *const	 *resolve;	/* HOST:PORT:ADDRESS */
	const char	 *connect_to;	/* HOST:PORT:ADDRESS:PORT, or NULL */
	int		  never_fail;	/* -n */
	const char	 *initial_url;	/* -u */
	long		  output_cap;	/* 0: no cap */
	FILE		 *out;		/* NULL: capture into the result */
};

enum session_state {
	SESSION_NEW,		/* created, not started */
	SESSION_RUN,		/* queued or running instructions */
	SESSION_WAIT,		/* waiting for a request or a timer */
	SESSION_DONE,		/* finished; the result is final */
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

#endif
