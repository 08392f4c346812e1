/*
 * diag.c: source texts and diagnostics.
 *
 * Every user-input error in Kong goes through here so that they all look
 * alike: "FILE:LINE:COL: error: message", the source line, and a caret under
 * the column. Lines and columns are 1-based; columns count characters.
 */
#include <string.h>

#include "diag.h"
#include "redact.h"

/* Index the line starts of a source's text. */
static void
source_index(struct source *src)
{
	size_t	i, n = 1;

	for (i = 0; i < src->len; i++) {
		if (src->text[i] == '\n')
			n++;
	}
	src->line_start = xcalloc(n, sizeof *src->line_start);
	src->nlines = 0;
	src->line_start[src->nlines++] = 0;
	for (i = 0; i < src->len; i++) {
		if (src->text[i] == '\n' && src->nlines < n)
			src->line_start[src->nlines++] = i + 1;
	}
}

/* Create a source from a copy of len bytes of text. */
struct source *
source_create(const char *name, const char *text, size_t len)
{
	struct source	*src;

	src = xcalloc(1, sizeof *src);
	src->name = xstrdup(name);
	src->text = xmalloc(len + 1);
	memcpy(src->text, text, len);
	src->text[len] = '\0';
	src->len = len;
	src->refs = 1;
	source_index(src);
	return (src);
}

/* Read a file as a source. Returns NULL and a cause on failure. */
struct source *
source_read(const char *path, char **cause)
{
	struct source	*src;
	char		*text;
	size_t		 len;

	if ((text = read_file(path, 64 << 20, &len, cause)) == NULL)
		return (NULL);
	src = source_create(path, text, len);
	free(text);
	return (src);
}

/*
 * Place this text inside a file: text line i (0-based) is file line lines[i]
 * and starts cols[i] columns to the right (cols may be NULL).
 */
void
source_set_map(struct source *src, const int *lines, const int *cols, size_t n)
{
	size_t	i;

	free(src->line_map);
	free(src->col_map);
	src->line_map = xcalloc(src->nlines, sizeof *src->line_map);
	src->col_map = xcalloc(src->nlines, sizeof *src->col_map);
	for (i = 0; i < src->nlines; i++) {
		if (i < n) {
			src->line_map[i] = lines[i];
			src->col_map[i] = cols != NULL ? cols[i] : 0;
		} else
			src->line_map[i] = n > 0 ? lines[n - 1] : (int)i + 1;
	}
}

/* Take a reference. */
struct source *
source_ref(struct source *src)
{
	src->refs++;
	return (src);
}

/* Drop a reference; the last one frees. NULL is allowed. */
void
source_unref(struct source *src)
{
	if (src == NULL || --src->refs > 0)
		return;
	free(src->name);
	free(src->text);
	free(src->line_start);
	free(src->line_map);
	free(src->col_map);
	free(src);
}

/* The 0-based text line holding offset off. */
size_t
source_line_of(const struct source *src, size_t off)
{
	size_t	lo = 0, hi = src->nlines, mid;

	while (hi - lo > 1) {
		mid = (lo + hi) / 2;
		if (src->line_start[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return (lo);
}

/* File line and column (1-based) of offset off in the text. */
void
source_locate(const struct source *src, size_t off, int *line, int *col)
{
	size_t	l;

	if (off > src->len)
		off = src->len;
	l = source_line_of(src, off);
	*col = 1 + (int)utf8_columns(src->text + src->line_start[l],
	    off - src->line_start[l]);
	if (src->line_map != NULL) {
		*line = src->line_map[l];
		*col += src->col_map[l];
	} else
		*line = (int)l + 1;
}

/* File line of 1-based text line n. */
int
source_file_line(const struct source *src, int n)
{
	if (src->line_map == NULL || n < 1 || (size_t)n > src->nlines)
		return (n);
	return (src->line_map[n - 1]);
}

/* Text line n (1-based) and its length without the newline. */
const char *
source_line(const struct source *src, int n, size_t *len)
{
	const char	*p, *e;

	if (n < 1 || (size_t)n > src->nlines) {
		*len = 0;
		return ("");
	}
	p = src->text + src->line_start[n - 1];
	e = memchr(p, '\n', src->len - (size_t)(p - src->text));
	*len = e == NULL ? src->len - (size_t)(p - src->text) : (size_t)(e - p);
	if (*len > 0 && p[*len - 1] == '\r')
		(*len)--;
	return (p);
}

/* Initialise an empty diagnostic list. */
void
diag_init(struct diag *d)
{
	memset(d, 0, sizeof *d);
	d->max = DIAG_MAX_ERRORS;
}

/* Free a diagnostic list's entries. */
void
diag_free(struct diag *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].text);
	}
	free(d->v);
	diag_init(d);
}

