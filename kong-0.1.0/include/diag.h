/*
 * diag.h: source texts and the diagnostics reported against them.
 *
 * A source is a text being read (an inventory file, a template, a script)
 * with its name and, when the text was cut out of another file (a test body
 * in the inventory, a script rendered from a template), a map from its own
 * lines to the lines and columns of that file. Diagnostics say
 * "FILE:LINE:COL: error: message" followed by the line and a caret, in the
 * style of gcc and jq, and are collected so that all of them are reported
 * in one pass, up to a cap.
 */
#ifndef KONG_DIAG_H
#define KONG_DIAG_H

#include <stddef.h>

#include "kong.h"

#define DIAG_MAX_ERRORS 20

struct source {
	char	*name;		/* the file name shown in messages */
	char	*text;		/* the whole text, NUL-terminated */
	size_t	 len;
	size_t	*line_start;	/* offset of each line in text */
	size_t	 nlines;
	int	*line_map;	/* file line of each text line, or NULL */
	int	*col_map;	/* columns the text line is shifted by, or NULL */
	int	 refs;
};

struct source	*source_create(const char *, const char *, size_t);
struct source	*source_read(const char *, char **);
void		 source_set_map(struct source *, const int *, const int *, size_t);
struct source	*source_ref(struct source *);
void		 source_unref(struct source *);
void		 source_locate(const struct source *, size_t, int *, int *);
size_t		 source_line_of(const struct source *, size_t);
int		 source_file_line(const struct source *, int);
const char	*source_line(const struct source *, int, size_t *);

enum diag_level {
	DIAG_ERROR,
	DIAG_WARNING,
	DIAG_NOTE,
};

struct diag_entry {
	enum diag_level	 level;
	char		*file;
	int		 line;		/* 0 when not known */
	int		 col;		/* 0 when not known */
	char		*text;		/* the whole formatted report */
};

struct diag {
	struct diag_entry	*v;
	size_t			 n;
	size_t			 nerrors;
	size_t			 nwarnings;
	size_t			 dropped;	/* errors past the cap */
	size_t			 max;		/* cap on errors kept */
};

void	diag_init(struct diag *);
void	diag_free(struct diag *);
void	diag_at(struct diag *, enum diag_level, const struct source *, size_t,
	    const char *, ...) KONG_PRINTF(5, 6);
void	diag_vat(struct diag *, enum diag_level, const struct source *, size_t,
	    const char *, va_list) KONG_PRINTF(5, 0);
void	diag_line(struct diag *, enum diag_level, const char *, int,
	    const char *, ...) KONG_PRINTF(5, 6);
void	diag_plain(struct diag *, enum diag_level, const char *, ...)
	    KONG_PRINTF(3, 4);
int	diag_full(const struct diag *);
void	diag_print(const struct diag *, FILE *);

#endif
