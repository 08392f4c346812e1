/*
 * page.h: a loaded page and what Twill reads from it.
 *
 * A page keeps the response (URL, status, headers, raw body) and its text
 * decoded to UTF-8, on which find matches. The HTML tree (libxml2's HTML
 * parser, as lxml uses) and the forms are only built when a command needs
 * them (find ... x, the form commands), at most max_elements elements; the
 * links, the title and the meta refresh come from a scan that never keeps
 * the tree. Both read a big page in slices (page_step) between which the
 * event loop runs; code, find, notfind and url never parse.
 *
 * Forms follow lxml and twill: a form's controls are its input, select and
 * textarea descendants in document order, <button type="submit"> counting
 * as an input; inputs outside every form make a "global form" that comes
 * first. fv edits the tree itself, so find ... x sees them.
 */
#ifndef KONG_PAGE_H
#define KONG_PAGE_H

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/xpath.h>

#include "kong.h"

enum control_kind {
	CONTROL_INPUT,
	CONTROL_SELECT,
	CONTROL_TEXTAREA,
};

struct control {
	xmlNodePtr		 node;
	enum control_kind	 kind;
	char			*type;		/* lower-case; "" for select/textarea */
	char			*name;		/* NULL when it has none */
};

struct form {
	xmlNodePtr	 node;		/* the <form> (in own_doc for the global form) */
	xmlDocPtr	 own_doc;	/* the global form's copy, else NULL */
	struct control	*ctls;
	size_t		 nctls;
};

struct page_parse;

struct page {
	int		 refs;
	char		*url;		/* final URL after redirects */
	long		 code;
	char		*content_type;	/* the header, or NULL */
	char		*charset;	/* as declared, or NULL */
	char		*headers;	/* response header block */
	char		*raw;		/* the body as received */
	size_t		 rawlen;
	char		*text;		/* the body decoded to UTF-8 */
	size_t		 textlen;

	long		 max_elements;	/* of the tree; 0: no cap */

	htmlDocPtr	 doc;		/* parsed on demand */
	int		 doc_built;
	char		*doc_error;	/* why there is no tree */
	struct form	**forms;	/* built on demand, global form first */
	size_t		 nforms;
	int		 forms_built;

	struct page_parse *tree_parse;	/* under way, or NULL */
	struct page_parse *scan_parse;

	/* The scan, on demand: links, title and meta refresh. */
	int		 scanned;
	int		 scan_stopped;	/* PAGE_TOO_DEEP or 0 */
	struct page_link *links;
	size_t		 nlinks, alinks;
	struct buf	 ltext;		/* the links' texts, back to back */
	struct buf	 lhref;		/* their hrefs, NUL-terminated */
	char		*title;		/* the first <title>'s text, or NULL */
	char		*refresh;	/* the first meta refresh's content */
};

/* A link: offsets into the page's ltext and lhref (pages are < 2 GiB). */
struct page_link {
	uint32_t	text;
	uint32_t	textlen;
	uint32_t	href;
};

/* Why a parse stopped. */
#define PAGE_TOO_DEEP	1	/* more than PAGE_MAX_DEPTH open elements */
#define PAGE_TOO_BIG	2	/* more than max_elements elements */
#define PAGE_MAX_DEPTH	4096

/* What page_step reads a page for. */
#define PAGE_SCAN	0	/* links, title, meta refresh */
#define PAGE_TREE	1	/* the tree: find ... x, the forms */
#define PAGE_SLICE	(128 * 1024)	/* bytes read between loop turns */
#define PAGE_PULL_MAX	(256 * 1024)	/* read at once up to this size */
extern size_t	page_pull_max;

struct page	*page_create(const char *, long, const char *, const char *,
		     const char *, size_t);
struct page	*page_create_take(const char *, long, const char *,
		     const char *, char *, size_t);
struct page	*page_ref(struct page *);
void		 page_unref(struct page *);
int		 page_step(struct page *, int, size_t);
htmlDocPtr	 page_doc(struct page *);
const char	*page_tree_error(const struct page *);
char		*page_title(struct page *);
const struct page_link *page_links(struct page *, size_t *);
const char	*page_link_text(const struct page *, const struct page_link *,
		     size_t *);
const char	*page_link_href(const struct page *, const struct page_link *);
char		*page_scan_error(const struct page *);
int		 page_refresh(struct page *, long *, char **);
int		 page_may_refresh(const struct page *);
int		 page_is_html(const struct page *);
int		 page_forms(struct page *);

/* form.c */
struct form	*form_find(struct page *, const char *, char **);

/* A field a spec selected: one control, or a group of checkboxes/radios. */
enum field_kind {
	FIELD_CONTROL,
	FIELD_CHECKBOXES,
	FIELD_RADIOS,
};

struct field {
	enum field_kind	  kind;
	struct control	 *ctl;		/* the control, or the group's first */
	struct control	**group;
	size_t		  ngroup;
};

int		 form_field(struct form *, const char *, struct field *, char **);
void		 field_clear(struct field *);
int		 form_set_value(struct field *, const char *, char **);
void		 form_clear_values(struct form *);
char		*control_value(const struct control *);
int		 control_has(const struct control *, const char *);
char		*control_attr(const struct control *, const char *);

/* One (name, value) of a submission, in order. */
struct form_pair {
	char	*name;
	char	*value;
};

struct form_pair *form_payload(struct form *, struct control *, size_t *);
void		 form_pairs_free(struct form_pair *, size_t);
char		*form_action(struct form *);
void		 form_set_action(struct form *, const char *);
int		 form_is_post(struct form *);
void		 form_describe(struct form *, int, struct buf *);

void		 xml_quiet_errors(void);

/* Text helpers shared with the session. */
char		*node_text(xmlNodePtr);
char		*utf8_from_charset(const char *, size_t, const char *, size_t *);

#endif
