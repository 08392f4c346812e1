/*
 * template-render.c: rendering a parsed template.
 *
 * Rendering walks the immutable tree with a scope chain on the C stack (a
 * frame per {% for %} or {% with %}) and appends to the caller's buf, so a
 * render allocates only what filters, loops over objects or strings, and the
 * line map need. Every evaluation returns a new jansson reference, or NULL for
 * an undefined variable. Work and output are capped (TPL_MAX_STEPS,
 * TPL_MAX_OUTPUT) so that nested loops cannot run away; nesting is bounded by
 * the parser, so the recursion here is too.
 */
#include <stdlib.h>
#include <string.h>

#include "kong.h"
#include "diag.h"
#include "template.h"
#include "template-int.h"

/* The state of a {% for %}: what forloop shows. */
struct tpl_loop {
	const struct tpl_loop	*parent;
	size_t			 i;
	size_t			 n;
};

/* Names bound by a {% for %} or {% with %}; values are borrowed. */
struct tpl_scope {
	const struct tpl_scope	*up;
	char *const		*names;
	json_t *const		*values;
	size_t			 n;
	const struct tpl_loop	*loop;	/* binds forloop, if not NULL */
};

struct tpl_render {
	const struct template	*t;
	json_t			*ctx;
	struct buf		*out;
	size_t			 start;		/* out->len at the start */
	struct template_lines	*lines;
	int			 bol;		/* at an output line's start */
	struct diag		*warn;
	unsigned char		*warned;	/* a bit per variable or NULL */
	size_t			 steps;
};

static int tpl_render_nodes(struct tpl_render *, const struct tpl_node *,
    const struct tpl_scope *);

/* forloop.NAME, or NULL. */
static json_t *
tpl_loop_attr(const struct tpl_loop *l, const char *name)
{
	if (strcmp(name, "counter") == 0)
		return (json_integer((json_int_t)l->i + 1));
	if (strcmp(name, "counter0") == 0)
		return (json_integer((json_int_t)l->i));
	if (strcmp(name, "revcounter") == 0)
		return (json_integer((json_int_t)(l->n - l->i)));
	if (strcmp(name, "revcounter0") == 0)
		return (json_integer((json_int_t)(l->n - l->i - 1)));
	if (strcmp(name, "first") == 0)
		return (json_boolean(l->i == 0));
	if (strcmp(name, "last") == 0)
		return (json_boolean(l->i + 1 == l->n));
	return (NULL);
}

/* forloop as an object, for {{ forloop }}. */
static json_t *
tpl_loop_object(const struct tpl_loop *l)
{
	static const char *const names[] = { "counter", "counter0",
	    "revcounter", "revcounter0", "first", "last" };
	json_t	*o;
	size_t	 i;

	o = json_object();
	for (i = 0; i < nitems(names); i++)
		json_object_set_new(o, names[i], tpl_loop_attr(l, names[i]));
	json_object_set_new(o, "parentloop", l->parent != NULL ?
	    tpl_loop_object(l->parent) : json_object());
	return (o);
}

/*
 * Key, index or Django-style method (items, keys, values) of v, as a new
 * reference, or NULL.
 */
static json_t *
tpl_child(json_t *v, const char *name, long index)
{
	json_t	*c, *r, *pair, *key;
	void	*it;
	int	 which;

	if (json_is_array(v))
		return (index >= 0 ?
		    json_incref(json_array_get(v, (size_t)index)) : NULL);
	if (!json_is_object(v))
		return (NULL);
	if ((c = json_object_get(v, name)) != NULL)
		return (json_incref(c));
	if (strcmp(name, "items") == 0)
		which = 0;
	else if (strcmp(name, "keys") == 0)
		which = 1;
	else if (strcmp(name, "values") == 0)
		which = 2;
	else
		return (NULL);
	r = json_array();
	for (it = json_object_iter(v); it != NULL;
	    it = json_object_iter_next(v, it)) {
		key = template_string(json_object_iter_key(it),
		    json_object_iter_key_len(it));
		if (which == 0) {
			pair = json_array();
			json_array_append_new(pair, key);
			json_array_append(pair, json_object_iter_value(it));
			json_array_append_new(r, pair);
		} else if (which == 1)
			json_array_append_new(r, key);
		else {
			json_decref(key);
			json_array_append(r, json_object_iter_value(it));
		}
	}
	return (r);
}

/*
 * The value of the first ncomp components of a variable: a new reference,
 * or NULL if undefined. Names bound by for and with hide the context's.
 */
