/*
 * sweep.h: one sweep of a fleet: pairs -> jobs -> results -> sinks.
 *
 * A sweep takes the selected (site, test[, server]) pairs of an inventory
 * and effective settings, checks that every one renders and compiles
 * (sweep_compile), then runs them on the engine it is given, feeding each
 * final result to its sinks. It never owns the loop: it starts, and calls
 * its done callback (from the loop) once it has drained and every sink has
 * seen the end, so a long-running process can run one sweep after
 * another on the same engine. The program owns the signals and forwards
 * them with sweep_interrupt.
 */
#ifndef KONG_SWEEP_H
#define KONG_SWEEP_H

#include "engine.h"
#include "inventory.h"
#include "sink.h"

struct sweep;

/* What a sweep runs; everything is borrowed and must outlive it. */
struct sweep_plan {
	const char		*command;	/* "check": for messages */
	const struct inventory	*inv;
	const struct selection	*sel;
	const struct settings	*set;		/* the effective settings */
	int			 per_server;
	/*
	 * --abort-if P%/N: once N results are in, stop when at least P % of
	 * them failed with one error class (0: never).
	 */
	long			 abort_percent;
	long			 abort_after;
	/* --run-id (NULL: a new id); --shard's run_start object, or NULL. */
	const char		*run_id;
	const json_t		*shard;
	/* Only the pairs keep says yes to (NULL: every selected pair). */
	int			(*keep)(const struct pair *, void *);
	void			*keep_arg;
	/* --expect NAME=VALUE: the value every capture NAME must have. */
	const json_t		*expect;
};

struct sweep	*sweep_create(struct engine *, const struct sweep_plan *);
void		 sweep_free(struct sweep *);
size_t		 sweep_npairs(const struct sweep *);
const struct pair *sweep_pair(const struct sweep *, size_t);
int		 sweep_compile(struct sweep *, FILE *);
void		 sweep_add_sink(struct sweep *, struct sink *);
void		 sweep_start(struct sweep *, void (*)(struct sweep *, void *),
		     void *);
void		 sweep_interrupt(struct sweep *);
void		 sweep_set_finish(struct sweep *, void (*)(struct sweep *,
		     struct run_info *, void *), void *);
void		 sweep_resume(struct sweep *);
void		 sweep_set_wait(struct sweep *, json_t *);
const struct run_info *sweep_info(const struct sweep *);
int		 sweep_exit_status(const struct sweep *);
size_t		 sweep_write_errors(const struct sweep *, int *, char **);

#endif
