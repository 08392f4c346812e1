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
 * follow REGEX: the first link whose text or raw href has a match, in
 * document order; fetched with GET and no Referer.
 */
enum cmd_retval
cmd_follow(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	struct page_link	*links;
	pcre2_code		*re = in->re;
	pcre2_match_data	*md;
	struct page		*p;
	char			*cause, *url = NULL;
	size_t			 n, i, off;
	enum cmd_retval		 rv;

	(void)argc;
	if ((p = browser_page(s, "links")) == NULL)
		return (CMD_ERROR);
	if (re == NULL && (re = twill_regex(argv[0], 0, &cause, &off)) == NULL) {
		rv = session_error(s, ERR_SCRIPT, "bad regex '%s': %s at "
		    "offset %zu", argv[0], cause, off);
		free(cause);
		return (rv);
	}
	md = pcre2_match_data_create_from_pattern(re, NULL);
	links = page_links(p, &n);
	for (i = 0; i < n && url == NULL; i++) {
		if (pcre2_match(re, (PCRE2_SPTR)links[i].text,
		    strlen(links[i].text), 0, 0, md, NULL) >= 0 ||
		    pcre2_match(re, (PCRE2_SPTR)links[i].href,
		    strlen(links[i].href), 0, 0, md, NULL) >= 0) {
			if (strstr(links[i].href, "://") != NULL)
				url = xstrdup(links[i].href);
			else
				url = browser_join(p->url, links[i].href);
			if (url == NULL) {
				rv = session_error(s, ERR_SCRIPT, "cannot follow "
				    "link '%s'", links[i].href);
				goto out;
			}
		}
	}
	if (url == NULL)
		rv = session_error(s, ERR_ASSERT, "no links match to '%s'",
		    argv[0]);
	else
		rv = browser_open(s, NAV_FOLLOW, url);
out:
	free(url);
	page_links_free(links, n);
	pcre2_match_data_free(md);
	if (re != in->re)
		pcre2_code_free(re);
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
