/*
 * fuzz-template.c: libFuzzer target for the template language.
 *
 * Parses the input as a template and, if it parses, renders it twice against
 * a small fixed context: once with diagnostics and a line map, once without,
 * and checks that both renders agree, that a failed render reported an
 * error, and that the line map has one entry per output line, each a line of
 * the template. Then lists the variables the template reads, each of which
 * must be a well-formed path.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kong.h"
#include "diag.h"
#include "template.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char fuzz_ctx[] =
    "{\"site\": {\"name\": \"shop\", \"url\": \"http://shop.test/\","
    " \"type\": \"django\", \"tags\": [\"eu\", \"prod\"],"
    " \"servers\": [\"web1\", \"web2\"], \"live\": true, \"insecure\": false,"
    " \"weight\": \"10\", \"count\": 3, \"ratio\": 1.5, \"none\": null,"
    " \"empty\": \"\", \"attrs\": {\"color\": \"red\", \"size\": \"L\"},"
    " \"nested\": [[1, 2], [\"a\", \"b\"]], \"ml\": \"l1\\nl2\"},"
    " \"type\": {\"name\": \"django\"}, \"test\": {\"name\": \"home\"}}";

/* The number of lines in len bytes of output. */
static size_t
fuzz_count_lines(const char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	return (n + (len > 0 && s[len - 1] != '\n'));
}

/* A path from template_foreach_var: dot-separated, non-empty names. */
static void
fuzz_var_cb(const char *path, void *arg)
{
	size_t	len = strlen(path);

	(void)arg;
	if (len == 0 || path[0] == '.' || path[len - 1] == '.' ||
	    strstr(path, "..") != NULL ||
	    strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.") != len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct source		*src;
	struct diag		 d;
	struct template		*t;
	struct buf		 out, out2;
	struct template_lines	 lines = { NULL, 0, 0 };
	json_t			*ctx;
	size_t			 i;
	int			 rc, rc2;

	if ((ctx = json_loads(fuzz_ctx, 0, NULL)) == NULL)
		abort();
	src = source_create("fuzz.tpl", (const char *)data, size);
	diag_init(&d);
	if ((t = template_parse(src, &d)) != NULL) {
		if (d.nerrors != 0)
			abort();
		buf_init(&out);
		buf_init(&out2);
		rc = template_render(t, ctx, &out, &lines, &d);
		rc2 = template_render(t, ctx, &out2, NULL, NULL);
		if (rc != rc2 || out.len != out2.len ||
		    (out.len > 0 && memcmp(out.data, out2.data, out.len) != 0))
			abort();
		if ((rc == -1) != (d.nerrors > 0 || d.dropped > 0))
			abort();
		if (rc == 0) {
			if (lines.n != fuzz_count_lines(out.data, out.len))
				abort();
			for (i = 0; i < lines.n; i++) {
				if (lines.v[i] < 1 ||
				    (size_t)lines.v[i] > src->nlines)
					abort();
			}
		}
		template_foreach_var(t, fuzz_var_cb, NULL);
		buf_free(&out);
		buf_free(&out2);
		template_lines_free(&lines);
		template_free(t);
	} else if (d.nerrors == 0)
		abort();
	diag_free(&d);
	source_unref(src);
	json_decref(ctx);
	return (0);
}
