/*
 * same-across.c: fleet invariants on captured values (same-across.h).
 *
 * The results held back are kept whole (their pages dropped), counted per
 * (test, group, capture name, value) once every pair of their test has
 * ended (or the sweep has), and handed back in plan order. A value that most sites of a group served is the
 * reference; a site that served another fails. When no value has a
 * majority (two sites, two builds), every site of that group fails: there
 * is nothing to tell the right build from the wrong one, and a check must
 * not pass on a guess.
 */
#include "same-across.h"

#include "page.h"
#include "redact.h"

struct same_entry {
	size_t			 index;
	struct result		 r;
	const struct site	*site;
	const struct test	*test;
};

struct same_set {
	const json_t		*expect;	/* NAME -> VALUE, borrowed */
	struct same_entry	*v;
	size_t			 n;
	json_t			*due;		/* test name -> pairs still to end */
};

/* A holder for the results of tests with same_across. */
struct same_set *
same_create(const json_t *expect)
{
	struct same_set	*sa;

	sa = xcalloc(1, sizeof *sa);
	sa->expect = expect;
	sa->due = json_object();
	return (sa);
}

/* Free it and whatever it still holds. NULL is allowed. */
void
same_free(struct same_set *sa)
{
	size_t	i;

	if (sa == NULL)
		return;
	for (i = 0; i < sa->n; i++)
		result_clear(&sa->v[i].r);
	free(sa->v);
	json_decref(sa->due);
	free(sa);
}

/* Fail a passed result on a capture (its first failure). */
static void
same_fail(struct result *r, const char *name, char *msg)
{
	json_t	*at;

	r->status = RESULT_FAIL;
	r->eclass = ERR_ASSERT;
	free(r->message);
	free(r->file);
	free(r->command);
	r->message = redact_str(msg);	/* results are redacted before */
	at = r->capture_at != NULL ? json_object_get(r->capture_at, name) :
	    NULL;
	r->file = xstrdup(at != NULL ? json_string_value(json_object_get(at,
	    "file")) : "");
	r->line = at != NULL ? (int)json_integer_value(json_object_get(at,
	    "line")) : 0;
	r->command = redact_str(xstrdup(at != NULL ?
	    json_string_value(json_object_get(at, "command")) : ""));
}

/* --expect NAME=VALUE: a passed result that captured another value fails. */
void
same_expect(const json_t *expect, struct result *r)
{
	const char	*name, *have;
	json_t		*want, *v;

	if (expect == NULL || r->captures == NULL || !result_passed(r))
		return;
	json_object_foreach((json_t *)expect, name, want) {
		if ((v = json_object_get(r->captures, name)) == NULL)
			continue;
		have = json_string_value(v);
		if (strcmp(have, json_string_value(want)) == 0)
			continue;
		same_fail(r, name, xstrfmt("capture %s: this site served '%s', "
		    "not '%s' (--expect %s=%s)", name, have,
		    json_string_value(want), name, json_string_value(want)));
		return;
	}
}

/* One more pair of test will run: its group waits for that result too. */
void
same_due(struct same_set *sa, const struct test *test)
{
	json_t	*v = json_object_get(sa->due, test->name);

	json_object_set_new(sa->due, test->name, json_integer(v != NULL ?
	    json_integer_value(v) + 1 : 1));
}

/*
 * Keep a final result of a test with same_across until every pair of the
 * test has ended. Returns 1 when this was its last one (same_flush it).
 */
int
same_hold(struct same_set *sa, size_t index, struct result *r,
    const struct site *site, const struct test *test)
{
	struct same_entry	*e;
	json_t			*due;
	json_int_t		 left = 0;

	sa->v = xreallocarray(sa->v, sa->n + 1, sizeof *sa->v);
	e = &sa->v[sa->n++];
	e->index = index;
	result_move(&e->r, r);
	page_unref(e->r.page);
	e->r.page = NULL;
	e->site = site;
	e->test = test;
	if ((due = json_object_get(sa->due, test->name)) != NULL) {
		left = json_integer_value(due) - 1;
		json_integer_set(due, left);
	}
	return (due != NULL && left <= 0);
}

/* How many results are held. */
size_t
same_held(const struct same_set *sa)
{
	return (sa->n);
}

/* The groups of an entry: keys (caller frees) and how to say them. */
static char **
same_groups(const struct same_entry *e, char ***says)
{
	char	**keys, **desc;
	size_t	  n = 0, i;

	keys = xcalloc(2, sizeof *keys);
	desc = xcalloc(2, sizeof *desc);
	switch (e->test->same_across) {
	case SAME_FLEET:
		keys[n] = xstrdup("fleet");
		desc[n++] = xstrdup("most sites");
		break;
	case SAME_TYPE:
		keys[n] = xstrfmt("type\x1f%s", e->site->type_name != NULL ?
		    e->site->type_name : "");
		if (e->site->type_name != NULL)
			desc[n++] = xstrfmt("most sites of type '%s'",
			    e->site->type_name);
		else
			desc[n++] = xstrdup("most sites without a type");
		break;
	case SAME_TAG:
		for (i = 0; e->site->tags != NULL && e->site->tags[i] != NULL;
		    i++) {
			keys = xreallocarray(keys, n + 2, sizeof *keys);
			desc = xreallocarray(desc, n + 2, sizeof *desc);
			keys[n] = xstrfmt("tag\x1f%s", e->site->tags[i]);
			desc[n++] = xstrfmt("most sites tagged '%s'",
			    e->site->tags[i]);
			keys[n] = desc[n] = NULL;
		}
		break;
	case SAME_NONE:
		break;
	}
	*says = desc;
	return (keys);
}

