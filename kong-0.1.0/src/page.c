/*
 * page.c: a loaded page: its text, and its HTML tree parsed on demand.
 *
 * The text is the body decoded with the charset the response declares
 * (UTF-8 when it declares none), invalid bytes replaced by U+FFFD, as httpx
 * gives twill. The tree comes from libxml2's HTML parser in recovery mode,
 * the parser lxml uses, so malformed pages give twill's tree.
 *
 * Where reading a page can take long, and the bound of each (see also
 * docs/architecture.md, "Steps that can take long"):
 * - decoding the text: one pass; valid UTF-8 is not copied;
 * - parsing: linear; pages over PAGE_PULL_MAX are read PAGE_SLICE bytes at
 *   a time (page_step) and the command yields to the loop in between;
 * - the tree: about 1 KB per element, at most max_elements (an error past
 *   it), at most PAGE_MAX_DEPTH open elements (an error past it);
 * - the scan: the links as 12-byte offsets and their text and href, never
 *   more than the text; the parse's elements are freed as they end;
 * - regexes and XPath on the page: twill_match's limits and
 *   ASSERT_XPATH_OPS (cmd-assert.c); the forms: form.c, linear.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <strings.h>

#include <libxml/SAX2.h>
#include <libxml/parserInternals.h>

#include "page.h"

#define PAGE_CHUNK	(16 * 1024)	/* bytes fed to the parser at once */
#define PAGE_PARSE_OPTIONS	(HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |	\
	HTML_PARSE_NOWARNING | HTML_PARSE_NONET | HTML_PARSE_COMPACT |	\
	XML_PARSE_HUGE)

/*
 * Pages up to this size are parsed at once by the pull parser, exactly as
 * lxml does; bigger ones by the push parser in slices (tests lower it).
 */
size_t	page_pull_max = PAGE_PULL_MAX;

static void	page_parse_free(struct page_parse *);

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
	page_parse_free(p->scan_parse);
	page_parse_free(p->tree_parse);
	if (p->doc != NULL)
		xmlFreeDoc(p->doc);
	free(p->doc_error);
	free(p->links);
	buf_free(&p->ltext);
	buf_free(&p->lhref);
	free(p->title);
	free(p->refresh);
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

/*
 * Parsing. Every parse of a page goes through page_read: libxml2's HTML
 * parser in recovery mode, reading the page's text in place (no copy), with
 * the SAX callbacks of libxml2's own tree builder wrapped by ours:
 *
 * - The tree (page_doc: find ... x, the forms) is libxml2's tree, built
 *   whole. It costs about 1 KB per element (350 MB for 400,000 links), so
 *   it stops at max_elements elements with an error: a command never runs
 *   on part of a tree, since notfind ... x would then pass by mistake.
 * - The scan (page_links, page_title, page_refresh) builds the same tree
 *   but frees each element's children and earlier siblings when it ends,
 *   after taking what it needs: link texts come from the character events
 *   inside <a href> into one buffer (a nested link's text is a slice of its
 *   parent's), hrefs into another. Its memory is the links (12 bytes each
 *   plus their text and href, never more than the page's text) and the
 *   open elements. The tree builder still runs (only pruned) so that
 *   libxml2 drops and keeps whitespace exactly as in the whole tree.
 * - Both stop at PAGE_MAX_DEPTH open elements (XML_PARSE_HUGE lifts
 *   libxml2's limit of 256, after which it stops building the tree):
 *   deeper pages are said to be too deep.
 */

/* A parse under way, and what it collects; the parser context's _private. */
struct page_parse {
	struct page		*page;
	xmlParserCtxtPtr	 ctxt;		/* NULL once done */
	size_t			 off;		/* bytes of text fed */
	htmlDocPtr		 doc;		/* once read */
	int			 scan;		/* scan (1) or tree (0) */
	long			 max_elements;	/* tree: 0 for none */
	long			 elements;
	int			 stopped;	/* PAGE_TOO_DEEP, PAGE_TOO_BIG */
	xmlNodePtr		*open;		/* scan: open links' nodes */
	uint32_t		*open_link;	/* and their numbers */
	size_t			 nopen, aopen;
	xmlNodePtr		 title;		/* scan: the first <title> */
	int			 title_done;
	int			 refresh_done;
};

