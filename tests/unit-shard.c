/*
 * unit-shard.c: tests of shard.c: the name hash against FNV-1a's published
 * vectors and splitmix64's finalizer written out here again, and the jump
 * consistent hash's properties (what every machine of a sharded run relies
 * on: the same answer everywhere, balance, minimal movement).
 */
#include <inttypes.h>

#include "kong.h"
#include "shard.h"
#include "tap.h"

/* FNV-1a 64, as the FNV authors define it. */
static uint64_t
ref_fnv1a(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return (h);
}

/* splitmix64's finalizer (Steele, Lea and Flood). */
static uint64_t
ref_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

int
main(void)
{
	static const char	*names[] = { "", "a", "foobar", "shop",
	    "site0001.test", "\xc3\xa9t\xc3\xa9" };
	uint64_t		 counts[10] = { 0 };
	struct shard_spec	 s;
	char			 name[32], *cause = NULL;
	size_t			 i;
	int			 bad, n, a, b, moved;

	/* The FNV-1a vectors of the reference implementation. */
	ok(ref_fnv1a("") == 0xcbf29ce484222325ULL, "FNV-1a 64 of \"\"");
	ok(ref_fnv1a("a") == 0xaf63dc4c8601ec8cULL, "FNV-1a 64 of \"a\"");
	ok(ref_fnv1a("foobar") == 0x85944171f73967e8ULL,
	    "FNV-1a 64 of \"foobar\"");
	for (bad = 0, i = 0; i < nitems(names); i++) {
		if (shard_hash(names[i]) != ref_mix(ref_fnv1a(names[i])))
			bad++;
	}
	is_int(bad, 0, "shard_hash is FNV-1a 64 through splitmix64's finalizer");

	/* Jump: one bucket is 0; a new bucket only takes keys. */
	for (bad = 0, i = 0; i < 2000; i++) {
		snprintf(name, sizeof name, "site%zu", i);
		if (shard_jump(shard_hash(name), 1) != 0)
			bad++;
		for (n = 1; n < 64; n++) {
			a = shard_jump(shard_hash(name), n);
			b = shard_jump(shard_hash(name), n + 1);
			if (a < 0 || a >= n || (b != a && b != n))
				bad++;
		}
	}
	is_int(bad, 0, "from n to n+1 buckets a key stays or moves to the new one");
	for (moved = 0, i = 0; i < 10000; i++) {
		snprintf(name, sizeof name, "site%zu", i);
		if (shard_jump(shard_hash(name), 4) !=
		    shard_jump(shard_hash(name), 5))
			moved++;
	}
	ok(moved > 1700 && moved < 2300, "4 -> 5 buckets moves about a fifth");
	for (i = 0; i < 100000; i++) {
		snprintf(name, sizeof name, "host-%zu.example.com", i);
		counts[shard_jump(shard_hash(name), 10)]++;
	}
	for (bad = 0, i = 0; i < 10; i++) {
		if (counts[i] < 9500 || counts[i] > 10500)
			bad++;
	}
	is_int(bad, 0, "100,000 names in 10 buckets: each within 5% of 10,000");

	/* --shard's values. */
	memset(&s, 0, sizeof s);
	ok(shard_parse("2/4", NULL, &s, &cause) == 0 && s.index == 2 &&
	    s.count == 4, "--shard 2/4");
	ok(shard_parse("4/4", "4", &s, &cause) == 0, "--shard 4/4 --shards 4");
	ok(shard_parse("1/1", NULL, &s, &cause) == 0, "--shard 1/1");
	for (bad = 0, i = 0; i < 9; i++) {
		static const char *no[] = { "0/4", "5/4", "1/0", "x", "1/", "/4",
		    "1/4/", "1 /4", "-1/4" };

		if (shard_parse(no[i], NULL, &s, &cause) == 0)
			bad++;
		free(cause);
		cause = NULL;
	}
	is_int(bad, 0, "bad --shard values are refused");
	ok(shard_parse("1/4", "3", &s, &cause) != 0 &&
	    strstr(cause, "disagree") != NULL, "--shard 1/4 --shards 3");
	free(cause);
	return (done_testing());
}
