/*
 * fuzz-page.c: libFuzzer target for the page model: any bytes, as an HTML
 * response, through the parser, the title, links, meta refresh and forms
 * (every field of every form selected, set and submitted).
 */
#include <stdint.h>

#include "page.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct page		*p;
	const struct page_link	*links;
	struct form_pair	*pairs;
	struct field		 fld;
	struct buf		 b;
	char			*s, *cause;
	size_t			 n, i, j, np;
	long			 delay;

	xml_quiet_errors();
	p = page_create("http://fuzz.test/a/b?c=d", 200,
	    "text/html; charset=utf-8", "", (const char *)data, len);
	free(page_title(p));
	links = page_links(p, &n);
	for (i = 0; i < n; i++) {
		size_t	tl;

		(void)page_link_text(p, &links[i], &tl);
		(void)page_link_href(p, &links[i]);
	}
	free(page_scan_error(p));
	if (page_refresh(p, &delay, &s))
		free(s);
	(void)page_forms(p);
	buf_init(&b);
	for (i = 0; i < p->nforms; i++) {
		form_describe(p->forms[i], (int)i + 1, &b);
		for (j = 0; j < p->forms[i]->nctls && j < 16; j++) {
			char spec[16];

			snprintf(spec, sizeof spec, "%zu", j + 1);
			if (form_field(p->forms[i], spec, &fld, &cause) != 0) {
				free(cause);
				continue;
			}
			if (form_set_value(&fld, "+1", &cause) != 0)
				free(cause);
			field_clear(&fld);
		}
		pairs = form_payload(p->forms[i], NULL, &np);
		form_pairs_free(pairs, np);
		free(form_action(p->forms[i]));
		form_clear_values(p->forms[i]);
	}
	if (form_find(p, "x[", &cause) == NULL)
		free(cause);
	buf_free(&b);
	page_unref(p);
	return (0);
}
