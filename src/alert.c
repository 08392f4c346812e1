/*
 * alert.c: from a sweep's results to the few messages people need.
 *
 * As a sink it copies what alerting needs of each result. As the sweep's
 * finish hook (after the last result, before run_end) it decides, in one
 * transaction on the alerting tables:
 *
 * - the fleet rule first: when nearly every check failed with a network
 *   error, Kong is the one cut off; pairs keep their state and the admins
 *   get one "Kong cannot reach the fleet" message (and one when it can
 *   again);
 * - then each pair's policy: failure_threshold failed runs in a row make a
 *   new failure, success_threshold passes a recovery, reminder_interval a
 *   reminder, flap_changes changes within flap_window runs one "flapping"
 *   and nothing more until it settles; a silenced pair is recorded, not
 *   reported, and keeps its reported state so that what still fails when
 *   the silence ends is reported at the next run (a maintenance window,
 *   an attribute of a site, type or server, is a recurring silence);
 * - then the grouping: new failures of most checks on one server in one
 *   error class become one line for the server; every recipient (site
 *   managers, type managers, admins: result.where.recipients) gets one
 *   message listing new failures, flapping, recoveries and reminders; the
 *   webhook gets one JSON document with all of it.
 *
 * Every message goes into the outbox in the same transaction; then the
 * outbox is delivered (alert-deliver.c) and the outcome goes into run_end.
 */
#include <ctype.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "alert-int.h"
#include "record.h"
#include "sweep.h"

enum alert_kind {
	ALERT_NONE,
	ALERT_FAILING,		/* a new failure */
	ALERT_FLAPPING,		/* changes state too often */
	ALERT_RECOVERED,	/* passes again */
	ALERT_STILL,		/* a reminder: it still fails */
};

/* One result, as alerting keeps it. */
struct alert_seen {
	const struct site	*where;		/* in the inventory, or NULL */
	char			*site;
	char			*test;
	char			*server;	/* per-server checks, or NULL */
	char			*type;
	enum result_status	 status;
	enum error_class	 eclass;
	char			*message;
	char			*file;
	int			 line;
	char			*command;
	char			**recipients;
	enum alert_kind		 kind;
	int			 silenced;
	size_t			 group;		/* 1 + its server group, or 0 */
	uint64_t		 since_us;
};

/* Most checks of one server failing alike. */
struct alert_group {
	const char		*server;
	enum error_class	 eclass;
	size_t			 failing;
	size_t			 total;
};

struct alerts {
	struct engine		*engine;
	const struct inventory	*inv;
	const struct settings	*set;
	struct alert_db		*db;
	struct alert_seen	*v;
	size_t			 n;
	struct alert_group	*groups;
	size_t			 ngroups;
	struct silence		*sil;
	size_t			 nsil;
	int			 fleet;		/* 1: unreachable, 2: back */
	size_t			 fleet_ran;
	size_t			 fleet_net;
	size_t			 queued;	/* messages of this run */
	struct map		 warned;	/* bad attributes, said once */
	char			*error;		/* the store failed */
	struct sweep		*sweep;
	struct run_info		*run;
	struct alert_delivery	*delivery;	/* the outbox */
	struct alert_delivery	*admin;		/* then Kong's own problems */
	int64_t			 last_id;	/* the outbox's, last queued */
	size_t			 told;		/* messages about Kong itself */
	int			 cancelled;	/* a signal stopped delivery */
	struct engine_task	 task;
	int			 dry;		/* decide, keep nothing */
};

static int
alert_is_failure(enum result_status st)
{
	return (st == RESULT_FAIL || st == RESULT_ERROR || st ==
	    RESULT_TIMEOUT);
}

static int
alert_is_net(enum error_class c)
{
	return (c == ERR_NET || c == ERR_DNS || c == ERR_TLS || c ==
	    ERR_TIMEOUT);
}

/* --- the sink ---------------------------------------------------------- */

/* Keep what alerting needs of a result. */
static void
alert_seen_add(struct alerts *a, const struct result *r)
{
	struct alert_seen	*s;

	if (!alert_is_failure(r->status) && !result_status_passed(r->status))
		return;
	if (r->where.site == NULL || r->where.test == NULL)
		return;
	a->v = xreallocarray(a->v, a->n + 1, sizeof *a->v);
	s = &a->v[a->n++];
	memset(s, 0, sizeof *s);
	s->where = inventory_site(a->inv, r->where.site);
	s->site = xstrdup(r->where.site);
	s->test = xstrdup(r->where.test);
	s->server = r->where.server != NULL ? xstrdup(r->where.server) : NULL;
	s->type = r->where.type != NULL ? xstrdup(r->where.type) : NULL;
	s->status = r->status;
	s->eclass = r->eclass;
	s->message = r->message != NULL ? xstrdup(r->message) : NULL;
	s->file = r->file != NULL ? xstrdup(r->file) : NULL;
	s->line = r->line;
	s->command = r->command != NULL ? xstrdup(r->command) : NULL;
	s->recipients = xcalloc(strv_len(r->where.recipients) + 1,
	    sizeof *s->recipients);
	for (size_t i = 0; r->where.recipients != NULL &&
	    r->where.recipients[i] != NULL; i++)
		s->recipients[i] = xstrdup(r->where.recipients[i]);
}

static void
alert_sink_result(struct sink *k, const struct run_info *run,
    const struct result *r, const struct buf *rec)
{
	(void)run;
	(void)rec;
	alert_seen_add(k->data, r);
}

static void
alert_sink_free(struct sink *k)
{
	(void)k;	/* the alerts belong to the command */
}

static const struct sink_ops alert_sink_ops = {
	"alerts",
	NULL,
	alert_sink_result,
	NULL,
	alert_sink_free,
};

/* Alerting for sweeps on e, with its tables in db (borrowed). */
struct alerts *
alerts_create(struct engine *e, const struct inventory *inv,
    const struct settings *set, struct alert_db *db)
{
	struct alerts	*a;

	a = xcalloc(1, sizeof *a);
	a->engine = e;
	a->inv = inv;
	a->set = set;
	a->db = db;
	map_init(&a->warned);
	return (a);
}

/* Free the alerts of the last sweep and the alerts themselves. */
void
alerts_free(struct alerts *a)
{
	size_t	i;

	if (a == NULL)
		return;
	engine_dequeue(a->engine, &a->task);
	for (i = 0; i < a->n; i++) {
		free(a->v[i].site);
		free(a->v[i].test);
		free(a->v[i].server);
		free(a->v[i].type);
		free(a->v[i].message);
		free(a->v[i].file);
		free(a->v[i].command);
		free_strv(a->v[i].recipients);
	}
	free(a->v);
	free(a->groups);
	alert_silences_free(a->sil, a->nsil);
	alert_delivery_free(a->delivery);
	alert_delivery_free(a->admin);
	free(a->error);
	map_free(&a->warned, NULL);
	free(a);
}

/* The sink that collects a sweep's results; the sweep owns it. */
struct sink *
alerts_sink(struct alerts *a)
{
	return (sink_create(&alert_sink_ops, a, "the alerts"));
}

/* --- the policy -------------------------------------------------------- */

/* Whether this is the first time a bad attribute is seen (to say it once). */
static int
alert_warn_once(struct alerts *a, const char *kind, const char *name,
    const char *key)
{
	char	*k = xstrfmt("%s %s %s", kind, name, key);
	int	 first = map_get(&a->warned, k) == NULL;

	if (first)
		map_set(&a->warned, k, a);
	free(k);
	return (first);
}

/*
 * A policy number: the site's attribute, else its type's, else [kong]'s.
 * A value that is not a number in range is said once and ignored.
 */
