/*
 * http.c: libcurl's multi socket interface on a libevent loop.
 *
 * Owns the multi handle, one event per socket libcurl watches and one timer.
 * The callbacks only (re)arm events; the event callbacks drive libcurl and
 * then collect finished transfers, whose owners are told through their done
 * callback outside of any libcurl callback. A transfer's request parts
 * (header list, MIME body, POST fields) live in its struct xfer until it is
 * done or cancelled, because libcurl does not copy them.
 */
#include <ctype.h>
#include <inttypes.h>
#include <strings.h>

#include "http.h"
#include "results.h"

/*
 * Easy handles kept for the next session: making and freeing one costs
 * more than the request of a small page (callgrind: ~30k instructions of
 * the ~150k a bench iteration took), and a load test makes one a request.
 */
#define HTTP_POOL	1024

struct http {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	int			 running;	/* transfers in the multi handle */
	int			 in_check;
	CURL			*pool[HTTP_POOL];	/* handles to reuse */
	size_t			 npool;
};

/* Per-socket state: the event libcurl asked us to watch. */
struct http_sock {
	struct http	*http;
	curl_socket_t	 fd;
	struct event	*ev;
};

static void	http_check(struct http *);
static void	xfer_check_framing(struct xfer *);
static void	xfer_framing_bad(struct xfer *, const char *, ...)
		    KONG_PRINTF(2, 3);

/* A socket is ready: tell libcurl, then collect what finished. */
static void
http_event_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct http	*h = arg;
	int		 flags = 0;

	if (kind & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (kind & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(h->multi, fd, flags, &h->running);
	http_check(h);
}

/* libcurl's timeout expired. */
static void
http_timer_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct http	*h = arg;

	(void)fd;
	(void)kind;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &h->running);
	http_check(h);
}

/* CURLMOPT_TIMERFUNCTION: only arm or disarm the one timer. */
static int
http_multi_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct http	*h = arg;
	struct timeval	 tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(h->timer);
		return (0);
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(h->timer, &tv);
	return (0);
}

/* CURLMOPT_SOCKETFUNCTION: only (re)arm or remove a socket's event. */
static int
http_multi_socket_cb(CURL *easy, curl_socket_t fd, int what, void *arg,
    void *sockp)
{
	struct http		*h = arg;
	struct http_sock	*hs = sockp;
	short			 kind;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (hs != NULL) {
			event_free(hs->ev);
			free(hs);
			curl_multi_assign(h->multi, fd, NULL);
		}
		return (0);
	}
	kind = EV_PERSIST;
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (hs == NULL) {
		hs = xcalloc(1, sizeof *hs);
		hs->http = h;
		hs->fd = fd;
		hs->ev = event_new(h->base, fd, kind, http_event_cb, h);
		curl_multi_assign(h->multi, fd, hs);
	} else {
		event_del(hs->ev);
		event_assign(hs->ev, h->base, fd, kind, http_event_cb, h);
	}
	event_add(hs->ev, NULL);
	return (0);
}

/* Hand every finished transfer to its owner. */
static void
http_check(struct http *h)
{
	struct xfer	*x;
	CURLMsg		*msg;
	int		 left;

	if (h->in_check)
		return;
	h->in_check = 1;
	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &x);
		x->rc = msg->data.result;
		if (x->rc == CURLE_OK || x->rc == CURLE_PARTIAL_FILE)
			xfer_check_framing(x);
		curl_multi_remove_handle(h->multi, x->easy);
		x->busy = 0;
		if (x->done != NULL)
			x->done(x, x->arg);
	}
	h->in_check = 0;
}

/* Create the multi handle on an event base. */
struct http *
http_create(struct event_base *base)
{
	struct http	*h;

	h = xcalloc(1, sizeof *h);
	h->base = base;
	if ((h->multi = curl_multi_init()) == NULL)
		fatal("curl_multi_init failed");
	h->timer = evtimer_new(base, http_timer_cb, h);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION,
	    http_multi_socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, http_multi_timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	/*
	 * Idle connections kept for sessions' next requests; a session's last
	 * request closes its connection (browser.c), so this stays small.
	 */
	http_set_max_connects(h, 256);
	return (h);
}

