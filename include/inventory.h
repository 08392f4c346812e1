/*
 * inventory.h: the fleet Kong checks.
 *
 * An inventory is read from one INI file or a directory of them (merged in
 * name order) with inih: global settings ([kong]), servers, site types,
 * sites and tests. After loading it is immutable and shared by everything
 * that runs; every problem found while loading is reported as FILE:LINE.
 */
#ifndef KONG_INVENTORY_H
#define KONG_INVENTORY_H

#include <jansson.h>

#include "diag.h"
#include "map.h"
#include "settings.h"

struct template;

struct server {
	char	*name;
	char	*address;
	json_t	*attrs;			/* every key, address included */
	const char *file;
	int	 line;
};

struct site_type {
	char	*name;
	char   **managers;
	char   **recipients;		/* managers, then [kong] admins */
	char   **test_names;
	json_t	*attrs;
	const char *file;
	int	 line;
};

/* Which sites a test's captures must agree across (same_across). */
enum same_across {
	SAME_NONE,		/* each site on its own */
	SAME_TYPE,		/* the sites of one type */
	SAME_TAG,		/* the sites that carry one tag, for each tag */
	SAME_FLEET,		/* every site selected */
};

struct test {
	char		*name;
	char		*path;		/* the .twill file, or NULL for a body */
	struct source	*src;		/* the template text */
	char	       **types;
	char	       **sites;
	char	       **tags;
	long		 deadline_ms;	/* 0 = the global deadline */
	enum same_across same_across;	/* captures every site must agree on */
	const char	*file;
	int		 line;
	struct template	*tpl;		/* parsed on demand, see test_template */
	int		 tpl_failed;
	json_t		*secrets;	/* the inventory's, borrowed */
};

struct site {
	char		 *name;
	char		 *url;
	char		 *type_name;
	struct site_type *type;
	char		**tags;
	char		**server_names;
	struct server	**servers;
	size_t		  nservers;
	char		**managers;
	char		**recipients;	/* its, its type's, then admins */
	char		**test_names;
	int		  live;
	int		  insecure;
	json_t		 *attrs;	/* the free attributes */
	const char	 *file;
	int		  line;
	struct test	**tests;	/* every test that applies, in test order */
	size_t		  ntests;
};

struct inventory {
	char			 *path;		/* what -c named */
	char			 *dir;		/* its directory, for relative paths */
	struct settings		  settings;
	struct server		**servers;
	size_t			  nservers;
	struct site_type	**types;
	size_t			  ntypes;
	struct site		**sites;
	size_t			  nsites;
	struct test		**tests;
	size_t			  ntests;
	struct map		  index;	/* "KIND NAME" -> object */
	char			**files;	/* the files read; objects point here */
	char			**recipients;	/* [kong] admins, deduplicated */
	json_t			 *secrets;	/* {{ secret.NAME }}: name -> value */
	size_t			  nfiles;
};

/* Selectors: glob patterns from --site, --type, --test, --server, --tag. */
struct selection {
	char	**site;
	size_t	  nsite;
	char	**type;
	size_t	  ntype;
	char	**test;
	size_t	  ntest;
	char	**server;
	size_t	  nserver;
	char	**tag;
	size_t	  ntag;
};

/* One (site, test[, server]) check. */
struct pair {
	struct site	*site;
	struct test	*test;
	struct server	*server;	/* NULL unless fanned out per server */
};

struct inventory *inventory_load(const char *, struct diag *);
void		 inventory_free(struct inventory *);
struct site	*inventory_site(const struct inventory *, const char *);
struct test	*inventory_test(const struct inventory *, const char *);
struct site_type *inventory_type(const struct inventory *, const char *);
struct server	*inventory_server(const struct inventory *, const char *);
const char	*inventory_default_path(void);

void		 selection_init(struct selection *);
void		 selection_free(struct selection *);
void		 selection_add(char ***, size_t *, const char *);
int		 selection_empty(const struct selection *);
int		 selection_site(const struct selection *, const struct site *);
int		 selection_test(const struct selection *, const struct test *);
struct pair	*inventory_pairs(const struct inventory *,
		     const struct selection *, int, int, size_t *);

struct template	*test_template(struct test *, struct diag *);
json_t		*inventory_context(const struct site *, const struct test *,
		     const struct server *);
int		 inventory_render(struct test *, const struct site *,
		     const struct server *, struct buf *, struct source **,
		     struct diag *);

#endif
