/*
 * record.c: writing result records as JSON Lines.
 */
#include <sys/uio.h>
#include <sys/utsname.h>

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <libxml/xmlversion.h>

#include "inventory.h"
#include "page.h"
#include "record.h"
#include "twill.h"

/*
 * Open the log for appending ("-": standard output). Returns 0, or -1 and
 * a cause.
 */
int
record_open(struct record_log *l, const char *path, char **cause)
{
	memset(l, 0, sizeof *l);
	l->path = xstrdup(path);
	if (strcmp(path, "-") == 0) {
		l->fd = STDOUT_FILENO;
		return (0);
	}
	l->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (l->fd == -1) {
		*cause = xstrfmt("%s: %s", path, strerror(errno));
		free(l->path);
		l->path = NULL;
		return (-1);
	}
	l->own_fd = 1;
	return (0);
}

/* Close the log. */
void
record_close(struct record_log *l)
{
	if (l->own_fd)
		close(l->fd);
	free(l->path);
	l->path = NULL;
	l->fd = -1;
}

/*
 * Write one line (without its newline; one is added) with one write(2).
 * Returns 0, or -1 when the line could not be written whole.
 */
int
record_write_buf(struct record_log *l, const struct buf *line)
{
	struct iovec	iov[2];
	ssize_t		n;

	iov[0].iov_base = line->data;
	iov[0].iov_len = line->len;
	iov[1].iov_base = (void *)"\n";
	iov[1].iov_len = 1;
	do
		n = writev(l->fd, iov, 2);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)line->len + 1) {
		l->errors++;
		l->last_errno = n == -1 ? errno : ENOSPC;
		return (-1);
	}
	l->written++;
	return (0);
}

/*
 * Write one record as one line with one write(2). Steals the reference to
 * rec. Returns 0, or -1 when the line could not be written whole.
 */
int
record_write(struct record_log *l, json_t *rec)
{
	struct buf	 b;
	char		*line;
	int		 rc;

	line = json_dumps(rec, JSON_COMPACT);
	json_decref(rec);
	if (line == NULL)
		fatal("json_dumps failed");
	buf_init(&b);
	buf_adds(&b, line);
	free(line);
	rc = record_write_buf(l, &b);
	buf_free(&b);
	return (rc);
}

/* A new run id: UTC time and randomness, e.g. 20261125T223805Z-4f1a9c. */
char *
record_run_id(void)
{
	struct timespec	ts;
	struct tm	tm;
	char		buf[32];
	unsigned	rnd;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
	rnd = (unsigned)(ts.tv_nsec ^ (getpid() << 12)) & 0xffffff;
	return (xstrfmt("%s-%06x", buf, rnd));
}

/* ISO 8601 UTC with microseconds. Caller frees. */
char *
record_time(uint64_t usec)
{
	time_t		t = (time_t)(usec / 1000000);
	struct tm	tm;
	char		buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	return (xstrfmt("%s.%06uZ", buf, (unsigned)(usec % 1000000)));
}

/* Versions of Kong and its libraries. */
json_t *
record_versions(void)
{
	curl_version_info_data	*cv = curl_version_info(CURLVERSION_NOW);
	char			 pcre[64];

	pcre2_config(PCRE2_CONFIG_VERSION, pcre);
	return (json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
	    "kong", KONG_VERSION,
	    "libcurl", cv->version,
	    "libevent", event_get_version(),
	    "libxml2", LIBXML_DOTTED_VERSION,
	    "pcre2", pcre,
	    "jansson", JANSSON_VERSION));
}

/* A JSON string from text that may not be valid UTF-8 (NULL: null). */
json_t *
record_string(const char *s, size_t len)
{
	json_t	*v;
	char	*clean;
	size_t	 n;

	if (s == NULL)
		return (json_null());
	if ((v = json_stringn(s, len)) != NULL)
		return (v);
	clean = utf8_from_charset(s, len, NULL, &n);
	v = json_stringn(clean, n);
	free(clean);
	return (v != NULL ? v : json_string(""));
}

