/*
 * bench.c: running the checks as a load test (bench.h).
 *
 * The pairs are compiled once and their programs kept; each iteration is
 * a job of one runner, and the bench is the runner's source. In the
 * closed loop the runner's concurrency is the number of sessions and the
 * source always has a job (until the end). In the open loop the source
 * has a job only once the next arrival is due, and arms a timer to wake
 * the runner for it; the runner's concurrency is only a ceiling
 * (max_in_flight), so a due arrival that finds every slot taken starts
 * late, and its latency still counts from when it was due.
 *
 * Time is the monotonic clock throughout. The measured window is
 * [t0 + warmup, t0 + warmup + duration): iterations due inside it are
 * counted, the others run but are not.
 */
#include <sys/resource.h>

#include <math.h>

#include "bench.h"
#include "plan.h"
#include "runner.h"

/* One pair, compiled. */
struct bench_pair {
	struct program		*prog;
	struct session_config	 cfg;
	char			*connect_to;
	long			 deadline_ms;
};

/* One iteration in flight. */
struct bench_iter {
	struct bench		*bench;
	size_t			 pair;
	uint64_t		 due;		/* monotonic us */
	uint64_t		 started;
	int			 measured;
};

struct bench {
	struct engine		*engine;
	struct bench_config	 cfg;
	struct pair		*pairs;
	size_t			 npairs;
	struct bench_pair	*bp;
	struct bench_report	 report;
	struct runner		*runner;
	uint64_t		 t0;
	uint64_t		 t_measure;
	uint64_t		 t_end;		/* 0: by iterations */
	uint64_t		 k;		/* arrivals handed out */
	uint64_t		 begun;		/* iterations begun, measured */
	size_t			 rr;		/* next pair, round robin */
	uint64_t		 requests_all;	/* warmup included, for CPU */
	struct rusage		 ru0;
	struct event		*wake;		/* the next arrival, or ramp */
	struct event		*end;		/* the end of the window */
	struct event		*grace;
	int			 ended;
	int			 signals;
	void			(*done)(struct bench *, void *);
	void			*done_arg;
};

/* A bench of the selected live pairs; nothing runs until bench_start. */
struct bench *
bench_create(struct engine *e, const struct bench_config *cfg)
{
	struct bench	*b;
	size_t		 i;

	b = xcalloc(1, sizeof *b);
	b->engine = e;
	b->cfg = *cfg;
	b->pairs = inventory_pairs(cfg->inv, cfg->sel, 0, cfg->per_server,
	    &b->npairs);
	b->bp = xcalloc(b->npairs + 1, sizeof *b->bp);
	b->report.open = cfg->open;
	b->report.rate = cfg->open ? cfg->rate : 0;
	b->report.sessions = cfg->open ? 0 : cfg->sessions;
	b->report.new_connections = cfg->new_connections;
	b->report.machines = 1;
	b->report.targets = xcalloc(b->npairs + 1, sizeof *b->report.targets);
	b->report.ntargets = b->npairs;
	for (i = 0; i < b->npairs; i++) {
		struct bench_target *t = &b->report.targets[i];

		t->site = xstrdup(b->pairs[i].site->name);
		t->test = xstrdup(b->pairs[i].test->name);
		t->server = b->pairs[i].server != NULL ?
		    xstrdup(b->pairs[i].server->name) : NULL;
		histogram_init(&t->latency);
		histogram_init(&t->latency_raw);
	}
	return (b);
}

/* Free a bench. */
void
bench_free(struct bench *b)
{
	size_t	i;

	if (b == NULL)
		return;
	runner_free(b->runner);
	if (b->wake != NULL)
		event_free(b->wake);
	if (b->end != NULL)
		event_free(b->end);
	if (b->grace != NULL)
		event_free(b->grace);
	for (i = 0; i < b->npairs; i++) {
		program_unref(b->bp[i].prog);
		free(b->bp[i].connect_to);
	}
	free(b->bp);
	free(b->pairs);
	bench_report_free(&b->report);
	free(b);
}

/* How many pairs it runs. */
size_t
bench_npairs(const struct bench *b)
{
	return (b->npairs);
}

/* The numbers (final once done is called). */
const struct bench_report *
bench_result(const struct bench *b)
{
	return (&b->report);
}

/*
 * Compile every pair once, with its session settings. Errors go to f.
 * Returns the number of pairs that did not compile.
 */
