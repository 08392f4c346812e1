/*
 * settings.h: every setting of a sweep, in one table.
 *
 * SETTINGS lists each setting once: its [kong] key, its type, its default
 * for a sweep (kong check) and for kong run, its range, which command line
 * takes it as an option, the key it is recorded under in run_start, and a
 * help line. The table drives the struct below, the inventory's [kong]
 * parser, every command's option parser and --help, the run_start options
 * object, and a test that the manual lists them all. A setting's option is
 * its key with '-' for '_' (timeout -> --timeout).
 *
 * Values are layered: defaults, then the inventory's [kong] section, then
 * the command line. The inventory's settings are never changed: a command
 * copies them (settings_copy) and applies its options to the copy.
 */
#ifndef KONG_SETTINGS_H
#define KONG_SETTINGS_H

#include <jansson.h>

#include "kong.h"

/* Where a setting is an option (it is always a [kong] key). */
#define SET_CHECK	0x1	/* kong check and the other sweeps */
#define SET_RUN		0x2	/* kong run */
#define SET_BENCH	0x4	/* kong bench */
#define SET_ANY		(SET_CHECK | SET_RUN | SET_BENCH)

/*
 * X(name, type, check default, run default, min, max, short option,
 *   commands, record key, metavar, help)
 *
 * Durations are milliseconds, sizes bytes; strings and lists default to
 * none. A record key of NULL keeps the setting out of run_start.
 */
