/*
 * testsite.c: kong-testsite, the loopback HTTP site that Kong's tests, the
 * demo and the benchmarks check. It links only libevent and libc.
 *
 * One evhttp server on one event_base, no threads. Every request goes
 * through dispatch_cb: when a --vhost name equals the Host header (port
 * stripped), the news-site routes (vhost_routes) are tried first; then the
 * common routes (common_routes); then a file under --root; then 404. Every
 * response carries X-Testsite-Label.
 *
 * Requests answered later (/slow, /hang, /drip, /big, /endless, a slow
 * front page, /raw/..., the "down" fault) own a struct pending, and the
 * pending is freed on exactly one of three paths:
 *   - the answer is complete: pending_free, then the last send;
 *   - the client went away: the watch event (our own EV_READ on the socket,
 *     which evhttp leaves unread while the request is ours) or evhttp
 *     itself (a failed write) frees the connection;
 *   - evhttp frees the connection (a failed write, a timeout, evhttp_free
 *     at exit): pending_close_cb. A request evhttp has detached from its
 *     dead connection is ours to free, and pending_close_cb frees it.
 *
 * Hostile answers (/raw/NAME) go out on the request's own connection: its
 * bufferevent's callbacks are taken over, the raw bytes written, and once
 * they have drained the connection is freed from a timer callback, never
 * from inside an evhttp or bufferevent callback (libevent 2.1 has no other
 * public way to send bytes that are not an HTTP response). There is no
 * separate raw listener.
 *
 * Each vhost's front page is rendered once at start (it is the hot path of
 * the benchmarks) and sent by reference. Sessions are random tokens in a
 * fixed ring of slots: the token names its slot, so lookup is O(1) and the
 * memory bounded; a new login evicts the oldest session.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#define TS_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#define TS_NORETURN	__attribute__((noreturn))
#define nitems(a)	(sizeof (a) / sizeof (a)[0])

#define TIMEOUT_SECS	60		/* idle connections, stalled writes */
#define MAX_BODY	(64 * 1024 * 1024)
#define MAX_HEADERS	(1024 * 1024)
#define BACKLOG		4096
#define SESSION_SLOTS	65536		/* a token's first 4 hex digits */
#define SESSION_LEN	32
#define ECHO_RAW_MAX	2000
#define ECHO_FILE_MAX	40
#define STREAM_BLOCK	(256 * 1024)
#define BIG_DEFAULT	(1024 * 1024)
#define BIG_MAX		(1024L * 1024 * 1024)
#define NEWS_TEASERS	40
#define NEWS_MAX	100000
#define HTML_TYPE	"text/html; charset=utf-8"
#define TEXT_TYPE	"text/plain; charset=utf-8"

/* A --vhost: a news site answered for one Host name, with its faults. */
struct vhost {
	char			*name;
	int			 status;	/* front page status; 0: 200 */
	int			 nonews;	/* no "Latest News" heading */
	char			*missing;	/* cut out of the front page */
	char			*title;		/* <title> of the front page */
	long			 slow_ms;	/* front page delay */
	int			 badlogin;	/* every login fails */
	int			 down;		/* close, never answer */
	char			*front;		/* the rendered front page */
	size_t			 frontlen;
	TAILQ_ENTRY(vhost)	 entry;
};
TAILQ_HEAD(vhosts, vhost);

/* What a pending request waits for. */
enum pending_kind {
	PENDING_DELAY,		/* respond() when the timer fires */
	PENDING_HANG,		/* nothing: never answered */
	PENDING_DRIP,		/* one byte each timer tick */
	PENDING_STREAM,		/* a block each time the output drains */
	PENDING_RAW		/* raw bytes written; drop the connection */
};

/* A request answered later; see the top of the file for its lifetime. */
struct pending {
	enum pending_kind	 kind;
	struct evhttp_request	*req;
	struct evhttp_connection *evcon;	/* NULL once evhttp frees it */
	struct event		*timer;
	struct event		*watch;		/* notices the client leaving */
	struct timeval		 tick;		/* drip interval */
	void			(*respond)(struct evhttp_request *, void *);
	void			*arg;
	uint64_t		 sent;
	uint64_t		 total;		/* UINT64_MAX: endless */
	TAILQ_ENTRY(pending)	 entry;
};
TAILQ_HEAD(pendings, pending);

/* A decoded form field, query parameter or cookie. */
struct field {
	char			*name;
	char			*value;		/* NUL-terminated */
	size_t			 valuelen;
	char			*filename;	/* multipart file parts only */
	char			*type;		/* a multipart part's type */
	TAILQ_ENTRY(field)	 entry;
};
TAILQ_HEAD(fieldq, field);

/* One request while dispatch_cb handles it. */
struct call {
	struct evhttp_request	*req;
	enum evhttp_cmd_type	 method;
	struct vhost		*vhost;		/* NULL: no --vhost matched */
	char			*path;		/* percent-decoded */
	const char		*rest;		/* the path after a prefix */
	const char		*query;		/* raw; "" if none */
	struct fieldq		 params;	/* the decoded query */
};

/* A route: an exact path, or a prefix when it ends in '/'. */
struct route {
	const char	*path;
	void		(*fn)(struct call *);
};

/* Everything the process owns; one site per process. */
struct site {
	struct event_base	*base;
	struct evhttp		*http;
	const char		*label;
	char			*root;
	const char		*port_file;
	const char		*pid_file;
	int			 verbose;
	struct timeval		 timeout;
	struct vhosts		 vhosts;
	struct pendings		 pendings;
	unsigned		 session_next;
	char			 sessions[SESSION_SLOTS][SESSION_LEN + 1];
	long			 slow_inflight;	/* /slow requests not answered */
	long			 slow_max;	/* the most at once, see /stats */
};
static struct site site;

static void	 die(const char *, ...) TS_PRINTF(1, 2) TS_NORETURN;
static char	*xprintf(const char *, ...) TS_PRINTF(1, 2);
static void	 reply_page(struct evhttp_request *, int, const char *,
		     const char *, ...) TS_PRINTF(4, 5);
static void	 pending_timer_cb(evutil_socket_t, short, void *);
static void	 pending_watch_cb(evutil_socket_t, short, void *);
static void	 pending_close_cb(struct evhttp_connection *, void *);
static void	 route_echo(struct call *);
static struct evbuffer *page_open(struct call *, const char *);
static void	 page_close(struct call *, struct evbuffer *);

/* The precomputed gzip of a small HTML page containing "compressed hello". */
static const unsigned char gzip_page[] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x45, 0x8e,
	0xb1, 0x0e, 0xc2, 0x30, 0x0c, 0x44, 0xf7, 0x7c, 0x85, 0xc9, 0x5e, 0x22,
	0x36, 0x84, 0xdc, 0x2c, 0x50, 0x31, 0xc2, 0xd0, 0x85, 0x31, 0xb4, 0xa6,
	0x89, 0x94, 0x36, 0x51, 0x63, 0x84, 0xe0, 0xeb, 0x49, 0x68, 0x25, 0xa6,
	0x7b, 0xba, 0xf3, 0x59, 0x87, 0x9b, 0xd3, 0xe5, 0xd8, 0xde, 0xae, 0x0d,
	0x58, 0x1e, 0xbd, 0x16, 0x58, 0x04, 0xbc, 0x99, 0x86, 0x5a, 0xd2, 0x24,
	0x8b, 0x41, 0xa6, 0xd7, 0x38, 0x12, 0x1b, 0xe8, 0xac, 0x99, 0x13, 0x71,
	0x2d, 0x9f, 0xfc, 0xa8, 0xf6, 0x52, 0x23, 0x3b, 0xf6, 0xa4, 0xcf, 0x1f,
	0x17, 0x51, 0x2d, 0x8c, 0xea, 0x77, 0x2f, 0xf0, 0x1e, 0xfa, 0x77, 0x69,
	0xef, 0xd6, 0x38, 0x83, 0xc0, 0xa8, 0x5b, 0xeb, 0x12, 0x44, 0x33, 0x10,
	0xbc, 0x4c, 0x82, 0x44, 0x13, 0xc3, 0x90, 0xf3, 0xaa, 0x0b, 0x63, 0x9c,
	0x29, 0x25, 0xea, 0x0f, 0xf0, 0x67, 0xb0, 0xe4, 0x7d, 0xd8, 0xa2, 0x8a,
	0xb9, 0xac, 0xd6, 0x97, 0x6a, 0x59, 0xfa, 0x05, 0xa4, 0x16, 0xcc, 0xc2,
	0xba, 0x00, 0x00, 0x00,
};

/* Report a failure that leaves nothing to do but exit. */
static void
die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "kong-testsite: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* calloc that never returns NULL. */
static void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		die("out of memory");
	return (p);
}

/* A NUL-terminated copy of N bytes of S. Caller frees. */
static char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	p = xcalloc(1, n + 1);
	memcpy(p, s, n);
	return (p);
}

/* A copy of S. Caller frees. */
static char *
xstrdup(const char *s)
{
	return (xstrndup(s, strlen(s)));
}

/* A formatted string. Caller frees. */
static char *
xprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		die("out of memory");
	va_end(ap);
	return (s);
}

/* An empty evbuffer. Caller frees. */
static struct evbuffer *
buf_new(void)
{
	struct evbuffer	*b;

	if ((b = evbuffer_new()) == NULL)
		die("out of memory");
	return (b);
}

/* Parse a decimal number in [min, max]: 0, or -1 if S is not one. */
static int
parse_long(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

/* The value of a hex digit, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Decode %XX and '+' into DST (room for LEN + 1); returns the length. */
static size_t
url_decode(char *dst, const char *src, size_t len)
{
	size_t	i, n = 0;
	int	hi, lo;

	for (i = 0; i < len; i++) {
		if (src[i] == '+')
			dst[n++] = ' ';
		else if (src[i] == '%' && i + 2 < len &&
		    (hi = hexval((unsigned char)src[i + 1])) != -1 &&
		    (lo = hexval((unsigned char)src[i + 2])) != -1) {
			dst[n++] = (char)(hi * 16 + lo);
			i += 2;
		} else
			dst[n++] = src[i];
	}
	dst[n] = '\0';
	return (n);
}

/* Append a field to Q, taking NAME and VALUE (heap strings). */
static struct field *
field_new(struct fieldq *q, char *name, char *value, size_t valuelen)
{
	struct field	*f;

	f = xcalloc(1, sizeof *f);
	f->name = name;
	f->value = value;
	f->valuelen = valuelen;
	TAILQ_INSERT_TAIL(q, f, entry);
	return (f);
}

/* Free every field of Q. */
static void
fields_clear(struct fieldq *q)
{
	struct field	*f;

	while ((f = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, f, entry);
		free(f->name);
		free(f->value);
		free(f->filename);
		free(f->type);
		free(f);
	}
}

/* The value of the first field called NAME, or NULL. */
static const char *
fields_get(struct fieldq *q, const char *name)
{
	struct field	*f;

	TAILQ_FOREACH(f, q, entry) {
		if (strcmp(f->name, name) == 0)
			return (f->value);
	}
	return (NULL);
}

/* Parse form-urlencoded text (a query or a body) into Q, in order. */
static void
form_parse(struct fieldq *q, const char *s, size_t len)
{
	const char	*p = s, *end = s + len, *amp, *eq, *nend;
	char		*name, *value;
	size_t		 vlen;

	while (p < end) {
		if ((amp = memchr(p, '&', end - p)) == NULL)
			amp = end;
		if (amp > p) {
			eq = memchr(p, '=', amp - p);
			nend = eq != NULL ? eq : amp;
			name = xcalloc(1, nend - p + 1);
			url_decode(name, p, nend - p);
			if (eq != NULL) {
				value = xcalloc(1, amp - eq);
				vlen = url_decode(value, eq + 1, amp - eq - 1);
			} else {
				value = xstrdup("");
				vlen = 0;
			}
			field_new(q, name, value, vlen);
		}
		p = amp + 1;
	}
}

/* Whether the media type CTYPE is WANT, parameters aside. */
static int
type_is(const char *ctype, const char *want)
{
	size_t	n = strlen(want);

	while (*ctype == ' ' || *ctype == '\t')
		ctype++;
	return (strncasecmp(ctype, want, n) == 0 && (ctype[n] == '\0' ||
	    ctype[n] == ';' || ctype[n] == ' ' || ctype[n] == '\t'));
}

/* A parameter value at P, unquoted. Caller frees. */
static char *
param_value(const char *p)
{
	struct evbuffer	*b;
	char		*s;
	size_t		 len;

	if (*p != '"') {
		len = strcspn(p, "; \t");
		return (xstrndup(p, len));
	}
	b = buf_new();
	for (p++; *p != '\0' && *p != '"'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		evbuffer_add(b, p, 1);
	}
	len = evbuffer_get_length(b);
	s = xcalloc(1, len + 1);
	evbuffer_remove(b, s, len);
	evbuffer_free(b);
	return (s);
}

/*
 * Parameter NAME of a header value such as `form-data; name="a"` or
 * `multipart/form-data; boundary=x`, unquoted. Caller frees; NULL if absent.
 */
static char *
header_param(const char *s, const char *name)
{
	size_t		 n = strlen(name);
	const char	*p = s;
	int		 quoted;

	for (;;) {
		/* Skip to the next ';' outside quotes. */
		quoted = 0;
		while (*p != '\0' && (quoted || *p != ';')) {
			if (*p == '"')
				quoted = !quoted;
			else if (*p == '\\' && quoted && p[1] != '\0')
				p++;
			p++;
		}
		if (*p == '\0')
			return (NULL);
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, name, n) == 0 && p[n] == '=')
			return (param_value(p + n + 1));
	}
}