/*
 * The result record is written by hand rather than built with jansson:
 * it is written once per check, and building and dumping a jansson object
 * with its steps cost three times what the rest of a check's bookkeeping
 * did (callgrind: 55k instructions a record). The other records, once per
 * run, use jansson.
 */

/* Append s as a JSON string: escaped, invalid UTF-8 replaced by U+FFFD. */
static void
record_jstring(struct buf *b, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i = 0, run, ok;
	unsigned char		 c;

	buf_addc(b, '"');
	while (i < len) {
		for (run = i; run < len; run++) {
			c = (unsigned char)s[run];
			if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80)
				break;
		}
		buf_add(b, s + i, run - i);
		if ((i = run) >= len)
			break;
		c = (unsigned char)s[i];
		if (c >= 0x80) {
			ok = utf8_valid_prefix(s + i, len - i);
			if (ok == 0) {
				buf_adds(b, "\xef\xbf\xbd");
				i++;
				continue;
			}
			/* Copy the valid stretch up to its next ASCII byte. */
			for (run = i; run < i + ok &&
			    (unsigned char)s[run] >= 0x80; run++)
				;
			while (run < i + ok && ((unsigned char)s[run] & 0xc0) ==
			    0x80)
				run++;
			buf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		buf_addc(b, '\\');
		switch (c) {
		case '"':
		case '\\':
			buf_addc(b, (char)c);
			break;
		case '\n':
			buf_addc(b, 'n');
			break;
		case '\t':
			buf_addc(b, 't');
			break;
		case '\r':
			buf_addc(b, 'r');
			break;
		default:
			buf_adds(b, "u00");
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 0xf]);
			break;
		}
		i++;
	}
	buf_addc(b, '"');
}

/* Append a C string (NULL: null). */
static void
record_jstr(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_adds(b, "null");
	else
		record_jstring(b, s, strlen(s));
}

/* Append an integer. */
static void
record_jint(struct buf *b, int64_t v)
{
	char		 tmp[24], *p = tmp + sizeof tmp;
	uint64_t	 u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	buf_add(b, p, (size_t)(tmp + sizeof tmp - p));
}

/* Append ,"key": (the first key of an object passes first = 1). */
static void
record_jkey(struct buf *b, const char *key, int first)
{
	if (!first)
		buf_addc(b, ',');
	buf_addc(b, '"');
	buf_adds(b, key);
	buf_adds(b, "\":");
}

/* Append ,"key": and a jansson value, when there is one. */
static void
record_json(struct buf *b, const char *key, const json_t *v)
{
	char	*s;

	if (v == NULL)
		return;
	if ((s = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII)) == NULL)
		fatal("json_dumps failed for %s", key);
	record_jkey(b, key, 0);
	buf_adds(b, s);
	free(s);
}

/* Append the earlier attempts of a retried check. */
static void
record_tries(struct buf *out, const struct result *r)
{
	const struct attempt	*a;
	size_t			 i;

	buf_addc(out, '[');
	for (i = 0; i < r->ntries; i++) {
		a = &r->tries[i];
		if (i > 0)
			buf_addc(out, ',');
		buf_addc(out, '{');
		record_jkey(out, "attempt", 1);
		record_jint(out, a->attempt);
		record_jkey(out, "status", 0);
		record_jstr(out, result_status_name(a->status));
		if (a->eclass != ERR_NONE) {
			record_jkey(out, "error_class", 0);
			record_jstr(out, error_class_name(a->eclass));
		}
		if (a->message != NULL) {
			record_jkey(out, "message", 0);
			record_jstr(out, a->message);
		}
		record_jkey(out, "duration_us", 0);
		record_jint(out, (int64_t)a->duration_us);
		buf_addc(out, '}');
	}
	buf_addc(out, ']');
}

/*
 * A result record, as one line of JSON appended to out: where it ran, what
 * happened, per-request steps and what the script printed.
 */
