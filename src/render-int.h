/*
 * render-int.h: what the renderer's files share (render.c: the helpers,
 * the board and the router; render-pages.c: site, pair, run and group
 * pages; render-api.c: JSON, badges, metrics and kong html's page list).
 */
#ifndef KONG_RENDER_INT_H
#define KONG_RENDER_INT_H

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <jansson.h>

#include "map.h"
#include "render.h"

#define RENDER_PAGE	50	/* history entries per page */
#define RENDER_MAX_PAGE	500

struct render {
	struct store		*store;
	sqlite3			*db;
	const struct inventory	*inv;
	int			 flags;
	uint64_t		 now;		/* 0: the clock */
	char			*csrf;
	const char		*root;		/* static: "../" per level */
	struct buf		 rootbuf;
	struct map		 written;	/* static: the paths written */
};

/* One row of latest joined with its pair. */
struct render_pair {
	int64_t		 id;
	const char	*site;
	const char	*test;
	const char	*server;
	const char	*type;
	const char	*url;
	int		 status;
	int		 eclass;
	int64_t		 start_us;
	int64_t		 duration_us;
	const char	*message;
	int64_t		 since_us;
	int64_t		 streak;
	const void	*spark;
	size_t		 nspark;
};

#define PAIR_COLUMNS	"p.id, p.site, p.test, p.server, p.type, p.url, "	\
	"l.status, l.eclass, l.start_us, l.duration_us, l.message, "	\
	"l.since_us, l.streak, l.spark"

/* Link kinds. */
enum render_link {
	L_BOARD, L_FAILED, L_DASHBOARD, L_RUNS, L_RUN, L_SITE, L_PAIR, L_TYPE,
	L_SERVER, L_CSS, L_BADGE_SITE, L_BADGE_PAIR, L_API_STATUS, L_METRICS,
	L_ALERTS, L_ALERT,
};

/* The board's filters: which pairs a row shows. */
struct render_filter {
	const char	*type;
	const char	*tag;
	const char	*server;
	const char	*status;	/* failing, passing, skipped */
};

#define BOARD_SQL "SELECT " PAIR_COLUMNS " FROM latest l JOIN pairs p ON "	\
	"p.id = l.pair ORDER BY p.site, p.test, p.server"

#define RESULT_COLUMNS "r.start_us, u.name, r.status, r.duration_us, "	\
	"r.attempts, r.message, p.site, p.test, p.server"

#define render_attr render_text

/* render.c */
const char *render_col(sqlite3_stmt *, int);
void	render_a(struct render *, struct buf *, enum render_link,
	    const char *, const char *, const char *, const char *);
void	render_duration(struct buf *, int64_t);
void	render_foot(struct render *, struct buf *);
void	render_head(struct render *, struct buf *, const char *, int);
void	render_href(struct render *, struct buf *, enum render_link,
	    const char *, const char *, const char *);
void	render_not_found(struct render *, struct render_out *, const char *);
uint64_t render_now(const struct render *);
void	render_pair_row(sqlite3_stmt *, struct render_pair *);
size_t	render_pairs_of(struct render *, struct buf *, sqlite3_stmt *, int,
	    const struct render_filter *);
const char *render_param(struct evkeyvalq *, const char *);
sqlite3_stmt *render_prepare(struct render *, const char *);
void	render_result_tr(struct render *, struct buf *, sqlite3_stmt *, int);
void	render_status(struct buf *, int);
const char *render_status_class(int);
const char *render_status_name(int);
void	render_text(struct buf *, const char *);
void	render_time(struct buf *, int64_t);

/* render-pages.c */
int64_t	render_before(struct evkeyvalq *);
void	render_group(struct render *, int, const char *, struct render_out *);
sqlite3_stmt *render_history_stmt(struct render *, int64_t, int64_t, int);
int64_t	render_pair_id(struct render *, const char *, const char *,
	    const char *);
void	render_pair_page(struct render *, const char *, const char *,
	    struct evkeyvalq *, struct render_out *);
void	render_run(struct render *, const char *, struct render_out *);
void	render_runs(struct render *, struct evkeyvalq *, struct render_out *);
void	render_site(struct render *, const char *, struct render_out *);

/* render-alerts.c */
void	render_alert(struct render *, const char *, struct render_out *);
void	render_alert_paths(struct render *, struct buf *, char ***, size_t *);
void	render_alerts(struct render *, struct evkeyvalq *, struct render_out *);
void	render_api_alerts(struct render *, const char *, struct evkeyvalq *,
	    struct render_out *);

/* render-api.c */
void	render_add_path(struct render *, char ***, size_t *, struct buf *);
void	render_api_history(struct render *, const char *, const char *,
	    struct evkeyvalq *, struct render_out *);
void	render_api_status(struct render *, struct render_out *);
void	render_badge(struct render *, const char *, const char *,
	    struct render_out *);
void	render_metrics(struct render *, struct render_out *);
void	render_json(struct render_out *, json_t *);
json_t	*render_jstr(const char *);
json_t	*render_jtime(int64_t);

#endif
