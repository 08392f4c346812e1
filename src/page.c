/*
 * page.c: a loaded page: its text, and its HTML tree parsed on demand.
 *
 * The text is the body decoded with the charset the response declares
 * (UTF-8 when it declares none), invalid bytes replaced by U+FFFD, as httpx
 * gives twill. The tree comes from libxml2's HTML parser in recovery mode,
 * the parser lxml uses, so malformed pages give twill's tree.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <strings.h>

#include <libxml/xpathInternals.h>

#include "page.h"

static void
page_xml_error(void *arg, xmlErrorPtr e)
{
	(void)arg;
	(void)e;
}

/* Keep libxml2 from printing parse errors of hostile pages on stderr. */
void
xml_quiet_errors(void)
{
	xmlSetStructuredErrorFunc(NULL, page_xml_error);
}

/* Append a UTF-8 copy of s, replacing invalid sequences with U+FFFD. */
static void
page_add_utf8(struct buf *b, const char *s, size_t len)
{
	size_t	ok;

	while (len > 0) {
		ok = utf8_valid_prefix(s, len);
		buf_add(b, s, ok);
		if (ok == len)
			break;
		buf_adds(b, "\xef\xbf\xbd");
		s += ok + 1;
		len -= ok + 1;
		/* Skip the rest of a broken sequence's continuation bytes. */
		while (len > 0 && ((unsigned char)*s & 0xc0) == 0x80) {
			s++;
			len--;
		}
	}
}

/*
 * Decode len bytes in charset (NULL or unknown: UTF-8) into new UTF-8 text.
 * Caller frees.
 */
char *
utf8_from_charset(const char *s, size_t len, const char *charset,
    size_t *outlen)
{
	struct buf	 b;
	iconv_t		 cd = (iconv_t)-1;
	char		 tmp[4096], *in, *out;
	size_t		 inleft, outleft;

	buf_init(&b);
	buf_grow(&b, len);
	if (charset != NULL && strcasecmp(charset, "utf-8") != 0 &&
	    strcasecmp(charset, "utf8") != 0 &&
	    strcasecmp(charset, "us-ascii") != 0 &&
	    strcasecmp(charset, "ascii") != 0)
		cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1) {
		page_add_utf8(&b, s, len);
		goto out;
	}
	in = (char *)s;
	inleft = len;
	while (inleft > 0) {
		out = tmp;
		outleft = sizeof tmp;
		if (iconv(cd, &in, &inleft, &out, &outleft) == (size_t)-1 &&
		    errno != E2BIG) {
			buf_add(&b, tmp, (size_t)(out - tmp));
			buf_adds(&b, "\xef\xbf\xbd");
			in++;
			inleft--;
			continue;
		}
		buf_add(&b, tmp, (size_t)(out - tmp));
	}
	iconv_close(cd);
out:
	*outlen = b.len;
	return (buf_steal(&b));
}

/* The charset parameter of a Content-Type value, or NULL. Caller frees. */
static char *
page_charset(const char *ct)
{
	const char	*p, *e;

	if (ct == NULL)
		return (NULL);
	for (p = ct; (p = strchr(p, ';')) != NULL; ) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "charset=", 8) != 0)
			continue;
		p += 8;
		if (*p == '"' || *p == '\'')
			p++;
		for (e = p; *e != '\0' && *e != ';' && *e != '"' && *e != '\'' &&
		    !isspace((unsigned char)*e); e++)
			;
		if (e == p)
			return (NULL);
		return (xstrndup(p, (size_t)(e - p)));
	}
	return (NULL);
}

/* Whether a charset names UTF-8 (or nothing: httpx then decodes UTF-8). */
static int
page_is_utf8(const char *charset)
{
	return (charset == NULL || strcasecmp(charset, "utf-8") == 0 ||
	    strcasecmp(charset, "utf8") == 0 ||
	    strcasecmp(charset, "us-ascii") == 0 ||
	    strcasecmp(charset, "ascii") == 0);
}

/*
 * A page from a response: its final URL, status, Content-Type (or NULL),
 * header block and body. The body (len bytes, NUL-terminated, from
 * malloc) becomes the page's: the hot path copies nothing, and a body that
 * is already valid UTF-8 is its own text.
 */
