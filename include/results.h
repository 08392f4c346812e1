/*
 * results.h: the outcome of a check, in one place.
 *
 * A struct result is what a session produces and what every sink, report
 * and reader consumes: where it ran (site, test, server, run), its status
 * and error class, the failing command, one step per HTTP request with its
 * timings, what the script printed, and earlier attempts. The statuses and
 * classes are listed once here, with the predicates every front end uses
 * ("did it fail?"), so that no two of them can disagree.
 *
 * A result read back from a log (results_reader) has the same shape; its
 * strings belong to the reader and are valid until the next read.
 */
#ifndef KONG_RESULTS_H
#define KONG_RESULTS_H

#include <jansson.h>

#include "http.h"
#include "kong.h"

struct page;

#define RESULT_STATUSES(X)						\
	X(PASS, "pass")			/* every command succeeded */	\
	X(PASS_AFTER_RETRY, "pass_after_retry") /* passed on a retry */	\
	X(FAIL, "fail")			/* an assertion failed */	\
	X(ERROR, "error")		/* it could not be checked */	\
	X(TIMEOUT, "timeout")		/* past a timeout or deadline */ \
	X(SKIPPED, "skipped")		/* the site is not live */	\
	X(CANCELLED, "cancelled")	/* stopped by SIGINT/SIGTERM */	\
	X(NOT_STARTED, "not_started")	/* the sweep was aborted first */

enum result_status {
#define RESULT_ENUM(e, s) RESULT_##e,
	RESULT_STATUSES(RESULT_ENUM)
#undef RESULT_ENUM
	RESULT__COUNT
};

#define ERROR_CLASSES(X)						\
	X(NONE, NULL)							\
	X(ASSERT, "assert")	/* an assertion did not hold */		\
	X(HTTP, "http")		/* a response was unusable */		\
	X(NET, "net")		/* connection refused, reset, closed */	\
	X(DNS, "dns")		/* a name did not resolve */		\
	X(TLS, "tls")		/* certificate or handshake */		\
	X(TIMEOUT, "timeout")	/* request timeout or script deadline */ \
	X(SCRIPT, "script")	/* the script asked for the impossible */ \
	X(INTERNAL, "internal")	/* a bug or a resource limit in Kong */

enum error_class {
#define ERROR_ENUM(e, s) ERR_##e,
	ERROR_CLASSES(ERROR_ENUM)
#undef ERROR_ENUM
	ERR__COUNT
};

const char	*result_status_name(enum result_status);
const char	*error_class_name(enum error_class);
int		 result_status_parse(const char *, enum result_status *);
int		 error_class_parse(const char *, enum error_class *);
/* The class of a libcurl result: one table, in http.c. */
enum error_class http_error_class(CURLcode, int, const char *);
enum error_class xfer_class(const struct xfer *);
int		 result_status_passed(enum result_status);
int		 result_status_failed(enum result_status);

/* One HTTP request of a result. */
struct step {
	const char		*command;	/* the command's name */
	int			 line;
	int			 post;		/* POST, else GET */
	char			*url;		/* final, after redirects */
	long			 code;
	size_t			 bytes;
	long			 redirects;
	struct http_timing	 t;
	char			*error;		/* NULL when it got a response */
};

/* An earlier attempt of a check that was retried. */
struct attempt {
	int			 attempt;	/* 1 for the first */
	enum result_status	 status;
	enum error_class	 eclass;
	char			*message;
	uint64_t		 duration_us;
};

/* Where a result belongs; the strings are borrowed. */
struct result_where {
	const char		*run;
	const char		*site;
	const char		*url;
	const char		*type;
	const char		*test;
	const char		*server;
	const char		*script;	/* kong run: the file */
	char *const		*recipients;	/* who hears of it, or NULL */
};

struct result {
	struct result_where	 where;
	size_t			 index;		/* its place in the run's plan */
	enum result_status	 status;
	enum error_class	 eclass;
	char			*message;	/* why it failed */
	char			*file;		/* where it failed */
	int			 line;
	char			*command;	/* the command as it ran */
	uint64_t		 start_us;	/* wall clock, first attempt */
	uint64_t		 duration_us;	/* monotonic, last attempt */
	struct step		*steps;		/* one per request */
	size_t			 nsteps;
	struct buf		 output;	/* what the script printed */
	int			 output_truncated;
	int			 attempts;	/* 0: it never ran (skipped) */
	struct attempt		*tries;		/* the attempts before the last */
	size_t			 ntries;
	struct page		*page;		/* the page when it ended */
	int			 errors_ignored; /* -n: errors logged, not fatal */
	json_t			*captures;	/* capture: name -> value */
	json_t			*capture_at;	/* name -> {file, line, command} */
	json_t			*certs;		/* cert_valid_for: [{host, expires}] */
};

void		 result_init(struct result *);
void		 result_clear(struct result *);
void		 result_clear_steps(struct result *);
void		 result_move(struct result *, struct result *);
void		 result_add_try(struct result *, const struct result *);
int		 result_passed(const struct result *);
int		 result_failed(const struct result *);
void		 result_redact(struct result *);

/* Counts of a run's results by status. */
struct result_counts {
	size_t	by_status[RESULT__COUNT];
	size_t	total;
};

void		 result_counts_add(struct result_counts *, enum result_status);
size_t		 result_counts_passed(const struct result_counts *);
size_t		 result_counts_failed(const struct result_counts *);

/*
 * Reading a JSONL log back: one record at a time, streaming. A last line
 * without its newline (a writer killed mid-line) is not an error: it is
 * counted as torn and left out. A line that is not a JSON object is
 * skipped and counted, with the number of the first such line.
 */
enum results_kind {
	RESULTS_RUN_START,
	RESULTS_RESULT,
	RESULTS_RUN_END,
	RESULTS_OTHER,		/* a record kind this Kong does not know */
};

struct results_entry {
	enum results_kind	 kind;
	json_t			*json;		/* the whole record (borrowed) */
	size_t			 line;		/* its line in the log */
	struct result		 result;	/* RESULTS_RESULT only */
};

struct results_reader;

struct results_reader *results_reader_open(const char *, char **);
struct results_reader *results_reader_fd(int, const char *);
int		 results_reader_next(struct results_reader *,
		     struct results_entry *);
void		 results_reader_close(struct results_reader *);
size_t		 results_reader_torn(const struct results_reader *);
size_t		 results_reader_bad(const struct results_reader *, size_t *);
const char	*results_reader_error(const struct results_reader *);
int		 results_from_json(json_t *, struct result *);
uint64_t	 results_time(const char *);
char		*results_pair_key(const char *, const char *, const char *);

#endif
