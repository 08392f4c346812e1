/*
 * shard.c: which shard a pair belongs to, the inventory hash, and reading
 * --shard, --shards, --shard-by and --run-id (shard.h says why each is
 * what it is).
 */
#include <inttypes.h>

#include "map.h"
#include "shard.h"

#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

/* Shards are filled to at most 1 + 1/SHARD_SLACK times the mean. */
#define SHARD_SLACK	20
#define SHARD_PROBES	8

/* The assignment's name in run_start: shards placed alike say the same. */
#define SHARD_ASSIGN	"jump-bounded-5"

/* FNV-1a over len bytes, continuing from h. */
static uint64_t
shard_fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*s = p;
	size_t			 i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= FNV_PRIME;
	}
	return (h);
}

/* A string and its terminating NUL (NULL hashes as one NUL byte). */
static uint64_t
shard_fnv_str(uint64_t h, const char *s)
{
	if (s == NULL)
		s = "";
	return (shard_fnv(h, s, strlen(s) + 1));
}

/* splitmix64's finalizer: every bit of the input moves every bit out. */
static uint64_t
shard_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

/* The 64-bit hash of a name that sharding uses (FNV-1a, then mixed). */
uint64_t
shard_hash(const char *s)
{
	return (shard_mix(shard_fnv(FNV_OFFSET, s, strlen(s))));
}

/*
 * Lamping and Veach's jump consistent hash ("A Fast, Minimal Memory,
 * Consistent Hash Algorithm", 2014): a bucket in [0, n) for a key.
 */
int
shard_jump(uint64_t key, int n)
{
	int64_t	b = -1, j = 0;

	while (j < n) {
		b = j;
		key = key * 2862933555777941757ULL + 1;
		j = (int64_t)((double)(b + 1) * ((double)(1LL << 31) /
		    (double)((key >> 33) + 1)));
	}
	return ((int)b);
}

/*
 * The name a pair is sharded by: its site's, or with by_server its
 * server's (the one it is checked through, else the site's first), so
 * that one server's sites land on one machine. A site on no server is
 * sharded by its own name.
 */
static const char *
shard_key(const struct pair *p, int by_server)
{
	if (by_server) {
		if (p->server != NULL)
			return (p->server->name);
		if (p->site->nservers > 0)
			return (p->site->servers[0]->name);
	}
	return (p->site->name);
}

/*
 * A unit of the assignment: the pairs that share a key (one site's, or
 * with by_server one server's), placed together.
 */
struct shard_unit {
	const char	*key;
	uint64_t	 hash;
	size_t		 pairs;
	int		 shard;		/* 0-based */
};

struct shard_table {
	struct map		 keys;	/* key -> unit index + 1 */
	struct shard_unit	*units;
	size_t			 nunits;
	int			 count;
	int			 by_server;
};

/* Heaviest first, then by hash, then by name: an order of the set alone. */
static int
shard_unit_cmp(const void *a, const void *b)
{
	const struct shard_unit	*ua = a, *ub = b;

	if (ua->pairs != ub->pairs)
		return (ua->pairs > ub->pairs ? -1 : 1);
	if (ua->hash != ub->hash)
		return (ua->hash < ub->hash ? -1 : 1);
	return (strcmp(ua->key, ub->key));
}

/*
 * Where a unit goes, given what the shards hold: the first of its
 * SHARD_PROBES candidates (its jump shard, then jump shards of rehashes
 * of its hash) with room for it under cap, else the least loaded shard
 * (the lowest of equals).
 */
static int
shard_place(const struct shard_unit *u, const size_t *load, int count,
    size_t cap)
{
	uint64_t	h = u->hash;
	int		i, k, best;

	for (i = 0; i < SHARD_PROBES; i++) {
		k = shard_jump(h, count);
		if (load[k] + u->pairs <= cap)
			return (k);
		h = shard_mix(h + 0x9e3779b97f4a7c15ULL);
	}
	for (best = 0, k = 1; k < count; k++) {
		if (load[k] < load[best])
			best = k;
	}
	return (best);
}

/*
 * The assignment of a run's pairs (all of them, before sharding) to count
 * shards: consistent hashing with bounded loads (Mirrokni, Thorup and
 * Zadimoghaddam, 2018) over jump hashing. shard.h says why.
 */
