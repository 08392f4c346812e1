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
 *
 * An undefined variable is an error (a check must not pass because its
 * template has a typo), except where the template says what to do when a
 * value is missing: in an {% if %} condition or a {% firstof %} (where it is
 * false), and before a default or default_if_none filter. Evaluations say
 * which of the two they are (TPL_STRICT, TPL_LENIENT). An error is reported
 * once per use in the template, with what is wrong with the path and a
 * suggestion (tpl_undefined), and the render goes on, so that one pass
 * reports them all, but its output is not to be used.
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

/*
 * Names bound by a {% for %} or {% with %}; values are borrowed. A value is
 * NULL only for a loop name its item has no value for ({% for a, b in x %}
 * over an item of one value).
 */
struct tpl_scope {
	const struct tpl_scope	*up;
	char *const		*names;
	json_t *const		*values;
	size_t			 n;
	const struct tpl_loop	*loop;	/* binds forloop, if not NULL */
};

/* How an evaluation treats an undefined variable. */
enum tpl_mode {
	TPL_STRICT,	/* an error, unless a default filter follows */
	TPL_LENIENT,	/* false: conditions and firstof */
};

struct tpl_render {
	const struct template	*t;
	json_t			*ctx;
	struct buf		*out;
	size_t			 start;		/* out->len at the start */
	struct template_lines	*lines;
	int			 bol;		/* at an output line's start */
	struct diag		*d;		/* or NULL */
	json_t			*poison;	/* what with binds after an error */
	unsigned char		*reported;	/* a bit per variable or NULL */
	size_t			 nerrors;	/* undefined variables */
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

/*
 * Messages about undefined variables. They are built only when an error is
 * due, so they may walk the path again and build what they need.
 */

/*
 * Whether a name is close enough to a candidate to suggest it, and closer
 * than the best so far (*best, SIZE_MAX at first): fewer edits, at most
 * half the longer name, then (a swap costs two edits) a nearer length, then
 * a longer common prefix.
 */
static int
tpl_close(const char *name, const char *cand, size_t *best)
{
	size_t	d, ln = strlen(name), lc = strlen(cand), p, score;

	if ((d = levenshtein(name, cand)) == SIZE_MAX || d >= ln ||
	    d * 2 > (ln > lc ? ln : lc))
		return (0);
	for (p = 0; p < 63 && name[p] != '\0' && name[p] == cand[p]; p++)
		/* nothing */;
	score = (d * 128 + (ln > lc ? ln - lc : lc - ln)) * 64 + (63 - p);
	if (score >= *best)
		return (0);
	*best = score;
	return (1);
}

/* The key of object v closest to name, or NULL. */
static const char *
tpl_closest_key(json_t *v, const char *name)
{
	const char	*key, *found = NULL;
	json_t		*value;
	size_t		 best = SIZE_MAX;

	if (!json_is_object(v))
		return (NULL);
	json_object_foreach(v, key, value) {
		if (tpl_close(name, key, &best))
			found = key;
	}
	return (found);
}

/*
 * Append ".COMP" for each component of o from index from on, walking down
 * from value v, with each missing key replaced by the closest existing one.
 * Returns 0, or -1 when some component has no close key (or v is not an
 * object there).
 */
static int
tpl_fix_path(json_t *v, const struct tpl_operand *o, size_t from,
    struct buf *b)
{
	json_t		*cur = json_incref(v), *next;
	const char	*key;
	size_t		 i;
	int		 rc = 0;