/* Parse a multipart/form-data body into Q, files included: 0, or -1. */
static int
multipart_parse(struct fieldq *q, const char *ctype, const char *body,
    size_t len)
{
	const char	*p, *end = body + len, *hend, *data, *next, *l, *eol;
	char		*boundary, *delim, *line, *name, *filename, *type;
	struct field	*f;
	size_t		 dlen;
	int		 rc = -1;

	boundary = header_param(ctype, "boundary");
	if (boundary == NULL || *boundary == '\0') {
		free(boundary);
		return (-1);
	}
	delim = xprintf("\r\n--%s", boundary);
	dlen = strlen(delim);

	/* The first delimiter may open the body, without its CRLF. */
	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
		p = body + dlen - 2;
	else if ((p = memmem(body, len, delim, dlen)) != NULL)
		p += dlen;
	else
		goto out;

	for (;;) {
		if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
			rc = 0;
			break;
		}
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			break;
		p += 2;
		/* From p - 2, so that a part without headers is found. */
		if ((hend = memmem(p - 2, end - p + 2, "\r\n\r\n", 4)) == NULL)
			break;
		data = hend + 4;
		if ((next = memmem(data, end - data, delim, dlen)) == NULL)
			break;

		name = filename = type = NULL;
		for (l = p; l < hend; l = eol + 2) {
			if ((eol = memmem(l, hend - l, "\r\n", 2)) == NULL)
				eol = hend;
			line = xstrndup(l, eol - l);
			if (strncasecmp(line, "Content-Disposition:",
			    20) == 0) {
				free(name);
				free(filename);
				name = header_param(line + 20, "name");
				filename = header_param(line + 20, "filename");
			} else if (strncasecmp(line, "Content-Type:",
			    13) == 0) {
				free(type);
				type = xstrdup(line + 13 + strspn(line + 13,
				    " \t"));
			}
			free(line);
		}
		if (name == NULL) {
			free(filename);
			free(type);
			break;
		}
		f = field_new(q, name, xstrndup(data, next - data),
		    next - data);
		f->filename = filename;
		f->type = type;
		p = next + dlen;
	}
out:
	free(delim);
	free(boundary);
	return (rc);
}

/* Parse a form body by its Content-Type: 0 parsed, 1 not a form, -1 bad. */
static int
body_fields(const char *ctype, const char *data, size_t len, struct fieldq *q)
{
	if (ctype == NULL)
		return (1);
	if (type_is(ctype, "application/x-www-form-urlencoded")) {
		form_parse(q, data, len);
		return (0);
	}
	if (type_is(ctype, "multipart/form-data"))
		return (multipart_parse(q, ctype, data, len));
	return (1);
}

/* The request body, contiguous (not NUL-terminated); *LEN is its length. */
static const char *
body_data(struct evhttp_request *req, size_t *len)
{
	struct evbuffer	*b = evhttp_request_get_input_buffer(req);

	*len = evbuffer_get_length(b);
	if (*len == 0)
		return ("");
	return ((const char *)evbuffer_pullup(b, -1));
}

/* Parse the form fields of a request body into Q: see body_fields. */
static int
request_fields(struct evhttp_request *req, struct fieldq *q)
{
	const char	*ctype, *data;
	size_t		 len;

	ctype = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Type");
	data = body_data(req, &len);
	return (body_fields(ctype, data, len, q));
}

/* Parse every Cookie header of the request into Q, in order. */
static void
cookies_parse(struct evhttp_request *req, struct fieldq *q)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evkeyval		*kv;
	const char		*p, *end, *eq, *nend, *v;

	TAILQ_FOREACH(kv, in, next) {
		if (strcasecmp(kv->key, "Cookie") != 0)
			continue;
		for (p = kv->value; *p != '\0'; p = end) {
			while (*p == ' ' || *p == '\t' || *p == ';')
				p++;
			if (*p == '\0')
				break;
			end = p + strcspn(p, ";");
			if ((eq = memchr(p, '=', end - p)) == NULL)
				eq = end;
			nend = eq;
			while (nend > p && (nend[-1] == ' ' ||
			    nend[-1] == '\t'))
				nend--;
			v = eq < end ? eq + 1 : end;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			field_new(q, xstrndup(p, nend - p),
			    xstrndup(v, end - v), end - v);
		}
	}
}

/* Append S (LEN bytes) escaped for HTML text and attribute values. */
static void
add_html(struct evbuffer *b, const char *s, size_t len)
{
	size_t		 i, start = 0;
	const char	*rep;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		evbuffer_add(b, s + start, i - start);
		evbuffer_add(b, rep, strlen(rep));
		start = i + 1;
	}
	evbuffer_add(b, s + start, len - start);
}

/* Append the string S escaped for HTML. */
static void
add_htmls(struct evbuffer *b, const char *s)
{
	add_html(b, s, strlen(s));
}

/*
 * Append a value for an echo line: HTML-escaped, with control bytes and
 * backslash as C escapes so that each value stays on its line.
 */
static void
add_echo(struct evbuffer *b, const char *s, size_t len)
{
	size_t		 i;
	unsigned char	 ch;

	for (i = 0; i < len; i++) {
		ch = (unsigned char)s[i];
		switch (ch) {
		case '\n':
			evbuffer_add(b, "\\n", 2);
			break;
		case '\r':
			evbuffer_add(b, "\\r", 2);
			break;
		case '\t':
			evbuffer_add(b, "\\t", 2);
			break;
		case '\\':
			evbuffer_add(b, "\\\\", 2);
			break;
		default:
			if (ch < 0x20 || ch == 0x7f)
				evbuffer_add_printf(b, "\\x%02x", ch);
			else
				add_html(b, s + i, 1);
			break;
		}
	}
}

/* The reason phrase of CODE, or NULL to let libevent pick one. */
static const char *
reason(int code)
{
	static const struct {
		int		 code;
		const char	*text;
	} reasons[] = {
		{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
		{ 204, "No Content" }, { 206, "Partial Content" },
		{ 301, "Moved Permanently" }, { 302, "Found" },
		{ 303, "See Other" }, { 304, "Not Modified" },
		{ 307, "Temporary Redirect" }, { 308, "Permanent Redirect" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 408, "Request Timeout" },
		{ 410, "Gone" }, { 418, "I'm a teapot" },
		{ 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" }
	};
	size_t	i;

	for (i = 0; i < nitems(reasons); i++) {
		if (reasons[i].code == code)
			return (reasons[i].text);
	}
	return (NULL);
}

/* The reason phrase of CODE for a page, never NULL. */
static const char *
reason_text(int code)
{
	const char	*s = reason(code);

	return (s != NULL ? s : "Status");
}

/* The name of an HTTP method. */
static const char *
method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return ("GET");
	case EVHTTP_REQ_POST:
		return ("POST");
	case EVHTTP_REQ_HEAD:
		return ("HEAD");
	case EVHTTP_REQ_PUT:
		return ("PUT");
	case EVHTTP_REQ_DELETE:
		return ("DELETE");
	case EVHTTP_REQ_OPTIONS:
		return ("OPTIONS");
	case EVHTTP_REQ_TRACE:
		return ("TRACE");
	case EVHTTP_REQ_CONNECT:
		return ("CONNECT");
	case EVHTTP_REQ_PATCH:
		return ("PATCH");
	default:
		return ("UNKNOWN");
	}
}

/* Set response header NAME, replacing an earlier value. */
static void
header_set(struct evhttp_request *req, const char *name, const char *value)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);

	evhttp_remove_header(out, name);
	evhttp_add_header(out, name, value);
}

/* Send a complete response and free BODY (which may be NULL). */
static void
reply(struct evhttp_request *req, int code, const char *ctype,
    struct evbuffer *body)
{
	if (ctype != NULL)
		header_set(req, "Content-Type", ctype);
	evhttp_send_reply(req, code, reason(code), body);
	if (body != NULL)
		evbuffer_free(body);
}

/* Send a text/plain response. */
static void
reply_text(struct evhttp_request *req, int code, const char *text)
{
	struct evbuffer	*b = buf_new();

	evbuffer_add(b, text, strlen(text));
	reply(req, code, TEXT_TYPE, b);
}

/* Begin an HTML document up to its title; the caller closes the head. */
static void
page_head(struct evbuffer *b, const char *title)
{
	evbuffer_add_printf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>");
	add_htmls(b, title);
	evbuffer_add_printf(b, "</title>\n");
}

/* A plain page up to the start of its body. Caller frees. */
static struct evbuffer *
page_start(const char *title)
{
	struct evbuffer	*b = buf_new();

	page_head(b, title);
	evbuffer_add_printf(b, "</head>\n<body>\n");
	return (b);
}

/* Close a plain page. */
static void
page_finish(struct evbuffer *b)
{
	evbuffer_add_printf(b, "</body>\n</html>\n");
}

/* Send a plain HTML page whose body is printf'd (arguments pre-escaped). */
static void
reply_page(struct evhttp_request *req, int code, const char *title,
    const char *fmt, ...)
{
	struct evbuffer	*b = page_start(title);
	va_list		 ap;

	va_start(ap, fmt);
	evbuffer_add_vprintf(b, fmt, ap);
	va_end(ap);
	page_finish(b);
	reply(req, code, HTML_TYPE, b);
}

/* Send an error or status page: "CODE Reason" as title and heading. */
static void
reply_status(struct evhttp_request *req, int code, const char *detail)
{
	char	title[128];

	snprintf(title, sizeof title, "%d %s", code, reason_text(code));
	reply_page(req, code, title, "<h1>%s</h1>\n%s", reason_text(code),
	    detail);
}

/* Send a redirect to LOCATION, with a small page linking it. */
static void
redirect(struct evhttp_request *req, int code, const char *location)
{
	struct evbuffer	*b;
	char		 title[128];

	if (evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Location", location) != 0) {
		reply_status(req, 400, "<p>That location is not allowed in a "
		    "header.</p>\n");
		return;
	}
	snprintf(title, sizeof title, "%d %s", code, reason_text(code));
	b = page_start(title);
	evbuffer_add_printf(b, "<h1>%s</h1>\n<p>This page has moved to "
	    "<a href=\"", reason_text(code));
	add_htmls(b, location);
	evbuffer_add_printf(b, "\">");
	add_htmls(b, location);
	evbuffer_add_printf(b, "</a>.</p>\n");
	page_finish(b);
	reply(req, code, HTML_TYPE, b);
}

/* Whether the request is a HEAD, whose answer has no body. */
static int
is_head(struct evhttp_request *req)
{
	return (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD);
}

/* A query parameter, or NULL. */
static const char *
param(struct call *c, const char *name)
{
	return (fields_get(&c->params, name));
}

/* A numeric query parameter in [min, max]; DEF when absent or invalid. */
static long
param_num(struct call *c, const char *name, long def, long min, long max)
{
	long	v;

	if (parse_long(param(c, name), min, max, &v) != 0)
		return (def);
	return (v);
}

/* Create a session and copy its token to TOKEN (SESSION_LEN + 1 bytes). */
static void
session_create(char *token)
{
	unsigned char	rnd[(SESSION_LEN - 4) / 2];
	unsigned	slot;
	size_t		i;

	slot = site.session_next++ % SESSION_SLOTS;
	evutil_secure_rng_get_bytes(rnd, sizeof rnd);
	snprintf(token, 5, "%04x", slot);
	for (i = 0; i < sizeof rnd; i++)
		snprintf(token + 4 + i * 2, 3, "%02x", rnd[i]);
	memcpy(site.sessions[slot], token, SESSION_LEN + 1);
}

/* The slot of a valid session TOKEN, or -1. */
static int
session_find(const char *token)
{
	long	slot;
	char	hex[5];

	if (token == NULL || strlen(token) != SESSION_LEN ||
	    strspn(token, "0123456789abcdef") != SESSION_LEN)
		return (-1);
	memcpy(hex, token, 4);
	hex[4] = '\0';
	slot = strtol(hex, NULL, 16);
	if (strcmp(site.sessions[slot], token) != 0)
		return (-1);
	return ((int)slot);
}

