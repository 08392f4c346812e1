/*
 * plan.c: from an inventory pair to a compiled program.
 *
 * A test is rendered for each site, then compiled. Identical rendered
 * scripts (a test that does not depend on the site) are compiled once and
 * shared, since programs are immutable.
 */
#include "plan.h"

static void
plan_unref(void *p)
{
	program_unref(p);
}

/* Free a cache of programs. */
void
plan_cache_free(struct map *cache)
{
	map_free(cache, plan_unref);
}

/*
 * The program for a test on a site (and server). Template and script
 * errors go to d, with a note naming the pair; NULL then. The caller owns
 * a reference to the program.
 */
struct program *
plan_compile(struct test *t, const struct site *s, const struct server *srv,
    struct diag *d, struct map *cache)
{
	struct program	*p;
	struct source	*src = NULL;
	struct buf	 out;
	size_t		 before = d->nerrors;

	buf_init(&out);
	if (inventory_render(t, s, srv, &out, &src, d) != 0) {
		/* A template that parsed failed on this site's values. */
		if (t->tpl != NULL && (d->nerrors > before || d->dropped > 0))
			diag_plain(d, DIAG_NOTE, "in test '%s' rendered for site "
			    "'%s'%s%s", t->name, s->name, srv != NULL ?
			    " on server " : "", srv != NULL ? srv->name : "");
		buf_free(&out);
		return (NULL);
	}
	if (cache != NULL && (p = map_get(cache, out.data != NULL ?
	    out.data : "")) != NULL) {
		source_unref(src);
		buf_free(&out);
		return (program_ref(p));
	}
	p = program_compile(src, d);
	if (p == NULL) {
		if (d->nerrors > before || d->dropped > 0)
			diag_plain(d, DIAG_NOTE, "in test '%s' rendered for site "
			    "'%s'%s%s; see it with: kong render %s %s",
			    t->name, s->name, srv != NULL ? " on server " : "",
			    srv != NULL ? srv->name : "", s->name, t->name);
	} else if (cache != NULL)
		map_set(cache, out.data != NULL ? out.data : "", program_ref(p));
	source_unref(src);
	buf_free(&out);
	return (p);
}

static void
plan_add_name(json_t *set, const char *name)
{
	json_object_set_new(set, name, json_true());
}

static void
plan_check_name(const char *name, void *arg)
{
	json_t	**ctx = arg;

	if (json_object_get(ctx[0], name) == NULL)
		json_object_set_new(ctx[1], name, json_true());
}

/*
 * Warn about variables a script uses but never sets: twill leaves such a
 * reference as it is, which is rarely what was meant.
 */
void
plan_lint_names(struct program *p, struct diag *d)
{
	static const char *builtin[] = { "__url__", "__match__", "__cmd__" };
	json_t		*known, *unknown, *ctx[2];
	struct insn	*in;
	size_t		 i, j;

	known = json_object();
	for (i = 0; i < nitems(builtin); i++)
		plan_add_name(known, builtin[i]);
	for (i = 0; i < p->ninsns; i++) {
		in = &p->insns[i];
		if ((in->op == OP_SETLOCAL || in->op == OP_SETGLOBAL ||
		    in->op == OP_CAPTURE) &&
		    in->args[0].kind == ARG_LITERAL)
			plan_add_name(known, in->args[0].text);
	}
	for (i = 0; i < p->ninsns; i++) {
		in = &p->insns[i];
		for (j = 0; j < in->nargs; j++) {
			unknown = json_object();
			ctx[0] = known;
			ctx[1] = unknown;
			arg_names(&in->args[j], plan_check_name, ctx);
			if (json_object_size(unknown) > 0) {
				const char	*name;
				json_t		*v;

				json_object_foreach(unknown, name, v) {
					diag_at(d, DIAG_WARNING, p->src,
					    in->args[j].off, "variable '%s' is "
					    "never set in this script; it stays "
					    "as written", name);
				}
			}
			json_decref(unknown);
		}
	}
	json_decref(known);
}
