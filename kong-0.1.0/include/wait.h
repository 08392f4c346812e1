/*
 * wait.h: waiting for a deploy to converge before a sweep: rounds of one
 * probe test, on the sites where it has not passed yet, until all pass or
 * the deadline (kong check --wait-for TEST --until DUR).
 */
#ifndef KONG_WAIT_H
#define KONG_WAIT_H

#include <jansson.h>

#include "sweep.h"

struct waiter;

struct waiter	*waiter_create(struct engine *, const struct sweep_plan *, long,
		     long);
void		 waiter_free(struct waiter *);
size_t		 waiter_nsites(const struct waiter *);
int		 waiter_compile(struct waiter *, FILE *);
void		 waiter_start(struct waiter *, void (*)(struct waiter *, void *),
		     void *);
void		 waiter_interrupt(struct waiter *);
int		 waiter_stopped(const struct waiter *);
json_t		*waiter_json(const struct waiter *);

#endif
