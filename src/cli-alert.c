/*
 * cli-alert.c: kong alert: what alerting sent, deciding the alerts of a
 * run that was ingested, and sending what is left.
 *
 * `kong alert --dry-run [--run ID]` prints the messages of a run (the
 * newest by default) from the store alone: to whom, the subject, the text,
 * and whether each was delivered; for a run whose alerts were not decided
 * yet, what deciding them would send. `kong alert --run ID|last` decides
 * the alerts of a run that reached the store by kong store ingest (a
 * merged sharded run), once, then delivers. `kong alert` delivers what is
 * still in the outbox now, as the next kong check would.
 */
#include "alert.h"
#include "cli.h"

enum {
	ALERT_DRY_RUN = 1000,
	ALERT_RUN,
};

static const struct cli_option alert_options[] = {
	{ "dry-run", 0, CLI_NOARG, NULL, "print the messages of a run instead "
	    "of sending anything", ALERT_DRY_RUN },
	{ "run", 0, CLI_ARG, "ID", "decide and send the alerts of a run "
	    "that was ingested (last: the store's newest); with --dry-run, "
	    "the run whose messages to print", ALERT_RUN },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

/* The alerting tables of the inventory's store. NULL after saying why. */
static struct alert_db *
alert_open(const struct inventory *inv, const struct settings *set,
    const char *who)
{
	struct alert_db	*db;
	char		*path, *cause;

	if ((path = cli_store_path(inv, set)) == NULL) {
		fprintf(stderr, "kong %s: store = none: there is no store to "
		    "keep alerts in\n", who);
		return (NULL);
	}
	if ((db = alert_db_open(path, &cause)) == NULL) {
		fprintf(stderr, "kong %s: cannot open the store %s\n", who,
		    cause);
		free(cause);
	}
	free(path);
	return (db);
}

static void
alert_sent_cb(struct alert_delivery *d, void *arg)
{
	(void)d;
	event_base_loopbreak(arg);
}

/* Deliver the outbox on a loop of our own. */
static int
alert_send(struct alert_db *db, const struct settings *set)
{
	struct engine		*e = engine_create();
	struct alert_delivery	*d;
	json_t			*j;
	int			 rc;

	d = alert_deliver(e, set, db, alert_sent_cb, engine_base(e));
	event_base_dispatch(engine_base(e));
	alert_delivery_report(d, stderr, "kong alert");
	j = alert_delivery_json(d);
	printf("%lld delivered, %lld not delivered\n",
	    (long long)json_integer_value(json_object_get(j, "delivered")),
	    (long long)json_integer_value(json_object_get(j, "undelivered")));
	json_decref(j);
	rc = alert_delivery_failed(d) > 0 ? KONG_EXIT_IO : KONG_EXIT_OK;
	alert_delivery_free(d);
	engine_free(e);
	return (rc);
}

/* Print the outbox's messages of a run; header says what they are. */
static int
alert_show(struct alert_db *db, const char *run, const char *header)
{
	struct alert_msg	*v;
	size_t			 n;

	if (alert_outbox_list(db, run, 0, &v, &n) != 0) {
		fprintf(stderr, "kong alert: the outbox could not be read: %s\n",
		    alert_db_error(db));
		return (KONG_EXIT_IO);
	}
	if (n == 0)
		printf("run %s: nothing %s\n", run, header != NULL ?
		    "would be sent" : "was sent");
	else if (header != NULL)
		printf("%s\n", header);
	alerts_print(v, n, stdout);
	alert_msgs_free(v, n);
	return (KONG_EXIT_OK);
}

/*
 * --run: decide the alerts of a stored run (with dry, print them and keep
 * nothing), then deliver. Returns an exit status.
 */
static int
alert_decide_stored(struct alert_db *db, const struct inventory *inv,
    const struct settings *set, const char *run, int dry)
{
	struct engine	*e = engine_create();
	struct alerts	*a;
	char		*cause = NULL, *header;
	int		 rc, status = KONG_EXIT_OK;

	a = alerts_create(e, inv, set, db);
	rc = alerts_decide_run(a, run, dry, &cause);
	if (rc == 0 && dry) {
		header = xstrfmt("run %s: its alerts were not decided yet; "
		    "kong alert --run %s would queue:", run, run);
		status = alert_show(db, run, header);
		free(header);
		alert_db_rollback(db);
	} else if (rc == 1 && dry)
		status = alert_show(db, run, NULL);
	else {
		if (rc == 0)
			printf("run %s: %zu message%s queued\n", run,
			    alerts_queued(a), alerts_queued(a) == 1 ? "" : "s");
		else
			fprintf(stderr, "kong alert: %s\n", cause);
		/* Decided now or before: what is left in the outbox goes. */
		if (rc == 2)
			status = KONG_EXIT_USAGE;
		else if (rc == -1)
			status = KONG_EXIT_IO;
		else if (set->smtp != NULL || set->webhook != NULL)
			status = alert_send(db, set);
	}
	free(cause);
	alerts_free(a);
	engine_free(e);
	return (status);
}

static int
alert_exec(const struct cli_cmd *cmd, struct cli_args *a)
{
	struct inventory	*inv;
	struct alert_db		*db;
	struct settings		 set;
	const char		*run = NULL;
	char			*last = NULL;
	size_t			 i;
	int			 dry = 0, rc = KONG_EXIT_OK;

	for (i = 0; i < a->nopts; i++) {
		if (a->opts[i].id == ALERT_DRY_RUN)
			dry = 1;
		else if (a->opts[i].id == ALERT_RUN)
			run = a->opts[i].arg;
	}
	if ((inv = cli_load(a)) == NULL)
		return (KONG_EXIT_USAGE);
	settings_copy(&set, &inv->settings);
	if ((db = alert_open(inv, &set, cmd->name)) == NULL)
		rc = KONG_EXIT_IO;
	else if (run != NULL && strcmp(run, "last") == 0 &&
	    (run = last = alert_newest_run(db)) == NULL) {
		fprintf(stderr, "kong alert: --run last: the store has no "
		    "finished run\n");
		rc = KONG_EXIT_USAGE;
	} else if (run != NULL)
		rc = alert_decide_stored(db, inv, &set, run, dry);
	else if (!dry)
		rc = alert_send(db, &set);
	else if ((run = last = alert_last_run(db)) == NULL)
		printf("no alerts yet: no run has had anything to say\n");
	else
		rc = alert_show(db, run, NULL);
	free(last);
	alert_db_close(db);
	settings_free(&set);
	inventory_free(inv);
	return (rc);
}

const struct cli_cmd cli_alert_cmd = {
	"alert",
	"[-c INVENTORY] [--dry-run] [--run ID|last]",
	"show what alerting sent for a run, or send what is left",
	"With --dry-run, prints the messages kong check decided on for a run\n"
	"(the newest unless --run), each with its recipient, subject and text\n"
	"and whether it was delivered; nothing is sent. With --run ID (last:\n"
	"the store's newest run), decides the alerts of a run that reached\n"
	"the store by kong store ingest (a merged sharded run, a log of\n"
	"another machine) as kong check would have, once, then delivers; with\n"
	"--dry-run too, prints what that would send and keeps nothing. Without\n"
	"either, delivers every message still in the outbox now (kong check\n"
	"also does at each run). Exit status: 0, 2 usage or inventory error\n"
	"or no such run, 3 the store could not be read or a message could\n"
	"not be delivered.",
	CLI_INVENTORY,
	alert_options,
	0,
	alert_exec,
};