static startElementSAXFunc	page_sax_start;
static endElementSAXFunc	page_sax_end;
static charactersSAXFunc	page_sax_chars;
static cdataBlockSAXFunc	page_sax_cdata;

/* Grow an array of n elements of size sz to hold one more (geometric). */
static void *
page_grow(void *v, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return (v);
	*cap = *cap == 0 ? 16 : *cap * 2;
	return (xreallocarray(v, *cap, sz));
}

/* Stop the parser: the page is too deep or too big for us. */
static void
page_parse_stop(xmlParserCtxtPtr ctxt, struct page_parse *pp, int why)
{
	pp->stopped = why;
	xmlStopParser(ctxt);
}

/* Scan: a new <a href> is a link whose text starts here. */
static void
page_scan_link(struct page_parse *pp, xmlNodePtr n)
{
	struct page	*p = pp->page;
	struct page_link *l;
	xmlChar		*href;

	if ((href = xmlGetProp(n, (const xmlChar *)"href")) == NULL)
		return;
	p->links = page_grow(p->links, p->nlinks, &p->alinks, sizeof *p->links);
	l = &p->links[p->nlinks];
	l->text = (uint32_t)p->ltext.len;
	l->textlen = 0;
	l->href = (uint32_t)p->lhref.len;
	buf_add(&p->lhref, href, strlen((char *)href) + 1);
	xmlFree(href);
	pp->open = page_grow(pp->open, pp->nopen, &pp->aopen, sizeof *pp->open);
	pp->open_link = xreallocarray(pp->open_link, pp->aopen,
	    sizeof *pp->open_link);
	pp->open[pp->nopen] = n;
	pp->open_link[pp->nopen++] = (uint32_t)p->nlinks++;
}

/* Scan: the first <meta http-equiv="refresh" content="...">. */
static void
page_scan_meta(struct page_parse *pp, xmlNodePtr n)
{
	xmlChar	*eq, *content;
	int	 hit;

	if ((eq = xmlGetProp(n, (const xmlChar *)"http-equiv")) == NULL)
		return;
	hit = xmlStrcasecmp(eq, (const xmlChar *)"refresh") == 0;
	xmlFree(eq);
	if (!hit ||
	    (content = xmlGetProp(n, (const xmlChar *)"content")) == NULL)
		return;
	pp->page->refresh = xstrdup((char *)content);
	pp->refresh_done = 1;
	xmlFree(content);
}

static void
page_on_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct page_parse	*pp = ctxt->_private;
	xmlNodePtr		 before = ctxt->node, n;

	if (pp->stopped)
		return;
	if (ctxt->nodeNr >= PAGE_MAX_DEPTH) {
		page_parse_stop(ctxt, pp, PAGE_TOO_DEEP);
		return;
	}
	if (!pp->scan && pp->max_elements > 0 &&
	    ++pp->elements > pp->max_elements) {
		page_parse_stop(ctxt, pp, PAGE_TOO_BIG);
		return;
	}
	page_sax_start(ctx, name, atts);
	if (!pp->scan || (n = ctxt->node) == NULL || n == before ||
	    n->type != XML_ELEMENT_NODE)
		return;
	if (xmlStrcasecmp(n->name, (const xmlChar *)"a") == 0)
		page_scan_link(pp, n);
	else if (pp->title == NULL &&
	    xmlStrcasecmp(n->name, (const xmlChar *)"title") == 0)
		pp->title = n;
	else if (!pp->refresh_done &&
	    xmlStrcasecmp(n->name, (const xmlChar *)"meta") == 0)
		page_scan_meta(pp, n);
}

