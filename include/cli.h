/*
 * cli.h: the kong command line.
 *
 * One table of commands (cli.c, as tmux's cmd-*.c entries), each declaring
 * its own options in a table; one parser (cli_parse) that handles those,
 * the inventory and selector options, and the settings of settings.h a
 * command takes, and writes every command's --help from the same tables.
 * A command's exec sees its parsed arguments, never argv's options.
 */
#ifndef KONG_CLI_H
#define KONG_CLI_H

#include "inventory.h"
#include "settings.h"

enum cli_arg {
	CLI_NOARG,		/* a flag */
	CLI_ARG,		/* takes an argument: --name ARG, --name=ARG */
	CLI_OPTARG,		/* an optional argument: only --name=ARG */
};

struct cli_option {
	const char	*name;		/* long name, without -- */
	int		 short_opt;	/* 0: none */
	enum cli_arg	 arg;
	const char	*metavar;	/* for the help; NULL without argument */
	const char	*help;
	int		 id;		/* what exec sees (1000 and more) */
};

/* Option groups a command takes besides its own (cli_cmd flags). */
#define CLI_INVENTORY	0x1	/* -c, --inventory */
#define CLI_SELECTORS	0x2	/* --site, --type, --test, --server, --tag */
#define CLI_SWEEP	0x4	/* the settings of a sweep (SET_CHECK) */
#define CLI_RUN		0x8	/* the settings of kong run (SET_RUN) */
#define CLI_BENCH	0x10	/* the settings of kong bench (SET_BENCH) */

struct cli_args;

struct cli_cmd {
	const char		*name;
	const char		*usage;		/* after "kong NAME " */
	const char		*summary;	/* one line for kong --help */
	const char		*help;		/* paragraphs before the options */
	int			 flags;
	const struct cli_option	*options;	/* NULL, or ends with name NULL */
	int			 max_args;	/* operands at most; -1: any */
	int			(*exec)(const struct cli_cmd *, struct cli_args *);
};

/* An option of the command's own table, as given. */
struct cli_value {
	int		 id;
	const char	*arg;		/* NULL for a flag */
};

/* A setting given as an option, applied on top of the inventory's. */
struct cli_setting {
	const struct setting_info	*info;
	const char			*arg;
};

struct cli_args {
	const char		*inventory;	/* -c, or NULL */
	struct selection	 sel;
	struct cli_value	*opts;		/* in the order given */
	size_t			 nopts;
	struct cli_setting	*sets;
	size_t			 nsets;
	char		       **argv;		/* the operands */
	int			 argc;
};

extern const struct cli_cmd *const cli_commands[];
extern const size_t cli_ncommands;

extern const struct cli_cmd cli_check_cmd;
extern const struct cli_cmd cli_run_cmd;
extern const struct cli_cmd cli_list_cmd;
extern const struct cli_cmd cli_render_cmd;
extern const struct cli_cmd cli_lint_cmd;
extern const struct cli_cmd cli_bench_cmd;
extern const struct cli_cmd cli_merge_cmd;
extern const struct cli_cmd cli_help_cmd;
extern const struct cli_cmd cli_store_cmd;
extern const struct cli_cmd cli_serve_cmd;
extern const struct cli_cmd cli_html_cmd;
extern const struct cli_cmd cli_alert_cmd;
extern const struct cli_cmd cli_silence_cmd;
extern const struct cli_cmd cli_report_cmd;
extern const struct cli_cmd cli_nagios_cmd;
extern const struct cli_cmd cli_diff_cmd;

const struct cli_cmd *cli_find(const char *);
int		 cli_main(int, char **);
int		 cli_parse(const struct cli_cmd *, int, char **,
		     struct cli_args *);
void		 cli_args_free(struct cli_args *);
void		 cli_apply_settings(const struct cli_args *, struct settings *);
struct inventory *cli_load(const struct cli_args *);
int		 cli_usage(const struct cli_cmd *, const char *, ...)
		     KONG_PRINTF(2, 3);
int		 cli_help(const struct cli_cmd *, FILE *);
int		 cli_duration(const struct cli_cmd *, const char *, const char *,
		     long *);
int		 cli_number(const struct cli_cmd *, const char *, const char *,
		     long, long, long *);
int		 cli_color(FILE *);
char		*cli_log_path(const struct inventory *, const struct settings *);
char		*cli_hint(const char *, char *const *, size_t);

/* cli-store.c: where the log and the history store are. */
char		*cli_log_path(const struct inventory *, const struct settings *);
char		*cli_store_path(const struct inventory *,
		     const struct settings *);
char		*cli_find_store(const struct cli_args *, const char *, long *);
struct sweep;
void		 cli_store_sink(struct sweep *, const struct inventory *,
		     const struct settings *, const char *, const char *);

/*
 * cli-sweep.c: what a sweep of the fleet carries besides its pairs (the
 * lock, the log, the store, alerting, ping_url), for kong check and kong
 * serve --every. Set engine, sweep and command (the command's name, for
 * messages), lock = -1, then wire.
 */
struct engine;
struct alert_db;
struct alerts;
struct pinger;
struct cli_sweep {
	const char	*command;
	struct engine	*engine;
	struct sweep	*sweep;
	struct alert_db	*adb;		/* the alerting tables */
	struct alerts	*alerts;
	struct pinger	*pinger;	/* [kong] ping_url */
	int		 lock;		/* the lock file's fd, or -1 */
	int		 in_loop;	/* wired from a callback of the loop */
	void		(*done)(struct cli_sweep *, void *);
	void		*arg;
};

#define CLI_SWEEP_NO_ALERTS	0x1	/* a shard: the merged run alerts */

int		 cli_sweep_wire(struct cli_sweep *, const struct inventory *,
		     const struct settings *, int);
void		 cli_sweep_begin(struct cli_sweep *);
void		 cli_sweep_start(struct cli_sweep *,
		     void (*)(struct cli_sweep *, void *), void *);
void		 cli_sweep_interrupt(struct cli_sweep *);
void		 cli_sweep_clear(struct cli_sweep *);

/* A table printed with aligned columns. */
struct table {
	char	**cells;
	size_t	  ncols;
	size_t	  nrows;
};

void		 table_init(struct table *, size_t);
void		 table_add(struct table *, ...);
void		 table_print(struct table *, FILE *, const char *);
void		 table_free(struct table *);
char		*strv_join(char *const *, const char *);

#endif
