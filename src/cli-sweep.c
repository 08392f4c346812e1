/*
 * cli-sweep.c: what a sweep of the fleet carries besides its pairs.
 *
 * kong check and kong serve --every run the same sweep: the lock beside
 * the log (one sweep of a log at a time, whoever starts it), the JSONL log,
 * the store, alerting with its tables in the store, and the ping_url at the
 * start and the end. This is that wiring, once; the commands add their own
 * sinks (progress, summary, reports) and own the loop.
 */
#include <unistd.h>

#include <event2/event.h>

#include "alert.h"
#include "cli.h"
#include "lock.h"
#include "sweep.h"

/*
 * One run at a time per log: LOG.lock beside it (kong.lock beside the
 * inventory when the log is not a file: -, /dev/full). Returns 0, or an
 * exit status after saying why not.
 */
static int
cli_sweep_lock(struct cli_sweep *cs, const struct inventory *inv,
    const char *log)
{
	char	*path, *cause;
	long	 pid;
	int	 rc;

	if (!alert_log_is_file(log))
		path = path_join(inv->dir, "kong.lock");
	else
		path = xstrfmt("%s.lock", log);
	rc = lock_take(path, &cs->lock, &pid, &cause);
	if (rc == 1)
		fprintf(stderr, "kong %s: another kong check is running (pid %ld "
		    "holds %s); not starting a second one\n", cs->command, pid,
		    path);
	else if (rc == -1) {
		fprintf(stderr, "kong %s: cannot take the lock %s\n",
		    cs->command, cause);
		free(cause);
	}
	free(path);
	return (rc == 0 ? 0 : rc == 1 ? KONG_EXIT_LOCKED : KONG_EXIT_IO);
}

static void
cli_sweep_told(void *arg)
{
	struct cli_sweep	*cs = arg;

	if (!cs->in_loop)
		event_base_loopbreak(engine_base(cs->engine));
}

/*
 * Nothing runs because the store cannot be opened: the admins are told
 * (alerts_tell), on the loop if it runs, else on a loop run for it here.
 */
static void
cli_sweep_tell(struct cli_sweep *cs, const struct inventory *inv,
    const struct settings *set, const char *cause)
{
	char	*text, host[256];

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "this machine");
	host[sizeof host - 1] = '\0';
	text = xstrfmt("kong %s on %s could not open the store %s.\n\n"
	    "Alerting keeps its state there, so nothing was checked: a run "
	    "whose alerts cannot be decided would lose them. Every run tells "
	    "you again until the store opens; check its disk, its permissions "
	    "and its path ([kong] store).\n", cs->command, host, cause);
	if (alerts_tell(cs->engine, inv, set, "Kong: the store cannot be "
	    "opened; nothing was checked", text, cli_sweep_told, cs) == 0 &&
	    !cs->in_loop)
		event_base_dispatch(engine_base(cs->engine));
	free(text);
}

/* Alerting, with its tables in the store. Returns 0 or an exit status. */
static int
cli_sweep_alerts(struct cli_sweep *cs, const struct inventory *inv,
    const struct settings *set)
{
	char	*path, *cause;

	if ((path = cli_store_path(inv, set)) == NULL) {
		if (set->smtp != NULL || set->webhook != NULL)
			fprintf(stderr, "kong %s: store = none: no alerts (alerting "
			    "keeps its state in the store)\n", cs->command);
		return (0);
	}
	cs->adb = alert_db_open(path, &cause);
	free(path);
	if (cs->adb == NULL && (set->smtp != NULL || set->webhook != NULL)) {
		/* Alerts would be lost: nothing runs (docs/alerts.md). */
		fprintf(stderr, "kong %s: cannot open the store %s\n",
		    cs->command, cause);
		cli_sweep_tell(cs, inv, set, cause);
		free(cause);
		return (KONG_EXIT_IO);
	}
	if (cs->adb == NULL) {
		/* Nothing to deliver: as for the store sink, the sweep goes on. */
		free(cause);
		return (0);
	}
	cs->alerts = alerts_create(cs->engine, inv, set, cs->adb);
	alerts_attach(cs->alerts, cs->sweep);
	return (0);
}

/*
 * The log (taking its lock), the store, alerting unless CLI_SWEEP_NO_ALERTS,
 * and the pinger. Returns 0, or an exit status after saying why.
 */
int
cli_sweep_wire(struct cli_sweep *cs, const struct inventory *inv,
    const struct settings *set, int flags)
{
	struct sink	*k;
	char		*log, *cause;
	int		 rc;

	log = cli_log_path(inv, set);
	if ((k = sink_jsonl_open(log, 0, &cause)) == NULL) {
		fprintf(stderr, "kong %s: cannot open the results log %s\n",
		    cs->command, cause);
		free(cause);
		free(log);
		return (KONG_EXIT_IO);
	}
	sweep_add_sink(cs->sweep, k);	/* opening it appends nothing */
	if ((rc = cli_sweep_lock(cs, inv, log)) != 0) {
		free(log);
		return (rc);
	}
	cli_store_sink(cs->sweep, inv, set, log, cs->command);
	free(log);
	if (~flags & CLI_SWEEP_NO_ALERTS &&
	    (rc = cli_sweep_alerts(cs, inv, set)) != 0)
		return (rc);
	if (set->ping_url != NULL)
		cs->pinger = pinger_create(cs->engine, set->ping_url,
		    set->connect_timeout > 0 ? set->connect_timeout : 10000);
	return (0);
}

/* The run is starting (before --wait-for, if any): the start ping. */
void
cli_sweep_begin(struct cli_sweep *cs)
{
	if (cs->pinger != NULL)
		pinger_send(cs->pinger, "/start");
}

static void
cli_sweep_pinged(void *arg)
{
	struct cli_sweep	*cs = arg;

	cs->done(cs, cs->arg);
}

/* The sweep is over (run_end is written): the end ping, then done. */
static void
cli_sweep_ended(struct sweep *sw, void *arg)
{
	struct cli_sweep	*cs = arg;
	int			 rc = sweep_exit_status(sw);

	if (cs->pinger == NULL) {
		cs->done(cs, cs->arg);
		return;
	}
	pinger_send(cs->pinger, rc == KONG_EXIT_OK || rc == KONG_EXIT_FAILED ?
	    "" : "/fail");
	pinger_wait(cs->pinger, cli_sweep_pinged, cs);
}

/* Start the sweep; done is called once it ended and the end ping went. */
void
cli_sweep_start(struct cli_sweep *cs, void (*done)(struct cli_sweep *,
    void *), void *arg)
{
	cs->done = done;
	cs->arg = arg;
	sweep_start(cs->sweep, cli_sweep_ended, cs);
}

/* SIGINT or SIGTERM: stop delivering if it is delivering, else sweeping. */
void
cli_sweep_interrupt(struct cli_sweep *cs)
{
	if (!alerts_interrupt(cs->alerts))
		sweep_interrupt(cs->sweep);
}

/* Free what was wired, and let the next run take the lock. */
void
cli_sweep_clear(struct cli_sweep *cs)
{
	sweep_free(cs->sweep);
	alerts_free(cs->alerts);
	alert_db_close(cs->adb);
	pinger_free(cs->pinger);
	lock_release(cs->lock);
	cs->sweep = NULL;
	cs->alerts = NULL;
	cs->adb = NULL;
	cs->pinger = NULL;
	cs->lock = -1;
}
