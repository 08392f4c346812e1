/*
 * store.c: the history store in SQLite (store.h, docs/store.md).
 *
 * Tables: logs (how far each log was read, and how to know it again after
 * logrotate), runs, pairs, latest (one row per pair: its last result, the
 * full record, the failing streak and the last STORE_SPARK durations),
 * results (raw, for the retention period; unique on run and pair, which is
 * what makes ingesting twice count once) and rollups (per pair, hour and
 * day: count, failures, min/max/sum of durations and a small histogram).
 *
 * Every write happens inside a transaction (WAL mode), so a kill -9 loses
 * at most the open batch, and the log offsets committed with it say where
 * the next ingest resumes. Statements are prepared once.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <unistd.h>

#include "map.h"
#include "store.h"

#define STORE_SCHEMA	2

static const char store_schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) "
    "WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS logs(id INTEGER PRIMARY KEY, path TEXT NOT "
    "NULL, dev INTEGER, ino INTEGER, head TEXT, offset INTEGER NOT NULL "
    "DEFAULT 0, updated_us INTEGER);"
    "CREATE INDEX IF NOT EXISTS logs_head ON logs(head);"
    "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, name TEXT NOT "
    "NULL UNIQUE, command TEXT, inventory TEXT, host TEXT, start_us INTEGER, "
    "end_us INTEGER, duration_us INTEGER, pairs INTEGER, results INTEGER NOT "
    "NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0, exit_status "
    "INTEGER, interrupted INTEGER, totals TEXT, ended INTEGER NOT NULL "
    "DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS runs_start ON runs(start_us);"
    "CREATE TABLE IF NOT EXISTS pairs(id INTEGER PRIMARY KEY, site TEXT NOT "
    "NULL, test TEXT NOT NULL, server TEXT NOT NULL DEFAULT '', type TEXT, "
    "url TEXT, UNIQUE(site, test, server));"
    "CREATE TABLE IF NOT EXISTS latest(pair INTEGER PRIMARY KEY, run "
    "INTEGER, start_us INTEGER, status INTEGER, eclass INTEGER, duration_us "
    "INTEGER, message TEXT, since_us INTEGER, streak INTEGER NOT NULL "
    "DEFAULT 0, spark BLOB, record TEXT);"
    /*
     * Keyed on (pair, start, run): a pair's history is one range of the
     * table itself, and a record read twice has the same key, so it is
     * stored once. Without a rowid, to keep rows small.
     */
    "CREATE TABLE IF NOT EXISTS results(pair INTEGER NOT NULL, start_us "
    "INTEGER NOT NULL, run INTEGER NOT NULL, status INTEGER, eclass "
    "INTEGER, failed INTEGER, duration_us INTEGER, attempts INTEGER, "
    "message TEXT, file TEXT, line INTEGER, command TEXT, steps TEXT, log "
    "INTEGER, offset INTEGER, PRIMARY KEY(pair, start_us, run)) WITHOUT "
    "ROWID;"
    "CREATE INDEX IF NOT EXISTS results_run ON results(run);"
    "CREATE INDEX IF NOT EXISTS results_failed ON results(start_us) WHERE "
    "failed;"
    "CREATE TABLE IF NOT EXISTS rollups(pair INTEGER NOT NULL, period "
    "INTEGER NOT NULL, t INTEGER NOT NULL, count INTEGER, failures INTEGER, "
    "min_us INTEGER, max_us INTEGER, sum_us INTEGER, hist BLOB, PRIMARY "
    "KEY(pair, period, t)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS rollups_cold(pair INTEGER NOT NULL, period "
    "INTEGER NOT NULL, block INTEGER NOT NULL, packed BLOB NOT NULL, "
    "PRIMARY KEY(pair, period, block)) WITHOUT ROWID;";

/* The prepared statements, listed once. */
#define STORE_STMTS(X)							\
	X(PAIR_GET, "SELECT id FROM pairs WHERE site = ? AND test = ? AND "	\
	    "server = ?")						\
	X(PAIR_ADD, "INSERT INTO pairs(site, test, server, type, url) "	\
	    "VALUES (?, ?, ?, ?, ?)")					\
	X(RUN_GET, "SELECT id, ended FROM runs WHERE name = ?")		\
	X(RUN_ADD, "INSERT INTO runs(name) VALUES (?)")			\
	X(RUN_START, "UPDATE runs SET command = ?, inventory = ?, host = ?, " \
	    "start_us = ?, pairs = ? WHERE id = ?")			\
	X(RUN_END, "UPDATE runs SET end_us = ?, duration_us = ?, "	\
	    "exit_status = ?, interrupted = ?, totals = ?, ended = 1, "	\
	    "start_us = coalesce(start_us, ? - ?) WHERE id = ?")		\
	X(RUN_COUNT, "UPDATE runs SET results = results + ?, failures = "	\
	    "failures + ?, start_us = coalesce(start_us, ?) WHERE id = ?") \
	X(RES_ADD, "INSERT OR IGNORE INTO results(pair, run, start_us, "	\
	    "status, eclass, failed, duration_us, attempts, message, file, " \
	    "line, command, steps, log, offset) VALUES (?, ?, ?, ?, ?, ?, ?, " \
	    "?, ?, ?, ?, ?, ?, ?, ?)")					\
	X(PAIRS_LOAD, "SELECT p.id, p.site, p.test, p.server, l.start_us, " \
	    "l.since_us, l.streak, l.spark FROM pairs p LEFT JOIN latest l " \
	    "ON l.pair = p.id")						\
	X(LATEST_GET, "SELECT start_us, since_us, streak, spark FROM latest " \
	    "WHERE pair = ?")						\
	X(DATA_VERSION, "PRAGMA data_version")				\
	X(META_GET, "SELECT value FROM meta WHERE key = ?")		\
	X(META_SET, "INSERT OR REPLACE INTO meta VALUES (?, ?)")	\
	X(LATEST_PUT, "INSERT OR REPLACE INTO latest(pair, run, start_us, "	\
	    "status, eclass, duration_us, message, since_us, streak, spark, " \
	    "record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")		\
	X(ROLLUP_ADD, "UPDATE rollups SET count = count + ?4, failures = "	\
	    "failures + ?5, min_us = min(min_us, ?6), max_us = max(max_us, " \
	    "?7), sum_us = sum_us + ?8, hist = kong_hist_merge(hist, ?9) "	\
	    "WHERE pair = ?1 AND period = ?2 AND t = ?3")		\
	X(ROLLUP_NEW, "INSERT INTO rollups VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)") \
	X(LOG_BY_HEAD, "SELECT id, offset FROM logs WHERE head = ? ORDER BY " \
	    "updated_us DESC LIMIT 1")					\
	X(LOG_BY_INODE, "SELECT id, offset, head FROM logs WHERE dev = ? AND " \
	    "ino = ? ORDER BY updated_us DESC LIMIT 1")			\
	X(LOG_BY_PATH, "SELECT id FROM logs WHERE path = ? ORDER BY "	\
	    "updated_us DESC LIMIT 1")					\
	X(LOG_ADD, "INSERT INTO logs(path, dev, ino, head, offset, "	\
	    "updated_us) VALUES (?, ?, ?, ?, 0, ?)")			\
	X(LOG_SET, "UPDATE logs SET path = ?, dev = ?, ino = ?, head = ?, " \
	    "offset = ?, updated_us = ? WHERE id = ?")

enum store_stmt {
#define STORE_STMT_ENUM(e, s) STMT_##e,
	STORE_STMTS(STORE_STMT_ENUM)
#undef STORE_STMT_ENUM
	STMT__COUNT
};

static const char *const store_sql[STMT__COUNT] = {
#define STORE_STMT_SQL(e, s) s,
	STORE_STMTS(STORE_STMT_SQL)
#undef STORE_STMT_SQL
};