static const char *
diag_level_name(enum diag_level level)
{
	switch (level) {
	case DIAG_ERROR:
		return ("error");
	case DIAG_WARNING:
		return ("warning");
	case DIAG_NOTE:
		return ("note");
	}
	return ("?");
}

/* Count an entry against the cap; returns 0 when it must be dropped. */
static int
diag_admit(struct diag *d, enum diag_level level)
{
	if (level == DIAG_ERROR) {
		if (d->nerrors >= d->max) {
			d->dropped++;
			return (0);
		}
		d->nerrors++;
	} else if (level == DIAG_WARNING) {
		if (d->nwarnings >= 100)
			return (0);
		d->nwarnings++;
	}
	return (1);
}

static void
diag_push(struct diag *d, enum diag_level level, const char *file, int line,
    int col, char *text)
{
	struct diag_entry	*e;

	d->v = xreallocarray(d->v, d->n + 1, sizeof *d->v);
	e = &d->v[d->n++];
	e->level = level;
	e->file = xstrdup(file != NULL ? file : "");
	e->line = line;
	e->col = col;
	e->text = text;
}

/* Report at offset off of a source, with the line and a caret under it. */
void
diag_vat(struct diag *d, enum diag_level level, const struct source *src,
    size_t off, const char *fmt, va_list ap)
{
	struct buf	 b;
	const char	*text;
	size_t		 len, l, i;
	int		 line, col, shift, width, tline;

	if (!diag_admit(d, level))
		return;
	if (off > src->len)
		off = src->len;
	source_locate(src, off, &line, &col);
	buf_init(&b);
	buf_printf(&b, "%s:%d:%d: %s: ", src->name, line, col,
	    diag_level_name(level));
	buf_vprintf(&b, fmt, ap);
	buf_addc(&b, '\n');

	l = source_line_of(src, off);
	tline = (int)l + 1;
	text = source_line(src, tline, &len);
	shift = src->col_map != NULL ? src->col_map[l] : 0;
	width = snprintf(NULL, 0, "%d", line);
	buf_printf(&b, " %*d | %*s", width, line, shift, "");
	for (i = 0; i < len; i++) {
		/* Keep the caret aligned: show control characters as spaces. */
		if ((unsigned char)text[i] < 0x20 && text[i] != '\t')
			buf_addc(&b, ' ');
		else
			buf_addc(&b, text[i]);
	}
	buf_printf(&b, "\n %*s | %*s", width, "", shift, "");
	/* Spaces up to the caret, keeping tabs so that it stays aligned. */
	for (i = 0; i < len && i < off - src->line_start[l]; i++) {
		if (text[i] == '\t')
			buf_addc(&b, '\t');
		else if (((unsigned char)text[i] & 0xc0) != 0x80)
			buf_addc(&b, ' ');
	}
	buf_adds(&b, "^\n");
	diag_push(d, level, src->name, line, col, buf_steal(&b));
}

/* Report at offset off of a source. */
void
diag_at(struct diag *d, enum diag_level level, const struct source *src,
    size_t off, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	diag_vat(d, level, src, off, fmt, ap);
	va_end(ap);
}

/* Report "FILE:LINE: level: message" (line 0 leaves the line out). */
void
diag_line(struct diag *d, enum diag_level level, const char *file, int line,
    const char *fmt, ...)
{
	struct buf	b;
	va_list		ap;

	if (!diag_admit(d, level))
		return;
	buf_init(&b);
	if (line > 0)
		buf_printf(&b, "%s:%d: %s: ", file, line, diag_level_name(level));
	else
		buf_printf(&b, "%s: %s: ", file, diag_level_name(level));
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_addc(&b, '\n');
	diag_push(d, level, file, line, 0, buf_steal(&b));
}

/* Report a message that belongs to no file ("kong: error: ..."). */
void
diag_plain(struct diag *d, enum diag_level level, const char *fmt, ...)
{
	struct buf	b;
	va_list		ap;

	if (!diag_admit(d, level))
		return;
	buf_init(&b);
	buf_printf(&b, "kong: %s: ", diag_level_name(level));
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_addc(&b, '\n');
	diag_push(d, level, NULL, 0, 0, buf_steal(&b));
}

/* Whether the error cap has been reached. */
int
diag_full(const struct diag *d)
{
	return (d->nerrors >= d->max);
}

/* Print every entry in the order reported, then a count of dropped ones. */
void
diag_print(const struct diag *d, FILE *f)
{
	size_t	i;

	for (i = 0; i < d->n; i++)
		redact_fwrite(d->v[i].text, strlen(d->v[i].text), f);
	if (d->dropped > 0)
		fprintf(f, "kong: %zu more error%s not shown (at most %zu are)\n",
		    d->dropped, d->dropped == 1 ? "" : "s", d->max);
}
