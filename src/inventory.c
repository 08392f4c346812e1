/*
 * inventory.c: reading the fleet (servers, types, sites, tests) with inih.
 *
 * inih reports neither line numbers nor lines past 200 bytes, so it reads
 * through inv_read_line, which counts lines, checks each one (binary data,
 * invalid UTF-8, over-long lines, lines that are not INI) and hands inih
 * lines that fit: a line too long for inih's buffer is passed as a short
 * stand-in and its key and value are taken from the reader instead. The
 * handler therefore always knows the file and line it is called for.
 *
 * Loading is two passes: every file is read into the model, then references
 * (site to type, server and test; test to type and site) are resolved and
 * checked. Every problem goes to the diag list as FILE:LINE; the inventory
 * is only returned when there were none.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <curl/curl.h>

#include "inventory.h"
#include "map.h"
#include "redact.h"
#include "template.h"

#define INV_MAX_LINE	16384	/* longest inventory line accepted */
#define INV_INIH_FIT	180	/* longest line given to inih as it is */
#define INV_INIH_NAME	48	/* longest key or section inih keeps */

enum inv_kind {
	INV_NONE,		/* no section yet, or a bad one */
	INV_KONG,
	INV_SERVER,
	INV_TYPE,
	INV_SITE,
	INV_TEST,
};

/* Lines where things were written, for messages about them later. */
struct inv_where {
	char	*file;
	int	 line;
};

/* Site fields that are checked once every file is read. */
struct inv_site_extra {
	struct site	*site;
	int		 url_line;
	int		 type_line;
	int		 servers_line;
	int		 tests_line;
};

struct inv_test_extra {
	struct test	*test;
	char		*body;		/* inline body, being collected */
	int		*body_lines;	/* file line of each body line */
	int		*body_cols;	/* column shift of each body line */
	size_t		 nbody;
	int		 file_line;
	int		 body_line;
	int		 types_line;
	int		 sites_line;
};

struct inv_type_extra {
	struct site_type *type;
	int		 tests_line;
};

/* A free attribute whose name is a near miss of a built-in key. */
struct inv_near {
	const char	*file;
	int		 line;
	const char	*kind;
	char		*section;
	char		*key;
	const char	*known;
};

struct inv_load {
	struct inventory	*inv;
	struct diag		*diag;
	struct inv_near		*nears;		/* checked once [kong] is read */
	size_t			 nnears;
	char			*section;	/* the current section's name */

	/* The file being read and the reader's position in it. */
	const char		*file;
	const char		*text;
	size_t			 len;
	size_t			 pos;
	int			 lineno;
	const char		*raw;		/* the current physical line */
	size_t			 rawlen;
	int			 have_prev;	/* a key was seen in this section */
	int			 cont;		/* this line continues the last key */
	int			 skip;		/* this line was rejected */
	char			*okey;		/* key and value of a stand-in line */
	char			*ovalue;
	size_t			 value_col;	/* where the value starts */

	/* The section being read. */
	enum inv_kind		 kind;
	void			*cur;
	json_t			*seen;		/* key -> line, in this section */
	int			 nsections;	/* headers seen in this file */
	char			*last_key;

	struct inv_site_extra	*sites;
	size_t			 nsites;
	struct inv_test_extra	*tests;
	size_t			 ntests;
	struct inv_type_extra	*types;
	size_t			 ntypes;
	json_t			*settings_seen;	/* [kong] key -> "file:line" */
};

static void	inv_index(struct inventory *, const char *, const char *,
		    void *);
static void	*inv_lookup(const struct inventory *, const char *,
		    const char *);

/*
 * The empty list every object starts with: sites of a big fleet mostly
 * have no tags, managers or tests of their own, and an allocation each
 * would cost more than the site. Never freed, never written.
 */
static char	*inv_none[1];

/* Free a list unless it is the shared empty one. */
static void
inv_free_list(char **v)
{
	if (v != inv_none)
		free_strv(v);
}

static const char *inv_kind_names[] = {
	[INV_KONG] = "kong",
	[INV_SERVER] = "server",
	[INV_TYPE] = "type",
	[INV_SITE] = "site",
	[INV_TEST] = "test",
};

/* Where the inventory is when -c is not given. */
const char *
inventory_default_path(void)
{
	const char	*env = getenv("KONG_INVENTORY");

	return (env != NULL && *env != '\0' ? env : "kong.ini");
}

static void
inv_error(struct inv_load *l, int line, const char *fmt, ...)
    KONG_PRINTF(3, 4);

/* Report a problem at a line of the file being read. */
static void
inv_error(struct inv_load *l, int line, const char *fmt, ...)
{
	struct buf	b;
	va_list		ap;

	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	diag_line(l->diag, DIAG_ERROR, l->file, line, "%s", b.data);
	buf_free(&b);
}

/* Report a problem at a line of another file. */
static void
inv_error_in(struct inv_load *l, const char *file, int line, const char *fmt,
    ...) KONG_PRINTF(4, 5);

static void
inv_error_in(struct inv_load *l, const char *file, int line, const char *fmt,
    ...)
{
	struct buf	b;
	va_list		ap;

	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	diag_line(l->diag, DIAG_ERROR, file, line, "%s", b.data);
	buf_free(&b);
}

/* Whether c may appear in a name: letters, digits, and - _ . @ + */
static int
inv_name_char(unsigned char c)
{
	return (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '@' ||
	    c == '+' || c >= 0x80);
}

/* Append obj to an array of pointers. */
#define INV_PUSH(arr, n, obj) do {					\
	(arr) = xreallocarray((arr), (n) + 1, sizeof *(arr));		\
	(arr)[(n)++] = (obj);						\
} while (0)

/* Append a zeroed loader record for obj (its field) to an array. */
#define INV_PUSH_EXTRA(arr, n, field, obj) do {				\
	(arr) = xreallocarray((arr), (n) + 1, sizeof *(arr));		\
	memset(&(arr)[(n)], 0, sizeof *(arr));				\
	(arr)[(n)++].field = (obj);					\
} while (0)

/* A new object of a section kind, added to the inventory and its loader. */
static void *
inv_new_object(struct inv_load *l, enum inv_kind k, const char *name)
{
	struct inventory *inv = l->inv;

	switch (k) {
	case INV_SERVER: {
		struct server	*s = xcalloc(1, sizeof *s);

		s->name = xstrdup(name);
		s->file = l->file;
		s->line = l->lineno;
		INV_PUSH(inv->servers, inv->nservers, s);
		return (s);
	}
	case INV_TYPE: {
		struct site_type *t = xcalloc(1, sizeof *t);

		t->name = xstrdup(name);
		t->managers = inv_none;
		t->test_names = inv_none;
		t->file = l->file;
		t->line = l->lineno;
		INV_PUSH(inv->types, inv->ntypes, t);
		INV_PUSH_EXTRA(l->types, l->ntypes, type, t);
		return (t);
	}
	case INV_SITE: {
		struct site	*s = xcalloc(1, sizeof *s);

		s->name = xstrdup(name);
		s->tags = inv_none;
		s->server_names = inv_none;
		s->managers = inv_none;
		s->test_names = inv_none;
		s->live = 1;
		s->file = l->file;
		s->line = l->lineno;
		INV_PUSH(inv->sites, inv->nsites, s);
		INV_PUSH_EXTRA(l->sites, l->nsites, site, s);
		return (s);
	}
	case INV_TEST: {
		struct test	*t = xcalloc(1, sizeof *t);

		t->name = xstrdup(name);
		t->types = inv_none;
		t->sites = inv_none;
		t->tags = inv_none;
		t->file = l->file;
		t->line = l->lineno;
		INV_PUSH(inv->tests, inv->ntests, t);
		INV_PUSH_EXTRA(l->tests, l->ntests, test, t);
		return (t);
	}
	default:
		break;
	}
	return (NULL);
}

