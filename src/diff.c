/*
 * diff.c: two runs compared, pair by pair.
 *
 * A run is a JSON object keyed "site\x1ftest\x1fserver" (server empty
 * when not per server), each value {status, failed, duration_us, where,
 * message}, in the order the results came, filled by a sink: live from a
 * sweep, from a log through report_feed_log, or from the history store's
 * raw results (diff_run_store). Only pairs present in
 * both runs are compared; the others are counted.
 */
#include <unistd.h>

#include "diff.h"
#include "inventory.h"
#include "report.h"
#include "store.h"

struct diff_run {
	char	*id;
	json_t	*pairs;		/* key -> {status, failed, ...} */
	json_t	*sites;		/* "site\x1ftest" -> true, for failed ones */
	size_t	 failed;
};

struct diff_run *
diff_run_create(void)
{
	struct diff_run	*dr = xcalloc(1, sizeof *dr);

	dr->pairs = json_object();
	dr->sites = json_object();
	return (dr);
}

void
diff_run_free(struct diff_run *dr)
{
	if (dr == NULL)
		return;
	free(dr->id);
	json_decref(dr->pairs);
	json_decref(dr->sites);
	free(dr);
}

/* The run's id, or "-". */
const char *
diff_run_id(const struct diff_run *dr)
{
	return (dr->id != NULL ? dr->id : "-");
}

/* How many of the run's pairs failed. */
size_t
diff_run_failed(const struct diff_run *dr)
{
	return (dr->failed);
}

static void
diff_sink_start(struct sink *k, const struct run_info *run)
{
	struct diff_run	*dr = k->data;

	free(dr->id);
	dr->id = run->id != NULL ? xstrdup(run->id) : NULL;
	json_object_clear(dr->pairs);
	json_object_clear(dr->sites);
	dr->failed = 0;
}

static void
diff_sink_result(struct sink *k, const struct run_info *run,
    const struct result *r, const struct buf *rec)
{
	struct diff_run			*dr = k->data;
	const struct result_where	*w = &r->where;
	const char			*site, *test;
	char				*key, *where;
	int				 failed = result_failed(r);

	(void)run;
	(void)rec;
	if (r->status == RESULT_SKIPPED || r->status == RESULT_NOT_STARTED)
		return;
	site = w->site != NULL ? w->site : w->script != NULL ? w->script : "-";
	test = w->test != NULL ? w->test : "-";
	key = xstrfmt("%s\x1f%s\x1f%s", site, test, w->server != NULL ?
	    w->server : "");
	where = xstrfmt("%s:%d", r->file != NULL ? path_basename(r->file) :
	    "-", r->line);
	json_object_set_new(dr->pairs, key, json_pack("{s:s, s:b, s:I, s:s, "
	    "s:s}", "status", result_status_name(r->status), "failed", failed,
	    "duration_us", (json_int_t)r->duration_us, "where", where,
	    "message", r->message != NULL && utf8_is_valid(r->message,
	    strlen(r->message)) ? r->message : ""));
	free(key);
	free(where);
	if (failed) {
		dr->failed++;
		key = xstrfmt("%s\x1f%s", site, test);
		json_object_set_new(dr->sites, key, json_true());
		free(key);
	}
}

static const struct sink_ops diff_sink_ops = {
	"diff",
	diff_sink_start,
	diff_sink_result,
	NULL,
	NULL,
};

/* A sink filling the run (which it does not own). */
struct sink *
diff_sink(struct diff_run *dr)
{
	return (sink_create(&diff_sink_ops, dr, "diff"));
}

/* The run RUN (NULL, "last") of the log PATH; NULL with *cause set. */
struct diff_run *
diff_run_load(const char *path, const char *run, char **cause)
{
	struct diff_run		*dr = diff_run_create();
	struct sink_list	 sinks;
	struct sink		*k = diff_sink(dr);
	int			 rc;

	TAILQ_INIT(&sinks);
	TAILQ_INSERT_TAIL(&sinks, k, entry);
	rc = report_feed_log(path, run, &sinks, cause);
	TAILQ_REMOVE(&sinks, k, entry);
	sink_free(k);
	if (rc != 0) {
		diff_run_free(dr);
		return (NULL);
	}
	return (dr);
}

