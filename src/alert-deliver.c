/*
 * alert-deliver.c: the outbox, delivered on the engine's loop.
 *
 * Every message not delivered yet (this run's and what earlier runs could
 * not deliver) is sent through libcurl's multi handle, the one the sweep's
 * checks used, a few at a time: mail through [kong] smtp, webhook
 * documents as a JSON POST (a 2xx answer is a delivery). A failed attempt
 * is tried again after alert_retry_delay, doubling, alert_retries times;
 * each attempt is written to the outbox, so what is still undelivered at
 * the end is tried again next run. Nothing here blocks: the owner's done
 * callback runs once every message is delivered or given up on.
 */
#include <sys/socket.h>

#include <unistd.h>

#include <event2/event.h>

#include "alert-int.h"

#define DELIVER_IN_FLIGHT	4

struct deliver_slot {
	struct alert_delivery	*d;
	struct alert_msg	*m;
	CURL			*easy;
	struct xfer		 x;
	struct curl_slist	*rcpt;
	size_t			 off;		/* of the payload, read so far */
	int			 tries;
	struct event		*timer;
	int			 busy;
	curl_socket_t		 fd;		/* its connection, for cancel */
};

struct alert_delivery {
	struct engine		*engine;
	const struct settings	*set;
	struct alert_db		*db;
	char			*password;
	char			*cause;		/* the password could not be read */
	struct alert_msg	*v;
	size_t			 n;
	struct deliver_slot	*slots;
	size_t			 next;
	size_t			 left;
	size_t			 delivered;
	size_t			 failed;
	int			 reported;
	void			(*done)(struct alert_delivery *, void *);
	void			*arg;
	struct engine_task	 task;
};

static void	deliver_try(struct deliver_slot *);
static void	deliver_more(struct alert_delivery *);

/* libcurl made the connection's socket: remember it. */
static int
deliver_sockopt_cb(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	struct deliver_slot	*s = arg;

	(void)purpose;
	s->fd = fd;
	return (CURL_SOCKOPT_OK);
}

/* libcurl closes a socket: forget it, so cancel never cuts another's. */
static int
deliver_closesocket_cb(void *arg, curl_socket_t fd)
{
	struct deliver_slot	*s = arg;

	if (s->fd == fd)
		s->fd = CURL_SOCKET_BAD;
	return (close(fd));
}

/* libcurl reads the message from here. */
static size_t
deliver_read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct deliver_slot	*s = arg;
	size_t			 len = strlen(s->m->payload), n = size * nitems;

	if (n > len - s->off)
		n = len - s->off;
	memcpy(buf, s->m->payload + s->off, n);
	s->off += n;
	return (n);
}

static void
deliver_done_cb(void *arg)
{
	struct alert_delivery	*d = arg;

	if (d->done != NULL)
		d->done(d, d->arg);
}

/* One message is over, delivered or given up on. */
static void
deliver_finished(struct deliver_slot *s)
{
	struct alert_delivery	*d = s->d;

	s->busy = 0;
	d->left--;
	deliver_more(d);
	if (d->left == 0)
		engine_queue(d->engine, &d->task);
}

static void
deliver_retry_cb(evutil_socket_t fd, short kind, void *arg)
{
	(void)fd;
	(void)kind;
	deliver_try(arg);
}