static long
alert_setting(struct alerts *a, const struct site *site, const char *key,
    long def, long min, long max)
{
	json_t			*objs[2], *v;
	long			 n;
	int			 i;

	if (site == NULL)
		return (def);
	objs[0] = site->attrs;
	objs[1] = site->type != NULL ? site->type->attrs : NULL;
	for (i = 0; i < 2; i++) {
		if (objs[i] == NULL || (v = json_object_get(objs[i], key)) ==
		    NULL || !json_is_string(v))
			continue;
		if (parse_int(json_string_value(v), min, max, &n) == 0)
			return (n);
		if (alert_warn_once(a, i == 0 ? "site" : "type", i == 0 ?
		    site->name : site->type->name, key))
			fprintf(stderr, "kong: %s %s: %s = '%s' is not a number "
			    "from %ld to %ld; ignored\n", i == 0 ? "site" :
			    "type", i == 0 ? site->name : site->type->name, key,
			    json_string_value(v), min, max);
	}
	return (def);
}

static const char *alert_days[] = { "sun", "mon", "tue", "wed", "thu", "fri",
    "sat" };

static int
alert_day(const char *p, size_t len)
{
	int	i;

	for (i = 0; i < 7; i++)
		if (len == 3 && strncasecmp(p, alert_days[i], 3) == 0)
			return (i);
	return (-1);
}

/*
 * Whether tm is inside a maintenance window: a list of "[DAY[-DAY]]
 * HH:MM-HH:MM" (local time; no day: every day; a window past midnight ends
 * the next day), such as "sun 02:00-04:00, mon-fri 23:30-00:15". Returns
 * 1, 0, or -1 if the list is not well formed.
 */
static int
alert_window_in(const char *spec, const struct tm *tm)
{
	char		*copy, *item, *next, *sp;
	int		 d0, d1, h0, m0, h1, m1, end, in = 0, ok, day, start,
			 stop, now, prev;

	copy = xstrdup(spec);
	for (item = copy; item != NULL && in != -1; item = next) {
		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		while (*item == ' ')
			item++;
		if (*item == '\0')
			continue;
		d0 = 0;
		d1 = 6;
		if (isalpha((unsigned char)*item)) {
			sp = item + strcspn(item, " ");
			d0 = alert_day(item, 3);
			d1 = sp - item == 7 && item[3] == '-' ? alert_day(item + 4,
			    3) : sp - item == 3 ? d0 : -1;
			if (d0 == -1 || d1 == -1) {
				in = -1;
				break;
			}
			item = sp;
		}
		ok = sscanf(item, " %d:%d-%d:%d%n", &h0, &m0, &h1, &m1, &end) ==
		    4 && item[end + strspn(item + end, " ")] == '\0' && h0 >= 0 &&
		    h0 < 24 && m0 >= 0 && m0 < 60 && h1 >= 0 && h1 <= 24 &&
		    m1 >= 0 && m1 < 60 && (h1 < 24 || m1 == 0);
		if (!ok) {
			in = -1;
			break;
		}
		start = h0 * 60 + m0;
		stop = h1 * 60 + m1;
		now = tm->tm_hour * 60 + tm->tm_min;
		day = tm->tm_wday;
		prev = (day + 6) % 7;
#define ALERT_DAY_IN(x) (d0 <= d1 ? (x) >= d0 && (x) <= d1 : \
	    (x) >= d0 || (x) <= d1)
		if (start < stop) {
			if (ALERT_DAY_IN(day) && now >= start && now < stop)
				in = 1;
		} else if ((ALERT_DAY_IN(day) && now >= start) ||
		    (ALERT_DAY_IN(prev) && now < stop))
			in = 1;
#undef ALERT_DAY_IN
	}
	free(copy);
	return (in);
}

/* Whether a maintenance attribute in attrs covers now; bad ones are said. */
static int
alert_maintenance(struct alerts *a, json_t *attrs, const char *kind,
    const char *name, const struct tm *tm)
{
	json_t	*v;
	int	 in;

	if (attrs == NULL || (v = json_object_get(attrs, "maintenance")) ==
	    NULL || !json_is_string(v))
		return (0);
	if ((in = alert_window_in(json_string_value(v), tm)) != -1)
		return (in);
	if (alert_warn_once(a, kind, name, "maintenance"))
		fprintf(stderr, "kong: %s %s: maintenance = '%s' is not a list "
		    "of [DAY[-DAY]] HH:MM-HH:MM windows (such as 'sun "
		    "02:00-04:00'); ignored\n", kind, name,
		    json_string_value(v));
	return (0);
}

/*
 * Whether key is an attribute alerting reads on a kind ("site", "type",
 * "server"): 1, with *cause (caller frees) saying what is wrong with value
 * or NULL; 0 if it is not one. For kong lint.
 */
int
alerts_attr(const char *kind, const char *key, const char *value,
    char **cause)
{
	static const struct {
		const char	*key;
		long		 min, max;
	} nums[] = {
		{ "failure_threshold", 1, ALERT_RUNS_MAX },
		{ "success_threshold", 1, ALERT_RUNS_MAX },
		{ "flap_window", 2, 64 },
		{ "flap_changes", 2, 64 },
	};
	struct tm	 tm;
	long		 n;
	size_t		 i;

	*cause = NULL;
	if (strcmp(key, "maintenance") == 0) {
		memset(&tm, 0, sizeof tm);
		if (alert_window_in(value, &tm) == -1)
			*cause = xstrfmt("maintenance = '%s' is not a list of "
			    "[DAY[-DAY]] HH:MM-HH:MM windows (such as 'sun "
			    "02:00-04:00')", value);
		return (1);
	}
	if (strcmp(kind, "server") == 0)
		return (0);
	for (i = 0; i < nitems(nums); i++) {
		if (strcmp(key, nums[i].key) != 0)
			continue;
		if (parse_int(value, nums[i].min, nums[i].max, &n) != 0)
			*cause = xstrfmt("%s = '%s' is not a number from %ld to "
			    "%ld", key, value, nums[i].min, nums[i].max);
		return (1);
	}
	return (0);
}

/* Whether the site, its type or one of its servers is in maintenance. */
static int
alert_in_maintenance(struct alerts *a, const struct alert_seen *s)
{
	const struct site	*site = s->where;
	struct tm		 tm;
	time_t			 now = time(NULL);
	size_t			 i;

	if (site == NULL)
		return (0);
	localtime_r(&now, &tm);
	if (alert_maintenance(a, site->attrs, "site", site->name, &tm) ||
	    (site->type != NULL && alert_maintenance(a, site->type->attrs,
	    "type", site->type->name, &tm)))
		return (1);
	for (i = 0; i < site->nservers; i++) {
		if (s->server != NULL && strcmp(s->server,
		    site->servers[i]->name) != 0)
			continue;
		if (alert_maintenance(a, site->servers[i]->attrs, "server",
		    site->servers[i]->name, &tm))
			return (1);
	}
	return (0);
}

/* The silence that covers a result, or NULL. */
static const struct silence *
alert_silence_of(struct alerts *a, const struct alert_seen *s)
{
	const struct site	*site = s->where;
	const struct silence	*sl;
	size_t			 i, j;

	for (i = 0; i < a->nsil; i++) {
		sl = &a->sil[i];
		if (strcmp(sl->kind, "site") == 0 && glob_match(sl->pattern,
		    s->site))
			return (sl);
		if (strcmp(sl->kind, "test") == 0 && glob_match(sl->pattern,
		    s->test))
			return (sl);
		if (strcmp(sl->kind, "type") == 0 && s->type != NULL &&
		    glob_match(sl->pattern, s->type))
			return (sl);
		if (strcmp(sl->kind, "server") == 0) {
			if (s->server != NULL && glob_match(sl->pattern,
			    s->server))
				return (sl);
			for (j = 0; s->server == NULL && site != NULL &&
			    j < site->nservers; j++)
				if (glob_match(sl->pattern,
				    site->servers[j]->name))
					return (sl);
		}
		if (strcmp(sl->kind, "tag") == 0 && site != NULL)
			for (j = 0; site->tags != NULL && site->tags[j] !=
			    NULL; j++)
				if (glob_match(sl->pattern, site->tags[j]))
					return (sl);
	}
	return (NULL);
}

