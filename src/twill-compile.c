/*
 * twill-compile.c: compiling a Twill script into a program.
 *
 * Each command line becomes one instruction. The compiler resolves the
 * command name (aliases included), checks the number of arguments, and
 * checks every argument it can check before anything runs: regexes (which
 * it compiles once, with JIT), XPath expressions, integers, find's flags,
 * show's word, config's keys. Arguments holding variables are checked when
 * they run. All errors of a script are reported in one pass (capped) and
 * then nothing runs: a checker that skips a line it cannot read would
 * report a false pass.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>

#include <libxml/xpath.h>
#include <libxml/xmlerror.h>

#include "map.h"
#include "page.h"
#include "twill-int.h"

const struct op_info op_table[OP__COUNT] = {
#define TWILL_INFO(e, f, n, mn, mx, fl) [OP_##e] = { n, mn, mx, fl },
	TWILL_COMMANDS(TWILL_INFO)
#undef TWILL_INFO
};

/* Other names twill accepts for the same commands. */
static const struct {
	const char	*name;
	enum op		 op;
} twill_aliases[] = {
	{ "fv", OP_FORMVALUE },
	{ "form_value", OP_FORMVALUE },
	{ "form_clear", OP_FORMCLEAR },
	{ "fa", OP_FORMACTION },
	{ "form_action", OP_FORMACTION },
	{ "form_file", OP_FORMFILE },
	{ "show_forms", OP_SHOWFORMS },
	{ "not_find", OP_NOTFIND },
	{ "showcookies", OP_SHOW_COOKIES },
	{ "show_html", OP_SHOWHTML },
	{ "show_links", OP_SHOWLINKS },
	{ "show_history", OP_SHOWHISTORY },
	{ "rf", OP_RUNFILE },
	{ "run_file", OP_RUNFILE },
	{ "set_local", OP_SETLOCAL },
	{ "set_global", OP_SETGLOBAL },
};

/* twill commands Kong refuses, and why (docs/twill.md D13). */
static const struct {
	const char	*name;
	const char	*why;
} twill_unsupported[] = {
	{ "run", "it runs Python code, and Kong has no Python" },
	{ "extend_with", "it loads Python modules, and Kong has no Python" },
	{ "getinput", "it reads from the terminal, and checks run unattended" },
	{ "get_input", "it reads from the terminal, and checks run unattended" },
	{ "getpassword", "it reads from the terminal, and checks run "
	    "unattended" },
	{ "get_password", "it reads from the terminal, and checks run "
	    "unattended" },
	{ "redirect_error", "it redirects Python's stderr; Kong reports "
	    "errors in the result" },
	{ "reset_error", "it redirects Python's stderr; Kong reports errors "
	    "in the result" },
	{ "tidy_ok", "it needs HTML Tidy, which Kong does not use" },
};

/* config keys and their types: 'b' boolean, 'i' integer, 'n' number. */
static const struct {
	const char	*key;
	char		 type;
} twill_config_keys[] = {
	{ "equiv_refresh_interval", 'i' },
	{ "readonly_controls_writeable", 'b' },
	{ "require_tidy", 'b' },
	{ "with_default_realm", 'b' },
	{ "insecure", 'b' },
	{ "timeout", 'n' },
};

/* The name of an opcode. */
const char *
op_name(enum op op)
{
	return (op_table[op].name);
}

/* The type of a config key ('b', 'i', 'n', 's' for tidy_*), or 0. */
int
twill_config_type(const char *key)
{
	size_t	i;

	for (i = 0; i < nitems(twill_config_keys); i++) {
		if (strcmp(key, twill_config_keys[i].key) == 0)
			return (twill_config_keys[i].type);
	}
	if (strncmp(key, "tidy_", 5) == 0)
		return ('s');
	return (0);
}

