/*
 * cmd-kong.c: Kong's extensions to the Twill language: header, notheader,
 * cert_valid_for, duration, response_time and capture (docs/twill.md,
 * "Kong's extensions"). A script that uses one is no longer a twill script;
 * kong lint --twill-compatible lists those lines.
 *
 * Their arguments are checked when the script compiles (twill_kong_check):
 * the regex of header, notheader and capture is compiled once, durations
 * and comparison operators are read before anything runs. What they find
 * goes into the result: capture's values under "captures" (and a global
 * variable of the same name), the certificate expiry dates cert_valid_for
 * read under "certs".
 */
#include <ctype.h>
#include <strings.h>
#include <time.h>

#include "session-int.h"

/*
 * A duration as Kong reads them (parse_duration_ms), plus d (days) and w
 * (weeks) for certificates. Returns 0 and the milliseconds, or -1.
 */
int
kong_parse_duration(const char *s, long *ms)
{
	char	*end;
	double	 v, mult;
	size_t	 len = strlen(s);

	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0 || (s[len - 1] != 'd' && s[len - 1] != 'w'))
		return (parse_duration_ms(s, ms));
	mult = s[len - 1] == 'd' ? 86400000.0 : 7 * 86400000.0;
	while (isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	if (*s == '-' || *s == '+')
		return (-1);
	v = strtod(s, &end);
	/* The number must run up to the unit: "2msd" is not a duration. */
	if (end == s || (size_t)(end - s) != len - 1 || v != v || v < 0 ||
	    v * mult > (double)LONG_MAX / 2)
		return (-1);
	*ms = (long)(v * mult + 0.5);
	return (0);
}

/* Whether op is a comparison duration and response_time take. */
static int
kong_operator(const char *op)
{
	return (strcmp(op, "<") == 0 || strcmp(op, "<=") == 0);
}

/*
 * The compiler's checks of the extensions' arguments: regexes (compiled
 * once into in->re), durations, operators, capture's name and group.
 * Returns the errors found.
 */