/* How often the outcomes in a history change. */
static int
alert_changes(const char *h)
{
	int	n = 0;

	for (; h[0] != '\0' && h[1] != '\0'; h++)
		if (h[0] != h[1])
			n++;
	return (n);
}

/*
 * Write a pair's state unless it is the one read (a pair passing run
 * after run): most pairs of a sweep then cost no write at all.
 */
static int
alert_pair_save(struct alerts *a, const struct alert_seen *s, int known,
    const struct alert_pair *was, const struct alert_pair *p)
{
	if (known && was->fails == p->fails && was->passes == p->passes &&
	    was->alerted == p->alerted && was->flapping == p->flapping &&
	    was->notified_us == p->notified_us &&
	    was->since_us == p->since_us &&
	    strcmp(was->history, p->history) == 0)
		return (0);
	return (alert_pair_put(a->db, s->site, s->test, s->server, p));
}

/* One pair's run: its new state and what to say. Returns 0 or -1. */
static int
alert_decide(struct alerts *a, struct alert_seen *s, uint64_t now)
{
	const struct settings	*set = a->set;
	const struct site	*site = s->where;
	struct alert_pair	 p, was;
	long			 fthr, sthr, window, changes, remind;
	size_t			 len;
	int			 failed = alert_is_failure(s->status), known;

	if ((known = alert_pair_get(a->db, s->site, s->test, s->server, &p)) < 0)
		return (-1);
	was = p;
	fthr = alert_setting(a, site, "failure_threshold",
	    set->failure_threshold, 1, ALERT_RUNS_MAX);
	sthr = alert_setting(a, site, "success_threshold",
	    set->success_threshold, 1, ALERT_RUNS_MAX);
	window = alert_setting(a, site, "flap_window", set->flap_window, 2, 64);
	changes = alert_setting(a, site, "flap_changes", set->flap_changes, 2,
	    64);
	remind = set->reminder_interval;

	len = strlen(p.history);
	if (len >= (size_t)window) {
		memmove(p.history, p.history + len - (size_t)window + 1,
		    (size_t)window);
		len = (size_t)window - 1;
	}
	p.history[len] = failed ? 'F' : 'P';
	p.history[len + 1] = '\0';
	/*
	 * Passes count only up to the threshold (they matter only to recover;
	 * a pair passing run after run then stays the same and is not
	 * written again), failures up to the largest threshold.
	 */
	if (failed) {
		if (p.fails == 0)
			p.since_us = now;
		if (p.fails < ALERT_RUNS_MAX)
			p.fails++;
		p.passes = 0;
	} else {
		if (p.passes < sthr)
			p.passes++;
		p.fails = 0;
	}
	s->since_us = p.since_us;
	/* Silenced: recorded, not reported; the reported state stays. */
	s->silenced = alert_silence_of(a, s) != NULL ||
	    alert_in_maintenance(a, s);
	if (s->silenced)
		return (alert_pair_save(a, s, known, &was, &p));
	if (alert_changes(p.history) >= changes) {
		if (!p.flapping) {
			p.flapping = 1;
			p.notified_us = now;
			s->kind = ALERT_FLAPPING;
		}
	} else {
		p.flapping = 0;
		if (failed && !p.alerted && p.fails >= fthr) {
			p.alerted = 1;
			p.notified_us = now;
			s->kind = ALERT_FAILING;
		} else if (failed && p.alerted && remind > 0 &&
		    now - p.notified_us >= (uint64_t)remind * 1000) {
			p.notified_us = now;
			s->kind = ALERT_STILL;
		} else if (!failed && p.alerted && p.passes >= sthr) {
			p.alerted = 0;
			s->kind = ALERT_RECOVERED;
		}
	}
	return (alert_pair_save(a, s, known, &was, &p));
}

/* Does a result ran on server? Per-server checks name it, others list. */
static int
alert_on_server(struct alerts *a, const struct alert_seen *s,
    const char *server)
{
	const struct site	*site;
	size_t			 i;

	if (s->server != NULL)
		return (strcmp(s->server, server) == 0);
	if ((site = s->where) == NULL)
		return (0);
	for (i = 0; i < site->nservers; i++)
		if (strcmp(site->servers[i]->name, server) == 0)
			return (1);
	return (0);
}

/* Server groups: most checks of a server failing in one class. */
static void
alert_group(struct alerts *a)
{
	const struct inventory	*inv = a->inv;
	struct alert_group	*g;
	size_t			 i, j, total, fail[ERR__COUNT];
	int			 c;

	for (i = 0; i < inv->nservers; i++) {
		total = 0;
		memset(fail, 0, sizeof fail);
		for (j = 0; j < a->n; j++) {
			if (!alert_on_server(a, &a->v[j],
			    inv->servers[i]->name))
				continue;
			total++;
			if (alert_is_failure(a->v[j].status))
				fail[a->v[j].eclass]++;
		}
		for (c = 0; c < ERR__COUNT; c++) {
			if (fail[c] == 0 || fail[c] < (size_t)a->set->server_min ||
			    fail[c] * 100 < (size_t)a->set->server_percent * total)
				continue;
			a->groups = xreallocarray(a->groups, a->ngroups + 1,
			    sizeof *a->groups);
			g = &a->groups[a->ngroups++];
			g->server = inv->servers[i]->name;
			g->eclass = c;
			g->failing = fail[c];
			g->total = total;
			for (j = 0; j < a->n; j++)
				if (a->v[j].kind == ALERT_FAILING &&
				    a->v[j].group == 0 && a->v[j].eclass ==
				    (enum error_class)c && alert_on_server(a,
				    &a->v[j], g->server))
					a->v[j].group = a->ngroups;
		}
	}
}

/* --- the messages ------------------------------------------------------ */

/* The link to a pair's page, or NULL without base_url. Caller frees. */
static char *
alert_link(struct alerts *a, const struct alert_seen *s)
{
	const char	*base = a->set->base_url;
	char		*site, *test, *srv = NULL, *link;
	size_t		 len;

	if (base == NULL)
		return (NULL);
	len = strlen(base);
	site = curl_easy_escape(NULL, s->site, 0);
	test = curl_easy_escape(NULL, s->test, 0);
	if (s->server != NULL)
		srv = curl_easy_escape(NULL, s->server, 0);
	link = xstrfmt("%.*s/sites/%s/%s%s%s", (int)(len > 0 && base[len - 1] ==
	    '/' ? len - 1 : len), base, site, test, srv != NULL ? "?server=" :
	    "", srv != NULL ? srv : "");
	curl_free(site);
	curl_free(test);
	curl_free(srv);
	return (link);
}

/* The failing file, relative to the inventory when it is inside it. */
static const char *
alert_file(struct alerts *a, const char *file)
{
	size_t	len = strlen(a->inv->dir);

	if (file != NULL && strncmp(file, a->inv->dir, len) == 0 &&
	    file[len] == '/')
		return (file + len + 1);
	return (file);
}