/*
 * A rollup a transaction has added to and not yet written: kept in memory
 * while the pair's results fall in the same period, so a batch of results
 * costs one write per pair and period instead of one per result.
 */
struct store_rollup {
	struct store_rollup *next;	/* on the store's spare list */
	int64_t		 t;
	int64_t		 count;
	int64_t		 failures;
	int64_t		 min;
	int64_t		 max;
	int64_t		 sum;
	uint64_t	 hist[STORE_HIST_BUCKETS];
};

/*
 * A pair as this connection knows it: its id; its latest row as last read
 * or written here, valid while gen is the store's (no other connection
 * has written since: PRAGMA data_version); and what the open transaction
 * has pending for it, written once at commit.
 */
struct store_pair {
	int64_t		 id;
	unsigned	 gen;		/* the latest row below is known */
	int		 have;		/* the pair has a latest row */
	uint64_t	 start_us;
	int64_t		 since;
	int64_t		 streak;
	unsigned char	 spark[STORE_SPARK * 5];
	size_t		 nspark;

	int		 pending;	/* listed in the store's dirty */
	int		 dirty;		/* the latest row changed */
	int64_t		 run;
	int		 status;
	int		 eclass;
	int64_t		 duration_us;
	char		*message;
	char		*record;
	struct store_rollup *ru[2];	/* the hour and the day, or NULL */
};

struct store_run {
	int64_t		 id;
	int		 ended;
	int64_t		 results;	/* pending counts */
	int64_t		 failures;
	uint64_t	 first_us;
};

struct store {
	sqlite3		*db;
	char		*path;
	int		 flags;
	int		 tx;		/* begin depth */
	long		 retention_ms;
	char		*error;
	sqlite3_stmt	*st[STMT__COUNT];
	struct map	 pairs;		/* "site\037test\037server" -> pair */
	struct map	 runs;		/* name -> struct store_run */
	unsigned	 gen;		/* of what is known of latest rows */
	int64_t		 data_version;
	struct store_pair **dirty;	/* pairs with something pending */
	size_t		 ndirty;
	size_t		 dirtycap;
	struct store_rollup *spare;	/* written, to be used again */
};

