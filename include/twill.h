/*
 * twill.h: the Twill language front end: lexer and compiler.
 *
 * A script is compiled once into a flat, immutable program: one instruction
 * per command line, with its arguments pre-analysed for run-time variable
 * substitution, its regex compiled with PCRE2 (JIT) when it holds no
 * variable, and its source location. The program is refcounted and shared
 * by every session that runs it. Compile errors are reported GNU style with
 * a caret and nothing runs.
 */
#ifndef KONG_TWILL_H
#define KONG_TWILL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "diag.h"

/*
 * Every command Kong runs: opcode, handler suffix, name, minimum and maximum
 * number of arguments (-1: no maximum), and what the compiler checks.
 */
#define TWILL_COMMANDS(X)						\
	/* navigation */						\
	X(GO, go,		"go",			1, 1,  0)		\
	X(RELOAD, reload,	"reload",		0, 0,  0)		\
	X(BACK, back,		"back",			0, 0,  0)		\
	X(FOLLOW, follow,	"follow",		1, 1,  TC_REGEX)	\
	X(RESET_BROWSER, reset_browser, "reset_browser",	0, 1,  0)		\
	/* assertions */						\
	X(CODE, code,		"code",			1, 1,  TC_INT)		\
	X(FIND, find,		"find",			1, 2,  TC_REGEX | TC_FLAGS) \
	X(NOTFIND, notfind,	"notfind",		1, 2,  TC_REGEX | TC_FLAGS) \
	X(URL, url,		"url",			1, 1,  TC_REGEX)	\
	X(TITLE, title,	"title",		1, 1,  TC_REGEX)	\
	/* forms */							\
	X(FORMVALUE, formvalue,	"formvalue",		3, 3,  0)		\
	X(FORMCLEAR, formclear,	"formclear",		1, 1,  0)		\
	X(FORMACTION, formaction,	"formaction",		2, 2,  0)		\
	X(FORMFILE, formfile,	"formfile",		3, 4,  0)		\
	X(SUBMIT, submit,	"submit",		0, 2,  0)		\
	X(SHOWFORMS, showforms,	"showforms",		0, 0,  0)		\
	/* browser state */						\
	X(ADD_EXTRA_HEADER, add_extra_header, "add_extra_header",	2, 2,  0)		\
	X(CLEAR_EXTRA_HEADERS, clear_extra_headers, "clear_extra_headers", 0, 0, 0)		\
	X(SHOW_EXTRA_HEADERS, show_extra_headers, "show_extra_headers", 0, 0, 0)		\
	X(AGENT, agent,	"agent",		1, 1,  0)		\
	X(ADD_AUTH, add_auth,	"add_auth",		4, 4,  0)		\
	X(SAVE_COOKIES, save_cookies,	"save_cookies",		1, 1,  0)		\
	X(LOAD_COOKIES, load_cookies,	"load_cookies",		1, 1,  0)		\
	X(CLEAR_COOKIES, clear_cookies, "clear_cookies",	0, 0,  0)		\
	X(SHOW_COOKIES, show_cookies,	"show_cookies",		0, 0,  0)		\
	/* variables */							\
	X(SETLOCAL, setlocal,	"setlocal",		2, 2,  0)		\
	X(SETGLOBAL, setglobal,	"setglobal",		2, 2,  0)		\
	/* control */							\
	X(SLEEP, sleep,	"sleep",		0, 1,  TC_NUMBER)	\
	X(EXIT, exit,		"exit",			0, 1,  TC_INT)		\
	X(RUNFILE, runfile,	"runfile",		1, -1, 0)		\
	X(ADD_CLEANUP, add_cleanup,	"add_cleanup",		1, -1, 0)		\
	X(CONFIG, config,	"config",		0, 2,  0)		\
	X(TIMEOUT, timeout,	"timeout",		0, 1,  TC_NUMBER)	\
	X(DEBUG, debug,	"debug",		2, 2,  0)		\
	/* display */							\
	X(ECHO, echo,		"echo",			0, -1, 0)		\
	X(SHOW, show,		"show",			0, 1,  0)		\
	X(SHOWHTML, showhtml,	"showhtml",		0, 0,  0)		\
	X(SHOWLINKS, showlinks,	"showlinks",		0, 0,  0)		\
	X(SHOWHISTORY, showhistory,	"showhistory",		0, 0,  0)		\
	X(INFO, info,		"info",			0, 0,  0)		\
	X(SAVE_HTML, save_html,	"save_html",		0, 1,  0)		\
	X(REDIRECT_OUTPUT, redirect_output, "redirect_output",	1, 1,  0)		\
	X(RESET_OUTPUT, reset_output,	"reset_output",		0, 0,  0)	\
	/* Kong's extensions (cmd-kong.c): not in twill */		\
	X(HEADER, header,	"header",		2, 2,  TC_KONG | TC_REGEX2) \
	X(NOTHEADER, notheader,	"notheader",		1, 2,  TC_KONG | TC_REGEX2) \
	X(CERT_VALID_FOR, cert_valid_for, "cert_valid_for",	1, 1,  TC_KONG)	\
	X(DURATION, duration,	"duration",		2, 2,  TC_KONG)	\
	X(RESPONSE_TIME, response_time, "response_time",	2, 2,  TC_KONG)	\
	X(CAPTURE, capture,	"capture",		2, 3,  TC_KONG | TC_REGEX2)

