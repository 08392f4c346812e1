/*
 * kong.h: what every module of Kong shares.
 *
 * Allocation that never returns NULL (xmalloc.c), a growable byte buffer
 * (buf.c), small helpers (util.c) and the exit statuses of the kong command.
 */
#ifndef KONG_H
#define KONG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define KONG_VERSION PACKAGE_VERSION

/* Exit statuses of the kong command (documented in kong(1) and README). */
#define KONG_EXIT_OK		0	/* everything passed */
#define KONG_EXIT_FAILED	1	/* a check failed */
#define KONG_EXIT_USAGE		2	/* usage, inventory, template or script error */
#define KONG_EXIT_IO		3	/* results could not be written (disk full, ...) */
#define KONG_EXIT_INTERRUPTED	4	/* the run was stopped by SIGINT or SIGTERM */
#define KONG_EXIT_ABORTED	5	/* --abort-if stopped the sweep early */
#define KONG_EXIT_LOCKED	6	/* another kong check of this log is running */

#define nitems(a) (sizeof (a) / sizeof (a)[0])

#define KONG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define KONG_NORETURN __attribute__((noreturn))
#define KONG_UNUSED __attribute__((unused))

/* xmalloc.c: allocation that aborts on failure instead of returning NULL. */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
void	*xmemdup(const void *, size_t);
int	 xasprintf(char **, const char *, ...) KONG_PRINTF(2, 3);
int	 xvasprintf(char **, const char *, va_list) KONG_PRINTF(2, 0);
char	*xstrfmt(const char *, ...) KONG_PRINTF(1, 2);
void	 fatal(const char *, ...) KONG_PRINTF(1, 2) KONG_NORETURN;

/* buf.c: a growable byte buffer, always NUL-terminated. */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_grow(struct buf *, size_t);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_adds(struct buf *, const char *);
void	 buf_addc(struct buf *, char);
void	 buf_printf(struct buf *, const char *, ...) KONG_PRINTF(2, 3);
void	 buf_vprintf(struct buf *, const char *, va_list) KONG_PRINTF(2, 0);
char	*buf_steal(struct buf *);

/* util.c */
uint64_t monotonic_usec(void);
uint64_t realtime_usec(void);
int	 parse_duration_ms(const char *, long *);
int	 parse_bool(const char *, int *);
int	 parse_int(const char *, long, long, long *);
int	 parse_size(const char *, long *);
char	**split_list(const char *, size_t *);
void	 free_strv(char **);
size_t	 strv_len(char *const *);
int	 strv_contains(char *const *, const char *);
int	 glob_match(const char *, const char *);
int	 glob_any(char *const *, size_t, const char *);
size_t	 utf8_valid_prefix(const char *, size_t);
int	 utf8_is_valid(const char *, size_t);
size_t	 utf8_columns(const char *, size_t);
size_t	 levenshtein(const char *, const char *);
int	 url_is_plain(const char *);
char	*read_file(const char *, size_t, size_t *, char **);
const char *path_basename(const char *);
char	*path_dirname(const char *);
char	*path_join(const char *, const char *);
void	 format_duration(char *, size_t, uint64_t);

#endif
