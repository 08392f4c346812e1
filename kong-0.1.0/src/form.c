/*
 * form.c: a page's forms as twill sees them through lxml.
 *
 * Forms are built once per page: the global form of orphan inputs first
 * (a copy, as twill makes one), then every <form> in document order, after
 * <button type="submit"> elements have become inputs. Values are read and
 * written on the tree itself with lxml's rules (an unchecked box has no
 * value, a single select falls back to its first option, ...), so what fv
 * sets is what submit sends and what find ... x sees.
 */
#include <ctype.h>
#include <strings.h>

#include "map.h"
#include "page.h"
#include "twill.h"

/* Room for one more element in an array of n (geometric growth). */
static void *
form_grow(void *v, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return (v);
	*cap = *cap == 0 ? 8 : *cap * 2;
	return (xreallocarray(v, *cap, sz));
}

/* A growing array of nodes. */
struct form_nodes {
	xmlNodePtr	*v;
	size_t		 n, cap;
};

static void
form_nodes_add(struct form_nodes *a, xmlNodePtr n)
{
	a->v = form_grow(a->v, a->n, &a->cap, sizeof *a->v);
	a->v[a->n++] = n;
}

/* Whether an element is named name (HTML names are case-insensitive). */
static int
form_is(xmlNodePtr n, const char *name)
{
	return (n->type == XML_ELEMENT_NODE &&
	    xmlStrcasecmp(n->name, (const xmlChar *)name) == 0);
}

/* An attribute's value, or NULL. Caller frees. */
static char *
form_attr(xmlNodePtr n, const char *name)
{
	xmlChar	*v;
	char	*s;

	if ((v = xmlGetProp(n, (const xmlChar *)name)) == NULL)
		return (NULL);
	s = xstrdup((char *)v);
	xmlFree(v);
	return (s);
}

/* A control's attribute, or NULL. Caller frees. */
char *
control_attr(const struct control *c, const char *name)
{
	return (form_attr(c->node, name));
}

/* Whether a control has an attribute at all. */
int
control_has(const struct control *c, const char *name)
{
	return (xmlHasProp(c->node, (const xmlChar *)name) != NULL);
}

static void
form_add_control(struct form *f, xmlNodePtr n, size_t *cap)
{
	struct control	*c;
	char		*t;

	f->ctls = form_grow(f->ctls, f->nctls, cap, sizeof *f->ctls);
	c = &f->ctls[f->nctls++];
	c->node = n;
	c->name = form_attr(n, "name");
	if (form_is(n, "select")) {
		c->kind = CONTROL_SELECT;
		c->type = xstrdup("");
	} else if (form_is(n, "textarea")) {
		c->kind = CONTROL_TEXTAREA;
		c->type = xstrdup("");
	} else {
		c->kind = CONTROL_INPUT;
		t = form_attr(n, "type");
		c->type = xstrdup(t != NULL ? t : "text");
		for (char *p = c->type; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		free(t);
	}
}

/* Add the input, select and textarea elements under n, in document order. */
static void
form_collect(struct form *f, xmlNodePtr n, size_t *cap)
{
	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (form_is(n, "input") || form_is(n, "select") ||
		    form_is(n, "textarea")) {
			form_add_control(f, n, cap);
			/*
			 * Not inside a select or textarea: setting those
			 * replaces their children, which must not be controls.
			 */
			if (!form_is(n, "input"))
				continue;
		}
		form_collect(f, n->children, cap);
	}
}

/* Find inputs outside every form, and every form, in document order. */
static void
form_walk(xmlNodePtr n, int in_form, struct form_nodes *orphans,
    struct form_nodes *forms)
{
	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (form_is(n, "form")) {
			form_nodes_add(forms, n);
			form_walk(n->children, 1, orphans, forms);
			continue;
		}
		if (!in_form && form_is(n, "input"))
			form_nodes_add(orphans, n);
		/* What a select or textarea holds is replaced when it is set. */
		if (form_is(n, "select") || form_is(n, "textarea"))
			continue;
		form_walk(n->children, in_form, orphans, forms);
	}
}

