/*
 * alert-state.c: what alerting remembers between runs, in SQLite.
 *
 * The tables live in the store's file ([kong] store, default kong.db beside
 * the log) and are Kong's alerting tables alone: alert_pairs (each pair's
 * run of failures and passes, whether its failure was sent, flapping),
 * alert_outbox (every message, delivered or not), silences and alert_meta
 * (fleet-wide state). alert_db_open creates what is missing; every write
 * of one run is one transaction (alert_db_begin/commit).
 */
#include <sys/stat.h>

#include <errno.h>
#include <unistd.h>

#include "alert-int.h"
#include "map.h"

struct alert_db {
	sqlite3		*db;
	char		*path;
	int		 borrowed;	/* the store's handle: not ours to close */
	sqlite3_stmt	*pair_get;	/* prepared once: every pair, every run */
	sqlite3_stmt	*pair_put;
	struct map	 pairs;		/* read at once: key -> alert_pair */
	int		 loaded;
};

static const char alert_schema[] =
	"CREATE TABLE IF NOT EXISTS alert_pairs ("
	"  site TEXT NOT NULL, test TEXT NOT NULL,"
	"  server TEXT NOT NULL DEFAULT '',"
	"  fails INTEGER NOT NULL DEFAULT 0,"
	"  passes INTEGER NOT NULL DEFAULT 0,"
	"  alerted INTEGER NOT NULL DEFAULT 0,"
	"  flapping INTEGER NOT NULL DEFAULT 0,"
	"  history TEXT NOT NULL DEFAULT '',"
	"  notified_us INTEGER NOT NULL DEFAULT 0,"
	"  since_us INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (site, test, server));"
	"CREATE TABLE IF NOT EXISTS alert_outbox ("
	"  id INTEGER PRIMARY KEY, run TEXT NOT NULL,"
	"  created_us INTEGER NOT NULL, transport TEXT NOT NULL,"
	"  recipients TEXT NOT NULL, subject TEXT NOT NULL,"
	"  text TEXT NOT NULL, payload TEXT NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
	"  delivered_us INTEGER);"
	"CREATE INDEX IF NOT EXISTS alert_outbox_run ON alert_outbox (run);"
	"CREATE TABLE IF NOT EXISTS silences ("
	"  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, pattern TEXT NOT NULL,"
	"  created_us INTEGER NOT NULL, until_us INTEGER NOT NULL,"
	"  reason TEXT);"
	"CREATE TABLE IF NOT EXISTS alert_meta ("
	"  key TEXT PRIMARY KEY, value TEXT NOT NULL);";

/*
 * Whether the log is (or will be) a file, beside which the store and the
 * lock go; else (-, /dev/full, a pipe) they go beside the inventory.
 */
int
alert_log_is_file(const char *log)
{
	struct stat	st;

	if (log == NULL || strcmp(log, "-") == 0)
		return (0);
	return (stat(log, &st) != 0 || S_ISREG(st.st_mode));
}

