/*
 * results.c: results, their statuses and counts, and reading a JSONL log
 * back into results.
 *
 * The reader is a plain buffered line reader over a file descriptor: a
 * log of millions of records is read in constant memory, one line at a
 * time, each parsed with jansson (docs/jsonl.md is the schema).
 */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "page.h"
#include "redact.h"
#include "results.h"

static const char *result_status_names[] = {
#define RESULT_NAME(e, s) [RESULT_##e] = s,
	RESULT_STATUSES(RESULT_NAME)
#undef RESULT_NAME
};

static const char *error_class_names[] = {
#define ERROR_NAME(e, s) [ERR_##e] = s,
	ERROR_CLASSES(ERROR_NAME)
#undef ERROR_NAME
};

/* The name of a result status, as the JSONL record spells it. */
const char *
result_status_name(enum result_status st)
{
	return (result_status_names[st]);
}

/* The name of an error class, or NULL for none. */
const char *
error_class_name(enum error_class ec)
{
	return (error_class_names[ec]);
}

/* A status from its name. Returns 0, or -1 if there is no such status. */
int
result_status_parse(const char *name, enum result_status *st)
{
	size_t	i;

	for (i = 0; i < RESULT__COUNT; i++) {
		if (strcmp(result_status_names[i], name) == 0) {
			*st = (enum result_status)i;
			return (0);
		}
	}
	return (-1);
}

/* An error class from its name (NULL: none). Returns 0 or -1. */
int
error_class_parse(const char *name, enum error_class *ec)
{
	size_t	i;

	if (name == NULL) {
		*ec = ERR_NONE;
		return (0);
	}
	for (i = 1; i < ERR__COUNT; i++) {
		if (strcmp(error_class_names[i], name) == 0) {
			*ec = (enum error_class)i;
			return (0);
		}
	}
	return (-1);
}

/* Whether a status is a pass (perhaps after a retry). */
int
result_status_passed(enum result_status st)
{
	return (st == RESULT_PASS || st == RESULT_PASS_AFTER_RETRY);
}

/*
 * Whether a status makes the run fail: anything but a pass or a skip. A
 * cancelled check did not pass, so it fails the run too.
 */
int
result_status_failed(enum result_status st)
{
	return (!result_status_passed(st) && st != RESULT_SKIPPED);
}

/* Whether a result passed. */
int
result_passed(const struct result *r)
{
	return (result_status_passed(r->status));
}

/* Whether a result fails the run. */
int
result_failed(const struct result *r)
{
	return (result_status_failed(r->status));
}

/* An empty result (a pass until something fails). */
void
result_init(struct result *r)
{
	memset(r, 0, sizeof *r);
	r->status = RESULT_PASS;
	buf_init(&r->output);
}

/* Free a result's steps. */
void
result_clear_steps(struct result *r)
{
	size_t	i;

	for (i = 0; i < r->nsteps; i++) {
		free(r->steps[i].url);
		free(r->steps[i].error);
	}
	free(r->steps);
	r->steps = NULL;
	r->nsteps = 0;
}

/* Free a result's contents, leaving it empty. */
void
result_clear(struct result *r)
{
	size_t	i;

	free(r->message);
	free(r->file);
	free(r->command);
	result_clear_steps(r);
	buf_free(&r->output);
	page_unref(r->page);
	for (i = 0; i < r->ntries; i++)
		free(r->tries[i].message);
	free(r->tries);
	json_decref(r->captures);
	json_decref(r->capture_at);
	json_decref(r->certs);
	result_init(r);
}

/* Move a result's contents into dst (which is empty), leaving src empty. */
void
result_move(struct result *dst, struct result *src)
{
	*dst = *src;
	result_init(src);
}

/* Remember a failed attempt (its outcome, not its steps) in r's tries. */
void
result_add_try(struct result *r, const struct result *failed)
{
	struct attempt	*a;

	r->tries = xreallocarray(r->tries, r->ntries + 1, sizeof *r->tries);
	a = &r->tries[r->ntries++];
	a->attempt = failed->attempts;
	a->status = failed->status;
	a->eclass = failed->eclass;
	a->message = failed->message != NULL ? xstrdup(failed->message) : NULL;
	a->duration_us = failed->duration_us;
}

