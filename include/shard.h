/*
 * shard.h: splitting one sweep across machines, and what makes the pieces
 * add up again (kong check --shard, kong list --shards, kong merge).
 *
 * A pair's shard is a function of a name, the names of the whole run and
 * the number of shards, that every machine computes alone from the same
 * inventory, whatever the order of its files. The pairs that share a
 * name (a site's, or with --shard-by server its server's) are one unit.
 * Each name is hashed (64-bit FNV-1a through splitmix64's finalizer) and
 * the units, heaviest first then by hash, are placed by consistent
 * hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam): a
 * unit goes to its Lamping and Veach jump hash shard, unless that shard
 * already holds its share of the run's pairs plus 5%; then to the jump
 * shard of a rehash, up to 8 tries, else to the least loaded shard. No
 * shard gets more than 5% over the mean, plus the largest unit less one
 * pair (a server's sites cannot be split). Going from N to N+1 shards
 * moves little more than the 1/(N+1) of the units that plain jump
 * hashing moves (tests/unit-shard.c measures it).
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
	struct shard_table *table;	/* the run's assignment (shard_keep) */
};

#define SHARD_MAX	100000

uint64_t	 shard_hash(const char *);
int		 shard_jump(uint64_t, int);
struct shard_table *shard_table_create(const struct pair *, size_t, int, int);
void		 shard_table_free(struct shard_table *);
int		 shard_table_count(const struct shard_table *);
int		 shard_of(const struct shard_table *, const struct pair *);
int		 shard_parse(const char *, const char *, struct shard_spec *,
		     char **);
int		 shard_count_parse(const char *, int *, char **);
int		 shard_by_parse(const char *, int *, char **);
int		 shard_keep(const struct pair *, void *);
char		*shard_inventory_hash(const struct inventory *,
		     const struct pair *, size_t, int);
json_t		*shard_json(const struct shard_spec *, const char *, size_t);
int		 shard_run_id(const char *, int, char **, char **);

#endif