struct shard_table *
shard_table_create(const struct pair *v, size_t n, int count, int by_server)
{
	struct shard_table	*t;
	struct shard_unit	*u;
	size_t			*load, cap, i, alloc = 0;
	const char		*key;
	intptr_t		 at;

	t = xcalloc(1, sizeof *t);
	t->count = count;
	t->by_server = by_server;
	map_init(&t->keys);
	for (i = 0; i < n; i++) {
		key = shard_key(&v[i], by_server);
		if ((at = (intptr_t)map_get(&t->keys, key)) != 0) {
			t->units[at - 1].pairs++;
			continue;
		}
		if (t->nunits == alloc) {
			alloc = alloc == 0 ? 64 : alloc * 2;
			t->units = xreallocarray(t->units, alloc,
			    sizeof *t->units);
		}
		u = &t->units[t->nunits++];
		u->key = key;
		u->hash = shard_hash(key);
		u->pairs = 1;
		map_set(&t->keys, key, (void *)(intptr_t)t->nunits);
	}
	if (t->nunits > 1)
		qsort(t->units, t->nunits, sizeof *t->units, shard_unit_cmp);

	/* ceil((1 + 1/SHARD_SLACK) * n / count), at least one pair. */
	cap = (n * (SHARD_SLACK + 1) + (size_t)count * SHARD_SLACK - 1) /
	    ((size_t)count * SHARD_SLACK);
	if (cap == 0)
		cap = 1;
	load = xcalloc((size_t)count, sizeof *load);
	for (i = 0; i < t->nunits; i++) {
		u = &t->units[i];
		u->shard = shard_place(u, load, count, cap);
		load[u->shard] += u->pairs;
		map_set(&t->keys, u->key, (void *)(intptr_t)(i + 1));
	}
	free(load);
	return (t);
}

void
shard_table_free(struct shard_table *t)
{
	if (t == NULL)
		return;
	map_free(&t->keys, NULL);
	free(t->units);
	free(t);
}

/* How many shards the table fills. */
int
shard_table_count(const struct shard_table *t)
{
	return (t->count);
}

/*
 * The shard (1 to count) of a pair of the table's run. A pair the table
 * was not made from is a bug of the caller.
 */
int
shard_of(const struct shard_table *t, const struct pair *p)
{
	intptr_t	at;

	if ((at = (intptr_t)map_get(&t->keys, shard_key(p, t->by_server))) ==
	    0)
		fatal("shard_of: %s is not in the run's assignment",
		    p->site->name);
	return (t->units[at - 1].shard + 1);
}

/* For sweep_plan.keep: whether a pair is in the shard arg names. */
int
shard_keep(const struct pair *p, void *arg)
{
	const struct shard_spec	*s = arg;

	return (shard_of(s->table, p) == s->index);
}

/* --shards N. Returns 0, or -1 and a cause. */
int
shard_count_parse(const char *arg, int *n, char **cause)
{
	long	v;

	if (parse_int(arg, 1, SHARD_MAX, &v) != 0) {
		*cause = xstrfmt("--shards: '%s' is not a number of shards from "
		    "1 to %d", arg, SHARD_MAX);
		return (-1);
	}
	*n = (int)v;
	return (0);
}

/* --shard-by site|server. Returns 0, or -1 and a cause. */
int
shard_by_parse(const char *arg, int *by_server, char **cause)
{
	if (strcmp(arg, "site") == 0)
		*by_server = 0;
	else if (strcmp(arg, "server") == 0)
		*by_server = 1;
	else {
		*cause = xstrfmt("--shard-by takes site or server, not '%s'",
		    arg);
		return (-1);
	}
	return (0);
}

/*
 * --shard auto: the index a scheduler gives this process. Kubernetes'
 * Indexed Job sets JOB_COMPLETION_INDEX and Nomad NOMAD_ALLOC_INDEX (both
 * from 0), GitLab's parallel jobs CI_NODE_INDEX and CI_NODE_TOTAL (from
 * 1). Returns 0, or -1 and a cause.
 */
