/*
 * browser.c: a session's browser: requests, navigation, history.
 *
 * Navigation is a small state machine on top of one transfer at a time:
 * go tries its candidate URLs in turn; go, follow and reload retry once with
 * basic-auth credentials on a 401 and then follow meta refreshes; submit
 * does neither (docs/twill.md, "The browser"). Redirects are libcurl's (at
 * most 20, POST becoming GET after 301/302/303). Every request becomes one
 * step of the result, with its timings. When a request finishes the session
 * is woken, and nav_resume runs from the run queue, not from libcurl.
 */
#include <ctype.h>
#include <strings.h>

#include "session-int.h"

static enum cmd_retval	nav_resume(struct session *);

/* Headers every request starts with (twill: Accept and User-Agent). */
void
browser_default_headers(struct session *s)
{
	size_t	i;

	for (i = 0; i < s->nheaders; i++) {
		free(s->headers[i].name);
		free(s->headers[i].value);
	}
	s->nheaders = 0;
	browser_set_header(s, "Accept", "text/html; */*");
	if (s->cfg.user_agent != NULL)
		browser_set_header(s, "User-Agent", s->cfg.user_agent);
	else
		browser_set_header(s, "User-Agent", "Kong/" KONG_VERSION);
}

/* Set a request header, replacing one of the same name (any case). */
void
browser_set_header(struct session *s, const char *name, const char *value)
{
	size_t	i;

	for (i = 0; i < s->nheaders; i++) {
		if (strcasecmp(s->headers[i].name, name) == 0) {
			free(s->headers[i].value);
			s->headers[i].value = xstrdup(value);
			return;
		}
	}
	s->headers = xreallocarray(s->headers, s->nheaders + 1,
	    sizeof *s->headers);
	s->headers[s->nheaders].name = xstrdup(name);
	s->headers[s->nheaders].value = xstrdup(value);
	s->nheaders++;
}

/* Forget the selected form, its uploads and its clicked button. */
void
browser_unselect(struct session *s)
{
	size_t	i;

	for (i = 0; i < s->nuploads; i++) {
		free(s->uploads[i].field);
		free(s->uploads[i].path);
	}
	free(s->uploads);
	s->uploads = NULL;
	s->nuploads = 0;
	s->sel_form = NULL;
	s->last_button = NULL;
}

/* Record a "click" on a control of a form, as twill's clicked(). */
void
browser_clicked(struct session *s, struct form *f, struct control *c)
{
	if (s->sel_form != f) {
		s->sel_form = f;
		s->last_button = NULL;
	}
	if (c != NULL && c->kind == CONTROL_INPUT &&
	    (strcmp(c->type, "submit") == 0 || strcmp(c->type, "image") == 0))
		s->last_button = c;
}

static void
browser_clear_history(struct session *s)
{
	size_t	i;

	for (i = 0; i < s->nhistory; i++)
		page_unref(s->history[i]);
	free(s->history);
	s->history = NULL;
	s->nhistory = 0;
}

static void
browser_clear_creds(struct session *s)
{
	size_t	i;

	for (i = 0; i < s->ncreds; i++) {
		free(s->creds[i].url);
		free(s->creds[i].realm);
		free(s->creds[i].user);
		free(s->creds[i].password);
	}
	free(s->creds);
	s->creds = NULL;
	s->ncreds = 0;
}

static void
browser_clear_nav(struct session *s)
{
	struct nav	*n = &s->nav;

	free_strv(n->cands);
	free_strv(n->visited);
	free(n->url);
	free(n->lasterr);
	free(n->body);
	free(n->referer);
	memset(n, 0, sizeof *n);
}

/* Options back to twill's defaults (reset_browser resets them too). */
static void
browser_default_options(struct session *s)
{
	s->timeout_ms = s->cfg.timeout_ms;
	s->refresh_interval = 2;
	s->readonly_writeable = 0;
	s->with_default_realm = 0;
	s->require_tidy = 0;
	s->insecure = s->cfg.insecure;
	json_decref(s->tidy_options);
	s->tidy_options = json_object();
}