int
bench_compile(struct bench *b, FILE *f)
{
	const struct settings	*set = b->cfg.set;
	const struct pair	*p;
	struct bench_pair	*bp;
	struct diag		 d;
	const char		*a;
	char			*host;
	int			 bad = 0;
	size_t			 i;

	for (i = 0; i < b->npairs; i++) {
		p = &b->pairs[i];
		bp = &b->bp[i];
		diag_init(&d);
		if ((bp->prog = plan_compile(p->test, p->site, p->server, &d,
		    NULL)) == NULL) {
			bad++;
			diag_print(&d, f);
		}
		diag_free(&d);
		bp->cfg.timeout_ms = set->timeout;
		bp->cfg.connect_timeout_ms = set->connect_timeout;
		bp->cfg.max_body = set->max_body;
		bp->cfg.max_headers = set->max_headers;
		bp->cfg.max_refresh = set->max_refresh;
		bp->cfg.max_elements = set->max_elements;
		bp->cfg.insecure = set->insecure || p->site->insecure;
		bp->cfg.user_agent = set->user_agent;
		bp->cfg.resolve = set->resolve;
		bp->cfg.output_cap = 1024;
		bp->cfg.connections = b->cfg.new_connections ?
		    SESSION_CONNS_NEW : SESSION_CONNS_KEEP;
		if (p->server != NULL) {
			/* As the sweep connects per server: the site's name. */
			a = p->server->address;
			host = http_url_host(p->site->url);
			bp->connect_to = xstrfmt(strchr(a, ':') != NULL &&
			    *a != '[' ? "%s::[%s]:" : "%s::%s:", host, a);
			free(host);
			bp->cfg.connect_to = bp->connect_to;
		}
		bp->deadline_ms = p->test->deadline_ms > 0 ?
		    p->test->deadline_ms : set->deadline;
	}
	return (bad);
}

/*
 * When arrival k is due, in microseconds after t0: k / rate, the rate
 * rising linearly from 0 over the ramp (the arrivals up to t number
 * rate * t^2 / (2 ramp) then).
 */
static uint64_t
bench_due(const struct bench *b, uint64_t k)
{
	double	r = b->cfg.rate / 1e6, ramp = b->cfg.ramp_ms * 1e3;
	double	n = (double)k, t;

	if (ramp <= 0)
		return ((uint64_t)(n / r));
	if (n <= r * ramp / 2)
		t = sqrt(2 * ramp * n / r);
	else
		t = ramp + (n - r * ramp / 2) / r;
	return ((uint64_t)t);
}

/* Wake the runner at monotonic time at (or now). */
static void
bench_wake_at(struct bench *b, uint64_t at)
{
	struct timeval	tv;
	uint64_t	now = monotonic_usec(), us = at > now ? at - now : 0;

	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	evtimer_add(b->wake, &tv);
}

/* Sessions allowed now in the closed loop: all, or fewer while ramping. */
static size_t
bench_allowed(const struct bench *b, uint64_t now)
{
	double	frac;

	if (b->cfg.ramp_ms <= 0 || now >= b->t0 + (uint64_t)b->cfg.ramp_ms * 1000)
		return ((size_t)b->cfg.sessions);
	frac = (double)(now - b->t0) / (b->cfg.ramp_ms * 1000.0);
	return ((size_t)fmax(1, ceil(frac * (double)b->cfg.sessions)));
}

/* Whether no more iterations may begin. */
static int
bench_over(const struct bench *b, uint64_t due)
{
	if (b->ended)
		return (1);
	if (b->t_end != 0 && due >= b->t_end)
		return (1);
	return (b->cfg.iterations > 0 && b->begun >= b->cfg.iterations &&
	    due >= b->t_measure);
}

