/*
 * sink-failures.c: kong check --save-failures DIR: for each failing pair,
 * what it saw and what it ran, in a layout the reports can link to:
 *
 *	DIR/RUN/SITE[@SERVER]/TEST/response.txt   the last response: status
 *	                                          line, headers, body (capped)
 *	DIR/RUN/SITE[@SERVER]/TEST/script.twill   the script as rendered
 *	DIR/RUN/SITE[@SERVER]/TEST/failure.txt    status, class, where, why
 *
 * Secrets are redacted as in the log. A file that cannot be written is
 * counted as a write error of the sweep (exit 3), never silently lost.
 */
#include <errno.h>
#include <sys/stat.h>

#include "inventory.h"
#include "page.h"
#include "redact.h"
#include "report.h"

#define FAILURES_BODY	(64 * 1024)	/* bytes of a saved body */

struct failures_sink {
	char			*dir;
	const struct inventory	*inv;
	char			*run;
};

/* A name as a path component: never ".", ".." or hidden. */
static void
failures_component(struct buf *b, const char *name)
{
	if (*name == '.' || *name == '\0')
		buf_addc(b, '_');
	for (; *name != '\0'; name++)
		buf_addc(b, *name == '/' ? '_' : *name);
}

/* Where a failing pair's files go (DIR/RUN/SITE[@SERVER]/TEST). Caller frees. */
char *
report_saved_path(const char *dir, const char *run, const char *site,
    const char *server, const char *test)
{
	struct buf	b;

	buf_init(&b);
	buf_adds(&b, dir);
	buf_addc(&b, '/');
	failures_component(&b, run != NULL ? run : "run");
	buf_addc(&b, '/');
	failures_component(&b, site);
	if (server != NULL) {
		buf_addc(&b, '@');
		failures_component(&b, server);
	}
	buf_addc(&b, '/');
	failures_component(&b, test);
	return (buf_steal(&b));
}

/* mkdir -p. Returns 0 or -1 with errno set. */
static int
failures_mkdirs(const char *path)
{
	char	*copy = xstrdup(path), *p;
	int	 rc = 0, last;

	for (p = copy + 1; rc == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		last = *p == '\0';
		*p = '\0';
		if (mkdir(copy, 0777) != 0 && errno != EEXIST)
			rc = -1;
		if (last)
			break;
		*p = '/';
	}
	free(copy);
	return (rc);
}

/* Write one file of the pair; returns 0 or -1. */
static int
failures_write(const char *dir, const char *name, const char *data,
    size_t len, const char *trailer)
{
	char	*path = xstrfmt("%s/%s", dir, name);
	FILE	*f;
	int	 rc = 0;

	if ((f = fopen(path, "w")) == NULL)
		rc = -1;
	else {
		redact_fwrite(data, len, f);
		if (trailer != NULL)
			fputs(trailer, f);
		if (ferror(f))
			rc = -1;
		if (fclose(f) != 0)
			rc = -1;
	}
	free(path);
	return (rc);
}

static void
failures_start(struct sink *k, const struct run_info *run)
{
	struct failures_sink	*fs = k->data;

	free(fs->run);
	fs->run = run->id != NULL ? xstrdup(run->id) : NULL;
}

/* The script of the pair, rendered again as the sweep ran it. */
static int
failures_script(struct failures_sink *fs, const struct result *r,
    const char *dir)
{
	const struct result_where	*w = &r->where;
	struct site			*site;
	struct test			*test;
	struct server			*srv = NULL;
	struct source			*src = NULL;
	struct diag			 d;
	struct buf			 out;
	int				 rc = 0;

	if (fs->inv == NULL || w->site == NULL || w->test == NULL ||
	    (site = inventory_site(fs->inv, w->site)) == NULL ||
	    (test = inventory_test(fs->inv, w->test)) == NULL)
		return (0);
	if (w->server != NULL)
		srv = inventory_server(fs->inv, w->server);
	diag_init(&d);
	buf_init(&out);
	if (inventory_render(test, site, srv, &out, &src, &d) == 0)
		rc = failures_write(dir, "script.twill", out.data != NULL ?
		    out.data : "", out.len, out.len > 0 && out.data[out.len -
		    1] == '\n' ? NULL : "\n");
	diag_free(&d);
	buf_free(&out);
	source_unref(src);
	return (rc);
}

static void
failures_result(struct sink *k, const struct run_info *run,
    const struct result *r, const struct buf *rec)
{
	struct failures_sink	*fs = k->data;
	const struct page	*pg = r->page;
	struct buf		 b;
	char			*dir;
	int			 rc = 0;

	(void)run;
	(void)rec;
	if (!result_failed(r) || r->status == RESULT_NOT_STARTED)
		return;
	dir = report_saved_path(fs->dir, fs->run, r->where.site != NULL ?
	    r->where.site : "-", r->where.server, r->where.test != NULL ?
	    r->where.test : "-");
	if (failures_mkdirs(dir) != 0)
		rc = -1;
	else {
		buf_init(&b);
		buf_printf(&b, "status: %s\nclass: %s\nwhere: %s:%d\ncommand: "
		    "%s\nmessage: %s\n", result_status_name(r->status),
		    r->eclass != ERR_NONE ? error_class_name(r->eclass) : "-",
		    r->file != NULL ? r->file : "-", r->line, r->command !=
		    NULL ? r->command : "-", r->message != NULL ? r->message :
		    "-");
		rc |= failures_write(dir, "failure.txt", b.data, b.len, NULL);
		buf_reset(&b);
		if (pg != NULL) {
			buf_printf(&b, "# %ld %s\n", pg->code, pg->url != NULL ?
			    pg->url : "-");
			if (pg->headers != NULL)
				buf_adds(&b, pg->headers);
			else
				buf_adds(&b, "\r\n");
			buf_add(&b, pg->raw != NULL ? pg->raw : "",
			    pg->rawlen < FAILURES_BODY ? pg->rawlen :
			    FAILURES_BODY);
			rc |= failures_write(dir, "response.txt", b.data, b.len,
			    pg->rawlen > FAILURES_BODY ?
			    "\n[body truncated]\n" : NULL);
		} else
			rc |= failures_write(dir, "response.txt", "", 0,
			    "# no response was received\n");
		buf_free(&b);
		rc |= failures_script(fs, r, dir);
	}
	if (rc != 0) {
		k->errors++;
		k->last_errno = errno != 0 ? errno : EIO;
	}
	free(dir);
}

static void
failures_free(struct sink *k)
{
	struct failures_sink	*fs = k->data;

	free(fs->dir);
	free(fs->run);
	free(fs);
}

static const struct sink_ops failures_sink_ops = {
	"save-failures",
	failures_start,
	failures_result,
	NULL,
	failures_free,
};

/* A sink saving failing pairs under dir (created if needed), or NULL. */
struct sink *
failures_sink_create(const char *dir, const struct inventory *inv,
    char **cause)
{
	struct failures_sink	*fs;

	if (failures_mkdirs(dir) != 0) {
		*cause = xstrfmt("%s: %s", dir, strerror(errno));
		return (NULL);
	}
	fs = xcalloc(1, sizeof *fs);
	fs->dir = xstrdup(dir);
	fs->inv = inv;
	return (sink_create(&failures_sink_ops, fs, dir));
}