/* An attempt ended: record it, then retry or finish. */
static void
deliver_xfer_cb(struct xfer *x, void *arg)
{
	struct deliver_slot	*s = arg;
	struct alert_delivery	*d = s->d;
	struct alert_msg	*m = s->m;
	struct timeval		 tv;
	long			 code = 0, delay;

	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
	free(m->error);
	m->error = NULL;
	m->attempts++;
	if (x->rc != CURLE_OK)
		m->error = xstrdup(xfer_error(x));
	else if (strcmp(m->transport, "webhook") == 0 && (code < 200 ||
	    code > 299))
		m->error = xstrfmt("the webhook answered %ld", code);
	if (m->error == NULL)
		m->delivered_us = realtime_usec();
	curl_slist_free_all(s->rcpt);
	s->rcpt = NULL;
	xfer_clear(&s->x);
	curl_easy_cleanup(s->easy);
	s->easy = NULL;
	if (d->db != NULL && alert_outbox_mark(d->db, m) != 0)
		fprintf(stderr, "kong: the outbox could not be written: %s\n",
		    alert_db_error(d->db));
	if (m->error == NULL) {
		d->delivered++;
		deliver_finished(s);
		return;
	}
	if (s->tries <= d->set->alert_retries) {
		delay = d->set->alert_retry_delay << (s->tries - 1);
		tv.tv_sec = delay / 1000;
		tv.tv_usec = (delay % 1000) * 1000;
		evtimer_add(s->timer, &tv);
		return;
	}
	d->failed++;
	deliver_finished(s);
}

/* Set up and start one attempt of a slot's message. */
static void
deliver_try(struct deliver_slot *s)
{
	struct alert_delivery	*d = s->d;
	struct alert_msg	*m = s->m;
	struct curl_slist	*h;
	char			*cause = NULL;

	s->tries++;
	s->off = 0;
	s->fd = CURL_SOCKET_BAD;
	if ((s->easy = curl_easy_init()) == NULL)
		fatal("curl_easy_init failed");
	xfer_init(&s->x, engine_http(d->engine), s->easy);
	if (strcmp(m->transport, "mail") == 0) {
		if (d->set->smtp == NULL)
			cause = xstrdup("no [kong] smtp");
		else if (d->cause != NULL)
			cause = xstrdup(d->cause);
		else if (smtp_setup(s->easy, d->set, m->to, d->password,
		    &s->rcpt, &cause) == 0) {
			curl_easy_setopt(s->easy, CURLOPT_READFUNCTION,
			    deliver_read_cb);
			curl_easy_setopt(s->easy, CURLOPT_READDATA, s);
			curl_easy_setopt(s->easy, CURLOPT_INFILESIZE_LARGE,
			    (curl_off_t)strlen(m->payload));
		}
	} else {
		curl_easy_setopt(s->easy, CURLOPT_URL, m->to);
		curl_easy_setopt(s->easy, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(s->easy, CURLOPT_CONNECTTIMEOUT_MS,
		    d->set->connect_timeout);
		curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, d->set->timeout);
		curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, m->payload);
		h = curl_slist_append(NULL, "Content-Type: application/json");
		s->x.req_headers = h;
		curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, h);
		if (d->set->user_agent != NULL)
			curl_easy_setopt(s->easy, CURLOPT_USERAGENT,
			    d->set->user_agent);
	}
	if (cause != NULL) {
		/* It cannot be tried: one attempt, recorded, no retries. */
		xfer_clear(&s->x);
		curl_easy_cleanup(s->easy);
		s->easy = NULL;
		free(m->error);
		m->error = cause;
		m->attempts++;
		if (d->db != NULL)
			alert_outbox_mark(d->db, m);
		d->failed++;
		deliver_finished(s);
		return;
	}
	/*
	 * No connection outlives its transfer (so these callbacks never see
	 * a freed slot): SMTP already forbids reuse, a webhook does here.
	 */
	curl_easy_setopt(s->easy, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(s->easy, CURLOPT_SOCKOPTFUNCTION, deliver_sockopt_cb);
	curl_easy_setopt(s->easy, CURLOPT_SOCKOPTDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_CLOSESOCKETFUNCTION,
	    deliver_closesocket_cb);
	curl_easy_setopt(s->easy, CURLOPT_CLOSESOCKETDATA, s);
	xfer_start(&s->x, deliver_xfer_cb, s);
}

