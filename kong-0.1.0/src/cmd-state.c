/*
 * cmd-state.c: browser state and variables: headers, agent, credentials,
 * cookies (libcurl's engine, saved in the Netscape format), setlocal and
 * setglobal.
 */
#include <ctype.h>
#include <errno.h>

#include "session-int.h"

/* add_extra_header NAME VALUE: on every later request, replacing NAME. */
enum cmd_retval
cmd_add_extra_header(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	(void)in;
	(void)argc;
	if (strpbrk(argv[0], ":\r\n") != NULL || *argv[0] == '\0' ||
	    strpbrk(argv[1], "\r\n") != NULL)
		return (session_error(s, ERR_SCRIPT, "invalid header '%s: %s'",
		    argv[0], argv[1]));
	browser_set_header(s, argv[0], argv[1]);
	return (CMD_NORMAL);
}

/* clear_extra_headers: back to the default headers (undoes agent too). */
enum cmd_retval
cmd_clear_extra_headers(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	(void)in;
	(void)argv;
	(void)argc;
	browser_default_headers(s);
	return (CMD_NORMAL);
}

/* show_extra_headers: every request header, names in lower case. */
enum cmd_retval
cmd_show_extra_headers(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	size_t	i;
	char	*name;

	(void)in;
	(void)argv;
	(void)argc;
	session_printf(s, "\nThe following HTTP headers are added to each "
	    "request:\n\n");
	for (i = 0; i < s->nheaders; i++) {
		name = xstrdup(s->headers[i].name);
		for (char *p = name; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		session_printf(s, "\t\"%s\" = \"%s\"\n", name,
		    s->headers[i].value);
		free(name);
	}
	session_printf(s, "\n");
	return (CMD_NORMAL);
}

/* agent STRING: a preset name, or the User-Agent itself. */
enum cmd_retval
cmd_agent(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	static const struct {
		const char	*name;
		const char	*agent;
	} presets[] = {
		{ "chrome", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
		    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36" },
		{ "firefox", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) "
		    "Gecko/20100101 Firefox/133.0" },
		{ "safari", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) "
		    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
		    "Safari/605.1.15" },
		{ "edge", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
		    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
		    "Safari/537.36 Edg/131.0.0.0" },
		{ "googlebot", "Mozilla/5.0 (compatible; Googlebot/2.1; "
		    "+http://www.google.com/bot.html)" },
		{ "curl", "curl/" LIBCURL_VERSION },
	};
	const char	*p = argv[0], *e;
	char		*agent;
	size_t		 i;

	(void)in;
	(void)argc;
	while (isspace((unsigned char)*p))
		p++;
	e = p + strlen(p);
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	agent = xstrndup(p, (size_t)(e - p));
	for (i = 0; i < nitems(presets); i++) {
		if (strcmp(agent, presets[i].name) == 0) {
			free(agent);
			agent = xstrdup(presets[i].agent);
			break;
		}
	}
	browser_set_header(s, "User-Agent", agent);
	free(agent);
	return (CMD_NORMAL);
}

static void
state_add_cred(struct session *s, const char *url, const char *realm,
    const char *user, const char *password)
{
	struct credential	*c;
	size_t			 i;

	/* One entry per (URL, realm), as in twill's dict: a later one wins. */
	for (i = 0; i < s->ncreds; i++) {
		c = &s->creds[i];
		if (strcmp(c->url, url) != 0 || (c->realm == NULL) !=
		    (realm == NULL) || (realm != NULL && strcmp(c->realm,
		    realm) != 0))
			continue;
		free(c->user);
		free(c->password);
		c->user = xstrdup(user);
		c->password = xstrdup(password);
		return;
	}
	s->creds = xreallocarray(s->creds, s->ncreds + 1, sizeof *s->creds);
	c = &s->creds[s->ncreds++];
	c->url = xstrdup(url);
	c->realm = realm != NULL ? xstrdup(realm) : NULL;
	c->user = xstrdup(user);
	c->password = xstrdup(password);
}

/* add_auth REALM URL USER PASSWORD: basic auth for exactly that URL. */
enum cmd_retval
cmd_add_auth(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	(void)in;
	(void)argc;
	state_add_cred(s, argv[1], argv[0], argv[2], argv[3]);
	if (s->with_default_realm)
		state_add_cred(s, argv[1], NULL, argv[2], argv[3]);
	return (CMD_NORMAL);
}

