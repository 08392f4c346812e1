/*
 * record.h: writing the JSONL results log (docs/jsonl.md).
 *
 * Each record is one line of compact JSON, written with a single write(2)
 * on an O_APPEND descriptor, so concurrent writers never interleave inside
 * a line and a kill -9 leaves only whole lines. A failed write (disk full)
 * is counted and reported; the exit status says so.
 */
#ifndef KONG_RECORD_H
#define KONG_RECORD_H

#include <jansson.h>

#include "results.h"
#include "sink.h"

#define RECORD_SCHEMA 1

struct record_log {
	char	*path;		/* "-" for standard output */
	int	 fd;
	int	 own_fd;
	size_t	 written;
	size_t	 errors;	/* records that could not be written whole */
	int	 last_errno;
};

int		 record_open(struct record_log *, const char *, char **);
void		 record_close(struct record_log *);
int		 record_write(struct record_log *, json_t *);
int		 record_write_buf(struct record_log *, const struct buf *);
char		*record_run_id(void);
char		*record_time(uint64_t);
json_t		*record_versions(void);
json_t		*record_string(const char *, size_t);
void		 record_result(struct buf *, const struct result *);
json_t		*record_run_start(const struct run_info *);
json_t		*record_run_end(const struct run_info *);

#endif
