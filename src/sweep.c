/*
 * sweep.c: pairs -> jobs -> results -> sinks.
 *
 * The plan's pairs are listed once (24 bytes each); everything else a pair
 * needs to run (its program, host, server keys, session settings) is made
 * when the runner pulls it and freed when its result has gone to every
 * sink, so a sweep's memory follows the sessions in flight. Skipped pairs
 * (live = no) get their records right after run_start.
 *
 * sweep_compile renders and compiles every pair before anything runs, so
 * a broken script is refused before the first request; the programs are
 * made again as each pair starts. A compile error that many sites share
 * is printed once, with the sites it was seen on.
 */
#include <ctype.h>
#include <errno.h>

#include <curl/curl.h>

#include "plan.h"
#include "record.h"
#include "redact.h"
#include "runner.h"
#include "same-across.h"
#include "sweep.h"

/* What a pair needs while it runs. */
struct sweep_job {
	struct sweep		*sweep;
	size_t			 index;
	char			*host;		/* lower case, for caps */
	char			*connect_to;	/* per-server checks */
	char		       **servers;	/* per-server cap keys */
	struct session_config	 cfg;
};

struct sweep {
	struct engine		*engine;
	struct sweep_plan	 plan;
	struct pair		*pairs;
	size_t			 npairs;
	size_t			 next;		/* next pair for the runner */
	char			*run_id;
	struct run_info		 run;
	struct sink_list	 sinks;
	struct runner		*runner;
	struct map		 resolve;	/* host -> char ** */
	char		       **no_resolve;	/* an empty list */
	struct event		*grace;
	int			 signals;
	size_t			 early;		/* results counted for abort_if */
	size_t			 early_class[ERR__COUNT];
	int			 finished;
	struct same_set	*same;		/* results held for same_across */
	void			(*done)(struct sweep *, void *);
	void			*done_arg;
	/* Work between the last result and run_end (alerts), or NULL. */
	void			(*finish)(struct sweep *, struct run_info *,
				    void *);
	void			*finish_arg;
};

static const struct runner_ops sweep_runner_ops;

/* A sweep of a plan on an engine; nothing runs until sweep_start. */
struct sweep *
sweep_create(struct engine *e, const struct sweep_plan *plan)
{
	struct sweep	*sw;
	size_t		 i, n;

	sw = xcalloc(1, sizeof *sw);
	sw->engine = e;
	sw->plan = *plan;
	sw->pairs = inventory_pairs(plan->inv, plan->sel, 1, plan->per_server,
	    &sw->npairs);
	if (plan->keep != NULL) {
		for (n = 0, i = 0; i < sw->npairs; i++) {
			if (plan->keep(&sw->pairs[i], plan->keep_arg))
				sw->pairs[n++] = sw->pairs[i];
		}
		sw->npairs = n;
	}
	TAILQ_INIT(&sw->sinks);
	map_init(&sw->resolve);
	sw->no_resolve = xcalloc(1, sizeof *sw->no_resolve);
	sw->run_id = plan->run_id != NULL ? xstrdup(plan->run_id) :
	    record_run_id();
	sw->run.shard = plan->shard;
	sw->run.id = sw->run_id;
	sw->run.command = plan->command;
	sw->run.inventory = plan->inv->path;
	sw->run.sel = plan->sel;
	sw->run.set = plan->set;
	sw->run.per_server = plan->per_server;
	sw->run.pairs = sw->npairs;
	sw->run.base = engine_base(e);
	sw->same = same_create(plan->expect);
	for (i = 0; i < sw->npairs; i++) {
		if (sw->pairs[i].site->live &&
		    sw->pairs[i].test->same_across != SAME_NONE)
			same_due(sw->same, sw->pairs[i].test);
	}
	for (i = 0; i < sw->npairs; i++) {
		if (sw->pairs[i].site->live)
			sw->run.to_run++;
	}
	return (sw);
}

static void
sweep_free_list(void *v)
{
	free_strv(v);
}