/* Set up the browser of a new session. */
void
browser_init(struct session *s)
{
	size_t	i;

	s->easy = http_easy_get(engine_http(s->engine));
	for (i = 0; s->cfg.resolve != NULL && s->cfg.resolve[i] != NULL; i++)
		s->resolve = curl_slist_append(s->resolve, s->cfg.resolve[i]);
	if (s->resolve != NULL)
		curl_easy_setopt(s->easy, CURLOPT_RESOLVE, s->resolve);
	if (s->cfg.connect_to != NULL) {
		s->connect_to = curl_slist_append(NULL, s->cfg.connect_to);
		curl_easy_setopt(s->easy, CURLOPT_CONNECT_TO, s->connect_to);
	}
	xfer_init(&s->xfer, engine_http(s->engine), s->easy);
	if (s->cfg.max_body > 0)
		s->xfer.max_body = (size_t)s->cfg.max_body;
	if (s->cfg.max_headers > 0)
		s->xfer.max_headers = (size_t)s->cfg.max_headers;
	browser_default_headers(s);
	browser_default_options(s);
}

/*
 * A new browser: cookies, history, headers, auth and timeout; with options
 * set, the config options too (reset_browser does, the reset after cleanup
 * files does not, as in twill).
 */
void
browser_reset(struct session *s, int options)
{
	xfer_cancel(&s->xfer);
	curl_easy_setopt(s->easy, CURLOPT_COOKIELIST, "ALL");
	browser_clear_history(s);
	browser_clear_creds(s);
	browser_unselect(s);
	browser_clear_nav(s);
	page_unref(s->page);
	s->page = NULL;
	s->debug_refresh = 0;	/* twill's new browser has show_refresh off */
	browser_default_headers(s);
	if (options)
		browser_default_options(s);
	else
		s->timeout_ms = s->cfg.timeout_ms;
}

/* Free the browser. */
void
browser_free(struct session *s)
{
	size_t	i;

	xfer_clear(&s->xfer);
	browser_clear_history(s);
	browser_clear_creds(s);
	browser_unselect(s);
	browser_clear_nav(s);
	page_unref(s->page);
	for (i = 0; i < s->nheaders; i++) {
		free(s->headers[i].name);
		free(s->headers[i].value);
	}
	free(s->headers);
	json_decref(s->tidy_options);
	http_easy_put(engine_http(s->engine), s->easy);
	curl_slist_free_all(s->resolve);
	curl_slist_free_all(s->connect_to);
}

/* The length of the "scheme:" rel starts with (RFC 3986), or 0. */
static size_t
browser_scheme_len(const char *rel)
{
	size_t	n;

	if (!isalpha((unsigned char)rel[0]))
		return (0);
	for (n = 1; isalnum((unsigned char)rel[n]) || rel[n] == '+' ||
	    rel[n] == '-' || rel[n] == '.'; n++)
		;
	return (rel[n] == ':' ? n + 1 : 0);
}

/*
 * Resolve rel against base, as Python's urljoin does; NULL if it cannot.
 * libcurl joins, but urljoin's answer is taken where the two differ: an
 * empty rel is the base itself, a "#frag" keeps the base's path, a word
 * with another scheme ("mailto:x", "localhost:8080/x") stays as it is, and
 * a path that merely holds a colon ("127.0.0.1:80/x") is a relative path.
 * Caller frees.
 */