/* save_cookies FILE: the jar in the Netscape cookie-file format. */
enum cmd_retval
cmd_save_cookies(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	struct curl_slist	*list = NULL, *l;
	FILE			*f;
	int			 ok;

	(void)in;
	(void)argc;
	if ((f = fopen(argv[0], "w")) == NULL)
		return (session_error(s, ERR_SCRIPT, "cannot write %s: %s",
		    argv[0], strerror(errno)));
	curl_easy_getinfo(s->easy, CURLINFO_COOKIELIST, &list);
	fputs("# Netscape HTTP Cookie File\n# Written by Kong " KONG_VERSION
	    "\n\n", f);
	for (l = list; l != NULL; l = l->next)
		fprintf(f, "%s\n", l->data);
	curl_slist_free_all(list);
	ok = fflush(f) == 0 && !ferror(f);
	if (fclose(f) != 0 || !ok)
		return (session_error(s, ERR_SCRIPT, "cannot write %s: %s",
		    argv[0], strerror(errno)));
	return (CMD_NORMAL);
}

/* load_cookies FILE: replace the jar with a Netscape cookie file. */
enum cmd_retval
cmd_load_cookies(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	char	*text, *cause, *line, *next;
	size_t	 len;

	(void)in;
	(void)argc;
	if ((text = read_file(argv[0], 16 << 20, &len, &cause)) == NULL) {
		session_error(s, ERR_SCRIPT, "cannot load cookies: %s", cause);
		free(cause);
		return (CMD_ERROR);
	}
	curl_easy_setopt(s->easy, CURLOPT_COOKIELIST, "ALL");
	for (line = text; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		if (*line == '\0' || (*line == '#' &&
		    strncmp(line, "#HttpOnly_", 10) != 0))
			continue;
		if (strchr(line, '\t') == NULL) {
			free(text);
			return (session_error(s, ERR_SCRIPT, "%s is not a "
			    "Netscape cookie file (a line has no tabs)",
			    argv[0]));
		}
		curl_easy_setopt(s->easy, CURLOPT_COOKIELIST, line);
	}
	free(text);
	return (CMD_NORMAL);
}

/* clear_cookies: empty the jar. */
enum cmd_retval
cmd_clear_cookies(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	(void)in;
	(void)argv;
	(void)argc;
	curl_easy_setopt(s->easy, CURLOPT_COOKIELIST, "ALL");
	return (CMD_NORMAL);
}

/* The jar as twill's show_cookies prints it: a count and the names. */
enum cmd_retval
display_cookies(struct session *s)
{
	struct curl_slist	*list = NULL, *l;
	const char		*p;
	size_t			 n = 0, i, k;

	curl_easy_getinfo(s->easy, CURLINFO_COOKIELIST, &list);
	for (l = list; l != NULL; l = l->next)
		n++;
	if (n == 0)
		session_printf(s, "\nThere are no cookies in the cookie jar.\n\n");
	else {
		session_printf(s, "\nThere are %zu cookie(s) in the cookie "
		    "jar.\n\n", n);
		for (i = 1, l = list; l != NULL; l = l->next, i++) {
			/* Netscape fields: domain, flag, path, secure, expiry, name, value. */
			for (p = l->data, k = 0; k < 5 && p != NULL; k++) {
				p = strchr(p, '\t');
				if (p != NULL)
					p++;
			}
			if (p == NULL)
				p = "";
			session_printf(s, "\t%zu. %.*s\n", i,
			    (int)strcspn(p, "\t"), p);
		}
		session_printf(s, "\n");
	}
	curl_slist_free_all(list);
	return (CMD_NORMAL);
}

/* show_cookies */
enum cmd_retval
cmd_show_cookies(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	(void)in;
	(void)argv;
	(void)argc;
	return (display_cookies(s));
}

/* setlocal NAME VALUE */
enum cmd_retval
cmd_setlocal(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	(void)in;
	(void)argc;
	session_set_local(s, argv[0], argv[1]);
	return (CMD_NORMAL);
}

/* setglobal NAME VALUE */
enum cmd_retval
cmd_setglobal(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	(void)in;
	(void)argc;
	session_set_global(s, argv[0], argv[1]);
	return (CMD_NORMAL);
}