/* What the compiler checks about an instruction's arguments. */
#define TC_REGEX	0x1	/* argument 1 is a regex (unless find ... x) */
#define TC_FLAGS	0x2	/* argument 2 is find's flags */
#define TC_INT		0x4	/* argument 1 is an integer */
#define TC_NUMBER	0x8	/* argument 1 is a number */
#define TC_KONG		0x10	/* a Kong extension: not a twill command */
#define TC_REGEX2	0x20	/* argument 2 is a regex */

enum op {
#define TWILL_ENUM(e, f, n, mn, mx, fl) OP_##e,
	TWILL_COMMANDS(TWILL_ENUM)
#undef TWILL_ENUM
	OP__COUNT
};

struct op_info {
	const char	*name;
	int		 min;
	int		 max;
	int		 flags;
};

extern const struct op_info op_table[OP__COUNT];

/* find's flags. */
#define FIND_I	0x1
#define FIND_M	0x2
#define FIND_S	0x4
#define FIND_X	0x8

/*
 * An argument. Twill substitutes variables at run time, argument by
 * argument: a whole "__name" or "$name" argument, or "${name}" inside one.
 * A literal argument is already in its final form ("\n" turned into a
 * newline); the others keep their pieces.
 */
enum arg_kind {
	ARG_LITERAL,		/* text is final */
	ARG_DUNDER,		/* __name: value, failing if it is unset */
	ARG_DOLLAR,		/* $name: value, or the text if unknown */
	ARG_PIECES,		/* literal text with ${name} inside */
};

struct arg_piece {
	char	*text;		/* literal text, or the name */
	int	 is_name;
};

struct arg {
	enum arg_kind	 kind;
	char		*text;		/* literal value, or the original text */
	char		*name;		/* for ARG_DUNDER and ARG_DOLLAR */
	struct arg_piece *pieces;
	size_t		 npieces;
	size_t		 off;		/* offset in the source, for messages */
	int		 quoted;
};

struct insn {
	enum op		 op;
	int		 line;		/* file line */
	size_t		 off;		/* offset of the command in the source */
	char		*text;		/* the source line, stripped */
	struct arg	*args;
	size_t		 nargs;
	pcre2_code	*re;		/* compiled regex when static */
	void		*xpath;		/* compiled XPath when static */
	int		 find_flags;	/* when static */
	int		 flags_static;
};

struct program {
	struct source	*src;
	char		*dir;		/* where runfile paths start */
	struct insn	*insns;
	size_t		 ninsns;
	size_t		 last_nav;	/* after it, no instruction navigates */
	int		 certinfo;	/* it has cert_valid_for */
	int		 refs;
};

struct program	*program_compile(struct source *, struct diag *);
struct program	*program_ref(struct program *);
void		 program_unref(struct program *);
const char	*op_name(enum op);

/* Regexes: Python-like syntax on PCRE2, UTF-8, compiled with JIT. */
pcre2_code	*twill_regex(const char *, int, char **, size_t *);
pcre2_code	*twill_regex_shared(const char *, int, char **, size_t *);
void		 twill_regex_release(pcre2_code *);
int		 twill_find_flags(const char *, char *);
int		 twill_name_ok(const char *, size_t);
char		*twill_newlines(const char *);
void		*twill_xpath(const char *, char **);
int		 twill_parse_int(const char *, long *);
int		 twill_parse_number(const char *, double *);
int		 twill_config_type(const char *);
int		 twill_config_value(int, const char *, double *);
int		 twill_kong_check(struct source *, struct insn *,
		     struct diag *);
int		 kong_parse_duration(const char *, long *);

/* Variables referenced by an argument, for lint's warnings. */
void		 arg_names(const struct arg *, void (*)(const char *, void *),
		     void *);

#endif