int
twill_kong_check(struct source *src, struct insn *in, struct diag *d)
{
	struct arg	*a0 = in->nargs > 0 ? &in->args[0] : NULL;
	struct arg	*a1 = in->nargs > 1 ? &in->args[1] : NULL;
	struct arg	*a2 = in->nargs > 2 ? &in->args[2] : NULL;
	char		*cause;
	size_t		 erroff;
	long		 ms;
	int		 errors = 0;

	if ((op_table[in->op].flags & TC_REGEX2) && a1 != NULL &&
	    a1->kind == ARG_LITERAL) {
		in->re = twill_regex_shared(a1->text, 0, &cause, &erroff);
		if (in->re == NULL) {
			diag_at(d, DIAG_ERROR, src, a1->off + (a1->quoted ? 1 :
			    0) + erroff, "bad regex: %s", cause);
			free(cause);
			errors++;
		}
	}
	switch (in->op) {
	case OP_HEADER:
	case OP_NOTHEADER:
		if (a0->kind == ARG_LITERAL && (*a0->text == '\0' ||
		    strpbrk(a0->text, ": \t") != NULL)) {
			diag_at(d, DIAG_ERROR, src, a0->off, "'%s' is not a "
			    "header name", a0->text);
			errors++;
		}
		break;
	case OP_CERT_VALID_FOR:
		if (a0->kind == ARG_LITERAL &&
		    kong_parse_duration(a0->text, &ms) != 0) {
			diag_at(d, DIAG_ERROR, src, a0->off, "'%s' is not a "
			    "duration (14d, 12h, 30m...)", a0->text);
			errors++;
		}
		break;
	case OP_DURATION:
	case OP_RESPONSE_TIME:
		if (a0->kind == ARG_LITERAL && !kong_operator(a0->text)) {
			diag_at(d, DIAG_ERROR, src, a0->off, "'%s' is not a "
			    "comparison; write %s < 500ms (or <=)", a0->text,
			    op_name(in->op));
			errors++;
		}
		if (a1->kind == ARG_LITERAL &&
		    parse_duration_ms(a1->text, &ms) != 0) {
			diag_at(d, DIAG_ERROR, src, a1->off, "'%s' is not a "
			    "duration (500ms, 2s...)", a1->text);
			errors++;
		}
		break;
	case OP_CAPTURE:
		if (a0->kind == ARG_LITERAL &&
		    !twill_name_ok(a0->text, strlen(a0->text))) {
			diag_at(d, DIAG_ERROR, src, a0->off, "'%s' is not a "
			    "variable name", a0->text);
			errors++;
		}
		if (a2 != NULL && a2->kind == ARG_LITERAL && *a2->text == '\0') {
			diag_at(d, DIAG_ERROR, src, a2->off, "the group is a "
			    "number or a name");
			errors++;
		} else if (a2 != NULL && a2->kind == ARG_LITERAL &&
		    in->re != NULL && isdigit((unsigned char)*a2->text)) {
			uint32_t	ncap = 0;
			long		g;

			pcre2_pattern_info(in->re, PCRE2_INFO_CAPTURECOUNT,
			    &ncap);
			if (parse_int(a2->text, 0, 65535, &g) != 0 ||
			    g > (long)ncap) {
				diag_at(d, DIAG_ERROR, src, a2->off, "the regex "
				    "has no group %s (it has %u)", a2->text,
				    ncap);
				errors++;
			}
		} else if (a2 != NULL && a2->kind == ARG_LITERAL &&
		    in->re != NULL && pcre2_substring_number_from_name(in->re,
		    (PCRE2_SPTR)a2->text) < 0) {
			diag_at(d, DIAG_ERROR, src, a2->off, "the regex has no "
			    "group named '%s'", a2->text);
			errors++;
		}
		break;
	default:
		break;
	}
	return (errors);
}

/* The regex of an instruction: compiled, or compiled now (caller frees). */
static pcre2_code *
kong_regex(struct session *s, const struct insn *in, const char *pattern)
{
	pcre2_code	*re;
	char		*cause;
	size_t		 off;

	if (in->re != NULL)
		return (in->re);
	if ((re = twill_regex(pattern, 0, &cause, &off)) == NULL) {
		session_error(s, ERR_SCRIPT, "bad regex '%s': %s at offset %zu",
		    pattern, cause, off);
		free(cause);
	}
	return (re);
}

/*
 * Search subject; on a match return group g (by number, or by name when
 * name is set; -1: group 1 if there are groups, else the whole match) and
 * set *found. The value is NULL when that group did not take part.
 * Caller frees.
 */
static char *
kong_search(pcre2_code *re, const char *subject, size_t len, int g,
    const char *name, int *found)
{
	pcre2_match_data	*md;
	PCRE2_SIZE		*ov;
	uint32_t		 ncap = 0;
	char			*m = NULL;
	int			 rc;

	*found = 0;
	md = pcre2_match_data_create_from_pattern(re, NULL);
	rc = pcre2_match(re, (PCRE2_SPTR)subject, len, 0, 0, md, NULL);
	if (rc < 0) {
		pcre2_match_data_free(md);
		return (NULL);
	}
	*found = 1;
	if (name != NULL)
		g = pcre2_substring_number_from_name(re, (PCRE2_SPTR)name);
	else if (g < 0) {
		pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &ncap);
		g = ncap > 0 ? 1 : 0;
	}
	ov = pcre2_get_ovector_pointer(md);
	if (g >= 0 && g < rc && ov[2 * g] != PCRE2_UNSET)
		m = xstrndup(subject + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
	pcre2_match_data_free(md);
	return (m);
}

/*
 * The values of the current page's response header name (any case), in
 * the order received, as a NULL-terminated vector (caller frees).
 */