/* The session slot of the request's session cookie, or -1. */
static int
session_of(struct evhttp_request *req)
{
	struct fieldq	cookies;
	int		slot;

	TAILQ_INIT(&cookies);
	cookies_parse(req, &cookies);
	slot = session_find(fields_get(&cookies, "session"));
	fields_clear(&cookies);
	return (slot);
}

/* Stop tracking P; the caller has answered or dropped its request. */
static void
pending_free(struct pending *p)
{
	if (p->evcon != NULL)
		evhttp_connection_set_closecb(p->evcon, NULL, NULL);
	event_free(p->timer);
	if (p->watch != NULL)
		event_free(p->watch);
	TAILQ_REMOVE(&site.pendings, p, entry);
	free(p);
}

/* Start tracking a request answered later; see the top of the file. */
static struct pending *
pending_create(struct evhttp_request *req, enum pending_kind kind)
{
	struct pending	*p;
	evutil_socket_t	 fd;

	p = xcalloc(1, sizeof *p);
	p->kind = kind;
	p->req = req;
	p->evcon = evhttp_request_get_connection(req);
	evhttp_connection_set_closecb(p->evcon, pending_close_cb, p);
	if ((p->timer = evtimer_new(site.base, pending_timer_cb, p)) == NULL)
		die("evtimer_new failed");
	if (kind != PENDING_RAW) {
		fd = bufferevent_getfd(evhttp_connection_get_bufferevent(
		    p->evcon));
		p->watch = event_new(site.base, fd, EV_READ|EV_PERSIST,
		    pending_watch_cb, p);
		if (p->watch == NULL)
			die("event_new failed");
		event_add(p->watch, NULL);
	}
	TAILQ_INSERT_TAIL(&site.pendings, p, entry);
	return (p);
}

/* Drop P's connection without answering; this frees its request too. */
static void
pending_drop(struct pending *p)
{
	struct evhttp_connection	*evcon = p->evcon;

	pending_free(p);
	evhttp_connection_free(evcon);
}

/*
 * evhttp is freeing P's connection. If it has detached the request (the
 * client left mid-answer), the request is ours to free; otherwise evhttp
 * frees it with the connection.
 */
static void
pending_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct pending	*p = arg;

	p->evcon = NULL;
	if (evhttp_request_get_connection(p->req) == NULL)
		evhttp_request_free(p->req);
	pending_free(p);
}

/*
 * The client's socket is readable while its request is ours: either it
 * closed (drop the connection now, rather than leak it until a write
 * fails) or it sent a pipelined request, which evhttp will read later.
 */
static void
pending_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pending	*p = arg;
	char		 ch;
	ssize_t		 n;

	n = recv(fd, &ch, 1, MSG_PEEK);
	if (n > 0) {
		event_del(p->watch);
		return;
	}
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	pending_drop(p);
}

/* Read no more timeouts while a stream runs: drips and streams are long. */
static void
pending_long(struct pending *p)
{
	bufferevent_set_timeouts(evhttp_connection_get_bufferevent(p->evcon),
	    NULL, &site.timeout);
}

/* End a streamed answer: restore the timeouts, send the last chunk. */
static void
pending_finish(struct pending *p)
{
	struct evhttp_request	*req = p->req;

	evhttp_connection_set_timeout_tv(p->evcon, &site.timeout);
	pending_free(p);
	evhttp_send_reply_end(req);
}

/* The timer of a pending request: answer, drip a byte, or drop. */
static void
pending_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pending		*p = arg;
	struct evhttp_request	*req = p->req;
	struct evbuffer		*b;
	void			(*respond)(struct evhttp_request *, void *);
	void			*rarg;

	switch (p->kind) {
	case PENDING_DELAY:
		respond = p->respond;
		rarg = p->arg;
		pending_free(p);
		respond(req, rarg);
		break;
	case PENDING_DRIP:
		b = buf_new();
		evbuffer_add(b, &"0123456789"[p->sent % 10], 1);
		p->sent++;
		evhttp_send_reply_chunk(req, b);
		evbuffer_free(b);
		if (p->sent < p->total)
			evtimer_add(p->timer, &p->tick);
		else
			pending_finish(p);
		break;
	case PENDING_RAW:
		pending_drop(p);
		break;
	case PENDING_HANG:
	case PENDING_STREAM:
		break;
	}
}

/* Answer REQ with RESPOND(req, ARG) after MS milliseconds. */
static void
delay_start(struct evhttp_request *req, long ms,
    void (*respond)(struct evhttp_request *, void *), void *arg)
{
	struct pending	*p;
	struct timeval	 tv;

	p = pending_create(req, PENDING_DELAY);
	p->respond = respond;
	p->arg = arg;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(p->timer, &tv);
}

/* Raw connection: discard whatever the client sends. */
static void
raw_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);

	evbuffer_drain(in, evbuffer_get_length(in));
}

/* Raw connection: once the bytes are out, drop it from the timer. */
static void
raw_write_cb(struct bufferevent *bev, void *arg)
{
	struct pending	*p = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		event_active(p->timer, EV_TIMEOUT, 1);
}

/* Raw connection: EOF, error or timeout; drop it from the timer. */
static void
raw_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct pending	*p = arg;

	event_active(p->timer, EV_TIMEOUT, 1);
}

/* Answer with raw bytes (none: just close) on the request's connection. */
static void
raw_reply(struct evhttp_request *req, const char *data, size_t len)
{
	struct pending		*p;
	struct bufferevent	*bev;

	p = pending_create(req, PENDING_RAW);
	bev = evhttp_connection_get_bufferevent(p->evcon);
	bufferevent_setcb(bev, raw_read_cb, raw_write_cb, raw_event_cb, p);
	bufferevent_enable(bev, EV_READ|EV_WRITE);
	if (len == 0)
		event_active(p->timer, EV_TIMEOUT, 1);
	else
		bufferevent_write(bev, data, len);
}

/* The filler document of /big and /endless: a head, lines, a foot. */
static const char big_head[] = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>"
    "<meta charset=\"utf-8\"><title>Big</title></head>\n<body>\n";
static const char big_foot[] = "</body>\n</html>\n";
static const char big_line[] = "<p>Filler line of the Kong test site: the "
    "quick brown fox jumps over the lazy dog.</p>\n";
#define BIG_LINES	256
static char big_block[(sizeof big_line - 1) * BIG_LINES];

/* Fill big_block with copies of big_line. */
static void
big_init(void)
{
	size_t	i, n = sizeof big_line - 1;

	for (i = 0; i < BIG_LINES; i++)
		memcpy(big_block + i * n, big_line, n);
}

/*
 * Append bytes [off, off + n) of the filler document of TOTAL bytes
 * (UINT64_MAX: endless). Documents too short for head and foot are lines.
 */
static void
big_add(struct evbuffer *b, uint64_t off, uint64_t n, uint64_t total)
{
	uint64_t	hl = sizeof big_head - 1, fl = sizeof big_foot - 1;
	uint64_t	base, k, pos, lines_end;
	int		framed = total >= hl + fl;

	base = framed ? hl : 0;
	lines_end = framed && total != UINT64_MAX ? total - fl : total;
	while (n > 0) {
		if (framed && off < hl) {
			k = hl - off < n ? hl - off : n;
			evbuffer_add(b, big_head + off, k);
		} else if (off >= lines_end) {
			k = total - off < n ? total - off : n;
			evbuffer_add(b, big_foot + (off - lines_end), k);
		} else {
			pos = (off - base) % sizeof big_block;
			k = sizeof big_block - pos;
			if (k > n)
				k = n;
			if (k > lines_end - off)
				k = lines_end - off;
			evbuffer_add(b, big_block + pos, k);
		}
		off += k;
		n -= k;
	}
}

/* Send the next block of a stream, or the last; evhttp calls it back. */
static void
stream_more_cb(struct evhttp_connection *evcon, void *arg)
{
	struct pending	*p = arg;
	struct evbuffer	*b;
	uint64_t	 n;

	n = p->total - p->sent < STREAM_BLOCK ? p->total - p->sent :
	    STREAM_BLOCK;
	b = buf_new();
	big_add(b, p->sent, n, p->total);
	p->sent += n;
	if (p->sent == p->total) {
		evhttp_send_reply_chunk(p->req, b);
		evbuffer_free(b);
		pending_finish(p);
		return;
	}
	evhttp_send_reply_chunk_with_cb(p->req, b, stream_more_cb, p);
	evbuffer_free(b);
}

/* Stream the filler document of TOTAL bytes (UINT64_MAX: endless). */
static void
stream_start(struct evhttp_request *req, uint64_t total)
{
	struct pending	*p;
	char		 len[32];

	if (total != UINT64_MAX) {
		snprintf(len, sizeof len, "%" PRIu64, total);
		header_set(req, "Content-Length", len);
	}
	header_set(req, "Content-Type", HTML_TYPE);
	evhttp_send_reply_start(req, 200, "OK");
	if (total == 0 || is_head(req)) {
		evhttp_send_reply_end(req);
		return;
	}
	p = pending_create(req, PENDING_STREAM);
	p->total = total;
	pending_long(p);
	stream_more_cb(p->evcon, p);
}

/* ---- Common routes ---- */

/* /: an index of the test pages. */
static void
route_index(struct call *c)
{
	struct evbuffer	*b = page_start("Kong test site");

	evbuffer_add_printf(b, "<h1>Kong test site</h1>\n<p>Instance <strong>");
	add_htmls(b, site.label);
	evbuffer_add_printf(b, "</strong>.</p>\n"
	    "<h2>Forms</h2>\n<ul>\n"
	    "<li><a href=\"/forms-basic.html\">Text inputs</a></li>\n"
	    "<li><a href=\"/forms-checks.html\">Checkboxes and radio "
	    "buttons</a></li>\n"
	    "<li><a href=\"/forms-select.html\">Selects</a></li>\n"
	    "<li><a href=\"/forms-buttons.html\">Submit buttons</a></li>\n"
	    "<li><a href=\"/forms-two.html\">Several forms with equal field "
	    "names</a></li>\n"
	    "<li><a href=\"/forms-global.html\">Inputs outside any "
	    "form</a></li>\n"
	    "<li><a href=\"/forms-methods.html\">Methods and actions</a></li>\n"
	    "<li><a href=\"/forms-upload.html\">File upload</a></li>\n"
	    "</ul>\n<h2>Pages</h2>\n<ul>\n"
	    "<li><a href=\"/links.html\">Links</a></li>\n"
	    "<li><a href=\"/links-base.html\">Links under a base "
	    "href</a></li>\n"
	    "<li><a href=\"/title.html\">A title with entities</a></li>\n"
	    "<li><a href=\"/refresh.html\">Meta refresh</a></li>\n"
	    "<li><a href=\"/utf8\">UTF-8</a>, <a href=\"/latin1\">Latin-1</a>, "
	    "<a href=\"/nocharset\">no charset</a></li>\n"
	    "<li><a href=\"/text\">Text</a>, <a href=\"/xml\">XML</a>, "
	    "<a href=\"/json\">JSON</a>, <a href=\"/gzip\">gzip</a>, "
	    "<a href=\"/chunked\">chunked</a>, <a href=\"/empty\">empty</a>"
	    "</li>\n</ul>\n<h2>Requests</h2>\n<ul>\n"
	    "<li><a href=\"/echo\">Echo</a></li>\n"
	    "<li><a href=\"/headers\">Request headers</a></li>\n"
	    "<li><a href=\"/whoami\">Who am I</a></li>\n"
	    "<li><a href=\"/cookies\">Cookies</a></li>\n"
	    "</ul>\n<h2>Redirects</h2>\n<ul>\n"
	    "<li><a href=\"/redirect/302\">302 redirect</a></li>\n"
	    "<li><a href=\"/chain/3\">Redirect chain</a></li>\n"
	    "<li><a href=\"/loop\">Redirect loop</a></li>\n"
	    "<li><a href=\"/refresh\">Refresh</a></li>\n"
	    "</ul>\n<h2>Authentication</h2>\n<ul>\n"
	    "<li><a href=\"/basic\">Basic auth</a></li>\n"
	    "<li><a href=\"/login\">Log in</a></li>\n"
	    "<li><a href=\"/private\">Private area</a></li>\n"
	    "</ul>\n<h2>Errors</h2>\n<ul>\n"
	    "<li><a href=\"/status/404\">Status 404</a></li>\n"
	    "<li><a href=\"/error\">Server error</a></li>\n"
	    "<li><a href=\"/slow\">Slow page</a></li>\n"
	    "<li><a href=\"/raw/truncated\">Truncated response</a></li>\n"
	    "</ul>\n");
	page_finish(b);
	reply(c->req, 200, HTML_TYPE, b);
}