/* The runner's source: the next iteration, when one is due. */
static int
bench_next(void *arg, struct job_spec *spec)
{
	struct bench		*b = arg;
	struct bench_iter	*it;
	uint64_t		 now = monotonic_usec(), due;
	size_t			 i;

	if (b->cfg.open) {
		due = b->t0 + bench_due(b, b->k);
		if (bench_over(b, due))
			return (-1);
		if (due > now) {
			bench_wake_at(b, due);
			return (0);
		}
		b->k++;
	} else {
		due = now;
		if (bench_over(b, due))
			return (-1);
		if (runner_in_flight(b->runner) >= bench_allowed(b, now)) {
			bench_wake_at(b, now + 50000);
			return (0);
		}
	}
	i = b->rr++ % b->npairs;
	it = xcalloc(1, sizeof *it);
	it->bench = b;
	it->pair = i;
	it->due = due;
	it->measured = due >= b->t_measure;
	if (it->measured) {
		b->begun++;
		if (b->cfg.open && now - due > (uint64_t)b->cfg.late_ms * 1000)
			b->report.late++;
	}
	spec->prog = program_ref(b->bp[i].prog);
	spec->cfg = &b->bp[i].cfg;
	spec->deadline_ms = b->bp[i].deadline_ms;
	spec->index = i;
	spec->user = it;
	return (1);
}

static void
bench_started(void *arg, void *user)
{
	struct bench_iter	*it = user;

	(void)arg;
	it->started = monotonic_usec();
}

/* The step statistics of a target for step i, made the first time. */
static struct bench_step *
bench_step(struct bench_target *t, size_t i, const struct step *st)
{
	struct bench_step	*bs;
	size_t			 k;

	while (t->nsteps <= i) {
		t->steps = xreallocarray(t->steps, t->nsteps + 1,
		    sizeof *t->steps);
		bs = &t->steps[t->nsteps++];
		memset(bs, 0, sizeof *bs);
		for (k = 0; k < BENCH__NPHASES; k++)
			histogram_init(&bs->phase[k]);
	}
	bs = &t->steps[i];
	if (bs->command == NULL) {
		bs->command = xstrdup(st->command != NULL ? st->command : "?");
		bs->line = st->line;
	}
	return (bs);
}

/* An iteration ended: count it if it was due in the window. */
static void
bench_done(void *arg, void *user, struct result *r)
{
	struct bench		*b = arg;
	struct bench_iter	*it = user;
	struct bench_target	*t = &b->report.targets[it->pair];
	struct bench_step	*bs;
	const struct step	*st;
	uint64_t		 wait;
	size_t			 i;

	b->requests_all += r->nsteps;
	if (!it->measured) {
		free(it);
		return;
	}
	wait = it->started > it->due ? it->started - it->due : 0;
	t->count++;
	b->report.iterations++;
	b->report.requests += r->nsteps;
	if (!result_passed(r)) {
		t->errors++;
		t->by_class[r->eclass]++;
	}
	histogram_record(&t->latency, (int64_t)(wait + r->duration_us));
	histogram_record(&t->latency_raw, (int64_t)r->duration_us);
	for (i = 0; i < r->nsteps; i++) {
		st = &r->steps[i];
		bs = bench_step(t, i, st);
		histogram_record(&bs->phase[BENCH_DNS], st->t.dns);
		histogram_record(&bs->phase[BENCH_CONNECT], st->t.connect);
		histogram_record(&bs->phase[BENCH_TLS], st->t.tls);
		histogram_record(&bs->phase[BENCH_FIRST_BYTE], st->t.first_byte);
		histogram_record(&bs->phase[BENCH_TOTAL], st->t.total);
	}
	free(it);
}

static void
bench_discard(void *arg, void *user)
{
	(void)arg;
	free(user);
}

/* The arrivals due in the window that never started. */
static uint64_t
bench_dropped(const struct bench *b)
{
	uint64_t	k, n = 0, end = b->t_end != 0 ? b->t_end :
			    monotonic_usec();

	if (!b->cfg.open)
		return (0);
	for (k = b->k; b->t0 + bench_due(b, k) < end; k++) {
		if (b->t0 + bench_due(b, k) >= b->t_measure)
			n++;
	}
	return (n);
}

/* Everything in flight ended: CPU time, the window, done. */
static void
bench_drained(void *arg)
{
	struct bench	*b = arg;
	struct rusage	 ru;
	uint64_t	 now = monotonic_usec(), end;

	getrusage(RUSAGE_SELF, &ru);
	b->report.cpu_us = (ru.ru_utime.tv_sec - b->ru0.ru_utime.tv_sec +
	    ru.ru_stime.tv_sec - b->ru0.ru_stime.tv_sec) * 1e6 +
	    (ru.ru_utime.tv_usec - b->ru0.ru_utime.tv_usec +
	    ru.ru_stime.tv_usec - b->ru0.ru_stime.tv_usec);
	b->report.cpu_requests = b->requests_all;
	b->report.peak_rss_kb = (uint64_t)ru.ru_maxrss;
	b->report.dropped = bench_dropped(b);
	end = b->t_end != 0 && b->t_end < now && !b->report.interrupted ?
	    b->t_end : now;
	b->report.duration_us = end > b->t_measure ? end - b->t_measure : 0;
	b->report.warmup_us = b->t_measure - b->t0;
	if (b->done != NULL)
		b->done(b, b->done_arg);
}