/* Scan: the title is its first text child, as twill reads it. */
static void
page_scan_title(struct page_parse *pp, xmlNodePtr c)
{
	for (; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE ||
		    c->type == XML_CDATA_SECTION_NODE) {
			pp->page->title = xstrdup((const char *)c->content);
			pp->title_done = 1;
			return;
		}
	}
}

/* Scan: free what an ended element holds and what came before it. */
static void
page_scan_prune(xmlNodePtr e)
{
	xmlNodePtr	first, kids;

	if ((kids = e->children) != NULL) {
		e->children = e->last = NULL;
		xmlFreeNodeList(kids);
	}
	/* Not at the top: the document's children hold its DTD. */
	if (e->parent != NULL && e->parent->type == XML_ELEMENT_NODE &&
	    (first = e->parent->children) != e && e->prev != NULL) {
		e->prev->next = NULL;
		e->prev = NULL;
		e->parent->children = e;
		xmlFreeNodeList(first);
	}
}

static void
page_on_end(void *ctx, const xmlChar *name)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct page_parse	*pp = ctxt->_private;
	struct page		*p = pp->page;
	xmlNodePtr		 e = ctxt->node;
	struct page_link	*l;

	if (pp->stopped)
		return;
	page_sax_end(ctx, name);
	if (!pp->scan || e == NULL || e == ctxt->node ||
	    e->type != XML_ELEMENT_NODE)
		return;
	if (pp->nopen > 0 && pp->open[pp->nopen - 1] == e) {
		l = &p->links[pp->open_link[--pp->nopen]];
		l->textlen = (uint32_t)(p->ltext.len - l->text);
	}
	if (!pp->title_done && pp->title != NULL) {
		if (e == pp->title) {
			page_scan_title(pp, e->children);
			pp->title_done = 1;
		} else if (e->parent == pp->title)
			page_scan_title(pp, e->parent->children);
	}
	page_scan_prune(e);
}

static void
page_on_chars(void *ctx, const xmlChar *s, int len)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct page_parse	*pp = ctxt->_private;

	if (pp->stopped)
		return;
	page_sax_chars(ctx, s, len);
	if (pp->scan && pp->nopen > 0 && len > 0)
		buf_add(&pp->page->ltext, s, (size_t)len);
}

static void
page_on_cdata(void *ctx, const xmlChar *s, int len)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct page_parse	*pp = ctxt->_private;

	if (pp->stopped)
		return;
	page_sax_cdata(ctx, s, len);
	if (pp->scan && pp->nopen > 0 && len > 0)
		buf_add(&pp->page->ltext, s, (size_t)len);
}

/* Our callbacks around libxml2's tree builder, set up once. */
static const htmlSAXHandler *
page_sax(void)
{
	static htmlSAXHandler	sax;

	if (sax.initialized == 0) {
		xmlSAX2InitHtmlDefaultSAXHandler(&sax);
		page_sax_start = sax.startElement;
		page_sax_end = sax.endElement;
		page_sax_chars = sax.characters;
		page_sax_cdata = sax.cdataBlock;
		sax.startElement = page_on_start;
		sax.endElement = page_on_end;
		sax.characters = page_on_chars;
		sax.cdataBlock = page_on_cdata;
	}
	return (&sax);
}

/*
 * Parse a page of at most PAGE_PULL_MAX bytes at once, exactly as
 * htmlReadMemory(text, len, url, "UTF-8", opts) does for lxml and twill
 * (libxml2's pull parser), without copying the text. Returns the document
 * (caller frees), or NULL.
 */