/* Mask every secret in what a result says (redact.h). */
void
result_redact(struct result *r)
{
	size_t	i;

	if (!redact_active())
		return;
	r->message = redact_str(r->message);
	r->command = redact_str(r->command);
	redact_buf(&r->output);
	for (i = 0; i < r->nsteps; i++) {
		r->steps[i].url = redact_str(r->steps[i].url);
		r->steps[i].error = redact_str(r->steps[i].error);
	}
	for (i = 0; i < r->ntries; i++)
		r->tries[i].message = redact_str(r->tries[i].message);
	if (r->captures != NULL) {
		const char	*k;
		json_t		*v;
		char		*t;

		json_object_foreach(r->captures, k, v) {
			if (!json_is_string(v))
				continue;
			t = redact_str(xstrdup(json_string_value(v)));
			json_string_set(v, t);
			free(t);
		}
	}
}

/* Count one result. */
void
result_counts_add(struct result_counts *c, enum result_status st)
{
	c->by_status[st]++;
	c->total++;
}

/* How many passed. */
size_t
result_counts_passed(const struct result_counts *c)
{
	return (c->by_status[RESULT_PASS] + c->by_status[RESULT_PASS_AFTER_RETRY]);
}

/* How many fail the run. */
size_t
result_counts_failed(const struct result_counts *c)
{
	return (c->total - result_counts_passed(c) -
	    c->by_status[RESULT_SKIPPED]);
}

/* A string member, or NULL. */
static const char *
results_str(json_t *o, const char *key)
{
	return (json_string_value(json_object_get(o, key)));
}

/* A copy of a string member, or NULL. */
static char *
results_strdup(json_t *o, const char *key)
{
	const char	*s = results_str(o, key);

	return (s != NULL ? xstrdup(s) : NULL);
}

/*
 * An array of strings as a NULL-terminated vector of borrowed strings
 * (the vector is the caller's), or NULL when there is none.
 */
static char **
results_strv(json_t *o, const char *key)
{
	json_t	*a = json_object_get(o, key), *v;
	char	**out;
	size_t	  i, n = 0;

	if (!json_is_array(a))
		return (NULL);
	out = xcalloc(json_array_size(a) + 1, sizeof *out);
	json_array_foreach(a, i, v) {
		if (json_is_string(v))
			out[n++] = (char *)json_string_value(v);
	}
	return (out);
}

/* An integer member, or 0. */
static int64_t
results_int(json_t *o, const char *key)
{
	return ((int64_t)json_integer_value(json_object_get(o, key)));
}

/*
 * A pair (site, test, server or NULL) as one string, for maps keyed on
 * pairs. Caller frees.
 */
char *
results_pair_key(const char *site, const char *test, const char *server)
{
	return (xstrfmt("%s\037%s\037%s", site, test, server != NULL ? server :
	    ""));
}

/* ISO 8601 UTC with microseconds (record_time's form) to microseconds. */
uint64_t
results_time(const char *s)
{
	struct tm	 tm;
	const char	*p;
	uint64_t	 us = 0;
	int		 digits = 0;

	if (s == NULL)
		return (0);
	memset(&tm, 0, sizeof tm);
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return (0);
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (digits++ < 6)
				us = us * 10 + (uint64_t)(*p - '0');
		}
		while (digits++ < 6)
			us *= 10;
	}
	return ((uint64_t)timegm(&tm) * 1000000 + us);
}

/*
 * Fill r (which is empty) from a result record. Strings of where and step
 * commands are borrowed from rec; the rest are copies. Returns 0, or -1 if
 * the record is not a result.
 */