static json_t *
tpl_lookup(struct tpl_render *r, const struct tpl_scope *sc,
    const struct tpl_operand *o, size_t ncomp)
{
	const struct tpl_loop	*loop = NULL;
	const char		*first = o->comp[0];
	json_t			*cur = NULL, *next;
	size_t			 i, k;

	for (; sc != NULL; sc = sc->up) {
		if (sc->loop != NULL && strcmp(first, "forloop") == 0) {
			loop = sc->loop;
			break;
		}
		for (k = 0; k < sc->n; k++) {
			if (strcmp(sc->names[k], first) == 0)
				break;
		}
		if (k < sc->n) {
			cur = json_incref(sc->values[k]);
			break;
		}
	}
	if (sc == NULL && json_is_object(r->ctx))
		cur = json_incref(json_object_get(r->ctx, first));
	for (i = 1; i < ncomp; i++) {
		if (loop != NULL) {
			if (strcmp(o->comp[i], "parentloop") == 0) {
				if ((loop = loop->parent) == NULL)
					cur = json_object();
				continue;
			}
			cur = tpl_loop_attr(loop, o->comp[i]);
			loop = NULL;
			continue;
		}
		if (cur == NULL)
			return (NULL);
		next = tpl_child(cur, o->comp[i], o->index[i]);
		json_decref(cur);
		cur = next;
	}
	if (loop != NULL)
		cur = tpl_loop_object(loop);
	return (cur);
}

/* Warn about an undefined variable, once per use in the template. */
static void
tpl_warn_undefined(struct tpl_render *r, const struct tpl_operand *o)
{
	if (r->warn == NULL || o->id < 0)
		return;
	if (r->warned == NULL)
		r->warned = xcalloc((size_t)r->t->nvars / 8 + 1, 1);
	if (r->warned[o->id / 8] & (1 << (o->id % 8)))
		return;
	r->warned[o->id / 8] |= (unsigned char)(1 << (o->id % 8));
	diag_at(r->warn, DIAG_WARNING, r->t->src, o->off,
	    "undefined variable '%s'", o->name);
}

static json_t *
tpl_operand_value(struct tpl_render *r, const struct tpl_scope *sc,
    const struct tpl_operand *o, int warn)
{
	json_t	*v;

	if (o->literal != NULL)
		return (json_incref(o->literal));
	v = tpl_lookup(r, sc, o, o->ncomp);
	if (v == NULL && warn)
		tpl_warn_undefined(r, o);
	return (v);
}

/* Evaluate a filter expression: a new reference, or NULL if undefined. */
static json_t *
tpl_eval(struct tpl_render *r, const struct tpl_scope *sc,
    const struct tpl_fexpr *fe, int warn)
{
	const struct tpl_filter	*f;
	json_t			*v, *a, *nv;
	size_t			 i;

	v = tpl_operand_value(r, sc, &fe->base, warn && !fe->quiet);
	for (i = 0; i < fe->nfilters; i++) {
		f = &fe->filters[i];
		a = f->has_arg ? tpl_operand_value(r, sc, &f->arg, warn) : NULL;
		nv = f->def->fn(v, a);
		json_decref(a);
		json_decref(v);
		v = nv;
	}
	r->steps += fe->nfilters;
	return (v);
}

static int tpl_test(struct tpl_render *, const struct tpl_scope *,
    const struct tpl_cond *);

/* The value of a condition: an operand's, or True or False. */
static json_t *
tpl_cond_value(struct tpl_render *r, const struct tpl_scope *sc,
    const struct tpl_cond *c)
{
	if (c->op == TPL_OP_OPERAND)
		return (tpl_eval(r, sc, c->fe, 0));
	return (json_boolean(tpl_test(r, sc, c)));
}

/* Whether a condition holds. */
static int
tpl_test(struct tpl_render *r, const struct tpl_scope *sc,
    const struct tpl_cond *c)
{
	json_t	*a, *b;
	int	 result;

	switch (c->op) {
	case TPL_OP_OPERAND:
		a = tpl_eval(r, sc, c->fe, 0);
		result = template_truthy(a);
		json_decref(a);
		return (result);
	case TPL_OP_NOT:
		return (!tpl_test(r, sc, c->l));
	case TPL_OP_AND:
		return (tpl_test(r, sc, c->l) && tpl_test(r, sc, c->r));
	case TPL_OP_OR:
		return (tpl_test(r, sc, c->l) || tpl_test(r, sc, c->r));
	default:
		a = tpl_cond_value(r, sc, c->l);
		b = tpl_cond_value(r, sc, c->r);
		result = template_compare(c->op, a, b);
		json_decref(a);
		json_decref(b);
		return (result);
	}
}