#define SETTINGS(X)							\
	X(concurrency, INT, 100, 1, 1, 100000, 'j', SET_CHECK,		\
	    "concurrency", "N", "sessions in flight")			\
	X(host_cap, INT, 0, 0, 0, 100000, 0, SET_CHECK, "host_cap",	\
	    "N", "at most N sessions in flight per host (0: no cap)")	\
	X(server_cap, INT, 0, 0, 0, 100000, 0, SET_CHECK, "server_cap",	\
	    "N", "at most N sessions in flight per server (0: no cap)")	\
	X(timeout, DURATION, 30000, 30000, 0, 0, 0, SET_ANY, \
	    "timeout_ms", "DUR", "per-request timeout, whole transfer")	\
	X(connect_timeout, DURATION, 10000, 10000, 0, 0, 0,		\
	    SET_ANY, "connect_timeout_ms", "DUR",		\
	    "per-request connection timeout")				\
	X(deadline, DURATION, 120000, 0, 0, 0, 0, SET_ANY,	\
	    "deadline_ms", "DUR", "per-script deadline (0: none)")	\
	X(retries, INT, 0, 0, 0, 10, 0, SET_CHECK, "retries", "N",	\
	    "run a check again after a network failure, N times")	\
	X(retry_5xx, BOOL, 0, 0, 0, 0, 0, SET_CHECK, "retry_5xx", NULL,	\
	    "a 5xx response counts as a network failure for --retries")	\
	X(retry_backoff, DURATION, 250, 250, 1, 0, 0, SET_CHECK, NULL,	\
	    "DUR", "delay before the first retry, doubling after each")	\
	X(insecure, BOOL, 0, 0, 0, 0, 'k', SET_ANY,		\
	    "insecure", NULL, "do not verify TLS certificates")		\
	X(max_body, SIZE, 16777216, 67108864, 1024, 0, 0,		\
	    SET_ANY, "max_body", "SIZE",			\
	    "largest response body read")				\
	X(max_headers, SIZE, 1048576, 1048576, 1024, 0, 0,		\
	    SET_ANY, NULL, "SIZE",				\
	    "largest header block of one response")			\
	X(output_cap, SIZE, 16384, 16384, 1024, 0, 0, SET_CHECK, NULL,	\
	    "SIZE", "script output kept per result")			\
	X(max_connects, INT, 256, 256, 1, 100000, 0, SET_ANY, \
	    NULL, "N", "idle connections kept open for reuse")		\
	X(grace, DURATION, 5000, 2000, 0, 0, 0, SET_ANY,	\
	    NULL, "DUR", "time checks in flight get after SIGTERM")	\
	X(user_agent, STRING, 0, 0, 0, 0, 0, SET_ANY, NULL,	\
	    "TEXT", "the User-Agent header (default Kong/VERSION)")	\
	X(resolve, LIST, 0, 0, 0, 0, 0, SET_ANY, "resolve",	\
	    "HOST:PORT:ADDRESS", "pin a name to an address, as curl "	\
	    "(repeatable)")						\
	X(log, STRING, 0, 0, 0, 0, 0, SET_CHECK, NULL, "FILE",		\
	    "append results to FILE (- for standard output; default "	\
	    "kong.jsonl beside the inventory)")				\
	X(admins, LIST, 0, 0, 0, 0, 0, 0, NULL, "ADDRESS",		\
	    "who gets every site's mail and Kong's own problems")	\
	X(attributes, LIST, 0, 0, 0, 0, 0, 0, NULL, "NAME",		\
	    "free attributes whose names look like typos of built-in "	\
	    "keys (tag, uri), kept as attributes")				\
	X(secrets_file, STRING, 0, 0, 0, 0, 0, 0, NULL, "FILE",		\
	    "NAME=VALUE lines for {{ secret.NAME }}, mode 0600 (relative to "\
	    "the file that sets it)")					\
	X(max_refresh, INT, 20, 20, 0, 10000, 0, SET_ANY, NULL, "N",	\
	    "meta refreshes followed in one navigation")		\
	X(max_elements, INT, 100000, 1000000, 1, 100000000, 0, SET_ANY,	\
	    NULL, "N", "elements of a page's tree for find ... x and "	\
	    "the forms")						\
	X(store, STRING, 0, 0, 0, 0, 0, SET_CHECK, NULL, "PATH",	\
	    "the history store (SQLite; default kong.db beside the log; "	\
	    "none: no store)")						\
	X(retention, DURATION, 7776000000L, 7776000000L, 86400000, 0, 0, 0, \
	    NULL, "DUR", "how long the store keeps raw results")	\
	X(base_url, STRING, 0, 0, 0, 0, 0, 0, NULL, "URL",		\
	    "the dashboard's address, for links in alerts")		\
	X(failure_threshold, INT, 2, 2, 1, 1000, 0, 0, NULL, "N",	\
	    "alert after N failed runs in a row")			\
	X(success_threshold, INT, 1, 1, 1, 1000, 0, 0, NULL, "N",	\
	    "recovered after N passed runs in a row")			\
	X(reminder_interval, DURATION, 0, 0, 0, 0, 0, 0, NULL, "DUR",	\
	    "mail what still fails again this often (0: never)")	\
	X(flap_window, INT, 10, 10, 2, 64, 0, 0, NULL, "N",		\
	    "runs looked at for flapping")				\
	X(flap_changes, INT, 4, 4, 2, 64, 0, 0, NULL, "N",		\
	    "a pair that changes N times in the window is flapping")	\
	X(server_percent, INT, 80, 80, 1, 100, 0, 0, NULL, "P",	\
	    "one line for a server when P% of its sites fail alike")	\
	X(server_min, INT, 3, 3, 1, 100000, 0, 0, NULL, "N",		\
	    "a server needs N failing sites for its one line")		\
	X(fleet_percent, INT, 90, 90, 1, 100, 0, 0, NULL, "P",	\
	    "P% of checks failing with network errors: the fleet is "	\
	    "unreachable")						\
	X(fleet_min, INT, 5, 5, 1, 100000, 0, 0, NULL, "N",		\
	    "the fleet rule needs N checks")				\
	X(smtp, STRING, 0, 0, 0, 0, 0, 0, NULL, "URL",			\
	    "smtp://HOST:PORT or smtps://HOST:PORT for alert mail")	\
	X(smtp_insecure, BOOL, 0, 0, 0, 0, 0, 0, NULL, NULL,		\
	    "mail without TLS when the server offers none, unverified")	\
	X(smtp_cafile, STRING, 0, 0, 0, 0, 0, 0, NULL, "FILE",		\
	    "CA certificates for the SMTP server (relative to its file)") \
	X(smtp_user, STRING, 0, 0, 0, 0, 0, 0, NULL, "NAME",		\
	    "the SMTP login")						\
	X(smtp_password_file, STRING, 0, 0, 0, 0, 0, 0, NULL, "FILE",	\
	    "the SMTP password, mode 0600 (else $KONG_SMTP_PASSWORD)")	\
	X(mail_from, STRING, 0, 0, 0, 0, 0, 0, NULL, "ADDRESS",	\
	    "the sender of alert mail")					\
	X(webhook, STRING, 0, 0, 0, 0, 0, 0, NULL, "URL",		\
	    "POST one JSON document of alerts per sweep here")		\
	X(alert_retries, INT, 2, 2, 0, 10, 0, 0, NULL, "N",		\
	    "delivery attempts again within the run")			\
	X(alert_retry_delay, DURATION, 1000, 1000, 1, 0, 0, 0, NULL,	\
	    "DUR", "wait before the first delivery retry, doubling")	\
	X(ping_url, STRING, 0, 0, 0, 0, 0, 0, NULL, "URL",		\
	    "GET URL/start at start, URL or URL/fail at the end")

