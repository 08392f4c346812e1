/*
 * session-int.h: the inside of a session, shared by the interpreter
 * (session.c), the browser (browser.c) and the commands (cmd-*.c).
 */
#ifndef KONG_SESSION_INT_H
#define KONG_SESSION_INT_H

#include "page.h"
#include "session.h"

/* What a command (or a resumed wait) tells the interpreter. */
enum cmd_retval {
	CMD_NORMAL,		/* done: go on with the next instruction */
	CMD_WAIT,		/* waiting for I/O: s->resume runs when it is done */
	CMD_ERROR,		/* failed: s->err_class and s->err_msg say why */
	CMD_EXIT,		/* exit: the current file ends as a success */
	CMD_PUSHED,		/* a frame was pushed (runfile): run it */
};

typedef enum cmd_retval (*cmd_fn)(struct session *, const struct insn *,
    char **, size_t);

enum frame_kind {
	FRAME_TOP,		/* a file given to kong run, or a check */
	FRAME_RUNFILE,		/* a file run by runfile */
	FRAME_CLEANUP,		/* a file registered by add_cleanup */
};

struct frame {
	enum frame_kind	 kind;
	struct program	*prog;
	size_t		 pc;
	json_t		*locals;
	char		**cleanups;	/* in the order they will run */
	size_t		 ncleanups;
	size_t		 cleanup_next;
	int		 finishing;	/* ended; running its cleanups */
	int		 failed;
	/* runfile's list of files, while it runs them */
	char		**rf_files;
	size_t		 rf_nfiles;
	size_t		 rf_next;
};

enum nav_kind {
	NAV_GO,
	NAV_FOLLOW,
	NAV_RELOAD,
	NAV_SUBMIT,
};

/* A navigation in progress: candidates, auth retry, meta refresh. */
struct nav {
	enum nav_kind	 kind;
	char		**cands;	/* go's candidate URLs */
	size_t		 ncands;
	size_t		 cand;
	char		*url;		/* the URL being requested */
	char		*lasterr;	/* why the last candidate failed */
	int		 auth_tried;
	int		 refreshing;
	char		**visited;	/* meta refresh targets */
	size_t		 nvisited;
	/* submit */
	int		 post;
	char		*body;		/* urlencoded POST body */
	int		 multipart;
	char		*referer;
};

struct header {
	char	*name;
	char	*value;
};

struct credential {
	char	*url;
	char	*realm;		/* NULL: any realm */
	char	*user;
	char	*password;
};

struct upload {
	char	*field;		/* the part name, as typed */
	char	*path;		/* its MIME type comes from its extension */
};

struct session {
	struct engine		*engine;
	struct session_config	 cfg;
	void			(*done)(struct session *, void *);
	void			*done_arg;
	enum session_state	 state;
	struct engine_task	 task;		/* runs it from the run queue */
	uint64_t		 start_mono;	/* 0 until session_start */

	/* Interpreter. */
	struct frame		*frames;
	size_t			 nframes;
	json_t			*globals;
	enum cmd_retval		(*resume)(struct session *);
	const struct insn	*cur;		/* the instruction running */
	char			*cur_cmdline;	/* it, after substitution */
	enum error_class	 err_class;
	char			*err_msg;
	int			 debug_commands;
	int			 debug_refresh;
	enum {
		INITIAL_NONE,		/* no -u URL, or its go has run */
		INITIAL_PENDING,	/* -u's go runs before instruction 0 */
		INITIAL_RUNNING		/* it is running: pc stays put */
	}			 initial;

	/* Browser. */
	CURL			*easy;
	struct curl_slist	*resolve;
	struct curl_slist	*connect_to;
	struct xfer		 xfer;
	struct nav		 nav;
	struct page		*page;
	struct page		**history;
	size_t			 nhistory;
	struct header		*headers;
	size_t			 nheaders;
	struct credential	*creds;
	size_t			 ncreds;
	struct upload		*uploads;
	size_t			 nuploads;
	struct form		*sel_form;	/* selected by fv or formfile */
	struct control		*last_button;	/* clicked by fv */
	long			 timeout_ms;
	long			 refresh_interval;
	int			 readonly_writeable;
	int			 with_default_realm;
	int			 require_tidy;
	int			 insecure;
	json_t			*tidy_options;
	int			 want_certs;	/* a file checks certificates */
	json_t			*certs_seen;	/* "host:port" -> expiry (time_t) */

	/* Sleep and output. */
	struct event		*timer;
	FILE			*redirect;	/* redirect_output's file */

	struct result		 result;
};

/* session.c */
enum cmd_retval	 session_error(struct session *, enum error_class,
		     const char *, ...) KONG_PRINTF(3, 4);
void		 session_printf(struct session *, const char *, ...)
		     KONG_PRINTF(2, 3);
void		 session_write(struct session *, const char *, size_t);
void		 session_wake(struct session *);
void		 session_io_done(struct session *);
struct frame	*session_frame(struct session *);
void		 session_set_local(struct session *, const char *, const char *);
void		 session_set_global(struct session *, const char *,
		     const char *);
char		*session_path(struct session *, const char *);
enum cmd_retval	 session_push_file(struct session *, const char *,
		     enum frame_kind);

/* browser.c */
void		 browser_init(struct session *);
void		 browser_reset(struct session *, int);
void		 browser_free(struct session *);
enum cmd_retval	 browser_go(struct session *, const char *);
enum cmd_retval	 browser_open(struct session *, enum nav_kind, const char *);
enum cmd_retval	 browser_submit(struct session *, struct form *,
		     struct control *);
void		 browser_back(struct session *);
void		 browser_set_header(struct session *, const char *,
		     const char *);
void		 browser_default_headers(struct session *);
char		*browser_join(const char *, const char *);
struct page	*browser_page(struct session *, const char *);
void		 browser_clicked(struct session *, struct form *,
		     struct control *);
void		 browser_unselect(struct session *);

/* The commands: cmd-nav.c, cmd-assert.c, cmd-form.c, cmd-state.c, cmd-display.c, cmd-control.c. */
extern const cmd_fn cmd_table[OP__COUNT];

#define CMD_DECL(e, f, n, mn, mx, fl)					\
	enum cmd_retval cmd_##f(struct session *, const struct insn *,	\
	    char **, size_t);
TWILL_COMMANDS(CMD_DECL)
#undef CMD_DECL

/* cmd-kong.c */
void		 kong_request_opts(struct session *, const char *);
void		 kong_note_cert(struct session *, const char *);

enum cmd_retval	 display_html(struct session *);
enum cmd_retval	 display_links(struct session *);
enum cmd_retval	 display_forms(struct session *);
enum cmd_retval	 display_history(struct session *);
enum cmd_retval	 display_cookies(struct session *);

#endif