char *
browser_join(const char *base, const char *rel)
{
	CURLU	*u;
	char	*out = NULL, *s, *path = NULL;
	size_t	 n;

	if (*rel == '\0')
		return (xstrdup(base));
	if (*rel == '#')
		return (xstrfmt("%.*s%s", (int)strcspn(base, "#"), base, rel));
	if ((n = browser_scheme_len(rel)) > 0 && strncmp(rel + n, "//",
	    2) != 0) {
		if (strncasecmp(rel, base, n) != 0)
			return (xstrdup(rel));
		rel += n;	/* "http:x" against http: is the path x */
		if (*rel == '\0')
			return (xstrdup(base));
	}
	if (strchr(rel, ':') != NULL && *rel != '/' && *rel != '?' &&
	    *rel != '.')
		rel = path = xstrfmt("./%s", rel);

	if ((u = curl_url()) == NULL)
		fatal("curl_url: out of memory");
	if (curl_url_set(u, CURLUPART_URL, base, CURLU_NON_SUPPORT_SCHEME |
	    CURLU_ALLOW_SPACE) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, rel, CURLU_NON_SUPPORT_SCHEME |
	    CURLU_ALLOW_SPACE) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
		out = xstrdup(s);
		curl_free(s);
	}
	curl_url_cleanup(u);
	free(path);
	return (out);
}

/* A URL as libcurl will send it (spaces encoded), or a copy. Caller frees. */
static char *
browser_normalize(const char *url)
{
	static const char hex[] = "0123456789ABCDEF";
	CURLU		*u;
	struct buf	 b;
	const char	*p;
	char		*out = NULL, *s;

	/* Most URLs are already what libcurl would make of them. */
	if (url_is_plain(url))
		return (xstrdup(url));

	/*
	 * After the host, percent-encode what can never stand in a URL
	 * (spaces, controls, non-ASCII bytes, "<>\^`{|}), as httpx does;
	 * libcurl refuses such a URL.
	 */
	buf_init(&b);
	p = strstr(url, "://");
	p = p != NULL ? p + 3 + strcspn(p + 3, "/?#") : url;
	buf_add(&b, url, (size_t)(p - url));
	for (; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("\"<>\\^`{|}", *p) != NULL) {
			buf_addc(&b, '%');
			buf_addc(&b, hex[(unsigned char)*p >> 4]);
			buf_addc(&b, hex[(unsigned char)*p & 0xf]);
		} else
			buf_addc(&b, *p);
	}
	buf_addc(&b, '\0');

	if ((u = curl_url()) == NULL)
		fatal("curl_url: out of memory");
	if (curl_url_set(u, CURLUPART_URL, b.data, CURLU_NON_SUPPORT_SCHEME) ==
	    CURLUE_OK && curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
		out = xstrdup(s);
		curl_free(s);
	}
	curl_url_cleanup(u);
	if (out == NULL)
		out = xstrdup(b.data);
	buf_free(&b);
	return (out);
}

/* The current page, or NULL after an error saying what needed it. */
struct page *
browser_page(struct session *s, const char *what)
{
	if (s->page == NULL) {
		session_error(s, ERR_SCRIPT, "Cannot get %s since there is no "
		    "page.", what);
		return (NULL);
	}
	return (s->page);
}

/*
 * Whether this request is the session's last: the top-level script has no
 * navigating instruction after this one and nothing else is running. Its
 * connection is then closed rather than kept: a sweep of thousands of
 * sites would otherwise fill libcurl's connection cache with connections
 * no later session reuses, and libcurl 7.88 scans that cache (and every
 * host it has seen) on each request. A request that is not the last keeps
 * its connection for the next one, as a browser does.
 */
static int
browser_last_request(struct session *s)
{
	struct frame	*f = session_frame(s);

	if (s->nframes != 1 || f->ncleanups > 0 || s->cfg.never_fail)
		return (0);
	return (f->pc >= f->prog->last_nav);
}

/* The transfer finished: wake the session (nothing else in here). */
static void
browser_xfer_done(struct xfer *x, void *arg)
{
	struct session	*s = arg;

	(void)x;
	session_io_done(s);
}

/*
 * Start a request for the navigation in progress: GET, or the submission's
 * POST; with basic-auth credentials when cred is not NULL.
 */