/* The ids of the runs of a log, in order (caller frees with free_strv). */
int
diff_log_runs(const char *path, char ***ids, size_t *n, char **cause)
{
	struct results_reader	*rd;
	struct results_entry	 e;
	const char		*id;
	int			 rc;

	*ids = xcalloc(1, sizeof **ids);
	*n = 0;
	if ((rd = results_reader_open(path, cause)) == NULL)
		return (-1);
	while ((rc = results_reader_next(rd, &e)) == 1) {
		if (e.kind != RESULTS_RUN_START || (id = json_string_value(
		    json_object_get(e.json, "run"))) == NULL)
			continue;
		*ids = xreallocarray(*ids, *n + 2, sizeof **ids);
		(*ids)[(*n)++] = xstrdup(id);
		(*ids)[*n] = NULL;
	}
	if (rc == -1)
		*cause = xstrdup(results_reader_error(rd));
	results_reader_close(rd);
	return (rc == -1 ? -1 : 0);
}

/* "site/test" or "site@server/test" of a key. Caller frees. */
static char *
diff_who(const char *key)
{
	const char	*t = strchr(key, '\x1f'), *s = strchr(t + 1, '\x1f');

	if (s[1] == '\0')
		return (xstrfmt("%.*s/%.*s", (int)(t - key), key,
		    (int)(s - t - 1), t + 1));
	return (xstrfmt("%.*s@%s/%.*s", (int)(t - key), key, s + 1,
	    (int)(s - t - 1), t + 1));
}

static const char *
diff_str(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return (s != NULL ? s : "");
}

/* A pair slower than the limits allow (both, when both are set). */
static int
diff_slower(const struct diff_limits *lim, json_int_t old, json_int_t new)
{
	if (lim->slower_percent == 0 && lim->slower_ms == 0)
		return (0);
	if (new <= old)
		return (0);
	if (lim->slower_percent > 0 && (new - old) * 100 <=
	    old * lim->slower_percent)
		return (0);
	if (lim->slower_ms > 0 && new - old < lim->slower_ms * 1000)
		return (0);
	return (1);
}

enum {
	DIFF_NEW,
	DIFF_SLOWER,
	DIFF_FIXED,
	DIFF_STILL,
	DIFF__COUNT
};

static const char *const diff_titles[] = {
	"New failures", "Slower", "Fixed", "Still failing"
};

/*
 * Print what changed from old to new; returns 1 when something regressed
 * (a new failure, or a pair slower than the limits), else 0.
 */
