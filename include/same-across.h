/*
 * same-across.h: fleet invariants on captured values.
 *
 * A test with same_across = type|tag|fleet says that every site of the
 * group must capture the same values (capture NAME REGEX in its script):
 * the build a deploy shipped, say. The sweep holds the results of such a
 * test back until every pair of the test has ended, then compares: a site that
 * served another value than most sites of its group fails, with both
 * values in its message, and only then are the records written, so the
 * log (the record of truth) holds the final status. --expect NAME=VALUE
 * pins the value instead: any result capturing NAME fails on another
 * value, straight away, with or without same_across.
 */
#ifndef KONG_SAME_ACROSS_H
#define KONG_SAME_ACROSS_H

#include "inventory.h"
#include "results.h"

struct same_set;

struct same_set *same_create(const json_t *);
void		 same_free(struct same_set *);
void		 same_expect(const json_t *, struct result *);
void		 same_due(struct same_set *, const struct test *);
int		 same_hold(struct same_set *, size_t, struct result *,
		     const struct site *, const struct test *);
size_t		 same_held(const struct same_set *);
void		 same_flush(struct same_set *, const struct test *,
		     void (*)(void *, size_t, struct result *), void *);

#endif