enum setting_type {
	SETTING_INT,		/* a whole number within [min, max] */
	SETTING_DURATION,	/* 500ms, 10s, 2m: milliseconds, >= min */
	SETTING_BOOL,		/* yes/no */
	SETTING_SIZE,		/* 64k, 16M: bytes, >= min */
	SETTING_STRING,		/* text; NULL when not set */
	SETTING_LIST,		/* comma/space separated; repeatable */
};

enum setting_id {
#define SETTING_ENUM(n, ...) SETTING_##n,
	SETTINGS(SETTING_ENUM)
#undef SETTING_ENUM
	SETTINGS_COUNT
};

#define SETTING_CTYPE_INT	long
#define SETTING_CTYPE_DURATION	long
#define SETTING_CTYPE_BOOL	int
#define SETTING_CTYPE_SIZE	long
#define SETTING_CTYPE_STRING	char *
#define SETTING_CTYPE_LIST	char **

/* Where a value came from: its file and line, or none (default, option). */
struct setting_origin {
	char	*file;
	int	 line;
};

struct settings {
#define SETTING_FIELD(n, t, ...) SETTING_CTYPE_##t n;
	SETTINGS(SETTING_FIELD)
#undef SETTING_FIELD
	struct setting_origin	origin[SETTINGS_COUNT];
};

struct setting_info {
	const char		*key;
	enum setting_type	 type;
	long			 def_check;
	long			 def_run;
	long			 min;
	long			 max;		/* 0: none (INT always has one) */
	int			 short_opt;
	int			 commands;	/* SET_CHECK, SET_RUN */
	const char		*record;
	const char		*metavar;
	const char		*help;
	size_t			 offset;
};

/* settings_set flags. */
#define SETTINGS_CLI	0x1	/* the value is an option's argument */
#define SETTINGS_APPEND	0x2	/* a list grows instead of being replaced */

/* Which defaults to start from. */
enum settings_profile {
	SETTINGS_SWEEP,		/* kong check and the other sweeps */
	SETTINGS_RUN,		/* kong run */
};

extern const struct setting_info settings_table[SETTINGS_COUNT];

void		 settings_init(struct settings *, enum settings_profile);
void		 settings_free(struct settings *);
void		 settings_copy(struct settings *, const struct settings *);
const struct setting_info *settings_find(const char *);
const struct setting_info *settings_near(const char *);
int		 settings_set(struct settings *, const struct setting_info *,
		     const char *, int, char **);
char		*settings_option_name(const struct setting_info *);
char		*settings_path(const struct settings *, enum setting_id,
		     const char *);
json_t		*settings_record(const struct settings *);

#endif
