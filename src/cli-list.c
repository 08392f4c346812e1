/*
 * cli-list.c: kong list: the fleet as the inventory describes it.
 */
#include "cli.h"
#include "shard.h"

enum {
	LIST_SITES = 0x1,
	LIST_TYPES = 0x2,
	LIST_SERVERS = 0x4,
	LIST_TESTS = 0x8,
	LIST_PAIRS = 0x10,
	LIST_ALL = 0x1f,
};

static json_t *
list_strv(char *const *v)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		json_array_append_new(a, json_string(v[i]));
	return (a);
}

/* An object's free attributes ({} when it has none). */
static json_t *
list_attrs(json_t *attrs)
{
	return (attrs != NULL ? json_incref(attrs) : json_object());
}

static void
list_json(json_t *o)
{
	char	*s;

	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	puts(s);
	free(s);
}

static char **
list_test_names(struct test **tests, size_t n)
{
	char	**v = xcalloc(n + 1, sizeof *v);
	size_t	  i;

	for (i = 0; i < n; i++)
		v[i] = tests[i]->name;
	return (v);
}

static void
list_sites(struct inventory *inv, const struct selection *sel, int json)
{
	struct table	 t;
	struct site	*s;
	char		*tags, *servers, *tests, **names;
	size_t		 i;

	table_init(&t, 7);
	table_add(&t, "SITE", "TYPE", "URL", "TAGS", "SERVERS", "LIVE", "TESTS");
	for (i = 0; i < inv->nsites; i++) {
		s = inv->sites[i];
		if (!selection_site(sel, s))
			continue;
		names = list_test_names(s->tests, s->ntests);
		if (json) {
			list_json(json_pack("{s:s, s:s, s:s, s:s?, s:o, s:o, "
			    "s:o, s:o, s:b, s:b, s:o, s:o, s:s, s:i}",
			    "kind", "site", "name", s->name, "url", s->url,
			    "type", s->type_name, "tags", list_strv(s->tags),
			    "servers", list_strv(s->server_names),
			    "managers", list_strv(s->managers),
			    "recipients", list_strv(s->recipients), "live", s->live,
			    "insecure", s->insecure, "tests", list_strv(names),
			    "attributes", list_attrs(s->attrs), "file", s->file,
			    "line", s->line));
			free(names);
			continue;
		}
		tags = strv_join(s->tags, ",");
		servers = strv_join(s->server_names, ",");
		tests = strv_join(names, ",");
		table_add(&t, s->name, s->type_name, s->url, tags, servers,
		    s->live ? "yes" : "no", tests);
		free(tags);
		free(servers);
		free(tests);
		free(names);
	}
	if (!json) {
		printf("Sites:\n");
		table_print(&t, stdout, "  ");
	}
	table_free(&t);
}

static void
list_types(struct inventory *inv, const struct selection *sel, int json)
{
	struct table		 t;
	struct site_type	*ty;
	char			*managers, *sites, **names;
	size_t			 i, j, n;

	table_init(&t, 3);
	table_add(&t, "TYPE", "MANAGERS", "SITES");
	for (i = 0; i < inv->ntypes; i++) {
		ty = inv->types[i];
		if (!glob_any(sel->type, sel->ntype, ty->name))
			continue;
		names = xcalloc(inv->nsites + 1, sizeof *names);
		for (n = 0, j = 0; j < inv->nsites; j++) {
			if (inv->sites[j]->type == ty)
				names[n++] = inv->sites[j]->name;
		}
		if (json) {
			list_json(json_pack("{s:s, s:s, s:o, s:o, s:o}", "kind",
			    "type", "name", ty->name, "managers",
			    list_strv(ty->managers), "sites", list_strv(names),
			    "attributes", list_attrs(ty->attrs)));
			free(names);
			continue;
		}
		managers = strv_join(ty->managers, ",");
		sites = strv_join(names, ",");
		table_add(&t, ty->name, managers, sites);
		free(managers);
		free(sites);
		free(names);
	}
	if (!json) {
		printf("Types:\n");
		table_print(&t, stdout, "  ");
	}
	table_free(&t);
}

