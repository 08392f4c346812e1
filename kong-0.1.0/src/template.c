/*
 * template.c: parsing Kong's Django template language subset.
 *
 * template_parse() scans the text once, left to right: literal text,
 * {{ variables }}, {% tags %} and {# comments #}. A tag must end on the line
 * where it starts, as in Django. Block tags are matched with an explicit stack
 * rather than by recursion, so a deeply nested template costs an error, not
 * the C stack; blocks past TPL_MAX_DEPTH are still matched but their nodes are
 * dropped, which keeps every tree the renderer or template_free() walks
 * shallow. Expressions are tokenized per tag and parsed into small trees whose
 * depth is bounded too.
 *
 * Errors are reported through diag at the offending offset and parsing goes
 * on after each (the rest of a bad tag is skipped), so that one pass shows
 * all of them; a template with any error is not returned.
 *
 * The tree is immutable once parsed; template-render.c walks it and
 * template-value.c gives its values and filters their meaning. The end of
 * this file walks it too, without a context, to list the variable paths a
 * template reads (template_foreach_var).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kong.h"
#include "diag.h"
#include "template.h"
#include "template-int.h"

#define TPL_ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define TPL_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define TPL_WORD(c) (TPL_ALPHA(c) || TPL_DIGIT(c) || (c) == '_')

enum tpl_tok {
	TPL_TOK_END,
	TPL_TOK_NAME,		/* a name or a dotted path: site.tags.0 */
	TPL_TOK_STRING,
	TPL_TOK_NUMBER,
	TPL_TOK_PIPE,
	TPL_TOK_COLON,
	TPL_TOK_COMMA,
	TPL_TOK_ASSIGN,
	TPL_TOK_EQ,
	TPL_TOK_NE,
	TPL_TOK_LT,
	TPL_TOK_GT,
	TPL_TOK_LE,
	TPL_TOK_GE,
	TPL_TOK_PAREN,
};

struct tpl_token {
	enum tpl_tok	 type;
	size_t		 off;
	size_t		 len;
};

enum tpl_block {
	TPL_BLOCK_ROOT,
	TPL_BLOCK_IF,
	TPL_BLOCK_FOR,
	TPL_BLOCK_WITH,
};

static const char *const tpl_block_names[] = { "", "if", "for", "with" };

/* A block whose end tag has not been seen yet. */
struct tpl_open {
	enum tpl_block	  kind;
	size_t		  off;		/* its opening tag */
	struct tpl_node	 *node;		/* NULL if dropped (bad or too deep) */
	struct tpl_node	**tail;		/* where its next child goes, or NULL */
	struct tpl_branch **btail;	/* if: where its next branch goes */
	int		  seen_else;	/* if: {% else %}; for: {% empty %} */
};

struct tpl_parser {
	struct source		*src;
	struct diag		*d;
	size_t			 nerrors;
	int			 too_deep;	/* reported once */
	int			 nvars;

	/* Per closer ("}}", "%}", "#}"): none before this, on its line. */
	size_t			 no_close[3];

	struct tpl_open		*stack;
	size_t			 nstack;
	size_t			 capstack;

	struct tpl_token	*tok;		/* the current tag's tokens */
	size_t			 ntok;
	size_t			 captok;
	size_t			 ti;		/* the cursor in tok */
	int			 edepth;	/* tpl_parse_cond's recursion */
};

static void
tpl_error(struct tpl_parser *p, size_t off, const char *fmt, ...)
    KONG_PRINTF(3, 4);

static void
tpl_error(struct tpl_parser *p, size_t off, const char *fmt, ...)
{
	va_list	ap;

	p->nerrors++;
	if (p->d == NULL)
		return;
	va_start(ap, fmt);
	diag_vat(p->d, DIAG_ERROR, p->src, off, fmt, ap);
	va_end(ap);
}

/* Whether more errors would only be dropped. */
static int
tpl_give_up(struct tpl_parser *p)
{
	if (p->nerrors == 0)
		return (0);
	return (p->nerrors >= DIAG_MAX_ERRORS ||
	    (p->d != NULL && diag_full(p->d)));
}

/*
 * Copy len bytes of s for a message: control characters and bytes that are
 * not UTF-8 become '?', and anything past 40 bytes becomes "...".
 */
