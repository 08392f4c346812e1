/*
 * session.c: the interpreter: running a program's instructions as a state
 * machine on the event loop.
 *
 * A session runs instructions until one returns CMD_WAIT; the I/O it
 * started wakes the session through the engine's run queue (a user event),
 * and s->resume finishes that instruction. Frames stack up for runfile and
 * for cleanup files; a frame that ends (at its last line, on exit, or on a
 * failure) runs its cleanups first. The session only ever changes state
 * through session_set_state, and its done callback is only called from the
 * run queue, never from inside the session's own code, so the owner may
 * free it there.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>

#include <event2/event.h>

#include "redact.h"
#include "session-int.h"

static void	session_run(struct session *);
static void	session_finish(struct session *, int);

/*
 * The session's turn on the run queue: run it, and once it is done let its
 * owner know (the owner may free it there).
 */
static void
session_task(void *arg)
{
	struct session	*s = arg;

	if (s->state == SESSION_RUN)
		session_run(s);
	if (s->state == SESSION_DONE && s->done != NULL)
		s->done(s, s->done_arg);	/* may free s */
}

/* Queue a session to run on the next turn of the loop. */
void
session_wake(struct session *s)
{
	engine_queue(s->engine, &s->task);
}

static const char *session_state_names[] = {
#define SESSION_STATE_NAME(name, what) #name,
	SESSION_STATES(SESSION_STATE_NAME)
#undef SESSION_STATE_NAME
};

/* session_moves[from] has bit (1 << to) set when from -> to may happen. */
#define MOVE(st) (1U << SESSION_##st)
static const unsigned session_moves[] = {
	[SESSION_NEW] = MOVE(RUN) | MOVE(DONE),
	[SESSION_RUN] = MOVE(WAIT) | MOVE(DONE),
	[SESSION_WAIT] = MOVE(RUN) | MOVE(DONE),
	[SESSION_DONE] = 0,
};
#undef MOVE

/* Trace state changes? KONG_DEBUG=session (a comma list may name more). */
static int
session_tracing(void)
{
	static int	 tracing = -1;
	const char	*env;

	if (tracing == -1) {
		env = getenv("KONG_DEBUG");
		tracing = env != NULL && strstr(env, "session") != NULL;
	}
	return (tracing);
}

/*
 * The one state setter: a move session_moves does not allow is a bug in
 * Kong, not in the script, and stops the process before it can record a
 * wrong result.
 */
#define session_set_state(s, st) session_set_state1(s, st, __FILE__, __LINE__)
static void
session_set_state1(struct session *s, enum session_state st, const char *file,
    int line)
{
	if (session_tracing()) {
		fprintf(stderr, "session %p: %s -> %s at %s:%d\n", (void *)s,
		    s->state == st && st == SESSION_NEW ? "-" :
		    session_state_names[s->state], session_state_names[st],
		    file, line);
	}
	if (s->state != st && (session_moves[s->state] & (1U << st)) == 0) {
		fatal("session %p: %s -> %s at %s:%d is not a valid move",
		    (void *)s, session_state_names[s->state],
		    session_state_names[st], file, line);
	}
	s->state = st;
}

/* The I/O a session waited for has finished: run it again. */
void
session_io_done(struct session *s)
{
	if (s->state != SESSION_WAIT)
		return;
	session_set_state(s, SESSION_RUN);
	session_wake(s);
}

/* The frame running now. */
struct frame *
session_frame(struct session *s)
{
	return (s->nframes > 0 ? &s->frames[s->nframes - 1] : NULL);
}

static void
session_push_frame(struct session *s, struct program *p, enum frame_kind kind)
{
	struct frame	*f;

	s->frames = xreallocarray(s->frames, s->nframes + 1, sizeof *s->frames);
	f = &s->frames[s->nframes++];
	memset(f, 0, sizeof *f);
	f->kind = kind;
	f->prog = p;
	if (p->certinfo)
		s->want_certs = 1;
	f->locals = json_object();
	json_object_set_new(f->locals, "__url__", s->page != NULL ?
	    json_string(s->page->url) : json_null());
}