static char **
kong_header_values(const struct page *p, const char *name, size_t *np)
{
	const char	*l, *e, *v, *t;
	char		**out;
	size_t		  n = 0, len = strlen(name);

	out = xcalloc(1, sizeof *out);
	for (l = p->headers != NULL ? p->headers : ""; *l != '\0'; l = e) {
		e = l + strcspn(l, "\n");
		t = e;
		if (*e == '\n')
			e++;
		/* The status line and the blank line do not match a name. */
		if ((size_t)(t - l) <= len || strncasecmp(l, name, len) != 0 ||
		    l[len] != ':')
			continue;
		for (v = l + len + 1; v < t && (*v == ' ' || *v == '\t'); v++)
			;
		while (t > v && (t[-1] == '\r' || t[-1] == ' ' ||
		    t[-1] == '\t'))
			t--;
		out = xreallocarray(out, n + 2, sizeof *out);
		out[n++] = xstrndup(v, (size_t)(t - v));
		out[n] = NULL;
	}
	*np = n;
	return (out);
}

/* 'a', 'b' and 'c' for a message. */
static void
kong_quote_list(struct buf *b, char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_adds(b, i + 1 == n ? " and " : ", ");
		buf_printf(b, "'%s'", v[i]);
	}
}

/*
 * header NAME REGEX and notheader NAME [REGEX]: 1 if a value of the header
 * matches (or, without a regex, the header is there), 0 if none, -1 on an
 * error. The values are left in *vals.
 */
static int
kong_header_match(struct session *s, const struct insn *in, char **argv,
    size_t argc, char ***vals, size_t *nvals)
{
	pcre2_code	*re = NULL;
	char		*m;
	size_t		 i;
	int		 hit = 0, found;

	*vals = NULL;
	if (browser_page(s, "headers") == NULL)
		return (-1);
	if (*argv[0] == '\0' || strpbrk(argv[0], ": \t") != NULL) {
		session_error(s, ERR_SCRIPT, "'%s' is not a header name",
		    argv[0]);
		return (-1);
	}
	if (argc > 1 && (re = kong_regex(s, in, argv[1])) == NULL)
		return (-1);
	*vals = kong_header_values(s->page, argv[0], nvals);
	for (i = 0; i < *nvals && !hit; i++) {
		if (re == NULL) {
			hit = 1;
			break;
		}
		m = kong_search(re, (*vals)[i], strlen((*vals)[i]), -1, NULL,
		    &found);
		if (found) {
			hit = 1;
			session_set_local(s, "__match__", m);
		}
		free(m);
	}
	if (re != NULL && re != in->re)
		pcre2_code_free(re);
	return (hit);
}

/* header NAME REGEX: some value of the response header NAME matches. */
enum cmd_retval
cmd_header(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	char		**vals;
	size_t		  n = 0;
	struct buf	  b;
	int		  hit;

	hit = kong_header_match(s, in, argv, argc, &vals, &n);
	if (hit == 1 || hit == -1) {
		free_strv(vals);
		return (hit == 1 ? CMD_NORMAL : CMD_ERROR);
	}
	if (n == 0)
		session_error(s, ERR_ASSERT, "no header '%s' in the response",
		    argv[0]);
	else {
		buf_init(&b);
		kong_quote_list(&b, vals, n);
		session_error(s, ERR_ASSERT, "header %s is %s; %s '%s'",
		    argv[0], b.data, n == 1 ? "does not match" :
		    "none matches", argv[1]);
		buf_free(&b);
	}
	free_strv(vals);
	return (CMD_ERROR);
}