/* Append one echo line: "KEY: value". */
static void
echo_line(struct evbuffer *b, const char *key, const char *s, size_t len)
{
	evbuffer_add_printf(b, "%s: ", key);
	add_echo(b, s, len);
	evbuffer_add(b, "\n", 1);
}

/* Append the echo lines describing the request (see route_echo). */
static void
echo_lines(struct call *c, struct evbuffer *b)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(c->req);
	struct evkeyval		*kv;
	struct fieldq		 fields;
	struct field		*f;
	const char		*ctype, *data, *referer;
	size_t			 len;
	int			 rc, first;

	evbuffer_add_printf(b, "method: %s\n", method_name(c->method));
	echo_line(b, "path", c->path, strlen(c->path));
	echo_line(b, "query", c->query, strlen(c->query));
	TAILQ_FOREACH(f, &c->params, entry) {
		evbuffer_add_printf(b, "param: ");
		add_echo(b, f->name, strlen(f->name));
		evbuffer_add(b, "=", 1);
		add_echo(b, f->value, f->valuelen);
		evbuffer_add(b, "\n", 1);
	}
	ctype = evhttp_find_header(in, "Content-Type");
	echo_line(b, "content-type", ctype != NULL ? ctype : "",
	    ctype != NULL ? strlen(ctype) : 0);

	TAILQ_INIT(&fields);
	data = body_data(c->req, &len);
	rc = body_fields(ctype, data, len, &fields);
	if (rc == 0) {
		TAILQ_FOREACH(f, &fields, entry) {
			if (f->filename == NULL) {
				evbuffer_add_printf(b, "field: ");
				add_echo(b, f->name, strlen(f->name));
				evbuffer_add(b, "=", 1);
				add_echo(b, f->value, f->valuelen);
				evbuffer_add(b, "\n", 1);
				continue;
			}
			evbuffer_add_printf(b, "file: ");
			add_echo(b, f->name, strlen(f->name));
			evbuffer_add_printf(b, " filename=");
			add_echo(b, f->filename, strlen(f->filename));
			evbuffer_add_printf(b, " type=");
			if (f->type != NULL)
				add_echo(b, f->type, strlen(f->type));
			evbuffer_add_printf(b, " size=%zu\n", f->valuelen);
			echo_line(b, "content", f->value, f->valuelen <
			    ECHO_FILE_MAX ? f->valuelen : ECHO_FILE_MAX);
		}
	} else {
		if (rc == -1)
			evbuffer_add_printf(b, "multipart-error: malformed "
			    "multipart body\n");
		if (len > 0)
			echo_line(b, "raw-body", data, len < ECHO_RAW_MAX ?
			    len : ECHO_RAW_MAX);
	}
	fields_clear(&fields);

	referer = evhttp_find_header(in, "Referer");
	echo_line(b, "referer", referer != NULL ? referer : "",
	    referer != NULL ? strlen(referer) : 0);
	evbuffer_add_printf(b, "cookie: ");
	first = 1;
	TAILQ_FOREACH(kv, in, next) {
		if (strcasecmp(kv->key, "Cookie") != 0)
			continue;
		if (!first)
			evbuffer_add(b, "; ", 2);
		add_echo(b, kv->value, strlen(kv->value));
		first = 0;
	}
	evbuffer_add(b, "\n", 1);
}

/* /echo, /echo/...: the request, one "key: value" line each, in a <pre>. */
static void
route_echo(struct call *c)
{
	struct evbuffer	*b = page_start("Echo");

	evbuffer_add_printf(b, "<h1>Echo</h1>\n<pre>\n");
	echo_lines(c, b);
	evbuffer_add_printf(b, "</pre>\n");
	page_finish(b);
	reply(c->req, 200, HTML_TYPE, b);
}

/* /headers: the request headers as received, one "Name: value" a line. */
static void
route_headers(struct call *c)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(c->req);
	struct evkeyval		*kv;
	struct evbuffer		*b = buf_new();

	TAILQ_FOREACH(kv, in, next)
		evbuffer_add_printf(b, "%s: %s\n", kv->key, kv->value);
	reply(c->req, 200, TEXT_TYPE, b);
}

/* /whoami: the --label. */
static void
route_whoami(struct call *c)
{
	struct evbuffer	*b = buf_new();

	evbuffer_add_printf(b, "%s\n", site.label);
	reply(c->req, 200, TEXT_TYPE, b);
}

/* /redirect/CODE?to=URL: a redirect of that code (default to /redirected). */
static void
route_redirect(struct call *c)
{
	const char	*to = param(c, "to");
	long		 code;

	if (parse_long(c->rest, 300, 399, &code) != 0 || (code != 301 &&
	    code != 302 && code != 303 && code != 307 && code != 308)) {
		reply_status(c->req, 400, "<p>Use /redirect/301, 302, 303, 307 "
		    "or 308.</p>\n");
		return;
	}
	if (to == NULL || *to == '\0')
		to = "/redirected";
	redirect(c->req, (int)code, to);
}

/* /redirected: where redirects land; shows the method and fields. */
static void
route_redirected(struct call *c)
{
	struct evbuffer	*b = page_start("Redirected");

	evbuffer_add_printf(b, "<h1>You were redirected</h1>\n<pre>\n");
	echo_lines(c, b);
	evbuffer_add_printf(b, "</pre>\n");
	page_finish(b);
	reply(c->req, 200, HTML_TYPE, b);
}

/* /chain/N: a 302 to /chain/N-1, down to /chain/0, "end of chain". */
static void
route_chain(struct call *c)
{
	char	to[64];
	long	n;

	if (parse_long(c->rest, 0, NEWS_MAX, &n) != 0) {
		reply_status(c->req, 404, "<p>Use /chain/N.</p>\n");
		return;
	}
	if (n == 0) {
		reply_page(c->req, 200, "End of chain",
		    "<h1>End of chain</h1>\n"
		    "<p>This is the end of chain.</p>\n");
		return;
	}
	snprintf(to, sizeof to, "/chain/%ld", n - 1);
	redirect(c->req, 302, to);
}

/* /loop: a 302 to /loop2, which sends back here. */
static void
route_loop(struct call *c)
{
	redirect(c->req, 302, "/loop2");
}

/* /loop2: a 302 to /loop. */
static void
route_loop2(struct call *c)
{
	redirect(c->req, 302, "/loop");
}

/* Send a page that refreshes to TO after DELAY seconds, by meta or header. */
static void
refresh_page(struct call *c, long delay, const char *to, int header)
{
	struct evbuffer	*b = buf_new();
	char		*value;

	value = xprintf("%ld; url=%s", delay, to);
	if (header &&
	    evhttp_add_header(evhttp_request_get_output_headers(c->req),
	    "Refresh", value) != 0) {
		free(value);
		evbuffer_free(b);
		reply_status(c->req, 400, "<p>Bad refresh target.</p>\n");
		return;
	}
	page_head(b, "Refresh");
	if (!header) {
		evbuffer_add_printf(b, "<meta http-equiv=\"refresh\" "
		    "content=\"");
		add_htmls(b, value);
		evbuffer_add_printf(b, "\">\n");
	}
	evbuffer_add_printf(b, "</head>\n<body>\n<h1>Refresh</h1>\n"
	    "<p>Going to <a href=\"");
	add_htmls(b, to);
	evbuffer_add_printf(b, "\">");
	add_htmls(b, to);
	evbuffer_add_printf(b, "</a> in %ld seconds.</p>\n", delay);
	page_finish(b);
	free(value);
	reply(c->req, 200, HTML_TYPE, b);
}

/* The refresh target: the "to" parameter, or /refreshed. */
static const char *
refresh_target(struct call *c)
{
	const char	*to = param(c, "to");

	return (to != NULL && *to != '\0' ? to : "/refreshed");
}

/* /refresh?delay=N&to=URL: a meta refresh. */
static void
route_refresh(struct call *c)
{
	refresh_page(c, param_num(c, "delay", 0, 0, 86400), refresh_target(c),
	    0);
}

/* /refresh-header?delay=N&to=URL: a Refresh header instead of a meta. */
static void
route_refresh_header(struct call *c)
{
	refresh_page(c, param_num(c, "delay", 0, 0, 86400), refresh_target(c),
	    1);
}

/* /refresh-loop: a meta refresh to itself. */
static void
route_refresh_loop(struct call *c)
{
	refresh_page(c, 0, "/refresh-loop", 0);
}

/* /refreshed: where refreshes land. */
static void
route_refreshed(struct call *c)
{
	reply_page(c->req, 200, "Refreshed", "<h1>You were refreshed</h1>\n"
	    "<p>The refresh worked.</p>\n");
}

/* Whether the request carries Basic credentials admin:secret. */
static int
basic_ok(struct evhttp_request *req)
{
	const char	*v;

	v = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	if (v == NULL || strncasecmp(v, "Basic ", 6) != 0)
		return (0);
	v += 6;
	while (*v == ' ')
		v++;
	return (strcmp(v, "YWRtaW46c2VjcmV0") == 0);	/* admin:secret */
}

/* Basic auth for admin/secret, with or without a challenge on 401. */
static void
basic(struct call *c, int challenge)
{
	if (basic_ok(c->req)) {
		/* The header as received: a page that reflects credentials. */
		reply_page(c->req, 200, "Hello", "<h1>Hello, admin</h1>\n"
		    "<p>You are authenticated.</p>\n"
		    "<p>Authorization: Basic YWRtaW46c2VjcmV0</p>\n");
		return;
	}
	if (challenge)
		evhttp_add_header(evhttp_request_get_output_headers(c->req),
		    "WWW-Authenticate", "Basic realm=\"kong\"");
	reply_status(c->req, 401, "<p>Authentication required.</p>\n");
}

/* /basic: Basic auth, 401 with WWW-Authenticate. */
static void
route_basic(struct call *c)
{
	basic(c, 1);
}

/* /basic-noheader: Basic auth, 401 without WWW-Authenticate. */
static void
route_basic_noheader(struct call *c)
{
	basic(c, 0);
}

/* /setcookie?NAME=VALUE&...: set each as a cookie with Path=/. */
static void
route_setcookie(struct call *c)
{
	struct evkeyvalq	*out;
	struct evbuffer		*b = page_start("Cookies set");
	struct field		*f;
	char			*v;

	out = evhttp_request_get_output_headers(c->req);
	evbuffer_add_printf(b, "<h1>Cookies set</h1>\n<ul>\n");
	TAILQ_FOREACH(f, &c->params, entry) {
		if (*f->name == '\0')
			continue;
		v = xprintf("%s=%s; Path=/", f->name, f->value);
		if (evhttp_add_header(out, "Set-Cookie", v) == 0) {
			evbuffer_add_printf(b, "<li>");
			add_htmls(b, f->name);
			evbuffer_add(b, "=", 1);
			add_htmls(b, f->value);
			evbuffer_add_printf(b, "</li>\n");
		}
		free(v);
	}
	evbuffer_add_printf(b, "</ul>\n");
	page_finish(b);
	reply(c->req, 200, HTML_TYPE, b);
}

/* /cookies: the cookies received, "NAME=VALUE" a line. */
static void
route_cookies(struct call *c)
{
	struct fieldq	 cookies;
	struct field	*f;
	struct evbuffer	*b = buf_new();

	TAILQ_INIT(&cookies);
	cookies_parse(c->req, &cookies);
	TAILQ_FOREACH(f, &cookies, entry)
		evbuffer_add_printf(b, "%s=%s\n", f->name, f->value);
	fields_clear(&cookies);
	reply(c->req, 200, TEXT_TYPE, b);
}

/* The login form, as on every login page. */
static void
login_form(struct evbuffer *b)
{
	evbuffer_add_printf(b, "<form id=\"login\" name=\"login\" "
	    "action=\"/login\" method=\"post\">\n"
	    "<p><label for=\"username\">Username</label>\n"
	    "<input type=\"text\" id=\"username\" name=\"username\" "
	    "autocomplete=\"username\"></p>\n"
	    "<p><label for=\"password\">Password</label>\n"
	    "<input type=\"password\" id=\"password\" name=\"password\" "
	    "autocomplete=\"current-password\"></p>\n"
	    "<p><input type=\"submit\" value=\"Log in\"></p>\n</form>\n");
}

/*
 * GET: the login form. POST: admin/secret sets a session cookie and
 * redirects to NEXT; anything else (or BADLOGIN) shows "Invalid login".
 */