/* The rendered script around the failing line, into b, each line indented. */
static void
alert_context(struct alerts *a, const struct alert_seen *s, struct buf *b,
    int html)
{
	struct site	*site = inventory_site(a->inv, s->site);
	struct test	*test = inventory_test(a->inv, s->test);
	struct server	*srv = s->server != NULL ? inventory_server(a->inv,
			    s->server) : NULL;
	struct source	*src = NULL;
	struct buf	 out;
	struct diag	 d;
	const char	*p;
	size_t		 len, k;
	int		 i, at = 0, fl;

	if (site == NULL || test == NULL || s->line <= 0)
		return;
	buf_init(&out);
	diag_init(&d);
	if (inventory_render(test, site, srv, &out, &src, &d) == 0) {
		for (i = 1; i <= (int)src->nlines; i++)
			if (source_file_line(src, i) == s->line) {
				at = i;
				break;
			}
		for (i = at - 2; at > 0 && i <= at + 2; i++) {
			if (i < 1 || i > (int)src->nlines)
				continue;
			p = source_line(src, i, &len);
			fl = source_file_line(src, i);
			buf_printf(b, "    %s%4d  ", i == at ? ">" : " ", fl);
			for (k = 0; k < len; k++) {
				if (html && p[k] == '<')
					buf_adds(b, "&lt;");
				else if (html && p[k] == '>')
					buf_adds(b, "&gt;");
				else if (html && p[k] == '&')
					buf_adds(b, "&amp;");
				else
					buf_addc(b, p[k]);
			}
			buf_addc(b, '\n');
		}
	}
	source_unref(src);
	diag_free(&d);
	buf_free(&out);
}

static void
alert_html_add(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		default:
			buf_addc(b, *s);
		}
	}
}

/* The one line of a pair, in text and in HTML. */
static void
alert_line(struct alerts *a, const struct alert_seen *s, struct buf *t,
    struct buf *h)
{
	char		*link = alert_link(a, s);
	struct buf	 what;

	buf_init(&what);
	buf_printf(&what, "%s / %s", s->site, s->test);
	if (s->server != NULL)
		buf_printf(&what, " on %s", s->server);
	buf_addc(&what, '\0');
	buf_printf(t, "- %s", what.data);
	buf_adds(h, "<li><b>");
	alert_html_add(h, what.data);
	buf_adds(h, "</b>");
	if (s->kind == ALERT_RECOVERED) {
		buf_printf(t, ": passes again%s\n", s->status ==
		    RESULT_PASS_AFTER_RETRY ? " (unstable: it passed on a retry)" :
		    "");
		buf_printf(h, ": passes again%s", s->status ==
		    RESULT_PASS_AFTER_RETRY ? " (unstable: it passed on a retry)" :
		    "");
	} else if (s->kind == ALERT_FLAPPING) {
		buf_printf(t, ": flapping (keeps changing between pass and "
		    "fail; now %s)\n", result_status_name(s->status));
		buf_printf(h, ": flapping (keeps changing between pass and "
		    "fail; now %s)", result_status_name(s->status));
	} else {
		buf_printf(t, ": %s", result_status_name(s->status));
		buf_printf(h, ": %s", result_status_name(s->status));
		if (s->file != NULL) {
			buf_printf(t, " at %s:%d", alert_file(a, s->file),
			    s->line);
			buf_adds(h, " at ");
			alert_html_add(h, alert_file(a, s->file));
			buf_printf(h, ":%d", s->line);
		}
		if (s->command != NULL) {
			buf_printf(t, ": %s", s->command);
			buf_adds(h, ": <code>");
			alert_html_add(h, s->command);
			buf_adds(h, "</code>");
		}
		buf_printf(t, ": %s\n", s->message != NULL ? s->message : "?");
		buf_adds(h, ": ");
		alert_html_add(h, s->message != NULL ? s->message : "?");
	}
	if (link != NULL) {
		buf_printf(t, "  %s\n", link);
		buf_adds(h, " <a href=\"");
		alert_html_add(h, link);
		buf_adds(h, "\">details</a>");
	}
	if (s->kind == ALERT_FAILING || s->kind == ALERT_STILL) {
		alert_context(a, s, t, 0);
		buf_adds(h, "<pre>");
		alert_context(a, s, h, 1);
		buf_adds(h, "</pre>");
	}
	buf_adds(h, "</li>\n");
	buf_free(&what);
	free(link);
}

/* One recipient's events: indexes into a->v, in result order. */
struct alert_rcpt {
	const char	*to;		/* NULL: everyone (the webhook) */
	size_t		*idx;
	size_t		 n;
};

/* The one line of a server group, with the checks a recipient cares for. */
static void
alert_group_line(struct alerts *a, size_t gi, const struct alert_rcpt *rc,
    struct buf *t, struct buf *h)
{
	const struct alert_group *g = &a->groups[gi - 1];
	const struct alert_seen	*s;
	struct buf		 sites;
	const char		*msg = NULL;
	size_t			 i, nsites = 0;

	buf_init(&sites);
	for (i = 0; i < rc->n; i++) {
		s = &a->v[rc->idx[i]];
		if (s->group != gi)
			continue;
		if (msg == NULL)
			msg = s->message;
		if (nsites++ > 0)
			buf_adds(&sites, ", ");
		buf_printf(&sites, "%s/%s", s->site, s->test);
	}
	buf_addc(&sites, '\0');
	buf_printf(t, "- server %s: %zu of its %zu checks fail with %s errors "
	    "(%s): %s\n", g->server, g->failing, g->total,
	    error_class_name(g->eclass), sites.data, msg != NULL ? msg : "?");
	buf_printf(h, "<li><b>server ");
	alert_html_add(h, g->server);
	buf_printf(h, "</b>: %zu of its %zu checks fail with %s errors (",
	    g->failing, g->total, error_class_name(g->eclass));
	alert_html_add(h, sites.data);
	buf_adds(h, "): ");
	alert_html_add(h, msg);
	buf_adds(h, "</li>\n");
	buf_free(&sites);
}

/* Is this an event anyone hears of? */
static int
alert_reported(const struct alert_seen *s)
{
	return (s->kind != ALERT_NONE && !s->silenced);
}

/*
 * The subject and the text and HTML bodies of one recipient's events.
 * Returns the number of events.
 */
static size_t
alert_compose(struct alerts *a, const struct alert_rcpt *rc, struct buf *subj,
    struct buf *t, struct buf *h)
{
	static const struct {
		enum alert_kind	 kind;
		const char	*title;
		const char	*word;
	} sections[] = {
		{ ALERT_FLAPPING, "Flapping", "flapping" },
		{ ALERT_RECOVERED, "Recovered", "recovered" },
		{ ALERT_STILL, "Still failing", "still failing" },
	};
	const struct alert_seen	*s;
	const char		*sites[5];
	struct map		 seen;
	unsigned char		*shown;
	size_t			 nsites = 0, count, total = 0, i, k, g;
	int			 first = 1;

	map_init(&seen);
	shown = xcalloc(a->ngroups + 1, 1);
	buf_adds(subj, "Kong: ");
	buf_adds(h, "<html><body>\n");
	for (k = 0; k <= sizeof sections / sizeof sections[0]; k++) {
		enum alert_kind	 kind = k == 0 ? ALERT_FAILING :
				    sections[k - 1].kind;
		const char	*title = k == 0 ? "New failures" :
				    sections[k - 1].title;
		const char	*word = k == 0 ? "failing" :
				    sections[k - 1].word;

		count = 0;
		for (i = 0; i < rc->n; i++)
			if (a->v[rc->idx[i]].kind == kind)
				count++;
		if (count == 0)
			continue;
		total += count;
		buf_printf(subj, "%s%zu %s", first ? "" : ", ", count, word);
		first = 0;
		buf_printf(t, "%s (%zu):\n", title, count);
		buf_printf(h, "<h3>%s (%zu)</h3>\n<ul>\n", title, count);
		for (i = 0; i < rc->n; i++) {
			s = &a->v[rc->idx[i]];
			if (s->kind != kind)
				continue;
			if (map_get(&seen, s->site) == NULL) {
				map_set(&seen, s->site, (void *)s->site);
				if (nsites < nitems(sites))
					sites[nsites] = s->site;
				nsites++;
			}
			if ((g = s->group) == 0)
				alert_line(a, s, t, h);
			else if (!shown[g]) {
				/* The group's line, at its first member. */
				shown[g] = 1;
				alert_group_line(a, g, rc, t, h);
			}
		}
		buf_adds(t, "\n");
		buf_adds(h, "</ul>\n");
	}
	if (nsites > 0) {
		buf_adds(subj, " (");
		for (i = 0; i < nsites && i < 4; i++)
			buf_printf(subj, "%s%s", i > 0 ? ", " : "", sites[i]);
		if (nsites > 4)
			buf_printf(subj, " and %zu more", nsites - 4);
		buf_adds(subj, ")");
	}
	map_free(&seen, NULL);
	free(shown);
	buf_adds(h, "</body></html>\n");
	return (total);
}

