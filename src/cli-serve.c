/*
 * cli-serve.c: kong serve: the dashboard over HTTP, from the store.
 *
 * libevent's evhttp on the engine's loop (the program owns the loop and
 * the signals, as for kong check). Pages come from the renderer
 * (render.c); this file is the HTTP side: where it listens (loopback
 * unless --listen says otherwise, and then only with --htpasswd or an
 * explicit --no-auth), Basic authentication against an htpasswd file
 * (bcrypt from htpasswd -B, checked with crypt(3)), bounded requests and
 * timeouts for slow clients, security headers, and with --allow-run the
 * POST that runs a pair now: a sweep of one pair on the same loop, into
 * the same log and store, behind a CSRF token. With --every, the sweeps of
 * the fleet run on the same loop too: kong check's sweep (cli-sweep.c:
 * its lock, log, store, alerts and pings), never two at once, each tick
 * set from the last one's planned start plus a random jitter.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <crypt.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "cli.h"
#include "render.h"
#include "sweep.h"

enum {
	SERVE_LISTEN = 1000,
	SERVE_HTPASSWD,
	SERVE_NO_AUTH,
	SERVE_ALLOW_RUN,
	SERVE_EVERY,
	SERVE_JITTER,
};

static const struct cli_option serve_options[] = {
	{ "listen", 0, CLI_ARG, "ADDR:PORT", "where to listen (default "
	    "127.0.0.1:8470; port 0 picks a free one); beyond loopback it "
	    "needs --htpasswd or --no-auth", SERVE_LISTEN },
	{ "htpasswd", 0, CLI_ARG, "FILE", "ask for a user and password from "
	    "FILE (bcrypt, as written by htpasswd -B)", SERVE_HTPASSWD },
	{ "no-auth", 0, CLI_NOARG, NULL, "listen beyond loopback without "
	    "authentication", SERVE_NO_AUTH },
	{ "allow-run", 0, CLI_NOARG, NULL, "pair pages get a Run now button "
	    "(a POST with a CSRF token)", SERVE_ALLOW_RUN },
	{ "every", 0, CLI_ARG, "DUR", "sweep the fleet every DUR (such as 10m), "
	    "as kong check does, in this process; needs -c", SERVE_EVERY },
	{ "jitter", 0, CLI_ARG, "DUR", "start each sweep up to DUR late, at "
	    "random (default: a tenth of --every, at most 1m)", SERVE_JITTER },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

#define SERVE_MAX_URI		4096
#define SERVE_MAX_HEADERS	16384
#define SERVE_MAX_BODY		4096
#define SERVE_TIMEOUT_S		10
#define SERVE_AUTH_CACHE	8

#define SERVE_CSP "default-src 'none'; style-src 'self'; img-src 'self'; "	\
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

struct serve_user {
	char	*name;
	char	*hash;
};

struct serve_state {
	struct engine		*engine;
	struct evhttp		*http;
	struct store		*store;
	struct render		*render;
	struct inventory	*inv;
	struct settings		 set;
	struct serve_user	*users;
	size_t			 nusers;
	char			*good[SERVE_AUTH_CACHE]; /* accepted headers */
	size_t			 ngood;
	char			 csrf[33];
	int			 allow_run;
	struct sweep		*sweep;		/* a run now in flight */
	char			*run_site;
	char			*run_test;
	struct selection	 run_sel;
	long			 every;		/* --every, ms; 0: no sweeps */
	long			 jitter;	/* ms */
	const struct selection	*sel;		/* what --every sweeps */
	struct cli_sweep	 tick;		/* its sweep, while in flight */
	struct event		*timer;
	uint64_t		 due_us;	/* the next tick, before jitter */
	int			 stopping;	/* a signal came */
	struct event		*sigint;
	struct event		*sigterm;
};