/* Free a sweep and its sinks. */
void
sweep_free(struct sweep *sw)
{
	if (sw == NULL)
		return;
	runner_free(sw->runner);
	same_free(sw->same);
	if (sw->grace != NULL)
		event_free(sw->grace);
	sinks_free(&sw->sinks);
	map_free(&sw->resolve, sweep_free_list);
	free(sw->no_resolve);
	free(sw->pairs);
	free(sw->run_id);
	free(sw->run.aborted);
	json_decref((json_t *)sw->run.wait);
	json_decref(sw->run.alerts);
	free(sw);
}

/* How many pairs the sweep has, skipped ones included. */
size_t
sweep_npairs(const struct sweep *sw)
{
	return (sw->npairs);
}

/* A pair of the plan. */
const struct pair *
sweep_pair(const struct sweep *sw, size_t i)
{
	return (&sw->pairs[i]);
}

/* Add a sink; results go to sinks in the order they were added. */
void
sweep_add_sink(struct sweep *sw, struct sink *k)
{
	TAILQ_INSERT_TAIL(&sw->sinks, k, entry);
}

/* What --wait-for found, for run_start (the sweep takes the reference). */
void
sweep_set_wait(struct sweep *sw, json_t *wait)
{
	json_decref((json_t *)sw->run.wait);
	sw->run.wait = wait;
}

/* The run as the sinks see it. */
const struct run_info *
sweep_info(const struct sweep *sw)
{
	return (&sw->run);
}

/*
 * Run fn once every check is over, before the sinks' end: it may start work
 * on the loop (deliveries) and add to run_end (run->alerts), and calls
 * sweep_resume when it is done.
 */
void
sweep_set_finish(struct sweep *sw, void (*fn)(struct sweep *,
    struct run_info *, void *), void *arg)
{
	sw->finish = fn;
	sw->finish_arg = arg;
}

/* The exit status, once the sweep is done. */
int
sweep_exit_status(const struct sweep *sw)
{
	return (sw->run.exit_status);
}

/*
 * Records the sinks could not write; *err and *what (borrowed) describe
 * the first sink that failed.
 */
size_t
sweep_write_errors(const struct sweep *sw, int *err, char **what)
{
	const struct sink	*k;

	TAILQ_FOREACH(k, &sw->sinks, entry) {
		if (k->errors > 0) {
			*err = k->last_errno;
			*what = k->what;
			break;
		}
	}
	return (sinks_errors(&sw->sinks));
}