/* Where an object of the inventory was defined. */
static void
inv_where(enum inv_kind k, const void *obj, const char **file, int *line)
{
	switch (k) {
	case INV_SERVER:
		*file = ((const struct server *)obj)->file;
		*line = ((const struct server *)obj)->line;
		break;
	case INV_TYPE:
		*file = ((const struct site_type *)obj)->file;
		*line = ((const struct site_type *)obj)->line;
		break;
	case INV_SITE:
		*file = ((const struct site *)obj)->file;
		*line = ((const struct site *)obj)->line;
		break;
	case INV_TEST:
		*file = ((const struct test *)obj)->file;
		*line = ((const struct test *)obj)->line;
		break;
	default:
		*file = "?";
		*line = 0;
		break;
	}
}

/* The inventory's own copy of a file name, shared by what it defines. */
static const char *
inv_intern(struct inventory *inv, const char *path)
{
	size_t	i;

	for (i = 0; i < inv->nfiles; i++) {
		if (strcmp(inv->files[i], path) == 0)
			return (inv->files[i]);
	}
	inv->files = xreallocarray(inv->files, inv->nfiles + 1,
	    sizeof *inv->files);
	inv->files[inv->nfiles] = xstrdup(path);
	return (inv->files[inv->nfiles++]);
}

/* Check a section header "[kind name]" and start that section. */
static void
inv_section(struct inv_load *l, const char *h, size_t hlen)
{
	struct inventory *inv = l->inv;
	char		*kind, *name = NULL;
	const char	*p, *e = h + hlen, *ffile;
	size_t		 i;
	enum inv_kind	 k = INV_NONE;
	void		*first;
	int		 fline;

	l->kind = INV_NONE;
	l->cur = NULL;
	l->have_prev = 0;
	l->nsections++;
	json_object_clear(l->seen);
	free(l->last_key);
	l->last_key = NULL;

	while (h < e && isspace((unsigned char)*h))
		h++;
	while (e > h && isspace((unsigned char)e[-1]))
		e--;
	for (p = h; p < e && !isspace((unsigned char)*p); p++)
		;
	kind = xstrndup(h, (size_t)(p - h));
	while (p < e && isspace((unsigned char)*p))
		p++;
	if (p < e)
		name = xstrndup(p, (size_t)(e - p));

	for (i = 1; i < nitems(inv_kind_names); i++) {
		if (strcmp(kind, inv_kind_names[i]) == 0)
			k = (enum inv_kind)i;
	}
	if (k == INV_NONE) {
		if (*kind == '\0')
			inv_error(l, l->lineno, "empty section header; expected "
			    "[kong], [server NAME], [type NAME], [site NAME] or "
			    "[test NAME]");
		else
			inv_error(l, l->lineno, "unknown section kind '%s'; "
			    "expected kong, server, type, site or test", kind);
		goto out;
	}
	if (k == INV_KONG) {
		if (name != NULL) {
			inv_error(l, l->lineno, "[kong] takes no name "
			    "(found '%s')", name);
			goto out;
		}
		l->kind = INV_KONG;
		goto out;
	}
	if (name == NULL) {
		inv_error(l, l->lineno, "[%s] needs a name: [%s NAME]", kind,
		    kind);
		goto out;
	}
	for (p = name; *p != '\0'; p++) {
		if (!inv_name_char((unsigned char)*p)) {
			inv_error(l, l->lineno, "bad character '%c' in %s name "
			    "'%s'; names use letters, digits and - _ . @ +",
			    isprint((unsigned char)*p) ? *p : '?', kind, name);
			goto out;
		}
	}
	if ((first = inv_lookup(inv, kind, name)) != NULL) {
		inv_where(k, first, &ffile, &fline);
		inv_error(l, l->lineno, "duplicate %s '%s' (first defined at "
		    "%s:%d)", kind, name, ffile, fline);
		goto out;
	}

	l->kind = k;
	free(l->section);
	l->section = xstrdup(name);
	l->cur = inv_new_object(l, k, name);
	if (l->cur != NULL)
		inv_index(inv, kind, name, l->cur);
out:
	free(kind);
	free(name);
}

/* A value as inih leaves it: inline comment (';' after space) cut, stripped. */
static char *
inv_value(const char *v, const char *e)
{
	const char	*ve;

	for (ve = v; ve < e; ve++) {
		if (*ve == ';' && (ve == v || isspace((unsigned char)ve[-1])))
			break;
	}
	while (v < ve && isspace((unsigned char)*v))
		v++;
	while (ve > v && isspace((unsigned char)ve[-1]))
		ve--;
	return (xstrndup(v, (size_t)(ve - v)));
}

/*
 * Split a key line the way inih does: key before the first '=' or ':',
 * value after it. Used for lines too long to give inih.
 */
static void
inv_split(const char *line, size_t len, char **key, char **value)
{
	const char	*e = line + len, *sep, *k, *ke;

	for (sep = line; sep < e && *sep != '=' && *sep != ':'; sep++)
		;
	for (k = line; k < sep && isspace((unsigned char)*k); k++)
		;
	for (ke = sep; ke > k && isspace((unsigned char)ke[-1]); ke--)
		;
	*key = xstrndup(k, (size_t)(ke - k));
	*value = inv_value(sep < e ? sep + 1 : e, e);
}

/* A section header line ("[kind name]"), checked; inih gets "[s]". */
static char *
inv_header_line(struct inv_load *l, char *str, const char *p, const char *e)
{
	const char	*close = memchr(p, ']', (size_t)(e - p)), *q;

	if (close == NULL) {
		inv_error(l, l->lineno, "section header without ']': expected "
		    "[KIND NAME]");
		l->kind = INV_NONE;
		l->cur = NULL;
		l->have_prev = 0;
		l->skip = 1;
		return (str);
	}
	for (q = close + 1; q < e; q++) {
		if (*q == ';' || *q == '#')
			break;
		if (!isspace((unsigned char)*q)) {
			inv_error(l, l->lineno, "text after ']' in a section "
			    "header");
			break;
		}
	}
	inv_section(l, p + 1, (size_t)(close - p - 1));
	strcpy(str, "[s]\n");
	return (str);
}

/*
 * A key line ("key = value"), handed to inih without its indentation, or
 * as a stand-in when it is too long for inih's buffer.
 */
static char *
inv_key_line(struct inv_load *l, char *str, int num, const char *line,
    size_t len, size_t lead)
{
	const char	*p, *e = line + len;

	/* A key line: one word, then '=' or ':'. */
	for (p = line + lead; p < e && *p != '=' && *p != ':'; p++) {
		if (isspace((unsigned char)*p)) {
			const char *q = p;

			while (q < e && isspace((unsigned char)*q))
				q++;
			if (q < e && *q != '=' && *q != ':') {
				p = e;
				break;
			}
		}
	}
	if (p == e) {
		inv_error(l, l->lineno, "expected 'key = value', '[KIND NAME]' "
		    "or a comment");
		l->skip = 1;
		return (str);
	}
	l->have_prev = 1;
	for (l->value_col = (size_t)(p - line) + 1; l->value_col < len &&
	    isspace((unsigned char)line[l->value_col]); l->value_col++)
		;
	if (len + 2 > (size_t)num || len > INV_INIH_FIT ||
	    (size_t)(p - line) > INV_INIH_NAME) {
		inv_split(line, len, &l->okey, &l->ovalue);
		strcpy(str, "\x01=\x01\n");
		return (str);
	}
	/* Without its indentation, so that inih never takes it as a continuation. */
	memcpy(str, line + lead, len - lead);
	str[len - lead] = '\n';
	str[len - lead + 1] = '\0';
	return (str);
}
/*
 * inih's reader: hand over the next line, checked. Lines that must not
 * reach inih are replaced by an empty line; lines too long for its buffer
 * by a short stand-in whose key and value the handler takes from l.
 */