/* Read an htpasswd file: user:hash lines. Returns 0, or -1 after saying why. */
static int
serve_htpasswd(struct serve_state *st, const char *path)
{
	char	*text, *line, *next, *colon, *cause;
	size_t	 len;
	int	 lineno = 0;

	if ((text = read_file(path, 1024 * 1024, &len, &cause)) == NULL) {
		fprintf(stderr, "kong serve: --htpasswd: %s\n", cause);
		free(cause);
		return (-1);
	}
	for (line = text; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		if ((colon = strchr(line, ':')) == NULL || colon == line ||
		    strncmp(colon + 1, "$2", 2) != 0) {
			fprintf(stderr, "%s:%d: error: not a user:bcrypt-hash line "
			    "(write the file with htpasswd -B)\n", path, lineno);
			free(text);
			return (-1);
		}
		*colon = '\0';
		st->users = xreallocarray(st->users, st->nusers + 1,
		    sizeof *st->users);
		st->users[st->nusers].name = xstrdup(line);
		st->users[st->nusers++].hash = xstrdup(colon + 1);
	}
	free(text);
	if (st->nusers == 0) {
		fprintf(stderr, "kong serve: --htpasswd: %s has no users\n", path);
		return (-1);
	}
	return (0);
}

/* Decode base64 (standard alphabet). Caller frees; NULL if malformed. */
static char *
serve_base64(const char *s)
{
	static const char	 al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct buf		 b;
	const char		*p;
	unsigned		 acc = 0;
	int			 bits = 0;

	buf_init(&b);
	for (; *s != '\0' && *s != '='; s++) {
		if ((p = strchr(al, *s)) == NULL || *s == '\0') {
			buf_free(&b);
			return (NULL);
		}
		acc = (acc << 6) | (unsigned)(p - al);
		if ((bits += 6) >= 8) {
			bits -= 8;
			buf_addc(&b, (char)((acc >> bits) & 0xff));
		}
	}
	buf_addc(&b, '\0');
	return (buf_steal(&b));
}

/* Whether a request carries a good user and password. */
static int
serve_authorized(struct serve_state *st, struct evhttp_request *req)
{
	const char		*h;
	char			*dec, *colon;
	struct crypt_data	 cd;
	const char		*out;
	size_t			 i;
	int			 ok = 0;

	if (st->nusers == 0)
		return (1);
	h = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	if (h == NULL || strncasecmp(h, "Basic ", 6) != 0 || strlen(h) > 1024)
		return (0);
	for (i = 0; i < st->ngood; i++) {
		if (strcmp(st->good[i], h) == 0)
			return (1);
	}
	if ((dec = serve_base64(h + 6)) == NULL)
		return (0);
	if ((colon = strchr(dec, ':')) != NULL) {
		*colon = '\0';
		for (i = 0; i < st->nusers && !ok; i++) {
			if (strcmp(st->users[i].name, dec) != 0)
				continue;
			memset(&cd, 0, sizeof cd);
			out = crypt_r(colon + 1, st->users[i].hash, &cd);
			ok = out != NULL && *out != '*' &&
			    strcmp(out, st->users[i].hash) == 0;
		}
	}
	explicit_bzero(dec, strlen(dec) + (colon != NULL ? strlen(colon + 1) +
	    1 : 0));
	free(dec);
	if (ok) {
		/* bcrypt is slow on purpose: remember a few good headers. */
		if (st->ngood == SERVE_AUTH_CACHE) {
			free(st->good[0]);
			memmove(st->good, st->good + 1, (SERVE_AUTH_CACHE - 1) *
			    sizeof *st->good);
			st->ngood--;
		}
		st->good[st->ngood++] = xstrdup(h);
	}
	return (ok);
}

/* The headers every answer gets. */
static void
serve_headers(struct evhttp_request *req, const char *ctype)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);

	evhttp_add_header(out, "Content-Type", ctype);
	evhttp_add_header(out, "Content-Security-Policy", SERVE_CSP);
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(out, "X-Frame-Options", "DENY");
	evhttp_add_header(out, "Referrer-Policy", "no-referrer");
	evhttp_add_header(out, "Cache-Control", "no-cache");
}