static int
shard_auto(struct shard_spec *s, int count, char **cause)
{
	static const struct {
		const char	*index;
		int		 base;
		const char	*total;
	} from[] = {
		{ "JOB_COMPLETION_INDEX", 0, NULL },
		{ "NOMAD_ALLOC_INDEX", 0, NULL },
		{ "CI_NODE_INDEX", 1, "CI_NODE_TOTAL" },
	};
	const char	*v, *t;
	size_t		 i;
	long		 k, n;

	for (i = 0; i < nitems(from); i++) {
		if ((v = getenv(from[i].index)) == NULL || *v == '\0')
			continue;
		if (parse_int(v, from[i].base, SHARD_MAX - 1 + from[i].base,
		    &k) != 0) {
			*cause = xstrfmt("--shard auto: %s is '%s', not a shard "
			    "index from %d", from[i].index, v, from[i].base);
			return (-1);
		}
		if (count == 0 && from[i].total != NULL &&
		    (t = getenv(from[i].total)) != NULL) {
			if (parse_int(t, 1, SHARD_MAX, &n) != 0) {
				*cause = xstrfmt("--shard auto: %s is '%s', not "
				    "a number of shards", from[i].total, t);
				return (-1);
			}
			count = (int)n;
		}
		if (count == 0 && (t = getenv("KONG_SHARDS")) != NULL &&
		    *t != '\0') {
			if (parse_int(t, 1, SHARD_MAX, &n) != 0) {
				*cause = xstrfmt("--shard auto: KONG_SHARDS is "
				    "'%s', not a number of shards", t);
				return (-1);
			}
			count = (int)n;
		}
		if (count == 0) {
			*cause = xstrfmt("--shard auto: %s says which shard this "
			    "is, but not how many there are: give --shards N "
			    "(the job's completions) or set KONG_SHARDS",
			    from[i].index);
			return (-1);
		}
		s->index = (int)k + 1 - from[i].base;
		s->count = count;
		if (s->index > s->count) {
			*cause = xstrfmt("--shard auto: %s=%s is shard %d, but "
			    "there are only %d shards", from[i].index, v,
			    s->index, s->count);
			return (-1);
		}
		return (0);
	}
	*cause = xstrdup("--shard auto: no scheduler said which shard this is "
	    "(JOB_COMPLETION_INDEX, NOMAD_ALLOC_INDEX and CI_NODE_INDEX are "
	    "unset); give --shard K/N");
	return (-1);
}

/*
 * --shard K/N (1-based) or auto, with --shards N (NULL if not given).
 * Returns 0, or -1 and a cause.
 */
int
shard_parse(const char *arg, const char *shards, struct shard_spec *s,
    char **cause)
{
	long	k, n;
	int	count = 0, end = 0;

	if (shards != NULL && shard_count_parse(shards, &count, cause) != 0)
		return (-1);
	if (strcmp(arg, "auto") == 0)
		return (shard_auto(s, count, cause));
	if (sscanf(arg, "%ld/%ld%n", &k, &n, &end) != 2 || arg[end] != '\0' ||
	    strchr(arg, ' ') != NULL || strchr(arg, '+') != NULL ||
	    n < 1 || n > SHARD_MAX || k < 1 || k > n) {
		*cause = xstrfmt("--shard takes K/N with 1 <= K <= N <= %d "
		    "(shard 1/4 is the first of four) or auto, not '%s'",
		    SHARD_MAX, arg);
		return (-1);
	}
	if (count != 0 && count != n) {
		*cause = xstrfmt("--shard %s and --shards %d disagree on the "
		    "number of shards", arg, count);
		return (-1);
	}
	s->index = (int)k;
	s->count = (int)n;
	return (0);
}

/* A JSON text of o with sorted keys ("" for NULL), hashed on from h. */
static uint64_t
shard_fnv_json(uint64_t h, const json_t *o)
{
	char	*s;

	if (o == NULL)
		return (shard_fnv_str(h, ""));
	if ((s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY)) == NULL)
		fatal("json_dumps failed");
	h = shard_fnv_str(h, s);
	free(s);
	return (h);
}

static uint64_t
shard_site_hash(const struct site *s)
{
	uint64_t	h = FNV_OFFSET;
	char		flags[2];

	h = shard_fnv_str(h, s->name);
	h = shard_fnv_str(h, s->url);
	h = shard_fnv_str(h, s->type_name);
	flags[0] = (char)('0' + (s->live != 0));
	flags[1] = (char)('0' + (s->insecure != 0));
	h = shard_fnv(h, flags, sizeof flags);
	h = shard_fnv_json(h, s->attrs);
	h = shard_fnv_json(h, s->type != NULL ? s->type->attrs : NULL);
	return (shard_mix(h));
}

