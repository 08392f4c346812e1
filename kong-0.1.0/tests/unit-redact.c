/*
 * unit-redact.c: a registered secret is masked in every spelling it takes
 * on its way out: as it is, percent- and form-encoded, HTML-escaped, and
 * inside base64 whatever bytes come before it.
 */
#include "redact.h"
#include "tap.h"

/* Base64 of s, for building the texts a server would reflect. */
static char *
b64(const char *s)
{
	static const char	 t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct buf		 b;
	size_t			 n = strlen(s), i;
	unsigned		 v;

	buf_init(&b);
	for (i = 0; i < n; i += 3) {
		v = (unsigned char)s[i] << 16 | (i + 1 < n ?
		    (unsigned char)s[i + 1] << 8 : 0) | (i + 2 < n ?
		    (unsigned char)s[i + 2] : 0);
		buf_addc(&b, t[v >> 18 & 63]);
		buf_addc(&b, t[v >> 12 & 63]);
		buf_addc(&b, i + 1 < n ? t[v >> 6 & 63] : '=');
		buf_addc(&b, i + 2 < n ? t[v & 63] : '=');
	}
	return (buf_steal(&b));
}

static int
masked(const char *text, const char *leak)
{
	char	*out = redact_str(xstrdup(text));
	int	 hidden = strstr(out, leak) == NULL && strstr(out, REDACT_MASK) !=
		    NULL;

	if (!hidden)
		printf("# %s -> %s\n", text, out);
	free(out);
	return (hidden);
}

int
main(void)
{
	const char	*users[] = { "admin:", "ab:", "a:", "root:x" };
	char		*enc, *text, *out;
	size_t		 i;
	int		 all = 1;

	ok(!redact_active(), "nothing to mask at first");
	out = redact_str(xstrdup("open sesame"));
	is_str(out, "open sesame", "and nothing is masked");
	free(out);
	redact_add("open sesame & co");
	redact_add("s3cr3t-token");
	ok(redact_active(), "secrets registered");
	ok(masked("say open sesame & co now", "sesame"), "as it is");
	ok(masked("q=open+sesame+%26+co&x=1", "sesame"), "form-encoded");
	ok(masked("/p/open%20sesame%20%26%20co", "sesame"), "percent-encoded");
	ok(masked("<p>open sesame &amp; co</p>", "sesame"), "HTML-escaped");
	for (i = 0; i < nitems(users); i++) {
		text = xstrfmt("%ss3cr3t-token", users[i]);
		enc = b64(text);
		free(text);
		text = xstrfmt("Authorization: Basic %s", enc);
		all &= masked(text, enc + strlen(enc) - 8);
		free(text);
		free(enc);
	}
	ok(all, "inside base64 after any number of bytes (basic auth)");
	out = redact_str(xstrdup("s3cr3t-tokens and s3cr3t-token"));
	is_str(out, "***s and ***", "every occurrence");
	free(out);
	redact_clear();
	ok(!redact_active(), "cleared");
	return (tap_done());
}