static htmlDocPtr
page_read_pull(struct page *p, struct page_parse *pp)
{
	xmlParserCtxtPtr		 ctxt;
	xmlParserInputBufferPtr		 ib;
	xmlParserInputPtr		 in;
	xmlCharEncodingHandlerPtr	 utf8;
	htmlDocPtr			 doc;

	if ((ctxt = htmlNewParserCtxt()) == NULL)
		return (NULL);
	memcpy(ctxt->sax, page_sax(), sizeof *ctxt->sax);
	ctxt->_private = pp;
	ib = xmlParserInputBufferCreateStatic(p->text, (int)p->textlen,
	    XML_CHAR_ENCODING_NONE);
	if (ib == NULL || (in = xmlNewIOInputStream(ctxt, ib,
	    XML_CHAR_ENCODING_NONE)) == NULL) {
		if (ib != NULL)
			xmlFreeParserInputBuffer(ib);
		htmlFreeParserCtxt(ctxt);
		return (NULL);
	}
	inputPush(ctxt, in);
	htmlCtxtUseOptions(ctxt, PAGE_PARSE_OPTIONS);
	if ((utf8 = xmlFindCharEncodingHandler("UTF-8")) != NULL) {
		xmlSwitchToEncoding(ctxt, utf8);
		xmlFree((xmlChar *)ctxt->input->encoding);
		ctxt->input->encoding = xmlStrdup((const xmlChar *)"UTF-8");
	}
	if (ctxt->input->filename == NULL)
		ctxt->input->filename = (char *)xmlStrdup((const xmlChar *)
		    p->url);
	htmlParseDocument(ctxt);
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	if (ctxt->dictNames && doc != NULL && doc->dict == ctxt->dict)
		ctxt->dict = NULL;
	htmlFreeParserCtxt(ctxt);
	return (doc);
}

/*
 * Start parsing the page's text as htmlReadMemory(text, len, url, "UTF-8",
 * opts) would, but with libxml2's push parser, so that a big page is read
 * in slices (page_step) between which the event loop runs. NULL for an
 * empty page.
 */
static xmlParserCtxtPtr
page_read_start(struct page *p, struct page_parse *pp)
{
	xmlParserCtxtPtr		 ctxt;
	xmlCharEncodingHandlerPtr	 utf8;

	pp->page = p;
	if (p->textlen == 0 || p->textlen >= INT_MAX)
		return (NULL);
	if (p->textlen <= page_pull_max) {
		pp->doc = page_read_pull(p, pp);
		pp->off = p->textlen;
		return (NULL);
	}
	ctxt = htmlCreatePushParserCtxt((htmlSAXHandlerPtr)page_sax(), NULL,
	    NULL, 0, p->url, XML_CHAR_ENCODING_NONE);
	if (ctxt == NULL)
		return (NULL);
	ctxt->_private = pp;
	htmlCtxtUseOptions(ctxt, PAGE_PARSE_OPTIONS);
	/* The text is UTF-8 already: a <meta charset> must not switch it. */
	if ((utf8 = xmlFindCharEncodingHandler("UTF-8")) != NULL) {
		xmlSwitchToEncoding(ctxt, utf8);
		xmlFree((xmlChar *)ctxt->input->encoding);
		ctxt->input->encoding = xmlStrdup((const xmlChar *)"UTF-8");
	}
	return (ctxt);
}

/*
 * How much of s (len bytes) to feed the parser next: about piece bytes,
 * ending just before a '<' so that no run of text is split, or just after
 * an end tag that may close every element (</html>, or any while none is
 * open) so that the parser's state can be put back to content.
 */
static size_t
page_chunk(const char *s, size_t len, size_t piece, int open)
{
	const char	*lt, *gt, *e;
	size_t		 n = len;

	if (n > piece && n - piece > 1 &&
	    (lt = memchr(s + piece, '<', n - piece)) != NULL)
		n = (size_t)(lt - s);
	for (lt = s, e = s + n; (lt = memchr(lt, '<', (size_t)(e - lt))) !=
	    NULL; lt++) {
		if (e - lt >= 2 && lt[1] == '/' && (!open || (e - lt >= 6 &&
		    strncasecmp(lt + 2, "html", 4) == 0)) &&
		    (gt = memchr(lt, '>', (size_t)(s + len - lt))) != NULL)
			return ((size_t)(gt + 1 - s));
	}
	return (n);
}

