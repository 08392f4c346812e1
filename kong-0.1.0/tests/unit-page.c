/*
 * unit-page.c: the page scan against libxml2's whole tree. The links and
 * the title that page_links and page_title take from the pruned scan must
 * be those of the whole tree (every <a href> in document order, its
 * text_content and href; the first <title>'s first text child), and the
 * push parser's tree (read in slices) must be the one htmlReadMemory gives
 * lxml and twill. Checked on the test site's fixtures, on tricky pages and
 * on a few hundred pages of random tag soup. Pages up to page_pull_max
 * are parsed as htmlReadMemory does and must give its tree; a second pass
 * forces the push parser (slices) on every page: the scan must still be
 * the tree, and the tree must be the pull parser's.
 */
#include <stdint.h>
#include <stdlib.h>

#include "page.h"
#include "tap.h"

/* Every <a href> of a tree as "text\x01href\x02", in document order. */
static void
tree_links(xmlNodePtr n, struct buf *b)
{
	xmlChar	*href;
	char	*t;

	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcasecmp(n->name, (const xmlChar *)"a") == 0 &&
		    (href = xmlGetProp(n, (const xmlChar *)"href")) != NULL) {
			t = node_text(n);
			buf_printf(b, "%s\x01%s\x02", t, (char *)href);
			free(t);
			xmlFree(href);
		}
		tree_links(n->children, b);
	}
}

/* The first <title>'s first text child, as the old page_title read it. */
static xmlNodePtr
tree_first(xmlNodePtr n, const char *name)
{
	xmlNodePtr	r;

	for (; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrcasecmp(n->name, (const xmlChar *)name) == 0)
			return (n);
		if ((r = tree_first(n->children, name)) != NULL)
			return (r);
	}
	return (NULL);
}

static void
tree_title(xmlDocPtr doc, struct buf *b)
{
	xmlNodePtr	t, c;

	if ((t = tree_first(xmlDocGetRootElement(doc), "title")) == NULL)
		return;
	for (c = t->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			buf_printf(b, "%s", (const char *)c->content);
			return;
		}
	}
}

/* The scan's links and title in the same form. */
static void
scan_of(struct page *p, struct buf *links, struct buf *title)
{
	const struct page_link	*v;
	const char		*t;
	char			*s;
	size_t			 n, i, len;

	v = page_links(p, &n);
	for (i = 0; i < n; i++) {
		t = page_link_text(p, &v[i], &len);
		buf_add(links, t, len);
		buf_printf(links, "\x01%s\x02", page_link_href(p, &v[i]));
	}
	if ((s = page_title(p)) != NULL)
		buf_adds(title, s);
	free(s);
}

static int	checked, scan_diffs, pull_diffs, sliced_diffs, too_deep;

/* Check one page; name says which in a failure. */
static void
check_page(const char *name, const char *html, size_t len)
{
	struct page	*p;
	struct buf	 sl, st, tl, tt, pl, pt;
	xmlDocPtr	 pull;

	buf_init(&sl);
	buf_init(&st);
	buf_init(&tl);
	buf_init(&tt);
	buf_init(&pl);
	buf_init(&pt);
	p = page_create("http://unit.test/", 200, "text/html", "", html, len);
	scan_of(p, &sl, &st);
	if (page_doc(p) != NULL) {
		tree_links(xmlDocGetRootElement(page_doc(p)), &tl);
		tree_title(page_doc(p), &tt);
	}
	/* The reference as lxml parses, with libxml2's depth limit lifted. */
	pull = len > 0 && page_doc(p) != NULL ? htmlReadMemory(p->text,
	    (int)p->textlen, p->url, "UTF-8", HTML_PARSE_RECOVER |
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
	    HTML_PARSE_COMPACT | XML_PARSE_HUGE) : NULL;
	if (pull != NULL) {
		tree_links(xmlDocGetRootElement(pull), &pl);
		tree_title(pull, &pt);
		xmlFreeDoc(pull);
	}
	checked++;
	if (strcmp(sl.data ? sl.data : "", tl.data ? tl.data : "") != 0 ||
	    strcmp(st.data ? st.data : "", tt.data ? tt.data : "") != 0) {
		scan_diffs++;
		printf("# %s: the scan differs from the tree\n", name);
	}
	if (page_doc(p) == NULL)
		too_deep++;	/* no tree to compare: it says why */
	else if (strcmp(tl.data ? tl.data : "", pl.data ? pl.data : "") != 0 ||
	    strcmp(tt.data ? tt.data : "", pt.data ? pt.data : "") != 0) {
		if (len > page_pull_max)
			sliced_diffs++;		/* read by the push parser */
		else {
			pull_diffs++;
			printf("# %s: the tree differs from htmlReadMemory's\n",
			    name);
		}
	}
	page_unref(p);
	buf_free(&sl);
	buf_free(&st);
	buf_free(&tl);
	buf_free(&tt);
	buf_free(&pl);
	buf_free(&pt);
}