/* Open (and create) the alerting tables in path. NULL and a cause if not. */
struct alert_db *
alert_db_open(const char *path, char **cause)
{
	struct alert_db	*a;
	char		*err = NULL;

	a = xcalloc(1, sizeof *a);
	a->path = xstrdup(path);
	if (sqlite3_open_v2(path, &a->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		*cause = xstrfmt("%s: %s", path, a->db != NULL ?
		    sqlite3_errmsg(a->db) : "cannot open");
		alert_db_close(a);
		return (NULL);
	}
	sqlite3_busy_timeout(a->db, 5000);
	/*
	 * WAL, synchronous NORMAL: a run's one transaction costs no fsync of
	 * its own (the WAL is synced at checkpoints), and readers (kong alert,
	 * a dashboard) never block the writer. Durable across a crash of
	 * Kong; a power cut may lose the last run's state, never corrupt it.
	 */
	sqlite3_exec(a->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = "
	    "NORMAL", NULL, NULL, NULL);
	if (sqlite3_exec(a->db, alert_schema, NULL, NULL, &err) != SQLITE_OK) {
		*cause = xstrfmt("%s: %s", path, err != NULL ? err : "?");
		sqlite3_free(err);
		alert_db_close(a);
		return (NULL);
	}
	return (a);
}

/*
 * The alerting tables on a handle someone else owns (the store's): they
 * are created if missing; alert_db_close leaves the handle open. NULL and
 * a cause if they cannot be.
 */
struct alert_db *
alert_db_wrap(sqlite3 *db, char **cause)
{
	struct alert_db	*a;
	char		*err = NULL;

	a = xcalloc(1, sizeof *a);
	a->db = db;
	a->borrowed = 1;
	a->path = xstrdup(sqlite3_db_filename(db, "main") != NULL ?
	    sqlite3_db_filename(db, "main") : "the store");
	if (sqlite3_exec(db, alert_schema, NULL, NULL, &err) != SQLITE_OK) {
		*cause = xstrfmt("%s: %s", a->path, err != NULL ? err : "?");
		sqlite3_free(err);
		alert_db_close(a);
		return (NULL);
	}
	return (a);
}

/* Close the tables; NULL is allowed. */
void
alert_db_close(struct alert_db *a)
{
	if (a == NULL)
		return;
	alert_pairs_forget(a);
	sqlite3_finalize(a->pair_get);
	sqlite3_finalize(a->pair_put);
	if (!a->borrowed)
		sqlite3_close(a->db);
	free(a->path);
	free(a);
}

/* The SQLite handle, for the store to share. */
sqlite3 *
alert_db_handle(struct alert_db *a)
{
	return (a->db);
}

/* The last SQLite error, for messages. */
const char *
alert_db_error(struct alert_db *a)
{
	return (sqlite3_errmsg(a->db));
}

/* Run one statement without results. Returns 0 or -1. */
static int
alert_db_exec(struct alert_db *a, const char *sql)
{
	return (sqlite3_exec(a->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 :
	    -1);
}

/* Start the transaction of a run's writes. */
int
alert_db_begin(struct alert_db *a)
{
	return (alert_db_exec(a, "BEGIN IMMEDIATE"));
}

/* Commit it; on failure it is rolled back. */
int
alert_db_commit(struct alert_db *a)
{
	if (alert_db_exec(a, "COMMIT") == 0)
		return (0);
	alert_db_exec(a, "ROLLBACK");
	return (-1);
}

/* Drop the open transaction, if any. */
void
alert_db_rollback(struct alert_db *a)
{
	if (!sqlite3_get_autocommit(a->db))
		alert_db_exec(a, "ROLLBACK");
}

static sqlite3_stmt *
alert_db_prepare(struct alert_db *a, const char *sql)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK)
		return (NULL);
	return (st);
}

/*
 * A statement run for every pair of every run, prepared once (parsing it
 * costs more than running it: 75,000 instructions a time).
 */