void
record_result(struct buf *out, const struct result *r)
{
	const struct result_where	*w = &r->where;
	const struct step		*st;
	char				*start;
	size_t				 i;

	start = record_time(r->start_us);
	buf_adds(out, "{\"schema\":");
	record_jint(out, RECORD_SCHEMA);
	buf_adds(out, ",\"record\":\"result\"");
	record_jkey(out, "run", 0);
	record_jstr(out, w->run);
	record_jkey(out, "start", 0);
	record_jstr(out, start);
	free(start);
	if (w->script != NULL) {
		record_jkey(out, "file", 0);
		record_jstr(out, w->script);
	}
	if (w->site != NULL || w->script == NULL) {
		record_jkey(out, "site", 0);
		record_jstr(out, w->site);
		record_jkey(out, "url", 0);
		record_jstr(out, w->url);
		record_jkey(out, "type", 0);
		record_jstr(out, w->type);
		record_jkey(out, "test", 0);
		record_jstr(out, w->test);
		record_jkey(out, "server", 0);
		record_jstr(out, w->server);
		record_jkey(out, "recipients", 0);
		buf_addc(out, '[');
		for (i = 0; w->recipients != NULL && w->recipients[i] != NULL;
		    i++) {
			if (i > 0)
				buf_addc(out, ',');
			record_jstr(out, w->recipients[i]);
		}
		buf_addc(out, ']');
	}
	record_jkey(out, "status", 0);
	record_jstr(out, result_status_name(r->status));
	record_jkey(out, "error_class", 0);
	record_jstr(out, error_class_name(r->eclass));
	record_jkey(out, "duration_us", 0);
	record_jint(out, (int64_t)r->duration_us);
	record_jkey(out, "attempts", 0);
	record_jint(out, r->attempts);
	record_jkey(out, "error", 0);
	if (r->message != NULL) {
		buf_addc(out, '{');
		record_jkey(out, "file", 1);
		record_jstr(out, r->file);
		record_jkey(out, "line", 0);
		record_jint(out, r->line);
		record_jkey(out, "command", 0);
		record_jstr(out, r->command);
		record_jkey(out, "message", 0);
		record_jstr(out, r->message);
		buf_addc(out, '}');
	} else
		buf_adds(out, "null");
	if (r->ntries > 0) {
		record_jkey(out, "tries", 0);
		record_tries(out, r);
	}
	record_jkey(out, "output", 0);
	record_jstring(out, r->output.data != NULL ? r->output.data : "",
	    r->output.len);
	record_jkey(out, "output_truncated", 0);
	buf_adds(out, r->output_truncated ? "true" : "false");
	record_json(out, "captures", r->captures);
	record_json(out, "certs", r->certs);
	record_jkey(out, "steps", 0);
	buf_addc(out, '[');
	for (i = 0; i < r->nsteps; i++) {
		st = &r->steps[i];
		if (i > 0)
			buf_addc(out, ',');
		buf_addc(out, '{');
		record_jkey(out, "command", 1);
		record_jstr(out, st->command);
		record_jkey(out, "line", 0);
		record_jint(out, st->line);
		record_jkey(out, "method", 0);
		buf_adds(out, st->post ? "\"POST\"" : "\"GET\"");
		record_jkey(out, "url", 0);
		record_jstr(out, st->url);
		record_jkey(out, "code", 0);
		record_jint(out, st->code);
		record_jkey(out, "bytes", 0);
		record_jint(out, (int64_t)st->bytes);
		record_jkey(out, "redirects", 0);
		record_jint(out, st->redirects);
		record_jkey(out, "dns_us", 0);
		record_jint(out, st->t.dns);
		record_jkey(out, "connect_us", 0);
		record_jint(out, st->t.connect);
		record_jkey(out, "tls_us", 0);
		record_jint(out, st->t.tls);
		record_jkey(out, "first_byte_us", 0);
		record_jint(out, st->t.first_byte);
		record_jkey(out, "total_us", 0);
		record_jint(out, st->t.total);
		if (st->error != NULL) {
			record_jkey(out, "error", 0);
			record_jstr(out, st->error);
		}
		buf_addc(out, '}');
	}
	buf_adds(out, "]}");
}

