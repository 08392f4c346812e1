/*
 * unit-results.c: reading a log back. Records come back one at a time as
 * results; a last line cut short (a writer killed mid-line) is left out
 * and counted as torn, a line that is not JSON is skipped and counted with
 * its line number, and a long log is read in constant memory.
 */
#include <fcntl.h>
#include <unistd.h>

#include "results.h"
#include "tap.h"

static char *
write_tmp(const char *text, size_t len)
{
	char	*path = xstrdup("/tmp/kong-unit-results.XXXXXX");
	int	 fd;

	if ((fd = mkstemp(path)) == -1 || write(fd, text, len) != (ssize_t)len)
		abort();
	close(fd);
	return (path);
}

int
main(void)
{
	static const char log[] =
	    "{\"schema\":1,\"record\":\"run_start\",\"run\":\"r1\"}\n"
	    "{\"schema\":1,\"record\":\"result\",\"run\":\"r1\",\"site\":\"shop\","
	    "\"test\":\"home\",\"server\":null,\"status\":\"fail\",\"error_class\":"
	    "\"assert\",\"duration_us\":42,\"attempts\":1,\"error\":{\"file\":"
	    "\"t.twill\",\"line\":2,\"command\":\"code 200\",\"message\":\"code is "
	    "500 != 200\"},\"recipients\":[\"a@x\",\"b@x\"],\"output\":\"\","
	    "\"steps\":[]}\n"
	    "\n"
	    "this is not json\n"
	    "{\"schema\":1,\"record\":\"run_end\",\"run\":\"r1\"}\n"
	    "{\"schema\":1,\"record\":\"something_new\"}\n"
	    "{\"schema\":1,\"record\":\"result\",\"run\":\"r2\",\"site\":\"cut";
	struct results_reader	*rd;
	struct results_entry	 e;
	struct buf		 big;
	char			*path, *cause = NULL;
	size_t			 first, i, n;
	int			 rc;

	path = write_tmp(log, sizeof log - 1);
	rd = results_reader_open(path, &cause);
	ok(rd != NULL, "a log opens");
	ok(results_reader_next(rd, &e) == 1 && e.kind == RESULTS_RUN_START &&
	    e.line == 1, "run_start, line 1");
	rc = results_reader_next(rd, &e);
	ok(rc == 1 && e.kind == RESULTS_RESULT && e.line == 2, "a result, line 2");
	is_str(e.result.where.site, "shop", "its site");
	ok(e.result.where.server == NULL, "no server");
	ok(e.result.status == RESULT_FAIL && e.result.eclass == ERR_ASSERT,
	    "its status and class");
	is_str(e.result.message, "code is 500 != 200", "its message");
	ok(e.result.where.recipients != NULL &&
	    strcmp(e.result.where.recipients[1], "b@x") == 0 &&
	    e.result.where.recipients[2] == NULL, "its recipients");
	ok(results_reader_next(rd, &e) == 1 && e.kind == RESULTS_RUN_END &&
	    e.line == 5, "a blank line and a bad one are skipped: run_end, line 5");
	ok(results_reader_next(rd, &e) == 1 && e.kind == RESULTS_OTHER,
	    "a record kind it does not know comes back as such");
	is_int(results_reader_next(rd, &e), 0, "then the end: the torn line is left out");
	is_int(results_reader_torn(rd), 1, "and counted as torn");
	n = results_reader_bad(rd, &first);
	ok(n == 1 && first == 4, "the bad line is counted, with its number");
	results_reader_close(rd);
	unlink(path);
	free(path);

	ok(results_reader_open("/nonexistent/kong.jsonl", &cause) == NULL &&
	    cause != NULL && strstr(cause, "No such file") != NULL,
	    "a missing log says why");
	free(cause);

	/* Records longer than the reader's chunk, many of them. */
	buf_init(&big);
	for (i = 0; i < 2000; i++) {
		buf_printf(&big, "{\"record\":\"result\",\"status\":\"pass\","
		    "\"site\":\"s%zu\",\"output\":\"", i);
		for (n = 0; n < (i % 7 == 0 ? 70000 : 10); n++)
			buf_addc(&big, 'x');
		buf_adds(&big, "\"}\n");
	}
	path = write_tmp(big.data, big.len);
	rd = results_reader_open(path, &cause);
	for (n = 0; results_reader_next(rd, &e) == 1; n++) {
		if (e.kind != RESULTS_RESULT)
			break;
	}
	is_int(n, 2000, "2,000 records, some longer than a read, all come back");
	ok(results_reader_bad(rd, NULL) == 0 && results_reader_torn(rd) == 0,
	    "none bad, none torn");
	results_reader_close(rd);
	unlink(path);
	free(path);
	buf_free(&big);
	return (tap_done());
}