static const struct runner_ops bench_runner_ops = {
	bench_next,
	bench_started,
	bench_done,
	bench_discard,
	bench_drained,
};

static void
bench_wake_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct bench	*b = arg;

	(void)fd;
	(void)kind;
	runner_wake(b->runner);
}

/* The window is over: no more arrivals; what is in flight finishes. */
static void
bench_end_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct bench	*b = arg;

	(void)fd;
	(void)kind;
	b->ended = 1;
	evtimer_del(b->wake);
	runner_wake(b->runner);
}

/* Start: warmup, then the measured window; done is called at the end. */
void
bench_start(struct bench *b, void (*done)(struct bench *, void *), void *arg)
{
	struct event_base	*base = engine_base(b->engine);
	struct runner_options	 ro;
	struct timeval		 tv;
	uint64_t		 us;
	long			 conns;

	b->done = done;
	b->done_arg = arg;
	memset(&ro, 0, sizeof ro);
	ro.concurrency = b->cfg.open ? b->cfg.max_in_flight : b->cfg.sessions;
	ro.backoff_ms = b->cfg.set->retry_backoff;
	conns = ro.concurrency * 2 > b->cfg.set->max_connects ?
	    ro.concurrency * 2 : b->cfg.set->max_connects;
	http_set_max_connects(engine_http(b->engine), conns);
	b->runner = runner_create(b->engine, &ro, &bench_runner_ops, b);
	b->wake = evtimer_new(base, bench_wake_cb, b);
	b->end = evtimer_new(base, bench_end_cb, b);
	getrusage(RUSAGE_SELF, &b->ru0);
	b->t0 = monotonic_usec();
	b->t_measure = b->t0 + (uint64_t)b->cfg.warmup_ms * 1000;
	if (b->cfg.iterations == 0) {
		b->t_end = b->t_measure + (uint64_t)b->cfg.duration_ms * 1000;
		us = b->t_end - b->t0;
		tv.tv_sec = (time_t)(us / 1000000);
		tv.tv_usec = (suseconds_t)(us % 1000000);
		evtimer_add(b->end, &tv);
	}
	runner_start(b->runner);
}

static void
bench_grace_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct bench	*b = arg;

	(void)fd;
	(void)kind;
	runner_cancel(b->runner, "cancelled: interrupted by a signal");
}

/* SIGINT or SIGTERM: the first ends the run gracefully, the second now. */
void
bench_interrupt(struct bench *b)
{
	struct timeval	tv;
	long		ms = b->cfg.set->grace;

	if (b->runner == NULL)
		return;
	b->report.interrupted = 1;
	if (b->signals++ > 0) {
		bench_grace_cb(-1, 0, b);
		return;
	}
	b->t_end = monotonic_usec();
	b->ended = 1;
	evtimer_del(b->wake);
	evtimer_del(b->end);
	runner_stop(b->runner);
	if (runner_in_flight(b->runner) > 0) {
		b->grace = evtimer_new(engine_base(b->engine), bench_grace_cb, b);
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		evtimer_add(b->grace, &tv);
	}
}

/*
 * For the progress line: iterations and errors counted so far, the time
 * since the window opened (negative during the warmup, in us) and the
 * running p99 of every pair together.
 */
void
bench_progress(const struct bench *b, uint64_t *iterations, uint64_t *errors,
    uint64_t *p99, int64_t *elapsed)
{
	struct histogram	all;
	size_t			i;

	*iterations = b->report.iterations;
	*errors = 0;
	histogram_init(&all);
	for (i = 0; i < b->report.ntargets; i++) {
		*errors += b->report.targets[i].errors;
		histogram_add(&all, &b->report.targets[i].latency);
	}
	*p99 = (uint64_t)histogram_percentile(&all, 99);
	histogram_free(&all);
	*elapsed = (int64_t)monotonic_usec() - (int64_t)b->t_measure;
}
