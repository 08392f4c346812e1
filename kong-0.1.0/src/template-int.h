/*
 * template-int.h: the parsed form of a template, shared by the parser
 * (template.c), the renderer (template-render.c) and the values and filters
 * (template-value.c), and by nothing else.
 *
 * A template is a list of nodes; if, for and with nodes hold lists of their
 * own. Expressions are filter expressions (an operand and its filters) and,
 * in {% if %}, trees of operators over them. Everything here is immutable
 * once template_parse() returns.
 */
#ifndef KONG_TEMPLATE_INT_H
#define KONG_TEMPLATE_INT_H

#include <stdint.h>

#include <jansson.h>

#include "diag.h"

#define TPL_MAX_DEPTH	100		/* blocks inside blocks */
#define TPL_MAX_EXPR	200		/* levels of an if condition */
#define TPL_MAX_NAMES	16		/* names bound by one for or with */
#define TPL_MAX_STEPS	(1 << 21)	/* steps (nodes, loops, filters) */
#define TPL_MAX_OUTPUT	(64 << 20)	/* bytes one render may append */

/* A literal or a variable. */
struct tpl_operand {
	json_t		 *literal;	/* the literal, or NULL: a variable */
	char		 *name;		/* as written: "site.tags.0" */
	char		**comp;		/* its dot-separated components */
	long		 *index;	/* each as an array index, or -1 */
	size_t		  ncomp;
	size_t		  off;		/* where it is in the source */
	int		  id;		/* its report-once bit, or -1 */
};

enum tpl_arg {
	TPL_ARG_NONE,
	TPL_ARG_OPTIONAL,
	TPL_ARG_REQUIRED,
};

/*
 * A filter: value (NULL if undefined) and argument (NULL if absent or
 * undefined) are borrowed; returns a new reference, or NULL for undefined.
 * A filter that supplies a value for a missing one (default) makes an
 * undefined operand before it no error.
 */
struct tpl_filter_def {
	const char	*name;
	enum tpl_arg	 arg;
	const char	*example;	/* shown when the argument is missing */
	int		 handles_undefined;	/* so undefined is no error */
	json_t		*(*fn)(json_t *, json_t *);
};

struct tpl_filter {
	const struct tpl_filter_def	*def;
	struct tpl_operand		 arg;
	int				 has_arg;
};

/* An operand and its filters: site.name|lower|default:"x". */
struct tpl_fexpr {
	struct tpl_operand	 base;
	struct tpl_filter	*filters;
	size_t			 nfilters;
	int			 quiet;	/* a filter handles undefined: default */
};

enum tpl_op {
	TPL_OP_OPERAND,	/* fe */
	TPL_OP_OR,
	TPL_OP_AND,
	TPL_OP_NOT,	/* l only */
	TPL_OP_IN,
	TPL_OP_NOTIN,
	TPL_OP_IS,
	TPL_OP_ISNOT,
	TPL_OP_EQ,
	TPL_OP_NE,
	TPL_OP_LT,
	TPL_OP_GT,
	TPL_OP_LE,
	TPL_OP_GE,
};

/* A condition of {% if %}; depth is the height of the tree, bounded. */
struct tpl_cond {
	enum tpl_op		 op;
	int			 depth;
	struct tpl_cond		*l;
	struct tpl_cond		*r;
	struct tpl_fexpr	*fe;
};

/* One {% if %} or {% elif %} (cond) or {% else %} (cond NULL) and its body. */
struct tpl_branch {
	struct tpl_cond		*cond;
	struct tpl_node		*body;
	struct tpl_branch	*next;
};

enum tpl_node_type {
	TPL_NODE_TEXT,		/* text, len: literal text (or verbatim) */
	TPL_NODE_VAR,		/* exprs[0]: {{ }} */
	TPL_NODE_IF,		/* branches */
	TPL_NODE_FOR,		/* names in exprs[0] [reversed]: body, empty */
	TPL_NODE_WITH,		/* names[i] = exprs[i]: body */
	TPL_NODE_FIRSTOF,	/* exprs */
};

struct tpl_node {
	enum tpl_node_type	  type;
	size_t			  off;		/* where it starts */
	int			  line;		/* off's text line, 1-based */
	struct tpl_node		 *next;

	const char		 *text;
	size_t			  len;
	struct tpl_fexpr	**exprs;
	size_t			  nexprs;
	char			**names;
	size_t			  nnames;
	int			  reversed;
	int			  items;	/* exprs[0] is "x.items" */
	struct tpl_branch	 *branches;
	struct tpl_node		 *body;
	struct tpl_node		 *empty;
};

struct template {
	struct source		*src;
	struct tpl_node		*root;
	int			 nvars;		/* report-once bits */
};

/* template.c */
void		 template_show(char *, size_t, const char *, size_t);

/* template-value.c */
const struct tpl_filter_def	*template_filter_find(const char *);
const struct tpl_filter_def	*template_filter_at(size_t);
uint32_t	 template_utf8_next(const char *, size_t, size_t *);
json_t		*template_string(const char *, size_t);
void		 template_write(struct buf *, json_t *);
int		 template_truthy(json_t *);
int		 template_compare(enum tpl_op, json_t *, json_t *);

#endif