/* Free the multi handle; every transfer must be done or cancelled. */
void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	while (h->npool > 0)
		curl_easy_cleanup(h->pool[--h->npool]);
	curl_multi_cleanup(h->multi);
	event_free(h->timer);
	free(h);
}

/* How many idle connections to keep for reuse ([kong] max_connects). */
void
http_set_max_connects(struct http *h, long n)
{
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, n);
}

/* Set the options every request shares on an easy handle. */
static void
http_easy_defaults(CURL *e)
{
	curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");	/* own cookie engine */
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 20L);
	/* Each handle has its own receive buffer: hundreds are in flight. */
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 8192L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
}

/* A new easy handle with the options every request shares. */
static CURL *
http_easy_create(void)
{
	CURL	*e;

	if ((e = curl_easy_init()) == NULL)
		fatal("curl_easy_init failed");
	http_easy_defaults(e);
	return (e);
}

/*
 * An easy handle for a new session: one given back by an earlier session
 * (reset, with no cookies), else a new one.
 */
CURL *
http_easy_get(struct http *h)
{
	CURL	*e;

	if (h->npool == 0)
		return (http_easy_create());
	e = h->pool[--h->npool];
	http_easy_defaults(e);
	return (e);
}

/*
 * Give back a session's easy handle (not in a transfer): its cookies are
 * dropped and its options reset, so nothing of the session carries over.
 */
void
http_easy_put(struct http *h, CURL *e)
{
	if (e == NULL)
		return;
	if (h->npool == HTTP_POOL) {
		curl_easy_cleanup(e);
		return;
	}
	curl_easy_setopt(e, CURLOPT_COOKIELIST, "ALL");
	/*
	 * A session that made no request leaves the cookie file list of
	 * http_easy_defaults pending, and curl_easy_reset does not free it.
	 */
	curl_easy_setopt(e, CURLOPT_COOKIEFILE, NULL);
	curl_easy_reset(e);
	h->pool[h->npool++] = e;
}

/* Collect body bytes, up to the cap. */
static size_t
xfer_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct xfer	*x = arg;
	size_t		 n = size * nmemb;

	curl_off_t	 cl;

	if (x->body.len + n > x->max_body) {
		x->too_big = 1;
		return (0);		/* libcurl stops with CURLE_WRITE_ERROR */
	}
	/* Room for the whole body at once when its length is known. */
	if (x->body.cap == 0 && curl_easy_getinfo(x->easy,
	    CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK && cl > 0 &&
	    (size_t)cl <= x->max_body)
		buf_grow(&x->body, (size_t)cl);
	buf_add(&x->body, ptr, n);
	return (n);
}

/*
 * --- Framing ---
 *
 * libcurl 7.88 trusts a response's framing more than Kong can: a
 * Content-Length too large for curl_off_t (26 digits) is read as "no
 * length" and the body to EOF; "5x" is read as 5; of two different
 * Content-Length headers the last wins; Content-Length beside
 * Transfer-Encoding is ignored. A check must not pass on a body whose end
 * nobody can vouch for, so the header callback reads the framing headers of
 * the final response itself and the transfer ends as CURLE_WEIRD_SERVER_REPLY
 * (class http) when they cannot be trusted.
 */