/* Turn every <button type="submit"> into an input, as twill does. */
static void
form_fix_buttons(xmlNodePtr n)
{
	xmlChar	*t;

	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (form_is(n, "button") &&
		    (t = xmlGetProp(n, (const xmlChar *)"type")) != NULL) {
			if (strcmp((char *)t, "submit") == 0)
				xmlNodeSetName(n, (const xmlChar *)"input");
			xmlFree(t);
		}
		form_fix_buttons(n->children);
	}
}

/* The global form: a copy of the inputs outside every form. */
static struct form *
form_global(const struct form_nodes *orphans)
{
	struct form	*f;
	xmlNodePtr	 gnode;
	size_t		 i;

	f = xcalloc(1, sizeof *f);
	f->own_doc = htmlNewDocNoDtD(NULL, NULL);
	gnode = xmlNewDocNode(f->own_doc, NULL, (const xmlChar *)"form", NULL);
	xmlDocSetRootElement(f->own_doc, gnode);
	for (i = 0; i < orphans->n; i++)
		xmlAddChild(gnode, xmlDocCopyNode(orphans->v[i], f->own_doc, 1));
	f->node = gnode;
	return (f);
}

/*
 * Build the page's forms, once. Returns 0, or -1 when the page has no tree
 * (page_tree_error says why).
 */
int
page_forms(struct page *p)
{
	struct form_nodes	 orphans = { 0 }, forms = { 0 };
	xmlNodePtr		 root;
	struct form		*f;
	htmlDocPtr		 doc;
	size_t			 i, cap = 0, ccap;

	if ((doc = page_doc(p)) == NULL)
		return (-1);
	if (p->forms_built)
		return (0);
	p->forms_built = 1;
	root = xmlDocGetRootElement(doc);
	form_walk(root, 0, &orphans, &forms);
	if (orphans.n > 0) {
		p->forms = form_grow(p->forms, p->nforms, &cap,
		    sizeof *p->forms);
		p->forms[p->nforms++] = form_global(&orphans);
	}
	if (orphans.n + forms.n > 0)
		form_fix_buttons(root);
	if (orphans.n > 0) {
		ccap = 0;
		form_collect(p->forms[0], p->forms[0]->node->children, &ccap);
	}
	for (i = 0; i < forms.n; i++) {
		f = xcalloc(1, sizeof *f);
		f->node = forms.v[i];
		ccap = 0;
		form_collect(f, forms.v[i]->children, &ccap);
		p->forms = form_grow(p->forms, p->nforms, &cap,
		    sizeof *p->forms);
		p->forms[p->nforms++] = f;
	}
	free(orphans.v);
	free(forms.v);
	return (0);
}

/* Whether a regex (Python syntax) matches somewhere in s. -1: bad regex. */
static int
form_search(const char *pattern, const char *s, char **cause)
{
	pcre2_code		*re;
	pcre2_match_data	*md;
	size_t			 off;
	int			 rc;

	if ((re = twill_regex(pattern, 0, cause, &off)) == NULL) {
		char *msg = xstrfmt("bad regex '%s': %s at offset %zu",
		    pattern, *cause, off);

		free(*cause);
		*cause = msg;
		return (-1);
	}
	md = pcre2_match_data_create_from_pattern(re, NULL);
	rc = twill_match(re, s, strlen(s), md, cause);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return (rc);
}

/*
 * The form a spec names: the first whose id equals it, then the first whose
 * name has a regex match for it, then the spec as a 1-based number. NULL
 * when none does (with a cause only for a bad regex).
 */
struct form *
form_find(struct page *p, const char *spec, char **cause)
{
	size_t	 i;
	long	 n;
	char	*v;
	int	 hit;

	*cause = NULL;
	if (page_forms(p) != 0) {
		*cause = xstrdup(page_tree_error(p));
		return (NULL);
	}
	for (i = 0; i < p->nforms; i++) {
		v = form_attr(p->forms[i]->node, "id");
		hit = v != NULL && *v != '\0' && strcmp(v, spec) == 0;
		free(v);
		if (hit)
			return (p->forms[i]);
	}
	for (i = 0; i < p->nforms; i++) {
		v = form_attr(p->forms[i]->node, "name");
		if (v != NULL && *v != '\0') {
			hit = form_search(spec, v, cause);
			free(v);
			if (hit == -1) {
				/* twill's re.compile fails here: so does the command. */
				return (NULL);
			}
			if (hit)
				return (p->forms[i]);
		} else
			free(v);
	}
	if (twill_parse_int(spec, &n) == 0 && n >= 1 && (size_t)n <= p->nforms)
		return (p->forms[n - 1]);
	return (NULL);
}

