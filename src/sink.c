/*
 * sink.c: a list of sinks, called in the order they were added.
 */
#include "record.h"
#include "sink.h"

/* A sink with its operations and their data; what names it in messages. */
struct sink *
sink_create(const struct sink_ops *ops, void *data, const char *what)
{
	struct sink	*k;

	k = xcalloc(1, sizeof *k);
	k->ops = ops;
	k->data = data;
	k->what = xstrdup(what != NULL ? what : ops->name);
	buf_init(&k->rec);
	return (k);
}

/* Free a sink and its data; NULL is allowed. */
void
sink_free(struct sink *k)
{
	if (k == NULL)
		return;
	if (k->ops->free != NULL)
		k->ops->free(k);
	buf_free(&k->rec);
	free(k->what);
	free(k);
}

/* Tell every sink the run starts. */
void
sinks_start(struct sink_list *l, const struct run_info *run)
{
	struct sink	*k;

	TAILQ_FOREACH(k, l, entry) {
		if (k->ops->start != NULL)
			k->ops->start(k, run);
	}
}

/*
 * Hand a final result to one sink, with its record: rec, or formatted
 * into the sink's own buffer if it wants one and rec is NULL. Returns the
 * record it had, for the sinks after it.
 */
const struct buf *
sink_result(struct sink *k, const struct run_info *run,
    const struct result *r, const struct buf *rec)
{
	if (k->ops->record && rec == NULL) {
		buf_reset(&k->rec);
		record_result(&k->rec, r);
		rec = &k->rec;
	}
	if (k->ops->result != NULL)
		k->ops->result(k, run, r, k->ops->record ? rec : NULL);
	return (rec);
}

/*
 * Hand a final result to every sink. Its record is formatted once, by the
 * first sink that wants it, for all the others (the log, the store).
 */
void
sinks_result(struct sink_list *l, const struct run_info *run,
    const struct result *r)
{
	struct sink		*k;
	const struct buf	*rec = NULL;

	TAILQ_FOREACH(k, l, entry)
		rec = sink_result(k, run, r, rec);
}

/* Every result is in: each sink writes out what it batched. */
void
sinks_flush(struct sink_list *l)
{
	struct sink	*k;

	TAILQ_FOREACH(k, l, entry) {
		if (k->ops->flush != NULL)
			k->ops->flush(k);
	}
}

/* Tell every sink the run is over. */
void
sinks_end(struct sink_list *l, const struct run_info *run)
{
	struct sink	*k;

	TAILQ_FOREACH(k, l, entry) {
		if (k->ops->end != NULL)
			k->ops->end(k, run);
	}
}

/* Records the sinks could not write, all together. */
size_t
sinks_errors(const struct sink_list *l)
{
	const struct sink	*k;
	size_t			 n = 0;

	TAILQ_FOREACH(k, l, entry)
		n += k->errors;
	return (n);
}

/* Free every sink of a list. */
void
sinks_free(struct sink_list *l)
{
	struct sink	*k;

	while ((k = TAILQ_FIRST(l)) != NULL) {
		TAILQ_REMOVE(l, k, entry);
		sink_free(k);
	}
}
