/*
 * util.c: small helpers shared by every module: clocks, parsing of the
 * inventory's value types (durations, booleans, integers, lists), glob
 * patterns, UTF-8 checks, file reading and paths.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kong.h"

/* Microseconds on the monotonic clock: for every duration Kong measures. */
uint64_t
monotonic_usec(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

/* Microseconds since the epoch: only for timestamps shown to people. */
uint64_t
realtime_usec(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

/*
 * Parse a duration: a number with an optional unit ms, s (the default), m, h
 * or d; "1.5s" and "500ms" work. Returns 0 and fills *ms, or -1.
 */
int
parse_duration_ms(const char *s, long *ms)
{
	char	*end;
	double	 v, mult;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == '-' || *s == '+')
		return (-1);
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || v != v)
		return (-1);
	while (isspace((unsigned char)*end))
		end++;
	if (*end == '\0' || strcmp(end, "s") == 0)
		mult = 1000;
	else if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mult = 60000;
	else if (strcmp(end, "h") == 0)
		mult = 3600000;
	else if (strcmp(end, "d") == 0)
		mult = 86400000;
	else
		return (-1);
	v *= mult;
	if (v < 0 || v > (double)LONG_MAX / 2)
		return (-1);
	*ms = (long)(v + 0.5);
	return (0);
}

/* Parse yes/no, true/false, on/off, 1/0 (any case). Returns 0 or -1. */
int
parse_bool(const char *s, int *v)
{
	static const char *yes[] = { "1", "yes", "true", "on", "y" };
	static const char *no[] = { "0", "no", "false", "off", "n" };
	size_t	i;

	for (i = 0; i < nitems(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = 1;
			return (0);
		}
		if (strcasecmp(s, no[i]) == 0) {
			*v = 0;
			return (0);
		}
	}
	return (-1);
}

/* Parse a decimal integer within [min, max]. Returns 0 or -1. */
int
parse_int(const char *s, long min, long max, long *v)
{
	char	*end;
	long	 n;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return (-1);
	errno = 0;
	n = strtol(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return (-1);
	*v = n;
	return (0);
}

/* Parse a byte size: "512", "64k", "10MB", "1G" (powers of 1024). */
int
parse_size(const char *s, long *v)
{
	char	*end;
	double	 n, mult = 1;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == '-')
		return (-1);
	errno = 0;
	n = strtod(s, &end);
	if (errno != 0 || end == s || n != n)
		return (-1);
	while (isspace((unsigned char)*end))
		end++;
	switch (*end) {
	case 'k':
	case 'K':
		mult = 1024;
		end++;
		break;
	case 'm':
	case 'M':
		mult = 1024 * 1024;
		end++;
		break;
	case 'g':
	case 'G':
		mult = 1024 * 1024 * 1024;
		end++;
		break;
	}
	if ((*end == 'B' || *end == 'b') && end[1] == '\0')
		end++;
	else if (mult != 1 && (strcasecmp(end, "iB") == 0))
		end += 2;
	if (*end != '\0')
		return (-1);
	n *= mult;
	if (n < 0 || n > (double)LONG_MAX / 2)
		return (-1);
	*v = (long)n;
	return (0);
}

/*
 * Split a list separated by commas and/or whitespace into a NULL-terminated
 * vector of non-empty words. Caller frees with free_strv.
 */
char **
split_list(const char *s, size_t *np)
{
	char	**v = NULL;
	size_t	  n = 0, len;

	v = xreallocarray(NULL, 1, sizeof *v);
	for (;;) {
		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		len = strcspn(s, ", \t\r\n\f\v");
		v = xreallocarray(v, n + 2, sizeof *v);
		v[n++] = xstrndup(s, len);
		s += len;
	}
	v[n] = NULL;
	if (np != NULL)
		*np = n;
	return (v);
}

/* Free a NULL-terminated string vector; NULL is allowed. */
void
free_strv(char **v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Length of a NULL-terminated string vector. */
size_t
strv_len(char *const *v)
{
	size_t	n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return (n);
}

/* Whether a NULL-terminated vector holds the string s. */
int
strv_contains(char *const *v, const char *s)
{
	size_t	i;

	for (i = 0; v != NULL && v[i] != NULL; i++) {
		if (strcmp(v[i], s) == 0)
			return (1);
	}
	return (0);
}

/* Whether s matches a shell glob pattern (*, ?, [...]). */
int
glob_match(const char *pattern, const char *s)
{
	return (fnmatch(pattern, s, 0) == 0);
}

/* Whether s matches any of n patterns; no patterns match everything. */
int
glob_any(char *const *patterns, size_t n, const char *s)
{
	size_t	i;

	if (n == 0)
		return (1);
	for (i = 0; i < n; i++) {
		if (glob_match(patterns[i], s))
			return (1);
	}
	return (0);
}

/* Length of the longest prefix of s that is valid UTF-8. */
size_t
utf8_valid_prefix(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n, k;
	uint32_t		 cp;

	while (i < len) {
		/* ASCII, eight bytes at a time: most of every page. */
		while (i + 8 <= len) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = p[i] & 0x1f;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = p[i] & 0x0f;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = p[i] & 0x07;
		} else
			return (i);
		if (i + n >= len)
			return (i);
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return (i);
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (i);
		i += n + 1;
	}
	return (i);
}

/* Whether s is entirely valid UTF-8. */
int
utf8_is_valid(const char *s, size_t len)
{
	return (utf8_valid_prefix(s, len) == len);
}

/* Number of characters (columns) in the first len bytes of UTF-8 text. */
size_t
utf8_columns(const char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	}
	return (n);
}