	for (i = from; i < o->ncomp && rc == 0; i++) {
		if ((next = tpl_child(cur, o->comp[i], o->index[i])) != NULL) {
			buf_printf(b, ".%s", o->comp[i]);
		} else if ((key = tpl_closest_key(cur, o->comp[i])) != NULL) {
			buf_printf(b, ".%s", key);
			next = tpl_child(cur, key, -1);
		} else
			rc = -1;
		json_decref(cur);
		cur = next;
	}
	json_decref(cur);
	return (rc);
}

/*
 * The value a top-level name has for messages (forloop as an object): a
 * new reference, or NULL. *scope is the frame that binds it, or NULL if the
 * context does (or nothing does).
 */
static json_t *
tpl_top_value(struct tpl_render *r, const struct tpl_scope *sc,
    const char *name, const struct tpl_scope **scope)
{
	size_t	k;

	*scope = NULL;
	for (; sc != NULL; sc = sc->up) {
		if (sc->loop != NULL && strcmp(name, "forloop") == 0) {
			*scope = sc;
			return (tpl_loop_object(sc->loop));
		}
		for (k = 0; k < sc->n; k++) {
			if (strcmp(sc->names[k], name) == 0) {
				*scope = sc;
				return (json_incref(sc->values[k]));
			}
		}
	}
	return (json_incref(json_object_get(r->ctx, name)));
}

/* Whether name is already in the list of top-level names. */
static int
tpl_listed(const char *const *v, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i], name) == 0)
			return (1);
	}
	return (0);
}

/*
 * The top-level names defined at sc: the context's, then those bound by
 * the enclosing tags, innermost last. Caller frees the array (not the names).
 */
static const char **
tpl_top_names(struct tpl_render *r, const struct tpl_scope *sc, size_t *np)
{
	const struct tpl_scope	*s, *frames[TPL_MAX_DEPTH + 1];
	const char		*key, **v;
	json_t			*value;
	size_t			 n = 0, nframes = 0, k, cap = 0;

	for (s = sc; s != NULL && nframes < nitems(frames); s = s->up)
		frames[nframes++] = s;
	if (json_is_object(r->ctx))
		cap += json_object_size(r->ctx);
	for (k = 0; k < nframes; k++)
		cap += frames[k]->n + 1;
	v = xcalloc(cap + 1, sizeof *v);
	if (json_is_object(r->ctx)) {
		json_object_foreach(r->ctx, key, value)
			v[n++] = key;
	}
	while (nframes-- > 0) {
		s = frames[nframes];
		for (k = 0; k < s->n; k++) {
			if (!tpl_listed(v, n, s->names[k]))
				v[n++] = s->names[k];
		}
		if (s->loop != NULL && !tpl_listed(v, n, "forloop"))
			v[n++] = "forloop";
	}
	*np = n;
	return (v);
}

/* Describe a value for a message: "the string \"abc\"", "a list of 2 items". */
static void
tpl_describe(struct buf *b, json_t *v)
{
	char	show[64];
	size_t	n;

	switch (json_typeof(v)) {
	case JSON_STRING:
		template_show(show, sizeof show, json_string_value(v),
		    json_string_length(v));
		buf_printf(b, "the string \"%s\"", show);
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		buf_adds(b, "the number ");
		template_write(b, v);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:
		template_write(b, v);
		break;
	case JSON_ARRAY:
		n = json_array_size(v);
		if (n == 0)
			buf_adds(b, "an empty list");
		else
			buf_printf(b, "a list of %zu item%s", n,
			    n == 1 ? "" : "s");
		break;
	case JSON_OBJECT:
		buf_adds(b, "an object");
		break;
	}
}

/*
 * Why the top-level name of o, which nothing binds, is undefined, with the
 * closest name as a suggestion or else the names there are.
 */
static void
tpl_explain_top(struct tpl_render *r, const struct tpl_scope *sc,
    const struct tpl_operand *o, struct buf *b)
{
	const struct tpl_scope	*scope;
	const char		*found = NULL, **names;
	json_t			*v;
	struct buf		 fix;
	size_t			 n, i, best = SIZE_MAX;

	names = tpl_top_names(r, sc, &n);
	for (i = 0; i < n; i++) {
		if (tpl_close(o->comp[0], names[i], &best))
			found = names[i];
	}
	if (found != NULL) {
		buf_init(&fix);
		buf_adds(&fix, found);
		v = tpl_top_value(r, sc, found, &scope);
		if (tpl_fix_path(v, o, 1, &fix) == 0)
			buf_printf(b, "; did you mean '%s'?", fix.data);
		else
			found = NULL;
		json_decref(v);
		buf_free(&fix);
	}
	if (found == NULL && strcmp(o->comp[0], "forloop") == 0)
		buf_adds(b, ": forloop exists only inside {% for %}");
	else if (found == NULL && n == 0)
		buf_adds(b, ": no names are defined here");
	else if (found == NULL) {
		buf_adds(b, ": the names defined here are ");
		for (i = 0; i < n; i++) {
			if (i > 0)
				buf_adds(b, i + 1 == n ? " and " : ", ");
			buf_adds(b, names[i]);
		}
	}
	free(names);
}