static enum cmd_retval
nav_request(struct session *s, const char *url, const struct credential *cred)
{
	struct nav		*n = &s->nav;
	struct xfer		*x = &s->xfer;
	CURL			*e = s->easy;
	struct curl_slist	*h = NULL;
	char			*line, *norm;
	size_t			 i;

	xfer_reset(x);
	if (strstr(url, "://") == NULL) {
		/*
		 * "mailto:x" or "localhost:8080/x" (urljoin keeps them): libcurl
		 * would guess http:// and go somewhere else; httpx refuses.
		 */
		if (n->kind == NAV_GO)
			session_error(s, ERR_SCRIPT, "cannot go to '%s': the URL "
			    "has no http:// or https:// scheme", url);
		else
			session_error(s, ERR_SCRIPT, "%s: the URL has no http:// "
			    "or https:// scheme", url);
		browser_clear_nav(s);
		return (CMD_ERROR);
	}
	/* url may be n->url itself (an auth retry of follow or reload). */
	norm = browser_normalize(url);
	free(n->url);
	n->url = norm;
	curl_easy_setopt(e, CURLOPT_URL, n->url);
	kong_request_opts(s, n->url);
	if (!(n->kind == NAV_SUBMIT && n->post && n->multipart))
		xfer_set_mime(x, NULL);
	if (n->kind == NAV_SUBMIT && n->post && !n->refreshing) {
		if (n->multipart)
			curl_easy_setopt(e, CURLOPT_MIMEPOST, x->mime);
		else {
			x->postfields = xstrdup(n->body != NULL ? n->body : "");
			/* httpx sends an empty form with no Content-Type. */
			if (*x->postfields == '\0')
				h = curl_slist_append(h, "Content-Type:");
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE,
			    (long)strlen(x->postfields));
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->postfields);
		}
	} else
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	for (i = 0; i < s->nheaders; i++) {
		line = xstrfmt("%s: %s", s->headers[i].name, s->headers[i].value);
		h = curl_slist_append(h, line);
		free(line);
	}
	if (n->kind == NAV_SUBMIT && n->referer != NULL) {
		line = xstrfmt("Referer: %s", n->referer);
		h = curl_slist_append(h, line);
		free(line);
	}
	h = curl_slist_append(h, "Expect:");
	x->req_headers = h;
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	if (cred != NULL) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, cred->user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, cred->password);
	} else {
		curl_easy_setopt(e, CURLOPT_USERNAME, NULL);
		curl_easy_setopt(e, CURLOPT_PASSWORD, NULL);
	}
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, s->cfg.connections ==
	    SESSION_CONNS_NEW || (s->cfg.connections == SESSION_CONNS_SWEEP &&
	    browser_last_request(s)) ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, s->cfg.connections ==
	    SESSION_CONNS_NEW ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, s->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    s->cfg.connect_timeout_ms > 0 ? s->cfg.connect_timeout_ms : 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, s->insecure ? 0L : 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, s->insecure ? 0L : 2L);
	xfer_start(x, browser_xfer_done, s);
	s->resume = nav_resume;
	return (CMD_WAIT);
}

/* The error class of a failed transfer. */
static enum error_class
nav_classify(const struct xfer *x)
{
	if (x->too_big)
		return (ERR_HTTP);
	switch (x->rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return (ERR_DNS);
	case CURLE_OPERATION_TIMEDOUT:
		return (ERR_TIMEOUT);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
		return (ERR_TLS);
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
	case CURLE_RANGE_ERROR:
		return (ERR_HTTP);
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return (ERR_SCRIPT);
	case CURLE_OUT_OF_MEMORY:
		/* Our allocations never fail: this is a header past its limit. */
		return (ERR_HTTP);
	default:
		return (ERR_NET);
	}
}

/* A message for a failed transfer. Caller frees. */
static char *
nav_message(struct session *s)
{
	if (s->xfer.too_big)
		return (xstrfmt("response body larger than %zu bytes (raise "
		    "max_body)", s->xfer.max_body));
	if (s->xfer.rc == CURLE_OUT_OF_MEMORY && s->xfer.errbuf[0] == '\0')
		return (xstrdup("a response header is larger than libcurl "
		    "accepts"));
	return (xstrdup(xfer_error(&s->xfer)));
}