static sqlite3_stmt *
alert_db_cached(struct alert_db *a, sqlite3_stmt **slot, const char *sql)
{
	if (*slot == NULL && sqlite3_prepare_v3(a->db, sql, -1,
	    SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK) {
		*slot = NULL;
		return (NULL);
	}
	return (*slot);
}

/* Done with a cached statement: no snapshot is left held. */
static void
alert_db_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static char *
alert_col_str(sqlite3_stmt *st, int i)
{
	const unsigned char	*s = sqlite3_column_text(st, i);

	return (s != NULL ? xstrdup((const char *)s) : NULL);
}

static void
alert_pair_row(sqlite3_stmt *st, int col, struct alert_pair *p)
{
	const char	*h;

	p->fails = sqlite3_column_int64(st, col);
	p->passes = sqlite3_column_int64(st, col + 1);
	p->alerted = sqlite3_column_int(st, col + 2);
	p->flapping = sqlite3_column_int(st, col + 3);
	h = (const char *)sqlite3_column_text(st, col + 4);
	if (h != NULL)
		snprintf(p->history, sizeof p->history, "%s", h);
	p->notified_us = (uint64_t)sqlite3_column_int64(st, col + 5);
	p->since_us = (uint64_t)sqlite3_column_int64(st, col + 6);
}

/*
 * Read every pair's state at once, for a run that decides most of them
 * (one scan instead of a lookup a pair), until alert_pairs_forget. Call
 * it inside the run's transaction. Returns 0 or -1.
 */
int
alert_pairs_load(struct alert_db *a)
{
	struct alert_pair	*p;
	sqlite3_stmt		*st;
	char			*key;
	int			 rc;

	alert_pairs_forget(a);
	if (sqlite3_prepare_v2(a->db, "SELECT site, test, server, fails, "
	    "passes, alerted, flapping, history, notified_us, since_us FROM "
	    "alert_pairs", -1, &st, NULL) != SQLITE_OK)
		return (-1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		p = xcalloc(1, sizeof *p);
		alert_pair_row(st, 3, p);
		key = results_pair_key((const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2));
		free(map_remove(&a->pairs, key));
		map_set(&a->pairs, key, p);
		free(key);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		alert_pairs_forget(a);
		return (-1);
	}
	a->loaded = 1;
	return (0);
}

/* Back to reading pairs one by one. */
void
alert_pairs_forget(struct alert_db *a)
{
	map_free(&a->pairs, free);
	map_init(&a->pairs);
	a->loaded = 0;
}

/*
 * A pair's state; a pair never seen starts at zero. Returns 1 if it was
 * known, 0 if not, or -1.
 */
int
alert_pair_get(struct alert_db *a, const char *site, const char *test,
    const char *server, struct alert_pair *p)
{
	struct alert_pair	*have;
	sqlite3_stmt		*st;
	char			*key;
	int			 rc;

	memset(p, 0, sizeof *p);
	if (a->loaded) {
		key = results_pair_key(site, test, server);
		have = map_get(&a->pairs, key);
		free(key);
		if (have == NULL)
			return (0);
		*p = *have;
		return (1);
	}
	st = alert_db_cached(a, &a->pair_get, "SELECT fails, passes, alerted, "
	    "flapping, history, notified_us, since_us FROM alert_pairs WHERE "
	    "site = ? AND test = ? AND server = ?");
	if (st == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, test, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, server != NULL ? server : "", -1,
	    SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		alert_pair_row(st, 0, p);
	alert_db_done(st);
	if (rc == SQLITE_ROW)
		return (1);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* Write a pair's state back. Returns 0 or -1. */
int
alert_pair_put(struct alert_db *a, const char *site, const char *test,
    const char *server, const struct alert_pair *p)
{
	struct alert_pair	*have;
	sqlite3_stmt		*st;
	char			*key;
	int			 rc;

	st = alert_db_cached(a, &a->pair_put, "INSERT OR REPLACE INTO "
	    "alert_pairs (site, test, server, fails, passes, alerted, flapping, "
	    "history, notified_us, since_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?)");
	if (st == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, test, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, server != NULL ? server : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, p->fails);
	sqlite3_bind_int64(st, 5, p->passes);
	sqlite3_bind_int(st, 6, p->alerted);
	sqlite3_bind_int(st, 7, p->flapping);
	sqlite3_bind_text(st, 8, p->history, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)p->notified_us);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)p->since_us);
	rc = sqlite3_step(st);
	alert_db_done(st);
	if (rc != SQLITE_DONE)
		return (-1);
	if (a->loaded) {
		key = results_pair_key(site, test, server);
		if ((have = map_get(&a->pairs, key)) == NULL) {
			have = xcalloc(1, sizeof *have);
			map_set(&a->pairs, key, have);
		}
		*have = *p;
		free(key);
	}
	return (0);
}

/* A fleet-wide value (NULL if unset). Caller frees. */
char *
alert_meta_get(struct alert_db *a, const char *key)
{
	sqlite3_stmt	*st;
	char		*v = NULL;

	if ((st = alert_db_prepare(a, "SELECT value FROM alert_meta WHERE "
	    "key = ?")) == NULL)
		return (NULL);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = alert_col_str(st, 0);
	sqlite3_finalize(st);
	return (v);
}

/* Set (or with NULL, clear) a fleet-wide value. Returns 0 or -1. */
int
alert_meta_set(struct alert_db *a, const char *key, const char *value)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = alert_db_prepare(a, value != NULL ? "INSERT OR REPLACE INTO "
	    "alert_meta (key, value) VALUES (?, ?)" : "DELETE FROM alert_meta "
	    "WHERE key = ?");
	if (st == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (value != NULL)
		sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* Put a message in the outbox; sets m->id. Returns 0 or -1. */
int
alert_outbox_add(struct alert_db *a, struct alert_msg *m)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = alert_db_prepare(a, "INSERT INTO alert_outbox (run, created_us, "
	    "transport, recipients, subject, text, payload) VALUES (?, ?, ?, "
	    "?, ?, ?, ?)");
	if (st == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, m->run, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)m->created_us);
	sqlite3_bind_text(st, 3, m->transport, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, m->to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, m->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, m->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, m->payload, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (-1);
	m->id = sqlite3_last_insert_rowid(a->db);
	return (0);
}

/*
 * The messages of a run (run non-NULL), or with pending set, every message
 * of a transport that is not delivered yet, oldest first. Returns 0 or -1.
 */
