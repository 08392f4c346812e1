/*
 * cmd-control.c: control commands: sleep, exit, runfile, add_cleanup,
 * config, timeout, debug.
 */
#include <math.h>

#include <event2/event.h>

#include "session-int.h"

#define CONTROL_MAX_DEPTH 32	/* runfile nesting */

/* The sleep timer fired. */
static void
control_sleep_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct session	*s = arg;

	(void)fd;
	(void)kind;
	session_io_done(s);
}

static enum cmd_retval
control_sleep_done(struct session *s)
{
	return (CMD_NORMAL);
}

/* sleep [SECONDS]: a timer on the loop; other sessions go on meanwhile. */
enum cmd_retval
cmd_sleep(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	struct timeval	tv;
	double		secs = 1;

	(void)in;
	if (argc > 0 && twill_parse_number(argv[0], &secs) != 0)
		return (session_error(s, ERR_SCRIPT, "could not convert string "
		    "to float: '%s'", argv[0]));
	if (secs < 0)
		return (session_error(s, ERR_SCRIPT, "sleep length must be "
		    "non-negative"));
	if (secs > 86400)
		secs = 86400;
	if (s->timer == NULL)
		s->timer = evtimer_new(engine_base(s->engine), control_sleep_cb, s);
	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - floor(secs)) * 1e6);
	evtimer_add(s->timer, &tv);
	s->resume = control_sleep_done;
	return (CMD_WAIT);
}

/* exit [CODE]: the current file ends, as a success (the code is ignored). */
enum cmd_retval
cmd_exit(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	long	code;

	(void)in;
	if (argc > 0 && *argv[0] != '\0' && twill_parse_int(argv[0], &code) != 0)
		return (session_error(s, ERR_SCRIPT, "invalid literal for int() "
		    "with base 10: '%s'", argv[0]));
	return (CMD_EXIT);
}

/* runfile FILE|DIR...: run each file with this browser, no reset. */
enum cmd_retval
cmd_runfile(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	struct frame	*f;
	char		**files, *cause = NULL;
	size_t		  n;

	(void)in;
	if (s->nframes >= CONTROL_MAX_DEPTH)
		return (session_error(s, ERR_SCRIPT, "runfile nested more than "
		    "%d deep (a file running itself?)", CONTROL_MAX_DEPTH));
	files = session_gather(s, argv, argc, &n, &cause);
	if (n == 0) {
		free_strv(files);
		return (CMD_NORMAL);
	}
	f = session_frame(s);
	free_strv(f->rf_files);
	f->rf_files = files;
	f->rf_nfiles = n;
	f->rf_next = 1;
	return (session_push_file(s, files[0], FRAME_RUNFILE));
}

/*
 * add_cleanup FILE...: run after this file ends, however it ends. A later
 * call's files run before an earlier call's; each call's in order.
 */
enum cmd_retval
cmd_add_cleanup(struct session *s, const struct insn *in, char **argv,
    size_t argc)
{
	struct frame	*f = session_frame(s);
	char		**files, **all, *cause = NULL;
	size_t		  n, i, k = 0;

	(void)in;
	files = session_gather(s, argv, argc, &n, &cause);
	all = xcalloc(f->ncleanups + n + 1, sizeof *all);
	for (i = 0; i < n; i++)
		all[k++] = files[i];
	for (i = 0; i < f->ncleanups; i++)
		all[k++] = f->cleanups[i];
	free(files);
	free(f->cleanups);
	f->cleanups = all;
	f->ncleanups = k;
	return (CMD_NORMAL);
}

/* A config value as Python would print it. Caller frees. */
static char *
control_config_show(struct session *s, const char *key)
{
	json_t	*v;

	if (strcmp(key, "equiv_refresh_interval") == 0)
		return (xstrfmt("%ld", s->refresh_interval));
	if (strcmp(key, "readonly_controls_writeable") == 0)
		return (xstrdup(s->readonly_writeable ? "True" : "False"));
	if (strcmp(key, "require_tidy") == 0)
		return (xstrdup(s->require_tidy ? "True" : "False"));
	if (strcmp(key, "with_default_realm") == 0)
		return (xstrdup(s->with_default_realm ? "True" : "False"));
	if (strcmp(key, "insecure") == 0)
		return (xstrdup(s->insecure ? "True" : "False"));
	if (strcmp(key, "timeout") == 0)
		return (xstrfmt("%g", s->timeout_ms / 1000.0));
	v = json_object_get(s->tidy_options, key);
	return (xstrdup(v != NULL ? json_string_value(v) : "None"));
}