static char *
inv_read_line(char *str, int num, void *stream)
{
	struct inv_load	*l = stream;
	const char	*line, *nl, *p, *e;
	size_t		 len, lead;

	if (l->pos >= l->len)
		return (NULL);
	line = l->text + l->pos;
	nl = memchr(line, '\n', l->len - l->pos);
	len = nl != NULL ? (size_t)(nl - line) : l->len - l->pos;
	l->pos += len + (nl != NULL);
	l->lineno++;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (l->lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	l->raw = line;
	l->rawlen = len;
	l->cont = 0;
	l->skip = 0;
	free(l->okey);
	free(l->ovalue);
	l->okey = l->ovalue = NULL;
	str[0] = '\n';
	str[1] = '\0';

	if (memchr(line, '\0', len) != NULL) {
		inv_error(l, l->lineno, "binary data (a NUL byte); an inventory "
		    "is UTF-8 text");
		l->skip = 1;
		return (str);
	}
	if (len > INV_MAX_LINE) {
		inv_error(l, l->lineno, "line too long (%zu bytes; at most %d)",
		    len, INV_MAX_LINE);
		l->skip = 1;
		return (str);
	}
	if (!utf8_is_valid(line, len)) {
		inv_error(l, l->lineno, "invalid UTF-8 at byte %zu; an "
		    "inventory is UTF-8 text", utf8_valid_prefix(line, len) + 1);
		l->skip = 1;
		return (str);
	}

	e = line + len;
	for (p = line; p < e && isspace((unsigned char)*p); p++)
		;
	lead = (size_t)(p - line);
	if (p == e || *p == ';' || *p == '#')
		return (str);		/* blank or comment: nothing for inih */

	if (lead > 0 && l->have_prev) {
		/* A continuation of the last key's value. */
		l->cont = 1;
		l->value_col = lead;
		if (len + 2 > (size_t)num || len > INV_INIH_FIT) {
			l->ovalue = inv_value(p, e);
			strcpy(str, " \x01\n");
			return (str);
		}
		memcpy(str, line, len);
		str[len] = '\n';
		str[len + 1] = '\0';
		return (str);
	}

	if (*p == '[')
		return (inv_header_line(l, str, p, e));

	return (inv_key_line(l, str, num, line, len, lead));
}

/* Parse a list value into a fresh vector, replacing *v. */
static void
inv_set_list(char ***v, const char *value)
{
	size_t	n;

	inv_free_list(*v);
	*v = split_list(value, &n);
	if (n == 0) {
		free(*v);
		*v = inv_none;
	}
}

/* Append a continuation line's words to a list. */
static void
inv_add_list(char ***v, const char *value)
{
	char	**more;
	size_t	  n, m, i;

	more = split_list(value, &m);
	if (m == 0) {
		free(more);
		return;
	}
	n = strv_len(*v);
	*v = xreallocarray(*v == inv_none ? NULL : *v, n + m + 1, sizeof **v);
	for (i = 0; i < m; i++)
		(*v)[n + i] = more[i];
	(*v)[n + m] = NULL;
	free(more);
}

static int
inv_bool(struct inv_load *l, const char *key, const char *value, int *out)
{
	if (parse_bool(value, out) == 0)
		return (0);
	inv_error(l, l->lineno, "'%s' must be yes or no (or true/false, "
	    "on/off, 1/0), not '%s'", key, value);
	return (-1);
}

static int
inv_duration(struct inv_load *l, const char *key, const char *value, long *out)
{
	if (parse_duration_ms(value, out) == 0)
		return (0);
	inv_error(l, l->lineno, "'%s' must be a duration such as 500ms, 10s "
	    "or 2m, not '%s'", key, value);
	return (-1);
}

/*
 * A key of [kong]: a setting of the table in settings.h, parsed there. A
 * continuation line (append) extends a list.
 */
static void
inv_kong_key(struct inv_load *l, const char *key, const char *value,
    int append)
{
	struct settings			*s = &l->inv->settings;
	const struct setting_info	*info;
	struct buf			 known;
	char				*cause;
	size_t				 i, id;

	if ((info = settings_find(key)) == NULL &&
	    (info = settings_near(key)) != NULL) {
		inv_error(l, l->lineno, "unknown setting '%s' in [kong]; did you "
		    "mean '%s'?", key, info->key);
		return;
	}
	if (info == NULL) {
		buf_init(&known);
		for (i = 0; i < SETTINGS_COUNT; i++)
			buf_printf(&known, "%s%s", i > 0 ? ", " : "",
			    settings_table[i].key);
		inv_error(l, l->lineno, "unknown setting '%s' in [kong]; known: "
		    "%s", key, known.data);
		buf_free(&known);
		return;
	}
	if (settings_set(s, info, value, append ? SETTINGS_APPEND : 0,
	    &cause) != 0) {
		inv_error(l, l->lineno, "%s", cause);
		free(cause);
		return;
	}
	id = (size_t)(info - settings_table);
	if (!append) {
		free(s->origin[id].file);
		s->origin[id].file = xstrdup(l->file);
		s->origin[id].line = l->lineno;
	}
}

/* The keys each kind of section knows, besides free attributes. */
static const char *inv_site_keys[] = { "url", "type", "tags", "servers",
    "managers", "tests", "live", "insecure", NULL };
static const char *inv_type_keys[] = { "managers", "tests", NULL };
static const char *inv_server_keys[] = { "address", NULL };
static const char *inv_test_keys[] = { "file", "body", "types", "sites",
    "tags", "deadline", "same_across", NULL };

/*
 * The known key that key is a near miss of (one edit; two for long keys),
 * or NULL: "tag" for "tags", "types" for "type", "adress" for "address".
 */
static const char *
inv_near_key(const char *key, const char **known)
{
	size_t	d, n;

	for (; *known != NULL; known++) {
		d = levenshtein(key, *known);
		n = strlen(key) < strlen(*known) ? strlen(key) : strlen(*known);
		if (d == 1 || (d == 2 && n >= 6))
			return (*known);
	}
	return (NULL);
}

/*
 * Store a free attribute, refusing keys that would hide a built-in one.
 * A near miss of a built-in key is kept, to be refused once every file is
 * read, unless [kong] attributes declares it.
 */
static void
inv_attr(struct inv_load *l, json_t **attrs, const char *kind, const char *key,
    const char *value)
{
	const char	*near;
	struct inv_near	*nm;

	if (strcmp(key, "name") == 0) {
		inv_error(l, l->lineno, "a %s's name comes from its section "
		    "header, not from a 'name' key", kind);
		return;
	}
	if (!isalpha((unsigned char)*key) && *key != '_') {
		inv_error(l, l->lineno, "bad key '%s': keys start with a letter",
		    key);
		return;
	}
	for (const char *p = key; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_') {
			inv_error(l, l->lineno, "bad key '%s': keys use letters, "
			    "digits and _ (templates read them as "
			    "{{ %s.KEY }})", key, kind);
			return;
		}
	}
	near = inv_near_key(key, strcmp(kind, "site") == 0 ? inv_site_keys :
	    strcmp(kind, "type") == 0 ? inv_type_keys : inv_server_keys);
	if (near != NULL) {
		l->nears = xreallocarray(l->nears, l->nnears + 1,
		    sizeof *l->nears);
		nm = &l->nears[l->nnears++];
		nm->file = l->file;
		nm->line = l->lineno;
		nm->kind = kind;
		nm->section = xstrdup(l->section);
		nm->key = xstrdup(key);
		nm->known = near;
	}
	if (*attrs == NULL)
		*attrs = json_object();
	json_object_set_new(*attrs, key, json_string(value));
}