int
alert_outbox_list(struct alert_db *a, const char *run, int pending,
    struct alert_msg **vp, size_t *np)
{
	sqlite3_stmt		*st;
	struct alert_msg	*v = NULL, *m;
	size_t			 n = 0;
	int			 rc;

	*vp = NULL;
	*np = 0;
	st = alert_db_prepare(a, pending ? "SELECT id, run, transport, "
	    "recipients, subject, text, payload, attempts, last_error, "
	    "created_us, delivered_us FROM alert_outbox WHERE delivered_us IS "
	    "NULL AND transport != 'none' ORDER BY id" : "SELECT id, run, "
	    "transport, recipients, subject, text, payload, attempts, "
	    "last_error, created_us, delivered_us FROM alert_outbox WHERE "
	    "run = ? ORDER BY id");
	if (st == NULL)
		return (-1);
	if (!pending)
		sqlite3_bind_text(st, 1, run, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		m = &v[n++];
		m->id = sqlite3_column_int64(st, 0);
		m->run = alert_col_str(st, 1);
		m->transport = alert_col_str(st, 2);
		m->to = alert_col_str(st, 3);
		m->subject = alert_col_str(st, 4);
		m->text = alert_col_str(st, 5);
		m->payload = alert_col_str(st, 6);
		m->attempts = sqlite3_column_int64(st, 7);
		m->error = alert_col_str(st, 8);
		m->created_us = (uint64_t)sqlite3_column_int64(st, 9);
		m->delivered_us = (uint64_t)sqlite3_column_int64(st, 10);
	}
	sqlite3_finalize(st);
	*vp = v;
	*np = n;
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* Record a delivery attempt: attempts, the error, delivered_us. */
int
alert_outbox_mark(struct alert_db *a, const struct alert_msg *m)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = alert_db_prepare(a, "UPDATE alert_outbox SET attempts = ?, "
	    "last_error = ?, delivered_us = ? WHERE id = ?");
	if (st == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, m->attempts);
	if (m->error != NULL)
		sqlite3_bind_text(st, 2, m->error, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	if (m->delivered_us != 0)
		sqlite3_bind_int64(st, 3, (sqlite3_int64)m->delivered_us);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, m->id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* The run of the newest message, or NULL. Caller frees. */
char *
alert_last_run(struct alert_db *a)
{
	sqlite3_stmt	*st;
	char		*run = NULL;

	if ((st = alert_db_prepare(a, "SELECT run FROM alert_outbox ORDER BY "
	    "id DESC LIMIT 1")) == NULL)
		return (NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		run = alert_col_str(st, 0);
	sqlite3_finalize(st);
	return (run);
}

/* Free messages from alert_outbox_list. */
void
alert_msgs_free(struct alert_msg *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		alert_msg_clear(&v[i]);
	free(v);
}

/* Free what a message holds (not the message). */
void
alert_msg_clear(struct alert_msg *m)
{
	free(m->run);
	free(m->transport);
	free(m->to);
	free(m->subject);
	free(m->text);
	free(m->payload);
	free(m->error);
	memset(m, 0, sizeof *m);
}

/* Add a silence; sets s->id. Returns 0 or -1. */
int
alert_silence_add(struct alert_db *a, struct silence *s)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = alert_db_prepare(a, "INSERT INTO silences (kind, pattern, "
	    "created_us, until_us, reason) VALUES (?, ?, ?, ?, ?)");
	if (st == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, s->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->pattern, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)s->created_us);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)s->until_us);
	if (s->reason != NULL)
		sqlite3_bind_text(st, 5, s->reason, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 5);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (-1);
	s->id = sqlite3_last_insert_rowid(a->db);
	return (0);
}

/* The silences, only those still in force unless all. Returns 0 or -1. */
int
alert_silence_list(struct alert_db *a, int all, struct silence **vp,
    size_t *np)
{
	sqlite3_stmt	*st;
	struct silence	*v = NULL, *s;
	size_t		 n = 0;
	int		 rc;

	*vp = NULL;
	*np = 0;
	st = alert_db_prepare(a, "SELECT id, kind, pattern, created_us, "
	    "until_us, reason FROM silences WHERE ? OR until_us > ? ORDER BY "
	    "id");
	if (st == NULL)
		return (-1);
	sqlite3_bind_int(st, 1, all);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)realtime_usec());
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		s = &v[n++];
		s->id = sqlite3_column_int64(st, 0);
		s->kind = alert_col_str(st, 1);
		s->pattern = alert_col_str(st, 2);
		s->created_us = (uint64_t)sqlite3_column_int64(st, 3);
		s->until_us = (uint64_t)sqlite3_column_int64(st, 4);
		s->reason = alert_col_str(st, 5);
	}
	sqlite3_finalize(st);
	*vp = v;
	*np = n;
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* Remove a silence. Returns 0, 1 if there is no such silence, or -1. */
int
alert_silence_rm(struct alert_db *a, int64_t id)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = alert_db_prepare(a, "DELETE FROM silences WHERE id = ?")) ==
	    NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (-1);
	return (sqlite3_changes(a->db) == 0 ? 1 : 0);
}