static void
check_file(const char *path)
{
	FILE	*f;
	char	 chunk[4096];
	size_t	 n;
	struct buf b;

	if ((f = fopen(path, "r")) == NULL) {
		ok(0, path);
		return;
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	check_page(path, b.data != NULL ? b.data : "", b.len);
	buf_free(&b);
}

static const char *tricky[] = {
	"<a href=x><img src=1> <img src=2></a>",
	"<a href=x> <b>one</b> <br> two </a>",
	"<a href=x><div>one</div>   <div>two</div></a><a href=y>three</a>",
	"<a href=x>outer<div><a href=y>inner</a>tail</div>end</a>",
	"<a href=x><b><a href=y><b><a href=z>deep</a></b></a></b></a>",
	"<title>  spaced  </title><title>second</title>",
	"<title><!-- c -->after comment</title>",
	"<title><b>bold</b>then text</title>",
	"<a href=\"&amp;&lt;&#x263a;\">&eacute;&nbsp;&#65;</a>",
	"<a href>empty href</a><a HREF=UP>upper</a><A href=caps>caps</A>",
	"<a href=x><script>var a = '<a href=y>no</a>';</script>s</a>",
	"<a href=x><style>p { }</style>st</a>",
	"<a href=x>unclosed<p>para<a href=y>next",
	"<table><tr><td><a href=x>cell</a> </td> <td> <a href=y>c2</a></td></tr></table>",
	"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"><body> <a href=x> strict </a> </body>",
	"<ul> <li> <a href=x>li</a> </li> </ul> <select><option>o</select>",
	"text before <html> <a href=x>after html</a> </html> trailing <a href=y>t</a>",
	"<meta http-equiv=refresh content=\"0; url=/x\"><a href=x>r</a>",
	"<a href=x><![CDATA[cdata]]></a><a href=y><!-- comment -->c</a>",
	"<frameset><frame src=a></frameset><a href=x>after frameset</a>",
	"<a href=x>\xff\xfe bad utf-8 \xc3</a>",
	"",
	"<a",
	"<a href='",
};

/* Random tag soup from a seeded generator (the same every run). */
static uint32_t	rnd_state = 12345;

static uint32_t
rnd(void)
{
	rnd_state = rnd_state * 1103515245 + 12345;
	return ((rnd_state >> 8) & 0xffffff);
}

static void
soup(struct buf *b, size_t tokens)
{
	static const char *tok[] = {
		"<a href=x>", "<a href=\"/y\">", "</a>", "<a>", "<div>",
		"</div>", "<p>", "</p>", "<b>", "</b>", "<img src=i>", "<br>",
		" ", "  ", "\n", "text", "&amp;", "&nbsp;", "<!-- c -->",
		"<title>", "</title>", "<table>", "<tr>", "<td>", "</td>",
		"</table>", "<li>", "<ul>", "</ul>", "<span>", "</span>",
		"<script>x<y</script>", "<head>", "</head>", "<body>",
		"</body>", "<html>", "</html>", "<form>", "<input name=q>",
		"</form>", "<select>", "<option>o", "</select>", "<h1>",
		"</h1>", "<pre>", "</pre>", "<em>", "</em>", "\t", "x y",
	};
	size_t	i;

	for (i = 0; i < tokens; i++)
		buf_adds(b, tok[rnd() % nitems(tok)]);
}

/* Every page of the set: the fixtures, the tricky ones, the soup. */
static void
check_all(const char *top)
{
	static const char *files[] = {
		"forms-basic.html", "forms-buttons.html", "forms-checks.html",
		"forms-global.html", "forms-methods.html", "forms-select.html",
		"forms-two.html", "forms-upload.html", "links-base.html",
		"links.html", "refresh.html", "title.html",
	};
	struct buf	 b;
	char		*path, name[64];
	size_t		 i;

	rnd_state = 12345;
	for (i = 0; i < nitems(files); i++) {
		path = xstrfmt("%s/tests/site/%s", top != NULL ? top : ".",
		    files[i]);
		check_file(path);
		free(path);
	}
	for (i = 0; i < nitems(tricky); i++) {
		snprintf(name, sizeof name, "tricky[%zu]", i);
		check_page(name, tricky[i], strlen(tricky[i]));
	}
	for (i = 0; i < 400; i++) {
		buf_init(&b);
		soup(&b, 20 + rnd() % (i < 395 ? 200 : 100000));
		snprintf(name, sizeof name, "soup[%zu]", i);
		check_page(name, b.data, b.len);
		buf_free(&b);
	}
	/* Long text runs across the parser's chunks, past page_pull_max. */
	buf_init(&b);
	for (i = 0; i < 10000; i++)
		buf_printf(&b, "<a href=\"/%zu\">%s %zu</a>%s", i,
		    i % 7 == 0 ? "word word word word word word word" : "w", i,
		    i % 5 == 0 ? "\n   \n" : " ");
	check_page("long page", b.data, b.len);
	buf_free(&b);
}

int
main(void)
{
	const char	*top = getenv("top_srcdir");

	xml_quiet_errors();
	check_all(top);
	printf("# %d pages checked, %d too deep for a tree\n", checked,
	    too_deep);
	ok(scan_diffs == 0, "the scan's links and title are the whole tree's");
	ok(pull_diffs == 0, "pages up to page_pull_max: the tree's links and "
	    "title are htmlReadMemory's");

	/* Everything through the push parser, in slices. */
	page_pull_max = 0;
	checked = scan_diffs = pull_diffs = sliced_diffs = 0;
	check_all(top);
	ok(scan_diffs == 0, "read in slices: the scan's links and title are "
	    "the whole tree's");
	ok(sliced_diffs == 0, "read in slices: the tree's links and title are "
	    "htmlReadMemory's");
	return (tap_done());
}