static void
inv_server_key(struct inv_load *l, struct server *s, const char *key,
    const char *value)
{
	if (strcmp(key, "address") == 0) {
		if (*value == '\0') {
			inv_error(l, l->lineno, "'address' needs a host name or "
			    "an IP address");
			return;
		}
		free(s->address);
		s->address = xstrdup(value);
	}
	inv_attr(l, &s->attrs, "server", key, value);
}

static void
inv_type_key(struct inv_load *l, struct site_type *t, const char *key,
    const char *value)
{
	if (strcmp(key, "managers") == 0)
		inv_set_list(&t->managers, value);
	else if (strcmp(key, "tests") == 0) {
		inv_set_list(&t->test_names, value);
		l->types[l->ntypes - 1].tests_line = l->lineno;
	} else
		inv_attr(l, &t->attrs, "type", key, value);
}

static void
inv_site_key(struct inv_load *l, struct site *s, const char *key,
    const char *value)
{
	struct inv_site_extra	*x = &l->sites[l->nsites - 1];

	if (strcmp(key, "url") == 0) {
		free(s->url);
		s->url = xstrdup(value);
		x->url_line = l->lineno;
	} else if (strcmp(key, "type") == 0) {
		free(s->type_name);
		s->type_name = *value != '\0' ? xstrdup(value) : NULL;
		x->type_line = l->lineno;
	} else if (strcmp(key, "tags") == 0)
		inv_set_list(&s->tags, value);
	else if (strcmp(key, "servers") == 0) {
		inv_set_list(&s->server_names, value);
		x->servers_line = l->lineno;
	} else if (strcmp(key, "managers") == 0)
		inv_set_list(&s->managers, value);
	else if (strcmp(key, "tests") == 0) {
		inv_set_list(&s->test_names, value);
		x->tests_line = l->lineno;
	} else if (strcmp(key, "live") == 0)
		inv_bool(l, key, value, &s->live);
	else if (strcmp(key, "insecure") == 0)
		inv_bool(l, key, value, &s->insecure);
	else
		inv_attr(l, &s->attrs, "site", key, value);
}

/* Add one line to a test's inline body, remembering where it came from. */
static void
inv_body_line(struct inv_load *l, struct inv_test_extra *x, const char *value)
{
	struct buf	b;

	buf_init(&b);
	if (x->body != NULL) {
		buf_adds(&b, x->body);
		buf_addc(&b, '\n');
		free(x->body);
	}
	buf_adds(&b, value);
	x->body = buf_steal(&b);
	x->body_lines = xreallocarray(x->body_lines, x->nbody + 1,
	    sizeof *x->body_lines);
	x->body_cols = xreallocarray(x->body_cols, x->nbody + 1,
	    sizeof *x->body_cols);
	x->body_lines[x->nbody] = l->lineno;
	x->body_cols[x->nbody] = (int)utf8_columns(l->raw, l->value_col);
	x->nbody++;
}

static void
inv_test_key(struct inv_load *l, struct test *t, const char *key,
    const char *value)
{
	struct inv_test_extra	*x = &l->tests[l->ntests - 1];

	if (strcmp(key, "file") == 0) {
		char *dir = path_dirname(l->file);

		if (*value == '\0') {
			inv_error(l, l->lineno, "'file' needs a path to a .twill "
			    "file");
			free(dir);
			return;
		}
		free(t->path);
		t->path = path_join(dir, value);
		x->file_line = l->lineno;
		free(dir);
	} else if (strcmp(key, "body") == 0) {
		x->body_line = l->lineno;
		if (*value != '\0')
			inv_body_line(l, x, value);
	} else if (strcmp(key, "types") == 0) {
		inv_set_list(&t->types, value);
		x->types_line = l->lineno;
	} else if (strcmp(key, "sites") == 0) {
		inv_set_list(&t->sites, value);
		x->sites_line = l->lineno;
	} else if (strcmp(key, "tags") == 0)
		inv_set_list(&t->tags, value);
	else if (strcmp(key, "deadline") == 0)
		inv_duration(l, key, value, &t->deadline_ms);
	else if (strcmp(key, "same_across") == 0) {
		if (strcmp(value, "type") == 0)
			t->same_across = SAME_TYPE;
		else if (strcmp(value, "tag") == 0)
			t->same_across = SAME_TAG;
		else if (strcmp(value, "fleet") == 0)
			t->same_across = SAME_FLEET;
		else
			inv_error(l, l->lineno, "same_across is type, tag or "
			    "fleet, not '%s'", value);
	} else if (inv_near_key(key, inv_test_keys) != NULL)
		inv_error(l, l->lineno, "unknown key '%s' in [test %s]; did you "
		    "mean '%s'?", key, t->name, inv_near_key(key, inv_test_keys));
	else
		inv_error(l, l->lineno, "unknown key '%s' in [test %s]; known: "
		    "file, body, types, sites, tags, deadline, same_across", key, t->name);
}

/* A continuation line: only bodies and lists go on over several lines. */
static void
inv_continue(struct inv_load *l, const char *value)
{
	const char	*key = l->last_key;

	if (key == NULL || (l->cur == NULL && l->kind != INV_KONG))
		return;
	if (l->kind == INV_TEST && strcmp(key, "body") == 0) {
		inv_body_line(l, &l->tests[l->ntests - 1], value);
		return;
	}
	if (strcmp(key, "tags") == 0 || strcmp(key, "managers") == 0 ||
	    strcmp(key, "servers") == 0 || strcmp(key, "tests") == 0 ||
	    strcmp(key, "types") == 0 || strcmp(key, "sites") == 0 ||
	    strcmp(key, "resolve") == 0) {
		switch (l->kind) {
		case INV_KONG:
			if (strcmp(key, "resolve") == 0) {
				inv_kong_key(l, key, value, 1);
				return;
			}
			break;
		case INV_SITE: {
			struct site *s = l->cur;

			if (strcmp(key, "tags") == 0)
				inv_add_list(&s->tags, value);
			else if (strcmp(key, "managers") == 0)
				inv_add_list(&s->managers, value);
			else if (strcmp(key, "servers") == 0)
				inv_add_list(&s->server_names, value);
			else if (strcmp(key, "tests") == 0)
				inv_add_list(&s->test_names, value);
			return;
		}
		case INV_TYPE: {
			struct site_type *t = l->cur;

			if (strcmp(key, "managers") == 0)
				inv_add_list(&t->managers, value);
			else if (strcmp(key, "tests") == 0)
				inv_add_list(&t->test_names, value);
			return;
		}
		case INV_TEST: {
			struct test *t = l->cur;

			if (strcmp(key, "types") == 0)
				inv_add_list(&t->types, value);
			else if (strcmp(key, "sites") == 0)
				inv_add_list(&t->sites, value);
			else if (strcmp(key, "tags") == 0)
				inv_add_list(&t->tags, value);
			return;
		}
		default:
			break;
		}
	}
	inv_error(l, l->lineno, "indented line continues '%s', which takes "
	    "one line; only a test's body and lists go on over several "
	    "indented lines", key);
}

