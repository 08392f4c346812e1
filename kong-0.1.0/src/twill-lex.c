/*
 * twill-lex.c: splitting a Twill line into a command and its arguments.
 *
 * Twill's grammar as Kong reads it (docs/twill.md, "Script syntax"; D1,
 * D3, D4): a line is a command word and arguments separated by spaces or
 * tabs; an argument is a quoted string ("..." or '...', where backslash
 * pairs and doubled quotes do not end it and nothing is unescaped) or a run
 * of other characters; '#' starts a comment at the start of the line or
 * after whitespace; UTF-8 is accepted anywhere. Anything that does not lex
 * is an error at its column.
 *
 * Each argument is then analysed for run-time substitution: a whole
 * "__name" or "$name", or "${name}" pieces inside; only plain names.
 */
#include <ctype.h>

#include "twill-int.h"

/* Whether c can be part of a command word or name (UTF-8 bytes included). */
static int
lex_word_char(unsigned char c)
{
	return (isalnum(c) || c == '_' || c >= 0x80);
}

/* Whether s[0..len) is a plain name: a letter or _, then letters, digits, _. */
int
twill_name_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || (!isalpha((unsigned char)s[0]) && s[0] != '_'))
		return (0);
	for (i = 1; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return (0);
	}
	return (1);
}

/*
 * Scan a quoted string starting at p (the opening quote) like twill's
 * pyparsing expression: the longest match of quote, then any of
 * (not quote, backslash or newline) | backslash+char | doubled quote, then
 * quote. Returns the offset just past the closing quote, or 0.
 */
static size_t
lex_quoted(const char *p, size_t len)
{
	char	q = p[0];
	size_t	i = 1, last = 0;

	while (i < len) {
		if (p[i] == '\\' && i + 1 < len) {
			i += 2;
			continue;
		}
		if (p[i] == q) {
			if (i + 1 < len && p[i + 1] == q) {
				last = i + 1;	/* could close here, or go on */
				i += 2;
				continue;
			}
			return (i + 1);
		}
		i++;
	}
	return (last);
}

/* Turn every backslash-n into a newline, as twill does to every argument. */
char *
twill_newlines(const char *s)
{
	char	*out, *o;

	out = o = xmalloc(strlen(s) + 1);
	while (*s != '\0') {
		if (s[0] == '\\' && s[1] == 'n') {
			*o++ = '\n';
			s += 2;
		} else
			*o++ = *s++;
	}
	*o = '\0';
	return (out);
}

/* Analyse one argument's text for substitution. Returns 0 or -1. */
static int
lex_arg(struct source *src, struct arg *a, const char *t, size_t tlen,
    size_t off, struct diag *d)
{
	const char	*p, *open, *close, *e = t + tlen;
	size_t		 base = off + (a->quoted ? 1 : 0);

	a->text = xstrndup(t, tlen);
	if (tlen >= 2 && t[0] == '_' && t[1] == '_') {
		if (!twill_name_ok(t, tlen)) {
			diag_at(d, DIAG_ERROR, src, base, "'%s' is a Python "
			    "expression; Kong substitutes only plain names "
			    "(__name, $name, ${name})", a->text);
			return (-1);
		}
		a->kind = ARG_DUNDER;
		a->name = xstrdup(a->text);
		return (0);
	}
	if (tlen >= 1 && t[0] == '$' && (tlen < 2 || t[1] != '{')) {
		if (tlen == 1) {
			diag_at(d, DIAG_ERROR, src, base, "a lone '$' names no "
			    "variable; write $name or ${name}");
			return (-1);
		}
		if (!twill_name_ok(t + 1, tlen - 1)) {
			diag_at(d, DIAG_ERROR, src, base, "'%s' is not a plain "
			    "variable name; Kong substitutes only $name, ${name} "
			    "and __name (an argument that starts with $ is "
			    "always a variable reference, as in twill)", a->text);
			return (-1);
		}
		a->kind = ARG_DOLLAR;
		a->name = xstrdup(a->text + 1);
		return (0);
	}

	/* ${name} pieces, each up to the first '}'. */
	p = t;
	while ((open = memmem(p, (size_t)(e - p), "${", 2)) != NULL) {
		close = memchr(open + 2, '}', (size_t)(e - open - 2));
		if (close == NULL)
			break;		/* an unclosed ${ is literal */
		if (close == open + 2) {
			diag_at(d, DIAG_ERROR, src, base + (size_t)(open - t),
			    "'${}' names no variable");
			return (-1);
		}
		if (!twill_name_ok(open + 2, (size_t)(close - open - 2))) {
			diag_at(d, DIAG_ERROR, src, base + (size_t)(open - t) + 2,
			    "'%.*s' is not a plain variable name; Kong "
			    "substitutes only plain names in ${...}",
			    (int)(close - open - 2), open + 2);
			return (-1);
		}
		if (open > p) {
			a->pieces = xreallocarray(a->pieces, a->npieces + 1,
			    sizeof *a->pieces);
			a->pieces[a->npieces].text = xstrndup(p,
			    (size_t)(open - p));
			a->pieces[a->npieces++].is_name = 0;
		}
		a->pieces = xreallocarray(a->pieces, a->npieces + 1,
		    sizeof *a->pieces);
		a->pieces[a->npieces].text = xstrndup(open + 2,
		    (size_t)(close - open - 2));
		a->pieces[a->npieces++].is_name = 1;
		p = close + 1;
	}
	if (a->npieces == 0) {
		char *lit = twill_newlines(a->text);

		free(a->text);
		a->text = lit;
		a->kind = ARG_LITERAL;
		return (0);
	}
	if (p < e) {
		a->pieces = xreallocarray(a->pieces, a->npieces + 1,
		    sizeof *a->pieces);
		a->pieces[a->npieces].text = xstrndup(p, (size_t)(e - p));
		a->pieces[a->npieces++].is_name = 0;
	}
	a->kind = ARG_PIECES;
	return (0);
}