struct page *
page_create_take(const char *url, long code, const char *content_type,
    const char *headers, char *body, size_t len)
{
	struct page	*p;

	p = xcalloc(1, sizeof *p);
	p->refs = 1;
	p->url = xstrdup(url);
	p->code = code;
	p->content_type = content_type != NULL ? xstrdup(content_type) : NULL;
	p->charset = page_charset(content_type);
	p->headers = xstrdup(headers != NULL ? headers : "");
	p->raw = body;
	p->rawlen = len;
	if (page_is_utf8(p->charset) && utf8_is_valid(body, len)) {
		p->text = p->raw;
		p->textlen = len;
	} else
		p->text = utf8_from_charset(body, len, p->charset, &p->textlen);
	return (p);
}

/* A page from a response, copying the body. */
struct page *
page_create(const char *url, long code, const char *content_type,
    const char *headers, const char *body, size_t len)
{
	char	*copy;

	copy = xmalloc(len + 1);
	memcpy(copy, body, len);
	copy[len] = '\0';
	return (page_create_take(url, code, content_type, headers, copy, len));
}

/* Take a reference. */
struct page *
page_ref(struct page *p)
{
	p->refs++;
	return (p);
}

static void
page_free_forms(struct page *p)
{
	size_t	i, j;

	for (i = 0; i < p->nforms; i++) {
		for (j = 0; j < p->forms[i]->nctls; j++) {
			free(p->forms[i]->ctls[j].type);
			free(p->forms[i]->ctls[j].name);
		}
		free(p->forms[i]->ctls);
		if (p->forms[i]->own_doc != NULL)
			xmlFreeDoc(p->forms[i]->own_doc);
		free(p->forms[i]);
	}
	free(p->forms);
}

/* Drop a reference; the last one frees. NULL is allowed. */
void
page_unref(struct page *p)
{
	if (p == NULL || --p->refs > 0)
		return;
	page_free_forms(p);
	if (p->doc != NULL)
		xmlFreeDoc(p->doc);
	free(p->url);
	free(p->content_type);
	free(p->charset);
	free(p->headers);
	if (p->text != p->raw)
		free(p->text);
	free(p->raw);
	free(p);
}

/* Whether the page says it is HTML. */
int
page_is_html(const struct page *p)
{
	size_t	n;

	if (p->content_type == NULL)
		return (0);
	n = strcspn(p->content_type, ";");
	while (n > 0 && isspace((unsigned char)p->content_type[n - 1]))
		n--;
	return (n == 9 && strncasecmp(p->content_type, "text/html", 9) == 0);
}

/* The page's HTML tree, parsed the first time it is needed. */
htmlDocPtr
page_doc(struct page *p)
{
	int	opts;

	if (p->doc != NULL)
		return (p->doc);
	opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	    HTML_PARSE_NONET | HTML_PARSE_COMPACT;
	if (p->textlen > 0 && p->textlen < INT_MAX)
		p->doc = htmlReadMemory(p->text, (int)p->textlen, p->url,
		    "UTF-8", opts);
	if (p->doc == NULL)
		p->doc = htmlNewDocNoDtD(NULL, NULL);
	return (p->doc);
}

/* All the text inside a node, as lxml's text_content(). Caller frees. */
char *
node_text(xmlNodePtr n)
{
	xmlChar	*c;
	char	*s;

	c = xmlNodeGetContent(n);
	s = xstrdup(c != NULL ? (char *)c : "");
	xmlFree(c);
	return (s);
}

/* The first element named name in document order, from n. */
static xmlNodePtr
page_first(xmlNodePtr n, const char *name)
{
	xmlNodePtr	r;

	for (; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrcasecmp(n->name, (const xmlChar *)name) == 0)
			return (n);
		if (n->children != NULL &&
		    (r = page_first(n->children, name)) != NULL)
			return (r);
	}
	return (NULL);
}

/*
 * The text of the page's first <title> (its first text node, as twill
 * reads it), or NULL when there is none or it is empty. Caller frees.
 */
char *
page_title(struct page *p)
{
	xmlNodePtr	t, c;

	t = page_first(xmlDocGetRootElement(page_doc(p)), "title");
	if (t == NULL)
		return (NULL);
	for (c = t->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
			return (xstrdup((const char *)c->content));
	}
	return (NULL);
}

static void
page_collect_links(xmlNodePtr n, struct page_link **v, size_t *nv)
{
	xmlChar	*href;

	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcasecmp(n->name, (const xmlChar *)"a") == 0 &&
		    (href = xmlGetProp(n, (const xmlChar *)"href")) != NULL) {
			*v = xreallocarray(*v, *nv + 1, sizeof **v);
			(*v)[*nv].text = node_text(n);
			(*v)[*nv].href = xstrdup((char *)href);
			(*nv)++;
			xmlFree(href);
		}
		page_collect_links(n->children, v, nv);
	}
}