/* inih's handler: one key (or continuation line) of the current section. */
static int
inv_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct inv_load	*l = user;
	const char	*key = l->okey != NULL ? l->okey : name;
	const char	*val = l->ovalue != NULL ? l->ovalue : value;
	json_t		*at;

	(void)section;
	if (l->skip)
		return (1);
	if (l->cont) {
		if (l->kind != INV_NONE)
			inv_continue(l, val);
		return (1);
	}
	if (l->kind == INV_NONE) {
		if (l->nsections == 0)
			inv_error(l, l->lineno, "'%s' is outside any section; "
			    "put it under [kong], [server NAME], [type NAME], "
			    "[site NAME] or [test NAME]", key);
		return (1);
	}
	if (*key == '\0') {
		inv_error(l, l->lineno, "empty key before '='");
		return (1);
	}
	if ((at = json_object_get(l->seen, key)) != NULL) {
		inv_error(l, l->lineno, "duplicate key '%s' (first set at line "
		    "%d)", key, (int)json_integer_value(at));
		return (1);
	}
	json_object_set_new(l->seen, key, json_integer(l->lineno));
	free(l->last_key);
	l->last_key = xstrdup(key);

	switch (l->kind) {
	case INV_KONG:
		if ((at = json_object_get(l->settings_seen, key)) != NULL) {
			inv_error(l, l->lineno, "setting '%s' is set twice (first "
			    "at %s)", key, json_string_value(at));
			return (1);
		}
		{
			char *where = xstrfmt("%s:%d", l->file, l->lineno);

			json_object_set_new(l->settings_seen, key,
			    json_string(where));
			free(where);
		}
		inv_kong_key(l, key, val, 0);
		break;
	case INV_SERVER:
		inv_server_key(l, l->cur, key, val);
		break;
	case INV_TYPE:
		inv_type_key(l, l->cur, key, val);
		break;
	case INV_SITE:
		inv_site_key(l, l->cur, key, val);
		break;
	case INV_TEST:
		inv_test_key(l, l->cur, key, val);
		break;
	case INV_NONE:
		break;
	}
	return (1);
}

/* Read one INI file into the model. */
static void
inv_read(struct inv_load *l, const char *path)
{
	const char	*why;
	char		*text, *cause;
	size_t	 len;

	if ((text = read_file(path, 64 << 20, &len, &cause)) == NULL) {
		/* The cause starts with the path, which the diag shows already. */
		why = strncmp(cause, path, strlen(path)) == 0 &&
		    cause[strlen(path)] == ':' ? cause + strlen(path) + 2 : cause;
		diag_line(l->diag, DIAG_ERROR, path, 0, "cannot read the "
		    "inventory: %s%s", why, strstr(why, "directory") != NULL ?
		    " (an inventory directory holds *.ini files; rename or move "
		    "this one)" : "");
		free(cause);
		return;
	}
	l->file = inv_intern(l->inv, path);
	l->text = text;
	l->len = len;
	l->pos = 0;
	l->lineno = 0;
	l->kind = INV_NONE;
	l->cur = NULL;
	l->have_prev = 0;
	l->nsections = 0;
	json_object_clear(l->seen);
	free(l->last_key);
	l->last_key = NULL;
	if (len == 0)
		diag_line(l->diag, DIAG_WARNING, path, 0, "empty inventory file");
	ini_parse_stream(inv_read_line, l, inv_handler, l);
	free(l->okey);
	free(l->ovalue);
	l->okey = l->ovalue = NULL;
	free(text);
	l->text = NULL;
}

static int
inv_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* The *.ini files of a directory, in name order. Caller frees. */
static char **
inv_dir_files(const char *dir, size_t *np)
{
	DIR		 *d;
	struct dirent	 *de;
	char		**v = NULL;
	size_t		  n = 0, len;

	if ((d = opendir(dir)) == NULL)
		return (NULL);
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 5 ||
		    strcmp(de->d_name + len - 4, ".ini") != 0)
			continue;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = path_join(dir, de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof *v, inv_cmp);
	*np = n;
	return (v);
}

/* A "did you mean" hint for a name among candidates, or "". Caller frees. */
static char *
inv_hint(const char *name, char *const *cands, size_t n)
{
	size_t	i, d, best = SIZE_MAX, bi = 0;

	for (i = 0; i < n; i++) {
		d = levenshtein(name, cands[i]);
		if (d < best) {
			best = d;
			bi = i;
		}
	}
	if (n == 0 || best > 2 || best >= strlen(name))
		return (xstrdup(""));
	return (xstrfmt("; did you mean '%s'?", cands[bi]));
}

#define INV_NAMES(arr, n, field) do {					\
	size_t _i;							\
	names = xcalloc((n) + 1, sizeof *names);			\
	for (_i = 0; _i < (n); _i++)					\
		names[_i] = (arr)[_i]->field;				\
	nnames = (n);							\
} while (0)

/* Report a reference to something the inventory does not define. */
static void
inv_unknown(struct inv_load *l, const char *file, int line, const char *kind,
    const char *name)
{
	struct inventory	*inv = l->inv;
	char		       **names;
	char			*hint;
	size_t			 nnames;

	if (strcmp(kind, "type") == 0)
		INV_NAMES(inv->types, inv->ntypes, name);
	else if (strcmp(kind, "server") == 0)
		INV_NAMES(inv->servers, inv->nservers, name);
	else if (strcmp(kind, "site") == 0)
		INV_NAMES(inv->sites, inv->nsites, name);
	else
		INV_NAMES(inv->tests, inv->ntests, name);
	hint = inv_hint(name, names, nnames);
	inv_error_in(l, file, line, "unknown %s '%s'%s (define it with "
	    "[%s %s])", kind, name, hint, kind, name);
	free(hint);
	free(names);
}

/* Check a site's URL: http or https with a host. */
static void
inv_check_url(struct inv_load *l, struct site *s, int line)
{
	CURLU		*u;
	CURLUcode	 rc;
	char		*scheme = NULL, *host = NULL;

	u = curl_url();
	if (u == NULL)
		fatal("curl_url: out of memory");
	rc = curl_url_set(u, CURLUPART_URL, s->url, CURLU_NON_SUPPORT_SCHEME);
	if (rc != CURLUE_OK) {
		inv_error_in(l, s->file, line, "site '%s': malformed url '%s' "
		    "(%s); expected http://HOST/ or https://HOST/", s->name,
		    s->url, curl_url_strerror(rc));
		goto out;
	}
	curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	curl_url_get(u, CURLUPART_HOST, &host, 0);
	if (scheme == NULL || (strcmp(scheme, "http") != 0 &&
	    strcmp(scheme, "https") != 0))
		inv_error_in(l, s->file, line, "site '%s': url '%s' must "
		    "start with http:// or https://", s->name, s->url);
	else if (host == NULL || *host == '\0')
		inv_error_in(l, s->file, line, "site '%s': url '%s' has no "
		    "host", s->name, s->url);
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
}

/* Whether test t applies to site s. */
static int
inv_applies(const struct test *t, const struct site *s)
{
	size_t	i;

	if (s->type_name != NULL && strv_contains(t->types, s->type_name))
		return (1);
	if (strv_contains(t->sites, s->name))
		return (1);
	if (strv_contains(s->test_names, t->name))
		return (1);
	if (s->type != NULL && strv_contains(s->type->test_names, t->name))
		return (1);
	for (i = 0; s->tags[i] != NULL; i++) {
		if (strv_contains(t->tags, s->tags[i]))
			return (1);
	}
	return (0);
}

