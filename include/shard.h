/*
 * shard.h: splitting one sweep across machines, and what makes the pieces
 * add up again (kong check --shard, kong list --shards, kong merge).
 *
 * A pair's shard is a pure function of a name and the number of shards:
 * the 64-bit FNV-1a hash of the site's name (or, with --shard-by server,
 * of its server's), through splitmix64's finalizer, into Lamping and
 * Veach's jump consistent hash. Every machine computes it alone, whatever
 * the order of the inventory's files, and going from N to N+1 shards moves
 * about 1/(N+1) of the sites, all of them to the new shard.
 *
 * The inventory hash says that shards ran the same plan: it covers every
 * selected pair of the whole run (before sharding), each hashed from what
 * decides its outcome (the site's name, URL, type, live and insecure
 * flags and free attributes, its type's attributes, the test's name,
 * deadline and template text, the server's name and address), added up
 * mod 2^64 so that the order of files and sections does not count. Paths,
 * comments, secrets and [kong] settings are not in it (the settings are
 * in run_start's options, which kong merge compares too).
 */
#ifndef KONG_SHARD_H
#define KONG_SHARD_H

#include <jansson.h>

#include "inventory.h"

struct shard_spec {
	int	 index;		/* 1-based; 0: not sharded */
	int	 count;		/* shards in the run */
	int	 by_server;	/* keep each server's sites together */
};

#define SHARD_MAX	100000

uint64_t	 shard_hash(const char *);
int		 shard_jump(uint64_t, int);
int		 shard_of(const struct pair *, int, int);
int		 shard_parse(const char *, const char *, struct shard_spec *,
		     char **);
int		 shard_count_parse(const char *, int *, char **);
int		 shard_by_parse(const char *, int *, char **);
int		 shard_keep(const struct pair *, void *);
char		*shard_inventory_hash(const struct inventory *,
		     const struct selection *, int, size_t *);
json_t		*shard_json(const struct shard_spec *, const char *, size_t);
int		 shard_run_id(const char *, int, char **, char **);

#endif
