/*
 * map.h: a small string-keyed hash map (open addressing, linear probing)
 * for counters and lookups on hot paths. Keys are copied; values are
 * borrowed pointers.
 */
#ifndef KONG_MAP_H
#define KONG_MAP_H

#include <stddef.h>

struct map_entry {
	char	*key;
	void	*value;
};

struct map {
	struct map_entry	*v;
	size_t			 cap;	/* a power of two, or 0 */
	size_t			 n;
};

void	  map_init(struct map *);
void	  map_free(struct map *, void (*)(void *));
void	 *map_get(const struct map *, const char *);
void	  map_set(struct map *, const char *, void *);
void	 *map_remove(struct map *, const char *);

#endif
