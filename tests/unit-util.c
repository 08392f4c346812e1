/* unit-util.c: tests of util.c and buf.c (and cmd-kong.c's durations). */
#include <stdlib.h>
#include <string.h>

#include "kong.h"
#include "tap.h"
#include "twill.h"

int
main(void)
{
	long	 ms;
	int	 b;
	size_t	 n;
	char	**v;
	struct buf buf;

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