int
results_from_json(json_t *rec, struct result *r)
{
	json_t		*err, *steps, *st, *tries, *t, *timing;
	const char	*out;
	size_t		 i;

	if (!json_is_object(rec) || results_str(rec, "record") == NULL ||
	    strcmp(results_str(rec, "record"), "result") != 0)
		return (-1);
	if (results_str(rec, "status") == NULL ||
	    result_status_parse(results_str(rec, "status"), &r->status) != 0)
		return (-1);
	if (error_class_parse(results_str(rec, "error_class"), &r->eclass) != 0)
		r->eclass = ERR_INTERNAL;
	r->where.run = results_str(rec, "run");
	r->where.site = results_str(rec, "site");
	r->where.url = results_str(rec, "url");
	r->where.type = results_str(rec, "type");
	r->where.test = results_str(rec, "test");
	r->where.server = results_str(rec, "server");
	r->where.script = results_str(rec, "file");
	r->start_us = results_time(results_str(rec, "start"));
	r->duration_us = (uint64_t)results_int(rec, "duration_us");
	r->attempts = (int)results_int(rec, "attempts");
	if (json_is_object(err = json_object_get(rec, "error"))) {
		r->message = results_strdup(err, "message");
		r->file = results_strdup(err, "file");
		r->line = (int)results_int(err, "line");
		r->command = results_strdup(err, "command");
	}
	if ((out = results_str(rec, "output")) != NULL)
		buf_add(&r->output, out, json_string_length(json_object_get(rec,
		    "output")));
	r->output_truncated = json_is_true(json_object_get(rec,
	    "output_truncated"));
	steps = json_object_get(rec, "steps");
	if (json_is_array(steps) && json_array_size(steps) > 0) {
		r->steps = xcalloc(json_array_size(steps), sizeof *r->steps);
		json_array_foreach(steps, i, st) {
			struct step *s = &r->steps[r->nsteps++];

			s->command = results_str(st, "command");
			s->line = (int)results_int(st, "line");
			s->post = results_str(st, "method") != NULL &&
			    strcmp(results_str(st, "method"), "POST") == 0;
			s->url = results_strdup(st, "url");
			s->code = (long)results_int(st, "code");
			s->bytes = (size_t)results_int(st, "bytes");
			s->redirects = (long)results_int(st, "redirects");
			timing = st;
			s->t.dns = results_int(timing, "dns_us");
			s->t.connect = results_int(timing, "connect_us");
			s->t.tls = results_int(timing, "tls_us");
			s->t.first_byte = results_int(timing, "first_byte_us");
			s->t.total = results_int(timing, "total_us");
			s->error = results_strdup(st, "error");
		}
	}
	tries = json_object_get(rec, "tries");
	if (json_is_array(tries) && json_array_size(tries) > 0) {
		r->tries = xcalloc(json_array_size(tries), sizeof *r->tries);
		json_array_foreach(tries, i, t) {
			struct attempt *a = &r->tries[r->ntries++];

			a->attempt = (int)results_int(t, "attempt");
			if (results_str(t, "status") == NULL ||
			    result_status_parse(results_str(t, "status"),
			    &a->status) != 0)
				a->status = RESULT_ERROR;
			if (error_class_parse(results_str(t, "error_class"),
			    &a->eclass) != 0)
				a->eclass = ERR_INTERNAL;
			a->message = results_strdup(t, "message");
			a->duration_us = (uint64_t)results_int(t,
			    "duration_us");
		}
	}
	if (json_is_object(t = json_object_get(rec, "captures")))
		r->captures = json_incref(t);
	if (json_is_array(t = json_object_get(rec, "certs")))
		r->certs = json_incref(t);
	return (0);
}

#define RESULTS_CHUNK	65536

struct results_reader {
	char		*path;
	int		 fd;
	int		 own_fd;
	char		*buf;		/* unread bytes at buf + off */
	size_t		 len;
	size_t		 off;
	size_t		 cap;
	int		 eof;
	size_t		 lineno;
	size_t		 torn;
	size_t		 bad;
	size_t		 first_bad;
	char		*error;
	json_t		*json;		/* the current record */
	struct result	 result;
	char		**recipients;	/* the current result's, borrowed */
};

/* A reader of an open descriptor (not closed by the reader); name for messages. */
struct results_reader *
results_reader_fd(int fd, const char *name)
{
	struct results_reader	*rd;

	rd = xcalloc(1, sizeof *rd);
	rd->path = xstrdup(name);
	rd->fd = fd;
	rd->cap = RESULTS_CHUNK;
	rd->buf = xmalloc(rd->cap);
	result_init(&rd->result);
	return (rd);
}

/* A reader of a log file ("-": standard input), or NULL and a cause. */
struct results_reader *
results_reader_open(const char *path, char **cause)
{
	struct results_reader	*rd;
	int			 fd;

	if (strcmp(path, "-") == 0)
		return (results_reader_fd(STDIN_FILENO, "-"));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*cause = xstrfmt("%s: %s", path, strerror(errno));
		return (NULL);
	}
	rd = results_reader_fd(fd, path);
	rd->own_fd = 1;
	return (rd);
}