/* Load a test's text: its file, or its inline body mapped to its lines. */
static void
inv_test_source(struct inv_load *l, struct inv_test_extra *x)
{
	struct test	*t = x->test;
	char		*cause;

	if (t->path != NULL && x->body_line != 0) {
		inv_error_in(l, t->file, x->body_line, "test '%s' has both "
		    "'file' (line %d) and 'body'; keep one", t->name,
		    x->file_line);
		return;
	}
	if (t->path == NULL && x->body_line == 0) {
		inv_error_in(l, t->file, t->line, "test '%s' needs 'file = "
		    "PATH.twill' or an inline 'body'", t->name);
		return;
	}
	if (t->path != NULL) {
		if ((t->src = source_read(t->path, &cause)) == NULL) {
			inv_error_in(l, t->file, x->file_line, "test '%s': cannot "
			    "read its file: %s", t->name, cause);
			free(cause);
		}
		return;
	}
	if (x->body == NULL) {
		inv_error_in(l, t->file, x->body_line, "test '%s' has an empty "
		    "body; write the script on indented lines under 'body ='",
		    t->name);
		return;
	}
	t->src = source_create(t->file, x->body, strlen(x->body));
	source_set_map(t->src, x->body_lines, x->body_cols, x->nbody);
}

/*
 * The union of lists, in order, without repeats; the shared empty list
 * when it is empty. Caller frees with inv_free_list.
 */
static char **
inv_union(char *const *a, char *const *b, char *const *c)
{
	char *const	*in[3] = { a, b, c };
	char		**v = NULL;
	size_t		  n = 0, i, k;

	for (i = 0; i < nitems(in); i++) {
		for (k = 0; in[i] != NULL && in[i][k] != NULL; k++) {
			if (v != NULL && strv_contains(v, in[i][k]))
				continue;
			v = xreallocarray(v, n + 2, sizeof *v);
			v[n++] = xstrdup(in[i][k]);
			v[n] = NULL;
		}
	}
	return (v != NULL ? v : inv_none);
}

/*
 * Who hears about each site: its managers, its type's, then [kong] admins.
 * A site without managers of its own shares its type's list.
 */
static void
inv_recipients(struct inventory *inv)
{
	char *const	*admins = inv->settings.admins;
	struct site	*s;
	size_t		 i;

	for (i = 0; i < inv->ntypes; i++)
		inv->types[i]->recipients = inv_union(inv->types[i]->managers,
		    admins, NULL);
	inv->recipients = inv_union(admins, NULL, NULL);
	for (i = 0; i < inv->nsites; i++) {
		s = inv->sites[i];
		if (s->managers[0] != NULL)
			s->recipients = inv_union(s->managers, s->type != NULL ?
			    s->type->managers : NULL, admins);
		else
			s->recipients = s->type != NULL ? s->type->recipients :
			    inv->recipients;
	}
}

/* Add a secret, refusing what could not be kept out of what Kong writes. */
static void
inv_secret(struct inv_load *l, const char *file, int line, const char *name,
    const char *value)
{
	const char	*p;

	for (p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_')
			break;
	}
	if (*name == '\0' || *p != '\0' || isdigit((unsigned char)*name)) {
		inv_error_in(l, file, line, "secret name '%s' must be letters, "
		    "digits and _ ({{ secret.NAME }})", name);
		return;
	}
	if (strlen(value) < REDACT_MIN) {
		inv_error_in(l, file, line, "secret '%s' is shorter than %d "
		    "characters: Kong could not keep it out of its records", name,
		    REDACT_MIN);
		return;
	}
	json_object_set_new(l->inv->secrets, name, json_string(value));
	redact_add(value);
}

/*
 * The secrets: KONG_SECRET_NAME variables of the environment, then the
 * NAME=VALUE lines of [kong] secrets_file, which must be readable by its
 * owner only. Never from the inventory itself.
 */
static void
inv_secrets(struct inv_load *l)
{
	extern char		**environ;
	struct settings		 *set = &l->inv->settings;
	struct stat		  st;
	char			**e, *name, *dir, *path, *text, *cause, *line, *eq;
	char			 *save;
	size_t			  len;
	int			  n = 0;

	l->inv->secrets = json_object();
	for (e = environ; *e != NULL; e++) {
		if (strncmp(*e, "KONG_SECRET_", 12) != 0 ||
		    (eq = strchr(*e, '=')) == NULL)
			continue;
		name = xstrndup(*e + 12, (size_t)(eq - *e - 12));
		inv_secret(l, "environment", 0, name, eq + 1);
		free(name);
	}
	if (set->secrets_file == NULL)
		return;
	dir = path_dirname(set->origin[SETTING_secrets_file].file);
	path = path_join(dir, set->secrets_file);
	free(dir);
	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0) {
		inv_error_in(l, set->origin[SETTING_secrets_file].file,
		    set->origin[SETTING_secrets_file].line, "secrets_file %s "
		    "can be read by others (mode %04o); chmod 600 it", path,
		    (unsigned)(st.st_mode & 07777));
		free(path);
		return;
	}
	if ((text = read_file(path, 1 << 20, &len, &cause)) == NULL) {
		inv_error_in(l, set->origin[SETTING_secrets_file].file,
		    set->origin[SETTING_secrets_file].line, "cannot read the "
		    "secrets_file: %s", cause);
		free(cause);
		free(path);
		return;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		n++;
		line[strcspn(line, "\r")] = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			inv_error_in(l, path, n, "expected NAME=VALUE");
			continue;
		}
		*eq = '\0';
		inv_secret(l, path, n, line, eq + 1);
	}
	free(text);
	free(path);
}