static const char alert_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of len bytes into b, lines of wrap characters (0: one line). */
static void
alert_base64(struct buf *b, const char *p, size_t len, size_t wrap)
{
	const unsigned char	*s = (const unsigned char *)p;
	size_t			 i, col = 0;
	unsigned		 v;

	for (i = 0; i < len; i += 3) {
		v = (unsigned)s[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		buf_addc(b, alert_b64[(v >> 18) & 63]);
		buf_addc(b, alert_b64[(v >> 12) & 63]);
		buf_addc(b, i + 1 < len ? alert_b64[(v >> 6) & 63] : '=');
		buf_addc(b, i + 2 < len ? alert_b64[v & 63] : '=');
		if (wrap > 0 && (col += 4) >= wrap && i + 3 < len) {
			buf_adds(b, "\r\n");
			col = 0;
		}
	}
}

/* A header value: as it is in ASCII, else RFC 2047 encoded words. */
static void
alert_header_value(struct buf *b, const char *s)
{
	const char	*p;
	size_t		 n, len = strlen(s);
	int		 ascii = 1;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80 || *p == '\r' || *p == '\n')
			ascii = 0;
	if (ascii && len < 900) {
		buf_adds(b, s);
		return;
	}
	/* Encoded words of at most 45 bytes, cut between characters. */
	for (p = s; *p != '\0'; p += n) {
		n = strlen(p) > 45 ? 45 : strlen(p);
		while (n < strlen(p) && n > 0 &&
		    ((unsigned char)p[n] & 0xc0) == 0x80)
			n--;
		if (p != s)
			buf_adds(b, "\r\n ");
		buf_adds(b, "=?UTF-8?B?");
		alert_base64(b, p, n, 0);
		buf_adds(b, "?=");
	}
}

/*
 * An RFC 5322 message: headers, then text and HTML as alternatives; seq
 * (the message's number in the run) makes its Message-ID unique.
 */
static char *
alert_mail(struct alerts *a, const char *to, const char *subject,
    const char *text, const char *html, size_t seq)
{
	const char	*from = a->set->mail_from != NULL ? a->set->mail_from :
			    "kong@localhost";
	const char	*run = a->run->id;
	char		 date[64], host[256];
	struct buf	 m;
	struct tm	 tm;
	time_t		 now = time(NULL);

	localtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm);
	if (gethostname(host, sizeof host) != 0 || host[0] == '\0')
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	buf_init(&m);
	buf_printf(&m, "Date: %s\r\n", date);
	buf_printf(&m, "Message-ID: <kong.%s.%zu@%s>\r\n", run, seq, host);
	buf_printf(&m, "From: %s\r\nTo: %s\r\nSubject: ", from, to);
	alert_header_value(&m, subject);
	buf_printf(&m, "\r\nMIME-Version: 1.0\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "X-Kong-Run: %s\r\n"
	    "Content-Type: multipart/alternative; boundary=\"kong-%s-%zu\"\r\n"
	    "\r\n", run, run, seq);
	buf_printf(&m, "--kong-%s-%zu\r\nContent-Type: text/plain; "
	    "charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
	    run, seq);
	alert_base64(&m, text, strlen(text), 76);
	buf_printf(&m, "\r\n--kong-%s-%zu\r\nContent-Type: text/html; "
	    "charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
	    run, seq);
	alert_base64(&m, html, strlen(html), 76);
	buf_printf(&m, "\r\n--kong-%s-%zu--\r\n", run, seq);
	return (buf_steal(&m));
}

/* One pair's event, as the webhook has it. */
static json_t *
alert_json_event(struct alerts *a, const struct alert_seen *s)
{
	json_t	*o, *to;
	char	*link = alert_link(a, s), *since;
	size_t	 i;

	to = json_array();
	for (i = 0; s->recipients[i] != NULL; i++)
		json_array_append_new(to, json_string(s->recipients[i]));
	since = s->since_us != 0 && alert_is_failure(s->status) ?
	    record_time(s->since_us) : NULL;
	o = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s?, s:i, s:s?, "
	    "s:s?, s:s?, s:o}", "site", s->site, "test", s->test, "server",
	    s->server, "status", result_status_name(s->status), "error_class",
	    error_class_name(s->eclass), "message", s->message, "file",
	    alert_file(a, s->file), "line", s->line, "command", s->command,
	    "link", link, "failing_since", since, "recipients", to);
	if (o == NULL)
		fatal("json_pack failed for an alert");
	if (s->group != 0)
		json_object_set_new(o, "server_group", json_string(
		    a->groups[s->group - 1].server));
	free(since);
	free(link);
	return (o);
}

/* The webhook's document: everything this run reports, once. */
static char *
alert_webhook_doc(struct alerts *a, const char *subject, const char *text,
    const char *fleet)
{
	static const char *keys[] = { NULL, "failing", "flapping", "recovered",
	    "still_failing" };
	json_t		*doc, *groups, *arr;
	char		*t, *s;
	size_t		 i;
	int		 k;

	t = record_time(realtime_usec());
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "run", a->run->id,
	    "time", t, "subject", subject, "text", text, "fleet", fleet);
	free(t);
	if (doc == NULL)
		fatal("json_pack failed for the webhook");
	for (k = ALERT_FAILING; k <= ALERT_STILL; k++) {
		arr = json_array();
		for (i = 0; i < a->n; i++)
			if (alert_reported(&a->v[i]) && (int)a->v[i].kind == k)
				json_array_append_new(arr, alert_json_event(a,
				    &a->v[i]));
		json_object_set_new(doc, keys[k], arr);
	}
	groups = json_array();
	for (i = 0; i < a->ngroups; i++)
		json_array_append_new(groups, json_pack("{s:s, s:s, s:I, s:I}",
		    "server", a->groups[i].server, "error_class",
		    error_class_name(a->groups[i].eclass), "failing",
		    (json_int_t)a->groups[i].failing, "checks",
		    (json_int_t)a->groups[i].total));
	json_object_set_new(doc, "servers", groups);
	s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return (s);
}

/* Queue a message in the outbox. Returns 0 or -1. */
static int
alert_queue(struct alerts *a, const char *transport, const char *to,
    const char *subject, const char *text, const char *payload)
{
	struct alert_msg	 m;

	memset(&m, 0, sizeof m);
	m.run = (char *)a->run->id;
	m.transport = (char *)transport;
	m.to = (char *)to;
	m.subject = (char *)subject;
	m.text = (char *)text;
	m.payload = (char *)payload;
	m.created_us = realtime_usec();
	a->queued++;
	if (alert_outbox_add(a->db, &m) != 0)
		return (-1);
	a->last_id = m.id;
	return (0);
}

/* Compose one recipient's message (NULL to: the webhook's) and queue it. */
static int
alert_message(struct alerts *a, const struct alert_rcpt *rc)
{
	struct buf	 subj, t, h;
	char		*payload;
	int		 r;

	buf_init(&subj);
	buf_init(&t);
	buf_init(&h);
	alert_compose(a, rc, &subj, &t, &h);
	buf_addc(&subj, '\0');
	buf_addc(&t, '\0');
	buf_addc(&h, '\0');
	if (rc->to != NULL) {
		payload = alert_mail(a, rc->to, subj.data, t.data, h.data,
		    a->queued);
		r = alert_queue(a, a->set->smtp != NULL ? "mail" : "none",
		    rc->to, subj.data, t.data, payload);
	} else {
		payload = alert_webhook_doc(a, subj.data, t.data, NULL);
		r = alert_queue(a, "webhook", a->set->webhook, subj.data,
		    t.data, payload);
	}
	free(payload);
	buf_free(&subj);
	buf_free(&t);
	buf_free(&h);
	return (r);
}