/* Remember what SQLite said, for store_error. Returns -1. */
static int
store_fail(struct store *s, const char *what)
{
	free(s->error);
	s->error = xstrfmt("%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
	return (-1);
}

/* A statement, reset and ready for its parameters. */
static sqlite3_stmt *
store_stmt(struct store *s, enum store_stmt which)
{
	sqlite3_stmt	*st = s->st[which];

	if (st == NULL) {
		if (sqlite3_prepare_v3(s->db, store_sql[which], -1,
		    SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
			fatal("store: cannot prepare %s: %s", store_sql[which],
			    sqlite3_errmsg(s->db));
		s->st[which] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (st);
}

static void
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

/* A histogram bucket: 4 per doubling above 64 us. */
static int
store_hist_bucket(int64_t us)
{
	int	b;

	if (us < 64)
		return (0);
	b = 1 + (int)floor(4.0 * log2((double)us / 64.0));
	return (b >= STORE_HIST_BUCKETS ? STORE_HIST_BUCKETS - 1 : b);
}

/* The middle of a bucket, in microseconds. */
static int64_t
store_hist_value(int b)
{
	if (b == 0)
		return (32);
	return ((int64_t)(64.0 * exp2(((double)b - 0.5) / 4.0)));
}

/* Varints: 7 bits a byte, low first, the top bit set on all but the last. */
static size_t
store_varint_put(unsigned char *p, uint64_t v)
{
	size_t	n = 0;

	do {
		p[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
	return (n);
}

/* A varint at *p (advanced), or 0 at the end. */
static uint64_t
store_varint_get(const unsigned char **p, const unsigned char *end)
{
	uint64_t	v = 0;
	int		shift = 0;

	while (*p < end && shift < 63) {
		v |= (uint64_t)(**p & 0x7f) << shift;
		shift += 7;
		if ((*(*p)++ & 0x80) == 0)
			break;
	}
	return (v);
}

/* Decode a histogram blob (pairs of bucket byte, varint count). */
void
store_hist_decode(const void *blob, size_t len, uint64_t *h)
{
	const unsigned char	*p = blob, *end = p + len;
	uint64_t		 v;
	int			 b;

	memset(h, 0, STORE_HIST_BUCKETS * sizeof *h);
	while (p < end) {
		b = *p++;
		v = store_varint_get(&p, end);
		if (b < STORE_HIST_BUCKETS)
			h[b] += v;
	}
}

/* Encode a histogram into buf (at most STORE_HIST_BUCKETS * 11 bytes). */
static size_t
store_hist_encode(const uint64_t *h, unsigned char *buf)
{
	size_t	n = 0;
	int	b;

	for (b = 0; b < STORE_HIST_BUCKETS; b++) {
		if (h[b] == 0)
			continue;
		buf[n++] = (unsigned char)b;
		n += store_varint_put(buf + n, h[b]);
	}
	return (n);
}

/* The value below which a fraction q of the counts fall, or -1. */
int64_t
store_hist_percentile(const uint64_t *h, double q)
{
	uint64_t	total = 0, seen = 0;
	int		b;

	for (b = 0; b < STORE_HIST_BUCKETS; b++)
		total += h[b];
	if (total == 0)
		return (-1);
	for (b = 0; b < STORE_HIST_BUCKETS; b++) {
		seen += h[b];
		if ((double)seen >= q * (double)total)
			return (store_hist_value(b));
	}
	return (store_hist_value(STORE_HIST_BUCKETS - 1));
}

/* SQL kong_hist_merge(a, b): the sum of two histogram blobs. */
static void
store_hist_merge_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	uint64_t	a[STORE_HIST_BUCKETS], b[STORE_HIST_BUCKETS];
	unsigned char	out[STORE_HIST_BUCKETS * 11];
	size_t		i, n;

	(void)argc;
	store_hist_decode(sqlite3_value_blob(argv[0]),
	    (size_t)sqlite3_value_bytes(argv[0]), a);
	store_hist_decode(sqlite3_value_blob(argv[1]),
	    (size_t)sqlite3_value_bytes(argv[1]), b);
	for (i = 0; i < STORE_HIST_BUCKETS; i++)
		a[i] += b[i];
	n = store_hist_encode(a, out);
	sqlite3_result_blob(ctx, out, (int)n, SQLITE_TRANSIENT);
}

/* Decode a sparkline blob into up to STORE_SPARK entries, oldest first. */
size_t
store_spark_decode(const void *blob, size_t len, struct store_spark *out)
{
	const unsigned char	*p = blob;
	size_t			 i, n = len / 5;

	if (n > STORE_SPARK)
		n = STORE_SPARK;
	for (i = 0; i < n; i++, p += 5) {
		out[i].status = p[0];
		out[i].ms10 = (uint32_t)p[1] | (uint32_t)p[2] << 8 |
		    (uint32_t)p[3] << 16 | (uint32_t)p[4] << 24;
	}
	return (n);
}

/* Run SQL without results. */
static int
store_exec(struct store *s, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		free(s->error);
		s->error = xstrfmt("%s: %s", s->path, msg != NULL ? msg :
		    sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return (-1);
	}
	return (0);
}

/* Done with what was pending for a pair; its rollups are kept as spares. */
static void
store_pair_clear(struct store *s, struct store_pair *p)
{
	size_t	i;

	free(p->message);
	free(p->record);
	p->message = p->record = NULL;
	for (i = 0; i < nitems(p->ru); i++) {
		if (p->ru[i] != NULL) {
			p->ru[i]->next = s->spare;
			s->spare = p->ru[i];
			p->ru[i] = NULL;
		}
	}
	p->pending = p->dirty = 0;
}

static void
store_pair_free(void *v)
{
	struct store_pair	*p = v;

	free(p->message);
	free(p->record);
	free(p->ru[0]);
	free(p->ru[1]);
	free(p);
}

/* Drop what is pending and what is cached (after a rollback or a reset). */
static void
store_forget(struct store *s)
{
	struct store_rollup	*ru;

	while ((ru = s->spare) != NULL) {
		s->spare = ru->next;
		free(ru);
	}
	map_free(&s->runs, free);
	map_free(&s->pairs, store_pair_free);
	map_init(&s->runs);
	map_init(&s->pairs);
	s->ndirty = 0;
}

static int	store_flush(struct store *);

/*
 * Open (and create, unless STORE_READONLY) the store at path. NULL and a
 * cause if it cannot be opened or is not a Kong store.
 */
struct store *
store_open(const char *path, int flags, char **cause)
{
	struct store	*s;
	int		 oflags;

	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	s->flags = flags;
	s->retention_ms = 90L * 86400 * 1000;
	map_init(&s->pairs);
	map_init(&s->runs);
	oflags = (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK) {
		*cause = xstrfmt("%s: %s", path, s->db != NULL ?
		    sqlite3_errmsg(s->db) : "out of memory");
		store_close(s);
		return (NULL);
	}
	sqlite3_busy_timeout(s->db, 10000);
	sqlite3_create_function(s->db, "kong_hist_merge", 2, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, store_hist_merge_fn, NULL, NULL);
	if (!(flags & STORE_READONLY) &&
	    (store_exec(s, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;"
	    /* Results land all over their key: keep more of the tree. */
	    "PRAGMA cache_size = -32768;") != 0 ||
	    store_begin(s) != 0 || store_exec(s, store_schema) != 0 ||
	    store_exec(s, "INSERT OR IGNORE INTO meta VALUES ('schema', '2')")
	    != 0 || store_commit(s) != 0)) {
		*cause = xstrdup(s->error);
		store_close(s);
		return (NULL);
	}
	if (store_exec(s, "SELECT count(*) FROM latest") != 0) {
		*cause = xstrfmt("%s: not a Kong store (%s)", path, s->error);
		store_close(s);
		return (NULL);
	}
	return (s);
}

/* Close the store, rolling back what was not committed; NULL is allowed. */
void
store_close(struct store *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < STMT__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	if (s->db != NULL) {
		if (s->tx > 0)
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(s->db);
	}
	store_forget(s);
	free(s->dirty);
	free(s->error);
	free(s->path);
	free(s);
}

/* The SQLite handle, for modules keeping their own tables. */
sqlite3 *
store_db(struct store *s)
{
	return (s->db);
}

/* Where the store is. */
const char *
store_path(const struct store *s)
{
	return (s->path);
}

/* What the last failure was. */
const char *
store_error(const struct store *s)
{
	return (s->error != NULL ? s->error : "no error");
}

/* Begin a transaction, or join the open one. */
int
store_begin(struct store *s)
{
	sqlite3_stmt	*st = NULL;

	if (s->tx++ > 0)
		return (0);
	/*
	 * A statement stepped but not reset holds a read snapshot; in WAL
	 * mode, once another connection (alerting) has written, BEGIN
	 * IMMEDIATE on that old snapshot fails at once with SQLITE_BUSY.
	 */
	while ((st = sqlite3_next_stmt(s->db, st)) != NULL)
		sqlite3_reset(st);
	if (store_exec(s, "BEGIN IMMEDIATE") != 0) {
		s->tx = 0;
		return (-1);
	}
	/*
	 * The latest rows known from before are stale if another connection
	 * (an ingest, kong serve running a test) has written since.
	 */
	st = store_stmt(s, STMT_DATA_VERSION);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_int64(st, 0) != s->data_version) {
		s->data_version = sqlite3_column_int64(st, 0);
		s->gen++;
	}
	sqlite3_reset(st);
	return (0);
}

/* Commit, when the outermost begin ends. */
int
store_commit(struct store *s)
{
	sqlite3_stmt	*st = NULL;

	if (s->tx == 0 || --s->tx > 0)
		return (0);
	if (store_flush(s) != 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		store_forget(s);
		return (-1);
	}
	/*
	 * A statement left stepped keeps this connection reading after the
	 * commit, and the checkpoint that the commit runs then copies
	 * nothing: the WAL would grow for the whole ingest (20 GB for 13 M
	 * results). Done with them first.
	 */
	while ((st = sqlite3_next_stmt(s->db, st)) != NULL)
		sqlite3_reset(st);
	if (store_exec(s, "COMMIT") != 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		store_forget(s);
		return (-1);
	}
	return (0);
}

/* Give up the open transaction, however deep. */
void
store_rollback(struct store *s)
{
	if (s->tx == 0)
		return;
	s->tx = 0;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	store_forget(s);
}

/* Whether a transaction is open. */
int
store_in_transaction(const struct store *s)
{
	return (s->tx > 0);
}

/* How long raw results are kept ([kong] retention), in milliseconds. */
void
store_set_retention(struct store *s, long ms)
{
	if (ms > 0)
		s->retention_ms = ms;
}

/* The run called name, created if new (cached until a rollback). */
static struct store_run *
store_run(struct store *s, const char *name)
{
	struct store_run	*run;
	sqlite3_stmt		*st;

	if ((run = map_get(&s->runs, name)) != NULL)
		return (run);
	run = xcalloc(1, sizeof *run);
	st = store_stmt(s, STMT_RUN_GET);
	store_bind_text(st, 1, name);
	if (sqlite3_step(st) == SQLITE_ROW) {
		run->id = sqlite3_column_int64(st, 0);
		run->ended = sqlite3_column_int(st, 1);
	} else {
		st = store_stmt(s, STMT_RUN_ADD);
		store_bind_text(st, 1, name);
		if (sqlite3_step(st) != SQLITE_DONE) {
			free(run);
			store_fail(s, "adding a run");
			return (NULL);
		}
		run->id = sqlite3_last_insert_rowid(s->db);
	}
	map_set(&s->runs, name, run);
	return (run);
}

/* The id of the run called name, created if new; *ended if it has ended. */
static int64_t
store_run_id(struct store *s, const char *name, int *ended)
{
	struct store_run	*run;

	if ((run = store_run(s, name)) == NULL)
		return (-1);
	if (ended != NULL)
		*ended = run->ended;
	return (run->id);
}

static const char *
store_json_str(json_t *o, const char *key)
{
	return (json_string_value(json_object_get(o, key)));
}

/* A run_start record. Returns 0 or -1. */
int
store_run_start(struct store *s, json_t *rec)
{
	sqlite3_stmt	*st;
	int64_t		 id;

	if (store_json_str(rec, "run") == NULL)
		return (0);
	if ((id = store_run_id(s, store_json_str(rec, "run"), NULL)) < 0)
		return (-1);
	st = store_stmt(s, STMT_RUN_START);
	store_bind_text(st, 1, store_json_str(rec, "command") != NULL ?
	    store_json_str(rec, "command") : "check");
	store_bind_text(st, 2, store_json_str(rec, "inventory"));
	store_bind_text(st, 3, store_json_str(rec, "host"));
	sqlite3_bind_int64(st, 4, (int64_t)results_time(store_json_str(rec,
	    "time")));
	sqlite3_bind_int64(st, 5, json_integer_value(json_object_get(rec,
	    "pairs")));
	sqlite3_bind_int64(st, 6, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_fail(s, "recording a run"));
	return (0);
}

/* A run_end record. Returns 0 or -1. */
int
store_run_end(struct store *s, json_t *rec)
{
	sqlite3_stmt	*st;
	char		*totals;
	int64_t		 id, end, dur;
	int		 rc;

	if (store_json_str(rec, "run") == NULL)
		return (0);
	if ((id = store_run_id(s, store_json_str(rec, "run"), NULL)) < 0)
		return (-1);
	end = (int64_t)results_time(store_json_str(rec, "time"));
	dur = json_integer_value(json_object_get(rec, "duration_us"));
	totals = json_dumps(json_object_get(rec, "totals"), JSON_COMPACT);
	st = store_stmt(s, STMT_RUN_END);
	sqlite3_bind_int64(st, 1, end);
	sqlite3_bind_int64(st, 2, dur);
	sqlite3_bind_int64(st, 3, json_integer_value(json_object_get(rec,
	    "exit_status")));
	sqlite3_bind_int(st, 4, json_is_true(json_object_get(rec,
	    "interrupted")));
	store_bind_text(st, 5, totals);
	sqlite3_bind_int64(st, 6, end);
	sqlite3_bind_int64(st, 7, dur);
	sqlite3_bind_int64(st, 8, id);
	rc = sqlite3_step(st);
	free(totals);
	if (rc != SQLITE_DONE)
		return (store_fail(s, "ending a run"));
	store_run(s, store_json_str(rec, "run"))->ended = 1;
	return (0);
}

/* Read what is known of latest rows into p (from PAIRS_LOAD or LATEST_GET). */
static void
store_pair_known(struct store *s, struct store_pair *p, sqlite3_stmt *st,
    int col)
{
	p->gen = s->gen;
	p->have = sqlite3_column_type(st, col) != SQLITE_NULL;
	if (!p->have)
		return;
	p->start_us = (uint64_t)sqlite3_column_int64(st, col);
	p->since = sqlite3_column_int64(st, col + 1);
	p->streak = sqlite3_column_int64(st, col + 2);
	p->nspark = (size_t)sqlite3_column_bytes(st, col + 3);
	if (p->nspark > sizeof p->spark)
		p->nspark = sizeof p->spark;
	if (p->nspark > 0)
		memcpy(p->spark, sqlite3_column_blob(st, col + 3), p->nspark);
}

/*
 * Know every pair and its latest row at once: one scan instead of two
 * lookups a pair, for a sweep or an ingest that will see most of them.
 */
int
store_load_pairs(struct store *s)
{
	struct store_pair	*p;
	sqlite3_stmt		*st;
	char			*key;
	int			 rc;

	st = store_stmt(s, STMT_PAIRS_LOAD);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		key = results_pair_key((const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3));
		if ((p = map_get(&s->pairs, key)) == NULL) {
			p = xcalloc(1, sizeof *p);
			p->id = sqlite3_column_int64(st, 0);
			map_set(&s->pairs, key, p);
		}
		if (p->gen != s->gen && !p->pending)
			store_pair_known(s, p, st, 4);
		free(key);
	}
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : store_fail(s, "reading the pairs"));
}

/* A pair, created if new (cached until a rollback). */
static struct store_pair *
store_pair(struct store *s, const struct result *r)
{
	struct store_pair	*p;
	sqlite3_stmt		*st;
	const char		*server = r->where.server != NULL ?
				    r->where.server : "";
	char			*key;

	key = results_pair_key(r->where.site, r->where.test, server);
	if ((p = map_get(&s->pairs, key)) != NULL) {
		free(key);
		return (p);
	}
	p = xcalloc(1, sizeof *p);
	st = store_stmt(s, STMT_PAIR_GET);
	store_bind_text(st, 1, r->where.site);
	store_bind_text(st, 2, r->where.test);
	store_bind_text(st, 3, server);
	if (sqlite3_step(st) == SQLITE_ROW)
		p->id = sqlite3_column_int64(st, 0);
	else {
		st = store_stmt(s, STMT_PAIR_ADD);
		store_bind_text(st, 1, r->where.site);
		store_bind_text(st, 2, r->where.test);
		store_bind_text(st, 3, server);
		store_bind_text(st, 4, r->where.type);
		store_bind_text(st, 5, r->where.url);
		if (sqlite3_step(st) != SQLITE_DONE) {
			free(key);
			free(p);
			store_fail(s, "adding a pair");
			return (NULL);
		}
		p->id = sqlite3_last_insert_rowid(s->db);
		p->gen = s->gen;	/* new: it has no latest row */
	}
	map_set(&s->pairs, key, p);
	free(key);
	return (p);
}

/* Append v in decimal. */
static void
store_add_int(struct buf *b, long long v)
{
	char			 tmp[24], *q = tmp + sizeof tmp;
	unsigned long long	 u = v < 0 ? 0 - (unsigned long long)v :
				    (unsigned long long)v;

	do
		*--q = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--q = '-';
	buf_add(b, q, (size_t)(tmp + sizeof tmp - q));
}

/* A result's steps as [[line, code, dns, connect, tls, first byte, total]]. */
static char *
store_steps(const struct result *r)
{
	struct buf	b;
	size_t		i;

	if (r->nsteps == 0)
		return (NULL);
	buf_init(&b);
	buf_addc(&b, '[');
	for (i = 0; i < r->nsteps; i++) {
		const struct step *p = &r->steps[i];
		long long v[7] = { p->line, p->code, (long long)p->t.dns,
		    (long long)p->t.connect, (long long)p->t.tls,
		    (long long)p->t.first_byte, (long long)p->t.total };
		size_t j;

		buf_adds(&b, i > 0 ? ",[" : "[");
		for (j = 0; j < nitems(v); j++) {
			if (j > 0)
				buf_addc(&b, ',');
			store_add_int(&b, v[j]);
		}
		buf_addc(&b, ']');
	}
	buf_addc(&b, ']');
	return (buf_steal(&b));
}

/* List a pair as having something pending, once a transaction. */
static void
store_pending(struct store *s, struct store_pair *p)
{
	if (p->pending)
		return;
	if (s->ndirty == s->dirtycap) {
		s->dirtycap = s->dirtycap == 0 ? 256 : s->dirtycap * 2;
		s->dirty = xreallocarray(s->dirty, s->dirtycap,
		    sizeof *s->dirty);
	}
	s->dirty[s->ndirty++] = p;
	p->pending = 1;
}

/* Write a pending rollup, merged into what the store has. */
static int
store_rollup_put(struct store *s, int64_t pair, int period,
    const struct store_rollup *ru)
{
	unsigned char	 hist[STORE_HIST_BUCKETS * 11];
	sqlite3_stmt	*st;
	size_t		 n;
	int		 i;

	/* An update, and an insert when there was nothing to update. */
	n = store_hist_encode(ru->hist, hist);
	for (i = 0; i < 2; i++) {
		st = store_stmt(s, i == 0 ? STMT_ROLLUP_ADD : STMT_ROLLUP_NEW);
		sqlite3_bind_int64(st, 1, pair);
		sqlite3_bind_int(st, 2, period);
		sqlite3_bind_int64(st, 3, ru->t);
		sqlite3_bind_int64(st, 4, ru->count);
		sqlite3_bind_int64(st, 5, ru->failures);
		sqlite3_bind_int64(st, 6, ru->min);
		sqlite3_bind_int64(st, 7, ru->max);
		sqlite3_bind_int64(st, 8, ru->sum);
		sqlite3_bind_blob(st, 9, hist, (int)n, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			return (store_fail(s, "adding to a rollup"));
		if (sqlite3_changes(s->db) > 0)
			break;
	}
	return (0);
}

static const int store_periods[2] = { STORE_HOUR, STORE_DAY };

/*
 * Add a result to the hourly and daily rollups of its pair. A result in
 * another period than the one pending (an ingest of a long log) writes
 * that one first.
 */
static int
store_rollup(struct store *s, struct store_pair *p, const struct result *r)
{
	struct store_rollup	*ru;
	int64_t			 t = (int64_t)(r->start_us / 1000000), t0;
	int64_t			 d = (int64_t)r->duration_us;
	size_t			 i;

	store_pending(s, p);
	for (i = 0; i < nitems(store_periods); i++) {
		t0 = t - t % store_periods[i];
		if ((ru = p->ru[i]) != NULL && ru->t != t0) {
			if (store_rollup_put(s, p->id, store_periods[i], ru) != 0)
				return (-1);
			memset(ru, 0, sizeof *ru);
		} else if (ru == NULL && (ru = s->spare) != NULL) {
			s->spare = ru->next;
			memset(ru, 0, sizeof *ru);
			p->ru[i] = ru;
		} else if (ru == NULL)
			ru = p->ru[i] = xcalloc(1, sizeof *ru);
		if (ru->count == 0) {
			ru->t = t0;
			ru->min = ru->max = d;
		}
		ru->count++;
		ru->failures += result_failed(r);
		ru->min = d < ru->min ? d : ru->min;
		ru->max = d > ru->max ? d : ru->max;
		ru->sum += d;
		ru->hist[store_hist_bucket(d)]++;
	}
	return (0);
}

/* Make sure what is known of a pair's latest row is current. */
static void
store_latest_get(struct store *s, struct store_pair *p)
{
	sqlite3_stmt	*st;

	if (p->gen == s->gen)
		return;
	st = store_stmt(s, STMT_LATEST_GET);
	sqlite3_bind_int64(st, 1, p->id);
	if (sqlite3_step(st) == SQLITE_ROW)
		store_pair_known(s, p, st, 0);
	else {
		p->gen = s->gen;
		p->have = 0;
	}
}

/* Make r the latest result of its pair if it is newer than the one kept. */
static void
store_latest(struct store *s, struct store_pair *l, int64_t run,
    const struct result *r, const char *json, size_t len)
{
	unsigned char		*p;
	uint64_t		 ms10;

	store_latest_get(s, l);
	if (l->have && l->start_us > r->start_us)
		return;
	if (result_failed(r)) {
		if (!l->have || l->streak == 0)
			l->since = (int64_t)r->start_us;
		l->streak++;
	} else if (result_passed(r)) {
		l->streak = 0;
		l->since = 0;
	}
	if (r->status != RESULT_SKIPPED) {
		if (l->nspark == sizeof l->spark) {
			memmove(l->spark, l->spark + 5, l->nspark - 5);
			l->nspark -= 5;
		}
		p = l->spark + l->nspark;
		ms10 = r->duration_us / 100;
		if (ms10 > UINT32_MAX)
			ms10 = UINT32_MAX;
		p[0] = (unsigned char)r->status;
		p[1] = (unsigned char)ms10;
		p[2] = (unsigned char)(ms10 >> 8);
		p[3] = (unsigned char)(ms10 >> 16);
		p[4] = (unsigned char)(ms10 >> 24);
		l->nspark += 5;
	}
	store_pending(s, l);
	l->have = 1;
	l->dirty = 1;
	l->run = run;
	l->start_us = r->start_us;
	l->status = (int)r->status;
	l->eclass = (int)r->eclass;
	l->duration_us = (int64_t)r->duration_us;
	free(l->message);
	l->message = r->message != NULL ? xstrdup(r->message) : NULL;
	free(l->record);
	l->record = json != NULL ? xstrndup(json, len) : NULL;
}

/* Write what the transaction has pending, before it commits. */
static int
store_flush(struct store *s)
{
	struct store_pair	*l;
	struct store_run	*run;
	sqlite3_stmt		*st;
	size_t			 i, j;

	for (i = 0; i < s->ndirty; i++) {
		l = s->dirty[i];
		for (j = 0; j < nitems(store_periods); j++) {
			if (l->ru[j] != NULL && l->ru[j]->count > 0 &&
			    store_rollup_put(s, l->id, store_periods[j],
			    l->ru[j]) != 0)
				return (-1);
		}
		if (l->dirty) {
			st = store_stmt(s, STMT_LATEST_PUT);
			sqlite3_bind_int64(st, 1, l->id);
			sqlite3_bind_int64(st, 2, l->run);
			sqlite3_bind_int64(st, 3, (int64_t)l->start_us);
			sqlite3_bind_int(st, 4, l->status);
			sqlite3_bind_int(st, 5, l->eclass);
			sqlite3_bind_int64(st, 6, l->duration_us);
			store_bind_text(st, 7, l->message);
			if (l->since != 0)
				sqlite3_bind_int64(st, 8, l->since);
			sqlite3_bind_int64(st, 9, l->streak);
			sqlite3_bind_blob(st, 10, l->spark, (int)l->nspark,
			    SQLITE_TRANSIENT);
			store_bind_text(st, 11, l->record);
			if (sqlite3_step(st) != SQLITE_DONE)
				return (store_fail(s,
				    "updating the latest result"));
		}
		store_pair_clear(s, l);
	}
	s->ndirty = 0;
	for (i = 0; i < s->runs.cap; i++) {
		if (s->runs.v[i].key == NULL ||
		    (run = s->runs.v[i].value)->results == 0)
			continue;
		st = store_stmt(s, STMT_RUN_COUNT);
		sqlite3_bind_int64(st, 1, run->results);
		sqlite3_bind_int64(st, 2, run->failures);
		sqlite3_bind_int64(st, 3, (int64_t)run->first_us);
		sqlite3_bind_int64(st, 4, run->id);
		if (sqlite3_step(st) != SQLITE_DONE)
			return (store_fail(s, "counting results"));
		run->results = run->failures = 0;
		run->first_us = 0;
	}
	return (0);
}

/*
 * Add a result, with its record's JSON (json, len; may be NULL) and where
 * it is (a log id and offset, or -1). Returns 1 if it was new, 0 if the
 * store had it (or it has no site: kong run), -1 on an error. Call it
 * inside a transaction.
 */
int
store_add_result(struct store *s, const struct result *r, const char *json,
    size_t len, int64_t log, int64_t offset)
{
	struct store_run	*rs;
	struct store_pair	*pair;
	sqlite3_stmt		*st;
	char			*steps;
	int64_t			 run;
	uint64_t		 horizon;
	int			 ended, rc;

	if (r->where.site == NULL || r->where.test == NULL ||
	    r->where.run == NULL)
		return (0);
	if ((run = store_run_id(s, r->where.run, &ended)) < 0 ||
	    (pair = store_pair(s, r)) == NULL)
		return (-1);
	/*
	 * Past the retention period the raw row is pruned, so a second ingest
	 * of an old log would count again in the rollups: a run that has
	 * ended is known whole, and its old results are not taken again.
	 */
	horizon = realtime_usec() - (uint64_t)s->retention_ms * 1000;
	if (ended && r->start_us < horizon)
		return (0);
	steps = store_steps(r);
	st = store_stmt(s, STMT_RES_ADD);
	sqlite3_bind_int64(st, 1, pair->id);
	sqlite3_bind_int64(st, 2, run);
	sqlite3_bind_int64(st, 3, (int64_t)r->start_us);
	sqlite3_bind_int(st, 4, (int)r->status);
	sqlite3_bind_int(st, 5, (int)r->eclass);
	sqlite3_bind_int(st, 6, result_failed(r));
	sqlite3_bind_int64(st, 7, (int64_t)r->duration_us);
	sqlite3_bind_int(st, 8, r->attempts);
	store_bind_text(st, 9, r->message);
	store_bind_text(st, 10, r->file);
	sqlite3_bind_int(st, 11, r->line);
	store_bind_text(st, 12, r->command);
	if (steps != NULL)
		sqlite3_bind_text(st, 13, steps, -1, free);
	if (log >= 0)
		sqlite3_bind_int64(st, 14, log);
	if (offset >= 0)
		sqlite3_bind_int64(st, 15, offset);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		return (store_fail(s, "adding a result"));
	if (sqlite3_changes(s->db) == 0)
		return (0);
	rs = store_run(s, r->where.run);
	rs->results++;
	rs->failures += result_failed(r);
	if (rs->first_us == 0 || r->start_us < rs->first_us)
		rs->first_us = r->start_us;
	if (r->status != RESULT_SKIPPED && store_rollup(s, pair, r) != 0)
		return (-1);
	store_latest(s, pair, run, r, json, len);
	return (1);
}

/* The id of the log at path for results fed by a sweep (created if new). */
int
store_log_id(struct store *s, const char *path, int64_t *id)
{
	sqlite3_stmt	*st;
	struct stat	 sb;

	st = store_stmt(s, STMT_LOG_BY_PATH);
	store_bind_text(st, 1, path);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		return (0);
	}
	if (stat(path, &sb) != 0)
		memset(&sb, 0, sizeof sb);
	st = store_stmt(s, STMT_LOG_ADD);
	store_bind_text(st, 1, path);
	sqlite3_bind_int64(st, 2, (int64_t)sb.st_dev);
	sqlite3_bind_int64(st, 3, (int64_t)sb.st_ino);
	sqlite3_bind_int64(st, 5, (int64_t)realtime_usec());
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_fail(s, "adding a log"));
	*id = sqlite3_last_insert_rowid(s->db);
	return (0);
}

/* --- packed rollups ------------------------------------------------- */

#define STORE_COLD_UNIT_US	100

/*
 * The periods of a packed block (starting at block, seconds) into v, which
 * has room for STORE_COLD_SLOTS, in order. Returns how many. A block is a
 * 32-bit little-endian map of the slots it has, then for each: count,
 * failures, min, max and sum as varints, and the p50 and p95 buckets.
 */
size_t
store_cold_decode(int period, int64_t block, const void *blob, size_t len,
    struct store_cold *v)
{
	const unsigned char	*p = blob, *end = p + len;
	struct store_cold	*d;
	uint32_t		 have;
	size_t			 n = 0;
	int			 slot;

	if (len < 4)
		return (0);
	have = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
	p += 4;
	for (slot = 0; slot < STORE_COLD_SLOTS && p < end; slot++) {
		if ((have & (1U << slot)) == 0)
			continue;
		d = &v[n++];
		d->t = block + (int64_t)slot * period;
		d->count = (int64_t)store_varint_get(&p, end);
		d->failures = (int64_t)store_varint_get(&p, end);
		d->min_us = (int64_t)store_varint_get(&p, end) *
		    STORE_COLD_UNIT_US;
		d->max_us = (int64_t)store_varint_get(&p, end) *
		    STORE_COLD_UNIT_US;
		d->sum_us = (int64_t)store_varint_get(&p, end) *
		    STORE_COLD_UNIT_US;
		/* The percentiles are what the histogram knew: a bucket. */
		d->p50_us = p < end ? store_hist_value(*p++) : 0;
		d->p95_us = p < end ? store_hist_value(*p++) : 0;
	}
	return (n);
}

static uint64_t
store_cold_units(int64_t us)
{
	return (us <= 0 ? 0 : (uint64_t)((us + STORE_COLD_UNIT_US / 2) /
	    STORE_COLD_UNIT_US));
}

/* Write a pair's packed block from its slots (those with a count). */
static int
store_cold_put(struct store *s, sqlite3_stmt *put, int64_t pair, int period,
    int64_t block, const struct store_cold *day)
{
	unsigned char	 buf[4 + STORE_COLD_SLOTS * 52];
	uint32_t	 have = 0;
	size_t		 n = 4;
	int		 i, rc;

	for (i = 0; i < STORE_COLD_SLOTS; i++) {
		if (day[i].count == 0)
			continue;
		have |= 1U << i;
		n += store_varint_put(buf + n, (uint64_t)day[i].count);
		n += store_varint_put(buf + n, (uint64_t)day[i].failures);
		n += store_varint_put(buf + n, store_cold_units(day[i].min_us));
		n += store_varint_put(buf + n, store_cold_units(day[i].max_us));
		n += store_varint_put(buf + n, store_cold_units(day[i].sum_us));
		buf[n++] = (unsigned char)store_hist_bucket(day[i].p50_us);
		buf[n++] = (unsigned char)store_hist_bucket(day[i].p95_us);
	}
	buf[0] = (unsigned char)have;
	buf[1] = (unsigned char)(have >> 8);
	buf[2] = (unsigned char)(have >> 16);
	buf[3] = (unsigned char)(have >> 24);
	sqlite3_reset(put);
	sqlite3_bind_int64(put, 1, pair);
	sqlite3_bind_int(put, 2, period);
	sqlite3_bind_int64(put, 3, block);
	sqlite3_bind_blob(put, 4, buf, (int)n, SQLITE_STATIC);
	rc = sqlite3_step(put);
	return (rc == SQLITE_DONE ? 0 : store_fail(s, "packing rollups"));
}

/* A pair's packed block by slot (zero count: nothing in that period). */
static int
store_cold_get(struct store *s, sqlite3_stmt *get, int64_t pair, int period,
    int64_t block, struct store_cold *day)
{
	struct store_cold	 v[STORE_COLD_SLOTS];
	size_t			 n, i;
	int			 rc;

	memset(day, 0, STORE_COLD_SLOTS * sizeof *day);
	sqlite3_reset(get);
	sqlite3_bind_int64(get, 1, pair);
	sqlite3_bind_int(get, 2, period);
	sqlite3_bind_int64(get, 3, block);
	if ((rc = sqlite3_step(get)) == SQLITE_ROW) {
		n = store_cold_decode(period, block, sqlite3_column_blob(get, 0),
		    (size_t)sqlite3_column_bytes(get, 0), v);
		for (i = 0; i < n; i++)
			day[(v[i].t - block) / period] = v[i];
		return (0);
	}
	return (rc == SQLITE_DONE ? 0 : store_fail(s, "reading packed rollups"));
}

/*
 * A period into its slot. One already packed (a log of that time ingested
 * late) adds its counts, min, max and sum exactly; its p50 and p95 are
 * then those of the larger part.
 */
static void
store_cold_merge(struct store_cold *d, const struct store_cold *add)
{
	if (d->count == 0) {
		*d = *add;
		return;
	}
	if (add->count > d->count) {
		d->p50_us = add->p50_us;
		d->p95_us = add->p95_us;
	}
	d->count += add->count;
	d->failures += add->failures;
	d->min_us = add->min_us < d->min_us ? add->min_us : d->min_us;
	d->max_us = add->max_us > d->max_us ? add->max_us : d->max_us;
	d->sum_us += add->sum_us;
}

/*
 * Pack the rollups of a period older than before into rollups_cold, a
 * block of STORE_COLD_SLOTS periods per row and pair, and drop their rows.
 * Returns 0 or -1.
 */
static int
store_compact(struct store *s, int period, int64_t before)
{
	sqlite3_stmt		*sel = NULL, *get = NULL, *put = NULL;
	struct store_cold	 day[STORE_COLD_SLOTS], add;
	uint64_t		 h[STORE_HIST_BUCKETS];
	int64_t			 pair = -1, block = -1, p, t, b;
	int			 rc = -1, step;
	char			*sql;

	if (sqlite3_prepare_v2(s->db, "SELECT r.pair, r.t, r.count, "
	    "r.failures, r.min_us, r.max_us, r.sum_us, r.hist FROM pairs p "
	    "CROSS JOIN rollups r ON r.pair = p.id AND r.period = ? AND "
	    "r.t < ? ORDER BY r.pair, r.t", -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT packed FROM rollups_cold WHERE "
	    "pair = ? AND period = ? AND block = ?", -1, &get, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO "
	    "rollups_cold VALUES (?, ?, ?, ?)", -1, &put, NULL) != SQLITE_OK) {
		store_fail(s, "packing rollups");
		goto out;
	}
	sqlite3_bind_int(sel, 1, period);
	sqlite3_bind_int64(sel, 2, before);
	while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
		p = sqlite3_column_int64(sel, 0);
		t = sqlite3_column_int64(sel, 1);
		b = t - t % ((int64_t)period * STORE_COLD_SLOTS);
		if (p != pair || b != block) {
			if (pair != -1 && store_cold_put(s, put, pair, period,
			    block, day) != 0)
				goto out;
			pair = p;
			block = b;
			if (store_cold_get(s, get, pair, period, block, day) != 0)
				goto out;
		}
		memset(&add, 0, sizeof add);
		add.t = t - t % period;
		add.count = sqlite3_column_int64(sel, 2);
		add.failures = sqlite3_column_int64(sel, 3);
		add.min_us = sqlite3_column_int64(sel, 4);
		add.max_us = sqlite3_column_int64(sel, 5);
		add.sum_us = sqlite3_column_int64(sel, 6);
		store_hist_decode(sqlite3_column_blob(sel, 7),
		    (size_t)sqlite3_column_bytes(sel, 7), h);
		add.p50_us = store_hist_percentile(h, 0.5);
		add.p95_us = store_hist_percentile(h, 0.95);
		if (add.count > 0)
			store_cold_merge(&day[(add.t - block) / period], &add);
	}
	if (step != SQLITE_DONE) {
		store_fail(s, "packing rollups");
		goto out;
	}
	if (pair != -1 && store_cold_put(s, put, pair, period, block, day) != 0)
		goto out;
	sql = xstrfmt("DELETE FROM rollups WHERE (pair, period, t) IN (SELECT "
	    "r.pair, r.period, r.t FROM pairs p CROSS JOIN rollups r ON r.pair "
	    "= p.id AND r.period = %d AND r.t < %lld);", period,
	    (long long)before);
	rc = store_exec(s, sql);
	free(sql);
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	return (rc);
}