/* notheader NAME [REGEX]: no header NAME, or none whose value matches. */
enum cmd_retval
cmd_notheader(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	char		**vals;
	size_t		  n = 0;
	struct buf	  b;
	int		  hit;

	hit = kong_header_match(s, in, argv, argc, &vals, &n);
	if (hit == 0 || hit == -1) {
		free_strv(vals);
		return (hit == 0 ? CMD_NORMAL : CMD_ERROR);
	}
	buf_init(&b);
	kong_quote_list(&b, vals, n);
	if (argc > 1)
		session_error(s, ERR_ASSERT, "header %s is %s: it matches '%s'",
		    argv[0], b.data, argv[1]);
	else
		session_error(s, ERR_ASSERT, "header %s is present: %s",
		    argv[0], b.data);
	buf_free(&b);
	free_strv(vals);
	return (CMD_ERROR);
}

/* "host:port" of an https:// URL, or NULL for any other. Caller frees. */
static char *
kong_tls_key(const char *url)
{
	CURLU	*u;
	char	*scheme = NULL, *host = NULL, *port = NULL, *key = NULL, *p;

	if ((u = curl_url()) == NULL)
		fatal("curl_url: out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    strcasecmp(scheme, "https") == 0 &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK) {
		key = xstrfmt("%s:%s", host, port);
		for (p = key; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return (key);
}

/* Parse OpenSSL's "Dec  7 19:03:00 2026 GMT" (or GnuTLS's ISO form). */
static int
kong_cert_time(const char *v, time_t *t)
{
	struct tm	 tm;
	const char	*end;

	while (*v == ' ')
		v++;
	memset(&tm, 0, sizeof tm);
	if ((end = strptime(v, "%b %d %H:%M:%S %Y", &tm)) == NULL) {
		memset(&tm, 0, sizeof tm);
		if ((end = strptime(v, "%Y-%m-%d %H:%M:%S", &tm)) == NULL)
			return (-1);
	}
	*t = timegm(&tm);
	return (*t == (time_t)-1 ? -1 : 0);
}

/*
 * Before a request: when the script checks certificates, ask libcurl for
 * them, on a connection of our own for a host we have not seen yet (a
 * reused connection carries no certificate information).
 */
void
kong_request_opts(struct session *s, const char *url)
{
	char	*key;
	long	 fresh = 0;

	/* Pooled handles are reset (http_easy_put): off unless set here. */
	if (!s->want_certs)
		return;
	curl_easy_setopt(s->easy, CURLOPT_CERTINFO, 1L);
	if ((key = kong_tls_key(url)) != NULL) {
		fresh = s->certs_seen == NULL ||
		    json_object_get(s->certs_seen, key) == NULL;
		free(key);
	}
	curl_easy_setopt(s->easy, CURLOPT_FRESH_CONNECT, fresh);
}

/*
 * A request finished: when the script checks certificates, remember the
 * expiry date of the server certificate libcurl saw for the URL's host.
 */
void
kong_note_cert(struct session *s, const char *url)
{
	struct curl_certinfo	*ci = NULL;
	struct curl_slist	*l;
	time_t			 t;
	char			*key;
	long			 conns = 0;

	/* Only a handshake of this transfer says whose certificate it is. */
	if (!s->want_certs || url == NULL ||
	    curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &conns) !=
	    CURLE_OK || conns <= 0 ||
	    curl_easy_getinfo(s->easy, CURLINFO_CERTINFO, &ci) != CURLE_OK ||
	    ci == NULL || ci->num_of_certs <= 0)
		return;
	if ((key = kong_tls_key(url)) == NULL)
		return;
	for (l = ci->certinfo[0]; l != NULL; l = l->next) {
		if (strncasecmp(l->data, "Expire date:", 12) == 0 &&
		    kong_cert_time(l->data + 12, &t) == 0) {
			if (s->certs_seen == NULL)
				s->certs_seen = json_object();
			json_object_set_new(s->certs_seen, key,
			    json_integer((json_int_t)t));
			break;
		}
	}
	free(key);
}

/* "4d23h", "5h12m", "12m30s" for a span of seconds. */
static void
kong_span(char *out, size_t len, long long secs)
{
	if (secs < 0)
		secs = -secs;
	if (secs >= 86400)
		snprintf(out, len, "%lldd%02lldh", secs / 86400,
		    secs % 86400 / 3600);
	else if (secs >= 3600)
		snprintf(out, len, "%lldh%02lldm", secs / 3600,
		    secs % 3600 / 60);
	else
		snprintf(out, len, "%lldm%02llds", secs / 60, secs % 60);
}

/* cert_valid_for DURATION: the current host's certificate outlives it. */
enum cmd_retval
cmd_cert_valid_for(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	json_t		*v, *rec;
	struct tm	 tm;
	time_t		 exp, now;
	char		*key, when[32], left[32];
	long		 ms;
	long long	 rest;
	size_t		 i;

	(void)in;
	(void)argc;
	if (kong_parse_duration(argv[0], &ms) != 0)
		return (session_error(s, ERR_SCRIPT, "'%s' is not a duration "
		    "(14d, 12h, 30m...)", argv[0]));
	if (browser_page(s, "certificate") == NULL)
		return (CMD_ERROR);
	if ((key = kong_tls_key(s->page->url)) == NULL)
		return (session_error(s, ERR_ASSERT, "%s is not an https:// "
		    "page: there is no certificate to check", s->page->url));
	if (s->certs_seen == NULL ||
	    (v = json_object_get(s->certs_seen, key)) == NULL) {
		session_error(s, ERR_TLS, "no certificate information for %s "
		    "(libcurl gave none for this connection)", key);
		free(key);
		return (CMD_ERROR);
	}
	exp = (time_t)json_integer_value(v);
	gmtime_r(&exp, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (s->result.certs == NULL)
		s->result.certs = json_array();
	rec = json_pack("{s:s, s:s}", "host", key, "expires", when);
	json_array_foreach(s->result.certs, i, v) {
		if (strcmp(json_string_value(json_object_get(v, "host")),
		    key) == 0)
			break;
	}
	if (i < json_array_size(s->result.certs))
		json_array_set_new(s->result.certs, i, rec);
	else
		json_array_append_new(s->result.certs, rec);
	now = time(NULL);
	rest = (long long)exp - (long long)now;
	kong_span(left, sizeof left, rest);
	if (rest < 0) {
		session_error(s, ERR_ASSERT, "the certificate of %s expired at "
		    "%s, %s ago", key, when, left);
		free(key);
		return (CMD_ERROR);
	}
	if (rest * 1000 < (long long)ms) {
		session_error(s, ERR_ASSERT, "the certificate of %s expires at "
		    "%s, in %s: less than %s", key, when, left, argv[0]);
		free(key);
		return (CMD_ERROR);
	}
	free(key);
	return (CMD_NORMAL);
}

/* Compare a measured time with the limit of duration and response_time. */
static enum cmd_retval
kong_compare(struct session *s, const char *what, uint64_t us, char **argv)
{
	char	took[32];
	long	ms;
	int	ok;

	if (!kong_operator(argv[0]))
		return (session_error(s, ERR_SCRIPT, "'%s' is not a comparison; "
		    "write < or <=", argv[0]));
	if (parse_duration_ms(argv[1], &ms) != 0)
		return (session_error(s, ERR_SCRIPT, "'%s' is not a duration "
		    "(500ms, 2s...)", argv[1]));
	ok = strcmp(argv[0], "<") == 0 ? us < (uint64_t)ms * 1000 :
	    us <= (uint64_t)ms * 1000;
	if (ok)
		return (CMD_NORMAL);
	format_duration(took, sizeof took, us);
	return (session_error(s, ERR_ASSERT, "%s took %s, not %s %s", what,
	    took, argv[0], argv[1]));
}

/* duration < LIMIT: the script so far, from its start to now. */
enum cmd_retval
cmd_duration(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	(void)in;
	(void)argc;
	return (kong_compare(s, "the script", monotonic_usec() - s->start_mono,
	    argv));
}

/* response_time < LIMIT: the last request, from its start to its end. */
enum cmd_retval
cmd_response_time(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	const struct step	*st;
	char			*what;
	enum cmd_retval		 rv;

	(void)in;
	(void)argc;
	if (s->result.nsteps == 0)
		return (session_error(s, ERR_SCRIPT, "no request has been made "
		    "yet"));
	st = &s->result.steps[s->result.nsteps - 1];
	what = xstrfmt("the last request (%s)", st->url);
	rv = kong_compare(s, what, (uint64_t)st->t.total, argv);
	free(what);
	return (rv);
}

/*
 * capture NAME REGEX [GROUP]: the response's header lines ("Name: value",
 * one by one), then the page's text; the first match's group is stored.
 */
enum cmd_retval
cmd_capture(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	pcre2_code	*re;
	const char	*l, *e, *name = NULL;
	char		*m = NULL, *line;
	long		 g = -1;
	uint32_t	 ncap = 0;
	int		 found = 0;
	json_t		*at;
	struct frame	*f = session_frame(s);

	if (!twill_name_ok(argv[0], strlen(argv[0])))
		return (session_error(s, ERR_SCRIPT, "'%s' is not a variable "
		    "name", argv[0]));
	if (argc > 2) {
		if (isdigit((unsigned char)*argv[2])) {
			if (parse_int(argv[2], 0, 65535, &g) != 0)
				return (session_error(s, ERR_SCRIPT, "'%s' is "
				    "not a group", argv[2]));
		} else
			name = argv[2];
	}
	if (browser_page(s, "text") == NULL)
		return (CMD_ERROR);
	if ((re = kong_regex(s, in, argv[1])) == NULL)
		return (CMD_ERROR);
	pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &ncap);
	if (g > (long)ncap) {
		if (re != in->re)
			pcre2_code_free(re);
		return (session_error(s, ERR_SCRIPT, "the regex '%s' has no "
		    "group %ld (it has %u)", argv[1], g, ncap));
	}
	if (name != NULL && pcre2_substring_number_from_name(re,
	    (PCRE2_SPTR)name) < 0) {
		if (re != in->re)
			pcre2_code_free(re);
		return (session_error(s, ERR_SCRIPT, "the regex '%s' has no "
		    "group named '%s'", argv[1], name));
	}
	for (l = s->page->headers != NULL ? s->page->headers : ""; *l != '\0' &&
	    !found; l = e) {
		e = l + strcspn(l, "\n");
		line = xstrndup(l, (size_t)(e - l));
		line[strcspn(line, "\r")] = '\0';
		if (*e == '\n')
			e++;
		m = kong_search(re, line, strlen(line), (int)g, name, &found);
		free(line);
	}
	if (!found)
		m = kong_search(re, s->page->text, s->page->textlen, (int)g,
		    name, &found);
	if (re != in->re)
		pcre2_code_free(re);
	if (!found)
		return (session_error(s, ERR_ASSERT, "capture %s: no match to "
		    "'%s'", argv[0], argv[1]));
	if (m == NULL)
		return (session_error(s, ERR_ASSERT, "capture %s: group %s of "
		    "'%s' took no part in the match", argv[0], argc > 2 ?
		    argv[2] : "1", argv[1]));
	if (s->result.captures == NULL) {
		s->result.captures = json_object();
		s->result.capture_at = json_object();
	}
	if (json_object_set_new(s->result.captures, argv[0],
	    json_string(m)) != 0) {
		free(m);
		return (session_error(s, ERR_HTTP, "capture %s: the value is "
		    "not valid UTF-8", argv[0]));
	}
	at = json_pack("{s:s, s:i, s:s}", "file", f->prog->src->name, "line",
	    in->line, "command", s->cur_cmdline != NULL ? s->cur_cmdline : "");
	json_object_set_new(s->result.capture_at, argv[0], at);
	session_set_global(s, argv[0], m);
	free(m);
	return (CMD_NORMAL);
}
