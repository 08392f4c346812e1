/*
 * cli.h: the kong command line: one table of commands (as tmux's cmd-*.c)
 * and what they share: selectors, loading the inventory, tables.
 */
#ifndef KONG_CLI_H
#define KONG_CLI_H

#include <getopt.h>

#include "inventory.h"

struct cli_cmd {
	const char	*name;
	const char	*usage;		/* after "kong NAME " */
	const char	*summary;	/* one line for kong --help */
	const char	*help;		/* the options, for kong help NAME */
	int		(*exec)(const struct cli_cmd *, int, char **);
};

extern const struct cli_cmd cli_check_cmd;
extern const struct cli_cmd cli_run_cmd;
extern const struct cli_cmd cli_list_cmd;
extern const struct cli_cmd cli_render_cmd;
extern const struct cli_cmd cli_lint_cmd;

/* Long options every inventory command takes (values above 256). */
enum {
	CLI_OPT_SITE = 1000,
	CLI_OPT_TYPE,
	CLI_OPT_TEST,
	CLI_OPT_SERVER,
	CLI_OPT_TAG,
};

#define CLI_SELECTOR_OPTIONS						\
	{ "inventory", required_argument, NULL, 'c' },			\
	{ "site", required_argument, NULL, CLI_OPT_SITE },		\
	{ "type", required_argument, NULL, CLI_OPT_TYPE },		\
	{ "test", required_argument, NULL, CLI_OPT_TEST },		\
	{ "server", required_argument, NULL, CLI_OPT_SERVER },		\
	{ "tag", required_argument, NULL, CLI_OPT_TAG },		\
	{ "help", no_argument, NULL, 'h' }

#define CLI_SELECTOR_HELP						\
	"  -c, --inventory PATH  the inventory: a file or a directory of *.ini\n" \
	"                        (default $KONG_INVENTORY, else ./kong.ini)\n" \
	"      --site GLOB       only these sites (repeatable)\n"		\
	"      --type GLOB       only sites of these types (repeatable)\n"	\
	"      --test GLOB       only these tests (repeatable)\n"		\
	"      --server GLOB     only sites on these servers (repeatable)\n" \
	"      --tag GLOB        only sites with these tags (repeatable)\n"

struct cli_common {
	const char		*inventory;
	struct selection	 sel;
};

void		 cli_common_init(struct cli_common *);
void		 cli_common_free(struct cli_common *);
int		 cli_common_option(struct cli_common *, int, const char *);
struct inventory *cli_load(struct cli_common *);
int		 cli_usage(const struct cli_cmd *, const char *, ...)
		     KONG_PRINTF(2, 3);
int		 cli_help(const struct cli_cmd *, FILE *);
int		 cli_bad_option(const struct cli_cmd *, char **, int);
int		 cli_duration(const struct cli_cmd *, const char *, const char *,
		     long *);
int		 cli_number(const struct cli_cmd *, const char *, const char *,
		     long, long, long *);
int		 cli_color(FILE *);

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
