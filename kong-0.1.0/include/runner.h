/*
 * runner.h: running many sessions at once, fairly and within limits.
 *
 * A runner pulls jobs (a program and how to run it) from its owner's
 * source as there is room, keeps at most `concurrency` sessions in flight
 * and at most `host_cap` / `server_cap` on any one host or server, retries
 * network failures after a backoff, and hands each final result to its
 * owner, then frees the job. Its memory follows what is in flight, not the
 * number of jobs: a sweep of 100,000 pairs holds only the jobs it runs.
 *
 * A job whose host or server is at its cap is parked on that key and goes
 * back to the front of the queue when a session there ends; the runner
 * stops pulling while too many jobs are parked, so a capped host cannot
 * make it read the whole source.
 *
 * The runner never owns the loop or the signals: stopping (what SIGTERM
 * does) is runner_stop, then runner_cancel when a grace period ends.
 */
#ifndef KONG_RUNNER_H
#define KONG_RUNNER_H

#include "engine.h"
#include "session.h"

struct runner;

/* A job, as the source describes it. */
struct job_spec {
	struct program			*prog;	/* a reference, given over */
	const struct session_config	*cfg;	/* borrowed until done */
	const char			*host;	/* per-host cap key, or NULL */
	char *const			*servers; /* per-server keys, or NULL */
	long				 deadline_ms;	/* 0: none */
	size_t				 index;	/* its place in the plan */
	void				*user;
};

struct runner_ops {
	/*
	 * The next job: 1 with spec filled in, 0 if there is none for now
	 * (the source calls runner_wake when there is), -1 if there will
	 * never be another.
	 */
	int	(*next)(void *, struct job_spec *);
	/* A job's first attempt started (optional). */
	void	(*started)(void *, void *);
	/* A job's result is final; r is the runner's for the call only. */
	void	(*done)(void *, void *, struct result *);
	/* A job taken from the source will never run (stopped; optional). */
	void	(*discard)(void *, void *);
	/* Nothing is in flight and nothing more will start (from the loop). */
	void	(*drained)(void *);
};

struct runner_options {
	long	concurrency;
	long	host_cap;		/* 0: no cap */
	long	server_cap;		/* 0: no cap */
	long	retries;
	int	retry_5xx;
	long	backoff_ms;		/* first retry's delay, doubling */
};

struct runner	*runner_create(struct engine *, const struct runner_options *,
		     const struct runner_ops *, void *);
void		 runner_free(struct runner *);
void		 runner_start(struct runner *);
void		 runner_wake(struct runner *);
void		 runner_stop(struct runner *);
void		 runner_cancel(struct runner *, const char *);
int		 runner_stopped(const struct runner *);
size_t		 runner_in_flight(const struct runner *);

#endif