static void
list_servers(struct inventory *inv, const struct selection *sel, int json)
{
	struct table	 t;
	struct server	*sv;
	char		*sites, **names;
	size_t		 i, j, k, n;

	table_init(&t, 3);
	table_add(&t, "SERVER", "ADDRESS", "SITES");
	for (i = 0; i < inv->nservers; i++) {
		sv = inv->servers[i];
		if (!glob_any(sel->server, sel->nserver, sv->name))
			continue;
		names = xcalloc(inv->nsites + 1, sizeof *names);
		for (n = 0, j = 0; j < inv->nsites; j++) {
			for (k = 0; k < inv->sites[j]->nservers; k++) {
				if (inv->sites[j]->servers[k] == sv) {
					names[n++] = inv->sites[j]->name;
					break;
				}
			}
		}
		if (json) {
			list_json(json_pack("{s:s, s:s, s:s, s:o, s:o}", "kind",
			    "server", "name", sv->name, "address", sv->address,
			    "sites", list_strv(names), "attributes",
			    list_attrs(sv->attrs)));
			free(names);
			continue;
		}
		sites = strv_join(names, ",");
		table_add(&t, sv->name, sv->address, sites);
		free(sites);
		free(names);
	}
	if (!json) {
		printf("Servers:\n");
		table_print(&t, stdout, "  ");
	}
	table_free(&t);
}

static void
list_tests(struct inventory *inv, const struct selection *sel, int json)
{
	struct table	 t;
	struct test	*te;
	char		*types, *sites, *tags, *from, count[32];
	size_t		 i, j, k, n;

	table_init(&t, 6);
	table_add(&t, "TEST", "SOURCE", "TYPES", "SITES", "TAGS", "PAIRS");
	for (i = 0; i < inv->ntests; i++) {
		te = inv->tests[i];
		if (!selection_test(sel, te))
			continue;
		for (n = 0, j = 0; j < inv->nsites; j++) {
			for (k = 0; k < inv->sites[j]->ntests; k++) {
				if (inv->sites[j]->tests[k] == te &&
				    selection_site(sel, inv->sites[j]))
					n++;
			}
		}
		from = te->path != NULL ? xstrdup(te->path) :
		    xstrfmt("%s:%d", te->file, te->line);
		if (json) {
			list_json(json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, "
			    "s:i}", "kind", "test", "name", te->name, "source",
			    from, "types", list_strv(te->types), "sites",
			    list_strv(te->sites), "tags", list_strv(te->tags),
			    "pairs", (int)n));
			free(from);
			continue;
		}
		types = strv_join(te->types, ",");
		sites = strv_join(te->sites, ",");
		tags = strv_join(te->tags, ",");
		snprintf(count, sizeof count, "%zu", n);
		table_add(&t, te->name, from, types, sites, tags, count);
		free(types);
		free(sites);
		free(tags);
		free(from);
	}
	if (!json) {
		printf("Tests:\n");
		table_print(&t, stdout, "  ");
	}
	table_free(&t);
}

/*
 * The pairs, printed as they are listed: a fleet of 100,000 pairs must not
 * be copied into a table first, so the column widths come from a first
 * pass over the pairs themselves.
 */
static void	list_shards(const struct shard_table *, const struct pair *,
		    size_t, int, int);

