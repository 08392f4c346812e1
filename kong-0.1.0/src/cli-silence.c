/*
 * cli-silence.c: kong silence: quiet alerts for a while (deploys).
 *
 * `kong silence add --site 'shop*' --for 2h [--reason TEXT]` (or --type,
 * --server, --test, --tag: exactly one pattern), `kong silence list
 * [--all]`, `kong silence rm ID`. Every silence expires; checks run as
 * always and their results are recorded, but what a silence covers is not
 * reported, and what still fails when it ends is reported at the next run.
 */
#include "alert.h"
#include "cli.h"
#include "record.h"

enum {
	SILENCE_FOR = 1000,
	SILENCE_REASON,
	SILENCE_ALL,
};

static const struct cli_option silence_options[] = {
	{ "for", 0, CLI_ARG, "DUR", "add: how long it lasts (such as 30m, 2h; "
	    "at most 30d)", SILENCE_FOR },
	{ "reason", 0, CLI_ARG, "TEXT", "add: why, shown by list",
	    SILENCE_REASON },
	{ "all", 0, CLI_NOARG, NULL, "list: expired silences too",
	    SILENCE_ALL },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

#define SILENCE_MAX_MS	(30L * 24 * 3600 * 1000)

/* The one selector of add: its kind and pattern, or -1 after usage. */
static int
silence_what(const struct cli_cmd *cmd, const struct selection *sel,
    const char **kind, const char **pattern)
{
	const struct {
		const char	*kind;
		char		**v;
		size_t		 n;
	} k[] = {
		{ "site", sel->site, sel->nsite },
		{ "type", sel->type, sel->ntype },
		{ "test", sel->test, sel->ntest },
		{ "server", sel->server, sel->nserver },
		{ "tag", sel->tag, sel->ntag },
	};
	size_t	i, n = 0;

	for (i = 0; i < sizeof k / sizeof k[0]; i++) {
		n += k[i].n;
		if (k[i].n > 0) {
			*kind = k[i].kind;
			*pattern = k[i].v[0];
		}
	}
	if (n != 1) {
		cli_usage(cmd, "add takes exactly one of --site, --type, --test, "
		    "--server or --tag PATTERN");
		return (-1);
	}
	return (0);
}

static int
silence_add(const struct cli_cmd *cmd, struct cli_args *a,
    struct alert_db *db, long for_ms, const char *reason)
{
	struct silence	 s;
	char		*t;

	memset(&s, 0, sizeof s);
	if (silence_what(cmd, &a->sel, (const char **)&s.kind,
	    (const char **)&s.pattern) != 0)
		return (KONG_EXIT_USAGE);
	if (for_ms <= 0)
		return (cli_usage(cmd, "add needs --for DUR (every silence "
		    "expires)"));
	if (for_ms > SILENCE_MAX_MS)
		return (cli_usage(cmd, "--for: at most 30d"));
	s.created_us = realtime_usec();
	s.until_us = s.created_us + (uint64_t)for_ms * 1000;
	s.reason = (char *)reason;
	if (alert_silence_add(db, &s) != 0) {
		fprintf(stderr, "kong silence: the store could not be written: "
		    "%s\n", alert_db_error(db));
		return (KONG_EXIT_IO);
	}
	t = record_time(s.until_us);
	printf("%lld\t%s %s until %s\n", (long long)s.id, s.kind, s.pattern, t);
	free(t);
	return (KONG_EXIT_OK);
}

static int
silence_list(struct alert_db *db, int all)
{
	struct silence	*v;
	struct table	 tb;
	char		 id[32], *until;
	size_t		 i, n;
	uint64_t	 now = realtime_usec();

	if (alert_silence_list(db, all, &v, &n) != 0) {
		fprintf(stderr, "kong silence: the store could not be read: "
		    "%s\n", alert_db_error(db));
		return (KONG_EXIT_IO);
	}
	table_init(&tb, 5);
	table_add(&tb, "ID", "WHAT", "PATTERN", "UNTIL", "REASON");
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%lld", (long long)v[i].id);
		until = record_time(v[i].until_us);
		if (v[i].until_us <= now) {
			free(until);
			until = xstrdup("expired");
		}
		table_add(&tb, id, v[i].kind, v[i].pattern, until,
		    v[i].reason != NULL ? v[i].reason : "-");
		free(until);
	}
	if (n > 0)
		table_print(&tb, stdout, "  ");
	else
		printf("no silence is in force\n");
	table_free(&tb);
	alert_silences_free(v, n);
	return (KONG_EXIT_OK);
}