static void
login(struct call *c, const char *next, int badlogin)
{
	struct fieldq	 fields;
	struct evbuffer	*b;
	const char	*user, *pass;
	char		 token[SESSION_LEN + 1], *cookie;
	int		 ok = 0, posted = c->method == EVHTTP_REQ_POST;

	if (posted) {
		TAILQ_INIT(&fields);
		request_fields(c->req, &fields);
		user = fields_get(&fields, "username");
		pass = fields_get(&fields, "password");
		ok = !badlogin && user != NULL && pass != NULL &&
		    strcmp(user, "admin") == 0 && strcmp(pass, "secret") == 0;
		fields_clear(&fields);
	}
	if (ok) {
		session_create(token);
		cookie = xprintf("session=%s; Path=/; HttpOnly", token);
		evhttp_add_header(evhttp_request_get_output_headers(c->req),
		    "Set-Cookie", cookie);
		free(cookie);
		redirect(c->req, 302, next);
		return;
	}
	b = page_open(c, "Log in");
	evbuffer_add_printf(b, "<h1>Log in</h1>\n");
	if (posted)
		evbuffer_add_printf(b, "<p class=\"error\" role=\"alert\">"
		    "Invalid login. Check your username and password.</p>\n");
	login_form(b);
	page_close(c, b);
	reply(c->req, 200, HTML_TYPE, b);
}

/* /login: log in, then go to /private. */
static void
route_login(struct call *c)
{
	login(c, "/private", 0);
}

/* /private: 200 "Private area" with a session cookie, else 403. */
static void
route_private(struct call *c)
{
	if (session_of(c->req) == -1) {
		reply_status(c->req, 403, "<p>You need to <a href=\"/login\">"
		    "log in</a> first.</p>\n");
		return;
	}
	reply_page(c->req, 200, "Private area", "<h1>Private area</h1>\n"
	    "<p>Welcome, admin. <a href=\"/logout\">Log out</a></p>\n");
}

/* /logout: forget the session and clear its cookie. */
static void
route_logout(struct call *c)
{
	struct evbuffer	*b;
	int		 slot;

	if ((slot = session_of(c->req)) != -1)
		site.sessions[slot][0] = '\0';
	evhttp_add_header(evhttp_request_get_output_headers(c->req),
	    "Set-Cookie", "session=; Path=/; Max-Age=0; HttpOnly");
	b = page_open(c, "Logged out");
	evbuffer_add_printf(b, "<h1>Logged out</h1>\n<p>You have been "
	    "logged out. <a href=\"/login\">Log in again</a></p>\n");
	page_close(c, b);
	reply(c->req, 200, HTML_TYPE, b);
}

/* The answer of /slow once its time is up. */
static void
slow_respond(struct evhttp_request *req, void *arg)
{
	site.slow_inflight--;
	reply_page(req, 200, "Slow", "<h1>Slow response</h1>\n"
	    "<p>Answered after %ld ms.</p>\n", (long)(intptr_t)arg);
}

/*
 * /slow?ms=N: answer after N ms (default 1000), from a timer. Counts how
 * many are pending at once, so tests can see a client's concurrency caps
 * without timing anything (/stats).
 */
static void
route_slow(struct call *c)
{
	long	ms = param_num(c, "ms", 1000, 0, 3600000);

	if (++site.slow_inflight > site.slow_max)
		site.slow_max = site.slow_inflight;
	delay_start(c->req, ms, slow_respond, (void *)(intptr_t)ms);
}

/* /stats: the most /slow requests pending at once; /stats/reset. */
static void
route_stats(struct call *c)
{
	struct evbuffer	*b = evbuffer_new();

	if (strcmp(c->rest, "reset") == 0)
		site.slow_max = site.slow_inflight;
	evbuffer_add_printf(b, "slow_max %ld\nslow_inflight %ld\n",
	    site.slow_max, site.slow_inflight);
	reply(c->req, 200, TEXT_TYPE, b);
}

/* /hang: never answer; the connection stays until the client leaves. */
static void
route_hang(struct call *c)
{
	pending_create(c->req, PENDING_HANG);
}

/* /drip?bytes=N&ms=M: N bytes (default 10), one each M ms (default 100). */
static void
route_drip(struct call *c)
{
	struct pending	*p;
	long		 bytes, ms;

	bytes = param_num(c, "bytes", 10, 0, 1000000);
	ms = param_num(c, "ms", 100, 0, 60000);
	header_set(c->req, "Content-Type", TEXT_TYPE);
	evhttp_send_reply_start(c->req, 200, "OK");
	if (bytes == 0 || is_head(c->req)) {
		evhttp_send_reply_end(c->req);
		return;
	}
	p = pending_create(c->req, PENDING_DRIP);
	p->total = (uint64_t)bytes;
	p->tick.tv_sec = ms / 1000;
	p->tick.tv_usec = (ms % 1000) * 1000;
	pending_long(p);
	evtimer_add(p->timer, &p->tick);
}

/* /status/CODE: that status with a small page (no body for 204, 304). */
static void
route_status(struct call *c)
{
	char	detail[128];
	long	code;

	if (parse_long(c->rest, 200, 599, &code) != 0) {
		reply_status(c->req, 400, "<p>Use /status/CODE, CODE from 200 "
		    "to 599.</p>\n");
		return;
	}
	if (code == 204 || code == 304) {
		reply(c->req, (int)code, NULL, NULL);
		return;
	}
	snprintf(detail, sizeof detail, "<p>This page answered with status "
	    "%ld.</p>\n", code);
	reply_status(c->req, (int)code, detail);
}

/* /error: a 500. */
static void
route_error(struct call *c)
{
	reply_status(c->req, 500, "<p>Something went wrong on purpose.</p>\n");
}

/* /text: text/plain. */
static void
route_text(struct call *c)
{
	reply_text(c->req, 200, "plain text\nsecond line\n");
}

/* /xml: application/xml with a declaration. */
static void
route_xml(struct call *c)
{
	struct evbuffer	*b = buf_new();

	evbuffer_add_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<catalog>\n  <item id=\"1\">first item</item>\n"
	    "  <item id=\"2\">second item</item>\n</catalog>\n");
	reply(c->req, 200, "application/xml", b);
}

/* /json: application/json. */
static void
route_json(struct call *c)
{
	struct evbuffer	*b = buf_new();

	evbuffer_add_printf(b, "{\"site\": \"kong-testsite\", \"ok\": true, "
	    "\"items\": [1, 2, 3], \"nested\": {\"text\": \"caf\\u00e9\"}}\n");
	reply(c->req, 200, "application/json", b);
}

/* /utf8: Greek, Japanese and emoji, declared UTF-8. */
static void
route_utf8(struct call *c)
{
	reply_page(c->req, 200, "UTF-8 Καλημέρα",
	    "<h1>UTF-8</h1>\n"
	    "<p lang=\"el\">Greek: Καλημέρα κόσμε</p>\n"
	    "<p lang=\"ja\">Japanese: こんにちは世界</p>\n"
	    "<p>Emoji: 🦍 🍌</p>\n"
	    "<p lang=\"fr\">French: café crème</p>\n");
}

/* /latin1: ISO-8859-1 bytes, declared so. */
static void
route_latin1(struct call *c)
{
	struct evbuffer	*b = buf_new();

	evbuffer_add_printf(b, "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n"
	    "<meta charset=\"iso-8859-1\">\n<title>Caf\xe9 Latin-1</title>\n"
	    "</head>\n<body>\n<h1>Latin-1</h1>\n<p>Le caf\xe9 est pr\xeat, "
	    "cr\xe8me br\xfbl\xe9" "e incluse.</p>\n</body>\n</html>\n");
	reply(c->req, 200, "text/html; charset=iso-8859-1", b);
}

/* /nocharset: UTF-8 content, no charset anywhere. */
static void
route_nocharset(struct call *c)
{
	struct evbuffer	*b = buf_new();

	evbuffer_add_printf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<title>No charset</title>\n</head>\n<body>\n<h1>No charset</h1>\n"
	    "<p>A naïve café, served without a charset.</p>\n</body>\n"
	    "</html>\n");
	reply(c->req, 200, "text/html", b);
}

/* /gzip: a precomputed gzip body, whatever the client accepts. */
static void
route_gzip(struct call *c)
{
	struct evbuffer	*b = buf_new();

	evbuffer_add_reference(b, gzip_page, sizeof gzip_page, NULL, NULL);
	header_set(c->req, "Content-Encoding", "gzip");
	header_set(c->req, "Vary", "Accept-Encoding");
	reply(c->req, 200, HTML_TYPE, b);
}

/* Send one chunk of a chunked answer. */
static void
chunk_send(struct evhttp_request *req, const char *s)
{
	struct evbuffer	*b = buf_new();

	evbuffer_add(b, s, strlen(s));
	evhttp_send_reply_chunk(req, b);
	evbuffer_free(b);
}

/* /chunked: an HTML page in several chunks, "chunk 1" to "chunk 5". */
static void
route_chunked(struct call *c)
{
	char	line[64];
	int	i;

	header_set(c->req, "Content-Type", HTML_TYPE);
	evhttp_send_reply_start(c->req, 200, "OK");
	chunk_send(c->req, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>"
	    "<meta charset=\"utf-8\"><title>Chunked</title></head>\n<body>\n"
	    "<h1>Chunked</h1>\n");
	for (i = 1; i <= 5; i++) {
		snprintf(line, sizeof line, "<p>chunk %d</p>\n", i);
		chunk_send(c->req, line);
	}
	chunk_send(c->req, "</body>\n</html>\n");
	evhttp_send_reply_end(c->req);
}

/* /empty: 200 with an empty body. */
static void
route_empty(struct call *c)
{
	reply(c->req, 200, HTML_TYPE, NULL);
}

/* /big?bytes=N: N bytes of HTML (default 1 MiB, at most 1 GiB), streamed. */
static void
route_big(struct call *c)
{
	stream_start(c->req, (uint64_t)param_num(c, "bytes", BIG_DEFAULT, 0,
	    BIG_MAX));
}

/* /endless: HTML that never ends, until the client leaves. */
static void
route_endless(struct call *c)
{
	stream_start(c->req, UINT64_MAX);
}

/* /longheader?bytes=N: a response header X-Long whose value is N bytes. */
static void
route_longheader(struct call *c)
{
	long	 n = param_num(c, "bytes", 8192, 1, 16 * 1024 * 1024);
	char	*v;

	v = xcalloc(1, n + 1);
	memset(v, 'x', n);
	evhttp_add_header(evhttp_request_get_output_headers(c->req), "X-Long",
	    v);
	free(v);
	reply_page(c->req, 200, "Long header", "<h1>Long header</h1>\n"
	    "<p>The X-Long header holds %ld bytes.</p>\n", n);
}

/* The canned raw answers of /raw/NAME; hugeheaders is built. */
static const struct {
	const char	*name;
	const char	*head;		/* status line, headers; no CRLF */
	const char	*body;
	int		 length;	/* add a correct Content-Length */
} raw_answers[] = {
	{ "badstatus", "HTTZ/9.9 GARBAGE STATUS LINE\r\n"
	    "Content-Type: text/plain", "not an HTTP response\n", 0 },
	{ "truncated", "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: 1000\r\nConnection: close", "<p>partial", 0 },
	{ "badgzip", "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Encoding: gzip\r\nConnection: close",
	    "this is not gzip data at all", 1 },
	{ "badchunk", "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Transfer-Encoding: chunked\r\nConnection: close",
	    "5\r\nhello\r\nZZZ\r\nnot a chunk size\r\n0\r\n\r\n", 0 },
	{ "nolength", "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/html; charset=utf-8\r\nConnection: close",
	    "<p>This body ends when the connection closes.</p>\n", 0 },
	{ "close", NULL, NULL, 0 },
	{ "hugeheaders", NULL, "<p>huge headers</p>\n", 1 }
};

/* /raw/NAME: a hostile answer written on the connection, then close. */
static void
route_raw(struct call *c)
{
	struct evbuffer	*b;
	const char	*body;
	size_t		 i, len;
	int		 h;

	for (i = 0; i < nitems(raw_answers); i++) {
		if (strcmp(c->rest, raw_answers[i].name) == 0)
			break;
	}
	if (i == nitems(raw_answers)) {
		reply_status(c->req, 404, "<p>Raw answers: badstatus, "
		    "truncated, badgzip, badchunk, nolength, close, "
		    "hugeheaders.</p>\n");
		return;
	}
	body = raw_answers[i].body;
	if (body == NULL) {
		raw_reply(c->req, NULL, 0);
		return;
	}
	b = buf_new();
	if (raw_answers[i].head != NULL)
		evbuffer_add_printf(b, "%s\r\n", raw_answers[i].head);
	else {
		evbuffer_add_printf(b, "HTTP/1.1 200 OK\r\n"
		    "Content-Type: text/html; charset=utf-8\r\n"
		    "Connection: close\r\n");
		for (h = 1; h <= 200; h++)
			evbuffer_add_printf(b, "X-Filler-%03d: header %d of "
			    "200 of a response with huge headers\r\n", h, h);
	}
	if (raw_answers[i].length)
		evbuffer_add_printf(b, "Content-Length: %zu\r\n", strlen(body));
	evbuffer_add_printf(b, "\r\n%s", body);
	len = evbuffer_get_length(b);
	raw_reply(c->req, (const char *)evbuffer_pullup(b, -1), len);
	evbuffer_free(b);
}

