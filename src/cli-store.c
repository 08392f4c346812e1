/*
 * cli-store.c: kong store: feed and rebuild the history store from logs,
 * and where the log and the store are (shared with check, serve, html).
 *
 *   kong store ingest LOG...   add what is new in each log (idempotent)
 *   kong store rebuild [LOG...] empty the store, read every log it knows
 *                              and the ones named, from the start
 *   kong store info            what the store holds
 */
#include "alert.h"
#include "cli.h"
#include "store.h"
#include "sweep.h"

enum {
	STORE_OPT_STORE = 1000,
	STORE_OPT_QUIET,
};

static const struct cli_option store_options[] = {
	{ "store", 0, CLI_ARG, "PATH", "the store (default: [kong] store, else "
	    "kong.db beside the log)", STORE_OPT_STORE },
	{ "quiet", 'q', CLI_NOARG, NULL, "say nothing unless something is wrong",
	    STORE_OPT_QUIET },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

/* The log: --log, else [kong] log (relative to its file), else kong.jsonl. */
char *
cli_log_path(const struct inventory *inv, const struct settings *set)
{
	if (set->log == NULL)
		return (path_join(inv->dir, "kong.jsonl"));
	if (strcmp(set->log, "-") == 0)
		return (xstrdup(set->log));
	return (settings_path(set, SETTING_log, set->log));
}

/*
 * The store: [kong] store (relative to its file), else kong.db beside the
 * log (beside the inventory when the log is standard output); NULL for
 * store = none.
 */
char *
cli_store_path(const struct inventory *inv, const struct settings *set)
{
	char	*log, *dir, *path;

	if (set->store != NULL && strcmp(set->store, "none") == 0)
		return (NULL);
	if (set->store != NULL)
		return (settings_path(set, SETTING_store, set->store));
	log = cli_log_path(inv, set);
	if (!alert_log_is_file(log))
		dir = xstrdup(inv->dir);	/* -, /dev/full, a pipe */
	else
		dir = path_dirname(log);
	path = path_join(dir, "kong.db");
	free(dir);
	free(log);
	return (path);
}

/*
 * The store a command reads or feeds: --store PATH, else the inventory's.
 * *retention gets [kong] retention. NULL after saying why.
 */
char *
cli_find_store(const struct cli_args *a, const char *opt, long *retention)
{
	struct inventory	*inv;
	char			*path;

	*retention = settings_table[SETTING_retention].def_check;
	if (opt != NULL)
		return (xstrdup(opt));
	if ((inv = cli_load(a)) == NULL)
		return (NULL);
	path = cli_store_path(inv, &inv->settings);
	*retention = inv->settings.retention;
	if (path == NULL)
		fprintf(stderr, "kong: the inventory says store = none\n");
	inventory_free(inv);
	return (path);
}

/* Ingest each log; returns the exit status. */
static int
store_ingest_logs(struct store *s, char **logs, int n, int quiet)
{
	struct store_ingest_stats	 st;
	char				*cause;
	int				 i, rc = KONG_EXIT_OK;

	for (i = 0; i < n; i++) {
		if (store_ingest(s, logs[i], &st, &cause) != 0) {
			fprintf(stderr, "kong store: %s\n", cause);
			free(cause);
			rc = KONG_EXIT_IO;
			continue;
		}
		if (!quiet)
			printf("%s: %s; %zu record%s, %zu new result%s, %zu "
			    "already stored%s\n", logs[i], st.how, st.records,
			    st.records == 1 ? "" : "s", st.added, st.added == 1 ?
			    "" : "s", st.duplicates, st.skipped > 0 ?
			    ", kong run results left out" : "");
		if (st.bad > 0)
			fprintf(stderr, "kong store: %s: %zu line%s that %s not "
			    "records\n", logs[i], st.bad, st.bad == 1 ? "" : "s",
			    st.bad == 1 ? "is" : "are");
	}
	return (rc);
}

/* kong store info: the counts. */
static int
store_info(struct store *s)
{
	static const char *const tables[] = { "pairs", "runs", "results",
	    "rollups", "logs" };
	sqlite3_stmt	*st;
	char		*sql;
	size_t		 i;

	printf("store\t%s\n", store_path(s));
	for (i = 0; i < nitems(tables); i++) {
		sql = xstrfmt("SELECT count(*) FROM %s", tables[i]);
		if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) ==
		    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
			printf("%s\t%lld\n", tables[i],
			    (long long)sqlite3_column_int64(st, 0));
		sqlite3_finalize(st);
		free(sql);
	}
	return (KONG_EXIT_OK);
}

