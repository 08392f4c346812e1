/* unit-util.c: tests of util.c and buf.c (and cmd-kong.c's durations). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "kong.h"
#include "tap.h"
#include "twill.h"

/* What libcurl's URL API gives back for url, or NULL. Caller frees. */
static char *
curl_round_trip(const char *url)
{
	CURLU	*u = curl_url();
	char	*s = NULL, *out = NULL;

	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) ==
	    CURLUE_OK && curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
		out = strdup(s);
		curl_free(s);
	}
	curl_url_cleanup(u);
	return (out);
}

/* url_is_plain(url) must be want, and a plain URL must survive libcurl. */
static void
plain(const char *url, int want)
{
	char	*back, name[512];
	int	 got = url_is_plain(url);

	snprintf(name, sizeof name, "url_is_plain(%s) = %d", url, want);
	ok(got == want, name);
	if (got) {
		back = curl_round_trip(url);
		snprintf(name, sizeof name, "libcurl gives %s back unchanged "
		    "(%s)", url, back != NULL ? back : "(refused)");
		ok(back != NULL && strcmp(back, url) == 0, name);
		free(back);
	}
}

int
main(void)
{
	long	 ms;
	int	 b;
	size_t	 n;
	char	**v;
	struct buf buf;

	plain("http://site0001.test:8000/health", 1);
	plain("https://shop.example.test/a/b/?q=1&x=y;z=(2)", 1);
	plain("http://127.0.0.1:8080/x//y/.z/..a/~b@c:d", 1);
	plain("http://10.0.0.255/", 1);
	plain("https://a-b.test:444/?next=/x?y", 1);
	plain("http://127.1/", 0);
	plain("http://127.0.0.01/", 0);
	plain("http://0x7f.0.0.1/", 0);
	plain("http://1.2.3.4.5/", 0);
	plain("http://256.0.0.1/", 0);
	plain("http://a.test:80/", 0);
	plain("https://a.test:443/", 0);
	plain("http://a.test:08080/", 0);
	plain("http://a.test:70000/", 0);
	plain("http://a.test", 0);
	plain("http://a.test?q", 0);
	plain("http://A.test/", 0);
	plain("http://a..test/", 0);
	plain("http://.a.test/", 0);
	plain("http://a.test./", 0);
	plain("http://a.test/./x", 0);
	plain("http://a.test/x/../y", 0);
	plain("http://a.test/x/.", 0);
	plain("http://a.test/x/..", 0);
	plain("http://a.test/%41", 0);
	plain("http://a.test/#top", 0);
	plain("http://a.test/a b", 0);
	plain("http://user@a.test/", 0);
	plain("http://[::1]:8080/", 0);
	plain("ftp://a.test/", 0);
	plain("HTTP://a.test/", 0);
	plain("http://a.test/\xc3\xa9", 0);
	ok(parse_duration_ms("500ms", &ms) == 0 && ms == 500, "500ms");
	ok(parse_duration_ms("10s", &ms) == 0 && ms == 10000, "10s");
	ok(parse_duration_ms("2m", &ms) == 0 && ms == 120000, "2m");
	ok(parse_duration_ms("1.5", &ms) == 0 && ms == 1500, "1.5 = seconds");
	ok(parse_duration_ms("10 parsecs", &ms) == -1, "bad unit");
	ok(parse_duration_ms("-1s", &ms) == -1, "negative");
	ok(parse_duration_ms("", &ms) == -1, "empty");
	ok(kong_parse_duration("14d", &ms) == 0 && ms == 14 * 86400000L, "14d");
	ok(kong_parse_duration(" 1.5d ", &ms) == 0 && ms == 129600000L, "1.5d");
	ok(kong_parse_duration("2w", &ms) == 0 && ms == 14 * 86400000L, "2w");
	ok(kong_parse_duration("36h", &ms) == 0 && ms == 36 * 3600000L,
	    "hours as parse_duration_ms reads them");
	ok(kong_parse_duration("2msd", &ms) == -1, "2msd");
	ok(kong_parse_duration("-1d", &ms) == -1, "negative days");
	ok(kong_parse_duration("d", &ms) == -1, "a unit alone");
	ok(kong_parse_duration("1e300d", &ms) == -1, "too long");
	ok(parse_bool("Yes", &b) == 0 && b == 1, "Yes");
	ok(parse_bool("off", &b) == 0 && b == 0, "off");
	ok(parse_bool("maybe", &b) == -1, "maybe");
	v = split_list(" a, b,,c  d ", &n);
	ok(n == 4 && strcmp(v[0], "a") == 0 && strcmp(v[3], "d") == 0, "split_list");
	free_strv(v);
	v = split_list("", &n);
	ok(n == 0 && v[0] == NULL, "split_list empty");
	free_strv(v);
	ok(glob_match("web*", "web01"), "glob *");
	ok(!glob_match("web?", "web01"), "glob ?");
	ok(utf8_is_valid("h\xc3\xa9", 3), "utf8 valid");
	ok(!utf8_is_valid("h\xc3", 2), "utf8 truncated");
	ok(!utf8_is_valid("\xed\xa0\x80", 3), "utf8 surrogate");
	ok(!utf8_is_valid("\xc0\xaf", 2), "utf8 overlong");
	is_int(utf8_columns("h\xc3\xa9x", 4), 3, "utf8 columns");
	is_int(levenshtein("gox", "go"), 1, "levenshtein");
	buf_init(&buf);
	buf_printf(&buf, "%d-%s", 42, "x");
	buf_addc(&buf, '!');
	is_str(buf.data, "42-x!", "buf_printf");
	buf_free(&buf);
	return (done_testing());
}