/* Note why a response's framing cannot be trusted (the first reason wins). */
static void
xfer_framing_bad(struct xfer *x, const char *fmt, ...)
{
	va_list	ap;

	if (x->framing[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(x->framing, sizeof x->framing, fmt, ap);
	va_end(ap);
}

/* Read one header line of a response for its framing. */
static void
xfer_framing_header(struct xfer *x, const char *line, size_t n)
{
	const char	*v, *e;
	int64_t		 len = 0;
	int		 digits = 0;

	if (n > 15 && strncasecmp(line, "Content-Length:", 15) == 0)
		v = line + 15;
	else if (n > 18 && strncasecmp(line, "Transfer-Encoding:", 18) == 0) {
		x->te = 1;
		if (x->length >= 0)
			xfer_framing_bad(x, "the response has both "
			    "Content-Length and Transfer-Encoding");
		return;
	} else
		return;
	e = line + n;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' ||
	    e[-1] == '\t'))
		e--;
	for (const char *p = v; p < e; p++) {
		if (!isdigit((unsigned char)*p)) {
			xfer_framing_bad(x, "the response's Content-Length "
			    "'%.*s' is not a number", (int)(e - v > 40 ? 40 :
			    e - v), v);
			return;
		}
		if (len > (INT64_MAX - (*p - '0')) / 10) {
			xfer_framing_bad(x, "the response's Content-Length "
			    "(%d digits) is too large", (int)(e - v));
			return;
		}
		len = len * 10 + (*p - '0');
		digits++;
	}
	if (digits == 0) {
		xfer_framing_bad(x, "the response's Content-Length is empty");
		return;
	}
	if (x->te)
		xfer_framing_bad(x, "the response has both Content-Length and "
		    "Transfer-Encoding");
	else if (x->length >= 0 && x->length != len)
		xfer_framing_bad(x, "the response has two different "
		    "Content-Length headers (%" PRId64 " and %" PRId64 ")",
		    x->length, len);
	x->length = len;
}

/*
 * A transfer libcurl calls a success (or a short body): fail it, with the
 * reason, if its framing was bad or its body did not reach the declared
 * length. The length counts the bytes on the wire, before Content-Encoding
 * is undone: CURLINFO_SIZE_DOWNLOAD_T counts those (a gzip body of 30 bytes
 * that inflates to 500 reports 30; tests/hostile.sh gzip-ok).
 */
static void
xfer_check_framing(struct xfer *x)
{
	curl_off_t	got = 0;
	long		code = 0;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	if (x->rc == CURLE_OK && x->framing[0] == '\0' && x->length >= 0 &&
	    code >= 200 && code != 204 && code != 304 &&
	    curl_easy_getinfo(x->easy, CURLINFO_SIZE_DOWNLOAD_T, &got) ==
	    CURLE_OK && got != x->length)
		xfer_framing_bad(x, "the response body has %" PRId64 " of its "
		    "%" PRId64 " bytes (Content-Length)", (int64_t)got,
		    x->length);
	if (x->framing[0] == '\0')
		return;
	x->rc = CURLE_WEIRD_SERVER_REPLY;
	snprintf(x->errbuf, sizeof x->errbuf, "%s", x->framing);
}

/* Collect the headers of the last response (a redirect starts over). */
static size_t
xfer_header_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct xfer	*x = arg;
	size_t		 n = size * nmemb;

	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		buf_reset(&x->headers);
		buf_reset(&x->body);
		x->length = -1;
		x->te = 0;
		x->in_body = 0;
		x->framing[0] = '\0';
	}
	if (x->headers.len + n > x->max_headers) {
		x->too_big = 1;
		return (0);
	}
	buf_add(&x->headers, ptr, n);
	if (n >= 1 && n <= 2 && (ptr[0] == '\r' || ptr[0] == '\n'))
		x->in_body = 1;		/* what follows are trailers */
	else if (!x->in_body)
		xfer_framing_header(x, ptr, n);
	return (n);
}

/* Prepare a transfer on an easy handle. */
void
xfer_init(struct xfer *x, struct http *h, CURL *easy)
{
	memset(x, 0, sizeof *x);
	x->http = h;
	x->easy = easy;
	x->max_body = 16 * 1024 * 1024;
	x->max_headers = 1024 * 1024;
	x->length = -1;
	buf_init(&x->body);
	buf_init(&x->headers);
}