static int
silence_exec(const struct cli_cmd *cmd, struct cli_args *a)
{
	struct inventory	*inv;
	struct alert_db		*db = NULL;
	struct settings		 set;
	const char		*reason = NULL, *verb;
	char			*path, *cause, *end;
	long			 for_ms = 0, id;
	size_t			 i;
	int			 all = 0, rc;

	for (i = 0; i < a->nopts; i++) {
		if (a->opts[i].id == SILENCE_FOR && cli_duration(cmd, "--for",
		    a->opts[i].arg, &for_ms) != 0)
			return (KONG_EXIT_USAGE);
		if (a->opts[i].id == SILENCE_REASON)
			reason = a->opts[i].arg;
		if (a->opts[i].id == SILENCE_ALL)
			all = 1;
	}
	if (a->argc < 1)
		return (cli_usage(cmd, "say add, list or rm"));
	verb = a->argv[0];
	if (strcmp(verb, "add") != 0 && strcmp(verb, "list") != 0 &&
	    strcmp(verb, "rm") != 0)
		return (cli_usage(cmd, "unknown action '%s': say add, list or "
		    "rm", verb));
	if ((strcmp(verb, "rm") == 0) != (a->argc == 2))
		return (cli_usage(cmd, strcmp(verb, "rm") == 0 ? "rm takes the "
		    "ID kong silence list shows" : "%s takes no operand", verb));
	if (strcmp(verb, "add") != 0 && (!selection_empty(&a->sel) ||
	    for_ms != 0 || reason != NULL))
		return (cli_usage(cmd, "selectors, --for and --reason go with "
		    "add"));
	if ((inv = cli_load(a)) == NULL)
		return (KONG_EXIT_USAGE);
	settings_copy(&set, &inv->settings);
	if ((path = cli_store_path(inv, &set)) == NULL) {
		fprintf(stderr, "kong silence: store = none: there is no store "
		    "to keep silences in\n");
		rc = KONG_EXIT_USAGE;
	} else if ((db = alert_db_open(path, &cause)) == NULL) {
		fprintf(stderr, "kong silence: cannot open the store %s\n",
		    cause);
		free(cause);
		rc = KONG_EXIT_IO;
	} else if (strcmp(verb, "add") == 0)
		rc = silence_add(cmd, a, db, for_ms, reason);
	else if (strcmp(verb, "list") == 0)
		rc = silence_list(db, all);
	else {
		id = strtol(a->argv[1], &end, 10);
		if (*a->argv[1] == '\0' || *end != '\0' || id < 1)
			rc = cli_usage(cmd, "rm: '%s' is not an ID (kong "
			    "silence list shows them)", a->argv[1]);
		else if ((rc = alert_silence_rm(db, id)) == 1) {
			fprintf(stderr, "kong silence: no silence %ld (kong "
			    "silence list --all shows them)\n", id);
			rc = KONG_EXIT_USAGE;
		} else if (rc == -1) {
			fprintf(stderr, "kong silence: the store could not be "
			    "written: %s\n", alert_db_error(db));
			rc = KONG_EXIT_IO;
		}
	}
	alert_db_close(db);
	free(path);
	settings_free(&set);
	inventory_free(inv);
	return (rc);
}

const struct cli_cmd cli_silence_cmd = {
	"silence",
	"[-c INVENTORY] add (--site|--type|--test|--server|--tag) PATTERN "
	    "--for DUR [--reason TEXT] | list [--all] | rm ID",
	"quiet the alerts of what matches, for a while",
	"add: failures of the pairs whose site, type, test, server or tag\n"
	"matches PATTERN (a glob) are recorded and shown but not mailed until\n"
	"the silence expires; what still fails then is mailed at the next\n"
	"run. list: the silences in force (--all: expired ones too). rm:\n"
	"end one now. Exit status: 0, 2 usage or inventory error, 3 the store\n"
	"could not be read or written.",
	CLI_INVENTORY | CLI_SELECTORS,
	silence_options,
	2,
	silence_exec,
};
