/*
 * redact.c: the table of secret spellings and the replacement (redact.h).
 *
 * The spellings are kept longest first, so that a secret that contains
 * another is masked whole. Replacing is a scan of the text for each
 * spelling with memmem: a handful of secrets against a record of a few KB,
 * and nothing at all when no secret is set (the common case).
 */
#include <curl/curl.h>

#include "redact.h"

static char	**redact_v;
static size_t	  redact_n;

static int
redact_cmp(const void *a, const void *b)
{
	size_t	la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return (la < lb ? 1 : la > lb ? -1 : 0);
}

/* Register one spelling (at least REDACT_MIN bytes; duplicates ignored). */
static void
redact_spelling(const char *s, size_t len)
{
	size_t	i;

	if (len < REDACT_MIN)
		return;
	for (i = 0; i < redact_n; i++) {
		if (strlen(redact_v[i]) == len && memcmp(redact_v[i], s, len) == 0)
			return;
	}
	redact_v = xreallocarray(redact_v, redact_n + 1, sizeof *redact_v);
	redact_v[redact_n++] = xstrndup(s, len);
}

/* Percent-encoding of s (upper or lower hex; plus: '+' for a space). */
static char *
redact_percent(const char *s, int lower, int plus)
{
	static const char	 up[] = "0123456789ABCDEF", lo[] = "0123456789abcdef";
	const char		*hex = lower ? lo : up;
	struct buf		 b;
	unsigned char		 c;

	buf_init(&b);
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		    c == '~')
			buf_addc(&b, (char)c);
		else if (c == ' ' && plus)
			buf_addc(&b, '+');
		else {
			buf_addc(&b, '%');
			buf_addc(&b, hex[c >> 4]);
			buf_addc(&b, hex[c & 0xf]);
		}
	}
	return (buf_steal(&b));
}

/* HTML-escaped s, or NULL when nothing in it needs escaping. */
static char *
redact_html(const char *s)
{
	struct buf	b;
	int		changed = 0;

	buf_init(&b);
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			buf_adds(&b, "&amp;");
			break;
		case '<':
			buf_adds(&b, "&lt;");
			break;
		case '>':
			buf_adds(&b, "&gt;");
			break;
		case '"':
			buf_adds(&b, "&quot;");
			break;
		case '\'':
			buf_adds(&b, "&#39;");
			break;
		default:
			buf_addc(&b, *s);
			continue;
		}
		changed = 1;
	}
	if (!changed) {
		buf_free(&b);
		return (NULL);
	}
	return (buf_steal(&b));
}

/*
 * The base64 of s after k (0, 1, 2) bytes of anything, without the
 * characters that depend on those bytes or on what follows s: what any
 * base64 text containing s contains at that alignment.
 */
static void
redact_base64(const char *s, size_t k)
{
	static const char	 b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char		*in;
	struct buf		 b;
	size_t			 n = strlen(s), len = n + k, i, first, last;
	uint32_t		 v;

	in = xcalloc(len + 3, 1);
	memcpy(in + k, s, n);
	buf_init(&b);
	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		buf_addc(&b, b64[v >> 18 & 63]);
		buf_addc(&b, b64[v >> 12 & 63]);
		buf_addc(&b, b64[v >> 6 & 63]);
		buf_addc(&b, b64[v & 63]);
	}
	/* A prefix of k bytes spoils the first ceil(k*8/6) characters. */
	first = k == 0 ? 0 : k == 1 ? 2 : 3;
	last = b.len;
	if (last > first)
		redact_spelling(b.data + first, last - first);
	buf_free(&b);
	free(in);
}

/* Register a secret and its spellings. */
void
redact_add(const char *secret)
{
	char	*p;
	size_t	 k;

	redact_spelling(secret, strlen(secret));
	p = redact_percent(secret, 0, 0);
	redact_spelling(p, strlen(p));
	free(p);
	p = redact_percent(secret, 1, 0);
	redact_spelling(p, strlen(p));
	free(p);
	p = redact_percent(secret, 0, 1);
	redact_spelling(p, strlen(p));
	free(p);
	if ((p = redact_html(secret)) != NULL) {
		redact_spelling(p, strlen(p));
		free(p);
	}
	for (k = 0; k < 3; k++)
		redact_base64(secret, k);
	qsort(redact_v, redact_n, sizeof *redact_v, redact_cmp);
}

/* Forget every secret. */
void
redact_clear(void)
{
	size_t	i;

	for (i = 0; i < redact_n; i++)
		free(redact_v[i]);
	free(redact_v);
	redact_v = NULL;
	redact_n = 0;
}

/* Whether any secret is registered. */
int
redact_active(void)
{
	return (redact_n > 0);
}

/* Mask every secret in b, in place. */
void
redact_buf(struct buf *b)
{
	struct buf	 out;
	const char	*p, *hit;
	size_t		 i, len;

	if (redact_n == 0 || b->len == 0)
		return;
	for (i = 0; i < redact_n; i++) {
		len = strlen(redact_v[i]);
		if (memmem(b->data, b->len, redact_v[i], len) == NULL)
			continue;
		buf_init(&out);
		for (p = b->data; (hit = memmem(p, b->len - (size_t)(p -
		    b->data), redact_v[i], len)) != NULL; p = hit + len) {
			buf_add(&out, p, (size_t)(hit - p));
			buf_adds(&out, REDACT_MASK);
		}
		buf_add(&out, p, b->len - (size_t)(p - b->data));
		buf_free(b);
		*b = out;
	}
}

/* Mask every secret in s (freed; NULL stays NULL). Returns the new string. */
char *
redact_str(char *s)
{
	struct buf	b;

	if (s == NULL || redact_n == 0)
		return (s);
	buf_init(&b);
	buf_adds(&b, s);
	free(s);
	redact_buf(&b);
	return (buf_steal(&b));
}

/* fwrite, masked. */
void
redact_fwrite(const char *data, size_t len, FILE *f)
{
	struct buf	b;

	if (redact_n == 0) {
		fwrite(data, 1, len, f);
		return;
	}
	buf_init(&b);
	buf_add(&b, data, len);
	redact_buf(&b);
	fwrite(b.data, 1, b.len, f);
	buf_free(&b);
}