/* The opcode for a command name or alias, or -1. */
static int
twill_lookup(const char *name)
{
	size_t	i;

	for (i = 0; i < OP__COUNT; i++) {
		if (strcmp(name, op_table[i].name) == 0)
			return ((int)i);
	}
	for (i = 0; i < nitems(twill_aliases); i++) {
		if (strcmp(name, twill_aliases[i].name) == 0)
			return ((int)twill_aliases[i].op);
	}
	if (strcmp(name, "show_cookies") == 0)
		return (OP_SHOW_COOKIES);
	return (-1);
}

/* The nearest command name to a misspelt one, or NULL. */
static const char *
twill_nearest(const char *name)
{
	const char	*best = NULL;
	size_t		 i, d, bd = 3;

	for (i = 0; i < OP__COUNT; i++) {
		d = levenshtein(name, op_table[i].name);
		if (d < bd) {
			bd = d;
			best = op_table[i].name;
		}
	}
	for (i = 0; i < nitems(twill_aliases); i++) {
		d = levenshtein(name, twill_aliases[i].name);
		if (d < bd) {
			bd = d;
			best = twill_aliases[i].name;
		}
	}
	if (best != NULL && bd >= strlen(name))
		return (NULL);
	return (best);
}

/*
 * Parse find's flags: i, m, s, x. Returns the FIND_* bits, or -1 and the
 * offending character in *bad.
 */
int
twill_find_flags(const char *s, char *bad)
{
	int	flags = 0;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case 'i':
			flags |= FIND_I;
			break;
		case 'm':
			flags |= FIND_M;
			break;
		case 's':
			flags |= FIND_S;
			break;
		case 'x':
			flags |= FIND_X;
			break;
		default:
			*bad = *s;
			return (-1);
		}
	}
	return (flags);
}

/*
 * Compile a regex written for Python's re module with PCRE2: UTF-8, Unicode
 * classes as in Python 3, \Z meaning end of string. Returns the code, or
 * NULL with a message (caller frees) and the offset of the problem.
 */
pcre2_code *
twill_regex(const char *pattern, int flags, char **cause, size_t *erroff)
{
	pcre2_code	*re;
	PCRE2_UCHAR	 msg[256];
	PCRE2_SIZE	 off;
	uint32_t	 opts;
	char		*pat;
	size_t		 i;
	int		 rc;

	opts = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF;
	if (flags & FIND_I)
		opts |= PCRE2_CASELESS;
	if (flags & FIND_M)
		opts |= PCRE2_MULTILINE;
	if (flags & FIND_S)
		opts |= PCRE2_DOTALL;

	pat = xstrdup(pattern);
	for (i = 0; pat[i] != '\0'; i++) {
		if (pat[i] == '\\' && pat[i + 1] != '\0') {
			if (pat[i + 1] == 'Z')
				pat[i + 1] = 'z';
			i++;
		}
	}
	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opts, &rc,
	    &off, NULL);
	free(pat);
	if (re == NULL) {
		pcre2_get_error_message(rc, msg, sizeof msg);
		*cause = xstrdup((char *)msg);
		*erroff = off;
		return (NULL);
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return (re);
}

/*
 * Compiled regexes shared between programs. A sweep compiles the same test
 * for every site, so the same pattern would otherwise be compiled (and
 * JIT-compiled, most of a compile's cost) thousands of times and held as
 * many times over. Entries are keyed by flags and pattern and refcounted;
 * the process is single-threaded and compiled code is never written to.
 */
struct twill_shared_regex {
	pcre2_code	*re;
	char		*key;
	unsigned	 refs;
};
static struct map	twill_regexes;	/* key -> struct twill_shared_regex */
static struct map	twill_regex_keys; /* code address -> the same */

static void
twill_regex_addr(const pcre2_code *re, char *out, size_t len)
{
	snprintf(out, len, "%p", (const void *)re);
}

/*
 * A compiled regex for pattern and flags, shared with every other user of
 * the same one. Release it with twill_regex_release. NULL, a cause and an
 * offset on errors, as twill_regex.
 */