/* ---- Vhost routes: a small news site ---- */

static const char *news_subjects[] = {
	"City council", "Local startup", "University researchers",
	"Harbor authority", "Regional orchestra", "Transit agency",
	"Weather service", "Football club", "Library board", "Hospital staff",
	"Farmers' market", "Museum curators", "School district",
	"Mountain rescue team", "Bakery owners", "Cycling club"
};
static const char *news_verbs[] = {
	"approves", "unveils", "delays", "celebrates", "questions", "expands",
	"launches", "rethinks", "wins", "announces"
};
static const char *news_objects[] = {
	"new bike lanes", "a record budget", "plans for the old harbor",
	"a late-night bus line", "solar panels on every roof",
	"the summer festival", "a robot that sorts recycling",
	"free museum Sundays", "a river clean-up", "longer opening hours",
	"the championship trophy", "a four-day school week"
};
static const char *news_sections[] = {
	"Politics", "Business", "Science", "Culture", "Sports", "Local",
	"Weather", "Technology"
};
static const char *news_authors[] = {
	"Ada Lindqvist", "Tomas Ferreira", "Mei Tanaka", "Olu Adeyemi",
	"Sara Novak", "Jonas Berg"
};
static const char *news_sentences[] = {
	"The decision came after months of public meetings, in which "
	"residents filled the hall and queued at the microphone until late.",
	"Officials said the first results should be visible before the end of "
	"the year, although several details remain open.",
	"Critics warn that the costs have been underestimated and ask for an "
	"independent review before more money is spent.",
	"Supporters point to similar projects in neighbouring towns, where the "
	"changes were welcomed after a difficult first winter.",
	"A spokesperson declined to give a timetable but promised regular "
	"updates on the city website and in this newspaper.",
	"Local shop owners told us they are cautiously optimistic, even if the "
	"construction work will disrupt business for a while.",
	"The plan will be presented again at next month's session, where a "
	"final vote is expected after a short debate.",
	"Volunteers have already signed up in large numbers, and organisers "
	"say they could use more help on weekends.",
	"Experts we spoke to called the move overdue and said the region has "
	"been falling behind its neighbours for years.",
	"Residents can comment on the proposal until the end of the month, "
	"online or at the library on the market square.",
	"Funding comes partly from a regional programme that supports small "
	"communities with practical, long-lasting projects.",
	"The announcement surprised many observers, who had expected a "
	"decision only after the summer holidays."
};

/* The headline of story N: the same on every instance. */
static void
news_headline(char *buf, size_t size, unsigned n)
{
	snprintf(buf, size, "%s %s %s",
	    news_subjects[(n * 7) % nitems(news_subjects)],
	    news_verbs[(n * 3) % nitems(news_verbs)],
	    news_objects[(n * 5) % nitems(news_objects)]);
}

/* Append the byline of story N. */
static void
news_byline(struct evbuffer *b, unsigned n)
{
	unsigned	day = 28 - n % 28;

	evbuffer_add_printf(b, "<p class=\"byline\">By %s &middot; "
	    "<time datetime=\"2024-06-%02u\">June %u, 2024</time> &middot; "
	    "<a href=\"/search?q=%s\">%s</a></p>\n",
	    news_authors[n % nitems(news_authors)], day, day,
	    news_sections[n % nitems(news_sections)],
	    news_sections[n % nitems(news_sections)]);
}

/* Append the masthead of a vhost page; FRONT puts the name in an <h1>. */
static void
news_head(struct evbuffer *b, struct vhost *v, const char *title, int front,
    const char *q)
{
	const char	*tag = front ? "h1" : "p";

	page_head(b, title);
	evbuffer_add_printf(b, "<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"description\" content=\"Demo news site of the Kong "
	    "test site\">\n<style>\n"
	    "body { font-family: Georgia, serif; margin: 0 auto; "
	    "max-width: 60rem; color: #222; }\n"
	    ".masthead { border-bottom: 3px double #222; padding: 1rem 0; }\n"
	    ".masthead nav ul { list-style: none; display: flex; gap: 1rem; "
	    "padding: 0; }\n"
	    ".teaser { border-bottom: 1px solid #ddd; padding: .5rem 0; }\n"
	    ".byline { color: #666; font-size: .9rem; }\n"
	    ".error { color: #a00; }\n"
	    "aside { background: #f4f4f4; padding: 1rem; }\n"
	    "</style>\n</head>\n<body>\n<header class=\"masthead\">\n"
	    "<%s class=\"site-name\"><a href=\"/\">", tag);
	add_htmls(b, v->name);
	evbuffer_add_printf(b, "</a></%s>\n<p class=\"tagline\">Independent "
	    "local news since 1998</p>\n<nav aria-label=\"Main\">\n<ul>\n"
	    "<li><a href=\"/\">Home</a></li>\n"
	    "<li><a href=\"/search\">Search</a></li>\n"
	    "<li><a href=\"/login\">Log in</a></li>\n"
	    "<li><a href=\"/account\">Account</a></li>\n"
	    "<li><a href=\"/about\">About</a></li>\n"
	    "</ul>\n</nav>\n<form id=\"search\" name=\"search\" "
	    "class=\"search\" action=\"/search\" method=\"get\" "
	    "role=\"search\">\n<label for=\"q\">Search the news</label>\n"
	    "<input type=\"search\" id=\"q\" name=\"q\" value=\"", tag);
	add_htmls(b, q);
	evbuffer_add_printf(b, "\">\n<button type=\"submit\">Search</button>\n"
	    "</form>\n</header>\n");
}

/* Append the footer of a vhost page. */
static void
news_foot(struct evbuffer *b, struct vhost *v)
{
	evbuffer_add_printf(b, "<footer>\n<p>&copy; 2024 ");
	add_htmls(b, v->name);
	evbuffer_add_printf(b, " &middot; <a href=\"/about\">About</a> "
	    "&middot; <a href=\"/health\">Status</a></p>\n</footer>\n"
	    "</body>\n</html>\n");
}

/* Start a page in the request's layout: the news layout under a vhost. */
static struct evbuffer *
page_open(struct call *c, const char *title)
{
	struct evbuffer	*b;
	char		*full;

	if (c->vhost == NULL)
		return (page_start(title));
	b = buf_new();
	full = xprintf("%s - %s", title, c->vhost->name);
	news_head(b, c->vhost, full, 0, "");
	free(full);
	evbuffer_add_printf(b, "<main>\n");
	return (b);
}

/* Close a page begun with page_open. */
static void
page_close(struct call *c, struct evbuffer *b)
{
	if (c->vhost == NULL) {
		page_finish(b);
		return;
	}
	evbuffer_add_printf(b, "</main>\n");
	news_foot(b, c->vhost);
}

/* Append the teaser of story N for the front page. */
static void
news_teaser(struct evbuffer *b, unsigned n)
{
	char	headline[256];

	news_headline(headline, sizeof headline, n);
	evbuffer_add_printf(b, "<article class=\"teaser\" id=\"story-%u\">\n"
	    "<h3><a href=\"/news/%u\">%s</a></h3>\n", n, n, headline);
	news_byline(b, n);
	evbuffer_add_printf(b, "<p>%s %s %s</p>\n<p class=\"more\"><a "
	    "href=\"/news/%u\">Read more</a></p>\n</article>\n",
	    news_sentences[n % nitems(news_sentences)],
	    news_sentences[(n + 5) % nitems(news_sentences)],
	    news_sentences[(n + 9) % nitems(news_sentences)], n);
}

/* Render a vhost's front page once, its faults applied. */
static void
vhost_render(struct vhost *v)
{
	struct evbuffer	*b = buf_new();
	char		*title, headline[256], *page, *src, *dst, *hit, *end;
	size_t		 len, mlen;
	unsigned	 n;

	title = v->title != NULL ? xstrdup(v->title) :
	    xprintf("%s - Demo News", v->name);
	news_head(b, v, title, 1, "");
	free(title);
	evbuffer_add_printf(b, "<main>\n");
	if (!v->nonews)
		evbuffer_add_printf(b, "<h2>Latest News</h2>\n");
	for (n = 1; n <= NEWS_TEASERS; n++)
		news_teaser(b, n);
	evbuffer_add_printf(b, "</main>\n<aside>\n<section class=\"login\">\n"
	    "<h2>Subscriber login</h2>\n");
	login_form(b);
	evbuffer_add_printf(b, "</section>\n<section class=\"popular\">\n"
	    "<h2>Most read</h2>\n<ol>\n");
	for (n = 3; n <= 15; n += 3) {
		news_headline(headline, sizeof headline, n);
		evbuffer_add_printf(b, "<li><a href=\"/news/%u\">%s</a></li>\n",
		    n, headline);
	}
	evbuffer_add_printf(b, "</ol>\n</section>\n</aside>\n");
	news_foot(b, v);

	len = evbuffer_get_length(b);
	page = xcalloc(1, len + 1);
	evbuffer_remove(b, page, len);
	evbuffer_free(b);
	if (v->missing != NULL && (mlen = strlen(v->missing)) > 0) {
		src = dst = page;
		end = page + len;
		while ((hit = memmem(src, end - src, v->missing, mlen)) !=
		    NULL) {
			memmove(dst, src, hit - src);
			dst += hit - src;
			src = hit + mlen;
		}
		memmove(dst, src, end - src);
		len = dst - page + (end - src);
		page[len] = '\0';
	}
	v->front = page;
	v->frontlen = len;
}

/* Send a vhost's front page (after its slow= delay, if any). */
static void
front_respond(struct evhttp_request *req, void *arg)
{
	struct vhost	*v = arg;
	struct evbuffer	*b;
	char		 detail[256];

	if (v->status >= 400) {
		snprintf(detail, sizeof detail, "<p>The front page is failing "
		    "on purpose (status=%d).</p>\n", v->status);
		reply_status(req, v->status, detail);
		return;
	}
	b = buf_new();
	evbuffer_add_reference(b, v->front, v->frontlen, NULL, NULL);
	reply(req, v->status != 0 ? v->status : 200, HTML_TYPE, b);
}

/* Vhost /: the front page. */
static void
route_front(struct call *c)
{
	if (c->vhost->slow_ms > 0)
		delay_start(c->req, c->vhost->slow_ms, front_respond, c->vhost);
	else
		front_respond(c->req, c->vhost);
}

/* Vhost /search?q=X: the stories whose headline contains X. */
static void
route_search(struct call *c)
{
	const char	*q = param(c, "q");
	struct evbuffer	*b = buf_new();
	char		*title, headline[256];
	unsigned	 n, found = 0;

	if (q == NULL)
		q = "";
	title = xprintf("Search - %s", c->vhost->name);
	news_head(b, c->vhost, title, 0, q);
	free(title);
	evbuffer_add_printf(b, "<main>\n<h1>Search</h1>\n");
	if (*q == '\0') {
		evbuffer_add_printf(b, "<p>Type a word to search the "
		    "news.</p>\n");
	} else {
		evbuffer_add_printf(b, "<p class=\"summary\">Search results "
		    "for <strong>");
		add_htmls(b, q);
		evbuffer_add_printf(b, "</strong>:</p>\n"
		    "<ol class=\"results\">\n");
		for (n = 1; n <= NEWS_TEASERS; n++) {
			news_headline(headline, sizeof headline, n);
			if (strcasestr(headline, q) == NULL)
				continue;
			evbuffer_add_printf(b, "<li><a href=\"/news/%u\">%s</a>"
			    "</li>\n", n, headline);
			found++;
		}
		evbuffer_add_printf(b, "</ol>\n<p>%u stories found.</p>\n",
		    found);
	}
	evbuffer_add_printf(b, "</main>\n");
	news_foot(b, c->vhost);
	reply(c->req, 200, HTML_TYPE, b);
}

/* Vhost /login: log in, then go to /account. */
static void
route_vlogin(struct call *c)
{
	login(c, "/account", c->vhost->badlogin);
}

/* Vhost /account: "Welcome back, admin" with a session, else to /login. */
static void
route_account(struct call *c)
{
	struct evbuffer	*b;

	if (session_of(c->req) == -1) {
		redirect(c->req, 302, "/login");
		return;
	}
	b = page_open(c, "Account");
	evbuffer_add_printf(b, "<h1>Your account</h1>\n<p>Welcome back, "
	    "admin.</p>\n<p><a href=\"/logout\">Log out</a></p>\n");
	page_close(c, b);
	reply(c->req, 200, HTML_TYPE, b);
}

/* Vhost /health: "ok". */
static void
route_health(struct call *c)
{
	reply_text(c->req, 200, "ok\n");
}