/*
 * One message to each recipient, and the webhook's: each recipient's
 * events are listed once (a map from address to its list), so the cost is
 * the sum of the messages' lengths, not recipients times events. Returns 0
 * or -1.
 */
static int
alert_messages(struct alerts *a)
{
	struct alert_rcpt	*v = NULL, *r, all;
	struct map		 by;
	const char		*to;
	size_t			 n = 0, i, j;
	int			 rc = 0;

	map_init(&by);
	memset(&all, 0, sizeof all);
	all.idx = xcalloc(a->n + 1, sizeof *all.idx);
	for (i = 0; i < a->n; i++) {
		if (!alert_reported(&a->v[i]))
			continue;
		all.idx[all.n++] = i;
		for (j = 0; (to = a->v[i].recipients[j]) != NULL; j++) {
			if ((r = map_get(&by, to)) == NULL) {
				v = xreallocarray(v, n + 1, sizeof *v);
				memset(&v[n], 0, sizeof v[n]);
				v[n].to = to;
				map_set(&by, to, (void *)(uintptr_t)(n + 1));
				r = (void *)(uintptr_t)(n + 1);
				n++;
			}
			r = &v[(uintptr_t)r - 1];
			if (r->n > 0 && r->idx[r->n - 1] == i)
				continue;	/* listed twice in recipients */
			r->idx = xreallocarray(r->idx, r->n + 1,
			    sizeof *r->idx);
			r->idx[r->n++] = i;
		}
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = alert_message(a, &v[i]);
	if (rc == 0 && all.n > 0 && a->set->webhook != NULL)
		rc = alert_message(a, &all);
	for (i = 0; i < n; i++)
		free(v[i].idx);
	free(v);
	free(all.idx);
	map_free(&by, NULL);
	return (rc);
}

/*
 * A message about Kong itself: into the outbox when v is NULL (returns 0
 * or -1), else appended to *v, which then owns payload, for a delivery the
 * store has no part in (the store is what failed).
 */
static int
alert_admin_put(struct alerts *a, struct alert_msg **v, size_t *n,
    const char *transport, const char *to, const char *subject,
    const char *text, char *payload)
{
	struct alert_msg	*m;
	int			 rc;

	if (v == NULL) {
		rc = alert_queue(a, transport, to, subject, text, payload);
		free(payload);
		return (rc);
	}
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	m = &(*v)[(*n)++];
	memset(m, 0, sizeof *m);
	m->run = xstrdup(a->run->id);
	m->transport = xstrdup(transport);
	m->to = xstrdup(to);
	m->subject = xstrdup(subject);
	m->text = xstrdup(text);
	m->payload = payload;
	return (0);
}

/* A mail to each admin, its text also as HTML (see alert_admin_put). */
static int
alert_admin_mails(struct alerts *a, const char *subject, const char *text,
    struct alert_msg **v, size_t *n)
{
	char *const	*admins = a->inv->recipients;
	struct buf	 h;
	char		*mail;
	size_t		 i;
	int		 rc = 0;

	if (v != NULL && a->set->smtp == NULL)
		return (0);		/* only the outbox records unsent mail */
	buf_init(&h);
	buf_adds(&h, "<html><body><pre>");
	alert_html_add(&h, text);
	buf_adds(&h, "</pre></body></html>\n");
	buf_addc(&h, '\0');
	for (i = 0; admins != NULL && admins[i] != NULL && rc == 0; i++) {
		mail = alert_mail(a, admins[i], subject, text, h.data,
		    a->queued + (n != NULL ? *n : 0));
		rc = alert_admin_put(a, v, n, a->set->smtp != NULL ? "mail" :
		    "none", admins[i], subject, text, mail);
	}
	buf_free(&h);
	return (rc);
}

/* The admins' message about the fleet as a whole. Returns 0 or -1. */
static int
alert_fleet_message(struct alerts *a)
{
	const char	*subject;
	char		*text, *doc;
	size_t		 i, shown = 0;
	int		 rc = 0;
	struct buf	 t;

	buf_init(&t);
	if (a->fleet == 1) {
		subject = "Kong cannot reach the fleet";
		buf_printf(&t, "Kong cannot reach the fleet: %zu of %zu checks "
		    "failed with network errors (net, dns, tls, timeout).\n"
		    "The sites are probably fine; Kong's own network is not. "
		    "No site's managers were told; the pairs keep their "
		    "state.\n\n", a->fleet_net, a->fleet_ran);
		for (i = 0; i < a->n && shown < 5; i++) {
			if (!alert_is_failure(a->v[i].status))
				continue;
			buf_printf(&t, "- %s / %s: %s: %s\n", a->v[i].site,
			    a->v[i].test, error_class_name(a->v[i].eclass),
			    a->v[i].message != NULL ? a->v[i].message : "?");
			shown++;
		}
	} else {
		subject = "Kong reaches the fleet again";
		buf_printf(&t, "Kong reaches the fleet again: %zu of %zu checks "
		    "failed with network errors this run.\n", a->fleet_net,
		    a->fleet_ran);
	}
	buf_addc(&t, '\0');
	text = t.data;
	rc = alert_admin_mails(a, subject, text, NULL, NULL);
	if (rc == 0 && a->set->webhook != NULL) {
		doc = alert_webhook_doc(a, subject, text, a->fleet == 1 ?
		    "unreachable" : "reachable");
		rc = alert_queue(a, "webhook", a->set->webhook, subject, text,
		    doc);
		free(doc);
	}
	buf_free(&t);
	return (rc);
}

/* Results by site, test and server: messages list them in name order. */
static int
alert_seen_cmp(const void *x, const void *y)
{
	const struct alert_seen	*a = x, *b = y;
	int			 c;

	if ((c = strcmp(a->site, b->site)) != 0 ||
	    (c = strcmp(a->test, b->test)) != 0)
		return (c);
	return (strcmp(a->server != NULL ? a->server : "", b->server != NULL ?
	    b->server : ""));
}

/* The run whose alerts were decided last: its start, in alert_meta. */
static int
alert_mark_decided(struct alerts *a)
{
	char	start[32];

	snprintf(start, sizeof start, "%llu",
	    (unsigned long long)a->run->start_us);
	if (alert_meta_set(a->db, "decided_run", a->run->id) != 0 ||
	    alert_meta_set(a->db, "decided_start_us", start) != 0)
		return (-1);
	return (0);
}

/*
 * The end of a run's transaction: rolled back after an error (nothing of
 * the run is kept), left open for a dry run (the caller reads what it
 * would send, then rolls back), else committed. Returns 0 or -1.
 */
static int
alert_run_close(struct alerts *a, int rc)
{
	alert_pairs_forget(a->db);
	if (rc != 0) {
		alert_db_rollback(a->db);
		return (-1);
	}
	if (a->dry)
		return (0);
	return (alert_db_commit(a->db));
}

/*
 * Everything of one run, in one transaction, as of now (the run's end).
 * Returns 0 or -1.
 */
static int
alert_run(struct alerts *a, uint64_t now)
{
	const struct settings	*set = a->set;
	char			*was;
	size_t			 i;
	int			 rc = 0;

	if (a->n > 1)
		qsort(a->v, a->n, sizeof *a->v, alert_seen_cmp);
	if (alert_db_begin(a->db) != 0)
		return (-1);
	if (alert_mark_decided(a) != 0 ||
	    alert_silence_list(a->db, 0, &a->sil, &a->nsil) != 0 ||
	    (a->n >= ALERT_LOAD_ALL && alert_pairs_load(a->db) != 0))
		return (alert_run_close(a, -1));
	for (i = 0; i < a->n; i++) {
		a->fleet_ran++;
		if (alert_is_failure(a->v[i].status) &&
		    alert_is_net(a->v[i].eclass))
			a->fleet_net++;
	}
	was = alert_meta_get(a->db, "fleet_unreachable");
	if (a->fleet_ran >= (size_t)set->fleet_min && a->fleet_net * 100 >=
	    (size_t)set->fleet_percent * a->fleet_ran) {
		if (was == NULL) {
			a->fleet = 1;
			rc = alert_meta_set(a->db, "fleet_unreachable",
			    a->run->id);
			if (rc == 0)
				rc = alert_fleet_message(a);
		}
		free(was);
		return (alert_run_close(a, rc));
	}
	if (was != NULL) {
		a->fleet = 2;
		if ((rc = alert_meta_set(a->db, "fleet_unreachable", NULL)) ==
		    0)
			rc = alert_fleet_message(a);
		free(was);
	}
	for (i = 0; i < a->n && rc == 0; i++)
		rc = alert_decide(a, &a->v[i], now);
	if (rc == 0) {
		alert_group(a);
		rc = alert_messages(a);
	}
	return (alert_run_close(a, rc));
}

/* --- Kong's own problems, for the admins ---------------------------------- */

static void	alert_delivered(struct alert_delivery *, void *);

/*
 * Messages about Kong itself to the admins and the webhook, whose document
 * says what kind of problem and carries extra's members (see
 * alert_admin_put for v).
 */
static int
alert_admin_messages(struct alerts *a, const char *kind, const char *subject,
    const char *text, json_t *extra, struct alert_msg **v, size_t *n)
{
	json_t	*doc;
	char	*t;
	int	 rc;

	rc = alert_admin_mails(a, subject, text, v, n);
	if (rc != 0 || a->set->webhook == NULL)
		return (rc);
	t = record_time(realtime_usec());
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s}", "run", a->run->id, "time",
	    t, "subject", subject, "text", text, "kong", kind);
	free(t);
	if (doc == NULL)
		fatal("json_pack failed for the webhook");
	if (extra != NULL)
		json_object_update(doc, extra);
	t = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return (alert_admin_put(a, v, n, "webhook", a->set->webhook, subject,
	    text, t));
}