void
template_show(char *out, size_t size, const char *s, size_t len)
{
	size_t	i = 0, o = 0, k;

	while (i < len && o < 40 && o + 8 < size) {
		if ((unsigned char)s[i] >= 0x80) {
			k = utf8_valid_prefix(s + i, len - i < 4 ? len - i : 4);
			if (k == 0) {
				out[o++] = '?';
				i++;
			} else {
				/* One character: lead and following bytes. */
				k = 1;
				while (i + k < len && k < 4 &&
				    ((unsigned char)s[i + k] & 0xc0) == 0x80)
					k++;
				memcpy(out + o, s + i, k);
				o += k;
				i += k;
			}
		} else if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			out[o++] = '?';
			i++;
		} else
			out[o++] = s[i++];
	}
	if (i < len && o + 4 <= size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* The 1-based text line holding offset off. */
static int
tpl_line(const struct source *src, size_t off)
{
	return ((int)source_line_of(src, off) + 1);
}

/*
 * Make room for element n of an array whose size is implied by n: it doubles
 * when n is a power of two, so that long lists cost linear time.
 */
static void *
tpl_grow(void *v, size_t n, size_t size)
{
	if (n == 0 || (n & (n - 1)) == 0)
		v = xreallocarray(v, n == 0 ? 1 : n * 2, size);
	return (v);
}

/*
 * Tokens.
 */

static void
tpl_push_token(struct tpl_parser *p, enum tpl_tok type, size_t off, size_t len)
{
	if (p->ntok == p->captok) {
		p->captok = p->captok == 0 ? 16 : p->captok * 2;
		p->tok = xreallocarray(p->tok, p->captok, sizeof *p->tok);
	}
	p->tok[p->ntok].type = type;
	p->tok[p->ntok].off = off;
	p->tok[p->ntok].len = len;
	p->ntok++;
}

/* The end of a run of word characters and dots, for a bad token's extent. */
static size_t
tpl_junk_end(const char *t, size_t j, size_t end)
{
	while (j < end && (TPL_WORD(t[j]) || t[j] == '.'))
		j++;
	return (j);
}

/*
 * Split text[start, end) into tokens, ending with TPL_TOK_END. Reports the
 * first bad character, number or string and returns -1.
 */
static int
tpl_lex(struct tpl_parser *p, size_t start, size_t end)
{
	const char	*t = p->src->text;
	char		 show[64];
	size_t		 i = start, j;
	enum tpl_tok	 type;

	p->ntok = p->ti = 0;
	while (i < end) {
		if (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' ||
		    t[i] == '\f' || t[i] == '\v') {
			i++;
			continue;
		}
		j = i + 1;
		if (TPL_ALPHA(t[i]) || t[i] == '_') {
			type = TPL_TOK_NAME;
			for (;;) {
				while (j < end && TPL_WORD(t[j]))
					j++;
				if (j + 1 < end && t[j] == '.' &&
				    TPL_WORD(t[j + 1]))
					j++;
				else
					break;
			}
			if (j < end && t[j] == '.') {
				j = tpl_junk_end(t, j, end);
				template_show(show, sizeof show, t + i, j - i);
				tpl_error(p, i, "invalid variable name '%s'",
				    show);
				return (-1);
			}
		} else if (TPL_DIGIT(t[i]) ||
		    (t[i] == '-' && i + 1 < end && TPL_DIGIT(t[i + 1]))) {
			type = TPL_TOK_NUMBER;
			while (j < end && TPL_DIGIT(t[j]))
				j++;
			if (j + 1 < end && t[j] == '.' && TPL_DIGIT(t[j + 1])) {
				j++;
				while (j < end && TPL_DIGIT(t[j]))
					j++;
			}
			if (j < end && (t[j] == 'e' || t[j] == 'E')) {
				if (j + 1 < end && TPL_DIGIT(t[j + 1]))
					j++;
				else if (j + 2 < end && (t[j + 1] == '-' ||
				    t[j + 1] == '+') && TPL_DIGIT(t[j + 2]))
					j += 2;
				while (j < end && TPL_DIGIT(t[j]))
					j++;
			}
			if (j < end && (TPL_WORD(t[j]) || t[j] == '.')) {
				j = tpl_junk_end(t, j, end);
				template_show(show, sizeof show, t + i, j - i);
				tpl_error(p, i, "invalid number '%s'", show);
				return (-1);
			}
		} else if (t[i] == '"' || t[i] == '\'') {
			type = TPL_TOK_STRING;
			while (j < end && t[j] != t[i])
				j += t[j] == '\\' && j + 1 < end ? 2 : 1;
			if (j >= end) {
				tpl_error(p, i, "unterminated string literal");
				return (-1);
			}
			j++;
		} else if (j < end && t[j] == '=' &&
		    strchr("=!<>", t[i]) != NULL) {
			j++;
			if (t[i] == '=')
				type = TPL_TOK_EQ;
			else if (t[i] == '!')
				type = TPL_TOK_NE;
			else
				type = t[i] == '<' ? TPL_TOK_LE : TPL_TOK_GE;
		} else if (t[i] == '<')
			type = TPL_TOK_LT;
		else if (t[i] == '>')
			type = TPL_TOK_GT;
		else if (t[i] == '=')
			type = TPL_TOK_ASSIGN;
		else if (t[i] == '|')
			type = TPL_TOK_PIPE;
		else if (t[i] == ':')
			type = TPL_TOK_COLON;
		else if (t[i] == ',')
			type = TPL_TOK_COMMA;
		else if (t[i] == '(' || t[i] == ')')
			type = TPL_TOK_PAREN;
		else {
			template_show(show, sizeof show, t + i, end - i);
			if ((unsigned char)t[i] >= 0x80 && show[0] != '?') {
				/* Keep the whole character. */
				j = 1;
				while (show[j] != '\0' &&
				    ((unsigned char)show[j] & 0xc0) == 0x80)
					j++;
				show[j] = '\0';
			} else
				show[1] = '\0';
			tpl_error(p, i, "unexpected character '%s'", show);
			return (-1);
		}
		tpl_push_token(p, type, i, j - i);
		i = j;
	}
	tpl_push_token(p, TPL_TOK_END, end, 0);
	return (0);
}

static struct tpl_token *
tpl_peek(struct tpl_parser *p)
{
	return (&p->tok[p->ti]);
}

/* The token after the cursor (the end token if there is none). */
static struct tpl_token *
tpl_peek2(struct tpl_parser *p)
{
	return (&p->tok[p->ti + 1 < p->ntok ? p->ti + 1 : p->ntok - 1]);
}

/* Whether a token is the word w. */
static int
tpl_is(const struct tpl_parser *p, const struct tpl_token *t, const char *w)
{
	size_t	len = strlen(w);

	return (t->type == TPL_TOK_NAME && t->len == len &&
	    memcmp(p->src->text + t->off, w, len) == 0);
}

/* Whether a token is a word that cannot be a variable in an expression. */
static int
tpl_is_keyword(const struct tpl_parser *p, const struct tpl_token *t)
{
	return (tpl_is(p, t, "and") || tpl_is(p, t, "or") ||
	    tpl_is(p, t, "not") || tpl_is(p, t, "in") || tpl_is(p, t, "is"));
}

/* Whether a name token has no dots, so that it can be bound. */
static int
tpl_is_plain_name(const struct tpl_parser *p, const struct tpl_token *t)
{
	return (t->type == TPL_TOK_NAME &&
	    memchr(p->src->text + t->off, '.', t->len) == NULL);
}

/* A token as shown in messages. */
static void
tpl_show_token(const struct tpl_parser *p, const struct tpl_token *t,
    char *out, size_t size)
{
	if (t->type == TPL_TOK_END)
		snprintf(out, size, "%s", "end of tag");
	else
		template_show(out, size, p->src->text + t->off, t->len);
}

/* The token before the cursor as shown in messages ("{{" at the start). */
static void
tpl_show_prev(const struct tpl_parser *p, char *out, size_t size)
{
	if (p->ti == 0)
		snprintf(out, size, "%s", "{{");
	else
		tpl_show_token(p, &p->tok[p->ti - 1], out, size);
}

static void
tpl_unexpected(struct tpl_parser *p)
{
	struct tpl_token	*t = tpl_peek(p);
	char			 show[64];

	tpl_show_token(p, t, show, sizeof show);
	if (t->type == TPL_TOK_PAREN) {
		tpl_error(p, t->off, "unexpected token '%s'; use nested "
		    "{%% if %%} tags instead of parentheses", show);
	} else
		tpl_error(p, t->off, "unexpected token '%s'", show);
}

/* Expect the end of the tag. Returns 0 or -1. */
static int
tpl_expect_end(struct tpl_parser *p)
{
	if (tpl_peek(p)->type == TPL_TOK_END)
		return (0);
	tpl_unexpected(p);
	return (-1);
}

/* Report a missing operand at the cursor. */
static void
tpl_expected(struct tpl_parser *p, const char *what)
{
	struct tpl_token	*t = tpl_peek(p);
	char			 prev[64];

	if (t->type == TPL_TOK_PAREN) {
		tpl_unexpected(p);
		return;
	}
	tpl_show_prev(p, prev, sizeof prev);
	tpl_error(p, t->off, "expected %s after '%s'", what, prev);
}

/*
 * Expressions.
 */

static void
tpl_operand_free(struct tpl_operand *o)
{
	size_t	i;

	json_decref(o->literal);
	free(o->name);
	for (i = 0; i < o->ncomp; i++)
		free(o->comp[i]);
	free(o->comp);
	free(o->index);
}

static void
tpl_fexpr_free(struct tpl_fexpr *fe)
{
	size_t	i;

	if (fe == NULL)
		return;
	tpl_operand_free(&fe->base);
	for (i = 0; i < fe->nfilters; i++)
		tpl_operand_free(&fe->filters[i].arg);
	free(fe->filters);
	free(fe);
}

static void
tpl_cond_free(struct tpl_cond *c)
{
	if (c == NULL)
		return;
	tpl_cond_free(c->l);
	tpl_cond_free(c->r);
	tpl_fexpr_free(c->fe);
	free(c);
}

/* The value of a string literal token: \" or \' and \\ are escapes. */
static json_t *
tpl_string_literal(const char *s, size_t len)
{
	struct buf	 b;
	json_t		*v;
	size_t		 i;

	buf_init(&b);
	buf_grow(&b, len);
	for (i = 1; i + 1 < len; i++) {
		if (s[i] == '\\' && i + 2 < len && (s[i + 1] == s[0] ||
		    s[i + 1] == '\\'))
			i++;
		buf_addc(&b, s[i]);
	}
	v = json_stringn_nocheck(b.data, b.len);
	buf_free(&b);
	return (v);
}

/* The value of a number token, or NULL if it is out of range. */
static json_t *
tpl_number_literal(const char *s, size_t len)
{
	char		*copy = xstrndup(s, len);
	long long	 i;
	double		 d;
	json_t		*v = NULL;

	if (strcspn(copy, ".eE") == len) {
		errno = 0;
		i = strtoll(copy, NULL, 10);
		if (errno == 0) {
			free(copy);
			return (json_integer(i));
		}
	}
	d = strtod(copy, NULL);
	if (isfinite(d))
		v = json_real(d);
	free(copy);
	return (v);
}

/* Split a variable's path into components and array indexes. */
static void
tpl_operand_path(struct tpl_operand *o, const char *s, size_t len)
{
	size_t		 i, start, n = 1;
	const char	*c;

	for (i = 0; i < len; i++)
		n += s[i] == '.';
	o->name = xstrndup(s, len);
	o->comp = xcalloc(n, sizeof *o->comp);
	o->index = xcalloc(n, sizeof *o->index);
	for (start = 0, i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		c = o->comp[o->ncomp] = xstrndup(s + start, i - start);
		o->index[o->ncomp] = -1;
		if (strspn(c, "0123456789") == i - start && i - start <= 9)
			o->index[o->ncomp] = strtol(c, NULL, 10);
		o->ncomp++;
		start = i + 1;
	}
}

/*
 * Parse an operand: a string, a number, True, False, None or a variable.
 * Returns 0 or -1 (reported).
 */
static int
tpl_parse_operand(struct tpl_parser *p, struct tpl_operand *o)
{
	struct tpl_token	*t = tpl_peek(p);
	const char		*s = p->src->text + t->off;
	char			 show[64];

	memset(o, 0, sizeof *o);
	o->id = -1;
	o->off = t->off;
	switch (t->type) {
	case TPL_TOK_STRING:
		o->literal = tpl_string_literal(s, t->len);
		break;
	case TPL_TOK_NUMBER:
		if ((o->literal = tpl_number_literal(s, t->len)) == NULL) {
			template_show(show, sizeof show, s, t->len);
			tpl_error(p, t->off, "number out of range '%s'", show);
			return (-1);
		}
		break;
	case TPL_TOK_NAME:
		if (tpl_is_keyword(p, t)) {
			tpl_expected(p, "an operand");
			return (-1);
		}
		if (tpl_is(p, t, "True"))
			o->literal = json_true();
		else if (tpl_is(p, t, "False"))
			o->literal = json_false();
		else if (tpl_is(p, t, "None"))
			o->literal = json_null();
		else {
			tpl_operand_path(o, s, t->len);
			o->id = p->nvars++;
		}
		break;
	default:
		tpl_expected(p, "an operand");
		return (-1);
	}
	p->ti++;
	return (0);
}

/* The filter named by a token, or NULL after reporting it. */
static const struct tpl_filter_def *
tpl_find_filter(struct tpl_parser *p, const struct tpl_token *t)
{
	const struct tpl_filter_def	*f, *best = NULL;
	char				 name[65];
	struct buf			 all;
	size_t				 i, dist, bestdist = SIZE_MAX;

	if (t->len < sizeof name) {
		memcpy(name, p->src->text + t->off, t->len);
		name[t->len] = '\0';
		if ((f = template_filter_find(name)) != NULL)
			return (f);
		for (i = 0; (f = template_filter_at(i)) != NULL; i++) {
			dist = levenshtein(name, f->name);
			if (dist < bestdist) {
				bestdist = dist;
				best = f;
			}
		}
	}
	template_show(name, sizeof name, p->src->text + t->off, t->len);
	if (best != NULL && bestdist <= 2 && bestdist < t->len) {
		tpl_error(p, t->off, "unknown filter '%s'; did you mean '%s'?",
		    name, best->name);
		return (NULL);
	}
	buf_init(&all);
	for (i = 0; (f = template_filter_at(i)) != NULL; i++) {
		if (i > 0)
			buf_adds(&all, template_filter_at(i + 1) == NULL ?
			    " and " : ", ");
		buf_adds(&all, f->name);
	}
	tpl_error(p, t->off, "unknown filter '%s'; Kong's filters are %s", name,
	    all.data);
	buf_free(&all);
	return (NULL);
}

/*
 * Parse a filter expression: an operand and its filters, each with an
 * optional argument. Returns NULL after reporting an error.
 */
static struct tpl_fexpr *
tpl_parse_fexpr(struct tpl_parser *p)
{
	struct tpl_fexpr		*fe;
	struct tpl_filter		*f;
	const struct tpl_filter_def	*def;
	struct tpl_token		*t;

	fe = xcalloc(1, sizeof *fe);
	if (tpl_parse_operand(p, &fe->base) == -1)
		goto fail;
	while (tpl_peek(p)->type == TPL_TOK_PIPE) {
		p->ti++;
		t = tpl_peek(p);
		if (!tpl_is_plain_name(p, t)) {
			tpl_expected(p, "a filter name");
			goto fail;
		}
		if ((def = tpl_find_filter(p, t)) == NULL)
			goto fail;
		p->ti++;
		fe->filters = tpl_grow(fe->filters, fe->nfilters,
		    sizeof *fe->filters);
		f = &fe->filters[fe->nfilters++];
		memset(f, 0, sizeof *f);
		f->def = def;
		f->arg.id = -1;
		if (def->handles_undefined)
			fe->quiet = 1;
		if (tpl_peek(p)->type == TPL_TOK_COLON) {
			if (def->arg == TPL_ARG_NONE) {
				tpl_error(p, t->off, "filter '%s' takes no "
				    "argument", def->name);
				goto fail;
			}
			p->ti++;
			if (tpl_parse_operand(p, &f->arg) == -1)
				goto fail;
			f->has_arg = 1;
		} else if (def->arg == TPL_ARG_REQUIRED) {
			tpl_error(p, t->off, "filter '%s' needs an argument, "
			    "as in %s", def->name, def->example);
			goto fail;
		}
	}
	return (fe);
fail:
	tpl_fexpr_free(fe);
	return (NULL);
}

/* Whether an infix operator is at the cursor: its op, power and tokens. */
static int
tpl_infix(struct tpl_parser *p, enum tpl_op *op, int *lbp, size_t *ntok)
{
	struct tpl_token	*t = tpl_peek(p);

	*ntok = 1;
	*lbp = 10;
	switch (t->type) {
	case TPL_TOK_EQ:
		*op = TPL_OP_EQ;
		return (1);
	case TPL_TOK_NE:
		*op = TPL_OP_NE;
		return (1);
	case TPL_TOK_LT:
		*op = TPL_OP_LT;
		return (1);
	case TPL_TOK_GT:
		*op = TPL_OP_GT;
		return (1);
	case TPL_TOK_LE:
		*op = TPL_OP_LE;
		return (1);
	case TPL_TOK_GE:
		*op = TPL_OP_GE;
		return (1);
	default:
		break;
	}
	if (tpl_is(p, t, "or")) {
		*op = TPL_OP_OR;
		*lbp = 6;
	} else if (tpl_is(p, t, "and")) {
		*op = TPL_OP_AND;
		*lbp = 7;
	} else if (tpl_is(p, t, "in")) {
		*op = TPL_OP_IN;
		*lbp = 9;
	} else if (tpl_is(p, t, "not") && tpl_is(p, tpl_peek2(p), "in")) {
		*op = TPL_OP_NOTIN;
		*lbp = 9;
		*ntok = 2;
	} else if (tpl_is(p, t, "is")) {
		*op = TPL_OP_IS;
		if (tpl_is(p, tpl_peek2(p), "not")) {
			*op = TPL_OP_ISNOT;
			*ntok = 2;
		}
	} else
		return (0);
	return (1);
}

static struct tpl_cond *
tpl_cond_new(enum tpl_op op, struct tpl_cond *l, struct tpl_cond *r)
{
	struct tpl_cond	*c;

	c = xcalloc(1, sizeof *c);
	c->op = op;
	c->l = l;
	c->r = r;
	c->depth = 1;
	if (l != NULL && l->depth >= c->depth)
		c->depth = l->depth + 1;
	if (r != NULL && r->depth >= c->depth)
		c->depth = r->depth + 1;
	return (c);
}

/*
 * Parse a condition by precedence climbing, with Django's binding powers:
 * or 6, and 7, not 8, in and not in 9, comparisons and is 10.
 */
static struct tpl_cond *
tpl_parse_cond(struct tpl_parser *p, int rbp)
{
	struct tpl_cond		*left = NULL, *right;
	struct tpl_fexpr	*fe;
	struct tpl_token	*t = tpl_peek(p);
	enum tpl_op		 op;
	int			 lbp;
	size_t			 n;

	if (++p->edepth > TPL_MAX_EXPR) {
		tpl_error(p, t->off, "condition nested too deeply (more "
		    "than %d levels)", TPL_MAX_EXPR);
		goto fail;
	}
	if (tpl_is(p, t, "not")) {
		p->ti++;
		if ((right = tpl_parse_cond(p, 8)) == NULL)
			goto fail;
		left = tpl_cond_new(TPL_OP_NOT, right, NULL);
	} else {
		if ((fe = tpl_parse_fexpr(p)) == NULL)
			goto fail;
		left = tpl_cond_new(TPL_OP_OPERAND, NULL, NULL);
		left->fe = fe;
	}
	while (tpl_infix(p, &op, &lbp, &n) && lbp > rbp) {
		t = tpl_peek(p);
		p->ti += n;
		if ((right = tpl_parse_cond(p, lbp)) == NULL)
			goto fail;
		left = tpl_cond_new(op, left, right);
		if (left->depth > TPL_MAX_EXPR) {
			tpl_error(p, t->off, "condition nested too deeply "
			    "(more than %d levels)", TPL_MAX_EXPR);
			goto fail;
		}
	}
	p->edepth--;
	return (left);
fail:
	p->edepth--;
	tpl_cond_free(left);
	return (NULL);
}

/* Parse the condition of an if or elif tag, up to the end of the tag. */
static struct tpl_cond *
tpl_parse_condition(struct tpl_parser *p)
{
	struct tpl_cond	*c;

	p->edepth = 0;
	if ((c = tpl_parse_cond(p, 0)) == NULL)
		return (NULL);
	if (tpl_expect_end(p) == -1) {
		tpl_cond_free(c);
		return (NULL);
	}
	return (c);
}

/*
 * The tree.
 */

static struct tpl_node *
tpl_node_new(struct tpl_parser *p, enum tpl_node_type type, size_t off)
{
	struct tpl_node	*n;

	n = xcalloc(1, sizeof *n);
	n->type = type;
	n->off = off;
	n->line = tpl_line(p->src, off);
	return (n);
}

static void
tpl_nodes_free(struct tpl_node *n)
{
	struct tpl_node		*next;
	struct tpl_branch	*b, *bnext;
	size_t			 i;

	for (; n != NULL; n = next) {
		next = n->next;
		for (i = 0; i < n->nexprs; i++)
			tpl_fexpr_free(n->exprs[i]);
		free(n->exprs);
		for (i = 0; i < n->nnames; i++)
			free(n->names[i]);
		free(n->names);
		for (b = n->branches; b != NULL; b = bnext) {
			bnext = b->next;
			tpl_cond_free(b->cond);
			tpl_nodes_free(b->body);
			free(b);
		}
		tpl_nodes_free(n->body);
		tpl_nodes_free(n->empty);
		free(n);
	}
}

static void
tpl_add_expr(struct tpl_node *n, struct tpl_fexpr *fe)
{
	n->exprs = tpl_grow(n->exprs, n->nexprs, sizeof *n->exprs);
	n->exprs[n->nexprs++] = fe;
}

static void
tpl_add_name(struct tpl_parser *p, struct tpl_node *n,
    const struct tpl_token *t)
{
	n->names = tpl_grow(n->names, n->nnames, sizeof *n->names);
	n->names[n->nnames++] = xstrndup(p->src->text + t->off, t->len);
}

static struct tpl_open *
tpl_top(struct tpl_parser *p)
{
	return (&p->stack[p->nstack - 1]);
}

/* Add a node to the innermost open block, or free it if that was dropped. */
static void
tpl_append(struct tpl_parser *p, struct tpl_node *n)
{
	struct tpl_open	*top = tpl_top(p);

	if (top->tail == NULL) {
		tpl_nodes_free(n);
		return;
	}
	*top->tail = n;
	top->tail = &n->next;
}

/* Add the text in [start, end) as a node. */
static void
tpl_add_text(struct tpl_parser *p, size_t start, size_t end)
{
	struct tpl_node	*n;

	if (end <= start)
		return;
	n = tpl_node_new(p, TPL_NODE_TEXT, start);
	n->text = p->src->text + start;
	n->len = end - start;
	tpl_append(p, n);
}

/*
 * Open a block for node n (NULL if its tag was bad: the block is still
 * matched with its end tag but its content is dropped).
 */
static void
tpl_open(struct tpl_parser *p, enum tpl_block kind, size_t off,
    struct tpl_node *n)
{
	struct tpl_open	*o;

	if (p->nstack > TPL_MAX_DEPTH) {
		if (!p->too_deep)
			tpl_error(p, off, "blocks nested more than %d deep",
			    TPL_MAX_DEPTH);
		p->too_deep = 1;
		tpl_nodes_free(n);
		n = NULL;
	}
	if (n != NULL && tpl_top(p)->tail == NULL) {
		tpl_nodes_free(n);
		n = NULL;
	}
	if (n != NULL)
		tpl_append(p, n);
	if (p->nstack == p->capstack) {
		p->capstack = p->capstack == 0 ? 16 : p->capstack * 2;
		p->stack = xreallocarray(p->stack, p->capstack,
		    sizeof *p->stack);
	}
	o = &p->stack[p->nstack++];
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->off = off;
	o->node = n;
	if (n == NULL)
		o->tail = NULL;
	else if (kind == TPL_BLOCK_IF) {
		o->tail = &n->branches->body;
		o->btail = &n->branches->next;
	}
	else
		o->tail = &n->body;
}

/* Close the innermost block of a kind at the end tag at off. */
static void
tpl_close(struct tpl_parser *p, enum tpl_block kind, size_t off)
{
	const char	*name = tpl_block_names[kind];
	size_t		 i, j;

	for (i = p->nstack - 1; i > 0; i--) {
		if (p->stack[i].kind == kind)
			break;
	}
	if (i == 0) {
		tpl_error(p, off, "{%% end%s %%} without a matching {%% %s %%}",
		    name, name);
		return;
	}
	for (j = p->nstack - 1; j > i; j--) {
		tpl_error(p, p->stack[j].off, "unclosed {%% %s %%}: expected "
		    "{%% end%s %%} before the {%% end%s %%} on line %d",
		    tpl_block_names[p->stack[j].kind],
		    tpl_block_names[p->stack[j].kind], name,
		    tpl_line(p->src, off));
	}
	p->nstack = i;
}

/*
 * Tags. Each is called with the cursor after the tag name, the offset of the
 * tag's "{%" and *pos after its "%}" (which comment and verbatim move on).
 */

static void
tpl_tag_if(struct tpl_parser *p, size_t off, size_t *pos KONG_UNUSED)
{
	struct tpl_cond	*c;
	struct tpl_node	*n = NULL;

	if (tpl_peek(p)->type == TPL_TOK_END)
		tpl_expected(p, "a condition");
	else if ((c = tpl_parse_condition(p)) != NULL) {
		n = tpl_node_new(p, TPL_NODE_IF, off);
		n->branches = xcalloc(1, sizeof *n->branches);
		n->branches->cond = c;
	}
	tpl_open(p, TPL_BLOCK_IF, off, n);
}

/* Add a branch to the innermost if (cond NULL for else). */
static void
tpl_if_branch(struct tpl_parser *p, struct tpl_cond *c, int ok)
{
	struct tpl_open		*top = tpl_top(p);
	struct tpl_branch	*b;

	if (top->node == NULL || !ok) {
		top->tail = NULL;
		tpl_cond_free(c);
		return;
	}
	b = *top->btail = xcalloc(1, sizeof *b);
	b->cond = c;
	top->tail = &b->body;
	top->btail = &b->next;
}

/* Whether the innermost block is an if that can take another branch. */
static int
tpl_in_if(struct tpl_parser *p, size_t off, const char *tag)
{
	struct tpl_open	*top = tpl_top(p);

	if (top->kind == TPL_BLOCK_FOR && strcmp(tag, "else") == 0) {
		tpl_error(p, off, "{%% else %%} in {%% for %%}; did you mean "
		    "{%% empty %%}?");
		return (0);
	}
	if (top->kind != TPL_BLOCK_IF) {
		tpl_error(p, off, "{%% %s %%} outside {%% if %%}", tag);
		return (0);
	}
	if (top->seen_else) {
		if (strcmp(tag, "else") == 0)
			tpl_error(p, off, "second {%% else %%} in {%% if %%}");
		else
			tpl_error(p, off, "{%% elif %%} after {%% else %%}");
		return (0);
	}
	return (1);
}

static void
tpl_tag_elif(struct tpl_parser *p, size_t off, size_t *pos KONG_UNUSED)
{
	struct tpl_cond	*c = NULL;
	int		 ok = 0;

	if (!tpl_in_if(p, off, "elif"))
		return;
	if (tpl_peek(p)->type == TPL_TOK_END)
		tpl_expected(p, "a condition");
	else if ((c = tpl_parse_condition(p)) != NULL)
		ok = 1;
	tpl_if_branch(p, c, ok);
}

static void
tpl_tag_else(struct tpl_parser *p, size_t off, size_t *pos KONG_UNUSED)
{
	int	ok = 1;

	if (!tpl_in_if(p, off, "else"))
		return;
	if (tpl_is(p, tpl_peek(p), "if")) {
		tpl_error(p, tpl_peek(p)->off, "use {%% elif %%} instead of "
		    "{%% else if %%}");
		ok = 0;
	} else if (tpl_expect_end(p) == -1)
		ok = 0;
	tpl_if_branch(p, NULL, ok);
	tpl_top(p)->seen_else = 1;
}

static void
tpl_tag_endif(struct tpl_parser *p, size_t off, size_t *pos KONG_UNUSED)
{
	tpl_expect_end(p);
	tpl_close(p, TPL_BLOCK_IF, off);
}

static void
tpl_tag_for(struct tpl_parser *p, size_t off, size_t *pos KONG_UNUSED)
{
	struct tpl_node		*n;
	struct tpl_fexpr	*fe;
	struct tpl_token	*t;
	char			 show[64];

	n = tpl_node_new(p, TPL_NODE_FOR, off);
	for (;;) {
		t = tpl_peek(p);
		if (t->type != TPL_TOK_NAME || tpl_is_keyword(p, t)) {
			tpl_expected(p, "a loop variable");
			goto fail;
		}
		if (!tpl_is_plain_name(p, t)) {
			tpl_show_token(p, t, show, sizeof show);
			tpl_error(p, t->off, "invalid loop variable '%s'",
			    show);
			goto fail;
		}
		if (n->nnames == TPL_MAX_NAMES) {
			tpl_error(p, t->off, "too many loop variables (at most "
			    "%d)", TPL_MAX_NAMES);
			goto fail;
		}
		tpl_add_name(p, n, t);
		p->ti++;
		if (tpl_peek(p)->type != TPL_TOK_COMMA)
			break;
		p->ti++;
	}
	if (!tpl_is(p, tpl_peek(p), "in")) {
		tpl_expected(p, "'in'");
		goto fail;
	}
	p->ti++;
	if ((fe = tpl_parse_fexpr(p)) == NULL)
		goto fail;
	tpl_add_expr(n, fe);
	if (tpl_is(p, tpl_peek(p), "reversed")) {
		n->reversed = 1;
		p->ti++;
	}
	if (tpl_expect_end(p) == -1)
		goto fail;
	/* "x.items" over an object can be walked without building pairs. */
	if (fe->nfilters == 0 && fe->base.ncomp >= 2 &&
	    strcmp(fe->base.comp[fe->base.ncomp - 1], "items") == 0)
		n->items = 1;
	tpl_open(p, TPL_BLOCK_FOR, off, n);
	return;
fail:
	tpl_nodes_free(n);
	tpl_open(p, TPL_BLOCK_FOR, off, NULL);
}

static void
tpl_tag_empty(struct tpl_parser *p, size_t off, size_t *pos KONG_UNUSED)
{
	struct tpl_open	*top = tpl_top(p);

	if (top->kind != TPL_BLOCK_FOR) {
		tpl_error(p, off, "{%% empty %%} outside {%% for %%}");
		return;
	}
	if (top->seen_else) {
		tpl_error(p, off, "second {%% empty %%} in {%% for %%}");
		top->tail = NULL;
		return;
	}
	top->seen_else = 1;
	if (tpl_expect_end(p) == -1 || top->node == NULL)
		top->tail = NULL;
	else
		top->tail = &top->node->empty;
}

static void
tpl_tag_endfor(struct tpl_parser *p, size_t off, size_t *pos KONG_UNUSED)
{
	tpl_expect_end(p);
	tpl_close(p, TPL_BLOCK_FOR, off);
}

static void
tpl_tag_with(struct tpl_parser *p, size_t off, size_t *pos KONG_UNUSED)
{
	struct tpl_node		*n;
	struct tpl_fexpr	*fe;
	struct tpl_token	*t;
	char			 show[64];

	n = tpl_node_new(p, TPL_NODE_WITH, off);
	t = tpl_peek(p);
	if (t->type == TPL_TOK_NAME && tpl_peek2(p)->type == TPL_TOK_ASSIGN) {
		/* {% with a=x b=y %} */
		while ((t = tpl_peek(p))->type != TPL_TOK_END) {
			if (t->type != TPL_TOK_NAME ||
			    tpl_peek2(p)->type != TPL_TOK_ASSIGN) {
				tpl_expected(p, "'name=value'");
				goto fail;
			}
			if (!tpl_is_plain_name(p, t)) {
				tpl_show_token(p, t, show, sizeof show);
				tpl_error(p, t->off, "invalid name '%s'", show);
				goto fail;
			}
			if (n->nnames == TPL_MAX_NAMES) {
				tpl_error(p, t->off, "too many names in "
				    "{%% with %%} (at most %d)", TPL_MAX_NAMES);
				goto fail;
			}
			tpl_add_name(p, n, t);
			p->ti += 2;
			if ((fe = tpl_parse_fexpr(p)) == NULL)
				goto fail;
			tpl_add_expr(n, fe);
		}
	} else {
		/* {% with x as a %} */
		if (t->type == TPL_TOK_END) {
			tpl_expected(p, "'name=value'");
			goto fail;
		}
		if ((fe = tpl_parse_fexpr(p)) == NULL)
			goto fail;
		tpl_add_expr(n, fe);
		if (!tpl_is(p, tpl_peek(p), "as")) {
			tpl_expected(p, "'as'");
			goto fail;
		}
		p->ti++;
		t = tpl_peek(p);
		if (!tpl_is_plain_name(p, t)) {
			tpl_expected(p, "a name");
			goto fail;
		}
		tpl_add_name(p, n, t);
		p->ti++;
		if (tpl_expect_end(p) == -1)
			goto fail;
	}
	tpl_open(p, TPL_BLOCK_WITH, off, n);
	return;
fail:
	tpl_nodes_free(n);
	tpl_open(p, TPL_BLOCK_WITH, off, NULL);
}

static void
tpl_tag_endwith(struct tpl_parser *p, size_t off, size_t *pos KONG_UNUSED)
{
	tpl_expect_end(p);
	tpl_close(p, TPL_BLOCK_WITH, off);
}

static void
tpl_tag_firstof(struct tpl_parser *p, size_t off, size_t *pos KONG_UNUSED)
{
	struct tpl_node		*n;
	struct tpl_fexpr	*fe;

	n = tpl_node_new(p, TPL_NODE_FIRSTOF, off);
	if (tpl_peek(p)->type == TPL_TOK_END) {
		tpl_expected(p, "an operand");
		goto fail;
	}
	while (tpl_peek(p)->type != TPL_TOK_END) {
		if (tpl_is(p, tpl_peek(p), "as")) {
			tpl_error(p, tpl_peek(p)->off, "{%% firstof ... as %%} "
			    "is not supported; use {%% with %%}");
			goto fail;
		}
		if ((fe = tpl_parse_fexpr(p)) == NULL)
			goto fail;
		tpl_add_expr(n, fe);
	}
	tpl_append(p, n);
	return;
fail:
	tpl_nodes_free(n);
}

static void
tpl_tag_templatetag(struct tpl_parser *p, size_t off, size_t *pos KONG_UNUSED)
{
	static const char *const names[] = {
		"openblock", "{%", "closeblock", "%}",
		"openvariable", "{{", "closevariable", "}}",
		"openbrace", "{", "closebrace", "}",
		"opencomment", "{#", "closecomment", "#}",
	};
	struct tpl_token	*t = tpl_peek(p);
	struct tpl_node		*n;
	char			 show[64];
	size_t			 i;

	for (i = 0; i < nitems(names); i += 2) {
		if (tpl_is(p, t, names[i]))
			break;
	}
	if (i == nitems(names)) {
		if (t->type == TPL_TOK_END)
			snprintf(show, sizeof show, "%s", "");
		else
			tpl_show_token(p, t, show, sizeof show);
		tpl_error(p, t->off, "unknown templatetag '%s'; expected "
		    "openblock, closeblock, openvariable, closevariable, "
		    "openbrace, closebrace, opencomment or closecomment", show);
		return;
	}
	p->ti++;
	if (tpl_expect_end(p) == -1)
		return;
	n = tpl_node_new(p, TPL_NODE_TEXT, off);
	n->text = names[i + 1];
	n->len = strlen(n->text);
	tpl_append(p, n);
}

static size_t tpl_find_open(struct tpl_parser *, size_t, int);
static size_t tpl_find_close(struct tpl_parser *, size_t, int);

/* Strip spaces around text[*start, *end). */
static void
tpl_strip(const char *text, size_t *start, size_t *end)
{
	while (*start < *end && strchr(" \t\r\f\v", text[*start]) != NULL)
		(*start)++;
	while (*end > *start && strchr(" \t\r\f\v", text[*end - 1]) != NULL)
		(*end)--;
}

/*
 * Find the next tag from *pos whose stripped content is want (wlen bytes
 * after prefix "end"); returns its "{%" and moves *pos past it, or returns
 * SIZE_MAX. Other tags are skipped whole, as Django's lexer does.
 */
static size_t
tpl_find_end(struct tpl_parser *p, size_t *pos, const char *want, size_t wlen)
{
	const char	*text = p->src->text;
	size_t		 o, c, s, e;

	for (o = *pos; (o = tpl_find_open(p, o, 1)) < p->src->len; ) {
		if ((c = tpl_find_close(p, o, 1)) == SIZE_MAX) {
			o += 2;
			continue;
		}
		s = o + 2;
		e = c;
		tpl_strip(text, &s, &e);
		if (e - s == wlen + 3 && memcmp(text + s, "end", 3) == 0 &&
		    memcmp(text + s + 3, want, wlen) == 0) {
			*pos = c + 2;
			return (o);
		}
		o = c + 2;
	}
	return (SIZE_MAX);
}

static void
tpl_tag_comment(struct tpl_parser *p, size_t off, size_t *pos)
{
	if (tpl_find_end(p, pos, "comment", 7) == SIZE_MAX) {
		tpl_error(p, off, "unclosed {%% comment %%}: expected "
		    "{%% endcomment %%}");
		*pos = p->src->len;
	}
}

static void
tpl_tag_verbatim(struct tpl_parser *p, size_t off, size_t *pos)
{
	const char	*text = p->src->text;
	struct tpl_node	*n;
	size_t		 start = *pos, s, e, end;

	/* {% verbatim x %} ends at {% endverbatim x %}. */
	s = off + 2;
	e = start - 2;
	tpl_strip(text, &s, &e);
	if ((end = tpl_find_end(p, pos, text + s, e - s)) == SIZE_MAX) {
		tpl_error(p, off, "unclosed {%% verbatim %%}: expected "
		    "{%% end%.*s %%}", (int)(e - s), text + s);
		*pos = p->src->len;
		return;
	}
	if (end > start) {
		n = tpl_node_new(p, TPL_NODE_TEXT, start);
		n->text = text + start;
		n->len = end - start;
		tpl_append(p, n);
	}
}

static void
tpl_tag_stray(struct tpl_parser *p, size_t off, size_t *pos KONG_UNUSED)
{
	const char	*name = p->src->text + p->tok[0].off;
	int		 len = (int)p->tok[0].len;

	tpl_error(p, off, "{%% %.*s %%} without a matching {%% %.*s %%}", len,
	    name, len - 3, name + 3);
}

static const struct tpl_tag {
	const char	*name;
	void		(*parse)(struct tpl_parser *, size_t, size_t *);
} tpl_tags[] = {
	{ "if", tpl_tag_if },
	{ "elif", tpl_tag_elif },
	{ "else", tpl_tag_else },
	{ "endif", tpl_tag_endif },
	{ "for", tpl_tag_for },
	{ "empty", tpl_tag_empty },
	{ "endfor", tpl_tag_endfor },
	{ "with", tpl_tag_with },
	{ "endwith", tpl_tag_endwith },
	{ "comment", tpl_tag_comment },
	{ "endcomment", tpl_tag_stray },
	{ "verbatim", tpl_tag_verbatim },
	{ "endverbatim", tpl_tag_stray },
	{ "firstof", tpl_tag_firstof },
	{ "templatetag", tpl_tag_templatetag },
};

/* Parse the tag whose "{%" is at off and content ends at end. */
static void
tpl_parse_tag(struct tpl_parser *p, size_t off, size_t end, size_t *pos)
{
	const struct tpl_tag	*tag, *best = NULL;
	struct tpl_token	*t;
	char			 name[64];
	size_t			 i, dist, bestdist = SIZE_MAX;

	if (tpl_lex(p, off + 2, end) == -1)
		return;
	t = tpl_peek(p);
	if (t->type == TPL_TOK_END) {
		tpl_error(p, off, "empty tag '{%% %%}'");
		return;
	}
	if (t->type != TPL_TOK_NAME) {
		tpl_show_token(p, t, name, sizeof name);
		tpl_error(p, t->off, "expected a tag name after '{%%', found "
		    "'%s'", name);
		return;
	}
	for (i = 0; i < nitems(tpl_tags); i++) {
		tag = &tpl_tags[i];
		if (tpl_is(p, t, tag->name)) {
			p->ti++;
			tag->parse(p, off, pos);
			return;
		}
	}
	tpl_show_token(p, t, name, sizeof name);
	if (t->len < 64) {
		for (i = 0; i < nitems(tpl_tags); i++) {
			dist = levenshtein(name, tpl_tags[i].name);
			if (dist < bestdist) {
				bestdist = dist;
				best = &tpl_tags[i];
			}
		}
	}
	if (best != NULL && bestdist <= 2 && bestdist < t->len) {
		tpl_error(p, t->off, "unknown tag '%s'; did you mean '%s'?",
		    name, best->name);
	} else {
		tpl_error(p, t->off, "unknown tag '%s'; Kong supports if, "
		    "elif, else, for, empty, with, comment, verbatim, firstof "
		    "and templatetag", name);
	}
}

/* Parse the {{ }} whose "{{" is at off and content ends at end. */
static void
tpl_parse_var(struct tpl_parser *p, size_t off, size_t end)
{
	struct tpl_fexpr	*fe;
	struct tpl_node		*n;

	if (tpl_lex(p, off + 2, end) == -1)
		return;
	if (tpl_peek(p)->type == TPL_TOK_END) {
		tpl_error(p, off, "empty variable '{{ }}'");
		return;
	}
	if ((fe = tpl_parse_fexpr(p)) == NULL)
		return;
	if (tpl_expect_end(p) == -1) {
		tpl_fexpr_free(fe);
		return;
	}
	n = tpl_node_new(p, TPL_NODE_VAR, off);
	tpl_add_expr(n, fe);
	tpl_append(p, n);
}

/*
 * The next "{{" (kind 0), "{%" (1) or "{#" (2) at or after pos, and its kind;
 * kind -1 finds any. Returns the text's length if there is none.
 */
static size_t
tpl_find_open(struct tpl_parser *p, size_t pos, int kind)
{
	const char	*text = p->src->text, *q;
	size_t		 len = p->src->len;

	while (pos + 1 < len) {
		if ((q = memchr(text + pos, '{', len - pos - 1)) == NULL)
			break;
		pos = (size_t)(q - text);
		if (kind == -1 ? strchr("{%#", q[1]) != NULL && q[1] != '\0' :
		    q[1] == "{%#"[kind])
			return (pos);
		pos++;
	}
	return (len);
}

/*
 * The closer of the opener of a kind at o, on the same line, or SIZE_MAX.
 * A failed search is remembered up to the end of its line, so that a line
 * full of openers costs linear time.
 */
static size_t
tpl_find_close(struct tpl_parser *p, size_t o, int kind)
{
	const char	*text = p->src->text;
	size_t		 len = p->src->len, i;
	char		 c = "}%#"[kind];

	if (o < p->no_close[kind])
		return (SIZE_MAX);
	for (i = o + 2; i < len && text[i] != '\n'; i++) {
		if (text[i] == c && i + 1 < len && text[i + 1] == '}')
			return (i);
	}
	p->no_close[kind] = i;
	return (SIZE_MAX);
}

/* Parse a template. Errors are added to d; returns NULL if there were any. */
struct template *
template_parse(struct source *src, struct diag *d)
{
	static const char *const openers[] = { "{{", "{%", "{#" };
	static const char *const closers[] = { "}}", "%}", "#}" };
	struct tpl_parser	 p;
	struct template		*t;
	struct tpl_node		*root = NULL;
	size_t			 pos = 0, o, c, i;
	int			 kind;

	memset(&p, 0, sizeof p);
	p.src = src;
	p.d = d;
	tpl_open(&p, TPL_BLOCK_ROOT, 0, NULL);
	p.stack[0].tail = &root;

	while (!tpl_give_up(&p)) {
		o = tpl_find_open(&p, pos, -1);
		tpl_add_text(&p, pos, o);
		if (o >= src->len) {
			pos = o;
			break;
		}
		kind = src->text[o + 1] == '{' ? 0 :
		    src->text[o + 1] == '%' ? 1 : 2;
		if ((c = tpl_find_close(&p, o, kind)) == SIZE_MAX) {
			tpl_error(&p, o, "unterminated '%s': no '%s' on the "
			    "same line%s", openers[kind], closers[kind],
			    kind == 2 ? " (use {% comment %} for comments over "
			    "several lines)" : "");
			pos = o + 2;
			continue;
		}
		pos = c + 2;
		if (kind == 0)
			tpl_parse_var(&p, o, c);
		else if (kind == 1)
			tpl_parse_tag(&p, o, c, &pos);
	}
	if (!tpl_give_up(&p)) {
		for (i = 1; i < p.nstack; i++) {
			tpl_error(&p, p.stack[i].off, "unclosed {%% %s %%}: "
			    "expected {%% end%s %%}",
			    tpl_block_names[p.stack[i].kind],
			    tpl_block_names[p.stack[i].kind]);
		}
	}
	free(p.stack);
	free(p.tok);
	if (p.nerrors > 0) {
		tpl_nodes_free(root);
		return (NULL);
	}
	t = xcalloc(1, sizeof *t);
	t->src = source_ref(src);
	t->root = root;
	t->nvars = p.nvars;
	return (t);
}

/* Free a template; NULL is allowed. */
void
template_free(struct template *t)
{
	if (t == NULL)
		return;
	tpl_nodes_free(t->root);
	source_unref(t->src);
	free(t);
}

/*
 * The variables a template reads (template_foreach_var). The tree is walked
 * with the names that {% for %} and {% with %} bind on a stack: a use of such
 * a name stands for the path its value came from, so that every path
 * reported starts at the context. Each path is reported once, in the order
 * of the text.
 */

/* A name bound by a for or with, and the path it stands for. */
struct tpl_bind {
	const char	*name;
	char		*path;		/* NULL: not a context path */
	int		 alias;		/* with x=a.b: x.c is a.b.c */
	int		 loop;		/* a for: forloop is bound too */
};

struct tpl_vars {
	void		(*cb)(const char *, void *);
	void		 *arg;
	json_t		 *seen;
	struct tpl_bind	 *binds;
	size_t		  nbinds;
};

static void
tpl_vars_report(struct tpl_vars *v, const char *path)
{
	if (json_object_get(v->seen, path) != NULL)
		return;
	json_object_set_new(v->seen, path, json_true());
	v->cb(path, v->arg);
}

/*
 * The context path an operand reads, or NULL (a literal, forloop, or a name
 * bound to something else). Caller frees.
 */
static char *
tpl_vars_path(struct tpl_vars *v, const struct tpl_operand *o)
{
	const struct tpl_bind	*b;
	const char		*rest;
	size_t			 i;

	if (o->literal != NULL)
		return (NULL);
	for (i = v->nbinds; i-- > 0; ) {
		b = &v->binds[i];
		if (b->loop && strcmp(o->comp[0], "forloop") == 0)
			return (NULL);
		if (b->name == NULL || strcmp(b->name, o->comp[0]) != 0)
			continue;
		if (b->path == NULL)
			return (NULL);
		rest = o->name + strlen(o->comp[0]);
		return (b->alias ? xstrfmt("%s%s", b->path, rest) :
		    xstrdup(b->path));
	}
	return (xstrdup(o->name));
}

static void
tpl_vars_operand(struct tpl_vars *v, const struct tpl_operand *o)
{
	char	*path;

	if ((path = tpl_vars_path(v, o)) != NULL)
		tpl_vars_report(v, path);
	free(path);
}

static void
tpl_vars_fexpr(struct tpl_vars *v, const struct tpl_fexpr *fe)
{
	size_t	i;

	tpl_vars_operand(v, &fe->base);
	for (i = 0; i < fe->nfilters; i++) {
		if (fe->filters[i].has_arg)
			tpl_vars_operand(v, &fe->filters[i].arg);
	}
}

static void
tpl_vars_cond(struct tpl_vars *v, const struct tpl_cond *c)
{
	if (c == NULL)
		return;
	if (c->fe != NULL)
		tpl_vars_fexpr(v, c->fe);
	tpl_vars_cond(v, c->l);
	tpl_vars_cond(v, c->r);
}

/* Bind the names of a for or with node; returns how many frames it took. */
static size_t
tpl_vars_bind(struct tpl_vars *v, const struct tpl_node *n)
{
	struct tpl_bind	*b;
	size_t		 i, k, nb = n->nnames + (n->type == TPL_NODE_FOR);

	v->binds = xreallocarray(v->binds, v->nbinds + nb, sizeof *v->binds);
	for (i = 0; i < nb; i++) {
		b = &v->binds[v->nbinds + i];
		memset(b, 0, sizeof *b);
		if (i == n->nnames) {
			/* As in the render, forloop wins over a loop's names. */
			b->loop = 1;
			continue;
		}
		k = n->type == TPL_NODE_FOR ? 0 : i;
		b->name = n->names[i];
		/* Paths are resolved in the outer scope, before binding. */
		b->path = tpl_vars_path(v, &n->exprs[k]->base);
		b->alias = n->type == TPL_NODE_WITH && n->exprs[k]->nfilters == 0;
	}
	v->nbinds += nb;
	return (nb);
}

static void
tpl_vars_unbind(struct tpl_vars *v, size_t nb)
{
	while (nb-- > 0)
		free(v->binds[--v->nbinds].path);
}

static void
tpl_vars_nodes(struct tpl_vars *v, const struct tpl_node *n)
{
	const struct tpl_branch	*br;
	size_t			 i, nb;

	for (; n != NULL; n = n->next) {
		switch (n->type) {
		case TPL_NODE_TEXT:
			break;
		case TPL_NODE_VAR:
		case TPL_NODE_FIRSTOF:
			for (i = 0; i < n->nexprs; i++)
				tpl_vars_fexpr(v, n->exprs[i]);
			break;
		case TPL_NODE_IF:
			for (br = n->branches; br != NULL; br = br->next) {
				tpl_vars_cond(v, br->cond);
				tpl_vars_nodes(v, br->body);
			}
			break;
		case TPL_NODE_FOR:
			tpl_vars_fexpr(v, n->exprs[0]);
			nb = tpl_vars_bind(v, n);
			tpl_vars_nodes(v, n->body);
			tpl_vars_unbind(v, nb);
			tpl_vars_nodes(v, n->empty);
			break;
		case TPL_NODE_WITH:
			for (i = 0; i < n->nexprs; i++)
				tpl_vars_fexpr(v, n->exprs[i]);
			nb = tpl_vars_bind(v, n);
			tpl_vars_nodes(v, n->body);
			tpl_vars_unbind(v, nb);
			break;
		}
	}
}

/*
 * Call cb once for each variable path the template reads, as seen from the
 * context: a name bound by {% for %} stands for the path it iterates over, one
 * bound by {% with %} for the path of its value.
 */
void
template_foreach_var(const struct template *t,
    void (*cb)(const char *, void *), void *arg)
{
	struct tpl_vars	v;

	memset(&v, 0, sizeof v);
	v.cb = cb;
	v.arg = arg;
	v.seen = json_object();
	tpl_vars_nodes(&v, t->root);
	free(v.binds);
	json_decref(v.seen);
}
