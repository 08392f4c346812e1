/*
 * settings.c: the settings table (settings.h) and what it drives: defaults,
 * parsing a value from the inventory or the command line, copies, and the
 * run_start options object.
 *
 * A value is parsed the same way wherever it comes from; only the wording
 * of the error differs, since an inventory line and an option are fixed in
 * different ways ("'timeout' must be a duration ..." against "--timeout:
 * '1x' is not a duration ...").
 */
#include <stddef.h>

#include "settings.h"

#define SETTING_INFO(n, t, dc, dr, mn, mx, so, cm, rk, mv, h)		\
	[SETTING_##n] = { #n, SETTING_##t, dc, dr, mn, mx, so, cm, rk,	\
	    mv, h, offsetof(struct settings, n) },
const struct setting_info settings_table[SETTINGS_COUNT] = {
	SETTINGS(SETTING_INFO)
};
#undef SETTING_INFO

#define SETTING_PTR(s, info, type) ((type *)((char *)(s) + (info)->offset))

/* Defaults for a sweep or for kong run. */
void
settings_init(struct settings *s, enum settings_profile profile)
{
	const struct setting_info	*info;
	size_t				 i;
	long				 v;

	memset(s, 0, sizeof *s);
	for (i = 0; i < SETTINGS_COUNT; i++) {
		info = &settings_table[i];
		v = profile == SETTINGS_RUN ? info->def_run : info->def_check;
		switch (info->type) {
		case SETTING_INT:
		case SETTING_DURATION:
		case SETTING_SIZE:
			*SETTING_PTR(s, info, long) = v;
			break;
		case SETTING_BOOL:
			*SETTING_PTR(s, info, int) = (int)v;
			break;
		case SETTING_STRING:
			break;
		case SETTING_LIST:
			*SETTING_PTR(s, info, char **) = xcalloc(1,
			    sizeof (char *));
			break;
		}
	}
}

/* Free what settings hold. */
void
settings_free(struct settings *s)
{
	const struct setting_info	*info;
	size_t				 i;

	for (i = 0; i < SETTINGS_COUNT; i++) {
		info = &settings_table[i];
		if (info->type == SETTING_STRING)
			free(*SETTING_PTR(s, info, char *));
		else if (info->type == SETTING_LIST)
			free_strv(*SETTING_PTR(s, info, char **));
		free(s->origin[i].file);
	}
	memset(s, 0, sizeof *s);
}