pcre2_code *
twill_regex_shared(const char *pattern, int flags, char **cause,
    size_t *erroff)
{
	struct twill_shared_regex	*sr;
	char				*key, addr[32];
	pcre2_code			*re;

	key = xstrfmt("%d:%s", flags & (FIND_I | FIND_M | FIND_S), pattern);
	if ((sr = map_get(&twill_regexes, key)) != NULL) {
		free(key);
		sr->refs++;
		return (sr->re);
	}
	if ((re = twill_regex(pattern, flags, cause, erroff)) == NULL) {
		free(key);
		return (NULL);
	}
	sr = xcalloc(1, sizeof *sr);
	sr->re = re;
	sr->key = key;
	sr->refs = 1;
	map_set(&twill_regexes, key, sr);
	twill_regex_addr(re, addr, sizeof addr);
	map_set(&twill_regex_keys, addr, sr);
	return (re);
}

/* Drop a reference to a shared regex; the last one frees it. */
void
twill_regex_release(pcre2_code *re)
{
	struct twill_shared_regex	*sr;
	char				 addr[32];

	if (re == NULL)
		return;
	twill_regex_addr(re, addr, sizeof addr);
	if ((sr = map_get(&twill_regex_keys, addr)) == NULL)
		fatal("releasing a regex that is not shared");
	if (--sr->refs > 0)
		return;
	map_remove(&twill_regex_keys, addr);
	map_remove(&twill_regexes, sr->key);
	pcre2_code_free(sr->re);
	free(sr->key);
	free(sr);
	if (twill_regexes.n == 0) {
		map_free(&twill_regexes, NULL);
		map_free(&twill_regex_keys, NULL);
	}
}

/* Collect libxml2's message about an XPath expression. */
static void
twill_xpath_error(void *arg, xmlErrorPtr e)
{
	char	**msg = arg;

	if (*msg == NULL && e != NULL && e->message != NULL) {
		*msg = xstrdup(e->message);
		(*msg)[strcspn(*msg, "\n")] = '\0';
	}
}

/* Compile an XPath expression. Returns it, or NULL and a message. */
void *
twill_xpath(const char *expr, char **cause)
{
	xmlXPathCompExprPtr	 comp;
	char			*msg = NULL;

	xmlSetStructuredErrorFunc(&msg, twill_xpath_error);
	comp = xmlXPathCompile((const xmlChar *)expr);
	xml_quiet_errors();
	if (comp == NULL) {
		*cause = msg != NULL ? msg : xstrdup("invalid expression");
		return (NULL);
	}
	free(msg);
	return (comp);
}

/* Whether s is an integer as Python's int() reads it. */
int
twill_parse_int(const char *s, long *v)
{
	return (parse_int(s, LONG_MIN, LONG_MAX, v));
}

/* Whether s is a number as Python's float() reads it. */
int
twill_parse_number(const char *s, double *v)
{
	char	*end;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return (-1);
	errno = 0;
	*v = strtod(s, &end);
	while (isspace((unsigned char)*end))
		end++;
	if (errno != 0 || *end != '\0' || isnan(*v))
		return (-1);
	return (0);
}

/* The offset in the source of byte i of a literal argument's value. */
static size_t
twill_arg_offset(const struct source *src, const struct arg *a, size_t i)
{
	const char	*t = src->text + a->off + (a->quoted ? 1 : 0);
	size_t		 k = 0, o = 0;

	/* Walk the source text, where "\n" took two bytes. */
	while (k < i && t[o] != '\0' && t[o] != '\n') {
		if (t[o] == '\\' && t[o + 1] == 'n')
			o += 2;
		else
			o++;
		k++;
	}
	return ((size_t)(t - src->text) + o);
}

/*
 * Check and prepare the arguments of one instruction. Returns errors.
 *
 * One case per command that takes literal arguments, in one switch: longer
 * than Kong's usual function on purpose (the exception for a parser's big
 * switch), so that every command's compile-time checks read side by side.
 */