/* Second pass: resolve and check every reference. */
static void
inv_resolve(struct inv_load *l)
{
	struct inventory	*inv = l->inv;
	struct inv_near		*nm;
	struct site		*s;
	struct site_type	*ty;
	struct test		*t;
	size_t			 i, j, n;

	for (i = 0; i < l->nnears; i++) {
		nm = &l->nears[i];
		if (!strv_contains(inv->settings.attributes, nm->key))
			inv_error_in(l, nm->file, nm->line, "unknown key '%s' in "
			    "[%s %s]; did you mean '%s'? (to keep '%s' as a free "
			    "attribute, declare it in [kong]: attributes = %s)",
			    nm->key, nm->kind, nm->section, nm->known, nm->key,
			    nm->key);
	}
	for (i = 0; i < l->ntypes; i++) {
		ty = l->types[i].type;
		for (j = 0; ty->test_names[j] != NULL; j++) {
			if (inventory_test(inv, ty->test_names[j]) == NULL)
				inv_unknown(l, ty->file, l->types[i].tests_line,
				    "test", ty->test_names[j]);
		}
	}
	for (i = 0; i < l->nsites; i++) {
		s = l->sites[i].site;
		if (s->url == NULL)
			inv_error_in(l, s->file, s->line, "site '%s' has no url; "
			    "add 'url = https://HOST/'", s->name);
		else
			inv_check_url(l, s, l->sites[i].url_line);
		if (s->type_name != NULL &&
		    (s->type = inventory_type(inv, s->type_name)) == NULL)
			inv_unknown(l, s->file, l->sites[i].type_line, "type",
			    s->type_name);
		n = strv_len(s->server_names);
		s->servers = n > 0 ? xcalloc(n + 1, sizeof *s->servers) : NULL;
		for (j = 0; j < n; j++) {
			s->servers[s->nservers] = inventory_server(inv,
			    s->server_names[j]);
			if (s->servers[s->nservers] == NULL)
				inv_unknown(l, s->file, l->sites[i].servers_line,
				    "server", s->server_names[j]);
			else
				s->nservers++;
		}
		for (j = 0; s->test_names[j] != NULL; j++) {
			if (inventory_test(inv, s->test_names[j]) == NULL)
				inv_unknown(l, s->file, l->sites[i].tests_line,
				    "test", s->test_names[j]);
		}
	}
	for (i = 0; i < inv->nservers; i++) {
		if (inv->servers[i]->address == NULL) {
			inv->servers[i]->address = xstrdup(inv->servers[i]->name);
			if (inv->servers[i]->attrs == NULL)
				inv->servers[i]->attrs = json_object();
			json_object_set_new(inv->servers[i]->attrs, "address",
			    json_string(inv->servers[i]->name));
		}
	}
	for (i = 0; i < l->ntests; i++) {
		t = l->tests[i].test;
		for (j = 0; t->types[j] != NULL; j++) {
			if (inventory_type(inv, t->types[j]) == NULL)
				inv_unknown(l, t->file, l->tests[i].types_line,
				    "type", t->types[j]);
		}
		for (j = 0; t->sites[j] != NULL; j++) {
			if (inventory_site(inv, t->sites[j]) == NULL)
				inv_unknown(l, t->file, l->tests[i].sites_line,
				    "site", t->sites[j]);
		}
		inv_test_source(l, &l->tests[i]);
	}
	inv_recipients(inv);
	inv_secrets(l);
	for (i = 0; i < inv->ntests; i++)
		inv->tests[i]->secrets = inv->secrets;
	for (i = 0; i < inv->nsites; i++) {
		s = inv->sites[i];
		for (n = 0, j = 0; j < inv->ntests; j++)
			n += inv_applies(inv->tests[j], s);
		s->tests = xcalloc(n + 1, sizeof *s->tests);
		for (j = 0; j < inv->ntests; j++) {
			if (inv_applies(inv->tests[j], s))
				s->tests[s->ntests++] = inv->tests[j];
		}
	}
}

/*
 * Load an inventory from a file or a directory of *.ini files. Every problem
 * is added to d; returns NULL if there was any error.
 */
struct inventory *
inventory_load(const char *path, struct diag *d)
{
	struct inventory	*inv;
	struct inv_load		 l;
	struct stat		 st;
	char			**files = NULL;
	size_t			  nfiles = 0, i;

	inv = xcalloc(1, sizeof *inv);
	inv->path = xstrdup(path);
	settings_init(&inv->settings, SETTINGS_SWEEP);

	memset(&l, 0, sizeof l);
	l.inv = inv;
	l.diag = d;
	l.seen = json_object();
	l.settings_seen = json_object();

	if (stat(path, &st) == -1) {
		diag_line(d, DIAG_ERROR, path, 0, "no inventory here (%s); "
		    "name one with -c PATH or $KONG_INVENTORY", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		inv->dir = xstrdup(path);
		files = inv_dir_files(path, &nfiles);
		if (files == NULL || nfiles == 0) {
			diag_line(d, DIAG_ERROR, path, 0, "no *.ini files in "
			    "this directory");
			goto out;
		}
	} else {
		inv->dir = path_dirname(path);
		files = xcalloc(1, sizeof *files);
		files[nfiles++] = xstrdup(path);
	}
	for (i = 0; i < nfiles; i++)
		inv_read(&l, files[i]);
	inv_resolve(&l);
out:
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	for (i = 0; i < l.ntests; i++) {
		free(l.tests[i].body);
		free(l.tests[i].body_lines);
		free(l.tests[i].body_cols);
	}
	for (i = 0; i < l.nnears; i++) {
		free(l.nears[i].section);
		free(l.nears[i].key);
	}
	free(l.nears);
	free(l.section);
	free(l.tests);
	free(l.sites);
	free(l.types);
	free(l.last_key);
	json_decref(l.seen);
	json_decref(l.settings_seen);
	if (d->nerrors > 0) {
		inventory_free(inv);
		return (NULL);
	}
	return (inv);
}

/* Free an inventory; NULL is allowed. */
void
inventory_free(struct inventory *inv)
{
	size_t	i;

	if (inv == NULL)
		return;
	for (i = 0; i < inv->nservers; i++) {
		free(inv->servers[i]->name);
		free(inv->servers[i]->address);
		json_decref(inv->servers[i]->attrs);
		free(inv->servers[i]);
	}
	for (i = 0; i < inv->ntypes; i++) {
		free(inv->types[i]->name);
		inv_free_list(inv->types[i]->managers);
		inv_free_list(inv->types[i]->recipients);
		inv_free_list(inv->types[i]->test_names);
		json_decref(inv->types[i]->attrs);
		free(inv->types[i]);
	}
	for (i = 0; i < inv->nsites; i++) {
		struct site *s = inv->sites[i];

		free(s->name);
		free(s->url);
		free(s->type_name);
		inv_free_list(s->tags);
		inv_free_list(s->server_names);
		free(s->servers);
		if (s->managers[0] != NULL)
			inv_free_list(s->recipients);
		inv_free_list(s->managers);
		inv_free_list(s->test_names);
		json_decref(s->attrs);
		free(s->tests);
		free(s);
	}
	for (i = 0; i < inv->ntests; i++) {
		struct test *t = inv->tests[i];

		free(t->name);
		free(t->path);
		source_unref(t->src);
		inv_free_list(t->types);
		inv_free_list(t->sites);
		inv_free_list(t->tags);
		template_free(t->tpl);
		free(t);
	}
	free(inv->servers);
	free(inv->types);
	free(inv->sites);
	free(inv->tests);
	settings_free(&inv->settings);
	inv_free_list(inv->recipients);
	json_decref(inv->secrets);
	map_free(&inv->index, NULL);
	for (i = 0; i < inv->nfiles; i++)
		free(inv->files[i]);
	free(inv->files);
	free(inv->path);
	free(inv->dir);
	free(inv);
}

/* What the inventory defines as "KIND NAME", or NULL. */
static void *
inv_lookup(const struct inventory *inv, const char *kind, const char *name)
{
	char	*key;
	void	*v;

	key = xstrfmt("%s %s", kind, name);
	v = map_get(&inv->index, key);
	free(key);
	return (v);
}

/* Index a new object under "KIND NAME" for inv_lookup. */
static void
inv_index(struct inventory *inv, const char *kind, const char *name, void *v)
{
	char	*key;

	key = xstrfmt("%s %s", kind, name);
	map_set(&inv->index, key, v);
	free(key);
}

/* The site called name, or NULL. */
struct site *
inventory_site(const struct inventory *inv, const char *name)
{
	return (inv_lookup(inv, "site", name));
}

/* The test called name, or NULL. */
struct test *
inventory_test(const struct inventory *inv, const char *name)
{
	return (inv_lookup(inv, "test", name));
}

/* The type called name, or NULL. */
struct site_type *
inventory_type(const struct inventory *inv, const char *name)
{
	return (inv_lookup(inv, "type", name));
}

/* The server called name, or NULL. */
struct server *
inventory_server(const struct inventory *inv, const char *name)
{
	return (inv_lookup(inv, "server", name));
}

/* An empty selection: everything. */
void
selection_init(struct selection *sel)
{
	memset(sel, 0, sizeof *sel);
}

/* Free a selection's patterns. */
void
selection_free(struct selection *sel)
{
	size_t	i;

	for (i = 0; i < sel->nsite; i++)
		free(sel->site[i]);
	for (i = 0; i < sel->ntype; i++)
		free(sel->type[i]);
	for (i = 0; i < sel->ntest; i++)
		free(sel->test[i]);
	for (i = 0; i < sel->nserver; i++)
		free(sel->server[i]);
	for (i = 0; i < sel->ntag; i++)
		free(sel->tag[i]);
	free(sel->site);
	free(sel->type);
	free(sel->test);
	free(sel->server);
	free(sel->tag);
	selection_init(sel);
}

/* Add a pattern to one of a selection's lists. */
void
selection_add(char ***v, size_t *n, const char *pattern)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = xstrdup(pattern);
}