int
diff_print(FILE *f, const struct diff_run *old, const struct diff_run *new,
    const struct diff_limits *lim)
{
	struct buf	 sect[DIFF__COUNT];
	size_t		 count[DIFF__COUNT], only_old = 0, only_new = 0, i;
	const char	*key;
	json_t		*n, *o;
	json_int_t	 od, nd;
	char		*who, a[32], b[32];

	memset(count, 0, sizeof count);
	for (i = 0; i < DIFF__COUNT; i++)
		buf_init(&sect[i]);
	json_object_foreach(new->pairs, key, n) {
		if ((o = json_object_get(old->pairs, key)) == NULL) {
			only_new++;
			continue;
		}
		who = diff_who(key);
		od = json_integer_value(json_object_get(o, "duration_us"));
		nd = json_integer_value(json_object_get(n, "duration_us"));
		if (json_is_true(json_object_get(n, "failed"))) {
			i = json_is_true(json_object_get(o, "failed")) ?
			    DIFF_STILL : DIFF_NEW;
			buf_printf(&sect[i], "  %s  %s  %s  %s", who,
			    diff_str(n, "status"), diff_str(n, "where"),
			    diff_str(n, "message"));
			if (i == DIFF_NEW)
				buf_printf(&sect[i], " (was %s)",
				    diff_str(o, "status"));
			buf_addc(&sect[i], '\n');
			count[i]++;
		} else if (json_is_true(json_object_get(o, "failed"))) {
			buf_printf(&sect[DIFF_FIXED], "  %s  %s (was %s)\n", who,
			    diff_str(n, "status"), diff_str(o, "status"));
			count[DIFF_FIXED]++;
		} else if (diff_slower(lim, od, nd)) {
			report_seconds(a, sizeof a, (uint64_t)od);
			report_seconds(b, sizeof b, (uint64_t)nd);
			buf_printf(&sect[DIFF_SLOWER], "  %s  %ss -> %ss (+%lld%%)"
			    "\n", who, a, b, od > 0 ? (long long)((nd - od) *
			    100 / od) : 0LL);
			count[DIFF_SLOWER]++;
		}
		free(who);
	}
	json_object_foreach(old->pairs, key, o)
		if (json_object_get(new->pairs, key) == NULL)
			only_old++;
	fprintf(f, "kong diff: %s -> %s: %zu new failure%s, %zu slower, %zu "
	    "fixed, %zu still failing\n", diff_run_id(old), diff_run_id(new),
	    count[DIFF_NEW], count[DIFF_NEW] == 1 ? "" : "s",
	    count[DIFF_SLOWER], count[DIFF_FIXED], count[DIFF_STILL]);
	for (i = 0; i < DIFF__COUNT; i++) {
		if (count[i] > 0)
			fprintf(f, "\n%s (%zu)\n%.*s", diff_titles[i], count[i],
			    (int)sect[i].len, sect[i].data);
		buf_free(&sect[i]);
	}
	if (only_old > 0 || only_new > 0)
		fprintf(f, "\nNot compared: %zu pair%s only in %s, %zu only in "
		    "%s\n", only_old, only_old == 1 ? "" : "s", diff_run_id(old),
		    only_new, diff_run_id(new));
	return (count[DIFF_NEW] > 0 || count[DIFF_SLOWER] > 0);
}

/* plan->keep for --rerun-failed: the pairs that failed in the run. */
int
diff_keep_failed(const struct pair *p, void *arg)
{
	const struct diff_run	*dr = arg;
	const char		*key;
	char			*k;
	json_t			*v;
	int			 keep;

	if (p->server == NULL) {
		k = xstrfmt("%s\x1f%s", p->site->name, p->test->name);
		keep = json_object_get(dr->sites, k) != NULL;
		free(k);
		return (keep);
	}
	/* Per server: that server failed, or the pair failed unfanned. */
	k = xstrfmt("%s\x1f%s\x1f%s", p->site->name, p->test->name,
	    p->server->name);
	keep = (v = json_object_get(dr->pairs, k)) != NULL &&
	    json_is_true(json_object_get(v, "failed"));
	free(k);
	if (keep)
		return (1);
	k = xstrfmt("%s\x1f%s\x1f", p->site->name, p->test->name);
	key = k;
	keep = (v = json_object_get(dr->pairs, key)) != NULL &&
	    json_is_true(json_object_get(v, "failed"));
	free(k);
	return (keep);
}

/*
 * The run ARG names: NULL or "last", the last run of LOG; a file, the
 * last run in it; anything else, the run of that id in LOG.
 */
struct diff_run *
diff_run_resolve(const char *arg, const char *log, char **cause)
{
	if (arg == NULL || strcmp(arg, "last") == 0)
		return (diff_run_load(log, NULL, cause));
	if (access(arg, F_OK) == 0)
		return (diff_run_load(arg, NULL, cause));
	return (diff_run_load(log, arg, cause));
}