/* Replace the MIME body (NULL: none), detaching the old one first. */
void
xfer_set_mime(struct xfer *x, curl_mime *mime)
{
	if (x->mime != NULL) {
		curl_easy_setopt(x->easy, CURLOPT_MIMEPOST, NULL);
		curl_mime_free(x->mime);
	}
	x->mime = mime;
}

/*
 * Forget the last request's header list, POST fields and response, keeping
 * the buffers' memory and the MIME body (see xfer_set_mime).
 */
void
xfer_reset(struct xfer *x)
{
	if (x->busy)
		xfer_cancel(x);
	buf_reset(&x->body);
	buf_reset(&x->headers);
	curl_slist_free_all(x->req_headers);
	x->req_headers = NULL;
	free(x->postfields);
	x->postfields = NULL;
	x->too_big = 0;
	x->length = -1;
	x->te = 0;
	x->in_body = 0;
	x->framing[0] = '\0';
	x->rc = CURLE_OK;
	x->errbuf[0] = '\0';
}

/* Free everything a transfer holds. */
void
xfer_clear(struct xfer *x)
{
	xfer_reset(x);
	xfer_set_mime(x, NULL);
	buf_free(&x->body);
	buf_free(&x->headers);
}

/*
 * Start the request set up on the easy handle; done is called once it has
 * finished, from the event loop.
 */
void
xfer_start(struct xfer *x, void (*done)(struct xfer *, void *), void *arg)
{
	CURLMcode	rc;

	x->done = done;
	x->arg = arg;
	x->errbuf[0] = '\0';
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, xfer_write_cb);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, xfer_header_cb);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	if ((rc = curl_multi_add_handle(x->http->multi, x->easy)) != CURLM_OK)
		fatal("curl_multi_add_handle: %s", curl_multi_strerror(rc));
	x->busy = 1;
}

/* Stop a request in flight; its done callback is not called. */
void
xfer_cancel(struct xfer *x)
{
	if (!x->busy)
		return;
	curl_multi_remove_handle(x->http->multi, x->easy);
	x->busy = 0;
}

/* The timings of the finished request. */
void
xfer_timing(const struct xfer *x, struct http_timing *t)
{
	curl_off_t	v;

	memset(t, 0, sizeof *t);
	if (curl_easy_getinfo(x->easy, CURLINFO_NAMELOOKUP_TIME_T, &v) == CURLE_OK)
		t->dns = v;
	if (curl_easy_getinfo(x->easy, CURLINFO_CONNECT_TIME_T, &v) == CURLE_OK)
		t->connect = v;
	if (curl_easy_getinfo(x->easy, CURLINFO_APPCONNECT_TIME_T, &v) == CURLE_OK)
		t->tls = v;
	if (curl_easy_getinfo(x->easy, CURLINFO_STARTTRANSFER_TIME_T, &v) ==
	    CURLE_OK)
		t->first_byte = v;
	if (curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME_T, &v) == CURLE_OK)
		t->total = v;
}

/* A header of the last response (first of that name), or NULL. Caller frees. */
char *
xfer_header(const struct xfer *x, const char *name)
{
	const char	*p = x->headers.data, *e, *v;
	size_t		 n = strlen(name);

	if (p == NULL)
		return (NULL);
	while (*p != '\0') {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) > n && strncasecmp(p, name, n) == 0 &&
		    p[n] == ':') {
			v = p + n + 1;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && (e[-1] == '\r' || e[-1] == ' ' ||
			    e[-1] == '\t'))
				e--;
			return (xstrndup(v, (size_t)(e - v)));
		}
		p = *e == '\n' ? e + 1 : e;
	}
	return (NULL);
}

/* A message for a failed request. */
const char *
xfer_error(const struct xfer *x)
{
	if (x->too_big)
		return ("response too large");
	if (x->errbuf[0] != '\0')
		return (x->errbuf);
	return (curl_easy_strerror(x->rc));
}