/* The host name a resolve entry ([+-]HOST:PORT:...) pins, lower case. */
static char *
sweep_resolve_host(const char *entry)
{
	char	*h;

	if (*entry == '+' || *entry == '-')
		entry++;
	h = xstrndup(entry, strcspn(entry, ":"));
	for (char *p = h; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return (h);
}

/*
 * Per-host resolve lists: libcurl parses a handle's whole CURLOPT_RESOLVE
 * list on every transfer, so a fleet of 10,000 pinned names must not give
 * every session all 10,000. Each site host pinned by an entry gets its own
 * entries plus those that pin no site's host (an SSO domain, say); other
 * hosts get only those. Without any entry, every session gets none.
 */
static void
sweep_resolve_lists(struct sweep *sw)
{
	char *const	 *resolve = sw->plan.set->resolve;
	struct map	  hosts;
	char		**global, *h, **v;
	size_t		  i, k, n, nglobal = 0;

	if (resolve == NULL || resolve[0] == NULL)
		return;
	map_init(&hosts);
	for (i = 0; i < sw->npairs; i++) {
		if (!sw->pairs[i].site->live)
			continue;
		h = http_url_host(sw->pairs[i].site->url);
		map_set(&hosts, h, &hosts);
		free(h);
	}
	global = xcalloc(strv_len(resolve) + 1, sizeof *global);
	for (i = 0; resolve[i] != NULL; i++) {
		h = sweep_resolve_host(resolve[i]);
		if (map_get(&hosts, h) == NULL)
			global[nglobal++] = resolve[i];
		free(h);
	}
	sw->no_resolve = xreallocarray(sw->no_resolve, nglobal + 1,
	    sizeof *sw->no_resolve);
	for (k = 0; k < nglobal; k++)
		sw->no_resolve[k] = global[k];
	sw->no_resolve[nglobal] = NULL;
	for (i = 0; resolve[i] != NULL; i++) {
		h = sweep_resolve_host(resolve[i]);
		if (map_get(&hosts, h) != NULL) {
			if ((v = map_get(&sw->resolve, h)) == NULL) {
				v = xcalloc(nglobal + 1, sizeof *v);
				for (k = 0; k < nglobal; k++)
					v[k] = xstrdup(global[k]);
			}
			n = strv_len(v);
			v = xreallocarray(v, n + 2, sizeof *v);
			v[n] = xstrdup(resolve[i]);
			v[n + 1] = NULL;
			map_set(&sw->resolve, h, v);
		}
		free(h);
	}
	free(global);
	map_free(&hosts, NULL);
}

/* The results' where: names of the pair (borrowed from the inventory). */
static void
sweep_where(struct sweep *sw, const struct pair *p, struct result *r)
{
	r->where.run = sw->run_id;
	r->where.site = p->site->name;
	r->where.url = p->site->url;
	r->where.type = p->site->type_name;
	r->where.test = p->test->name;
	r->where.server = p->server != NULL ? p->server->name : NULL;
	r->where.recipients = p->site->recipients;
}

static void	sweep_abort_check(struct sweep *, const struct result *);

/* Give a final result to every sink. */
static void
sweep_emit_final(void *arg, size_t index, struct result *r)
{
	struct sweep	*sw = arg;

	sweep_where(sw, &sw->pairs[index], r);
	r->index = index;
	result_counts_add(&sw->run.counts, r->status);
	sinks_result(&sw->sinks, &sw->run, r);
}

/* A final result: to the sinks, and counted for --abort-if. */
static void
sweep_emit(struct sweep *sw, size_t index, struct result *r)
{
	sweep_emit_final(sw, index, r);
	if (r->status != RESULT_SKIPPED && r->status != RESULT_NOT_STARTED)
		sweep_abort_check(sw, r);
}

/* A pair's record without running it: skipped, or an internal error. */
static void
sweep_record(struct sweep *sw, size_t index, enum result_status st,
    enum error_class ec, const char *why)
{
	struct result	r;

	result_init(&r);
	r.status = st;
	r.eclass = ec;
	r.start_us = realtime_usec();
	r.message = xstrdup(why);
	sweep_emit(sw, index, &r);
	result_clear(&r);
}

static void
sweep_job_free(struct sweep_job *j)
{
	free(j->host);
	free(j->connect_to);
	free_strv(j->servers);
	free(j);
}

/* What a pair needs to run. */
static struct sweep_job *
sweep_job_create(struct sweep *sw, size_t index)
{
	const struct settings	*set = sw->plan.set;
	const struct pair	*p = &sw->pairs[index];
	const char		*a;
	struct sweep_job	*j;
	char		       **v;
	size_t			 k;

	j = xcalloc(1, sizeof *j);
	j->sweep = sw;
	j->index = index;
	j->host = http_url_host(p->site->url);
	if (p->server != NULL) {
		a = p->server->address;
		j->connect_to = xstrfmt(strchr(a, ':') != NULL && *a != '[' ?
		    "%s::[%s]:" : "%s::%s:", j->host, a);
		j->servers = xcalloc(2, sizeof *j->servers);
		j->servers[0] = xstrdup(p->server->name);
	} else if (p->site->nservers > 0) {
		j->servers = xcalloc(p->site->nservers + 1, sizeof *j->servers);
		for (k = 0; k < p->site->nservers; k++)
			j->servers[k] = xstrdup(p->site->servers[k]->name);
	}
	j->cfg.timeout_ms = set->timeout;
	j->cfg.connect_timeout_ms = set->connect_timeout;
	j->cfg.max_body = set->max_body;
	j->cfg.max_headers = set->max_headers;
	j->cfg.max_refresh = set->max_refresh;
	j->cfg.max_elements = set->max_elements;
	j->cfg.insecure = set->insecure || p->site->insecure;
	j->cfg.user_agent = set->user_agent;
	v = map_get(&sw->resolve, j->host);
	j->cfg.resolve = v != NULL ? v : sw->no_resolve;
	j->cfg.connect_to = j->connect_to;
	j->cfg.output_cap = set->output_cap;
	return (j);
}

/* The runner's source: the next live pair, compiled. */
static int
sweep_next(void *arg, struct job_spec *spec)
{
	struct sweep		*sw = arg;
	const struct pair	*p;
	struct sweep_job	*j;
	struct program		*prog;
	struct diag		 d;

	for (; sw->next < sw->npairs; sw->next++) {
		p = &sw->pairs[sw->next];
		if (!p->site->live)
			continue;
		diag_init(&d);
		prog = plan_compile(p->test, p->site, p->server, &d, NULL);
		diag_free(&d);
		if (prog == NULL) {
			/* It compiled before the sweep: the inventory changed? */
			sweep_record(sw, sw->next, RESULT_ERROR, ERR_INTERNAL,
			    "the script compiled before the sweep but not when "
			    "it was due to run");
			continue;
		}
		j = sweep_job_create(sw, sw->next);
		spec->prog = prog;
		spec->cfg = &j->cfg;
		spec->host = j->host;
		spec->servers = j->servers;
		spec->deadline_ms = p->test->deadline_ms > 0 ?
		    p->test->deadline_ms : sw->plan.set->deadline;
		spec->index = sw->next;
		spec->user = j;
		sw->next++;
		return (1);
	}
	return (-1);
}

static void
sweep_started(void *arg, void *user)
{
	struct sweep	*sw = arg;

	(void)user;
	sw->run.started++;
}

/* A pair's result is final: to the sinks, then its job goes. */
static void
sweep_done(void *arg, void *user, struct result *r)
{
	struct sweep		*sw = arg;
	struct sweep_job	*j = user;
	const struct pair	*p = &sw->pairs[j->index];

	same_expect(sw->plan.expect, r);
	if (p->test->same_across != SAME_NONE) {
		/* Its record waits for the group's (same-across.h). */
		sweep_abort_check(sw, r);
		if (same_hold(sw->same, j->index, r, p->site, p->test))
			same_flush(sw->same, p->test, sweep_emit_final, sw);
	} else
		sweep_emit(sw, j->index, r);
	sweep_job_free(j);
}

/* A job the runner took but will not start (the sweep was stopped). */
static void
sweep_discard(void *arg, void *user)
{
	struct sweep		*sw = arg;
	struct sweep_job	*j = user;

	if (sw->run.aborted != NULL)
		sweep_record(sw, j->index, RESULT_NOT_STARTED, ERR_NONE,
		    sw->run.aborted);
	sweep_job_free(j);
}

/*
 * --abort-if: once abort_after results are in, stop starting checks when
 * at least abort_percent of them failed with the same error class (a
 * broken deploy, or the fleet unreachable), rather than after the whole
 * fleet timed out. Checks in flight finish; the others get a record.
 */
static void
sweep_abort_check(struct sweep *sw, const struct result *r)
{
	size_t	i, worst = 1;

	if (sw->plan.abort_after <= 0 || sw->run.aborted != NULL ||
	    sw->early >= (size_t)sw->plan.abort_after)
		return;
	sw->early++;
	if (result_failed(r))
		sw->early_class[r->eclass]++;
	if (sw->early < (size_t)sw->plan.abort_after)
		return;
	for (i = 1; i < ERR__COUNT; i++) {
		if (sw->early_class[i] > sw->early_class[worst])
			worst = i;
	}
	if (sw->early_class[worst] * 100 < (size_t)sw->plan.abort_percent *
	    sw->early || sw->early_class[worst] == 0)
		return;
	sw->run.aborted = xstrfmt("not started: the sweep was aborted (%zu of "
	    "the first %zu checks failed with %s errors; --abort-if %ld%%/%ld)",
	    sw->early_class[worst], sw->early, error_class_name(worst),
	    sw->plan.abort_percent, sw->plan.abort_after);
	runner_stop(sw->runner);
}

/* Everything ran (or was stopped): totals, exit status, run_end. */
static void
sweep_drained(void *arg)
{
	struct sweep		*sw = arg;
	struct run_info		*run = &sw->run;
	size_t			 ran;

	if (sw->finished)
		return;
	sw->finished = 1;
	if (sw->grace != NULL)
		event_del(sw->grace);
	same_flush(sw->same, NULL, sweep_emit_final, sw);
	if (run->aborted != NULL) {
		/* The pairs the runner never took. */
		for (; sw->next < sw->npairs; sw->next++) {
			if (sw->pairs[sw->next].site->live)
				sweep_record(sw, sw->next, RESULT_NOT_STARTED,
				    ERR_NONE, run->aborted);
		}
	}
	run->duration_us = monotonic_usec() - run->start_mono;
	ran = run->counts.total - run->counts.by_status[RESULT_SKIPPED] -
	    run->counts.by_status[RESULT_NOT_STARTED];
	run->not_started = run->to_run > ran ? run->to_run - ran : 0;
	run->write_errors = sinks_errors(&sw->sinks);
	run->exit_status = result_counts_failed(&run->counts) > 0 ?
	    KONG_EXIT_FAILED : KONG_EXIT_OK;
	if (run->aborted != NULL)
		run->exit_status = KONG_EXIT_ABORTED;
	if (run->interrupted)
		run->exit_status = KONG_EXIT_INTERRUPTED;
	if (run->write_errors > 0)
		run->exit_status = KONG_EXIT_IO;
	if (sw->finish != NULL) {
		sinks_flush(&sw->sinks);	/* the store's batch, for alerts */
		sw->finish(sw, run, sw->finish_arg);	/* then sweep_resume */
		return;
	}
	sweep_resume(sw);
}

/*
 * The finish hook is done: every sink's end (the log writes run_end), then
 * the owner's done callback.
 */
void
sweep_resume(struct sweep *sw)
{
	struct run_info		*run = &sw->run;

	sinks_end(&sw->sinks, run);
	if (sinks_errors(&sw->sinks) > run->write_errors)
		run->exit_status = KONG_EXIT_IO;
	if (sw->done != NULL)
		sw->done(sw, sw->done_arg);	/* may free sw */
}

static const struct runner_ops sweep_runner_ops = {
	sweep_next,
	sweep_started,
	sweep_done,
	sweep_discard,
	sweep_drained,
};

/*
 * Start the sweep on its engine: run_start, the skipped pairs' records,
 * then the pairs themselves. done is called from the loop once it is over.
 */
void
sweep_start(struct sweep *sw, void (*done)(struct sweep *, void *),
    void *arg)
{
	const struct settings	*set = sw->plan.set;
	struct runner_options	 ro;
	size_t			 i;

	sw->done = done;
	sw->done_arg = arg;
	http_set_max_connects(engine_http(sw->engine), set->max_connects);
	sweep_resolve_lists(sw);
	sw->run.start_us = realtime_usec();
	sw->run.start_mono = monotonic_usec();
	sinks_start(&sw->sinks, &sw->run);
	for (i = 0; i < sw->npairs; i++) {
		if (!sw->pairs[i].site->live)
			sweep_record(sw, i, RESULT_SKIPPED, ERR_NONE,
			    "the site is not live (live = no)");
	}
	memset(&ro, 0, sizeof ro);
	ro.concurrency = set->concurrency;
	ro.host_cap = set->host_cap;
	ro.server_cap = set->server_cap;
	ro.retries = set->retries;
	ro.retry_5xx = set->retry_5xx;
	ro.backoff_ms = set->retry_backoff;
	sw->runner = runner_create(sw->engine, &ro, &sweep_runner_ops, sw);
	runner_start(sw->runner);
}

/* The grace period after a signal ended: cancel what still runs. */
static void
sweep_grace_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct sweep	*sw = arg;

	(void)fd;
	(void)kind;
	runner_cancel(sw->runner, "cancelled: interrupted by a signal");
}

