/*
 * bench.h: the checks as a load test (kong bench).
 *
 * A bench runs the selected (site, test) pairs over and over on one
 * runner, in one of two models:
 *
 *  - closed loop: N sessions, each starting its next iteration when the
 *    last one ends (the runner's concurrency is N);
 *  - open loop: a fixed arrival rate. Iteration k is due at t0 + k / rate;
 *    it starts then if a slot is free, later if not, and its latency is
 *    measured from when it was due (coordinated omission corrected, as
 *    wrk2 does), with the latency from its actual start kept beside it.
 *    Starts more than late_ms after they were due are counted as late;
 *    starts still waiting when the run ends are counted as dropped.
 *
 * Every iteration's outcome goes into a bench_report: per (site, test[,
 * server]) a count, errors by class, the latency (corrected and not) and,
 * per step of the script, the phases libcurl times (DNS, connect, TLS,
 * first byte, total), all as histograms (histogram.h), so reports from
 * several runs or machines add up exactly. A failed check counts as an
 * error with its class and its latency is counted like any other.
 */
#ifndef KONG_BENCH_H
#define KONG_BENCH_H

#include <jansson.h>

#include "engine.h"
#include "histogram.h"
#include "inventory.h"
#include "results.h"

#define BENCH_PHASES(X)							\
	X(DNS, "dns")							\
	X(CONNECT, "connect")						\
	X(TLS, "tls")							\
	X(FIRST_BYTE, "first_byte")					\
	X(TOTAL, "total")

enum bench_phase {
#define BENCH_PHASE_ENUM(e, s) BENCH_##e,
	BENCH_PHASES(BENCH_PHASE_ENUM)
#undef BENCH_PHASE_ENUM
	BENCH__NPHASES
};

extern const char *const bench_phase_names[BENCH__NPHASES];

/* One step (request) of a script, by its place in the script's run. */
struct bench_step {
	char			*command;
	int			 line;
	struct histogram	 phase[BENCH__NPHASES];
};

/* What was measured for one pair. */
struct bench_target {
	char			*site;
	char			*test;
	char			*server;	/* NULL unless per server */
	uint64_t		 count;
	uint64_t		 errors;
	uint64_t		 by_class[ERR__COUNT];
	struct histogram	 latency;	/* from when it was due */
	struct histogram	 latency_raw;	/* from when it started */
	struct bench_step	*steps;
	size_t			 nsteps;
};

/* A whole run's numbers: what kong bench prints and --json writes. */
struct bench_report {
	int			 open;		/* open loop (rate), else closed */
	double			 rate;		/* target arrivals per second */
	long			 sessions;
	uint64_t		 duration_us;	/* the measured window */
	uint64_t		 warmup_us;
	uint64_t		 iterations;	/* finished in the window */
	uint64_t		 requests;	/* HTTP requests in the window */
	uint64_t		 late;
	uint64_t		 dropped;
	double			 cpu_us;	/* user + system, whole run */
	uint64_t		 cpu_requests;	/* requests the CPU time covers */
	uint64_t		 peak_rss_kb;
	int			 new_connections;
	int			 interrupted;
	int			 machines;	/* reports merged into this one */
	struct bench_target	*targets;
	size_t			 ntargets;
};

void		 bench_report_free(struct bench_report *);
void		 bench_target_clear(struct bench_target *);
json_t		*bench_report_json(const struct bench_report *);
int		 bench_report_from_json(struct bench_report *, json_t *, char **);
int		 bench_report_add(struct bench_report *,
		     const struct bench_report *, char **);
void		 bench_target_total(const struct bench_report *,
		     struct bench_target *);
double		 bench_achieved_rate(const struct bench_report *);

struct bench;

struct bench_config {
	const struct inventory	*inv;
	const struct selection	*sel;
	const struct settings	*set;
	int			 per_server;
	int			 open;		/* rate, else sessions */
	double			 rate;		/* per second */
	long			 sessions;
	long			 max_in_flight;	/* open loop's sessions at most */
	long			 duration_ms;	/* after the warmup */
	uint64_t		 iterations;	/* or this many, then stop */
	long			 warmup_ms;
	long			 ramp_ms;	/* rate or sessions ramp up */
	long			 late_ms;
	int			 new_connections;
};

struct bench	*bench_create(struct engine *, const struct bench_config *);
void		 bench_free(struct bench *);
size_t		 bench_npairs(const struct bench *);
int		 bench_compile(struct bench *, FILE *);
void		 bench_start(struct bench *, void (*)(struct bench *, void *),
		     void *);
void		 bench_interrupt(struct bench *);
const struct bench_report *bench_result(const struct bench *);
void		 bench_progress(const struct bench *, uint64_t *, uint64_t *,
		     uint64_t *, int64_t *);

#endif