/* config [KEY [VALUE]]: list, show or set an option. */
enum cmd_retval
cmd_config(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	static const char *keys[] = {
		"equiv_refresh_interval", "insecure",
		"readonly_controls_writeable", "require_tidy", "timeout",
		"with_default_realm",
	};
	const char	*k;
	json_t		*v;
	char		*shown;
	double		 d;
	size_t		 i;
	int		 type;

	(void)in;
	if (argc == 0) {
		session_printf(s, "\nCurrent configuration:\n\n");
		for (i = 0; i < nitems(keys); i++) {
			shown = control_config_show(s, keys[i]);
			session_printf(s, "\t%s : %s\n", keys[i], shown);
			free(shown);
		}
		json_object_foreach(s->tidy_options, k, v)
			session_printf(s, "\t%s : %s\n", k, json_string_value(v));
		session_printf(s, "\n");
		return (CMD_NORMAL);
	}
	if ((type = twill_config_type(argv[0])) == 0)
		return (session_error(s, ERR_SCRIPT, "no such configuration key: "
		    "'%s'", argv[0]));
	if (argc == 1) {
		shown = control_config_show(s, argv[0]);
		session_printf(s, "\nkey %s: value %s\n\n", argv[0], shown);
		free(shown);
		return (CMD_NORMAL);
	}
	if (twill_config_value(type, argv[1], &d) != 0)
		return (session_error(s, ERR_SCRIPT, "unable to convert '%s' into "
		    "%s", argv[1], type == 'b' ? "true/false" : type == 'i' ?
		    "an int" : "a number"));
	if (strcmp(argv[0], "equiv_refresh_interval") == 0)
		s->refresh_interval = (long)d;
	else if (strcmp(argv[0], "readonly_controls_writeable") == 0)
		s->readonly_writeable = d != 0;
	else if (strcmp(argv[0], "require_tidy") == 0)
		s->require_tidy = d != 0;
	else if (strcmp(argv[0], "with_default_realm") == 0)
		s->with_default_realm = d != 0;
	else if (strcmp(argv[0], "insecure") == 0)
		s->insecure = d != 0;
	else if (strcmp(argv[0], "timeout") == 0)
		s->timeout_ms = d > 0 ? (long)(d * 1000 + 0.5) : 0;
	else
		json_object_set_new(s->tidy_options, argv[0],
		    json_string(argv[1]));
	return (CMD_NORMAL);
}

/* timeout [SECONDS]: the request timeout; 0 means none. */
enum cmd_retval
cmd_timeout(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	double	secs = 10;

	(void)in;
	if (argc > 0 && *argv[0] != '\0' &&
	    twill_parse_number(argv[0], &secs) != 0)
		return (session_error(s, ERR_SCRIPT, "could not convert string "
		    "to float: '%s'", argv[0]));
	if (argc > 0 && *argv[0] == '\0')
		secs = 0;
	s->timeout_ms = secs > 0 ? (long)(secs * 1000 + 0.5) : 0;
	return (CMD_NORMAL);
}

/* debug WHAT LEVEL: commands or equiv-refresh. */
enum cmd_retval
cmd_debug(struct session *s, const struct insn *in, char **argv, size_t argc)
{
	long	level;
	double	d;

	(void)in;
	(void)argc;
	if (twill_parse_int(argv[1], &level) != 0) {
		if (twill_config_value('b', argv[1], &d) != 0)
			return (session_error(s, ERR_SCRIPT, "unable to convert "
			    "'%s' into true/false", argv[1]));
		level = d != 0;
	}
	if (strcmp(argv[0], "commands") == 0)
		s->debug_commands = level > 0;
	else if (strcmp(argv[0], "equiv-refresh") == 0)
		s->debug_refresh = level > 0;
	else if (strcmp(argv[0], "http") == 0)
		return (session_error(s, ERR_SCRIPT, "'debug http' is not "
		    "supported in Kong"));
	else
		return (session_error(s, ERR_SCRIPT, "Unknown debugging type: "
		    "\"%s\"", argv[0]));
	session_printf(s, "DEBUG: Setting %s debugging to level %ld.\n",
	    argv[0], level);
	return (CMD_NORMAL);
}