/*
 * SIGINT or SIGTERM, as the program forwards them: the first stops new
 * checks and gives those in flight the grace period; the second (or the
 * end of the grace period) cancels them.
 */
void
sweep_interrupt(struct sweep *sw)
{
	struct timeval	tv;
	long		ms = sw->plan.set->grace;

	if (sw->runner == NULL || sw->finished)
		return;
	sw->run.interrupted = 1;
	if (sw->signals++ > 0) {
		sweep_grace_cb(-1, 0, sw);
		return;
	}
	runner_stop(sw->runner);
	if (runner_in_flight(sw->runner) > 0) {
		sw->grace = evtimer_new(engine_base(sw->engine), sweep_grace_cb,
		    sw);
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		evtimer_add(sw->grace, &tv);
	}
}

/* Compile errors seen on several pairs, printed once. */
struct sweep_cerr {
	char		*text;
	const char	*test;
	char		**who;
	size_t		  nwho;
};

#define SWEEP_WHO_SHOWN	5

/* Print one group: the errors, then where they were seen. */
static void
sweep_cerr_print(const struct sweep_cerr *g, FILE *f)
{
	size_t	i;

	redact_fwrite(g->text, strlen(g->text), f);
	if (g->nwho == 1) {
		fprintf(f, "kong: note: in test '%s' rendered for site '%s'; see "
		    "it with: kong render %s %s\n", g->test, g->who[0],
		    g->who[0], g->test);
		return;
	}
	fprintf(f, "kong: note: in test '%s' rendered for %zu sites: ", g->test,
	    g->nwho);
	for (i = 0; i < g->nwho && i < SWEEP_WHO_SHOWN; i++)
		fprintf(f, "%s%s", i > 0 ? ", " : "", g->who[i]);
	if (g->nwho > SWEEP_WHO_SHOWN)
		fprintf(f, " (and %zu more)", g->nwho - SWEEP_WHO_SHOWN);
	fprintf(f, "; see one with: kong render %s %s\n", g->who[0], g->test);
}