/* Vhost /news/N: story N. */
static void
route_news(struct call *c)
{
	struct evbuffer	*b;
	char		 headline[256];
	long		 n;
	unsigned	 i;

	if (parse_long(c->rest, 1, NEWS_MAX, &n) != 0) {
		reply_status(c->req, 404, "<p>No such story.</p>\n");
		return;
	}
	news_headline(headline, sizeof headline, (unsigned)n);
	b = page_open(c, headline);
	evbuffer_add_printf(b, "<article class=\"story\" id=\"story-%ld\">\n"
	    "<h1>%s</h1>\n", n, headline);
	news_byline(b, (unsigned)n);
	for (i = 0; i < 5; i++)
		evbuffer_add_printf(b, "<p>%s</p>\n",
		    news_sentences[(n + i * 5) % nitems(news_sentences)]);
	evbuffer_add_printf(b, "</article>\n<p><a href=\"/\">Back to the "
	    "front page</a></p>\n");
	page_close(c, b);
	reply(c->req, 200, HTML_TYPE, b);
}

/* Vhost /about: about the site. */
static void
route_about(struct call *c)
{
	struct evbuffer	*b = page_open(c, "About");

	evbuffer_add_printf(b, "<h1>About ");
	add_htmls(b, c->vhost->name);
	evbuffer_add_printf(b, "</h1>\n<p>A demo news site served by the Kong "
	    "test site. Every story is made up.</p>\n<p>Contact: "
	    "<a href=\"mailto:newsroom@example.invalid\">newsroom@example."
	    "invalid</a></p>\n");
	page_close(c, b);
	reply(c->req, 200, HTML_TYPE, b);
}

/* --- DEPLOYS: headers, builds, a page that gets slow (Kong's extensions) --- */

/*
 * /respond-headers?NAME=VALUE&...: a page with each parameter as a
 * response header, in order; a name given twice gives two headers.
 */
static void
route_respond_headers(struct call *c)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(c->req);
	struct field		*f;
	struct evbuffer		*b = page_start("Response headers");

	TAILQ_FOREACH(f, &c->params, entry) {
		if (evhttp_add_header(out, f->name, f->value) != 0) {
			evbuffer_free(b);
			reply_text(c->req, 400, "bad header\n");
			return;
		}
		evbuffer_add_printf(b, "<p>");
		add_htmls(b, f->name);
		evbuffer_add_printf(b, ": ");
		add_htmls(b, f->value);
		evbuffer_add_printf(b, "</p>\n");
	}
	page_finish(b);
	reply(c->req, 200, HTML_TYPE, b);
}

/*
 * /build?id=ID: a deployed build: its id in an X-Build header and in a
 * <meta name="build"> tag, as a site that just got a deploy shows it.
 */
static void
route_build(struct call *c)
{
	const char	*id = param(c, "id");
	struct evbuffer	*b = buf_new();

	if (id == NULL || *id == '\0' || strpbrk(id, "\r\n") != NULL)
		id = "unknown";
	header_set(c->req, "X-Build", id);
	page_head(b, "Build");
	evbuffer_add_printf(b, "<meta name=\"build\" content=\"");
	add_htmls(b, id);
	evbuffer_add_printf(b, "\">\n</head>\n<body>\n<h1>Build ");
	add_htmls(b, id);
	evbuffer_add_printf(b, "</h1>\n");
	page_finish(b);
	reply(c->req, 200, HTML_TYPE, b);
}

/* The answer of /getting-slow once its time is up. */
static void
getting_slow_respond(struct evhttp_request *req, void *arg)
{
	reply_page(req, 200, "Getting slow", "<h1>Getting slow</h1>\n"
	    "<p>Answered after %ld ms.</p>\n", (long)(intptr_t)arg);
}

/*
 * /getting-slow?step=MS: a site that gets slower: the Nth request (since
 * the site started, or since /getting-slow?reset=1) waits (N-1) * MS ms.
 */
static void
route_getting_slow(struct call *c)
{
	static long	n;
	long		step = param_num(c, "step", 100, 0, 60000);

	if (param(c, "reset") != NULL) {
		n = 0;
		reply_text(c->req, 200, "reset\n");
		return;
	}
	delay_start(c->req, step * n, getting_slow_respond,
	    (void *)(intptr_t)(step * n));
	n++;
}

/* --- end of DEPLOYS --- */

static const struct route vhost_routes[] = {
	{ "/", route_front },
	{ "/search", route_search },
	{ "/login", route_vlogin },
	{ "/account", route_account },
	{ "/health", route_health },
	{ "/news/", route_news },
	{ "/about", route_about }
};

static const struct route common_routes[] = {
	{ "/", route_index },
	{ "/echo", route_echo },
	{ "/echo/", route_echo },
	{ "/headers", route_headers },
	{ "/whoami", route_whoami },
	{ "/redirect/", route_redirect },
	{ "/redirected", route_redirected },
	{ "/chain/", route_chain },
	{ "/loop", route_loop },
	{ "/loop2", route_loop2 },
	{ "/refresh", route_refresh },
	{ "/refresh-header", route_refresh_header },
	{ "/refresh-loop", route_refresh_loop },
	{ "/refreshed", route_refreshed },
	{ "/basic", route_basic },
	{ "/basic-noheader", route_basic_noheader },
	{ "/login", route_login },
	{ "/private", route_private },
	{ "/logout", route_logout },
	{ "/setcookie", route_setcookie },
	{ "/cookies", route_cookies },
	{ "/slow", route_slow },
	{ "/stats", route_stats },
	{ "/stats/", route_stats },
	{ "/hang", route_hang },
	{ "/drip", route_drip },
	{ "/status/", route_status },
	{ "/error", route_error },
	{ "/text", route_text },
	{ "/xml", route_xml },
	{ "/json", route_json },
	{ "/utf8", route_utf8 },
	{ "/latin1", route_latin1 },
	{ "/nocharset", route_nocharset },
	{ "/gzip", route_gzip },
	{ "/chunked", route_chunked },
	{ "/empty", route_empty },
	{ "/big", route_big },
	{ "/endless", route_endless },
	{ "/longheader", route_longheader },
	{ "/raw/", route_raw },
	{ "/respond-headers", route_respond_headers },
	{ "/build", route_build },
	{ "/getting-slow", route_getting_slow }
};

/* The route of C's path in TABLE, setting c->rest; NULL if none. */
static const struct route *
route_find(const struct route *table, size_t n, struct call *c)
{
	size_t	i, len;

	for (i = 0; i < n; i++) {
		len = strlen(table[i].path);
		if (len > 1 && table[i].path[len - 1] == '/') {
			if (strncmp(c->path, table[i].path, len) == 0) {
				c->rest = c->path + len;
				return (&table[i]);
			}
		} else if (strcmp(c->path, table[i].path) == 0) {
			c->rest = "";
			return (&table[i]);
		}
	}
	return (NULL);
}

/* The Content-Type of a static file, by extension. */
static const char *
static_type(const char *file)
{
	static const struct {
		const char	*ext;
		const char	*type;
	} types[] = {
		{ ".html", HTML_TYPE }, { ".htm", HTML_TYPE },
		{ ".txt", TEXT_TYPE }, { ".xml", "application/xml" },
		{ ".json", "application/json" }, { ".css", "text/css" },
		{ ".js", "text/javascript" }, { ".png", "image/png" },
		{ ".gif", "image/gif" }, { ".jpg", "image/jpeg" },
		{ ".svg", "image/svg+xml" }
	};
	const char	*dot = strrchr(file, '.');
	size_t		 i;

	for (i = 0; dot != NULL && i < nitems(types); i++) {
		if (strcasecmp(dot, types[i].ext) == 0)
			return (types[i].type);
	}
	return ("application/octet-stream");
}

/* Whether PATH has a ".." segment. */
static int
has_dotdot(const char *path)
{
	const char	*p;

	for (p = path; (p = strstr(p, "..")) != NULL; p += 2) {
		if ((p == path || p[-1] == '/') &&
		    (p[2] == '\0' || p[2] == '/'))
			return (1);
	}
	return (0);
}

/*
 * Serve a file under --root: 0 if answered, -1 if there is none. A form
 * fixture (forms-*.html) sent a query or a body answers like /echo, so
 * forms that submit to their own page (empty action, the global form) can
 * be checked.
 */
static int
static_serve(struct call *c)
{
	struct evbuffer	*b;
	struct stat	 st;
	const char	*base;
	char		*file, *to;
	int		 fd, get;

	if (site.root == NULL || c->path[0] != '/')
		return (-1);
	if (has_dotdot(c->path)) {
		reply_status(c->req, 403, "<p>Paths with .. are "
		    "refused.</p>\n");
		return (0);
	}
	file = xprintf("%s%s%s", site.root, c->path,
	    c->path[strlen(c->path) - 1] == '/' ? "index.html" : "");
	if ((fd = open(file, O_RDONLY|O_CLOEXEC)) == -1) {
		free(file);
		return (-1);
	}
	if (fstat(fd, &st) == -1 || (!S_ISREG(st.st_mode) &&
	    !S_ISDIR(st.st_mode))) {
		close(fd);
		free(file);
		return (-1);
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		free(file);
		to = xprintf("%s/%s%s", c->path, *c->query != '\0' ? "?" : "",
		    c->query);
		redirect(c->req, 301, to);
		free(to);
		return (0);
	}
	base = strrchr(file, '/') + 1;
	get = c->method == EVHTTP_REQ_GET || c->method == EVHTTP_REQ_HEAD;
	if (strncmp(base, "forms-", 6) == 0 && (*c->query != '\0' || !get)) {
		close(fd);
		free(file);
		route_echo(c);
		return (0);
	}
	if (!get) {
		close(fd);
		free(file);
		evhttp_add_header(evhttp_request_get_output_headers(c->req),
		    "Allow", "GET, HEAD");
		reply_status(c->req, 405, "<p>Files accept GET and HEAD "
		    "only.</p>\n");
		return (0);
	}
	b = buf_new();
	if (st.st_size > 0)
		evbuffer_add_file(b, fd, 0, st.st_size);	/* takes fd */
	else
		close(fd);
	reply(c->req, 200, static_type(file), b);
	free(file);
	return (0);
}

/* The vhost for HOST, or NULL. */
static struct vhost *
vhost_find(const char *host)
{
	struct vhost	*v;

	if (host == NULL)
		return (NULL);
	TAILQ_FOREACH(v, &site.vhosts, entry) {
		if (strcasecmp(v->name, host) == 0)
			return (v);
	}
	return (NULL);
}

/*
 * Turn Nagle off on the request's connection: evhttp writes a response in
 * pieces, and Nagle holding the last piece until the client's delayed ACK
 * would add 40 ms to every keep-alive request.
 */
