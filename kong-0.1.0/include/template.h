/*
 * template.h: Kong's Django template language subset.
 *
 * Every test is a template rendered once per site before Twill sees it:
 * "go {{ site.url }}". A template is parsed once into an immutable tree
 * (template_parse) and rendered many times against a context of jansson
 * values (template_render). There is no HTML autoescaping: the output is a
 * script, not a web page.
 *
 * Values: strings, integers, reals, booleans, null, arrays and objects.
 * Lists render as their items joined by ", ".
 *
 * Unlike Django, where an undefined variable renders as the empty string, an
 * undefined variable is an error: `find "{{ site.headng }}"` must not become
 * `find ""`, which every page passes. The error names the variable as
 * written, says which part of its path is missing and suggests a close name
 * that exists. A template says explicitly where a value may be missing: an
 * {% if %} or {% elif %} condition or a {% firstof %} treats it as false,
 * and a default or default_if_none filter supplies one. A {% for %} over an
 * undefined variable is an error even with {% empty %} (which is for empty
 * lists); write {% for x in site.list|default:None %} if it may be missing.
 */
#ifndef KONG_TEMPLATE_H
#define KONG_TEMPLATE_H

#include <jansson.h>

#include "diag.h"

struct template;

/*
 * Output line map: for each line of the rendered output (0-based index), the
 * 1-based line of the template text that produced its first byte. Lets a
 * script error in the rendered text point at the template's line.
 */
struct template_lines {
	int	*v;
	size_t	 n;
	size_t	 cap;
};

/*
 * Parse a template. Errors (unknown tag or filter, unclosed block, bad
 * expression) are added to d at their file:line:col; returns NULL if there
 * were any. The template keeps a reference to src.
 */
struct template	*template_parse(struct source *src, struct diag *d);

/* Free a template; NULL is allowed. */
void		 template_free(struct template *);

/*
 * Render against ctx (a JSON object whose keys are the top-level names).
 * Appends to out. If lines is not NULL it is filled as described above.
 * Returns 0, or -1 if a variable was undefined (outside the cases above) or
 * the render did too much; the errors are then in d if it is not NULL, one
 * per use of an undefined variable, at its file:line:col, and out holds
 * only part of the text, which is not to be used.
 */
int		 template_render(const struct template *, json_t *ctx,
		     struct buf *out, struct template_lines *lines,
		     struct diag *d);

void		 template_lines_free(struct template_lines *);

/*
 * Call cb once for each distinct variable path the template reads anywhere
 * ({{ }}, conditions, filter arguments, for, with, firstof), as a path from
 * the context: "site.headline". A name bound by {% for %} stands for the
 * path it iterates over ("site.pages" for p in {% for p in site.pages %}),
 * one bound by {% with x=site.a %} for that path (x.b is "site.a.b");
 * forloop and names bound to literals are not reported.
 */
void		 template_foreach_var(const struct template *,
		     void (*cb)(const char *path, void *arg), void *arg);

#endif