static void
session_pop_frame(struct session *s)
{
	struct frame	*f = session_frame(s);

	program_unref(f->prog);
	json_decref(f->locals);
	free_strv(f->cleanups);
	free_strv(f->rf_files);
	s->nframes--;
}

/*
 * Create a session that will run prog with cfg (borrowed: it must outlive
 * the session), calling done once it has finished.
 */
struct session *
session_create(struct engine *e, struct program *prog,
    const struct session_config *cfg, void (*done)(struct session *, void *),
    void *arg)
{
	struct session	*s;

	s = xcalloc(1, sizeof *s);
	s->engine = e;
	s->cfg = *cfg;
	s->done = done;
	s->done_arg = arg;
	s->globals = json_object();
	engine_task_init(&s->task, session_task, s);
	result_init(&s->result);
	browser_init(s);
	session_push_frame(s, program_ref(prog), FRAME_TOP);
	s->initial = cfg->initial_url != NULL ? INITIAL_PENDING : INITIAL_NONE;
	session_set_state(s, SESSION_NEW);
	return (s);
}

/* Start running. */
void
session_start(struct session *s)
{
	s->start_mono = monotonic_usec();
	s->result.start_us = realtime_usec();
	session_set_state(s, SESSION_RUN);
	session_wake(s);
}

/* Free a session; it must not be queued or in flight. */
void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	engine_dequeue(s->engine, &s->task);
	while (s->nframes > 0)
		session_pop_frame(s);
	free(s->frames);
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->redirect != NULL)
		fclose(s->redirect);
	browser_free(s);
	json_decref(s->globals);
	json_decref(s->certs_seen);
	free(s->err_msg);
	free(s->cur_cmdline);
	result_clear(&s->result);
	free(s);
}

/* The session's result (final once it is done). */
struct result *
session_result(struct session *s)
{
	return (&s->result);
}

/* The session's state. */
enum session_state
session_state(const struct session *s)
{
	return (s->state);
}

/* Fail the running command with an error of class ec. */
enum cmd_retval
session_error(struct session *s, enum error_class ec, const char *fmt, ...)
{
	va_list	ap;

	free(s->err_msg);
	va_start(ap, fmt);
	xvasprintf(&s->err_msg, fmt, ap);
	va_end(ap);
	s->err_class = ec;
	return (CMD_ERROR);
}

/* Write script output where it goes now: a redirect, a stream or the result. */
void
session_write(struct session *s, const char *data, size_t len)
{
	struct result	*r = &s->result;
	size_t		 room;

	if (s->redirect != NULL) {
		redact_fwrite(data, len, s->redirect);
		fflush(s->redirect);
		return;
	}
	if (s->cfg.out != NULL) {
		redact_fwrite(data, len, s->cfg.out);
		return;
	}
	if (s->cfg.output_cap > 0 && r->output.len + len >
	    (size_t)s->cfg.output_cap) {
		room = (size_t)s->cfg.output_cap - r->output.len;
		/* Cut at a character boundary. */
		while (room > 0 && ((unsigned char)data[room] & 0xc0) == 0x80)
			room--;
		buf_add(&r->output, data, room);
		r->output_truncated = 1;
		return;
	}
	buf_add(&r->output, data, len);
}

/* printf to the script's output. */
void
session_printf(struct session *s, const char *fmt, ...)
{
	struct buf	b;
	va_list		ap;

	if (s->result.output_truncated && s->redirect == NULL &&
	    s->cfg.out == NULL)
		return;
	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	session_write(s, b.data, b.len);
	buf_free(&b);
}

/* Set a variable in the running file. */
void
session_set_local(struct session *s, const char *name, const char *value)
{
	json_object_set_new(session_frame(s)->locals, name, value != NULL ?
	    json_string(value) : json_null());
}

/* Set a variable for every file of the session. */
void
session_set_global(struct session *s, const char *name, const char *value)
{
	json_object_set_new(s->globals, name, json_string(value));
}