/* Why o is undefined: what is wrong with which component of its path. */
static void
tpl_explain(struct tpl_render *r, const struct tpl_scope *sc,
    const struct tpl_operand *o, struct buf *b)
{
	const struct tpl_scope	*scope;
	const char		*key, *dot;
	json_t			*cur, *next;
	struct buf		 fix;
	size_t			 i, n, k, plen;

	cur = tpl_top_value(r, sc, o->comp[0], &scope);
	if (cur == NULL && scope != NULL) {
		/* Unpacking leaves the names past the item's values unset. */
		for (n = 0; n < scope->n && scope->values[n] != NULL; n++)
			/* nothing */;
		buf_printf(b, ": the loop's item has only %zu value%s for its "
		    "%zu names", n, n == 1 ? "" : "s", scope->n);
		return;
	}
	if (cur == NULL) {
		tpl_explain_top(r, sc, o, b);
		return;
	}
	for (i = 1; i < o->ncomp; i++) {
		if ((next = tpl_child(cur, o->comp[i], o->index[i])) == NULL)
			break;
		json_decref(cur);
		cur = next;
	}
	if (i == o->ncomp) {
		/* This walk agrees with tpl_lookup's; should it not, be brief. */
		json_decref(cur);
		return;
	}
	/* The path up to component i, as written. */
	for (plen = 0, dot = o->name, k = 0; k < i; k++) {
		dot = strchr(dot, '.');
		plen = (size_t)(dot - o->name);
		dot++;
	}
	if (json_is_object(cur)) {
		buf_printf(b, ": '%.*s' has no key '%s'", (int)plen, o->name,
		    o->comp[i]);
		if ((key = tpl_closest_key(cur, o->comp[i])) != NULL) {
			buf_init(&fix);
			buf_printf(&fix, "%.*s.%s", (int)plen, o->name, key);
			next = tpl_child(cur, key, -1);
			if (tpl_fix_path(next, o, i + 1, &fix) == 0)
				buf_printf(b, "; did you mean '%s'?", fix.data);
			json_decref(next);
			buf_free(&fix);
		}
	} else if (json_is_array(cur) && o->index[i] >= 0) {
		n = json_array_size(cur);
		buf_printf(b, ": '%.*s' ", (int)plen, o->name);
		if (n == 0)
			buf_adds(b, "is an empty list");
		else if (n == 1)
			buf_adds(b, "has 1 item (index 0)");
		else
			buf_printf(b, "has %zu items (indexes 0 to %zu)", n,
			    n - 1);
	} else {
		buf_printf(b, ": '%.*s' is ", (int)plen, o->name);
		tpl_describe(b, cur);
		if (o->index[i] >= 0)
			buf_adds(b, ", which has no items");
		else
			buf_printf(b, ", which has no key '%s'", o->comp[i]);
		if (json_is_array(cur) && json_array_size(cur) > 0)
			buf_printf(b, "; a list takes an index, as in '%.*s.0'",
			    (int)plen, o->name);
	}
	json_decref(cur);
}

