/*
 * unit-record.c: the result record is written by hand: it must always be
 * one line of valid JSON that reads back as what was recorded, whatever
 * bytes the strings hold.
 */
#include "record.h"
#include "tap.h"

int
main(void)
{
	struct result		 r, back;
	struct buf		 b;
	json_t			*v;
	json_error_t		 err;
	const char		*weird = "quote\" backslash\\ nl\n tab\t cr\r "
	    "bell\a nul-free \x01\x1f del\x7f \xc3\xa9t\xc3\xa9 \xe2\x98\x83 "
	    "\xf0\x9f\x98\x80";

	result_init(&r);
	r.where.run = "run-1";
	r.where.site = "shop";
	r.where.url = "http://shop.test/";
	r.where.test = "home";
	r.status = RESULT_FAIL;
	r.eclass = ERR_ASSERT;
	r.message = xstrdup(weird);
	r.file = xstrdup("t.twill");
	r.line = 3;
	r.command = xstrdup("find \"x\"");
	r.duration_us = 1234567890123ULL;
	buf_add(&r.output, "bad \xff\xfe utf8 \xc3", 13);
	r.steps = xcalloc(2, sizeof *r.steps);
	r.nsteps = 2;
	r.steps[0].command = "go";
	r.steps[0].line = 1;
	r.steps[0].url = xstrdup("http://shop.test/");
	r.steps[0].code = 200;
	r.steps[0].bytes = 31337;
	r.steps[0].t.total = -1;
	r.steps[1].command = "submit";
	r.steps[1].post = 1;
	r.steps[1].url = xstrdup("http://shop.test/login");
	r.steps[1].error = xstrdup("Couldn't connect to server");
	r.attempts = 2;
	r.start_us = 1764628685123456ULL;
	r.tries = xcalloc(1, sizeof *r.tries);
	r.ntries = 1;
	r.tries[0].attempt = 1;
	r.tries[0].status = RESULT_ERROR;
	r.tries[0].eclass = ERR_NET;
	r.tries[0].message = xstrdup("Connection refused");
	r.tries[0].duration_us = 42;
	r.captures = json_pack("{s:s, s:s}", "build", "4.2.1", "odd", weird);
	r.certs = json_pack("[{s:s, s:s}]", "host", "shop.test:443", "expires",
	    "2026-12-07T19:03:00Z");

	buf_init(&b);
	record_result(&b, &r);
	ok(strchr(b.data, '\n') == NULL, "one line");
	v = json_loads(b.data, 0, &err);
	ok(v != NULL, "valid JSON");
	if (v == NULL)
		printf("# %s\n# %s\n", err.text, b.data);
	is_str(json_string_value(json_object_get(v, "status")), "fail",
	    "status");
	is_str(json_string_value(json_object_get(v, "error_class")), "assert",
	    "error class");
	is_str(json_string_value(json_object_get(json_object_get(v, "error"),
	    "message")), weird, "control characters, quotes and UTF-8 read back");
	is_int(json_integer_value(json_object_get(v, "duration_us")),
	    1234567890123LL, "a large duration is not truncated");
	is_str(json_string_value(json_object_get(v, "output")),
	    "bad \xef\xbf\xbd\xef\xbf\xbd utf8 \xef\xbf\xbd",
	    "invalid UTF-8 becomes U+FFFD");
	ok(json_is_null(json_object_get(v, "server")) &&
	    json_is_null(json_object_get(v, "type")), "missing fields are null");
	is_int(json_array_size(json_object_get(v, "steps")), 2, "two steps");
	is_str(json_string_value(json_object_get(json_array_get(
	    json_object_get(v, "steps"), 1), "method")), "POST", "method");
	is_int(json_integer_value(json_object_get(json_array_get(
	    json_object_get(v, "steps"), 0), "total_us")), -1,
	    "negative numbers");
	is_str(json_string_value(json_object_get(json_array_get(
	    json_object_get(v, "steps"), 1), "error")),
	    "Couldn't connect to server", "a step's error");
	ok(json_object_get(json_array_get(json_object_get(v, "steps"), 0),
	    "error") == NULL, "no error key on a step that got a response");
	is_int(json_integer_value(json_object_get(json_array_get(
	    json_object_get(v, "tries"), 0), "attempt")), 1, "tries");
	is_str(json_string_value(json_object_get(json_object_get(v, "captures"),
	    "odd")), weird, "captures, whatever they hold");
	is_str(json_string_value(json_object_get(json_array_get(
	    json_object_get(v, "certs"), 0), "expires")), "2026-12-07T19:03:00Z",
	    "certs");

	/* The reader's half: the record reads back as what was recorded. */
	result_init(&back);
	ok(results_from_json(v, &back) == 0, "the record reads back");
	is_str(back.where.site, "shop", "read back: site");
	is_str(back.where.run, "run-1", "read back: run");
	ok(back.where.server == NULL, "read back: no server");
	ok(back.status == RESULT_FAIL && back.eclass == ERR_ASSERT,
	    "read back: status and class");
	is_str(back.message, weird, "read back: message");
	is_str(back.command, "find \"x\"", "read back: command");
	is_int(back.line, 3, "read back: line");
	is_int((long long)back.duration_us, 1234567890123LL,
	    "read back: duration");
	is_int((long long)back.start_us, 1764628685123456LL,
	    "read back: the start, to the microsecond");
	is_int(back.attempts, 2, "read back: attempts");
	ok(back.ntries == 1 && back.tries[0].eclass == ERR_NET &&
	    back.tries[0].duration_us == 42, "read back: tries");
	ok(back.nsteps == 2 && back.steps[1].post &&
	    back.steps[0].bytes == 31337 && back.steps[0].t.total == -1,
	    "read back: steps");
	is_str(back.steps[1].error, "Couldn't connect to server",
	    "read back: a step's error");
	is_str(json_string_value(json_object_get(back.captures, "build")),
	    "4.2.1", "read back: captures");
	is_int(json_array_size(back.certs), 1, "read back: certs");
	result_clear(&back);
	json_decref(v);

	/* A pass: error is null, no tries. */
	free(r.message);
	r.message = NULL;
	r.status = RESULT_PASS;
	r.eclass = ERR_NONE;
	r.attempts = 1;
	free(r.tries[0].message);
	free(r.tries);
	r.tries = NULL;
	r.ntries = 0;
	json_decref(r.captures);
	json_decref(r.certs);
	r.captures = r.certs = NULL;
	buf_reset(&b);
	record_result(&b, &r);
	v = json_loads(b.data, 0, &err);
	ok(v != NULL && json_is_null(json_object_get(v, "error")) &&
	    json_is_null(json_object_get(v, "error_class")) &&
	    json_object_get(v, "tries") == NULL, "a pass has null error fields");
	ok(json_object_get(v, "captures") == NULL &&
	    json_object_get(v, "certs") == NULL,
	    "no captures or certs keys without them");
	json_decref(v);
	buf_free(&b);
	result_clear(&r);
	return (done_testing());
}
