/*
 * cmd-assert.c: assertions: code, find, notfind, url, title.
 *
 * find matches its regex on the page's decoded text as received (it never
 * parses the page), or runs XPath on the tree with the x flag. Each success
 * sets __match__: group 1 when the regex has groups, else the whole match.
 */
#include <math.h>

#include <libxml/xpathInternals.h>

#include "session-int.h"

/* code N: the final status after redirects, refresh and auth retry. */
enum cmd_retval
cmd_code(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	long	want;

	(void)in;
	(void)argc;
	if (twill_parse_int(argv[0], &want) != 0)
		return (session_error(s, ERR_SCRIPT, "invalid literal for int() "
		    "with base 10: '%s'", argv[0]));
	if (browser_page(s, "status code") == NULL)
		return (CMD_ERROR);
	if (s->page->code != want)
		return (session_error(s, ERR_ASSERT, "code is %ld != %ld",
		    s->page->code, want));
	return (CMD_NORMAL);
}

/*
 * Search subject with re; on a match set __match__ (group 1 if the regex
 * has groups, None when that group did not take part). 1: match, 0: none,
 * -1: the regex gave up (an error is set: never a pass of notfind).
 */
static int
assert_search(struct session *s, pcre2_code *re, const char *subject,
    size_t len)
{
	pcre2_match_data	*md;
	PCRE2_SIZE		*ov;
	uint32_t		 ncap = 0;
	int			 rc, g;
	char			*m, *cause;

	md = pcre2_match_data_create_from_pattern(re, NULL);
	if ((rc = twill_match(re, subject, len, md, &cause)) <= 0) {
		pcre2_match_data_free(md);
		if (rc == -1) {
			session_error(s, ERR_SCRIPT, "%s", cause);
			free(cause);
		}
		return (rc);
	}
	/* PCRE2 sets the groups that took no part (even at the end) unset. */
	rc = (int)pcre2_get_ovector_count(md);
	pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &ncap);
	g = ncap > 0 ? 1 : 0;
	ov = pcre2_get_ovector_pointer(md);
	if (g >= rc || ov[2 * g] == PCRE2_UNSET)
		session_set_local(s, "__match__", NULL);
	else {
		m = xstrndup(subject + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
		session_set_local(s, "__match__", m);
		free(m);
	}
	pcre2_match_data_free(md);
	return (1);
}

/* A regex for an instruction: the compiled one, or compiled now. */
static pcre2_code *
assert_regex(struct session *s, const struct insn *in, const char *pattern,
    int flags)
{
	pcre2_code	*re;
	char		*cause;
	size_t		 off;

	if (in->re != NULL)
		return (in->re);
	if ((re = twill_regex(pattern, flags, &cause, &off)) == NULL) {
		session_error(s, ERR_SCRIPT, "bad regex '%s': %s at offset %zu",
		    pattern, cause, off);
		free(cause);
	}
	return (re);
}

/*
 * The steps an XPath expression may take (libxml2 counts nodes visited and
 * compared): //a on a 100,000-element page takes about 200,000, a nested
 * count() over it would take billions and block the loop for minutes.
 */
#define ASSERT_XPATH_OPS	20000000UL

/* Format an XPath number as Python's str(float) would. */
static char *
assert_number(double d)
{
	if (isfinite(d) && d == floor(d) && fabs(d) < 1e16)
		return (xstrfmt("%.1f", d));
	return (xstrfmt("%.17g", d));
}

/*
 * XPath on the page's tree: a node set matches when not empty (__match__ is
 * the first element's text before its first child, or an attribute's or a
 * text node's value); a string, number or boolean when non-empty, non-zero
 * or true (docs/twill.md D14).
 */
static int
assert_xpath(struct session *s, const struct insn *in, const char *expr)
{
	xmlXPathContextPtr	 ctx;
	xmlXPathObjectPtr	 obj;
	xmlXPathCompExprPtr	 comp = in->xpath;
	xmlNodePtr		 n, c;
	htmlDocPtr		 doc;
	char			*cause, *m = NULL;
	int			 hit = 0;

	if (comp == NULL && (comp = twill_xpath(expr, &cause)) == NULL) {
		session_error(s, ERR_SCRIPT, "bad XPath expression '%s': %s",
		    expr, cause);
		free(cause);
		return (-1);
	}
	/* The tree, where twill has turned submit buttons into inputs. */
	if (browser_tree(s, "HTML") == NULL) {
		if (comp != in->xpath)
			xmlXPathFreeCompExpr(comp);
		return (-1);
	}
	doc = page_doc(s->page);
	ctx = xmlXPathNewContext(doc);
	ctx->node = xmlDocGetRootElement(doc);
	ctx->opLimit = ASSERT_XPATH_OPS;
	obj = xmlXPathCompiledEval(comp, ctx);
	xml_quiet_errors();
	if (obj == NULL && ctx->opCount >= ctx->opLimit) {
		session_error(s, ERR_SCRIPT, "XPath expression '%s' gave up "
		    "after %lu steps on this page", expr, ctx->opLimit);
		hit = -1;
		goto out;
	}
	if (obj == NULL) {
		session_error(s, ERR_SCRIPT, "XPath expression '%s' cannot be "
		    "evaluated on this page", expr);
		hit = -1;
		goto out;
	}
	switch (obj->type) {
	case XPATH_NODESET:
		if (obj->nodesetval == NULL || obj->nodesetval->nodeNr == 0)
			break;
		hit = 1;
		n = obj->nodesetval->nodeTab[0];
		if (n->type == XML_ELEMENT_NODE) {
			c = n->children;
			if (c != NULL && (c->type == XML_TEXT_NODE ||
			    c->type == XML_CDATA_SECTION_NODE))
				m = xstrdup((const char *)c->content);
			else
				m = xstrdup("");
		} else
			m = node_text(n);
		break;
	case XPATH_STRING:
		if (obj->stringval != NULL && *obj->stringval != '\0') {
			hit = 1;
			m = xstrdup((const char *)obj->stringval);
		}
		break;
	case XPATH_NUMBER:
		if (obj->floatval != 0 && !isnan(obj->floatval)) {
			hit = 1;
			m = assert_number(obj->floatval);
		}
		break;
	case XPATH_BOOLEAN:
		if (obj->boolval) {
			hit = 1;
			m = xstrdup("True");
		}
		break;
	default:
		break;
	}
	if (hit == 1)
		session_set_local(s, "__match__", m);
out:
	free(m);
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(ctx);
	if (comp != in->xpath)
		xmlXPathFreeCompExpr(comp);
	return (hit);
}