/* Whether a control is a checkbox or radio. */
static int
control_checkable(const struct control *c)
{
	return (c->kind == CONTROL_INPUT && (strcmp(c->type, "checkbox") == 0 ||
	    strcmp(c->type, "radio") == 0));
}

/* The options of a select, in document order. Caller frees the array. */
static xmlNodePtr *
select_options(xmlNodePtr n, size_t *np)
{
	xmlNodePtr	*v = NULL;
	xmlNodePtr	 stack[64], c;
	size_t		 depth = 0, cap = 0;

	*np = 0;
	c = n->children;
	while (c != NULL || depth > 0) {
		if (c == NULL) {
			c = stack[--depth]->next;
			continue;
		}
		if (form_is(c, "option")) {
			v = form_grow(v, *np, &cap, sizeof *v);
			v[(*np)++] = c;
		}
		if (c->type == XML_ELEMENT_NODE && c->children != NULL &&
		    depth < nitems(stack)) {
			stack[depth++] = c;
			c = c->children;
			continue;
		}
		c = c->next;
	}
	return (v);
}

/* The stripped visible text of an option. */
static char *
option_text(xmlNodePtr o)
{
	char	*t, *s, *e, *v;

	t = node_text(o);
	for (s = t; isspace((unsigned char)*s); s++)
		;
	for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
		;
	v = xstrndup(s, (size_t)(e - s));
	free(t);
	return (v);
}

/* An option's value: its value attribute, else its stripped text. */
static char *
option_value(xmlNodePtr o)
{
	char	*v;

	if ((v = form_attr(o, "value")) != NULL)
		return (v);
	return (option_text(o));
}

static int
select_multiple(const struct control *c)
{
	return (control_has(c, "multiple"));
}

/*
 * The value of a control as lxml gives it, or NULL for None (a text input
 * without a value, an unchecked box). A multiple select has no single
 * value: NULL too. Caller frees.
 */
char *
control_value(const struct control *c)
{
	xmlNodePtr	*opts;
	size_t		 n, i;
	char		*v;

	switch (c->kind) {
	case CONTROL_TEXTAREA:
		return (node_text(c->node));
	case CONTROL_SELECT:
		if (select_multiple(c))
			return (NULL);
		opts = select_options(c->node, &n);
		v = NULL;
		for (i = n; i > 0; i--) {
			if (xmlHasProp(opts[i - 1], (const xmlChar *)"selected")) {
				v = option_value(opts[i - 1]);
				break;
			}
		}
		for (i = 0; v == NULL && i < n; i++) {
			if (!xmlHasProp(opts[i], (const xmlChar *)"disabled"))
				v = option_value(opts[i]);
		}
		free(opts);
		return (v != NULL ? v : xstrdup(""));
	case CONTROL_INPUT:
		if (control_checkable(c)) {
			if (!control_has(c, "checked"))
				return (NULL);
			v = control_attr(c, "value");
			if (v == NULL || *v == '\0') {
				free(v);
				return (xstrdup("on"));
			}
			return (v);
		}
		return (control_attr(c, "value"));
	}
	return (NULL);
}