static void
list_pairs(struct inventory *inv, const struct selection *sel, int json,
    int per_server, int shards, int by_server)
{
	static const char	*head[] = { "SITE", "TEST", "SERVER", "STATUS" };
	struct shard_table	*t = NULL;
	struct pair		*v;
	const char		*cell[4];
	size_t			 n, i, c, w[4], len;

	v = inventory_pairs(inv, sel, 1, per_server, &n);
	if (shards > 0)
		t = shard_table_create(v, n, shards, by_server);
	for (c = 0; c < 4; c++)
		w[c] = strlen(head[c]);
	for (i = 0; i < n && !json; i++) {
		cell[0] = v[i].site->name;
		cell[1] = v[i].test->name;
		cell[2] = v[i].server != NULL ? v[i].server->name : "-";
		for (c = 0; c < 3; c++) {
			len = utf8_columns(cell[c], strlen(cell[c]));
			if (len > w[c])
				w[c] = len;
		}
	}
	if (!json)
		printf("Pairs (%zu):\n", n);
	for (i = 0; i <= n; i++) {
		if (i > 0 && json) {
			json_t *o = json_pack("{s:s, s:s, s:s, s:s?, s:s}",
			    "kind", "pair", "site", v[i - 1].site->name, "test",
			    v[i - 1].test->name, "server", v[i - 1].server !=
			    NULL ? v[i - 1].server->name : NULL, "status",
			    v[i - 1].site->live ? "live" : "skipped");
			if (shards > 0)
				json_object_set_new(o, "shard", json_integer(
				    shard_of(t, &v[i - 1])));
			list_json(o);
			continue;
		}
		if (json)
			continue;
		if (i == 0)
			memcpy(cell, head, sizeof cell);
		else {
			cell[0] = v[i - 1].site->name;
			cell[1] = v[i - 1].test->name;
			cell[2] = v[i - 1].server != NULL ?
			    v[i - 1].server->name : "-";
			cell[3] = v[i - 1].site->live ? "live" : "skipped";
		}
		fputs("  ", stdout);
		for (c = 0; c < 3; c++) {
			fputs(cell[c], stdout);
			for (len = utf8_columns(cell[c], strlen(cell[c]));
			    len < w[c] + 2; len++)
				putchar(' ');
		}
		if (shards == 0) {
			puts(cell[3]);
			continue;
		}
		if (i == 0)
			printf("%-9sSHARD\n", cell[3]);
		else
			printf("%-9s%d\n", cell[3], shard_of(t, &v[i - 1]));
	}
	if (shards > 0)
		list_shards(t, v, n, by_server, json);
	shard_table_free(t);
	free(v);
}

/*
 * --shards N: how many pairs and sites each shard gets, and the imbalance
 * (the largest shard's pairs over the mean, less one).
 */
static void
list_shards(const struct shard_table *t, const struct pair *v, size_t n,
    int by_server, int json)
{
	const struct site	*last = NULL;
	size_t			*pairs, *sites, max = 0;
	int			 shards = shard_table_count(t), k, s;
	double			 mean = (double)n / shards;

	pairs = xcalloc((size_t)shards, sizeof *pairs);
	sites = xcalloc((size_t)shards, sizeof *sites);
	for (size_t i = 0; i < n; i++) {
		s = shard_of(t, &v[i]) - 1;
		pairs[s]++;
		if (v[i].site != last)
			sites[s]++;
		last = v[i].site;
	}
	for (k = 0; k < shards; k++) {
		if (pairs[k] > max)
			max = pairs[k];
	}
	if (!json)
		printf("\nShards (%d, by %s): imbalance %.1f%%\n  SHARD  PAIRS  "
		    "SITES\n", shards, by_server ? "server" : "site", n > 0 ?
		    100.0 * ((double)max / mean - 1) : 0.0);
	for (k = 0; k < shards; k++) {
		if (json)
			list_json(json_pack("{s:s, s:i, s:I, s:I}", "kind",
			    "shard", "shard", k + 1, "pairs",
			    (json_int_t)pairs[k], "sites", (json_int_t)sites[k]));
		else
			printf("  %-5d  %-5zu  %zu\n", k + 1, pairs[k], sites[k]);
	}
	free(pairs);
	free(sites);
}

enum {
	LIST_O_SITES = 1000,
	LIST_O_TYPES,
	LIST_O_SERVERS,
	LIST_O_TESTS,
	LIST_O_PAIRS,
	LIST_O_PER_SERVER,
	LIST_O_JSON,
	LIST_O_SHARDS,
	LIST_O_SHARD_BY,
};