/* Every <a href> in document order: its text and raw href. Caller frees. */
struct page_link *
page_links(struct page *p, size_t *np)
{
	struct page_link	*v = NULL;

	*np = 0;
	page_collect_links(xmlDocGetRootElement(page_doc(p)), &v, np);
	return (v);
}

/* Free a list of links. */
void
page_links_free(struct page_link *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(v[i].text);
		free(v[i].href);
	}
	free(v);
}

static xmlNodePtr
page_find_refresh(xmlNodePtr n)
{
	xmlNodePtr	 r;
	xmlChar		*eq, *content;
	int		 hit;

	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcasecmp(n->name, (const xmlChar *)"meta") == 0 &&
		    (eq = xmlGetProp(n, (const xmlChar *)"http-equiv")) != NULL) {
			hit = xmlStrcasecmp(eq, (const xmlChar *)"refresh") == 0;
			xmlFree(eq);
			content = xmlGetProp(n, (const xmlChar *)"content");
			if (hit && content != NULL) {
				xmlFree(content);
				return (n);
			}
			xmlFree(content);
		}
		if ((r = page_find_refresh(n->children)) != NULL)
			return (r);
	}
	return (NULL);
}

/*
 * Whether the text has "equiv" in any case: no http-equiv, no meta
 * refresh. Looks for the rare letter q with memchr instead of running a
 * case-insensitive search over every page.
 */
static int
page_has_equiv(const char *text, size_t len)
{
	const char	*p, *e = text + len;
	int		 upper;

	for (upper = 0; upper < 2; upper++) {
		for (p = text; p < e && (p = memchr(p, upper ? 'Q' : 'q',
		    (size_t)(e - p))) != NULL; p++) {
			if (p - text >= 1 && e - p >= 4 &&
			    (p[-1] | 0x20) == 'e' && (p[1] | 0x20) == 'u' &&
			    (p[2] | 0x20) == 'i' && (p[3] | 0x20) == 'v')
				return (1);
		}
	}
	return (0);
}

/* Strip spaces, then one kind of quotes, then spaces, as twill does. */
static char *
page_strip_quotes(const char *s, const char *e)
{
	for (int pass = 0; pass < 2; pass++) {
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		while (s < e && *s == (pass == 0 ? '"' : '\''))
			s++;
		while (e > s && e[-1] == (pass == 0 ? '"' : '\''))
			e--;
	}
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	return (xstrndup(s, (size_t)(e - s)));
}

/*
 * The page's meta refresh, read as twill reads it ("N; url=U", the url=
 * keyword required): returns 1 and fills the delay and the URL as written
 * (caller frees), or 0 when there is none.
 */
int
page_refresh(struct page *p, long *delay, char **url)
{
	xmlNodePtr	 m;
	xmlChar		*content;
	const char	*c, *semi, *eq;
	char		*num, *key, *val;
	long		 n;

	/* Most pages have no refresh: do not parse them to find out. */
	if (!page_has_equiv(p->text, p->textlen))
		return (0);
	m = page_find_refresh(xmlDocGetRootElement(page_doc(p)));
	if (m == NULL)
		return (0);
	content = xmlGetProp(m, (const xmlChar *)"content");
	c = (const char *)content;
	if ((semi = strchr(c, ';')) == NULL) {
		xmlFree(content);
		return (0);
	}
	num = xstrndup(c, (size_t)(semi - c));
	if (parse_int(num, 0, LONG_MAX, &n) != 0) {
		free(num);
		xmlFree(content);
		return (0);
	}
	free(num);
	val = page_strip_quotes(semi + 1, semi + strlen(semi));
	if ((eq = strchr(val, '=')) == NULL) {
		free(val);
		xmlFree(content);
		return (0);
	}
	key = page_strip_quotes(val, eq);
	for (char *k = key; *k != '\0'; k++)
		*k = (char)tolower((unsigned char)*k);
	if (strcmp(key, "url") != 0) {
		free(key);
		free(val);
		xmlFree(content);
		return (0);
	}
	*url = page_strip_quotes(eq + 1, eq + strlen(eq));
	*delay = n;
	free(key);
	free(val);
	xmlFree(content);
	return (1);
}
