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

/*
 * A run of nsites sites "siteN", site i with 1 + (i * 7) % maxw pairs
 * (maxw 1: one each), on nservers servers (0: none), pairs in site order.
 */
struct run {
	struct site	*sites;
	struct server	*servers;
	struct server	**links;
	char		**names;
	struct pair	*v;
	size_t		 n, nsites;
};

static void
run_make(struct run *r, size_t nsites, size_t maxw, size_t nservers)
{
	size_t	i, k, w, alloc = 0;
	char	name[32];

	memset(r, 0, sizeof *r);
	r->nsites = nsites;
	r->sites = xcalloc(nsites, sizeof *r->sites);
	r->links = xcalloc(nsites, sizeof *r->links);
	r->names = xcalloc(nsites + nservers, sizeof *r->names);
	r->servers = xcalloc(nservers + 1, sizeof *r->servers);
	for (k = 0; k < nservers; k++) {
		snprintf(name, sizeof name, "web%zu", k);
		r->names[nsites + k] = xstrdup(name);
		r->servers[k].name = r->names[nsites + k];
	}
	for (i = 0; i < nsites; i++) {
		snprintf(name, sizeof name, "site%zu", i);
		r->names[i] = xstrdup(name);
		r->sites[i].name = r->names[i];
		if (nservers > 0) {
			r->links[i] = &r->servers[(i * 2654435761U) % nservers];
			r->sites[i].servers = &r->links[i];
			r->sites[i].nservers = 1;
		}
		for (w = 1 + (i * 7) % maxw; w > 0; w--) {
			if (r->n == alloc) {
				alloc = alloc == 0 ? 256 : alloc * 2;
				r->v = xreallocarray(r->v, alloc, sizeof *r->v);
			}
			r->v[r->n].site = &r->sites[i];
			r->v[r->n].test = NULL;
			r->v[r->n].server = NULL;
			r->n++;
		}
	}
}

static void
run_free(struct run *r, size_t nservers)
{
	size_t	i;

	for (i = 0; i < r->nsites + nservers; i++)
		free(r->names[i]);
	free(r->names);
	free(r->sites);
	free(r->servers);
	free(r->links);
	free(r->v);
}

/* Each site's shard (by site index) under t; -1 if a site is split. */
static int
run_shards(struct run *r, struct shard_table *t, int *of)
{
	size_t	i, s;
	int	split = 0;

	for (i = 0; i < r->nsites; i++)
		of[i] = 0;
	for (i = 0; i < r->n; i++) {
		s = (size_t)(r->v[i].site - r->sites);
		if (of[s] != 0 && of[s] != shard_of(t, &r->v[i]))
			split = 1;
		of[s] = shard_of(t, &r->v[i]);
	}
	return (split ? -1 : 0);
}

/* The largest shard's pairs over the mean, less one. */
static double
run_imbalance(struct run *r, struct shard_table *t, int count)
{
	size_t	*load, i, max = 0;
	int	 k;

	load = xcalloc((size_t)count, sizeof *load);
	for (i = 0; i < r->n; i++)
		load[shard_of(t, &r->v[i]) - 1]++;
	for (k = 0; k < count; k++) {
		if (load[k] > max)
			max = load[k];
	}
	free(load);
	return ((double)max * count / (double)r->n - 1);
}