/* A variable: 1 and its value (NULL for None), or 0 if it is not set. */
static int
session_lookup(struct session *s, const char *name, const char **value)
{
	json_t	*v;

	v = json_object_get(session_frame(s)->locals, name);
	if (v == NULL)
		v = json_object_get(s->globals, name);
	if (v == NULL)
		return (0);
	*value = json_is_string(v) ? json_string_value(v) : NULL;
	return (1);
}

/*
 * Substitute one argument (docs/twill.md, "Variables and substitution").
 * Returns NULL after an error.
 */
static char *
session_subst_arg(struct session *s, const struct arg *a)
{
	const char	*v;
	struct buf	 b;
	char		*out;
	size_t		 i;

	switch (a->kind) {
	case ARG_LITERAL:
		return (xstrdup(a->text));
	case ARG_DUNDER:
		if (!session_lookup(s, a->name, &v))
			return (twill_newlines(a->text));
		if (v == NULL) {
			session_error(s, ERR_SCRIPT, "%s is None: it has no "
			    "value here%s", a->name, strcmp(a->name,
			    "__url__") == 0 ? " (no page is loaded)" : "");
			return (NULL);
		}
		return (twill_newlines(v));
	case ARG_DOLLAR:
		if (!session_lookup(s, a->name, &v))
			return (twill_newlines(a->text));
		return (twill_newlines(v != NULL ? v : "None"));
	case ARG_PIECES:
		buf_init(&b);
		for (i = 0; i < a->npieces; i++) {
			if (!a->pieces[i].is_name)
				buf_adds(&b, a->pieces[i].text);
			else if (!session_lookup(s, a->pieces[i].text, &v))
				buf_printf(&b, "${%s}", a->pieces[i].text);
			else
				buf_adds(&b, v != NULL ? v : "None");
		}
		out = twill_newlines(b.data != NULL ? b.data : "");
		buf_free(&b);
		return (out);
	}
	return (NULL);
}

/* The command word as the script wrote it (fv, not formvalue). Caller frees. */
static char *
session_cmdword(const struct insn *in)
{
	size_t	n;

	for (n = 0; isalnum((unsigned char)in->text[n]) || in->text[n] == '_' ||
	    (unsigned char)in->text[n] >= 0x80; n++)
		;
	return (xstrndup(in->text, n));
}

/* The command line as it runs, for messages: words quoted when needed. */
static char *
session_cmdline(const struct insn *in, char **argv, size_t argc)
{
	struct buf	b;
	size_t		i;
	char		*word;

	buf_init(&b);
	word = session_cmdword(in);
	buf_adds(&b, word);
	free(word);
	for (i = 0; i < argc; i++) {
		buf_addc(&b, ' ');
		if (*argv[i] == '\0' || strpbrk(argv[i], " \t\n\"'#") != NULL) {
			if (strchr(argv[i], '"') == NULL)
				buf_printf(&b, "\"%s\"", argv[i]);
			else
				buf_printf(&b, "'%s'", argv[i]);
		} else
			buf_adds(&b, argv[i]);
	}
	return (buf_steal(&b));
}

/* Run one instruction. */
static enum cmd_retval
session_exec(struct session *s, const struct insn *in)
{
	enum cmd_retval	  rv;
	char		**argv, *word;
	size_t		  i;

	s->cur = in;
	argv = xcalloc(in->nargs + 1, sizeof *argv);
	for (i = 0; i < in->nargs; i++) {
		if ((argv[i] = session_subst_arg(s, &in->args[i])) == NULL) {
			free(s->cur_cmdline);
			s->cur_cmdline = xstrdup(in->text);
			free_strv(argv);
			return (CMD_ERROR);
		}
	}
	free(s->cur_cmdline);
	s->cur_cmdline = session_cmdline(in, argv, in->nargs);
	word = session_cmdword(in);
	json_object_set_new(session_frame(s)->locals, "__cmd__",
	    json_string(word));
	free(word);
	if (s->debug_commands)
		session_printf(s, "twill: executing cmd '%s'\n", in->text);
	rv = cmd_table[in->op](s, in, argv, in->nargs);
	free_strv(argv);
	return (rv);
}