static uint64_t
shard_test_hash(const struct test *t)
{
	uint64_t	h = FNV_OFFSET;
	char		dl[32];

	h = shard_fnv_str(h, t->name);
	snprintf(dl, sizeof dl, "%ld", t->deadline_ms);
	h = shard_fnv_str(h, dl);
	if (t->src != NULL)
		h = shard_fnv(h, t->src->text, t->src->len);
	return (shard_mix(h ^ 0x7465737400000000ULL));
}

/*
 * The inventory hash of a run: every selected pair (skipped ones
 * included, before sharding: inventory_pairs'), as shard.h describes, in
 * 16 hex digits. Caller frees.
 */
char *
shard_inventory_hash(const struct inventory *inv, const struct pair *v,
    size_t n, int per_server)
{
	const struct site	*last = NULL;
	uint64_t		*th, sh = 0, h, sum = 0;
	size_t			 i, k;

	th = xcalloc(inv->ntests, sizeof *th);
	for (k = 0; k < inv->ntests; k++)
		th[k] = shard_test_hash(inv->tests[k]);
	for (i = 0; i < n; i++) {
		if (v[i].site != last) {
			last = v[i].site;
			sh = shard_site_hash(last);
		}
		for (k = 0; k < inv->ntests && inv->tests[k] != v[i].test; k++)
			;
		h = sh ^ shard_mix(k < inv->ntests ? th[k] : 0);
		if (v[i].server != NULL)
			h ^= shard_mix(shard_fnv_str(shard_fnv_str(FNV_OFFSET,
			    v[i].server->name), v[i].server->address) + 1);
		sum += shard_mix(h);
	}
	free(th);
	return (xstrfmt("%016" PRIx64, sum ^ shard_mix((uint64_t)n +
	    (per_server ? 0x8000000000000000ULL : 0))));
}

/*
 * The shard object of run_start and run_end: which shard, of how many,
 * sharded by what, the inventory hash and the whole run's pairs.
 */
json_t *
shard_json(const struct shard_spec *s, const char *hash, size_t run_pairs)
{
	json_t	*o;

	o = json_pack("{s:i, s:i, s:s, s:s, s:s, s:I}", "index", s->index,
	    "count", s->count, "by", s->by_server ? "server" : "site", "assign",
	    SHARD_ASSIGN, "inventory_hash", hash, "run_pairs",
	    (json_int_t)run_pairs);
	if (o == NULL)
		fatal("json_pack failed for the shard");
	return (o);
}

/* Whether a run id is made of what ids are made of. */
static int
shard_run_id_ok(const char *id)
{
	const char	*p;

	if (*id == '\0' || strlen(id) > 128)
		return (0);
	for (p = id; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._:@+-", *p) != NULL))
			return (0);
	}
	return (1);
}

/*
 * The run id: --run-id (opt), else for a sharded run one the environment
 * gives every shard alike: KONG_RUN_ID, GitLab's CI_PIPELINE_ID
 * ("gitlab-ID") or GitHub Actions' GITHUB_RUN_ID ("github-ID"). *id is
 * NULL when there is none (a fresh one is made). Returns 0, or -1 and a
 * cause.
 */
int
shard_run_id(const char *opt, int sharded, char **id, char **cause)
{
	const char	*v, *what = "--run-id";

	*id = NULL;
	if (opt != NULL)
		*id = xstrdup(opt);
	else if (!sharded)
		return (0);
	else if ((v = getenv("KONG_RUN_ID")) != NULL && *v != '\0') {
		*id = xstrdup(v);
		what = "KONG_RUN_ID";
	} else if ((v = getenv("CI_PIPELINE_ID")) != NULL && *v != '\0') {
		*id = xstrfmt("gitlab-%s", v);
		what = "CI_PIPELINE_ID";
	} else if ((v = getenv("GITHUB_RUN_ID")) != NULL && *v != '\0') {
		*id = xstrfmt("github-%s", v);
		what = "GITHUB_RUN_ID";
	} else
		return (0);
	if (!shard_run_id_ok(*id)) {
		*cause = xstrfmt("%s: '%s' is not a run id (1 to 128 letters, "
		    "digits and . _ : @ + -)", what, *id);
		free(*id);
		*id = NULL;
		return (-1);
	}
	return (0);
}