/*
 * Feed the parser about budget more bytes of the text, ending a slice just
 * before a '<' so that no run of text is split. 1 when the whole text has
 * been read (pp->doc holds the document, caller frees), else 0.
 */
static int
page_read_step(struct page *p, struct page_parse *pp, size_t budget)
{
	size_t		 n, piece;

	if (pp->ctxt == NULL)
		return (1);
	while (budget > 0 && pp->off < p->textlen && !pp->stopped) {
		/* Small chunks: the parser keeps only what it has not read. */
		piece = budget < PAGE_CHUNK ? budget : PAGE_CHUNK;
		n = page_chunk(p->text + pp->off, p->textlen - pp->off, piece,
		    pp->ctxt->nameNr > 0);
		htmlParseChunk(pp->ctxt, p->text + pp->off, (int)n, 0);
		/*
		 * After </html> the push parser would drop the rest of the
		 * page; htmlReadMemory (lxml's, twill's) reads on as content.
		 */
		if (pp->ctxt->instate == XML_PARSER_EPILOG)
			pp->ctxt->instate = XML_PARSER_CONTENT;
		pp->off += n;
		budget = n >= budget ? 0 : budget - n;
	}
	if (pp->off < p->textlen && !pp->stopped)
		return (0);
	if (!pp->stopped)
		htmlParseChunk(pp->ctxt, NULL, 0, 1);
	pp->doc = pp->ctxt->myDoc;
	pp->ctxt->myDoc = NULL;
	htmlFreeParserCtxt(pp->ctxt);
	pp->ctxt = NULL;
	return (1);
}

/* Free a parse, finished or not. */
static void
page_parse_free(struct page_parse *pp)
{
	if (pp == NULL)
		return;
	if (pp->ctxt != NULL) {
		if (pp->ctxt->myDoc != NULL)
			xmlFreeDoc(pp->ctxt->myDoc);
		pp->ctxt->myDoc = NULL;
		htmlFreeParserCtxt(pp->ctxt);
	}
	if (pp->doc != NULL)
		xmlFreeDoc(pp->doc);
	free(pp->open);
	free(pp->open_link);
	free(pp);
}

/* The message for a parse that stopped. Caller frees. */
static char *
page_stop_message(int why, long max_elements)
{
	if (why == PAGE_TOO_DEEP)
		return (xstrfmt("the page nests elements deeper than %d",
		    PAGE_MAX_DEPTH));
	return (xstrfmt("the page has more than %ld elements (raise "
	    "max_elements)", max_elements));
}

/* The tree is complete: keep it, or say why there is none. */
static void
page_tree_done(struct page *p, struct page_parse *pp)
{
	p->doc = pp->doc;
	pp->doc = NULL;
	if (pp->stopped != 0) {
		if (p->doc != NULL)
			xmlFreeDoc(p->doc);
		p->doc = NULL;
		p->doc_error = page_stop_message(pp->stopped, p->max_elements);
	} else if (p->doc == NULL)
		p->doc = htmlNewDocNoDtD(NULL, NULL);
	p->doc_built = 1;
}

/* The scan is complete: close the links still open where it stopped. */
static void
page_scan_done(struct page *p, struct page_parse *pp)
{
	struct page_link	*l;

	while (pp->nopen > 0) {
		l = &p->links[pp->open_link[--pp->nopen]];
		l->textlen = (uint32_t)(p->ltext.len - l->text);
	}
	p->scan_stopped = pp->stopped;
	p->scanned = 1;
}

/*
 * Read about budget more bytes of the page for what = PAGE_SCAN (links,
 * title, refresh) or PAGE_TREE (find ... x, forms). 1 when that is done,
 * 0 when there is more to read: the caller lets the event loop run and
 * calls again. A budget of SIZE_MAX reads it all.
 */