/* A number kept in meta, or def. */
static int64_t
store_meta_int(struct store *s, const char *key, int64_t def)
{
	sqlite3_stmt	*st;
	int64_t		 v = def;

	st = store_stmt(s, STMT_META_GET);
	store_bind_text(st, 1, key);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return (v);
}

static int
store_meta_set_int(struct store *s, const char *key, int64_t v)
{
	sqlite3_stmt	*st;

	st = store_stmt(s, STMT_META_SET);
	store_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, v);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_fail(s, "writing meta"));
	return (0);
}

/*
 * store_prune, if it has not run for STORE_PRUNE_EVERY_S: what it drops
 * and packs goes by the hour and the day, and its statements visit every
 * pair, so a sweep every minute need not pay for it every time.
 */
int
store_prune_due(struct store *s, uint64_t now_us)
{
	int64_t	last = store_meta_int(s, "pruned_us", 0);

	if (last > 0 && last <= (int64_t)now_us &&
	    (int64_t)now_us - last < (int64_t)STORE_PRUNE_EVERY_S * 1000000)
		return (store_flush(s));
	return (store_prune(s, now_us));
}

/* Drop raw results and rollups older than they are kept. */
int
store_prune(struct store *s, uint64_t now_us)
{
	char	*sql;
	int	 rc;
	int64_t	 now = (int64_t)(now_us / 1000000);

	/* What is pending first: the last batch's rollups get packed too. */
	if (store_flush(s) != 0)
		return (-1);
	/* Per pair, each a range of the results' key. */
	sql = xstrfmt("DELETE FROM results WHERE (pair, start_us, run) IN "
	    "(SELECT r.pair, r.start_us, r.run FROM pairs p CROSS JOIN results r ON "
	    "r.pair = p.id AND r.start_us < %lld);"
	    "DELETE FROM rollups WHERE (pair, period, t) IN (SELECT r.pair, "
	    "r.period, r.t FROM pairs p CROSS JOIN rollups r ON r.pair = p.id AND "
	    "r.period = %d AND r.t < %lld);"
	    "DELETE FROM rollups WHERE (pair, period, t) IN (SELECT r.pair, "
	    "r.period, r.t FROM pairs p CROSS JOIN rollups r ON r.pair = p.id AND "
	    "r.period = %d AND r.t < %lld);",
	    (long long)now_us - (long long)s->retention_ms * 1000, STORE_HOUR,
	    (long long)(now - STORE_HOURLY_KEEP_S), STORE_DAY,
	    (long long)(now - STORE_DAILY_KEEP_S));
	rc = store_exec(s, sql);
	free(sql);
	if (rc != 0 || store_compact(s, STORE_HOUR, now - STORE_HOUR_COLD_S) !=
	    0 || store_compact(s, STORE_DAY, now - STORE_DAY_COLD_S) != 0)
		return (-1);
	/* A block goes once its last period is past keeping. */
	sql = xstrfmt("DELETE FROM rollups_cold WHERE (pair, period, block) IN "
	    "(SELECT c.pair, c.period, c.block FROM pairs p CROSS JOIN "
	    "rollups_cold c ON c.pair = p.id AND ((c.period = %d AND c.block < "
	    "%lld) OR (c.period = %d AND c.block < %lld)));", STORE_HOUR,
	    (long long)(now - STORE_HOURLY_KEEP_S - STORE_HOUR *
	    STORE_COLD_SLOTS), STORE_DAY, (long long)(now - STORE_DAILY_KEEP_S -
	    STORE_DAY * STORE_COLD_SLOTS));
	rc = store_exec(s, sql);
	free(sql);
	if (rc != 0)
		return (-1);
	return (store_meta_set_int(s, "pruned_us", (int64_t)now_us));
}