/* Whether matches are "one" control in twill's sense (unique_match). */
static int
form_unique(struct control **m, size_t n)
{
	const char	*name = NULL;
	char		*value = NULL, *v;
	size_t		 i;
	int		 same;

	if (n == 1)
		return (1);
	/* All checkboxes or hidden inputs of one name. */
	same = 1;
	for (i = 0; i < n && same; i++) {
		if (m[i]->kind != CONTROL_INPUT ||
		    (strcmp(m[i]->type, "checkbox") != 0 &&
		    strcmp(m[i]->type, "hidden") != 0))
			same = 0;
		else if (i == 0)
			name = m[i]->name;
		else if ((name == NULL) != (m[i]->name == NULL) ||
		    (name != NULL && strcmp(name, m[i]->name) != 0))
			same = 0;
	}
	if (same)
		return (1);
	/* All submit or hidden inputs with one name and value. */
	same = 1;
	for (i = 0; i < n && same; i++) {
		if (m[i]->kind != CONTROL_INPUT ||
		    (strcmp(m[i]->type, "submit") != 0 &&
		    strcmp(m[i]->type, "hidden") != 0)) {
			same = 0;
			break;
		}
		v = control_value(m[i]);
		if (i == 0) {
			name = m[i]->name;
			value = v;
			continue;
		}
		if ((name == NULL) != (m[i]->name == NULL) ||
		    (name != NULL && strcmp(name, m[i]->name) != 0) ||
		    (value == NULL) != (v == NULL) ||
		    (value != NULL && strcmp(value, v) != 0))
			same = 0;
		free(v);
	}
	free(value);
	return (same);
}

static void
field_set(struct field *f, enum field_kind kind, struct control **m, size_t n)
{
	f->kind = kind;
	f->ctl = m[0];
	if (kind != FIELD_CONTROL) {
		f->group = xmemdup(m, n * sizeof *m);
		f->ngroup = n;
	}
}

/* Free a field's group. */
void
field_clear(struct field *f)
{
	free(f->group);
	memset(f, 0, sizeof *f);
}

/* Whether all of m are inputs of one type. */
static int
form_all_type(struct control **m, size_t n, const char *type)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (m[i]->kind != CONTROL_INPUT || strcmp(m[i]->type, type) != 0)
			return (0);
	}
	return (1);
}

/*
 * The matches in m: one field when form_unique says they are one (1),
 * else note that there were several (0).
 */
static int
form_pick(struct field *out, struct control **m, size_t n, int *multiple)
{
	if (n == 0)
		return (0);
	if (form_unique(m, n)) {
		field_set(out, FIELD_CONTROL, m, n);
		return (1);
	}
	*multiple = 1;
	return (0);
}

/* The controls whose id equals spec: 1 when they are one field. */
static int
form_field_id(struct form *f, const char *spec, struct field *out,
    int *multiple)
{
	struct control	**ids;
	size_t		  i, n = 0;
	char		 *v;
	int		  hit;

	ids = xcalloc(f->nctls + 1, sizeof *ids);
	for (i = 0; i < f->nctls; i++) {
		v = control_attr(&f->ctls[i], "id");
		if (v != NULL && strcmp(v, spec) == 0)
			ids[n++] = &f->ctls[i];
		free(v);
	}
	hit = form_pick(out, ids, n, multiple);
	free(ids);
	return (hit);
}

/* A 1-based index; 0 is the last field, as in Python. 1 when it is one. */
static int
form_field_index(struct form *f, const char *spec, struct field *out)
{
	struct control	*c = NULL;
	long		 num;

	if (*spec == '\0' || strspn(spec, "0123456789") != strlen(spec) ||
	    strlen(spec) >= 10)
		return (0);
	num = strtol(spec, NULL, 10);
	if (num == 0 && f->nctls > 0)
		c = &f->ctls[f->nctls - 1];
	else if (num >= 1 && (size_t)num <= f->nctls)
		c = &f->ctls[num - 1];
	if (c == NULL)
		return (0);
	field_set(out, FIELD_CONTROL, &c, 1);
	return (1);
}

/* Controls whose name has a regex match: 1 one field, 0 none, -1 error. */
static int
form_field_regex(struct form *f, const char *spec, struct control **m,
    struct field *out, int *multiple, char **cause)
{
	size_t	i, n = 0;
	int	hit;

	for (i = 0; i < f->nctls; i++) {
		if (f->ctls[i].name == NULL || *f->ctls[i].name == '\0')
			continue;
		if ((hit = form_search(spec, f->ctls[i].name, cause)) == -1)
			return (-1);
		if (hit)
			m[n++] = &f->ctls[i];
	}
	return (form_pick(out, m, n, multiple));
}