/*
 * Messages that could not be delivered: the admins are told once per
 * outage (alert_meta delivery_trouble holds the run it began in, and is
 * cleared when a run delivers everything), by the transports that worked
 * this run now and by the others when they work again. Returns how many
 * messages it queued, from a->last_id - a->told + 1 on.
 */
static size_t
alert_delivery_trouble(struct alerts *a, const struct alert_delivery *d)
{
	const struct alert_msg	*v;
	struct buf		 t;
	json_t			*bad, *extra;
	char			*was, subject[128];
	size_t			 n, i, nbad = 0, before;
	int			 rc;

	a->told = 0;
	if (a->dry)
		return (0);
	before = a->queued;
	v = alert_delivery_msgs(d, &n);
	bad = json_array();
	buf_init(&t);
	for (i = 0; i < n; i++) {
		if (v[i].delivered_us != 0 || v[i].error == NULL)
			continue;
		nbad++;
		buf_printf(&t, "- %s to %s: not delivered after %ld attempt%s: "
		    "%s\n", v[i].transport, strcmp(v[i].transport, "webhook")
		    == 0 ? "the webhook" : v[i].to, v[i].attempts,
		    v[i].attempts == 1 ? "" : "s", v[i].error);
		json_array_append_new(bad, json_pack("{s:s, s:s, s:I, s:s}",
		    "transport", v[i].transport, "to", strcmp(v[i].transport,
		    "webhook") == 0 ? "the webhook" : v[i].to, "attempts",
		    (json_int_t)v[i].attempts, "error", v[i].error));
	}
	was = alert_meta_get(a->db, "delivery_trouble");
	if (nbad == 0 || was != NULL) {
		if (nbad == 0 && n > 0 && was != NULL)
			alert_meta_set(a->db, "delivery_trouble", NULL);
		free(was);
		json_decref(bad);
		buf_free(&t);
		return (0);
	}
	snprintf(subject, sizeof subject, "Kong: %zu alert message%s could not "
	    "be delivered", nbad, nbad == 1 ? "" : "s");
	buf_printf(&t, "\nKong could not deliver %zu of the %zu alert messages "
	    "it sent at the end of run %s (above). They are kept in its "
	    "outbox and tried again at every run; kong alert delivers them at "
	    "once, kong alert --dry-run shows them.\n\nYou are told once, "
	    "until a run delivers everything again. If this came by mail, mail "
	    "works again, and the held messages come with it.\n", nbad, n,
	    a->run->id);
	buf_addc(&t, '\0');
	if (alert_db_begin(a->db) != 0) {
		json_decref(bad);
		buf_free(&t);
		return (0);
	}
	extra = json_pack("{s:o}", "undelivered", bad);
	rc = alert_meta_set(a->db, "delivery_trouble", a->run->id);
	if (rc == 0)
		rc = alert_admin_messages(a, "undelivered", subject, t.data,
		    extra, NULL, NULL);
	json_decref(extra);
	buf_free(&t);
	if (rc != 0 || alert_db_commit(a->db) != 0) {
		alert_db_rollback(a->db);
		return (0);
	}
	a->told = a->queued - before;
	return (a->told);
}

/*
 * The alert state could not be written, so this run's alerts are lost:
 * tell the admins directly, without the outbox. Returns the delivery, or
 * NULL when there is no one to tell.
 */
static struct alert_delivery *
alert_store_trouble(struct alerts *a)
{
	struct alert_msg	*v = NULL;
	size_t			 n = 0;
	char			*text, subject[] = "Kong: the alert state could "
				    "not be written";

	a->told = 0;
	text = xstrfmt("Kong could not write its alert state at the end of "
	    "run %s: %s.\n\nNo alert of this run was decided or sent: failures "
	    "and recoveries of this run are not reported. The store is %s; "
	    "check its disk, its permissions and that nothing holds it "
	    "locked.\n", a->run->id, a->error, a->set->store != NULL ?
	    a->set->store : "kong.db beside the log");
	alert_admin_messages(a, "store", subject, text, NULL, &v, &n);
	free(text);
	if ((a->told = n) == 0) {
		free(v);
		return (NULL);
	}
	return (alert_deliver_msgs(a->engine, a->set, v, n, alert_delivered,
	    a));
}

/* A message to the admins, delivered on its own (see alerts_tell). */
struct alert_tell {
	struct alerts		*a;
	struct run_info		 run;
	struct alert_delivery	*d;
	void			(*done)(void *);
	void			*arg;
};

static void
alert_told(struct alert_delivery *d, void *arg)
{
	struct alert_tell	*t = arg;

	alert_delivery_report(d, stderr, "kong");
	alert_delivery_free(t->d);
	t->a->delivery = NULL;
	alerts_free(t->a);
	if (t->done != NULL)
		t->done(t->arg);
	free(t);
}

/*
 * Tell the admins of a problem of Kong's that stops a run before it starts
 * (the store cannot be opened): a mail each and the webhook, delivered on
 * e without the store; done (may be NULL) is called when it is over, and
 * everything is freed. Returns 0, or -1 if there is no one to tell.
 */
