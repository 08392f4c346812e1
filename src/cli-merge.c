/*
 * cli-merge.c: kong merge: the shards of one run, checked and joined into
 * one stream, as if one machine had swept the whole fleet.
 *
 * Three passes over the shard logs, each in constant memory but for one
 * key per pair: the first finds every attempt (run_start to run_end) of
 * the run in every file, the second checks that the chosen attempts add
 * up (every shard once, one inventory, counts that agree, each pair once,
 * each pair in the shard its site hashes to), and only then the third
 * writes run_start, every result, and one run_end for the whole run. A
 * log that does not add up is refused whole (exit 2), naming the shard,
 * the file and the line; nothing is written.
 *
 * A log may hold other runs (logs are appended to) and, for one shard,
 * attempts that a scheduler retried: the last attempt of each shard in a
 * file is the one that counts, and it must have finished.
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "record.h"
#include "shard.h"

/* One run_start ... run_end of the run in one file. */
struct merge_attempt {
	size_t		 file;
	size_t		 start_line;
	size_t		 end_line;	/* 0: no run_end */
	int		 index;
	int		 count;
	size_t		 pairs;
	size_t		 results;
	json_t		*start;
	json_t		*end;
	int		 superseded;
};

struct merge {
	const struct cli_cmd	*cmd;
	char		       **files;
	size_t			 nfiles;
	char			*run;
	struct merge_attempt	*v;
	size_t			 n;
	struct merge_attempt   **shard;		/* by index - 1, the chosen */
	int			 count;
};

