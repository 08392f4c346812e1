/*
 * record.c: writing result records as JSON Lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <libxml/xmlversion.h>

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
 * Write one record as one line with one write(2). Steals the reference to
 * rec. Returns 0, or -1 when the line could not be written whole.
 */
int
record_write(struct record_log *l, json_t *rec)
{
	char	*line;
	size_t	 len;
	ssize_t	 n;

	line = json_dumps(rec, JSON_COMPACT);
	json_decref(rec);
	if (line == NULL)
		fatal("json_dumps failed");
	len = strlen(line);
	line = xreallocarray(line, len + 2, 1);
	line[len++] = '\n';
	do
		n = write(l->fd, line, len);
	while (n == -1 && errno == EINTR);
	free(line);
	if (n != (ssize_t)len) {
		l->errors++;
		l->last_errno = n == -1 ? errno : ENOSPC;
		return (-1);
	}
	l->written++;
	return (0);
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

static void
record_set(json_t *o, const char *key, const char *s)
{
	json_object_set_new(o, key, record_string(s, s != NULL ? strlen(s) : 0));
}

/*
 * A result record: where it ran, what happened, per-request steps and what
 * the script printed. tries (stolen, may be NULL) lists earlier attempts.
 */
json_t *
record_result(const struct record_where *w, const struct result *r,
    int attempts, json_t *tries)
{
	json_t	*rec, *err;
	char	*start;

	start = record_time(r->start_us);
	rec = json_object();
	json_object_set_new(rec, "schema", json_integer(RECORD_SCHEMA));
	json_object_set_new(rec, "record", json_string("result"));
	record_set(rec, "run", w->run);
	record_set(rec, "start", start);
	free(start);
	if (w->file != NULL)
		record_set(rec, "file", w->file);
	if (w->site != NULL || w->file == NULL) {
		record_set(rec, "site", w->site);
		record_set(rec, "url", w->url);
		record_set(rec, "type", w->type);
		record_set(rec, "test", w->test);
		record_set(rec, "server", w->server);
	}
	json_object_set_new(rec, "status",
	    json_string(result_status_name(r->status)));
	record_set(rec, "error_class", error_class_name(r->eclass));
	json_object_set_new(rec, "duration_us",
	    json_integer((json_int_t)r->duration_us));
	json_object_set_new(rec, "attempts", json_integer(attempts));
	if (r->message != NULL) {
		err = json_object();
		record_set(err, "file", r->file);
		json_object_set_new(err, "line", json_integer(r->line));
		record_set(err, "command", r->command);
		record_set(err, "message", r->message);
		json_object_set_new(rec, "error", err);
	} else
		json_object_set_new(rec, "error", json_null());
	if (tries != NULL && json_array_size(tries) > 0)
		json_object_set(rec, "tries", tries);
	json_decref(tries);
	json_object_set_new(rec, "output", record_string(r->output.data != NULL ?
	    r->output.data : "", r->output.len));
	json_object_set_new(rec, "output_truncated",
	    json_boolean(r->output_truncated));
	if (r->steps != NULL)
		json_object_set(rec, "steps", r->steps);
	else
		json_object_set_new(rec, "steps", json_array());
	return (rec);
}