/* The one control whose value equals spec: 1 when there is exactly one. */
static int
form_field_value(struct form *f, const char *spec, struct control **m,
    struct field *out, int *multiple)
{
	size_t	 i, n = 0;
	char	*v;

	for (i = 0; i < f->nctls; i++) {
		v = control_value(&f->ctls[i]);
		if (v != NULL && strcmp(v, spec) == 0)
			m[n++] = &f->ctls[i];
		free(v);
	}
	if (n == 1) {
		field_set(out, FIELD_CONTROL, m, 1);
		return (1);
	}
	if (n > 1)
		*multiple = 1;
	return (0);
}

/*
 * Select a field of a form by spec, with twill's rules: a checkbox or radio
 * group by name; an id; a name; a 1-based index (0 is the last field); a
 * regex on names; a value. Returns 0, or -1 with a cause.
 */
int
form_field(struct form *f, const char *spec, struct field *out, char **cause)
{
	struct control	**m;
	size_t		  n, i;
	int		  multiple = 0, hit;

	memset(out, 0, sizeof *out);
	m = xcalloc(f->nctls + 1, sizeof *m);

	/* A group of checkboxes or radios sharing the name. */
	for (n = 0, i = 0; i < f->nctls; i++) {
		if (f->ctls[i].name != NULL && strcmp(f->ctls[i].name, spec) == 0)
			m[n++] = &f->ctls[i];
	}
	hit = 1;
	if (n > 1 && form_all_type(m, n, "checkbox"))
		field_set(out, FIELD_CHECKBOXES, m, n);
	else if (n > 1 && form_all_type(m, n, "radio"))
		field_set(out, FIELD_RADIOS, m, n);
	else if (form_field_id(f, spec, out, &multiple) ||
	    form_pick(out, m, n, &multiple) ||	/* the name matches */
	    form_field_index(f, spec, out))
		;
	else if ((hit = form_field_regex(f, spec, m, out, &multiple,
	    cause)) != 0)
		;
	else
		hit = form_field_value(f, spec, m, out, &multiple);
	free(m);
	if (hit == 1)
		return (0);
	if (hit == 0 && multiple)
		*cause = xstrfmt("multiple matches to \"%s\"", spec);
	else if (hit == 0)
		*cause = xstrfmt("no field matches \"%s\"", spec);
	return (-1);
}

/* Read a boolean as twill's make_boolean does. Returns 0 or -1. */
static int
form_boolean(const char *s, int *v)
{
	double	d;

	if (twill_config_value('b', s, &d) != 0)
		return (-1);
	*v = d != 0;
	return (0);
}

static void
form_set_checked(xmlNodePtr n, int on)
{
	if (on) {
		if (!xmlHasProp(n, (const xmlChar *)"checked"))
			xmlSetProp(n, (const xmlChar *)"checked", NULL);
	} else
		xmlUnsetProp(n, (const xmlChar *)"checked");
}

/* Replace an element's children with text. */
static void
form_set_text(xmlNodePtr n, const char *text)
{
	xmlChar	*enc;

	enc = xmlEncodeSpecialChars(n->doc, (const xmlChar *)text);
	xmlNodeSetContent(n, enc);
	xmlFree(enc);
}