/* Free an argument's contents. */
void
twill_arg_clear(struct arg *a)
{
	size_t	i;

	free(a->text);
	free(a->name);
	for (i = 0; i < a->npieces; i++)
		free(a->pieces[i].text);
	free(a->pieces);
	memset(a, 0, sizeof *a);
}

/*
 * Lex the line of src starting at offset start with length len. Fills l
 * with the command word and arguments; returns 1 for a command, 0 for a
 * blank or comment line, -1 after reporting errors.
 */
int
twill_lex_line(struct source *src, size_t start, size_t len,
    struct lexed_line *l, struct diag *d)
{
	const char	*line = src->text + start, *p, *e;
	size_t		 i, n, valid;
	int		 errors = 0;

	memset(l, 0, sizeof *l);
	e = line + len;
	while (e > line && isspace((unsigned char)e[-1]))
		e--;
	for (p = line; p < e && isspace((unsigned char)*p); p++)
		;
	if (p == e || *p == '#')
		return (0);

	/* Text problems first: they make everything after them unreliable. */
	valid = utf8_valid_prefix(p, (size_t)(e - p));
	if (valid < (size_t)(e - p)) {
		diag_at(d, DIAG_ERROR, src, (size_t)(p - src->text) + valid,
		    "invalid UTF-8 byte 0x%02x; scripts are UTF-8 text",
		    (unsigned char)p[valid]);
		return (-1);
	}
	for (i = 0; i < (size_t)(e - p); i++) {
		if ((unsigned char)p[i] < 0x20 && p[i] != '\t') {
			diag_at(d, DIAG_ERROR, src, (size_t)(p - src->text) + i,
			    "control character 0x%02x in a script line",
			    (unsigned char)p[i]);
			return (-1);
		}
		if (p[i] == 0x7f) {
			diag_at(d, DIAG_ERROR, src, (size_t)(p - src->text) + i,
			    "control character 0x7f in a script line");
			return (-1);
		}
	}

	l->off = (size_t)(p - src->text);
	l->text = xstrndup(p, (size_t)(e - p));
	if (!isalpha((unsigned char)*p) && *p != '_' &&
	    (unsigned char)*p < 0x80) {
		diag_at(d, DIAG_ERROR, src, l->off, "expected a command name "
		    "(a letter or _ first), found '%c'", *p);
		return (-1);
	}
	for (n = 0; p + n < e && lex_word_char((unsigned char)p[n]); n++)
		;
	l->cmd = xstrndup(p, n);
	p += n;

	for (;;) {
		const char	*q = p;
		struct arg	*a;
		size_t		 end;

		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p == e)
			break;
		if (*p == '#' && p > q)
			break;		/* a comment to the end of the line */
		l->args = xreallocarray(l->args, l->nargs + 1, sizeof *l->args);
		a = &l->args[l->nargs];
		memset(a, 0, sizeof *a);
		a->off = (size_t)(p - src->text);
		if (*p == '"' || *p == '\'') {
			if ((end = lex_quoted(p, (size_t)(e - p))) == 0) {
				diag_at(d, DIAG_ERROR, src, a->off, "unterminated "
				    "string: no closing %c on this line", *p);
				errors++;
				break;
			}
			a->quoted = 1;
			l->nargs++;
			if (lex_arg(src, a, p + 1, end - 2, a->off, d) != 0)
				errors++;
			p += end;
		} else {
			for (end = 0; p + end < e && p[end] != ' ' &&
			    p[end] != '\t' && p[end] != '"' && p[end] != '\'';
			    end++)
				;
			l->nargs++;
			if (lex_arg(src, a, p, end, a->off, d) != 0)
				errors++;
			p += end;
		}
	}
	return (errors > 0 ? -1 : 1);
}

/* Free a lexed line's contents. */
void
twill_lexed_clear(struct lexed_line *l)
{
	size_t	i;

	for (i = 0; i < l->nargs; i++)
		twill_arg_clear(&l->args[i]);
	free(l->args);
	free(l->cmd);
	free(l->text);
	memset(l, 0, sizeof *l);
}