static char **
settings_strv_copy(char *const *v)
{
	char	**c;
	size_t	  i, n = strv_len(v);

	c = xcalloc(n + 1, sizeof *c);
	for (i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return (c);
}

/* A deep copy of src into dst (which is not initialised). */
void
settings_copy(struct settings *dst, const struct settings *src)
{
	const struct setting_info	*info;
	size_t				 i;
	char				*str;

	memcpy(dst, src, sizeof *dst);
	for (i = 0; i < SETTINGS_COUNT; i++) {
		info = &settings_table[i];
		if (info->type == SETTING_STRING) {
			str = *SETTING_PTR(src, info, char *);
			*SETTING_PTR(dst, info, char *) = str != NULL ?
			    xstrdup(str) : NULL;
		} else if (info->type == SETTING_LIST)
			*SETTING_PTR(dst, info, char **) = settings_strv_copy(
			    *SETTING_PTR(src, info, char **));
		if (src->origin[i].file != NULL)
			dst->origin[i].file = xstrdup(src->origin[i].file);
	}
}

/* The setting whose [kong] key is key, or NULL. */
const struct setting_info *
settings_find(const char *key)
{
	size_t	i;

	for (i = 0; i < SETTINGS_COUNT; i++) {
		if (strcmp(settings_table[i].key, key) == 0)
			return (&settings_table[i]);
	}
	return (NULL);
}

/* The setting whose key is nearest to key (a typo of it), or NULL. */
const struct setting_info *
settings_near(const char *key)
{
	size_t	i, d, best = SIZE_MAX, bi = 0;

	for (i = 0; i < SETTINGS_COUNT; i++) {
		d = levenshtein(key, settings_table[i].key);
		if (d < best) {
			best = d;
			bi = i;
		}
	}
	if (best > 2 || best >= strlen(key))
		return (NULL);
	return (&settings_table[bi]);
}

/* The option that sets a setting: its key with '-' for '_'. Caller frees. */
char *
settings_option_name(const struct setting_info *info)
{
	char	*name, *p;

	name = xstrdup(info->key);
	for (p = name; *p != '\0'; p++) {
		if (*p == '_')
			*p = '-';
	}
	return (name);
}

/* Whether a resolve entry has the HOST:PORT:ADDRESS shape. */
static int
settings_resolve_ok(const char *e)
{
	const char	*c = strchr(e, ':');

	return (c != NULL && strchr(c + 1, ':') != NULL);
}

/* The error for a value of the wrong form, worded for where it came from. */
static char *
settings_bad(const struct setting_info *info, const char *value, int cli)
{
	char	*opt, *why;

	if (!cli) {
		switch (info->type) {
		case SETTING_INT:
			return (xstrfmt("'%s' must be a whole number from %ld "
			    "to %ld, not '%s'", info->key, info->min, info->max,
			    value));
		case SETTING_DURATION:
			if (info->min > 0)
				return (xstrfmt("'%s' must be a duration of at "
				    "least %ldms, such as 500ms, 10s or 2m, not "
				    "'%s'", info->key, info->min, value));
			return (xstrfmt("'%s' must be a duration such as "
			    "500ms, 10s or 2m, not '%s'", info->key, value));
		case SETTING_BOOL:
			return (xstrfmt("'%s' must be yes or no (or "
			    "true/false, on/off, 1/0), not '%s'", info->key,
			    value));
		case SETTING_SIZE:
			return (xstrfmt("'%s' must be a size of at least 1k "
			    "such as 64k or 16M, not '%s'", info->key, value));
		case SETTING_STRING:
			return (xstrfmt("'%s' needs a value", info->key));
		case SETTING_LIST:
			return (xstrfmt("'%s' entries are %s, not '%s'",
			    info->key, info->metavar, value));
		}
	}
	opt = settings_option_name(info);
	switch (info->type) {
	case SETTING_INT:
		why = xstrfmt("--%s: '%s' is not a whole number from %ld to %ld",
		    opt, value, info->min, info->max);
		break;
	case SETTING_DURATION:
		why = xstrfmt("--%s: '%s' is not a duration (such as 500ms, "
		    "10s, 2m)%s", opt, value, info->min > 0 ?
		    " of at least 1ms" : "");
		break;
	case SETTING_SIZE:
		why = xstrfmt("--%s: '%s' is not a size of at least 1k (such "
		    "as 64k, 16M)", opt, value);
		break;
	case SETTING_LIST:
		why = xstrfmt("--%s takes %s, not '%s'", opt, info->metavar,
		    value);
		break;
	default:
		why = xstrfmt("--%s: '%s' is not a valid value", opt, value);
		break;
	}
	free(opt);
	return (why);
}

/*
 * Set a setting from text: an inventory value (cli 0) or an option's
 * argument (cli 1). A list is replaced, or appended to when append is set
 * (continuation lines, repeated options). Returns 0, or -1 and a message
 * (caller frees) naming the key or the option.
 */
int
settings_set(struct settings *s, const struct setting_info *info,
    const char *value, int flags, char **cause)
{
	char	**v, ***list;
	long	  n;
	int	  b;
	size_t	  i, k, m;

	switch (info->type) {
	case SETTING_INT:
		if (parse_int(value, info->min, info->max, &n) != 0)
			goto bad;
		*SETTING_PTR(s, info, long) = n;
		return (0);
	case SETTING_DURATION:
		if (parse_duration_ms(value, &n) != 0 || n < info->min ||
		    (info->max > 0 && n > info->max))
			goto bad;
		*SETTING_PTR(s, info, long) = n;
		return (0);
	case SETTING_SIZE:
		if (parse_size(value, &n) != 0 || n < info->min ||
		    (info->max > 0 && n > info->max))
			goto bad;
		*SETTING_PTR(s, info, long) = n;
		return (0);
	case SETTING_BOOL:
		if (parse_bool(value, &b) != 0)
			goto bad;
		*SETTING_PTR(s, info, int) = b;
		return (0);
	case SETTING_STRING:
		if (*value == '\0') {
			if (info == &settings_table[SETTING_log])
				*cause = xstrdup(flags & SETTINGS_CLI ?
				    "--log needs a file name (or - for "
				    "standard output)" : "'log' needs a file "
				    "name (or - for standard output)");
			else
				*cause = settings_bad(info, value,
				    flags & SETTINGS_CLI);
			return (-1);
		}
		free(*SETTING_PTR(s, info, char *));
		*SETTING_PTR(s, info, char *) = xstrdup(value);
		return (0);
	case SETTING_LIST:
		v = split_list(value, &m);
		for (i = 0; i < m; i++) {
			if (info == &settings_table[SETTING_resolve] &&
			    !settings_resolve_ok(v[i])) {
				*cause = settings_bad(info, v[i],
				    flags & SETTINGS_CLI);
				free_strv(v);
				return (-1);
			}
		}
		list = SETTING_PTR(s, info, char **);
		if (!(flags & SETTINGS_APPEND)) {
			free_strv(*list);
			*list = v;
			return (0);
		}
		k = strv_len(*list);
		*list = xreallocarray(*list, k + m + 1, sizeof **list);
		for (i = 0; i < m; i++)
			(*list)[k + i] = v[i];
		(*list)[k + m] = NULL;
		free(v);
		return (0);
	}
bad:
	*cause = settings_bad(info, value, flags & SETTINGS_CLI);
	return (-1);
}

/* A JSON string of text that may not be UTF-8 (bad bytes become '?'). */
static json_t *
settings_jstr(const char *v)
{
	json_t	*j;
	char	*c, *p;
	size_t	 ok;

	if (v == NULL)
		return (json_null());
	if (utf8_is_valid(v, strlen(v)))
		return (json_string(v));
	c = xstrdup(v);
	for (p = c; *p != '\0'; p += ok) {
		if ((ok = utf8_valid_prefix(p, strlen(p))) == 0) {
			*p = '?';
			ok = 1;
		}
	}
	j = json_string(c);
	free(c);
	return (j != NULL ? j : json_string(""));
}

/* The run_start "options" object: every setting with a record key. */
json_t *
settings_record(const struct settings *s)
{
	const struct setting_info	*info;
	json_t				*o, *a;
	char *const			*v;
	size_t				 i, k;

	o = json_object();
	for (i = 0; i < SETTINGS_COUNT; i++) {
		info = &settings_table[i];
		if (info->record == NULL)
			continue;
		switch (info->type) {
		case SETTING_INT:
		case SETTING_DURATION:
		case SETTING_SIZE:
			json_object_set_new(o, info->record, json_integer(
			    *SETTING_PTR(s, info, const long)));
			break;
		case SETTING_BOOL:
			json_object_set_new(o, info->record, json_boolean(
			    *SETTING_PTR(s, info, const int)));
			break;
		case SETTING_STRING:
			json_object_set_new(o, info->record, settings_jstr(
			    *SETTING_PTR(s, info, char *const)));
			break;
		case SETTING_LIST:
			a = json_array();
			v = *SETTING_PTR(s, info, char **const);
			for (k = 0; v != NULL && v[k] != NULL; k++)
				json_array_append_new(a, settings_jstr(v[k]));
			json_object_set_new(o, info->record, a);
			break;
		}
	}
	return (o);
}

/*
 * A file a setting names, relative to the file that set it (as given when
 * absolute or set on the command line). Caller frees.
 */
char *
settings_path(const struct settings *set, enum setting_id id,
    const char *value)
{
	char	*dir, *path;

	if (set->origin[id].file == NULL || *value == '/')
		return (xstrdup(value));
	dir = path_dirname(set->origin[id].file);
	path = path_join(dir, value);
	free(dir);
	return (path);
}
