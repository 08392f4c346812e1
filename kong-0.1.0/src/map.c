/*
 * map.c: a string-keyed hash map with open addressing and linear probing;
 * removal shifts the following entries back, so there are no tombstones.
 */
#include "kong.h"
#include "map.h"

/* FNV-1a. */
static size_t
map_hash(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return ((size_t)h);
}

/* An empty map. */
void
map_init(struct map *m)
{
	m->v = NULL;
	m->cap = 0;
	m->n = 0;
}

/* Free the map's keys, and its values with fn if not NULL. */
void
map_free(struct map *m, void (*fn)(void *))
{
	size_t	i;

	for (i = 0; i < m->cap; i++) {
		if (m->v[i].key == NULL)
			continue;
		free(m->v[i].key);
		if (fn != NULL)
			fn(m->v[i].value);
	}
	free(m->v);
	map_init(m);
}

static struct map_entry *
map_slot(const struct map *m, const char *key)
{
	size_t	i;

	for (i = map_hash(key) & (m->cap - 1); m->v[i].key != NULL;
	    i = (i + 1) & (m->cap - 1)) {
		if (strcmp(m->v[i].key, key) == 0)
			break;
	}
	return (&m->v[i]);
}

/* The value for key, or NULL. */
void *
map_get(const struct map *m, const char *key)
{
	if (m->cap == 0)
		return (NULL);
	return (map_slot(m, key)->value);
}

/* Set key to value. */
void
map_set(struct map *m, const char *key, void *value)
{
	struct map_entry	*e, *old;
	size_t			 oldcap, i;

	if ((m->n + 1) * 2 > m->cap) {
		old = m->v;
		oldcap = m->cap;
		m->cap = oldcap == 0 ? 16 : oldcap * 2;
		m->v = xcalloc(m->cap, sizeof *m->v);
		for (i = 0; i < oldcap; i++) {
			if (old[i].key != NULL)
				*map_slot(m, old[i].key) = old[i];
		}
		free(old);
	}
	e = map_slot(m, key);
	if (e->key == NULL) {
		e->key = xstrdup(key);
		m->n++;
	}
	e->value = value;
}

/* Remove key (if present); returns its value or NULL. */
void *
map_remove(struct map *m, const char *key)
{
	struct map_entry	*e;
	size_t			 i, j, k;
	void			*value;

	if (m->cap == 0)
		return (NULL);
	e = map_slot(m, key);
	if (e->key == NULL)
		return (NULL);
	value = e->value;
	free(e->key);
	e->key = NULL;
	e->value = NULL;
	m->n--;
	/* Move back every entry of the run that would not be found now. */
	i = (size_t)(e - m->v);
	for (j = (i + 1) & (m->cap - 1); m->v[j].key != NULL;
	    j = (j + 1) & (m->cap - 1)) {
		k = map_hash(m->v[j].key) & (m->cap - 1);
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			m->v[i] = m->v[j];
			m->v[j].key = NULL;
			m->v[j].value = NULL;
			i = j;
		}
	}
	return (value);
}