/* Record the finished request as a step of the result. */
static void
nav_step(struct session *s, long code, const char *url, const char *err)
{
	struct result	*r = &s->result;
	struct step	*st;

	r->steps = xreallocarray(r->steps, r->nsteps + 1, sizeof *r->steps);
	st = &r->steps[r->nsteps++];
	memset(st, 0, sizeof *st);
	xfer_timing(&s->xfer, &st->t);
	curl_easy_getinfo(s->easy, CURLINFO_REDIRECT_COUNT, &st->redirects);
	st->command = s->cur != NULL ? op_name(s->cur->op) : "go";
	st->line = s->cur != NULL ? s->cur->line : 0;
	st->post = s->nav.kind == NAV_SUBMIT && s->nav.post &&
	    !s->nav.refreshing;
	st->url = xstrdup(url);
	st->code = code;
	st->bytes = s->xfer.body.len;
	st->error = err != NULL ? xstrdup(err) : NULL;
}

/* The realm of a "Basic realm=..." challenge, as twill's regex reads it. */
static char *
nav_realm(const char *h)
{
	const char	*p, *q;

	if (h == NULL || strncasecmp(h, "Basic realm=\"", 13) != 0)
		return (NULL);
	p = h + 13;
	if ((q = strrchr(p, '"')) == NULL)
		return (NULL);
	return (xstrndup(p, (size_t)(q - p)));
}

/* Credentials for a URL and realm: (url, realm), then (url, any realm). */
static const struct credential *
nav_credential(struct session *s, const char *url, const char *realm)
{
	size_t	i;

	for (i = 0; i < s->ncreds; i++) {
		if (strcmp(s->creds[i].url, url) == 0 &&
		    s->creds[i].realm != NULL &&
		    strcmp(s->creds[i].realm, realm) == 0)
			return (&s->creds[i]);
	}
	for (i = 0; i < s->ncreds; i++) {
		if (strcmp(s->creds[i].url, url) == 0 && s->creds[i].realm == NULL)
			return (&s->creds[i]);
	}
	return (NULL);
}

/* Whether a go candidate's failure lets the next candidate be tried. */
static int
nav_try_next(CURLcode rc)
{
	return (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
	    rc == CURLE_URL_MALFORMAT);
}

/* The navigation reached its page: history, selection, current page. */
static enum cmd_retval
nav_arrive(struct session *s, struct page *p)
{
	struct nav	*n = &s->nav;
	int		 push = 0;

	if (s->page != NULL) {
		if (n->kind == NAV_SUBMIT)
			push = 1;
		else if (n->kind == NAV_GO || n->kind == NAV_FOLLOW)
			push = strcmp(s->page->url, p->url) != 0;
	}
	if (push) {
		s->history = xreallocarray(s->history, s->nhistory + 1,
		    sizeof *s->history);
		s->history[s->nhistory++] = s->page;
	} else
		page_unref(s->page);
	s->page = p;
	browser_unselect(s);
	browser_clear_nav(s);
	return (CMD_NORMAL);
}

