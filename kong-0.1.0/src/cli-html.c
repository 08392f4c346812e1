/*
 * cli-html.c: kong html: the dashboard's pages as static files.
 *
 * The same renderer as kong serve, in static mode: every page, badge and
 * API file that render_static_paths lists is written under --out DIR with
 * links relative to each page, for any web server or a CI artifact.
 * Static pages show the newest page of each history (there is no server
 * to ask for older ones).
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <unistd.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "cli.h"
#include "render.h"

enum {
	HTML_OUT = 1000,
	HTML_STORE,
};

static const struct cli_option html_options[] = {
	{ "out", 'o', CLI_ARG, "DIR", "where to write the pages (created if "
	    "needed)", HTML_OUT },
	{ "store", 0, CLI_ARG, "PATH", "the store (default: [kong] store, else "
	    "kong.db beside the log)", HTML_STORE },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

/* mkdir -p of the directories above a file. Returns 0 or -1. */
static int
html_mkdirs(char *path)
{
	char	*p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			*p = '/';
			return (-1);
		}
		*p = '/';
	}
	return (0);
}

/* Write one page. Returns 0 or -1 after saying why. */
static int
html_write(struct render *r, const char *dir, const char *url)
{
	struct render_out	 o;
	struct evkeyvalq	 q;
	const char		*query, *server = NULL;
	char			*path, *file, *full;
	FILE			*f;
	int			 rc = 0;

	TAILQ_INIT(&q);
	if ((query = strchr(url, '?')) != NULL) {
		path = xstrndup(url, (size_t)(query - url));
		query++;
		if (evhttp_parse_query_str(query, &q) == 0)
			server = evhttp_find_header(&q, "server");
	} else
		path = xstrdup(url);
	file = render_file_name(path, server);
	full = path_join(dir, file);
	render_out_init(&o);
	render_page(r, path, query, &o);
	if (html_mkdirs(full) != 0 || (f = fopen(full, "w")) == NULL) {
		fprintf(stderr, "kong html: %s: %s\n", full, strerror(errno));
		rc = -1;
	} else {
		if (fwrite(o.body.data != NULL ? o.body.data : "", 1,
		    o.body.len, f) != o.body.len)
			rc = -1;
		if (fclose(f) != 0)
			rc = -1;
		if (rc != 0)
			fprintf(stderr, "kong html: %s: %s\n", full,
			    strerror(errno));
	}
	render_out_free(&o);
	evhttp_clear_headers(&q);
	free(full);
	free(file);
	free(path);
	return (rc);
}

static int
html_exec(const struct cli_cmd *cmd, struct cli_args *a)
{
	struct inventory	*inv = NULL;
	struct store		*s;
	struct render		*r;
	const char		*out = NULL, *store_opt = NULL;
	char			*path, *cause, **pages;
	size_t			 i, n, bad = 0;

	for (i = 0; i < a->nopts; i++) {
		if (a->opts[i].id == HTML_OUT)
			out = a->opts[i].arg;
		else if (a->opts[i].id == HTML_STORE)
			store_opt = a->opts[i].arg;
	}
	if (out == NULL)
		return (cli_usage(cmd, "say where to write: --out DIR"));
	if (store_opt == NULL || a->inventory != NULL) {
		if ((inv = cli_load(a)) == NULL)
			return (KONG_EXIT_USAGE);
	}
	path = store_opt != NULL ? xstrdup(store_opt) :
	    cli_store_path(inv, &inv->settings);
	if (path == NULL || access(path, F_OK) != 0) {
		fprintf(stderr, "kong html: no store%s%s: run kong check, or kong "
		    "store ingest LOG, first\n", path != NULL ? " at " : "",
		    path != NULL ? path : " (store = none)");
		free(path);
		inventory_free(inv);
		return (KONG_EXIT_USAGE);
	}
	s = store_open(path, STORE_READONLY, &cause);
	free(path);
	if (s == NULL) {
		fprintf(stderr, "kong html: %s\n", cause);
		free(cause);
		inventory_free(inv);
		return (KONG_EXIT_IO);
	}
	r = render_create(s, inv, RENDER_STATIC);
	render_set_now(r, realtime_usec());
	pages = render_static_paths(r);
	n = strv_len(pages);
	if (mkdir(out, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "kong html: %s: %s\n", out, strerror(errno));
		bad = n;
	}
	for (i = 0; bad == 0 && i < n; i++)
		bad += html_write(r, out, pages[i]) != 0;
	free_strv(pages);
	render_free(r);
	store_close(s);
	inventory_free(inv);
	if (bad > 0)
		return (KONG_EXIT_IO);
	printf("kong html: %zu files in %s\n", n, out);
	return (KONG_EXIT_OK);
}

const struct cli_cmd cli_html_cmd = {
	"html",
	"[-c INVENTORY] [--store PATH] --out DIR",
	"write the dashboard's pages as static files",
	"Writes the pages kong serve shows (the board, the wallboard, failed,\n"
	"runs, every site, pair, type and server), their badges and API files\n"
	"under DIR, linked relative to each other, from the store.",
	CLI_INVENTORY,
	html_options,
	0,
	html_exec,
};
