/*
 * cli-nagios.c: kong nagios: the sweep as a Nagios (monitoring-plugins)
 * check.
 *
 * It runs the selected pairs like kong check (and appends them to the
 * same log), then prints what a plugin prints: one status line, the
 * failures as long output, and performance data (failing checks with the
 * thresholds, checks run, and per type the failing count and the p95
 * duration in seconds), never more than NAGIOS_MAX bytes in all. The
 * thresholds are monitoring-plugins ranges ("10", "10:", "~:10", "10:20",
 * "@10:20") of failing checks, or of their percentage with '%'. The exit
 * status is the plugin's: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad
 * options, an inventory or script that does not load, an interrupted
 * run), and is what the process returns, so a wrapper cannot lose it.
 */
#include <math.h>
#include <stdarg.h>
#include <signal.h>

#include "cli.h"
#include "report.h"
#include "store.h"
#include "sweep.h"

#define NAGIOS_MAX	8192	/* bytes of output, as the plugin API says */
#define NAGIOS_LINE	300	/* bytes of a long output line at most */
#define NAGIOS_NAMES	5	/* failures named on the status line */
#define NAGIOS_KEEP	1000	/* failures kept for the long output */

enum nagios_state {
	NAGIOS_OK,
	NAGIOS_WARNING,
	NAGIOS_CRITICAL,
	NAGIOS_UNKNOWN,
};

static const char *const nagios_names[] = {
	"OK", "WARNING", "CRITICAL", "UNKNOWN"
};

enum {
	NAGIOS_OPT_WARNING = 1000,
	NAGIOS_OPT_CRITICAL,
	NAGIOS_OPT_PER_SERVER,
	NAGIOS_OPT_FROM_STORE,
	NAGIOS_OPT_MAX_AGE,
};