/* A short plain-text answer. */
static void
serve_plain(struct evhttp_request *req, int code, const char *reason,
    const char *text)
{
	struct evbuffer	*b = evbuffer_new();

	serve_headers(req, "text/plain; charset=utf-8");
	evbuffer_add_printf(b, "%s\n", text);
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

static const char *
serve_reason(int code)
{
	switch (code) {
	case 200:
		return ("OK");
	case 400:
		return ("Bad Request");
	case 404:
		return ("Not Found");
	default:
		return ("Error");
	}
}

static void
serve_run_done(struct sweep *sw, void *arg)
{
	struct serve_state	*st = arg;
	size_t			 i;

	(void)sw;
	sweep_free(st->sweep);
	st->sweep = NULL;
	free(st->run_site);
	free(st->run_test);
	st->run_site = st->run_test = NULL;
	for (i = 0; i < st->run_sel.nsite; i++)
		free(st->run_sel.site[i]);
	free(st->run_sel.site);
	memset(&st->run_sel, 0, sizeof st->run_sel);
	if (st->stopping && st->tick.sweep == NULL)
		event_base_loopbreak(engine_base(st->engine));
}

static int
serve_run_keep(const struct pair *p, void *arg)
{
	struct serve_state	*st = arg;

	return (strcmp(p->site->name, st->run_site) == 0 &&
	    strcmp(p->test->name, st->run_test) == 0);
}

/* Start a sweep of one pair into the log and the store. Returns a status. */
static int
serve_run_start(struct serve_state *st, const char *site, const char *test)
{
	struct sweep_plan	 plan;
	struct sink		*k;
	char			*log, *cause;

	if (st->sweep != NULL || st->tick.sweep != NULL)
		return (409);
	if (inventory_site(st->inv, site) == NULL ||
	    inventory_test(st->inv, test) == NULL)
		return (404);
	st->run_site = xstrdup(site);
	st->run_test = xstrdup(test);
	memset(&plan, 0, sizeof plan);
	plan.command = "serve";
	plan.inv = st->inv;
	plan.sel = &st->run_sel;
	plan.set = &st->set;
	plan.keep = serve_run_keep;
	plan.keep_arg = st;
	st->sweep = sweep_create(st->engine, &plan);
	if (sweep_npairs(st->sweep) == 0 || sweep_compile(st->sweep,
	    stderr) > 0) {
		serve_run_done(st->sweep, st);
		return (404);
	}
	log = cli_log_path(st->inv, &st->set);
	if ((k = sink_jsonl_open(log, 0, &cause)) == NULL) {
		fprintf(stderr, "kong serve: run now: %s\n", cause);
		free(cause);
		free(log);
		serve_run_done(st->sweep, st);
		return (500);
	}
	sweep_add_sink(st->sweep, k);
	cli_store_sink(st->sweep, st->inv, &st->set, log, "serve");
	free(log);
	sweep_start(st->sweep, serve_run_done, st);
	return (303);
}

/* Up to --jitter, at random. */
static uint64_t
serve_jitter_us(const struct serve_state *st)
{
	if (st->jitter <= 0)
		return (0);
	return ((uint64_t)random() % ((uint64_t)st->jitter * 1000 + 1));
}

/*
 * Arm the next tick: the first at start, then every --every from the last
 * one's due time (skipping any the last sweep overran), plus the jitter.
 */
static void
serve_every_arm(struct serve_state *st, int first)
{
	struct timeval	 tv;
	uint64_t	 now = monotonic_usec(), delay;
	size_t		 skipped = 0;

	if (first)
		st->due_us = now;
	else
		st->due_us += (uint64_t)st->every * 1000;
	while (st->due_us < now) {
		st->due_us += (uint64_t)st->every * 1000;
		skipped++;
	}
	if (skipped > 0)
		fprintf(stderr, "kong serve: the sweep took longer than --every; "
		    "%zu sweep%s skipped, never two at once\n", skipped,
		    skipped == 1 ? "" : "s");
	delay = st->due_us - now + serve_jitter_us(st);
	tv.tv_sec = (time_t)(delay / 1000000);
	tv.tv_usec = (suseconds_t)(delay % 1000000);
	evtimer_add(st->timer, &tv);
}

/* What --every sweeps: the selected pairs, with the settings. */
static void
serve_every_plan(const struct serve_state *st, struct sweep_plan *plan)
{
	memset(plan, 0, sizeof *plan);
	plan->command = "serve";
	plan->inv = st->inv;
	plan->sel = st->sel;
	plan->set = &st->set;
}

/* A sweep of --every ended (run_end written, the end ping sent). */
static void
serve_every_done(struct cli_sweep *cs, void *arg)
{
	struct serve_state	*st = arg;
	const struct run_info	*run = sweep_info(cs->sweep);
	char			 took[32], *what = NULL;
	size_t			 n;
	int			 err = 0;

	format_duration(took, sizeof took, run->duration_us);
	fprintf(stderr, "kong serve: run %s: %zu passed, %zu failed of %zu in "
	    "%s%s\n", run->id, result_counts_passed(&run->counts),
	    result_counts_failed(&run->counts), run->pairs, took,
	    run->interrupted ? " (interrupted)" : "");
	if ((n = sweep_write_errors(cs->sweep, &err, &what)) > 0)
		fprintf(stderr, "kong serve: %zu record%s could not be written "
		    "to %s: %s\n", n, n == 1 ? "" : "s", what, strerror(err));
	cli_sweep_clear(cs);
	if (!st->stopping)
		serve_every_arm(st, 0);
	else if (st->sweep == NULL)
		event_base_loopbreak(engine_base(st->engine));
}

/* A tick: the fleet's sweep, unless a run now is in flight (then after). */
static void
serve_every_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct serve_state	*st = arg;
	struct sweep_plan	 plan;
	struct timeval		 tv = { 1, 0 };
	int			 rc = 0;

	(void)fd;
	(void)kind;
	if (st->sweep != NULL) {
		evtimer_add(st->timer, &tv);
		return;
	}
	serve_every_plan(st, &plan);
	memset(&st->tick, 0, sizeof st->tick);
	st->tick.command = "serve";
	st->tick.engine = st->engine;
	st->tick.lock = -1;
	st->tick.in_loop = 1;
	st->tick.sweep = sweep_create(st->engine, &plan);
	if (sweep_compile(st->tick.sweep, stderr) > 0)
		rc = KONG_EXIT_USAGE;
	else
		rc = cli_sweep_wire(&st->tick, st->inv, &st->set, 0);
	if (rc != 0) {
		/* It said why (the lock is held, the log cannot open). */
		cli_sweep_clear(&st->tick);
		serve_every_arm(st, 0);
		return;
	}
	cli_sweep_begin(&st->tick);
	cli_sweep_start(&st->tick, serve_every_done, st);
}