static int
twill_check(struct source *src, struct insn *in, struct diag *d)
{
	const struct op_info	*oi = &op_table[in->op];
	struct arg		*a0 = in->nargs > 0 ? &in->args[0] : NULL;
	struct arg		*a1 = in->nargs > 1 ? &in->args[1] : NULL;
	char			*cause, bad;
	size_t			 erroff;
	long			 n;
	double			 f;
	int			 flags = 0, errors = 0;

	if ((oi->flags & TC_FLAGS) && a1 != NULL && a1->kind == ARG_LITERAL) {
		if ((flags = twill_find_flags(a1->text, &bad)) == -1) {
			diag_at(d, DIAG_ERROR, src, twill_arg_offset(src, a1,
			    (size_t)(strchr(a1->text, bad) - a1->text)),
			    "unknown find flag '%c'; the flags are i (ignore "
			    "case), m (multi-line), s (dot matches newline) and "
			    "x (XPath)", bad);
			return (1);
		}
		in->find_flags = flags;
		in->flags_static = 1;
	} else if (a1 == NULL)
		in->flags_static = 1;

	if ((oi->flags & TC_REGEX) && a0 != NULL && a0->kind == ARG_LITERAL &&
	    in->flags_static) {
		if (flags & FIND_X) {
			in->xpath = twill_xpath(a0->text, &cause);
			if (in->xpath == NULL) {
				diag_at(d, DIAG_ERROR, src, a0->off, "bad XPath "
				    "expression: %s", cause);
				free(cause);
				errors++;
			}
		} else {
			in->re = twill_regex_shared(a0->text, flags, &cause,
			    &erroff);
			if (in->re == NULL) {
				diag_at(d, DIAG_ERROR, src, twill_arg_offset(src,
				    a0, erroff), "bad regex: %s", cause);
				free(cause);
				errors++;
			}
		}
	}
	/* exit "" and timeout "" mean 0, as in twill. */
	if ((oi->flags & TC_INT) && a0 != NULL && a0->kind == ARG_LITERAL &&
	    !(in->op == OP_EXIT && *a0->text == '\0') &&
	    twill_parse_int(a0->text, &n) != 0) {
		diag_at(d, DIAG_ERROR, src, a0->off, "'%s' is not an integer",
		    a0->text);
		errors++;
	}
	if ((oi->flags & TC_NUMBER) && a0 != NULL && a0->kind == ARG_LITERAL &&
	    !(in->op == OP_TIMEOUT && *a0->text == '\0') &&
	    twill_parse_number(a0->text, &f) != 0) {
		diag_at(d, DIAG_ERROR, src, a0->off, "'%s' is not a number",
		    a0->text);
		errors++;
	}

	if (oi->flags & TC_KONG)
		errors += twill_kong_check(src, in, d);

	switch (in->op) {
	case OP_SHOW:
		if (a0 != NULL && a0->kind == ARG_LITERAL && *a0->text != '\0' &&
		    strcmp(a0->text, "html") != 0 &&
		    strcmp(a0->text, "links") != 0 &&
		    strcmp(a0->text, "forms") != 0 &&
		    strcmp(a0->text, "history") != 0 &&
		    strcmp(a0->text, "cookies") != 0) {
			diag_at(d, DIAG_ERROR, src, a0->off, "cannot show \"%s\"; "
			    "show takes html, links, forms, history or cookies",
			    a0->text);
			errors++;
		}
		break;
	case OP_CONFIG:
		if (a0 != NULL && a0->kind == ARG_LITERAL) {
			int type = twill_config_type(a0->text);

			if (type == 0) {
				diag_at(d, DIAG_ERROR, src, a0->off, "no such "
				    "configuration key '%s'; the keys are "
				    "equiv_refresh_interval, "
				    "readonly_controls_writeable, require_tidy, "
				    "with_default_realm, insecure and timeout",
				    a0->text);
				errors++;
			} else if (a1 != NULL && a1->kind == ARG_LITERAL &&
			    twill_config_value(type, a1->text, &f) != 0) {
				diag_at(d, DIAG_ERROR, src, a1->off, "unable to "
				    "convert '%s' into %s", a1->text,
				    type == 'b' ? "true/false" : type == 'i' ?
				    "an int" : "a number");
				errors++;
			}
		}
		break;
	case OP_DEBUG:
		if (a0 != NULL && a0->kind == ARG_LITERAL) {
			if (strcmp(a0->text, "http") == 0) {
				diag_at(d, DIAG_ERROR, src, a0->off, "'debug http' "
				    "is not supported in Kong: it sets a Python "
				    "debug level; steps and timings are in the "
				    "result record");
				errors++;
			} else if (strcmp(a0->text, "commands") != 0 &&
			    strcmp(a0->text, "equiv-refresh") != 0) {
				diag_at(d, DIAG_ERROR, src, a0->off, "unknown "
				    "debugging type \"%s\"; it is commands or "
				    "equiv-refresh", a0->text);
				errors++;
			}
		}
		if (a1 != NULL && a1->kind == ARG_LITERAL &&
		    twill_config_value('b', a1->text, &f) != 0) {
			diag_at(d, DIAG_ERROR, src, a1->off, "unable to convert "
			    "'%s' into a debug level (a number or on/off)",
			    a1->text);
			errors++;
		}
		break;
	default:
		break;
	}
	return (errors);
}