/* Whether a cleanup file is running (its errors do not count). */
static int
session_in_cleanup(struct session *s)
{
	size_t	i;

	for (i = 0; i < s->nframes; i++) {
		if (s->frames[i].kind == FRAME_CLEANUP)
			return (1);
	}
	return (0);
}

/*
 * A command failed: record it if it is the first failure, then either go
 * on (-n) or end the frame.
 */
static void
session_failed(struct session *s)
{
	struct frame	*f = session_frame(s);
	struct result	*r = &s->result;
	const char	*file = f->prog->src->name;
	int		 line = s->cur != NULL ? s->cur->line : 0;

	if (session_in_cleanup(s)) {
		session_printf(s, "%s:%d: error: %s\n>> %s\n", file, line,
		    s->err_msg, s->cur_cmdline != NULL ? s->cur_cmdline : "");
	} else if (r->message == NULL) {
		r->message = xstrdup(s->err_msg != NULL ? s->err_msg : "failed");
		r->eclass = s->err_class;
		r->file = xstrdup(file);
		r->line = line;
		r->command = xstrdup(s->cur_cmdline != NULL ? s->cur_cmdline :
		    "");
	}
	if (s->initial == INITIAL_RUNNING) {
		/* twill runs -u's go outside the script: -n does not cover it. */
		s->initial = INITIAL_NONE;
	} else if (f->kind == FRAME_TOP && s->cfg.never_fail) {
		session_printf(s, "%s:%d: error: %s\n>> %s\n", file, line,
		    s->err_msg, s->cur_cmdline != NULL ? s->cur_cmdline : "");
		r->errors_ignored++;
		f->pc++;
		return;
	}
	f->finishing = 1;
	f->failed = 1;
}

/*
 * Set __url__ after a command that succeeded; most commands leave the page
 * alone, so the variable is only replaced when its value changes.
 */
static void
session_succeeded(struct session *s)
{
	json_t		*locals = session_frame(s)->locals;
	json_t		*old = json_object_get(locals, "__url__");
	const char	*url = s->page != NULL ? s->page->url : NULL;

	if (url == NULL ? json_is_null(old) :
	    json_is_string(old) && strcmp(json_string_value(old), url) == 0)
		return;
	json_object_set_new(locals, "__url__",
	    url != NULL ? json_string(url) : json_null());
}

/*
 * Compile a file and push it as a frame. Returns CMD_PUSHED, or CMD_ERROR
 * when it cannot be read or does not compile.
 */
enum cmd_retval
session_push_file(struct session *s, const char *path, enum frame_kind kind)
{
	struct source	*src;
	struct program	*p;
	struct diag	 d;
	char		*cause;
	size_t		 i;
	struct buf	 b;

	if ((src = source_read(path, &cause)) == NULL) {
		session_error(s, ERR_SCRIPT, "cannot run %s", cause);
		free(cause);
		return (CMD_ERROR);
	}
	diag_init(&d);
	p = program_compile(src, &d);
	source_unref(src);
	if (p == NULL) {
		buf_init(&b);
		for (i = 0; i < d.n; i++)
			buf_adds(&b, d.v[i].text);
		while (b.len > 0 && b.data[b.len - 1] == '\n')
			b.data[--b.len] = '\0';
		session_error(s, ERR_SCRIPT, "%s does not compile:\n%s", path,
		    b.data);
		buf_free(&b);
		diag_free(&d);
		return (CMD_ERROR);
	}
	diag_free(&d);
	session_push_frame(s, p, kind);
	return (CMD_PUSHED);
}

/*
 * The frame on top ended (finishing set). Run its next cleanup, or pop it
 * and tell its parent. Returns 0 to keep running, -1 when the session is
 * over.
 */