/* Edit distance between two short strings, for "did you mean" hints. */
size_t
levenshtein(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, *row, prev, tmp, best;

	if (la > 64 || lb > 64)
		return (SIZE_MAX);
	row = xcalloc(lb + 1, sizeof *row);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	best = row[lb];
	free(row);
	return (best);
}

/*
 * Read a whole file of at most max bytes into a NUL-terminated buffer.
 * Returns the data (caller frees) and its length, or NULL and a cause.
 */
char *
read_file(const char *path, size_t max, size_t *lenp, char **cause)
{
	struct buf	 b;
	struct stat	 st;
	char		 tmp[65536];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*cause = xstrfmt("%s: %s", path, strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		*cause = xstrfmt("%s: is a directory", path);
		close(fd);
		return (NULL);
	}
	buf_init(&b);
	buf_grow(&b, 0);
	for (;;) {
		n = read(fd, tmp, sizeof tmp);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*cause = xstrfmt("%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			*cause = xstrfmt("%s: file is larger than %zu bytes", path, max);
			goto fail;
		}
		buf_add(&b, tmp, (size_t)n);
	}
	close(fd);
	if (lenp != NULL)
		*lenp = b.len;
	return (buf_steal(&b));
fail:
	close(fd);
	buf_free(&b);
	return (NULL);
}

/* The last component of a path (a pointer into it). */
const char *
path_basename(const char *path)
{
	const char	*p = strrchr(path, '/');

	return (p == NULL ? path : p + 1);
}

/* The directory of a path ("." when there is none). Caller frees. */
char *
path_dirname(const char *path)
{
	const char	*p = strrchr(path, '/');

	if (p == NULL)
		return (xstrdup("."));
	if (p == path)
		return (xstrdup("/"));
	return (xstrndup(path, (size_t)(p - path)));
}

/* Join a directory and a relative path; an absolute path is kept. Caller frees. */
char *
path_join(const char *dir, const char *path)
{
	if (*path == '/' || dir == NULL || *dir == '\0' || strcmp(dir, ".") == 0)
		return (xstrdup(path));
	return (xstrfmt("%s/%s", dir, path));
}

/* Format microseconds for people: "850us", "12.3ms", "4.56s", "2m03s". */
void
format_duration(char *out, size_t size, uint64_t usec)
{
	if (usec < 1000)
		snprintf(out, size, "%uus", (unsigned)usec);
	else if (usec < 1000000)
		snprintf(out, size, "%.1fms", usec / 1000.0);
	else if (usec < 60000000)
		snprintf(out, size, "%.2fs", usec / 1000000.0);
	else
		snprintf(out, size, "%um%02us", (unsigned)(usec / 60000000),
		    (unsigned)(usec / 1000000 % 60));
}

/* The characters a plain URL's path and query may hold (RFC 3986's pchar, '/' and '?', no '%'). */
static int
url_plain_char(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("-._~!$&'()*+,;=:@/?", c) != NULL);
}

/*
 * Is url already in the form libcurl's URL API would give it back
 * (curl_url_set then curl_url_get), so that normalizing it can be skipped?
 * Only the common case says yes: http or https, a lowercase host name that
 * does not start with a digit (libcurl rewrites numeric IPv4 forms) or a
 * dotted quad in canonical form, a port that is not the scheme's default
 * and has no leading zero, a path from '/' without dot segments, a query,
 * no '%', no fragment. Anything else answers 0 and takes the long way;
 * tests/unit-util.c checks the answer against libcurl.
 */
int
url_is_plain(const char *url)
{
	const char	*p, *host, *seg;
	int		 https, digits, parts, n;

	if (strncmp(url, "http://", 7) == 0) {
		https = 0;
		p = url + 7;
	} else if (strncmp(url, "https://", 8) == 0) {
		https = 1;
		p = url + 8;
	} else
		return (0);

	host = p;
	if (*p >= '0' && *p <= '9') {
		/* A dotted quad: four decimal parts, 0-255, no leading zero. */
		for (parts = 0; parts < 4; parts++) {
			if (parts > 0 && *p++ != '.')
				return (0);
			if (*p == '0' && p[1] >= '0' && p[1] <= '9')
				return (0);
			for (n = 0, digits = 0; *p >= '0' && *p <= '9'; p++) {
				n = n * 10 + (*p - '0');
				if (++digits > 3)
					return (0);
			}
			if (digits == 0 || n > 255)
				return (0);
		}
	} else {
		for (; (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.'; p++) {
			if (*p == '.' && (p == host || p[-1] == '.'))
				return (0);
		}
		if (p == host || p[-1] == '.' || p[-1] == '-' || *host == '-')
			return (0);
	}
	if (*p == ':') {
		p++;
		if (*p < '1' || *p > '9')
			return (0);
		for (n = 0, digits = 0; *p >= '0' && *p <= '9'; p++) {
			n = n * 10 + (*p - '0');
			if (++digits > 5)
				return (0);
		}
		if (n > 65535 || n == (https ? 443 : 80))
			return (0);
	}
	if (*p != '/')
		return (0);

	/* The path: no "." or ".." segment. Then the query, as it is. */
	for (seg = p; *p != '\0' && *p != '?'; p++) {
		if (!url_plain_char((unsigned char)*p))
			return (0);
		if (*p == '/') {
			if ((p - seg == 2 && seg[1] == '.') ||
			    (p - seg == 3 && seg[1] == '.' && seg[2] == '.'))
				return (0);
			seg = p;
		}
	}
	if ((p - seg == 2 && seg[1] == '.') ||
	    (p - seg == 3 && seg[1] == '.' && seg[2] == '.'))
		return (0);
	for (; *p != '\0'; p++) {
		if (!url_plain_char((unsigned char)*p))
			return (0);
	}
	return (1);
}