static void
tpl_lines_push(struct template_lines *l, int line)
{
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n++] = line;
}

/*
 * Map the output appended since from: each output line that starts there
 * comes from template line line, which moves on at each newline when the
 * output is the template's own text (advance).
 */
static void
tpl_mark(struct tpl_render *r, size_t from, int line, int advance)
{
	const char	*p, *end, *nl;

	if (r->lines == NULL || from >= r->out->len)
		return;
	p = r->out->data + from;
	end = r->out->data + r->out->len;
	while (p < end) {
		if (r->bol) {
			tpl_lines_push(r->lines, line);
			r->bol = 0;
		}
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		p = nl + 1;
		r->bol = 1;
		if (advance)
			line++;
	}
}

/* Append a value's text, produced at a template line. */
static void
tpl_output(struct tpl_render *r, json_t *v, int line)
{
	size_t	from = r->out->len;

	template_write(r->out, v);
	tpl_mark(r, from, line, 0);
}

/* Count a step at node n; -1 once the render has done too much. */
static int
tpl_check(struct tpl_render *r, const struct tpl_node *n)
{
	if (++r->steps > TPL_MAX_STEPS) {
		if (r->warn != NULL)
			diag_at(r->warn, DIAG_ERROR, r->t->src, n->off,
			    "rendering stopped after %d steps; is a loop too "
			    "large?", TPL_MAX_STEPS);
		return (-1);
	}
	if (r->out->len - r->start > TPL_MAX_OUTPUT) {
		if (r->warn != NULL)
			diag_at(r->warn, DIAG_ERROR, r->t->src, n->off,
			    "rendering stopped: the output is larger than %d "
			    "bytes", TPL_MAX_OUTPUT);
		return (-1);
	}
	return (0);
}

/*
 * {% for %}: lists by item, objects by key (or key and value with two names
 * or .items), strings by character; anything else is empty.
 */
static int
tpl_render_for(struct tpl_render *r, const struct tpl_node *n,
    const struct tpl_scope *sc)
{
	const struct tpl_fexpr	*fe = n->exprs[0];
	const struct tpl_scope	*up;
	struct tpl_scope	 s;
	struct tpl_loop		 loop;
	json_t			*seq = NULL, *vals[TPL_MAX_NAMES], *item;
	json_t			*owned, *key;
	void			**iters = NULL, *it;
	size_t			*offs = NULL, count = 0, k, idx, j, len = 0;
	const char		*str = NULL;
	int			 pairs = 0, rc = 0;

	if (n->items) {
		seq = tpl_lookup(r, sc, &fe->base, fe->base.ncomp - 1);
		if (json_is_object(seq) &&
		    json_object_get(seq, "items") == NULL)
			pairs = 1;
		else {
			json_decref(seq);
			seq = NULL;
		}
	}
	if (seq == NULL)
		seq = tpl_eval(r, sc, fe, 0);
	if (json_is_array(seq))
		count = json_array_size(seq);
	else if (json_is_object(seq)) {
		iters = xcalloc(json_object_size(seq), sizeof *iters);
		for (it = json_object_iter(seq); it != NULL &&
		    count < json_object_size(seq);
		    it = json_object_iter_next(seq, it))
			iters[count++] = it;
		if (n->nnames >= 2)
			pairs = 1;
	} else if (json_is_string(seq)) {
		str = json_string_value(seq);
		len = json_string_length(seq);
		offs = xcalloc(len + 1, sizeof *offs);
		for (j = 0; j < len; template_utf8_next(str, len, &j))
			offs[count++] = j;
		offs[count] = len;
	}
	if (count == 0) {
		rc = tpl_render_nodes(r, n->empty, sc);
		goto out;
	}

	for (up = sc; up != NULL && up->loop == NULL; up = up->up)
		/* nothing */;
	loop.parent = up != NULL ? up->loop : NULL;
	loop.n = count;
	s.up = sc;
	s.names = n->names;
	s.values = vals;
	s.n = n->nnames;
	s.loop = &loop;
	for (k = 0; k < count && rc == 0; k++) {
		if ((rc = tpl_check(r, n)) == -1)
			break;
		idx = n->reversed ? count - 1 - k : k;
		loop.i = k;
		memset(vals, 0, sizeof vals);
		owned = NULL;
		if (json_is_array(seq))
			item = json_array_get(seq, idx);
		else if (json_is_object(seq)) {
			key = template_string(json_object_iter_key(iters[idx]),
			    json_object_iter_key_len(iters[idx]));
			if (!pairs)
				item = owned = key;
			else if (n->nnames >= 2) {
				owned = vals[0] = key;
				vals[1] = json_object_iter_value(iters[idx]);
				goto bound;
			} else {
				item = owned = json_array();
				json_array_append_new(owned, key);
				json_array_append(owned,
				    json_object_iter_value(iters[idx]));
			}
		} else {
			item = owned = template_string(str + offs[idx],
			    offs[idx + 1] - offs[idx]);
		}
		/* Unpack a list into names; missing items are undefined. */
		if (n->nnames > 1 && json_is_array(item)) {
			for (j = 0; j < n->nnames; j++)
				vals[j] = json_array_get(item, j);
		} else
			vals[0] = item;
bound:
		rc = tpl_render_nodes(r, n->body, &s);
		json_decref(owned);
	}
out:
	free(iters);
	free(offs);
	json_decref(seq);
	return (rc);
}