static int
session_frame_ended(struct session *s)
{
	struct frame	*f = session_frame(s), *parent;
	enum frame_kind	 kind = f->kind;
	int		 failed = f->failed;
	char		*path;

	while (f->cleanup_next < f->ncleanups) {
		path = f->cleanups[f->cleanup_next++];
		if (session_push_file(s, path, FRAME_CLEANUP) == CMD_PUSHED)
			return (0);
		session_printf(s, ">> Cannot run cleanup file %s: %s\n", path,
		    s->err_msg);
		f = session_frame(s);
	}
	if (f->ncleanups > 0) {
		/* twill resets the browser after cleanups, keeping the page. */
		struct page *keep = s->page != NULL ? page_ref(s->page) : NULL;

		browser_reset(s, 0);
		s->page = keep;
	}
	session_pop_frame(s);
	if ((parent = session_frame(s)) == NULL) {
		session_finish(s, failed);
		return (-1);
	}
	switch (kind) {
	case FRAME_CLEANUP:
		/* Back to the parent's cleanups; its outcome stands. */
		return (0);
	case FRAME_RUNFILE:
		if (failed) {
			/* The first failing file fails runfile itself. */
			s->cur = &parent->prog->insns[parent->pc];
			free(s->cur_cmdline);
			s->cur_cmdline = xstrdup(s->cur->text);
			session_failed(s);
			return (0);
		}
		if (parent->rf_next < parent->rf_nfiles) {
			path = parent->rf_files[parent->rf_next++];
			if (session_push_file(s, path, FRAME_RUNFILE) !=
			    CMD_PUSHED) {
				s->cur = &parent->prog->insns[parent->pc];
				session_failed(s);
			}
			return (0);
		}
		free_strv(parent->rf_files);
		parent->rf_files = NULL;
		parent->rf_nfiles = parent->rf_next = 0;
		session_succeeded(s);
		parent->pc++;
		return (0);
	case FRAME_TOP:
		break;
	}
	return (0);
}

/* Handle what a command (or a resumed wait) returned. 0: go on, -1: stop. */
static int
session_handle(struct session *s, enum cmd_retval rv)
{
	struct frame	*f = session_frame(s);

	switch (rv) {
	case CMD_NORMAL:
		session_succeeded(s);
		if (s->initial == INITIAL_RUNNING)
			s->initial = INITIAL_NONE;
		else
			f->pc++;
		return (0);
	case CMD_WAIT:
		session_set_state(s, SESSION_WAIT);
		return (-1);
	case CMD_ERROR:
		session_failed(s);
		return (0);
	case CMD_EXIT:
		f->finishing = 1;
		return (0);
	case CMD_PUSHED:
		return (0);
	}
	return (0);
}

/* Run instructions until one waits or the session ends. */
static void
session_run(struct session *s)
{
	struct frame		*f;
	enum cmd_retval		(*resume)(struct session *);

	if (s->resume != NULL) {
		resume = s->resume;
		s->resume = NULL;
		if (session_handle(s, resume(s)) != 0)
			return;
	} else if (s->initial == INITIAL_PENDING) {
		free(s->cur_cmdline);
		s->cur_cmdline = xstrfmt("go %s", s->cfg.initial_url);
		s->cur = NULL;
		s->initial = INITIAL_RUNNING;
		if (session_handle(s, browser_go(s, s->cfg.initial_url)) != 0)
			return;
	}
	while (s->state == SESSION_RUN) {
		f = session_frame(s);
		if (f->finishing || f->pc >= f->prog->ninsns) {
			f->finishing = 1;
			if (session_frame_ended(s) != 0)
				return;
			continue;
		}
		if (session_handle(s, session_exec(s, &f->prog->insns[f->pc]))
		    != 0)
			return;
	}
}

/* Stop whatever is in flight for the session. */
static void
session_stop_io(struct session *s)
{
	xfer_cancel(&s->xfer);
	if (s->timer != NULL)
		evtimer_del(s->timer);
	s->resume = NULL;
}

/*
 * The one place a session ends: whatever is in flight stops, the result
 * gets its status, duration and last page, and the state becomes DONE.
 */