static const struct cli_option list_options[] = {
	{ "sites", 0, CLI_NOARG, NULL, "sites: type, URL, tags, servers, live, "
	    "tests", LIST_O_SITES },
	{ "types", 0, CLI_NOARG, NULL, "site types and their sites",
	    LIST_O_TYPES },
	{ "servers", 0, CLI_NOARG, NULL, "servers and their sites",
	    LIST_O_SERVERS },
	{ "tests", 0, CLI_NOARG, NULL, "tests, where they come from, what they "
	    "apply to", LIST_O_TESTS },
	{ "pairs", 0, CLI_NOARG, NULL, "the (site, test) pairs a check would "
	    "run", LIST_O_PAIRS },
	{ "per-server", 0, CLI_NOARG, NULL, "pairs once per server, as check "
	    "--per-server", LIST_O_PER_SERVER },
	{ "json", 0, CLI_NOARG, NULL, "JSON Lines (one object per line, with "
	    "\"kind\") instead of tables", LIST_O_JSON },
	{ "shards", 0, CLI_ARG, "N", "with --pairs: each pair's shard of N "
	    "(as check --shard K/N) and the count of each shard", LIST_O_SHARDS },
	{ "shard-by", 0, CLI_ARG, "WHAT", "with --shards: site (default) or "
	    "server, as check --shard-by", LIST_O_SHARD_BY },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static int
list_exec(const struct cli_cmd *cmd, struct cli_args *a)
{
	struct inventory	*inv;
	size_t			 i;
	int			 what = 0, json = 0, per_server = 0, first;
	int			 shards = 0, by_server = 0;
	char			*cause;

	(void)cmd;
	for (i = 0; i < a->nopts; i++) {
		switch (a->opts[i].id) {
		case LIST_O_SITES:
			what |= LIST_SITES;
			break;
		case LIST_O_TYPES:
			what |= LIST_TYPES;
			break;
		case LIST_O_SERVERS:
			what |= LIST_SERVERS;
			break;
		case LIST_O_TESTS:
			what |= LIST_TESTS;
			break;
		case LIST_O_PAIRS:
			what |= LIST_PAIRS;
			break;
		case LIST_O_PER_SERVER:
			per_server = 1;
			break;
		case LIST_O_JSON:
			json = 1;
			break;
		case LIST_O_SHARDS:
		case LIST_O_SHARD_BY:
			if ((a->opts[i].id == LIST_O_SHARDS ? shard_count_parse(
			    a->opts[i].arg, &shards, &cause) : shard_by_parse(
			    a->opts[i].arg, &by_server, &cause)) != 0) {
				cli_usage(cmd, "%s", cause);
				free(cause);
				return (KONG_EXIT_USAGE);
			}
			break;
		}
	}
	if (shards > 0 && what != LIST_PAIRS)
		return (cli_usage(cmd, "--shards goes with --pairs alone"));
	if ((inv = cli_load(a)) == NULL)
		return (KONG_EXIT_USAGE);
	if (what == 0)
		what = LIST_ALL;
	first = 1;
#define LIST_SECTION(flag, call) do {					\
	if (what & (flag)) {						\
		if (!first && !json)					\
			putchar('\n');					\
		call;							\
		first = 0;						\
	}								\
} while (0)
	LIST_SECTION(LIST_SITES, list_sites(inv, &a->sel, json));
	LIST_SECTION(LIST_TYPES, list_types(inv, &a->sel, json));
	LIST_SECTION(LIST_SERVERS, list_servers(inv, &a->sel, json));
	LIST_SECTION(LIST_TESTS, list_tests(inv, &a->sel, json));
	LIST_SECTION(LIST_PAIRS, list_pairs(inv, &a->sel, json, per_server,
	    shards, by_server));
#undef LIST_SECTION
	inventory_free(inv);
	return (fflush(stdout) == 0 ? KONG_EXIT_OK : KONG_EXIT_IO);
}

const struct cli_cmd cli_list_cmd = {
	"list",
	"[-c INVENTORY] [SELECTORS] [--sites] [--types] [--servers] "
	"[--tests] [--pairs] [--per-server] [--json] [--shards N [--shard-by WHAT]]",
	"show the sites, types, servers, tests and (site, test) pairs",
	"Shows the sections named (all of them when none is).",
	CLI_SELECTORS,
	list_options,
	0,
	list_exec,
};