/*
 * Check that what --every sweeps compiles, before listening. Returns 0, or
 * an exit status after saying why.
 */
static int
serve_every_check(struct serve_state *st)
{
	struct sweep_plan	 plan;
	struct sweep		*sw;
	int			 nbad, rc = 0;

	serve_every_plan(st, &plan);
	sw = sweep_create(st->engine, &plan);
	if (sweep_npairs(sw) == 0) {
		fprintf(stderr, "kong serve: --every: no (site, test) pair is "
		    "selected (see kong list --pairs)\n");
		rc = KONG_EXIT_USAGE;
	} else if ((nbad = sweep_compile(sw, stderr)) > 0) {
		fprintf(stderr, "kong serve: --every: %d pair%s did not compile "
		    "(kong lint shows every problem)\n", nbad, nbad == 1 ? "" :
		    "s");
		rc = KONG_EXIT_USAGE;
	}
	sweep_free(sw);
	if (rc == 0) {
		st->timer = evtimer_new(engine_base(st->engine), serve_every_cb,
		    st);
		serve_every_arm(st, 1);
	}
	return (rc);
}

/* POST /sites/SITE/TEST/run with csrf=TOKEN. */
static void
serve_post(struct serve_state *st, struct evhttp_request *req,
    const char *path)
{
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct evkeyvalq	 form;
	char			*body, *seg[5] = { NULL }, *raw, *loc;
	const char		*p, *slash, *token;
	size_t			 len, n = 0, i;
	int			 code;

	if (!st->allow_run) {
		serve_plain(req, 403, "Forbidden", "running from the dashboard "
		    "is off (kong serve --allow-run)");
		return;
	}
	for (p = path + 1; *p != '\0' && n < 5; n++) {
		if ((slash = strchr(p, '/')) == NULL)
			slash = p + strlen(p);
		raw = xstrndup(p, (size_t)(slash - p));
		seg[n] = evhttp_uridecode(raw, 0, NULL);
		free(raw);
		p = *slash == '/' ? slash + 1 : slash;
	}
	len = evbuffer_get_length(in);
	body = xmalloc(len + 1);
	evbuffer_copyout(in, body, len);
	body[len] = '\0';
	TAILQ_INIT(&form);
	token = NULL;
	if (evhttp_parse_query_str(body, &form) == 0)
		token = evhttp_find_header(&form, "csrf");
	if (n != 4 || strcmp(seg[0], "sites") != 0 || strcmp(seg[3], "run") != 0)
		serve_plain(req, 404, "Not Found", "no such action");
	else if (token == NULL || strlen(token) != strlen(st->csrf) ||
	    strcmp(token, st->csrf) != 0)
		serve_plain(req, 403, "Forbidden", "missing or wrong CSRF token; "
		    "reload the page");
	else if ((code = serve_run_start(st, seg[1], seg[2])) == 303) {
		loc = xstrndup(path, strlen(path) - 4);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Location", loc);
		free(loc);
		serve_plain(req, 303, "See Other", "started");
	} else
		serve_plain(req, code, code == 409 ? "Conflict" : "Error",
		    code == 409 ? "a run is in flight; try again shortly" :
		    code == 404 ? "no such pair in the inventory" :
		    "the run could not start");
	evhttp_clear_headers(&form);
	free(body);
	for (i = 0; i < 5; i++)
		free(seg[i]);
}