/* Empty every table (kong store rebuild), inside a transaction. */
int
store_reset(struct store *s)
{
	store_forget(s);
	return (store_exec(s, "DELETE FROM latest; DELETE FROM results; "
	    "DELETE FROM rollups; DELETE FROM rollups_cold; DELETE FROM pairs; "
	    "DELETE FROM runs; "
	    "UPDATE logs SET offset = 0, head = NULL, dev = NULL, "
	    "ino = NULL;"));
}

/* The paths of the logs the store has read, newest first. Caller frees. */
char **
store_logs(struct store *s)
{
	sqlite3_stmt	*st;
	char		**v;
	size_t		 n = 0, cap = 8;

	v = xcalloc(cap + 1, sizeof *v);
	if (sqlite3_prepare_v2(s->db, "SELECT DISTINCT path FROM logs ORDER BY "
	    "id", -1, &st, NULL) != SQLITE_OK)
		return (v);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap *= 2;
			v = xreallocarray(v, cap + 1, sizeof *v);
		}
		v[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
		v[n] = NULL;
	}
	sqlite3_finalize(st);
	return (v);
}

/* FNV-1a of a line, as hex: how a log is known again after a rename. */
static void
store_head_hash(const char *p, size_t n, char *out)
{
	uint64_t	h = 1469598103934665603ULL;
	size_t		i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* The log's first line's hash, or "" if it has no whole first line yet. */
static int
store_read_head(int fd, char *hash)
{
	char	buf[8192];
	char	*nl;
	ssize_t	 got;

	*hash = '\0';
	if ((got = pread(fd, buf, sizeof buf, 0)) < 0)
		return (-1);
	if ((nl = memchr(buf, '\n', (size_t)got)) != NULL)
		store_head_hash(buf, (size_t)(nl - buf), hash);
	else if (got == (ssize_t)sizeof buf)
		store_head_hash(buf, sizeof buf, hash);
	return (0);
}

/*
 * Which log this is and where to continue: known by its first line (a
 * renamed log continues), or by its inode with another first line or a
 * size below what was read (truncated: from the start), else new.
 */
static int
store_ingest_where(struct store *s, const char *path, const struct stat *sb,
    const char *head, int64_t *id, int64_t *offset, const char **how)
{
	sqlite3_stmt	*st;

	*id = -1;
	*offset = 0;
	*how = "new";
	st = store_stmt(s, STMT_LOG_BY_HEAD);
	store_bind_text(st, 1, head);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*offset = sqlite3_column_int64(st, 1);
		*how = "continued";
		if (*offset > (int64_t)sb->st_size) {
			*offset = 0;
			*how = "restarted (shorter than what was read)";
		}
		return (0);
	}
	st = store_stmt(s, STMT_LOG_BY_INODE);
	sqlite3_bind_int64(st, 1, (int64_t)sb->st_dev);
	sqlite3_bind_int64(st, 2, (int64_t)sb->st_ino);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*how = sqlite3_column_type(st, 2) == SQLITE_NULL ?
		    "read whole (fed by a sweep)" : "restarted (truncated)";
		return (0);
	}
	st = store_stmt(s, STMT_LOG_BY_PATH);
	store_bind_text(st, 1, path);
	if (sqlite3_step(st) == SQLITE_ROW) {
		/* Fed by a sweep, never read as a file: read it all. */
		*id = sqlite3_column_int64(st, 0);
		*how = "read whole";
		return (0);
	}
	st = store_stmt(s, STMT_LOG_ADD);
	store_bind_text(st, 1, path);
	sqlite3_bind_int64(st, 2, (int64_t)sb->st_dev);
	sqlite3_bind_int64(st, 3, (int64_t)sb->st_ino);
	store_bind_text(st, 4, head);
	sqlite3_bind_int64(st, 5, (int64_t)realtime_usec());
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_fail(s, "adding a log"));
	*id = sqlite3_last_insert_rowid(s->db);
	return (0);
}