/* Start messages while there is room. */
static void
deliver_more(struct alert_delivery *d)
{
	struct deliver_slot	*s;
	size_t			 busy = 0, i;

	for (i = 0; i < d->n; i++)
		if (d->slots[i].busy)
			busy++;
	while (d->next < d->n && busy < DELIVER_IN_FLIGHT) {
		s = &d->slots[d->next];
		s->d = d;
		s->m = &d->v[d->next++];
		s->busy = 1;
		s->timer = evtimer_new(engine_base(d->engine), deliver_retry_cb,
		    s);
		busy++;
		deliver_try(s);
	}
}

/* A delivery of v (owned from now on); db NULL: not from the outbox. */
static struct alert_delivery *
deliver_start(struct engine *e, const struct settings *set,
    struct alert_db *db, struct alert_msg *v, size_t n,
    void (*done)(struct alert_delivery *, void *), void *arg)
{
	struct alert_delivery	*d;

	d = xcalloc(1, sizeof *d);
	d->engine = e;
	d->set = set;
	d->db = db;
	d->done = done;
	d->arg = arg;
	engine_task_init(&d->task, deliver_done_cb, d);
	if (set->smtp != NULL)
		d->password = smtp_password(set, &d->cause);
	d->v = v;
	d->n = n;
	d->slots = xcalloc(d->n + 1, sizeof *d->slots);
	d->left = d->n;
	if (d->n == 0)
		engine_queue(e, &d->task);
	else
		deliver_more(d);
	return (d);
}

/*
 * Deliver every pending message of db on e; done is called from the loop
 * once all are over (at once if there are none).
 */
struct alert_delivery *
alert_deliver(struct engine *e, const struct settings *set,
    struct alert_db *db, void (*done)(struct alert_delivery *, void *),
    void *arg)
{
	return (alert_deliver_from(e, set, db, 0, 0, done, arg));
}

/*
 * The same for the pending messages from message id on, leaving those of
 * the transports in skip (ALERT_MAIL, ALERT_WEBHOOK) for the next run.
 */
struct alert_delivery *
alert_deliver_from(struct engine *e, const struct settings *set,
    struct alert_db *db, int64_t id, int skip,
    void (*done)(struct alert_delivery *, void *), void *arg)
{
	struct alert_msg	*v = NULL;
	size_t			 n = 0, i, k;

	if (alert_outbox_list(db, NULL, 1, &v, &n) != 0)
		fprintf(stderr, "kong: the outbox could not be read: %s\n",
		    alert_db_error(db));
	for (i = k = 0; i < n; i++) {
		if (v[i].id < id || (alert_transport(v[i].transport) & skip)) {
			alert_msg_clear(&v[i]);
			continue;
		}
		v[k++] = v[i];
	}
	return (deliver_start(e, set, db, v, k, done, arg));
}

/*
 * Deliver messages that could not be kept in the outbox (the store is what
 * failed): one try each, with the usual retries, recorded nowhere.
 */
struct alert_delivery *
alert_deliver_msgs(struct engine *e, const struct settings *set,
    struct alert_msg *v, size_t n,
    void (*done)(struct alert_delivery *, void *), void *arg)
{
	return (deliver_start(e, set, NULL, v, n, done, arg));
}

/* ALERT_MAIL or ALERT_WEBHOOK for a transport's name; 0 for "none". */
int
alert_transport(const char *name)
{
	if (strcmp(name, "mail") == 0)
		return (ALERT_MAIL);
	if (strcmp(name, "webhook") == 0)
		return (ALERT_WEBHOOK);
	return (0);
}

/* The transports that failed to deliver at least one message. */
int
alert_delivery_failing(const struct alert_delivery *d)
{
	size_t	i;
	int	bad = 0;

	for (i = 0; i < d->n; i++)
		if (d->v[i].delivered_us == 0 && d->v[i].error != NULL)
			bad |= alert_transport(d->v[i].transport);
	return (bad);
}

/* The messages and what became of them. */
const struct alert_msg *
alert_delivery_msgs(const struct alert_delivery *d, size_t *n)
{
	*n = d->n;
	return (d->v);
}

/*
 * Stop now (SIGTERM while delivering): what is in flight or waiting for a
 * retry is recorded as not delivered and stays in the outbox; done is
 * called from the loop as usual. Returns 0 if it was already over.
 */