static void
serve_cb(struct evhttp_request *req, void *arg)
{
	struct serve_state		*st = arg;
	const struct evhttp_uri		*uri;
	const char			*path, *query;
	struct render_out		 o;
	struct evbuffer			*b;
	enum evhttp_cmd_type		 m = evhttp_request_get_command(req);

	if (strlen(evhttp_request_get_uri(req)) > SERVE_MAX_URI) {
		serve_plain(req, 414, "URI Too Long", "the URI is too long");
		return;
	}
	if (!serve_authorized(st, req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Basic realm=\"Kong\", charset=\"UTF-8\"");
		serve_plain(req, 401, "Unauthorized", "authentication required");
		return;
	}
	uri = evhttp_request_get_evhttp_uri(req);
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	if (path == NULL || *path != '/') {
		serve_plain(req, 400, "Bad Request", "a path is needed");
		return;
	}
	if (m == EVHTTP_REQ_POST) {
		serve_post(st, req, path);
		return;
	}
	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		serve_plain(req, 405, "Method Not Allowed", "GET, HEAD or POST");
		return;
	}
	render_out_init(&o);
	render_page(st->render, path, query, &o);
	serve_headers(req, o.ctype);
	b = evbuffer_new();
	if (m == EVHTTP_REQ_GET)
		evbuffer_add(b, o.body.data != NULL ? o.body.data : "",
		    o.body.len);
	evhttp_send_reply(req, o.status, serve_reason(o.status), b);
	evbuffer_free(b);
	render_out_free(&o);
}