/* Set a select's value as fv does: by visible text or value, +v / -v. */
static int
form_set_select(struct control *c, const char *value, char **cause)
{
	xmlNodePtr	*opts;
	size_t		 n, i, j;
	char		*name, *v;
	int		 add = 1, done = 0;

	if (*value == '-') {
		add = 0;
		value++;
	} else if (*value == '+')
		value++;
	opts = select_options(c->node, &n);
	for (i = 0; i < n && !done; i++) {
		name = option_text(opts[i]);
		v = option_value(opts[i]);
		/* twill compares the stripped value too. */
		{
			char *s = v, *e;

			while (isspace((unsigned char)*s))
				s++;
			e = s + strlen(s);
			while (e > s && isspace((unsigned char)e[-1]))
				e--;
			memmove(v, s, (size_t)(e - s));
			v[e - s] = '\0';
		}
		if (strcmp(value, name) != 0 && strcmp(value, v) != 0) {
			free(name);
			free(v);
			continue;
		}
		done = 1;
		if (select_multiple(c)) {
			if (add)
				xmlSetProp(opts[i], (const xmlChar *)"selected",
				    NULL);
			else
				xmlUnsetProp(opts[i],
				    (const xmlChar *)"selected");
		} else {
			/* lxml: the option whose value equals the new value. */
			const char	*want = add ? v : "";
			xmlNodePtr	 chosen = NULL;
			char		*ov;

			for (j = 0; j < n && chosen == NULL; j++) {
				ov = option_value(opts[j]);
				if (strcmp(ov, want) == 0)
					chosen = opts[j];
				free(ov);
			}
			if (chosen == NULL) {
				*cause = xstrfmt("There is no option with the "
				    "value of '%s'", want);
				free(name);
				free(v);
				free(opts);
				return (-1);
			}
			for (j = 0; j < n; j++)
				xmlUnsetProp(opts[j], (const xmlChar *)"selected");
			xmlSetProp(chosen, (const xmlChar *)"selected", NULL);
		}
		free(name);
		free(v);
	}
	free(opts);
	if (!done) {
		*cause = xstrdup("Attempt to set an invalid value");
		return (-1);
	}
	return (0);
}

/* Set a field's value as twill's fv does. Returns 0, or -1 and a cause. */
int
form_set_value(struct field *f, const char *value, char **cause)
{
	struct control	*c = f->ctl;
	size_t		 i;
	char		*v;
	int		 on, found = 0;

	switch (f->kind) {
	case FIELD_CHECKBOXES:
		if (*value == '-') {
			for (i = 0; i < f->ngroup; i++) {
				v = control_attr(f->group[i], "value");
				if (v != NULL && strcmp(v, value + 1) == 0) {
					form_set_checked(f->group[i]->node, 0);
					free(v);
					break;
				}
				free(v);
			}
			return (0);
		}
		if (*value == '+')
			value++;
		for (i = 0; i < f->ngroup && !found; i++) {
			v = control_attr(f->group[i], "value");
			if (v != NULL && strcmp(v, value) == 0) {
				form_set_checked(f->group[i]->node, 1);
				found = 1;
			}
			free(v);
		}
		if (!found) {
			*cause = xstrfmt("No checkbox with value '%s'", value);
			return (-1);
		}
		return (0);
	case FIELD_RADIOS:
		for (i = 0; i < f->ngroup && !found; i++) {
			v = control_attr(f->group[i], "value");
			if (v != NULL && strcmp(v, value) == 0)
				found = (int)i + 1;
			free(v);
		}
		if (!found) {
			*cause = xstrfmt("There is no radio input with the value "
			    "'%s'", value);
			return (-1);
		}
		for (i = 0; i < f->ngroup; i++)
			form_set_checked(f->group[i]->node, 0);
		form_set_checked(f->group[found - 1]->node, 1);
		return (0);
	case FIELD_CONTROL:
		break;
	}
	switch (c->kind) {
	case CONTROL_TEXTAREA:
		form_set_text(c->node, value);
		return (0);
	case CONTROL_SELECT:
		return (form_set_select(c, value, cause));
	case CONTROL_INPUT:
		if (control_checkable(c)) {
			/* Not a boolean: ignored, as twill does. */
			if (form_boolean(value, &on) == 0)
				form_set_checked(c->node, on);
			return (0);
		}
		if (strcmp(c->type, "submit") == 0 ||
		    strcmp(c->type, "image") == 0)
			return (0);
		xmlSetProp(c->node, (const xmlChar *)"value",
		    (const xmlChar *)value);
		return (0);
	}
	return (0);
}