/* Report an undefined variable as an error, once per use in the template. */
static void
tpl_undefined(struct tpl_render *r, const struct tpl_scope *sc,
    const struct tpl_operand *o)
{
	const struct tpl_scope	*scope;
	struct buf		 b;
	json_t			*top;

	r->nerrors++;
	if (r->d == NULL || o->id < 0)
		return;
	if (r->poison != NULL) {
		top = tpl_top_value(r, sc, o->comp[0], &scope);
		json_decref(top);
		if (top == r->poison)
			return;
	}
	if (r->reported == NULL)
		r->reported = xcalloc((size_t)r->t->nvars / 8 + 1, 1);
	if (r->reported[o->id / 8] & (1 << (o->id % 8)))
		return;
	r->reported[o->id / 8] |= (unsigned char)(1 << (o->id % 8));
	buf_init(&b);
	tpl_explain(r, sc, o, &b);
	diag_at(r->d, DIAG_ERROR, r->t->src, o->off,
	    "undefined variable '%s'%s", o->name, b.data != NULL ? b.data : "");
	buf_free(&b);
}

static json_t *
tpl_operand_value(struct tpl_render *r, const struct tpl_scope *sc,
    const struct tpl_operand *o, enum tpl_mode mode)
{
	json_t	*v;

	if (o->literal != NULL)
		return (json_incref(o->literal));
	v = tpl_lookup(r, sc, o, o->ncomp);
	if (v == NULL && mode == TPL_STRICT)
		tpl_undefined(r, sc, o);
	return (v);
}

/*
 * Evaluate a filter expression: a new reference, or NULL if undefined. In
 * TPL_STRICT mode an undefined operand is an error (see tpl_undefined),
 * except the value of one whose filters include a default.
 */
static json_t *
tpl_eval(struct tpl_render *r, const struct tpl_scope *sc,
    const struct tpl_fexpr *fe, enum tpl_mode mode)
{
	const struct tpl_filter	*f;
	json_t			*v, *a, *nv;
	size_t			 i;

	v = tpl_operand_value(r, sc, &fe->base,
	    fe->quiet ? TPL_LENIENT : mode);
	for (i = 0; i < fe->nfilters; i++) {
		f = &fe->filters[i];
		a = f->has_arg ? tpl_operand_value(r, sc, &f->arg, mode) : NULL;
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
		return (tpl_eval(r, sc, c->fe, TPL_LENIENT));
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
		a = tpl_eval(r, sc, c->fe, TPL_LENIENT);
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
		if (r->d != NULL)
			diag_at(r->d, DIAG_ERROR, r->t->src, n->off,
			    "rendering stopped after %d steps; is a loop too "
			    "large?", TPL_MAX_STEPS);
		return (-1);
	}
	if (r->out->len - r->start > TPL_MAX_OUTPUT) {
		if (r->d != NULL)
			diag_at(r->d, DIAG_ERROR, r->t->src, n->off,
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
	size_t			 before;
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
	if (seq == NULL) {
		/* Undefined is an error, not an empty list: see the top. */
		before = r->nerrors;
		seq = tpl_eval(r, sc, fe, TPL_STRICT);
		if (r->nerrors > before) {
			json_decref(seq);
			return (0);
		}
	}
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

	/*
	 * After an error the name is bound to the poison, an empty object
	 * whose uses report nothing more: the one error is enough.
	 */
	for (i = 0; i < n->nnames; i++) {
		if ((vals[i] = tpl_eval(r, sc, n->exprs[i], TPL_STRICT)) != NULL)
			continue;
		if (r->poison == NULL)
			r->poison = json_object();
		vals[i] = json_incref(r->poison);
	}
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
			v = tpl_eval(r, sc, n->exprs[0], TPL_STRICT);
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
				v = tpl_eval(r, sc, n->exprs[i], TPL_LENIENT);
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
 * errors to d if not NULL. Returns 0, or -1 if a variable was undefined
 * (every such use is reported) or the render was stopped for doing too much.
 */
int
template_render(const struct template *t, json_t *ctx, struct buf *out,
    struct template_lines *lines, struct diag *d)
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
	r.d = d;
	if (lines != NULL)
		lines->n = 0;
	rc = tpl_render_nodes(&r, t->root, NULL);
	free(r.reported);
	json_decref(r.poison);
	return (rc == 0 && r.nerrors == 0 ? 0 : -1);
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