/* The host of a URL, lower case, as per-host caps and CURLOPT_CONNECT_TO use it. Caller frees. */
char *
http_url_host(const char *url)
{
	CURLU	*u;
	char	*h = NULL, *out;

	if ((u = curl_url()) == NULL)
		fatal("curl_url: out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return (xstrdup(url));
	}
	out = xstrdup(h);
	for (char *p = out; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	curl_free(h);
	curl_url_cleanup(u);
	return (out);
}

/*
 * --- Error classes ---
 *
 * Every libcurl code an HTTP(S) transfer of Kong can end with, and whose
 * fault it is (docs/jsonl.md has the same table). net, dns, tls and timeout
 * say the connection failed and are retried (runner.c); http says a server
 * answered but broke HTTP, and is a fail, never retried; script says the
 * script asked for something impossible; internal is a code Kong never asks
 * libcurl for (FTP, LDAP, a setopt mistake): a bug to report. Two rows
 * depend on more than the code:
 *
 * - SENT: before any request was sent the URL was the script's (go
 *   ftp://x), so script; after it the server led there (garbage or HTTP/0.9
 *   instead of a status line, status 000, a redirect to file: or gopher:,
 *   a malformed Location), so http.
 * - RECV: libcurl 7.88 also reports a bad chunk size and headers past its
 *   300 KB limit (a 1xx or Set-Cookie flood) as CURLE_RECV_ERROR; only
 *   "Recv failure: ..." (the socket failed, e.g. a reset) is net.
 */
enum http_rule {
	HTTP_RULE_NONE,
	HTTP_RULE_SENT,		/* script before a request was sent, else http */
	HTTP_RULE_RECV,		/* net for "Recv failure", else http */
};

static const struct http_fault {
	CURLcode		 rc;
	enum error_class	 ec;
	enum http_rule		 rule;
} http_faults[] = {
	{ CURLE_UNSUPPORTED_PROTOCOL,	ERR_SCRIPT,	HTTP_RULE_SENT },
	{ CURLE_URL_MALFORMAT,		ERR_SCRIPT,	HTTP_RULE_SENT },
	{ CURLE_COULDNT_RESOLVE_PROXY,	ERR_DNS,	HTTP_RULE_NONE },
	{ CURLE_COULDNT_RESOLVE_HOST,	ERR_DNS,	HTTP_RULE_NONE },
	{ CURLE_COULDNT_CONNECT,	ERR_NET,	HTTP_RULE_NONE },
	{ CURLE_INTERFACE_FAILED,	ERR_NET,	HTTP_RULE_NONE },
	{ CURLE_SEND_ERROR,		ERR_NET,	HTTP_RULE_NONE },
	{ CURLE_RECV_ERROR,		ERR_NET,	HTTP_RULE_RECV },
	{ CURLE_GOT_NOTHING,		ERR_NET,	HTTP_RULE_NONE },
	{ CURLE_PROXY,			ERR_NET,	HTTP_RULE_NONE },
	{ CURLE_QUIC_CONNECT_ERROR,	ERR_NET,	HTTP_RULE_NONE },
	{ CURLE_OPERATION_TIMEDOUT,	ERR_TIMEOUT,	HTTP_RULE_NONE },
	{ CURLE_SSL_CONNECT_ERROR,	ERR_TLS,	HTTP_RULE_NONE },
	{ CURLE_PEER_FAILED_VERIFICATION, ERR_TLS,	HTTP_RULE_NONE },
	{ CURLE_SSL_CERTPROBLEM,	ERR_TLS,	HTTP_RULE_NONE },
	{ CURLE_SSL_CIPHER,		ERR_TLS,	HTTP_RULE_NONE },
	{ CURLE_SSL_CACERT_BADFILE,	ERR_TLS,	HTTP_RULE_NONE },
	{ CURLE_SSL_ISSUER_ERROR,	ERR_TLS,	HTTP_RULE_NONE },
	{ CURLE_SSL_PINNEDPUBKEYNOTMATCH, ERR_TLS,	HTTP_RULE_NONE },
	{ CURLE_SSL_INVALIDCERTSTATUS,	ERR_TLS,	HTTP_RULE_NONE },
	{ CURLE_SSL_CRL_BADFILE,	ERR_TLS,	HTTP_RULE_NONE },
	{ CURLE_SSL_SHUTDOWN_FAILED,	ERR_TLS,	HTTP_RULE_NONE },
	{ CURLE_SSL_CLIENTCERT,		ERR_TLS,	HTTP_RULE_NONE },
	{ CURLE_USE_SSL_FAILED,		ERR_TLS,	HTTP_RULE_NONE },
	{ CURLE_SSL_ENGINE_NOTFOUND,	ERR_TLS,	HTTP_RULE_NONE },
	{ CURLE_SSL_ENGINE_SETFAILED,	ERR_TLS,	HTTP_RULE_NONE },
	{ CURLE_SSL_ENGINE_INITFAILED,	ERR_TLS,	HTTP_RULE_NONE },
	{ CURLE_WEIRD_SERVER_REPLY,	ERR_HTTP,	HTTP_RULE_NONE },
	{ CURLE_PARTIAL_FILE,		ERR_HTTP,	HTTP_RULE_NONE },
	{ CURLE_TOO_MANY_REDIRECTS,	ERR_HTTP,	HTTP_RULE_NONE },
	{ CURLE_BAD_CONTENT_ENCODING,	ERR_HTTP,	HTTP_RULE_NONE },
	{ CURLE_HTTP2,			ERR_HTTP,	HTTP_RULE_NONE },
	{ CURLE_HTTP2_STREAM,		ERR_HTTP,	HTTP_RULE_NONE },
	{ CURLE_HTTP3,			ERR_HTTP,	HTTP_RULE_NONE },
	{ CURLE_RANGE_ERROR,		ERR_HTTP,	HTTP_RULE_NONE },
	{ CURLE_FILESIZE_EXCEEDED,	ERR_HTTP,	HTTP_RULE_NONE },
	{ CURLE_SEND_FAIL_REWIND,	ERR_HTTP,	HTTP_RULE_NONE },
	{ CURLE_AUTH_ERROR,		ERR_HTTP,	HTTP_RULE_NONE },
	/* Our allocations never fail: this is one header past 100 KB. */
	{ CURLE_OUT_OF_MEMORY,		ERR_HTTP,	HTTP_RULE_NONE },
	/* The write or header callback refused: past max_body/max_headers. */
	{ CURLE_WRITE_ERROR,		ERR_HTTP,	HTTP_RULE_NONE },
};

/*
 * The class of a libcurl code, with the facts the SENT and RECV rules
 * need (sent: a request went out; msg: libcurl's message, or NULL).
 */
enum error_class
http_error_class(CURLcode rc, int sent, const char *msg)
{
	const struct http_fault	*f;
	size_t			 i;

	if (rc == CURLE_OK)
		return (ERR_NONE);
	for (i = 0; i < nitems(http_faults); i++) {
		f = &http_faults[i];
		if (f->rc != rc)
			continue;
		switch (f->rule) {
		case HTTP_RULE_NONE:
			return (f->ec);
		case HTTP_RULE_SENT:
			return (sent ? ERR_HTTP : f->ec);
		case HTTP_RULE_RECV:
			if (msg == NULL || strncmp(msg, "Recv failure", 12) == 0)
				return (f->ec);
			return (ERR_HTTP);
		}
	}
	return (ERR_INTERNAL);
}

/* The error class of a finished transfer that failed. */
enum error_class
xfer_class(const struct xfer *x)
{
	long	sent = 0;

	if (x->too_big)
		return (ERR_HTTP);
	curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &sent);
	return (http_error_class(x->rc, sent > 0, x->errbuf[0] != '\0' ?
	    x->errbuf : NULL));
}
