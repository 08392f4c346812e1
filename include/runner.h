/*
 * runner.h: running many sessions at once, fairly and within limits.
 *
 * A runner takes jobs (a program and how to run it) into a FIFO and keeps
 * at most `concurrency` sessions in flight, and at most `host_cap` /
 * `server_cap` for any one host or server: a job whose host is at its cap
 * is parked on that host and comes back to the front of the queue when a
 * slot there frees. Each job has a deadline; a job that fails for a network
 * reason is run again after a backoff if retries are allowed. SIGINT and
 * SIGTERM stop new starts and give sessions in flight a grace period; a
 * second signal, or the end of the grace period, cancels them.
 */
#ifndef KONG_RUNNER_H
#define KONG_RUNNER_H

#include "map.h"
#include "session.h"

struct runner;

enum job_state {
	JOB_PENDING,		/* in the FIFO, or parked on a capped key */
	JOB_RUNNING,		/* a session is in flight */
	JOB_BACKOFF,		/* waiting to be retried */
	JOB_DONE,		/* its result is final */
};

struct job {
	struct runner		*runner;
	size_t			 index;		/* order of submission */
	struct program		*prog;
	struct session_config	 cfg;		/* strings owned by the caller */
	char			*host;		/* per-host cap key, or NULL */
	char		       **servers;	/* per-server cap keys, or NULL */
	long			 deadline_ms;	/* 0: none */
	enum job_state		 state;
	int			 attempts;
	json_t			*tries;		/* earlier attempts' outcomes */
	struct session		*session;
	struct event		*timer;		/* deadline or backoff */
	struct result		 result;	/* final once done */
	void			*user;
	TAILQ_ENTRY(job)	 entry;		/* FIFO or parked list */
	int			 parked;
};

TAILQ_HEAD(job_list, job);

struct runner_options {
	long	concurrency;
	long	host_cap;		/* 0: no cap */
	long	server_cap;		/* 0: no cap */
	long	retries;
	int	retry_5xx;
	long	grace_ms;
	long	backoff_ms;		/* first retry's delay, doubling */
	/* Makes a job's program when it starts, for jobs added without one. */
	struct program *(*prepare)(struct job *, void *);
};

struct runner	*runner_create(struct engine *, const struct runner_options *,
		     void (*)(struct runner *, struct job *, void *), void *);
void		 runner_free(struct runner *);
struct job	*runner_add(struct runner *, struct program *,
		     const struct session_config *, const char *,
		     char *const *, long, void *);
int		 runner_run(struct runner *);
void		 runner_stop(struct runner *);
int		 runner_interrupted(const struct runner *);
void		 result_move(struct result *, struct result *);
void		 result_trim(struct result *);

#endif