static const struct cli_option nagios_options[] = {
	{ "warning", 'w', CLI_ARG, "RANGE", "WARNING when the failing checks "
	    "are outside RANGE (N, N:, ~:N, N:M, @N:M; N% for a percentage "
	    "of the checks run)", NAGIOS_OPT_WARNING },
	{ "critical", 'c', CLI_ARG, "RANGE", "CRITICAL likewise (default: 0, "
	    "any failing check, when neither -w nor -c is given)",
	    NAGIOS_OPT_CRITICAL },
	{ "per-server", 0, CLI_NOARG, NULL, "check a site once per server",
	    NAGIOS_OPT_PER_SERVER },
	{ "from-store", 0, CLI_NOARG, NULL, "read each pair's latest result "
	    "from the store instead of sweeping", NAGIOS_OPT_FROM_STORE },
	{ "max-age", 0, CLI_ARG, "DUR", "--from-store: UNKNOWN when a result "
	    "is older than DUR (the sweeps stopped)", NAGIOS_OPT_MAX_AGE },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

/* A threshold range (monitoring-plugins development guidelines). */
struct nagios_range {
	int		 set;
	int		 inside;	/* '@': alert inside the range */
	int		 has_lo, has_hi;
	double		 lo, hi;
	int		 percent;
	char		*perf;		/* as perfdata shows it (no '%') */
};

struct nagios_type {
	char		*name;
	size_t		 checks, failing;
	uint64_t	*d;		/* durations */
	size_t		 nd, cap;
};

struct nagios_sink {
	char			**fails;	/* long output lines */
	char			**names;	/* site/test for the status line */
	size_t			 nfails;
	size_t			 failing;
	size_t			 ran;		/* not skipped */
	struct nagios_type	*types;
	size_t			 ntypes;
	int			 done;
};

struct nagios_state_run {
	struct engine	*engine;
	struct sweep	*sweep;
	struct event	*sigint, *sigterm;
};

/* Parse one end of a range: a number, maybe with '%'. */
static int
nagios_number(const char *s, size_t len, double *v, int *pct)
{
	char	*copy, *end;
	int	 rc = -1;

	copy = xstrndup(s, len);
	if (len > 0 && copy[len - 1] == '%') {
		copy[--len] = '\0';
		*pct = 1;
	}
	if (len > 0) {
		*v = strtod(copy, &end);
		if (*end == '\0' && isfinite(*v))
			rc = 0;
	}
	free(copy);
	return (rc);
}

/* "N", "N:", "~:N", "N:M", "@N:M", each N maybe with '%'. */
static int
nagios_range_parse(const char *arg, struct nagios_range *r)
{
	const char	*s = arg, *colon;
	int		 pct_lo = 0, pct_hi = 0;
	struct buf	 perf;

	memset(r, 0, sizeof *r);
	if (*s == '@') {
		r->inside = 1;
		s++;
	}
	if ((colon = strchr(s, ':')) == NULL) {
		r->has_lo = 1;
		r->lo = 0;
		r->has_hi = 1;
		if (nagios_number(s, strlen(s), &r->hi, &pct_hi) != 0)
			return (-1);
		pct_lo = pct_hi;
	} else {
		if (colon - s == 1 && *s == '~')
			r->has_lo = 0;
		else {
			r->has_lo = 1;
			if (colon == s)
				r->lo = 0;
			else if (nagios_number(s, (size_t)(colon - s), &r->lo,
			    &pct_lo) != 0)
				return (-1);
		}
		if (colon[1] != '\0') {
			r->has_hi = 1;
			if (nagios_number(colon + 1, strlen(colon + 1), &r->hi,
			    &pct_hi) != 0)
				return (-1);
		}
		if (r->has_lo && r->has_hi && (pct_lo != pct_hi))
			return (-1);
		if (!r->has_lo)
			pct_lo = pct_hi;
		if (!r->has_hi)
			pct_hi = pct_lo;
	}
	if (pct_lo != pct_hi || (r->has_lo && r->has_hi && r->lo > r->hi))
		return (-1);
	r->percent = pct_lo;
	r->set = 1;
	buf_init(&perf);
	for (s = arg; *s != '\0'; s++)
		if (*s != '%')
			buf_addc(&perf, *s);
	r->perf = buf_steal(&perf);
	return (0);
}

/* Whether the value raises the alert of the range. */
static int
nagios_range_alert(const struct nagios_range *r, double v)
{
	int	in;

	if (!r->set)
		return (0);
	in = (!r->has_lo || v >= r->lo) && (!r->has_hi || v <= r->hi);
	return (r->inside ? in : !in);
}

/* --- the sink ------------------------------------------------------------ */

static struct nagios_type *
nagios_type(struct nagios_sink *ns, const char *name)
{
	struct nagios_type	*t;
	size_t			 i;

	for (i = 0; i < ns->ntypes; i++)
		if (strcmp(ns->types[i].name, name) == 0)
			return (&ns->types[i]);
	ns->types = xreallocarray(ns->types, ns->ntypes + 1, sizeof *t);
	t = &ns->types[ns->ntypes++];
	memset(t, 0, sizeof *t);
	t->name = xstrdup(name);
	return (t);
}

/* At most max bytes of s, not cutting a UTF-8 sequence. Caller frees. */
static char *
nagios_cut(const char *s, size_t max)
{
	size_t	len = strlen(s);

	if (len <= max)
		return (xstrdup(s));
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return (xstrfmt("%.*s...", (int)max, s));
}

static void
nagios_sink_result(struct sink *k, const struct run_info *run,
    const struct result *r, const struct buf *rec)
{
	struct nagios_sink	*ns = k->data;
	const struct result_where *w = &r->where;
	struct nagios_type	*t;
	char			*line, *msg;

	(void)run;
	(void)rec;
	if (r->status == RESULT_SKIPPED)
		return;
	ns->ran++;
	t = nagios_type(ns, w->type != NULL ? w->type : "untyped");
	t->checks++;
	if (t->nd == t->cap) {
		t->cap = t->cap == 0 ? 16 : t->cap * 2;
		t->d = xreallocarray(t->d, t->cap, sizeof *t->d);
	}
	t->d[t->nd++] = r->duration_us;
	if (!result_failed(r))
		return;
	t->failing++;
	if (ns->failing++ >= NAGIOS_KEEP)
		return;
	msg = xstrfmt("%s%s%s/%s: %s at %s:%d: %s", w->site != NULL ?
	    w->site : "-", w->server != NULL ? "@" : "", w->server != NULL ?
	    w->server : "", w->test != NULL ? w->test : "-",
	    result_status_name(r->status), r->file != NULL ?
	    path_basename(r->file) : "-", r->line, r->message != NULL ?
	    r->message : "");
	for (line = msg; *line != '\0'; line++)
		if (*line == '\n' || *line == '\r' || *line == '|')
			*line = *line == '|' ? '/' : ' ';
	ns->fails = xreallocarray(ns->fails, ns->nfails + 1,
	    sizeof *ns->fails);
	ns->names = xreallocarray(ns->names, ns->nfails + 1,
	    sizeof *ns->names);
	ns->fails[ns->nfails] = nagios_cut(msg, NAGIOS_LINE);
	ns->names[ns->nfails++] = xstrfmt("%s%s%s/%s", w->site != NULL ?
	    w->site : "-", w->server != NULL ? "@" : "", w->server != NULL ?
	    w->server : "", w->test != NULL ? w->test : "-");
	free(msg);
}

static void
nagios_sink_end(struct sink *k, const struct run_info *run)
{
	struct nagios_sink	*ns = k->data;

	(void)run;
	ns->done = 1;
}

static void
nagios_sink_free(struct sink *k)
{
	struct nagios_sink	*ns = k->data;
	size_t			 i;

	for (i = 0; i < ns->nfails; i++) {
		free(ns->fails[i]);
		free(ns->names[i]);
	}
	free(ns->fails);
	free(ns->names);
	for (i = 0; i < ns->ntypes; i++) {
		free(ns->types[i].name);
		free(ns->types[i].d);
	}
	free(ns->types);
	free(ns);
}

static const struct sink_ops nagios_sink_ops = {
	"nagios",
	NULL,
	nagios_sink_result,
	nagios_sink_end,
	nagios_sink_free,
};

/* --- the output ---------------------------------------------------------- */

static int
nagios_u64_cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* The per-type perfdata, at most max bytes. Caller frees. */
static char *
nagios_type_perf(struct nagios_sink *ns, size_t max)
{
	struct nagios_type	*t;
	struct buf		 b;
	size_t			 i, at, before;
	char			 p95[32];

	buf_init(&b);
	for (i = 0; i < ns->ntypes; i++) {
		t = &ns->types[i];
		qsort(t->d, t->nd, sizeof *t->d, nagios_u64_cmp);
		at = (size_t)ceil(0.95 * (double)t->nd);
		report_seconds(p95, sizeof p95, t->nd > 0 ?
		    t->d[at > 0 ? at - 1 : 0] : 0);
		before = b.len;
		buf_printf(&b, "%s'%s_failing'=%zu;;;0;%zu '%s_p95'=%ss;;;0",
		    b.len > 0 ? " " : "", t->name, t->failing, t->checks,
		    t->name, p95);
		if (b.len > max) {
			b.len = before;
			break;
		}
	}
	buf_addc(&b, '\0');
	b.len--;
	return (buf_steal(&b));
}

/* Print the plugin output; returns the state. */
static enum nagios_state
nagios_print(struct nagios_sink *ns, const struct nagios_range *warn,
    const struct nagios_range *crit)
{
	enum nagios_state	 state = NAGIOS_OK;
	struct buf		 out, head;
	double			 pct, value;
	size_t			 i, left;
	char			*types, *tail;

	pct = ns->ran > 0 ? 100.0 * (double)ns->failing / (double)ns->ran : 0;
	value = crit->set && crit->percent ? pct : (double)ns->failing;
	if (nagios_range_alert(crit, value))
		state = NAGIOS_CRITICAL;
	else {
		value = warn->percent ? pct : (double)ns->failing;
		if (nagios_range_alert(warn, value))
			state = NAGIOS_WARNING;
	}
	buf_init(&head);
	if (ns->failing == 0)
		buf_printf(&head, "KONG %s - %zu checks, none failing",
		    nagios_names[state], ns->ran);
	else {
		buf_printf(&head, "KONG %s - %zu of %zu checks failing: ",
		    nagios_names[state], ns->failing, ns->ran);
		for (i = 0; i < ns->nfails && i < NAGIOS_NAMES; i++)
			buf_printf(&head, "%s%s", i > 0 ? ", " : "",
			    ns->names[i]);
		if (ns->failing > NAGIOS_NAMES)
			buf_adds(&head, ", ...");
	}
	buf_printf(&head, " | 'failing'=%zu;%s;%s;0;%zu 'checks'=%zu;;;0",
	    ns->failing, warn->set && !warn->percent ? warn->perf : "",
	    crit->set && !crit->percent ? crit->perf : "", ns->ran, ns->ran);
	if (warn->percent || crit->percent)
		buf_printf(&head, " 'failing_pct'=%.2f%%;%s;%s;0;100", pct,
		    warn->percent ? warn->perf : "", crit->percent ?
		    crit->perf : "");
	types = nagios_type_perf(ns, 2048);
	/* After the long output, perfdata follows a second '|'. */
	tail = xstrfmt("%s%s\n", ns->nfails > 0 ? " | " : " ", types);
	free(types);
	buf_init(&out);
	buf_add(&out, head.data, head.len);
	buf_addc(&out, '\n');
	for (i = 0; i < ns->nfails; i++) {
		left = ns->nfails - i + (ns->failing - ns->nfails);
		/* Room for this line, a "more" line and the perfdata. */
		if (out.len + strlen(ns->fails[i]) + 1 + 64 + strlen(tail) >
		    NAGIOS_MAX) {
			buf_printf(&out, "... and %zu more failing checks "
			    "(see the log)", left);
			break;
		}
		buf_adds(&out, ns->fails[i]);
		if (i + 1 < ns->nfails)
			buf_addc(&out, '\n');
		else if (ns->failing > ns->nfails)
			buf_printf(&out, "\n... and %zu more failing checks "
			    "(see the log)", ns->failing - ns->nfails);
	}
	if (ns->nfails == 0)
		out.len--;	/* the perfdata continues the status line */
	buf_adds(&out, tail);
	if (out.len > NAGIOS_MAX)
		out.len = NAGIOS_MAX;
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	buf_free(&head);
	free(tail);
	return (state);
}

/* --- the sweep ----------------------------------------------------------- */

static void
nagios_signal_cb(evutil_socket_t sig, short kind, void *arg)
{
	struct nagios_state_run	*st = arg;

	(void)sig;
	(void)kind;
	sweep_interrupt(st->sweep);
}

static void
nagios_done(struct sweep *sw, void *arg)
{
	struct nagios_state_run	*st = arg;

	(void)sw;
	event_base_loopbreak(engine_base(st->engine));
}

static enum nagios_state nagios_unknown(const char *, ...) KONG_PRINTF(1, 2);

/* The UNKNOWN status line. */
static enum nagios_state
nagios_unknown(const char *fmt, ...)
{
	va_list	ap;

	printf("KONG UNKNOWN - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return (NAGIOS_UNKNOWN);
}

/* Run the sweep with its sinks; the state, or UNKNOWN. */
static enum nagios_state
nagios_sweep(struct sweep_plan *plan, const struct nagios_range *warn,
    const struct nagios_range *crit)
{
	struct nagios_state_run	 st;
	struct nagios_sink	*ns;
	struct sink		*k;
	struct event_base	*base;
	enum nagios_state	 state;
	char			*log, *cause;

	memset(&st, 0, sizeof st);
	st.engine = engine_create();
	st.sweep = sweep_create(st.engine, plan);
	log = cli_log_path(plan->inv, plan->set);	/* "-" is refused */
	if (sweep_npairs(st.sweep) == 0)
		state = nagios_unknown("no (site, test) pair is selected");
	else if (sweep_compile(st.sweep, stderr) > 0)
		state = nagios_unknown("a script did not compile (kong lint "
		    "shows why)");
	else if (strcmp(log, "-") == 0)
		state = nagios_unknown("the log cannot be standard output");
	else if ((k = sink_jsonl_open(log, 0, &cause)) == NULL) {
		state = nagios_unknown("cannot open the results log %s", cause);
		free(cause);
	} else {
		sweep_add_sink(st.sweep, k);
		cli_store_sink(st.sweep, plan->inv, plan->set, log, "nagios");
		ns = xcalloc(1, sizeof *ns);
		sweep_add_sink(st.sweep, sink_create(&nagios_sink_ops, ns,
		    "nagios"));
		base = engine_base(st.engine);
		st.sigint = evsignal_new(base, SIGINT, nagios_signal_cb, &st);
		st.sigterm = evsignal_new(base, SIGTERM, nagios_signal_cb, &st);
		evsignal_add(st.sigint, NULL);
		evsignal_add(st.sigterm, NULL);
		sweep_start(st.sweep, nagios_done, &st);
		event_base_dispatch(base);
		event_free(st.sigint);
		event_free(st.sigterm);
		if (sweep_info(st.sweep)->interrupted || !ns->done)
			state = nagios_unknown("interrupted before every check "
			    "ran");
		else
			state = nagios_print(ns, warn, crit);
	}
	free(log);
	sweep_free(st.sweep);
	engine_free(st.engine);
	return (state);
}

/*
 * --from-store: the latest result of every selected pair, from the store
 * kong check feeds, without sweeping. A pair the store has no result for,
 * or (with max_age_ms) one older than that, makes the answer UNKNOWN: a
 * check that did not run is not OK.
 */
static enum nagios_state
nagios_from_store(struct sweep_plan *plan, long max_age_ms,
    const struct nagios_range *warn, const struct nagios_range *crit)
{
	struct engine		*e = engine_create();
	struct sweep		*sw = sweep_create(e, plan);
	const struct pair	*p;
	struct nagios_sink	*ns = NULL;
	struct sink		*k = NULL;
	struct store		*st = NULL;
	struct result		 r;
	sqlite3_stmt		*q = NULL;
	enum nagios_state	 state = NAGIOS_UNKNOWN;
	uint64_t		 now = realtime_usec(), oldest = now;
	json_t			*rec;
	char			*path, *cause;
	size_t			 i, selected = 0, missing = 0;

	path = cli_store_path(plan->inv, plan->set);
	if (sweep_npairs(sw) == 0)
		nagios_unknown("no (site, test) pair is selected");
	else if (path == NULL)
		nagios_unknown("store = none: there is no store to read");
	else if ((st = store_open(path, STORE_READONLY, &cause)) == NULL) {
		nagios_unknown("cannot read the store %s", cause);
		free(cause);
	} else if (sqlite3_prepare_v2(store_db(st), "SELECT l.record, "
	    "l.start_us FROM latest l JOIN pairs p ON p.id = l.pair WHERE "
	    "p.site = ? AND p.test = ? AND p.server = ?", -1, &q, NULL) !=
	    SQLITE_OK)
		nagios_unknown("cannot read the store %s: %s", path,
		    sqlite3_errmsg(store_db(st)));
	else {
		ns = xcalloc(1, sizeof *ns);
		k = sink_create(&nagios_sink_ops, ns, "nagios");
		for (i = 0; i < sweep_npairs(sw); i++) {
			p = sweep_pair(sw, i);
			if (!p->site->live)
				continue;
			selected++;
			sqlite3_reset(q);
			sqlite3_bind_text(q, 1, p->site->name, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, p->test->name, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 3, p->server != NULL ?
			    p->server->name : "", -1, SQLITE_STATIC);
			if (sqlite3_step(q) != SQLITE_ROW || (rec = json_loads(
			    (const char *)sqlite3_column_text(q, 0), 0,
			    NULL)) == NULL) {
				missing++;
				continue;
			}
			if ((uint64_t)sqlite3_column_int64(q, 1) < oldest)
				oldest = (uint64_t)sqlite3_column_int64(q, 1);
			result_init(&r);
			if (results_from_json(rec, &r) == 0)
				nagios_sink_result(k, NULL, &r, NULL);
			else
				missing++;
			result_clear(&r);
			json_decref(rec);
		}
		if (selected == 0)
			nagios_unknown("no selected site is live");
		else if (missing > 0)
			nagios_unknown("%zu of %zu selected checks have no result "
			    "in the store %s (kong check feeds it)", missing,
			    selected, path);
		else if (max_age_ms > 0 && now - oldest >
		    (uint64_t)max_age_ms * 1000)
			nagios_unknown("the oldest result in the store is %llus "
			    "old, more than --max-age: have the sweeps stopped?",
			    (unsigned long long)((now - oldest) / 1000000));
		else
			state = nagios_print(ns, warn, crit);
	}
	sqlite3_finalize(q);
	sink_free(k);
	store_close(st);
	free(path);
	sweep_free(sw);
	engine_free(e);
	return (state);
}

static int
nagios_exec(const struct cli_cmd *cmd, struct cli_args *a)
{
	struct nagios_range	 warn, crit;
	struct sweep_plan	 plan;
	struct inventory	*inv;
	struct settings		 set;
	const char		*arg;
	size_t			 i;
	long			 max_age_ms = 0;
	int			 state = NAGIOS_UNKNOWN, bad = 0, from_store = 0;

	memset(&warn, 0, sizeof warn);
	memset(&crit, 0, sizeof crit);
	memset(&plan, 0, sizeof plan);
	for (i = 0; i < a->nopts && !bad; i++) {
		arg = a->opts[i].arg;
		switch (a->opts[i].id) {
		case NAGIOS_OPT_WARNING:
		case NAGIOS_OPT_CRITICAL:
			if (a->opts[i].id == NAGIOS_OPT_WARNING) {
				free(warn.perf);
				bad = nagios_range_parse(arg, &warn) != 0;
			} else {
				free(crit.perf);
				bad = nagios_range_parse(arg, &crit) != 0;
			}
			if (bad)
				nagios_unknown("'%s' is not a range (N, N:, "
				    "~:N, N:M, @N:M, N%%)", arg);
			break;
		case NAGIOS_OPT_PER_SERVER:
			plan.per_server = 1;
			break;
		case NAGIOS_OPT_FROM_STORE:
			from_store = 1;
			break;
		case NAGIOS_OPT_MAX_AGE:
			if ((bad = parse_duration_ms(arg, &max_age_ms) != 0 ||
			    max_age_ms == 0))
				nagios_unknown("--max-age: '%s' is not a duration "
				    "(such as 30m)", arg);
			break;
		}
	}
	if (!bad && max_age_ms > 0 && !from_store) {
		bad = 1;
		nagios_unknown("--max-age goes with --from-store");
	}
	if (!bad && !warn.set && !crit.set)
		nagios_range_parse("0", &crit);
	if (bad)
		;
	else if ((inv = cli_load(a)) == NULL)
		nagios_unknown("the inventory did not load (kong lint shows "
		    "why)");
	else {
		settings_copy(&set, &inv->settings);
		cli_apply_settings(a, &set);
		plan.command = cmd->name;
		plan.inv = inv;
		plan.sel = &a->sel;
		plan.set = &set;
		state = from_store ? nagios_from_store(&plan, max_age_ms,
		    &warn, &crit) : nagios_sweep(&plan, &warn, &crit);
		settings_free(&set);
		inventory_free(inv);
	}
	free(warn.perf);
	free(crit.perf);
	if (fflush(stdout) != 0)
		state = NAGIOS_UNKNOWN;
	return (state);
}

const struct cli_cmd cli_nagios_cmd = {
	"nagios",
	"[--inventory INVENTORY] [SELECTORS] [-w RANGE] [-c RANGE]",
	"the sweep as a Nagios plugin: status line, failures, perfdata",
	"Runs the selected pairs like kong check (appending them to the same\n"
	"log) and prints a monitoring plugin's output: a status line naming\n"
	"the failing checks, one line per failure, and perfdata ('failing'\n"
	"with the thresholds, 'checks', and per type the failing count and the\n"
	"p95 duration), 8192 bytes at most. RANGE is a monitoring-plugins\n"
	"range of failing checks: N (alert above N), N: (below N), ~:N, N:M\n"
	"(outside), @N:M (inside); N% counts a percentage of the checks run.\n"
	"Here -c is --critical: give the inventory with --inventory or\n"
	"$KONG_INVENTORY. With --from-store it sweeps nothing and reads each\n"
	"pair's latest result from the store kong check feeds. Exit status:\n"
	"0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad options, an inventory or\n"
	"script that does not load, a log or store that cannot be opened, a\n"
	"pair the store has no result for, an interrupted run).",
	CLI_SELECTORS | CLI_SWEEP,
	nagios_options,
	0,
	nagios_exec,
};
