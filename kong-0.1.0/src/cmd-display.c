/*
 * cmd-display.c: display commands: echo, show and its forms, info,
 * save_html, redirect_output, reset_output. Their text follows twill's.
 */
#include <ctype.h>
#include <errno.h>

#include "session-int.h"

/* echo ARGS...: the arguments joined by single spaces. */
enum cmd_retval
cmd_echo(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	struct buf	b;
	size_t		i;

	(void)in;
	buf_init(&b);
	for (i = 0; i < argc; i++) {
		if (i > 0)
			buf_addc(&b, ' ');
		buf_adds(&b, argv[i]);
	}
	buf_addc(&b, '\n');
	session_write(s, b.data, b.len);
	buf_free(&b);
	return (CMD_NORMAL);
}

/* The page text, stripped, with a blank line around it. */
enum cmd_retval
display_html(struct session *s)
{
	const char	*p, *e;

	if (browser_page(s, "HTML") == NULL)
		return (CMD_ERROR);
	p = s->page->text;
	e = p + s->page->textlen;
	while (p < e && isspace((unsigned char)*p))
		p++;
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	session_write(s, "\n", 1);
	session_write(s, p, (size_t)(e - p));
	session_write(s, "\n\n", 2);
	return (CMD_NORMAL);
}

/* Cut s to n characters as twill's trunc does. Caller frees. */
static char *
display_trunc(const char *s, size_t n)
{
	size_t	i, cols = 0;

	if (utf8_columns(s, strlen(s)) <= n)
		return (xstrdup(s));
	for (i = 0; s[i] != '\0'; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && cols++ == n - 4)
			break;
	}
	return (xstrfmt("%.*s ...", (int)i, s));
}

/* The links of the page, numbered. */
enum cmd_retval
display_links(struct session *s)
{
	const struct page_link	*links;
	const char		*text;
	size_t			 n, i, len;
	char			*t, *tt, *why;

	if (!browser_ready(s, PAGE_SCAN))
		return (CMD_WAIT);
	if (browser_page(s, "links") == NULL)
		return (CMD_ERROR);
	links = page_links(s->page, &n);
	if (n == 0)
		session_printf(s, "\n** no links **\n\n");
	else {
		session_printf(s, "\nLinks (%zu links total):\n\n", n);
		for (i = 0; i < n; i++) {
			text = page_link_text(s->page, &links[i], &len);
			t = xstrndup(text, len);
			tt = display_trunc(t, 40);
			session_printf(s, "\t%zu. %s ==> %s\n", i + 1, tt,
			    page_link_href(s->page, &links[i]));
			free(tt);
			free(t);
		}
		session_printf(s, "\n");
	}
	if ((why = page_scan_error(s->page)) != NULL) {
		session_printf(s, "(only the links before this point were read: "
		    "%s)\n\n", why);
		free(why);
	}
	return (CMD_NORMAL);
}

/* The history, oldest first, without the current page. */
enum cmd_retval
display_history(struct session *s)
{
	size_t	i;

	if (s->nhistory == 0) {
		session_printf(s, "\n** no history **\n\n");
		return (CMD_NORMAL);
	}
	session_printf(s, "\nHistory (%zu pages total):\n\n", s->nhistory);
	for (i = 0; i < s->nhistory; i++)
		session_printf(s, "\t%zu. %s\n", i + 1, s->history[i]->url);
	session_printf(s, "\n");
	return (CMD_NORMAL);
}

/* show [html|links|forms|history|cookies] */
enum cmd_retval
cmd_show(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	const char	*what = argc > 0 ? argv[0] : "";

	(void)in;
	if (*what == '\0' || strcmp(what, "html") == 0)
		return (display_html(s));
	if (strcmp(what, "links") == 0)
		return (display_links(s));
	if (strcmp(what, "forms") == 0)
		return (display_forms(s));
	if (strcmp(what, "history") == 0)
		return (display_history(s));
	if (strcmp(what, "cookies") == 0)
		return (display_cookies(s));
	return (session_error(s, ERR_SCRIPT, "Cannot show \"%s\".", what));
}