/* formclear: empty every control a user could change. */
void
form_clear_values(struct form *f)
{
	struct control	*c;
	xmlNodePtr	*opts;
	size_t		 i, j, n;

	for (i = 0; i < f->nctls; i++) {
		c = &f->ctls[i];
		if (control_has(c, "readonly") || control_has(c, "disabled"))
			continue;
		if (c->kind == CONTROL_INPUT && (strcmp(c->type, "submit") == 0 ||
		    strcmp(c->type, "image") == 0 ||
		    strcmp(c->type, "hidden") == 0))
			continue;
		switch (c->kind) {
		case CONTROL_INPUT:
			if (control_checkable(c))
				form_set_checked(c->node, 0);
			else
				xmlUnsetProp(c->node, (const xmlChar *)"value");
			break;
		case CONTROL_SELECT:
			opts = select_options(c->node, &n);
			for (j = 0; j < n; j++)
				xmlUnsetProp(opts[j], (const xmlChar *)"selected");
			free(opts);
			break;
		case CONTROL_TEXTAREA:
			form_set_text(c->node, "");
			break;
		}
	}
}

/* A growing list of pairs. */
struct form_pairs {
	struct form_pair	*v;
	size_t			 n, cap;
};

static void
form_push(struct form_pairs *a, const char *name, const char *value)
{
	a->v = form_grow(a->v, a->n, &a->cap, sizeof *a->v);
	a->v[a->n].name = xstrdup(name);
	a->v[a->n].value = xstrdup(value);
	a->n++;
}

/* Add a control's value (if any) to pairs, as lxml's form_values does. */
static void
form_value_of(struct form_pairs *a, struct control *c)
{
	xmlNodePtr	*opts;
	size_t		 j, nopts;
	char		*val;

	switch (c->kind) {
	case CONTROL_SELECT:
		if (select_multiple(c)) {
			opts = select_options(c->node, &nopts);
			for (j = 0; j < nopts; j++) {
				if (!xmlHasProp(opts[j],
				    (const xmlChar *)"selected"))
					continue;
				val = option_value(opts[j]);
				form_push(a, c->name, val);
				free(val);
			}
			free(opts);
			return;
		}
		break;
	case CONTROL_INPUT:
		if (control_checkable(c) && !control_has(c, "checked"))
			return;
		if (strcmp(c->type, "submit") == 0 ||
		    strcmp(c->type, "image") == 0 ||
		    strcmp(c->type, "reset") == 0 ||
		    strcmp(c->type, "file") == 0)
			return;
		break;
	case CONTROL_TEXTAREA:
		break;
	}
	if ((val = control_value(c)) != NULL) {
		form_push(a, c->name, val);
		free(val);
	}
}

/*
 * Group the values of one name together at the name's first place, as
 * twill's payload dict does, in one pass (a form may hold thousands of
 * fields). Takes the pairs; returns them grouped.
 */
static struct form_pair *
form_group(struct form_pair *v, size_t n)
{
	struct form_pair	*out;
	struct map		 first;
	size_t			*next, *last, i, k, g;
	void			*hit;

	out = xcalloc(n + 1, sizeof *out);
	next = xcalloc(n + 1, sizeof *next);	/* next of a name, or n */
	last = xcalloc(n + 1, sizeof *last);	/* last of a name (at first) */
	map_init(&first);
	for (i = 0; i < n; i++) {
		next[i] = n;
		if ((hit = map_get(&first, v[i].name)) == NULL) {
			map_set(&first, v[i].name, (void *)(uintptr_t)(i + 1));
			last[i] = i;
			continue;
		}
		g = (size_t)(uintptr_t)hit - 1;
		next[last[g]] = i;
		last[g] = i;
	}
	for (k = 0, i = 0; i < n; i++) {
		if ((size_t)(uintptr_t)map_get(&first, v[i].name) != i + 1)
			continue;
		for (g = i; g < n; g = next[g])
			out[k++] = v[g];
	}
	map_free(&first, NULL);
	free(next);
	free(last);
	free(v);
	return (out);
}

/*
 * What submitting the form sends: lxml's form_values in document order,
 * then the button (name=value, or name= for an image), then grouped by
 * name in first-seen order as twill's payload dict does. Caller frees.
 */