int
alerts_tell(struct engine *e, const struct inventory *inv,
    const struct settings *set, const char *subject, const char *text,
    void (*done)(void *), void *arg)
{
	struct alert_tell	*t;
	struct alert_msg	*v = NULL;
	size_t			 n = 0;
	char			 id[64];
	time_t			 now = time(NULL);
	struct tm		 tm;

	t = xcalloc(1, sizeof *t);
	t->a = alerts_create(e, inv, set, NULL);
	gmtime_r(&now, &tm);
	strftime(id, sizeof id, "%Y%m%dT%H%M%SZ-kong", &tm);
	t->run.id = id;
	t->a->run = &t->run;
	alert_admin_messages(t->a, "store", subject, text, NULL, &v, &n);
	t->a->run = NULL;
	if (n == 0) {
		free(v);
		alerts_free(t->a);
		free(t);
		return (-1);
	}
	t->done = done;
	t->arg = arg;
	t->d = alert_deliver_msgs(e, set, v, n, alert_told, t);
	return (0);
}

/* What alerting did, for run_end. */
static json_t *
alert_json(struct alerts *a)
{
	json_t	*o;

	if (a->delivery != NULL)
		o = alert_delivery_json(a->delivery);
	else
		o = json_object();
	json_object_set_new(o, "queued", json_integer((json_int_t)a->queued));
	if (a->fleet == 1)
		json_object_set_new(o, "fleet", json_string("unreachable"));
	if (a->told > 0)
		json_object_set_new(o, "admins_told", json_integer(
		    (json_int_t)a->told));
	if (a->error != NULL)
		json_object_set_new(o, "error", json_string(a->error));
	return (o);
}

static void
alert_resume_cb(void *arg)
{
	struct alerts	*a = arg;

	/* run_end says it only when there was something to say. */
	if (a->queued > 0 || a->fleet != 0 || a->error != NULL || a->told > 0 ||
	    (a->delivery != NULL && alert_delivery_tried(a->delivery) > 0))
		a->run->alerts = alert_json(a);
	sweep_resume(a->sweep);		/* may end the loop */
}

static void
alert_delivered(struct alert_delivery *d, void *arg)
{
	struct alerts	*a = arg;
	char		 who[32];

	snprintf(who, sizeof who, "kong %s", a->run->command != NULL ?
	    a->run->command : "check");
	alert_delivery_report(d, stderr, who);
	if (d == a->delivery && !a->cancelled) {
		/* Then what the admins should know of Kong itself. */
		if (a->error != NULL)
			a->admin = alert_store_trouble(a);
		else if (alert_delivery_trouble(a, d) > 0)
			a->admin = alert_deliver_from(a->engine, a->set, a->db,
			    a->last_id - (int64_t)a->told + 1,
			    alert_delivery_failing(d), alert_delivered, a);
		if (a->admin != NULL)
			return;
	}
	engine_queue(a->engine, &a->task);
}

/* The sweep's finish hook: decide, queue, deliver, then run_end. */
static void
alert_finish(struct sweep *sw, struct run_info *run, void *arg)
{
	struct alerts	*a = arg;

	a->sweep = sw;
	a->run = run;
	engine_task_init(&a->task, alert_resume_cb, a);
	if (!run->interrupted && run->aborted == NULL &&
	    alert_run(a, realtime_usec()) != 0) {
		a->error = xstrfmt("the alert state could not be written: %s",
		    alert_db_error(a->db));
		fprintf(stderr, "kong check: %s; nothing was sent\n", a->error);
		run->exit_status = KONG_EXIT_IO;
	}
	if (a->set->smtp != NULL || a->set->webhook != NULL) {
		a->delivery = alert_deliver(a->engine, a->set, a->db,
		    alert_delivered, a);
		return;
	}
	engine_queue(a->engine, &a->task);
}

/* Decide and send the alerts of sw when its checks are done. */
void
alerts_attach(struct alerts *a, struct sweep *sw)
{
	sweep_add_sink(sw, alerts_sink(a));
	sweep_set_finish(sw, alert_finish, a);
}

/* One result of a stored run, with its recipients from the inventory. */
static int
alert_stored_cb(void *arg, struct result *r)
{
	struct alerts		*a = arg;
	const struct site	*site;

	if ((site = inventory_site(a->inv, r->where.site)) != NULL)
		r->where.recipients = site->recipients;
	else
		r->where.recipients = a->inv->recipients;
	alert_seen_add(a, r);
	return (0);
}

/*
 * Decide the alerts of a run that reached the store without kong check
 * deciding them (kong store ingest of a merged sharded run, of a log of
 * another machine), as kong check would have at its end: the outbox gets
 * its messages, which the caller delivers. The alert state moves run by
 * run, so a run that is not newer than the last one decided is refused.
 * With dry, the decision's transaction is left open for the caller to
 * read the outbox and roll back (alert_db_rollback). Returns 0, 1 if
 * they were decided already (or a newer run's were), 2 if the store has
 * no such finished run, or -1; *cause says why when not 0.
 */
int
alerts_decide_run(struct alerts *a, const char *id, int dry, char **cause)
{
	struct run_info	 run;
	uint64_t	 start, end, last = 0;
	char		*lrun, *lstart;
	int		 rc;

	rc = alert_stored_run(a->db, id, &start, &end, alert_stored_cb, a);
	if (rc != 0) {
		*cause = rc == 1 ? xstrfmt("the store has no finished run %s "
		    "(kong store ingest its log first)", id) :
		    xstrfmt("the store could not be read: %s",
		    alert_db_error(a->db));
		return (rc == 1 ? 2 : -1);
	}
	lrun = alert_meta_get(a->db, "decided_run");
	lstart = alert_meta_get(a->db, "decided_start_us");
	if (lstart != NULL)
		last = strtoull(lstart, NULL, 10);
	if (lrun != NULL && strcmp(lrun, id) == 0)
		*cause = xstrfmt("the alerts of run %s were decided already; "
		    "nothing new to send (kong alert --dry-run --run %s shows "
		    "them)", id, id);
	else if (lrun != NULL && start <= last)
		*cause = xstrfmt("run %s is not newer than run %s, whose alerts "
		    "were decided already: alert state only moves forward",
		    id, lrun);
	free(lstart);
	if (lrun != NULL && (strcmp(lrun, id) == 0 || start <= last)) {
		free(lrun);
		return (1);
	}
	free(lrun);
	memset(&run, 0, sizeof run);
	run.id = id;
	run.command = "check";
	run.start_us = start;
	a->run = &run;
	a->dry = dry;
	rc = alert_run(a, end);
	a->run = NULL;
	if (rc != 0) {
		*cause = xstrfmt("the alert state could not be written: %s",
		    alert_db_error(a->db));
		return (-1);
	}
	return (0);
}

/* How many messages the last decision queued. */
size_t
alerts_queued(const struct alerts *a)
{
	return (a->queued);
}

/* A signal while delivering: stop delivering. Returns 0 if not delivering. */
int
alerts_interrupt(struct alerts *a)
{
	if (a == NULL)
		return (0);
	a->cancelled = 1;
	if (a->admin != NULL)
		return (alert_delivery_cancel(a->admin));
	return (alert_delivery_cancel(a->delivery));
}

/* Print messages, as kong alert --dry-run does. */
void
alerts_print(const struct alert_msg *v, size_t n, FILE *f)
{
	const struct alert_msg	*m;
	char			*t;
	size_t			 i;

	for (i = 0; i < n; i++) {
		m = &v[i];
		fprintf(f, "=== %s to %s: ", m->transport, m->to);
		if (strcmp(m->transport, "none") == 0)
			fprintf(f, "not sent (no [kong] smtp)\n");
		else if (m->delivered_us != 0) {
			t = record_time(m->delivered_us);
			fprintf(f, "delivered %s\n", t);
			free(t);
		} else if (m->attempts > 0)
			fprintf(f, "not delivered after %ld attempt%s: %s\n",
			    m->attempts, m->attempts == 1 ? "" : "s",
			    m->error != NULL ? m->error : "?");
		else
			fprintf(f, "not tried yet\n");
		fprintf(f, "Subject: %s\n\n%s", m->subject, m->text);
		if (m->text[0] != '\0' && m->text[strlen(m->text) - 1] != '\n')
			fputc('\n', f);
	}
}