static void
sweep_unref_program(void *p)
{
	program_unref(p);
}

/* Remember a pair's compile errors in their group. */
static void
sweep_cerr_add(struct map *groups, struct sweep_cerr ***order, size_t *n,
    const struct pair *p, const struct diag *d)
{
	struct sweep_cerr	*g;
	struct buf		 text;
	size_t			 i;

	buf_init(&text);
	buf_printf(&text, "%s\n", p->test->name);
	for (i = 0; i < d->n; i++) {
		if (d->v[i].level == DIAG_ERROR)
			buf_adds(&text, d->v[i].text);
	}
	if ((g = map_get(groups, text.data)) == NULL) {
		g = xcalloc(1, sizeof *g);
		g->text = xstrdup(text.data + strlen(p->test->name) + 1);
		g->test = p->test->name;
		map_set(groups, text.data, g);
		*order = xreallocarray(*order, *n + 1, sizeof **order);
		(*order)[(*n)++] = g;
	}
	g->who = xreallocarray(g->who, g->nwho + 1, sizeof *g->who);
	g->who[g->nwho++] = p->server != NULL ? xstrfmt("%s --server %s",
	    p->site->name, p->server->name) : xstrdup(p->site->name);
	buf_free(&text);
}

/*
 * Render and compile every live pair. Errors go to f, each distinct one
 * once with the sites it was seen on. Returns the number of pairs that
 * did not compile.
 */