/* The bounded-load assignment over a run's pairs. */
static void
test_table(void)
{
	struct run		 r;
	struct shard_table	*t, *u;
	struct pair		 tmp;
	double			 worst = 0, im;
	int			*a, *b, n, bad, moved, newonly;
	size_t			 i, j;

	/* 100 sites (of 1 to 3 pairs) per shard, 2 to 40 shards. */
	for (bad = 0, n = 2; n <= 40; n++) {
		run_make(&r, (size_t)n * 100, 3, 0);
		t = shard_table_create(r.v, r.n, n, 0);
		if ((im = run_imbalance(&r, t, n)) > worst)
			worst = im;
		if (im > 0.10)
			bad++;
		shard_table_free(t);
		run_free(&r, 0);
	}
	diag("100 sites per shard, 2 to 40 shards: worst imbalance %.1f%%",
	    100 * worst);
	is_int(bad, 0, "100 sites per shard: no shard 10% over the mean");

	/* Sites of 1 to 5 pairs: a site is never split, the bound holds. */
	run_make(&r, 400, 5, 0);
	t = shard_table_create(r.v, r.n, 4, 0);
	a = xcalloc(r.nsites, sizeof *a);
	b = xcalloc(r.nsites, sizeof *b);
	is_int(run_shards(&r, t, a), 0, "a site's pairs stay in one shard");
	for (bad = 0, i = 0; i < r.nsites; i++) {
		if (a[i] < 1 || a[i] > 4)
			bad++;
	}
	is_int(bad, 0, "every site gets a shard from 1 to 4");
	im = run_imbalance(&r, t, 4);
	diag("400 sites of 1 to 5 pairs in 4 shards: imbalance %.1f%%",
	    100 * im);
	ok(im <= 0.05 + 4.0 * 4 / (double)r.n, "sites of 1 to 5 pairs: at "
	    "most 5% over the mean plus the largest site less one pair");

	/* The order of the pairs does not count. */
	for (i = r.n - 1; i > 0; i--) {
		j = (size_t)(shard_hash(r.v[i].site->name) + i) % (i + 1);
		tmp = r.v[i];
		r.v[i] = r.v[j];
		r.v[j] = tmp;
	}
	u = shard_table_create(r.v, r.n, 4, 0);
	run_shards(&r, u, b);
	ok(memcmp(a, b, r.nsites * sizeof *a) == 0,
	    "the same pairs in another order: the same assignment");
	shard_table_free(t);
	shard_table_free(u);
	free(a);
	free(b);
	run_free(&r, 0);

	/* From 4 to 5 shards, 1,000 sites: about a fifth move. */
	run_make(&r, 1000, 1, 0);
	a = xcalloc(r.nsites, sizeof *a);
	b = xcalloc(r.nsites, sizeof *b);
	t = shard_table_create(r.v, r.n, 4, 0);
	u = shard_table_create(r.v, r.n, 5, 0);
	run_shards(&r, t, a);
	run_shards(&r, u, b);
	for (moved = 0, newonly = 0, i = 0; i < r.nsites; i++) {
		if (a[i] != b[i]) {
			moved++;
			if (b[i] == 5)
				newonly++;
		}
	}
	diag("4 -> 5 shards, 1,000 sites: %d moved, %d of them to shard 5",
	    moved, newonly);
	ok(moved >= 150 && moved <= 250, "4 -> 5 shards moves about a fifth "
	    "of 1,000 sites");
	shard_table_free(t);
	shard_table_free(u);
	free(a);
	free(b);
	run_free(&r, 0);

	/* By server: a server's sites stay together. */
	run_make(&r, 600, 3, 24);
	t = shard_table_create(r.v, r.n, 4, 1);
	for (bad = 0, i = 0; i < r.n; i++) {
		for (j = 0; j < r.n; j += 37) {
			if (r.v[i].site->servers[0] ==
			    r.v[j].site->servers[0] &&
			    shard_of(t, &r.v[i]) != shard_of(t, &r.v[j]))
				bad++;
		}
	}
	is_int(bad, 0, "--shard-by server: one server's sites in one shard");
	shard_table_free(t);
	run_free(&r, 24);

	/* One shard holds everything; more shards than sites. */
	run_make(&r, 3, 1, 0);
	t = shard_table_create(r.v, r.n, 1, 0);
	ok(shard_of(t, &r.v[0]) == 1 && shard_of(t, &r.v[2]) == 1,
	    "one shard: every pair in shard 1");
	shard_table_free(t);
	t = shard_table_create(r.v, r.n, 10, 0);
	a = xcalloc(r.nsites, sizeof *a);
	run_shards(&r, t, a);
	ok(a[0] != a[1] && a[1] != a[2] && a[0] != a[2],
	    "3 sites in 10 shards: three different shards");
	free(a);
	shard_table_free(t);
	run_free(&r, 0);
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
	test_table();
	return (done_testing());
}