static int
tpl_render_with(struct tpl_render *r, const struct tpl_node *n,
    const struct tpl_scope *sc)
{
	struct tpl_scope	 s;
	json_t			*vals[TPL_MAX_NAMES];
	size_t			 i;
	int			 rc;

	for (i = 0; i < n->nnames; i++)
		vals[i] = tpl_eval(r, sc, n->exprs[i], 0);
	s.up = sc;
	s.names = n->names;
	s.values = vals;
	s.n = n->nnames;
	s.loop = NULL;
	rc = tpl_render_nodes(r, n->body, &s);
	for (i = 0; i < n->nnames; i++)
		json_decref(vals[i]);
	return (rc);
}

static int
tpl_render_nodes(struct tpl_render *r, const struct tpl_node *n,
    const struct tpl_scope *sc)
{
	const struct tpl_branch	*b;
	json_t			*v;
	size_t			 from, i;
	int			 found;

	for (; n != NULL; n = n->next) {
		if (tpl_check(r, n) == -1)
			return (-1);
		switch (n->type) {
		case TPL_NODE_TEXT:
			from = r->out->len;
			buf_add(r->out, n->text, n->len);
			tpl_mark(r, from, n->line, 1);
			break;
		case TPL_NODE_VAR:
			v = tpl_eval(r, sc, n->exprs[0], 1);
			tpl_output(r, v, n->line);
			json_decref(v);
			break;
		case TPL_NODE_IF:
			for (b = n->branches; b != NULL; b = b->next) {
				if (b->cond != NULL &&
				    !tpl_test(r, sc, b->cond))
					continue;
				if (tpl_render_nodes(r, b->body, sc) == -1)
					return (-1);
				break;
			}
			break;
		case TPL_NODE_FOR:
			if (tpl_render_for(r, n, sc) == -1)
				return (-1);
			break;
		case TPL_NODE_WITH:
			if (tpl_render_with(r, n, sc) == -1)
				return (-1);
			break;
		case TPL_NODE_FIRSTOF:
			for (i = 0; i < n->nexprs; i++) {
				v = tpl_eval(r, sc, n->exprs[i], 0);
				found = template_truthy(v);
				if (found)
					tpl_output(r, v, n->line);
				json_decref(v);
				if (found)
					break;
			}
			break;
		}
	}
	return (0);
}

/*
 * Render against ctx, appending to out; fill lines if not NULL and report
 * undefined variables to warn if not NULL. Returns 0, or -1 if the render
 * was stopped for doing too much.
 */
int
template_render(const struct template *t, json_t *ctx, struct buf *out,
    struct template_lines *lines, struct diag *warn)
{
	struct tpl_render	r;
	int			rc;

	memset(&r, 0, sizeof r);
	r.t = t;
	r.ctx = ctx;
	r.out = out;
	r.start = out->len;
	r.lines = lines;
	r.bol = 1;
	r.warn = warn;
	if (lines != NULL)
		lines->n = 0;
	rc = tpl_render_nodes(&r, t->root, NULL);
	free(r.warned);
	return (rc);
}

/* Free a line map's memory and leave it empty; NULL is allowed. */
void
template_lines_free(struct template_lines *l)
{
	if (l == NULL)
		return;
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
