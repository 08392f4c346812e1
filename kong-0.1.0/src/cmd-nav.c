/*
 * cmd-nav.c: navigation commands: go, reload, back, follow, reset_browser.
 */
#include "session-int.h"

/* go URL */
enum cmd_retval
cmd_go(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	(void)in;
	(void)argc;
	return (browser_go(s, argv[0]));
}

/* reload: GET the current URL again (no history push). */
enum cmd_retval
cmd_reload(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	char		*url;
	enum cmd_retval	 rv;

	(void)in;
	(void)argv;
	(void)argc;
	if (browser_page(s, "URL") == NULL)
		return (CMD_ERROR);
	url = xstrdup(s->page->url);
	rv = browser_open(s, NAV_RELOAD, url);
	free(url);
	return (rv);
}

/* back: the previous page from the history, with no request. */
enum cmd_retval
cmd_back(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	(void)in;
	(void)argv;
	(void)argc;
	browser_back(s);
	return (CMD_NORMAL);
}

/*
 * The number of the first link whose text or raw href has a match for re,
 * or n when none has; -1 after an error (a regex that gave up).
 */
static ssize_t
nav_first_link(struct session *s, struct page *p, const pcre2_code *re,
    const char *pattern)
{
	const struct page_link	*links;
	pcre2_match_data	*md;
	const char		*t;
	char			*cause = NULL;
	size_t			 n, i, len;
	int			 hit = 0;

	links = page_links(p, &n);
	md = pcre2_match_data_create_from_pattern(re, NULL);
	for (i = 0; i < n && hit == 0; i++) {
		t = page_link_text(p, &links[i], &len);
		if ((hit = twill_match(re, t, len, md, &cause)) == 0) {
			t = page_link_href(p, &links[i]);
			hit = twill_match(re, t, strlen(t), md, &cause);
		}
	}
	pcre2_match_data_free(md);
	if (hit == -1) {
		session_error(s, ERR_SCRIPT, "follow '%s': %s", pattern, cause);
		free(cause);
		return (-1);
	}
	return (hit == 1 ? (ssize_t)i - 1 : (ssize_t)n);
}

/*
 * follow REGEX: the first link whose text or raw href has a match, in
 * document order; fetched with GET and no Referer.
 */
enum cmd_retval
cmd_follow(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	const struct page_link	*links;
	pcre2_code		*re = in->re;
	struct page		*p;
	const char		*href;
	char			*cause, *url, *why;
	size_t			 n, off;
	ssize_t			 i;
	enum cmd_retval		 rv;

	(void)argc;
	if (!browser_ready(s, PAGE_SCAN))
		return (CMD_WAIT);
	if ((p = browser_page(s, "links")) == NULL)
		return (CMD_ERROR);
	if (re == NULL && (re = twill_regex(argv[0], 0, &cause, &off)) == NULL) {
		rv = session_error(s, ERR_SCRIPT, "bad regex '%s': %s at "
		    "offset %zu", argv[0], cause, off);
		free(cause);
		return (rv);
	}
	i = nav_first_link(s, p, re, argv[0]);
	if (re != in->re)
		pcre2_code_free(re);
	if (i == -1)
		return (CMD_ERROR);
	links = page_links(p, &n);
	if ((size_t)i == n) {
		/* A page cut short must not look like one without the link. */
		if ((why = page_scan_error(p)) != NULL) {
			rv = session_error(s, ERR_HTTP, "no links match to '%s' "
			    "in the part of the page read: %s", argv[0], why);
			free(why);
			return (rv);
		}
		return (session_error(s, ERR_ASSERT, "no links match to '%s'",
		    argv[0]));
	}
	href = page_link_href(p, &links[i]);
	if (strstr(href, "://") != NULL)
		url = xstrdup(href);
	else if ((url = browser_join(p->url, href)) == NULL)
		return (session_error(s, ERR_SCRIPT, "cannot follow link '%s'",
		    href));
	rv = browser_open(s, NAV_FOLLOW, url);
	free(url);
	return (rv);
}

/* reset_browser [base_url]: a brand-new browser and default options. */
enum cmd_retval
cmd_reset_browser(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	(void)in;
	(void)argv;
	(void)argc;
	browser_reset(s, 1);
	return (CMD_NORMAL);
}