/* Whether an address is loopback (127.0.0.0/8, ::1, localhost). */
static int
serve_loopback(const char *addr)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (strcmp(addr, "localhost") == 0)
		return (1);
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return (IN6_IS_ADDR_LOOPBACK(&a6));
	return (0);
}

/* ADDR:PORT or [ADDR6]:PORT into addr and port. Returns 0 or -1. */
static int
serve_parse_listen(const char *arg, char **addr, long *port)
{
	const char	*colon;

	if (*arg == '[') {
		if ((colon = strstr(arg, "]:")) == NULL)
			return (-1);
		*addr = xstrndup(arg + 1, (size_t)(colon - arg - 1));
		colon++;
	} else {
		if ((colon = strrchr(arg, ':')) == NULL || colon == arg)
			return (-1);
		*addr = xstrndup(arg, (size_t)(colon - arg));
	}
	if (parse_int(colon + 1, 0, 65535, port) != 0) {
		free(*addr);
		*addr = NULL;
		return (-1);
	}
	return (0);
}

static void
serve_signal_cb(evutil_socket_t sig, short kind, void *arg)
{
	struct serve_state	*st = arg;

	(void)sig;
	(void)kind;
	/* A sweep in flight ends with its run_end written; then out. */
	st->stopping = 1;
	if (st->timer != NULL)
		evtimer_del(st->timer);
	if (st->sweep != NULL)
		sweep_interrupt(st->sweep);
	if (st->tick.sweep != NULL)
		cli_sweep_interrupt(&st->tick);
	if (st->sweep == NULL && st->tick.sweep == NULL)
		event_base_loopbreak(engine_base(st->engine));
}

/* A random token for the run-now forms. */
static void
serve_token(char *out)
{
	unsigned char	r[16];
	FILE		*f;
	size_t		 i;

	if ((f = fopen("/dev/urandom", "rb")) == NULL ||
	    fread(r, 1, sizeof r, f) != sizeof r)
		fatal("kong serve: cannot read /dev/urandom");
	fclose(f);
	for (i = 0; i < sizeof r; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* Open the store (and the inventory, unless only --store was given). */
static int
serve_open(struct serve_state *st, const struct cli_args *a,
    const char *store_opt)
{
	char	*path, *cause;
	int	 rc;

	if (store_opt == NULL || a->inventory != NULL) {
		if ((st->inv = cli_load(a)) == NULL)
			return (KONG_EXIT_USAGE);
		settings_free(&st->set);
		settings_copy(&st->set, &st->inv->settings);
		cli_apply_settings(a, &st->set);
	}
	if (st->every > 0 && (rc = serve_every_check(st)) != 0)
		return (rc);
	if (st->inv == NULL)
		path = xstrdup(store_opt);
	else if ((path = cli_store_path(st->inv, &st->set)) == NULL) {
		fprintf(stderr, "kong serve: the inventory says store = none; "
		    "there is nothing to show\n");
		return (KONG_EXIT_USAGE);
	}
	if (st->every > 0 && access(path, F_OK) != 0 &&
	    (st->store = store_open(path, 0, &cause)) != NULL) {
		/* The first sweep fills it; until then the board is empty. */
		store_close(st->store);
		st->store = NULL;
	}
	if (access(path, F_OK) != 0) {
		fprintf(stderr, "kong serve: no store at %s: run kong check, or "
		    "kong store ingest LOG, first\n", path);
		free(path);
		return (KONG_EXIT_USAGE);
	}
	st->store = store_open(path, STORE_READONLY, &cause);
	free(path);
	if (st->store == NULL) {
		fprintf(stderr, "kong serve: %s\n", cause);
		free(cause);
		return (KONG_EXIT_IO);
	}
	return (0);
}

/* Listen; print where. Returns 0, or an exit status after saying why. */
static int
serve_listen(struct serve_state *st, const char *addr, long port)
{
	struct evhttp_bound_socket	*bound;
	struct sockaddr_storage		 ss;
	socklen_t			 slen = sizeof ss;
	char				 host[64];
	int				 p = (int)port;

	st->http = evhttp_new(engine_base(st->engine));
	evhttp_set_max_headers_size(st->http, SERVE_MAX_HEADERS);
	evhttp_set_max_body_size(st->http, SERVE_MAX_BODY);
	evhttp_set_timeout(st->http, SERVE_TIMEOUT_S);
	evhttp_set_allowed_methods(st->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST);
	evhttp_set_gencb(st->http, serve_cb, st);
	if ((bound = evhttp_bind_socket_with_handle(st->http, addr,
	    (ev_uint16_t)port)) == NULL) {
		fprintf(stderr, "kong serve: cannot listen on %s:%ld: %s\n",
		    addr, port, strerror(errno));
		return (KONG_EXIT_IO);
	}
	if (getsockname(evhttp_bound_socket_get_fd(bound),
	    (struct sockaddr *)&ss, &slen) == 0) {
		if (ss.ss_family == AF_INET6) {
			p = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->
			    sin6_addr, host, sizeof host);
		} else {
			p = ntohs(((struct sockaddr_in *)&ss)->sin_port);
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
			    host, sizeof host);
		}
	} else
		snprintf(host, sizeof host, "%s", addr);
	printf("kong serve: listening on http://%s%s%s:%d/\n",
	    strchr(host, ':') != NULL ? "[" : "", host,
	    strchr(host, ':') != NULL ? "]" : "", p);
	fflush(stdout);
	return (0);
}

