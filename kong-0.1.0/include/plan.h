/*
 * plan.h: turning (site, test[, server]) pairs into programs: render the
 * test's template for the site, compile the script, share identical ones.
 */
#ifndef KONG_PLAN_H
#define KONG_PLAN_H

#include "inventory.h"
#include "map.h"
#include "twill.h"

struct program	*plan_compile(struct test *, const struct site *,
		     const struct server *, struct diag *, struct map *);
void		 plan_cache_free(struct map *);
void		 plan_lint_names(struct program *, struct diag *);

#endif