/*
 * Convert a config value: booleans as twill's make_boolean (true/false,
 * on/off, +/-, integers), integers, numbers. Stores it as a double.
 */
int
twill_config_value(int type, const char *s, double *v)
{
	char	*low;
	long	 n;
	size_t	 i;
	int	 rc = -1;

	switch (type) {
	case 'b':
		/* make_boolean: lower case, stripped. */
		while (isspace((unsigned char)*s))
			s++;
		low = xstrdup(s);
		for (i = strlen(low); i > 0 && isspace((unsigned char)low[i - 1]);
		    i--)
			low[i - 1] = '\0';
		for (i = 0; low[i] != '\0'; i++)
			low[i] = (char)tolower((unsigned char)low[i]);
		if (strcmp(low, "true") == 0 || strcmp(low, "on") == 0 ||
		    strcmp(low, "+") == 0) {
			*v = 1;
			rc = 0;
		} else if (strcmp(low, "false") == 0 ||
		    strcmp(low, "off") == 0 || strcmp(low, "-") == 0) {
			*v = 0;
			rc = 0;
		} else if (twill_parse_int(low, &n) == 0) {
			*v = n != 0;
			rc = 0;
		}
		free(low);
		return (rc);
	case 'i':
		if (twill_parse_int(s, &n) != 0)
			return (-1);
		*v = (double)n;
		return (0);
	case 'n':
		return (twill_parse_number(s, v));
	default:
		*v = 0;
		return (0);
	}
}

/* Compile one lexed line into an instruction. Returns the errors found. */
static int
twill_compile_line(struct source *src, struct lexed_line *l, struct insn *in,
    struct diag *d)
{
	const struct op_info	*oi;
	const char		*near;
	size_t			 i;
	int			 op;

	if ((op = twill_lookup(l->cmd)) == -1) {
		for (i = 0; i < nitems(twill_unsupported); i++) {
			if (strcmp(l->cmd, twill_unsupported[i].name) == 0) {
				diag_at(d, DIAG_ERROR, src, l->off, "'%s' is not "
				    "supported in Kong: %s", l->cmd,
				    twill_unsupported[i].why);
				return (1);
			}
		}
		if ((near = twill_nearest(l->cmd)) != NULL)
			diag_at(d, DIAG_ERROR, src, l->off, "unknown command "
			    "'%s'; did you mean '%s'?", l->cmd, near);
		else
			diag_at(d, DIAG_ERROR, src, l->off, "unknown command "
			    "'%s'", l->cmd);
		return (1);
	}
	oi = &op_table[op];
	if ((int)l->nargs < oi->min || (oi->max >= 0 && (int)l->nargs > oi->max)) {
		size_t	at = l->off;
		char	want[64];

		if (oi->max >= 0 && (int)l->nargs > oi->max)
			at = l->args[oi->max].off;
		if (oi->min == oi->max)
			snprintf(want, sizeof want, "exactly %d argument%s",
			    oi->min, oi->min == 1 ? "" : "s");
		else if (oi->max < 0)
			snprintf(want, sizeof want, "at least %d argument%s",
			    oi->min, oi->min == 1 ? "" : "s");
		else
			snprintf(want, sizeof want, "%d to %d arguments",
			    oi->min, oi->max);
		diag_at(d, DIAG_ERROR, src, at, "'%s' takes %s (%zu given)",
		    l->cmd, want, l->nargs);
		return (1);
	}