static json_t *
same_counts(json_t *all, const struct same_entry *e, const char *group,
    const char *name)
{
	json_t	*c;
	char	*key;

	key = xstrfmt("%s\x1f%s\x1f%s", e->test->name, group, name);
	if ((c = json_object_get(all, key)) == NULL) {
		c = json_object();
		json_object_set_new(all, key, c);
	}
	free(key);
	return (c);
}

static int
same_cmp(const void *a, const void *b)
{
	const struct same_entry	*x = a, *y = b;

	return (x->index < y->index ? -1 : x->index > y->index);
}

/* Compare one entry's captures with its groups'; fail it if it differs. */
static void
same_judge(struct same_set *sa, json_t *all, struct same_entry *e)
{
	const char	*name, *val, *top, *have;
	char		**keys, **desc;
	json_t		*v, *c, *n;
	json_int_t	 best, total;
	size_t		 g;
	int		 tie, done = 0;
	struct buf	 b;

	keys = same_groups(e, &desc);
	for (g = 0; keys[g] != NULL && !done; g++) {
		json_object_foreach(e->r.captures, name, v) {
			if (sa->expect != NULL && json_object_get(sa->expect,
			    name) != NULL)
				continue;
			c = same_counts(all, e, keys[g], name);
			top = NULL;
			best = total = 0;
			tie = 0;
			json_object_foreach(c, val, n) {
				total += json_integer_value(n);
				if (json_integer_value(n) > best) {
					best = json_integer_value(n);
					top = val;
					tie = 0;
				} else if (json_integer_value(n) == best)
					tie = 1;
			}
			have = json_string_value(v);
			if (!tie && strcmp(have, top) == 0)
				continue;
			if (!tie) {
				same_fail(&e->r, name, xstrfmt("capture %s: this "
				    "site served '%s'; %s (%lld of %lld) served "
				    "'%s' (same_across = %s)", name, have,
				    desc[g], (long long)best, (long long)total,
				    top, e->test->same_across == SAME_TYPE ?
				    "type" : e->test->same_across == SAME_TAG ?
				    "tag" : "fleet"));
			} else {
				buf_init(&b);
				json_object_foreach(c, val, n)
					buf_printf(&b, "%s'%s' %lld", b.len > 0 ?
					    ", " : "", val,
					    (long long)json_integer_value(n));
				same_fail(&e->r, name, xstrfmt("capture %s: this "
				    "site served '%s'; no value has a majority "
				    "where %s must agree (%s)", name, have,
				    desc[g] + 5, b.data));
				buf_free(&b);
			}
			done = 1;
			break;
		}
	}
	free_strv(keys);
	free_strv(desc);
}

/*
 * Every pair of test has ended (NULL: the sweep is over): compare what
 * each group captured, fail the sites that differ, and hand those held
 * results to emit in plan order.
 */
void
same_flush(struct same_set *sa, const struct test *only,
    void (*emit)(void *, size_t, struct result *), void *arg)
{
	const char		*name;
	char			**keys, **desc;
	json_t			*all, *v, *c, *n;
	struct same_entry	*out;
	size_t			 i, g, nout = 0, nkeep = 0;

	all = json_object();
	for (i = 0; i < sa->n; i++) {
		if (only != NULL && sa->v[i].test != only)
			continue;
		if (!result_passed(&sa->v[i].r) || sa->v[i].r.captures == NULL)
			continue;
		keys = same_groups(&sa->v[i], &desc);
		for (g = 0; keys[g] != NULL; g++) {
			json_object_foreach(sa->v[i].r.captures, name, v) {
				c = same_counts(all, &sa->v[i], keys[g], name);
				n = json_object_get(c, json_string_value(v));
				json_object_set_new(c, json_string_value(v),
				    json_integer(n != NULL ?
				    json_integer_value(n) + 1 : 1));
			}
		}
		free_strv(keys);
		free_strv(desc);
	}
	/* Those of the test (or all) move out, the others stay. */
	out = xcalloc(sa->n > 0 ? sa->n : 1, sizeof *out);
	for (i = 0; i < sa->n; i++) {
		if (only == NULL || sa->v[i].test == only)
			out[nout++] = sa->v[i];
		else
			sa->v[nkeep++] = sa->v[i];
	}
	sa->n = nkeep;
	for (i = 0; i < nout; i++) {
		if (result_passed(&out[i].r) && out[i].r.captures != NULL)
			same_judge(sa, all, &out[i]);
	}
	json_decref(all);
	if (nout > 0)
		qsort(out, nout, sizeof *out, same_cmp);
	for (i = 0; i < nout; i++) {
		emit(arg, out[i].index, &out[i].r);
		result_clear(&out[i].r);
	}
	free(out);
}