/* --slower P% and --slower-ms N. Returns 0, or -1 when arg is bad. */
int
diff_limit_parse(struct diff_limits *lim, int ms, const char *arg)
{
	char	*copy = xstrdup(arg);
	size_t	 len = strlen(copy);
	long	 v;
	int	 rc;

	if (!ms && len > 0 && copy[len - 1] == '%')
		copy[len - 1] = '\0';
	rc = parse_int(copy, 1, 1000000000, &v);
	free(copy);
	if (rc != 0)
		return (-1);
	if (ms)
		lim->slower_ms = v;
	else
		lim->slower_percent = v;
	return (0);
}

/*
 * The runs of the store at path that have results, oldest first (caller
 * frees with free_strv). The store keeps raw results for `retention`.
 */
int
diff_store_runs(const char *path, char ***ids, size_t *n, char **cause)
{
	struct store	*st;
	sqlite3_stmt	*q;

	*ids = xcalloc(1, sizeof **ids);
	*n = 0;
	if ((st = store_open(path, STORE_READONLY, cause)) == NULL)
		return (-1);
	if (sqlite3_prepare_v2(store_db(st), "SELECT name FROM runs WHERE "
	    "results > 0 ORDER BY start_us, id", -1, &q, NULL) != SQLITE_OK) {
		*cause = xstrfmt("%s: %s", path, sqlite3_errmsg(store_db(st)));
		store_close(st);
		return (-1);
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		*ids = xreallocarray(*ids, *n + 2, sizeof **ids);
		(*ids)[(*n)++] = xstrdup((const char *)sqlite3_column_text(q, 0));
		(*ids)[*n] = NULL;
	}
	sqlite3_finalize(q);
	store_close(st);
	return (0);
}

/* The run named run, from the raw results of the store at path. */
struct diff_run *
diff_run_store(const char *path, const char *run, char **cause)
{
	struct diff_run	*dr;
	struct store	*st;
	struct sink	*k;
	struct result	 r;
	sqlite3_stmt	*q;
	const char	*server;

	if ((st = store_open(path, STORE_READONLY, cause)) == NULL)
		return (NULL);
	if (sqlite3_prepare_v2(store_db(st), "SELECT p.site, p.test, "
	    "p.server, r.status, r.eclass, r.duration_us, r.file, r.line, "
	    "r.message FROM results r JOIN runs u ON u.id = r.run JOIN pairs "
	    "p ON p.id = r.pair WHERE u.name = ? ORDER BY r.start_us", -1, &q,
	    NULL) != SQLITE_OK) {
		*cause = xstrfmt("%s: %s", path, sqlite3_errmsg(store_db(st)));
		store_close(st);
		return (NULL);
	}
	dr = diff_run_create();
	dr->id = xstrdup(run);
	k = diff_sink(dr);
	sqlite3_bind_text(q, 1, run, -1, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW) {
		result_init(&r);
		r.where.site = (const char *)sqlite3_column_text(q, 0);
		r.where.test = (const char *)sqlite3_column_text(q, 1);
		server = (const char *)sqlite3_column_text(q, 2);
		r.where.server = server != NULL && *server != '\0' ? server :
		    NULL;
		r.status = (enum result_status)sqlite3_column_int(q, 3);
		r.eclass = (enum error_class)sqlite3_column_int(q, 4);
		r.duration_us = (uint64_t)sqlite3_column_int64(q, 5);
		r.line = sqlite3_column_int(q, 7);
		if (sqlite3_column_text(q, 6) != NULL)
			r.file = xstrdup((const char *)sqlite3_column_text(q,
			    6));
		if (sqlite3_column_text(q, 8) != NULL)
			r.message = xstrdup((const char *)sqlite3_column_text(q,
			    8));
		sink_result(k, NULL, &r, NULL);
		r.where.site = r.where.test = r.where.server = NULL;
		result_clear(&r);
	}
	sqlite3_finalize(q);
	sink_free(k);
	store_close(st);
	if (json_object_size(dr->pairs) == 0) {
		*cause = xstrfmt("%s: no results of run %s in the store (kong "
		    "serve's /runs lists its runs)", path, run);
		diff_run_free(dr);
		return (NULL);
	}
	return (dr);
}
