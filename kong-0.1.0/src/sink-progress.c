/*
 * sink-progress.c: the progress line a sweep draws on a terminal.
 *
 * Redrawn five times a second from a timer on the run's loop, and after
 * nothing else: results only update the counts the sweep keeps in its
 * run_info. Once every pair has started, the line says how many are still
 * in flight instead of guessing an ETA from the rate so far.
 */
#include "sink.h"

#define PROGRESS_TICK_MS	200

struct sink_progress {
	FILE			*f;
	int			 color;
	const struct run_info	*run;
	struct event		*tick;
};

/* Draw the line (final: the last state, then erase it). */
static void
sink_progress_draw(struct sink_progress *p, int final)
{
	const struct run_info	*run = p->run;
	double			 secs, rate;
	size_t			 done, passed, failed, left;
	const char		*red, *green, *off;

	done = run->counts.total - run->counts.by_status[RESULT_SKIPPED];
	passed = result_counts_passed(&run->counts);
	failed = result_counts_failed(&run->counts);
	secs = (monotonic_usec() - run->start_mono) / 1e6;
	rate = secs > 0 ? done / secs : 0;
	green = p->color ? "\033[32m" : "";
	red = p->color && failed > 0 ? "\033[31m" : "";
	off = p->color ? "\033[0m" : "";
	fprintf(p->f, "\r\033[K[%zu/%zu] %s%zu passed%s, %s%zu failed%s, "
	    "%.0f/s, ", done, run->to_run, green, passed, off, red, failed,
	    failed > 0 ? off : "", rate);
	left = run->to_run > done ? run->to_run - done : 0;
	if (run->started < run->to_run && rate > 0)
		fprintf(p->f, "ETA %.0fs", left / rate);
	else if (run->started < run->to_run)
		fputs("ETA -", p->f);
	else
		fprintf(p->f, "%zu in flight", left);
	if (final)
		fputs("\r\033[K", p->f);
	fflush(p->f);
}

static void
sink_progress_tick_cb(evutil_socket_t fd, short kind, void *arg)
{
	(void)fd;
	(void)kind;
	sink_progress_draw(arg, 0);
}

static void
sink_progress_start(struct sink *k, const struct run_info *run)
{
	struct sink_progress	*p = k->data;
	struct timeval		 tv;

	p->run = run;
	p->tick = event_new(run->base, -1, EV_PERSIST, sink_progress_tick_cb, p);
	tv.tv_sec = 0;
	tv.tv_usec = PROGRESS_TICK_MS * 1000;
	evtimer_add(p->tick, &tv);
}

static void
sink_progress_end(struct sink *k, const struct run_info *run)
{
	struct sink_progress	*p = k->data;

	(void)run;
	if (p->tick != NULL)
		event_del(p->tick);
	sink_progress_draw(p, 1);
}

static void
sink_progress_free(struct sink *k)
{
	struct sink_progress	*p = k->data;

	if (p->tick != NULL)
		event_free(p->tick);
	free(p);
}

static const struct sink_ops sink_progress_ops = {
	"progress",
	sink_progress_start,
	NULL,
	sink_progress_end,
	sink_progress_free,
};

/* A progress line on f (a terminal), in color if color is set. */
struct sink *
sink_progress_create(FILE *f, int color)
{
	struct sink_progress	*p;

	p = xcalloc(1, sizeof *p);
	p->f = f;
	p->color = color;
	return (sink_create(&sink_progress_ops, p, "progress"));
}