static void
session_settle(struct session *s, enum result_status st)
{
	struct result	*r = &s->result;

	session_stop_io(s);
	r->status = st;
	r->duration_us = s->start_mono != 0 ?
	    monotonic_usec() - s->start_mono : 0;
	if (s->page != NULL && r->page == NULL)
		r->page = page_ref(s->page);
	session_set_state(s, SESSION_DONE);
}

/* The program ended (failed: a command failed): settle its result. */
static void
session_finish(struct session *s, int failed)
{
	struct result		*r = &s->result;
	enum result_status	 st;

	if (failed) {
		switch (r->eclass) {
		case ERR_ASSERT:
		case ERR_HTTP:
			st = RESULT_FAIL;
			break;
		case ERR_TIMEOUT:
			st = RESULT_TIMEOUT;
			break;
		default:
			st = RESULT_ERROR;
			break;
		}
	} else
		st = RESULT_PASS;
	session_settle(s, st);
}

/*
 * End a session from outside (a deadline, SIGTERM): what is in flight is
 * stopped and the result says why. The owner hears of it from the run
 * queue as for any finished session.
 */
void
session_cancel(struct session *s, enum result_status st, enum error_class ec,
    const char *why)
{
	struct frame	*f;
	struct result	*r = &s->result;

	if (s->state == SESSION_DONE)
		return;
	f = session_frame(s);
	free(r->message);
	free(r->file);
	free(r->command);
	r->message = xstrdup(why);
	r->eclass = ec;
	r->file = xstrdup(f != NULL ? f->prog->src->name : "");
	r->line = f != NULL && f->pc < f->prog->ninsns ?
	    f->prog->insns[f->pc].line : 0;
	r->command = xstrdup(s->cur_cmdline != NULL ? s->cur_cmdline : "");
	session_settle(s, st);
	session_wake(s);
}

/*
 * A path named by a script, relative to that script's directory
 * (docs/twill.md D16). Caller frees.
 */
char *
session_path(struct session *s, const char *path)
{
	struct frame	*f = session_frame(s);

	return (path_join(f->prog->dir, path));
}

static int
session_strcmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Add the *.twill files under dir (hidden ones skipped), recursively. */
static void
session_walk(const char *dir, char ***v, size_t *n)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		*path, **names = NULL;
	size_t		 nnames = 0, i, len;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = xreallocarray(names, nnames + 1, sizeof *names);
		names[nnames++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (nnames > 0)
		qsort(names, nnames, sizeof *names, session_strcmp);
	for (i = 0; i < nnames; i++) {
		path = path_join(dir, names[i]);
		len = strlen(names[i]);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			session_walk(path, v, n);
		else if (len > 6 && strcmp(names[i] + len - 6, ".twill") == 0) {
			*v = xreallocarray(*v, *n + 2, sizeof **v);
			(*v)[(*n)++] = path;
			(*v)[*n] = NULL;
			path = NULL;
		}
		free(path);
		free(names[i]);
	}
	free(names);
}

/*
 * twill's gather_filenames: each argument as given when it has an
 * extension, else X.twill when that exists; directories walked for *.twill
 * (in name order). Paths are relative to the running script. Returns a
 * NULL-terminated vector (caller frees) or NULL and a cause.
 */
char **
session_gather(struct session *s, char **args, size_t nargs, size_t *np,
    char **cause)
{
	struct stat	 st;
	char		**v, *path, *alt;
	const char	*base;
	size_t		  n = 0, i;

	v = xcalloc(1, sizeof *v);
	for (i = 0; i < nargs; i++) {
		path = s != NULL ? session_path(s, args[i]) : xstrdup(args[i]);
		base = path_basename(path);
		if (strchr(base, '.') == NULL && stat(path, &st) != 0) {
			alt = xstrfmt("%s.twill", path);
			if (stat(alt, &st) == 0 && !S_ISDIR(st.st_mode)) {
				free(path);
				path = alt;
			} else
				free(alt);
		}
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			session_walk(path, &v, &n);
			free(path);
			continue;
		}
		v = xreallocarray(v, n + 2, sizeof *v);
		v[n++] = path;
		v[n] = NULL;
	}
	*np = n;
	(void)cause;
	return (v);
}