/* A request of the navigation finished: decide what comes next. */
static enum cmd_retval
nav_resume(struct session *s)
{
	struct nav			*n = &s->nav;
	struct xfer			*x = &s->xfer;
	const struct credential		*cred;
	struct page			*p;
	enum error_class		 ec;
	char				*url = NULL, *ct = NULL, *msg, *www, *realm;
	char				*refresh, *target;
	long				 code = 0, delay;
	size_t				 i;

	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(s->easy, CURLINFO_EFFECTIVE_URL, &url);
	if (x->rc != CURLE_OK) {
		msg = nav_message(s);
		nav_step(s, code, url != NULL ? url : n->url, msg);
		ec = nav_classify(x);
		if (n->kind == NAV_GO && !n->refreshing && !n->auth_tried &&
		    nav_try_next(x->rc) && n->cand + 1 < n->ncands) {
			free(n->lasterr);
			n->lasterr = msg;
			n->cand++;
			return (nav_request(s, n->cands[n->cand], NULL));
		}
		if (n->kind == NAV_GO && !n->refreshing)
			session_error(s, ec, "cannot go to '%s': %s",
			    n->cands[n->ncands - 1], msg);
		else
			session_error(s, ec, "%s: %s", n->url, msg);
		free(msg);
		browser_clear_nav(s);
		return (CMD_ERROR);
	}
	nav_step(s, code, url, NULL);
	kong_note_cert(s, url);
	curl_easy_getinfo(s->easy, CURLINFO_CONTENT_TYPE, &ct);
	{
		size_t	 len = x->body.len;
		char	*body = buf_steal(&x->body);

		p = page_create_take(url != NULL ? url : n->url, code, ct,
		    x->headers.data, body, len);
	}

	/* A 401 with Basic credentials we know: retry once with them. */
	if (n->kind != NAV_SUBMIT && !n->refreshing && !n->auth_tried &&
	    code == 401) {
		www = xfer_header(x, "WWW-Authenticate");
		realm = nav_realm(www);
		free(www);
		if (realm != NULL) {
			cred = nav_credential(s, n->kind == NAV_GO ?
			    n->cands[n->cand] : n->url, realm);
			free(realm);
			if (cred != NULL) {
				n->auth_tried = 1;
				page_unref(p);
				return (nav_request(s, n->kind == NAV_GO ?
				    n->cands[n->cand] : n->url, cred));
			}
		}
	}

	/* Meta refresh, below the configured delay, without loops. */
	if (n->kind != NAV_SUBMIT && s->refresh_interval > 0 &&
	    page_refresh(p, &delay, &refresh)) {
		if (delay != 0 && delay >= s->refresh_interval) {
			if (s->debug_refresh)
				session_printf(s, "Meta refresh interval too "
				    "long: %ld\n", delay);
		} else {
			target = strstr(refresh, "://") != NULL ?
			    xstrdup(refresh) : browser_join(p->url, refresh);
			for (i = 0; target != NULL && i < n->nvisited; i++) {
				if (strcmp(n->visited[i], target) == 0)
					break;
			}
			if (target != NULL && i == n->nvisited) {
				if (s->debug_refresh)
					session_printf(s, "Meta refresh to new "
					    "URL: %s\n", target);
				n->visited = xreallocarray(n->visited,
				    n->nvisited + 2, sizeof *n->visited);
				n->visited[n->nvisited++] = target;
				n->visited[n->nvisited] = NULL;
				n->refreshing = 1;
				free(refresh);
				page_unref(p);
				return (nav_request(s, target, NULL));
			}
			if (target != NULL)
				session_printf(s, "Circular meta refresh "
				    "detected!\n");
			free(target);
		}
		free(refresh);
	}
	return (nav_arrive(s, p));
}

/* go URL: the URL itself, or the candidates twill tries in turn. */
enum cmd_retval
browser_go(struct session *s, const char *url)
{
	struct nav	*n;
	char		*j;

	browser_clear_nav(s);
	browser_unselect(s);
	n = &s->nav;
	n->kind = NAV_GO;
	n->cands = xcalloc(4, sizeof *n->cands);
	if (strstr(url, "://") != NULL)
		n->cands[n->ncands++] = xstrdup(url);
	else {
		if (s->page != NULL &&
		    (j = browser_join(s->page->url, url)) != NULL)
			n->cands[n->ncands++] = j;
		if (*url != '.' && *url != '/' && *url != '?') {
			n->cands[n->ncands++] = xstrfmt("http://%s", url);
			n->cands[n->ncands++] = xstrfmt("https://%s", url);
		}
	}
	if (n->ncands == 0) {
		browser_clear_nav(s);
		return (session_error(s, ERR_SCRIPT, "cannot go to '%s': no "
		    "page is loaded to resolve it against", url));
	}
	return (nav_request(s, n->cands[0], NULL));
}

/* follow or reload: one GET with auth retry and meta refresh. */
enum cmd_retval
browser_open(struct session *s, enum nav_kind kind, const char *url)
{
	browser_clear_nav(s);
	browser_unselect(s);
	s->nav.kind = kind;
	return (nav_request(s, url, NULL));
}