static void
nodelay(struct evhttp_request *req)
{
	struct evhttp_connection	*conn;
	struct bufferevent		*bev;
	evutil_socket_t			 fd;
	int				 one = 1;

	if ((conn = evhttp_request_get_connection(req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(conn)) == NULL ||
	    (fd = bufferevent_getfd(bev)) < 0)
		return;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* The one evhttp callback: vhost routes, common routes, files, 404. */
static void
dispatch_cb(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*rawpath, *host;
	const struct route	*r = NULL;
	struct call		 c;
	struct evbuffer		*b;
	size_t			 len;

	memset(&c, 0, sizeof c);
	c.req = req;
	c.method = evhttp_request_get_command(req);
	TAILQ_INIT(&c.params);
	nodelay(req);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "X-Testsite-Label", site.label);

	host = evhttp_request_get_host(req);
	if (site.verbose)
		fprintf(stderr, "kong-testsite[%s]: %s %s %s\n", site.label,
		    method_name(c.method), host != NULL ? host : "-",
		    evhttp_request_get_uri(req));
	c.vhost = vhost_find(host);
	if (c.vhost != NULL && c.vhost->down) {
		raw_reply(req, NULL, 0);
		return;
	}

	rawpath = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (rawpath == NULL || *rawpath == '\0')
		rawpath = "/";
	c.path = evhttp_uridecode(rawpath, 0, &len);
	if (c.path == NULL || strlen(c.path) != len) {
		free(c.path);
		reply_status(req, 400, "<p>Bad path.</p>\n");
		return;
	}
	c.query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	if (c.query == NULL)
		c.query = "";
	form_parse(&c.params, c.query, strlen(c.query));

	if (c.vhost != NULL)
		r = route_find(vhost_routes, nitems(vhost_routes), &c);
	if (r == NULL)
		r = route_find(common_routes, nitems(common_routes), &c);
	if (r != NULL)
		r->fn(&c);
	else if (static_serve(&c) != 0) {
		b = page_start("404 Not Found");
		evbuffer_add_printf(b, "<h1>Not Found</h1>\n"
		    "<p>The page <code>");
		add_htmls(b, c.path);
		evbuffer_add_printf(b, "</code> was not found.</p>\n");
		page_finish(b);
		reply(req, 404, HTML_TYPE, b);
	}
	fields_clear(&c.params);
	free(c.path);
}

/* Parse --vhost NAME[:FAULT[,FAULT...]]; NULL with *CAUSE on error. */
static struct vhost *
vhost_parse(const char *spec, char **cause)
{
	struct vhost	*v;
	char		*copy, *faults, *tok, *save;

	v = xcalloc(1, sizeof *v);
	copy = xstrdup(spec);
	if ((faults = strchr(copy, ':')) != NULL)
		*faults++ = '\0';
	v->name = xstrdup(copy);
	if (*v->name == '\0') {
		*cause = xprintf("--vhost %s: no name", spec);
		goto fail;
	}
	for (tok = faults != NULL ? strtok_r(faults, ",", &save) : NULL;
	    tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "nonews") == 0)
			v->nonews = 1;
		else if (strcmp(tok, "badlogin") == 0)
			v->badlogin = 1;
		else if (strcmp(tok, "down") == 0)
			v->down = 1;
		else if (strncmp(tok, "status=", 7) == 0) {
			long	code;

			if (parse_long(tok + 7, 200, 599, &code) != 0) {
				*cause = xprintf("--vhost %s: status must be "
				    "200 to 599", spec);
				goto fail;
			}
			v->status = (int)code;
		} else if (strncmp(tok, "slow=", 5) == 0) {
			if (parse_long(tok + 5, 0, 3600000, &v->slow_ms) != 0) {
				*cause = xprintf("--vhost %s: slow must be "
				    "milliseconds", spec);
				goto fail;
			}
		} else if (strncmp(tok, "missing=", 8) == 0 && tok[8] != '\0') {
			free(v->missing);
			v->missing = xstrdup(tok + 8);
		} else if (strncmp(tok, "title=", 6) == 0) {
			free(v->title);
			v->title = xstrdup(tok + 6);
		} else {
			*cause = xprintf("--vhost %s: unknown fault \"%s\" "
			    "(status=CODE, nonews, missing=TEXT, slow=MS, "
			    "badlogin, down, title=TEXT)", spec, tok);
			goto fail;
		}
	}
	free(copy);
	return (v);
fail:
	free(copy);
	free(v->name);
	free(v->missing);
	free(v->title);
	free(v);
	return (NULL);
}

/* Free a vhost. */
static void
vhost_free(struct vhost *v)
{
	free(v->name);
	free(v->missing);
	free(v->title);
	free(v->front);
	free(v);
}

/*
 * Split --listen ADDR:PORT ("[::1]:0" for IPv6) into *HOST (caller frees)
 * and *PORT (inside SPEC): 0, or -1 with *CAUSE.
 */
static int
listen_parse(const char *spec, char **host, const char **port, char **cause)
{
	const char	*close_bracket, *colon;

	if (spec[0] == '[') {
		close_bracket = strchr(spec, ']');
		if (close_bracket == NULL || close_bracket[1] != ':' ||
		    close_bracket == spec + 1 || close_bracket[2] == '\0') {
			*cause = xprintf("--listen %s: want [ADDR]:PORT", spec);
			return (-1);
		}
		*host = xstrndup(spec + 1, close_bracket - spec - 1);
		*port = close_bracket + 2;
		return (0);
	}
	colon = strrchr(spec, ':');
	if (colon == NULL || colon == spec || colon[1] == '\0') {
		*cause = xprintf("--listen %s: want ADDR:PORT", spec);
		return (-1);
	}
	*host = xstrndup(spec, colon - spec);
	*port = colon + 1;
	return (0);
}

/* Listen on a --listen SPEC: the bound port, or -1 with *CAUSE. */
static int
listen_on(const char *spec, char **cause)
{
	struct addrinfo		 hints, *res = NULL;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof ss;
	const char		*port;
	char			*host;
	int			 fd = -1, one = 1, rc, bound = -1;

	if (listen_parse(spec, &host, &port, cause) != 0)
		return (-1);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE|AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		*cause = xprintf("--listen %s: %s", spec, gai_strerror(rc));
		goto out;
	}
	fd = socket(res->ai_family, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0);
	if (fd == -1) {
		*cause = xprintf("--listen %s: socket: %s", spec,
		    strerror(errno));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (res->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, BACKLOG) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1) {
		*cause = xprintf("--listen %s: %s", spec, strerror(errno));
		goto out;
	}
	if (evhttp_accept_socket_with_handle(site.http, fd) == NULL) {
		*cause = xprintf("--listen %s: evhttp refused the socket",
		    spec);
		goto out;
	}
	fd = -1;	/* evhttp owns it now */
	if (ss.ss_family == AF_INET6)
		bound = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		bound = ntohs(((struct sockaddr_in *)&ss)->sin_port);
out:
	if (fd != -1)
		close(fd);
	if (res != NULL)
		freeaddrinfo(res);
	free(host);
	return (bound);
}

/* Write CONTENT to PATH through a temporary file and rename: 0 or -1. */
static int
write_atomic(const char *path, const char *content)
{
	FILE	*f;
	char	*tmp;
	int	 rc = -1;

	tmp = xprintf("%s.tmp.%ld", path, (long)getpid());
	if ((f = fopen(tmp, "w")) != NULL) {
		fputs(content, f);
		if (fclose(f) == 0 && rename(tmp, path) == 0)
			rc = 0;
	}
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return (rc);
}

/* Raise the open file limit to the hard limit: benchmarks hold many. */
static void
raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 &&
	    rl.rlim_max == RLIM_INFINITY) {
		rl.rlim_cur = 1048576;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The default --root: "site" beside the binary, if that exists. */
static char *
default_root(const char *argv0)
{
	char		 exe[PATH_MAX], *root, *slash;
	ssize_t		 n;
	struct stat	 st;

	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0)
		exe[n] = '\0';
	else
		snprintf(exe, sizeof exe, "%s", argv0);
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	else
		snprintf(exe, sizeof exe, ".");
	root = xprintf("%s/site", exe);
	if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		free(root);
		return (NULL);
	}
	return (root);
}

/* SIGTERM or SIGINT: leave the loop; main cleans up and exits 0. */
static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(site.base, NULL);
}

/* Print the usage to F. */
static void
usage(FILE *f)
{
	fprintf(f,
"usage: kong-testsite [--listen ADDR:PORT]... [--port-file FILE]\n"
"                     [--pid-file FILE] [--label TEXT] [--root DIR]\n"
"                     [--vhost NAME[:FAULT[,FAULT...]]]... [--verbose]\n"
"\n"
"  --listen ADDR:PORT  listen there (repeatable; default 127.0.0.1:0;\n"
"                      port 0 picks a free port; [::1]:0 for IPv6)\n"
"  --port-file FILE    once listening, write each listener's port, one a\n"
"                      line, first listener first (atomically)\n"
"  --pid-file FILE     write the process id\n"
"  --label TEXT        sent as X-Testsite-Label and by /whoami (default\n"
"                      \"default\")\n"
"  --root DIR          serve files from DIR (default: site/ beside the\n"
"                      binary)\n"
"  --vhost NAME[:FAULT,...]  a demo news site for Host NAME; faults:\n"
"                      status=CODE nonews missing=TEXT slow=MS badlogin\n"
"                      down title=TEXT\n"
"  --verbose           log each request on stderr\n"
"  --help              show this help\n");
}

/* Parse the options, listen, serve until SIGTERM or SIGINT, clean up. */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "port-file", required_argument, NULL, 'P' },
		{ "pid-file", required_argument, NULL, 'i' },
		{ "label", required_argument, NULL, 'L' },
		{ "root", required_argument, NULL, 'r' },
		{ "vhost", required_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	**listens = NULL, *port_arg;
	size_t		  nlistens = 0, i;
	struct vhost	 *v;
	struct pending	 *p;
	struct event	 *sigterm, *sigint;
	struct evbuffer	 *ports;
	struct stat	  st;
	char		 *cause, *root = NULL, *text, pid[32];
	int		  ch, port, exitcode = 0;

	site.label = "default";
	TAILQ_INIT(&site.vhosts);
	TAILQ_INIT(&site.pendings);
	while ((ch = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (listen_parse(optarg, &text, &port_arg, &cause) !=
			    0) {
				fprintf(stderr, "kong-testsite: %s\n", cause);
				free(cause);
				return (2);
			}
			free(text);
			listens = realloc(listens, (nlistens + 1) *
			    sizeof *listens);
			if (listens == NULL)
				die("out of memory");
			listens[nlistens++] = optarg;
			break;
		case 'P':
			site.port_file = optarg;
			break;
		case 'i':
			site.pid_file = optarg;
			break;
		case 'L':
			if (*optarg == '\0' ||
			    strpbrk(optarg, "\r\n") != NULL) {
				fprintf(stderr, "kong-testsite: --label "
				    "must be one non-empty line\n");
				return (2);
			}
			site.label = optarg;
			break;
		case 'r':
			free(root);
			root = xstrdup(optarg);
			break;
		case 'V':
			if ((v = vhost_parse(optarg, &cause)) == NULL) {
				fprintf(stderr, "kong-testsite: %s\n", cause);
				free(cause);
				return (2);
			}
			TAILQ_INSERT_TAIL(&site.vhosts, v, entry);
			break;
		case 'v':
			site.verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return (0);
		default:
			usage(stderr);
			return (2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "kong-testsite: unexpected argument: %s\n",
		    argv[optind]);
		usage(stderr);
		return (2);
	}
	if (root != NULL && (stat(root, &st) != 0 || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "kong-testsite: --root %s: not a directory\n",
		    root);
		return (2);
	}
	site.root = root != NULL ? root : default_root(argv[0]);

	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	big_init();
	TAILQ_FOREACH(v, &site.vhosts, entry)
		vhost_render(v);

	if ((site.base = event_base_new()) == NULL)
		die("event_base_new failed");
	if ((site.http = evhttp_new(site.base)) == NULL)
		die("evhttp_new failed");
	site.timeout.tv_sec = TIMEOUT_SECS;
	evhttp_set_timeout_tv(site.http, &site.timeout);
	evhttp_set_max_body_size(site.http, MAX_BODY);
	evhttp_set_max_headers_size(site.http, MAX_HEADERS);
	evhttp_set_allowed_methods(site.http, EVHTTP_REQ_GET|EVHTTP_REQ_POST|
	    EVHTTP_REQ_HEAD|EVHTTP_REQ_PUT|EVHTTP_REQ_DELETE|
	    EVHTTP_REQ_OPTIONS|EVHTTP_REQ_TRACE|EVHTTP_REQ_CONNECT|
	    EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(site.http, HTML_TYPE);
	evhttp_set_gencb(site.http, dispatch_cb, NULL);

	ports = buf_new();
	for (i = 0; i < (nlistens == 0 ? 1 : nlistens); i++) {
		port = listen_on(nlistens == 0 ? "127.0.0.1:0" : listens[i],
		    &cause);
		if (port == -1) {
			fprintf(stderr, "kong-testsite: %s\n", cause);
			free(cause);
			exitcode = 1;
			break;
		}
		evbuffer_add_printf(ports, "%d\n", port);
	}
	free(listens);
	if (exitcode != 0) {
		evbuffer_free(ports);
		goto out;
	}

	sigterm = evsignal_new(site.base, SIGTERM, signal_cb, NULL);
	sigint = evsignal_new(site.base, SIGINT, signal_cb, NULL);
	if (sigterm == NULL || sigint == NULL)
		die("evsignal_new failed");
	event_add(sigterm, NULL);
	event_add(sigint, NULL);

	if (site.pid_file != NULL) {
		snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
		if (write_atomic(site.pid_file, pid) != 0)
			die("%s: %s", site.pid_file, strerror(errno));
	}
	if (site.port_file != NULL) {
		evbuffer_add(ports, "", 1);
		text = (char *)evbuffer_pullup(ports, -1);
		if (write_atomic(site.port_file, text) != 0)
			die("%s: %s", site.port_file, strerror(errno));
	}
	evbuffer_free(ports);

	event_base_dispatch(site.base);

	if (site.port_file != NULL)
		unlink(site.port_file);
	if (site.pid_file != NULL)
		unlink(site.pid_file);
	event_free(sigterm);
	event_free(sigint);
out:
	evhttp_free(site.http);		/* frees pendings via their closecb */
	while ((p = TAILQ_FIRST(&site.pendings)) != NULL) {
		p->evcon = NULL;
		pending_free(p);
	}
	while ((v = TAILQ_FIRST(&site.vhosts)) != NULL) {
		TAILQ_REMOVE(&site.vhosts, v, entry);
		vhost_free(v);
	}
	event_base_free(site.base);
	libevent_global_shutdown();
	free(site.root);
	return (exitcode);
}