/* kong store rebuild: everything again, from the logs. */
static int
store_rebuild(struct store *s, char **extra, int nextra, int quiet)
{
	char	**logs, **all;
	size_t	  n, i;
	int	  rc, j;

	logs = store_logs(s);
	n = strv_len(logs);
	all = xcalloc(n + (size_t)nextra + 1, sizeof *all);
	for (i = 0; i < n; i++)
		all[i] = logs[i];
	for (j = 0; j < nextra; j++) {
		if (!strv_contains(logs, extra[j]))
			all[n++] = extra[j];
	}
	if (store_begin(s) != 0 || store_reset(s) != 0 ||
	    store_commit(s) != 0) {
		fprintf(stderr, "kong store: %s\n", store_error(s));
		store_rollback(s);
		rc = KONG_EXIT_IO;
	} else
		rc = store_ingest_logs(s, all, (int)n, quiet);
	free(all);
	free_strv(logs);
	return (rc);
}

static int
store_exec_cmd(const struct cli_cmd *cmd, struct cli_args *a)
{
	struct store	*s;
	const char	*opt = NULL, *sub;
	char		*path, *cause;
	long		 retention;
	size_t		 i;
	int		 quiet = 0, rc;

	for (i = 0; i < a->nopts; i++) {
		if (a->opts[i].id == STORE_OPT_STORE)
			opt = a->opts[i].arg;
		else if (a->opts[i].id == STORE_OPT_QUIET)
			quiet = 1;
	}
	if (a->argc < 1)
		return (cli_usage(cmd, "say what to do: ingest, rebuild or "
		    "info"));
	sub = a->argv[0];
	if (strcmp(sub, "ingest") == 0 && a->argc < 2)
		return (cli_usage(cmd, "ingest: name the logs to read"));
	if (strcmp(sub, "info") == 0 && a->argc > 1)
		return (cli_usage(cmd, "info takes no operands"));
	if (strcmp(sub, "ingest") != 0 && strcmp(sub, "rebuild") != 0 &&
	    strcmp(sub, "info") != 0)
		return (cli_usage(cmd, "no such subcommand '%s' (ingest, "
		    "rebuild, info)", sub));
	if ((path = cli_find_store(a, opt, &retention)) == NULL)
		return (KONG_EXIT_USAGE);
	s = store_open(path, 0, &cause);
	free(path);
	if (s == NULL) {
		fprintf(stderr, "kong store: %s\n", cause);
		free(cause);
		return (KONG_EXIT_IO);
	}
	store_set_retention(s, retention);
	if (strcmp(sub, "ingest") == 0)
		rc = store_ingest_logs(s, a->argv + 1, a->argc - 1, quiet);
	else if (strcmp(sub, "rebuild") == 0)
		rc = store_rebuild(s, a->argv + 1, a->argc - 1, quiet);
	else
		rc = store_info(s);
	store_close(s);
	return (rc);
}

const struct cli_cmd cli_store_cmd = {
	"store",
	"[--store PATH] [-c INVENTORY] ingest LOG... | rebuild [LOG...] | info",
	"feed the history store from logs, or rebuild it",
	"The store (docs/store.md) is an SQLite index of the results logs that\n"
	"kong check feeds as it runs and kong serve reads. ingest adds what is\n"
	"new in each log and may be run any number of times (a result counts\n"
	"once; a rotated log continues where it was left). rebuild empties the\n"
	"store and reads every log it has seen, and the ones named, again.",
	CLI_INVENTORY,
	store_options,
	-1,
	store_exec_cmd,
};

/*
 * Feed the store (if any) from sweep, which writes log. A store that cannot
 * be opened never stops a sweep: the log is whole, and kong store ingest
 * catches up; who says so.
 */
void
cli_store_sink(struct sweep *sw, const struct inventory *inv,
    const struct settings *set, const char *log, const char *who)
{
	struct sink	*k;
	char		*db, *cause;

	if ((db = cli_store_path(inv, set)) == NULL)
		return;
	if ((k = sink_store_open(db, log, set->retention, stderr, &cause)) ==
	    NULL) {
		fprintf(stderr, "kong %s: store: %s; checking without it\n", who,
		    cause);
		free(cause);
	} else
		sweep_add_sink(sw, k);
	free(db);
}