/* Whether c needs no escaping in a form value (Python's quote_plus). */
static int
browser_safe(unsigned char c)
{
	return (isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~');
}

/* Append s urlencoded as quote_plus does. */
static void
browser_quote(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		if (browser_safe((unsigned char)*s))
			buf_addc(b, *s);
		else if (*s == ' ')
			buf_addc(b, '+');
		else {
			buf_addc(b, '%');
			buf_addc(b, hex[(unsigned char)*s >> 4]);
			buf_addc(b, hex[(unsigned char)*s & 0xf]);
		}
	}
}

/* Decode a urlencoded component (+ as space). Caller frees. */
static char *
browser_unquote(const char *s, size_t len)
{
	char	*t, *out;
	int	 n;

	for (t = out = xmalloc(len + 1); len > 0; s++, len--) {
		if (*s == '+')
			*t++ = ' ';
		else if (*s == '%' && len >= 3 && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2])) {
			sscanf(s + 1, "%2x", &n);
			*t++ = (char)n;
			s += 2;
			len -= 2;
		} else
			*t++ = *s;
	}
	*t = '\0';
	return (out);
}

/*
 * A GET form's URL: the action's query merged with the payload as httpx
 * does (a name in both takes the payload's values at its old place).
 * Caller frees.
 */
static char *
browser_merge_query(const char *action, struct form_pair *v, size_t n)
{
	struct form_pair	*old = NULL;
	const char		*q, *amp, *eq, *frag;
	struct buf		 b;
	size_t			 nold = 0, i, j;
	int			*done;
	char			*base;

	frag = strchr(action, '#');
	q = strchr(action, '?');
	if (frag != NULL && q != NULL && q > frag)
		q = NULL;
	base = xstrndup(action, q != NULL ? (size_t)(q - action) :
	    frag != NULL ? (size_t)(frag - action) : strlen(action));
	if (q != NULL) {
		for (q++; *q != '\0' && *q != '#'; q = *amp == '&' ? amp + 1 : amp) {
			amp = q + strcspn(q, "&#");
			if (amp == q)
				continue;
			eq = memchr(q, '=', (size_t)(amp - q));
			old = xreallocarray(old, nold + 1, sizeof *old);
			old[nold].name = browser_unquote(q, eq != NULL ?
			    (size_t)(eq - q) : (size_t)(amp - q));
			old[nold].value = eq != NULL ? browser_unquote(eq + 1,
			    (size_t)(amp - eq - 1)) : xstrdup("");
			nold++;
			if (*amp == '\0' || *amp == '#')
				break;
		}
	}
	buf_init(&b);
	buf_adds(&b, base);
	done = xcalloc(n + 1, sizeof *done);
	for (i = 0; i < nold; i++) {
		int replaced = 0;

		for (j = 0; j < n; j++) {
			if (strcmp(v[j].name, old[i].name) != 0)
				continue;
			replaced = 1;
			if (done[j])
				continue;
			done[j] = 1;
			buf_addc(&b, b.len == strlen(base) ? '?' : '&');
			browser_quote(&b, v[j].name);
			buf_addc(&b, '=');
			browser_quote(&b, v[j].value);
		}
		if (replaced)
			continue;
		buf_addc(&b, b.len == strlen(base) ? '?' : '&');
		browser_quote(&b, old[i].name);
		buf_addc(&b, '=');
		browser_quote(&b, old[i].value);
	}
	for (j = 0; j < n; j++) {
		if (done[j])
			continue;
		buf_addc(&b, b.len == strlen(base) ? '?' : '&');
		browser_quote(&b, v[j].name);
		buf_addc(&b, '=');
		browser_quote(&b, v[j].value);
	}
	free(done);
	form_pairs_free(old, nold);
	free(base);
	return (buf_steal(&b));
}