struct form_pair *
form_payload(struct form *f, struct control *button, size_t *np)
{
	struct form_pairs	 a = { 0 };
	struct control		*c;
	size_t			 i;
	char			*val;

	for (i = 0; i < f->nctls; i++) {
		c = &f->ctls[i];
		if (c->name == NULL || *c->name == '\0' ||
		    control_has(c, "disabled"))
			continue;
		form_value_of(&a, c);
	}
	if (button != NULL && button->name != NULL && *button->name != '\0') {
		val = control_value(button);
		form_push(&a, button->name, val != NULL ? val : "");
		free(val);
	}
	*np = a.n;
	return (form_group(a.v, a.n));
}

/* Free a payload. */
void
form_pairs_free(struct form_pair *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

/* The form's action attribute, or NULL. Caller frees. */
char *
form_action(struct form *f)
{
	return (form_attr(f->node, "action"));
}

/* Set the form's action attribute. */
void
form_set_action(struct form *f, const char *url)
{
	xmlSetProp(f->node, (const xmlChar *)"action", (const xmlChar *)url);
}

/* Whether the form posts (method="post" in any case); else it gets. */
int
form_is_post(struct form *f)
{
	char	*m;
	int	 post;

	m = form_attr(f->node, "method");
	post = m != NULL && strcasecmp(m, "post") == 0;
	free(m);
	return (post);
}

/* Append s cut to width characters (twill's trunc) and padded to it. */
static void
form_cell(struct buf *b, const char *s, size_t width, int pad)
{
	size_t	cols, i, n;

	if (s == NULL)
		s = "";
	cols = utf8_columns(s, strlen(s));
	if (cols > width) {
		for (i = 0, n = 0; s[i] != '\0' && n < width - 4; i++) {
			if (((unsigned char)s[i] & 0xc0) != 0x80)
				n++;
			if (n > width - 4)
				break;
		}
		while (s[i] != '\0' && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		buf_add(b, s, i);
		buf_adds(b, " ...");
		cols = width;
	} else
		buf_adds(b, s);
	while (pad && cols++ < width)
		buf_addc(b, ' ');
}

/* showforms' table for one form, as twill prints it. */
void
form_describe(struct form *f, int n, struct buf *b)
{
	struct control	*c;
	xmlNodePtr	*opts;
	size_t		 i, j, nopts;
	char		*name, *id, *val;
	struct buf	 shown;

	name = form_attr(f->node, "name");
	if (name != NULL && *name != '\0')
		buf_printf(b, "\nForm name=%s (#%d)\n", name, n);
	else
		buf_printf(b, "\nForm #%d\n", n);
	free(name);
	buf_adds(b, "## __Name__________________ __Type___ __ID________ "
	    "__Value__________________\n");
	for (i = 0; i < f->nctls; i++) {
		c = &f->ctls[i];
		buf_init(&shown);
		if (c->kind == CONTROL_SELECT) {
			opts = select_options(c->node, &nopts);
			if (select_multiple(c)) {
				buf_addc(&shown, '{');
				for (j = 0, val = NULL; j < nopts; j++) {
					if (!xmlHasProp(opts[j],
					    (const xmlChar *)"selected"))
						continue;
					val = option_value(opts[j]);
					buf_printf(&shown, "%s'%s'",
					    shown.len > 1 ? ", " : "", val);
					free(val);
				}
				buf_addc(&shown, '}');
			} else {
				val = control_value(c);
				buf_adds(&shown, val);
				free(val);
			}
			if (nopts > 0) {
				buf_adds(&shown, " of ");
				for (j = 0; j < nopts; j++) {
					val = option_value(opts[j]);
					buf_printf(&shown, "%s'%s'",
					    j > 0 ? ", " : "", val);
					free(val);
				}
			}
			free(opts);
		} else {
			val = control_value(c);
			buf_adds(&shown, val != NULL ? val : "None");
			free(val);
		}
		id = control_attr(c, "id");
		buf_printf(b, "%2zu ", i + 1);
		form_cell(b, c->name, 24, 1);
		buf_addc(b, ' ');
		form_cell(b, c->kind == CONTROL_INPUT ? c->type : "select", 9, 1);
		buf_addc(b, ' ');
		form_cell(b, id, 12, 1);
		buf_addc(b, ' ');
		form_cell(b, shown.data, 40, 0);
		buf_addc(b, '\n');
		free(id);
		buf_free(&shown);
	}
}