int
sweep_compile(struct sweep *sw, FILE *f)
{
	struct sweep_cerr	**order = NULL, *g;
	struct map		  warm, groups;
	const struct pair	 *p;
	struct program		 *prog;
	struct diag		  d;
	size_t			  i, k, n = 0;
	int			  failed = 0;

	map_init(&warm);
	map_init(&groups);
	for (i = 0; i < sw->npairs; i++) {
		p = &sw->pairs[i];
		if (!p->site->live)
			continue;
		diag_init(&d);
		prog = plan_compile(p->test, p->site, p->server, &d, NULL);
		if (prog == NULL) {
			failed++;
			sweep_cerr_add(&groups, &order, &n, p, &d);
		} else {
			/*
			 * Hold each test's latest program until the next of
			 * that test is compiled: its regexes stay in the
			 * shared cache for the next site (the sites of a test
			 * share their patterns) rather than being compiled
			 * and JIT-compiled again for each.
			 */
			program_unref(map_get(&warm, p->test->name));
			map_set(&warm, p->test->name, prog);
		}
		diag_free(&d);
	}
	map_free(&warm, sweep_unref_program);
	for (i = 0; i < n; i++) {
		g = order[i];
		sweep_cerr_print(g, f);
		for (k = 0; k < g->nwho; k++)
			free(g->who[k]);
		free(g->who);
		free(g->text);
		free(g);
	}
	free(order);
	map_free(&groups, NULL);
	return (failed);
}
