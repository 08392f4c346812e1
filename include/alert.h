/*
 * alert.h: telling the right people when a check fails and recovers.
 *
 * The alerts of a sweep are decided once every result is in (the sweep's
 * finish hook, before run_end): each (site, test[, server]) pair has a
 * state kept between runs in SQLite (alert-state.c), the policy turns this
 * run's outcome into events (a new failure, a recovery, a reminder,
 * flapping), the events become one message per recipient and one webhook
 * document (alert.c), and every message goes into an outbox before it is
 * delivered through libcurl on the sweep's loop (alert-deliver.c, smtp.c).
 * What is not delivered stays in the outbox and is tried again next run.
 */
#ifndef KONG_ALERT_H
#define KONG_ALERT_H

#include <sqlite3.h>

#include "engine.h"
#include "inventory.h"
#include "sink.h"

struct alert_db;
struct alerts;
struct sweep;

/* A message in the outbox. */
struct alert_msg {
	int64_t		 id;
	char		*run;
	char		*transport;	/* "mail", "webhook", "none" */
	char		*to;		/* addresses, comma separated; or URL */
	char		*subject;
	char		*text;		/* the plain text, for people */
	char		*payload;	/* the RFC 5322 message, or the JSON */
	long		 attempts;
	char		*error;		/* the last delivery error, or NULL */
	uint64_t	 created_us;
	uint64_t	 delivered_us;	/* 0: not yet */
};

/* A silence: failures of what matches are recorded, not sent. */
struct silence {
	int64_t		 id;
	char		*kind;		/* site, type, server, test, tag */
	char		*pattern;	/* a glob */
	uint64_t	 created_us;
	uint64_t	 until_us;
	char		*reason;	/* or NULL */
};

/* alert-state.c: the tables, in the store's SQLite file. */
int		 alert_log_is_file(const char *);
struct alert_db	*alert_db_open(const char *, char **);
struct alert_db	*alert_db_wrap(sqlite3 *, char **);
void		 alert_db_close(struct alert_db *);
sqlite3		*alert_db_handle(struct alert_db *);
int		 alert_outbox_add(struct alert_db *, struct alert_msg *);
int		 alert_outbox_list(struct alert_db *, const char *, int,
		     struct alert_msg **, size_t *);
int		 alert_outbox_mark(struct alert_db *, const struct alert_msg *);
char		*alert_last_run(struct alert_db *);
char		*alert_newest_run(struct alert_db *);
void		 alert_msgs_free(struct alert_msg *, size_t);
void		 alert_msg_clear(struct alert_msg *);
int		 alert_silence_add(struct alert_db *, struct silence *);
int		 alert_silence_list(struct alert_db *, int, struct silence **,
		     size_t *);
int		 alert_silence_rm(struct alert_db *, int64_t);
void		 alert_silences_free(struct silence *, size_t);
const char	*alert_db_error(struct alert_db *);
void		 alert_db_rollback(struct alert_db *);
int		 alert_stored_run(struct alert_db *, const char *, uint64_t *,
		     uint64_t *, int (*)(void *, struct result *), void *);

/* alert.c: the policy and the messages, as a sink and a finish hook. */
struct alerts	*alerts_create(struct engine *, const struct inventory *,
		     const struct settings *, struct alert_db *);
void		 alerts_free(struct alerts *);
struct sink	*alerts_sink(struct alerts *);
void		 alerts_attach(struct alerts *, struct sweep *);
int		 alerts_interrupt(struct alerts *);
int		 alerts_tell(struct engine *, const struct inventory *,
		     const struct settings *, const char *, const char *,
		     void (*)(void *), void *);
int		 alerts_decide_run(struct alerts *, const char *, int, char **);
size_t		 alerts_queued(const struct alerts *);
void		 alerts_print(const struct alert_msg *, size_t, FILE *);
int		 alerts_attr(const char *, const char *, const char *, char **);

/* alert-deliver.c: the outbox, delivered on a loop. */
struct alert_delivery;
#define ALERT_MAIL	0x1
#define ALERT_WEBHOOK	0x2
int		 alert_transport(const char *);
struct alert_delivery *alert_deliver_from(struct engine *,
		     const struct settings *, struct alert_db *, int64_t, int,
		     void (*)(struct alert_delivery *, void *), void *);
struct alert_delivery *alert_deliver_msgs(struct engine *,
		     const struct settings *, struct alert_msg *, size_t,
		     void (*)(struct alert_delivery *, void *), void *);
int		 alert_delivery_failing(const struct alert_delivery *);
const struct alert_msg *alert_delivery_msgs(const struct alert_delivery *,
		     size_t *);
struct alert_delivery *alert_deliver(struct engine *, const struct settings *,
		     struct alert_db *, void (*)(struct alert_delivery *, void *),
		     void *);
json_t		*alert_delivery_json(const struct alert_delivery *);
void		 alert_delivery_report(const struct alert_delivery *, FILE *,
		     const char *);
size_t		 alert_delivery_failed(const struct alert_delivery *);
size_t		 alert_delivery_tried(const struct alert_delivery *);
int		 alert_delivery_cancel(struct alert_delivery *);
void		 alert_delivery_free(struct alert_delivery *);

/* smtp.c: one message through libcurl's SMTP. */
char		*smtp_password(const struct settings *, char **);
int		 smtp_setup(CURL *, const struct settings *, const char *,
		     const char *, struct curl_slist **, char **);

#endif