	in->op = (enum op)op;
	in->off = l->off;
	in->text = l->text;
	l->text = NULL;
	in->args = l->args;
	in->nargs = l->nargs;
	l->args = NULL;
	l->nargs = 0;
	return (twill_check(src, in, d));
}

/* Free an instruction's contents. */
static void
twill_insn_clear(struct insn *in)
{
	size_t	i;

	for (i = 0; i < in->nargs; i++)
		twill_arg_clear(&in->args[i]);
	free(in->args);
	free(in->text);
	twill_regex_release(in->re);
	if (in->xpath != NULL)
		xmlXPathFreeCompExpr(in->xpath);
}

/*
 * Compile a script. Errors go to d (at most its cap); the program is only
 * returned when there were none. It takes a reference to src.
 */
struct program *
program_compile(struct source *src, struct diag *d)
{
	struct program		*p;
	struct lexed_line	 l;
	size_t			 i, start, len;
	int			 errors = 0, rc, line;

	p = xcalloc(1, sizeof *p);
	p->src = source_ref(src);
	p->dir = path_dirname(src->name);
	p->refs = 1;
	for (i = 0; i < src->nlines && !diag_full(d); i++) {
		start = src->line_start[i];
		len = (i + 1 < src->nlines ? src->line_start[i + 1] - 1 :
		    src->len) - start;
		if (i == 0 && len >= 3 && memcmp(src->text, "\xef\xbb\xbf",
		    3) == 0) {
			start += 3;
			len -= 3;
		}
		rc = twill_lex_line(src, start, len, &l, d);
		if (rc == 1) {
			p->insns = xreallocarray(p->insns, p->ninsns + 1,
			    sizeof *p->insns);
			memset(&p->insns[p->ninsns], 0, sizeof *p->insns);
			line = source_file_line(src, (int)i + 1);
			p->insns[p->ninsns].line = line;
			if (twill_compile_line(src, &l, &p->insns[p->ninsns],
			    d) != 0)
				errors++;
			p->ninsns++;
		} else if (rc == -1)
			errors++;
		twill_lexed_clear(&l);
	}
	if (errors > 0) {
		program_unref(p);
		return (NULL);
	}
	p->last_nav = 0;
	for (i = 0; i < p->ninsns; i++) {
		if (p->insns[i].op == OP_CERT_VALID_FOR)
			p->certinfo = 1;
		switch (p->insns[i].op) {
		case OP_GO:
		case OP_RELOAD:
		case OP_FOLLOW:
		case OP_SUBMIT:
		case OP_RUNFILE:
		case OP_ADD_CLEANUP:
			p->last_nav = i;
			break;
		default:
			break;
		}
	}
	return (p);
}

/* Take a reference to a program. */
struct program *
program_ref(struct program *p)
{
	p->refs++;
	return (p);
}

/* Drop a reference; the last one frees. NULL is allowed. */
void
program_unref(struct program *p)
{
	size_t	i;

	if (p == NULL || --p->refs > 0)
		return;
	for (i = 0; i < p->ninsns; i++)
		twill_insn_clear(&p->insns[i]);
	free(p->insns);
	free(p->dir);
	source_unref(p->src);
	free(p);
}

/* Call fn for every variable name an argument refers to. */
void
arg_names(const struct arg *a, void (*fn)(const char *, void *), void *arg)
{
	size_t	i;

	switch (a->kind) {
	case ARG_DUNDER:
	case ARG_DOLLAR:
		fn(a->name, arg);
		break;
	case ARG_PIECES:
		for (i = 0; i < a->npieces; i++) {
			if (a->pieces[i].is_name)
				fn(a->pieces[i].text, arg);
		}
		break;
	case ARG_LITERAL:
		break;
	}
}