/* showhtml */
enum cmd_retval
cmd_showhtml(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	(void)in;
	(void)argv;
	(void)argc;
	return (display_html(s));
}

/* showlinks */
enum cmd_retval
cmd_showlinks(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	(void)in;
	(void)argv;
	(void)argc;
	return (display_links(s));
}

/* showhistory */
enum cmd_retval
cmd_showhistory(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	(void)in;
	(void)argv;
	(void)argc;
	return (display_history(s));
}

/* info: URL, code, content type; title and forms for HTML. */
enum cmd_retval
cmd_info(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	struct page	*p = s->page;
	char		*title;
	int		 html;

	(void)in;
	(void)argv;
	(void)argc;
	if (p != NULL && page_is_html(p) && (!browser_ready(s, PAGE_SCAN) ||
	    !browser_ready(s, PAGE_TREE)))
		return (CMD_WAIT);
	if (p == NULL) {
		session_printf(s, "We're not on a page!\n");
		return (CMD_NORMAL);
	}
	html = page_is_html(p);
	session_printf(s, "\tURL: %s\n\tHTTP code: %ld\n\tContent type: %s%s\n",
	    p->url, p->code, p->content_type != NULL ? p->content_type : "None",
	    html ? " (HTML)" : "");
	if (html) {
		title = page_title(p);
		session_printf(s, "\tPage title: %s\n", title != NULL ? title :
		    "None");
		free(title);
		if (page_forms(p) != 0)
			session_printf(s, "\tForms: not read (%s)\n",
			    page_tree_error(p));
		else if (p->nforms > 0)
			session_printf(s, "\tThis page contains %zu form(s)\n",
			    p->nforms);
	}
	session_printf(s, "\n");
	return (CMD_NORMAL);
}

/* save_html [FILE]: the body as received; the name from the URL if none. */
enum cmd_retval
cmd_save_html(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	struct page	*p;
	char		*name = NULL;
	const char	*slash;
	FILE		*f;
	int		 ok;

	(void)in;
	if ((p = browser_page(s, "HTML")) == NULL)
		return (CMD_ERROR);
	if (argc > 0)
		name = xstrdup(argv[0]);
	else {
		name = xstrndup(p->url, strcspn(p->url, "?"));
		slash = strrchr(name, '/');
		if (slash != NULL)
			memmove(name, slash + 1, strlen(slash + 1) + 1);
		if (*name == '\0') {
			free(name);
			name = xstrdup("index.html");
		}
		session_printf(s, "Using filename '%s'.\n", name);
	}
	if ((f = fopen(name, "wb")) == NULL) {
		session_error(s, ERR_SCRIPT, "cannot write %s: %s", name,
		    strerror(errno));
		free(name);
		return (CMD_ERROR);
	}
	fwrite(p->raw, 1, p->rawlen, f);
	ok = fflush(f) == 0 && !ferror(f);
	if (fclose(f) != 0 || !ok) {
		session_error(s, ERR_SCRIPT, "cannot write %s: %s", name,
		    strerror(errno));
		free(name);
		return (CMD_ERROR);
	}
	free(name);
	return (CMD_NORMAL);
}

/* redirect_output FILE: append later output to FILE. */
enum cmd_retval
cmd_redirect_output(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	FILE	*f;

	(void)in;
	(void)argc;
	if ((f = fopen(argv[0], "a")) == NULL)
		return (session_error(s, ERR_SCRIPT, "cannot open %s: %s",
		    argv[0], strerror(errno)));
	if (s->redirect != NULL)
		fclose(s->redirect);
	s->redirect = f;
	return (CMD_NORMAL);
}

/* reset_output: output goes where it went before redirect_output. */
enum cmd_retval
cmd_reset_output(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	(void)in;
	(void)argv;
	(void)argc;
	if (s->redirect != NULL) {
		fclose(s->redirect);
		s->redirect = NULL;
	}
	return (CMD_NORMAL);
}