/* Whether nothing was selected (so everything is). */
int
selection_empty(const struct selection *sel)
{
	return (sel->nsite + sel->ntype + sel->ntest + sel->nserver +
	    sel->ntag == 0);
}

/*
 * Whether a site is selected: patterns of one kind are alternatives, kinds
 * must all match.
 */
int
selection_site(const struct selection *sel, const struct site *s)
{
	size_t	i;
	int	hit;

	if (!glob_any(sel->site, sel->nsite, s->name))
		return (0);
	if (sel->ntype > 0 && (s->type_name == NULL ||
	    !glob_any(sel->type, sel->ntype, s->type_name)))
		return (0);
	if (sel->nserver > 0) {
		for (hit = 0, i = 0; i < s->nservers && !hit; i++)
			hit = glob_any(sel->server, sel->nserver,
			    s->servers[i]->name);
		if (!hit)
			return (0);
	}
	if (sel->ntag > 0) {
		for (hit = 0, i = 0; s->tags[i] != NULL && !hit; i++)
			hit = glob_any(sel->tag, sel->ntag, s->tags[i]);
		if (!hit)
			return (0);
	}
	return (1);
}

/* Whether a test is selected. */
int
selection_test(const struct selection *sel, const struct test *t)
{
	return (glob_any(sel->test, sel->ntest, t->name));
}

/*
 * The selected (site, test) pairs, in site then test order. Sites that are
 * not live are left out unless with_skipped. With per_server, a site with
 * servers gives one pair per selected server. Caller frees the array.
 */
struct pair *
inventory_pairs(const struct inventory *inv, const struct selection *sel,
    int with_skipped, int per_server, size_t *np)
{
	struct pair	*v = NULL;
	struct site	*s;
	size_t		 n = 0, i, j, k;

	for (i = 0; i < inv->nsites; i++) {
		s = inv->sites[i];
		if (!selection_site(sel, s) || (!s->live && !with_skipped))
			continue;
		for (j = 0; j < s->ntests; j++) {
			if (!selection_test(sel, s->tests[j]))
				continue;
			if (!per_server || s->nservers == 0) {
				v = xreallocarray(v, n + 1, sizeof *v);
				v[n].site = s;
				v[n].test = s->tests[j];
				v[n++].server = NULL;
				continue;
			}
			for (k = 0; k < s->nservers; k++) {
				if (!glob_any(sel->server, sel->nserver,
				    s->servers[k]->name))
					continue;
				v = xreallocarray(v, n + 1, sizeof *v);
				v[n].site = s;
				v[n].test = s->tests[j];
				v[n++].server = s->servers[k];
			}
		}
	}
	*np = n;
	return (v);
}

/* The test's parsed template, parsing it the first time. NULL on errors. */
struct template *
test_template(struct test *t, struct diag *d)
{
	if (t->tpl == NULL && !t->tpl_failed && t->src != NULL) {
		t->tpl = template_parse(t->src, d);
		if (t->tpl == NULL)
			t->tpl_failed = 1;
	}
	return (t->tpl);
}

static json_t *
inv_strv_json(char *const *v)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		json_array_append_new(a, json_string(v[i]));
	return (a);
}

/*
 * The template context for a test on a site (and server): site, type, test
 * and server objects. Caller owns the reference.
 */
json_t *
inventory_context(const struct site *s, const struct test *t,
    const struct server *srv)
{
	json_t	*ctx, *site, *type, *test, *server;

	ctx = json_object();
	site = s->attrs != NULL ? json_deep_copy(s->attrs) : json_object();
	json_object_set_new(site, "name", json_string(s->name));
	json_object_set_new(site, "url", json_string(s->url));
	json_object_set_new(site, "type", s->type_name != NULL ?
	    json_string(s->type_name) : json_null());
	json_object_set_new(site, "tags", inv_strv_json(s->tags));
	json_object_set_new(site, "servers", inv_strv_json(s->server_names));
	json_object_set_new(site, "managers", inv_strv_json(s->managers));
	json_object_set_new(site, "recipients", inv_strv_json(s->recipients));
	json_object_set_new(site, "tests", inv_strv_json(s->test_names));
	json_object_set_new(site, "live", json_boolean(s->live));
	json_object_set_new(site, "insecure", json_boolean(s->insecure));
	json_object_set_new(ctx, "site", site);

	if (s->type != NULL) {
		type = s->type->attrs != NULL ? json_deep_copy(s->type->attrs) :
		    json_object();
		json_object_set_new(type, "name", json_string(s->type->name));
		json_object_set_new(type, "managers",
		    inv_strv_json(s->type->managers));
		json_object_set_new(ctx, "type", type);
	}
	if (t != NULL && t->secrets != NULL && json_object_size(t->secrets) > 0)
		json_object_set(ctx, "secret", t->secrets);
	if (t != NULL) {
		test = json_object();
		json_object_set_new(test, "name", json_string(t->name));
		json_object_set_new(ctx, "test", test);
	}
	if (srv != NULL) {
		server = srv->attrs != NULL ? json_deep_copy(srv->attrs) :
		    json_object();
		json_object_set_new(server, "name", json_string(srv->name));
		json_object_set_new(server, "address",
		    json_string(srv->address));
		json_object_set_new(ctx, "server", server);
	}
	return (ctx);
}

/*
 * Render a test for a site (and server) into out, and make *srcp a source
 * of the rendered script whose lines map back to the template's file lines.
 * Template errors, undefined variables among them, go to d. Returns 0 or -1.
 */
int
inventory_render(struct test *t, const struct site *s,
    const struct server *srv, struct buf *out, struct source **srcp,
    struct diag *d)
{
	struct template		*tpl;
	struct template_lines	 lines;
	json_t			*ctx;
	int			*fl, *fc, rc;
	size_t			 i, l;

	*srcp = NULL;
	if ((tpl = test_template(t, d)) == NULL)
		return (-1);
	memset(&lines, 0, sizeof lines);
	ctx = inventory_context(s, t, srv);
	rc = template_render(tpl, ctx, out, &lines, d);
	json_decref(ctx);
	if (rc != 0) {
		template_lines_free(&lines);
		return (-1);
	}
	*srcp = source_create(t->src->name, out->data != NULL ? out->data : "",
	    out->len);
	fl = xcalloc(lines.n + 1, sizeof *fl);
	fc = xcalloc(lines.n + 1, sizeof *fc);
	for (i = 0; i < lines.n; i++) {
		l = (size_t)lines.v[i];
		fl[i] = source_file_line(t->src, (int)l);
		fc[i] = t->src->col_map != NULL && l >= 1 &&
		    l <= t->src->nlines ? t->src->col_map[l - 1] : 0;
	}
	source_set_map(*srcp, fl, fc, lines.n);
	free(fl);
	free(fc);
	template_lines_free(&lines);
	return (0);
}
