/*
 * render.h: the dashboard's pages, drawn from the history store.
 *
 * One renderer for kong serve (pages answered from the loop) and kong
 * html (the same pages written as files): a URL path and query in, a
 * status, a content type and a body out. Every page reads only what it
 * shows (the latest rows, one page of history, rollups for its charts),
 * every value is escaped for where it goes (HTML text, attribute, URL,
 * SVG, JSON, Prometheus label), and no page needs JavaScript.
 */
#ifndef KONG_RENDER_H
#define KONG_RENDER_H

#include "inventory.h"
#include "store.h"

struct render;

#define RENDER_STATIC	0x1	/* links to files (kong html), not URLs */
#define RENDER_RUN	0x2	/* show "run now" forms (kong serve --allow-run) */

struct render_out {
	int		 status;	/* 200, 404, ... */
	const char	*ctype;
	struct buf	 body;
};

struct render	*render_create(struct store *, const struct inventory *, int);
void		 render_free(struct render *);
void		 render_set_csrf(struct render *, const char *);
void		 render_set_now(struct render *, uint64_t);
void		 render_page(struct render *, const char *, const char *,
		     struct render_out *);
void		 render_out_init(struct render_out *);
void		 render_out_free(struct render_out *);
char		*render_file_name(const char *, const char *);
char		**render_static_paths(struct render *);
void		 render_url_segment(struct buf *, const char *);

#endif
