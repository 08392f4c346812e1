/* unit-map.c: tests of map.c, the string-keyed hash map. */
#include "kong.h"
#include "map.h"
#include "tap.h"

int
main(void)
{
	struct map	 m;
	char		 k[32];
	int		 i, bad;
	void		*v;

	map_init(&m);
	ok(map_get(&m, "x") == NULL, "an empty map has nothing");
	ok(map_remove(&m, "x") == NULL, "removing from an empty map");
	for (i = 0; i < 5000; i++) {
		snprintf(k, sizeof k, "key%d", i);
		map_set(&m, k, (void *)(long)(i + 1));
	}
	is_int(m.n, 5000, "5000 keys");
	map_set(&m, "key7", (void *)42L);
	ok(map_get(&m, "key7") == (void *)42L && m.n == 5000,
	    "setting a key again replaces its value");
	for (bad = 0, i = 0; i < 5000; i += 3) {
		snprintf(k, sizeof k, "key%d", i);
		if (map_remove(&m, k) == NULL)
			bad++;
	}
	is_int(bad, 0, "every third key removed");
	for (bad = 0, i = 0; i < 5000; i++) {
		snprintf(k, sizeof k, "key%d", i);
		v = map_get(&m, k);
		if ((i % 3 == 0) != (v == NULL))
			bad++;
		else if (v != NULL && i != 7 && v != (void *)(long)(i + 1))
			bad++;
	}
	is_int(bad, 0, "the others are all still found after the removals");
	for (i = 0; i < 5000; i++) {
		snprintf(k, sizeof k, "key%d", i);
		map_remove(&m, k);
	}
	is_int(m.n, 0, "all removed");
	map_set(&m, "again", &m);
	ok(map_get(&m, "again") == &m, "usable after emptying");
	map_free(&m, NULL);
	return (done_testing());
}