/* The selectors of a run as arrays of patterns. */
static json_t *
record_selection(const struct selection *sel)
{
	json_t	*o;

	o = json_object();
#define RECORD_SEL(name, v, n) do {					\
	json_t *a = json_array();					\
	for (size_t _i = 0; sel != NULL && _i < (n); _i++)		\
		json_array_append_new(a, record_string((v)[_i],		\
		    strlen((v)[_i])));					\
	json_object_set_new(o, name, a);				\
} while (0)
	RECORD_SEL("site", sel->site, sel->nsite);
	RECORD_SEL("type", sel->type, sel->ntype);
	RECORD_SEL("test", sel->test, sel->ntest);
	RECORD_SEL("server", sel->server, sel->nserver);
	RECORD_SEL("tag", sel->tag, sel->ntag);
#undef RECORD_SEL
	return (o);
}

/* run_start: the selection, the options and the versions. */
json_t *
record_run_start(const struct run_info *run)
{
	json_t		*rec, *opts;
	struct utsname	 un;
	char		*t;

	opts = settings_record(run->set);
	json_object_set_new(opts, "per_server", json_boolean(run->per_server));
	t = record_time(run->start_us);
	rec = json_pack("{s:i, s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:s, s:i}",
	    "schema", RECORD_SCHEMA, "record", "run_start", "run", run->id,
	    "time", t, "inventory", record_string(run->inventory,
	    run->inventory != NULL ? strlen(run->inventory) : 0),
	    "selection", record_selection(run->sel), "options", opts,
	    "pairs", (json_int_t)run->pairs,
	    "host", uname(&un) == 0 ? un.nodename : "", "pid", (int)getpid());
	free(t);
	if (rec == NULL)
		fatal("json_pack failed for run_start");
	json_object_set_new(rec, "versions", record_versions());
	if (run->wait != NULL)
		json_object_set_new(rec, "wait", json_deep_copy(run->wait));
	if (run->shard != NULL)
		json_object_set_new(rec, "shard", json_deep_copy(run->shard));
	return (rec);
}

/* run_end: the totals, whether it was interrupted, and the exit status. */
json_t *
record_run_end(const struct run_info *run)
{
	const size_t	*c = run->counts.by_status;
	json_t		*rec;
	char		*t;

	t = record_time(realtime_usec());
	rec = json_pack("{s:i, s:s, s:s, s:s, s:I, s:{s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:I}, s:b, s:s?, s:I, s:i}",
	    "schema", RECORD_SCHEMA, "record", "run_end", "run", run->id,
	    "time", t, "duration_us", (json_int_t)run->duration_us,
	    "totals",
	    "pairs", (json_int_t)run->pairs,
	    "pass", (json_int_t)c[RESULT_PASS],
	    "pass_after_retry", (json_int_t)c[RESULT_PASS_AFTER_RETRY],
	    "fail", (json_int_t)c[RESULT_FAIL],
	    "error", (json_int_t)c[RESULT_ERROR],
	    "timeout", (json_int_t)c[RESULT_TIMEOUT],
	    "skipped", (json_int_t)c[RESULT_SKIPPED],
	    "cancelled", (json_int_t)c[RESULT_CANCELLED],
	    "aborted", (json_int_t)c[RESULT_NOT_STARTED],
	    "not_started", (json_int_t)run->not_started,
	    "interrupted", run->interrupted,
	    "aborted", run->aborted,
	    "write_errors", (json_int_t)run->write_errors,
	    "exit_status", run->exit_status);
	free(t);
	if (rec == NULL)
		fatal("json_pack failed for run_end");
	if (run->alerts != NULL)
		json_object_set(rec, "alerts", run->alerts);
	if (run->shard != NULL)
		json_object_set_new(rec, "shard", json_deep_copy(run->shard));
	return (rec);
}