/* Remember how far a log has been read (in the batch's transaction). */
static int
store_log_set(struct store *s, int64_t id, const char *path,
    const struct stat *sb, const char *head, int64_t offset)
{
	sqlite3_stmt	*st;

	st = store_stmt(s, STMT_LOG_SET);
	store_bind_text(st, 1, path);
	sqlite3_bind_int64(st, 2, (int64_t)sb->st_dev);
	sqlite3_bind_int64(st, 3, (int64_t)sb->st_ino);
	store_bind_text(st, 4, *head != '\0' ? head : NULL);
	sqlite3_bind_int64(st, 5, offset);
	sqlite3_bind_int64(st, 6, (int64_t)realtime_usec());
	sqlite3_bind_int64(st, 7, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (store_fail(s, "recording a log's offset"));
	return (0);
}

/* One record of a log into the store. Returns 1 added, 0, or -1. */
static int
store_ingest_line(struct store *s, char *line, size_t n, int64_t log,
    int64_t offset, struct store_ingest_stats *stats)
{
	struct result	 r;
	json_t		*rec;
	const char	*kind;
	int		 rc = 0;

	stats->records++;
	if ((rec = json_loadb(line, n, JSON_ALLOW_NUL, NULL)) == NULL ||
	    !json_is_object(rec)) {
		json_decref(rec);
		stats->bad++;
		return (0);
	}
	kind = store_json_str(rec, "record");
	if (kind == NULL)
		stats->bad++;
	else if (strcmp(kind, "run_start") == 0)
		rc = store_run_start(s, rec);
	else if (strcmp(kind, "run_end") == 0)
		rc = store_run_end(s, rec);
	else if (strcmp(kind, "result") == 0) {
		result_init(&r);
		if (results_from_json(rec, &r) != 0)
			stats->bad++;
		else if (r.where.site == NULL || r.where.test == NULL)
			stats->skipped++;
		else if ((rc = store_add_result(s, &r, line, n, log,
		    offset)) == 1)
			stats->added++;
		else if (rc == 0)
			stats->duplicates++;
		result_clear(&r);
	}
	json_decref(rec);
	return (rc < 0 ? -1 : 0);
}

#define STORE_BATCH	5000	/* records per transaction */
#define STORE_CHUNK	(1024 * 1024)

/* Read whole lines of fd from offset into the store, in batches. */
static int
store_ingest_fd(struct store *s, int fd, const char *path,
    const struct stat *sb, const char *head, int64_t log, int64_t offset,
    struct store_ingest_stats *stats)
{
	char	*buf, *p, *nl;
	size_t	 len = 0, cap = STORE_CHUNK, batch = 0;
	ssize_t	 got;
	int	 rc = -1;

	buf = xmalloc(cap + 1);
	if (store_begin(s) != 0 || store_load_pairs(s) != 0)
		goto out;
	for (;;) {
		if (cap - len < STORE_CHUNK / 2) {
			cap *= 2;
			buf = xreallocarray(buf, cap + 1, 1);
		}
		got = pread(fd, buf + len, cap - len, offset + (int64_t)len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(s->error);
			s->error = xstrfmt("%s: %s", path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		p = buf;
		while ((nl = memchr(p, '\n', len - (size_t)(p - buf))) !=
		    NULL) {
			*nl = '\0';
			if (nl > p && store_ingest_line(s, p, (size_t)(nl - p),
			    log, offset + (p - buf), stats) != 0)
				goto out;
			p = nl + 1;
			if (++batch >= STORE_BATCH) {
				batch = 0;
				if (store_log_set(s, log, path, sb, head, offset +
				    (p - buf)) != 0 || store_commit(s) != 0 ||
				    store_begin(s) != 0)
					goto out;
			}
		}
		/* Whole lines are done; keep the partial one. */
		stats->bytes += (uint64_t)(p - buf);
		offset += p - buf;
		len -= (size_t)(p - buf);
		memmove(buf, p, len);
	}
	/* A torn last line stays unread until it is whole. */
	if (store_log_set(s, log, path, sb, head, offset) != 0 ||
	    store_prune(s, realtime_usec()) != 0 || store_commit(s) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		store_rollback(s);
	free(buf);
	return (rc);
}

/*
 * Ingest a log: continue where it was left (logrotate aware, see
 * store_ingest_where), add what is new. Compressed logs are refused with
 * a hint. Returns 0, or -1 and a cause.
 */
int
store_ingest(struct store *s, const char *path, struct store_ingest_stats
    *stats, char **cause)
{
	struct stat	 sb;
	char		 head[17];
	const char	*dot;
	int64_t		 log, offset;
	int		 fd, rc;

	memset(stats, 0, sizeof *stats);
	if ((dot = strrchr(path, '.')) != NULL && (strcmp(dot, ".gz") == 0 ||
	    strcmp(dot, ".xz") == 0 || strcmp(dot, ".zst") == 0 ||
	    strcmp(dot, ".bz2") == 0)) {
		*cause = xstrfmt("%s: a compressed log is not read; its records "
		    "were taken before it was compressed, or decompress it "
		    "first (zcat %s > FILE)", path, path);
		return (-1);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*cause = xstrfmt("%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &sb) != 0 || store_read_head(fd, head) != 0) {
		*cause = xstrfmt("%s: %s", path, strerror(errno));
		close(fd);
		return (-1);
	}
	if (*head == '\0') {
		stats->how = "empty";
		close(fd);
		return (0);
	}
	if (store_begin(s) != 0 || store_ingest_where(s, path, &sb, head, &log,
	    &offset, &stats->how) != 0 || store_commit(s) != 0) {
		store_rollback(s);
		*cause = xstrdup(store_error(s));
		close(fd);
		return (-1);
	}
	rc = store_ingest_fd(s, fd, path, &sb, head, log, offset, stats);
	close(fd);
	if (rc != 0)
		*cause = xstrdup(store_error(s));
	return (rc);
}