int
page_step(struct page *p, int what, size_t budget)
{
	struct page_parse	**ppp, *pp;

	if (what == PAGE_SCAN ? p->scanned : p->doc_built)
		return (1);
	ppp = what == PAGE_SCAN ? &p->scan_parse : &p->tree_parse;
	if ((pp = *ppp) == NULL) {
		pp = *ppp = xcalloc(1, sizeof *pp);
		pp->scan = what == PAGE_SCAN;
		pp->max_elements = what == PAGE_SCAN ? 0 : p->max_elements;
		pp->ctxt = page_read_start(p, pp);
	}
	if (!page_read_step(p, pp, budget))
		return (0);
	if (what == PAGE_SCAN)
		page_scan_done(p, pp);
	else
		page_tree_done(p, pp);
	page_parse_free(pp);
	*ppp = NULL;
	return (1);
}

/*
 * The page's HTML tree, parsed the first time it is needed; NULL when the
 * page is too deep or has more than max_elements elements (page_tree_error
 * says which).
 */
htmlDocPtr
page_doc(struct page *p)
{
	page_step(p, PAGE_TREE, SIZE_MAX);
	return (p->doc);
}

/* Why page_doc gave NULL, or NULL. */
const char *
page_tree_error(const struct page *p)
{
	return (p->doc_error);
}

/* Scan the page once for its links, title and meta refresh. */
static void
page_scan(struct page *p)
{
	page_step(p, PAGE_SCAN, SIZE_MAX);
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

/*
 * The text of the page's first <title> (its first text node, as twill
 * reads it), or NULL when there is none or it is empty. Caller frees.
 */
char *
page_title(struct page *p)
{
	page_scan(p);
	return (p->title != NULL ? xstrdup(p->title) : NULL);
}

/*
 * Every <a href> in document order: its text and raw href (page_link_text,
 * page_link_href). The page owns them.
 */
const struct page_link *
page_links(struct page *p, size_t *np)
{
	page_scan(p);
	*np = p->nlinks;
	return (p->links);
}

/* A link's text (not NUL-terminated) and its length. */
const char *
page_link_text(const struct page *p, const struct page_link *l, size_t *len)
{
	*len = l->textlen;
	return (p->ltext.data != NULL ? p->ltext.data + l->text : "");
}

/* A link's raw href. */
const char *
page_link_href(const struct page *p, const struct page_link *l)
{
	return (p->lhref.data + l->href);
}

/* Why the scan read only part of the page, or NULL. Caller frees. */
char *
page_scan_error(const struct page *p)
{
	if (p->scan_stopped == 0)
		return (NULL);
	return (page_stop_message(p->scan_stopped, 0));
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

/* Whether the page may have a meta refresh (page_refresh would parse it). */
int
page_may_refresh(const struct page *p)
{
	return (page_has_equiv(p->text, p->textlen));
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
	const char	*c, *semi, *eq;
	char		*num, *key, *val;
	long		 n;

	/* Most pages have no refresh: do not parse them to find out. */
	if (!page_has_equiv(p->text, p->textlen))
		return (0);
	page_scan(p);
	if ((c = p->refresh) == NULL || (semi = strchr(c, ';')) == NULL)
		return (0);
	num = xstrndup(c, (size_t)(semi - c));
	if (parse_int(num, 0, LONG_MAX, &n) != 0) {
		free(num);
		return (0);
	}
	free(num);
	val = page_strip_quotes(semi + 1, semi + strlen(semi));
	if ((eq = strchr(val, '=')) == NULL) {
		free(val);
		return (0);
	}
	key = page_strip_quotes(val, eq);
	for (char *k = key; *k != '\0'; k++)
		*k = (char)tolower((unsigned char)*k);
	if (strcmp(key, "url") != 0) {
		free(key);
		free(val);
		return (0);
	}
	*url = page_strip_quotes(eq + 1, eq + strlen(eq));
	*delay = n;
	free(key);
	free(val);
	return (1);
}