/* A MIME type from a file name's extension. */
static const char *
browser_mime_type(const char *path)
{
	static const struct {
		const char	*ext;
		const char	*type;
	} types[] = {
		{ "txt", "text/plain" }, { "html", "text/html" },
		{ "htm", "text/html" }, { "css", "text/css" },
		{ "js", "text/javascript" }, { "json", "application/json" },
		{ "xml", "application/xml" }, { "csv", "text/csv" },
		{ "png", "image/png" }, { "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" }, { "gif", "image/gif" },
		{ "svg", "image/svg+xml" }, { "pdf", "application/pdf" },
		{ "zip", "application/zip" }, { "gz", "application/gzip" },
		{ "twill", "application/octet-stream" },
	};
	const char	*dot = strrchr(path_basename(path), '.');
	size_t		 i;

	if (dot != NULL) {
		for (i = 0; i < nitems(types); i++) {
			if (strcasecmp(dot + 1, types[i].ext) == 0)
				return (types[i].type);
		}
	}
	return ("application/octet-stream");
}

/*
 * submit: the form's payload (and the button) to its action, GET or POST
 * (multipart when files are queued), with Referer; the old page goes to
 * the history; no auth retry, no meta refresh.
 */
enum cmd_retval
browser_submit(struct session *s, struct form *f, struct control *button)
{
	struct nav		*n;
	struct form_pair	*v;
	curl_mimepart		*part;
	struct buf		 b;
	char			*action, *url;
	size_t			 nv, i;
	enum cmd_retval		 rv;

	action = form_action(f);
	if (action == NULL || strstr(action, "://") == NULL) {
		url = browser_join(s->page->url, action != NULL ? action : "");
		if (url == NULL) {
			free(action);
			return (session_error(s, ERR_SCRIPT, "cannot resolve the "
			    "form's action against %s", s->page->url));
		}
		form_set_action(f, url);
	} else
		url = xstrdup(action);
	free(action);

	v = form_payload(f, button, &nv);
	browser_clear_nav(s);
	n = &s->nav;
	n->kind = NAV_SUBMIT;
	n->referer = xstrdup(s->page->url);
	n->post = form_is_post(f);
	xfer_reset(&s->xfer);
	if (n->post && s->nuploads > 0) {
		n->multipart = 1;
		xfer_set_mime(&s->xfer, curl_mime_init(s->easy));
		for (i = 0; i < nv; i++) {
			part = curl_mime_addpart(s->xfer.mime);
			curl_mime_name(part, v[i].name);
			curl_mime_data(part, v[i].value, CURL_ZERO_TERMINATED);
		}
		for (i = 0; i < s->nuploads; i++) {
			part = curl_mime_addpart(s->xfer.mime);
			curl_mime_name(part, s->uploads[i].field);
			if (curl_mime_filedata(part, s->uploads[i].path) !=
			    CURLE_OK) {
				form_pairs_free(v, nv);
				free(url);
				browser_clear_nav(s);
				return (session_error(s, ERR_SCRIPT, "cannot "
				    "read %s", s->uploads[i].path));
			}
			curl_mime_filename(part,
			    path_basename(s->uploads[i].path));
			curl_mime_type(part,
			    browser_mime_type(s->uploads[i].path));
		}
	} else if (n->post) {
		buf_init(&b);
		for (i = 0; i < nv; i++) {
			if (i > 0)
				buf_addc(&b, '&');
			browser_quote(&b, v[i].name);
			buf_addc(&b, '=');
			browser_quote(&b, v[i].value);
		}
		n->body = buf_steal(&b);
	} else {
		char *merged = browser_merge_query(url, v, nv);

		free(url);
		url = merged;
	}
	form_pairs_free(v, nv);
	browser_unselect(s);
	rv = nav_request(s, url, NULL);
	free(url);
	return (rv);
}

/* back: the previous page, with no request; nothing at an empty history. */
void
browser_back(struct session *s)
{
	browser_unselect(s);
	if (s->nhistory == 0) {
		session_printf(s, "==> back at empty page\n");
		return;
	}
	page_unref(s->page);
	s->page = s->history[--s->nhistory];
}