/* Close a reader; NULL is allowed. */
void
results_reader_close(struct results_reader *rd)
{
	if (rd == NULL)
		return;
	if (rd->own_fd)
		close(rd->fd);
	json_decref(rd->json);
	result_clear(&rd->result);
	free(rd->recipients);
	free(rd->buf);
	free(rd->error);
	free(rd->path);
	free(rd);
}

/*
 * The next line (without its newline) in *line, len in *n. Returns 1, 0 at
 * the end, or -1 on a read error. A last line without a newline is
 * returned with *whole = 0.
 */
static int
results_reader_line(struct results_reader *rd, char **line, size_t *n,
    int *whole)
{
	char	*nl;
	ssize_t	 got;

	for (;;) {
		nl = memchr(rd->buf + rd->off, '\n', rd->len - rd->off);
		if (nl != NULL) {
			*line = rd->buf + rd->off;
			*n = (size_t)(nl - *line);
			*nl = '\0';
			rd->off += *n + 1;
			*whole = 1;
			return (1);
		}
		if (rd->eof) {
			if (rd->off == rd->len)
				return (0);
			*line = rd->buf + rd->off;
			*n = rd->len - rd->off;
			rd->buf[rd->len] = '\0';
			rd->off = rd->len;
			*whole = 0;
			return (1);
		}
		/* Keep the partial line, make room and read more. */
		memmove(rd->buf, rd->buf + rd->off, rd->len - rd->off);
		rd->len -= rd->off;
		rd->off = 0;
		if (rd->cap - rd->len < RESULTS_CHUNK + 1) {
			rd->cap = rd->cap * 2 + RESULTS_CHUNK;
			rd->buf = xreallocarray(rd->buf, rd->cap, 1);
		}
		do
			got = read(rd->fd, rd->buf + rd->len, rd->cap - rd->len - 1);
		while (got == -1 && errno == EINTR);
		if (got == -1) {
			free(rd->error);
			rd->error = xstrfmt("%s: %s", rd->path, strerror(errno));
			return (-1);
		}
		if (got == 0)
			rd->eof = 1;
		rd->len += (size_t)got;
	}
}

/*
 * The next record of the log into e (valid until the next call). Returns
 * 1, 0 at the end of the log, or -1 on a read error (see
 * results_reader_error).
 */
int
results_reader_next(struct results_reader *rd, struct results_entry *e)
{
	json_t		*rec;
	json_error_t	 jerr;
	const char	*kind;
	char		*line;
	size_t		 n;
	int		 rc, whole;

	json_decref(rd->json);
	rd->json = NULL;
	result_clear(&rd->result);
	free(rd->recipients);
	rd->recipients = NULL;
	for (;;) {
		if ((rc = results_reader_line(rd, &line, &n, &whole)) != 1)
			return (rc);
		rd->lineno++;
		if (n == 0)
			continue;
		rec = json_loadb(line, n, JSON_ALLOW_NUL, &jerr);
		if (rec == NULL || !json_is_object(rec)) {
			json_decref(rec);
			if (!whole) {
				rd->torn++;
				continue;
			}
			if (rd->bad++ == 0)
				rd->first_bad = rd->lineno;
			continue;
		}
		break;
	}
	memset(e, 0, sizeof *e);
	rd->json = rec;
	e->json = rec;
	e->line = rd->lineno;
	kind = json_string_value(json_object_get(rec, "record"));
	if (kind != NULL && strcmp(kind, "run_start") == 0)
		e->kind = RESULTS_RUN_START;
	else if (kind != NULL && strcmp(kind, "run_end") == 0)
		e->kind = RESULTS_RUN_END;
	else if (kind != NULL && strcmp(kind, "result") == 0 &&
	    results_from_json(rec, &rd->result) == 0) {
		rd->recipients = results_strv(rec, "recipients");
		rd->result.where.recipients = rd->recipients;
		e->kind = RESULTS_RESULT;
		e->result = rd->result;
	} else
		e->kind = RESULTS_OTHER;
	return (1);
}

/* Lines left out because the log ended in the middle of them (0 or 1). */
size_t
results_reader_torn(const struct results_reader *rd)
{
	return (rd->torn);
}

/* Lines that were not JSON objects, and the first of them. */
size_t
results_reader_bad(const struct results_reader *rd, size_t *first)
{
	if (first != NULL)
		*first = rd->first_bad;
	return (rd->bad);
}

/* Why the last read failed. */
const char *
results_reader_error(const struct results_reader *rd)
{
	return (rd->error != NULL ? rd->error : "no error");
}