/* --every and --jitter. Returns 0, or an exit status after a usage error. */
static int
serve_every_options(const struct cli_cmd *cmd, struct serve_state *st,
    const char *every, const char *jitter)
{
	if (every == NULL) {
		if (jitter != NULL)
			return (cli_usage(cmd, "--jitter goes with --every"));
		return (0);
	}
	if (cli_duration(cmd, "--every", every, &st->every) != 0)
		return (KONG_EXIT_USAGE);
	if (st->every < 1000)
		return (cli_usage(cmd, "--every: '%s' is under a second; sweeps "
		    "that close would only pile up", every));
	if (jitter == NULL)
		st->jitter = st->every / 10 < 60000 ? st->every / 10 : 60000;
	else if (cli_duration(cmd, "--jitter", jitter, &st->jitter) != 0)
		return (KONG_EXIT_USAGE);
	else if (st->jitter >= st->every)
		return (cli_usage(cmd, "--jitter %s is not shorter than --every "
		    "%s", jitter, every));
	srandom((unsigned)getpid() ^ (unsigned)time(NULL));
	return (0);
}

static int
serve_exec(const struct cli_cmd *cmd, struct cli_args *a)
{
	struct serve_state	 st;
	const char		*listen = "127.0.0.1:8470", *store_opt = NULL;
	const char		*htpasswd = NULL, *every = NULL, *jitter = NULL;
	char			*addr = NULL;
	long			 port;
	size_t			 i;
	int			 no_auth = 0, rc;

	memset(&st, 0, sizeof st);
	settings_init(&st.set, SETTINGS_SWEEP);
	for (i = 0; i < a->nopts; i++) {
		switch (a->opts[i].id) {
		case SERVE_LISTEN:
			listen = a->opts[i].arg;
			break;
		case SERVE_HTPASSWD:
			htpasswd = a->opts[i].arg;
			break;
		case SERVE_NO_AUTH:
			no_auth = 1;
			break;
		case SERVE_ALLOW_RUN:
			st.allow_run = 1;
			break;
		case SERVE_EVERY:
			every = a->opts[i].arg;
			break;
		case SERVE_JITTER:
			jitter = a->opts[i].arg;
			break;
		}
	}
	/* --store without -c serves that store alone. */
	for (i = 0; i < a->nsets; i++)
		if (a->sets[i].info == &settings_table[SETTING_store])
			store_opt = a->sets[i].arg;
	st.sel = &a->sel;
	if ((rc = serve_every_options(cmd, &st, every, jitter)) != 0)
		;
	else if (serve_parse_listen(listen, &addr, &port) != 0)
		rc = cli_usage(cmd, "--listen takes ADDR:PORT, such as "
		    "127.0.0.1:8470, not '%s'", listen);
	else if (!serve_loopback(addr) && htpasswd == NULL && !no_auth)
		rc = cli_usage(cmd, "%s is not a loopback address: give "
		    "--htpasswd FILE, or --no-auth to serve anyone who can "
		    "connect", addr);
	else if (st.allow_run && store_opt != NULL && a->inventory == NULL)
		rc = cli_usage(cmd, "--allow-run needs the inventory (-c)");
	else if (st.every > 0 && store_opt != NULL && a->inventory == NULL)
		rc = cli_usage(cmd, "--every needs the inventory (-c)");
	else if (htpasswd != NULL && serve_htpasswd(&st, htpasswd) != 0)
		rc = KONG_EXIT_USAGE;
	if (rc == 0)
		st.engine = engine_create();
	if (rc == 0)
		rc = serve_open(&st, a, store_opt);
	if (rc == 0) {
		serve_token(st.csrf);
		st.render = render_create(st.store, st.inv, st.allow_run ?
		    RENDER_RUN : 0);
		render_set_csrf(st.render, st.allow_run ? st.csrf : NULL);
		rc = serve_listen(&st, addr, port);
	}
	if (rc == 0) {
		st.sigint = evsignal_new(engine_base(st.engine), SIGINT,
		    serve_signal_cb, &st);
		st.sigterm = evsignal_new(engine_base(st.engine), SIGTERM,
		    serve_signal_cb, &st);
		evsignal_add(st.sigint, NULL);
		evsignal_add(st.sigterm, NULL);
		signal(SIGPIPE, SIG_IGN);
		event_base_dispatch(engine_base(st.engine));
		event_free(st.sigint);
		event_free(st.sigterm);
	}
	if (st.timer != NULL)
		event_free(st.timer);
	if (st.tick.sweep != NULL)
		cli_sweep_clear(&st.tick);
	if (st.sweep != NULL)
		serve_run_done(st.sweep, &st);
	if (st.http != NULL)
		evhttp_free(st.http);
	render_free(st.render);
	store_close(st.store);
	engine_free(st.engine);
	settings_free(&st.set);
	inventory_free(st.inv);
	for (i = 0; i < st.nusers; i++) {
		free(st.users[i].name);
		free(st.users[i].hash);
	}
	free(st.users);
	for (i = 0; i < st.ngood; i++)
		free(st.good[i]);
	free(addr);
	return (rc);
}

const struct cli_cmd cli_serve_cmd = {
	"serve",
	"[-c INVENTORY] [--store PATH] [--listen ADDR:PORT] [--htpasswd FILE "
	"| --no-auth] [--allow-run] [--every DUR [--jitter DUR]] [SELECTORS]",
	"the dashboard: results over time, from the store, over HTTP",
	"Serves the board (/), the wallboard (/dashboard), /failed, a page per\n"
	"site and per (site, test) with its history, /runs, /types/TYPE,\n"
	"/servers/SERVER, JSON under /api/v1/, badges under /badge/ and\n"
	"/metrics for Prometheus, all read from the store (docs/store.md).\n"
	"It listens on loopback unless --listen says otherwise, and then only\n"
	"with --htpasswd or --no-auth. With --every it also sweeps the fleet\n"
	"(the selected pairs, with the sweep settings below) as kong check\n"
	"does: the same log, lock, store, alerts and ping_url, one sweep at a\n"
	"time. It runs until SIGINT or SIGTERM; a sweep in flight ends first,\n"
	"with its run_end written.",
	CLI_INVENTORY | CLI_SELECTORS | CLI_SWEEP,
	serve_options,
	0,
	serve_exec,
};