/* Free silences from alert_silence_list. */
void
alert_silences_free(struct silence *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(v[i].kind);
		free(v[i].pattern);
		free(v[i].reason);
	}
	free(v);
}

/* --- runs that reached the store by ingest --------------------------- */

/* A column as a borrowed string; NULL for NULL (and, if empty0, for ""). */
static const char *
alert_col_ref(sqlite3_stmt *st, int i, int empty0)
{
	const char	*v = (const char *)sqlite3_column_text(st, i);

	if (v == NULL || (empty0 && *v == '\0'))
		return (NULL);
	return (v);
}

/* The newest finished run of the history store, or NULL. Caller frees. */
char *
alert_newest_run(struct alert_db *a)
{
	sqlite3_stmt	*st;
	char		*id = NULL;

	if (sqlite3_prepare_v2(a->db, "SELECT name FROM runs WHERE ended "
	    "ORDER BY start_us DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return (NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = alert_col_str(st, 0);
	sqlite3_finalize(st);
	return (id);
}

/*
 * The results of the finished run named id, from the history store's
 * tables in the same file (runs, pairs, results), by site, test and
 * server, each passed to fn (its strings borrowed for the call). *start
 * and *end are the run's start and end. Returns 0, 1 if the store has no
 * finished run of that name, or -1.
 */
int
alert_stored_run(struct alert_db *a, const char *id, uint64_t *start,
    uint64_t *end, int (*fn)(void *, struct result *), void *arg)
{
	sqlite3_stmt	*st;
	struct result	 r;
	int64_t		 run;
	int		 rc, ended, step = SQLITE_DONE, status, eclass;

	if (sqlite3_prepare_v2(a->db, "SELECT id, start_us, end_us, ended "
	    "FROM runs WHERE name = ?", -1, &st, NULL) != SQLITE_OK) {
		/* No history store in this file yet: no such run. */
		return (strstr(sqlite3_errmsg(a->db), "no such table") !=
		    NULL ? 1 : -1);
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return (rc == SQLITE_DONE ? 1 : -1);
	}
	run = sqlite3_column_int64(st, 0);
	*start = (uint64_t)sqlite3_column_int64(st, 1);
	*end = (uint64_t)sqlite3_column_int64(st, 2);
	ended = sqlite3_column_int(st, 3);
	sqlite3_finalize(st);
	if (!ended)
		return (1);
	if ((st = alert_db_prepare(a, "SELECT p.site, p.test, p.server, "
	    "p.type, p.url, r.status, r.eclass, r.message, r.file, r.line, "
	    "r.command FROM results r JOIN pairs p ON p.id = r.pair WHERE "
	    "r.run = ? ORDER BY p.site, p.test, p.server, r.start_us")) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, run);
	rc = 0;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		result_init(&r);	/* allocates nothing */
		r.where.run = id;
		r.where.site = alert_col_ref(st, 0, 0);
		r.where.test = alert_col_ref(st, 1, 0);
		r.where.server = alert_col_ref(st, 2, 1);
		r.where.type = alert_col_ref(st, 3, 1);
		r.where.url = alert_col_ref(st, 4, 1);
		status = sqlite3_column_int(st, 5);
		eclass = sqlite3_column_int(st, 6);
		if (status < 0 || status >= RESULT__COUNT || eclass < 0 ||
		    eclass >= ERR__COUNT)
			continue;	/* a store of a newer Kong */
		r.status = (enum result_status)status;
		r.eclass = (enum error_class)eclass;
		r.message = (char *)alert_col_ref(st, 7, 0);
		r.file = (char *)alert_col_ref(st, 8, 0);
		r.line = sqlite3_column_int(st, 9);
		r.command = (char *)alert_col_ref(st, 10, 0);
		rc = fn(arg, &r);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = -1;
	sqlite3_finalize(st);
	return (rc);
}
