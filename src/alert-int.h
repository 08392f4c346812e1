/*
 * alert-int.h: what the alerting files share and nothing else sees.
 */
#ifndef KONG_ALERT_INT_H
#define KONG_ALERT_INT_H

#include "alert.h"

/* A pair's alerting state between runs. */
/* A run deciding this many pairs reads every pair's state at once. */
#define ALERT_LOAD_ALL	64

/* The largest threshold: runs in a row are counted up to it. */
#define ALERT_RUNS_MAX	1000

struct alert_pair {
	long		 fails;		/* failed runs in a row */
	long		 passes;	/* passed runs in a row */
	int		 alerted;	/* its failure was reported */
	int		 flapping;	/* reported as flapping */
	char		 history[65];	/* last outcomes, oldest first: P F */
	uint64_t	 notified_us;	/* when it was last reported */
	uint64_t	 since_us;	/* when it started failing */
};

int		 alert_db_begin(struct alert_db *);
int		 alert_db_commit(struct alert_db *);
int		 alert_pairs_load(struct alert_db *);
void		 alert_pairs_forget(struct alert_db *);
int		 alert_pair_get(struct alert_db *, const char *, const char *,
		     const char *, struct alert_pair *);
int		 alert_pair_put(struct alert_db *, const char *, const char *,
		     const char *, const struct alert_pair *);
char		*alert_meta_get(struct alert_db *, const char *);
int		 alert_meta_set(struct alert_db *, const char *, const char *);

#endif