/* A problem that refuses the merge: the message, exit 2. */
static int KONG_PRINTF(1, 2)
merge_error(const char *fmt, ...)
{
	va_list	ap;

	fputs("kong merge: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return (KONG_EXIT_USAGE);
}

static const char *
merge_str(json_t *o, const char *key)
{
	return (json_string_value(json_object_get(o, key)));
}

static int64_t
merge_int(json_t *o, const char *key)
{
	return ((int64_t)json_integer_value(json_object_get(o, key)));
}

/* The run to merge: --run, else that of the first file's last run_start. */
static int
merge_pick_run(struct merge *m)
{
	struct results_reader	*rd;
	struct results_entry	 e;
	char			*cause;
	int			 rc;

	if ((rd = results_reader_open(m->files[0], &cause)) == NULL) {
		rc = merge_error("%s", cause);
		free(cause);
		return (rc);
	}
	while ((rc = results_reader_next(rd, &e)) == 1) {
		if (e.kind == RESULTS_OTHER && json_object_get(e.json,
		    "targets") != NULL) {
			rc = merge_error("%s is a kong bench report: kong bench "
			    "merge adds those up", m->files[0]);
			break;
		}
		if (e.kind == RESULTS_RUN_START && merge_str(e.json, "run") !=
		    NULL) {
			free(m->run);
			m->run = xstrdup(merge_str(e.json, "run"));
		}
	}
	if (rc == -1)
		rc = merge_error("%s", results_reader_error(rd));
	else if (rc == 0 && m->run == NULL)
		rc = merge_error("%s: no run_start: not a Kong log, or empty",
		    m->files[0]);
	results_reader_close(rd);
	return (rc);
}

/* A new attempt of the run, from its run_start. */
static int
merge_attempt_open(struct merge *m, size_t f, struct results_entry *e,
    struct merge_attempt **open)
{
	struct merge_attempt	*a;
	json_t			*sh = json_object_get(e->json, "shard");

	if (!json_is_object(sh) || !json_is_integer(json_object_get(sh,
	    "index")))
		return (merge_error("%s:%zu: run %s was not sharded (its "
		    "run_start has no shard); kong merge joins the shards of "
		    "one run made with kong check --shard", m->files[f],
		    e->line, m->run));
	if (*open != NULL && (*open)->index != merge_int(sh, "index"))
		return (merge_error("%s:%zu: shard %d of run %s starts while "
		    "shard %d (line %zu) has not ended: two shards wrote to "
		    "one log; give each shard its own --log", m->files[f],
		    e->line, (int)merge_int(sh, "index"), m->run,
		    (*open)->index, (*open)->start_line));
	m->v = xreallocarray(m->v, m->n + 1, sizeof *m->v);
	a = &m->v[m->n++];
	memset(a, 0, sizeof *a);
	a->file = f;
	a->start_line = e->line;
	a->index = (int)merge_int(sh, "index");
	a->count = (int)merge_int(sh, "count");
	a->pairs = (size_t)merge_int(e->json, "pairs");
	a->start = json_incref(e->json);
	if (a->count < 1 || a->index < 1 || a->index > a->count)
		return (merge_error("%s:%zu: shard %d of %d is not a shard",
		    m->files[f], e->line, a->index, a->count));
	*open = a;
	return (0);
}

/* Pass 1: every attempt of the run in file f. */
static int
merge_scan(struct merge *m, size_t f)
{
	struct results_reader	*rd;
	struct results_entry	 e;
	struct merge_attempt	*open = NULL;
	size_t			 first, found = 0, bad;
	char			*cause;
	int			 rc;

	if ((rd = results_reader_open(m->files[f], &cause)) == NULL) {
		rc = merge_error("%s", cause);
		free(cause);
		return (rc);
	}
	while ((rc = results_reader_next(rd, &e)) == 1) {
		if (e.kind == RESULTS_OTHER && json_object_get(e.json,
		    "targets") != NULL) {
			rc = merge_error("%s is a kong bench report: kong bench "
			    "merge adds those up", m->files[f]);
			break;
		}
		if (merge_str(e.json, "run") == NULL ||
		    strcmp(merge_str(e.json, "run"), m->run) != 0)
			continue;
		found++;
		if (e.kind == RESULTS_RUN_START) {
			/* The same shard again: a retry; the last counts. */
			if ((rc = merge_attempt_open(m, f, &e, &open)) != 0)
				break;
		} else if (open == NULL) {
			rc = merge_error("%s:%zu: a %s record of run %s outside "
			    "any run_start", m->files[f], e.line, e.kind ==
			    RESULTS_RUN_END ? "run_end" : "result", m->run);
			break;
		} else if (e.kind == RESULTS_RESULT)
			open->results++;
		else if (e.kind == RESULTS_RUN_END) {
			open->end = json_incref(e.json);
			open->end_line = e.line;
			open = NULL;
		}
	}
	if (rc == -1)
		rc = merge_error("%s", results_reader_error(rd));
	else if (rc == 0 && (bad = results_reader_bad(rd, &first)) > 0)
		rc = merge_error("%s:%zu: %zu line%s not JSON: records are lost",
		    m->files[f], first, bad, bad == 1 ? " is" : "s are");
	else if (rc == 0 && found == 0)
		rc = merge_error("%s: no record of run %s (kong merge --run ID "
		    "picks the run)", m->files[f], m->run);
	results_reader_close(rd);
	return (rc);
}

/* The place an attempt starts, for messages. */
static char *
merge_where(const struct merge *m, const struct merge_attempt *a)
{
	return (xstrfmt("%s:%zu", m->files[a->file], a->start_line));
}

/*
 * Choose each shard's attempt: the last in its file; the same shard in
 * two files is a duplicate. Then every shard of the count must be there.
 */
static int
merge_choose(struct merge *m)
{
	struct merge_attempt	*a, *b;
	char			*wa, *wb, *list;
	struct buf		 missing;
	size_t			 i, nmissing = 0;
	int			 k, rc;

	m->count = m->v[0].count;
	for (i = 0; i < m->n; i++) {
		if (m->v[i].count != m->count) {
			wa = merge_where(m, &m->v[0]);
			wb = merge_where(m, &m->v[i]);
			rc = merge_error("run %s: %s is one of %d shards, %s one "
			    "of %d", m->run, wa, m->count, wb, m->v[i].count);
			free(wa);
			free(wb);
			return (rc);
		}
	}
	m->shard = xcalloc((size_t)m->count, sizeof *m->shard);
	for (i = 0; i < m->n; i++) {
		a = &m->v[i];
		if ((b = m->shard[a->index - 1]) == NULL) {
			m->shard[a->index - 1] = a;
			continue;
		}
		if (b->file == a->file) {
			b->superseded = 1;
			m->shard[a->index - 1] = a;
			continue;
		}
		wa = merge_where(m, b);
		wb = merge_where(m, a);
		rc = merge_error("run %s: shard %d/%d is there twice: %s and %s",
		    m->run, a->index, m->count, wa, wb);
		free(wa);
		free(wb);
		return (rc);
	}
	buf_init(&missing);
	for (k = 0; k < m->count; k++) {
		if (m->shard[k] == NULL) {
			buf_printf(&missing, "%s%d", nmissing > 0 ? ", " : "",
			    k + 1);
			nmissing++;
		}
	}
	if (nmissing > 0) {
		list = buf_steal(&missing);
		rc = merge_error("run %s: shard%s %s of %d %s missing (%zu "
		    "file%s given)", m->run, nmissing == 1 ? "" : "s", list,
		    m->count, nmissing == 1 ? "is" : "are", m->nfiles,
		    m->nfiles == 1 ? "" : "s");
		free(list);
		return (rc);
	}
	buf_free(&missing);
	for (i = 0; i < m->n; i++) {
		if (m->v[i].superseded) {
			wa = merge_where(m, &m->v[i]);
			fprintf(stderr, "kong merge: note: %s: an earlier attempt "
			    "of shard %d/%d, superseded by a later one in the "
			    "same log\n", wa, m->v[i].index, m->count);
			free(wa);
		}
	}
	return (0);
}

/* Whether two shards' run_start agree on key; if not, say so. */
static int
merge_same(const struct merge *m, const struct merge_attempt *a,
    const struct merge_attempt *b, json_t *va, json_t *vb, const char *what)
{
	char	*wa, *wb, *sa, *sb;
	int	 rc;

	if (json_equal(va, vb))
		return (0);
	wa = merge_where(m, a);
	wb = merge_where(m, b);
	sa = va != NULL ? json_dumps(va, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	sb = vb != NULL ? json_dumps(vb, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	rc = merge_error("run %s: shards of mixed inventories: %s (shard %d) "
	    "has %s %s, %s (shard %d) has %s", m->run, wa, a->index, what,
	    sa != NULL ? sa : "none", wb, b->index, sb != NULL ? sb : "none");
	free(sa);
	free(sb);
	free(wa);
	free(wb);
	return (rc);
}

/* The records a shard's run_end says it wrote (totals by status). */
static size_t
merge_counted(json_t *end)
{
	static const char	*st[] = { "pass", "pass_after_retry", "fail",
	    "error", "timeout", "skipped", "cancelled", "aborted" };
	json_t			*t = json_object_get(end, "totals");
	size_t			 i, n = 0;

	for (i = 0; i < nitems(st); i++)
		n += (size_t)merge_int(t, st[i]);
	return (n);
}

/* Pass 2a: the chosen attempts finished, agree and count right. */
static int
merge_check(struct merge *m)
{
	struct merge_attempt	*a, *one = m->shard[0];
	json_t			*s1 = json_object_get(one->start, "shard"), *sa;
	size_t			 sum = 0, counted, not_started, aborted;
	char			*w;
	int			 k, rc = 0;

	for (k = 0; k < m->count && rc == 0; k++) {
		a = m->shard[k];
		sa = json_object_get(a->start, "shard");
		w = merge_where(m, a);
		if (a->end == NULL)
			rc = merge_error("run %s: shard %d/%d (%s) did not "
			    "finish: its log has no run_end (still running, or "
			    "killed)", m->run, a->index, m->count, w);
		else if (merge_same(m, one, a, json_object_get(s1,
		    "inventory_hash"), json_object_get(sa, "inventory_hash"),
		    "inventory hash") != 0 || merge_same(m, one, a,
		    json_object_get(s1, "by"), json_object_get(sa, "by"),
		    "shard-by") != 0 || merge_same(m, one, a,
		    json_object_get(s1, "assign"), json_object_get(sa,
		    "assign"), "assignment") != 0 || merge_same(m, one, a,
		    json_object_get(s1, "run_pairs"), json_object_get(sa,
		    "run_pairs"), "run pairs") != 0 || merge_same(m, one, a,
		    json_object_get(one->start, "selection"), json_object_get(
		    a->start, "selection"), "selection") != 0 ||
		    merge_same(m, one, a, json_object_get(one->start,
		    "options"), json_object_get(a->start, "options"),
		    "options") != 0)
			rc = KONG_EXIT_USAGE;
		else if (merge_int(a->end, "write_errors") > 0)
			rc = merge_error("run %s: shard %d/%d (%s) could not "
			    "write %d records: they are lost", m->run, a->index,
			    m->count, w, (int)merge_int(a->end, "write_errors"));
		if (rc != 0) {
			free(w);
			break;
		}
		counted = merge_counted(a->end);
		not_started = (size_t)merge_int(json_object_get(a->end,
		    "totals"), "not_started");
		aborted = (size_t)merge_int(json_object_get(a->end, "totals"),
		    "aborted");
		if (a->results != counted || a->results + not_started -
		    aborted != a->pairs)
			rc = merge_error("run %s: shard %d/%d (%s) does not add "
			    "up: %zu result records, run_end counts %zu, %zu "
			    "not started, of %zu pairs", m->run, a->index,
			    m->count, w, a->results, counted, not_started,
			    a->pairs);
		sum += a->pairs;
		free(w);
	}
	if (rc == 0 && sum != (size_t)merge_int(s1, "run_pairs"))
		rc = merge_error("run %s: the shards have %zu pairs between "
		    "them, but the run planned %d", m->run, sum,
		    (int)merge_int(s1, "run_pairs"));
	return (rc);
}

/*
 * Read the records of the chosen attempts, in shard order, calling fn on
 * each result with its attempt. Returns 0, or what fn or a read returned.
 */
static int
merge_each(struct merge *m, int (*fn)(struct merge *, struct merge_attempt *,
    struct results_entry *, void *), void *arg)
{
	struct results_reader	*rd;
	struct results_entry	 e;
	struct merge_attempt	*a;
	char			*cause;
	int			 k, rc = 0;

	for (k = 0; k < m->count && rc == 0; k++) {
		a = m->shard[k];
		if ((rd = results_reader_open(m->files[a->file], &cause)) ==
		    NULL) {
			rc = merge_error("%s", cause);
			free(cause);
			break;
		}
		while ((rc = results_reader_next(rd, &e)) == 1) {
			if (e.line <= a->start_line)
				continue;
			if (e.line >= a->end_line)
				break;
			if (e.kind != RESULTS_RESULT || merge_str(e.json,
			    "run") == NULL || strcmp(merge_str(e.json, "run"),
			    m->run) != 0)
				continue;
			if ((rc = fn(m, a, &e, arg)) != 0)
				break;
		}
		if (rc == -1)
			rc = merge_error("%s", results_reader_error(rd));
		else if (rc == 1)
			rc = 0;
		results_reader_close(rd);
	}
	return (rc);
}

/*
 * Pass 2b: each pair once. Which shard a pair belongs to needs the
 * inventory; the inventory hash and the assignment's name, the same in
 * every shard, say that they all placed the pairs alike.
 */
static int
merge_pair_cb(struct merge *m, struct merge_attempt *a,
    struct results_entry *e, void *arg)
{
	struct map	*seen = arg;
	const char	*site = e->result.where.site, *test = e->result.where.test;
	const char	*server = e->result.where.server;
	char		*key;
	void		*was;
	int		 rc = 0;

	if (site == NULL || test == NULL)
		return (merge_error("%s:%zu: a result without its site and test",
		    m->files[a->file], e->line));
	key = xstrfmt("%s\t%s\t%s", site, test, server != NULL ? server : "");
	if ((was = map_get(seen, key)) != NULL)
		rc = merge_error("run %s: %s %s%s%s is in shard %d and again in "
		    "shard %d (%s:%zu)", m->run, site, test, server != NULL ?
		    " on " : "", server != NULL ? server : "",
		    (int)(intptr_t)was, a->index, m->files[a->file], e->line);
	else
		map_set(seen, key, (void *)(intptr_t)a->index);
	free(key);
	return (rc);
}

/* ISO 8601 with microseconds (record_time's) to microseconds, or 0. */
static uint64_t
merge_time(const char *s)
{
	struct tm	 tm;
	const char	*p;
	uint64_t	 us = 0;
	int		 d = 0;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || (p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return (0);
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9' && d < 6; p++, d++)
			us = us * 10 + (uint64_t)(*p - '0');
	}
	for (; d < 6; d++)
		us *= 10;
	return ((uint64_t)timegm(&tm) * 1000000 + us);
}

/* The merged run_start: shard 1's, for the whole run, naming every shard. */
static json_t *
merge_run_start(struct merge *m)
{
	json_t		*rec, *sh, *list;
	const char	*t, *first = NULL;
	int		 k;

	rec = json_deep_copy(m->shard[0]->start);
	sh = json_object_get(rec, "shard");
	list = json_array();
	for (k = 0; k < m->count; k++) {
		json_t *s = m->shard[k]->start;

		t = merge_str(s, "time");
		if (t != NULL && (first == NULL || strcmp(t, first) < 0))
			first = t;
		json_array_append_new(list, json_pack("{s:i, s:s?, s:s?, s:I, "
		    "s:I, s:s, s:I}", "index", k + 1, "time", t, "host",
		    merge_str(s, "host"), "pid", (json_int_t)merge_int(s, "pid"),
		    "pairs", (json_int_t)merge_int(s, "pairs"), "file",
		    m->files[m->shard[k]->file], "line",
		    (json_int_t)m->shard[k]->start_line));
	}
	if (first != NULL)
		json_object_set_new(rec, "time", json_string(first));
	json_object_set_new(rec, "pairs", json_integer(merge_int(sh,
	    "run_pairs")));
	json_object_set_new(sh, "index", json_null());
	json_object_set_new(sh, "merged", list);
	return (rec);
}

/* The merged run_end: totals added up, the run's span, its exit status. */
static json_t *
merge_run_end(struct merge *m)
{
	json_t		*rec, *tot, *t, *v, *list;
	const char	*key, *aborted = NULL;
	uint64_t	 start = 0, end = 0, s, e;
	int		 k, interrupted = 0, status, failed;
	char		*when;

	rec = json_deep_copy(m->shard[0]->end);
	tot = json_object();
	list = json_array();
	for (k = 0; k < m->count; k++) {
		json_t *en = m->shard[k]->end;

		json_object_foreach(json_object_get(en, "totals"), key, v) {
			t = json_object_get(tot, key);
			json_object_set_new(tot, key, json_integer(
			    json_integer_value(v) + (t != NULL ?
			    json_integer_value(t) : 0)));
		}
		s = merge_time(merge_str(m->shard[k]->start, "time"));
		e = merge_time(merge_str(en, "time"));
		if (start == 0 || (s != 0 && s < start))
			start = s;
		if (e > end)
			end = e;
		interrupted |= json_is_true(json_object_get(en, "interrupted"));
		if (aborted == NULL)
			aborted = merge_str(en, "aborted");
		json_array_append_new(list, json_pack("{s:i, s:I, s:I}", "index",
		    k + 1, "duration_us", (json_int_t)merge_int(en,
		    "duration_us"), "exit_status", (json_int_t)merge_int(en,
		    "exit_status")));
	}
	failed = merge_int(tot, "fail") + merge_int(tot, "error") +
	    merge_int(tot, "timeout") + merge_int(tot, "cancelled") +
	    merge_int(tot, "aborted") > 0;
	status = failed ? KONG_EXIT_FAILED : KONG_EXIT_OK;
	if (aborted != NULL)
		status = KONG_EXIT_ABORTED;
	if (interrupted)
		status = KONG_EXIT_INTERRUPTED;
	when = record_time(end);
	json_object_set_new(rec, "time", json_string(when));
	free(when);
	json_object_set_new(rec, "duration_us", json_integer(end > start ?
	    (json_int_t)(end - start) : 0));
	json_object_set_new(rec, "totals", tot);
	json_object_set_new(rec, "interrupted", json_boolean(interrupted));
	json_object_set_new(rec, "aborted", aborted != NULL ?
	    json_string(aborted) : json_null());
	json_object_set_new(rec, "write_errors", json_integer(0));
	json_object_set_new(rec, "exit_status", json_integer(status));
	t = json_object_get(rec, "shard");
	if (json_is_object(t)) {
		json_object_set_new(t, "index", json_null());
		json_object_set_new(t, "merged", list);
	} else
		json_decref(list);
	return (rec);
}

/* Pass 3: one result record, as it was. */
static int
merge_write_cb(struct merge *m, struct merge_attempt *a,
    struct results_entry *e, void *arg)
{
	(void)m;
	(void)a;
	return (record_write(arg, json_incref(e->json)) == 0 ? 0 :
	    KONG_EXIT_IO);
}

/* Whether the output already holds the run (merged before). */
static int
merge_out_has_run(const char *out, const char *run)
{
	struct results_reader	*rd;
	struct results_entry	 e;
	char			*cause;
	int			 found = 0;

	if (strcmp(out, "-") == 0 || access(out, F_OK) != 0)
		return (0);
	if ((rd = results_reader_open(out, &cause)) == NULL) {
		free(cause);
		return (0);
	}
	while (!found && results_reader_next(rd, &e) == 1) {
		found = e.kind == RESULTS_RUN_START && merge_str(e.json, "run") !=
		    NULL && strcmp(merge_str(e.json, "run"), run) == 0;
	}
	results_reader_close(rd);
	return (found);
}

/* Write the merged run. */
static int
merge_write(struct merge *m, const char *out)
{
	struct record_log	 log;
	char			*cause;
	int			 rc;

	if (merge_out_has_run(out, m->run))
		return (merge_error("%s already holds run %s", out, m->run));
	if (record_open(&log, out, &cause) != 0) {
		fprintf(stderr, "kong merge: cannot open %s\n", cause);
		free(cause);
		return (KONG_EXIT_IO);
	}
	record_write(&log, merge_run_start(m));
	rc = merge_each(m, merge_write_cb, &log);
	record_write(&log, merge_run_end(m));
	if (rc == 0 && log.errors > 0) {
		fprintf(stderr, "kong merge: %zu record%s could not be written to "
		    "%s: %s\n", log.errors, log.errors == 1 ? "" : "s", out,
		    strerror(log.last_errno));
		rc = KONG_EXIT_IO;
	}
	record_close(&log);
	return (rc);
}

enum {
	MERGE_O_OUTPUT = 1000,
	MERGE_O_RUN,
};

static const struct cli_option merge_options[] = {
	{ "output", 'o', CLI_ARG, "FILE", "append the merged run to FILE "
	    "(default: standard output)", MERGE_O_OUTPUT },
	{ "run", 0, CLI_ARG, "ID", "the run to merge (default: the last run "
	    "of the first log)", MERGE_O_RUN },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static int
merge_exec(const struct cli_cmd *cmd, struct cli_args *a)
{
	struct merge	 m;
	struct map	 seen;
	const char	*out = "-";
	size_t		 i;
	int		 rc = 0;

	memset(&m, 0, sizeof m);
	m.cmd = cmd;
	for (i = 0; i < a->nopts; i++) {
		if (a->opts[i].id == MERGE_O_OUTPUT)
			out = a->opts[i].arg;
		else if (a->opts[i].id == MERGE_O_RUN)
			m.run = xstrdup(a->opts[i].arg);
	}
	if (a->argc == 0)
		return (cli_usage(cmd, "no shard log given"));
	m.files = a->argv;
	m.nfiles = (size_t)a->argc;
	for (i = 0; i < m.nfiles; i++) {
		if (strcmp(m.files[i], "-") == 0)
			return (cli_usage(cmd, "shard logs are read more than "
			    "once: name files, not '-'"));
	}
	map_init(&seen);
	if (m.run == NULL)
		rc = merge_pick_run(&m);
	for (i = 0; rc == 0 && i < m.nfiles; i++)
		rc = merge_scan(&m, i);
	if (rc == 0)
		rc = merge_choose(&m);
	if (rc == 0)
		rc = merge_check(&m);
	if (rc == 0)
		rc = merge_each(&m, merge_pair_cb, &seen);
	if (rc == 0)
		rc = merge_write(&m, out);
	map_free(&seen, NULL);
	for (i = 0; i < m.n; i++) {
		json_decref(m.v[i].start);
		json_decref(m.v[i].end);
	}
	free(m.v);
	free(m.shard);
	free(m.run);
	return (rc);
}

const struct cli_cmd cli_merge_cmd = {
	"merge",
	"[--run ID] [-o FILE] SHARD.jsonl...",
	"join the shard logs of one sharded run into one, checking they add up",
	"Reads the logs that kong check --shard K/N wrote on several machines\n"
	"and writes one run: its run_start, every result, and a run_end for\n"
	"the whole fleet. Every shard of the run must be there exactly once and\n"
	"finished, with the same inventory hash, selection and options, each\n"
	"pair once and the counts consistent; otherwise nothing is written and\n"
	"the exit status is 2, naming the shard. A log may hold other runs and\n"
	"retried attempts of its shard: the last attempt counts. Exit status:\n"
	"0 merged, 2 the shards do not add up, 3 the output could not be\n"
	"written; the merged run_end's exit_status is the sweep's.",
	0,
	merge_options,
	-1,
	merge_exec,
};