/*
 * find and notfind: 1 found, 0 not found, -1 an error (already set), 2 the
 * page is still being read (run again after a turn of the loop).
 */
static int
assert_find(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	pcre2_code	*re;
	char		 bad;
	int		 flags = in->find_flags, hit;

	if (!in->flags_static && argc > 1 &&
	    (flags = twill_find_flags(argv[1], &bad)) == -1) {
		session_error(s, ERR_SCRIPT, "unknown find flag '%c'; the flags "
		    "are i, m, s and x", bad);
		return (-1);
	}
	if (browser_page(s, "HTML") == NULL)
		return (-1);
	if ((flags & FIND_X) && !browser_ready(s, PAGE_TREE))
		return (2);
	if (flags & FIND_X)
		return (assert_xpath(s, in, argv[0]));
	if ((re = assert_regex(s, in, argv[0], flags)) == NULL)
		return (-1);
	hit = assert_search(s, re, s->page->text, s->page->textlen);
	if (re != in->re)
		pcre2_code_free(re);
	return (hit);
}

/* find PATTERN [FLAGS] */
enum cmd_retval
cmd_find(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	int	flags = in->find_flags;
	char	bad;

	switch (assert_find(s, in, argv, argc)) {
	case 1:
		return (CMD_NORMAL);
	case 0:
		if (!in->flags_static && argc > 1)
			flags = twill_find_flags(argv[1], &bad);
		if (flags & FIND_X)
			return (session_error(s, ERR_ASSERT, "no element to path "
			    "'%s'", argv[0]));
		return (session_error(s, ERR_ASSERT, "no match to '%s'",
		    argv[0]));
	case 2:
		return (CMD_WAIT);
	default:
		return (CMD_ERROR);
	}
}

/* notfind PATTERN [FLAGS]: fails on a match; other errors pass through. */
enum cmd_retval
cmd_notfind(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	switch (assert_find(s, in, argv, argc)) {
	case 0:
		return (CMD_NORMAL);
	case 1:
		return (session_error(s, ERR_ASSERT, "match to '%s'", argv[0]));
	case 2:
		return (CMD_WAIT);
	default:
		return (CMD_ERROR);
	}
}

/* url REGEX: a search in the current URL ("" when there is no page). */
enum cmd_retval
cmd_url(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	pcre2_code	*re;
	const char	*url = s->page != NULL ? s->page->url : "";
	int		 hit;

	(void)argc;
	if ((re = assert_regex(s, in, argv[0], 0)) == NULL)
		return (CMD_ERROR);
	hit = s->page != NULL ? assert_search(s, re, url, strlen(url)) : 0;
	if (re != in->re)
		pcre2_code_free(re);
	if (hit == -1)
		return (CMD_ERROR);
	if (!hit)
		return (session_error(s, ERR_ASSERT, "current url is '%s'; does "
		    "not match '%s'", url, argv[0]));
	return (CMD_NORMAL);
}

/* title REGEX: a search in the first <title>'s text. */
enum cmd_retval
cmd_title(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	pcre2_code	*re;
	char		*title;
	int		 hit;

	(void)argc;
	if (!browser_ready(s, PAGE_SCAN))
		return (CMD_WAIT);
	if ((re = assert_regex(s, in, argv[0], 0)) == NULL)
		return (CMD_ERROR);
	if (browser_page(s, "title") == NULL) {
		if (re != in->re)
			pcre2_code_free(re);
		return (CMD_ERROR);
	}
	title = page_title(s->page);
	hit = title != NULL && *title != '\0' ?
	    assert_search(s, re, title, strlen(title)) : 0;
	free(title);
	if (re != in->re)
		pcre2_code_free(re);
	if (hit == -1)
		return (CMD_ERROR);
	if (!hit)
		return (session_error(s, ERR_ASSERT, "The title does not contain "
		    "'%s'.", argv[0]));
	return (CMD_NORMAL);
}
