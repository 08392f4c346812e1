/*
 * cli-alert.c: kong alert: what alerting sent, and sending what is left.
 *
 * `kong alert --dry-run [--run ID]` prints the messages of a run (the
 * newest by default) from the store alone: to whom, the subject, the text,
 * and whether each was delivered. `kong alert` delivers what is still in
 * the outbox now, as the next kong check would.
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
	{ "run", 0, CLI_ARG, "ID", "the run whose messages --dry-run prints "
	    "(default: the newest)", ALERT_RUN },
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

static int
alert_exec(const struct cli_cmd *cmd, struct cli_args *a)
{
	struct inventory	*inv;
	struct alert_db		*db;
	struct alert_msg	*v;
	struct settings		 set;
	const char		*run = NULL;
	char			*last = NULL;
	size_t			 i, n;
	int			 dry = 0, rc = KONG_EXIT_OK;

	for (i = 0; i < a->nopts; i++) {
		if (a->opts[i].id == ALERT_DRY_RUN)
			dry = 1;
		else if (a->opts[i].id == ALERT_RUN)
			run = a->opts[i].arg;
	}
	if (run != NULL && !dry)
		return (cli_usage(cmd, "--run goes with --dry-run"));
	if ((inv = cli_load(a)) == NULL)
		return (KONG_EXIT_USAGE);
	settings_copy(&set, &inv->settings);
	if ((db = alert_open(inv, &set, cmd->name)) == NULL)
		rc = KONG_EXIT_IO;
	else if (!dry)
		rc = alert_send(db, &set);
	else {
		if (run == NULL)
			run = last = alert_last_run(db);
		if (run == NULL)
			printf("no alerts yet: no run has had anything to "
			    "say\n");
		else if (alert_outbox_list(db, run, 0, &v, &n) != 0) {
			fprintf(stderr, "kong alert: the outbox could not be "
			    "read: %s\n", alert_db_error(db));
			rc = KONG_EXIT_IO;
		} else {
			if (n == 0)
				printf("run %s: nothing was sent\n", run);
			alerts_print(v, n, stdout);
			alert_msgs_free(v, n);
		}
	}
	free(last);
	alert_db_close(db);
	settings_free(&set);
	inventory_free(inv);
	return (rc);
}

const struct cli_cmd cli_alert_cmd = {
	"alert",
	"[-c INVENTORY] [--dry-run [--run ID]]",
	"show what alerting sent for a run, or send what is left",
	"With --dry-run, prints the messages kong check decided on for a run\n"
	"(the newest unless --run), each with its recipient, subject and text\n"
	"and whether it was delivered; nothing is sent. Without it, delivers\n"
	"every message still in the outbox now (kong check also does at each\n"
	"run). Exit status: 0, 2 usage or inventory error, 3 the store could\n"
	"not be read or a message could not be delivered.",
	CLI_INVENTORY,
	alert_options,
	0,
	alert_exec,
};
