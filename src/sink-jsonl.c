/*
 * sink-jsonl.c: the JSONL log, the record of truth (docs/jsonl.md).
 *
 * run_start when the run starts, one result record per pair as soon as it
 * is final, run_end with the totals and the exit status. Each record is
 * one write(2) on an O_APPEND descriptor (record.c). kong run writes only
 * result records (sink_jsonl_open's results_only).
 */
#include <errno.h>

#include "record.h"
#include "sink.h"

struct sink_jsonl {
	struct record_log	log;
	int			results_only;
};

/* Count a record the log could not take. */
static void
sink_jsonl_account(struct sink *k)
{
	struct sink_jsonl	*j = k->data;

	k->errors = j->log.errors;
	k->last_errno = j->log.last_errno;
}

static void
sink_jsonl_start(struct sink *k, const struct run_info *run)
{
	struct sink_jsonl	*j = k->data;

	if (j->results_only)
		return;
	record_write(&j->log, record_run_start(run));
	sink_jsonl_account(k);
}

static void
sink_jsonl_result(struct sink *k, const struct run_info *run,
    const struct result *r, const struct buf *rec)
{
	struct sink_jsonl	*j = k->data;

	(void)run;
	(void)r;
	record_write_buf(&j->log, rec);
	sink_jsonl_account(k);
}

static void
sink_jsonl_end(struct sink *k, const struct run_info *run)
{
	struct sink_jsonl	*j = k->data;

	if (j->results_only)
		return;
	record_write(&j->log, record_run_end(run));
	sink_jsonl_account(k);
}

static void
sink_jsonl_free(struct sink *k)
{
	struct sink_jsonl	*j = k->data;

	record_close(&j->log);
	free(j);
}

static const struct sink_ops sink_jsonl_ops = {
	"jsonl",
	sink_jsonl_start,
	sink_jsonl_result,
	sink_jsonl_end,
	sink_jsonl_free,
	NULL,
	1,
};

/*
 * The log at path ("-": standard output), appended to; with results_only,
 * no run_start or run_end. NULL and a cause if it cannot be opened.
 */
struct sink *
sink_jsonl_open(const char *path, int results_only, char **cause)
{
	struct sink_jsonl	*j;

	j = xcalloc(1, sizeof *j);
	if (record_open(&j->log, path, cause) != 0) {
		free(j);
		return (NULL);
	}
	j->results_only = results_only;
	return (sink_create(&sink_jsonl_ops, j, path));
}
