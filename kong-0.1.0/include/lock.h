/*
 * lock.h: running from a schedule.
 *
 * lock.c: one sweep at a time per log (flock on LOG.lock beside it).
 * ping.c: [kong] ping_url, healthchecks.io style: URL/start when a sweep
 * starts, URL when it ended as it should (exit 0 or 1), URL/fail when it
 * did not, so that a schedule that stopped running is noticed.
 */
#ifndef KONG_LOCK_H
#define KONG_LOCK_H

#include "engine.h"

int		 lock_take(const char *, int *, long *, char **);
void		 lock_release(int);

struct pinger;

struct pinger	*pinger_create(struct engine *, const char *, long);
void		 pinger_send(struct pinger *, const char *);
void		 pinger_wait(struct pinger *, void (*)(void *), void *);
void		 pinger_free(struct pinger *);

#endif