int
alert_delivery_cancel(struct alert_delivery *d)
{
	struct deliver_slot	*s;
	size_t			 i;

	if (d == NULL || d->left == 0)
		return (0);
	for (i = 0; i < d->next; i++) {
		s = &d->slots[i];
		if (!s->busy)
			continue;
		if (s->easy != NULL) {
			/*
			 * libcurl says QUIT to an SMTP server when the handle
			 * is removed and waits for it, blocking: a server that
			 * does not answer would hold us up to the timeout.
			 * Cut the connection and make the time up first, so
			 * that this fails at once.
			 */
			if (s->fd != CURL_SOCKET_BAD)
				shutdown(s->fd, SHUT_RDWR);
			curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, 1L);
			xfer_clear(&s->x);	/* off the multi handle */
			curl_easy_cleanup(s->easy);
			s->easy = NULL;
			s->m->attempts++;
		}
		curl_slist_free_all(s->rcpt);
		s->rcpt = NULL;
		evtimer_del(s->timer);
		free(s->m->error);
		s->m->error = xstrdup("interrupted");
		if (d->db != NULL)
			alert_outbox_mark(d->db, s->m);
		s->busy = 0;
		d->failed++;
	}
	d->next = d->n;		/* the rest stay pending, untried */
	d->left = 0;
	engine_queue(d->engine, &d->task);
	return (1);
}

/* How many messages it tried to deliver. */
size_t
alert_delivery_tried(const struct alert_delivery *d)
{
	return (d->n);
}

/* How many messages could not be delivered. */
size_t
alert_delivery_failed(const struct alert_delivery *d)
{
	return (d->failed);
}

/* The outcome, for run_end: counts and the errors. Caller owns it. */
json_t *
alert_delivery_json(const struct alert_delivery *d)
{
	json_t	*o, *errs;
	size_t	 i;

	errs = json_array();
	for (i = 0; i < d->n; i++)
		if (d->v[i].delivered_us == 0 && d->v[i].error != NULL)
			json_array_append_new(errs, json_pack("{s:s, s:s, s:I, "
			    "s:s}", "transport", d->v[i].transport, "to",
			    d->v[i].to, "attempts", (json_int_t)d->v[i].attempts,
			    "error", d->v[i].error));
	o = json_pack("{s:I, s:I, s:o}", "delivered",
	    (json_int_t)d->delivered, "undelivered", (json_int_t)d->failed,
	    "errors", errs);
	if (o == NULL)
		fatal("json_pack failed for the alerts");
	return (o);
}

/* Say on f what could not be delivered. */
void
alert_delivery_report(const struct alert_delivery *d, FILE *f,
    const char *who)
{
	size_t	i;

	for (i = 0; i < d->n; i++)
		if (d->v[i].delivered_us == 0 && d->v[i].error != NULL)
			fprintf(f, "%s: %s to %s not delivered after %ld "
			    "attempt%s: %s (kept; tried again next run)\n", who,
			    d->v[i].transport, d->v[i].to, d->v[i].attempts,
			    d->v[i].attempts == 1 ? "" : "s", d->v[i].error);
}

/* Free a delivery; one in progress is cancelled. NULL is allowed. */
void
alert_delivery_free(struct alert_delivery *d)
{
	struct deliver_slot	*s;
	size_t			 i;

	if (d == NULL)
		return;
	engine_dequeue(d->engine, &d->task);
	for (i = 0; i < d->n; i++) {
		s = &d->slots[i];
		if (s->easy != NULL) {
			xfer_clear(&s->x);
			curl_easy_cleanup(s->easy);
		}
		curl_slist_free_all(s->rcpt);
		if (s->timer != NULL)
			event_free(s->timer);
	}
	free(d->slots);
	alert_msgs_free(d->v, d->n);
	if (d->password != NULL)
		memset(d->password, 0, strlen(d->password));
	free(d->password);
	free(d->cause);
	free(d);
}
